//! The registry clerk's desk: searching the register, a registration in full with how it
//! arrived, annulments (requested, then authorised), emergency numbers and daily registers.

use sportello_domain::tenancy::EnteId;
use sqlx::Row;

use crate::db::{Store, StoreError, Tx};
use crate::tenancy::TenantStore;

/// A registration as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegistryRow {
    pub id: i64,
    pub year: i64,
    pub number: i64,
    pub registered_at: String,
    pub direction: String,
    pub correspondent: String,
    pub subject: String,
    pub sender_reference: Option<String>,
    pub document_digest: String,
    pub attachments: String,
    pub previous_hash: String,
    pub hash: String,
    pub classification: String,
    pub fascicolo: String,
    pub application_id: Option<String>,
    pub channel: Option<String>,
    pub file_name: Option<String>,
    pub media_type: Option<String>,
    pub registered_by: Option<String>,
    pub annulled_at: Option<i64>,
    pub annulled_reason: Option<String>,
    pub annulled_by: Option<String>,
    pub annulment_requested_by: Option<String>,
    pub annulment_request_reason: Option<String>,
    pub emergency_number: Option<String>,
    pub emergency_at: Option<String>,
}

/// What to look for; empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrySearch {
    pub number: Option<i64>,
    pub year: Option<i64>,
    /// `YYYY-MM-DD`, inclusive, on the Italian date of registration.
    pub from: Option<String>,
    pub to: Option<String>,
    pub subject: Option<String>,
    pub correspondent: Option<String>,
    pub direction: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DailyRegisterRow {
    pub day: String,
    pub registrations: i64,
    pub pdf_sha256: String,
    pub json_sha256: String,
    pub produced_at: i64,
}

const SELECT: &str = "SELECT r.id, r.year, r.number, r.registered_at, r.direction, r.correspondent, r.subject, \
     r.sender_reference, r.document_digest, r.attachments, r.previous_hash, r.hash, r.classification, r.fascicolo, \
     r.application_id, d.channel, d.file_name, d.media_type, d.registered_by, \
     a.at AS annulled_at, a.reason AS annulled_reason, a.authorised_by AS annulled_by, \
     q.requested_by AS annulment_requested_by, q.reason AS annulment_request_reason, \
     e.emergency_number, e.emergency_at \
     FROM protocol_registrations r \
     LEFT JOIN protocol_details d ON d.registration_id = r.id \
     LEFT JOIN protocol_annulments a ON a.registration_id = r.id \
     LEFT JOIN annulment_requests q ON q.registration_id = r.id \
     LEFT JOIN protocol_emergency e ON e.registration_id = r.id";

fn like(s: &str) -> String {
    let escaped: String = s
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect();
    format!("%{escaped}%")
}

/// What became of an authorisation of an annulment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorisation {
    Annulled,
    NothingPending,
    /// The one who asked for it may not authorise it.
    SamePerson,
}

impl TenantStore<'_> {
    /// Registrations of the ente matching `q`, newest first, at most `limit`.
    pub async fn search_register(
        &self,
        q: &RegistrySearch,
        limit: i64,
    ) -> Result<Vec<RegistryRow>, StoreError> {
        // A correspondent's name: the newest registrations its words find (merged from the
        // words' index, as many as the page needs), more while the other conditions leave the
        // page short; the database sorts every match only past the most merged.
        let typed = q
            .correspondent
            .as_deref()
            .map(crate::words::words)
            .unwrap_or_default();
        if typed.is_empty() {
            return self.search_register_with(q, limit, None).await;
        }
        let mut wanted = limit.max(64);
        while wanted <= 1 << 16 {
            let Some(newest) = self.newest_with_words(&typed, wanted).await? else {
                break;
            };
            let rows = self.search_register_with(q, limit, Some(&newest)).await?;
            if !newest.more || i64::try_from(rows.len()).unwrap_or(i64::MAX) >= limit {
                return Ok(rows);
            }
            wanted = wanted.saturating_mul(4);
        }
        self.search_register_with(q, limit, None).await
    }

    async fn search_register_with(
        &self,
        q: &RegistrySearch,
        limit: i64,
        newest: Option<&crate::words::Newest>,
    ) -> Result<Vec<RegistryRow>, StoreError> {
        // Only the conditions asked for are written, so that the planner sees them: a number
        // is found through its index (`protocol_registrations_by_number`), the newest first
        // through the ente's (`protocol_registrations_by_ente`), whatever the history.
        enum Bind<'a> {
            Int(i64),
            Text(std::borrow::Cow<'a, str>),
        }
        let mut binds: Vec<Bind<'_>> = Vec::new();
        let mut sql = format!(
            "{SELECT} WHERE {} = $1",
            if newest.is_some() {
                crate::words::Newest::ENTE
            } else {
                "r.ente_id"
            }
        );
        let mut add = |condition: &str, b: Bind<'static>, binds: &mut Vec<Bind<'_>>| {
            binds.push(b);
            sql.push_str(&condition.replace('?', &format!("${}", binds.len() + 1)));
        };
        if let Some(n) = q.number {
            add(" AND r.number = ?", Bind::Int(n), &mut binds);
        }
        if let Some(y) = q.year {
            add(" AND r.year = ?", Bind::Int(y), &mut binds);
        }
        if let Some(from) = &q.from {
            add(
                " AND substr(r.registered_at, 1, 10) >= ?",
                Bind::Text(from.clone().into()),
                &mut binds,
            );
        }
        if let Some(to) = &q.to {
            add(
                " AND substr(r.registered_at, 1, 10) <= ?",
                Bind::Text(to.clone().into()),
                &mut binds,
            );
        }
        if let Some(subject) = &q.subject {
            add(
                " AND LOWER(r.subject) LIKE ?",
                Bind::Text(like(subject).into()),
                &mut binds,
            );
        }
        if let Some(d) = &q.direction {
            add(
                " AND r.direction = ?",
                Bind::Text(d.clone().into()),
                &mut binds,
            );
        }
        if let Some(c) = &q.correspondent {
            // Each word typed begins one of the correspondent's words: through the register's
            // words, never by reading the ente's history.
            let words = crate::words::words(c);
            if words.is_empty() {
                // Nothing searchable typed («S.r.l.», one letter): nothing is found.
                sql.push_str(" AND 1 = 0");
            }
            if let Some(newest) = newest {
                sql.push_str(&newest.condition());
            }
            for word in words.into_iter().filter(|_| newest.is_none()) {
                let (from, to) = crate::words::prefix_range(&word);
                binds.push(Bind::Text(from.into()));
                binds.push(Bind::Text(to.into()));
                let n = binds.len();
                sql.push_str(&format!(
                    " AND r.id IN (SELECT w.registration_id FROM registration_words w \
                     WHERE w.ente_id = $1 AND w.word >= ${} AND w.word < ${})",
                    n,
                    n + 1
                ));
            }
        }
        let n = binds.len();
        // Newest first: by number, or for a name, registered last first (its words' order).
        let order = if newest.is_some() {
            "r.id DESC"
        } else {
            "r.year DESC, r.number DESC"
        };
        sql.push_str(&format!(" ORDER BY {order} LIMIT ${}", n + 2));
        // Planned for its values on PostgreSQL (`Store::keep_prepared`).
        let mut query = sqlx::query_as::<_, RegistryRow>(&sql)
            .persistent(self.store().keep_prepared())
            .bind(self.ente().get());
        for b in &binds {
            query = match b {
                Bind::Int(i) => query.bind(*i),
                Bind::Text(t) => query.bind(t.as_ref()),
            };
        }
        Ok(query.bind(limit).fetch_all(self.store().reader()).await?)
    }

    /// Incoming documents that came by another channel than an application (a letter, a
    /// PEC) and are neither routed nor annulled: what the registry clerk routes. Newest first.
    pub async fn unrouted_inbound(&self, limit: i64) -> Result<Vec<RegistryRow>, StoreError> {
        Ok(sqlx::query_as::<_, RegistryRow>(&format!(
            "{SELECT} WHERE r.ente_id = $1 AND r.direction = 'E' AND r.application_id IS NULL \
             AND a.at IS NULL AND NOT EXISTS \
             (SELECT 1 FROM registry_routes t WHERE t.registration_id = r.id) \
             ORDER BY r.year DESC, r.number DESC LIMIT $2"
        ))
        .bind(self.ente().get())
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    pub async fn registry_entry(&self, id: i64) -> Result<Option<RegistryRow>, StoreError> {
        Ok(sqlx::query_as::<_, RegistryRow>(&format!(
            "{SELECT} WHERE r.ente_id = $1 AND r.id = $2"
        ))
        .bind(self.ente().get())
        .bind(id)
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// Files an annulment request; false if one is pending or the registration is annulled.
    pub async fn request_annulment(
        &self,
        id: i64,
        by: (i64, &str),
        at: i64,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO annulment_requests (registration_id, requested_by, requested_at, reason, requested_by_id) \
             SELECT id, $3, $4, $5, $6 FROM protocol_registrations WHERE id = $1 AND ente_id = $2 \
             AND NOT EXISTS (SELECT 1 FROM protocol_annulments WHERE registration_id = $1) \
             ON CONFLICT (registration_id) DO NOTHING",
        )
        .bind(id)
        .bind(self.ente().get())
        .bind(by.1)
        .bind(at)
        .bind(reason)
        .bind(by.0)
        .execute(&self.store().write_pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Authorises the pending request: the registration is annulled (it stays in the register,
    /// marked). False if there was no pending request.
    pub async fn authorise_annulment(
        &self,
        id: i64,
        by: (i64, &str),
        at: i64,
    ) -> Result<Authorisation, StoreError> {
        let mut tx = self.store().begin().await?;
        let request = sqlx::query(
            "SELECT q.requested_by, q.requested_by_id, q.reason FROM annulment_requests q \
             JOIN protocol_registrations r ON r.id = q.registration_id \
             WHERE q.registration_id = $1 AND r.ente_id = $2",
        )
        .bind(id)
        .bind(self.ente().get())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(request) = request else {
            return Ok(Authorisation::NothingPending);
        };
        let requested_by: String = request.try_get("requested_by")?;
        let requested_by_id: Option<i64> = request.try_get("requested_by_id")?;
        let reason: String = request.try_get("reason")?;
        // Separation of duties: by account; a request from before accounts were recorded, by
        // name.
        if requested_by_id.map_or(requested_by == by.1, |asker| asker == by.0) {
            return Ok(Authorisation::SamePerson);
        }
        let by = by.1;
        // The request is claimed before the annulment is written: of two officers authorising
        // at once, the second finds it gone (on PostgreSQL its DELETE waits for the first to
        // commit) and is told nothing is pending.
        let claimed = sqlx::query("DELETE FROM annulment_requests WHERE registration_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed != 1 {
            return Ok(Authorisation::NothingPending);
        }
        sqlx::query(
            "INSERT INTO protocol_annulments (registration_id, at, requested_by, authorised_by, reason) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(at)
        .bind(&requested_by)
        .bind(by)
        .bind(&reason)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Authorisation::Annulled)
    }

    /// The registrations of one Italian day in an AOO, in number order.
    pub async fn registrations_of_day(
        &self,
        aoo_id: i64,
        day: &str,
    ) -> Result<Vec<RegistryRow>, StoreError> {
        Ok(sqlx::query_as::<_, RegistryRow>(&format!(
            "{SELECT} WHERE r.ente_id = $1 AND r.aoo_id = $2 AND substr(r.registered_at, 1, 10) = $3 ORDER BY r.year, r.number"
        ))
        .bind(self.ente().get())
        .bind(aoo_id)
        .bind(day)
        .fetch_all(self.store().reader())
        .await?)
    }

    pub async fn daily_registers(&self, aoo_id: i64) -> Result<Vec<DailyRegisterRow>, StoreError> {
        Ok(sqlx::query_as::<_, DailyRegisterRow>(
            "SELECT d.day, d.registrations, d.pdf_sha256, d.json_sha256, d.produced_at FROM daily_registers d \
             JOIN aoo ON aoo.id = d.aoo_id WHERE d.aoo_id = $1 AND aoo.ente_id = $2 ORDER BY d.day DESC",
        )
        .bind(aoo_id)
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }
}

impl Store {
    pub async fn insert_details(
        tx: &mut Tx,
        registration_id: i64,
        channel: &str,
        file_name: Option<&str>,
        media_type: Option<&str>,
        registered_by: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO protocol_details (registration_id, channel, file_name, media_type, registered_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(registration_id)
        .bind(channel)
        .bind(file_name)
        .bind(media_type)
        .bind(registered_by)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Links a registration to its number on the emergency register. False if that emergency
    /// number was imported already (the caller rolls back).
    pub async fn insert_emergency(
        tx: &mut Tx,
        registration_id: i64,
        aoo_id: i64,
        emergency_number: &str,
        emergency_at: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO protocol_emergency (registration_id, aoo_id, emergency_number, emergency_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (aoo_id, emergency_number) DO NOTHING",
        )
        .bind(registration_id)
        .bind(aoo_id)
        .bind(emergency_number)
        .bind(emergency_at)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a daily register; false if that AOO's day was produced already.
    pub async fn insert_daily_register(
        tx: &mut Tx,
        aoo_id: i64,
        d: &DailyRegisterRow,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO daily_registers (aoo_id, day, registrations, pdf_sha256, json_sha256, produced_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (aoo_id, day) DO NOTHING",
        )
        .bind(aoo_id)
        .bind(&d.day)
        .bind(d.registrations)
        .bind(&d.pdf_sha256)
        .bind(&d.json_sha256)
        .bind(d.produced_at)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl crate::tenancy::RegionWide<'_> {
    /// Every AOO of the region: (ente id, aoo id, code).
    pub async fn all_aoo(&self) -> Result<Vec<(EnteId, i64, String)>, StoreError> {
        let rows = sqlx::query("SELECT ente_id, id, code FROM aoo ORDER BY id")
            .fetch_all(self.store.reader())
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    EnteId::from_stored(r.try_get("ente_id")?),
                    r.try_get("id")?,
                    r.try_get("code")?,
                ))
            })
            .collect()
    }
}

/// Where a registered document was sent within the ente (smistamento), and who took it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RouteRow {
    pub registration_id: i64,
    pub office_code: String,
    pub office_name: String,
    pub routed_by: String,
    pub routed_at: i64,
    pub taken_by: Option<String>,
    pub taken_at: Option<i64>,
    pub number: i64,
    pub year: i64,
    pub subject: String,
    pub correspondent: String,
}

const ROUTE_SELECT: &str =
    "SELECT t.registration_id, t.office_code, o.name AS office_name, t.routed_by, \
     t.routed_at, t.taken_by, t.taken_at, r.number, r.year, r.subject, r.correspondent \
     FROM registry_routes t \
     JOIN protocol_registrations r ON r.id = t.registration_id \
     JOIN offices o ON o.ente_id = t.ente_id AND o.code = t.office_code";

impl TenantStore<'_> {
    /// Where registration `id` was routed, if anywhere.
    pub async fn route_of(&self, id: i64) -> Result<Option<RouteRow>, StoreError> {
        Ok(sqlx::query_as::<_, RouteRow>(&format!(
            "{ROUTE_SELECT} WHERE t.registration_id = $1 AND t.ente_id = $2"
        ))
        .bind(id)
        .bind(self.ente().get())
        .fetch_optional(self.store().reader())
        .await?)
    }

    /// Routes registration `id` to an office of the ente (replacing an earlier route, which
    /// is then waiting again). Returns false if the office is not the ente's.
    pub async fn set_route(
        &self,
        id: i64,
        office: &str,
        by: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        let known: Option<i64> =
            sqlx::query_scalar("SELECT id FROM offices WHERE ente_id = $1 AND code = $2")
                .bind(self.ente().get())
                .bind(office)
                .fetch_optional(self.store().reader())
                .await?;
        if known.is_none() {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO registry_routes (registration_id, ente_id, office_code, routed_by, routed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (registration_id) DO UPDATE SET \
             office_code = excluded.office_code, routed_by = excluded.routed_by, \
             routed_at = excluded.routed_at, taken_by = NULL, taken_at = NULL",
        )
        .bind(id)
        .bind(self.ente().get())
        .bind(office)
        .bind(by)
        .bind(at)
        .execute(&self.store().write_pool())
        .await?;
        Ok(true)
    }

    /// Takes a routed document in charge, once. Returns whether this call took it.
    pub async fn take_route(&self, id: i64, by: &str, at: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE registry_routes SET taken_by = $1, taken_at = $2 \
             WHERE registration_id = $3 AND ente_id = $4 AND taken_at IS NULL",
        )
        .bind(by)
        .bind(at)
        .bind(id)
        .bind(self.ente().get())
        .execute(&self.store().write_pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Routed documents this person took in charge, newest first.
    pub async fn routes_taken_by(&self, by: &str, limit: i64) -> Result<Vec<RouteRow>, StoreError> {
        Ok(sqlx::query_as::<_, RouteRow>(&format!(
            "{ROUTE_SELECT} WHERE t.ente_id = $1 AND t.taken_by = $2 \
             ORDER BY t.taken_at DESC LIMIT $3"
        ))
        .bind(self.ente().get())
        .bind(by)
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Documents routed to the ente's offices (to `office` only, when given) and not yet taken
    /// in charge, oldest first.
    pub async fn routes_waiting(
        &self,
        office: Option<&str>,
        limit: i64,
    ) -> Result<Vec<RouteRow>, StoreError> {
        let query = match office {
            Some(_) => format!(
                "{ROUTE_SELECT} WHERE t.ente_id = $1 AND t.taken_at IS NULL \
                 AND t.office_code = $3 ORDER BY t.routed_at LIMIT $2"
            ),
            None => format!(
                "{ROUTE_SELECT} WHERE t.ente_id = $1 AND t.taken_at IS NULL \
                 ORDER BY t.routed_at LIMIT $2"
            ),
        };
        let mut q = sqlx::query_as::<_, RouteRow>(&query)
            .bind(self.ente().get())
            .bind(limit);
        if let Some(office) = office {
            q = q.bind(office);
        }
        Ok(q.fetch_all(self.store().reader()).await?)
    }
}

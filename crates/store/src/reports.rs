//! Reports (segnalazioni, issue 20): each ente's reports, numbered per year, with their public
//! timeline and supports; the ente's adaptation of the region's categories; its districts; the
//! Open311 keys it issued.
//!
//! Every move of a report is a conditional update on the state the mover saw, so two people
//! acting on one report at once cannot both succeed (the second is told it changed); a support
//! is a row keyed by (report, supporter), so a resident supports a report once however often
//! and however concurrently they click.

use sqlx::Row;

use crate::db::{Store, StoreError, Tx};
use crate::tenancy::{RegionWide, TenantStore};

/// A report as it is filed.
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    pub year: i64,
    pub category: &'a str,
    pub subject: &'a str,
    pub description: &'a str,
    pub street: Option<&'a str>,
    pub street_folded: Option<&'a str>,
    pub house_number: Option<&'a str>,
    pub lat: Option<i64>,
    pub lon: Option<i64>,
    pub district_id: Option<i64>,
    pub office_code: Option<&'a str>,
    pub anonymous: bool,
    pub reporter_fiscal_code: Option<&'a str>,
    pub reporter_email: Option<&'a str>,
    pub reporter_name: Option<&'a str>,
    pub client: Option<&'a str>,
    pub due_date: &'a str,
    pub protocol_ref: Option<&'a str>,
    pub token: &'a str,
    /// Kept in the file store already; `review` is ignored (every photo starts waiting).
    pub photos: &'a [ReportPhotoRow],
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub ente_id: i64,
    pub year: i64,
    pub number: i64,
    pub category: String,
    pub subject: String,
    pub description: String,
    pub street: Option<String>,
    pub street_folded: Option<String>,
    pub house_number: Option<String>,
    pub lat: Option<i64>,
    pub lon: Option<i64>,
    pub district_id: Option<i64>,
    pub office_code: Option<String>,
    pub anonymous: i64,
    pub reporter_fiscal_code: Option<String>,
    pub reporter_email: Option<String>,
    pub reporter_name: Option<String>,
    pub client: Option<String>,
    pub state: String,
    pub due_date: String,
    pub protocol_ref: Option<String>,
    pub supports: i64,
    pub reopenings: i64,
    pub resolved_at: Option<i64>,
    pub token: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ReportRow {
    pub fn ente(&self) -> sportello_domain::tenancy::EnteId {
        sportello_domain::tenancy::EnteId::from_stored(self.ente_id)
    }
}

const REPORT_COLUMNS: &str = "id, ente_id, year, number, category, subject, description, street, \
     street_folded, house_number, lat, lon, district_id, office_code, anonymous, \
     reporter_fiscal_code, reporter_email, reporter_name, client, state, due_date, protocol_ref, \
     supports, reopenings, resolved_at, token, created_at, updated_at";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportEventRow {
    pub seq: i64,
    pub kind: String,
    pub state: String,
    pub text: String,
    pub staff: Option<String>,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportPhotoRow {
    pub position: i64,
    pub digest: String,
    pub media_type: String,
    pub description: String,
    /// 0 waiting, 1 approved, -1 refused.
    pub review: i64,
}

/// A report sent without signing in, as it is kept.
#[derive(Debug, Clone)]
pub struct PendingReport<'a> {
    pub ente_id: i64,
    pub input: &'a str,
    pub photos: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub now_ms: i64,
    pub expires_ms: i64,
}

/// A report sent without signing in, waiting for its sender's confirmation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingReportRow {
    pub ente_id: i64,
    /// What was typed, as JSON.
    pub input: String,
    /// The photos already in the file store, as JSON.
    pub photos: String,
    pub email: String,
    pub name: String,
    pub expires_at: i64,
    /// The report it became, once confirmed.
    pub report_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportCategoryRow {
    pub code: String,
    pub in_use: i64,
    pub term_days: i64,
    pub office_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportDistrictRow {
    pub id: i64,
    pub name: String,
    pub streets: String,
    pub outline: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Open311KeyRow {
    pub id: i64,
    pub ente_id: i64,
    pub label: String,
    pub created_by: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Which reports a list asks for, newest first, a page at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportQuery {
    /// States (codes); empty: every state.
    pub states: Vec<String>,
    /// Categories (codes); empty: every category.
    pub categories: Vec<String>,
    pub district_id: Option<i64>,
    /// An office's queue: its reports and those no office was named for.
    pub office_code: Option<String>,
    /// Filed at or after / before (milliseconds).
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub order: ReportOrder,
    /// Keyset paging: the reports after this one in `order` (an `after` of another order is
    /// ignored).
    pub after: Option<ReportAfter>,
    pub limit: i64,
}

/// The order of a list of reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReportOrder {
    /// Newest first (by id).
    #[default]
    Newest,
    /// The nearest term first (by due date, then id).
    Due,
    /// The most supported first (then the newest).
    Supports,
}

/// Where a page of reports ends, in its order's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportAfter {
    Newest { id: i64 },
    Due { due_date: String, id: i64 },
    Supports { supports: i64, id: i64 },
}

/// How a move ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moved {
    Done,
    /// The report was not in the state the mover saw (someone else moved it first).
    Changed,
}

/// A move of a report: from the state seen to the next, with its event.
#[derive(Debug, Clone)]
pub struct ReportMove<'a> {
    pub id: i64,
    pub from: &'a str,
    pub to: &'a str,
    pub kind: &'a str,
    pub text: &'a str,
    pub staff: Option<&'a str>,
    /// The office now handling it (a reroute), if it changes.
    pub office_code: Option<&'a str>,
    pub now_ms: i64,
    /// A message to send when the move is made, in the same transaction: (recipient,
    /// subject, body). The reporter's, or the office's when the reporter reopens.
    pub notify: Option<(&'a str, &'a str, &'a str)>,
    /// The digest of the secret with which a reporter who did not sign in answers «è stato
    /// risolto?» (set with a resolution; any other move clears it).
    pub answer_digest: Option<&'a str>,
}

impl Store {
    /// Files a report with the next number of its year and its first event. Its id and number.
    /// Inside `tx` (which may also register it in the protocol).
    pub async fn report_file(
        tx: &mut Tx,
        ente_id: i64,
        r: &NewReport<'_>,
        now_ms: i64,
    ) -> Result<(i64, i64), StoreError> {
        let number: i64 = sqlx::query_scalar(
            "INSERT INTO report_counters (ente_id, year, last_number) VALUES ($1, $2, 1) \
             ON CONFLICT (ente_id, year) DO UPDATE SET last_number = report_counters.last_number + 1 \
             RETURNING last_number",
        )
        .bind(ente_id)
        .bind(r.year)
        .fetch_one(&mut **tx)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reports (ente_id, year, number, category, subject, description, street, \
             street_folded, house_number, lat, lon, district_id, office_code, anonymous, \
             reporter_fiscal_code, reporter_email, reporter_name, client, state, due_date, \
             protocol_ref, token, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 'received', $19, $20, $21, $22, $22) \
             RETURNING id",
        )
        .bind(ente_id)
        .bind(r.year)
        .bind(number)
        .bind(r.category)
        .bind(r.subject)
        .bind(r.description)
        .bind(r.street)
        .bind(r.street_folded)
        .bind(r.house_number)
        .bind(r.lat)
        .bind(r.lon)
        .bind(r.district_id)
        .bind(r.office_code)
        .bind(i64::from(r.anonymous))
        .bind(r.reporter_fiscal_code)
        .bind(r.reporter_email)
        .bind(r.reporter_name)
        .bind(r.client)
        .bind(r.due_date)
        .bind(r.protocol_ref)
        .bind(r.token)
        .bind(now_ms)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO report_events (report_id, seq, kind, state, text, staff, at_ms) \
             VALUES ($1, 1, 'received', 'received', '', NULL, $2)",
        )
        .bind(id)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
        for (position, p) in (1_i64..).zip(r.photos) {
            sqlx::query(
                "INSERT INTO report_photos (report_id, position, digest, media_type, description) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(position)
            .bind(&p.digest)
            .bind(&p.media_type)
            .bind(&p.description)
            .execute(&mut **tx)
            .await?;
        }
        Ok((id, number))
    }

    /// Inside `tx`: keeps a report sent without signing in until its sender confirms it.
    pub async fn report_pending_add(
        tx: &mut Tx,
        token_digest: &str,
        p: &PendingReport<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO report_pending (token_digest, ente_id, input, photos, email, name, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(token_digest)
        .bind(p.ente_id)
        .bind(p.input)
        .bind(p.photos)
        .bind(p.email)
        .bind(p.name)
        .bind(p.now_ms)
        .bind(p.expires_ms)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// How many reports this e-mail address sent without signing in since `since_ms`.
    pub async fn report_pending_count(
        &self,
        email: &str,
        since_ms: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM report_pending WHERE email = $1 AND created_at >= $2",
        )
        .bind(email)
        .bind(since_ms)
        .fetch_one(self.reader())
        .await?)
    }

    /// A waiting report by its link's digest.
    pub async fn report_pending(
        &self,
        token_digest: &str,
    ) -> Result<Option<PendingReportRow>, StoreError> {
        Ok(sqlx::query_as::<_, PendingReportRow>(
            "SELECT ente_id, input, photos, email, name, expires_at, report_id \
             FROM report_pending WHERE token_digest = $1",
        )
        .bind(token_digest)
        .fetch_optional(self.reader())
        .await?)
    }

    /// Inside `tx`: marks a waiting report as filed as `report_id`; false if it already was
    /// (a second click, or two at once: only one files it).
    pub async fn report_pending_filed(
        tx: &mut Tx,
        token_digest: &str,
        report_id: i64,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE report_pending SET report_id = $1 WHERE token_digest = $2 AND report_id IS NULL",
        )
        .bind(report_id)
        .bind(token_digest)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            == 1)
    }

    /// The ente and label of the Open311 key with this SHA-256, unless it was revoked.
    pub async fn open311_key(&self, digest: &str) -> Result<Option<(i64, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT ente_id, label FROM open311_keys WHERE key_digest = $1 AND revoked_at IS NULL",
        )
        .bind(digest)
        .fetch_optional(self.reader())
        .await?;
        Ok(match row {
            Some(r) => Some((r.try_get("ente_id")?, r.try_get("label")?)),
            None => None,
        })
    }
}

impl TenantStore<'_> {
    pub async fn report(&self, year: i64, number: i64) -> Result<Option<ReportRow>, StoreError> {
        Ok(sqlx::query_as::<_, ReportRow>(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE ente_id = $1 AND year = $2 AND number = $3"
        ))
        .bind(self.ente().get())
        .bind(year)
        .bind(number)
        .fetch_optional(self.store().reader())
        .await?)
    }

    pub async fn report_by_id(&self, id: i64) -> Result<Option<ReportRow>, StoreError> {
        Ok(sqlx::query_as::<_, ReportRow>(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE ente_id = $1 AND id = $2"
        ))
        .bind(self.ente().get())
        .bind(id)
        .fetch_optional(self.store().reader())
        .await?)
    }

    pub async fn report_by_token(&self, token: &str) -> Result<Option<ReportRow>, StoreError> {
        Ok(sqlx::query_as::<_, ReportRow>(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE ente_id = $1 AND token = $2"
        ))
        .bind(self.ente().get())
        .bind(token)
        .fetch_optional(self.store().reader())
        .await?)
    }

    pub async fn report_events(&self, id: i64) -> Result<Vec<ReportEventRow>, StoreError> {
        Ok(sqlx::query_as::<_, ReportEventRow>(
            "SELECT e.seq, e.kind, e.state, e.text, e.staff, e.at_ms FROM report_events e \
             JOIN reports r ON r.id = e.report_id WHERE r.ente_id = $1 AND e.report_id = $2 \
             ORDER BY e.seq",
        )
        .bind(self.ente().get())
        .bind(id)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The ente's reports as asked, newest first, one page (`limit`, at most 200). Each filter
    /// has an index that starts with the ente and ends with the id, walked backwards from the
    /// page's start.
    pub async fn reports(&self, q: &ReportQuery) -> Result<Vec<ReportRow>, StoreError> {
        let mut sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE ente_id = $1");
        let mut n = 1;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let states: Vec<String> = q.states.iter().map(|_| next()).collect();
        if !states.is_empty() {
            sql.push_str(&format!(" AND state IN ({})", states.join(", ")));
        }
        let categories: Vec<String> = q.categories.iter().map(|_| next()).collect();
        if !categories.is_empty() {
            sql.push_str(&format!(" AND category IN ({})", categories.join(", ")));
        }
        if q.district_id.is_some() {
            sql.push_str(&format!(" AND district_id = {}", next()));
        }
        if q.office_code.is_some() {
            sql.push_str(&format!(
                " AND (office_code = {} OR office_code IS NULL)",
                next()
            ));
        }
        if q.from_ms.is_some() {
            sql.push_str(&format!(" AND created_at >= {}", next()));
        }
        if q.to_ms.is_some() {
            sql.push_str(&format!(" AND created_at < {}", next()));
        }
        // Row values compare as the index orders them, so each order walks its own index.
        let after = match (q.order, &q.after) {
            (ReportOrder::Newest, Some(ReportAfter::Newest { id })) => {
                sql.push_str(&format!(" AND id < {}", next()));
                Some((None, None, *id))
            }
            (ReportOrder::Due, Some(ReportAfter::Due { due_date, id })) => {
                sql.push_str(&format!(" AND (due_date, id) > ({}, {})", next(), next()));
                Some((Some(due_date.clone()), None, *id))
            }
            (ReportOrder::Supports, Some(ReportAfter::Supports { supports, id })) => {
                sql.push_str(&format!(" AND (supports, id) < ({}, {})", next(), next()));
                Some((None, Some(*supports), *id))
            }
            _ => None,
        };
        sql.push_str(match q.order {
            ReportOrder::Newest => " ORDER BY id DESC",
            ReportOrder::Due => " ORDER BY due_date, id",
            ReportOrder::Supports => " ORDER BY supports DESC, id DESC",
        });
        sql.push_str(&format!(" LIMIT {}", next()));
        let mut query = sqlx::query_as::<_, ReportRow>(&sql).bind(self.ente().get());
        for s in &q.states {
            query = query.bind(s);
        }
        for c in &q.categories {
            query = query.bind(c);
        }
        if let Some(d) = q.district_id {
            query = query.bind(d);
        }
        if let Some(o) = &q.office_code {
            query = query.bind(o);
        }
        if let Some(v) = q.from_ms {
            query = query.bind(v);
        }
        if let Some(v) = q.to_ms {
            query = query.bind(v);
        }
        if let Some((due, supports, id)) = after {
            if let Some(d) = due {
                query = query.bind(d);
            }
            if let Some(s) = supports {
                query = query.bind(s);
            }
            query = query.bind(id);
        }
        Ok(query
            .bind(q.limit.clamp(1, 201))
            .fetch_all(self.store().reader())
            .await?)
    }

    /// Open reports of `category` that may be the same problem: on the same street, or with a
    /// point inside the box given (microdegrees: lat from–to, lon from–to). The newest 50; the
    /// domain decides which are near.
    pub async fn reports_maybe_near(
        &self,
        category: &str,
        street_folded: Option<&str>,
        area: Option<(i64, i64, i64, i64)>,
    ) -> Result<Vec<ReportRow>, StoreError> {
        let mut rows = Vec::new();
        if let Some(street) = street_folded {
            rows = sqlx::query_as::<_, ReportRow>(&format!(
                "SELECT {REPORT_COLUMNS} FROM reports WHERE ente_id = $1 AND street_folded = $2 \
                 AND category = $3 AND state IN ('received', 'in-charge', 'in-progress') \
                 ORDER BY id DESC LIMIT 50"
            ))
            .bind(self.ente().get())
            .bind(street)
            .bind(category)
            .fetch_all(self.store().reader())
            .await?;
        }
        if let Some((lat0, lat1, lon0, lon1)) = area {
            let by_point = sqlx::query_as::<_, ReportRow>(&format!(
                "SELECT {REPORT_COLUMNS} FROM reports WHERE ente_id = $1 AND category = $2 \
                 AND state IN ('received', 'in-charge', 'in-progress') \
                 AND lat BETWEEN $3 AND $4 AND lon BETWEEN $5 AND $6 ORDER BY id DESC LIMIT 50"
            ))
            .bind(self.ente().get())
            .bind(category)
            .bind(lat0)
            .bind(lat1)
            .bind(lon0)
            .bind(lon1)
            .fetch_all(self.store().reader())
            .await?;
            for r in by_point {
                if !rows.iter().any(|x: &ReportRow| x.id == r.id) {
                    rows.push(r);
                }
            }
        }
        Ok(rows)
    }

    /// Every report of the ente, oldest first (at most 100,000: the open-data table).
    pub async fn reports_all(&self) -> Result<Vec<ReportRow>, StoreError> {
        Ok(sqlx::query_as::<_, ReportRow>(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE ente_id = $1 ORDER BY id LIMIT 100000"
        ))
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Moves a report from the state its mover saw, with its event; [`Moved::Changed`] if it
    /// was no longer in that state.
    pub async fn report_move(&self, m: &ReportMove<'_>) -> Result<Moved, StoreError> {
        let mut tx = self.store().begin().await?;
        let resolved = m.to == "resolved" && m.from != "resolved";
        let reopened = m.kind == "reopen";
        let done = sqlx::query(
            "UPDATE reports SET state = $1, updated_at = $2, \
             resolved_at = CASE WHEN $3 = 1 THEN $2 WHEN $4 = 1 THEN NULL ELSE resolved_at END, \
             reopenings = reopenings + $4, office_code = COALESCE($5, office_code), \
             answer_digest = $9 WHERE ente_id = $6 AND id = $7 AND state = $8",
        )
        .bind(m.to)
        .bind(m.now_ms)
        .bind(i64::from(resolved))
        .bind(i64::from(reopened))
        .bind(m.office_code)
        .bind(self.ente().get())
        .bind(m.id)
        .bind(m.from)
        .bind(m.answer_digest)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(Moved::Changed);
        }
        // The row is locked by the update until commit: the next seq is this mover's alone.
        sqlx::query(
            "INSERT INTO report_events (report_id, seq, kind, state, text, staff, at_ms) \
             SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 FROM report_events \
             WHERE report_id = $1",
        )
        .bind(m.id)
        .bind(m.kind)
        .bind(m.to)
        .bind(m.text)
        .bind(m.staff)
        .bind(m.now_ms)
        .execute(&mut *tx)
        .await?;
        if let Some((to, subject, body)) = m.notify {
            Store::enqueue_notification(&mut tx, m.now_ms, to, subject, body).await?;
        }
        tx.commit().await?;
        Ok(Moved::Done)
    }

    /// Reports received in each period between consecutive `bounds` (milliseconds, ascending):
    /// (the period's index, received, resolved, the milliseconds those resolutions took). Grouped
    /// in SQL — the bounds (months in Rome time) are the caller's, so both dialects agree.
    pub async fn report_counts_by_period(
        &self,
        bounds: &[i64],
        district: Option<i64>,
    ) -> Result<Vec<(i64, i64, i64, i64)>, StoreError> {
        if bounds.len() < 2 {
            return Ok(Vec::new());
        }
        // $1 ente, $2 district, $3.. the bounds.
        let mut case = String::from("CASE");
        for i in 1..bounds.len() {
            case.push_str(&format!(" WHEN created_at < ${} THEN {}", i + 3, i - 1));
        }
        case.push_str(" END");
        let last = bounds.len() + 2;
        let sql = format!(
            "SELECT CAST({case} AS BIGINT) AS period, COUNT(*) AS n, \
             CAST(SUM(CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS resolved, \
             CAST(COALESCE(SUM(CASE WHEN resolved_at IS NOT NULL THEN resolved_at - created_at ELSE 0 END), 0) AS BIGINT) AS ms \
             FROM reports WHERE ente_id = $1 AND ($2 IS NULL OR district_id = $2) \
             AND created_at >= $3 AND created_at < ${last} \
             GROUP BY period ORDER BY period"
        );
        let mut query = sqlx::query(&sql).bind(self.ente().get()).bind(district);
        for b in bounds {
            query = query.bind(*b);
        }
        let rows = query.fetch_all(self.store().reader()).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<i64, _>("period")?,
                    r.try_get("n")?,
                    r.try_get::<Option<i64>, _>("resolved")?.unwrap_or(0),
                    r.try_get("ms")?,
                ))
            })
            .collect()
    }

    /// The streets with most reports since `from_ms`: (street, reports, of them open), at most
    /// `limit`, the most reported first.
    pub async fn report_counts_by_street(
        &self,
        from_ms: i64,
        district: Option<i64>,
        limit: i64,
    ) -> Result<Vec<(String, i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT street, COUNT(*) AS n, \
             CAST(SUM(CASE WHEN state IN ('received', 'in-charge', 'in-progress') THEN 1 ELSE 0 END) AS BIGINT) AS open \
             FROM reports WHERE ente_id = $1 AND created_at >= $2 AND street IS NOT NULL \
             AND ($3 IS NULL OR district_id = $3) \
             GROUP BY street ORDER BY COUNT(*) DESC, street LIMIT $4",
        )
        .bind(self.ente().get())
        .bind(from_ms)
        .bind(district)
        .bind(limit)
        .fetch_all(self.store().reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("street")?,
                    r.try_get("n")?,
                    r.try_get::<Option<i64>, _>("open")?.unwrap_or(0),
                ))
            })
            .collect()
    }

    /// A resolved report by the digest of the secret its reporter answers with.
    pub async fn report_by_answer(&self, digest: &str) -> Result<Option<ReportRow>, StoreError> {
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports \
             WHERE ente_id = $1 AND answer_digest = $2 AND state = 'resolved'"
        );
        Ok(sqlx::query_as::<_, ReportRow>(&sql)
            .bind(self.ente().get())
            .bind(digest)
            .fetch_optional(self.store().reader())
            .await?)
    }

    /// Records a support of an open report; whether it was new (a supporter counts once).
    pub async fn report_support(
        &self,
        id: i64,
        supporter: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store().begin().await?;
        let open = sqlx::query(
            "UPDATE reports SET supports = supports WHERE ente_id = $1 AND id = $2 \
             AND state IN ('received', 'in-charge', 'in-progress')",
        )
        .bind(self.ente().get())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if open.rows_affected() != 1 {
            return Ok(false);
        }
        let added = sqlx::query(
            "INSERT INTO report_supports (report_id, supporter, at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (report_id, supporter) DO NOTHING",
        )
        .bind(id)
        .bind(supporter)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if added {
            sqlx::query("UPDATE reports SET supports = supports + 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Whether this supporter already supports the report.
    pub async fn report_supported_by(&self, id: i64, supporter: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "SELECT 1 FROM report_supports s JOIN reports r ON r.id = s.report_id \
             WHERE r.ente_id = $1 AND s.report_id = $2 AND s.supporter = $3",
        )
        .bind(self.ente().get())
        .bind(id)
        .bind(supporter)
        .fetch_optional(self.store().reader())
        .await?
        .is_some())
    }

    /// A report's photos, in their order.
    pub async fn report_photos(&self, id: i64) -> Result<Vec<ReportPhotoRow>, StoreError> {
        Ok(sqlx::query_as::<_, ReportPhotoRow>(
            "SELECT p.position, p.digest, p.media_type, p.description, p.review \
             FROM report_photos p JOIN reports r ON r.id = p.report_id \
             WHERE r.ente_id = $1 AND p.report_id = $2 ORDER BY p.position",
        )
        .bind(self.ente().get())
        .bind(id)
        .fetch_all(self.store().reader())
        .await?)
    }

    /// The office's review of a photo (1 approved, -1 refused); whether the photo exists.
    pub async fn review_report_photo(
        &self,
        id: i64,
        position: i64,
        review: i64,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE report_photos SET review = $1, reviewed_by = $2, reviewed_at = $3 \
             WHERE report_id = (SELECT id FROM reports WHERE ente_id = $4 AND id = $5) \
             AND position = $6",
        )
        .bind(review)
        .bind(by)
        .bind(now_ms)
        .bind(self.ente().get())
        .bind(id)
        .bind(position)
        .execute(&self.store().write_pool())
        .await?
        .rows_affected()
            == 1)
    }

    pub async fn report_categories(&self) -> Result<Vec<ReportCategoryRow>, StoreError> {
        Ok(sqlx::query_as::<_, ReportCategoryRow>(
            "SELECT code, in_use, term_days, office_code FROM report_categories \
             WHERE ente_id = $1 ORDER BY code",
        )
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    pub async fn set_report_category(
        &self,
        c: &ReportCategoryRow,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO report_categories (ente_id, code, in_use, term_days, office_code, \
             updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (ente_id, code) DO UPDATE SET in_use = $3, term_days = $4, \
             office_code = $5, updated_by = $6, updated_at = $7",
        )
        .bind(self.ente().get())
        .bind(&c.code)
        .bind(c.in_use)
        .bind(c.term_days)
        .bind(&c.office_code)
        .bind(by)
        .bind(now_ms)
        .execute(&self.store().write_pool())
        .await?;
        Ok(())
    }

    pub async fn report_districts(&self) -> Result<Vec<ReportDistrictRow>, StoreError> {
        Ok(sqlx::query_as::<_, ReportDistrictRow>(
            "SELECT id, name, streets, outline FROM report_districts WHERE ente_id = $1 ORDER BY name",
        )
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Adds a district, or replaces the streets and outline of the one with this name.
    pub async fn set_report_district(
        &self,
        name: &str,
        streets: &str,
        outline: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO report_districts (ente_id, name, streets, outline) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (ente_id, name) DO UPDATE SET streets = $3, outline = $4",
        )
        .bind(self.ente().get())
        .bind(name)
        .bind(streets)
        .bind(outline)
        .execute(&self.store().write_pool())
        .await?;
        Ok(())
    }

    /// How many of the ente's reports there are per (category, district, state), over reports
    /// filed from `from_ms`, and the days each resolved one took: the districts' view.
    pub async fn report_counts(
        &self,
        from_ms: i64,
        district: Option<i64>,
    ) -> Result<Vec<(String, Option<i64>, String, i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT category, district_id, state, COUNT(*) AS n, \
             CAST(COALESCE(SUM(CASE WHEN resolved_at IS NOT NULL THEN resolved_at - created_at ELSE 0 END), 0) AS BIGINT) AS ms \
             FROM reports WHERE ente_id = $1 AND created_at >= $2 \
             AND ($3 IS NULL OR district_id = $3) \
             GROUP BY category, district_id, state ORDER BY category, district_id, state",
        )
        .bind(self.ente().get())
        .bind(from_ms)
        .bind(district)
        .fetch_all(self.store().reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("category")?,
                    r.try_get("district_id")?,
                    r.try_get("state")?,
                    r.try_get("n")?,
                    r.try_get("ms")?,
                ))
            })
            .collect()
    }

    /// Issues an Open311 key (its SHA-256 only is kept). Its id.
    pub async fn open311_key_add(
        &self,
        label: &str,
        digest: &str,
        by: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO open311_keys (ente_id, label, key_digest, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(self.ente().get())
        .bind(label)
        .bind(digest)
        .bind(by)
        .bind(now_ms)
        .fetch_one(&self.store().write_pool())
        .await?)
    }

    pub async fn open311_keys(&self) -> Result<Vec<Open311KeyRow>, StoreError> {
        Ok(sqlx::query_as::<_, Open311KeyRow>(
            "SELECT id, ente_id, label, created_by, created_at, revoked_at FROM open311_keys \
             WHERE ente_id = $1 ORDER BY id",
        )
        .bind(self.ente().get())
        .fetch_all(self.store().reader())
        .await?)
    }

    /// Revokes one of the ente's keys; whether it was live.
    pub async fn open311_key_revoke(&self, id: i64, now_ms: i64) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE open311_keys SET revoked_at = $1 WHERE ente_id = $2 AND id = $3 \
             AND revoked_at IS NULL",
        )
        .bind(now_ms)
        .bind(self.ente().get())
        .bind(id)
        .execute(&self.store().write_pool())
        .await?
        .rows_affected()
            == 1)
    }
}

impl RegionWide<'_> {
    /// A resident's own reports in every ente, newest first.
    pub async fn reports_of(&self, fiscal_code: &str) -> Result<Vec<ReportRow>, StoreError> {
        Ok(sqlx::query_as::<_, ReportRow>(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE reporter_fiscal_code = $1 \
             ORDER BY id DESC LIMIT 100"
        ))
        .bind(fiscal_code)
        .fetch_all(self.store.reader())
        .await?)
    }
}

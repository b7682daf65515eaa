//! Staff accounts, server-side sessions, OpenID Connect sign-in flows, the demo identity
//! provider's authorization codes, and the application's generated secrets.

use sportello_domain::identity::Role;
use sportello_domain::tenancy::EnteId;
use sqlx::Row;

use crate::db::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaffUser<'a> {
    pub ente: Option<EnteId>,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub totp_secret: Option<&'a str>,
    pub roles: &'a [Role],
    /// Work e-mail, or empty.
    pub email: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUserRow {
    pub id: i64,
    pub ente: Option<EnteId>,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub failed_attempts: i64,
    pub not_before: Option<i64>,
    pub roles: Vec<Role>,
    /// The office the person works in (`offices.code`), if one.
    pub office: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Citizen,
    Staff,
}

impl SessionKind {
    fn code(self) -> &'static str {
        match self {
            SessionKind::Citizen => "citizen",
            SessionKind::Staff => "staff",
        }
    }
}

/// One use of an assisted session, as the person reads it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AssistedUseRow {
    /// The ente's name.
    pub ente: Option<String>,
    pub operator: String,
    pub at: i64,
    pub action: String,
    pub path: String,
    /// Order of recording, among uses of the same millisecond.
    pub id: i64,
}

/// An assisted session's use to record.
pub struct NewAssistedUse<'a> {
    pub person_hash: &'a str,
    pub ente_id: Option<i64>,
    pub operator_id: i64,
    pub operator: &'a str,
    pub at: i64,
    pub action: &'a str,
    pub path: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub kind: SessionKind,
    pub staff_user_id: Option<i64>,
    /// The signed-in citizen, as JSON.
    pub citizen: Option<String>,
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewOidcFlow<'a> {
    pub state: &'a str,
    pub provider: &'a str,
    pub nonce: &'a str,
    pub code_verifier: &'a str,
    pub min_level: &'a str,
    pub return_to: &'a str,
    pub expires_at: i64,
    /// SHA-256 of the value the starting browser keeps in its flow cookie.
    pub browser_hash: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OidcFlow {
    pub provider: String,
    pub nonce: String,
    pub code_verifier: String,
    pub min_level: String,
    pub return_to: String,
    pub expires_at: i64,
    pub browser_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewIdpCode<'a> {
    pub code_hash: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub code_challenge: &'a str,
    pub nonce: &'a str,
    pub persona: &'a str,
    pub acr: &'a str,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdpCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub nonce: String,
    pub persona: String,
    pub acr: String,
    pub expires_at: i64,
}

const STAFF_COLUMNS: &str = "id, ente_id, username, display_name, password_hash, totp_secret, \
     totp_last_step, failed_attempts, not_before, office_code";

impl Store {
    // ---- staff -------------------------------------------------------------------------

    /// The ente's staff (id, name, office), by name.
    pub async fn staff_of_ente(
        &self,
        ente: EnteId,
    ) -> Result<Vec<(i64, String, Option<String>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, display_name, office_code FROM staff_users WHERE ente_id = $1 \
             ORDER BY display_name, id",
        )
        .bind(ente.get())
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("display_name")?,
                    r.try_get("office_code")?,
                ))
            })
            .collect()
    }

    /// Makes `members` the people of the ente's office `office`: they join it (leaving any
    /// other), and whoever was in it and is not listed leaves it. Returns false, changing
    /// nothing, when the office is not the ente's or a member is not of the ente.
    pub async fn set_office_members(
        &self,
        ente: EnteId,
        office: &str,
        members: &[i64],
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let known: Option<i64> =
            sqlx::query_scalar("SELECT id FROM offices WHERE ente_id = $1 AND code = $2")
                .bind(ente.get())
                .bind(office)
                .fetch_optional(&mut *tx)
                .await?;
        if known.is_none() {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE staff_users SET office_code = NULL WHERE ente_id = $1 AND office_code = $2",
        )
        .bind(ente.get())
        .bind(office)
        .execute(&mut *tx)
        .await?;
        for id in members {
            let done = sqlx::query(
                "UPDATE staff_users SET office_code = $1 WHERE id = $2 AND ente_id = $3",
            )
            .bind(office)
            .bind(id)
            .bind(ente.get())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A staff member's work e-mail, if they gave one.
    pub async fn staff_email(&self, id: i64) -> Result<Option<String>, StoreError> {
        let email: Option<String> =
            sqlx::query_scalar("SELECT email FROM staff_users WHERE id = $1")
                .bind(id)
                .fetch_optional(self.reader())
                .await?;
        Ok(email.filter(|e| !e.is_empty()))
    }

    pub async fn create_staff_user(
        &self,
        user: &NewStaffUser<'_>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO staff_users (ente_id, username, display_name, password_hash, totp_secret, created_at, email) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(user.ente.map(EnteId::get))
        .bind(user.username)
        .bind(user.display_name)
        .bind(user.password_hash)
        .bind(user.totp_secret)
        .bind(now_ms)
        .bind(user.email)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        for role in user.roles {
            sqlx::query("INSERT INTO staff_roles (user_id, role) VALUES ($1, $2)")
                .bind(id)
                .bind(role.code())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn staff_user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<StaffUserRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {STAFF_COLUMNS} FROM staff_users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(self.reader())
        .await?;
        self.staff_user_from(row).await
    }

    pub async fn staff_user_by_id(&self, id: i64) -> Result<Option<StaffUserRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {STAFF_COLUMNS} FROM staff_users WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        self.staff_user_from(row).await
    }

    async fn staff_user_from(
        &self,
        row: Option<sqlx::any::AnyRow>,
    ) -> Result<Option<StaffUserRow>, StoreError> {
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let roles = sqlx::query("SELECT role FROM staff_roles WHERE user_id = $1 ORDER BY role")
            .bind(id)
            .fetch_all(self.reader())
            .await?
            .iter()
            .filter_map(|r| r.try_get::<String, _>("role").ok())
            .filter_map(|code| Role::parse(&code).ok())
            .collect();
        Ok(Some(StaffUserRow {
            id,
            ente: row
                .try_get::<Option<i64>, _>("ente_id")?
                .map(EnteId::from_stored),
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            password_hash: row.try_get("password_hash")?,
            totp_secret: row.try_get("totp_secret")?,
            totp_last_step: row.try_get("totp_last_step")?,
            failed_attempts: row.try_get("failed_attempts")?,
            not_before: row.try_get("not_before")?,
            roles,
            office: row.try_get("office_code")?,
        }))
    }

    /// Claims one sign-in attempt on an account before its password is verified: counts it as
    /// a failure at once, with the delay a failure brings (`not_before`), only if the count is
    /// still the one read (`seen`). Two attempts that read the same count cannot both be
    /// verified, and one that comes while another is being verified finds its delay already
    /// set: parallel guesses are as limited as sequential ones. A success clears both.
    /// Returns whether this attempt claimed it.
    pub async fn claim_staff_attempt(
        &self,
        id: i64,
        seen: i64,
        not_before: Option<i64>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE staff_users SET failed_attempts = failed_attempts + 1, not_before = $3 \
             WHERE id = $1 AND failed_attempts = $2",
        )
        .bind(id)
        .bind(seen)
        .bind(not_before)
        .execute(&self.write_pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A successful sign-in: the count starts again, and a TOTP step is used up. A step that
    /// is not later than the last one used is refused inside the statement, so one code signs
    /// in once however many requests carry it. Returns whether the sign-in stands.
    pub async fn record_staff_success(
        &self,
        id: i64,
        totp_step: Option<i64>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE staff_users SET failed_attempts = 0, not_before = NULL, \
             totp_last_step = COALESCE($1, totp_last_step) \
             WHERE id = $2 AND ($1 IS NULL OR totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(totp_step)
        .bind(id)
        .execute(&self.write_pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Failures and delay recorded under a name that is no account: (failed attempts, not
    /// before), none yet as (0, None).
    pub async fn name_attempts(&self, name_hash: &str) -> Result<(i64, Option<i64>), StoreError> {
        let row = sqlx::query(
            "SELECT failed_attempts, not_before FROM sign_in_names WHERE name_hash = $1",
        )
        .bind(name_hash)
        .fetch_optional(&self.write_pool())
        .await?;
        Ok(match row {
            Some(r) => (r.try_get("failed_attempts")?, r.try_get("not_before")?),
            None => (0, None),
        })
    }

    /// Counts a failed attempt under a name that is no account, with the delay that follows,
    /// only if the count is still the one read (as [`Store::claim_staff_attempt`]). Returns
    /// whether this attempt was the one counted.
    pub async fn record_name_failure(
        &self,
        name_hash: &str,
        seen: i64,
        not_before: Option<i64>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = if seen == 0 {
            sqlx::query(
                "INSERT INTO sign_in_names (name_hash, failed_attempts, not_before, updated_at) \
                 VALUES ($1, 1, $2, $3) ON CONFLICT (name_hash) DO NOTHING",
            )
            .bind(name_hash)
            .bind(not_before)
            .bind(now_ms)
            .execute(&self.write_pool())
            .await?
        } else {
            sqlx::query(
                "UPDATE sign_in_names SET failed_attempts = failed_attempts + 1, not_before = $3, \
                 updated_at = $4 WHERE name_hash = $1 AND failed_attempts = $2",
            )
            .bind(name_hash)
            .bind(seen)
            .bind(not_before)
            .bind(now_ms)
            .execute(&self.write_pool())
            .await?
        };
        Ok(done.rows_affected() == 1)
    }

    // ---- sessions ----------------------------------------------------------------------

    /// Stores a session under the hash of its token (the token itself is never stored).
    pub async fn create_session(
        &self,
        id_hash: &str,
        kind: SessionKind,
        staff_user_id: Option<i64>,
        citizen: Option<&str>,
        now_ms: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, kind, staff_user_id, citizen, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id_hash)
        .bind(kind.code())
        .bind(staff_user_id)
        .bind(citizen)
        .bind(now_ms)
        .bind(expires_at)
        .execute(&self.write_pool())
        .await?;
        Ok(())
    }

    /// Marks a session as a person's (by the hash of their codice fiscale) and keeps only
    /// their `keep` newest sessions: older ones end. Returns how many ended.
    pub async fn tag_person_session(
        &self,
        id_hash: &str,
        person_hash: &str,
        keep: i64,
    ) -> Result<u64, StoreError> {
        sqlx::query("UPDATE sessions SET person_hash = $2 WHERE id_hash = $1")
            .bind(id_hash)
            .bind(person_hash)
            .execute(&self.write_pool())
            .await?;
        // The new session stays, with the person's newest others up to `keep` in all.
        let ended = sqlx::query(
            "DELETE FROM sessions WHERE person_hash = $1 AND id_hash <> $2 AND id_hash NOT IN \
             (SELECT id_hash FROM sessions WHERE person_hash = $1 AND id_hash <> $2 \
              ORDER BY created_at DESC, id_hash DESC LIMIT $3)",
        )
        .bind(person_hash)
        .bind(id_hash)
        .bind(keep.saturating_sub(1).max(0))
        .execute(&self.write_pool())
        .await?;
        Ok(ended.rows_affected())
    }

    /// Records one use of an assisted session.
    pub async fn record_assisted_use(&self, u: NewAssistedUse<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO assisted_uses (person_hash, ente_id, operator_id, operator, at, action, path) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(u.person_hash)
        .bind(u.ente_id)
        .bind(u.operator_id)
        .bind(u.operator)
        .bind(u.at)
        .bind(u.action)
        .bind(u.path)
        .execute(&self.write_pool())
        .await?;
        Ok(())
    }

    /// A person's assisted-session uses, newest first: the newest `limit` that did something
    /// (anything but viewing a page: a form sent, a document downloaded, the session opened)
    /// and the newest `limit` page views — so no number of page views hides an action.
    pub async fn assisted_uses(
        &self,
        person_hash: &str,
        limit: i64,
    ) -> Result<Vec<AssistedUseRow>, StoreError> {
        const VIEW: &str = "(u.action LIKE 'GET %' AND u.path NOT LIKE '%/allegati/%' \
             AND u.path NOT LIKE '%/documenti/%' AND u.path NOT LIKE '%/ricevuta%')";
        let mut rows = Vec::new();
        for which in [format!("NOT {VIEW}"), VIEW.to_string()] {
            rows.extend(
                sqlx::query_as::<_, AssistedUseRow>(&format!(
                    "SELECT e.name AS ente, u.operator, u.at, u.action, u.path, u.id \
                     FROM assisted_uses u LEFT JOIN enti e ON e.id = u.ente_id \
                     WHERE u.person_hash = $1 AND {which} ORDER BY u.at DESC, u.id DESC LIMIT $2"
                ))
                .bind(person_hash)
                .bind(limit)
                .fetch_all(self.reader())
                .await?,
            );
        }
        rows.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
        Ok(rows)
    }

    /// Ends every session of a person (every browser and every API token).
    pub async fn end_person_sessions(&self, person_hash: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE person_hash = $1")
            .bind(person_hash)
            .execute(&self.write_pool())
            .await?
            .rows_affected())
    }

    /// The live session with this hash, if any.
    pub async fn session(
        &self,
        id_hash: &str,
        now_ms: i64,
    ) -> Result<Option<SessionRow>, StoreError> {
        if let Some(direct) = &self.direct {
            if let crate::direct::Direct::Read(row) = direct.session(id_hash, now_ms) {
                return Ok(row);
            }
        }
        let Some(row) = self
            .fetch_optional_hot(|| {
                sqlx::query(
                    "SELECT kind, staff_user_id, citizen, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
                )
                .bind(id_hash)
                .bind(now_ms)
            })
            .await?
        else {
            return Ok(None);
        };
        let kind: String = row.try_get("kind")?;
        Ok(Some(SessionRow {
            kind: if kind == "staff" {
                SessionKind::Staff
            } else {
                SessionKind::Citizen
            },
            staff_user_id: row.try_get("staff_user_id")?,
            citizen: row.try_get("citizen")?,
            expires_at: row.try_get("expires_at")?,
        }))
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.write_pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Live sessions, for operations figures and tests.
    pub async fn count_sessions(&self, now_ms: i64) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE expires_at > $1")
            .bind(now_ms)
            .fetch_one(self.reader())
            .await?
            .try_get("n")?;
        Ok(n)
    }

    /// Removes expired sessions, sign-in flows and codes.
    pub async fn purge_expired(&self, now_ms: i64) -> Result<u64, StoreError> {
        let mut removed = 0;
        for table in ["sessions", "oidc_flows", "idp_codes"] {
            removed += sqlx::query(&format!("DELETE FROM {table} WHERE expires_at <= $1"))
                .bind(now_ms)
                .execute(&self.write_pool())
                .await?
                .rows_affected();
        }
        // Names that are no account: kept a day after their last failure.
        removed += sqlx::query("DELETE FROM sign_in_names WHERE updated_at <= $1")
            .bind(now_ms.saturating_sub(86_400_000))
            .execute(&self.write_pool())
            .await?
            .rows_affected();
        Ok(removed)
    }

    // ---- OpenID Connect flows ----------------------------------------------------------

    pub async fn create_oidc_flow(&self, flow: &NewOidcFlow<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oidc_flows (state, provider, nonce, code_verifier, min_level, return_to, expires_at, browser_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(flow.state)
        .bind(flow.provider)
        .bind(flow.nonce)
        .bind(flow.code_verifier)
        .bind(flow.min_level)
        .bind(flow.return_to)
        .bind(flow.expires_at)
        .bind(flow.browser_hash)
        .execute(&self.write_pool())
        .await?;
        Ok(())
    }

    /// Takes the flow with this state, once: a second call with the same state finds nothing.
    pub async fn take_oidc_flow(
        &self,
        state: &str,
        now_ms: i64,
    ) -> Result<Option<OidcFlow>, StoreError> {
        let flow = sqlx::query_as::<_, OidcFlow>(
            "DELETE FROM oidc_flows WHERE state = $1 \
             RETURNING provider, nonce, code_verifier, min_level, return_to, expires_at, browser_hash",
        )
        .bind(state)
        .fetch_optional(&self.write_pool())
        .await?;
        Ok(flow.filter(|f| f.expires_at > now_ms))
    }

    // ---- demo identity provider codes --------------------------------------------------

    pub async fn create_idp_code(&self, code: &NewIdpCode<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO idp_codes (code_hash, client_id, redirect_uri, code_challenge, nonce, persona, acr, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(code.code_hash)
        .bind(code.client_id)
        .bind(code.redirect_uri)
        .bind(code.code_challenge)
        .bind(code.nonce)
        .bind(code.persona)
        .bind(code.acr)
        .bind(code.expires_at)
        .execute(&self.write_pool())
        .await?;
        Ok(())
    }

    /// Marks a code used and returns it, only the first time and only before it expires.
    pub async fn redeem_idp_code(
        &self,
        code_hash: &str,
        now_ms: i64,
    ) -> Result<Option<IdpCode>, StoreError> {
        let code = sqlx::query_as::<_, IdpCode>(
            "UPDATE idp_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 \
             RETURNING client_id, redirect_uri, code_challenge, nonce, persona, acr, expires_at",
        )
        .bind(code_hash)
        .bind(now_ms)
        .fetch_optional(&self.write_pool())
        .await?;
        Ok(code)
    }

    // ---- secrets -----------------------------------------------------------------------

    /// Returns the secret named `name`, storing `candidate` first if there is none. Several
    /// processes calling this at once all end up with the same value.
    pub async fn secret_or_insert(
        &self,
        name: &str,
        candidate: &str,
        now_ms: i64,
    ) -> Result<String, StoreError> {
        sqlx::query(
            "INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .bind(now_ms)
        .execute(&self.write_pool())
        .await?;
        let value: String = sqlx::query("SELECT value FROM secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.write_pool())
            .await?
            .try_get("value")?;
        Ok(value)
    }
}

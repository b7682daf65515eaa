//! Server-side sessions: the browser holds a random token, the database holds its hash and
//! what it stands for. CSRF tokens are an HMAC of the session (or pre-session) token.

use sportello_domain::identity::{CitizenIdentity, Role};
use sportello_domain::tenancy::EnteId;
use sportello_store::{to_millis, SessionKind};

use crate::capabilities::Identity;
use crate::crypto::{constant_time_eq, hmac_sha256_b64, random_token, sha256_hex};
use crate::{App, AppError};

/// A signed-in staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffPrincipal {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub ente: Option<EnteId>,
    pub roles: Vec<Role>,
    /// The staff member's ente as pages name it (name, slug): staff pages wear its header.
    pub ente_place: Option<(String, String)>,
    /// The office they work in (`offices.code`): documents routed to it wait for them. None:
    /// every office's (a small municipality's clerk who does everything).
    pub office: Option<String>,
}

/// One use of an assisted session, as the person reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistedUse {
    /// The ente's name.
    pub ente: Option<String>,
    pub operator: String,
    /// Unix milliseconds.
    pub at: i64,
    /// `open`, or the request's method and route.
    pub action: String,
    pub path: String,
}

/// Who is behind a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Citizen(CitizenIdentity),
    Staff(StaffPrincipal),
}

impl App {
    pub(crate) async fn create_session(
        &self,
        kind: SessionKind,
        staff_user_id: Option<i64>,
        citizen: Option<&str>,
    ) -> Result<String, AppError> {
        self.create_session_for(
            kind,
            staff_user_id,
            citizen,
            self.settings.session_ttl_minutes,
        )
        .await
    }
    async fn create_session_for(
        &self,
        kind: SessionKind,
        staff_user_id: Option<i64>,
        citizen: Option<&str>,
        minutes: i64,
    ) -> Result<String, AppError> {
        let token = random_token(32);
        let now = self.now();
        let expires = now + time::Duration::minutes(minutes);
        self.store
            .create_session(
                &sha256_hex(token.as_bytes()),
                kind,
                staff_user_id,
                citizen,
                to_millis(now),
                to_millis(expires),
            )
            .await?;
        Ok(token)
    }
    pub(crate) async fn create_citizen_session(
        &self,
        identity: &CitizenIdentity,
    ) -> Result<String, AppError> {
        let json =
            serde_json::to_string(identity).map_err(|e| AppError::Internal(e.to_string()))?;
        // An assisted session lasts as long as a visit to the desk, however long sign-ins last.
        let minutes = match identity.assisted {
            Some(_) => ASSISTED_SESSION_MINUTES.min(self.settings.session_ttl_minutes),
            None => self.settings.session_ttl_minutes,
        };
        let token = self
            .create_session_for(SessionKind::Citizen, None, Some(&json), minutes)
            .await?;
        // A person keeps at most so many live sessions (browsers and API tokens together):
        // the oldest end, so tokens cannot pile up.
        self.store
            .tag_person_session(
                &sha256_hex(token.as_bytes()),
                &person_hash(&identity.fiscal_code),
                SESSIONS_PER_PERSON,
            )
            .await?;
        Ok(token)
    }
}

/// How long an assisted session lasts (a visit to the desk); it is not extended.
pub const ASSISTED_SESSION_MINUTES: i64 = 30;

/// Uses of assisted sessions shown to the person, newest first.
pub const ASSISTED_USES_SHOWN: i64 = 100;

/// Whether an application is within the reach of the person's session. A person signed in
/// themselves reaches all of theirs; an assisted session reaches only what was started in it,
/// in the operator's ente — never the person's history, here or elsewhere.
pub(crate) fn in_reach(who: &CitizenIdentity, row: &sportello_store::ApplicationRow) -> bool {
    match &who.assisted {
        None => true,
        // Started in an assisted session (mode «assisted»), here, since this one opened: not one
        // the person started at home meanwhile.
        Some(a) => {
            a.ente_id == Some(row.ente_id)
                && row.created_at >= a.opened_at
                && row.mode == "assisted"
        }
    }
}

impl App {
    /// A staff account as the requests it makes see it, with its ente's name and slug.
    pub(crate) async fn staff_principal(
        &self,
        u: sportello_store::StaffUserRow,
    ) -> Result<StaffPrincipal, AppError> {
        let ente_place = match u.ente {
            Some(ente) => match self.ente_by_id_hot(ente).await {
                Ok(e) => Some((e.name, e.slug)),
                Err(AppError::NotFound) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        Ok(StaffPrincipal {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            ente: u.ente,
            roles: u.roles,
            ente_place,
            office: u.office,
        })
    }

    /// `who`'s application `id` of `ente`, if it is theirs and within their session's reach
    /// ([`in_reach`]): the one way a citizen's use case finds the application it acts on.
    pub(crate) async fn application_in_reach(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
    ) -> Result<Option<sportello_store::ApplicationRow>, AppError> {
        Ok(self
            .store
            .tenant(ente)
            .application_of(id, &who.fiscal_code)
            .await?
            .filter(|row| in_reach(who, row)))
    }
}

/// Refuses what an assisted session may not do in `ente`: only the operator's ente is reached.
pub fn reaches_ente(who: &CitizenIdentity, ente: EnteId) -> Result<(), AppError> {
    match &who.assisted {
        Some(a) if a.ente_id != Some(ente.get()) => {
            Err(AppError::from(crate::Refusal::OutsideAssistedSession))
        }
        _ => Ok(()),
    }
}

/// Live sessions (browser sign-ins and API tokens) one person keeps at most.
pub const SESSIONS_PER_PERSON: i64 = 10;

/// How a person's sessions are found: the SHA-256 of their codice fiscale.
pub(crate) fn person_hash(fiscal_code: &str) -> String {
    sha256_hex(format!("person:{fiscal_code}").as_bytes())
}

impl Identity<'_> {
    /// Ends every session of this person: every browser they signed in on and every API token
    /// ("esci da tutti i dispositivi"). Returns how many ended.
    pub async fn end_all_sessions(&self, who: &CitizenIdentity) -> Result<u64, AppError> {
        let ended = self
            .app
            .store
            .end_person_sessions(&person_hash(&who.fiscal_code))
            .await?;
        tracing::info!(ended, "a citizen ended all sessions");
        Ok(ended)
    }
}

impl Identity<'_> {
    /// Opens an assisted-access session: an operator with the PAAS role acts for a citizen who
    /// is present, identified in person, with a signed mandate. The session is the citizen's,
    /// marked with the operator; everything filed in it is marked as assisted.
    pub async fn open_assisted_session(
        &self,
        operator: &StaffPrincipal,
        fiscal_code: &str,
        given_name: &str,
        family_name: &str,
        mandate: (&str, &crate::blobs::Upload),
    ) -> Result<String, AppError> {
        if !sportello_domain::identity::may(
            &operator.roles,
            sportello_domain::identity::Permission::AssistCitizens,
        ) {
            return Err(AppError::NotFound);
        }
        let cf = italian_ids::CodiceFiscale::parse(fiscal_code)
            .map_err(|_| AppError::from(crate::Refusal::AssistedCodeInvalid))?;
        if given_name.trim().is_empty() || family_name.trim().is_empty() {
            return Err(AppError::from(crate::Refusal::AssistedNameMissing));
        }
        let kind = mandate
            .1
            .kind()
            .map_err(|_| AppError::from(crate::Refusal::MandateUnreadable))?;
        // The session reaches the operator's ente alone.
        let ente = operator.ente.ok_or(AppError::NotFound)?;
        let sha256 = self.app.keep_upload(mandate.1).await?;
        let identity = CitizenIdentity {
            fiscal_code: cf.clone(),
            given_name: given_name.trim().to_string(),
            family_name: family_name.trim().to_string(),
            // Identified in person by the operator with an identity document.
            level: sportello_domain::identity::SpidLevel::L2,
            email: None,
            company: None,
            assisted: Some(sportello_domain::identity::Assistance {
                operator: format!("{} ({})", operator.display_name, operator.username),
                operator_id: operator.id,
                mandate_sha256: sha256,
                mandate_file_name: mandate
                    .0
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(120)
                    .collect(),
                mandate_media_type: kind.media_type().into(),
                mandate_size: i64::try_from(mandate.1.size()).unwrap_or(i64::MAX),
                ente_id: Some(ente.get()),
                opened_at: to_millis(self.app.now()),
            }),
        };
        tracing::info!(staff_id = operator.id, "assisted session opened");
        let token = self.app.create_citizen_session(&identity).await?;
        self.record_assisted_use(&identity, "open", "/staff/assistenza")
            .await?;
        Ok(token)
    }
    /// A new session for the same citizen, to be used as a bearer token by API clients. Not
    /// from an assisted session: a token would outlive the visit and the operator's sign-out.
    pub async fn api_token(&self, who: &CitizenIdentity) -> Result<String, AppError> {
        if who.assisted.is_some() {
            return Err(AppError::from(crate::Refusal::OutsideAssistedSession));
        }
        self.app.create_citizen_session(who).await
    }
    /// Records one use of an assisted session (nothing for a person signed in themselves):
    /// `action` is what was done (`open`, `close`, or the request's method and route).
    pub async fn record_assisted_use(
        &self,
        who: &CitizenIdentity,
        action: &str,
        path: &str,
    ) -> Result<(), AppError> {
        let Some(a) = &who.assisted else {
            return Ok(());
        };
        let clip = |s: &str, n: usize| s.chars().take(n).collect::<String>();
        self.app
            .store
            .record_assisted_use(sportello_store::NewAssistedUse {
                person_hash: &person_hash(&who.fiscal_code),
                ente_id: a.ente_id,
                operator_id: a.operator_id,
                operator: &clip(&a.operator, 200),
                at: to_millis(self.app.now()),
                action: &clip(action, 120),
                path: &clip(path, 300),
            })
            .await?;
        Ok(())
    }
    /// What was done in assisted sessions for this person, newest first: theirs to read in
    /// the personal area (not from an assisted session, which reaches no history).
    pub async fn assisted_uses(&self, who: &CitizenIdentity) -> Result<Vec<AssistedUse>, AppError> {
        if who.assisted.is_some() {
            return Ok(vec![]);
        }
        let rows = self
            .app
            .store
            .assisted_uses(&person_hash(&who.fiscal_code), ASSISTED_USES_SHOWN)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| AssistedUse {
                ente: row.ente,
                operator: row.operator,
                at: row.at,
                action: row.action,
                path: row.path,
            })
            .collect())
    }
    /// The principal behind a session token, if the session is live.
    pub async fn resolve_session(&self, token: &str) -> Result<Option<Principal>, AppError> {
        let Some(row) = self
            .app
            .store
            .session(&sha256_hex(token.as_bytes()), to_millis(self.app.now()))
            .await?
        else {
            return Ok(None);
        };
        match row.kind {
            SessionKind::Citizen => Ok(row
                .citizen
                .and_then(|json| serde_json::from_str(&json).ok())
                .map(Principal::Citizen)),
            SessionKind::Staff => {
                let Some(id) = row.staff_user_id else {
                    return Ok(None);
                };
                match self.app.store.staff_user_by_id(id).await? {
                    Some(u) => Ok(Some(Principal::Staff(self.app.staff_principal(u).await?))),
                    None => Ok(None),
                }
            }
        }
    }
    /// Ends a session on the server. Returns whether there was one.
    pub async fn end_session(&self, token: &str) -> Result<bool, AppError> {
        let ended = self
            .app
            .store
            .delete_session(&sha256_hex(token.as_bytes()))
            .await?;
        if ended {
            tracing::info!("session ended");
        }
        Ok(ended)
    }
    /// The CSRF token for forms shown to the holder of `binding` (session or pre-session token).
    pub fn csrf_token(&self, binding: &str) -> String {
        hmac_sha256_b64(&self.app.keys.csrf, format!("csrf:{binding}").as_bytes())
    }
    pub fn csrf_valid(&self, binding: &str, token: &str) -> bool {
        !binding.is_empty() && constant_time_eq(&self.app.identity().csrf_token(binding), token)
    }
    /// Deletes expired sessions, flows and codes.
    pub async fn purge_expired(&self) -> Result<u64, AppError> {
        Ok(self
            .app
            .store
            .purge_expired(to_millis(self.app.now()))
            .await?)
    }
}

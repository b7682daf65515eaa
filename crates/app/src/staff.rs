//! Staff accounts: creation, and sign-in with password (argon2id), TOTP second factor
//! (mandatory for administrators), a growing delay and a lock after repeated failures.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sportello_domain::identity::{totp, LockoutDecision, LockoutPolicy, Role, StaffScope};
use sportello_store::{from_millis, to_millis, NewStaffUser, SessionKind};
use time::OffsetDateTime;

use crate::capabilities::Identity;
use crate::{AppError, Refusal};

pub const MIN_PASSWORD_LENGTH: usize = 12;

/// A staff account to create.
#[derive(Debug, Clone)]
pub struct NewStaff {
    /// ISTAT code of the ente; `None` for the region.
    pub istat: Option<String>,
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
    /// Base32 TOTP secret; generated when a role requires a second factor and none is given.
    pub totp_secret: Option<String>,
    /// Work e-mail, for the notices of the cases assigned to them; empty for none.
    pub email: String,
}

/// The result of creating an account: its id and, when it has one, the TOTP secret to enrol.
#[derive(Debug, Clone)]
pub struct CreatedStaff {
    pub id: i64,
    pub totp_secret: Option<String>,
}

/// Why a staff sign-in was refused. The variants carry no personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StaffLoginError {
    #[error("wrong username, password or code")]
    InvalidCredentials,
    #[error("too many failures: wait {0} s")]
    TooSoon(i64),
    #[error("account locked")]
    Locked(OffsetDateTime),
    #[error("second factor code required")]
    SecondFactorRequired,
    #[error("second factor not enrolled")]
    SecondFactorNotEnrolled,
}

impl Identity<'_> {
    pub async fn create_staff(&self, new: NewStaff) -> Result<CreatedStaff, AppError> {
        let username = new.username.trim().to_ascii_lowercase();
        if username.len() < 3
            || !username
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        {
            return Err(Refusal::UsernameInvalid.into());
        }
        if new.password.chars().count() < MIN_PASSWORD_LENGTH {
            return Err(Refusal::PasswordTooShort {
                min: MIN_PASSWORD_LENGTH,
            }
            .into());
        }
        if new.roles.is_empty() {
            return Err(Refusal::RolesMissing.into());
        }
        let scope = match &new.istat {
            None => StaffScope::Region,
            Some(istat) => StaffScope::Ente(
                self.app
                    .store
                    .ente_by_istat(istat)
                    .await?
                    .ok_or_else(|| Refusal::UnknownIstat {
                        istat: istat.clone(),
                    })?
                    .ente_id(),
            ),
        };
        scope.check_roles(&new.roles).map_err(Refusal::Role)?;
        let email = crate::ente_pages::email("email", &new.email)?;
        let needs_totp = new.roles.iter().any(|r| r.requires_second_factor());
        let totp_secret = match new.totp_secret {
            Some(s) => Some(
                totp::decode_secret(&s)
                    .filter(|b| b.len() >= 10)
                    .map(|b| totp::encode_secret(&b))
                    .ok_or(Refusal::TotpSecretInvalid)?,
            ),
            None if needs_totp => {
                let mut bytes = [0u8; 20];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
                Some(totp::encode_secret(&bytes))
            }
            None => None,
        };
        let password = new.password;
        let cost = self.app.settings.password_cost;
        let hash = tokio::task::spawn_blocking(move || hash_password(&password, cost))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        let id = self
            .app
            .store
            .create_staff_user(
                &NewStaffUser {
                    ente: match scope {
                        StaffScope::Region => None,
                        StaffScope::Ente(e) => Some(e),
                    },
                    username: &username,
                    display_name: new.display_name.trim(),
                    password_hash: &hash,
                    totp_secret: totp_secret.as_deref(),
                    roles: &new.roles,
                    email: &email,
                },
                to_millis(self.app.now()),
            )
            .await
            .map_err(|e| {
                if e.is_unique_violation() {
                    AppError::from(Refusal::UsernameTaken {
                        username: username.clone(),
                    })
                } else {
                    e.into()
                }
            })?;
        tracing::info!(staff_id = id, "staff account created");
        Ok(CreatedStaff { id, totp_secret })
    }
    /// Signs a staff member in; on success returns a new session token (never a reused one).
    pub async fn staff_login(
        &self,
        username: &str,
        password: &str,
        code: &str,
    ) -> Result<String, AppError> {
        let policy = LockoutPolicy::default();
        let now = self.app.now();
        let username = username.trim().to_ascii_lowercase();
        // Argon2 costs memory: verifications at once are bounded, the rest wait a little or
        // are told to come back (nothing is decided or counted for them).
        let _verifying = self.app.password_check().await?;
        let Some(user) = self.app.store.staff_user_by_username(&username).await? else {
            return self.unknown_name(&username, password, policy, now).await;
        };
        let failures = u32::try_from(user.failed_attempts).unwrap_or(u32::MAX);
        match policy.decide(failures, user.not_before.map(from_millis), now) {
            LockoutDecision::Allowed => {}
            LockoutDecision::Wait(s) => {
                tracing::warn!(
                    staff_id = user.id,
                    "staff sign-in refused: too soon after failures"
                );
                return Err(StaffLoginError::TooSoon(s).into());
            }
            LockoutDecision::Locked(until) => {
                tracing::warn!(staff_id = user.id, "staff sign-in refused: locked");
                return Err(StaffLoginError::Locked(until).into());
            }
        }
        // Claim the attempt before verifying: counted as a failure now, so parallel guesses
        // each need a claim of their own and the lockout counts every one of them.
        let failures = failures.saturating_add(1);
        let not_before = policy.next_allowed(failures, now);
        if !self
            .app
            .store
            .claim_staff_attempt(user.id, user.failed_attempts, not_before.map(to_millis))
            .await?
        {
            tracing::warn!(
                staff_id = user.id,
                "staff sign-in refused: another attempt in progress"
            );
            return Err(StaffLoginError::TooSoon(1).into());
        }
        let candidate = password.to_string();
        let stored = user.password_hash.clone();
        let password_ok = tokio::task::spawn_blocking(move || verify_password(&candidate, &stored))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let needs_totp = user.roles.iter().any(|r| r.requires_second_factor());
        let mut totp_step = None;
        let second_factor_ok = match (&user.totp_secret, password_ok) {
            (_, false) => false,
            (None, true) if needs_totp => {
                return Err(StaffLoginError::SecondFactorNotEnrolled.into())
            }
            (None, true) => true,
            (Some(_), true) if code.trim().is_empty() => {
                return Err(StaffLoginError::SecondFactorRequired.into())
            }
            (Some(secret), true) => {
                totp_step = totp::decode_secret(secret).and_then(|s| {
                    totp::verify(&s, code, now.unix_timestamp(), user.totp_last_step)
                });
                totp_step.is_some()
            }
        };
        // The TOTP step is used up in the statement that records the success: a code another
        // request used meanwhile fails here.
        let signed_in = password_ok
            && second_factor_ok
            && self
                .app
                .store
                .record_staff_success(user.id, totp_step)
                .await?;
        if !signed_in {
            tracing::warn!(
                staff_id = user.id,
                failures,
                "staff sign-in refused: bad credentials"
            );
            return Err(match policy.decide(failures, not_before, now) {
                LockoutDecision::Locked(until) => StaffLoginError::Locked(until),
                _ => StaffLoginError::InvalidCredentials,
            }
            .into());
        }
        let token = self
            .app
            .create_session(SessionKind::Staff, Some(user.id), None)
            .await?;
        tracing::info!(staff_id = user.id, "staff signed in");
        Ok(token)
    }
}

impl Identity<'_> {
    /// A sign-in under a name that is no account answers as an account would: the same
    /// verification cost, the same failures counted and the same delays and lock, so neither
    /// the answer nor its time tells which names exist.
    async fn unknown_name(
        &self,
        username: &str,
        password: &str,
        policy: LockoutPolicy,
        now: OffsetDateTime,
    ) -> Result<String, AppError> {
        let name_hash = crate::crypto::sha256_hex(format!("staff-name:{username}").as_bytes());
        let (seen, not_before) = self.app.store.name_attempts(&name_hash).await?;
        let failures = u32::try_from(seen).unwrap_or(u32::MAX);
        match policy.decide(failures, not_before.map(from_millis), now) {
            LockoutDecision::Allowed => {}
            LockoutDecision::Wait(s) => return Err(StaffLoginError::TooSoon(s).into()),
            LockoutDecision::Locked(until) => return Err(StaffLoginError::Locked(until).into()),
        }
        let password = password.to_string();
        let _ = tokio::task::spawn_blocking(move || verify_password(&password, DUMMY_HASH)).await;
        let failures = failures.saturating_add(1);
        let next = policy.next_allowed(failures, now);
        if !self
            .app
            .store
            .record_name_failure(&name_hash, seen, next.map(to_millis), to_millis(now))
            .await?
        {
            return Err(StaffLoginError::TooSoon(1).into());
        }
        tracing::warn!("staff sign-in refused: unknown account");
        Err(match policy.decide(failures, next, now) {
            LockoutDecision::Locked(until) => StaffLoginError::Locked(until),
            _ => StaffLoginError::InvalidCredentials,
        }
        .into())
    }
}

/// An argon2id hash of a random password, verified against when the account does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0m5Q0j9Lq7S2pX2Z5tyqv7M0bN3m8v2tP0wJv3cX1nE";

fn hash_password(password: &str, cost: crate::PasswordCost) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let hasher = match cost {
        crate::PasswordCost::Standard => Argon2::default(),
        crate::PasswordCost::Minimal => argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None)
            .map(|p| Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p))
            .map_err(|e| AppError::Internal(format!("password hashing: {e}")))?,
    };
    hasher
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_checked_with_the_parameters_stored_in_it() {
        let standard = hash_password("segreto", crate::PasswordCost::Standard).unwrap();
        assert!(standard.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let minimal = hash_password("segreto", crate::PasswordCost::Minimal).unwrap();
        assert!(minimal.starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
        for hash in [&standard, &minimal] {
            assert!(verify_password("segreto", hash));
            assert!(!verify_password("Segreto", hash));
        }
        // The hash checked for unknown accounts costs what a real one does.
        assert!(DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }
}

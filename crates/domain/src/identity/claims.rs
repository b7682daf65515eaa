//! The checks an ID token must pass once its signature is verified, and the citizen identity
//! that results. "Now" is an argument, so every rule is testable.

use italian_ids::CodiceFiscale;
use time::OffsetDateTime;

/// SPID assurance level. CIE's OpenID Connect profile uses the same `acr` values.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum SpidLevel {
    L1,
    L2,
    L3,
}

impl SpidLevel {
    pub const ALL: [SpidLevel; 3] = [SpidLevel::L1, SpidLevel::L2, SpidLevel::L3];

    /// The `acr` value of the SPID/CIE OpenID Connect profiles.
    pub fn acr(self) -> &'static str {
        match self {
            SpidLevel::L1 => "https://www.spid.gov.it/SpidL1",
            SpidLevel::L2 => "https://www.spid.gov.it/SpidL2",
            SpidLevel::L3 => "https://www.spid.gov.it/SpidL3",
        }
    }

    pub fn from_acr(acr: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.acr() == acr)
    }

    pub fn code(self) -> &'static str {
        match self {
            SpidLevel::L1 => "L1",
            SpidLevel::L2 => "L2",
            SpidLevel::L3 => "L3",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }
}

/// The claims Sportello reads from an ID token (after signature verification).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct IdTokenClaims {
    pub iss: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    pub azp: Option<String>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub nonce: Option<String>,
    pub acr: Option<String>,
    pub sub: Option<String>,
    pub fiscal_number: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    /// SPID attributes of a legal representative: the company and its partita IVA.
    pub company_name: Option<String>,
    pub vat_number: Option<String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match <OneOrMany as serde::Deserialize>::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// What the relying party expects of this token.
#[derive(Debug, Clone)]
pub struct ExpectedClaims<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub min_level: SpidLevel,
    /// Tolerance for clock differences between provider and relying party.
    pub leeway_seconds: i64,
}

/// Why a verified token is not accepted. The variants carry no personal data, so they can be
/// logged as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    #[error("wrong issuer")]
    Issuer,
    #[error("wrong audience")]
    Audience,
    #[error("token expired")]
    Expired,
    #[error("token issued in the future")]
    IssuedInFuture,
    #[error("nonce mismatch")]
    Nonce,
    #[error("missing or unknown acr")]
    Acr,
    #[error("assurance level lower than required")]
    LevelTooLow,
    #[error("missing fiscal_number")]
    MissingFiscalNumber,
    #[error("invalid fiscal_number")]
    InvalidFiscalNumber,
}

/// A business the person legally represents, as the identity provider asserts it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Company {
    pub name: String,
    /// A valid partita IVA.
    pub vat: String,
}

/// A citizen as signed in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CitizenIdentity {
    /// Valid by construction: an identity never carries an unchecked code.
    pub fiscal_code: crate::CodiceFiscale,
    pub given_name: String,
    pub family_name: String,
    pub level: SpidLevel,
    pub email: Option<String>,
    #[serde(default)]
    pub company: Option<Company>,
    /// Set when an assisted-access operator acts for this citizen, who is present.
    #[serde(default)]
    pub assisted: Option<Assistance>,
}

/// An assisted-access (PAAS) session: who assists, and the citizen's signed mandate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Assistance {
    pub operator: String,
    pub operator_id: i64,
    /// SHA-256 of the stored mandate, its file name and media type.
    pub mandate_sha256: String,
    pub mandate_file_name: String,
    pub mandate_media_type: String,
    pub mandate_size: i64,
    /// The operator's ente (its id): the one ente an assisted session reaches.
    #[serde(default)]
    pub ente_id: Option<i64>,
    /// When the session was opened (Unix milliseconds): only applications started since are
    /// within its reach, never the person's earlier history.
    #[serde(default)]
    pub opened_at: i64,
}

impl IdTokenClaims {
    /// Applies every check of OpenID Connect Core §3.1.3.7 that does not involve the
    /// signature, plus the SPID/CIE profile's: `acr` level and the codice fiscale.
    pub fn check(
        &self,
        expected: &ExpectedClaims<'_>,
        now: OffsetDateTime,
    ) -> Result<CitizenIdentity, ClaimsError> {
        if self.iss.as_deref() != Some(expected.issuer) {
            return Err(ClaimsError::Issuer);
        }
        if !self.aud.iter().any(|a| a == expected.client_id) {
            return Err(ClaimsError::Audience);
        }
        if self.aud.len() > 1 && self.azp.as_deref() != Some(expected.client_id) {
            return Err(ClaimsError::Audience);
        }
        let now_s = now.unix_timestamp();
        match self.exp {
            Some(exp) if exp + expected.leeway_seconds > now_s => {}
            _ => return Err(ClaimsError::Expired),
        }
        if let Some(iat) = self.iat {
            if iat - expected.leeway_seconds > now_s {
                return Err(ClaimsError::IssuedInFuture);
            }
        }
        if self.nonce.as_deref() != Some(expected.nonce) {
            return Err(ClaimsError::Nonce);
        }
        let level = self
            .acr
            .as_deref()
            .and_then(SpidLevel::from_acr)
            .ok_or(ClaimsError::Acr)?;
        if level < expected.min_level {
            return Err(ClaimsError::LevelTooLow);
        }
        let raw = self
            .fiscal_number
            .as_deref()
            .ok_or(ClaimsError::MissingFiscalNumber)?;
        let raw = raw.strip_prefix("TINIT-").unwrap_or(raw);
        let cf = CodiceFiscale::parse(raw).map_err(|_| ClaimsError::InvalidFiscalNumber)?;
        // A company only when both attributes are present and the partita IVA is valid.
        let company = match (&self.company_name, &self.vat_number) {
            (Some(name), Some(vat)) if !name.trim().is_empty() => {
                let vat = vat.strip_prefix("VATIT-").unwrap_or(vat);
                italian_ids::PartitaIva::parse(vat).ok().map(|p| Company {
                    name: name.trim().to_string(),
                    vat: p.to_string(),
                })
            }
            _ => None,
        };
        Ok(CitizenIdentity {
            fiscal_code: cf.clone(),
            given_name: self.given_name.clone().unwrap_or_default(),
            family_name: self.family_name.clone().unwrap_or_default(),
            level,
            email: self.email.clone(),
            company,
            assisted: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn good() -> IdTokenClaims {
        IdTokenClaims {
            iss: Some("https://idp.example".into()),
            aud: vec!["sportello".into()],
            exp: Some(datetime!(2026-11-24 10:05 UTC).unix_timestamp()),
            iat: Some(datetime!(2026-11-24 10:00 UTC).unix_timestamp()),
            nonce: Some("n-123".into()),
            acr: Some(SpidLevel::L2.acr().into()),
            fiscal_number: Some("TINIT-RSSMRA80A01H501U".into()),
            given_name: Some("Mario".into()),
            family_name: Some("Rossi".into()),
            ..Default::default()
        }
    }

    fn expected(min: SpidLevel) -> ExpectedClaims<'static> {
        ExpectedClaims {
            issuer: "https://idp.example",
            client_id: "sportello",
            nonce: "n-123",
            min_level: min,
            leeway_seconds: 30,
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-11-24 10:01 UTC);

    #[test]
    fn accepts_a_good_token_with_or_without_prefix() {
        let id = good().check(&expected(SpidLevel::L2), NOW).unwrap();
        assert_eq!(&*id.fiscal_code, "RSSMRA80A01H501U");
        assert_eq!(id.level, SpidLevel::L2);
        let mut c = good();
        c.fiscal_number = Some("rssmra80a01h501u".into());
        assert!(c.check(&expected(SpidLevel::L1), NOW).is_ok());
    }

    #[test]
    fn refuses_each_defect() {
        type Mutation = Box<dyn Fn(&mut IdTokenClaims)>;
        let cases: Vec<(Mutation, ClaimsError)> = vec![
            (
                Box::new(|c| c.iss = Some("https://evil".into())),
                ClaimsError::Issuer,
            ),
            (
                Box::new(|c| c.aud = vec!["other".into()]),
                ClaimsError::Audience,
            ),
            (
                Box::new(|c| c.aud = vec!["sportello".into(), "other".into()]),
                ClaimsError::Audience,
            ),
            (
                Box::new(|c| c.exp = Some(datetime!(2026-11-24 10:00 UTC).unix_timestamp())),
                ClaimsError::Expired,
            ),
            (Box::new(|c| c.exp = None), ClaimsError::Expired),
            (
                Box::new(|c| c.iat = Some(datetime!(2026-11-24 11:00 UTC).unix_timestamp())),
                ClaimsError::IssuedInFuture,
            ),
            (
                Box::new(|c| c.nonce = Some("other".into())),
                ClaimsError::Nonce,
            ),
            (Box::new(|c| c.acr = Some("urn:x".into())), ClaimsError::Acr),
            (
                Box::new(|c| c.acr = Some(SpidLevel::L1.acr().into())),
                ClaimsError::LevelTooLow,
            ),
            (
                Box::new(|c| c.fiscal_number = None),
                ClaimsError::MissingFiscalNumber,
            ),
            (
                Box::new(|c| c.fiscal_number = Some("TINIT-RSSMRA80A01H501A".into())),
                ClaimsError::InvalidFiscalNumber,
            ),
        ];
        for (mutate, error) in cases {
            let mut c = good();
            mutate(&mut c);
            assert_eq!(c.check(&expected(SpidLevel::L2), NOW), Err(error));
        }
    }

    #[test]
    fn acr_round_trip() {
        for l in SpidLevel::ALL {
            assert_eq!(SpidLevel::from_acr(l.acr()), Some(l));
            assert_eq!(SpidLevel::from_code(l.code()), Some(l));
        }
        assert!(SpidLevel::L1 < SpidLevel::L3);
    }
}

//! Codes that identify a municipality, each only constructible through its parser.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("il codice ISTAT deve avere 6 cifre, trovato «{0}»")]
    Istat(String),
    #[error("il codice catastale deve essere una lettera seguita da 3 cifre, trovato «{0}»")]
    Cadastral(String),
    #[error("la sigla della provincia deve avere 2 lettere maiuscole, trovato «{0}»")]
    Province(String),
    #[error("lo slug deve contenere solo lettere minuscole, cifre e trattini, trovato «{0}»")]
    Slug(String),
}

macro_rules! string_code {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}

/// ISTAT code of a municipality: 6 digits (province 3 + progressive 3), e.g. `049009` Livorno.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IstatCode(String);
string_code!(IstatCode);

impl IstatCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let t = s.trim();
        if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(t.to_string()))
        } else {
            Err(CodeError::Istat(s.to_string()))
        }
    }
}

/// Cadastral (Belfiore) code: a letter and three digits, e.g. `E625` Livorno.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CadastralCode(String);
string_code!(CadastralCode);

impl CadastralCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let t = s.trim().to_ascii_uppercase();
        let b = t.as_bytes();
        let ok = b.len() == 4
            && b.first().is_some_and(u8::is_ascii_uppercase)
            && b.iter().skip(1).all(u8::is_ascii_digit);
        if ok {
            Ok(Self(t))
        } else {
            Err(CodeError::Cadastral(s.to_string()))
        }
    }
}

/// Province code (sigla), e.g. `LI`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProvinceCode(String);
string_code!(ProvinceCode);

impl ProvinceCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let t = s.trim().to_ascii_uppercase();
        if t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(t))
        } else {
            Err(CodeError::Province(s.to_string()))
        }
    }
}

/// URL slug of an ente: `livorno`, `san-gimignano`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);
string_code!(Slug);

impl Slug {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let ok = !s.is_empty()
            && s.len() <= 80
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(CodeError::Slug(s.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!(IstatCode::parse("049009").is_ok());
        assert!(IstatCode::parse("49009").is_err());
        assert!(IstatCode::parse("04900a").is_err());
        assert_eq!(CadastralCode::parse("e625").unwrap().as_str(), "E625");
        assert!(CadastralCode::parse("E62").is_err());
        assert!(ProvinceCode::parse("LI").is_ok());
        assert!(ProvinceCode::parse("L1").is_err());
        assert!(Slug::parse("san-gimignano").is_ok());
        assert!(Slug::parse("San Gimignano").is_err());
        assert!(Slug::parse("-x").is_err());
    }
}

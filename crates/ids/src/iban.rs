//! IBAN (ISO 13616): country code, two check digits (mod 97), the national account number.
//! Italian IBANs have 27 characters.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IbanError {
    #[error("l'IBAN deve avere tra 15 e 34 caratteri")]
    Length,
    #[error("l'IBAN contiene caratteri non ammessi")]
    Character,
    #[error("l'IBAN italiano deve avere 27 caratteri")]
    ItalianLength,
    #[error("le cifre di controllo dell'IBAN non sono corrette")]
    Check,
}

/// A valid IBAN, upper case, without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Iban(String);

impl Iban {
    pub fn parse(input: &str) -> Result<Self, IbanError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if !(15..=34).contains(&s.len()) {
            return Err(IbanError::Length);
        }
        let bytes = s.as_bytes();
        let country_ok = bytes.iter().take(2).all(u8::is_ascii_uppercase);
        let check_ok = bytes.iter().skip(2).take(2).all(u8::is_ascii_digit);
        if !country_ok || !check_ok || !bytes.iter().all(u8::is_ascii_alphanumeric) {
            return Err(IbanError::Character);
        }
        if s.starts_with("IT") && s.len() != 27 {
            return Err(IbanError::ItalianLength);
        }
        // Move the first four characters to the end, letters to numbers (A=10), mod 97 == 1.
        let rearranged = s.bytes().skip(4).chain(s.bytes().take(4));
        let mut remainder: u32 = 0;
        for b in rearranged {
            let value = if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                u32::from(b - b'A') + 10
            };
            remainder = if value >= 10 {
                (remainder * 100 + value) % 97
            } else {
                (remainder * 10 + value) % 97
            };
        }
        if remainder != 1 {
            return Err(IbanError::Check);
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ibans() {
        // The examples published by the European Committee for Banking Standards.
        assert!(Iban::parse("IT60 X054 2811 1010 0000 0123 456").is_ok());
        assert!(Iban::parse("GB82 WEST 1234 5698 7654 32").is_ok());
        assert!(Iban::parse("de89370400440532013000").is_ok());
        assert_eq!(
            Iban::parse("IT60 X054 2811 1010 0000 0123 457"),
            Err(IbanError::Check)
        );
        assert_eq!(
            Iban::parse("IT60 X054 2811 1010 0000 0123 45"),
            Err(IbanError::ItalianLength)
        );
        assert_eq!(Iban::parse("IT60-X054"), Err(IbanError::Length));
        assert_eq!(
            Iban::parse("IT6OX0542811101000000123456"),
            Err(IbanError::Character)
        );
    }
}

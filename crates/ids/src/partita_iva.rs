//! Partita IVA: 11 digits, the last a Luhn-like check digit.

use std::fmt;

/// Why a string is not a valid partita IVA.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartitaIvaError {
    #[error("la partita IVA deve avere 11 cifre")]
    Length,
    #[error("la partita IVA contiene caratteri non numerici")]
    NotDigits,
    #[error("la cifra di controllo della partita IVA non è corretta")]
    CheckDigit,
}

/// A valid partita IVA.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PartitaIva(String);

impl PartitaIva {
    pub fn parse(input: &str) -> Result<Self, PartitaIvaError> {
        let s: String = input
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let s = s.strip_prefix("IT").unwrap_or(&s).to_string();
        if s.chars().count() != 11 {
            return Err(PartitaIvaError::Length);
        }
        let digits: Vec<u32> = s
            .chars()
            .map(|c| c.to_digit(10).ok_or(PartitaIvaError::NotDigits))
            .collect::<Result<_, _>>()?;
        let (body, check) = digits.split_at(10);
        if check.first().copied() != Some(check_digit(body)) {
            return Err(PartitaIvaError::CheckDigit);
        }
        Ok(Self(s))
    }

    /// Completes a 10-digit body with its check digit.
    pub fn from_body(body: &[u32; 10]) -> Self {
        let mut s: String = body
            .iter()
            .map(|d| char::from_digit(*d % 10, 10).unwrap_or('0'))
            .collect();
        let normalised: Vec<u32> = body.iter().map(|d| d % 10).collect();
        s.push(char::from_digit(check_digit(&normalised), 10).unwrap_or('0'));
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_digit(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                d
            } else {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

impl fmt::Display for PartitaIva {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_numbers() {
        // Published partite IVA of public bodies and companies.
        assert!(PartitaIva::parse("00484960588").is_ok()); // ISTAT
        assert!(PartitaIva::parse("01307110484").is_ok()); // Comune di Firenze
        assert!(PartitaIva::parse("IT 00905811006").is_ok());
        assert_eq!(
            PartitaIva::parse("00484960589"),
            Err(PartitaIvaError::CheckDigit)
        );
        assert_eq!(PartitaIva::parse("1234"), Err(PartitaIvaError::Length));
        assert_eq!(
            PartitaIva::parse("0048496058A"),
            Err(PartitaIvaError::NotDigits)
        );
    }

    proptest::proptest! {
        #[test]
        fn completed_bodies_parse_and_one_changed_digit_fails(body in proptest::array::uniform10(0u32..10), pos in 0usize..11, delta in 1u32..10) {
            let piva = PartitaIva::from_body(&body);
            proptest::prop_assert!(PartitaIva::parse(piva.as_str()).is_ok());
            let mut chars: Vec<char> = piva.as_str().chars().collect();
            let d = chars[pos].to_digit(10).unwrap();
            chars[pos] = char::from_digit((d + delta) % 10, 10).unwrap();
            let changed: String = chars.into_iter().collect();
            proptest::prop_assert!(PartitaIva::parse(&changed).is_err());
        }
    }
}

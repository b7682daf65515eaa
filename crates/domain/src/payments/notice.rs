//! The notice number (numero avviso) and its IUV, for aux digit 3: `3`, the two-digit
//! segregation code of the creditor (or of the regional station), a 13-digit base the creditor
//! never reuses, and two check digits — the remainder of the division by 93 of the sixteen
//! digits before them (pagoPA, SACI 1.3.1, §2.2.2.4). The IUV is the notice number without
//! its aux digit: 17 digits.

use std::fmt;

/// The largest IUV base: thirteen digits.
pub const IUV_BASE_MAX: u64 = 9_999_999_999_999;

/// A creditor's segregation code: two digits, `00`–`99`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SegregationCode(u8);

impl SegregationCode {
    pub fn new(code: u8) -> Result<Self, NoticeError> {
        if code <= 99 {
            Ok(Self(code))
        } else {
            Err(NoticeError::Segregation)
        }
    }

    pub fn parse(text: &str) -> Result<Self, NoticeError> {
        let t = text.trim();
        if t.len() != 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NoticeError::Segregation);
        }
        t.parse::<u8>()
            .map_err(|_| NoticeError::Segregation)
            .and_then(Self::new)
    }

    pub const fn get(self) -> u8 {
        self.0
    }
}

/// Why a notice number is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("a notice number has 18 digits")]
    Length,
    #[error("a notice number is made of digits only")]
    NotDigits,
    #[error("only notice numbers with aux digit 3 are issued here")]
    AuxDigit,
    #[error("the check digits do not match")]
    CheckDigits,
    #[error("a segregation code is two digits")]
    Segregation,
    #[error("the IUV base is past its thirteen digits")]
    BaseExhausted,
}

/// An 18-digit notice number with aux digit 3, check digits verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NoticeNumber(String);

impl NoticeNumber {
    /// The notice number of the `base`-th IUV of a segregation code.
    pub fn issue(segregation: SegregationCode, base: u64) -> Result<Self, NoticeError> {
        if base > IUV_BASE_MAX {
            return Err(NoticeError::BaseExhausted);
        }
        let head = format!("3{:02}{base:013}", segregation.get());
        let check = check_digits(&head).ok_or(NoticeError::NotDigits)?;
        Ok(Self(format!("{head}{check:02}")))
    }

    /// Reads a notice number as people and platforms write it (spaces allowed), checking the
    /// digits.
    pub fn parse(text: &str) -> Result<Self, NoticeError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NoticeError::NotDigits);
        }
        if compact.len() != 18 {
            return Err(NoticeError::Length);
        }
        if !compact.starts_with('3') {
            return Err(NoticeError::AuxDigit);
        }
        let (head, check) = compact.split_at(16);
        let expected = check_digits(head).ok_or(NoticeError::NotDigits)?;
        if check.parse::<u64>().ok() != Some(expected) {
            return Err(NoticeError::CheckDigits);
        }
        Ok(Self(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The IUV: the notice number without its aux digit.
    pub fn iuv(&self) -> &str {
        self.0.get(1..).unwrap_or_default()
    }

    pub fn segregation(&self) -> SegregationCode {
        SegregationCode(self.0.get(1..3).and_then(|s| s.parse().ok()).unwrap_or(0))
    }

    /// The notice number as a notice prints it, in groups of four: `3020 0000 0000 0012 34`.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The notice number of an IUV (aux digit 3 put back), checked.
    pub fn from_iuv(iuv: &str) -> Result<Self, NoticeError> {
        Self::parse(&format!("3{}", iuv.trim()))
    }
}

impl fmt::Display for NoticeNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The remainder of the division by 93 of a number written in decimal digits (of any length:
/// computed digit by digit, never overflowing).
fn check_digits(digits: &str) -> Option<u64> {
    digits.bytes().try_fold(0u64, |acc, b| {
        b.is_ascii_digit()
            .then(|| (acc * 10 + u64::from(b - b'0')) % 93)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Valid notice numbers found in pagoPA's own sources (see specs/pagopa/README.md).
    #[test]
    fn published_numbers_check() {
        for n in [
            "347164993070184562",
            "382202100000000101",
            "322201151398574181",
        ] {
            assert!(NoticeNumber::parse(n).is_ok(), "{n}");
        }
        // The official examples' placeholders fail their check digits.
        assert_eq!(
            NoticeNumber::parse("311111111112222222"),
            Err(NoticeError::CheckDigits)
        );
        assert_eq!(NoticeNumber::parse("0123"), Err(NoticeError::Length));
        assert_eq!(
            NoticeNumber::parse("001111111111111111"),
            Err(NoticeError::AuxDigit)
        );
        assert_eq!(NoticeNumber::parse("3x"), Err(NoticeError::NotDigits));
    }

    #[test]
    fn issued_numbers_are_grouped_and_carry_their_iuv() {
        let seg = SegregationCode::parse("02").unwrap();
        let n = NoticeNumber::issue(seg, 12).unwrap();
        assert_eq!(n.as_str().len(), 18);
        assert!(n.as_str().starts_with("3020000000000012"));
        assert_eq!(n.iuv(), &n.as_str()[1..]);
        assert_eq!(n.segregation(), seg);
        assert_eq!(n.grouped().split(' ').count(), 5);
        assert_eq!(NoticeNumber::from_iuv(n.iuv()), Ok(n.clone()));
        assert_eq!(
            NoticeNumber::issue(seg, IUV_BASE_MAX + 1),
            Err(NoticeError::BaseExhausted)
        );
        assert!(SegregationCode::parse("100").is_err());
        assert!(SegregationCode::parse("7").is_err());
    }

    proptest! {
        /// Every issued number reads back, and its check digits are the sixteen digits mod 93.
        #[test]
        fn issued_numbers_verify(seg in 0u8..=99, base in 0u64..=IUV_BASE_MAX) {
            let n = NoticeNumber::issue(SegregationCode::new(seg).unwrap(), base).unwrap();
            let head: u128 = n.as_str()[..16].parse().unwrap();
            let check: u128 = n.as_str()[16..].parse().unwrap();
            prop_assert_eq!(head % 93, check);
            prop_assert_eq!(NoticeNumber::parse(&n.grouped()), Ok(n));
        }

        /// Distinct bases give distinct numbers (the base is in the number, whole).
        #[test]
        fn distinct_bases_distinct_numbers(seg in 0u8..=99, a in 0u64..=IUV_BASE_MAX, b in 0u64..=IUV_BASE_MAX) {
            let s = SegregationCode::new(seg).unwrap();
            prop_assert_eq!(a == b, NoticeNumber::issue(s, a).unwrap() == NoticeNumber::issue(s, b).unwrap());
        }

        /// Changing one digit is always caught, or lands on another valid number only when the
        /// check digits change with it (never for a change in the first sixteen alone).
        #[test]
        fn one_changed_digit_is_caught(base in 0u64..=IUV_BASE_MAX, at in 1usize..16, d in 0u8..10) {
            let n = NoticeNumber::issue(SegregationCode::new(1).unwrap(), base).unwrap();
            let mut bytes = n.as_str().as_bytes().to_vec();
            let was = bytes[at];
            bytes[at] = b'0' + d;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert_eq!(NoticeNumber::parse(&changed).is_ok(), was == b'0' + d);
        }
    }
}

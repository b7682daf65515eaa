//! Money: an amount in euro cents that is never negative, added and multiplied only with
//! checked arithmetic. Every amount from outside (a fee in the catalogue, an amount typed by an
//! office, and the payments to come) is parsed into it before it is used, so a sum either is
//! right or is refused — it never wraps around.

use serde::{Deserialize, Serialize};

/// An amount of money in euro cents, zero or more.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Money(i64);

/// Why an amount is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("an amount of money cannot be negative")]
    Negative,
    #[error("not an amount in euros with at most two decimals")]
    Unreadable,
    #[error("the amount is too large")]
    TooLarge,
}

impl Money {
    pub const ZERO: Money = Money(0);

    /// An amount in cents; negative amounts are refused.
    pub fn from_cents(cents: i64) -> Result<Self, MoneyError> {
        if cents < 0 {
            Err(MoneyError::Negative)
        } else {
            Ok(Money(cents))
        }
    }

    /// An amount as people write it in Italy or abroad: `12`, `12,5`, `1.234,56`, `1,234.56`,
    /// with or without `€`.
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let cents = crate::forms::parse_decimal(text).ok_or(MoneyError::Unreadable)?;
        Self::from_cents(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// `None` when `other` is larger: an amount never goes below zero.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).filter(|c| *c >= 0).map(Money)
    }

    pub fn checked_mul(self, times: u32) -> Option<Money> {
        self.0.checked_mul(i64::from(times)).map(Money)
    }

    /// The sum of the amounts, or `None` if it does not fit.
    pub fn sum(amounts: impl IntoIterator<Item = Money>) -> Option<Money> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, |total, m| total.checked_add(m))
    }
}

impl TryFrom<i64> for Money {
    type Error = MoneyError;
    fn try_from(cents: i64) -> Result<Self, MoneyError> {
        Money::from_cents(cents)
    }
}

impl From<Money> for i64 {
    fn from(m: Money) -> i64 {
        m.0
    }
}

/// As Italians write it: `1.234,56 €`.
impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let euros = (self.0 / 100).to_string();
        let mut grouped = String::with_capacity(euros.len() + euros.len() / 3);
        for (i, c) in euros.chars().enumerate() {
            if i > 0 && (euros.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(c);
        }
        write!(f, "{grouped},{:02} €", self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_are_read_and_written_as_in_italy() {
        assert_eq!(Money::parse("16").unwrap().cents(), 1600);
        assert_eq!(Money::parse("0,52 €").unwrap().cents(), 52);
        assert_eq!(
            Money::parse("300.000,00").unwrap().to_string(),
            "300.000,00 €"
        );
        assert_eq!(Money::from_cents(5).unwrap().to_string(), "0,05 €");
        assert_eq!(Money::parse("-1"), Err(MoneyError::Negative));
        assert_eq!(Money::parse("dieci"), Err(MoneyError::Unreadable));
        assert_eq!(Money::parse("1,234"), Err(MoneyError::Unreadable));
    }

    #[test]
    fn arithmetic_refuses_what_does_not_fit() {
        let max = Money::from_cents(i64::MAX).unwrap();
        let one = Money::from_cents(1).unwrap();
        assert_eq!(max.checked_add(one), None);
        assert_eq!(max.checked_mul(2), None);
        assert_eq!(one.checked_sub(max), None, "never below zero");
        assert_eq!(Money::sum([max, one]), None);
        assert_eq!(
            Money::sum([one, one, one]),
            Some(Money::from_cents(3).unwrap())
        );
    }

    #[test]
    fn stored_as_cents_and_negative_cents_refused() {
        let m: Money = serde_json::from_str("1600").unwrap();
        assert_eq!(m.cents(), 1600);
        assert_eq!(serde_json::to_string(&m).unwrap(), "1600");
        assert!(serde_json::from_str::<Money>("-1").is_err());
    }

    proptest! {
        #[test]
        fn a_sum_is_exact_or_refused(cents in proptest::collection::vec(0..i64::MAX, 0..6)) {
            let amounts: Vec<Money> = cents.iter().map(|c| Money::from_cents(*c).unwrap()).collect();
            let exact: i128 = cents.iter().map(|c| i128::from(*c)).sum();
            match Money::sum(amounts) {
                Some(total) => prop_assert_eq!(i128::from(total.cents()), exact),
                None => prop_assert!(exact > i128::from(i64::MAX)),
            }
        }
    }
}

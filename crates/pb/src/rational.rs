//! Exact rational numbers that stay on machine integers while they fit.
//!
//! The Method of Equal Shares compares quantities such as "what is left of a voter's share"
//! whose denominators grow with every project bought. Floating point would round, and a rounding
//! can flip a comparison and so the outcome. [`Q`] is exact: it keeps numerator and denominator in
//! `i128` and, when an operation would overflow, carries on in arbitrary precision. Every value is
//! kept in lowest terms with a positive denominator, so equal numbers have equal representations.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;

/// An exact rational number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Q {
    /// numerator, denominator (> 0), coprime.
    Small(i128, i128),
    /// numerator, denominator (> 0), coprime, at least one outside `i128`.
    Big(Box<(BigInt, BigInt)>),
}

fn gcd_i128(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    // Both inputs fit in i128 and the gcd divides them, so it fits too (except gcd(MIN, 0),
    // which callers never ask for: denominators are positive).
    i128::try_from(a).unwrap_or(1)
}

impl Q {
    /// Zero.
    pub const ZERO: Q = Q::Small(0, 1);

    /// An integer.
    pub fn int(n: i128) -> Q {
        Q::Small(n, 1)
    }

    /// `n / d`; `d` must not be zero (a zero denominator gives zero, never a panic).
    pub fn ratio(n: i128, d: i128) -> Q {
        if d == 0 {
            return Q::ZERO;
        }
        Q::small_normalised(n, d).unwrap_or_else(|| Q::big(BigInt::from(n), BigInt::from(d)))
    }

    fn small_normalised(n: i128, d: i128) -> Option<Q> {
        let g = gcd_i128(n, d);
        let (mut n, mut d) = (n / g, d / g);
        if d < 0 {
            n = n.checked_neg()?;
            d = d.checked_neg()?;
        }
        Some(Q::Small(n, d))
    }

    fn big(n: BigInt, d: BigInt) -> Q {
        if d.is_zero() {
            return Q::ZERO;
        }
        let g = n.gcd(&d);
        let (mut n, mut d) = (n / &g, d / &g);
        if d.is_negative() {
            n = -n;
            d = -d;
        }
        match (n.to_i128(), d.to_i128()) {
            (Some(n), Some(d)) => Q::Small(n, d),
            _ => Q::Big(Box::new((n, d))),
        }
    }

    fn parts(&self) -> (BigInt, BigInt) {
        match self {
            Q::Small(n, d) => (BigInt::from(*n), BigInt::from(*d)),
            Q::Big(b) => (b.0.clone(), b.1.clone()),
        }
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        matches!(self, Q::Small(0, _))
    }

    /// Whether the value is below zero.
    pub fn is_negative(&self) -> bool {
        match self {
            Q::Small(n, _) => *n < 0,
            Q::Big(b) => b.0.is_negative(),
        }
    }

    /// `self + other`.
    pub fn add(&self, other: &Q) -> Q {
        if let (Q::Small(a, b), Q::Small(c, d)) = (self, other) {
            let sum = if b == d {
                a.checked_add(*c).map(|n| (n, *b))
            } else {
                a.checked_mul(*d)
                    .zip(c.checked_mul(*b))
                    .and_then(|(x, y)| x.checked_add(y))
                    .zip(b.checked_mul(*d))
            };
            if let Some(q) = sum.and_then(|(n, d)| Q::small_normalised(n, d)) {
                return q;
            }
        }
        let ((a, b), (c, d)) = (self.parts(), other.parts());
        Q::big(a * &d + c * &b, b * d)
    }

    /// `self - other`.
    pub fn sub(&self, other: &Q) -> Q {
        self.add(&other.neg())
    }

    /// `-self`.
    pub fn neg(&self) -> Q {
        match self {
            Q::Small(n, d) => match n.checked_neg() {
                Some(n) => Q::Small(n, *d),
                None => Q::big(-BigInt::from(*n), BigInt::from(*d)),
            },
            Q::Big(b) => Q::big(-b.0.clone(), b.1.clone()),
        }
    }

    /// `self * other`.
    pub fn mul(&self, other: &Q) -> Q {
        if let (Q::Small(a, b), Q::Small(c, d)) = (self, other) {
            // Cross-reduce first, as the result is then already in lowest terms.
            let g1 = gcd_i128(*a, *d);
            let g2 = gcd_i128(*c, *b);
            let (a, d) = (a / g1.max(1), d / g1.max(1));
            let (c, b) = (c / g2.max(1), b / g2.max(1));
            if let (Some(n), Some(m)) = (a.checked_mul(c), b.checked_mul(d)) {
                return Q::Small(n, m);
            }
        }
        let ((a, b), (c, d)) = (self.parts(), other.parts());
        Q::big(a * c, b * d)
    }

    /// `self * k` for an integer `k`.
    pub fn mul_int(&self, k: i128) -> Q {
        self.mul(&Q::int(k))
    }

    /// `self / k` for a non-zero integer `k`.
    pub fn div_int(&self, k: i128) -> Q {
        self.mul(&Q::ratio(1, k))
    }

    /// `self / other`; dividing by zero gives zero (callers never do it).
    pub fn div(&self, other: &Q) -> Q {
        match other {
            Q::Small(n, d) => self.mul(&Q::ratio(*d, *n)),
            Q::Big(b) => self.mul(&Q::big(b.1.clone(), b.0.clone())),
        }
    }

    /// A floating-point approximation, for display only.
    pub fn to_f64(&self) -> f64 {
        match self {
            Q::Small(n, d) => *n as f64 / *d as f64,
            Q::Big(b) => {
                let (n, d) = (&b.0, &b.1);
                n.to_f64().unwrap_or(f64::NAN) / d.to_f64().unwrap_or(f64::NAN)
            }
        }
    }
}

impl Ord for Q {
    fn cmp(&self, other: &Q) -> Ordering {
        if let (Q::Small(a, b), Q::Small(c, d)) = (self, other) {
            if b == d {
                return a.cmp(c);
            }
            if let (Some(x), Some(y)) = (a.checked_mul(*d), c.checked_mul(*b)) {
                return x.cmp(&y);
            }
        }
        let ((a, b), (c, d)) = (self.parts(), other.parts());
        (a * d).cmp(&(c * b))
    }
}

impl PartialOrd for Q {
    fn partial_cmp(&self, other: &Q) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Q {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Q::Small(n, d) if *d == 1 => write!(f, "{n}"),
            Q::Small(n, d) => write!(f, "{n}/{d}"),
            Q::Big(b) if b.1.is_one() => write!(f, "{}", b.0),
            Q::Big(b) => write!(f, "{}/{}", b.0, b.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn big_of(q: &Q) -> (BigInt, BigInt) {
        q.parts()
    }

    proptest! {
        #[test]
        fn arithmetic_matches_big_integers(a in any::<i64>(), b in 1..i64::MAX, c in any::<i64>(), d in 1..i64::MAX) {
            let x = Q::ratio(a as i128, b as i128);
            let y = Q::ratio(c as i128, d as i128);
            let (xa, xb) = (BigInt::from(a), BigInt::from(b));
            let (ya, yb) = (BigInt::from(c), BigInt::from(d));
            prop_assert_eq!(big_of(&x.add(&y)), big_of(&Q::big(&xa * &yb + &ya * &xb, &xb * &yb)));
            prop_assert_eq!(big_of(&x.mul(&y)), big_of(&Q::big(&xa * &ya, &xb * &yb)));
            prop_assert_eq!(x.cmp(&y), (&xa * &yb).cmp(&(&ya * &xb)));
            // Repeated products leave i128 and come back exactly.
            let mut p = x.clone();
            for _ in 0..6 { p = p.mul(&y); }
            for _ in 0..6 { if !y.is_zero() { p = p.div(&y); } }
            if !y.is_zero() { prop_assert_eq!(p, x); }
        }
    }

    #[test]
    fn lowest_terms_and_sign() {
        assert_eq!(Q::ratio(6, -4), Q::Small(-3, 2));
        assert_eq!(Q::ratio(0, 7), Q::ZERO);
        assert_eq!(Q::ratio(1, 3).add(&Q::ratio(1, 6)), Q::ratio(1, 2));
        assert!(Q::ratio(1, 3) < Q::ratio(34, 100));
        assert_eq!(Q::ratio(7, 2).to_string(), "7/2");
    }
}

//! Submitted values: field id → text, as typed (forms) or sent (API).

use std::collections::BTreeMap;

pub type Values = BTreeMap<String, String>;

/// A decimal number in hundredths, from "12", "12,5", "12.50", "1.234,56" or "1234.56".
pub fn parse_decimal(input: &str) -> Option<i64> {
    let s: String = input
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '€')
        .collect();
    if s.is_empty() {
        return None;
    }
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, s),
    };
    // With both separators, the last one is the decimal separator; with only a comma, it is.
    let normalised = match (s.rfind(','), s.rfind('.')) {
        (Some(c), Some(d)) if c > d => s.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => s.replace(',', ""),
        (Some(_), None) => s.replace(',', "."),
        _ => s,
    };
    let (int_part, frac_part) = match normalised.split_once('.') {
        Some((i, f)) => (i.to_string(), f.to_string()),
        None => (normalised, String::new()),
    };
    if int_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || frac_part.len() > 2
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int: i64 = int_part.parse().ok()?;
    let frac: i64 = format!("{frac_part:0<2}").parse().ok()?;
    let value = int.checked_mul(100)?.checked_add(frac)?;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("12"), Some(1200));
        assert_eq!(parse_decimal("12,5"), Some(1250));
        assert_eq!(parse_decimal("12.50"), Some(1250));
        assert_eq!(parse_decimal("1.234,56"), Some(123_456));
        assert_eq!(parse_decimal("1,234.56"), Some(123_456));
        assert_eq!(parse_decimal("€ 30"), Some(3000));
        assert_eq!(parse_decimal("-3"), Some(-300));
        assert_eq!(parse_decimal("12,345"), None);
        assert_eq!(parse_decimal("abc"), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(parse_decimal("1.2.3"), None);
    }
}

//! Values as people read them: an option's label rather than its stored code, a date as
//! 15/12/2026, a box as Sì or No, numbers and amounts the Italian way, a group one row per
//! line. The applicant's review, the office's case page and the decision document all show
//! values this way.

use super::schema::{Field, FieldKind};
use super::values::{parse_decimal, rows_of};
use super::FormSchema;

/// A value that is not a file's, as people read it («—» when empty).
pub fn shown_text(f: &Field, v: &str) -> String {
    if v.is_empty() {
        return "—".into();
    }
    match f.kind {
        FieldKind::Select | FieldKind::Radio => f
            .options
            .iter()
            .find(|o| o.value == v)
            .map(|o| o.label.clone())
            .unwrap_or_else(|| v.to_string()),
        FieldKind::Checkbox => {
            if FormSchema::normalize(f, v) == "true" {
                "Sì".into()
            } else {
                "No".into()
            }
        }
        // Numbers and amounts as Italians write them: 1.234,5 and 300.000,00 €.
        FieldKind::Number => parse_decimal(v)
            .map(|h| it_decimal(h, false))
            .unwrap_or_else(|| v.to_string()),
        FieldKind::Money => parse_decimal(v)
            .map(it_euros)
            .unwrap_or_else(|| v.to_string()),
        FieldKind::Date => match v.split('-').collect::<Vec<_>>().as_slice() {
            [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => format!("{d}/{m}/{y}"),
            _ => v.to_string(),
        },
        // One line per row, each cell as its column shows it: «Anna · Rossi · RSSNNA… · Figlia».
        FieldKind::Group => match rows_of(v) {
            Some(rows) if !rows.is_empty() => rows
                .iter()
                .map(|row| {
                    f.columns
                        .iter()
                        .filter_map(|c| row.get(&c.id).filter(|x| !x.is_empty()).map(|x| (c, x)))
                        .map(|(c, x)| shown_text(c, x))
                        .collect::<Vec<_>>()
                        .join(" · ")
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Some(_) => "—".into(),
            None => v.to_string(),
        },
        _ => v.to_string(),
    }
}

/// An amount of euro cents as Italians write it: `300.000,00 €`.
pub fn it_euros(cents: i64) -> String {
    format!("{} €", it_decimal(cents, true))
}

/// A number given in hundredths, the Italian way: thousands with dots, decimals after a comma
/// (`cents`: always two decimals; otherwise none when they are zero).
pub fn it_decimal(hundredths: i64, cents: bool) -> String {
    let whole = (hundredths / 100).unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if hundredths < 0 { "-" } else { "" };
    let frac = (hundredths % 100).unsigned_abs();
    if cents || frac != 0 {
        format!("{sign}{grouped},{frac:02}")
    } else {
        format!("{sign}{grouped}")
    }
}

#[cfg(test)]
mod tests {
    use super::it_decimal;

    #[test]
    fn italian_numbers() {
        assert_eq!(it_decimal(1250, false), "12,50");
        assert_eq!(it_decimal(1200, false), "12");
        assert_eq!(it_decimal(30_000_000, true), "300.000,00");
        assert_eq!(it_decimal(-123_456, true), "-1.234,56");
    }
}

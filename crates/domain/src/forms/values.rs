//! Submitted values: field id → text, as typed (forms) or sent (API).

use std::collections::BTreeMap;

pub type Values = BTreeMap<String, String>;

/// The rows of a group's value (a JSON array of objects whose values are text), or `None`
/// when the value is not that.
pub fn rows_of(value: &str) -> Option<Vec<Values>> {
    serde_json::from_str(value).ok()
}

/// A group's rows as stored: a JSON array of objects, columns in order; nothing at all when
/// there are no rows.
pub fn rows_text(rows: &[Values]) -> String {
    if rows.is_empty() {
        String::new()
    } else {
        serde_json::to_string(rows).unwrap_or_default()
    }
}

/// The most rows a posted form may carry for one group (past the group's own limit, so that
/// too many are refused by validation with a message, but bounded).
const POSTED_ROWS_MAX: usize = 100;

impl super::FormSchema {
    /// Folds the cells an HTML form posts as `group.row.column` into the group's value, rows
    /// in the order of their numbers; rows left blank are dropped. Keys that name no group's
    /// column are left as they are (validation refuses them).
    pub fn fold_rows(&self, posted: &mut Values) {
        let mut groups: BTreeMap<String, BTreeMap<usize, Values>> = BTreeMap::new();
        let cells: Vec<String> = posted.keys().filter(|k| k.contains('.')).cloned().collect();
        for key in cells {
            let mut parts = key.splitn(3, '.');
            let (Some(group), Some(row), Some(column)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Some(field) = self
                .field(group)
                .filter(|f| f.columns.iter().any(|c| c.id == column))
            else {
                continue;
            };
            let Some(row) = row.parse::<usize>().ok().filter(|r| *r < POSTED_ROWS_MAX) else {
                continue;
            };
            let Some(value) = posted.remove(&key) else {
                continue;
            };
            groups
                .entry(field.id.clone())
                .or_default()
                .entry(row)
                .or_default()
                .insert(column.to_string(), value);
        }
        for (group, rows) in groups {
            let rows: Vec<Values> = rows
                .into_values()
                .filter(|r| r.values().any(|v| !v.trim().is_empty()))
                .collect();
            posted.insert(group, rows_text(&rows));
        }
    }
}

/// The value of a group without its row `index` (counted from 0).
pub fn without_row(value: &str, index: usize) -> String {
    match rows_of(value) {
        Some(mut rows) if index < rows.len() => {
            rows.remove(index);
            rows_text(&rows)
        }
        _ => value.to_string(),
    }
}

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

    #[test]
    fn rows_fold_from_cells_and_lose_blank_ones() {
        let schema: crate::forms::FormSchema = toml::from_str(
            r#"
[[steps]]
id = "famiglia"
title = "Famiglia"
[[steps.sections]]
title = "Familiari"
[[steps.sections.fields]]
id = "familiari"
label = "Familiari"
type = "group"
columns = [
  { id = "nome", label = "Nome", type = "text" },
  { id = "cf", label = "Codice fiscale", type = "codice_fiscale" },
]
"#,
        )
        .unwrap();
        schema.check().unwrap();
        let mut posted: Values = [
            ("familiari.10.nome", "Luca"),
            ("familiari.2.nome", "Anna"),
            ("familiari.2.cf", "x"),
            ("familiari.3.nome", " "),
            ("familiari.3.cf", ""),
            ("familiari.x.nome", "kept: no row number"),
            ("altro.0.nome", "kept: no such group"),
            ("note", "as it is"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        schema.fold_rows(&mut posted);
        assert_eq!(
            posted["familiari"],
            r#"[{"cf":"x","nome":"Anna"},{"nome":"Luca"}]"#
        );
        assert_eq!(posted["note"], "as it is");
        assert!(posted.contains_key("familiari.x.nome"));
        assert!(posted.contains_key("altro.0.nome"));
        assert_eq!(without_row(&posted["familiari"], 0), r#"[{"nome":"Luca"}]"#);
        assert_eq!(without_row(r#"[{"nome":"Luca"}]"#, 0), "");
        assert_eq!(
            without_row(r#"[{"nome":"Luca"}]"#, 5),
            r#"[{"nome":"Luca"}]"#
        );
    }
}

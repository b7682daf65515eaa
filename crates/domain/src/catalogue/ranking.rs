//! Calls with a ranking (domande con graduatoria: a nursery, public housing, a grant): the
//! criteria of the call (bando) score each application from its own data, so that the office's
//! ranking is the call's arithmetic, not a judgement made case by case. The office then approves
//! the ranking and publishes it, anonymised.

use serde::{Deserialize, Serialize};

use crate::forms::{hundredths, parse_decimal, rows_of, FieldKind, FormSchema, Values};

/// How a call ranks its applications: points for each criterion, summed; ties go to the lower
/// value of `lower_first` (an ISEE), then to the earlier registration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RankingRule {
    pub criteria: Vec<Criterion>,
    /// A number or amount field whose lower value comes first among equal scores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower_first: Option<String>,
}

/// One criterion of the call: the points a field's value is worth.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub field: String,
    /// What the points are for, as the published ranking names them.
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    /// For a choice (select, radio) or a checkbox (`value = "true"`): the points of a value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionPoints>,
    /// For a number or amount: the points of the first band the value is within (`up_to`
    /// inclusive, in the field's unit); above the last band, none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<Band>,
    /// For a number: points for each unit; for a group: for each row. Capped by `max`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OptionPoints {
    pub value: String,
    pub points: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub up_to: f64,
    pub points: i64,
}

/// The most points any criterion may give (and take): scores stay small, exact integers.
pub const MAX_POINTS: i64 = 1_000;

/// An application's score: the total and each criterion's part, in the call's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub total: i64,
    pub parts: Vec<i64>,
    /// The tie-break value (`lower_first`), in hundredths; none when the field is empty.
    pub tie: Option<i64>,
}

/// A mistake in a call's criteria (caught when the catalogue loads).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RankingError {
    #[error("criterion on `{0}`: no such field in the form")]
    NoField(String),
    #[error("criterion on `{0}`: give exactly one of options, bands or per_unit")]
    Shape(String),
    #[error("criterion on `{0}`: options fit a choice or a checkbox, bands and per_unit a number, per_unit a group")]
    Kind(String),
    #[error("criterion on `{0}`: option `{1}` is not one of the field's values")]
    Option(String, String),
    #[error("criterion on `{0}`: points beyond ±{MAX_POINTS}, or bands not in increasing order")]
    Points(String),
    #[error("lower_first `{0}`: not a number or amount field of the form")]
    TieField(String),
    #[error("no criteria")]
    Empty,
}

impl RankingRule {
    /// Checks the criteria against the form they read.
    pub fn check(&self, form: &FormSchema) -> Result<(), RankingError> {
        if self.criteria.is_empty() {
            return Err(RankingError::Empty);
        }
        let field = |id: &str| form.fields().find(|f| f.id == id);
        let points_ok = |p: i64| (-MAX_POINTS..=MAX_POINTS).contains(&p);
        for c in &self.criteria {
            let f = field(&c.field).ok_or_else(|| RankingError::NoField(c.field.clone()))?;
            let shapes = usize::from(!c.options.is_empty())
                + usize::from(!c.bands.is_empty())
                + usize::from(c.per_unit.is_some());
            if shapes != 1 {
                return Err(RankingError::Shape(c.field.clone()));
            }
            let kind_fits = if !c.options.is_empty() {
                matches!(
                    f.kind,
                    FieldKind::Select | FieldKind::Radio | FieldKind::Checkbox
                )
            } else if !c.bands.is_empty() {
                matches!(f.kind, FieldKind::Number | FieldKind::Money)
            } else {
                matches!(f.kind, FieldKind::Number | FieldKind::Group)
            };
            if !kind_fits {
                return Err(RankingError::Kind(c.field.clone()));
            }
            for o in &c.options {
                let known = if f.kind == FieldKind::Checkbox {
                    o.value == "true"
                } else {
                    f.options.iter().any(|choice| choice.value == o.value)
                };
                if !known {
                    return Err(RankingError::Option(c.field.clone(), o.value.clone()));
                }
            }
            let increasing = c
                .bands
                .windows(2)
                .all(|w| matches!(w, [a, b] if a.up_to < b.up_to));
            let all_points = c
                .options
                .iter()
                .map(|o| o.points)
                .chain(c.bands.iter().map(|b| b.points))
                .chain(c.per_unit)
                .chain(c.max);
            if !increasing || !all_points.into_iter().all(points_ok) {
                return Err(RankingError::Points(c.field.clone()));
            }
        }
        if let Some(tie) = &self.lower_first {
            if !field(tie).is_some_and(|f| matches!(f.kind, FieldKind::Number | FieldKind::Money)) {
                return Err(RankingError::TieField(tie.clone()));
            }
        }
        Ok(())
    }

    /// The score of an application from its filed values. A value missing (an optional field
    /// left empty) scores nothing; every sum is checked.
    pub fn score(&self, values: &Values) -> Score {
        let parts: Vec<i64> = self
            .criteria
            .iter()
            .map(|c| criterion_points(c, values.get(&c.field).map(String::as_str)))
            .collect();
        // At most a few dozen criteria of ±MAX_POINTS: the sum cannot overflow, and is still
        // checked.
        let total = parts.iter().fold(0_i64, |t, p| t.saturating_add(*p));
        let tie = self
            .lower_first
            .as_ref()
            .and_then(|f| values.get(f))
            .and_then(|v| parse_decimal(v));
        Score { total, parts, tie }
    }
}

fn criterion_points(c: &Criterion, value: Option<&str>) -> i64 {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return 0;
    };
    if !c.options.is_empty() {
        return c
            .options
            .iter()
            .find(|o| o.value == value)
            .map_or(0, |o| o.points);
    }
    if !c.bands.is_empty() {
        let Some(v) = parse_decimal(value) else {
            return 0;
        };
        return c
            .bands
            .iter()
            .find(|b| v <= hundredths(b.up_to))
            .map_or(0, |b| b.points);
    }
    let Some(per) = c.per_unit else {
        return 0;
    };
    // A group counts its rows; a number its whole units.
    let units = match rows_of(value) {
        Some(rows) => i64::try_from(rows.len()).unwrap_or(i64::MAX),
        None => parse_decimal(value).map_or(0, |h| h / 100),
    };
    let points = units.checked_mul(per).unwrap_or(i64::MAX);
    match c.max {
        Some(max) => points.min(max),
        None => points.clamp(-MAX_POINTS, MAX_POINTS),
    }
}

/// The order of a ranking: more points first, then the lower tie value (a missing one last),
/// then the earlier registration (`(year, number)`).
pub fn ranks_before(a: (&Score, (i64, i64)), b: (&Score, (i64, i64))) -> std::cmp::Ordering {
    b.0.total
        .cmp(&a.0.total)
        .then_with(|| match (a.0.tie, b.0.tie) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        })
        .then_with(|| a.1.cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> FormSchema {
        toml::from_str(
            r#"
[[steps]]
id = "a"
title = "A"
[[steps.sections]]
title = "S"
[[steps.sections.fields]]
id = "lavoro"
label = "Lavoro"
type = "radio"
options = [ { value = "entrambi", label = "E" }, { value = "uno", label = "U" } ]
[[steps.sections.fields]]
id = "isee"
label = "ISEE"
type = "money"
[[steps.sections.fields]]
id = "disabilita"
label = "D"
type = "checkbox"
[[steps.sections.fields]]
id = "figli"
label = "Figli"
type = "number"
"#,
        )
        .unwrap()
    }

    fn rule() -> RankingRule {
        toml::from_str(
            r#"
lower_first = "isee"
criteria = [
  { field = "lavoro", label = "Lavoro", options = [ { value = "entrambi", points = 20 }, { value = "uno", points = 10 } ] },
  { field = "isee", label = "ISEE", bands = [ { up_to = 10000, points = 30 }, { up_to = 20000.5, points = 15 } ] },
  { field = "disabilita", label = "Disabilità", options = [ { value = "true", points = 25 } ] },
  { field = "figli", label = "Figli", per_unit = 5, max = 15 },
]
"#,
        )
        .unwrap()
    }

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_application_is_scored_from_its_own_data() {
        let r = rule();
        r.check(&form()).unwrap();
        let s = r.score(&values(&[
            ("lavoro", "entrambi"),
            ("isee", "10000.00"),
            ("disabilita", "true"),
            ("figli", "4.00"),
        ]));
        assert_eq!(
            s.parts,
            vec![20, 30, 25, 15],
            "the band's bound included, the cap held"
        );
        assert_eq!(s.total, 90);
        assert_eq!(s.tie, Some(1_000_000));
        let s = r.score(&values(&[("lavoro", "uno"), ("isee", "20000.51")]));
        assert_eq!(
            (s.parts.clone(), s.total),
            (vec![10, 0, 0, 0], 10),
            "above the last band"
        );
        let s = r.score(&values(&[("isee", "20000.50"), ("figli", "nonsense")]));
        assert_eq!(
            s.parts,
            vec![0, 15, 0, 0],
            "missing or unreadable values score nothing"
        );
    }

    #[test]
    fn ties_go_to_the_lower_isee_then_to_the_earlier_filing() {
        let score = |total, tie| Score {
            total,
            parts: vec![],
            tie,
        };
        use std::cmp::Ordering::*;
        assert_eq!(
            ranks_before(
                (&score(50, None), (2026, 9)),
                (&score(40, Some(1)), (2026, 1))
            ),
            Less
        );
        assert_eq!(
            ranks_before(
                (&score(50, Some(5)), (2026, 9)),
                (&score(50, Some(7)), (2026, 1))
            ),
            Less
        );
        assert_eq!(
            ranks_before(
                (&score(50, None), (2026, 1)),
                (&score(50, Some(7)), (2026, 9))
            ),
            Greater
        );
        assert_eq!(
            ranks_before(
                (&score(50, Some(5)), (2025, 9)),
                (&score(50, Some(5)), (2026, 1))
            ),
            Less
        );
    }

    #[test]
    fn criteria_that_cannot_be_read_from_the_form_are_refused() {
        let f = form();
        let bad = |t: &str| {
            toml::from_str::<RankingRule>(t)
                .unwrap()
                .check(&f)
                .unwrap_err()
        };
        assert_eq!(
            bad(r#"criteria = [ { field = "nope", label = "x", per_unit = 1 } ]"#),
            RankingError::NoField("nope".into())
        );
        assert_eq!(
            bad(
                r#"criteria = [ { field = "isee", label = "x", per_unit = 1, bands = [ { up_to = 1, points = 1 } ] } ]"#
            ),
            RankingError::Shape("isee".into())
        );
        assert_eq!(
            bad(
                r#"criteria = [ { field = "lavoro", label = "x", bands = [ { up_to = 1, points = 1 } ] } ]"#
            ),
            RankingError::Kind("lavoro".into())
        );
        assert_eq!(
            bad(
                r#"criteria = [ { field = "lavoro", label = "x", options = [ { value = "tre", points = 1 } ] } ]"#
            ),
            RankingError::Option("lavoro".into(), "tre".into())
        );
        assert_eq!(
            bad(
                r#"criteria = [ { field = "isee", label = "x", bands = [ { up_to = 2, points = 1 }, { up_to = 1, points = 1 } ] } ]"#
            ),
            RankingError::Points("isee".into())
        );
        assert_eq!(
            bad(r#"criteria = [ { field = "figli", label = "x", per_unit = 5000 } ]"#),
            RankingError::Points("figli".into())
        );
        assert_eq!(
            bad(r#"lower_first = "lavoro"
criteria = [ { field = "figli", label = "x", per_unit = 1 } ]"#),
            RankingError::TieField("lavoro".into())
        );
        assert_eq!(bad("criteria = []"), RankingError::Empty);
    }
}

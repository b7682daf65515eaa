//! The form schema, as written in the catalogue's service files.

use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FormSchema {
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_en: Option<String>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Textarea,
    Number,
    Money,
    Date,
    Select,
    Radio,
    Checkbox,
    Email,
    Phone,
    CodiceFiscale,
    PartitaIva,
    Iban,
    Address,
    File,
    /// A repeating group: rows of the same few columns (the family members who move with
    /// the applicant: name, codice fiscale, relationship). Stored as a JSON array of objects.
    Group,
}

/// Values taken from the signed-in identity when a draft starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Prefill {
    GivenName,
    FamilyName,
    FiscalCode,
    Email,
    BirthDate,
}

impl Prefill {
    /// Whether the value is the person's identity as SPID or CIE asserted it: shown, never
    /// typed over (an e-mail address is only a contact, and stays editable).
    pub fn is_identity(self) -> bool {
        !matches!(self, Prefill::Email)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
}

/// The field is shown (and validated) only when another field has one of these values.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub equals: Vec<String>,
}

/// A date limit: `today`, `today+30d`, `today-18y`, or an absolute `2026-01-01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    Absolute(Date),
    Today { days: i64, years: i32 },
}

impl DateBound {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("today") {
            if rest.is_empty() {
                return Some(Self::Today { days: 0, years: 0 });
            }
            let (sign, body) = match rest.chars().next()? {
                '+' => (1, rest.get(1..)?),
                '-' => (-1, rest.get(1..)?),
                _ => return None,
            };
            let (n, unit) = body.split_at(body.len().checked_sub(1)?);
            let n: i64 = n.parse().ok()?;
            let n = n.checked_mul(sign)?;
            return match unit {
                "d" => Some(Self::Today { days: n, years: 0 }),
                "y" => Some(Self::Today {
                    days: 0,
                    years: i32::try_from(n).ok()?,
                }),
                _ => None,
            };
        }
        Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
            .ok()
            .map(Self::Absolute)
    }

    pub fn resolve(self, today: Date) -> Date {
        match self {
            Self::Absolute(d) => d,
            Self::Today { days, years } => {
                // Beyond the calendar's range a bound is its first or last day, never a panic.
                let edge = |forward: bool| if forward { Date::MAX } else { Date::MIN };
                let shifted = match today.year().checked_add(years) {
                    Some(year) => today.replace_year(year).unwrap_or_else(|_| {
                        // 29 February in a year without it; or a year out of range.
                        today
                            .replace_day(28)
                            .and_then(|d| d.replace_year(year))
                            .unwrap_or_else(|_| edge(years > 0))
                    }),
                    None => edge(years > 0),
                };
                days.checked_mul(86_400)
                    .map(time::Duration::seconds)
                    .and_then(|by| shifted.checked_add(by))
                    .unwrap_or_else(|| edge(days > 0))
            }
        }
    }
}

impl<'de> Deserialize<'de> for DateBound {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DateBound::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "date bound `{s}`: expected today, today±Nd, today±Ny or YYYY-MM-DD"
            ))
        })
    }
}

impl Serialize for DateBound {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Absolute(d) => s.serialize_str(&d.to_string()),
            Self::Today { days, years } => {
                let text = match (days, years) {
                    (0, 0) => "today".to_string(),
                    (d, 0) => format!("today{d:+}d"),
                    (_, y) => format!("today{y:+}y"),
                };
                s.serialize_str(&text)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub hint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint_en: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    #[serde(default)]
    pub visible_if: Option<Condition>,
    #[serde(default)]
    pub min_length: Option<usize>,
    #[serde(default)]
    pub max_length: Option<usize>,
    /// For number and money: bounds, in the field's unit.
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub min_date: Option<DateBound>,
    #[serde(default)]
    pub max_date: Option<DateBound>,
    /// For dates: not before the date in this other field ("end after start").
    #[serde(default)]
    pub not_before_field: Option<String>,
    /// A regular expression the whole value must match, and what it means for people.
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub pattern_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_description_en: Option<String>,
    #[serde(default)]
    pub prefill: Option<Prefill>,
    /// A copy of the declarant's identity document. Never asked online: whoever files in
    /// Sportello is identified by SPID or CIE, or in person at an assisted desk, and an
    /// application made so needs no copy (CAD, D.Lgs. 82/2005, art. 65 c.1 b; DPR 445/2000
    /// art. 38 c.3 asks for it only of paper and unsigned filings). The field stays in the
    /// definition for the paper form the scheda describes; online it is never shown nor
    /// required. Only a `file` field may say so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identity_document: bool,
    /// For files: accepted kinds (`pdf`, `jpeg`, `png`, `p7m`) and the size limit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
    #[serde(default)]
    pub max_bytes: Option<u64>,
    /// For a group: the columns of each row. Plain fields only: no file, group, checkbox,
    /// condition or prefill inside a row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Field>,
    /// For a group: how many rows at least (when the group is shown and required, 1 by
    /// default) and at most (20 by default).
    #[serde(default)]
    pub min_rows: Option<usize>,
    #[serde(default)]
    pub max_rows: Option<usize>,
    /// For a group: what one row is called («Familiare»), for headings and buttons.
    #[serde(default)]
    pub row_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_label_en: Option<String>,
    /// For a group: the words of the button that adds a row («Aggiungi un familiare»).
    #[serde(default)]
    pub add_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_label_en: Option<String>,
}

/// The most rows a group takes when its definition does not say.
pub const GROUP_MAX_ROWS: usize = 20;

impl Field {
    /// The most rows this group takes.
    pub fn max_rows(&self) -> usize {
        self.max_rows.unwrap_or(GROUP_MAX_ROWS)
    }

    /// The fewest rows this group needs when it is shown.
    pub fn min_rows(&self) -> usize {
        self.min_rows.unwrap_or(usize::from(self.required))
    }
}

/// A mistake in a form schema (caught when the catalogue loads, never in front of a citizen).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("the form has no steps")]
    NoSteps,
    #[error("field id `{0}` is used twice")]
    DuplicateField(String),
    #[error("step id `{0}` is used twice")]
    DuplicateStep(String),
    #[error("field `{0}`: a {1} field needs options")]
    MissingOptions(String, &'static str),
    #[error("field `{0}` refers to unknown field `{1}`")]
    UnknownReference(String, String),
    #[error("field `{0}`: invalid pattern: {1}")]
    Pattern(String, String),
    #[error("field `{0}`: unknown file kind `{1}` (pdf, jpeg, png, p7m)")]
    FileKind(String, String),
    #[error("field `{0}`: only a file field can be the identity document")]
    IdentityDocument(String),
    #[error("field id `{0}` must be lower case letters, digits and underscores")]
    FieldId(String),
    #[error("field `{0}`: a group needs columns, and only a group has them")]
    GroupColumns(String),
    #[error("field `{0}`: column `{1}` cannot be a file, group, checkbox, radio or textarea, nor have a condition or prefill")]
    GroupColumn(String, String),
    #[error("field `{0}`: at least {1} rows but at most {2}")]
    GroupRows(String, usize, usize),
}

pub const FILE_KINDS: [&str; 4] = ["pdf", "jpeg", "png", "p7m"];

impl FormSchema {
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.steps
            .iter()
            .flat_map(|s| s.sections.iter())
            .flat_map(|s| s.fields.iter())
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields().find(|f| f.id == id)
    }

    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    /// Checks the schema itself: unique ids, references to existing fields, options where
    /// needed, valid patterns and file kinds.
    pub fn check(&self) -> Result<(), SchemaError> {
        if self.steps.is_empty() {
            return Err(SchemaError::NoSteps);
        }
        let mut steps = std::collections::HashSet::new();
        for s in &self.steps {
            if !steps.insert(s.id.as_str()) {
                return Err(SchemaError::DuplicateStep(s.id.clone()));
            }
        }
        let valid_id = |id: &str| {
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        let mut ids = std::collections::HashSet::new();
        for f in self.fields() {
            if !valid_id(&f.id) {
                return Err(SchemaError::FieldId(f.id.clone()));
            }
            if !ids.insert(f.id.as_str()) {
                return Err(SchemaError::DuplicateField(f.id.clone()));
            }
            if (f.kind == FieldKind::Group) == f.columns.is_empty() {
                return Err(SchemaError::GroupColumns(f.id.clone()));
            }
            if f.kind == FieldKind::Group && (f.max_rows() == 0 || f.min_rows() > f.max_rows()) {
                return Err(SchemaError::GroupRows(
                    f.id.clone(),
                    f.min_rows(),
                    f.max_rows(),
                ));
            }
            let mut columns = std::collections::HashSet::new();
            for c in &f.columns {
                if !valid_id(&c.id) {
                    return Err(SchemaError::FieldId(c.id.clone()));
                }
                if !columns.insert(c.id.as_str()) {
                    return Err(SchemaError::DuplicateField(format!("{}.{}", f.id, c.id)));
                }
                if matches!(
                    c.kind,
                    FieldKind::File
                        | FieldKind::Group
                        | FieldKind::Checkbox
                        | FieldKind::Radio
                        | FieldKind::Textarea
                ) || c.visible_if.is_some()
                    || c.prefill.is_some()
                    || c.not_before_field.is_some()
                    || c.identity_document
                {
                    return Err(SchemaError::GroupColumn(f.id.clone(), c.id.clone()));
                }
            }
        }
        for f in self
            .fields()
            .chain(self.fields().flat_map(|f| f.columns.iter()))
        {
            if f.identity_document && f.kind != FieldKind::File {
                return Err(SchemaError::IdentityDocument(f.id.clone()));
            }
            match f.kind {
                FieldKind::Select | FieldKind::Radio if f.options.is_empty() => {
                    let kind = if f.kind == FieldKind::Select {
                        "select"
                    } else {
                        "radio"
                    };
                    return Err(SchemaError::MissingOptions(f.id.clone(), kind));
                }
                _ => {}
            }
            for reference in f
                .visible_if
                .iter()
                .map(|c| &c.field)
                .chain(f.not_before_field.iter())
            {
                if !ids.contains(reference.as_str()) {
                    return Err(SchemaError::UnknownReference(
                        f.id.clone(),
                        reference.clone(),
                    ));
                }
            }
            if let Some(p) = &f.pattern {
                regex::Regex::new(p)
                    .map_err(|e| SchemaError::Pattern(f.id.clone(), e.to_string()))?;
            }
            if let Some(bad) = f.accept.iter().find(|k| !FILE_KINDS.contains(&k.as_str())) {
                return Err(SchemaError::FileKind(f.id.clone(), bad.clone()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod bound_tests {
    use super::DateBound;
    use time::macros::date;

    /// A bound from the catalogue never panics, however far it reaches: past the calendar it
    /// is the calendar's first or last day.
    #[test]
    fn far_bounds_stop_at_the_calendar_edges() {
        let today = date!(2026 - 02 - 28);
        for (text, forward) in [
            ("today+9223372036854775807d", true),
            ("today-9223372036854775807d", false),
            ("today+2147483647y", true),
            ("today-2147483647y", false),
        ] {
            let bound = DateBound::parse(text).unwrap();
            let d = bound.resolve(today);
            assert_eq!(
                d,
                if forward {
                    time::Date::MAX
                } else {
                    time::Date::MIN
                },
                "{text}"
            );
        }
        assert_eq!(DateBound::parse("today--9223372036854775808d"), None);
    }
}

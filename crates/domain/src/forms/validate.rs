//! Validation of submitted values against a schema. The server is the only authority: the
//! same rules run for the HTML form, the JSON API, and again at submission.

use italian_ids::{
    CodiceFiscale, CodiceFiscaleError, Iban, IbanError, PartitaIva, PartitaIvaError,
};
use time::Date;

use super::schema::{Field, FieldKind, FormSchema};
use super::values::{parse_decimal, rows_of, rows_text, Values};

/// What is wrong with one field. The web layer turns it into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    Required,
    /// A required checkbox (a declaration) was not ticked.
    MustAccept,
    TooShort(usize),
    TooLong(usize),
    NotANumber,
    /// Bounds in hundredths of the unit.
    BelowMin(i64),
    AboveMax(i64),
    NotADate,
    DateTooEarly(Date),
    DateTooLate(Date),
    /// Before the date in the named field (its label).
    BeforeField(String),
    NotAnOption,
    NotAnEmail,
    NotAPhone,
    CodiceFiscale(CodiceFiscaleError),
    PartitaIva(PartitaIvaError),
    Iban(IbanError),
    /// Does not match the pattern; carries its description.
    Pattern(String),
    /// The form has no such field.
    UnknownField,
    /// A group with fewer rows than it needs.
    TooFewRows(usize),
    /// A group with more rows than it takes.
    TooManyRows(usize),
    /// A group's value that is not a list of rows.
    NotRows,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub kind: ErrorKind,
}

fn err(field: &Field, kind: ErrorKind) -> FieldError {
    FieldError {
        field: field.id.clone(),
        kind,
    }
}

fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
        .ok()
        .or_else(|| {
            // Also the Italian way: 31/12/2026.
            let mut parts = s.split('/');
            let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() {
                return None;
            }
            let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
            Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
        })
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && s.len() <= 254
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

fn is_phone(s: &str) -> bool {
    let compact: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | '(' | ')'))
        .collect();
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    (6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn hundredths(bound: f64) -> i64 {
    // Bounds are written by people in the catalogue (0, 1000, 0.5): exact to the hundredth.
    (bound * 100.0).round() as i64
}

impl FormSchema {
    /// Whether a field is shown, given the values so far.
    pub fn is_visible(&self, field: &Field, values: &Values) -> bool {
        // Never online: see `Field::identity_document`.
        if field.identity_document {
            return false;
        }
        match &field.visible_if {
            None => true,
            Some(cond) => {
                let controlling_visible = self
                    .field(&cond.field)
                    .is_none_or(|f| self.is_visible(f, values));
                controlling_visible
                    && values
                        .get(&cond.field)
                        .is_some_and(|v| cond.equals.iter().any(|e| e == v))
            }
        }
    }

    /// The value as it will be stored: trimmed, canonical (codice fiscale upper case, IBAN
    /// without spaces, numbers with a dot).
    pub fn normalize(field: &Field, raw: &str) -> String {
        let t = raw.trim();
        match field.kind {
            FieldKind::CodiceFiscale => CodiceFiscale::parse(t)
                .map(|c| c.to_string())
                .unwrap_or_else(|_| t.to_string()),
            FieldKind::PartitaIva => PartitaIva::parse(t)
                .map(|p| p.to_string())
                .unwrap_or_else(|_| t.to_string()),
            FieldKind::Iban => Iban::parse(t)
                .map(|i| i.to_string())
                .unwrap_or_else(|_| t.to_string()),
            FieldKind::Number | FieldKind::Money => match parse_decimal(t) {
                Some(v) => format!("{}.{:02}", v / 100, (v % 100).abs()),
                None => t.to_string(),
            },
            FieldKind::Date => parse_date(t)
                .map(|d| d.to_string())
                .unwrap_or_else(|| t.to_string()),
            FieldKind::Email => t.to_ascii_lowercase(),
            // Each cell normalised as its column; unknown columns and empty rows dropped.
            FieldKind::Group => match rows_of(t) {
                Some(rows) => rows_text(
                    &rows
                        .iter()
                        .map(|row| {
                            field
                                .columns
                                .iter()
                                .filter_map(|c| {
                                    let v = Self::normalize(c, row.get(&c.id)?);
                                    (!v.is_empty()).then(|| (c.id.clone(), v))
                                })
                                .collect::<Values>()
                        })
                        .filter(|row| !row.is_empty())
                        .collect::<Vec<_>>(),
                ),
                None => t.to_string(),
            },
            FieldKind::Checkbox => {
                if matches!(t, "on" | "true" | "1" | "si" | "sì" | "yes") {
                    "true".into()
                } else {
                    String::new()
                }
            }
            _ => t.to_string(),
        }
    }

    /// A group's errors: its number of rows, then each cell under `group.row.column` (rows
    /// counted from 0).
    fn check_group(&self, field: &Field, values: &Values, today: Date) -> Vec<FieldError> {
        let raw = values.get(&field.id).map(|v| v.trim()).unwrap_or_default();
        let rows = if raw.is_empty() {
            Vec::new()
        } else {
            match rows_of(raw) {
                Some(rows) => rows,
                None => return vec![err(field, ErrorKind::NotRows)],
            }
        };
        // Rows with nothing in them are not rows (the blank row the form always offers).
        let rows: Vec<&Values> = rows
            .iter()
            .filter(|r| r.values().any(|v| !v.trim().is_empty()))
            .collect();
        if rows.is_empty() && field.required {
            return vec![err(field, ErrorKind::Required)];
        }
        if !rows.is_empty() && rows.len() < field.min_rows() {
            return vec![err(field, ErrorKind::TooFewRows(field.min_rows()))];
        }
        if rows.len() > field.max_rows() {
            return vec![err(field, ErrorKind::TooManyRows(field.max_rows()))];
        }
        let mut errors = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            if let Some(c) = row
                .keys()
                .find(|k| !field.columns.iter().any(|c| &&c.id == k))
            {
                errors.push(FieldError {
                    field: format!("{}.{i}.{c}", field.id),
                    kind: ErrorKind::UnknownField,
                });
            }
            for column in &field.columns {
                if let Some(e) = self.check_field(column, row, today) {
                    errors.push(FieldError {
                        field: format!("{}.{i}.{}", field.id, e.field),
                        kind: e.kind,
                    });
                }
            }
        }
        errors
    }

    /// A field's errors (a group may have several, one per cell).
    fn field_errors(&self, field: &Field, values: &Values, today: Date) -> Vec<FieldError> {
        if field.kind == FieldKind::Group {
            self.check_group(field, values, today)
        } else {
            self.check_field(field, values, today).into_iter().collect()
        }
    }

    fn check_field(&self, field: &Field, values: &Values, today: Date) -> Option<FieldError> {
        let raw = values.get(&field.id).map(|v| v.trim()).unwrap_or_default();
        let unticked = field.kind == FieldKind::Checkbox && Self::normalize(field, raw) != "true";
        if raw.is_empty() || unticked {
            return match (field.required, field.kind) {
                (true, FieldKind::Checkbox) => Some(err(field, ErrorKind::MustAccept)),
                (true, _) => Some(err(field, ErrorKind::Required)),
                _ => None,
            };
        }
        let chars = raw.chars().count();
        if let Some(min) = field.min_length {
            if chars < min {
                return Some(err(field, ErrorKind::TooShort(min)));
            }
        }
        let max_length = field.max_length.unwrap_or(match field.kind {
            FieldKind::Textarea => 5000,
            _ => 500,
        });
        if chars > max_length {
            return Some(err(field, ErrorKind::TooLong(max_length)));
        }
        let kind = match field.kind {
            FieldKind::Number | FieldKind::Money => match parse_decimal(raw) {
                None => Some(ErrorKind::NotANumber),
                Some(v) if field.min.is_some_and(|m| v < hundredths(m)) => Some(
                    ErrorKind::BelowMin(hundredths(field.min.unwrap_or_default())),
                ),
                Some(v) if field.max.is_some_and(|m| v > hundredths(m)) => Some(
                    ErrorKind::AboveMax(hundredths(field.max.unwrap_or_default())),
                ),
                Some(_) => None,
            },
            FieldKind::Date => match parse_date(raw) {
                None => Some(ErrorKind::NotADate),
                Some(d) => {
                    let min = field.min_date.map(|b| b.resolve(today));
                    let max = field.max_date.map(|b| b.resolve(today));
                    let other = field.not_before_field.as_ref().and_then(|id| {
                        let other_field = self.field(id)?;
                        let other_date = parse_date(values.get(id)?)?;
                        Some((other_field.label.clone(), other_date))
                    });
                    match (min, max, other) {
                        (Some(m), _, _) if d < m => Some(ErrorKind::DateTooEarly(m)),
                        (_, Some(m), _) if d > m => Some(ErrorKind::DateTooLate(m)),
                        (_, _, Some((label, o))) if d < o => Some(ErrorKind::BeforeField(label)),
                        _ => None,
                    }
                }
            },
            FieldKind::Select | FieldKind::Radio => {
                (!field.options.iter().any(|o| o.value == raw)).then_some(ErrorKind::NotAnOption)
            }
            FieldKind::Email => (!is_email(raw)).then_some(ErrorKind::NotAnEmail),
            FieldKind::Phone => (!is_phone(raw)).then_some(ErrorKind::NotAPhone),
            FieldKind::CodiceFiscale => CodiceFiscale::parse(raw)
                .err()
                .map(ErrorKind::CodiceFiscale),
            FieldKind::PartitaIva => PartitaIva::parse(raw).err().map(ErrorKind::PartitaIva),
            FieldKind::Iban => Iban::parse(raw).err().map(ErrorKind::Iban),
            FieldKind::Text
            | FieldKind::Textarea
            | FieldKind::Address
            | FieldKind::Checkbox
            | FieldKind::File
            | FieldKind::Group => None,
        };
        if let Some(kind) = kind {
            return Some(err(field, kind));
        }
        if let Some(pattern) = &field.pattern {
            let anchored = format!("^(?:{pattern})$");
            if regex::Regex::new(&anchored).is_ok_and(|re| !re.is_match(raw)) {
                let description = field
                    .pattern_description
                    .clone()
                    .unwrap_or_else(|| pattern.clone());
                return Some(err(field, ErrorKind::Pattern(description)));
            }
        }
        None
    }

    /// Errors in one step's visible fields.
    pub fn validate_step(&self, step: usize, values: &Values, today: Date) -> Vec<FieldError> {
        let Some(step) = self.steps.get(step) else {
            return vec![];
        };
        step.sections
            .iter()
            .flat_map(|s| s.fields.iter())
            .filter(|f| self.is_visible(f, values))
            .flat_map(|f| self.field_errors(f, values, today))
            .collect()
    }

    /// Errors in the whole form, including values for fields the form does not have.
    pub fn validate_all(&self, values: &Values, today: Date) -> Vec<FieldError> {
        let mut errors: Vec<FieldError> = values
            .keys()
            .filter(|k| self.field(k).is_none())
            .map(|k| FieldError {
                field: k.clone(),
                kind: ErrorKind::UnknownField,
            })
            .collect();
        errors.extend((0..self.steps.len()).flat_map(|i| self.validate_step(i, values, today)));
        errors
    }

    /// Keeps only known, visible fields, normalised: what is stored when an application is filed.
    pub fn clean(&self, values: &Values) -> Values {
        self.fields()
            .filter(|f| self.is_visible(f, values))
            .filter_map(|f| {
                let v = Self::normalize(f, values.get(&f.id)?);
                (!v.is_empty()).then(|| (f.id.clone(), v))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    fn schema() -> FormSchema {
        let text = r#"
[[steps]]
id = "richiedente"
title = "Richiedente"
[[steps.sections]]
title = "Dati"
[[steps.sections.fields]]
id = "codice_fiscale"
label = "Codice fiscale"
type = "codice_fiscale"
required = true
prefill = "fiscal_code"
[[steps.sections.fields]]
id = "email"
label = "Email"
type = "email"
[[steps.sections.fields]]
id = "tipo"
label = "Tipo"
type = "radio"
required = true
options = [{ value = "privato", label = "Privato" }, { value = "impresa", label = "Impresa" }]
[[steps.sections.fields]]
id = "partita_iva"
label = "Partita IVA"
type = "partita_iva"
required = true
visible_if = { field = "tipo", equals = ["impresa"] }

[[steps]]
id = "occupazione"
title = "Occupazione"
[[steps.sections]]
title = "Periodo"
[[steps.sections.fields]]
id = "dal"
label = "Dal"
type = "date"
required = true
min_date = "today+1d"
[[steps.sections.fields]]
id = "al"
label = "Al"
type = "date"
required = true
not_before_field = "dal"
max_date = "today+1y"
[[steps.sections.fields]]
id = "mq"
label = "Superficie (m²)"
type = "number"
required = true
min = 0.5
max = 200
[[steps.sections.fields]]
id = "targa"
label = "Targa"
type = "text"
pattern = "[A-Z]{2}[0-9]{3}[A-Z]{2}"
pattern_description = "due lettere, tre cifre, due lettere"
[[steps.sections.fields]]
id = "iban"
label = "IBAN"
type = "iban"
[[steps.sections.fields]]
id = "dichiarazione"
label = "Dichiaro"
type = "checkbox"
required = true
"#;
        let s: FormSchema = toml::from_str(text).unwrap();
        s.check().unwrap();
        s
    }

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn kinds(errors: &[FieldError]) -> Vec<(&str, &ErrorKind)> {
        errors.iter().map(|e| (e.field.as_str(), &e.kind)).collect()
    }

    #[test]
    fn a_complete_form_passes_and_is_cleaned() {
        let s = schema();
        let v = values(&[
            ("codice_fiscale", "rssmra80a01h501u"),
            ("tipo", "privato"),
            ("partita_iva", "ignored because hidden"),
            ("dal", "01/12/2026"),
            ("al", "2026-12-31"),
            ("mq", "12,5"),
            ("iban", "IT60 X054 2811 1010 0000 0123 456"),
            ("dichiarazione", "on"),
        ]);
        assert_eq!(s.validate_all(&v, TODAY), vec![]);
        let clean = s.clean(&v);
        assert_eq!(clean["codice_fiscale"], "RSSMRA80A01H501U");
        assert_eq!(clean["dal"], "2026-12-01");
        assert_eq!(clean["mq"], "12.50");
        assert_eq!(clean["iban"], "IT60X0542811101000000123456");
        assert_eq!(clean["dichiarazione"], "true");
        assert!(
            !clean.contains_key("partita_iva"),
            "hidden fields are not kept"
        );
    }

    #[test]
    fn each_rule_reports_its_field() {
        let s = schema();
        let v = values(&[
            ("codice_fiscale", "RSSMRA80A01H501A"),
            ("email", "not an email"),
            ("tipo", "impresa"),
            ("partita_iva", "12345678901"),
            ("dal", "2026-11-24"),
            ("al", "2026-11-20"),
            ("mq", "0,1"),
            ("targa", "AB12CD"),
            ("iban", "IT00X0542811101000000123456"),
            ("colore", "blu"),
        ]);
        let errors = s.validate_all(&v, TODAY);
        let k = kinds(&errors);
        assert!(k.contains(&("colore", &ErrorKind::UnknownField)));
        assert!(k.contains(&(
            "codice_fiscale",
            &ErrorKind::CodiceFiscale(CodiceFiscaleError::CheckCharacter)
        )));
        assert!(k.contains(&("email", &ErrorKind::NotAnEmail)));
        assert!(k.contains(&(
            "partita_iva",
            &ErrorKind::PartitaIva(PartitaIvaError::CheckDigit)
        )));
        assert!(k.contains(&("dal", &ErrorKind::DateTooEarly(date!(2026 - 11 - 25)))));
        assert!(k.contains(&("mq", &ErrorKind::BelowMin(50))));
        assert!(k.contains(&(
            "targa",
            &ErrorKind::Pattern("due lettere, tre cifre, due lettere".into())
        )));
        assert!(k.contains(&("iban", &ErrorKind::Iban(IbanError::Check))));
        assert!(k.contains(&("dichiarazione", &ErrorKind::MustAccept)));
        // "end after start" when the start is itself valid.
        let v = values(&[("dal", "2026-12-10"), ("al", "2026-12-01")]);
        assert!(kinds(&s.validate_step(1, &v, TODAY))
            .contains(&("al", &ErrorKind::BeforeField("Dal".into()))));
        let v = values(&[("dal", "2026-12-10"), ("al", "2028-01-01"), ("mq", "abc")]);
        let e = s.validate_step(1, &v, TODAY);
        assert!(kinds(&e).contains(&("al", &ErrorKind::DateTooLate(date!(2027 - 11 - 24)))));
        assert!(kinds(&e).contains(&("mq", &ErrorKind::NotANumber)));
    }

    #[test]
    fn steps_validate_only_their_fields() {
        let s = schema();
        let e = s.validate_step(0, &values(&[]), TODAY);
        assert_eq!(
            kinds(&e),
            vec![
                ("codice_fiscale", &ErrorKind::Required),
                ("tipo", &ErrorKind::Required)
            ]
        );
    }

    #[test]
    fn schema_mistakes_are_caught() {
        let mut s = schema();
        s.steps[1].sections[0].fields[1].not_before_field = Some("nope".into());
        assert!(matches!(
            s.check(),
            Err(super::super::SchemaError::UnknownReference(_, _))
        ));
        let mut s = schema();
        s.steps[0].sections[0].fields[1].id = "codice_fiscale".into();
        assert!(matches!(
            s.check(),
            Err(super::super::SchemaError::DuplicateField(_))
        ));
    }

    fn group_schema() -> FormSchema {
        let s: FormSchema = toml::from_str(
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
required = true
max_rows = 2
columns = [
  { id = "nome", label = "Nome e cognome", type = "text", required = true },
  { id = "codice_fiscale", label = "Codice fiscale", type = "codice_fiscale", required = true },
  { id = "relazione", label = "Relazione", type = "select", options = [{ value = "figlio", label = "Figlio o figlia" }] },
]
"#,
        )
        .unwrap();
        s.check().unwrap();
        s
    }

    #[test]
    fn group_rows_are_counted_and_each_cell_checked() {
        let s = group_schema();
        let e = s.validate_all(&values(&[]), TODAY);
        assert_eq!(kinds(&e), vec![("familiari", &ErrorKind::Required)]);
        let e = s.validate_all(&values(&[("familiari", "not json")]), TODAY);
        assert_eq!(kinds(&e), vec![("familiari", &ErrorKind::NotRows)]);
        let three = r#"[{"nome":"a"},{"nome":"b"},{"nome":"c"}]"#;
        let e = s.validate_all(&values(&[("familiari", three)]), TODAY);
        assert_eq!(kinds(&e), vec![("familiari", &ErrorKind::TooManyRows(2))]);
        let rows = r#"[{"nome":"Anna Rossi","codice_fiscale":"rssmra80a01h501u","relazione":"figlio"},
                       {"nome":"","codice_fiscale":"RSSMRA80A01H501A","relazione":"zio","colore":"blu"}]"#;
        let e = s.validate_all(&values(&[("familiari", rows)]), TODAY);
        assert_eq!(
            kinds(&e),
            vec![
                ("familiari.1.colore", &ErrorKind::UnknownField),
                ("familiari.1.nome", &ErrorKind::Required),
                (
                    "familiari.1.codice_fiscale",
                    &ErrorKind::CodiceFiscale(CodiceFiscaleError::CheckCharacter)
                ),
                ("familiari.1.relazione", &ErrorKind::NotAnOption),
            ]
        );
        let good = r#"[{"nome":" Anna Rossi ","codice_fiscale":"rssmra80a01h501u","relazione":"figlio"},{"nome":"","codice_fiscale":""}]"#;
        let v = values(&[("familiari", good)]);
        assert_eq!(s.validate_all(&v, TODAY), vec![]);
        assert_eq!(
            s.clean(&v)["familiari"],
            r#"[{"codice_fiscale":"RSSMRA80A01H501U","nome":"Anna Rossi","relazione":"figlio"}]"#
        );
    }

    #[test]
    fn group_definitions_are_checked() {
        let mut s = group_schema();
        s.steps[0].sections[0].fields[0].columns.clear();
        assert!(matches!(
            s.check(),
            Err(super::super::SchemaError::GroupColumns(_))
        ));
        let mut s = group_schema();
        s.steps[0].sections[0].fields[0].columns[0].kind = FieldKind::File;
        assert!(matches!(
            s.check(),
            Err(super::super::SchemaError::GroupColumn(_, _))
        ));
        let mut s = group_schema();
        s.steps[0].sections[0].fields[0].min_rows = Some(3);
        assert!(matches!(
            s.check(),
            Err(super::super::SchemaError::GroupRows(_, 3, 2))
        ));
    }

    proptest::proptest! {
        #[test]
        fn validation_never_panics_and_clean_values_stay_valid(a in ".{0,40}", b in ".{0,40}", c in "[0-9,.]{0,10}") {
            let s = schema();
            let v = values(&[("codice_fiscale", &a), ("email", &b), ("mq", &c), ("dal", &a), ("al", &b), ("tipo", "privato")]);
            let _ = s.validate_all(&v, TODAY);
            let clean = s.clean(&v);
            for k in clean.keys() {
                proptest::prop_assert!(s.field(k).is_some());
            }
        }
    }
}

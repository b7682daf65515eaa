//! One application, several procedures: the plans' «istanze complesse (procedimento unico)».
//! A business opening a restaurant files once, at the SUAP (DPR 160/2010, art. 2 and 7; the
//! «SCIA unica» of L. 241/1990, art. 19-bis): the filing is registered once and opens, besides
//! its own procedure, a case for each part — the health notification, the sign's authorisation,
//! the occupation of public land — each with its own office, regime and term, as the part's own
//! catalogue service defines them.
//!
//! A part reads the bundle's filed values: a field of the part takes the bundle's field of the
//! same name, or the one its `fields` table names. The catalogue checks, when it loads, that
//! every field a part requires has a source of the same kind in the bundle's form; the filing
//! checks each part's values against the part's own form, and reports what fails on the
//! bundle's field, so that the applicant sees it where it was typed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Access, ServiceDefinition};
use crate::forms::{Condition, FieldError, FieldKind, FormSchema, Values};

/// A procedure a bundle's filing opens.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// The catalogue service whose procedure this part is.
    pub service: String,
    /// Opened only when the bundle's values meet this (the restaurant has a sign).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// The part's field → the bundle's field it reads, where the names differ.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// Values the part always takes, whatever was typed (a restaurant's health notification
    /// is always for a new fixed establishment serving food).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, String>,
}

/// What is wrong with a bundle's parts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartError {
    #[error("part `{0}` is not a service of the catalogue")]
    UnknownService(String),
    #[error("part `{0}` appears twice, or is the bundle itself")]
    Repeated(String),
    #[error("part `{0}` has parts of its own")]
    Nested(String),
    #[error("part `{0}` is not filed online, or is a call with a window, a ranking or one filing a person")]
    NotAPart(String),
    #[error("part `{part}`: its field `{field}` reads the bundle's `{source_field}`, which the bundle's form lacks")]
    Unmapped {
        part: String,
        field: String,
        source_field: String,
    },
    #[error("part `{part}`: its field `{field}` and the bundle's `{source_field}` are of different kinds")]
    Kind {
        part: String,
        field: String,
        source_field: String,
    },
    #[error("part `{part}`: the bundle's `{source_field}` offers `{value}`, which the part's `{field}` does not")]
    Choice {
        part: String,
        field: String,
        source_field: String,
        value: String,
    },
    #[error(
        "part `{part}`: the bundle's `{source_field}` must be required, as the part's `{field}` is"
    )]
    Optional {
        part: String,
        field: String,
        source_field: String,
    },
    #[error("part `{0}`: its condition names a field the bundle's form lacks")]
    Condition(String),
    #[error("part `{part}`: `{field}` is set to a value its form does not take")]
    Set { part: String, field: String },
}

impl Part {
    /// The bundle's field that the part's `field` reads.
    pub fn source<'a>(&'a self, field: &'a str) -> &'a str {
        self.fields.get(field).map_or(field, String::as_str)
    }

    /// Whether the filed values open this part.
    pub fn applies(&self, bundle: &FormSchema, values: &Values) -> bool {
        self.when.as_ref().is_none_or(|c| {
            bundle
                .field(&c.field)
                .is_some_and(|f| bundle.is_visible(f, values))
                && values
                    .get(&c.field)
                    .is_some_and(|v| c.equals.iter().any(|e| e == v))
        })
    }

    /// The part's values, read from the bundle's: each field of the part's form whose source
    /// has a value.
    pub fn values(&self, form: &FormSchema, bundle_values: &Values) -> Values {
        form.fields()
            .filter_map(|f| {
                self.set
                    .get(&f.id)
                    .or_else(|| bundle_values.get(self.source(&f.id)))
                    .map(|v| (f.id.clone(), v.clone()))
            })
            .collect()
    }

    /// The part's field errors, named by the bundle's fields the applicant typed.
    pub fn errors_on_bundle(&self, errors: Vec<FieldError>) -> Vec<FieldError> {
        errors
            .into_iter()
            .map(|e| FieldError {
                field: self.source(&e.field).to_string(),
                kind: e.kind,
            })
            .collect()
    }

    /// The part's file fields that the applicant's uploads fill: (the part's field, the
    /// bundle's field), for each file the bundle's values hold and the part's form shows.
    pub fn files<'a>(
        &'a self,
        form: &'a FormSchema,
        part_values: &Values,
    ) -> Vec<(&'a str, &'a str)> {
        form.fields()
            .filter(|f| f.kind == FieldKind::File && form.is_visible(f, part_values))
            .filter(|f| part_values.contains_key(&f.id))
            .map(|f| (f.id.as_str(), self.source(&f.id)))
            .collect()
    }
}

/// Checks a bundle's parts against the catalogue: each part is a distinct service filed online,
/// without parts, window, ranking or one-per-person rule; every field a part requires or
/// conditions on has a source of its kind in the bundle's form, with no choice the part lacks.
pub fn check_parts<'a>(
    bundle: &ServiceDefinition,
    service: impl Fn(&str) -> Option<&'a ServiceDefinition>,
) -> Result<(), PartError> {
    let mut seen = vec![bundle.id.as_str()];
    for part in &bundle.parts {
        if seen.contains(&part.service.as_str()) {
            return Err(PartError::Repeated(part.service.clone()));
        }
        seen.push(&part.service);
        let Some(def) = service(&part.service) else {
            return Err(PartError::UnknownService(part.service.clone()));
        };
        if !def.parts.is_empty() {
            return Err(PartError::Nested(part.service.clone()));
        }
        if def.access != Access::Online
            || def.window.is_some()
            || def.ranking.is_some()
            || def.one_per_person
        {
            return Err(PartError::NotAPart(part.service.clone()));
        }
        if let Some(c) = &part.when {
            if bundle.form.field(&c.field).is_none() {
                return Err(PartError::Condition(part.service.clone()));
            }
        }
        for (field, value) in &part.set {
            let takes = def.form.field(field).is_some_and(|f| {
                f.kind != FieldKind::File
                    && (f.options.is_empty() || f.options.iter().any(|o| &o.value == value))
            });
            if !takes {
                return Err(PartError::Set {
                    part: part.service.clone(),
                    field: field.clone(),
                });
            }
        }
        let conditioning: Vec<&str> = def
            .form
            .fields()
            .filter_map(|f| f.visible_if.as_ref().map(|c| c.field.as_str()))
            .collect();
        for field in def.form.fields().filter(|f| !part.set.contains_key(&f.id)) {
            // Prefilled from the identity, the part fills it itself; a field shown only on a
            // condition its constants rule out is never asked.
            let ruled_out = field.visible_if.as_ref().is_some_and(|c| {
                part.set
                    .get(&c.field)
                    .is_some_and(|v| !c.equals.iter().any(|e| e == v))
            });
            let needed = !ruled_out
                && ((field.required && field.prefill.is_none())
                    || conditioning.contains(&field.id.as_str()));
            let source = part.source(&field.id);
            let Some(theirs) = bundle.form.field(source) else {
                if needed {
                    return Err(PartError::Unmapped {
                        part: part.service.clone(),
                        field: field.id.clone(),
                        source_field: source.to_string(),
                    });
                }
                continue;
            };
            let at = || (part.service.clone(), field.id.clone(), source.to_string());
            if theirs.kind != field.kind {
                let (part, field, source_field) = at();
                return Err(PartError::Kind {
                    part,
                    field,
                    source_field,
                });
            }
            if let Some(extra) = theirs.options.iter().find(|o| {
                !field.options.is_empty() && !field.options.iter().any(|p| p.value == o.value)
            }) {
                let (part, field, source_field) = at();
                return Err(PartError::Choice {
                    part,
                    field,
                    source_field,
                    value: extra.value.clone(),
                });
            }
            if field.required
                && field.visible_if.is_none()
                && field.prefill.is_none()
                && !theirs.required
            {
                let (part, field, source_field) = at();
                return Err(PartError::Optional {
                    part,
                    field,
                    source_field,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(text: &str) -> ServiceDefinition {
        toml::from_str(text).unwrap_or_else(|e| panic!("{e}"))
    }

    const HEAD: &str = r#"
version = 1
summary = "s"
category = 12
service_type = "permessi_e_documenti"
spid_level = "L2"
applicants = ["business"]
regime = { kind = "ordinary", term_days = 30 }
outcome_documents = []
[scheda]
who = "w"
requirements = []
documents = []
cost = "c"
legal_basis = []
office = "SUAP"
"#;

    fn sign() -> ServiceDefinition {
        service(&format!(
            r#"id = "insegna"
title = "Insegna"
{HEAD}
[[form.steps]]
id = "a"
title = "A"
[[form.steps.sections]]
title = "A"
[[form.steps.sections.fields]]
id = "codice_fiscale"
label = "CF"
type = "codice_fiscale"
required = true
prefill = "fiscal_code"
[[form.steps.sections.fields]]
id = "tipo_mezzo"
label = "Tipo"
type = "select"
required = true
options = [{{ value = "insegna", label = "Insegna" }}, {{ value = "targa", label = "Targa" }}]
[[form.steps.sections.fields]]
id = "messaggio"
label = "Messaggio"
type = "text"
required = true
[[form.steps.sections.fields]]
id = "bozzetto"
label = "Bozzetto"
type = "file"
"#
        ))
    }

    fn bundle(fields: &str, extra: &str) -> ServiceDefinition {
        service(&format!(
            r#"id = "ristorante"
title = "Ristorante"
{HEAD}
[[parts]]
service = "insegna"
when = {{ field = "ha_insegna", equals = ["true"] }}
{extra}
[[form.steps]]
id = "a"
title = "A"
[[form.steps.sections]]
title = "A"
[[form.steps.sections.fields]]
id = "ha_insegna"
label = "Insegna?"
type = "checkbox"
{fields}
"#
        ))
    }

    const GOOD: &str = r#"
[[form.steps.sections.fields]]
id = "tipo_mezzo"
label = "Tipo"
type = "select"
required = true
options = [{ value = "insegna", label = "Insegna" }]
[[form.steps.sections.fields]]
id = "testo_insegna"
label = "Testo"
type = "text"
required = true
[[form.steps.sections.fields]]
id = "bozzetto_insegna"
label = "Bozzetto"
type = "file"
"#;
    const RENAMES: &str =
        r#"fields = { messaggio = "testo_insegna", bozzetto = "bozzetto_insegna" }"#;

    #[test]
    fn a_part_reads_the_bundles_fields_by_name_or_by_its_table() {
        let (b, s) = (bundle(GOOD, RENAMES), sign());
        assert_eq!(
            check_parts(&b, |id| (id == "insegna").then_some(&s)),
            Ok(())
        );
        let part = b.parts.first().unwrap_or_else(|| panic!("a part"));
        let mut values = Values::new();
        values.insert("tipo_mezzo".into(), "insegna".into());
        values.insert("testo_insegna".into(), "Trattoria".into());
        values.insert("bozzetto_insegna".into(), "ab12".into());
        assert!(!part.applies(&b.form, &values));
        values.insert("ha_insegna".into(), "true".into());
        assert!(part.applies(&b.form, &values));
        let mine = part.values(&s.form, &values);
        assert_eq!(mine.get("messaggio").map(String::as_str), Some("Trattoria"));
        assert_eq!(mine.get("tipo_mezzo").map(String::as_str), Some("insegna"));
        assert!(!mine.contains_key("ha_insegna"));
        assert_eq!(
            part.files(&s.form, &mine),
            vec![("bozzetto", "bozzetto_insegna")]
        );
        let back = part.errors_on_bundle(vec![FieldError {
            field: "messaggio".into(),
            kind: crate::forms::ErrorKind::Required,
        }]);
        assert_eq!(
            back.first().map(|e| e.field.as_str()),
            Some("testo_insegna")
        );
    }

    #[test]
    fn a_bundle_that_cannot_feed_its_part_is_refused() {
        let s = sign();
        let look = |id: &str| (id == "insegna").then_some(&s);
        // The part's required message has no source.
        assert!(matches!(
            check_parts(&bundle(GOOD, ""), look),
            Err(PartError::Unmapped { field, .. }) if field == "messaggio"
        ));
        // A choice the part does not know.
        let wider = GOOD.replace(
            r#"options = [{ value = "insegna", label = "Insegna" }]"#,
            r#"options = [{ value = "insegna", label = "Insegna" }, { value = "totem", label = "Totem" }]"#,
        );
        assert!(matches!(
            check_parts(&bundle(&wider, RENAMES), look),
            Err(PartError::Choice { value, .. }) if value == "totem"
        ));
        // Optional in the bundle, required in the part.
        let optional = GOOD.replacen("required = true\n[[form", "required = false\n[[form", 1);
        assert!(matches!(
            check_parts(&bundle(&optional, RENAMES), look),
            Err(PartError::Optional { .. })
        ));
        // Of another kind.
        let kind = GOOD.replace("type = \"text\"", "type = \"textarea\"");
        assert!(matches!(
            check_parts(&bundle(&kind, RENAMES), look),
            Err(PartError::Kind { .. })
        ));
        // A constant the part's choice does not offer; one it does stands for the field.
        let set = format!("{RENAMES}\nset = {{ tipo_mezzo = \"totem\" }}");
        assert!(matches!(
            check_parts(&bundle(&wider, &set), look),
            Err(PartError::Set { field, .. }) if field == "tipo_mezzo"
        ));
        let set = format!("{RENAMES}\nset = {{ tipo_mezzo = \"targa\" }}");
        assert_eq!(check_parts(&bundle(&wider, &set), look), Ok(()));
        // A part the catalogue lacks, a part twice.
        assert_eq!(
            check_parts(&bundle(GOOD, RENAMES), |_| None),
            Err(PartError::UnknownService("insegna".into()))
        );
        let twice = format!("{RENAMES}\n[[parts]]\nservice = \"insegna\"\n{RENAMES}");
        assert_eq!(
            check_parts(&bundle(GOOD, &twice), look),
            Err(PartError::Repeated("insegna".into()))
        );
    }
}

//! A service's content in English. The interface is bilingual; so is each service: its scheda
//! under `[en]` in the service file, and each text of its form beside the Italian one
//! (`label_en`, `hint_en`, `title_en`, …). A service shown in English is the same definition with
//! its English texts put in place of the Italian ones ([`ServiceDefinition::in_english`]), so
//! every page renders it unchanged. What is filed, registered and decided stays in Italian, the
//! language of the administration's record.

use serde::{Deserialize, Serialize};

use super::{PrivacyNotice, ServiceDefinition};
use crate::forms::{Field, FormSchema};

/// The scheda in English: each text of the Italian one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct English {
    pub title: String,
    pub summary: String,
    pub who: String,
    #[serde(default)]
    pub requirements: Vec<String>,
    #[serde(default)]
    pub documents: Vec<String>,
    pub cost: String,
    #[serde(default)]
    pub outcome_documents: Vec<String>,
    /// Required when the Italian scheda has `how`.
    #[serde(default)]
    pub how: Option<String>,
    /// Required when the Italian notice says anything of its own.
    #[serde(default)]
    pub privacy: Option<PrivacyNotice>,
}

fn put(target: &mut String, english: &Option<String>) {
    if let Some(e) = english {
        target.clone_from(e);
    }
}

fn put_opt(target: &mut Option<String>, english: &Option<String>) {
    if english.is_some() {
        target.clone_from(english);
    }
}

fn field_in_english(f: &mut Field) {
    put(&mut f.label, &f.label_en);
    put_opt(&mut f.hint, &f.hint_en);
    put_opt(&mut f.pattern_description, &f.pattern_description_en);
    put_opt(&mut f.row_label, &f.row_label_en);
    put_opt(&mut f.add_label, &f.add_label_en);
    for o in &mut f.options {
        put(&mut o.label, &o.label_en);
    }
    for c in &mut f.columns {
        field_in_english(c);
    }
}

fn field_gaps(f: &Field, at: &str, gaps: &mut Vec<String>) {
    let at = format!("{at}.{}", f.id);
    let mut need = |has_it: bool, what: &str, present: bool| {
        if present && !has_it {
            gaps.push(format!("{at}: {what}"));
        }
    };
    need(f.label_en.is_some(), "label_en", true);
    need(f.hint_en.is_some(), "hint_en", f.hint.is_some());
    need(
        f.pattern_description_en.is_some(),
        "pattern_description_en",
        f.pattern_description.is_some(),
    );
    need(
        f.row_label_en.is_some(),
        "row_label_en",
        f.row_label.is_some(),
    );
    need(
        f.add_label_en.is_some(),
        "add_label_en",
        f.add_label.is_some(),
    );
    for o in &f.options {
        if o.label_en.is_none() {
            gaps.push(format!("{at}: option `{}` label_en", o.value));
        }
    }
    for c in &f.columns {
        field_gaps(c, &at, gaps);
    }
}

impl FormSchema {
    /// The form with its English texts in place of the Italian ones, where given.
    pub fn in_english(&self) -> FormSchema {
        let mut form = self.clone();
        for step in &mut form.steps {
            put(&mut step.title, &step.title_en);
            for section in &mut step.sections {
                put(&mut section.title, &section.title_en);
                put_opt(&mut section.description, &section.description_en);
                for f in &mut section.fields {
                    field_in_english(f);
                }
            }
        }
        form
    }

    /// Each text of the form that has no English, named by where it is.
    pub fn english_gaps(&self) -> Vec<String> {
        let mut gaps = Vec::new();
        for step in &self.steps {
            if step.title_en.is_none() {
                gaps.push(format!("step {}: title_en", step.id));
            }
            for (i, section) in step.sections.iter().enumerate() {
                if section.title_en.is_none() {
                    gaps.push(format!("step {} section {}: title_en", step.id, i + 1));
                }
                if section.description.is_some() && section.description_en.is_none() {
                    gaps.push(format!(
                        "step {} section {}: description_en",
                        step.id,
                        i + 1
                    ));
                }
                for f in &section.fields {
                    field_gaps(f, &format!("step {}", step.id), &mut gaps);
                }
            }
        }
        gaps
    }
}

impl ServiceDefinition {
    /// The service as a resident reading English sees it: the scheda's and the form's English
    /// texts in place of the Italian ones (those missing stay Italian).
    pub fn in_english(&self) -> ServiceDefinition {
        let mut s = self.clone();
        s.form = self.form.in_english();
        for fee in &mut s.fees {
            put(&mut fee.reason, &fee.reason_en);
        }
        if let Some(r) = &mut s.ranking {
            for c in &mut r.criteria {
                put(&mut c.label, &c.label_en);
            }
        }
        if let Some(en) = &self.en {
            s.title.clone_from(&en.title);
            s.summary.clone_from(&en.summary);
            s.scheda.who.clone_from(&en.who);
            s.scheda.requirements.clone_from(&en.requirements);
            s.scheda.documents.clone_from(&en.documents);
            s.scheda.cost.clone_from(&en.cost);
            s.outcome_documents.clone_from(&en.outcome_documents);
            if en.how.is_some() {
                s.scheda.how.clone_from(&en.how);
            }
            if let Some(p) = &en.privacy {
                s.privacy = p.clone();
            }
        }
        s
    }

    /// Each text of the service that has no English: empty when a resident reading English
    /// reads all of it in English.
    pub fn english_gaps(&self) -> Vec<String> {
        let mut gaps = Vec::new();
        match &self.en {
            None => gaps.push("[en]: missing".to_string()),
            Some(en) => {
                let lists = |gaps: &mut Vec<String>, name: &str, it: &[String], en: &[String]| {
                    if it.len() != en.len() {
                        gaps.push(format!(
                            "[en] {name}: {} items in Italian, {} in English",
                            it.len(),
                            en.len()
                        ));
                    }
                };
                lists(
                    &mut gaps,
                    "requirements",
                    &self.scheda.requirements,
                    &en.requirements,
                );
                lists(
                    &mut gaps,
                    "documents",
                    &self.scheda.documents,
                    &en.documents,
                );
                lists(
                    &mut gaps,
                    "outcome_documents",
                    &self.outcome_documents,
                    &en.outcome_documents,
                );
                for (name, text) in [
                    ("title", &en.title),
                    ("summary", &en.summary),
                    ("who", &en.who),
                    ("cost", &en.cost),
                ] {
                    if text.trim().is_empty() {
                        gaps.push(format!("[en] {name}: empty"));
                    }
                }
                if self.scheda.how.is_some() && en.how.is_none() {
                    gaps.push("[en] how: missing".to_string());
                }
                let p = &self.privacy;
                let says_something = !p.purpose.is_empty()
                    || !p.data.is_empty()
                    || !p.recipients.is_empty()
                    || !p.retention.is_empty();
                match &en.privacy {
                    None if says_something => gaps.push("[en] privacy: missing".to_string()),
                    Some(e) => {
                        lists(&mut gaps, "privacy.data", &p.data, &e.data);
                        lists(
                            &mut gaps,
                            "privacy.recipients",
                            &p.recipients,
                            &e.recipients,
                        );
                        if p.purpose.is_empty() != e.purpose.is_empty()
                            || p.retention.is_empty() != e.retention.is_empty()
                        {
                            gaps.push("[en] privacy: purpose or retention missing".to_string());
                        }
                    }
                    None => {}
                }
            }
        }
        for fee in &self.fees {
            if fee.reason_en.is_none() {
                gaps.push(format!("fee `{}`: reason_en", fee.reason));
            }
        }
        for c in self.ranking.iter().flat_map(|r| &r.criteria) {
            if c.label_en.is_none() {
                gaps.push(format!("ranking criterion `{}`: label_en", c.field));
            }
        }
        gaps.extend(self.form.english_gaps());
        gaps
    }
}

//! The texts of the acts the office sends about a case (comunicazione di avvio, richiesta di
//! integrazione, preavviso di rigetto, provvedimenti, attestazione di silenzio-assenso) as
//! templates an ente can adapt to its own words, within what the law requires each to say.
//!
//! A template is a title, a body and the message that goes with it to the applicant. The body is
//! written as plain lines an administrator can edit in a text box:
//!
//! - `## Motivazione` is a heading;
//! - `- Responsabile del procedimento: {responsabile}` is a labelled field;
//! - an empty line is a blank line;
//! - `{testo}` alone on its line is the office's own text (the motivation, the documents
//!   requested), paragraph by paragraph;
//! - any other line is a paragraph.
//!
//! `{name}` inserts a value. Each kind of act has the names it accepts and the ones it must
//! contain: a decision must name the court an appeal goes to (`{tar}`: art. 3 c.4 L. 241/1990),
//! a comunicazione di avvio the person responsible and the term (art. 8), and every act with the
//! office's text must contain `{testo}`. A name the act does not know, or a brace left open, is
//! refused: a template is checked when it is saved, never when an act is sent.

use std::collections::BTreeMap;

crate::stored_enum! {
    /// The acts whose texts an ente may adapt.
    pub enum ActKind {
        Avvio = "avvio",
        RichiestaIntegrazione = "richiesta_integrazione",
        Preavviso = "preavviso",
        Accoglimento = "accoglimento",
        Diniego = "diniego",
        RichiestaConformazione = "richiesta_conformazione",
        DivietoScia = "divieto_scia",
        SilenzioAssenso = "silenzio_assenso",
    }
}

/// A value a template may insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slot {
    /// The ente's name, as «Comune di Livorno».
    Ente,
    /// The person responsible for the procedure (who acts).
    Responsabile,
    /// The date the procedure must end by, or the law's words when there is none.
    Termine,
    /// The administrative court an appeal goes to (the region's TAR).
    Tar,
    /// The office's own text: the motivation, the documents or measures requested.
    Testo,
}

impl Slot {
    pub const ALL: [Slot; 5] = [
        Slot::Ente,
        Slot::Responsabile,
        Slot::Termine,
        Slot::Tar,
        Slot::Testo,
    ];

    /// The name written between braces.
    pub const fn name(self) -> &'static str {
        match self {
            Slot::Ente => "ente",
            Slot::Responsabile => "responsabile",
            Slot::Termine => "termine",
            Slot::Tar => "tar",
            Slot::Testo => "testo",
        }
    }

    pub fn from_name(name: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl ActKind {
    /// The case document kind the act is filed as.
    pub const fn document_kind(self) -> &'static str {
        match self {
            ActKind::Avvio => "avvio",
            ActKind::RichiestaIntegrazione => "richiesta_integrazione",
            ActKind::Preavviso => "preavviso",
            ActKind::RichiestaConformazione => "richiesta_conformazione",
            ActKind::Accoglimento
            | ActKind::Diniego
            | ActKind::DivietoScia
            | ActKind::SilenzioAssenso => "decisione",
        }
    }

    /// The values the act's texts may insert.
    pub fn accepts(self) -> &'static [Slot] {
        match self {
            ActKind::Avvio => &[Slot::Ente, Slot::Responsabile, Slot::Termine, Slot::Tar],
            ActKind::SilenzioAssenso => &[Slot::Ente, Slot::Tar],
            _ => &[
                Slot::Ente,
                Slot::Responsabile,
                Slot::Termine,
                Slot::Tar,
                Slot::Testo,
            ],
        }
    }

    /// The values the act's body must insert: what the law requires it to say.
    pub fn requires(self) -> &'static [Slot] {
        match self {
            ActKind::Avvio => &[Slot::Ente, Slot::Responsabile, Slot::Termine],
            ActKind::RichiestaIntegrazione
            | ActKind::Preavviso
            | ActKind::RichiestaConformazione => &[Slot::Testo],
            ActKind::Accoglimento | ActKind::Diniego | ActKind::DivietoScia => {
                &[Slot::Testo, Slot::Tar]
            }
            ActKind::SilenzioAssenso => &[],
        }
    }
}

/// Which part of a template a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActPart {
    Title,
    Body,
    Message,
}

/// Why a template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActTextError {
    #[error("{0:?} is empty")]
    Empty(ActPart),
    #[error("{0:?} is longer than {1} characters")]
    TooLong(ActPart, usize),
    #[error("{0:?}, line {1}: a brace is not closed, or closed without being opened")]
    Unbalanced(ActPart, usize),
    #[error("{0:?}: unknown value {{{1}}}")]
    Unknown(ActPart, String),
    #[error("the body must contain {{{}}}", .0.name())]
    Missing(Slot),
}

/// The longest title, body and message, in characters.
pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
pub const MESSAGE_MAX: usize = 2_000;

/// An act's texts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActTemplate {
    pub title: String,
    pub body: String,
    pub message: String,
}

/// A piece of a text: words as written, or a value to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Words(&'a str),
    Value(Slot),
}

/// The line (from 1) of a byte offset in a text.
fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .unwrap_or(text)
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// Splits a text into words and values, or says why it cannot. A value's name is read as
/// people type it: `{ tar }` and `{TAR}` are `{tar}`.
fn pieces(text: &str, part: ActPart, kind: ActKind) -> Result<Vec<Piece<'_>>, ActTextError> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(rest) = text.get(at..).filter(|r| !r.is_empty()) {
        let unbalanced = |offset: usize| ActTextError::Unbalanced(part, line_at(text, at + offset));
        match (rest.find('{'), rest.find('}')) {
            (None, None) => {
                out.push(Piece::Words(rest));
                break;
            }
            (Some(open), close) if close.is_none_or(|c| c > open) => {
                if let Some(words) = rest.get(..open).filter(|w| !w.is_empty()) {
                    out.push(Piece::Words(words));
                }
                let inner = rest.get(open + 1..).unwrap_or_default();
                let end = inner.find('}').ok_or_else(|| unbalanced(open))?;
                let name = inner.get(..end).unwrap_or_default();
                if name.contains('{') {
                    return Err(unbalanced(open));
                }
                let slot = Slot::from_name(&name.trim().to_lowercase())
                    .filter(|s| kind.accepts().contains(s))
                    .ok_or_else(|| ActTextError::Unknown(part, name.trim().to_owned()))?;
                out.push(Piece::Value(slot));
                at += open + 1 + end + 1;
            }
            (_, Some(close)) => return Err(unbalanced(close)),
            (Some(open), None) => return Err(unbalanced(open)),
        }
    }
    Ok(out)
}

fn bounded(text: &str, part: ActPart, max: usize) -> Result<(), ActTextError> {
    if text.trim().is_empty() {
        return Err(ActTextError::Empty(part));
    }
    if text.chars().count() > max {
        return Err(ActTextError::TooLong(part, max));
    }
    Ok(())
}

impl ActTemplate {
    /// Checks the template for `kind`: lengths, braces, the values it names and those it must.
    pub fn check(&self, kind: ActKind) -> Result<(), ActTextError> {
        bounded(&self.title, ActPart::Title, TITLE_MAX)?;
        bounded(&self.body, ActPart::Body, BODY_MAX)?;
        bounded(&self.message, ActPart::Message, MESSAGE_MAX)?;
        pieces(&self.title, ActPart::Title, kind)?;
        pieces(&self.message, ActPart::Message, kind)?;
        let body = pieces(&self.body, ActPart::Body, kind)?;
        for slot in kind.requires() {
            if !body.contains(&Piece::Value(*slot)) {
                return Err(ActTextError::Missing(*slot));
            }
        }
        Ok(())
    }

    /// The template with the line ends normalised and trailing spaces dropped, as saved.
    pub fn tidy(self) -> Self {
        let tidy = |t: String| {
            t.replace("\r\n", "\n")
                .lines()
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n")
                .trim()
                .to_owned()
        };
        Self {
            title: tidy(self.title),
            body: tidy(self.body),
            message: tidy(self.message),
        }
    }

    /// The act's title, body and message with the values filled in. The template must have
    /// passed [`ActTemplate::check`] for `kind`; a part that does not is shown as written.
    pub fn fill(&self, kind: ActKind, values: &ActValues) -> FilledAct {
        let inline = |text: &str, part: ActPart| match pieces(text, part, kind) {
            Ok(pieces) => pieces
                .iter()
                .map(|p| match p {
                    Piece::Words(w) => (*w).to_owned(),
                    // In the message the office's text keeps its lines; elsewhere it is one.
                    Piece::Value(Slot::Testo) if part == ActPart::Message => {
                        values.text.trim().to_owned()
                    }
                    Piece::Value(Slot::Testo) => values.inline_text(),
                    Piece::Value(slot) => values.get(*slot).to_owned(),
                })
                .collect(),
            Err(_) => text.to_owned(),
        };
        let mut body = Vec::new();
        for line in self.body.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                body.push(ActLine::Blank);
            } else if trimmed == "{testo}" && kind.accepts().contains(&Slot::Testo) {
                body.extend(values.text.lines().map(|l| {
                    if l.trim().is_empty() {
                        ActLine::Blank
                    } else {
                        ActLine::Text(l.trim_end().to_owned())
                    }
                }));
            } else if let Some(heading) = trimmed.strip_prefix("## ") {
                body.push(ActLine::Heading(inline(heading.trim(), ActPart::Body)));
            } else if let Some((label, value)) = trimmed
                .strip_prefix("- ")
                .and_then(|field| field.split_once(": "))
            {
                body.push(ActLine::Field(
                    inline(label.trim(), ActPart::Body),
                    inline(value.trim(), ActPart::Body),
                ));
            } else {
                body.push(ActLine::Text(inline(trimmed, ActPart::Body)));
            }
        }
        FilledAct {
            title: inline(&self.title, ActPart::Title),
            body,
            message: inline(&self.message, ActPart::Message),
        }
    }
}

/// The values of one act.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActValues {
    pub values: BTreeMap<Slot, String>,
    /// The office's own text, as typed (lines kept).
    pub text: String,
}

impl ActValues {
    fn get(&self, slot: Slot) -> &str {
        self.values.get(&slot).map_or("", String::as_str)
    }

    fn inline_text(&self) -> String {
        self.text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A line of a filled act's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActLine {
    Heading(String),
    Text(String),
    Field(String, String),
    Blank,
}

/// An act ready to be laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledAct {
    pub title: String,
    pub body: Vec<ActLine>,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(body: &str) -> ActTemplate {
        ActTemplate {
            title: "Provvedimento".into(),
            body: body.into(),
            message: "La domanda è stata accolta.".into(),
        }
    }

    #[test]
    fn a_decision_must_name_the_court_and_carry_the_motivation() {
        let ok = template("## Motivazione\n{testo}\n## Dispositivo\nRicorso al {tar}.");
        assert_eq!(ok.check(ActKind::Accoglimento), Ok(()));
        assert_eq!(
            template("{testo}").check(ActKind::Accoglimento),
            Err(ActTextError::Missing(Slot::Tar))
        );
        assert_eq!(
            template("Ricorso al {tar}.").check(ActKind::Diniego),
            Err(ActTextError::Missing(Slot::Testo))
        );
        // The silent-consent attestation has no office text to insert.
        assert_eq!(
            template("{testo} al {tar}").check(ActKind::SilenzioAssenso),
            Err(ActTextError::Unknown(ActPart::Body, "testo".into()))
        );
    }

    #[test]
    fn braces_and_names_are_checked() {
        for (body, error) in [
            ("{testo} {tar", ActTextError::Unbalanced(ActPart::Body, 1)),
            (
                "{testo}\n\ntar}",
                ActTextError::Unbalanced(ActPart::Body, 3),
            ),
            (
                "{testo}\n{{tar}}",
                ActTextError::Unbalanced(ActPart::Body, 2),
            ),
            (
                "{testo} {giudice}",
                ActTextError::Unknown(ActPart::Body, "giudice".into()),
            ),
            (
                "{testo} {sindaco}",
                ActTextError::Unknown(ActPart::Body, "sindaco".into()),
            ),
        ] {
            assert_eq!(template(body).check(ActKind::Diniego), Err(error), "{body}");
        }
        // Values are read as people type them.
        assert_eq!(template("{ testo } {TAR}").check(ActKind::Diniego), Ok(()));
        // Values are read as people type them.
        assert_eq!(template("{ testo } {TAR}").check(ActKind::Diniego), Ok(()));
        let mut long = template("{testo} {tar}");
        long.title = "x".repeat(TITLE_MAX + 1);
        assert_eq!(
            long.check(ActKind::Diniego),
            Err(ActTextError::TooLong(ActPart::Title, TITLE_MAX))
        );
        let mut empty = template("{testo} {tar}");
        empty.message = "  ".into();
        assert_eq!(
            empty.check(ActKind::Diniego),
            Err(ActTextError::Empty(ActPart::Message))
        );
    }

    #[test]
    fn filling_lays_out_headings_fields_and_the_offices_paragraphs() {
        let t = ActTemplate {
            title: "Avvio — {ente}".into(),
            body: "Si comunica l'avvio.\n\n- Responsabile: {responsabile}\n## Testo\n{testo}\nRicorso al {tar}.".into(),
            message: "Avviato: {testo}".into(),
        };
        let values = ActValues {
            values: [
                (Slot::Ente, "Comune di Livorno".to_string()),
                (Slot::Responsabile, "Anna Neri".to_string()),
                (Slot::Tar, "TAR della Toscana".to_string()),
            ]
            .into_iter()
            .collect(),
            text: "Prima riga\n\nSeconda {tar} riga".into(),
        };
        let filled = t.fill(ActKind::Preavviso, &values);
        assert_eq!(filled.title, "Avvio — Comune di Livorno");
        assert_eq!(
            filled.body,
            vec![
                ActLine::Text("Si comunica l'avvio.".into()),
                ActLine::Blank,
                ActLine::Field("Responsabile".into(), "Anna Neri".into()),
                ActLine::Heading("Testo".into()),
                ActLine::Text("Prima riga".into()),
                ActLine::Blank,
                // The office's text is inserted as typed: braces in it are not values.
                ActLine::Text("Seconda {tar} riga".into()),
                ActLine::Text("Ricorso al TAR della Toscana.".into()),
            ]
        );
        assert_eq!(filled.message, "Avviato: Prima riga\n\nSeconda {tar} riga");
    }

    #[test]
    fn tidy_keeps_the_words_and_drops_the_noise() {
        let t = ActTemplate {
            title: "  Titolo ".into(),
            body: "riga  \r\n\r\naltra\r\n".into(),
            message: "m\n".into(),
        }
        .tidy();
        assert_eq!(
            (t.title.as_str(), t.body.as_str(), t.message.as_str()),
            ("Titolo", "riga\n\naltra", "m")
        );
    }
}

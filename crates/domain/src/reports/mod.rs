//! Reports (segnalazioni, issue 20): a resident tells the municipality of a problem in a place —
//! a pothole, a dark street lamp, waste left on the pavement — and the office responsible for
//! its category takes it in charge, works on it and answers, within a term the category sets.
//!
//! This module holds the rules that need no database: the region's categories (each ente adapts
//! them), the states a report goes through and who may move it, where a report is (an address
//! or a point, both checked), which district it belongs to (a list of streets or a polygon),
//! which open reports are near enough to be the same problem, and how a state reads in Open311
//! GeoReport v2 (`open`/`closed`).

use crate::stored_enum;

pub mod place;

pub use place::{
    district_of, fold_street, near, within_territory, Address, District, Place, PlaceError, Point,
};

/// One of the region's report categories, which every ente starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    /// Stored and used in URLs and as the Open311 `service_code`.
    pub code: &'static str,
    pub label_it: &'static str,
    pub label_en: &'static str,
    /// What the category is for, in a sentence (the Open311 `description`).
    pub about_it: &'static str,
    pub about_en: &'static str,
    /// The office's term to answer, in days, before an ente changes it.
    pub term_days: u32,
    /// Whether a report of this category is registered in the protocol register (an
    /// «esposto» the office must be able to prove it received).
    pub protocol: bool,
}

/// The region's list. An ente switches categories off, changes their terms (within
/// [`MIN_TERM_DAYS`]–[`MAX_TERM_DAYS`]) and names the office that handles each.
pub const CATEGORIES: &[Category] = &[
    Category {
        code: "strade",
        label_it: "Strade e marciapiedi",
        label_en: "Roads and pavements",
        about_it: "Buche, dissesti, tombini rotti o rumorosi, marciapiedi danneggiati.",
        about_en: "Potholes, broken or noisy manhole covers, damaged pavements.",
        term_days: 30,
        protocol: false,
    },
    Category {
        code: "illuminazione",
        label_it: "Illuminazione pubblica",
        label_en: "Street lighting",
        about_it: "Lampioni spenti, accesi di giorno o danneggiati.",
        about_en: "Street lamps that are off, on by day or damaged.",
        term_days: 15,
        protocol: false,
    },
    Category {
        code: "rifiuti",
        label_it: "Rifiuti e pulizia",
        label_en: "Waste and cleaning",
        about_it: "Rifiuti abbandonati, cassonetti pieni o rotti, strade da pulire.",
        about_en: "Dumped waste, full or broken bins, streets to be cleaned.",
        term_days: 7,
        protocol: false,
    },
    Category {
        code: "verde",
        label_it: "Verde pubblico",
        label_en: "Parks and trees",
        about_it: "Alberi pericolanti, erba alta, giochi rotti nei parchi.",
        about_en: "Unsafe trees, long grass, broken playground equipment.",
        term_days: 30,
        protocol: false,
    },
    Category {
        code: "segnaletica",
        label_it: "Segnaletica stradale",
        label_en: "Road signs and markings",
        about_it: "Cartelli mancanti o girati, strisce pedonali sbiadite, semafori guasti.",
        about_en: "Missing or turned signs, faded crossings, broken traffic lights.",
        term_days: 15,
        protocol: false,
    },
    Category {
        code: "acqua",
        label_it: "Acqua e fognature",
        label_en: "Water and drains",
        about_it: "Perdite d'acqua, caditoie intasate, allagamenti.",
        about_en: "Water leaks, blocked drains, flooding.",
        term_days: 7,
        protocol: false,
    },
    Category {
        code: "rumore",
        label_it: "Rumore",
        label_en: "Noise",
        about_it: "Rumori molesti da locali, cantieri o impianti.",
        about_en: "Disturbing noise from venues, building sites or machinery.",
        term_days: 30,
        protocol: true,
    },
    Category {
        code: "barriere",
        label_it: "Barriere architettoniche",
        label_en: "Accessibility barriers",
        about_it: "Ostacoli per chi ha una disabilità: rampe mancanti, passaggi bloccati.",
        about_en: "Obstacles for people with disabilities: missing ramps, blocked passages.",
        term_days: 30,
        protocol: true,
    },
    Category {
        code: "animali",
        label_it: "Animali",
        label_en: "Animals",
        about_it: "Animali randagi, feriti o infestanti (ratti, zanzare).",
        about_en: "Stray, injured or pest animals (rats, mosquitoes).",
        term_days: 15,
        protocol: false,
    },
    Category {
        code: "degrado",
        label_it: "Degrado urbano",
        label_en: "Urban decay",
        about_it: "Veicoli abbandonati, scritte sui muri, edifici pubblici danneggiati.",
        about_en: "Abandoned vehicles, graffiti, damaged public buildings.",
        term_days: 30,
        protocol: false,
    },
    Category {
        code: "altro",
        label_it: "Altro",
        label_en: "Other",
        about_it: "Un problema che non rientra nelle altre categorie.",
        about_en: "A problem that fits none of the other categories.",
        term_days: 30,
        protocol: false,
    },
];

/// The least and the most an ente may set as a category's term.
pub const MIN_TERM_DAYS: u32 = 1;
pub const MAX_TERM_DAYS: u32 = 90;

/// The region's category with this code.
pub fn category(code: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.code == code)
}

stored_enum! {
    /// Where a report stands. "Closed" is not "fixed": a report closed without action says so.
    pub enum ReportState {
        /// Sent, not yet looked at by the office.
        Received = "received",
        /// The office has read it and it is theirs.
        InCharge = "in-charge",
        /// Someone is working on it.
        InProgress = "in-progress",
        /// The office says the problem is solved.
        Resolved = "resolved",
        /// Closed without action (not the municipality's, a duplicate, not found), with a reason.
        Closed = "closed",
    }
}

impl ReportState {
    pub fn label_it(self) -> &'static str {
        match self {
            ReportState::Received => "Ricevuta",
            ReportState::InCharge => "Presa in carico",
            ReportState::InProgress => "In lavorazione",
            ReportState::Resolved => "Risolta",
            ReportState::Closed => "Chiusa senza intervento",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ReportState::Received => "Received",
            ReportState::InCharge => "Taken in charge",
            ReportState::InProgress => "In progress",
            ReportState::Resolved => "Resolved",
            ReportState::Closed => "Closed without action",
        }
    }

    /// Whether the office still has to act.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReportState::Received | ReportState::InCharge | ReportState::InProgress
        )
    }

    /// The GeoReport v2 `status`: only `open` and `closed` exist there.
    pub fn open311_status(self) -> &'static str {
        if self.is_open() {
            "open"
        } else {
            "closed"
        }
    }
}

stored_enum! {
    /// What happened to a report: its public timeline, one event each.
    pub enum ReportEventKind {
        Received = "received",
        TakeCharge = "take-charge",
        Start = "start",
        Resolve = "resolve",
        Close = "close",
        /// The office wrote to the public without moving the report.
        Answer = "answer",
        /// The office sent it to another of its offices or districts.
        Reroute = "reroute",
        /// The reporter said it is not solved.
        Reopen = "reopen",
        /// The reporter said it is solved.
        Confirm = "confirm",
    }
}

impl ReportEventKind {
    pub fn label_it(self) -> &'static str {
        match self {
            ReportEventKind::Received => "Segnalazione ricevuta",
            ReportEventKind::TakeCharge => "Presa in carico dall'ufficio",
            ReportEventKind::Start => "Intervento avviato",
            ReportEventKind::Resolve => "Risolta dall'ufficio",
            ReportEventKind::Close => "Chiusa senza intervento",
            ReportEventKind::Answer => "Risposta dell'ufficio",
            ReportEventKind::Reroute => "Assegnata a un altro ufficio",
            ReportEventKind::Reopen => "Riaperta: chi ha segnalato dice che non è risolta",
            ReportEventKind::Confirm => "Chi ha segnalato conferma che è risolta",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ReportEventKind::Received => "Report received",
            ReportEventKind::TakeCharge => "Taken in charge by the office",
            ReportEventKind::Start => "Work started",
            ReportEventKind::Resolve => "Resolved by the office",
            ReportEventKind::Close => "Closed without action",
            ReportEventKind::Answer => "Answer from the office",
            ReportEventKind::Reroute => "Sent to another office",
            ReportEventKind::Reopen => "Reopened: the reporter says it is not solved",
            ReportEventKind::Confirm => "The reporter confirms it is solved",
        }
    }
}

/// Who moves a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The office's staff.
    Office,
    /// The person who reported it.
    Reporter,
}

/// How many days after its resolution the reporter may still say it is not solved.
pub const REOPEN_DAYS: i64 = 30;
/// How many times the reporter may reopen one report.
pub const MAX_REOPENINGS: i64 = 2;

/// Why a report cannot move as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("una segnalazione «{}» non può passare a «{}»", .from.label_it(), .event.label_it())]
    NotNow {
        from: ReportState,
        event: ReportEventKind,
    },
    #[error("solo chi ha segnalato può farlo")]
    NotTheReporter,
    #[error("solo l'ufficio può farlo")]
    NotTheOffice,
    #[error("scrivi la risposta per chi ha segnalato: resta pubblica nella cronologia")]
    AnswerNeeded,
    #[error("la segnalazione è stata risolta più di {REOPEN_DAYS} giorni fa: inviane una nuova")]
    TooLateToReopen,
    #[error("la segnalazione è già stata riaperta {MAX_REOPENINGS} volte: inviane una nuova")]
    ReopenedTooOften,
}

/// What a report's history says when someone wants to move it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub state: ReportState,
    /// Days since it was resolved (when it is resolved).
    pub days_since_resolved: Option<i64>,
    pub reopenings: i64,
}

/// The state after `event`, if `actor` may record it now. Answers (the office's) and
/// resolutions and closings need a text (`has_text`), which the public timeline shows.
pub fn transition(
    standing: Standing,
    event: ReportEventKind,
    actor: Actor,
    has_text: bool,
) -> Result<ReportState, ReportError> {
    use ReportEventKind as E;
    use ReportState as S;
    let from = standing.state;
    let not_now = Err(ReportError::NotNow { from, event });
    match (event, actor) {
        (E::Reopen | E::Confirm, Actor::Office) => return Err(ReportError::NotTheReporter),
        (E::Received, _) => return not_now,
        (E::Reopen | E::Confirm, Actor::Reporter) => {}
        (_, Actor::Reporter) => return Err(ReportError::NotTheOffice),
        _ => {}
    }
    if matches!(event, E::Resolve | E::Close | E::Answer) && !has_text {
        return Err(ReportError::AnswerNeeded);
    }
    match (event, from) {
        (E::TakeCharge, S::Received) => Ok(S::InCharge),
        (E::Start, S::Received | S::InCharge) => Ok(S::InProgress),
        (E::Resolve, S::Received | S::InCharge | S::InProgress) => Ok(S::Resolved),
        (E::Close, S::Received | S::InCharge | S::InProgress) => Ok(S::Closed),
        (E::Answer | E::Reroute, s) if s.is_open() => Ok(s),
        (E::Confirm, S::Resolved) => Ok(S::Resolved),
        (E::Reopen, S::Resolved) => {
            if standing.reopenings >= MAX_REOPENINGS {
                Err(ReportError::ReopenedTooOften)
            } else if standing.days_since_resolved.unwrap_or(0) > REOPEN_DAYS {
                Err(ReportError::TooLateToReopen)
            } else {
                Ok(S::InProgress)
            }
        }
        _ => not_now,
    }
}

/// What a report says, as typed, checked before it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportText {
    pub subject: String,
    pub description: String,
}

/// Limits of a report's text.
pub const SUBJECT_MAX: usize = 120;
pub const DESCRIPTION_MAX: usize = 4_000;

/// Why a report's text is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("scrivi in poche parole qual è il problema")]
    SubjectMissing,
    #[error("l'oggetto è lungo al massimo {SUBJECT_MAX} caratteri")]
    SubjectTooLong,
    #[error("descrivi il problema: cosa hai visto e da quando")]
    DescriptionMissing,
    #[error("la descrizione è lunga al massimo {DESCRIPTION_MAX} caratteri")]
    DescriptionTooLong,
}

impl ReportText {
    /// The text with blanks trimmed and control characters (other than new lines) removed;
    /// every problem found, not only the first.
    pub fn check(subject: &str, description: &str) -> Result<Self, Vec<TextError>> {
        let clean = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_control() || *c == '\n')
                .collect::<String>()
                .trim()
                .to_owned()
        };
        let subject = clean(subject).replace('\n', " ");
        let description = clean(description);
        let mut problems = Vec::new();
        if subject.is_empty() {
            problems.push(TextError::SubjectMissing);
        } else if subject.chars().count() > SUBJECT_MAX {
            problems.push(TextError::SubjectTooLong);
        }
        if description.is_empty() {
            problems.push(TextError::DescriptionMissing);
        } else if description.chars().count() > DESCRIPTION_MAX {
            problems.push(TextError::DescriptionTooLong);
        }
        if problems.is_empty() {
            Ok(Self {
                subject,
                description,
            })
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(state: ReportState) -> Standing {
        Standing {
            state,
            days_since_resolved: Some(1),
            reopenings: 0,
        }
    }

    #[test]
    fn the_office_moves_a_report_forward_and_must_say_why_it_ends() {
        use ReportEventKind as E;
        use ReportState as S;
        let office = |s, e, text| transition(standing(s), e, Actor::Office, text);
        assert_eq!(office(S::Received, E::TakeCharge, false), Ok(S::InCharge));
        assert_eq!(office(S::InCharge, E::Start, false), Ok(S::InProgress));
        assert_eq!(office(S::Received, E::Start, false), Ok(S::InProgress));
        assert_eq!(office(S::InProgress, E::Resolve, true), Ok(S::Resolved));
        assert_eq!(
            office(S::InProgress, E::Resolve, false),
            Err(ReportError::AnswerNeeded)
        );
        assert_eq!(office(S::Received, E::Close, true), Ok(S::Closed));
        assert_eq!(office(S::InCharge, E::Answer, true), Ok(S::InCharge));
        assert!(office(S::InCharge, E::TakeCharge, false).is_err());
        assert!(office(S::Resolved, E::Start, false).is_err());
        assert!(office(S::Closed, E::Answer, true).is_err());
        assert!(office(S::Closed, E::Resolve, true).is_err());
        assert_eq!(
            office(S::Resolved, E::Reopen, false),
            Err(ReportError::NotTheReporter)
        );
        assert!(office(S::Received, E::Received, false).is_err());
    }

    #[test]
    fn only_the_reporter_reopens_and_only_soon_and_not_forever() {
        use ReportEventKind as E;
        use ReportState as S;
        let reporter = |st: Standing, e| transition(st, e, Actor::Reporter, false);
        assert_eq!(
            reporter(standing(S::Resolved), E::Reopen),
            Ok(S::InProgress)
        );
        assert_eq!(reporter(standing(S::Resolved), E::Confirm), Ok(S::Resolved));
        assert!(reporter(standing(S::Closed), E::Reopen).is_err());
        assert!(reporter(standing(S::InProgress), E::Confirm).is_err());
        assert_eq!(
            reporter(standing(S::Received), E::TakeCharge),
            Err(ReportError::NotTheOffice)
        );
        let late = Standing {
            days_since_resolved: Some(REOPEN_DAYS + 1),
            ..standing(S::Resolved)
        };
        assert_eq!(reporter(late, E::Reopen), Err(ReportError::TooLateToReopen));
        let often = Standing {
            reopenings: MAX_REOPENINGS,
            ..standing(S::Resolved)
        };
        assert_eq!(
            reporter(often, E::Reopen),
            Err(ReportError::ReopenedTooOften)
        );
    }

    #[test]
    fn open311_knows_two_states() {
        let open: Vec<_> = ReportState::ALL
            .iter()
            .filter(|s| s.open311_status() == "open")
            .collect();
        assert_eq!(open.len(), 3);
        assert_eq!(ReportState::Closed.open311_status(), "closed");
        assert_eq!(ReportState::Resolved.open311_status(), "closed");
    }

    #[test]
    fn categories_are_unique_and_their_terms_within_bounds() {
        let mut codes: Vec<_> = CATEGORIES.iter().map(|c| c.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CATEGORIES.len());
        for c in CATEGORIES {
            assert!(
                (MIN_TERM_DAYS..=MAX_TERM_DAYS).contains(&c.term_days),
                "{}",
                c.code
            );
            assert!(c.code.bytes().all(|b| b.is_ascii_lowercase()));
        }
        assert!(category("strade").is_some());
        assert!(category("buche").is_none());
    }

    #[test]
    fn a_report_text_is_trimmed_and_bounded() {
        let t = ReportText::check("  Buca \n in strada ", " Profonda\u{7}.\n").unwrap();
        assert_eq!(t.subject, "Buca   in strada");
        assert_eq!(t.description, "Profonda.");
        assert_eq!(
            ReportText::check(" ", "x"),
            Err(vec![TextError::SubjectMissing])
        );
        assert_eq!(
            ReportText::check("x", "\n"),
            Err(vec![TextError::DescriptionMissing])
        );
        assert_eq!(
            ReportText::check(&"x".repeat(SUBJECT_MAX + 1), ""),
            Err(vec![
                TextError::SubjectTooLong,
                TextError::DescriptionMissing
            ])
        );
    }
}

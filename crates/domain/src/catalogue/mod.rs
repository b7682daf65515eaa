//! The regional catalogue of services (procedimenti): each service is data — its public page
//! (scheda informativa), legal regime, fees, form — written once by the region and adopted by
//! municipalities, which may override the office, the term within the law, the fees and add
//! information.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::forms::{FormSchema, SchemaError};
use crate::identity::SpidLevel;

mod category;
mod english;
pub mod parts;
pub mod ranking;

pub use category::{Category, ServiceType};
pub use english::English;
pub use parts::{check_parts, Part, PartError};
pub use ranking::{RankingRule, Score};

/// Who may file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    /// A person for themselves.
    Citizen,
    /// A business, through its legal representative.
    Business,
    /// A professional (or intermediary) for a client, with a signed mandate.
    Professional,
}

/// The legal regime of the procedure (Law 241/1990).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Regime {
    /// An express decision within the term (art. 2).
    Ordinary { term_days: u32 },
    /// Accepted if no decision within the term (art. 20).
    SilentConsent { term_days: u32 },
    /// Effective on filing; the office may forbid within the control window (art. 19).
    Scia { control_days: u32 },
    /// Concluded on filing (complaints, notices).
    Immediate,
}

impl Regime {
    pub fn term_days(self) -> Option<u32> {
        match self {
            Regime::Ordinary { term_days } | Regime::SilentConsent { term_days } => Some(term_days),
            Regime::Scia { control_days } => Some(control_days),
            Regime::Immediate => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// Stored and written in the service files as cents (`amount_cents`).
    #[serde(rename = "amount_cents")]
    pub amount: crate::Money,
    pub reason: String,
    /// The reason in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_en: Option<String>,
    /// An imposta di bollo, paid as a digital revenue stamp (marca da bollo digitale) rather
    /// than to the ente's account.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stamp: bool,
}

/// The public page of a service.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scheda {
    pub who: String,
    pub requirements: Vec<String>,
    pub documents: Vec<String>,
    pub cost: String,
    pub legal_basis: Vec<String>,
    /// Code of the office in charge (URP, DEMO, SUAP, SUE, SCUOLA, PM).
    pub office: String,
    /// «Come fare», for a service not filed online: where to go, what to bring, how to pay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how: Option<String>,
}

/// When applications may be filed (the click-day grant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FilingWindow {
    #[serde(with = "time::serde::rfc3339")]
    pub opens_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub closes_at: OffsetDateTime,
}

/// What a service's privacy notice says of its own processing (GDPR art. 13 c.1 c, e; c.2 a).
/// The controller (the ente), its data protection officer, the legal basis (art. 6 c.1 e and the
/// service's legal references) and the person's rights come from elsewhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyNotice {
    /// Why the data are processed; default: to handle the application for this service.
    #[serde(default)]
    pub purpose: String,
    /// Which data: beyond what the form asks (the form's fields are listed anyway).
    #[serde(default)]
    pub data: Vec<String>,
    /// Who else receives them (other public bodies, by law).
    #[serde(default)]
    pub recipients: Vec<String>,
    /// How long they are kept; default: the ente's conservation plan for the case file.
    #[serde(default)]
    pub retention: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowState {
    NotYetOpen,
    Open,
    Closed,
}

impl FilingWindow {
    pub fn state(&self, now: OffsetDateTime) -> WindowState {
        if now < self.opens_at {
            WindowState::NotYetOpen
        } else if now >= self.closes_at {
            WindowState::Closed
        } else {
            WindowState::Open
        }
    }
}

fn is_online(access: &Access) -> bool {
    *access == Access::Online
}

pub const DEFAULT_MAX_TOTAL_BYTES: u64 = 30 * 1024 * 1024;

fn default_max_total() -> u64 {
    DEFAULT_MAX_TOTAL_BYTES
}

/// How a resident obtains the service through Sportello. Not every service is filed online:
/// some are given at the office (an identity card, a marriage's publications), some are debts
/// to pay. Their schede say so plainly rather than pretend, and their maturity follows
/// (`accountability::maturity`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Filled in and filed online: the form.
    #[default]
    Online,
    /// Asked for at the office (in person, by appointment where the ente takes bookings):
    /// the scheda's `how` says how.
    Office,
    /// A payment due: paid from the person's debt file (pagoPA) where the ente takes
    /// payments; otherwise the scheda's `how` says how to pay today.
    Payment,
}

impl Access {
    pub fn code(self) -> &'static str {
        match self {
            Access::Online => "online",
            Access::Office => "office",
            Access::Payment => "payment",
        }
    }
}

/// What a service asks to be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signature {
    /// Documents signed with a qualified electronic signature (CAdES `.p7m` or PAdES PDF).
    FirmaDigitale,
    /// Documents a qualified technician certifies (asseverazione), signed digitally.
    Asseverazione,
    /// Signed at the desk, before the officer (an act of civil status, an oath): the online
    /// part prepares it.
    InPresenza,
}

impl Signature {
    pub fn code(self) -> &'static str {
        match self {
            Signature::FirmaDigitale => "firma_digitale",
            Signature::Asseverazione => "asseverazione",
            Signature::InPresenza => "in_presenza",
        }
    }
}

/// When a service's fees are paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeesDue {
    #[default]
    AfterFiling,
    BeforeSubmission,
}

impl FeesDue {
    pub fn is_after_filing(&self) -> bool {
        *self == Self::AfterFiling
    }
}

/// A service as the region defines it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDefinition {
    /// Stable id, used in URLs: `occupazione-suolo-pubblico`.
    pub id: String,
    pub version: u32,
    pub title: String,
    pub summary: String,
    /// AgID's subject matter (its code in the file: `category = 6`), or `"trasversale"`.
    pub category: Category,
    /// The class of the municipal records plan (titolario, 2005) its registrations are filed
    /// under, «VI.3 Pianificazione e gestione del territorio - Edilizia privata»; by default its
    /// subject matter's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    /// How it is obtained: online (the default), at the office, or paid.
    #[serde(default, skip_serializing_if = "is_online")]
    pub access: Access,
    /// The Designers Italia type of service. Every file of the catalogue states it (a test
    /// checks); a definition stored before types existed reads as a permit.
    #[serde(default)]
    pub service_type: ServiceType,
    /// The office takes appointments for it: the scheda offers the ente's booking calendars.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub appointment: bool,
    /// What must be signed, if anything: digitally signed documents, or a technician's
    /// asseverazione.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    pub scheda: Scheda,
    pub spid_level: SpidLevel,
    pub applicants: Vec<ApplicantKind>,
    pub regime: Regime,
    /// A term up to 180 days is lawful only in the special cases of art. 2 c.4.
    #[serde(default)]
    pub special_term: bool,
    #[serde(default)]
    pub fees: Vec<Fee>,
    /// When the fees are paid: after filing (from the receipt, the default), or before — the
    /// application cannot be sent unpaid where the ente takes pagoPA payments.
    #[serde(default, skip_serializing_if = "FeesDue::is_after_filing")]
    pub fees_due: FeesDue,
    pub outcome_documents: Vec<String>,
    /// The privacy notice's service-specific parts (GDPR art. 13); what is left out the
    /// notice says from the rest of the definition.
    #[serde(default)]
    pub privacy: PrivacyNotice,
    #[serde(default)]
    pub window: Option<FilingWindow>,
    /// One application per codice fiscale (the click-day grant).
    #[serde(default)]
    pub one_per_person: bool,
    /// A call with a ranking: the criteria that score each application from its data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranking: Option<RankingRule>,
    /// One application, several procedures: the cases the filing opens besides its own
    /// (parts.rs). Checked against the catalogue when it loads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default = "default_max_total")]
    pub max_total_bytes: u64,
    /// The form; a service not filed online may have none.
    #[serde(default)]
    pub form: FormSchema,
    /// The scheda in English (the form's English is beside each Italian text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<English>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("service id `{0}`: lower-case letters, digits and dashes only")]
    Id(String),
    #[error("{0}: a term of {1} days is outside the law's limits (1-90, 180 in special cases)")]
    Term(String, u32),
    #[error("{0}: the SCIA control window is set by the law")]
    SciaWindow(String),
    #[error("{0}: the filing window closes before it opens")]
    Window(String),
    #[error("{0}: no category of applicants")]
    NoApplicants(String),
    #[error("{0}: amounts must be positive")]
    Fee(String),
    #[error("{0}: form: {1}")]
    Form(String, SchemaError),
    #[error("{0}: a service not filed online says how it is obtained (scheda.how)")]
    NoHow(String),
    #[error("{0}: ranking: {1}")]
    Ranking(String, ranking::RankingError),
}

/// The law's limits on a term (art. 2 c.3-4): up to 90 days, 180 in special cases.
pub fn term_is_lawful(days: u32, special: bool) -> bool {
    (1..=90).contains(&days) || (special && (91..=180).contains(&days))
}

impl ServiceDefinition {
    pub fn check(&self) -> Result<(), CatalogueError> {
        let id = &self.id;
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(CatalogueError::Id(id.clone()));
        }
        match self.regime {
            Regime::Ordinary { term_days } | Regime::SilentConsent { term_days }
                if !term_is_lawful(term_days, self.special_term) =>
            {
                return Err(CatalogueError::Term(id.clone(), term_days));
            }
            Regime::Scia { control_days } if control_days != 60 && control_days != 30 => {
                return Err(CatalogueError::SciaWindow(id.clone()));
            }
            _ => {}
        }
        if self.window.is_some_and(|w| w.closes_at <= w.opens_at) {
            return Err(CatalogueError::Window(id.clone()));
        }
        if self.applicants.is_empty() {
            return Err(CatalogueError::NoApplicants(id.clone()));
        }
        if self.fees.iter().any(|f| f.amount.is_zero()) {
            return Err(CatalogueError::Fee(id.clone()));
        }
        if self.access != Access::Online
            && self
                .scheda
                .how
                .as_deref()
                .is_none_or(|h| h.trim().is_empty())
        {
            return Err(CatalogueError::NoHow(id.clone()));
        }
        if let Some(r) = &self.ranking {
            r.check(&self.form)
                .map_err(|e| CatalogueError::Ranking(id.clone(), e))?;
        }
        // A service not filed online needs no form.
        if self.access != Access::Online && self.form.steps.is_empty() {
            return Ok(());
        }
        self.form
            .check()
            .map_err(|e| CatalogueError::Form(id.clone(), e))
    }

    /// Whether it is a call (bando): filed within a window — the catalogue's, or the one each
    /// municipality sets when it adopts it — and ranked (by arrival, or by its criteria).
    pub fn is_a_call(&self) -> bool {
        self.window.is_some() || self.ranking.is_some()
    }

    /// Whether a resident can complete it online through Sportello (where the ente takes
    /// pagoPA payments, for a payment).
    pub fn completable_online(&self, ente_takes_payments: bool) -> bool {
        match self.access {
            Access::Online => true,
            Access::Payment => ente_takes_payments,
            Access::Office => false,
        }
    }
}

/// What a municipality changes when it adopts a service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AdoptionOverrides {
    #[serde(default)]
    pub office: Option<String>,
    #[serde(default)]
    pub term_days: Option<u32>,
    #[serde(default)]
    pub fees: Option<Vec<Fee>>,
    #[serde(default)]
    pub extra_information: Option<String>,
    /// The ente's own filing window (a click day's opening), for services that have one.
    #[serde(default)]
    pub window: Option<FilingWindow>,
    /// How many applications the ente's budget funds (first come, first served): the rest are
    /// registered all the same, and ranked over quota.
    #[serde(default)]
    pub quota: Option<u32>,
}

impl AdoptionOverrides {
    /// Checks the overrides against the service and the law.
    pub fn check(&self, service: &ServiceDefinition) -> Result<(), CatalogueError> {
        if let Some(days) = self.term_days {
            let lawful = match service.regime {
                Regime::Ordinary { .. } | Regime::SilentConsent { .. } => {
                    term_is_lawful(days, service.special_term)
                }
                // The law fixes SCIA's window; immediate services have no term.
                Regime::Scia { .. } | Regime::Immediate => false,
            };
            if !lawful {
                return Err(match service.regime {
                    Regime::Scia { .. } | Regime::Immediate => {
                        CatalogueError::SciaWindow(service.id.clone())
                    }
                    _ => CatalogueError::Term(service.id.clone(), days),
                });
            }
        }
        if self.quota.is_some_and(|q| q == 0) || (self.quota.is_some() && !service.is_a_call()) {
            return Err(CatalogueError::Window(service.id.clone()));
        }
        if let Some(w) = self.window {
            if !service.is_a_call() || w.closes_at <= w.opens_at {
                return Err(CatalogueError::Window(service.id.clone()));
            }
        }
        if self
            .fees
            .as_ref()
            .is_some_and(|f| f.iter().any(|f| f.amount.is_zero()))
        {
            return Err(CatalogueError::Fee(service.id.clone()));
        }
        Ok(())
    }

    /// The service as this municipality offers it.
    pub fn apply(&self, service: &ServiceDefinition) -> ServiceDefinition {
        let mut s = service.clone();
        if let Some(office) = &self.office {
            s.scheda.office = office.clone();
        }
        if let Some(days) = self.term_days {
            s.regime = match s.regime {
                Regime::Ordinary { .. } => Regime::Ordinary { term_days: days },
                Regime::SilentConsent { .. } => Regime::SilentConsent { term_days: days },
                other => other,
            };
        }
        if let Some(fees) = &self.fees {
            s.fees = fees.clone();
        }
        // A call's window is the municipality's (its own bando's dates), where it set one.
        if self.window.is_some() && s.is_a_call() {
            s.window = self.window;
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_within_the_law() {
        assert!(term_is_lawful(30, false));
        assert!(term_is_lawful(90, false));
        assert!(!term_is_lawful(91, false));
        assert!(term_is_lawful(180, true));
        assert!(!term_is_lawful(181, true));
        assert!(!term_is_lawful(0, false));
    }
}

//! Applying online: the adopted catalogue, drafts that survive across sessions, uploads, and
//! submission — validated again in full, claimed once, registered in the ente's protocol
//! register in the same transaction, and answered with the registration.
//! This file: the shared types and rules; `drafts` starts and fills applications; `filing`
//! files them, answers with receipts, and lists a person's applications.

mod answers;
mod drafts;
mod filing;
mod parts;
pub use filing::resume_path;

pub use answers::{AnswerFile, ApplicantCase, Awaited, ANSWER_MAX_BYTES, ANSWER_MAX_FILES};

use sportello_domain::catalogue::{
    AdoptionOverrides, Category, FilingWindow, ServiceDefinition, WindowState,
};
use sportello_domain::forms::{FieldError, Values};
use sportello_domain::identity::{CitizenIdentity, SpidLevel};
use sportello_domain::protocol::{format_number, AttachmentRecord};
use sportello_domain::tenancy::EnteId;
use sportello_store::{to_millis, FileRow, RegistrationRow};

use crate::blobs::FileRefusal;
use crate::capabilities::Catalogue;
use crate::{App, AppError};

/// A service as one ente offers it.
#[derive(Debug, Clone)]
pub struct OfferedService {
    pub definition: ServiceDefinition,
    pub overrides: AdoptionOverrides,
}

/// The file field reserved for a professional's signed mandate (procura).
pub const MANDATE_FIELD: &str = "procura";

/// On whose behalf an application is filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActingFor {
    Myself,
    /// The business the person legally represents (as the identity provider asserts).
    Company,
    /// A client of a professional or intermediary, with a signed mandate.
    Client {
        /// The client's codice fiscale or partita IVA.
        id: String,
        name: String,
        mandate_file_name: String,
        mandate: crate::blobs::Upload,
    },
}

/// Why an application cannot go on. Field errors are returned separately.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("the service needs SPID level {0:?}")]
    LevelTooLow(SpidLevel),
    #[error("the filing window is not open")]
    WindowNotOpen(FilingWindow),
    #[error("already filed")]
    AlreadyFiled(String),
    #[error("the declaration under DPR 445/2000 was not made")]
    DeclarationMissing,
    #[error("invalid fields")]
    Fields(Vec<FieldError>),
    #[error("file refused: {0}")]
    File(FileRefusal),
    #[error("file type not accepted for this field")]
    FileTypeNotAccepted,
    #[error("file too large (limit {0} bytes)")]
    FileTooLarge(u64),
    #[error("the application is no longer a draft")]
    NotADraft,
    /// The service's fees are paid before sending, and they are not paid yet.
    #[error("the fees are due before sending and are not paid")]
    FeesUnpaid,
    #[error("this service cannot be filed on behalf of others in this way")]
    ActingNotAllowed,
    #[error("the client is identified by a valid codice fiscale or partita IVA")]
    BadClient,
    #[error("the mandate must be a PDF or a signed P7M")]
    BadMandate,
    /// A value longer than any field takes: nothing of the step is saved.
    #[error("field {field}: over {max} characters")]
    ValueTooLong { field: String, max: usize },
    /// Too many drafts of one service open at once for one person.
    #[error("already {0} drafts of this service")]
    TooManyDrafts(i64),
    /// The service is given at the office or paid, not filed online.
    #[error("this service is not filed online")]
    NotOnline,
}

/// The longest value a draft keeps for any field (a field's own limit is checked as usual,
/// and a value over it is kept so it can be corrected): beyond this, nothing is saved.
pub const DRAFT_VALUE_MAX: usize = 10_000;
/// Drafts of one service one person may have open at once in one ente.
pub const DRAFTS_PER_SERVICE_MAX: i64 = 10;

/// The answer to a submission: what the register says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub application_id: String,
    pub number: String,
    pub year: i64,
    pub aoo: String,
    /// Italian civil time of registration, RFC 3339.
    pub registered_at: String,
    pub document_digest: String,
    pub attachments: Vec<AttachmentRecord>,
    pub classification: String,
    pub fascicolo: String,
    /// The sender as registered: the applicant, with their codice fiscale.
    pub correspondent: String,
    /// First come, first served: the position of arrival among the service's filings in this
    /// ente, and whether it falls beyond the ente's quota (still registered, as the law wants).
    pub arrival: Option<i64>,
    pub over_quota: Option<bool>,
    /// The case's state.
    pub case_state: sportello_domain::procedure::states::CaseState,
    /// When the office must decide (or the SCIA window closes), by the deadline engine with
    /// the ente's calendar; `None` for procedures concluded on filing.
    pub due: Option<time::Date>,
    /// The cases the filing opened besides its own (procedimento unico): each its own
    /// procedure, office and term, under this one registration.
    pub parts: Vec<crate::cases::RelatedCase>,
}

/// An application filed in one request (the API).
#[derive(Debug, Clone, Default)]
pub struct Filing {
    pub values: Values,
    /// (field, file name, the file as received)
    pub files: Vec<(String, String, crate::blobs::Upload)>,
    pub declaration: bool,
    pub idempotency_key: Option<String>,
    /// The fields whose value came as a list of rows (the API's arrays): only a group's may.
    pub given_as_rows: std::collections::BTreeSet<String>,
}

/// One line of "Le mie pratiche".
#[derive(Debug, Clone)]
pub struct ApplicationSummary {
    pub id: String,
    pub ente_slug: String,
    pub ente_name: String,
    pub service_id: String,
    pub service_title: String,
    pub status: sportello_domain::procedure::ApplicationStatus,
    pub number: Option<String>,
    pub registered_at: Option<String>,
    pub updated_at: i64,
    /// The company or client it was filed for, when not the applicant.
    pub acting_for: Option<String>,
    /// The case's state as shown (filed applications only).
    pub case_state: Option<String>,
    /// The same, as a state (for a page that names it in its reader's language).
    pub state: Option<sportello_domain::procedure::states::CaseState>,
    /// For a draft: where it resumes (`passo/2`, `riepilogo`).
    pub resume: String,
    /// The cases the filing opened besides its own (procedimento unico), each as a summary.
    pub parts: Vec<ApplicationSummary>,
    /// A concluded case's last document sent to its applicant (its decision), when asked for
    /// (`my_applications_with_decisions`).
    pub decision: Option<sportello_store::CaseDocumentRow>,
}

/// A draft as the journey needs it.
#[derive(Debug, Clone)]
pub struct Draft {
    pub id: String,
    pub service: OfferedService,
    pub values: Values,
    pub files: Vec<FileRow>,
    pub step: usize,
    pub status: sportello_domain::procedure::ApplicationStatus,
    /// `self`, `business` or `professional`.
    pub mode: String,
    /// Who the application is for, when not the applicant: company or client, with their code.
    pub acting_for: Option<String>,
}

/// The class of the municipal records plan (titolario per gli archivi dei Comuni, 2005) a
/// service's registrations are filed under: the service's own (`classification` in its file),
/// or by default its subject matter's title (and class, where one class holds the matter).
pub fn classification(service: &ServiceDefinition) -> &str {
    if let Some(c) = &service.classification {
        return c;
    }
    match service.category {
        Category::EducazioneFormazione => {
            "VII.1 Servizi alla persona - Diritto allo studio e servizi"
        }
        Category::SaluteBenessereAssistenza => "VII Servizi alla persona",
        Category::VitaLavorativa => "III Risorse umane",
        Category::MobilitaTrasporti | Category::CatastoUrbanistica | Category::Ambiente => {
            "VI Pianificazione e gestione del territorio"
        }
        Category::AnagrafeStatoCivile => "XI Servizi demografici",
        Category::GiustiziaSicurezza => "IX Polizia locale e sicurezza pubblica",
        Category::TributiFinanze | Category::AppaltiPubblici => {
            "IV Risorse finanziarie e patrimoniali"
        }
        Category::CulturaTempoLibero => "VII Servizi alla persona",
        Category::Turismo
        | Category::ImpreseCommercio
        | Category::Autorizzazioni
        | Category::AgricolturaPesca => "VIII Attività economiche",
        Category::Transversal => "I Amministrazione generale",
    }
}

pub(crate) fn offered(
    row: &sportello_store::AdoptedServiceRow,
) -> Result<OfferedService, AppError> {
    let definition: ServiceDefinition = serde_json::from_str(&row.definition)
        .map_err(|e| AppError::Internal(format!("stored service {}: {e}", row.id)))?;
    let overrides: AdoptionOverrides = serde_json::from_str(&row.overrides)
        .map_err(|e| AppError::Internal(format!("adoption of {}: {e}", row.id)))?;
    Ok(OfferedService {
        definition: overrides.apply(&definition),
        overrides,
    })
}

pub(super) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

impl App {
    /// The stored adoption of service `id` by the ente, with the service's definition.
    pub(crate) async fn adopted_row(
        &self,
        ente: EnteId,
        id: &str,
    ) -> Result<sportello_store::AdoptedServiceRow, AppError> {
        self.store
            .tenant(ente)
            .adopted_service(id)
            .await?
            .ok_or(AppError::NotFound)
    }
    /// Checks the person may file this service now: level and window. The one-per-person rule
    /// is the registrar's, decided in arrival order inside the registering transaction.
    pub(super) fn may_file_now(
        &self,
        service: &ServiceDefinition,
        who: &CitizenIdentity,
    ) -> Result<(), AppError> {
        // A service given at the office, or a payment, is never filled in online.
        if service.access != sportello_domain::catalogue::Access::Online {
            return Err(AppError::Apply(ApplyError::NotOnline));
        }
        if who.level < service.spid_level {
            return Err(AppError::Apply(ApplyError::LevelTooLow(service.spid_level)));
        }
        if let Some(window) = service.window {
            if window.state(self.now()) != WindowState::Open {
                return Err(AppError::Apply(ApplyError::WindowNotOpen(window)));
            }
        }
        Ok(())
    }
    /// Checks the person may start this service: level, window, and — so that nobody fills in
    /// a form in vain — no application of theirs already filed when it is one per person.
    pub(super) async fn may_file(
        &self,
        ente: EnteId,
        service: &ServiceDefinition,
        who: &CitizenIdentity,
    ) -> Result<(), AppError> {
        self.may_file_now(service, who)?;
        if service.one_per_person
            && self
                .store
                .tenant(ente)
                .count_submitted(&service.id, &who.fiscal_code)
                .await?
                > 0
        {
            let first = self
                .store
                .region_wide()
                .applications_of(&who.fiscal_code)
                .await?
                .into_iter()
                .find(|a| {
                    let a = &a.application;
                    a.service_id == service.id
                        && a.status == sportello_domain::procedure::ApplicationStatus::Submitted
                        && a.ente_id == ente.get()
                });
            let number = first.and_then(|a| a.registration_number).map(format_number);
            return Err(AppError::Apply(ApplyError::AlreadyFiled(
                number.unwrap_or_default(),
            )));
        }
        Ok(())
    }
}

impl Catalogue<'_> {
    /// Loads the built-in regional catalogue into the database (unchanged services untouched).
    pub async fn load_catalogue(&self) -> Result<usize, AppError> {
        let services = crate::catalogue::builtin_catalogue().map_err(AppError::Internal)?;
        let now = to_millis(self.app.now());
        let mut changed = 0;
        for s in &services {
            if self
                .app
                .store
                .upsert_service(&s.id, i64::from(s.version), &to_json(s)?, now)
                .await?
            {
                changed += 1;
                // Its term may have changed: its open cases' kept terms are written again.
                self.app.store.unkeep_open_terms_everywhere(&s.id).await?;
            }
        }
        self.app.hot.clear();
        if changed > 0 {
            self.app.keep_open_terms().await?;
        }
        Ok(changed)
    }
    pub async fn adopt_everything_everywhere(&self) -> Result<u64, AppError> {
        let adopted = self
            .app
            .store
            .region_wide()
            .adopt_all_services_everywhere(to_millis(self.app.now()))
            .await?;
        self.app.hot.clear();
        Ok(adopted)
    }
    pub async fn offered_services(&self, ente: EnteId) -> Result<Vec<OfferedService>, AppError> {
        // From this process's memory when read less than a second ago (crate::hot).
        Ok(self.app.offered_services_hot(ente).await?.as_ref().clone())
    }
    pub async fn offered_service(
        &self,
        ente: EnteId,
        id: &str,
    ) -> Result<OfferedService, AppError> {
        offered(&self.app.adopted_row(ente, id).await?)
    }
    /// The region's definition of a service the ente has adopted, before the ente's overrides
    /// (what an administrator edits against).
    pub async fn regional_definition(
        &self,
        ente: EnteId,
        id: &str,
    ) -> Result<ServiceDefinition, AppError> {
        let row = self.app.adopted_row(ente, id).await?;
        serde_json::from_str(&row.definition)
            .map_err(|e| AppError::Internal(format!("stored service {}: {e}", row.id)))
    }
    /// The ente's offices, by code.
    pub async fn offices(&self, ente: EnteId) -> Result<Vec<sportello_store::OfficeRow>, AppError> {
        Ok(self.app.store.tenant(ente).offices().await?)
    }
    /// The name of the office a service names. A code the ente has not (yet) configured as an
    /// office is shown as it is; a database failure is an error, never a silent fallback.
    pub async fn office_name(&self, ente: EnteId, code: &str) -> Result<String, AppError> {
        Ok(self
            .offices(ente)
            .await?
            .into_iter()
            .find(|o| o.code == code)
            .map_or_else(|| code.to_string(), |o| o.name))
    }
    /// What the ente's home page shows of its organisation: offices and protocol AOO.
    pub async fn organisation(
        &self,
        ente: EnteId,
    ) -> Result<(Vec<sportello_store::OfficeRow>, Vec<(String, String)>), AppError> {
        let tenant = self.app.store.tenant(ente);
        // Both at once: under load each read waits its turn on a database thread.
        Ok(tokio::try_join!(tenant.offices(), tenant.aoo())?)
    }
}

pub(super) fn receipt_from(
    id: &str,
    aoo: String,
    reg: RegistrationRow,
    case_state: sportello_domain::procedure::states::CaseState,
    due: Option<time::Date>,
) -> Result<Receipt, AppError> {
    Ok(Receipt {
        application_id: id.to_string(),
        number: format_number(reg.number),
        year: reg.year,
        aoo,
        registered_at: reg.registered_at,
        document_digest: reg.document_digest,
        attachments: serde_json::from_str(&reg.attachments)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        classification: reg.classification,
        fascicolo: reg.fascicolo,
        correspondent: reg.correspondent,
        arrival: None,
        over_quota: None,
        case_state,
        due,
        parts: Vec::new(),
    })
}

/// The values with each uploaded file standing for its field, for validation (and for the
/// conditions that read any answer: a filing's parts).
pub fn with_file_values(values: &Values, files: &[FileRow]) -> Values {
    let mut v = values.clone();
    for f in files.iter().filter(|f| f.field != MANDATE_FIELD) {
        v.insert(f.field.clone(), f.sha256.clone());
    }
    v
}

//! Applying online: the adopted catalogue, drafts that survive across sessions, uploads, and
//! submission — validated again in full, claimed once, registered in the ente's protocol
//! register in the same transaction, and answered with the registration.

use std::collections::BTreeMap;

use sportello_domain::calendar::in_rome;
use sportello_domain::catalogue::{
    AdoptionOverrides, Category, FilingWindow, ServiceDefinition, WindowState,
};
use sportello_domain::forms::{FieldError, FieldKind, Prefill, Values};
use sportello_domain::identity::{CitizenIdentity, SpidLevel};
use sportello_domain::protocol::{
    format_number, AttachmentRecord, Direction, Registration, GENESIS,
};
use sportello_domain::tenancy::EnteId;
use sportello_store::{
    to_millis, FileRow, NewApplication, NewRegistration, RegistrationRow, Store, TenantStore,
};
use time::format_description::well_known::Rfc3339;

use crate::blobs::{sha256_hex, sniff, FileRefusal};
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
        mandate: Vec<u8>,
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
    #[error("this service cannot be filed on behalf of others in this way")]
    ActingNotAllowed,
    #[error("the client is identified by a valid codice fiscale or partita IVA")]
    BadClient,
    #[error("the mandate must be a PDF or a signed P7M")]
    BadMandate,
}

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
}

/// An application filed in one request (the API).
#[derive(Debug, Clone, Default)]
pub struct Filing {
    pub values: Values,
    /// (field, file name, bytes)
    pub files: Vec<(String, String, Vec<u8>)>,
    pub declaration: bool,
    pub idempotency_key: Option<String>,
}

/// One line of "Le mie pratiche".
#[derive(Debug, Clone)]
pub struct ApplicationSummary {
    pub id: String,
    pub ente_slug: String,
    pub ente_name: String,
    pub service_title: String,
    pub status: String,
    pub number: Option<String>,
    pub registered_at: Option<String>,
    pub updated_at: i64,
    /// The company or client it was filed for, when not the applicant.
    pub acting_for: Option<String>,
}

/// A draft as the journey needs it.
#[derive(Debug, Clone)]
pub struct Draft {
    pub id: String,
    pub service: OfferedService,
    pub values: Values,
    pub files: Vec<FileRow>,
    pub step: usize,
    pub status: String,
    /// `self`, `business` or `professional`.
    pub mode: String,
    /// Who the application is for, when not the applicant: company or client, with their code.
    pub acting_for: Option<String>,
}

/// The default municipal records plan (titolario per gli archivi dei Comuni, 2005), at the
/// level of title and class, by service category.
pub fn classification(category: Category) -> &'static str {
    match category {
        Category::Anagrafe => "XI.1 Servizi demografici - Anagrafe",
        Category::Scuola => "VII.1 Servizi alla persona - Diritto allo studio e servizi",
        Category::Mobilita => {
            "VI.5 Pianificazione e gestione del territorio - Viabilità e mobilità"
        }
        Category::Territorio => {
            "VI.5 Pianificazione e gestione del territorio - Occupazione di suolo pubblico"
        }
        Category::Edilizia => "VI.3 Pianificazione e gestione del territorio - Edilizia privata",
        Category::AttivitaProduttive => "VIII.4 Attività economiche - Commercio",
        Category::Contributi => "VII.12 Servizi alla persona - Interventi di carattere economico",
        Category::Trasparenza => "I.6 Amministrazione generale - Accesso agli atti",
        Category::Segnalazioni => "I.7 Amministrazione generale - Relazioni con il pubblico",
    }
}

fn offered(row: &sportello_store::AdoptedServiceRow) -> Result<OfferedService, AppError> {
    let definition: ServiceDefinition = serde_json::from_str(&row.definition)
        .map_err(|e| AppError::Internal(format!("stored service {}: {e}", row.id)))?;
    let overrides: AdoptionOverrides = serde_json::from_str(&row.overrides)
        .map_err(|e| AppError::Internal(format!("adoption of {}: {e}", row.id)))?;
    Ok(OfferedService {
        definition: overrides.apply(&definition),
        overrides,
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

impl App {
    /// Loads the built-in regional catalogue into the database (unchanged services untouched).
    pub async fn load_catalogue(&self) -> Result<usize, AppError> {
        let services = crate::catalogue::builtin_catalogue().map_err(AppError::Internal)?;
        let now = to_millis(self.now());
        let mut changed = 0;
        for s in &services {
            if self
                .store
                .upsert_service(&s.id, i64::from(s.version), &to_json(s)?, now)
                .await?
            {
                changed += 1;
            }
        }
        Ok(changed)
    }

    pub async fn adopt_everything_everywhere(&self) -> Result<u64, AppError> {
        Ok(self
            .store
            .adopt_all_services_everywhere(to_millis(self.now()))
            .await?)
    }

    pub async fn offered_services(&self, ente: EnteId) -> Result<Vec<OfferedService>, AppError> {
        self.store
            .tenant(ente)
            .adopted_services()
            .await?
            .iter()
            .map(offered)
            .collect()
    }

    pub async fn offered_service(
        &self,
        ente: EnteId,
        id: &str,
    ) -> Result<OfferedService, AppError> {
        let row = self
            .store
            .tenant(ente)
            .adopted_service(id)
            .await?
            .ok_or(AppError::NotFound)?;
        offered(&row)
    }

    /// Checks the person may file this service now: level, window, one per person.
    async fn may_file(
        &self,
        ente: EnteId,
        service: &ServiceDefinition,
        who: &CitizenIdentity,
    ) -> Result<(), AppError> {
        if who.level < service.spid_level {
            return Err(AppError::Apply(ApplyError::LevelTooLow(service.spid_level)));
        }
        if let Some(window) = service.window {
            if window.state(self.now()) != WindowState::Open {
                return Err(AppError::Apply(ApplyError::WindowNotOpen(window)));
            }
        }
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
                .applications_of(&who.fiscal_code)
                .await?
                .into_iter()
                .find(|a| {
                    a.service_id == service.id && a.status == "submitted" && a.ente_id == ente.0
                });
            let number = match first {
                Some(a) => self
                    .store
                    .registration_for(&a.id)
                    .await?
                    .map(|r| format_number(r.number)),
                None => None,
            };
            return Err(AppError::Apply(ApplyError::AlreadyFiled(
                number.unwrap_or_default(),
            )));
        }
        Ok(())
    }

    /// Starts a draft for oneself, prefilled from the signed-in identity.
    pub async fn start_application(
        &self,
        ente: EnteId,
        service_id: &str,
        who: &CitizenIdentity,
    ) -> Result<String, AppError> {
        self.start_application_for(ente, service_id, who, ActingFor::Myself)
            .await
    }

    /// Starts a draft for oneself, one's company, or a client (with a mandate).
    pub async fn start_application_for(
        &self,
        ente: EnteId,
        service_id: &str,
        who: &CitizenIdentity,
        acting: ActingFor,
    ) -> Result<String, AppError> {
        use sportello_domain::catalogue::ApplicantKind;
        let service = self.offered_service(ente, service_id).await?;
        self.may_file(ente, &service.definition, who).await?;
        let allows = |kind: ApplicantKind| service.definition.applicants.contains(&kind);
        let (mode, acting_for) = match &acting {
            ActingFor::Myself if allows(ApplicantKind::Citizen) && who.assisted.is_some() => {
                let operator = who
                    .assisted
                    .as_ref()
                    .map(|a| a.operator.clone())
                    .unwrap_or_default();
                ("assisted", Some(format!("assistenza PAAS: {operator}")))
            }
            ActingFor::Myself if allows(ApplicantKind::Citizen) => ("self", None),
            ActingFor::Company if allows(ApplicantKind::Business) => {
                let company = who
                    .company
                    .as_ref()
                    .ok_or(AppError::Apply(ApplyError::ActingNotAllowed))?;
                (
                    "business",
                    Some(format!("{} (P.IVA {})", company.name, company.vat)),
                )
            }
            ActingFor::Client {
                id, name, mandate, ..
            } if allows(ApplicantKind::Professional) => {
                let client = italian_ids::CodiceFiscale::parse(id)
                    .map(|c| c.to_string())
                    .or_else(|_| italian_ids::PartitaIva::parse(id).map(|p| p.to_string()))
                    .map_err(|_| AppError::Apply(ApplyError::BadClient))?;
                if name.trim().is_empty() {
                    return Err(AppError::Apply(ApplyError::BadClient));
                }
                match sniff(mandate) {
                    Ok(
                        crate::blobs::FileKind::Pdf
                        | crate::blobs::FileKind::PdfA
                        | crate::blobs::FileKind::P7m,
                    ) => {}
                    _ => return Err(AppError::Apply(ApplyError::BadMandate)),
                }
                ("professional", Some(format!("{} ({client})", name.trim())))
            }
            _ => return Err(AppError::Apply(ApplyError::ActingNotAllowed)),
        };
        let mut values = Values::new();
        for field in service.definition.form.fields() {
            let value = match field.prefill {
                Some(Prefill::GivenName) => Some(who.given_name.clone()),
                Some(Prefill::FamilyName) => Some(who.family_name.clone()),
                Some(Prefill::FiscalCode) => Some(who.fiscal_code.clone()),
                Some(Prefill::Email) => who.email.clone(),
                Some(Prefill::BirthDate) => italian_ids::CodiceFiscale::parse(&who.fiscal_code)
                    .ok()
                    .and_then(|cf| cf.birth_date(self.now().date()))
                    .map(|d| d.to_string()),
                None => None,
            };
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                values.insert(field.id.clone(), v);
            }
        }
        let id = crate::crypto::random_token(12);
        self.store
            .tenant(ente)
            .create_application(&NewApplication {
                id: &id,
                service_id,
                service_version: i64::from(service.definition.version),
                applicant: &who.fiscal_code,
                acting_for: acting_for.as_deref(),
                mode,
                data: &to_json(&values)?,
                idempotency_key: None,
                now_ms: to_millis(self.now()),
            })
            .await?;
        if let (Some(a), "assisted") = (&who.assisted, mode) {
            // The mandate recorded when the assisted session began, attached to this application.
            let row = FileRow {
                field: MANDATE_FIELD.into(),
                sha256: a.mandate_sha256.clone(),
                file_name: a.mandate_file_name.clone(),
                media_type: a.mandate_media_type.clone(),
                size: a.mandate_size,
            };
            self.store
                .tenant(ente)
                .put_file(&id, &row, to_millis(self.now()))
                .await?;
        }
        if let ActingFor::Client {
            mandate,
            mandate_file_name,
            ..
        } = acting
        {
            self.store_file(ente, &id, MANDATE_FIELD, &mandate_file_name, &mandate)
                .await?;
        }
        tracing::info!(service = service_id, mode, "application draft started");
        Ok(id)
    }

    /// A draft (or filed application) of `who`; anything else is not found.
    pub async fn draft(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
    ) -> Result<Draft, AppError> {
        let tenant = self.store.tenant(ente);
        let row = tenant
            .application_of(id, &who.fiscal_code)
            .await?
            .ok_or(AppError::NotFound)?;
        let service = self.offered_service(ente, &row.service_id).await?;
        let values: Values =
            serde_json::from_str(&row.data).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Draft {
            id: row.id,
            service,
            values,
            files: tenant.files(id).await?,
            step: usize::try_from(row.step).unwrap_or(0),
            status: row.status,
            mode: row.mode,
            acting_for: row.acting_for,
        })
    }

    /// Merges one step's values into the draft and saves it. Returns the step's field errors
    /// (the values are saved either way, so nothing typed is lost).
    pub async fn save_step(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
        step: usize,
        posted: &Values,
    ) -> Result<Vec<FieldError>, AppError> {
        let draft = self.draft(ente, id, who).await?;
        if draft.status != "draft" {
            return Err(AppError::Apply(ApplyError::NotADraft));
        }
        let form = &draft.service.definition.form;
        let step_fields: Vec<&str> = form
            .steps
            .get(step)
            .ok_or(AppError::NotFound)?
            .sections
            .iter()
            .flat_map(|s| s.fields.iter())
            .filter(|f| f.kind != FieldKind::File)
            .map(|f| f.id.as_str())
            .collect();
        let mut values = draft.values.clone();
        for field in &step_fields {
            match posted
                .get(*field)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
            {
                Some(v) => values.insert((*field).to_string(), v.to_string()),
                None => values.remove(*field),
            };
        }
        let with_files = with_file_values(&values, &draft.files);
        let errors = form.validate_step(step, &with_files, self.now().date());
        let next_step = if errors.is_empty() {
            (step + 1).min(form.steps.len())
        } else {
            step
        };
        self.store
            .tenant(ente)
            .save_draft(
                id,
                &who.fiscal_code,
                &to_json(&values)?,
                i64::try_from(next_step).unwrap_or(0),
                to_millis(self.now()),
            )
            .await?;
        Ok(errors)
    }

    /// Stores an uploaded file for a file field of a draft, after checking it by content.
    pub async fn upload(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
        field_id: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<FileRow, AppError> {
        let draft = self.draft(ente, id, who).await?;
        if draft.status != "draft" {
            return Err(AppError::Apply(ApplyError::NotADraft));
        }
        let service = &draft.service.definition;
        let field = service
            .form
            .field(field_id)
            .filter(|f| f.kind == FieldKind::File)
            .ok_or(AppError::NotFound)?;
        let kind = sniff(bytes).map_err(|e| AppError::Apply(ApplyError::File(e)))?;
        if !field.accept.is_empty() && !field.accept.iter().any(|a| a == kind.accept_name()) {
            return Err(AppError::Apply(ApplyError::FileTypeNotAccepted));
        }
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        let limit = field
            .max_bytes
            .unwrap_or(service.max_total_bytes)
            .min(service.max_total_bytes);
        let others: u64 = draft
            .files
            .iter()
            .filter(|f| f.field != field_id)
            .map(|f| u64::try_from(f.size).unwrap_or(0))
            .sum();
        if size > limit {
            return Err(AppError::Apply(ApplyError::FileTooLarge(limit)));
        }
        if others + size > service.max_total_bytes {
            return Err(AppError::Apply(ApplyError::FileTooLarge(
                service.max_total_bytes,
            )));
        }
        self.store_file(ente, id, field_id, file_name, bytes).await
    }

    /// Stores a checked file's bytes and records it for the application's field.
    async fn store_file(
        &self,
        ente: EnteId,
        id: &str,
        field_id: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<FileRow, AppError> {
        let kind = sniff(bytes).map_err(|e| AppError::Apply(ApplyError::File(e)))?;
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        let blobs = self.blobs.clone();
        let owned = bytes.to_vec();
        let sha256 = tokio::task::spawn_blocking(move || blobs.put(&owned))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(format!("blob store: {e}")))?;
        let clean_name: String = file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("file")
            .chars()
            .filter(|c| !c.is_control())
            .take(120)
            .collect();
        let row = FileRow {
            field: field_id.to_string(),
            sha256,
            file_name: if clean_name.is_empty() {
                "file".into()
            } else {
                clean_name
            },
            media_type: kind.media_type().to_string(),
            size: i64::try_from(size).unwrap_or(i64::MAX),
        };
        self.store
            .tenant(ente)
            .put_file(id, &row, to_millis(self.now()))
            .await?;
        Ok(row)
    }

    pub async fn remove_upload(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
        field_id: &str,
    ) -> Result<(), AppError> {
        self.draft(ente, id, who).await?;
        Ok(self.store.tenant(ente).remove_file(id, field_id).await?)
    }

    /// Reads a file of an application of `who`.
    pub async fn file_of(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
        field_id: &str,
    ) -> Result<(FileRow, Vec<u8>), AppError> {
        let draft = self.draft(ente, id, who).await?;
        let row = draft
            .files
            .into_iter()
            .find(|f| f.field == field_id)
            .ok_or(AppError::NotFound)?;
        let blobs = self.blobs.clone();
        let sha = row.sha256.clone();
        let bytes = tokio::task::spawn_blocking(move || blobs.get(&sha))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(format!("blob store: {e}")))?;
        Ok((row, bytes))
    }

    /// Files the application: validates everything again, checks the declaration, and registers
    /// it in the ente's protocol register — all in one transaction. Submitting again (a double
    /// click, a retry, another tab) returns the same registration.
    pub async fn submit(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
        declaration: bool,
    ) -> Result<Receipt, AppError> {
        let draft = self.draft(ente, id, who).await?;
        if draft.status == "submitted" {
            return self.receipt(ente, id, who).await;
        }
        if draft.status != "draft" {
            return Err(AppError::Apply(ApplyError::NotADraft));
        }
        let service = &draft.service.definition;
        self.may_file(ente, service, who).await?;
        let with_files = with_file_values(&draft.values, &draft.files);
        let now = self.now();
        let errors = service.form.validate_all(&with_files, now.date());
        if !errors.is_empty() {
            return Err(AppError::Apply(ApplyError::Fields(errors)));
        }
        if !declaration {
            return Err(AppError::Apply(ApplyError::DeclarationMissing));
        }
        let clean = service.form.clean(&draft.values);
        let files: Vec<&FileRow> = draft
            .files
            .iter()
            .filter(|f| {
                f.field == MANDATE_FIELD
                    || service
                        .form
                        .field(&f.field)
                        .is_some_and(|field| service.form.is_visible(field, &with_files))
            })
            .collect();
        let document = to_json(&serde_json::json!({
            "service": service.id, "version": service.version, "applicant": who.fiscal_code,
            "data": clean, "files": files.iter().map(|f| (&f.field, &f.sha256)).collect::<BTreeMap<_, _>>(),
        }))?;
        let document_digest = sha256_hex(document.as_bytes());
        let attachments: Vec<AttachmentRecord> = files
            .iter()
            .map(|f| AttachmentRecord {
                description: format!("{} ({})", f.file_name, f.field),
                digest: f.sha256.clone(),
            })
            .collect();
        let local = in_rome(now);
        let registered_at = local
            .format(&Rfc3339)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let year = local.year();
        let subject = format!("{} — domanda online", service.title);
        let person = format!(
            "{} {} ({})",
            who.given_name, who.family_name, who.fiscal_code
        );
        let correspondent = match (draft.mode.as_str(), &draft.acting_for) {
            ("business", Some(company)) => format!("{company}, legale rappresentante {person}"),
            ("professional", Some(client)) => format!("{client}, tramite {person} con procura"),
            ("assisted", Some(assistance)) => format!("{person}, con {assistance} e delega"),
            _ => person,
        };
        let class = classification(service.category);
        let fascicolo = format!("{year}/{}/{id}", service.id);
        let tenant = self.store.tenant(ente);
        let (aoo_id, aoo_code) = tenant.main_aoo().await?;
        let mut tx = self.store.begin().await?;
        if !TenantStore::claim_for_submission(
            &mut tx,
            ente.0,
            id,
            &who.fiscal_code,
            &to_json(&clean)?,
            to_millis(now),
        )
        .await?
        {
            // Another request filed it first: answer with its registration.
            tx.rollback()
                .await
                .map_err(sportello_store::StoreError::from)?;
            return self.receipt(ente, id, who).await;
        }
        let chain_input = |number: i64| Registration {
            aoo: aoo_code.clone(),
            year,
            number,
            registered_at: registered_at.clone(),
            direction: Direction::Inbound,
            correspondent: correspondent.clone(),
            subject: subject.clone(),
            sender_reference: None,
            document_digest: document_digest.clone(),
            attachments: attachments.clone(),
        };
        Store::register(
            &mut tx,
            &NewRegistration {
                ente_id: ente.0,
                aoo_id,
                year,
                registered_at: &registered_at,
                direction: Direction::Inbound.code(),
                correspondent: &correspondent,
                subject: &subject,
                sender_reference: None,
                document_digest: &document_digest,
                attachments: &to_json(&attachments)?,
                classification: class,
                fascicolo: &fascicolo,
                application_id: Some(id),
            },
            GENESIS,
            |number, previous| chain_input(number).chain_hash(previous),
        )
        .await?;
        tx.commit()
            .await
            .map_err(sportello_store::StoreError::from)?;
        tracing::info!(service = %service.id, "application filed and registered");
        self.receipt(ente, id, who).await
    }

    /// Everything `who` has drafted or filed, in every ente of the region, newest first.
    pub async fn my_applications(
        &self,
        who: &CitizenIdentity,
    ) -> Result<Vec<ApplicationSummary>, AppError> {
        let rows = self.store.applications_of(&who.fiscal_code).await?;
        let enti = self.enti(&crate::tenancy::EnteFilter::default()).await?;
        let titles: BTreeMap<String, String> = self
            .store
            .services()
            .await?
            .into_iter()
            .filter_map(|s| {
                serde_json::from_str::<ServiceDefinition>(&s.definition)
                    .ok()
                    .map(|d| (s.id, d.title))
            })
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(ente) = enti.iter().find(|e| e.id == row.ente_id) else {
                continue;
            };
            let registration = if row.status == "draft" {
                None
            } else {
                self.store.registration_for(&row.id).await?
            };
            out.push(ApplicationSummary {
                service_title: titles
                    .get(&row.service_id)
                    .cloned()
                    .unwrap_or_else(|| row.service_id.clone()),
                ente_slug: ente.slug.clone(),
                ente_name: ente.name.clone(),
                status: row.status,
                number: registration
                    .as_ref()
                    .map(|r| format!("{}/{}", format_number(r.number), r.year)),
                registered_at: registration.map(|r| r.registered_at),
                updated_at: row.updated_at,
                acting_for: row.acting_for,
                id: row.id,
            });
        }
        Ok(out)
    }

    /// Files an application in one request (the API): everything is checked — fields, files by
    /// content, the declaration — before anything is stored, so a refusal leaves nothing behind.
    /// With an Idempotency-Key, the same key answers with the same registration. Returns the
    /// receipt and whether this call created it.
    pub async fn apply_at_once(
        &self,
        ente: EnteId,
        service_id: &str,
        who: &CitizenIdentity,
        filing: &Filing,
    ) -> Result<(Receipt, bool), AppError> {
        let Filing {
            values,
            files,
            declaration,
            idempotency_key,
        } = filing;
        let (declaration, idempotency_key) = (*declaration, idempotency_key.as_deref());
        let tenant = self.store.tenant(ente);
        if let Some(key) = idempotency_key {
            if let Some(existing) = tenant.application_by_key(&who.fiscal_code, key).await? {
                if existing.service_id != service_id {
                    return Err(AppError::Invalid(
                        "Idempotency-Key già usata per un'altra domanda".into(),
                    ));
                }
                let receipt = self.submit(ente, &existing.id, who, declaration).await?;
                return Ok((receipt, false));
            }
        }
        let service = self.offered_service(ente, service_id).await?;
        let definition = &service.definition;
        self.may_file(ente, definition, who).await?;
        let mut errors = Vec::new();
        let mut with_files = values.clone();
        for (field_id, _, bytes) in files {
            let Some(field) = definition
                .form
                .field(field_id)
                .filter(|f| f.kind == FieldKind::File)
            else {
                errors.push(FieldError {
                    field: field_id.clone(),
                    kind: sportello_domain::forms::ErrorKind::UnknownField,
                });
                continue;
            };
            let kind = sniff(bytes).map_err(|e| AppError::Apply(ApplyError::File(e)))?;
            if !field.accept.is_empty() && !field.accept.iter().any(|a| a == kind.accept_name()) {
                return Err(AppError::Apply(ApplyError::FileTypeNotAccepted));
            }
            let limit = field
                .max_bytes
                .unwrap_or(definition.max_total_bytes)
                .min(definition.max_total_bytes);
            if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
                return Err(AppError::Apply(ApplyError::FileTooLarge(limit)));
            }
            with_files.insert(field_id.clone(), sha256_hex(bytes));
        }
        for id in values.keys() {
            if definition
                .form
                .field(id)
                .is_some_and(|f| f.kind == FieldKind::File)
            {
                errors.push(FieldError {
                    field: id.clone(),
                    kind: sportello_domain::forms::ErrorKind::UnknownField,
                });
            }
        }
        errors.extend(definition.form.validate_all(&with_files, self.now().date()));
        if !errors.is_empty() {
            return Err(AppError::Apply(ApplyError::Fields(errors)));
        }
        if !declaration {
            return Err(AppError::Apply(ApplyError::DeclarationMissing));
        }
        let id = crate::crypto::random_token(12);
        let created = tenant
            .create_application(&NewApplication {
                id: &id,
                service_id,
                service_version: i64::from(definition.version),
                applicant: &who.fiscal_code,
                acting_for: None,
                mode: "self",
                data: &to_json(values)?,
                idempotency_key,
                now_ms: to_millis(self.now()),
            })
            .await;
        if let Err(e) = created {
            // The same key raced us: answer with the application that won.
            if let (true, Some(key)) = (e.is_unique_violation(), idempotency_key) {
                if let Some(existing) = tenant.application_by_key(&who.fiscal_code, key).await? {
                    return Ok((
                        self.submit(ente, &existing.id, who, declaration).await?,
                        false,
                    ));
                }
            }
            return Err(e.into());
        }
        for (field_id, name, bytes) in files {
            self.upload(ente, &id, who, field_id, name, bytes).await?;
        }
        Ok((self.submit(ente, &id, who, declaration).await?, true))
    }

    /// Withdraws a draft or a filed application of `who`. Returns whether there was one.
    pub async fn withdraw(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
    ) -> Result<bool, AppError> {
        let done = self
            .store
            .tenant(ente)
            .withdraw(id, &who.fiscal_code, to_millis(self.now()))
            .await?;
        if done {
            tracing::info!("application withdrawn");
        }
        Ok(done)
    }

    /// The registration of a filed application of `who`.
    pub async fn receipt(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
    ) -> Result<Receipt, AppError> {
        let row = self
            .store
            .tenant(ente)
            .application_of(id, &who.fiscal_code)
            .await?
            .ok_or(AppError::NotFound)?;
        let reg = self
            .store
            .registration_for(&row.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let aoo = self.store.tenant(ente).main_aoo().await?.1;
        receipt_from(id, aoo, reg)
    }
}

fn receipt_from(id: &str, aoo: String, reg: RegistrationRow) -> Result<Receipt, AppError> {
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
    })
}

/// The values with each uploaded file standing for its field, for validation.
fn with_file_values(values: &Values, files: &[FileRow]) -> Values {
    let mut v = values.clone();
    for f in files.iter().filter(|f| f.field != MANDATE_FIELD) {
        v.insert(f.field.clone(), f.sha256.clone());
    }
    v
}

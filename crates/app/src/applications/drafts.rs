//! Starting applications (for oneself, a company, a client), filling them step by step, and
//! their files.

use sportello_domain::forms::{FieldError, FieldKind, Prefill, Values};
use sportello_domain::identity::CitizenIdentity;
use sportello_domain::tenancy::EnteId;
use sportello_store::{to_millis, FileRow, NewApplication};

use super::*;
use crate::blobs::Upload;
use crate::capabilities::Applications;
use crate::{App, AppError};

impl App {
    /// Stores a checked file's bytes and records it for the application's field.
    pub(super) async fn store_file(
        &self,
        ente: EnteId,
        id: &str,
        field_id: &str,
        file_name: &str,
        upload: &Upload,
    ) -> Result<FileRow, AppError> {
        let kind = upload
            .kind()
            .map_err(|e| AppError::Apply(ApplyError::File(e)))?;
        let size = upload.size();
        let sha256 = self.keep_upload(upload).await?;
        let row = FileRow {
            field: field_id.to_string(),
            sha256,
            file_name: crate::blobs::clean_file_name(file_name, "file"),
            media_type: kind.media_type().to_string(),
            size: i64::try_from(size).unwrap_or(i64::MAX),
        };
        self.store
            .tenant(ente)
            .put_file(id, &row, to_millis(self.now()))
            .await?;
        Ok(row)
    }
}

impl Applications<'_> {
    /// Whether application `id` of `ente` is `who`'s (NotFound otherwise): the check a route
    /// on the applicant's application makes before it reads what was posted.
    pub async fn is_theirs(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
    ) -> Result<(), AppError> {
        self.app
            .application_in_reach(ente, id, who)
            .await?
            .map(|_| ())
            .ok_or(AppError::NotFound)
    }

    /// Starts a draft for oneself, prefilled from the signed-in identity.
    pub async fn start_application(
        &self,
        ente: EnteId,
        service_id: &str,
        who: &CitizenIdentity,
    ) -> Result<String, AppError> {
        self.app
            .applications()
            .start_application_for(ente, service_id, who, ActingFor::Myself)
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
        crate::sessions::reaches_ente(who, ente)?;
        // An assisted session files for the person present, never for their company or for
        // a client: the mandate the desk holds is the person's own.
        if who.assisted.is_some() && !matches!(acting, ActingFor::Myself) {
            return Err(AppError::from(crate::Refusal::OutsideAssistedSession));
        }
        use sportello_domain::catalogue::ApplicantKind;
        let service = self
            .app
            .catalogue()
            .offered_service(ente, service_id)
            .await?;
        self.app.may_file(ente, &service.definition, who).await?;
        let open = self
            .app
            .store
            .tenant(ente)
            .count_drafts(service_id, &who.fiscal_code)
            .await?;
        if open >= super::DRAFTS_PER_SERVICE_MAX {
            return Err(AppError::Apply(ApplyError::TooManyDrafts(open)));
        }
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
                match mandate.kind() {
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
            let value = field
                .prefill
                .and_then(|p| identity_value(p, who, self.app.now().date()));
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                values.insert(field.id.clone(), v);
            }
        }
        // For the company the person represents (as the identity provider asserts it): its
        // name and partita IVA, and the role it implies, where the form asks for them. They
        // stay editable.
        if let (Some(company), "business") = (&who.company, mode) {
            let form = &service.definition.form;
            let prefill = [
                ("ragione_sociale", FieldKind::Text, company.name.as_str()),
                ("partita_iva", FieldKind::PartitaIva, company.vat.as_str()),
                ("ruolo", FieldKind::Radio, "titolare"),
            ];
            for (id, kind, value) in prefill {
                let fits = form.field(id).is_some_and(|f| {
                    f.kind == kind
                        && (f.options.is_empty() || f.options.iter().any(|o| o.value == value))
                });
                if fits {
                    values
                        .entry(id.to_string())
                        .or_insert_with(|| value.to_string());
                }
            }
        }
        let id = crate::crypto::time_ordered_id(self.app.now());
        self.app
            .store
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
                now_ms: to_millis(self.app.now()),
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
            self.app
                .store
                .tenant(ente)
                .put_file(&id, &row, to_millis(self.app.now()))
                .await?;
        }
        if let ActingFor::Client {
            mandate,
            mandate_file_name,
            ..
        } = acting
        {
            self.app
                .store_file(ente, &id, MANDATE_FIELD, &mandate_file_name, &mandate)
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
        let tenant = self.app.store.tenant(ente);
        let row = self
            .app
            .application_in_reach(ente, id, who)
            .await?
            .ok_or(AppError::NotFound)?;
        let service = self
            .app
            .catalogue()
            .offered_service(ente, &row.service_id)
            .await?;
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
        let draft = self.app.applications().draft(ente, id, who).await?;
        if draft.status != sportello_domain::procedure::ApplicationStatus::Draft {
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
            // The identity SPID or CIE asserted is not typed over.
            .filter(|f| {
                !(f.prefill.is_some_and(|p| p.is_identity())
                    && draft.values.get(&f.id).is_some_and(|v| !v.is_empty()))
            })
            .map(|f| f.id.as_str())
            .collect();
        if let Some((field, _)) = step_fields
            .iter()
            .filter_map(|f| posted.get(*f).map(|v| (*f, v)))
            .find(|(_, v)| v.trim().chars().count() > super::DRAFT_VALUE_MAX)
        {
            return Err(AppError::Apply(ApplyError::ValueTooLong {
                field: field.to_owned(),
                max: super::DRAFT_VALUE_MAX,
            }));
        }
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
        let errors = form.validate_step(step, &with_files, self.app.now().date());
        let next_step = if errors.is_empty() {
            (step + 1).min(form.steps.len())
        } else {
            step
        };
        self.app
            .store
            .tenant(ente)
            .save_draft(
                id,
                &who.fiscal_code,
                &to_json(&values)?,
                i64::try_from(next_step).unwrap_or(0),
                to_millis(self.app.now()),
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
        upload: &Upload,
    ) -> Result<FileRow, AppError> {
        let draft = self.app.applications().draft(ente, id, who).await?;
        if draft.status != sportello_domain::procedure::ApplicationStatus::Draft {
            return Err(AppError::Apply(ApplyError::NotADraft));
        }
        let service = &draft.service.definition;
        let field = service
            .form
            .field(field_id)
            .filter(|f| f.kind == FieldKind::File)
            .ok_or(AppError::NotFound)?;
        let kind = upload
            .kind()
            .map_err(|e| AppError::Apply(ApplyError::File(e)))?;
        if !field.accept.is_empty() && !field.accept.iter().any(|a| a == kind.accept_name()) {
            return Err(AppError::Apply(ApplyError::FileTypeNotAccepted));
        }
        let size = upload.size();
        let limit = field
            .max_bytes
            .unwrap_or(service.max_total_bytes)
            .min(service.max_total_bytes);
        let others: u64 = draft
            .files
            .iter()
            .filter(|f| f.field != field_id)
            .map(|f| u64::try_from(f.size).unwrap_or(0))
            .fold(0u64, u64::saturating_add);
        if size > limit {
            return Err(AppError::Apply(ApplyError::FileTooLarge(limit)));
        }
        if others.saturating_add(size) > service.max_total_bytes {
            return Err(AppError::Apply(ApplyError::FileTooLarge(
                service.max_total_bytes,
            )));
        }
        self.app
            .store_file(ente, id, field_id, file_name, upload)
            .await
    }
    pub async fn remove_upload(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
        field_id: &str,
    ) -> Result<(), AppError> {
        self.app.applications().draft(ente, id, who).await?;
        Ok(self
            .app
            .store
            .tenant(ente)
            .remove_file(id, field_id)
            .await?)
    }
    /// Reads a file of an application of `who`.
    pub async fn file_of(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
        field_id: &str,
    ) -> Result<(FileRow, Vec<u8>), AppError> {
        let draft = self.app.applications().draft(ente, id, who).await?;
        let row = draft
            .files
            .into_iter()
            .find(|f| f.field == field_id)
            .ok_or(AppError::NotFound)?;
        let bytes = self
            .app
            .blobs
            .get(&row.sha256)
            .await
            .map_err(|e| AppError::Internal(format!("blob store: {e}")))?;
        Ok((row, bytes))
    }
}

/// What the signed-in identity says for a prefilled field.
pub(crate) fn identity_value(
    p: Prefill,
    who: &CitizenIdentity,
    today: time::Date,
) -> Option<String> {
    match p {
        Prefill::GivenName => Some(who.given_name.clone()),
        Prefill::FamilyName => Some(who.family_name.clone()),
        Prefill::FiscalCode => Some(who.fiscal_code.to_string()),
        Prefill::Email => who.email.clone(),
        Prefill::BirthDate => who.fiscal_code.birth_date(today).map(|d| d.to_string()),
    }
}

/// The values with the person's identity where the form takes it from SPID or CIE: an
/// application filed at once (the API) cannot declare someone else's name or codice fiscale.
pub(crate) fn with_identity(
    form: &sportello_domain::forms::FormSchema,
    who: &CitizenIdentity,
    today: time::Date,
    values: &Values,
) -> Values {
    let mut out = values.clone();
    for f in form.fields() {
        let Some(p) = f.prefill.filter(|p| p.is_identity()) else {
            continue;
        };
        if let Some(v) = identity_value(p, who, today).filter(|v| !v.is_empty()) {
            out.insert(f.id.clone(), v);
        }
    }
    out
}

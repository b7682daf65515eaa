//! Filing applications (the journey and the API), receipts, withdrawal, a person's list.

use sportello_domain::procedure::CaseEventKind;
use std::collections::BTreeMap;

use sportello_domain::calendar::in_rome;
use sportello_domain::catalogue::ServiceDefinition;
use sportello_domain::forms::{FieldError, FieldKind};
use sportello_domain::identity::CitizenIdentity;
use sportello_domain::protocol::{format_number, AttachmentRecord};
use sportello_domain::tenancy::EnteId;
use sportello_store::{to_millis, FileRow, NewApplication, TenantStore};

use super::*;
use crate::blobs::sha256_hex;
use crate::capabilities::Applications;
use crate::{App, AppError, Refusal};
use sportello_domain::procedure::states::CaseState;

impl App {
    /// What the registrar needs to file application `id`: the registered document's digest,
    /// the attachments, the correspondent, the case's first state, where to write.
    #[allow(clippy::too_many_arguments)]
    async fn filing_work(
        &self,
        ente: EnteId,
        id: &str,
        service: &ServiceDefinition,
        who: &CitizenIdentity,
        clean: &sportello_domain::forms::Values,
        files: &[&FileRow],
        mode: &str,
        acting_for: Option<&str>,
    ) -> Result<crate::registrar::FilingWork, AppError> {
        let now = self.now();
        let document = to_json(&FiledDocument {
            applicant: &who.fiscal_code,
            data: clean,
            files: files.iter().map(|f| (&f.field, &f.sha256)).collect(),
            service: &service.id,
            version: service.version,
        })?;
        let document_digest = sha256_hex(document.as_bytes());
        let attachments: Vec<AttachmentRecord> = files
            .iter()
            .map(|f| AttachmentRecord {
                description: format!("{} ({})", f.file_name, f.field),
                digest: f.sha256.clone(),
            })
            .collect();
        let year = in_rome(now).year();
        let subject = format!("{} — domanda online", service.title);
        let person = format!(
            "{} {} ({})",
            who.given_name, who.family_name, who.fiscal_code
        );
        let correspondent = match (mode, acting_for) {
            ("business", Some(company)) => format!("{company}, legale rappresentante {person}"),
            ("professional", Some(client)) => format!("{client}, tramite {person} con procura"),
            ("assisted", Some(assistance)) => format!("{person}, con {assistance} e delega"),
            _ => person,
        };
        let fascicolo = format!("{year}/{}/{id}", service.id);
        let (aoo_id, aoo_code) = self.main_aoo_hot(ente).await?;
        let opened = opened_state(service.regime)?;
        // Where to write about the case: the form's e-mail field, else the identity's.
        let email = service
            .form
            .fields()
            .filter(|f| f.kind == FieldKind::Email)
            .find_map(|f| clean.get(&f.id))
            .or(who.email.as_ref())
            .cloned();
        let parts = self.part_works(ente, service, who, clean, files).await?;
        let calendar = self.ente_calendar_hot(ente).await?;
        Ok(crate::registrar::FilingWork {
            term_days: term_days_on_filing(service.regime, opened),
            calendar,
            ente,
            id: id.to_string(),
            service_id: service.id.clone(),
            service_version: i64::from(service.version),
            ranked: service.window.is_some(),
            channel: sportello_domain::accountability::Channel::of_mode(mode),
            applicant: who.fiscal_code.to_string(),
            given_name: who.given_name.clone(),
            family_name: who.family_name.clone(),
            email,
            clean_json: to_json(clean)?,
            one_per_person: service.one_per_person,
            opened_state: opened,
            aoo_id,
            aoo_code,
            correspondent,
            subject,
            document_digest,
            attachments,
            classification: classification(service).to_string(),
            fascicolo,
            stamp: None,
            create: None,
            parts,
            mode: mode.to_string(),
            acting_for: acting_for.map(str::to_string),
        })
    }
    async fn file_at_once(
        &self,
        ente: EnteId,
        service_id: &str,
        who: &CitizenIdentity,
        filing: &Filing,
    ) -> Result<Option<(Receipt, bool)>, AppError> {
        let Filing {
            values,
            files,
            declaration,
            idempotency_key,
            given_as_rows,
        } = filing;
        let (declaration, idempotency_key) = (*declaration, idempotency_key.as_deref());
        let tenant = self.store.tenant(ente);
        let hot = self.offered_service_hot(ente, service_id).await?;
        let service = &hot.offered;
        let definition = &service.definition;
        if let (Some(key), false) = (idempotency_key, files.is_empty()) {
            // Without files the registrar checks the key in its transaction; with files the
            // application is created first, so look before creating.
            if let Some(existing) = tenant.application_by_key(&who.fiscal_code, key).await? {
                return Ok(Some((
                    self.same_key(ente, service_id, &existing.id, who, declaration)
                        .await?,
                    false,
                )));
            }
        }
        self.may_file_now(definition, who)?;
        let values =
            &super::drafts::with_identity(&definition.form, who, self.now().date(), values);
        let mut errors = Vec::new();
        let mut with_files = values.clone();
        for (field_id, _, upload) in files {
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
            let kind = upload
                .kind()
                .map_err(|e| AppError::Apply(ApplyError::File(e)))?;
            if !field.accept.is_empty() && !field.accept.iter().any(|a| a == kind.accept_name()) {
                return Err(AppError::Apply(ApplyError::FileTypeNotAccepted));
            }
            let limit = field
                .max_bytes
                .unwrap_or(definition.max_total_bytes)
                .min(definition.max_total_bytes);
            if upload.size() > limit {
                return Err(AppError::Apply(ApplyError::FileTooLarge(limit)));
            }
            with_files.insert(field_id.clone(), upload.sha256().to_owned());
        }
        for id in values.keys() {
            let kind = definition.form.field(id).map(|f| f.kind);
            // A file is uploaded, not typed; rows are a group's only.
            if kind == Some(FieldKind::File)
                || (given_as_rows.contains(id) && kind.is_some_and(|k| k != FieldKind::Group))
            {
                errors.push(FieldError {
                    field: id.clone(),
                    kind: sportello_domain::forms::ErrorKind::UnknownField,
                });
            }
        }
        errors.extend(definition.form.validate_all(&with_files, self.now().date()));
        if errors.is_empty() {
            self.part_errors(ente, definition, who, &with_files, &mut errors)
                .await?;
        }
        if !errors.is_empty() {
            return Err(AppError::Apply(ApplyError::Fields(errors)));
        }
        if !declaration {
            return Err(AppError::Apply(ApplyError::DeclarationMissing));
        }
        // Filed in one call, nothing could have been paid for it yet.
        self.payments().fees_settled(ente, "", definition).await?;
        let id = crate::crypto::time_ordered_id(self.now());
        if files.is_empty() {
            // One commit: the registrar creates the application and files it in its batch.
            let clean = definition.form.clean(values);
            let mut work = self
                .filing_work(ente, &id, definition, who, &clean, &[], "self", None)
                .await?;
            work.create = Some(crate::registrar::Creation {
                idempotency_key: idempotency_key.map(str::to_string),
            });
            work.stamp = Some(hot.stamp);
            // What the answer repeats of the registration (not the filed data: it is large).
            let answer = Answer {
                opened_state: work.opened_state,
                aoo_code: work.aoo_code.clone(),
                document_digest: work.document_digest.clone(),
                attachments: work.attachments.clone(),
                classification: work.classification.clone(),
                fascicolo: work.fascicolo.clone(),
                correspondent: work.correspondent.clone(),
            };
            return match self.registrar()?.file(work).await? {
                crate::registrar::Filed::Registered(reg, arrival) => {
                    // The answer from what was just registered: no need to read it back.
                    let state = answer.opened_state;
                    let calendar = self.ente_calendar_hot(ente).await?;
                    let due = self
                        .term_status(definition.regime, &reg.registered_at, state, &[], &calendar)
                        .due;
                    Ok(Some((
                        Receipt {
                            application_id: id.clone(),
                            number: format_number(reg.number),
                            year: i64::from(reg.year),
                            aoo: answer.aoo_code,
                            registered_at: reg.registered_at,
                            document_digest: answer.document_digest,
                            attachments: answer.attachments,
                            classification: answer.classification,
                            fascicolo: answer.fascicolo,
                            correspondent: answer.correspondent,
                            over_quota: arrival
                                .zip(service.overrides.quota)
                                .map(|(position, quota)| position > i64::from(quota)),
                            arrival,
                            case_state: state,
                            due,
                            parts: if definition.parts.is_empty() {
                                Vec::new()
                            } else {
                                self.filing_parts(ente, &id).await?
                            },
                        },
                        true,
                    )))
                }
                crate::registrar::Filed::OnePerPerson(number) => Err(AppError::Apply(
                    ApplyError::AlreadyFiled(format_number(number)),
                )),
                crate::registrar::Filed::AlreadyClaimed => Err(AppError::Internal(
                    "a new application was found already filed".into(),
                )),
                crate::registrar::Filed::SameKey(existing) => Ok(Some((
                    self.same_key(ente, service_id, &existing, who, declaration)
                        .await?,
                    false,
                ))),
                // The service changed since this process read it: check again.
                crate::registrar::Filed::Stale => {
                    self.hot.forget_service(ente, service_id);
                    Ok(None)
                }
            };
        }
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
                    return Ok(Some((
                        self.same_key(ente, service_id, &existing.id, who, declaration)
                            .await?,
                        false,
                    )));
                }
            }
            return Err(e.into());
        }
        for (field_id, name, upload) in files {
            self.applications()
                .upload(ente, &id, who, field_id, name, upload)
                .await?;
        }
        Ok(Some((
            self.applications()
                .submit(ente, &id, who, declaration)
                .await?,
            true,
        )))
    }
    /// The answer to an Idempotency-Key used before by `who`: the same registration, once the
    /// application it names is filed; refused when it named another service.
    async fn same_key(
        &self,
        ente: EnteId,
        service_id: &str,
        existing: &str,
        who: &CitizenIdentity,
        declaration: bool,
    ) -> Result<Receipt, AppError> {
        let row = self.application_in_reach(ente, existing, who).await?;
        if row.is_none_or(|r| r.service_id != service_id) {
            return Err(AppError::from(Refusal::IdempotencyKeyReused));
        }
        self.applications()
            .submit(ente, existing, who, declaration)
            .await
    }
}

impl Applications<'_> {
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
        let draft = self.app.applications().draft(ente, id, who).await?;
        if draft.status == sportello_domain::procedure::ApplicationStatus::Submitted {
            return self.app.applications().receipt(ente, id, who).await;
        }
        if draft.status != sportello_domain::procedure::ApplicationStatus::Draft {
            return Err(AppError::Apply(ApplyError::NotADraft));
        }
        let service = &draft.service.definition;
        self.app.may_file_now(service, who)?;
        let with_files = with_file_values(&draft.values, &draft.files);
        let now = self.app.now();
        let mut errors = service.form.validate_all(&with_files, now.date());
        if errors.is_empty() {
            self.app
                .part_errors(ente, service, who, &with_files, &mut errors)
                .await?;
        }
        if !errors.is_empty() {
            return Err(AppError::Apply(ApplyError::Fields(errors)));
        }
        if !declaration {
            return Err(AppError::Apply(ApplyError::DeclarationMissing));
        }
        self.app.payments().fees_settled(ente, id, service).await?;
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
        let work = self
            .app
            .filing_work(
                ente,
                id,
                service,
                who,
                &clean,
                &files,
                &draft.mode,
                draft.acting_for.as_deref(),
            )
            .await?;
        match self.app.registrar()?.file(work).await? {
            crate::registrar::Filed::Registered(..)
            | crate::registrar::Filed::AlreadyClaimed
            | crate::registrar::Filed::SameKey(_) => {}
            crate::registrar::Filed::OnePerPerson(number) => {
                return Err(AppError::Apply(ApplyError::AlreadyFiled(format_number(
                    number,
                ))));
            }
            crate::registrar::Filed::Stale => {
                return Err(AppError::Internal(
                    "a draft's filing was checked against a cached service".into(),
                ));
            }
        }
        tracing::info!(service = %service.id, "application filed and registered");
        self.app.applications().receipt(ente, id, who).await
    }
    /// Everything `who` has drafted or filed, in every ente of the region, newest first.
    pub async fn my_applications(
        &self,
        who: &CitizenIdentity,
    ) -> Result<Vec<ApplicationSummary>, AppError> {
        self.listed(who, false).await
    }

    /// The same, each concluded case with the last document the office sent its applicant
    /// (its decision): the personal area's cards. The decisions are read at once, one query
    /// per ente, not one per case.
    pub async fn my_applications_with_decisions(
        &self,
        who: &CitizenIdentity,
    ) -> Result<Vec<ApplicationSummary>, AppError> {
        self.listed(who, true).await
    }

    async fn listed(
        &self,
        who: &CitizenIdentity,
        with_decisions: bool,
    ) -> Result<Vec<ApplicationSummary>, AppError> {
        let rows = self
            .app
            .store
            .region_wide()
            .applications_of(&who.fiscal_code)
            .await?
            .into_iter()
            .filter(|row| crate::sessions::in_reach(who, &row.application))
            .collect::<Vec<_>>();
        let enti = self.app.all_enti().await?;
        // Each service's title, how many steps its form has (a draft resumes where it stopped),
        // and the order of its parts (a filing lists them so).
        let outline = self.app.catalogue_outline_hot().await?;
        let (titles, part_order) = (&outline.titles, &outline.part_order);
        // The decisions of the concluded cases, per ente: one read each.
        let mut decisions = std::collections::HashMap::new();
        if with_decisions {
            let concluded: Vec<(i64, &str)> = rows
                .iter()
                .filter(|mine| {
                    mine.application.status != sportello_domain::procedure::ApplicationStatus::Draft
                        && mine.registration_number.is_some()
                        && crate::cases::shown_state(
                            mine.application.status,
                            mine.case_state.as_deref(),
                        )
                        .is_concluded()
                })
                .map(|mine| (mine.application.ente_id, mine.application.id.as_str()))
                .collect();
            decisions = self
                .app
                .store
                .region_wide()
                .last_outgoing_documents(&concluded)
                .await?;
        }
        let mut out = Vec::with_capacity(rows.len());
        for mine in rows {
            let row = mine.application;
            let Some(ente) = enti.iter().find(|e| e.id == row.ente_id) else {
                continue;
            };
            // A draft has no registration (a draft part of a filed filing would otherwise
            // show its filing's).
            let registration = match (
                mine.registered_in,
                mine.registration_number,
                mine.registered_at,
            ) {
                (Some(year), Some(number), Some(at))
                    if row.status != sportello_domain::procedure::ApplicationStatus::Draft =>
                {
                    Some((year, number, at))
                }
                _ => None,
            };
            let state = registration
                .is_some()
                .then(|| crate::cases::shown_state(row.status, mine.case_state.as_deref()));
            let case_state = state.map(|s| s.label().to_string());
            out.push((
                ApplicationSummary {
                    service_id: row.service_id.clone(),
                    case_state,
                    state,
                    resume: resume_path(
                        usize::try_from(row.step).unwrap_or(0),
                        titles.get(&row.service_id).map_or(1, |t| t.1),
                    ),
                    service_title: titles
                        .get(&row.service_id)
                        .map(|t| t.0.clone())
                        .unwrap_or_else(|| row.service_id.clone()),
                    ente_slug: ente.slug.clone(),
                    ente_name: ente.name.clone(),
                    status: row.status,
                    number: registration
                        .as_ref()
                        .map(|(year, number, _)| format!("{}/{year}", format_number(*number))),
                    registered_at: registration.map(|(_, _, at)| at),
                    decision: decisions.remove(&row.id),
                    updated_at: row.updated_at,
                    acting_for: row.acting_for,
                    id: row.id,
                    parts: Vec::new(),
                },
                row.parent_id,
            ));
        }
        // A filing's parts are listed under it, in the order they were opened.
        let (parts, mut filings): (Vec<_>, Vec<_>) =
            out.into_iter().partition(|(_, parent)| parent.is_some());
        let mut parts: Vec<_> = parts.into_iter().rev().collect();
        for (filing, _) in &mut filings {
            let mine;
            (mine, parts) = parts
                .into_iter()
                .partition(|(_, parent)| parent.as_deref() == Some(filing.id.as_str()));
            filing.parts = mine.into_iter().map(|(p, _)| p).collect();
            if let Some(order) = part_order.get(&filing.service_id) {
                filing
                    .parts
                    .sort_by_key(|p| order.iter().position(|s| *s == p.service_id));
            }
        }
        Ok(filings.into_iter().map(|(f, _)| f).collect())
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
        // The API files at once, without the journey that marks an application as assisted and
        // registers the mandate with it: not from an assisted session.
        if who.assisted.is_some() {
            return Err(AppError::from(crate::Refusal::OutsideAssistedSession));
        }
        let mut attempt = self.app.file_at_once(ente, service_id, who, filing).await;
        for _ in 0..2 {
            if !matches!(attempt, Ok(None)) {
                break;
            }
            attempt = self.app.file_at_once(ente, service_id, who, filing).await;
        }
        let attempt = attempt.and_then(|done| {
            done.ok_or_else(|| AppError::Internal("the service kept changing while filing".into()))
        });
        match attempt {
            // A retry of a filing made before must get its registration even if the checks
            // would now refuse it (the window has closed, say): the checks run first so that the
            // common case reads nothing, and a refusal looks for the key before answering.
            Err(AppError::Apply(refusal)) => match filing.idempotency_key.as_deref() {
                Some(key) => match self
                    .app
                    .store
                    .tenant(ente)
                    .application_by_key(&who.fiscal_code, key)
                    .await?
                {
                    Some(existing) => Ok((
                        self.app
                            .same_key(ente, service_id, &existing.id, who, filing.declaration)
                            .await?,
                        false,
                    )),
                    None => Err(AppError::Apply(refusal)),
                },
                None => Err(AppError::Apply(refusal)),
            },
            other => other,
        }
    }
    /// Withdraws a draft or a filed application of `who`. Returns whether there was one.
    pub async fn withdraw(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
    ) -> Result<bool, AppError> {
        let now = to_millis(self.app.now());
        let tenant = self.app.store.tenant(ente);
        let (case_state, service_id) = match self.app.application_in_reach(ente, id, who).await? {
            Some(row)
                if row.status == sportello_domain::procedure::ApplicationStatus::Submitted =>
            {
                (tenant.case_state(id).await?, row.service_id)
            }
            _ => (None, String::new()),
        };
        let mut tx = self.app.store.begin_for(ente).await?;
        if let Some(code) = case_state.as_deref() {
            // A filed case is withdrawn only while the law allows it, and only from the
            // state it was seen in: an office decision taken meanwhile wins.
            let state = CaseState::from_code(code)
                .ok_or_else(|| AppError::Internal(format!("unknown case state {code}")))?;
            if !state.may_withdraw() {
                return Err(AppError::from(Refusal::NoLongerWithdrawable(state)));
            }
            if !tx.move_case(id, code, CaseState::Ritirata.code()).await? {
                return Err(AppError::from(Refusal::ChangedMeanwhile));
            }
        }
        let previous = TenantStore::withdraw_in(tx.tx(), ente, id, &who.fiscal_code, now).await?;
        if previous.as_deref() == Some("submitted") {
            tx.record_case_event(
                id,
                now,
                CaseEventKind::Withdrawn,
                CaseState::Ritirata,
                "richiedente",
            )
            .await?;
            self.app.count_withdrawal(&mut tx, &service_id).await?;
            // Withdrawing a filing withdraws its parts that the law still lets go; a part
            // already decided stays decided.
            for part in tenant.parts_of(id).await? {
                let Some(code) = part.case_state.as_deref() else {
                    continue;
                };
                if part.status != sportello_domain::procedure::ApplicationStatus::Submitted
                    || !CaseState::from_code(code).is_some_and(CaseState::may_withdraw)
                    || !tx
                        .move_case(&part.id, code, CaseState::Ritirata.code())
                        .await?
                {
                    continue;
                }
                TenantStore::withdraw_in(tx.tx(), ente, &part.id, &who.fiscal_code, now).await?;
                tx.record_case_event(
                    &part.id,
                    now,
                    CaseEventKind::Withdrawn,
                    CaseState::Ritirata,
                    "richiedente",
                )
                .await?;
                self.app.count_withdrawal(&mut tx, &part.service_id).await?;
            }
        }
        tx.commit().await?;
        if previous.is_some() {
            tracing::info!("application withdrawn");
        }
        Ok(previous.is_some())
    }
    /// `who`'s drafts of a service at an ente, the latest first: (id, last change in Unix ms,
    /// the step to resume at as `resume_path` gives it).
    pub async fn drafts_of(
        &self,
        ente: EnteId,
        service_id: &str,
        who: &CitizenIdentity,
    ) -> Result<Vec<(String, i64, i64)>, AppError> {
        Ok(self
            .app
            .store
            .region_wide()
            .drafts_of(ente, &who.fiscal_code, service_id)
            .await?
            .into_iter()
            .filter(|row| crate::sessions::in_reach(who, row))
            .map(|row| (row.id, row.updated_at, row.step))
            .collect())
    }
    /// Deletes a draft of `who`. Returns whether there was one (a filed application is
    /// withdrawn, never deleted).
    pub async fn delete_draft(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
    ) -> Result<bool, AppError> {
        let Some(row) = self.app.application_in_reach(ente, id, who).await? else {
            return Ok(false);
        };
        if row.status != sportello_domain::procedure::ApplicationStatus::Draft {
            return Ok(false);
        }
        let mut tx = self.app.store.begin_for(ente).await?;
        let deleted = TenantStore::delete_draft_in(
            tx.tx(),
            ente,
            id,
            &who.fiscal_code,
            to_millis(self.app.now()),
        )
        .await?;
        tx.commit().await?;
        if deleted {
            tracing::info!("draft deleted");
        }
        Ok(deleted)
    }
    /// The registration of a filed application of `who`.
    pub async fn receipt(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
    ) -> Result<Receipt, AppError> {
        let row = self
            .app
            .application_in_reach(ente, id, who)
            .await?
            .ok_or(AppError::NotFound)?;
        let reg = self
            .app
            .store
            .tenant(ente)
            .registration_for(&row.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let tenant = self.app.store.tenant(ente);
        let aoo = tenant.main_aoo().await?.1;
        let shown = crate::cases::shown_state(row.status, tenant.case_state(id).await?.as_deref());
        let service = self
            .app
            .catalogue()
            .offered_service(ente, &row.service_id)
            .await?;
        let calendar = self.app.ente_calendar(ente).await?;
        let events = tenant.case_events(id).await?;
        let due = self
            .app
            .term_status(
                service.definition.regime,
                &reg.registered_at,
                shown,
                &crate::cases::suspensions(&events),
                &calendar,
            )
            .due;
        let mut receipt = receipt_from(id, aoo, reg, shown, due)?;
        receipt.arrival = tenant.arrival_of(id).await?;
        receipt.over_quota = receipt
            .arrival
            .zip(service.overrides.quota)
            .map(|(position, quota)| position > i64::from(quota));
        if !service.definition.parts.is_empty() {
            receipt.parts = self.app.filing_parts(ente, id).await?;
        }
        Ok(receipt)
    }
}

/// The state a case of this regime opens in when filed.
/// The days of the term a case opened in `opened` runs (none when it has none or is
/// concluded on filing).
pub(super) fn term_days_on_filing(
    regime: sportello_domain::catalogue::Regime,
    opened: CaseState,
) -> Option<u32> {
    regime.term_days().filter(|_| !opened.is_concluded())
}

pub(super) fn opened_state(
    regime: sportello_domain::catalogue::Regime,
) -> Result<CaseState, AppError> {
    sportello_domain::procedure::states::opened_on_filing(regime)
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// What a receipt repeats of the filing it answers.
struct Answer {
    opened_state: CaseState,
    aoo_code: String,
    document_digest: String,
    attachments: Vec<AttachmentRecord>,
    classification: String,
    fascicolo: String,
    correspondent: String,
}

/// The document a filing registers, whose SHA-256 is the registration's digest: the object
/// `{"applicant", "data", "files", "service", "version"}`, its keys in this order (serde_json's
/// objects sort their keys, and so did the first registrations; keep it so, or old digests no
/// longer match their documents).
#[derive(serde::Serialize)]
struct FiledDocument<'a> {
    applicant: &'a str,
    data: &'a sportello_domain::forms::Values,
    files: BTreeMap<&'a String, &'a String>,
    service: &'a str,
    version: u32,
}

/// Where a draft resumes: the first step not completed (`passo/N`, from 1), or the review when
/// every step is.
pub fn resume_path(next_step: usize, steps: usize) -> String {
    if next_step >= steps.max(1) {
        "riepilogo".into()
    } else {
        format!("passo/{}", next_step + 1)
    }
}

#[cfg(test)]
mod document_tests {
    use super::*;

    #[test]
    fn the_filed_document_is_the_sorted_object_registered_before() {
        let mut data = sportello_domain::forms::Values::new();
        data.insert("nome".into(), "Maria \"Mia\"".into());
        data.insert("email".into(), "m@example.invalid".into());
        let (field, sha) = ("allegato".to_string(), "ab".repeat(32));
        let files: BTreeMap<&String, &String> = [(&field, &sha)].into_iter().collect();
        let ours = to_json(&FiledDocument {
            applicant: "RSSMRA80A01H501U",
            data: &data,
            files: files.clone(),
            service: "contributo-click-day",
            version: 3,
        });
        let before = to_json(&serde_json::json!({
            "service": "contributo-click-day", "version": 3, "applicant": "RSSMRA80A01H501U",
            "data": data, "files": files,
        }));
        assert_eq!(ours.ok(), before.ok());
    }
}

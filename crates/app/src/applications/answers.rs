//! The applicant's side of a case: its live state, due date and public timeline, the documents
//! the office sent, the messages, and the answer to a request for documents or to a preavviso
//! di rigetto — registered as inbound in the ente's protocol register, which restarts the term.

use sportello_domain::identity::CitizenIdentity;
use sportello_domain::procedure::states::{Action, Actor, CaseState};
use sportello_domain::protocol::{format_number, AttachmentRecord, Direction};
use sportello_domain::tenancy::EnteId;
use sportello_store::{to_millis, CaseDocumentRow, CaseEventRow, CaseMessageRow};

use super::{to_json, ApplyError};
use crate::capabilities::Applications;
use crate::protocol::ToRegister;
use crate::{AppError, Refusal};
use sportello_domain::procedure::CaseEventKind;

/// Largest file an answer may carry, and how many.
pub const ANSWER_MAX_BYTES: u64 = 10 * 1024 * 1024;
pub const ANSWER_MAX_FILES: usize = 5;

/// What the applicant can answer now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Awaited {
    /// The documents the office asked for (art. 2 c.7).
    Integration,
    /// Observations on the preavviso di rigetto (art. 10-bis), within 10 days.
    Observations,
    /// The measures a SCIA's author was asked to take (art. 19 c.3), within 30 days.
    Conformity,
}

/// A case as its applicant sees it.
#[derive(Debug, Clone)]
pub struct ApplicantCase {
    pub id: String,
    pub service_title: String,
    pub number: String,
    pub state: CaseState,
    pub due: Option<time::Date>,
    pub suspended_days_left: Option<i64>,
    /// Events the applicant may see (internal ones, such as assignment, left out).
    pub timeline: Vec<CaseEventRow>,
    /// Documents with their protocol number.
    pub documents: Vec<(CaseDocumentRow, String)>,
    pub messages: Vec<CaseMessageRow>,
    pub awaited: Option<Awaited>,
    /// The last day to answer what is awaited: the request's day (Italian time) plus the most
    /// the law lets the suspension last (30 days for documents or conformity, 10 for
    /// observations on a preavviso).
    pub reply_by: Option<time::Date>,
    /// The cases of the same filing (procedimento unico), this one among them; empty for a
    /// case filed alone.
    pub related: Vec<crate::cases::RelatedCase>,
}

/// A file attached to an answer.
#[derive(Debug, Clone)]
pub struct AnswerFile {
    pub name: String,
    pub upload: crate::blobs::Upload,
}

impl Applications<'_> {
    /// The case of a filed application of `who`; anyone else's is not found.
    pub async fn applicant_case(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
    ) -> Result<ApplicantCase, AppError> {
        let tenant = self.app.store.tenant(ente);
        self.app
            .application_in_reach(ente, id, who)
            .await?
            .ok_or(AppError::NotFound)?;
        let ctx = self.app.case_context(ente, id).await?;
        let term = self.app.term_status(
            ctx.service.definition.regime,
            &ctx.head.registered_at,
            ctx.state,
            &crate::cases::suspensions(&ctx.events),
            &ctx.calendar,
        );
        let mut documents = Vec::new();
        for d in tenant.case_documents(id).await? {
            let number = tenant
                .registration_by_id(d.registration_id)
                .await?
                .map(|r| format!("{}/{}", format_number(r.number), r.year))
                .unwrap_or_default();
            documents.push((d, number));
        }
        let awaited = awaited(&ctx);
        let reply_by = awaited.and_then(|_| {
            let (kind, at) = ctx
                .events
                .iter()
                .filter_map(|e| e.kind.suspends().map(|k| (k, e.at)))
                .max_by_key(|(_, at)| *at)?;
            let day = sportello_domain::calendar::in_rome(sportello_store::from_millis(at)).date();
            day.checked_add(time::Duration::days(kind.max_days()))
        });
        Ok(ApplicantCase {
            reply_by,
            id: id.to_string(),
            service_title: ctx.service.definition.title.clone(),
            number: format!("{}/{}", format_number(ctx.head.number), ctx.head.year),
            state: ctx.state,
            due: term.due,
            suspended_days_left: term.suspended_days_left,
            timeline: ctx
                .events
                .iter()
                .filter(|e| !e.kind.is_internal())
                .cloned()
                .collect(),
            documents,
            messages: tenant.case_messages(id).await?,
            awaited,
            related: self.app.related_cases(ente, id).await?,
        })
    }
    /// A document of the case, for its applicant: the row and the bytes.
    pub async fn applicant_document(
        &self,
        ente: EnteId,
        id: &str,
        document_id: &str,
        who: &CitizenIdentity,
    ) -> Result<(CaseDocumentRow, Vec<u8>), AppError> {
        let tenant = self.app.store.tenant(ente);
        self.app
            .application_in_reach(ente, id, who)
            .await?
            .ok_or(AppError::NotFound)?;
        let doc = tenant
            .case_documents(id)
            .await?
            .into_iter()
            .find(|d| d.id == document_id)
            .ok_or(AppError::NotFound)?;
        let bytes = self
            .app
            .blobs
            .get(&doc.sha256)
            .await
            .map_err(|e| AppError::Internal(format!("blob store: {e}")))?;
        Ok((doc, bytes))
    }
    /// The applicant answers a request for documents or a preavviso: a message and up to five
    /// files, registered together as one inbound document. The term restarts.
    pub async fn answer(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
        text: &str,
        files: Vec<AnswerFile>,
    ) -> Result<(), AppError> {
        self.app
            .application_in_reach(ente, id, who)
            .await?
            .ok_or(AppError::NotFound)?;
        let ctx = self.app.case_context(ente, id).await?;
        let (action, kind, doc_kind, label) = match awaited(&ctx) {
            Some(Awaited::Integration) => (
                Action::AnswerIntegration,
                CaseEventKind::IntegrationReceived,
                "integrazione",
                "Integrazione documentale",
            ),
            Some(Awaited::Conformity) => (
                Action::AnswerConformity,
                CaseEventKind::ConformityReceived,
                "conformazione",
                "Conformazione dell'attività",
            ),
            Some(Awaited::Observations) => (
                Action::ClosePreavviso,
                CaseEventKind::Observations,
                "osservazioni",
                "Osservazioni al preavviso di rigetto",
            ),
            None => return Err(AppError::from(Refusal::NoAnswerAwaited)),
        };
        let to = self.app.allowed(&ctx, action, Actor::Applicant)?;
        let text = text.trim();
        if text.is_empty() && files.is_empty() {
            return Err(AppError::from(Refusal::AnswerEmpty));
        }
        if text.chars().count() > 10_000 {
            return Err(AppError::from(Refusal::AnswerTooLong));
        }
        if files.len() > ANSWER_MAX_FILES {
            return Err(AppError::from(Refusal::TooManyAnswerFiles {
                max: ANSWER_MAX_FILES,
            }));
        }
        // Check every file before storing any.
        let mut checked = Vec::new();
        for f in &files {
            if f.upload.size() > ANSWER_MAX_BYTES {
                return Err(AppError::Apply(ApplyError::FileTooLarge(ANSWER_MAX_BYTES)));
            }
            let file_kind = f
                .upload
                .kind()
                .map_err(|e| AppError::Apply(ApplyError::File(e)))?;
            checked.push((
                crate::blobs::clean_file_name(&f.name, "documento"),
                file_kind,
                f,
            ));
        }
        let mut stored = Vec::new();
        for (name, file_kind, f) in checked {
            let sha = self.app.keep_upload(&f.upload).await?;
            stored.push((name, file_kind, sha, f.upload.size()));
        }
        let now = self.app.now();
        let subject = format!(
            "{label} — {} ({})",
            ctx.service.definition.title,
            ctx.filed_as()
        );
        let document = to_json(&serde_json::json!({
            "application": id, "message": text,
            "files": stored.iter().map(|(n, _, sha, _)| (n, sha)).collect::<Vec<_>>(),
        }))?;
        let digest = crate::blobs::sha256_hex(document.as_bytes());
        let attachments: Vec<AttachmentRecord> = stored
            .iter()
            .map(|(n, _, sha, _)| AttachmentRecord {
                description: n.clone(),
                digest: sha.clone(),
            })
            .collect();
        let at = to_millis(now);
        let mut tx = self.app.store.begin_for(ente).await?;
        if !tx.move_case(id, ctx.state.code(), to.code()).await? {
            return Err(AppError::from(Refusal::ChangedMeanwhile));
        }
        let reg = self
            .app
            .register_in(
                tx.tx(),
                &ToRegister {
                    ente_id: ente.get(),
                    aoo_id: ctx.aoo_id,
                    aoo_code: &ctx.aoo_code,
                    direction: Direction::Inbound,
                    correspondent: &ctx.head.correspondent,
                    subject: &subject,
                    sender_reference: None,
                    document_digest: &digest,
                    attachments: &attachments,
                    classification: &ctx.head.classification,
                    fascicolo: &ctx.head.fascicolo,
                    application_id: None,
                },
            )
            .await?;
        let (number, year, registration_id) = (reg.number, reg.year, reg.id);
        let mut first_document = None;
        for (name, file_kind, sha, size) in &stored {
            let doc_id = crate::crypto::random_token(12);
            tx.insert_case_document(&CaseDocumentRow {
                id: doc_id.clone(),
                application_id: id.to_string(),
                kind: doc_kind.to_string(),
                direction: Direction::Inbound.code().to_string(),
                registration_id,
                sha256: sha.clone(),
                file_name: name.clone(),
                media_type: file_kind.media_type().to_string(),
                size: i64::try_from(*size).unwrap_or(i64::MAX),
                created_at: at,
            })
            .await?;
            first_document.get_or_insert(doc_id);
        }
        let body = if text.is_empty() {
            format!("{label}: {} documenti allegati.", stored.len())
        } else {
            text.to_string()
        };
        let author = format!("{} {}", who.given_name, who.family_name);
        tx.insert_message(id, at, false, &author, &body, first_document.as_deref())
            .await?;
        tx.record_case_event(id, at, kind, to, "richiedente")
            .await?;
        self.app.keep_term(&mut tx, &ctx, to).await?;
        self.app.notify_applicant(
            tx.tx(),
            &ctx,
            "risposta ricevuta",
            &format!("Abbiamo ricevuto e protocollato la tua risposta (prot. n. {}/{year}). Il termine del procedimento riprende a decorrere.", format_number(number)),
        )
        .await?;
        // Whoever the case is assigned to is told, without the applicant's words: they are in
        // the case, behind the office's sign-in.
        if let Some(assignee) = ctx.head.assignee {
            if let Some(to) = self.app.store.staff_email(assignee).await? {
                let link = format!("{}/staff/pratiche/{id}", self.app.settings.public_url);
                let subject = format!("Risposta ricevuta sulla pratica {}", ctx.filed_as());
                let body = format!(
                    "Il richiedente ha risposto sulla pratica {} ({}): risposta protocollata con il n. {}/{year}. Il termine del procedimento riprende a decorrere.\n\nApri la pratica:\n{link}\n\nComune di {} — messaggio automatico.\n",
                    ctx.filed_as(),
                    ctx.service.definition.title,
                    format_number(number),
                    ctx.ente.name,
                );
                sportello_store::Store::enqueue_notification(tx.tx(), at, &to, &subject, &body)
                    .await?;
            }
        }
        tx.commit().await?;
        tracing::info!("applicant answered the office");
        Ok(())
    }
}

impl Applications<'_> {
    /// A message from the applicant to the office while the case is open.
    pub async fn applicant_message(
        &self,
        ente: EnteId,
        id: &str,
        who: &CitizenIdentity,
        text: &str,
    ) -> Result<(), AppError> {
        self.app
            .application_in_reach(ente, id, who)
            .await?
            .ok_or(AppError::NotFound)?;
        let ctx = self.app.case_context(ente, id).await?;
        if ctx.state.is_concluded() {
            return Err(AppError::from(Refusal::ConcludedNewApplication));
        }
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 5_000 {
            return Err(AppError::from(Refusal::ApplicantMessageInvalid));
        }
        let mut tx = self.app.store.begin_for(ente).await?;
        tx.insert_message(
            id,
            to_millis(self.app.now()),
            false,
            &format!("{} {}", who.given_name, who.family_name),
            text,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn awaited(ctx: &crate::back_office::CaseContext) -> Option<Awaited> {
    match ctx.state {
        CaseState::SospesaPerIntegrazione => Some(Awaited::Integration),
        CaseState::PreavvisoDiRigetto => Some(Awaited::Observations),
        CaseState::SciaEfficace => crate::cases::suspensions(&ctx.events)
            .iter()
            .any(|s| {
                s.kind == sportello_domain::procedure::deadlines::SuspensionKind::Conformity
                    && s.to.is_none()
            })
            .then_some(Awaited::Conformity),
        _ => None,
    }
}

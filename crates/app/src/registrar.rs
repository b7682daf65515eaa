//! Group commit for filings. Every submission's checks (fields, files, declaration, digests) run
//! in its own request, in parallel; what must be serial — claiming the draft, the one-per-person
//! rule, the gapless number, the hash chain, the case's first event — runs in one writer task,
//! which takes the filings in arrival order and commits many of them in one durable transaction.
//! A filing is acknowledged only after its transaction has committed (synchronous commit: SQLite
//! `synchronous=FULL`, PostgreSQL `synchronous_commit=on`), so nothing acknowledged can be lost,
//! and one fsync now serves a whole batch. See docs/design/group-commit.md.

use sportello_domain::protocol::{AttachmentRecord, Direction};
use sportello_domain::tenancy::EnteId;
use sportello_store::{to_millis, Store, StoreError, TenantStore, Tx};
use tokio::sync::{mpsc, oneshot};

use crate::protocol::ToRegister;
use crate::{App, AppError};

/// The most filings one transaction carries.
pub const MAX_BATCH: usize = 1024;
/// Filings waiting for the writer beyond which new ones are refused at once (503), so that a
/// flood cannot grow queues, and memory, without bound.
pub const QUEUE_LIMIT: usize = 16_384;

/// What the writer needs to file one application: everything already checked.
#[derive(Debug, Clone)]
pub(crate) struct FilingWork {
    pub ente: EnteId,
    pub id: String,
    pub service_id: String,
    pub applicant: String,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub clean_json: String,
    pub one_per_person: bool,
    pub opened_state: &'static str,
    pub aoo_id: i64,
    pub aoo_code: String,
    pub correspondent: String,
    pub subject: String,
    pub document_digest: String,
    pub attachments: Vec<AttachmentRecord>,
    pub classification: String,
    pub fascicolo: String,
    pub service_version: i64,
    /// The service ranks filings by arrival (it has a filing window).
    pub ranked: bool,
    /// Set when the application is created in the same batch (filings in one request).
    pub create: Option<Creation>,
}

/// An application to create as it is filed.
#[derive(Debug, Clone)]
pub(crate) struct Creation {
    /// The values as sent.
    pub data: String,
    pub idempotency_key: Option<String>,
}

/// What became of a filing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filed {
    /// Registered: the registration, and the position of arrival for ranked services.
    Registered(crate::protocol::Registered, Option<i64>),
    /// Another request filed this draft first.
    AlreadyClaimed,
    /// The applicant already has a filed application for this one-per-person service.
    OnePerPerson(i64),
    /// The Idempotency-Key was used already, by this application.
    SameKey(String),
}

struct Job {
    work: FilingWork,
    reply: oneshot::Sender<Result<Filed, String>>,
}

/// The handle requests use to reach the writer.
#[derive(Clone, Debug)]
pub(crate) struct Registrar {
    tx: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl Registrar {
    /// Starts the writer task for `app`'s store. The task ends when every handle is dropped.
    pub(crate) fn start(app: App) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel::<Job>(QUEUE_LIMIT);
        let handle = tokio::spawn(writer(app, rx));
        (Self { tx }, handle)
    }

    /// Queues a filing and waits until it is durable (or refused). A full queue answers at once.
    pub(crate) async fn file(&self, work: FilingWork) -> Result<Filed, AppError> {
        let (reply, answer) = oneshot::channel();
        self.tx.try_send(Job { work, reply }).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => AppError::Overloaded,
            mpsc::error::TrySendError::Closed(_) => {
                AppError::Internal("the registrar has stopped".into())
            }
        })?;
        answer
            .await
            .map_err(|_| AppError::Internal("the registrar dropped a filing".into()))?
            .map_err(AppError::Internal)
    }
}

async fn writer(app: App, mut rx: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // Lock the register rows in one order in every process (PostgreSQL): a stable sort
        // keeps each AOO's filings in arrival order.
        batch.sort_by_key(|j| j.work.aoo_id);
        match app.file_batch(&batch).await {
            Ok(outcomes) => {
                for (job, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                // Nothing of the batch was committed. File each alone, so that one bad filing
                // cannot take the others down with it.
                tracing::warn!(error = %e, size = batch.len(), "a filing batch failed; filing one by one");
                for job in batch.drain(..) {
                    let outcome = app
                        .file_batch(std::slice::from_ref(&job))
                        .await
                        .map_err(|e| e.to_string())
                        .and_then(|o| {
                            o.into_iter()
                                .next()
                                .ok_or_else(|| "no outcome for a filing".to_string())
                        });
                    let _ = job.reply.send(outcome);
                }
            }
        }
    }
}

impl App {
    /// Files `jobs` in one transaction, in order; returns each one's outcome once committed.
    async fn file_batch(&self, jobs: &[Job]) -> Result<Vec<Filed>, AppError> {
        let mut tx = self.store.begin().await?;
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in jobs {
            outcomes.push(self.file_in(&mut tx, &job.work).await?);
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(outcomes)
    }

    async fn file_in(&self, tx: &mut Tx, w: &FilingWork) -> Result<Filed, AppError> {
        let now = self.now();
        if let Some(c) = &w.create {
            if let Some(key) = &c.idempotency_key {
                if let Some(existing) =
                    TenantStore::application_id_by_key_in(tx, w.ente.0, &w.applicant, key).await?
                {
                    return Ok(Filed::SameKey(existing));
                }
            }
        }
        if w.one_per_person {
            if let Some(number) =
                TenantStore::filed_number_in(tx, w.ente.0, &w.service_id, &w.applicant).await?
            {
                return Ok(Filed::OnePerPerson(number));
            }
        }
        if let Some(c) = &w.create {
            TenantStore::create_application_in(
                tx,
                w.ente.0,
                &sportello_store::NewApplication {
                    id: &w.id,
                    service_id: &w.service_id,
                    service_version: w.service_version,
                    applicant: &w.applicant,
                    acting_for: None,
                    mode: "self",
                    data: &c.data,
                    idempotency_key: c.idempotency_key.as_deref(),
                    now_ms: to_millis(now),
                },
            )
            .await?;
        }
        if !TenantStore::claim_for_submission(
            tx,
            w.ente.0,
            &w.id,
            &w.applicant,
            &w.clean_json,
            to_millis(now),
        )
        .await?
        {
            return Ok(Filed::AlreadyClaimed);
        }
        let reg = self
            .register_in(
                tx,
                &ToRegister {
                    ente_id: w.ente.0,
                    aoo_id: w.aoo_id,
                    aoo_code: &w.aoo_code,
                    direction: Direction::Inbound,
                    correspondent: &w.correspondent,
                    subject: &w.subject,
                    sender_reference: None,
                    document_digest: &w.document_digest,
                    attachments: &w.attachments,
                    classification: &w.classification,
                    fascicolo: &w.fascicolo,
                    application_id: Some(&w.id),
                },
            )
            .await?;
        let arrival = if w.ranked {
            Some(TenantStore::record_arrival_in(tx, w.ente.0, &w.service_id, &w.id).await?)
        } else {
            None
        };
        Store::set_contact(
            tx,
            w.ente.0,
            &w.id,
            w.email.as_deref(),
            &w.given_name,
            &w.family_name,
        )
        .await?;
        Store::record_case_event(
            tx,
            w.ente.0,
            &w.id,
            to_millis(now),
            crate::cases::kinds::FILED,
            w.opened_state,
            "richiedente",
        )
        .await?;
        Ok(Filed::Registered(reg, arrival))
    }
}

//! Group commit for filings. Every submission's checks (fields, files, declaration, digests) run
//! in its own request, in parallel; what must be serial — claiming the draft, the one-per-person
//! rule, the gapless number, the hash chain, the case's first event — runs in one writer task,
//! which takes the filings in arrival order and commits many of them in one durable transaction.
//! A filing is acknowledged only after its transaction has committed (synchronous commit: SQLite
//! `synchronous=FULL`, PostgreSQL `synchronous_commit=on`), so nothing acknowledged can be lost,
//! and one fsync now serves a whole batch. See docs/design/group-commit.md.

use sportello_domain::procedure::CaseEventKind;
use std::collections::{BTreeMap, HashMap};

use sportello_domain::protocol::{AttachmentRecord, Direction, Registration, GENESIS};
use sportello_domain::tenancy::EnteId;
use sportello_store::{
    to_millis, ChainedRegistration, FiledApplication, NewCaseEvent, Store, StoreError, TenantStore,
    Tx,
};
use tokio::sync::{mpsc, oneshot};

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
    pub opened_state: sportello_domain::procedure::states::CaseState,
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
    /// How the application came (online, assisted at a PAAS, by an intermediary): counted by
    /// month for the times dashboard.
    pub channel: sportello_domain::accountability::Channel,
    /// The stamp of the adopted service the checks used (crate::hot), when read from memory:
    /// the registrar files only if it is still the stored one.
    pub stamp: Option<u64>,
    /// Set when the application is created in the same batch (filings in one request).
    pub create: Option<Creation>,
    /// How it is filed (`self`, `business`, `professional`, `assisted`) and for whom, when
    /// not the applicant: its parts are filed the same way.
    pub mode: String,
    pub acting_for: Option<String>,
    /// The cases the filing opens besides its own (a procedimento unico's parts), created in
    /// the same transaction and sharing its registration.
    pub parts: Vec<PartWork>,
    /// The days of the legal term its case opens with (none without a term or concluded on
    /// filing), and the ente's calendar: the registrar keeps the term's due date on the row
    /// (migration 0053) from the day it registers.
    pub term_days: Option<u32>,
    pub calendar: sportello_domain::procedure::deadlines::HolidayCalendar,
}

/// A part of a filing: a case of its own service, created with the filing.
#[derive(Debug, Clone)]
pub(crate) struct PartWork {
    pub id: String,
    pub service_id: String,
    pub service_version: i64,
    pub clean_json: String,
    pub opened_state: sportello_domain::procedure::states::CaseState,
    /// The days of its legal term (as [`FilingWork::term_days`]).
    pub term_days: Option<u32>,
    /// The filing's files it lists: (its field, the filing's field).
    pub files: Vec<(String, String)>,
}

/// The due date (a Julian day number) of a term of `days` days from a registration at `now`,
/// with no suspension yet: what a new case keeps on its row.
fn due_on_filing(
    now: time::OffsetDateTime,
    days: Option<u32>,
    calendar: &sportello_domain::procedure::deadlines::HolidayCalendar,
) -> Option<i64> {
    let days = days?;
    let start = sportello_domain::calendar::in_rome(now).date();
    let kept = sportello_domain::procedure::deadlines::KeptTerm::new(start, days, &[], calendar);
    Some(i64::from(kept.due.to_julian_day()))
}

/// An application to create as it is filed.
#[derive(Debug, Clone)]
pub(crate) struct Creation {
    pub idempotency_key: Option<String>,
}

/// The registration a filing received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Numbered {
    pub number: i64,
    pub year: i32,
    /// Italian civil time, RFC 3339.
    pub registered_at: String,
}

/// What became of a filing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filed {
    /// Registered: the registration, and the position of arrival for ranked services.
    Registered(Numbered, Option<i64>),
    /// Another request filed this draft first.
    AlreadyClaimed,
    /// The applicant already has a filed application for this one-per-person service.
    OnePerPerson(i64),
    /// The Idempotency-Key was used already, by this application.
    SameKey(String),
    /// The adopted service changed after the request read it: nothing was filed; check again.
    Stale,
}

struct Job {
    work: FilingWork,
    reply: oneshot::Sender<Result<Filed, String>>,
}

/// The handle requests use to reach the writer.
#[derive(Clone, Debug)]
pub(crate) struct Registrar {
    tx: mpsc::Sender<Job>,
    /// Filings handed to [`Registrar::file`] and not yet answered (queued or being written).
    in_flight: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// How busy the registrar is: filings waiting in its queue, and filings not yet answered
/// (the queued ones and those of the batch being written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrarLoad {
    pub queued: usize,
    pub in_flight: usize,
}

/// Counts a filing as in flight for as long as it lives: every way out of `file` ends it.
struct InFlight(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl InFlight {
    fn new(count: &std::sync::Arc<std::sync::atomic::AtomicUsize>) -> Self {
        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Self(count.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl Registrar {
    /// Starts the writer for `app`'s store. It holds a clone of the application, and so a handle
    /// to itself: it lives as long as the process (SQLite) or the runtime (PostgreSQL).
    pub(crate) fn start(app: App) -> Self {
        let (tx, rx) = mpsc::channel::<Job>(QUEUE_LIMIT);
        if app.store.backend() == sportello_store::Backend::Sqlite {
            // On SQLite the writer gets a thread of its own. On the request runtime each of its
            // statements would wait in the run queue behind hundreds of requests (every
            // statement is an await), and the writer is the click day's serial path. SQLite's
            // connections live on their own threads, so the pool serves both runtimes.
            let spawned = std::thread::Builder::new()
                .name("registrar".into())
                .spawn(move || {
                    match tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        Ok(runtime) => runtime.block_on(writer(app, rx)),
                        Err(e) => tracing::error!(error = %e, "the registrar could not start"),
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "the registrar could not start");
            }
        } else {
            // PostgreSQL connections are sockets registered with the runtime that opened them:
            // the writer stays on the request runtime.
            tokio::spawn(writer(app, rx));
        }
        Self {
            tx,
            in_flight: Default::default(),
        }
    }

    pub(crate) fn load(&self) -> RegistrarLoad {
        RegistrarLoad {
            queued: self.tx.max_capacity().saturating_sub(self.tx.capacity()),
            in_flight: self.in_flight.load(std::sync::atomic::Ordering::SeqCst),
        }
    }

    /// Queues a filing and waits until it is durable (or refused). A full queue answers at once.
    pub(crate) async fn file(&self, work: FilingWork) -> Result<Filed, AppError> {
        let _counted = InFlight::new(&self.in_flight);
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

/// What the decisions of a batch made of one filing, before numbers are known.
enum Plan {
    Done(Filed),
    /// To register: the position among the batch's registrations.
    Register(usize),
    /// One per person, and an earlier filing of this batch is the person's first.
    SecondOf(usize),
}

/// Who filed what: (ente, service, applicant).
type Person<'a> = (i64, &'a str, &'a str);

/// A filing the batch registers.
struct ToFile<'a> {
    work: &'a FilingWork,
    now: time::OffsetDateTime,
    arrival: Option<i64>,
    number: i64,
    year: i32,
    registered_at: String,
}

impl App {
    /// Files `jobs` in one transaction, in order, set-based: one read of what the applicants
    /// already have, the decisions in memory in arrival order, one move of each register row
    /// and service counter, multi-row inserts. Returns each one's outcome once committed.
    async fn file_batch(&self, jobs: &[Job]) -> Result<Vec<Filed>, AppError> {
        let mut tx = self.store.begin().await?;
        let outcomes = self.file_all(&mut tx, jobs).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(outcomes)
    }

    async fn file_all(&self, tx: &mut Tx, jobs: &[Job]) -> Result<Vec<Filed>, AppError> {
        // What the applicants already have: Idempotency-Keys used (unique per person across
        // the region, so a key used in another ente answers as used), services filed.
        let applicants: Vec<&str> = jobs
            .iter()
            .map(|j| &j.work)
            .filter(|w| {
                w.one_per_person
                    || w.create
                        .as_ref()
                        .is_some_and(|c| c.idempotency_key.is_some())
            })
            .map(|w| w.applicant.as_str())
            .collect();
        let prior = if applicants.is_empty() {
            Vec::new()
        } else {
            Store::prior_applications_in(tx, &applicants).await?
        };
        let mut keys: HashMap<(&str, &str), String> = HashMap::new();
        // Per (ente, service, applicant): the first filed application's id, and its number
        // (filed before) or its position among this batch's registrations.
        let mut filed: HashMap<Person<'_>, (&str, Result<i64, usize>)> = HashMap::new();
        for p in &prior {
            if let Some(key) = &p.idempotency_key {
                keys.insert((p.applicant.as_str(), key.as_str()), p.id.clone());
            }
            if p.status == sportello_domain::procedure::ApplicationStatus::Submitted {
                filed.insert(
                    (p.ente_id, p.service_id.as_str(), p.applicant.as_str()),
                    (p.id.as_str(), Ok(p.number.unwrap_or(0))),
                );
            }
        }

        // The services as stored now: a filing checked against an older copy (crate::hot) is
        // not filed but checked again.
        let mut stored: HashMap<(i64, &str), Option<u64>> = HashMap::new();
        for w in jobs.iter().map(|j| &j.work).filter(|w| w.stamp.is_some()) {
            let key = (w.ente.get(), w.service_id.as_str());
            if let std::collections::hash_map::Entry::Vacant(slot) = stored.entry(key) {
                let row = Store::adopted_service_in(tx, w.ente, &w.service_id).await?;
                slot.insert(row.as_ref().map(crate::hot::stamp));
            }
        }

        // The decisions, in arrival order.
        let mut plans = Vec::with_capacity(jobs.len());
        let mut to_file: Vec<ToFile<'_>> = Vec::with_capacity(jobs.len());
        for job in jobs {
            let w = &job.work;
            if w.stamp.is_some()
                && stored.get(&(w.ente.get(), w.service_id.as_str())) != Some(&w.stamp)
            {
                plans.push(Plan::Done(Filed::Stale));
                continue;
            }
            let key = w.create.as_ref().and_then(|c| c.idempotency_key.as_deref());
            if let Some(existing) = key.and_then(|k| keys.get(&(w.applicant.as_str(), k))) {
                plans.push(Plan::Done(Filed::SameKey(existing.clone())));
                continue;
            }
            let person = (w.ente.get(), w.service_id.as_str(), w.applicant.as_str());
            if w.one_per_person {
                match filed.get(&person) {
                    Some((id, _)) if *id == w.id => {
                        plans.push(Plan::Done(Filed::AlreadyClaimed));
                        continue;
                    }
                    Some((_, Ok(number))) => {
                        plans.push(Plan::Done(Filed::OnePerPerson(*number)));
                        continue;
                    }
                    Some((_, Err(first))) => {
                        plans.push(Plan::SecondOf(*first));
                        continue;
                    }
                    None => {}
                }
            }
            let now = self.now();
            if w.create.is_none()
                && !TenantStore::claim_for_submission(
                    tx,
                    w.ente,
                    &w.id,
                    &w.applicant,
                    &w.clean_json,
                    to_millis(now),
                )
                .await?
            {
                plans.push(Plan::Done(Filed::AlreadyClaimed));
                continue;
            }
            if let Some(k) = key {
                keys.insert((w.applicant.as_str(), k), w.id.clone());
            }
            filed.insert(person, (w.id.as_str(), Err(to_file.len())));
            plans.push(Plan::Register(to_file.len()));
            let local = sportello_domain::calendar::in_rome(now);
            to_file.push(ToFile {
                work: w,
                now,
                arrival: None,
                number: 0,
                year: local.year(),
                registered_at: local
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            });
        }

        // Numbers and the chain: one move of each register row, in AOO order (the batch is
        // sorted by AOO, so that several processes lock register rows in one order).
        let mut registrations = Vec::with_capacity(to_file.len());
        let mut start = 0;
        while start < to_file.len() {
            let (aoo, year) = match to_file.get(start) {
                Some(f) => (f.work.aoo_id, f.year),
                None => break,
            };
            let end = to_file
                .iter()
                .skip(start)
                .position(|f| f.work.aoo_id != aoo || f.year != year)
                .map_or(to_file.len(), |p| start + p);
            let count = i64::try_from(end - start).unwrap_or(i64::MAX);
            let (first, mut previous) =
                Store::advance_register(tx, aoo, year, count, GENESIS).await?;
            for (offset, f) in to_file.iter_mut().skip(start).take(end - start).enumerate() {
                let w = f.work;
                f.number = first + i64::try_from(offset).unwrap_or(i64::MAX);
                let hash = Registration {
                    aoo: w.aoo_code.clone(),
                    year,
                    number: f.number,
                    registered_at: f.registered_at.clone(),
                    direction: Direction::Inbound,
                    correspondent: w.correspondent.clone(),
                    subject: w.subject.clone(),
                    sender_reference: None,
                    document_digest: w.document_digest.clone(),
                    attachments: w.attachments.clone(),
                }
                .chain_hash(&previous);
                registrations.push(ChainedRegistration {
                    ente_id: w.ente.get(),
                    aoo_id: aoo,
                    year,
                    number: f.number,
                    registered_at: f.registered_at.clone(),
                    direction: Direction::Inbound.code(),
                    correspondent: &w.correspondent,
                    subject: &w.subject,
                    sender_reference: None,
                    document_digest: &w.document_digest,
                    attachments: serde_json::to_string(&w.attachments)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    previous_hash: std::mem::replace(&mut previous, hash.clone()),
                    hash,
                    classification: &w.classification,
                    fascicolo: &w.fascicolo,
                    application_id: Some(&w.id),
                });
            }
            Store::set_register_head(tx, aoo, &previous).await?;
            start = end;
        }

        // Positions of arrival: one move of each service's counter, in a stable order.
        let mut ranked: BTreeMap<(EnteId, &str), Vec<usize>> = BTreeMap::new();
        for (i, f) in to_file.iter().enumerate() {
            if f.work.ranked {
                ranked
                    .entry((f.work.ente, f.work.service_id.as_str()))
                    .or_default()
                    .push(i);
            }
        }
        for ((ente, service), members) in &ranked {
            let count = i64::try_from(members.len()).unwrap_or(i64::MAX);
            let first = Store::take_arrivals(tx, *ente, service, count).await?;
            for (offset, i) in members.iter().enumerate() {
                if let Some(f) = to_file.get_mut(*i) {
                    f.arrival = Some(first + i64::try_from(offset).unwrap_or(i64::MAX));
                }
            }
        }

        // The applications (created here, or drafts claimed above), then the register and the
        // cases' first events.
        let mut created = Vec::new();
        for f in &to_file {
            let w = f.work;
            let row = FiledApplication {
                id: &w.id,
                ente_id: w.ente.get(),
                service_id: &w.service_id,
                service_version: w.service_version,
                applicant: &w.applicant,
                mode: "self",
                data: &w.clean_json,
                idempotency_key: w.create.as_ref().and_then(|c| c.idempotency_key.as_deref()),
                now_ms: to_millis(f.now),
                case_state: w.opened_state,
                arrival: f.arrival,
                contact_email: w.email.as_deref(),
                given_name: &w.given_name,
                family_name: &w.family_name,
                registered_year: f.year,
                registered_number: f.number,
                parent_id: None,
                acting_for: None,
                term_due: due_on_filing(f.now, w.term_days, &w.calendar),
            };
            if w.create.is_some() {
                created.push(row);
            } else {
                Store::complete_claimed(tx, &row).await?;
            }
        }
        Store::insert_filed_applications(tx, &created).await?;
        // The parts after the filings they belong to (each points to its filing).
        let parts: Vec<FiledApplication<'_>> = to_file
            .iter()
            .flat_map(|f| {
                let w = f.work;
                w.parts.iter().map(move |p| FiledApplication {
                    id: &p.id,
                    ente_id: w.ente.get(),
                    service_id: &p.service_id,
                    service_version: p.service_version,
                    applicant: &w.applicant,
                    mode: &w.mode,
                    data: &p.clean_json,
                    idempotency_key: None,
                    now_ms: to_millis(f.now),
                    case_state: p.opened_state,
                    arrival: None,
                    contact_email: w.email.as_deref(),
                    given_name: &w.given_name,
                    family_name: &w.family_name,
                    registered_year: f.year,
                    registered_number: f.number,
                    parent_id: Some(&w.id),
                    acting_for: w.acting_for.as_deref(),
                    term_due: due_on_filing(f.now, p.term_days, &w.calendar),
                })
            })
            .collect();
        Store::insert_filed_applications(tx, &parts).await?;
        let part_files: Vec<(&str, &str, &str, &str)> = to_file
            .iter()
            .flat_map(|f| {
                f.work.parts.iter().flat_map(move |p| {
                    p.files.iter().map(move |(mine, theirs)| {
                        (
                            p.id.as_str(),
                            f.work.id.as_str(),
                            mine.as_str(),
                            theirs.as_str(),
                        )
                    })
                })
            })
            .collect();
        Store::copy_part_files(tx, &part_files).await?;
        Store::insert_registrations(tx, &registrations).await?;
        let events: Vec<NewCaseEvent<'_>> = to_file
            .iter()
            .flat_map(|f| {
                let first = NewCaseEvent {
                    application_id: &f.work.id,
                    ente_id: f.work.ente.get(),
                    at: to_millis(f.now),
                    kind: CaseEventKind::Filed,
                    state: f.work.opened_state,
                    actor: "richiedente",
                };
                std::iter::once(first).chain(f.work.parts.iter().map(move |p| NewCaseEvent {
                    application_id: &p.id,
                    ente_id: f.work.ente.get(),
                    at: to_millis(f.now),
                    kind: CaseEventKind::Filed,
                    state: p.opened_state,
                    actor: "richiedente",
                }))
            })
            .collect();
        Store::insert_case_events(tx, &events).await?;

        // The month's filings, one move of each (ente, service, month, channel) row in order.
        let mut groups: BTreeMap<
            (EnteId, &str, i64, sportello_domain::accountability::Channel),
            i64,
        > = BTreeMap::new();
        for f in &to_file {
            let month = sportello_domain::accountability::month_key(
                sportello_domain::calendar::in_rome(f.now).date(),
            );
            // Each part is a filing of its own service, for the times dashboard.
            let services = std::iter::once(f.work.service_id.as_str())
                .chain(f.work.parts.iter().map(|p| p.service_id.as_str()));
            for service in services {
                let n = groups
                    .entry((f.work.ente, service, month, f.work.channel))
                    .or_default();
                *n = n.saturating_add(1);
            }
        }
        // When the batch's last filing was registered: the counts' modification time.
        let latest = to_file.iter().map(|f| to_millis(f.now)).max().unwrap_or(0);
        let groups: Vec<sportello_store::FilingCount<'_>> = groups
            .into_iter()
            .map(
                |((ente, service_id, month, channel), filings)| sportello_store::FilingCount {
                    ente,
                    service_id,
                    month,
                    channel,
                    filings,
                    at_ms: latest,
                },
            )
            .collect();
        Store::count_filings(tx, &groups).await?;

        let registered = |i: usize| {
            to_file.get(i).map(|f| Numbered {
                number: f.number,
                year: f.year,
                registered_at: f.registered_at.clone(),
            })
        };
        plans
            .into_iter()
            .map(|plan| match plan {
                Plan::Done(outcome) => Ok(outcome),
                Plan::Register(i) => registered(i)
                    .map(|n| Filed::Registered(n, to_file.get(i).and_then(|f| f.arrival)))
                    .ok_or_else(|| AppError::Internal("a filing lost its registration".into())),
                Plan::SecondOf(i) => registered(i)
                    .map(|n| Filed::OnePerPerson(n.number))
                    .ok_or_else(|| AppError::Internal("a filing lost its registration".into())),
            })
            .collect()
    }
}

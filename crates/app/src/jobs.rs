//! Scheduled jobs: the terms that run out by themselves (silent consent, a SCIA's control
//! window, the 30 days of an integration request, the 10 days of a preavviso), yesterday's daily
//! register of every AOO, and the delivery of notifications. Any number of `sportello` processes may run them on one database: the
//! deadline pass holds a lease, every case moves only from the state it was read in, and each
//! notification is claimed by one process at a time and marked delivered once.

use sportello_domain::calendar::in_rome;
use sportello_domain::catalogue::Regime;
use sportello_domain::procedure::deadlines::SuspensionKind;
use sportello_domain::procedure::states::{Action, Actor, CaseState};
use sportello_store::{to_millis, OpenCaseRow};

use crate::back_office::{CaseContext, OutgoingDocument};
use crate::cases::suspensions;
use crate::mail::Mailer;
use crate::{App, AppError};
use sportello_domain::procedure::acts::ActKind;
use sportello_domain::procedure::CaseEventKind;

/// What one pass of the jobs did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobReport {
    pub silent_consents: u32,
    /// The region's times were rolled up from every ente's counts.
    pub region_times_rolled: bool,
    pub scia_consolidated: u32,
    pub suspensions_lapsed: u32,
    pub delivered: u32,
    pub delivery_failures: u32,
    /// Daily registers produced (yesterday's, for AOOs that had none).
    pub daily_registers: u32,
    /// Another process held the deadline lease.
    pub deadlines_skipped: bool,
    /// Participatory-budget votes sealed because their dates were over.
    pub pb_votes_sealed: u32,
    /// Debt positions published to pagoPA, and attempts that failed (retried later).
    pub positions_published: u32,
    pub publication_failures: u32,
    /// Reporting flows read from pagoPA, and anomalies opened by time.
    pub flows_read: u32,
    pub reconciliation_anomalies: u32,
    /// Receipts recovered from pagoPA for payments a flow reported without them.
    pub receipts_recovered: u32,
    /// Spontaneous payments never paid, expired after their due date.
    pub positions_expired: u32,
    /// The albo pretorio: periods ended (each with its relata), heartbeats, outages measured
    /// and the entries they lengthened.
    pub albo: crate::albo::AlboJobs,
    /// Bookings: drafts that ran out and gave their place back, reminders of tomorrow's.
    pub bookings_freed: u32,
    pub bookings_reminded: u32,
}

/// How long a process holds the deadline lease, and a notification claim.
const LEASE_MS: i64 = 120_000;
const BATCH: i64 = 50;

/// The wait before the next attempt after `attempts` failures: one minute, doubling, at most an
/// hour. A notification is never given up.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(0, 6)).unwrap_or(6);
    (60_000i64 * 2i64.pow(exp)).min(3_600_000)
}

impl App {
    /// One pass of every job. `holder` names this process for the leases.
    pub async fn run_jobs_once(
        &self,
        holder: &str,
        mailer: Option<&Mailer>,
    ) -> Result<JobReport, AppError> {
        let mut report = JobReport::default();
        let now = to_millis(self.now());
        if self
            .store
            .take_lease("queue-counts", holder, now, now + LEASE_MS)
            .await?
        {
            // The office queue's counts: the rows the day's moves appended, summed per key.
            // A failure waits for the next pass without stopping the others.
            if let Err(e) = self.store.fold_queue_counts().await {
                tracing::warn!(error = %e, "the queue's counts were not folded");
            }
        }
        // The terms open cases keep on their rows, where a row lacks it (rows of an older
        // process, the bulk path, a calendar changed): idempotent, so no lease is needed.
        if let Err(e) = self.keep_open_terms().await {
            tracing::warn!(error = %e, "the open cases' terms were not kept");
        }
        if self
            .store
            .take_lease("case-deadlines", holder, now, now + LEASE_MS)
            .await?
        {
            self.case_deadlines(&mut report).await?;
        } else {
            report.deadlines_skipped = true;
        }
        if self
            .store
            .take_lease("daily-register", holder, now, now + LEASE_MS)
            .await?
        {
            report.daily_registers = self.daily_registers_job().await?;
        }
        if self
            .store
            .take_lease("pb-seal", holder, now, now + LEASE_MS)
            .await?
        {
            // Every vote that is over is sealed now, not when its results are first viewed.
            let day = in_rome(self.now()).date().to_string();
            for vote in self.store.region_wide().votes_to_seal(&day).await? {
                self.store
                    .tenant(vote.ente)
                    .seal_pb_vote(&vote.process, vote.phase.code(), || {
                        crate::crypto::random_token(16)
                    })
                    .await?;
                report.pb_votes_sealed = report.pb_votes_sealed.saturating_add(1);
            }
        }
        let published = self.publish_positions().await?;
        report.positions_published = published.published;
        report.publication_failures = published.failed;
        if self
            .store
            .take_lease("pagopa-reconciliation", holder, now, now + LEASE_MS)
            .await?
        {
            report.flows_read = self.read_flows().await?.flows;
            report.receipts_recovered = self.backfill_receipts().await?;
            report.reconciliation_anomalies = self.overdue_reconciliation().await?;
            report.positions_expired = self.expire_positions().await?;
        }
        if self
            .store
            .take_lease("region-times", holder, now, now + LEASE_MS)
            .await?
        {
            report.region_times_rolled = self
                .roll_up_region_times(crate::accountability::ROLL_UP_EVERY_MS)
                .await?;
        }
        // The albo's heartbeat needs no lease — one beat per interval is the database's to
        // decide — so a process that restarts after a crash beats at once and the outage it
        // measures is the time nobody served the board. Ending periods takes the lease.
        let ends = self
            .store
            .take_lease("albo", holder, now, now + LEASE_MS)
            .await?;
        report.albo = self.albo_jobs(ends).await?;
        if self
            .store
            .take_lease("bookings", holder, now, now + LEASE_MS)
            .await?
        {
            let (freed, reminded) = self.bookings().run_jobs().await?;
            report.bookings_freed = u32::try_from(freed).unwrap_or(u32::MAX);
            report.bookings_reminded = u32::try_from(reminded).unwrap_or(u32::MAX);
        }
        if let Some(mailer) = mailer {
            self.deliver_notifications(mailer, &mut report).await?;
        }
        Ok(report)
    }

    /// The deadlines job alone, without its lease: for the demo's seeding, which replays past
    /// days before any job runs.
    pub(crate) async fn case_deadlines_now(&self) -> Result<JobReport, AppError> {
        let mut report = JobReport::default();
        self.case_deadlines(&mut report).await?;
        Ok(report)
    }

    async fn case_deadlines(&self, report: &mut JobReport) -> Result<(), AppError> {
        const OPEN: [CaseState; 5] = [
            CaseState::Protocollata,
            CaseState::InIstruttoria,
            CaseState::SospesaPerIntegrazione,
            CaseState::PreavvisoDiRigetto,
            CaseState::SciaEfficace,
        ];
        let states = OPEN.map(CaseState::code);
        // A page of open cases at a time: memory stays bounded whatever the region's history.
        let mut after = String::new();
        let per_page = self.settings.jobs_cases_per_page.max(1);
        loop {
            let page = self
                .store
                .region_wide()
                .open_cases(&states, &after, per_page)
                .await?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = last.id.clone();
            let full = i64::try_from(page.len()).is_ok_and(|n| n == per_page);
            self.case_deadlines_of(page, report).await;
            if !full {
                return Ok(());
            }
        }
    }

    async fn case_deadlines_of(&self, open: Vec<OpenCaseRow>, report: &mut JobReport) {
        for case in open {
            let ctx = match self.case_context(case.ente(), &case.id).await {
                Ok(ctx) => ctx,
                Err(e) => {
                    tracing::warn!(error = %e, "a case could not be loaded for its deadlines");
                    continue;
                }
            };
            if let Err(e) = self.case_deadline(&ctx, report).await {
                tracing::warn!(error = %e, "a deadline could not be applied");
            }
        }
    }

    /// Applies what the law says happens when a term of this case runs out, if one has.
    async fn case_deadline(
        &self,
        ctx: &CaseContext,
        report: &mut JobReport,
    ) -> Result<(), AppError> {
        let today = in_rome(self.now()).date();
        let regime = ctx.service.definition.regime;
        let facts = self.case_facts(
            regime,
            &ctx.head.registered_at,
            ctx.state,
            &ctx.events,
            &ctx.calendar,
        );
        match ctx.state {
            CaseState::Protocollata | CaseState::InIstruttoria
                if matches!(regime, Regime::SilentConsent { .. }) && facts.term_passed =>
            {
                let to = self.allowed(ctx, Action::SilentConsent, Actor::System)?;
                let doc = self
                    .act_document(ctx, ActKind::SilenzioAssenso, "", None, "")
                    .await?;
                if self
                    .system_move(ctx, to, CaseEventKind::SilentConsent, Some(&doc))
                    .await?
                {
                    report.silent_consents += 1;
                }
            }
            CaseState::SciaEfficace if facts.term_passed => {
                let to = self.allowed(ctx, Action::CloseSciaWindow, Actor::System)?;
                if self
                    .system_move(ctx, to, CaseEventKind::SciaConsolidated, None)
                    .await?
                {
                    report.scia_consolidated += 1;
                }
            }
            CaseState::SospesaPerIntegrazione
            | CaseState::PreavvisoDiRigetto
            | CaseState::SciaEfficace => {
                let open = suspensions(&ctx.events)
                    .into_iter()
                    .rev()
                    .find(|s| s.to.is_none());
                let Some(open) = open else { return Ok(()) };
                if today < open.from + time::Duration::days(open.kind.max_days()) {
                    return Ok(());
                }
                let (action, kind) = match open.kind {
                    SuspensionKind::Integration => {
                        (Action::AnswerIntegration, CaseEventKind::IntegrationLapsed)
                    }
                    SuspensionKind::Preavviso => {
                        (Action::ClosePreavviso, CaseEventKind::PreavvisoLapsed)
                    }
                    SuspensionKind::Conformity => {
                        (Action::AnswerConformity, CaseEventKind::ConformityLapsed)
                    }
                };
                let to = self.allowed(ctx, action, Actor::System)?;
                if self.system_move(ctx, to, kind, None).await? {
                    report.suspensions_lapsed += 1;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Moves a case on the law's own account: the event, the document if any, the notice to the
    /// applicant and a note for the office, in one transaction. False if another process (or a
    /// person) moved the case first.
    async fn system_move(
        &self,
        ctx: &CaseContext,
        to: CaseState,
        kind: CaseEventKind,
        doc: Option<&OutgoingDocument>,
    ) -> Result<bool, AppError> {
        let now = to_millis(self.now());
        let mut tx = self.store.begin_for(ctx.ente.ente_id()).await?;
        if !tx.move_case(&ctx.id, ctx.state.code(), to.code()).await? {
            return Ok(false);
        }
        tx.record_case_event(&ctx.id, now, kind, to, "sistema")
            .await?;
        self.keep_term(&mut tx, ctx, to).await?;
        self.count_decision(&mut tx, ctx, kind).await?;
        let what = match kind {
            CaseEventKind::SilentConsent => "Concluso per silenzio-assenso: il termine è scaduto senza decisione.",
            CaseEventKind::SciaConsolidated => "Scaduto il termine per i controlli: la SCIA è consolidata e la pratica archiviata.",
            CaseEventKind::IntegrationLapsed => "Trascorsi 30 giorni senza integrazione: il termine riprende a decorrere (art. 2 c.7).",
            CaseEventKind::ConformityLapsed => "Trascorso il termine per conformare l'attività senza risposta: il termine dei controlli riprende; valutare il divieto di prosecuzione (art. 19 c.3).",
            _ => "Trascorsi 10 giorni dal preavviso di rigetto: il termine riprende a decorrere (art. 10-bis).",
        };
        tx.insert_note(&ctx.id, now, "sistema", what).await?;
        match doc {
            Some(doc) => {
                self.send_document(
                    &mut tx,
                    ctx,
                    doc,
                    "Il sistema, per conto del responsabile del procedimento",
                )
                .await?;
            }
            None => {
                self.notify_applicant(tx.tx(), ctx, "aggiornamento della tua pratica", what)
                    .await?
            }
        }
        tx.commit().await?;
        tracing::info!(kind = kind.code(), "a term ran out and the case moved");
        Ok(true)
    }

    /// Delivers the notifications due now; a failure reschedules with backoff, nothing is lost.
    async fn deliver_notifications(
        &self,
        mailer: &Mailer,
        report: &mut JobReport,
    ) -> Result<(), AppError> {
        loop {
            let now = to_millis(self.now());
            let batch = self.store.claim_notifications(now, LEASE_MS, BATCH).await?;
            if batch.is_empty() {
                return Ok(());
            }
            for (i, n) in batch.iter().enumerate() {
                if report.delivery_failures > 0 {
                    // The server is likely down: the rest waits, untried, for the next pass.
                    for rest in batch.iter().skip(i) {
                        self.store.release_notification(rest.id).await?;
                    }
                    return Ok(());
                }
                match mailer
                    .send_with(&n.recipient, &n.subject, &n.body, n.ics.as_deref())
                    .await
                {
                    Ok(()) => {
                        self.store
                            .notification_delivered(n.id, to_millis(self.now()))
                            .await?;
                        report.delivered += 1;
                    }
                    Err(e) => {
                        let next = to_millis(self.now()) + backoff_ms(n.attempts);
                        self.store.notification_failed(n.id, next, &e).await?;
                        report.delivery_failures += 1;
                        tracing::warn!(
                            notification = n.id,
                            attempts = n.attempts + 1,
                            "notification not delivered; will retry"
                        );
                    }
                }
            }
            if report.delivery_failures > 0 {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_ms(0), 60_000);
        assert_eq!(backoff_ms(1), 120_000);
        assert_eq!(backoff_ms(5), 1_920_000);
        assert_eq!(backoff_ms(6), 3_600_000);
        assert_eq!(backoff_ms(60), 3_600_000);
    }
}

//! What the receipt, the office and the scheduled jobs all need to know of a case: the state to
//! show, the ente's calendar, the suspensions its events record, and the legal due date.

use sportello_domain::calendar::in_rome;
use sportello_domain::catalogue::Regime;
use sportello_domain::procedure::deadlines::{
    term, HolidayCalendar, KeptTerm, Suspension, SuspensionKind, Term,
};
use sportello_domain::procedure::states::{CaseFacts, CaseState};
use sportello_domain::procedure::CaseEventKind;
use sportello_domain::tenancy::EnteId;
use sportello_store::{from_millis, CaseEventRow};
use time::format_description::well_known::Rfc3339;

use crate::{App, AppError};

/// The state to show: a withdrawn application is "ritirata" whatever its case said.
pub(crate) fn shown_state(
    status: sportello_domain::procedure::ApplicationStatus,
    case_state: Option<&str>,
) -> CaseState {
    if status == sportello_domain::procedure::ApplicationStatus::Withdrawn {
        CaseState::Ritirata
    } else {
        case_state
            .and_then(CaseState::from_code)
            .unwrap_or(CaseState::Protocollata)
    }
}

fn rome_date(ms: i64) -> time::Date {
    in_rome(from_millis(ms)).date()
}

/// The periods the term stood still, from the case's events in order.
pub(crate) fn suspensions<'a>(
    events: impl IntoIterator<Item = &'a CaseEventRow>,
) -> Vec<Suspension> {
    let mut out: Vec<Suspension> = Vec::new();
    for e in events {
        if let Some(kind) = e.kind.suspends() {
            out.push(Suspension {
                kind,
                from: rome_date(e.at),
                to: None,
            });
        } else if e.kind.resumes() {
            if let Some(open) = out.iter_mut().rev().find(|s| s.to.is_none()) {
                open.to = Some(rome_date(e.at));
            }
        }
    }
    out
}

/// The term a case keeps on its row (migration 0053), from its regime, registration, state and
/// events: what the office's queue filters, counts and shows without reading the events again.
pub(crate) fn kept_term_row<'a>(
    regime: Regime,
    registered_at: &str,
    state: CaseState,
    events: impl IntoIterator<Item = &'a CaseEventRow> + Clone,
    calendar: &HolidayCalendar,
) -> sportello_store::KeptTermRow {
    let julian = |d: time::Date| i64::from(d.to_julian_day());
    // The applicant answered the office's last request: the last of the term's events resumed
    // it.
    let answered = !state.is_concluded()
        && events
            .clone()
            .into_iter()
            .filter(|e| e.kind.suspends().is_some() || e.kind.resumes())
            .max_by_key(|e| e.at)
            .is_some_and(|e| e.kind.resumes());
    let none = sportello_store::KeptTermRow {
        answered,
        ..Default::default()
    };
    let Some(days) = regime.term_days().filter(|_| !state.is_concluded()) else {
        return none;
    };
    let Ok(at) = time::OffsetDateTime::parse(registered_at, &Rfc3339) else {
        return none;
    };
    let kept = KeptTerm::new(in_rome(at).date(), days, &suspensions(events), calendar);
    sportello_store::KeptTermRow {
        due: Some(julian(kept.due)),
        paused_until: kept.paused_until.map(julian),
        days_left: kept.paused_until.map(|_| kept.days_left),
        answered,
    }
}

/// The term a queue row's case should keep, from its service's regime (among `services`) and
/// its events (among `events`, by case).
fn term_of_row(
    row: &sportello_store::QueueRow,
    services: &[crate::applications::OfferedService],
    events: &std::collections::HashMap<String, Vec<CaseEventRow>>,
    calendar: &HolidayCalendar,
) -> sportello_store::KeptTermRow {
    let state = shown_state(row.status, row.case_state.as_deref());
    let regime = services
        .iter()
        .find(|s| s.definition.id == row.service_id)
        .map_or(Regime::Immediate, |s| s.definition.regime);
    let mine = events.get(&row.id).map(Vec::as_slice).unwrap_or_default();
    kept_term_row(regime, &row.registered_at, state, mine, calendar)
}

/// Where a kept term stands on `today` (none for a case without one).
pub(crate) fn kept_term_on(row: &sportello_store::QueueRow, today: time::Date) -> Option<Term> {
    let day = |n: i64| {
        i32::try_from(n)
            .ok()
            .and_then(|n| time::Date::from_julian_day(n).ok())
    };
    let kept = KeptTerm {
        due: day(row.term_due?)?,
        paused_until: row.term_paused_until.and_then(day),
        days_left: row.term_days_left.unwrap_or(0),
    };
    Some(kept.on(today))
}

/// Where a case's term stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermStatus {
    /// The due date while the term runs.
    pub due: Option<time::Date>,
    /// Days that will be left when a suspended term resumes.
    pub suspended_days_left: Option<i64>,
    /// The term (or a SCIA's control window) has passed.
    pub passed: bool,
}

impl App {
    /// Keeps the term of the case `ctx` on its row, now that it moved to `to` (its event
    /// recorded in `tx`): read back with the case's events in the same transaction.
    pub(crate) async fn keep_term(
        &self,
        tx: &mut sportello_store::TenantTx,
        ctx: &crate::back_office::CaseContext,
        to: CaseState,
    ) -> Result<(), AppError> {
        let events = tx.case_events_in(&ctx.id).await?;
        let kept = kept_term_row(
            ctx.service.definition.regime,
            &ctx.head.registered_at,
            to,
            &events,
            &ctx.calendar,
        );
        tx.keep_term(&ctx.id, &kept).await?;
        Ok(())
    }

    /// Writes the kept term of every open case whose row lacks it (`term_kept` = 0: rows from
    /// before migration 0053, the bulk path, an older process, or a calendar changed), in
    /// every ente, a slice at a time. Run at start and by the jobs. Returns the cases written.
    pub async fn keep_open_terms(&self) -> Result<usize, AppError> {
        let mut written = 0usize;
        for ente in self.store.entes_with_unkept_terms().await? {
            written = written.saturating_add(self.keep_open_terms_of(ente).await?);
        }
        Ok(written)
    }

    /// The ente's open cases whose kept term (migration 0053) is missing or differs from the
    /// term their events give now: empty unless something moved a case around
    /// [`Self::keep_term`]. For verification and tests; reads every open case's events.
    pub async fn kept_terms_that_differ(&self, ente: EnteId) -> Result<Vec<String>, AppError> {
        let tenant = self.store.tenant(ente);
        let open = sportello_store::QueueFilter {
            open_only: true,
            ..Default::default()
        };
        let rows = tenant.queue_page(&open, 0, i64::MAX).await?;
        let services = self.catalogue().offered_services(ente).await?;
        let calendar = self.ente_calendar(ente).await?;
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let events = tenant.case_events_of(&ids).await?;
        Ok(rows
            .iter()
            .filter(|r| {
                let expected = term_of_row(r, &services, &events, &calendar);
                let kept = sportello_store::KeptTermRow {
                    due: r.term_due,
                    paused_until: r.term_paused_until,
                    days_left: r.term_days_left,
                    answered: r.term_answered == 1,
                };
                r.term_kept != 1 || kept != expected
            })
            .map(|r| r.id.clone())
            .collect())
    }

    /// [`Self::keep_open_terms`] for one ente.
    pub(crate) async fn keep_open_terms_of(&self, ente: EnteId) -> Result<usize, AppError> {
        let tenant = self.store.tenant(ente);
        let mut written = 0usize;
        loop {
            let rows = tenant.unkept_open_cases(500).await?;
            if rows.is_empty() {
                return Ok(written);
            }
            let services = self.catalogue().offered_services(ente).await?;
            let calendar = self.ente_calendar(ente).await?;
            let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            let events = tenant.case_events_of(&ids).await?;
            let kept: Vec<sportello_store::KeptTermRow> = rows
                .iter()
                .map(|r| term_of_row(r, &services, &events, &calendar))
                .collect();
            let terms: Vec<(&str, Option<&str>, sportello_store::KeptTermRow)> = rows
                .iter()
                .zip(&kept)
                .map(|(r, k)| (r.id.as_str(), r.case_state.as_deref(), *k))
                .collect();
            let now = tenant.keep_terms(&terms).await?;
            if now == 0 {
                // Every one of them moved meanwhile (and so kept its own term): done.
                return Ok(written);
            }
            written = written.saturating_add(now);
        }
    }

    /// The ente's calendar: national holidays and its patron day.
    pub(crate) async fn ente_calendar(&self, ente: EnteId) -> Result<HolidayCalendar, AppError> {
        let patron = self
            .store
            .tenant(ente)
            .patron_day()
            .await?
            .and_then(|(m, d)| {
                let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
                Some(HolidayCalendar::with_patron(month, u8::try_from(d).ok()?))
            });
        Ok(patron.unwrap_or_default())
    }

    /// Sets the ente's patron saint's day, a holiday in its calendar of terms (Law 241/1990 terms
    /// that end on a holiday move to the next working day). A date no year has is refused.
    pub async fn set_patron_day(&self, ente: EnteId, month: u8, day: u8) -> Result<(), AppError> {
        let valid = time::Month::try_from(month)
            .ok()
            .and_then(|m| time::Date::from_calendar_date(2024, m, day).ok());
        if valid.is_none() {
            return Err(crate::Refusal::NotADayOfTheYear { day, month }.into());
        }
        self.store
            .tenant(ente)
            .set_patron_day(i64::from(month), i64::from(day))
            .await?;
        // Every open case's due date may move with the calendar: written again now, with the
        // calendar read afresh (this process's copy forgotten).
        self.hot.clear();
        self.store.tenant(ente).unkeep_open_terms(None).await?;
        self.keep_open_terms_of(ente).await?;
        Ok(())
    }

    /// Where the term of a case registered at `registered_at` (RFC 3339) stands, counted on the
    /// ente's calendar from the Italian date of registration, its suspensions set aside.
    pub(crate) fn term_status(
        &self,
        regime: Regime,
        registered_at: &str,
        state: CaseState,
        suspensions: &[Suspension],
        calendar: &HolidayCalendar,
    ) -> TermStatus {
        let none = TermStatus {
            due: None,
            suspended_days_left: None,
            passed: false,
        };
        let Some(days) = regime.term_days().filter(|_| !state.is_concluded()) else {
            return none;
        };
        let Ok(at) = time::OffsetDateTime::parse(registered_at, &Rfc3339) else {
            return none;
        };
        let today = in_rome(self.now()).date();
        match term(in_rome(at).date(), days, suspensions, today, calendar) {
            Term::Due(date) => TermStatus {
                due: Some(date),
                suspended_days_left: None,
                passed: today > date,
            },
            Term::Suspended { days_left } => TermStatus {
                due: None,
                suspended_days_left: Some(days_left),
                passed: false,
            },
        }
    }

    /// The facts the state machine needs, from the case's state and events.
    pub(crate) fn case_facts(
        &self,
        regime: Regime,
        registered_at: &str,
        state: CaseState,
        events: &[CaseEventRow],
        calendar: &HolidayCalendar,
    ) -> CaseFacts {
        let suspended = suspensions(events);
        let term = self.term_status(regime, registered_at, state, &suspended, calendar);
        CaseFacts {
            conformity_requested: events
                .iter()
                .any(|e| e.kind == CaseEventKind::ConformityRequested),
            conformity_open: suspended
                .iter()
                .any(|s| s.kind == SuspensionKind::Conformity && s.to.is_none()),
            state,
            regime,
            integration_used: events
                .iter()
                .any(|e| e.kind == CaseEventKind::IntegrationRequested),
            preavviso_sent: events.iter().any(|e| e.kind == CaseEventKind::Preavviso),
            term_passed: term.passed,
        }
    }
}

/// One of the cases a single filing opened (procedimento unico): its own, or one of its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedCase {
    pub id: String,
    pub service_id: String,
    pub service_title: String,
    /// The office that handles it, by name.
    pub office: String,
    pub state: CaseState,
    pub due: Option<time::Date>,
    /// The filing's own procedure (the others are its parts).
    pub is_filing: bool,
    /// Its procedure concludes on filing (an immediate regime: a notification registered).
    pub on_filing: bool,
}

impl App {
    /// Every case of the filing that case `id` belongs to — the filing's own first, then its
    /// parts in the order its service lists them — or nothing for a case filed alone.
    pub async fn related_cases(
        &self,
        ente: EnteId,
        id: &str,
    ) -> Result<Vec<RelatedCase>, AppError> {
        let tenant = self.store.tenant(ente);
        let filing = tenant
            .filing_of(id)
            .await?
            .unwrap_or_else(|| id.to_string());
        let parts = tenant.parts_of(&filing).await?;
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(parts.len() + 1);
        let mut order = Vec::new();
        for (case, is_filing) in std::iter::once((filing.as_str(), true))
            .chain(parts.iter().map(|p| (p.id.as_str(), false)))
        {
            let ctx = self.case_context(ente, case).await?;
            if is_filing {
                order = ctx
                    .service
                    .definition
                    .parts
                    .iter()
                    .map(|p| p.service.clone())
                    .collect();
            }
            let term = self.term_status(
                ctx.service.definition.regime,
                &ctx.head.registered_at,
                ctx.state,
                &suspensions(&ctx.events),
                &ctx.calendar,
            );
            out.push(RelatedCase {
                id: case.to_string(),
                office: self
                    .catalogue()
                    .office_name(ente, &ctx.service.definition.scheda.office)
                    .await?,
                service_id: ctx.service.definition.id.clone(),
                service_title: ctx.service.definition.title.clone(),
                state: ctx.state,
                due: term.due,
                is_filing,
                on_filing: ctx.service.definition.regime == Regime::Immediate,
            });
        }
        out.sort_by_key(|c| (!c.is_filing, order.iter().position(|s| *s == c.service_id)));
        Ok(out)
    }
}

//! What the receipt, the office and the scheduled jobs all need to know of a case: the state to
//! show, the ente's calendar, the suspensions its events record, and the legal due date.

use sportello_domain::calendar::in_rome;
use sportello_domain::catalogue::Regime;
use sportello_domain::procedure::deadlines::{
    term, HolidayCalendar, Suspension, SuspensionKind, Term,
};
use sportello_domain::procedure::states::{CaseFacts, CaseState};
use sportello_domain::procedure::CaseEventKind;
use sportello_domain::tenancy::EnteId;
use sportello_store::{from_millis, CaseEventRow};
use time::format_description::well_known::Rfc3339;

use crate::{App, AppError};

/// The kinds of event that open or close a suspension of the term.
pub(crate) fn term_events() -> Vec<CaseEventKind> {
    CaseEventKind::ALL
        .iter()
        .copied()
        .filter(|k| k.suspends().is_some() || k.resumes())
        .collect()
}

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

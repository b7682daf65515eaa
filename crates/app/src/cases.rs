//! What the receipt and the office both need to know of a case: the state to show, the ente's
//! calendar, and the legal due date.

use sportello_domain::calendar::in_rome;
use sportello_domain::catalogue::Regime;
use sportello_domain::procedure::deadlines::{term, HolidayCalendar, Term};
use sportello_domain::procedure::states::CaseState;
use sportello_domain::tenancy::EnteId;
use time::format_description::well_known::Rfc3339;

use crate::{App, AppError};

/// The state to show: a withdrawn application is "ritirata" whatever its case said.
pub(crate) fn shown_state(status: &str, case_state: Option<&str>) -> CaseState {
    if status == "withdrawn" {
        CaseState::Ritirata
    } else {
        case_state
            .and_then(CaseState::from_code)
            .unwrap_or(CaseState::Protocollata)
    }
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

    /// The legal due date of a case registered at `registered_at` (RFC 3339), counted from its
    /// Italian date; `None` once concluded or for procedures with no term.
    pub(crate) fn due_date(
        &self,
        regime: Regime,
        registered_at: &str,
        state: CaseState,
        calendar: &HolidayCalendar,
    ) -> Option<time::Date> {
        let days = regime.term_days().filter(|_| !state.is_concluded())?;
        let start = in_rome(time::OffsetDateTime::parse(registered_at, &Rfc3339).ok()?).date();
        match term(start, days, &[], in_rome(self.now()).date(), calendar) {
            Term::Due(date) => Some(date),
            Term::Suspended { .. } => None,
        }
    }
}

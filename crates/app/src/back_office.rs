//! The office's view of its cases: the queue with due dates, and one case in full. Staff of the
//! case's own ente only; anyone else finds nothing.

use sportello_domain::calendar::in_rome;
use sportello_domain::identity::Role;
use sportello_domain::procedure::deadlines::HolidayCalendar;
use sportello_domain::procedure::states::CaseState;
use sportello_domain::tenancy::EnteId;
use sportello_store::{CaseEventRow, FileRow, QueueRow};

use crate::applications::OfferedService;
use crate::sessions::StaffPrincipal;
use crate::{App, AppError};

/// One line of the queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub id: String,
    pub number: String,
    pub registered_at: String,
    pub service_id: String,
    pub service_title: String,
    pub correspondent: String,
    pub state: CaseState,
    pub due: Option<time::Date>,
    /// Days left to the due date (negative: overdue).
    pub days_left: Option<i64>,
}

/// A case in full, for the office.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub item: QueueItem,
    pub service: OfferedService,
    pub values: sportello_domain::forms::Values,
    pub files: Vec<FileRow>,
    pub events: Vec<CaseEventRow>,
}

/// Roles that work on cases in the office.
fn works_cases(staff: &StaffPrincipal) -> bool {
    staff.roles.iter().any(|r| {
        matches!(
            r,
            Role::Operator | Role::ResponsibleOfficer | Role::EnteAdmin | Role::RegistryClerk
        )
    })
}

impl App {
    fn queue_item(
        &self,
        row: &QueueRow,
        service: Option<&OfferedService>,
        calendar: &HolidayCalendar,
    ) -> QueueItem {
        let state = crate::cases::shown_state(&row.status, row.case_state.as_deref());
        let today = in_rome(self.now()).date();
        let due = service
            .and_then(|s| self.due_date(s.definition.regime, &row.registered_at, state, calendar));
        QueueItem {
            id: row.id.clone(),
            number: format!(
                "{}/{}",
                sportello_domain::protocol::format_number(row.number),
                row.year
            ),
            registered_at: row.registered_at.clone(),
            service_id: row.service_id.clone(),
            service_title: service
                .map(|s| s.definition.title.clone())
                .unwrap_or_else(|| row.service_id.clone()),
            correspondent: row.correspondent.clone(),
            state,
            days_left: due.map(|d| (d - today).whole_days()),
            due,
        }
    }

    /// The ente's filed applications with their state and due date, for its own staff.
    pub async fn office_queue(
        &self,
        staff: &StaffPrincipal,
    ) -> Result<(EnteId, Vec<QueueItem>), AppError> {
        let ente = staff
            .ente
            .filter(|_| works_cases(staff))
            .ok_or(AppError::NotFound)?;
        let services = self.offered_services(ente).await?;
        let calendar = self.ente_calendar(ente).await?;
        let rows = self.store.tenant(ente).queue().await?;
        let items = rows
            .iter()
            .map(|r| {
                self.queue_item(
                    r,
                    services.iter().find(|s| s.definition.id == r.service_id),
                    &calendar,
                )
            })
            .collect();
        Ok((ente, items))
    }

    /// One case of the staff member's own ente; any other is not found.
    pub async fn office_case(
        &self,
        staff: &StaffPrincipal,
        id: &str,
    ) -> Result<CaseView, AppError> {
        let (ente, items) = self.office_queue(staff).await?;
        let item = items
            .into_iter()
            .find(|i| i.id == id)
            .ok_or(AppError::NotFound)?;
        let tenant = self.store.tenant(ente);
        let service = self.offered_service(ente, &item.service_id).await?;
        let row = tenant
            .queue()
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(AppError::NotFound)?;
        let values =
            serde_json::from_str(&row.data).map_err(|e| AppError::Internal(e.to_string()))?;
        tracing::info!(staff_id = staff.id, "case opened by the office");
        Ok(CaseView {
            files: tenant.files(id).await?,
            events: tenant.case_events(id).await?,
            item,
            service,
            values,
        })
    }
}

//! The office's view of its cases: the queue with due dates, and one case in full. Staff of the
//! case's own ente only; anyone else finds nothing.

use sportello_domain::calendar::in_rome;
use sportello_domain::procedure::deadlines::HolidayCalendar;
use sportello_domain::procedure::states::CaseState;
use sportello_domain::tenancy::EnteId;
use sportello_store::{
    CaseDocumentRow, CaseEventRow, CaseMessageRow, CaseNoteRow, FileRow, QueueRow,
};

mod actions;
mod documents;
mod facets;

pub use actions::{actor_of, ActPreview, OfficeAction};
pub(crate) use documents::{CaseContext, OutgoingDocument};
pub use facets::{FacetCounts, QueueFacets};
/// How the office's queue is filtered and counted in the database.
pub use sportello_store::{AssigneeFilter, QueueFacet, QueueFilter, QueueSearch, TermView};

use crate::applications::OfferedService;
use crate::capabilities::BackOffice;
use crate::sessions::StaffPrincipal;
use crate::{App, AppError, Refusal};

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
    pub assignee: Option<i64>,
    /// Days left when a suspended term resumes.
    pub suspended_days_left: Option<i64>,
    pub due: Option<time::Date>,
    /// Days left to the due date (negative: overdue).
    pub days_left: Option<i64>,
    /// The applicant has answered the office's last request and the office has not acted
    /// since (the last term event resumed the term).
    pub answered: bool,
}

/// A case in full, for the office.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub item: QueueItem,
    pub service: OfferedService,
    pub values: sportello_domain::forms::Values,
    pub files: Vec<FileRow>,
    pub events: Vec<CaseEventRow>,
    pub documents: Vec<CaseDocumentRow>,
    pub notes: Vec<CaseNoteRow>,
    pub messages: Vec<CaseMessageRow>,
    /// The office's case workers: (id, name).
    pub workers: Vec<(i64, String)>,
    pub actions: Vec<sportello_domain::procedure::states::Action>,
    /// Outbound registrations of the documents: document id → printed number.
    pub numbers: Vec<(String, String)>,
    /// The cases of the same filing (procedimento unico), this one among them; empty for a
    /// case filed alone.
    pub related: Vec<crate::cases::RelatedCase>,
}

/// Roles that work on cases in the office.
pub(crate) fn works_cases(staff: &StaffPrincipal) -> bool {
    sportello_domain::identity::may(
        &staff.roles,
        sportello_domain::identity::Permission::SeeCases,
    )
}

/// The ente whose cases `staff` works on (NotFound for anyone without case work or ente).
fn office_ente(staff: &StaffPrincipal) -> Result<EnteId, AppError> {
    staff
        .ente
        .filter(|_| works_cases(staff))
        .ok_or(AppError::NotFound)
}

impl App {
    /// `filter` with today's date in Rome, as the term views compare.
    fn today_in(&self, filter: &sportello_store::QueueFilter) -> sportello_store::QueueFilter {
        sportello_store::QueueFilter {
            today: i64::from(in_rome(self.now()).date().to_julian_day()),
            ..filter.clone()
        }
    }

    fn queue_item(
        &self,
        row: &QueueRow,
        service: Option<&OfferedService>,
        calendar: &HolidayCalendar,
        events: &[&CaseEventRow],
    ) -> QueueItem {
        let state = crate::cases::shown_state(row.status, row.case_state.as_deref());
        let today = in_rome(self.now()).date();
        let (due, suspended_days_left, answered) = if row.term_kept == 1 || state.is_concluded() {
            // The term kept on the row (migration 0053): no event read.
            let term = (!state.is_concluded())
                .then(|| crate::cases::kept_term_on(row, today))
                .flatten();
            match term {
                Some(sportello_domain::procedure::deadlines::Term::Due(d)) => {
                    (Some(d), None, row.term_answered == 1)
                }
                Some(sportello_domain::procedure::deadlines::Term::Suspended { days_left }) => {
                    (None, Some(days_left), row.term_answered == 1)
                }
                None => (None, None, !state.is_concluded() && row.term_answered == 1),
            }
        } else {
            // Not kept yet: from the case's events.
            let term = service.map(|s| {
                self.term_status(
                    s.definition.regime,
                    &row.registered_at,
                    state,
                    &crate::cases::suspensions(events.iter().copied()),
                    calendar,
                )
            });
            let answered = events
                .iter()
                .max_by_key(|e| e.at)
                .is_some_and(|e| e.kind.resumes());
            (
                term.and_then(|t| t.due),
                term.and_then(|t| t.suspended_days_left),
                answered,
            )
        };
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
            assignee: row.assignee,
            suspended_days_left,
            days_left: due.map(|d| (d - today).whole_days()),
            due,
            answered: !state.is_concluded() && answered,
        }
    }
}

impl BackOffice<'_> {
    /// Whether case `id` is in the office of `staff`'s ente and `staff` works on cases
    /// (NotFound otherwise): checked before an action's form is read.
    pub async fn in_office(&self, staff: &StaffPrincipal, id: &str) -> Result<(), AppError> {
        let ente = office_ente(staff)?;
        self.app
            .store
            .tenant(ente)
            .queue_row(id)
            .await?
            .map(|_| ())
            .ok_or(AppError::NotFound)
    }

    /// How many open cases `filter` (its term view aside) lets through, in all and in each
    /// view of their terms ([`sportello_store::TermView::ALL`], in that order): counted by the
    /// database over the open cases' own index, from the terms each case keeps on its row
    /// (migration 0053), so the cost follows the office's open cases, never its history, and
    /// no case's events are read.
    pub async fn office_open_view_counts(
        &self,
        staff: &StaffPrincipal,
        filter: &sportello_store::QueueFilter,
    ) -> Result<Vec<usize>, AppError> {
        let ente = office_ente(staff)?;
        let filter = self.app.today_in(filter);
        Ok(self
            .app
            .store
            .tenant(ente)
            .open_view_counts(&filter)
            .await?
            .into_iter()
            .map(|n| usize::try_from(n).unwrap_or(0))
            .collect())
    }

    /// A page of all the ente's filed applications (concluded ones too) that `filter` lets
    /// through, newest first, paged and filtered in the database.
    pub async fn office_queue_page(
        &self,
        staff: &StaffPrincipal,
        filter: &sportello_store::QueueFilter,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<QueueItem>, AppError> {
        let ente = office_ente(staff)?;
        let services = self.app.catalogue().offered_services(ente).await?;
        let calendar = self.app.ente_calendar(ente).await?;
        let tenant = self.app.store.tenant(ente);
        let to_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let filter = self.app.today_in(filter);
        let rows = tenant
            .queue_page(&filter, to_i64(offset), to_i64(limit))
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        // Each open case's term is kept on its row; the events are read only for an open case
        // whose row does not keep it yet (`term_kept` = 0), in one read for the page.
        let ids: Vec<&str> = rows
            .iter()
            .filter(|r| r.term_kept == 0)
            .map(|r| r.id.as_str())
            .collect();
        let events = if ids.is_empty() {
            std::collections::HashMap::new()
        } else {
            tenant.case_events_of(&ids).await?
        };
        for r in &rows {
            let mine: Vec<&CaseEventRow> = events
                .get(&r.id)
                .map(|v| v.iter().collect())
                .unwrap_or_default();
            items.push(self.app.queue_item(
                r,
                services.iter().find(|s| s.definition.id == r.service_id),
                &calendar,
                &mine,
            ));
        }
        Ok(items)
    }

    /// How many of the ente's filed applications `filter` lets through, by `facet`: exact
    /// without a search (the counts kept as cases move); with one, exact up to
    /// [`QUEUE_COUNT_CAP`] and `None` past it (there are more than that many; counting every
    /// case found would read as much of the ente's history).
    pub async fn office_queue_counts(
        &self,
        staff: &StaffPrincipal,
        filter: &sportello_store::QueueFilter,
        facet: sportello_store::QueueFacet,
    ) -> Result<Option<Vec<(String, usize)>>, AppError> {
        let ente = office_ente(staff)?;
        let cap = i64::try_from(QUEUE_COUNT_CAP).unwrap_or(i64::MAX);
        let filter = self.app.today_in(filter);
        let kept = self
            .app
            .store
            .tenant(ente)
            .queue_counts(&filter, facet, cap)
            .await?;
        let mut counts: Vec<(String, usize)> = kept
            .counts
            .into_iter()
            .map(|(k, n)| (k, usize::try_from(n).unwrap_or(0)))
            .collect();
        // In the values' byte order, as the counts tallied from a sample are: the database's
        // collation (PostgreSQL's may be a language's) would order some ids otherwise.
        counts.sort_by(|a, b| a.0.cmp(&b.0));
        let total = counts.iter().fold(0usize, |t, (_, n)| t.saturating_add(*n));
        Ok((kept.exact || total <= QUEUE_COUNT_CAP).then_some(counts))
    }

    /// One case of the staff member's own ente; any other is not found.
    pub async fn office_case(
        &self,
        staff: &StaffPrincipal,
        id: &str,
    ) -> Result<CaseView, AppError> {
        let ente = office_ente(staff)?;
        let tenant = self.app.store.tenant(ente);
        // This case alone (its row and its context, read once), never the whole queue.
        let row = tenant.queue_row(id).await?.ok_or(AppError::NotFound)?;
        let ctx = self.app.case_context(ente, id).await?;
        let item = self.app.queue_item(
            &row,
            Some(&ctx.service),
            &ctx.calendar,
            &ctx.events.iter().collect::<Vec<_>>(),
        );
        let values =
            serde_json::from_str(&row.data).map_err(|e| AppError::Internal(e.to_string()))?;
        tracing::info!(staff_id = staff.id, "case opened by the office");
        let documents = tenant.case_documents(id).await?;
        let mut numbers = Vec::new();
        for d in &documents {
            if let Some(r) = tenant.registration_by_id(d.registration_id).await? {
                numbers.push((
                    d.id.clone(),
                    format!(
                        "{}/{}",
                        sportello_domain::protocol::format_number(r.number),
                        r.year
                    ),
                ));
            }
        }
        Ok(CaseView {
            files: tenant.files(id).await?,
            notes: tenant.case_notes(id).await?,
            messages: tenant.case_messages(id).await?,
            workers: tenant.case_workers().await?,
            actions: self.app.actions_for(staff, &ctx),
            documents,
            numbers,
            related: self.app.related_cases(ente, id).await?,
            item,
            events: ctx.events,
            service: ctx.service,
            values,
        })
    }
}

impl BackOffice<'_> {
    /// A document of a case of the staff member's own ente: the row and the bytes.
    pub async fn office_document(
        &self,
        staff: &StaffPrincipal,
        id: &str,
        document_id: &str,
    ) -> Result<(CaseDocumentRow, Vec<u8>), AppError> {
        let ente = office_ente(staff)?;
        let doc = self
            .app
            .store
            .tenant(ente)
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
    /// The segnatura of an outbound document of a case of the staff member's own ente.
    pub async fn office_segnatura(
        &self,
        staff: &StaffPrincipal,
        id: &str,
        document_id: &str,
    ) -> Result<String, AppError> {
        let (doc, _) = self
            .app
            .back_office()
            .office_document(staff, id, document_id)
            .await?;
        let ente = staff.ente.ok_or(AppError::NotFound)?;
        self.app
            .store
            .tenant(ente)
            .segnatura(doc.registration_id)
            .await?
            .ok_or(AppError::NotFound)
    }
}

impl BackOffice<'_> {
    /// A file the applicant attached to a case of the staff member's own ente.
    pub async fn office_file(
        &self,
        staff: &StaffPrincipal,
        id: &str,
        field: &str,
    ) -> Result<(FileRow, Vec<u8>), AppError> {
        let ente = office_ente(staff)?;
        let tenant = self.app.store.tenant(ente);
        tenant.case_head(id).await?.ok_or(AppError::NotFound)?;
        let file = tenant
            .files(id)
            .await?
            .into_iter()
            .find(|f| f.field == field)
            .ok_or(AppError::NotFound)?;
        let bytes = self
            .app
            .blobs
            .get(&file.sha256)
            .await
            .map_err(|e| AppError::Internal(format!("blob store: {e}")))?;
        Ok((file, bytes))
    }
}

/// A service's filings in order of arrival, for the office (first come, first served).
#[derive(Debug, Clone)]
pub struct Ranking {
    pub service_id: String,
    pub service_title: String,
    pub quota: Option<u32>,
    pub rows: Vec<sportello_store::ArrivalRow>,
}

/// A line of a call's ranking as the office sees it: the application, its score.
#[derive(Debug, Clone)]
pub struct ScoredLine {
    pub position: usize,
    pub id: String,
    pub number: i64,
    pub year: i64,
    pub registered_at: String,
    pub correspondent: String,
    pub state: &'static str,
    pub score: sportello_domain::catalogue::Score,
}

/// A call's ranking now, and the rankings approved so far (the latest first).
#[derive(Debug, Clone)]
pub struct ScoredRanking {
    pub service_id: String,
    pub service_title: String,
    /// The criteria's labels, in the call's order.
    pub criteria: Vec<String>,
    pub lines: Vec<ScoredLine>,
    pub approved: Vec<PublishedRanking>,
}

/// A line of a published ranking: a registration and its points, never a name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublishedLine {
    pub position: usize,
    pub number: i64,
    pub year: i64,
    pub total: i64,
    pub parts: Vec<i64>,
}

/// A ranking as approved and published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedRanking {
    pub id: i64,
    pub approved_at: time::OffsetDateTime,
    pub approver_name: String,
    pub criteria: Vec<String>,
    pub lines: Vec<PublishedLine>,
}

impl PublishedRanking {
    fn from_row(row: &sportello_store::RankingRow) -> Result<Self, AppError> {
        let undecodable =
            |e: serde_json::Error| AppError::Internal(format!("ranking {}: {e}", row.id));
        Ok(Self {
            id: row.id,
            approved_at: crate::model::from_millis(row.approved_at),
            approver_name: row.approver_name.clone(),
            criteria: serde_json::from_str(&row.criteria).map_err(undecodable)?,
            lines: serde_json::from_str(&row.lines).map_err(undecodable)?,
        })
    }
}

impl BackOffice<'_> {
    /// A call's ranking as it stands: every application the call counts (not withdrawn nor
    /// rejected) scored by the call's criteria from its own data, in the call's order. Not
    /// found for a service without criteria.
    pub async fn scored_ranking(
        &self,
        staff: &StaffPrincipal,
        service_id: &str,
    ) -> Result<ScoredRanking, AppError> {
        let ente = office_ente(staff)?;
        self.app.scored_ranking_of(ente, service_id).await
    }

    /// The responsible officer approves the ranking as it stands, and so publishes it: kept as
    /// approved (criteria, positions, registrations, points), shown anonymised on the
    /// municipality's site. Returns its id.
    pub async fn approve_ranking(
        &self,
        staff: &StaffPrincipal,
        service_id: &str,
    ) -> Result<i64, AppError> {
        let ente = office_ente(staff)?;
        if !sportello_domain::identity::may(
            &staff.roles,
            sportello_domain::identity::Permission::ApproveRanking,
        ) {
            return Err(Refusal::RankingIsTheOfficers.into());
        }
        let ranking = self.app.scored_ranking_of(ente, service_id).await?;
        if ranking.lines.is_empty() {
            return Err(Refusal::NothingToRank.into());
        }
        let lines: Vec<PublishedLine> = ranking
            .lines
            .iter()
            .map(|l| PublishedLine {
                position: l.position,
                number: l.number,
                year: l.year,
                total: l.score.total,
                parts: l.score.parts.clone(),
            })
            .collect();
        let criteria = serde_json::to_string(&ranking.criteria)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let lines = serde_json::to_string(&lines).map_err(|e| AppError::Internal(e.to_string()))?;
        let id = self
            .app
            .store
            .tenant(ente)
            .insert_ranking(
                service_id,
                sportello_store::to_millis(self.app.now()),
                (staff.id, &staff.display_name),
                &criteria,
                &lines,
            )
            .await?;
        tracing::info!(
            ranking = id,
            service = service_id,
            "ranking approved and published"
        );
        Ok(id)
    }

    /// The services of the staff member's ente that rank filings by arrival.
    pub async fn ranked_services(
        &self,
        staff: &StaffPrincipal,
    ) -> Result<Vec<OfferedService>, AppError> {
        let ente = office_ente(staff)?;
        Ok(self
            .app
            .catalogue()
            .offered_services(ente)
            .await?
            .into_iter()
            .filter(|s| s.definition.window.is_some() || s.definition.ranking.is_some())
            .collect())
    }
    /// The ranking of `service_id`, from position `from`, at most 500 lines.
    pub async fn ranking(
        &self,
        staff: &StaffPrincipal,
        service_id: &str,
        from: i64,
    ) -> Result<Ranking, AppError> {
        let ente = office_ente(staff)?;
        let service = self
            .app
            .catalogue()
            .offered_service(ente, service_id)
            .await?;
        if service.definition.window.is_none() {
            return Err(AppError::NotFound);
        }
        let rows = self
            .app
            .store
            .tenant(ente)
            .arrivals(service_id, from.max(1), 500)
            .await?;
        Ok(Ranking {
            service_id: service.definition.id.clone(),
            service_title: service.definition.title.clone(),
            quota: service.overrides.quota,
            rows,
        })
    }
}

impl BackOffice<'_> {
    /// The operators and officers of the staff member's ente, for assigning cases.
    pub async fn office_workers(
        &self,
        staff: &StaffPrincipal,
    ) -> Result<Vec<(i64, String)>, AppError> {
        let ente = office_ente(staff)?;
        Ok(self.app.store.tenant(ente).case_workers().await?)
    }
}

/// The state of a case as shown, from its status and stored state.
pub fn state_label(
    status: sportello_domain::procedure::ApplicationStatus,
    case_state: Option<&str>,
) -> &'static str {
    crate::cases::shown_state(status, case_state).label()
}

/// How many cases the queue counts at most for a filter of every case (concluded ones too):
/// past this an office is told «more than 1,000», which is what it needs to narrow its search.
pub const QUEUE_COUNT_CAP: usize = 1_000;

impl App {
    /// A call's ranking as it stands, and the rankings approved so far.
    pub(crate) async fn scored_ranking_of(
        &self,
        ente: EnteId,
        service_id: &str,
    ) -> Result<ScoredRanking, AppError> {
        let service = self.catalogue().offered_service(ente, service_id).await?;
        let Some(rule) = service.definition.ranking.clone() else {
            return Err(AppError::NotFound);
        };
        let tenant = self.store.tenant(ente);
        let mut lines = Vec::new();
        for f in tenant.ranked_filings(service_id).await? {
            let values: sportello_domain::forms::Values = serde_json::from_str(&f.data)
                .map_err(|e| AppError::Internal(format!("application {}: {e}", f.id)))?;
            lines.push(ScoredLine {
                position: 0,
                score: rule.score(&values),
                state: crate::cases::shown_state(
                    sportello_domain::procedure::ApplicationStatus::Submitted,
                    f.case_state.as_deref(),
                )
                .label(),
                id: f.id,
                number: f.number,
                year: f.year,
                registered_at: f.registered_at,
                correspondent: f.correspondent,
            });
        }
        lines.sort_by(|a, b| {
            sportello_domain::catalogue::ranking::ranks_before(
                (&a.score, (a.year, a.number)),
                (&b.score, (b.year, b.number)),
            )
        });
        for (i, l) in lines.iter_mut().enumerate() {
            l.position = i + 1;
        }
        let approved = tenant
            .rankings_of(service_id)
            .await?
            .iter()
            .map(PublishedRanking::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ScoredRanking {
            service_id: service.definition.id.clone(),
            service_title: service.definition.title.clone(),
            criteria: rule.criteria.iter().map(|c| c.label.clone()).collect(),
            lines,
            approved,
        })
    }

    /// The latest ranking a municipality published for a service, for anyone to read: its
    /// lines name registrations and points, never people. None until one is approved.
    pub async fn published_ranking(
        &self,
        ente: EnteId,
        service_id: &str,
    ) -> Result<Option<(PublishedRanking, usize)>, AppError> {
        // The service must be one the ente offers.
        self.catalogue().offered_service(ente, service_id).await?;
        let rows = self.store.tenant(ente).rankings_of(service_id).await?;
        match rows.first() {
            Some(row) => Ok(Some((PublishedRanking::from_row(row)?, rows.len() - 1))),
            None => Ok(None),
        }
    }
}

//! The office's queue: its cases a page at a time, filtered and counted (open cases by their
//! legal terms, every case by the database).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::response::Response;
use sportello_app::back_office::{AssigneeFilter, QueueFacet, QueueFilter, QueueSearch, TermView};
use sportello_domain::procedure::states::CaseState;

use super::back_office::{line, Line};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render};
use crate::extract::Staff;

#[derive(Template)]
#[template(path = "office_queue.html")]
struct QueuePage {
    page: Page,
    lines: Vec<Line>,
    query: QueueQuery,
    /// (filter code, message key, count as shown)
    filters: Vec<(&'static str, &'static str, String)>,
    /// (code, label, count as shown: empty when not counted)
    states: Vec<(String, String, String)>,
    services: Vec<(String, String, String)>,
    assignees: Vec<(String, String, String)>,
    /// The ente's offices: (code, name).
    offices: Vec<(String, String)>,
    /// Services ranked by arrival: (id, title).
    rankings: Vec<(String, String)>,
    /// This page's number (from 1), how many pages, how many lines in all.
    page_no: usize,
    pages: usize,
    /// `pages` and `total` as numbers are written («1.001»).
    pages_shown: String,
    total_shown: String,
    /// Whether `pages` and `total` are known (a filter of every case past the count's cap is
    /// paged forward without them).
    counted: bool,
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct QueueQuery {
    #[serde(default)]
    filtro: String,
    #[serde(default)]
    stato: String,
    #[serde(default)]
    servizio: String,
    #[serde(default)]
    assegnatario: String,
    /// Only the cases of this office's services (its code).
    #[serde(default)]
    ufficio: String,
    #[serde(default)]
    pagina: usize,
    /// A registration number, or part of the applicant's name or codice fiscale.
    #[serde(default)]
    cerca: String,
}

/// The view of the open cases' terms a `filtro` names (none for every open case).
pub(crate) fn term_view(filter: &str) -> Option<TermView> {
    match filter {
        "nuove" => Some(TermView::New),
        "attesa" => Some(TermView::Awaiting),
        "risposte" => Some(TermView::Answered),
        "in_scadenza" => Some(TermView::DueSoon),
        "scadute" => Some(TermView::Overdue),
        _ => None,
    }
}

/// The queue's views of open cases: (code, message key), as the desk and the queue list them.
pub(crate) const OPEN_VIEWS: [(&str, &str); 6] = [
    ("aperte", "office.filter_open"),
    ("nuove", "office.filter_new"),
    ("attesa", "office.filter_awaiting"),
    ("risposte", "office.filter_answered"),
    ("in_scadenza", "office.filter_soon"),
    ("scadute", "office.filter_overdue"),
];

/// Lines on one page of the queue.
pub const QUEUE_PAGE: usize = 50;

pub async fn queue(
    ctx: Ctx,
    Staff { staff, .. }: Staff,
    query: Result<Query<QueueQuery>, QueryRejection>,
) -> Response {
    let mut query = query.map(|Query(q)| q).unwrap_or_default();
    if query.filtro != "tutte" && !OPEN_VIEWS.iter().any(|(c, _)| *c == query.filtro) {
        query.filtro = "aperte".into();
    }
    let search = QueueSearch::parse(&query.cerca);
    query.cerca = query.cerca.chars().take(100).collect();
    let page_no = query.pagina.max(1);
    let offset = (page_no - 1).saturating_mul(QUEUE_PAGE);
    let office = ctx.state.app.back_office();
    let Some(ente) = staff.ente else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    // The services the ente offers (their titles, and which office handles each): an office's
    // cases are those of its services (a filing's part is its own service's, at its office).
    let titles = match ctx.state.app.catalogue().offered_services(ente).await {
        Ok(s) => s,
        Err(e) => return page_for(&ctx, e),
    };
    let offices: Vec<(String, String)> = match ctx.state.app.catalogue().offices(ente).await {
        Ok(o) => o.into_iter().map(|o| (o.code, o.name)).collect(),
        Err(e) => return page_for(&ctx, e),
    };
    if !offices.iter().any(|(code, _)| *code == query.ufficio) {
        query.ufficio.clear();
    }
    let office_services: Option<Vec<String>> = (!query.ufficio.is_empty()).then(|| {
        titles
            .iter()
            .filter(|s| s.definition.scheda.office == query.ufficio)
            .map(|s| s.definition.id.clone())
            .collect()
    });
    // The view: every case, or the open ones in a view of their terms (kept on each case's
    // row, migration 0053).
    let every = query.filtro == "tutte";
    let view = term_view(&query.filtro);
    // The same filters, for the database; `with_view` false leaves the view of terms out (the
    // open views' own counts). Each facet's counts leave its own filter out
    // (`office_queue_facets`).
    let sql_filter = |with_view: bool| QueueFilter {
        open_only: !every && with_view,
        term: view.filter(|_| with_view),
        today: 0,
        search: search.clone(),
        state: (!query.stato.is_empty()).then(|| query.stato.clone()),
        service: (!query.servizio.is_empty()).then(|| query.servizio.clone()),
        services: office_services.clone(),
        assignee: match query.assegnatario.as_str() {
            "" => AssigneeFilter::Anyone,
            "io" => AssigneeFilter::Person(staff.id),
            "nessuno" => AssigneeFilter::Nobody,
            id => AssigneeFilter::Person(id.parse().unwrap_or(-1)),
        },
    };
    // Counted up to the cap: past it, «more than 1,000» (see `QUEUE_COUNT_CAP`). The facets
    // of the page's own filter, with every case's total among them when every case is listed
    // (then read from the same sample of a search's cases); every case's total otherwise; the
    // open views' counts, with the other filters applied (one pass over the open cases); the
    // page itself, one line more than a page to know whether another follows when uncounted.
    // None waits for another: they are asked at once, each on a connection of its own, so
    // that the page costs the slowest of them rather than their sum.
    let (page_filter, open_filter) = (sql_filter(true), sql_filter(false));
    let every_filter = QueueFilter {
        open_only: false,
        term: None,
        ..sql_filter(false)
    };
    let every_total = async {
        if every {
            return Ok(None);
        }
        office
            .office_queue_counts(&staff, &every_filter, QueueFacet::State)
            .await
            .map(|c| c.map(|c| c.iter().map(|(_, n)| n).sum::<usize>()))
    };
    let found = tokio::try_join!(
        office.office_workers(&staff),
        office.office_queue_facets(&staff, &page_filter),
        every_total,
        office.office_open_view_counts(&staff, &open_filter),
        office.office_queue_page(&staff, &page_filter, offset, QUEUE_PAGE + 1),
        office.ranked_services(&staff),
    );
    let (workers, facets, every_total, view_counts, listed, rankings) = match found {
        Ok(found) => found,
        Err(e) => return page_for(&ctx, e),
    };
    let all_count: Option<usize> = if every { facets.all } else { every_total };
    let more_than = super::services::fill(
        ctx.t("office.more_than"),
        &[&crate::refusals::thousands(
            ctx.lang(),
            i64::try_from(sportello_app::back_office::QUEUE_COUNT_CAP).unwrap_or(i64::MAX),
        )],
    );
    // Counts as Italian (or English) numbers: «1.001».
    let lang = ctx.lang();
    let number =
        move |n: usize| crate::refusals::thousands(lang, i64::try_from(n).unwrap_or(i64::MAX));
    let shown = |n: Option<usize>| n.map_or_else(|| more_than.clone(), number);
    let mut filters: Vec<(&'static str, &'static str, String)> = OPEN_VIEWS
        .iter()
        .zip(&view_counts)
        .map(|((code, key), n)| (*code, *key, number(*n)))
        .collect();
    filters.push(("tutte", "office.filter_all", shown(all_count)));
    let whose = |key: &str| -> String {
        match key {
            "io" => ctx.t("office.mine").to_string(),
            "nessuno" => ctx.t("office.unassigned").to_string(),
            id => workers
                .iter()
                .find(|(w, _)| w.to_string() == id)
                .map(|(_, name)| name.clone())
                .unwrap_or_else(|| id.to_string()),
        }
    };
    let (lines, total, states, services, assignee_count) = {
        // Every case, concluded ones too, or the open ones of a view: listed, paged and counted
        // by the database. One line more than a page is read, to know whether another page
        // follows when uncounted.
        let mut lines = listed.iter().map(|i| line(&ctx, i)).collect::<Vec<_>>();
        let more = lines.len() > QUEUE_PAGE;
        lines.truncate(QUEUE_PAGE);
        let sportello_app::back_office::QueueFacets {
            states,
            services,
            assignees,
            ..
        } = facets;
        // Counted: the values found, with their counts. Past the cap: every value the facet
        // can take, without counts.
        let state_label = |code: &str| {
            CaseState::from_code(code)
                .map(|s| ctx.state(s).to_string())
                .unwrap_or_else(|| code.to_string())
        };
        let states = match states {
            Some(counted) => counted
                .into_iter()
                .map(|(code, n)| (code.clone(), state_label(&code), number(n)))
                .collect(),
            None => CaseState::ALL
                .iter()
                .filter(|s| **s != CaseState::Bozza)
                .map(|s| {
                    (
                        s.code().to_string(),
                        ctx.state(*s).to_string(),
                        String::new(),
                    )
                })
                .collect(),
        };
        let title = |id: &str| {
            titles
                .iter()
                .find(|s| s.definition.id == id)
                .map(|s| s.definition.title.clone())
                .unwrap_or_else(|| id.to_string())
        };
        let services = match services {
            Some(counted) => counted
                .into_iter()
                .map(|(id, n)| (id.clone(), title(&id), number(n)))
                .collect(),
            None => titles
                .iter()
                .map(|s| {
                    (
                        s.definition.id.clone(),
                        s.definition.title.clone(),
                        String::new(),
                    )
                })
                .collect(),
        };
        let assignee_count = move |key: &str| -> String {
            let wanted = match key {
                "io" => staff.id.to_string(),
                "nessuno" => String::new(),
                id => id.to_string(),
            };
            match &assignees {
                Some(counted) => number(
                    counted
                        .iter()
                        .find(|(k, _)| *k == wanted)
                        .map_or(0, |(_, n)| *n),
                ),
                None => String::new(),
            }
        };
        // The open views are counted exactly; every case up to the cap. Uncounted: this page
        // and, if one more line was found, the next.
        let counted_total = if every {
            all_count
        } else {
            OPEN_VIEWS
                .iter()
                .position(|(code, _)| *code == query.filtro)
                .and_then(|i| view_counts.get(i).copied())
        };
        let total = counted_total.unwrap_or_else(|| {
            offset
                .saturating_add(lines.len())
                .saturating_add(usize::from(more))
        });
        (
            lines,
            (total, counted_total.is_some()),
            states,
            services,
            Box::new(assignee_count) as Box<dyn Fn(&str) -> String + Send + Sync>,
        )
    };
    let (total, counted) = total;
    let mut keys = vec!["io".to_string(), "nessuno".to_string()];
    keys.extend(workers.iter().map(|(id, _)| id.to_string()));
    let assignees = keys
        .into_iter()
        .map(|k| {
            let n = assignee_count(&k);
            let label = whose(&k);
            (k, label, n)
        })
        .collect();
    let rankings = rankings
        .into_iter()
        .map(|s| (s.definition.id, s.definition.title))
        .collect();
    let pages = total.div_ceil(QUEUE_PAGE).max(1);
    render(&QueuePage {
        rankings,
        page: ctx.page(ctx.t("office.title")),
        lines,
        filters,
        states,
        services,
        assignees,
        offices,
        page_no,
        pages,
        pages_shown: number(pages),
        total_shown: number(total),
        counted,
        query,
    })
}

//! The office's desk: the queue of cases with filters and counts, and one case in full.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::back_office::{CaseView, QueueItem};

use super::services::{it_date, it_minutes, rome_time};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render};

fn date(d: Option<time::Date>) -> String {
    d.map(it_date).unwrap_or_else(|| "—".into())
}

pub struct Line {
    pub id: String,
    pub number: String,
    pub registered: String,
    pub service: String,
    pub correspondent: String,
    pub state: &'static str,
    pub due: String,
    pub days_left: String,
    pub overdue: bool,
}

fn line(i: &QueueItem) -> Line {
    Line {
        id: i.id.clone(),
        number: i.number.clone(),
        registered: rome_time(&i.registered_at),
        service: i.service_title.clone(),
        correspondent: i.correspondent.clone(),
        state: i.state.label(),
        due: date(i.due),
        days_left: i
            .days_left
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into()),
        overdue: i.days_left.is_some_and(|d| d < 0),
    }
}

#[derive(Template)]
#[template(path = "office_queue.html")]
struct QueuePage {
    page: Page,
    lines: Vec<Line>,
    filter: String,
    /// (filter code, message key, count)
    filters: Vec<(&'static str, &'static str, usize)>,
}

#[derive(serde::Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    filtro: String,
}

pub async fn queue(ctx: Ctx, query: Result<Query<QueueQuery>, QueryRejection>) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let Some(staff) = ctx.staff().cloned() else {
        return Redirect::to("/staff/accedi").into_response();
    };
    let (_, items) = match ctx.state.app.office_queue(&staff).await {
        Ok(x) => x,
        Err(e) => return page_for(&ctx, e),
    };
    let open = |i: &&QueueItem| !i.state.is_concluded();
    let overdue = |i: &&QueueItem| i.days_left.is_some_and(|d| d < 0);
    let soon = |i: &&QueueItem| i.days_left.is_some_and(|d| (0..=5).contains(&d));
    let filters = vec![
        (
            "aperte",
            "office.filter_open",
            items.iter().filter(open).count(),
        ),
        (
            "scadute",
            "office.filter_overdue",
            items.iter().filter(overdue).count(),
        ),
        (
            "in_scadenza",
            "office.filter_soon",
            items.iter().filter(soon).count(),
        ),
        ("tutte", "office.filter_all", items.len()),
    ];
    let filter = if filters.iter().any(|f| f.0 == query.filtro) {
        query.filtro
    } else {
        "aperte".to_string()
    };
    let lines = items
        .iter()
        .filter(|i| match filter.as_str() {
            "scadute" => overdue(i),
            "in_scadenza" => soon(i),
            "tutte" => true,
            _ => open(i),
        })
        .map(line)
        .collect();
    render(&QueuePage {
        page: ctx.page(ctx.t("office.title")),
        lines,
        filter,
        filters,
    })
}

#[derive(Template)]
#[template(path = "office_case.html")]
struct CasePage {
    page: Page,
    line: Line,
    fields: Vec<(String, String)>,
    files: Vec<(String, String)>,
    events: Vec<(String, String, String)>,
}

pub async fn case(ctx: Ctx, Path(id): Path<String>) -> Response {
    let Some(staff) = ctx.staff().cloned() else {
        return Redirect::to("/staff/accedi").into_response();
    };
    let view: CaseView = match ctx.state.app.office_case(&staff, &id).await {
        Ok(v) => v,
        Err(e) => return page_for(&ctx, e),
    };
    let form = &view.service.definition.form;
    render(&CasePage {
        page: ctx.page(format!("{} {}", ctx.t("office.case"), view.item.number)),
        line: line(&view.item),
        fields: form
            .fields()
            .filter_map(|f| view.values.get(&f.id).map(|v| (f.label.clone(), v.clone())))
            .collect(),
        files: view
            .files
            .iter()
            .map(|f| (f.file_name.clone(), f.sha256.clone()))
            .collect(),
        events: view
            .events
            .iter()
            .map(|e| {
                (
                    it_minutes(sportello_app::store::from_millis(e.at)),
                    e.kind.clone(),
                    e.actor.clone(),
                )
            })
            .collect(),
    })
}

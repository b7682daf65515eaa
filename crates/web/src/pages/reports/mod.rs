//! Reports (segnalazioni, issue 20). The public side of each ente (`/{ente}/segnalazioni`: the
//! list with its filters, a report's timeline, the form — an address is enough, no map and no
//! JavaScript needed —, supports, the reporter's «è stato risolto?», the districts' view) and
//! the office's desk (`/staff/segnalazioni`: the queue, a report with its actions, and the
//! administrator's setup of categories, districts and Open311 keys).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::reports::{
    CheckedReport, ListFilter, ReportInput, ReportOrder, ReportPhoto, ReportProblem, ReportView,
    TimelineEvent, Viewer,
};
use sportello_domain::reports::{PlaceError, ReportEventKind, ReportState, TextError};

use super::ente_pages::field;
use super::services::{ente_or_404, fill, it_date, it_minutes};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render, render_status};
use crate::extract::{
    Administers, Anyone, CitizenHere, CsrfFields, CsrfMultipart, EnteStaff, HandlesReports,
    ReportOffice, Staff,
};

mod map;
mod office;
pub use office::{
    desk, issue_key, office_act, office_report, revoke_key, save_category, save_district, setup,
};

/// How many reports a page lists.
const PAGE: i64 = 20;

/// A report as the pages show it.
pub struct ReportCard {
    pub code: String,
    /// `2026/12`, for the report's address.
    pub path: String,
    pub subject: String,
    pub description: String,
    pub category: String,
    pub state_code: &'static str,
    pub state: String,
    pub open: bool,
    pub place: String,
    pub point: Option<(String, String)>,
    pub district: String,
    pub office: String,
    pub filed: String,
    pub due: String,
    pub overdue: bool,
    pub supports: i64,
    /// Open again after its reporter said it was not solved.
    pub reopened: bool,
    pub by: String,
    pub protocol: String,
    /// The signed-in resident filed it (set where it matters: reports nearby).
    pub mine: bool,
}

fn card(ctx: &Ctx, v: &ReportView) -> ReportCard {
    let place = v
        .place
        .address
        .as_ref()
        .map(|a| a.text())
        .unwrap_or_else(|| ctx.t("reports.point_only").to_string());
    ReportCard {
        code: v.code.clone(),
        path: format!("{}/{}", v.row.year, v.row.number),
        subject: v.row.subject.clone(),
        description: v.row.description.clone(),
        category: category_label(ctx, v.category),
        state_code: v.state.code(),
        state: state_label(ctx, v.state).to_string(),
        open: v.state.is_open(),
        place,
        point: v.place.point.map(|p| (p.lat_text(), p.lon_text())),
        district: v.district.clone().unwrap_or_default(),
        office: v.office.clone().unwrap_or_default(),
        filed: it_minutes(sportello_app::model::from_millis(v.row.created_at)),
        due: v.due.map(it_date).unwrap_or_default(),
        overdue: v.overdue,
        supports: v.row.supports,
        reopened: v.row.reopenings > 0 && v.state.is_open(),
        by: v
            .public_name
            .clone()
            .unwrap_or_else(|| ctx.t("reports.anonymous_reporter").to_string()),
        protocol: v.row.protocol_ref.clone().unwrap_or_default(),
        mine: ctx
            .citizen()
            .is_some_and(|c| v.row.reporter_fiscal_code.as_deref() == Some(c.fiscal_code.as_str())),
    }
}

fn category_label(ctx: &Ctx, c: &sportello_domain::reports::Category) -> String {
    match ctx.lang() {
        crate::Lang::It => c.label_it.to_string(),
        crate::Lang::En => c.label_en.to_string(),
    }
}

fn state_label(ctx: &Ctx, s: ReportState) -> &'static str {
    match ctx.lang() {
        crate::Lang::It => s.label_it(),
        crate::Lang::En => s.label_en(),
    }
}

pub struct EventCard {
    pub what: String,
    pub text: String,
    pub when: String,
    pub staff: String,
}

fn event_card(ctx: &Ctx, e: &TimelineEvent) -> EventCard {
    EventCard {
        what: match ctx.lang() {
            crate::Lang::It => e.kind.label_it(),
            crate::Lang::En => e.kind.label_en(),
        }
        .to_string(),
        text: e.text.clone(),
        when: it_minutes(e.at),
        staff: e.staff.clone().unwrap_or_default(),
    }
}

/// The words for a report's refusal, and the form field it is about.
pub fn problem_words(ctx: &Ctx, p: &ReportProblem) -> (&'static str, String) {
    let t = |k: &str| ctx.t(k).to_string();
    match p {
        ReportProblem::Category => ("categoria", t("reports.problem.category")),
        ReportProblem::Text(e) => match e {
            TextError::SubjectMissing => ("oggetto", t("reports.problem.subject_missing")),
            TextError::SubjectTooLong => ("oggetto", t("reports.problem.subject_long")),
            TextError::DescriptionMissing => {
                ("descrizione", t("reports.problem.description_missing"))
            }
            TextError::DescriptionTooLong => ("descrizione", t("reports.problem.description_long")),
        },
        ReportProblem::Place(e) => match e {
            PlaceError::Nowhere => ("via", t("reports.problem.nowhere")),
            PlaceError::BadCoordinate(c) => (
                "lat",
                fill(ctx.t("reports.problem.coordinate"), &[c.as_str()]),
            ),
            PlaceError::BadLongitude(c) => (
                "lon",
                fill(ctx.t("reports.problem.longitude"), &[c.as_str()]),
            ),
            PlaceError::HalfPoint => ("lat", t("reports.problem.half_point")),
            PlaceError::OutsideItaly => ("lat", t("reports.problem.outside")),
            PlaceError::OutsideTerritory => ("lat", t("reports.problem.outside_territory")),
            PlaceError::StreetMissing => ("via", t("reports.problem.street_missing")),
            PlaceError::BadHouseNumber(n) => (
                "civico",
                fill(ctx.t("reports.problem.house_number"), &[n.as_str()]),
            ),
            PlaceError::UnknownStreet { street, close } => {
                let mut s = fill(ctx.t("reports.problem.unknown_street"), &[street.as_str()]);
                if !close.is_empty() {
                    s.push(' ');
                    s.push_str(&fill(ctx.t("reports.problem.maybe"), &[&close.join(", ")]));
                }
                ("via", s)
            }
        },
        ReportProblem::Email => ("email", crate::refusals::report_message(ctx.lang(), p)),
        ReportProblem::Name => ("nome", crate::refusals::report_message(ctx.lang(), p)),
        ReportProblem::Photo(n, _) => (
            match n {
                1 => "foto1",
                2 => "foto2",
                _ => "foto3",
            },
            crate::refusals::report_message(ctx.lang(), p),
        ),
        other => ("", crate::refusals::report_message(ctx.lang(), other)),
    }
}

// ---------------------------------------------------------------------------------------------
// The public list.

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    stato: String,
    #[serde(default)]
    categoria: String,
    #[serde(default)]
    quartiere: String,
    /// The order: `recenti` (the default), `scadenza` (the nearest term first) or `sostegni`
    /// (the most supported first).
    #[serde(default)]
    ordina: String,
    /// Where the page starts (a cursor of the order's).
    #[serde(default)]
    dopo: String,
}

/// The orders a list offers, by the code its «ordina» sends.
const ORDERS: [(&str, ReportOrder, &str); 3] = [
    ("recenti", ReportOrder::Newest, "reports.order_newest"),
    ("scadenza", ReportOrder::Due, "reports.order_due"),
    ("sostegni", ReportOrder::Supports, "reports.order_supports"),
];

fn orders(ctx: &Ctx) -> Vec<(&'static str, String)> {
    ORDERS
        .iter()
        .map(|(code, _, key)| (*code, ctx.t(key).to_string()))
        .collect()
}

#[derive(Template)]
#[template(path = "reports_list.html")]
struct ListPage {
    page: Page,
    /// Where a report's page is, before its `year/number`.
    href_base: String,
    slug: String,
    ente: String,
    reports: Vec<ReportCard>,
    categories: Vec<(String, String)>,
    districts: Vec<(i64, String)>,
    stato: String,
    categoria: String,
    quartiere: String,
    ordina: String,
    orders: Vec<(&'static str, String)>,
    next: Option<String>,
    states: Vec<(&'static str, String)>,
    map: Option<map::ReportsMap>,
}

fn filter_of(q: &ListQuery) -> ListFilter {
    let (status, state) = match q.stato.trim() {
        "" => (String::new(), None),
        "aperte" => ("open".to_string(), None),
        "concluse" => ("closed".to_string(), None),
        // A state's code, or something unknown (which lists nothing).
        other => (String::new(), Some(other.to_string())),
    };
    ListFilter {
        status,
        state,
        category: q.categoria.clone(),
        district: q.quartiere.trim().parse().ok(),
        order: ORDERS
            .iter()
            .find(|(code, _, _)| *code == q.ordina.trim())
            .map_or(ReportOrder::Newest, |(_, order, _)| *order),
        after: Some(q.dopo.trim().to_string()).filter(|c| !c.is_empty()),
        limit: PAGE,
        ..Default::default()
    }
}

fn states(ctx: &Ctx) -> Vec<(&'static str, String)> {
    // The groups have names of their own: «closed» is a state's code (closed without action),
    // never «resolved or closed».
    let mut out = vec![
        ("aperte", ctx.t("reports.filter_open").to_string()),
        ("concluse", ctx.t("reports.filter_closed").to_string()),
    ];
    out.extend(
        ReportState::ALL
            .iter()
            .map(|s| (s.code(), state_label(ctx, *s).to_string())),
    );
    out
}

fn next_link(base: &str, q: &ListQuery, next: Option<String>) -> Option<String> {
    let next = next?;
    let mut link = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("stato", &q.stato),
        ("categoria", &q.categoria),
        ("quartiere", &q.quartiere),
        ("ordina", &q.ordina),
    ] {
        if !v.trim().is_empty() {
            link.append_pair(k, v.trim());
        }
    }
    link.append_pair("dopo", &next);
    Some(format!("{base}?{}", link.finish()))
}

pub async fn list(
    ctx: Ctx,
    Path(slug): Path<String>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let reports = ctx.state.app.reports();
    let page = match reports.list(ente.ente_id(), &filter_of(&q)).await {
        Ok(p) => p,
        Err(e) => return page_for(&ctx, e),
    };
    let (categories, districts) = match (
        reports.categories_in_use(ente.ente_id()).await,
        reports.districts(ente.ente_id()).await,
    ) {
        (Ok(c), Ok(d)) => (c, d),
        (Err(e), _) | (_, Err(e)) => return page_for(&ctx, e),
    };
    let map = map::of(&ctx, &districts, &page.reports);
    render(&ListPage {
        map,
        page: ctx.page_for_ente(ctx.t("reports.title"), &ente.name, &ente.slug),
        next: next_link(&format!("/{}/segnalazioni", ente.slug), &q, page.next),
        href_base: format!("/{}/segnalazioni", ente.slug),
        slug: ente.slug,
        ente: ente.name,
        reports: page.reports.iter().map(|r| card(&ctx, r)).collect(),
        categories: categories
            .iter()
            .map(|c| {
                (
                    c.category.code.to_string(),
                    category_label(&ctx, c.category),
                )
            })
            .collect(),
        districts: districts.into_iter().map(|d| (d.id, d.name)).collect(),
        stato: q.stato,
        categoria: q.categoria,
        quartiere: q.quartiere,
        ordina: q.ordina,
        orders: orders(&ctx),
        states: states(&ctx),
    })
}

// ---------------------------------------------------------------------------------------------
// The form.

#[derive(Template)]
#[template(path = "reports_new.html")]
struct NewPage {
    page: Page,
    slug: String,
    ente: String,
    signed_in: bool,
    categories: Vec<(String, String, String, u32)>,
    values: ReportInput,
    problems: Vec<(&'static str, String)>,
    /// Open reports near the place, offered before filing a new one.
    nearby: Vec<ReportCard>,
    streets: Vec<String>,
    /// Photos were sent with the form shown again: they must be chosen again (a browser
    /// cannot be given a file back).
    photos_dropped: bool,
    /// (field, its text's field) of the three photos, and the texts typed.
    photos: Vec<(String, String, String)>,
    /// Someone not signed in: the e-mail and name typed.
    email: String,
    name: String,
}

impl NewPage {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn input_of(fields: &[(String, String)]) -> ReportInput {
    ReportInput {
        category: field(fields, "categoria"),
        subject: field(fields, "oggetto"),
        description: field(fields, "descrizione"),
        street: field(fields, "via"),
        house_number: field(fields, "civico"),
        lat: field(fields, "lat"),
        lon: field(fields, "lon"),
        anonymous: field(fields, "anonima") == "1",
    }
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    categoria: String,
}

#[allow(clippy::too_many_arguments)] // the page's parts, each shown again as it was sent
async fn new_page(
    ctx: &Ctx,
    slug: &str,
    values: ReportInput,
    problems: Vec<(&'static str, String)>,
    nearby: Vec<ReportCard>,
    photo_texts: [String; 3],
    photos_dropped: bool,
    unsigned: (String, String),
) -> Response {
    let ente = match ente_or_404(ctx, slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let reports = ctx.state.app.reports();
    let (categories, streets) = match (
        reports.categories_in_use(ente.ente_id()).await,
        reports.streets(ente.ente_id()).await,
    ) {
        (Ok(c), Ok(s)) => (c, s),
        (Err(e), _) | (_, Err(e)) => return page_for(ctx, e),
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &NewPage {
            page: ctx.page_for_ente(ctx.t("reports.new_title"), &ente.name, &ente.slug),
            slug: ente.slug,
            ente: ente.name,
            signed_in: ctx.citizen().is_some(),
            categories: categories
                .iter()
                .map(|c| {
                    (
                        c.category.code.to_string(),
                        category_label(ctx, c.category),
                        match ctx.lang() {
                            crate::Lang::It => c.category.about_it,
                            crate::Lang::En => c.category.about_en,
                        }
                        .to_string(),
                        c.term_days,
                    )
                })
                .collect(),
            values,
            problems,
            nearby,
            streets: streets.into_iter().map(|(_, s)| s).collect(),
            photos_dropped,
            email: unsigned.0,
            name: unsigned.1,
            photos: (1..=3)
                .zip(photo_texts)
                .map(|(i, text)| (format!("foto{i}"), format!("foto{i}_testo"), text))
                .collect(),
        },
    )
}

pub async fn new_form(
    ctx: Ctx,
    Path(slug): Path<String>,
    query: Result<Query<NewQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let values = ReportInput {
        category: q.categoria,
        ..Default::default()
    };
    new_page(
        &ctx,
        &slug,
        values,
        Vec::new(),
        Vec::new(),
        Default::default(),
        false,
        Default::default(),
    )
    .await
}

/// The resident sends the report: checked (every problem said at once, nothing typed lost);
/// if open reports of the same kind are near, they are shown first and the resident chooses
/// to support one or to send theirs anyway.
pub async fn create(
    ctx: Ctx,
    Path(slug): Path<String>,
    CsrfMultipart(CitizenHere(who), mut posted): CsrfMultipart<CitizenHere, 16>,
) -> Response {
    let photos: Vec<(sportello_app::blobs::Upload, String)> = (1..=3)
        .filter_map(|i| {
            posted
                .take_file(&format!("foto{i}"))
                .map(|(_, upload)| (upload, posted.get(&format!("foto{i}_testo"))))
        })
        .collect();
    let photo_texts = [1, 2, 3].map(|i| posted.get(&format!("foto{i}_testo")));
    let fields: Vec<(String, String)> = posted.fields.into_iter().collect();
    let values = input_of(&fields);
    let anyway = field(&fields, "invia_comunque") == "1";
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let reports = ctx.state.app.reports();
    let checked: CheckedReport = match reports.check(ente.ente_id(), &values, &photos).await {
        Ok(Ok(c)) => c,
        Ok(Err(problems)) => {
            let problems = problems.iter().map(|p| problem_words(&ctx, p)).collect();
            let dropped = !photos.is_empty();
            return new_page(
                &ctx,
                &slug,
                values,
                problems,
                Vec::new(),
                photo_texts,
                dropped,
                Default::default(),
            )
            .await;
        }
        Err(e) => return page_for(&ctx, e),
    };
    if !anyway {
        match reports.nearby(ente.ente_id(), &checked).await {
            Ok(near) if !near.is_empty() => {
                let near = near.iter().map(|r| card(&ctx, r)).collect();
                let dropped = !photos.is_empty();
                return new_page(
                    &ctx,
                    &slug,
                    values,
                    Vec::new(),
                    near,
                    photo_texts,
                    dropped,
                    Default::default(),
                )
                .await;
            }
            Ok(_) => {}
            Err(e) => return page_for(&ctx, e),
        }
    }
    match reports
        .file(
            ente.ente_id(),
            sportello_app::reports::Reporter::Citizen(&who),
            &checked,
        )
        .await
    {
        Ok(v) => Redirect::to(&format!(
            "/{}/segnalazioni/{}/{}?inviata=1",
            ente.slug, v.row.year, v.row.number
        ))
        .into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

/// Someone who did not sign in sends a report: checked as any, kept aside, and a link sent to
/// their e-mail; it is filed when they confirm. So many a minute from one client address, and
/// three a day from one e-mail address.
pub async fn create_unsigned(
    ctx: Ctx,
    Path(slug): Path<String>,
    CsrfMultipart(Anyone, mut posted): CsrfMultipart<Anyone, 16>,
) -> Response {
    if let Some(addr) = ctx.req.client {
        if let Err(wait) = ctx
            .state
            .reports_throttle
            .attempt(addr, std::time::Instant::now())
        {
            return crate::errors::too_many(&ctx, wait);
        }
    }
    let photos: Vec<(sportello_app::blobs::Upload, String)> = (1..=3)
        .filter_map(|i| {
            posted
                .take_file(&format!("foto{i}"))
                .map(|(_, upload)| (upload, posted.get(&format!("foto{i}_testo"))))
        })
        .collect();
    let photo_texts = [1, 2, 3].map(|i| posted.get(&format!("foto{i}_testo")));
    let fields: Vec<(String, String)> = posted.fields.into_iter().collect();
    let values = input_of(&fields);
    let (email, name) = (field(&fields, "email"), field(&fields, "nome"));
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .reports()
        .send_unsigned(ente.ente_id(), &values, &photos, &email, &name)
        .await
    {
        Ok(Ok(())) => render(&CheckEmailPage {
            page: ctx.page_for_ente(ctx.t("reports.check_email_title"), &ente.name, &ente.slug),
            text: fill(ctx.t("reports.check_email_text"), &[email.trim()]),
            slug: ente.slug.clone(),
        }),
        Ok(Err(problems)) => {
            let problems = problems.iter().map(|p| problem_words(&ctx, p)).collect();
            let dropped = !photos.is_empty();
            new_page(
                &ctx,
                &slug,
                values,
                problems,
                Vec::new(),
                photo_texts,
                dropped,
                (email, name),
            )
            .await
        }
        Err(e) => page_for(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "reports_check_email.html")]
struct CheckEmailPage {
    page: Page,
    text: String,
    slug: String,
}

#[derive(Template)]
#[template(path = "reports_confirm.html")]
struct ConfirmPage {
    page: Page,
    action: String,
}

/// The link from the e-mail: a page that confirms with a button (a mail client that opens
/// links to preview them files nothing).
pub async fn confirm_form(ctx: Ctx, Path((slug, token)): Path<(String, String)>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let mut response = render(&ConfirmPage {
        page: ctx.page_for_ente(ctx.t("reports.confirm_title"), &ente.name, &ente.slug),
        action: format!("/{}/segnalazioni/conferma/{token}", ente.slug),
    });
    // The link's token must not leak through the Referer of what the page loads.
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    response
}

pub async fn confirm(
    ctx: Ctx,
    Path((slug, token)): Path<(String, String)>,
    CsrfFields(Anyone, _): CsrfFields<Anyone>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .reports()
        .confirm_unsigned(ente.ente_id(), &token)
        .await
    {
        Ok(v) => Redirect::to(&format!(
            "/{}/segnalazioni/{}/{}?inviata=1",
            ente.slug, v.row.year, v.row.number
        ))
        .into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

/// A report's photo: approved ones for anyone; the reporter's own and the office's every one.
pub async fn photo(
    ctx: Ctx,
    Path((slug, year, number, position)): Path<(String, String, String, String)>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let (Some((y, n)), Ok(position)) = (number_of(&year, &number), position.parse::<i64>()) else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    let viewer = match ctx.citizen() {
        Some(c) => Viewer::Resident(c),
        None => Viewer::Public,
    };
    match ctx
        .state
        .app
        .reports()
        .photo(ente.ente_id(), y, n, position, viewer, ctx.staff())
        .await
    {
        Ok((bytes, media_type)) => (
            [
                (header::CONTENT_TYPE, media_type),
                // Who may see it changes when the office reviews it: never kept by a cache.
                (header::CACHE_CONTROL, "private, no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

/// The office approves a photo for the public, or refuses it.
pub async fn review_photo(
    ctx: Ctx,
    Path((year, number, position)): Path<(String, String, String)>,
    CsrfFields(ReportOffice(staff), fields): CsrfFields<ReportOffice>,
) -> Response {
    let (Some((y, n)), Ok(position)) = (number_of(&year, &number), position.parse::<i64>()) else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    let approve = match field(&fields, "esito").as_str() {
        "approva" => true,
        "rifiuta" => false,
        _ => return page_for(&ctx, sportello_app::AppError::NotFound),
    };
    match ctx
        .state
        .app
        .reports()
        .review_photo(&staff, y, n, position, approve)
        .await
    {
        Ok(()) => {
            Redirect::to(&format!("/staff/segnalazioni/{y}/{n}?fatto=1#foto")).into_response()
        }
        Err(e) => page_for(&ctx, e),
    }
}

// ---------------------------------------------------------------------------------------------
// One report.

#[derive(Template)]
#[template(path = "reports_show.html")]
struct ShowPage {
    page: Page,
    slug: String,
    ente: String,
    report: ReportCard,
    events: Vec<EventCard>,
    sent: bool,
    /// The signed-in resident filed it.
    mine: bool,
    /// The signed-in resident supports it (or filed it).
    supported: bool,
    signed_in: bool,
    /// The reporter may answer «è stato risolto?».
    ask_reporter: bool,
    notice: String,
    photos: Vec<PhotoCard>,
    /// The reporter's answer refused (no choice made), and the text they wrote.
    outcome_problem: String,
    outcome_text: String,
    outcome_action: String,
}

/// A photo as pages show it: its address, its text, and whether the public sees it.
pub struct PhotoCard {
    pub href: String,
    pub position: i64,
    pub description: String,
    pub review: i64,
}

fn photo_cards(slug: &str, v: &ReportView, photos: Vec<ReportPhoto>) -> Vec<PhotoCard> {
    photos
        .into_iter()
        .map(|p| PhotoCard {
            href: format!(
                "/{slug}/segnalazioni/{}/{}/foto/{}",
                v.row.year, v.row.number, p.position
            ),
            position: p.position,
            description: p.description,
            review: p.review,
        })
        .collect()
}

#[derive(serde::Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    inviata: String,
    #[serde(default)]
    esito: String,
}

fn number_of(year: &str, number: &str) -> Option<(i64, i64)> {
    Some((year.parse().ok()?, number.parse().ok()?))
}

async fn show_page(
    ctx: &Ctx,
    slug: &str,
    year: &str,
    number: &str,
    sent: bool,
    notice: String,
    outcome: (String, String),
) -> Response {
    let ente = match ente_or_404(ctx, slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some((year, number)) = number_of(year, number) else {
        return page_for(ctx, sportello_app::AppError::NotFound);
    };
    let reports = ctx.state.app.reports();
    let view = match reports.by_number(ente.ente_id(), year, number).await {
        Ok(v) => v,
        Err(e) => return page_for(ctx, e),
    };
    let events = match reports.timeline(ente.ente_id(), view.row.id).await {
        Ok(e) => e,
        Err(e) => return page_for(ctx, e),
    };
    let who = ctx.citizen();
    let mine = who
        .is_some_and(|c| view.row.reporter_fiscal_code.as_deref() == Some(c.fiscal_code.as_str()));
    let supported = match who {
        Some(c) => reports
            .supported_by(ente.ente_id(), c, &view)
            .await
            .unwrap_or(false),
        None => false,
    };
    let ask_reporter = mine && view.state == ReportState::Resolved;
    let viewer = match who {
        Some(c) => Viewer::Resident(c),
        None => Viewer::Public,
    };
    let photos = match reports.photos(ente.ente_id(), &view, viewer).await {
        Ok(p) => photo_cards(&ente.slug, &view, p),
        Err(e) => return page_for(ctx, e),
    };
    let title = format!("{} {}", ctx.t("reports.report"), view.code);
    render(&ShowPage {
        page: ctx.page_for_ente(&title, &ente.name, &ente.slug),
        slug: ente.slug,
        ente: ente.name,
        report: card(ctx, &view),
        // The staff member's name is the office's, not the public's.
        events: events
            .iter()
            .map(|e| EventCard {
                staff: String::new(),
                ..event_card(ctx, e)
            })
            .collect(),
        sent,
        mine,
        supported,
        signed_in: who.is_some(),
        ask_reporter,
        notice,
        photos,
        outcome_problem: outcome.0,
        outcome_text: outcome.1,
        outcome_action: format!("/{slug}/segnalazioni/{year}/{number}/esito"),
    })
}

pub async fn show(
    ctx: Ctx,
    Path((slug, year, number)): Path<(String, String, String)>,
    query: Result<Query<ShowQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let notice = match q.esito.as_str() {
        "sostegno" => ctx.t("reports.supported_notice").to_string(),
        "gia" => ctx.t("reports.support_already").to_string(),
        "tua" => ctx.t("reports.support_own").to_string(),
        "confermata" => ctx.t("reports.confirmed_notice").to_string(),
        "riaperta" => ctx.t("reports.reopened_notice").to_string(),
        _ => String::new(),
    };
    show_page(
        &ctx,
        &slug,
        &year,
        &number,
        q.inviata == "1",
        notice,
        Default::default(),
    )
    .await
}

/// A resident adds their support («è successo anche a me»).
pub async fn support(
    ctx: Ctx,
    Path((slug, year, number)): Path<(String, String, String)>,
    CsrfFields(CitizenHere(who), _): CsrfFields<CitizenHere>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some((y, n)) = number_of(&year, &number) else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    match ctx
        .state
        .app
        .reports()
        .support(ente.ente_id(), &who, y, n)
        .await
    {
        Ok(done) => {
            let said = match done {
                sportello_app::reports::Support::Added => "sostegno",
                sportello_app::reports::Support::Already => "gia",
                sportello_app::reports::Support::Own => "tua",
            };
            Redirect::to(&format!("/{}/segnalazioni/{y}/{n}?esito={said}", ente.slug))
                .into_response()
        }
        Err(e) => page_for(&ctx, e),
    }
}

/// The reporter answers «è stato risolto?».
pub async fn outcome(
    ctx: Ctx,
    Path((slug, year, number)): Path<(String, String, String)>,
    CsrfFields(CitizenHere(who), fields): CsrfFields<CitizenHere>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some((y, n)) = number_of(&year, &number) else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    let solved = match solved_of(&fields) {
        Some(s) => s,
        None => {
            let outcome = (
                ctx.t("reports.problem.outcome").to_string(),
                field(&fields, "testo"),
            );
            let mut page =
                show_page(&ctx, &slug, &year, &number, false, String::new(), outcome).await;
            if page.status() == StatusCode::OK {
                *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            }
            return page;
        }
    };
    match ctx
        .state
        .app
        .reports()
        .reporter_says(ente.ente_id(), &who, y, n, solved, &field(&fields, "testo"))
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "/{}/segnalazioni/{y}/{n}?esito={}",
            ente.slug,
            if solved { "confermata" } else { "riaperta" }
        ))
        .into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

/// The reporter's choice: «sì» (solved), «no», or none made.
fn solved_of(fields: &[(String, String)]) -> Option<bool> {
    match field(fields, "risolta").as_str() {
        "si" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "reports_answer.html")]
struct AnswerPage {
    page: Page,
    slug: String,
    report: ReportCard,
    outcome_action: String,
    outcome_problem: String,
    outcome_text: String,
}

/// «È stato risolto?» from the link of the resolution's e-mail, for a reporter who did not
/// sign in. The link works until it is answered (or the office moves the report on).
async fn answer_page(ctx: &Ctx, slug: &str, secret: &str, outcome: (String, String)) -> Response {
    let ente = match ente_or_404(ctx, slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let view = match ctx
        .state
        .app
        .reports()
        .by_answer(ente.ente_id(), secret)
        .await
    {
        Ok(v) => v,
        Err(e) => return page_for(ctx, e),
    };
    let title = format!("{} {}", ctx.t("reports.report"), view.code);
    let mut response = render(&AnswerPage {
        page: ctx.page_for_ente(&title, &ente.name, &ente.slug),
        report: card(ctx, &view),
        outcome_action: format!("/{}/segnalazioni/risposta/{secret}", ente.slug),
        slug: ente.slug,
        outcome_problem: outcome.0,
        outcome_text: outcome.1,
    });
    // The link's secret must not leak through the Referer of what the page loads.
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    response
}

pub async fn answer_form(ctx: Ctx, Path((slug, secret)): Path<(String, String)>) -> Response {
    answer_page(&ctx, &slug, &secret, (String::new(), String::new())).await
}

pub async fn answer(
    ctx: Ctx,
    Path((slug, secret)): Path<(String, String)>,
    CsrfFields(Anyone, fields): CsrfFields<Anyone>,
) -> Response {
    let text = field(&fields, "testo");
    let Some(solved) = solved_of(&fields) else {
        let problem = ctx.t("reports.problem.outcome").to_string();
        let mut page = answer_page(&ctx, &slug, &secret, (problem, text)).await;
        if page.status() == StatusCode::OK {
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        }
        return page;
    };
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .reports()
        .answer_by_link(ente.ente_id(), &secret, solved, &text)
        .await
    {
        Ok(v) => Redirect::to(&format!(
            "/{}/segnalazioni/{}/{}?esito={}",
            ente.slug,
            v.row.year,
            v.row.number,
            if solved { "confermata" } else { "riaperta" }
        ))
        .into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

// ---------------------------------------------------------------------------------------------
// The districts' view.

#[derive(Template)]
#[template(path = "reports_districts.html")]
struct DistrictsPage {
    page: Page,
    slug: String,
    ente: String,
    rows: Vec<(String, String, i64, i64, i64, String)>,
    totals: (i64, i64, i64),
    /// (month, received, resolved, mean days to resolution).
    months: Vec<(String, i64, i64, String)>,
    /// (street, reports, of them open).
    streets: Vec<(String, i64, i64)>,
    districts: Vec<(i64, String)>,
    quartiere: String,
    /// The district chosen, by name (empty: the whole municipality).
    district_name: String,
}

#[derive(serde::Deserialize, Default)]
pub struct DistrictsQuery {
    #[serde(default)]
    quartiere: String,
}

fn days_text(d: Option<f64>) -> String {
    d.map(|d| format!("{d:.1}").replace('.', ","))
        .unwrap_or_else(|| "—".into())
}

pub async fn districts(
    ctx: Ctx,
    Path(slug): Path<String>,
    query: Result<Query<DistrictsQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    // A district of this ente, or the whole municipality (an unknown one is not guessed).
    let district = match q.quartiere.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return page_for(&ctx, sportello_app::AppError::NotFound),
        },
    };
    let view = match ctx
        .state
        .app
        .reports()
        .district_view(ente.ente_id(), district)
        .await
    {
        Ok(v) => v,
        Err(e) => return page_for(&ctx, e),
    };
    let chosen = district.and_then(|id| view.districts.iter().find(|d| d.id == id));
    let counts = &view.counts;
    let mut totals = (0i64, 0i64, 0i64);
    let rows = counts
        .rows
        .iter()
        .map(|r| {
            totals.0 = totals.0.saturating_add(r.open);
            totals.1 = totals.1.saturating_add(r.resolved);
            totals.2 = totals.2.saturating_add(r.closed);
            (
                sportello_domain::reports::category(&r.category)
                    .map(|c| category_label(&ctx, c))
                    .unwrap_or_else(|| r.category.clone()),
                r.district
                    .clone()
                    .unwrap_or_else(|| ctx.t("reports.no_district").to_string()),
                r.open,
                r.resolved,
                r.closed,
                days_text(r.mean_days),
            )
        })
        .collect();
    let months = view
        .months
        .iter()
        .rev()
        .map(|m| {
            let day = crate::views::long_date(ctx.lang(), &m.month.to_string());
            (
                day.trim_start_matches("1 ").to_string(),
                m.received,
                m.resolved,
                days_text(m.mean_days),
            )
        })
        .collect();
    render(&DistrictsPage {
        page: ctx.page_for_ente(ctx.t("reports.districts_title"), &ente.name, &ente.slug),
        slug: ente.slug,
        ente: ente.name,
        rows,
        totals,
        months,
        streets: view.streets,
        district_name: chosen.map(|d| d.name.clone()).unwrap_or_default(),
        quartiere: chosen.map(|d| d.id.to_string()).unwrap_or_default(),
        districts: view
            .districts
            .iter()
            .map(|d| (d.id, d.name.clone()))
            .collect(),
    })
}

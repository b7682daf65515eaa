//! The registry clerk's desk: search the register, register a document that came by another
//! channel, see a registration in full, ask for and authorise an annulment, download the
//! documents, the segnatura and the daily registers.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::model::{RegistryRow, RegistrySearch};
use sportello_app::registry::{NewProtocolEntry, RegistryEntry, CHANNELS, CLASSES};
use sportello_app::sessions::StaffPrincipal;
use sportello_domain::identity::{may, Permission};
use sportello_domain::protocol::{format_number, registration_label, Direction};

use super::services::{fill, it_minutes, rome_time};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render, render_status, shown_refusal};
use crate::extract::{
    CsrfFields, CsrfForm, CsrfMultipart, OrPage, PageResult, RegisterEntry, Registers, Staff,
};

pub struct Row {
    pub id: i64,
    pub number: String,
    pub when: String,
    pub inbound: bool,
    pub correspondent: String,
    pub subject: String,
    pub annulled: bool,
}

fn row(r: &RegistryRow) -> Row {
    Row {
        id: r.id,
        number: registration_label(r.year, r.number),
        when: rome_time(&r.registered_at),
        inbound: r.direction == "E",
        correspondent: r.correspondent.clone(),
        subject: r.subject.clone(),
        annulled: r.annulled_at.is_some(),
    }
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct SearchQuery {
    #[serde(default)]
    numero: String,
    #[serde(default)]
    anno: String,
    #[serde(default)]
    dal: String,
    #[serde(default)]
    al: String,
    #[serde(default)]
    oggetto: String,
    #[serde(default)]
    corrispondente: String,
    #[serde(default)]
    direzione: String,
}

fn non_empty(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

#[derive(Template)]
#[template(path = "registry_search.html")]
struct SearchPage {
    page: Page,
    query: SearchQuery,
    rows: Vec<Row>,
    count: String,
    clerk: bool,
    daily: Vec<crate::views::DailyRegisterView>,
}

pub async fn search(
    ctx: Ctx,
    staff: Staff,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> PageResult {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let q = RegistrySearch {
        number: query.numero.trim().trim_start_matches('0').parse().ok(),
        year: query.anno.trim().parse().ok(),
        from: non_empty(&query.dal),
        to: non_empty(&query.al),
        subject: non_empty(&query.oggetto),
        correspondent: non_empty(&query.corrispondente),
        direction: Some(query.direzione.clone()).filter(|d| d == "E" || d == "U"),
    };
    let rows = ctx
        .state
        .app
        .registry()
        .search_register(&staff, &q)
        .await
        .or_page(&ctx)?;
    let daily = ctx
        .state
        .app
        .registry()
        .daily_registers(&staff)
        .await
        .or_page(&ctx)?;
    Ok(render(&SearchPage {
        page: ctx.page(ctx.t("registry.title")),
        count: fill(ctx.t("registry.results"), &[&rows.len().to_string()]),
        rows: rows.iter().map(row).collect(),
        clerk: may(&staff.roles, Permission::Register),
        daily: crate::views::daily_registers(daily.get(..30).unwrap_or(&daily)),
        query,
    }))
}

#[derive(Template)]
#[template(path = "registry_new.html")]
struct NewPage {
    page: Page,
    channels: Vec<(&'static str, &'static str)>,
    classes: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    kept: std::collections::BTreeMap<String, String>,
}

impl NewPage {
    fn kept(&self, name: &str) -> String {
        self.kept.get(name).cloned().unwrap_or_default()
    }
}

fn new_page(
    ctx: &Ctx,
    error: Option<String>,
    kept: std::collections::BTreeMap<String, String>,
) -> NewPage {
    NewPage {
        page: ctx.page(ctx.t("registry.new")),
        channels: CHANNELS.to_vec(),
        classes: CLASSES.to_vec(),
        error,
        kept,
    }
}

pub async fn new_form(ctx: Ctx, _clerk: Staff<Registers>) -> Response {
    render(&new_page(&ctx, None, Default::default()))
}

pub async fn create(
    ctx: Ctx,
    CsrfMultipart(staff, mut posted): CsrfMultipart<Staff<Registers>, 60>,
) -> Response {
    let kept = posted.fields.clone();
    let Some(document) = posted.take_file("documento") else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_page(
                &ctx,
                Some("Allega il documento da registrare.".into()),
                kept,
            ),
        );
    };
    let attachments = posted
        .files
        .iter()
        .filter(|(f, _, _)| f == "allegati")
        .map(|(_, n, b)| (n.clone(), b.clone()))
        .collect();
    let entry = NewProtocolEntry {
        direction: if posted.get("direzione") == "U" {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        correspondent: posted.get("corrispondente"),
        subject: posted.get("oggetto"),
        sender_reference: non_empty(&posted.get("riferimento")),
        channel: posted.get("mezzo"),
        classification: posted.get("classificazione"),
        document,
        attachments,
    };
    match ctx
        .state
        .app
        .registry()
        .register_document(&staff, entry)
        .await
    {
        Ok(id) => Redirect::to(&format!("/staff/protocollo/{id}")).into_response(),
        Err(e) => match shown_refusal(&ctx, e) {
            Ok((_, m)) => render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &new_page(&ctx, Some(m), kept),
            ),
            Err(e) => page_for(&ctx, e),
        },
    }
}

#[derive(Template)]
#[template(path = "registry_entry.html")]
struct EntryPage {
    page: Page,
    entry: RegistryEntry,
    number: String,
    when: String,
    annulled: String,
    pending: String,
    clerk: bool,
    /// May ask the albo to publish the registered document.
    albo: bool,
    /// The albo's request made from this registration, if any.
    albo_request: Option<i64>,
    officer: bool,
    /// May take a routed document in charge (works cases).
    worker: bool,
    error: Option<String>,
    /// Where the document was sent: (office, by whom and when, taken by whom and when).
    route: Option<(String, String, Option<String>)>,
    /// (code, name) of the ente's offices, for routing.
    offices: Vec<(String, String)>,
    routed_to: String,
    notice: Option<&'static str>,
    /// An incoming letter or PEC, outside any application: the clerk routes it.
    routable: bool,
    /// Taken in charge: not routed again.
    taken: bool,
}

async fn entry_page(
    ctx: &Ctx,
    staff: &StaffPrincipal,
    id: i64,
    error: Option<(StatusCode, String)>,
) -> Response {
    let entry = match ctx.state.app.registry().registry_entry(staff, id).await {
        Ok(e) => e,
        Err(e) => return page_for(ctx, e),
    };
    let r = &entry.row;
    let albo_request = if may(&staff.roles, Permission::RequestPublication) {
        ctx.state
            .app
            .albo()
            .for_registration(staff, r.year, r.number)
            .await
            .ok()
            .flatten()
    } else {
        None
    };
    let annulled = match (r.annulled_at, &r.annulled_by, &r.annulled_reason) {
        (Some(at), Some(by), Some(reason)) => fill(
            ctx.t("registry.annulled_text"),
            &[
                &it_minutes(sportello_app::model::from_millis(at)),
                by,
                reason,
            ],
        ),
        _ => String::new(),
    };
    let pending = match (&r.annulment_requested_by, &r.annulment_request_reason) {
        (Some(by), Some(reason)) => fill(ctx.t("registry.pending"), &[by, reason]),
        _ => String::new(),
    };
    let status = error.as_ref().map(|(s, _)| *s).unwrap_or(StatusCode::OK);
    let route = match ctx.state.app.registry().route_of(staff, id).await {
        Ok(r) => r,
        Err(e) => return page_for(ctx, e),
    };
    let offices = match staff.ente {
        Some(ente) => match ctx.state.app.office_pages(ente).await {
            Ok(o) => o.into_iter().map(|o| (o.code, o.name)).collect(),
            Err(e) => return page_for(ctx, e),
        },
        None => Vec::new(),
    };
    let when_by = |by: &str, at: i64| {
        format!(
            "{by}, {}",
            it_minutes(sportello_app::model::from_millis(at))
        )
    };
    let routed_to = route
        .as_ref()
        .map(|r| r.office_code.clone())
        .unwrap_or_default();
    let route_office = route.as_ref().map(|r| r.office_code.clone());
    let route = route.map(|r| {
        (
            r.office_name.clone(),
            when_by(&r.routed_by, r.routed_at),
            r.taken_by
                .as_deref()
                .zip(r.taken_at)
                .map(|(b, a)| when_by(b, a)),
        )
    });
    let notice = match ctx.req.here.split_once('?').map(|(_, q)| q) {
        Some("smistato=1") => Some("registry.routed_done"),
        Some("preso=1") => Some("registry.taken_done"),
        _ => None,
    };
    render_status(
        status,
        &EntryPage {
            // Whoever works the cases of the office it was routed to (or of every office).
            worker: staff.ente.is_some()
                && may(&staff.roles, Permission::ActOnCases)
                && route_office
                    .as_deref()
                    .is_none_or(|o| staff.office.as_deref().is_none_or(|mine| mine == o)),
            routable: sportello_app::registry::routable(&entry.row),
            taken: route.as_ref().is_some_and(|r| r.2.is_some()),
            route,
            offices,
            routed_to,
            notice,
            page: ctx.page(format!(
                "{} {}",
                ctx.t("registry.entry"),
                registration_label(r.year, r.number)
            )),
            number: registration_label(r.year, r.number),
            when: rome_time(&r.registered_at),
            annulled,
            pending,
            clerk: may(&staff.roles, Permission::Register),
            albo: may(&staff.roles, Permission::RequestPublication),
            albo_request,
            officer: may(&staff.roles, Permission::AuthoriseAnnulment),
            error: error.map(|(_, e)| e),
            entry,
        },
    )
}

pub async fn entry(ctx: Ctx, staff: Staff, Path(id): Path<i64>) -> Response {
    entry_page(&ctx, &staff, id, None).await
}

#[derive(serde::Deserialize)]
pub struct AnnulForm {
    #[serde(default)]
    motivo: String,
}

pub async fn annul(
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(RegisterEntry(staff), form): CsrfForm<RegisterEntry, AnnulForm>,
) -> Response {
    match ctx
        .state
        .app
        .registry()
        .request_annulment(&staff, id, &form.motivo)
        .await
    {
        Ok(()) => Redirect::to(&format!("/staff/protocollo/{id}")).into_response(),
        Err(e) => match shown_refusal(&ctx, e) {
            Ok(refused) => entry_page(&ctx, &staff, id, Some(refused)).await,
            Err(e) => page_for(&ctx, e),
        },
    }
}

pub async fn authorise(
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfFields(RegisterEntry(staff), _): CsrfFields<RegisterEntry>,
) -> Response {
    match ctx
        .state
        .app
        .registry()
        .authorise_annulment(&staff, id)
        .await
    {
        Ok(()) => Redirect::to(&format!("/staff/protocollo/{id}")).into_response(),
        Err(e) => match shown_refusal(&ctx, e) {
            Ok(refused) => entry_page(&ctx, &staff, id, Some(refused)).await,
            Err(e) => page_for(&ctx, e),
        },
    }
}

pub async fn document(ctx: Ctx, staff: Staff, Path(id): Path<i64>) -> Response {
    file(ctx, &staff, id, None).await
}

pub async fn attachment(ctx: Ctx, staff: Staff, Path((id, n)): Path<(i64, usize)>) -> Response {
    file(ctx, &staff, id, Some(n)).await
}

async fn file(ctx: Ctx, staff: &StaffPrincipal, id: i64, attachment: Option<usize>) -> Response {
    match ctx
        .state
        .app
        .registry()
        .registry_file(staff, id, attachment)
        .await
    {
        Ok((name, bytes)) => {
            let kind = sportello_app::blobs::sniff(&bytes)
                .map(|k| k.media_type())
                .unwrap_or("application/octet-stream");
            super::posted::download(&name, kind, bytes)
        }
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn segnatura(ctx: Ctx, staff: Staff, Path(id): Path<i64>) -> PageResult {
    let xml = ctx
        .state
        .app
        .registry()
        .registry_segnatura(&staff, id)
        .await
        .or_page(&ctx)?;
    Ok(super::posted::download(
        "segnatura.xml",
        "application/xml",
        xml.into_bytes(),
    ))
}

pub async fn daily(ctx: Ctx, staff: Staff, Path(file): Path<String>) -> Response {
    let (day, json) = match (file.strip_suffix(".pdf"), file.strip_suffix(".json")) {
        (Some(d), _) => (d, false),
        (_, Some(d)) => (d, true),
        _ => return crate::errors::not_found(&ctx),
    };
    match ctx
        .state
        .app
        .registry()
        .daily_register_file(&staff, day, json)
        .await
    {
        Ok(bytes) => super::posted::download(
            &format!(
                "registro-giornaliero-{day}.{}",
                if json { "json" } else { "pdf" }
            ),
            if json {
                "application/json"
            } else {
                "application/pdf"
            },
            bytes,
        ),
        Err(e) => page_for(&ctx, e),
    }
}

#[derive(serde::Deserialize)]
pub struct RouteForm {
    #[serde(default)]
    ufficio: String,
}

/// The clerk sends a registered document to an office.
pub async fn route(
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(RegisterEntry(staff), form): CsrfForm<RegisterEntry, RouteForm>,
) -> Response {
    match ctx
        .state
        .app
        .registry()
        .route_entry(&staff, id, form.ufficio.trim())
        .await
    {
        Ok(()) => Redirect::to(&format!("/staff/protocollo/{id}?smistato=1")).into_response(),
        Err(e) => match crate::errors::shown_refusal(&ctx, e) {
            Ok(refused) => entry_page(&ctx, &staff, id, Some(refused)).await,
            Err(e) => page_for(&ctx, e),
        },
    }
}

/// Someone of the office takes the routed document in charge.
pub async fn take(
    ctx: Ctx,
    Path(id): Path<i64>,
    crate::extract::CsrfFields(RegisterEntry(staff), _): crate::extract::CsrfFields<RegisterEntry>,
) -> Response {
    match ctx.state.app.registry().take_entry(&staff, id).await {
        Ok(_) => Redirect::to(&format!("/staff/protocollo/{id}?preso=1")).into_response(),
        Err(e) => match crate::errors::shown_refusal(&ctx, e) {
            Ok(refused) => entry_page(&ctx, &staff, id, Some(refused)).await,
            Err(e) => page_for(&ctx, e),
        },
    }
}

/// A receipt for whoever delivered the document by hand: what was registered, when, with
/// which number and digests.
pub async fn receipt(ctx: Ctx, staff: Staff, Path(id): Path<i64>) -> Response {
    use sportello_app::pdf::Line;
    let entry = match ctx.state.app.registry().registry_entry(&staff, id).await {
        Ok(e) => e,
        Err(e) => return page_for(&ctx, e),
    };
    let r = &entry.row;
    let ente = match staff.ente {
        Some(e) => match ctx.state.app.ente_by_id(e).await {
            Ok(e) => e.name,
            Err(e) => return page_for(&ctx, e),
        },
        None => return crate::errors::not_found(&ctx),
    };
    let number = registration_label(r.year, r.number);
    let mut lines = vec![
        Line::Title(format!(
            "Comune di {ente} — {}",
            ctx.t("registry.receipt_title")
        )),
        Line::Text(ctx.t("registry.receipt_lead").into()),
        Line::Blank,
        Line::Field(ctx.t("receipt.number").into(), number.clone()),
        Line::Field(ctx.t("receipt.date").into(), rome_time(&r.registered_at)),
        Line::Field(
            ctx.t("registry.correspondent").into(),
            r.correspondent.clone(),
        ),
        Line::Field(ctx.t("registry.subject").into(), r.subject.clone()),
        Line::Field(ctx.t("registry.digest").into(), r.document_digest.clone()),
    ];
    for a in &entry.attachments {
        lines.push(Line::Field(a.description.clone(), a.digest.clone()));
    }
    if let Some(by) = &r.registered_by {
        lines.push(Line::Field(
            ctx.t("registry.registered_by").into(),
            by.clone(),
        ));
    }
    let pdf = sportello_app::pdf::render(&format!("Ricevuta {number}"), &lines);
    super::posted::download(
        &format!("ricevuta-{}-{}.pdf", format_number(r.number), r.year),
        "application/pdf",
        pdf,
    )
}

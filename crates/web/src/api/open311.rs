//! Open311 GeoReport v2 (issue 20), the standard FixMyStreet and other civic apps speak, under
//! `/open311/v2`: discovery, the service list (one service a report category), a service's
//! definition, requests (list with its filters, one, create with an API key), and tokens. Each
//! answer is JSON or XML as the path's extension asks (`services.json`, `services.xml`).
//! `jurisdiction_id` names the ente in the regional deployment (its slug or ISTAT code).
//!
//! Errors follow GeoReport's own shape (`[{"code": 400, "description": "…"}]`, or `<errors>` in
//! XML) rather than problem+json: that is what the standard's clients read.
//!
//! A report's `service_request_id` is its number (`2026-0012`), unique within its ente.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sportello_app::model::EnteRow;
use sportello_app::reports::{ListFilter, ReportInput, ReportView, Reporter};
use sportello_app::AppError;

use crate::WebState;

/// The answer's format, from the path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// `name.json` → ("name", Json).
fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let format = match ext {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return None,
    };
    Some((name, format))
}

/// A value of an answer: what both formats can say.
#[derive(Debug, Clone)]
enum V {
    S(String),
    N(i64),
    B(bool),
    Null,
    /// An object: (key, value), in order.
    O(Vec<(&'static str, V)>),
    /// A list, each element named (for XML) `.0`.
    L(&'static str, Vec<V>),
    /// A decimal number, exactly as written (a coordinate: `43.548473`).
    D(String),
}

fn s(v: impl Into<String>) -> V {
    V::S(v.into())
}

fn json_of(v: &V) -> serde_json::Value {
    match v {
        V::S(s) => serde_json::Value::String(s.clone()),
        V::N(n) => serde_json::Value::from(*n),
        V::B(b) => serde_json::Value::Bool(*b),
        V::D(d) => d
            .parse::<serde_json::Number>()
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        V::Null => serde_json::Value::Null,
        V::O(fields) => serde_json::Value::Object(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_string(), json_of(v)))
                .collect(),
        ),
        V::L(_, items) => serde_json::Value::Array(items.iter().map(json_of).collect()),
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn xml_of(name: &str, v: &V, out: &mut String) {
    match v {
        V::S(s) => out.push_str(&format!("<{name}>{}</{name}>", escape(s))),
        V::N(n) => out.push_str(&format!("<{name}>{n}</{name}>")),
        V::B(b) => out.push_str(&format!("<{name}>{b}</{name}>")),
        V::D(d) => out.push_str(&format!("<{name}>{}</{name}>", escape(d))),
        V::Null => out.push_str(&format!("<{name}/>")),
        V::O(fields) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in fields {
                xml_of(k, v, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        V::L(item, items) => {
            out.push_str(&format!("<{name}>"));
            for v in items {
                xml_of(item, v, out);
            }
            out.push_str(&format!("</{name}>"));
        }
    }
}

/// An answer: `root` names the XML document's root (a list's own name, or an object's).
///
/// Every answer may be read by a page of any site (CORS `*`): what GeoReport gives is public,
/// and no cookie is used here. Filing stays with programs: a browser's cross-site POST is
/// refused in [`create`], and the preflight ([`preflight`]) allows only GET — an `api_key` in
/// a page's script would be no secret.
fn answer(status: StatusCode, format: Format, root: &str, v: &V) -> Response {
    let mut response = answer_uncors(status, format, root, v);
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    response
}

/// `OPTIONS` on any GeoReport resource: a page of another site may GET.
pub async fn preflight() -> Response {
    (
        StatusCode::NO_CONTENT,
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::ACCESS_CONTROL_ALLOW_METHODS, "GET"),
            (header::ACCESS_CONTROL_MAX_AGE, "86400"),
        ],
    )
        .into_response()
}

fn answer_uncors(status: StatusCode, format: Format, root: &str, v: &V) -> Response {
    match format {
        Format::Json => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            json_of(v).to_string(),
        )
            .into_response(),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            xml_of(root, v, &mut out);
            (
                status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                out,
            )
                .into_response()
        }
    }
}

/// GeoReport's error answer.
fn error(status: StatusCode, format: Format, description: &str) -> Response {
    let v = V::L(
        "error",
        vec![V::O(vec![
            ("code", V::N(i64::from(status.as_u16()))),
            ("description", s(description)),
        ])],
    );
    answer(status, format, "errors", &v)
}

fn app_error(format: Format, e: AppError) -> Response {
    match e {
        AppError::NotFound => error(StatusCode::NOT_FOUND, format, "Risorsa non trovata"),
        AppError::Report(p) => {
            let text = crate::refusals::report_message(crate::Lang::It, &p);
            let status = match p {
                sportello_app::reports::ReportProblem::ApiKey => StatusCode::FORBIDDEN,
                _ if p.is_input() => StatusCode::BAD_REQUEST,
                _ => StatusCode::CONFLICT,
            };
            error(status, format, &text)
        }
        other => {
            tracing::error!(error = %other, "Open311 request failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, format, "Errore interno")
        }
    }
}

/// The ente a `jurisdiction_id` names: its slug or its ISTAT code.
async fn jurisdiction(state: &WebState, format: Format, id: &str) -> Result<EnteRow, Response> {
    let id = id.trim();
    if id.is_empty() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format,
            "jurisdiction_id è obbligatorio: lo slug del comune (per esempio livorno) o il codice ISTAT",
        ));
    }
    let found = if id.len() == 6 && id.bytes().all(|b| b.is_ascii_digit()) {
        state.app.ente_by_istat(id).await
    } else {
        state.app.ente_by_slug(id).await
    };
    found.map_err(|_| {
        error(
            StatusCode::NOT_FOUND,
            format,
            "jurisdiction_id sconosciuto: nessun comune con questo slug o codice ISTAT",
        )
    })
}

#[derive(serde::Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    jurisdiction_id: String,
    #[serde(default)]
    service_request_id: String,
    #[serde(default)]
    service_code: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    api_key: String,
}

fn params(q: Result<Query<Params>, axum::extract::rejection::QueryRejection>) -> Params {
    q.map(|Query(p)| p).unwrap_or_default()
}

/// `GET /open311/v2/{discovery|services|requests}.{json|xml}` and `POST …/requests.{fmt}`.
pub async fn root_get(
    State(state): State<WebState>,
    Path(file): Path<String>,
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some((name, format)) = split(&file) else {
        return error(StatusCode::NOT_FOUND, Format::Json, "Risorsa non trovata");
    };
    let p = params(query);
    match name {
        "discovery" => discovery(&state, format),
        "services" => match jurisdiction(&state, format, &p.jurisdiction_id).await {
            Ok(ente) => services(&state, format, &ente).await,
            Err(r) => r,
        },
        "requests" => match jurisdiction(&state, format, &p.jurisdiction_id).await {
            Ok(ente) => requests(&state, format, &ente, &p).await,
            Err(r) => r,
        },
        _ => error(StatusCode::NOT_FOUND, format, "Risorsa non trovata"),
    }
}

fn discovery(state: &WebState, format: Format) -> Response {
    let base = format!("{}/open311/v2", state.app.settings.public_url);
    let v = V::O(vec![
        ("changeset", s("2026-12-06T00:00:00Z")),
        // Each comune answers for its own reports: its contacts page (by `jurisdiction_id`).
        (
            "contact",
            s(format!(
                "{}/{{jurisdiction_id}}/contatti",
                state.app.settings.public_url
            )),
        ),
        // Keys are issued by each comune's administrator, from the office's setup page.
        (
            "key_service",
            s(format!(
                "{}/staff/segnalazioni/impostazioni",
                state.app.settings.public_url
            )),
        ),
        (
            "endpoints",
            V::L(
                "endpoint",
                vec![V::O(vec![
                    ("specification", s("http://wiki.open311.org/GeoReport_v2")),
                    ("url", s(base)),
                    ("changeset", s("2026-12-06T00:00:00Z")),
                    ("type", s("production")),
                    (
                        "formats",
                        V::L("format", vec![s("application/json"), s("text/xml")]),
                    ),
                ])],
            ),
        ),
    ]);
    answer(StatusCode::OK, format, "discovery", &v)
}

async fn services(state: &WebState, format: Format, ente: &EnteRow) -> Response {
    let categories = match state.app.reports().categories_in_use(ente.ente_id()).await {
        Ok(c) => c,
        Err(e) => return app_error(format, e),
    };
    let list = categories
        .iter()
        .map(|c| {
            V::O(vec![
                ("service_code", s(c.category.code)),
                ("service_name", s(c.category.label_it)),
                ("description", s(c.category.about_it)),
                ("metadata", V::B(true)),
                ("type", s("realtime")),
                ("keywords", s(c.category.label_en)),
                ("group", s("segnalazioni")),
            ])
        })
        .collect();
    answer(StatusCode::OK, format, "services", &V::L("service", list))
}

/// The attribute every category asks for: whether the public sees the reporter's name.
/// Open311's reports are anonymous to the public unless the client says `no` for its user
/// (never anonymous to the office).
const ANONYMOUS: &str = "anonimo";

fn attributes() -> V {
    let value = |key: &str, name: &str| V::O(vec![("key", s(key)), ("name", s(name))]);
    V::L(
        "attribute",
        vec![V::O(vec![
            ("variable", V::B(true)),
            ("code", s(ANONYMOUS)),
            ("datatype", s("singlevaluelist")),
            ("required", V::B(false)),
            (
                "datatype_description",
                s("si: il pubblico non vede il nome di chi segnala (predefinito); no: vede nome e iniziale del cognome"),
            ),
            ("order", V::N(1)),
            (
                "description",
                s("Nascondere al pubblico il nome di chi segnala? L'ufficio lo vede sempre."),
            ),
            (
                "values",
                V::L(
                    "value",
                    vec![value("si", "Sì, anonima al pubblico"), value("no", "No, con il nome")],
                ),
            ),
        ])],
    )
}

/// `GET /open311/v2/services/{code}.{fmt}`: a service's definition, with its attributes
/// ([`attributes`]).
pub async fn service(
    State(state): State<WebState>,
    Path(file): Path<String>,
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some((code, format)) = split(&file) else {
        return error(StatusCode::NOT_FOUND, Format::Json, "Risorsa non trovata");
    };
    let p = params(query);
    let ente = match jurisdiction(&state, format, &p.jurisdiction_id).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match state.app.reports().categories_in_use(ente.ente_id()).await {
        Ok(c) if c.iter().any(|c| c.category.code == code) => answer(
            StatusCode::OK,
            format,
            "service_definition",
            &V::O(vec![
                ("service_code", s(code)),
                ("attributes", attributes()),
            ]),
        ),
        Ok(_) => error(StatusCode::NOT_FOUND, format, "service_code sconosciuto"),
        Err(e) => app_error(format, e),
    }
}

fn w3c(ms: i64) -> String {
    sportello_app::model::from_millis(ms)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn request_v(state: &WebState, slug: &str, r: &ReportView, extras: &Extras) -> V {
    let Extras { notes, media } = extras;
    let address = r
        .place
        .address
        .as_ref()
        .map(|a| s(a.text()))
        .unwrap_or(V::Null);
    let (lat, lon) = match r.place.point {
        Some(p) => (V::D(p.lat_text()), V::D(p.lon_text())),
        None => (V::Null, V::Null),
    };
    V::O(vec![
        ("service_request_id", s(r.code.clone())),
        ("status", s(r.state.open311_status())),
        ("status_notes", s(notes)),
        ("service_name", s(r.category.label_it)),
        ("service_code", s(r.category.code)),
        ("description", s(r.row.description.clone())),
        (
            "agency_responsible",
            r.office.clone().map(s).unwrap_or(V::Null),
        ),
        (
            "service_notice",
            s(format!(
                "Termine per la risposta: {}",
                r.due.map(|d| d.to_string()).unwrap_or_default()
            )),
        ),
        ("requested_datetime", s(w3c(r.row.created_at))),
        ("updated_datetime", s(w3c(r.row.updated_at))),
        (
            "expected_datetime",
            r.due
                .map(|d| s(format!("{d}T23:59:59+01:00")))
                .unwrap_or(V::Null),
        ),
        ("address", address),
        ("address_id", V::Null),
        ("zipcode", V::Null),
        ("lat", lat),
        ("long", lon),
        (
            "media_url",
            media
                .map(|position| {
                    s(format!(
                        "{}/{slug}/segnalazioni/{}/{}/foto/{position}",
                        state.app.settings.public_url, r.row.year, r.row.number
                    ))
                })
                .unwrap_or(V::Null),
        ),
        (
            "url",
            s(format!(
                "{}/{slug}/segnalazioni/{}/{}",
                state.app.settings.public_url, r.row.year, r.row.number
            )),
        ),
    ])
}

/// What a request's answer reads besides the report: the office's notes and the first photo
/// the public may see.
struct Extras {
    notes: String,
    /// The photo's position.
    media: Option<i64>,
}

async fn extras(state: &WebState, ente: &EnteRow, r: &ReportView) -> Extras {
    let media = state
        .app
        .reports()
        .photos(ente.ente_id(), r, sportello_app::reports::Viewer::Public)
        .await
        .ok()
        .and_then(|p| p.first().map(|p| p.position));
    Extras {
        notes: notes(state, ente, r).await,
        media,
    }
}

/// The office's latest public text on a report (its answer, resolution or reason for closing);
/// the reporter's own words are not the office's notes.
async fn notes(state: &WebState, ente: &EnteRow, r: &ReportView) -> String {
    state
        .app
        .reports()
        .timeline(ente.ente_id(), r.row.id)
        .await
        .ok()
        .and_then(|t| {
            // The office's words since the report was last reopened (a resolution its reporter
            // said was not one is no longer the office's answer).
            t.into_iter()
                .rev()
                .take_while(|e| e.kind != sportello_domain::reports::ReportEventKind::Reopen)
                .find(|e| !e.text.is_empty() && e.staff.is_some())
        })
        .map(|e| e.text)
        .unwrap_or_default()
}

/// `2026-0012` → (2026, 12).
fn number_of(id: &str) -> Option<(i64, i64)> {
    let (y, n) = id.trim().split_once('-')?;
    Some((y.parse().ok()?, n.parse().ok()?))
}

fn date_ms(text: &str) -> Option<i64> {
    let t =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
            .ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

async fn requests(state: &WebState, format: Format, ente: &EnteRow, p: &Params) -> Response {
    let reports = state.app.reports();
    let mut views = Vec::new();
    if !p.service_request_id.trim().is_empty() {
        // A list of ids: every other filter is ignored (as the standard says).
        for id in p.service_request_id.split(',').take(100) {
            if let Some((y, n)) = number_of(id) {
                match reports.by_number(ente.ente_id(), y, n).await {
                    Ok(v) => views.push(v),
                    Err(AppError::NotFound) => {}
                    Err(e) => return app_error(format, e),
                }
            }
        }
    } else {
        let (from_ms, to_ms) = (date_ms(&p.start_date), date_ms(&p.end_date));
        if (!p.start_date.trim().is_empty() && from_ms.is_none())
            || (!p.end_date.trim().is_empty() && to_ms.is_none())
        {
            return error(
                StatusCode::BAD_REQUEST,
                format,
                "start_date ed end_date sono date W3C (per esempio 2026-12-01T00:00:00Z)",
            );
        }
        // One status or both, separated by a comma (both: no filter).
        let mut statuses: Vec<&str> = p
            .status
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if statuses.iter().any(|s| !matches!(*s, "open" | "closed")) {
            return error(
                StatusCode::BAD_REQUEST,
                format,
                "status è open, closed o open,closed",
            );
        }
        statuses.sort_unstable();
        statuses.dedup();
        let status = match statuses.as_slice() {
            [one] => *one,
            _ => "",
        };
        // Without dates the standard's default: the last 90 days.
        let from_ms = from_ms.or_else(|| {
            to_ms.is_none().then(|| {
                let from = state.app.now() - time::Duration::days(90);
                i64::try_from(from.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
            })
        });
        let page = reports
            .list(
                ente.ente_id(),
                &ListFilter {
                    status: status.to_string(),
                    category: p.service_code.clone(),
                    from_ms,
                    to_ms,
                    limit: 200,
                    ..Default::default()
                },
            )
            .await;
        match page {
            Ok(page) => views = page.reports,
            Err(e) => return app_error(format, e),
        }
    }
    let mut list = Vec::with_capacity(views.len());
    for v in &views {
        let e = extras(state, ente, v).await;
        list.push(request_v(state, &ente.slug, v, &e));
    }
    answer(
        StatusCode::OK,
        format,
        "service_requests",
        &V::L("request", list),
    )
}

/// `GET /open311/v2/requests/{id}.{fmt}` (and `request/{id}`, as some clients ask).
pub async fn one(
    State(state): State<WebState>,
    Path(file): Path<String>,
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some((id, format)) = split(&file) else {
        return error(StatusCode::NOT_FOUND, Format::Json, "Risorsa non trovata");
    };
    let p = params(query);
    let ente = match jurisdiction(&state, format, &p.jurisdiction_id).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some((y, n)) = number_of(id) else {
        return error(
            StatusCode::NOT_FOUND,
            format,
            "service_request_id sconosciuto",
        );
    };
    match state.app.reports().by_number(ente.ente_id(), y, n).await {
        Ok(v) => {
            let e = extras(&state, &ente, &v).await;
            answer(
                StatusCode::OK,
                format,
                "service_requests",
                &V::L("request", vec![request_v(&state, &ente.slug, &v, &e)]),
            )
        }
        Err(e) => app_error(format, e),
    }
}

/// `GET /open311/v2/tokens/{token}.{fmt}`: the request a token stands for.
pub async fn token(
    State(state): State<WebState>,
    Path(file): Path<String>,
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some((token, format)) = split(&file) else {
        return error(StatusCode::NOT_FOUND, Format::Json, "Risorsa non trovata");
    };
    let p = params(query);
    let ente = match jurisdiction(&state, format, &p.jurisdiction_id).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match state.app.reports().by_token(ente.ente_id(), token).await {
        Ok(v) => answer(
            StatusCode::OK,
            format,
            "service_requests",
            &V::L(
                "request",
                vec![V::O(vec![
                    ("service_request_id", s(v.code.clone())),
                    ("token", s(token)),
                ])],
            ),
        ),
        Err(e) => app_error(format, e),
    }
}

/// The most a POST's form may weigh: a report's text and its few fields.
pub const POST_LIMIT: usize = 16 * 1024;

/// `POST /open311/v2/requests.{fmt}`: a civic app files a report for its user.
///
/// The key is checked before the body is read when the client sends it in the query string;
/// GeoReport clients usually send it in the form itself, so the body (at most [`POST_LIMIT`],
/// refused unread beyond that by the route's limit) is read first in that case.
pub async fn create(
    State(state): State<WebState>,
    Path(file): Path<String>,
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
    request: axum::extract::Request,
) -> Response {
    let Some(("requests", format)) = split(&file) else {
        return error(StatusCode::NOT_FOUND, Format::Json, "Risorsa non trovata");
    };
    // Civic apps are programs, not pages of another site: a browser's cross-site request is
    // refused before anything else.
    if !crate::extract::same_origin(request.headers(), &state.app.settings.public_url) {
        return error(
            StatusCode::FORBIDDEN,
            format,
            "Richiesta da un altro sito rifiutata",
        );
    }
    let q = params(query);
    let reports = state.app.reports();
    // The key in the query string is checked before the body is read; a body declared larger
    // than a report can be is refused unread.
    let mut client = None;
    if !q.api_key.trim().is_empty() {
        let ente = match jurisdiction(&state, format, &q.jurisdiction_id).await {
            Ok(e) => e,
            Err(r) => return r,
        };
        match reports.client_of(ente.ente_id(), &q.api_key).await {
            Ok(c) => client = Some(c),
            Err(e) => return app_error(format, e),
        }
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > POST_LIMIT) {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format,
            "Richiesta troppo grande per una segnalazione",
        );
    }
    let body = match axum::body::to_bytes(request.into_body(), POST_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format,
                "Richiesta troppo grande per una segnalazione",
            )
        }
    };
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let jurisdiction_id = if q.jurisdiction_id.trim().is_empty() {
        get("jurisdiction_id")
    } else {
        q.jurisdiction_id.clone()
    };
    let ente = match jurisdiction(&state, format, &jurisdiction_id).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let client = match client {
        // Checked above, for the query's jurisdiction (which is then the one used).
        Some(c) => c,
        None => match reports.client_of(ente.ente_id(), &get("api_key")).await {
            Ok(c) => c,
            Err(e) => return app_error(format, e),
        },
    };
    let description = get("description");
    // GeoReport has no subject: the first line of the description (cut at 120 characters).
    let subject: String = description
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .chars()
        .take(sportello_domain::reports::SUBJECT_MAX)
        .collect();
    // `address_string` is «street number» or «street, number».
    let anonymous = match get(&format!("attribute[{ANONYMOUS}]")).trim() {
        "" | "si" => true,
        "no" => false,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                format,
                "attribute[anonimo] vale si oppure no",
            )
        }
    };
    let address = get("address_string");
    let (street, number) = split_address(&address);
    let input = ReportInput {
        category: get("service_code"),
        subject,
        description,
        street,
        house_number: number,
        lat: get("lat"),
        lon: get("long"),
        anonymous,
    };
    let checked = match reports.check(ente.ente_id(), &input, &[]).await {
        Ok(Ok(c)) => c,
        Ok(Err(problems)) => {
            let text = problems
                .iter()
                .map(|p| crate::refusals::report_message(crate::Lang::It, p))
                .collect::<Vec<_>>()
                .join(" ");
            return error(StatusCode::BAD_REQUEST, format, &text);
        }
        Err(e) => return app_error(format, e),
    };
    let email = get("email");
    let name = format!("{} {}", get("first_name").trim(), get("last_name").trim());
    let email = email.trim();
    let name = name.trim();
    if email.len() > 254 || name.chars().count() > 120 {
        return error(
            StatusCode::BAD_REQUEST,
            format,
            "email o nome troppo lunghi",
        );
    }
    match reports
        .file(
            ente.ente_id(),
            Reporter::Client {
                client: &client,
                email: Some(email).filter(|e| !e.is_empty()),
                name: Some(name).filter(|n| !n.is_empty()),
            },
            &checked,
        )
        .await
    {
        Ok(v) => answer(
            StatusCode::CREATED,
            format,
            "service_requests",
            &V::L(
                "request",
                vec![V::O(vec![
                    ("service_request_id", s(v.code.clone())),
                    ("token", s(v.row.token.clone())),
                    (
                        "service_notice",
                        s(format!(
                            "Termine per la risposta: {}",
                            v.due.map(|d| d.to_string()).unwrap_or_default()
                        )),
                    ),
                    ("account_id", V::Null),
                ])],
            ),
        ),
        Err(e) => app_error(format, e),
    }
}

/// «Via Grande 12» → («Via Grande», «12»); «Via Grande, 12/A» → («Via Grande», «12/A»).
fn split_address(text: &str) -> (String, String) {
    let text = text.trim();
    if let Some((street, number)) = text.rsplit_once(',') {
        return (street.trim().to_string(), number.trim().to_string());
    }
    match text.rsplit_once(' ') {
        Some((street, last)) if last.starts_with(|c: char| c.is_ascii_digit()) => {
            (street.trim().to_string(), last.to_string())
        }
        _ => (text.to_string(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_street_and_number() {
        assert_eq!(
            split_address("Via Grande 12"),
            ("Via Grande".into(), "12".into())
        );
        assert_eq!(
            split_address("Via Grande, 12/A"),
            ("Via Grande".into(), "12/A".into())
        );
        assert_eq!(
            split_address("Piazza XX Settembre"),
            ("Piazza XX Settembre".into(), String::new())
        );
    }

    #[test]
    fn both_formats_say_the_same() {
        let v = V::L(
            "request",
            vec![V::O(vec![
                ("service_request_id", s("2026-0001")),
                ("lat", V::Null),
                ("note", s("a < b & \"c\"\u{1}")),
            ])],
        );
        assert_eq!(
            json_of(&v).to_string(),
            r#"[{"lat":null,"note":"a < b & \"c\"\u0001","service_request_id":"2026-0001"}]"#
        );
        let mut x = String::new();
        xml_of("service_requests", &v, &mut x);
        assert_eq!(
            x,
            "<service_requests><request><service_request_id>2026-0001</service_request_id><lat/><note>a &lt; b &amp; &quot;c&quot;</note></request></service_requests>"
        );
        assert_eq!(split("services.json"), Some(("services", Format::Json)));
        assert_eq!(split("2026-0001.xml"), Some(("2026-0001", Format::Xml)));
        assert_eq!(split("services.html"), None);
    }
}

//! `/api/v1/enti/{istat}/albo`: the albo pretorio of an ente, as data (issue 18).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sportello_app::model::AlboQuery;
use sportello_domain::albo::Executivity;
use sportello_domain::tenancy::IstatCode;

use crate::api::Problem;
use crate::errors::{problem, problem_for};
use crate::WebState;

/// A document of an act: its name, its SHA-256 and, while the act is online, where to read it.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct AlboDocument {
    #[schema(example = "delibera-42.pdf")]
    pub name: String,
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
    /// Only while the act is online: once its period is over, documents are not published.
    pub url: Option<String>,
}

/// An act on the albo pretorio.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct AlboAct {
    /// The albo's register number, `year/number`.
    #[schema(example = "2026/0042")]
    pub register: String,
    /// The act's type (code) and its label.
    #[schema(example = "delibera-giunta")]
    pub act_type: String,
    #[schema(example = "Deliberazione della Giunta comunale")]
    pub act_type_label: String,
    pub subject: String,
    /// The act's own number, if it has one.
    pub act_number: String,
    /// The day the act was adopted (`YYYY-MM-DD`), if known.
    pub act_date: Option<String>,
    /// Who asked for the publication (an office, or an outside body).
    pub requester: String,
    pub responsible: String,
    /// From and to (RFC 3339, UTC), the end lengthened by any outage of the albo.
    pub published_from: String,
    pub published_to: String,
    /// `published`, `annulled` (still listed until its period ends) or `ended`.
    #[schema(example = "published")]
    pub state: String,
    pub annulment_reason: Option<String>,
    /// A deliberation's executivity date (`YYYY-MM-DD`), and whether it was declared
    /// immediately executive.
    pub executive_from: Option<String>,
    pub immediately_executive: bool,
    /// Minutes added to the period for outages of the albo, and the same in seconds.
    pub outage_minutes: i64,
    pub outage_seconds: i64,
    /// The act's page on the portal.
    pub url: String,
    pub document: AlboDocument,
    pub attachments: Vec<AlboDocument>,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlboParams {
    /// Words in the subject, the requester or the act's number (all must match: on PostgreSQL
    /// by their Italian stems, on SQLite as written with the last word also as a prefix).
    q: Option<String>,
    /// Only acts of this type (`delibera-consiglio`, `delibera-giunta`, `determinazione`,
    /// `ordinanza`, `decreto`, `avviso`, `bando`, `matrimonio`, `permesso-costruire`,
    /// `atto-terzi`, `altro`; or one of the ente's own, `ente-…`, as its acts give it in
    /// `act_type`).
    tipo: Option<String>,
    /// `true`: the historic register (every act ever published, newest first); `false` or
    /// absent: what is online now.
    #[param(value_type = Option<bool>)]
    storico: Option<String>,
    /// Paging: the acts published before this place in the register. A response with more
    /// acts carries a `Link` header (`rel="next"`) with the next page's address.
    #[param(value_type = Option<i64>, minimum = 1)]
    prima: Option<String>,
}

/// Acts on one page of the API.
const API_PAGE: usize = 200;

fn rfc3339(ms: Option<i64>) -> String {
    ms.map(sportello_app::model::from_millis)
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The acts of an ente's albo pretorio: what is online now, or the historic register.
#[utoipa::path(
    get,
    path = "/api/v1/enti/{istat}/albo",
    tag = "albo",
    params(("istat" = String, Path, description = "ISTAT code, 6 digits", example = "049009"), AlboParams),
    responses(
        (status = 200, description = "The acts, newest first (at most 200 a page)", body = [AlboAct],
            headers(("Link" = String, description = "The next page, `<…>; rel=\"next\"`, when there is one"))),
        (status = 404, description = "No municipality has this code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is not valid", body = Problem, content_type = "application/problem+json")
    )
)]
pub async fn list(
    State(state): State<WebState>,
    Path(istat): Path<String>,
    query: Result<Query<AlboParams>, QueryRejection>,
) -> Response {
    let Query(query) = match query {
        Ok(q) => q,
        Err(e) => {
            // serde's own words are English and about types: say what is accepted instead.
            let _ = e;
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Parametri non validi",
                "Sono ammessi i parametri q, tipo, storico (true o false) e prima (un intero positivo), ciascuno una volta.",
            );
        }
    };
    if IstatCode::parse(&istat).is_err() {
        return problem(
            StatusCode::NOT_FOUND,
            "Ente non trovato",
            "Il codice ISTAT deve avere 6 cifre; nessun ente ha questo codice.",
        );
    }
    let ente = match state.app.ente_by_istat(&istat).await {
        Ok(e) => e,
        Err(sportello_app::AppError::NotFound) => {
            return problem(
                StatusCode::NOT_FOUND,
                "Ente non trovato",
                &format!("Nessun ente ha il codice ISTAT {istat}."),
            )
        }
        Err(e) => return problem_for(e),
    };
    // Any of the ente's types, in use or retired, the region's or its own.
    let act_type = match query.tipo.as_deref() {
        None | Some("") => None,
        Some(t) => match state.app.albo().periods(ente.ente_id()).await {
            Ok(types) if types.iter().any(|p| p.act.code == t) => Some(t.to_string()),
            Ok(_) => {
                return problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Parametro «tipo» non valido",
                    "Il tipo di atto non è tra quelli dell'albo dell'ente.",
                )
            }
            Err(e) => return problem_for(e),
        },
    };
    let q = AlboQuery {
        words: query
            .q
            .clone()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect(),
        act_type,
        year: None,
        number: None,
        before: None,
        limit: i64::try_from(API_PAGE + 1).unwrap_or(201),
    };
    let q =
        match query.prima.as_deref().map(str::parse::<i64>) {
            None => q,
            Some(Ok(key)) if key > 0 => AlboQuery {
                before: Some(key),
                ..q
            },
            Some(_) => return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Parametro «prima» non valido",
                "Il parametro «prima» è un intero positivo, come nel link alla pagina successiva.",
            ),
        };
    // Read strictly: anything but `true` or `false` is refused, not taken as «no».
    let history = match query.storico.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Parametro «storico» non valido",
                "Il parametro «storico» vale «true» oppure «false».",
            )
        }
    };
    let entries = match state.app.albo().board(ente.ente_id(), &q, history).await {
        Ok(e) => e,
        Err(e) => return problem_for(e),
    };
    let base = state
        .app
        .settings
        .public_url
        .trim_end_matches('/')
        .to_string();
    // One more than a page was asked for: if it came, the next page starts after the last
    // act given.
    let next = (entries.len() > API_PAGE)
        .then(|| entries.get(API_PAGE - 1).and_then(|e| e.row.board_key))
        .flatten()
        .map(|key| {
            let mut link = url::form_urlencoded::Serializer::new(String::new());
            if let Some(words) = query.q.as_deref().filter(|w| !w.trim().is_empty()) {
                link.append_pair("q", words);
            }
            if let Some(t) = q.act_type.as_deref() {
                link.append_pair("tipo", t);
            }
            if history {
                link.append_pair("storico", "true");
            }
            link.append_pair("prima", &key.to_string());
            format!(
                "<{base}/api/v1/enti/{istat}/albo?{}>; rel=\"next\"",
                link.finish()
            )
        });
    let acts: Vec<AlboAct> = entries
        .into_iter()
        .take(API_PAGE)
        .map(|e| {
            let register = e.register.clone().unwrap_or_default();
            let page = format!("{base}/{}/albo/{register}", ente.slug);
            // Served only while online and not annulled.
            let served = e.online && e.row.state != "annulled";
            let doc_url = |i: usize| served.then(|| format!("{page}/documenti/{i}"));
            AlboAct {
                act_type: e.act.code.to_string(),
                act_type_label: e.act.label.to_string(),
                subject: e.row.subject.clone(),
                act_number: e.row.act_number.clone(),
                act_date: e.row.act_date.clone(),
                requester: e.row.requester.clone(),
                responsible: e.row.responsible.clone(),
                published_from: rfc3339(e.row.start_ms),
                published_to: rfc3339(e.row.end_ms),
                state: e.row.state.clone(),
                annulment_reason: e.row.annulment_reason.clone(),
                executive_from: e.executivity.map(|x| x.day().to_string()),
                immediately_executive: matches!(e.executivity, Some(Executivity::Immediate(_))),
                outage_minutes: e.row.outage_ms.div_euclid(60_000),
                outage_seconds: e.row.outage_ms.div_euclid(1000),
                document: AlboDocument {
                    name: e.row.document_name.clone(),
                    sha256: e.row.document_digest.clone(),
                    url: doc_url(0),
                },
                attachments: e
                    .attachments
                    .iter()
                    .enumerate()
                    .map(|(i, (name, digest))| AlboDocument {
                        name: name.clone(),
                        sha256: digest.clone(),
                        url: doc_url(i + 1),
                    })
                    .collect(),
                url: page,
                register,
            }
        })
        .collect();
    let mut response = Json(acts).into_response();
    if let Some(link) = next.and_then(|l| axum::http::HeaderValue::from_str(&l).ok()) {
        response
            .headers_mut()
            .insert(axum::http::header::LINK, link);
    }
    response
}

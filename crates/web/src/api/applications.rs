//! The API of applying online: the adopted catalogue of an ente, filing an application (JSON,
//! or multipart with files; `Idempotency-Key` honoured), and the person's own applications.
//! Authorised by the signed-in session: the cookie, or its token as `Authorization: Bearer`.

use axum::extract::{FromRequest, Multipart, Path, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sportello_app::applications::{ApplyError, OfferedService, Receipt};
use sportello_app::blobs::{ReceiveError, Upload};
use sportello_app::AppError;
use sportello_domain::forms::Values;
use sportello_domain::identity::CitizenIdentity;

use crate::api::Problem;
use crate::context::Ctx;
use crate::errors::{problem, problem_for};
use crate::pages::apply::field_message_in;

/// A service of the ente's catalogue.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct Service {
    #[schema(example = "occupazione-suolo-pubblico")]
    pub id: String,
    pub version: u32,
    pub title: String,
    pub summary: String,
    /// The subject matter, as the municipal website model's address names it.
    #[schema(example = "mobilita-e-trasporti")]
    pub category: String,
    /// AgID's code of the subject matter (1-15); `null` for the cross-cutting services.
    #[schema(example = 4, nullable)]
    pub category_code: Option<u8>,
    /// The Designers Italia type of service.
    #[schema(example = "permessi_e_documenti")]
    pub service_type: String,
    /// How it is obtained: `online` (filed through this API or the portal), `office` (at the
    /// office: the scheda says how), `payment` (paid from the debt file).
    #[schema(example = "online")]
    pub access: String,
    /// The office takes appointments for it.
    pub appointment: bool,
    /// What must be signed: `firma_digitale` or `asseverazione`; absent when nothing.
    pub signature: Option<String>,
    #[schema(example = "L2")]
    pub spid_level: String,
    /// The legal regime: `{"kind":"ordinary","term_days":30}`, `silent_consent`, `scia`, `immediate`.
    #[schema(value_type = Object)]
    pub regime: serde_json::Value,
    /// The fees: each with its label and amount (`[]` when the service is free).
    #[schema(value_type = Vec<Object>)]
    pub fees: serde_json::Value,
    /// Digital maturity on the plans' ladder, 1 to 5, derived from what the service does at
    /// this ente (4: entirely online; 3: its fees cannot be paid through pagoPA here).
    pub maturity: u8,
    /// The filing window, when there is one (`null` otherwise).
    #[schema(value_type = Option<Object>, nullable)]
    pub window: serde_json::Value,
    /// The office in charge (code).
    pub office: String,
}

/// A service with its public page and its form schema.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct ServiceDetail {
    #[serde(flatten)]
    pub service: Service,
    /// The public page (scheda informativa).
    #[schema(value_type = Object)]
    pub scheda: serde_json::Value,
    /// The form: steps → sections → fields, with types and rules.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
}

fn service_dto(s: &OfferedService, takes_payments: bool) -> Service {
    let d = &s.definition;
    Service {
        id: d.id.clone(),
        version: d.version,
        title: d.title.clone(),
        summary: d.summary.clone(),
        category: d.category.code().into(),
        category_code: d.category.agid_code(),
        service_type: d.service_type.code().into(),
        access: d.access.code().into(),
        appointment: d.appointment,
        signature: d.signature.map(|s| s.code().into()),
        spid_level: d.spid_level.code().into(),
        regime: serde_json::to_value(d.regime).unwrap_or_default(),
        fees: serde_json::to_value(&d.fees).unwrap_or_default(),
        maturity: sportello_app::accountability::maturity_of(s, takes_payments).level(),
        window: serde_json::to_value(d.window).unwrap_or_default(),
        office: d.scheda.office.clone(),
    }
}

/// The registration of a filed application.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct Registration {
    pub application_id: String,
    /// Registration number, seven digits.
    #[schema(example = "0000042")]
    pub number: String,
    pub year: i64,
    #[schema(example = "AOO-049009")]
    pub aoo: String,
    /// Italian civil time, RFC 3339.
    pub registered_at: String,
    /// SHA-256 of the application, hex.
    pub document_digest: String,
    #[schema(value_type = Object)]
    pub attachments: serde_json::Value,
    /// The sender as registered: the applicant, with their codice fiscale.
    pub correspondent: String,
    /// First come, first served: position of arrival among the service's filings.
    pub arrival: Option<i64>,
    /// Beyond the ente's quota: registered all the same, funded only if places free up.
    pub over_quota: Option<bool>,
    pub classification: String,
    pub fascicolo: String,
    /// The cases the filing opened besides its own (procedimento unico), under this one
    /// registration: each its own procedure, office and term.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<RegistrationPart>,
}

/// A case a filing opened besides its own.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct RegistrationPart {
    pub application_id: String,
    #[schema(example = "occupazione-suolo-pubblico")]
    pub service_id: String,
    /// The office that handles it.
    pub office: String,
    /// The case's state, as stored (`protocollata`, `scia_efficace`, …).
    pub state: String,
    /// When the office must decide, ISO 8601; absent for procedures concluded on filing.
    pub due: Option<String>,
}

fn registration_dto(r: Receipt) -> Registration {
    Registration {
        application_id: r.application_id,
        number: r.number,
        year: r.year,
        aoo: r.aoo,
        registered_at: r.registered_at,
        document_digest: r.document_digest,
        attachments: serde_json::to_value(&r.attachments).unwrap_or_default(),
        classification: r.classification,
        fascicolo: r.fascicolo,
        correspondent: r.correspondent,
        arrival: r.arrival,
        over_quota: r.over_quota,
        parts: r
            .parts
            .into_iter()
            .map(|p| RegistrationPart {
                application_id: p.id,
                service_id: p.service_id,
                office: p.office,
                state: p.state.code().to_string(),
                due: p.due.map(|d| d.to_string()),
            })
            .collect(),
    }
}

async fn ente(ctx: &Ctx, istat: &str) -> Result<sportello_app::model::EnteRow, Response> {
    not_found_as_problem(ctx.state.app.ente_by_istat(istat).await, istat)
}

/// The ente for filing, from memory when read less than a second ago (a click day's requests
/// all name the same one).
async fn ente_for_filing(
    ctx: &Ctx,
    istat: &str,
) -> Result<sportello_app::model::EnteRow, Response> {
    not_found_as_problem(ctx.state.app.ente_by_istat_hot(istat).await, istat)
}

#[allow(clippy::result_large_err)]
fn not_found_as_problem(
    found: Result<sportello_app::model::EnteRow, AppError>,
    istat: &str,
) -> Result<sportello_app::model::EnteRow, Response> {
    found.map_err(|e| match e {
        AppError::NotFound => problem(
            StatusCode::NOT_FOUND,
            "Ente non trovato",
            &format!("Nessun ente ha il codice ISTAT {istat}."),
        ),
        other => problem_for(other),
    })
}

/// The adopted catalogue of an ente.
#[utoipa::path(get, path = "/api/v1/enti/{istat}/servizi", tag = "servizi",
    params(("istat" = String, Path, description = "ISTAT code of the ente")),
    responses((status = 200, body = [Service]), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn services(ctx: Ctx, Path(istat): Path<String>) -> Response {
    let e = match ente(&ctx, &istat).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let (catalogue, acc) = (ctx.state.app.catalogue(), ctx.state.app.accountability());
    let found = tokio::try_join!(
        catalogue.offered_services(e.ente_id()),
        acc.takes_payments(e.ente_id())
    );
    match found {
        Ok((list, paying)) => Json(
            list.iter()
                .map(|s| service_dto(s, paying))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => problem_for(e),
    }
}

/// One service, with its public page and form schema.
#[utoipa::path(get, path = "/api/v1/enti/{istat}/servizi/{id}", tag = "servizi",
    params(("istat" = String, Path), ("id" = String, Path, description = "service id")),
    responses((status = 200, body = ServiceDetail), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn service(ctx: Ctx, Path((istat, id)): Path<(String, String)>) -> Response {
    let e = match ente(&ctx, &istat).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let (catalogue, acc) = (ctx.state.app.catalogue(), ctx.state.app.accountability());
    let found = tokio::try_join!(
        catalogue.offered_service(e.ente_id(), &id),
        acc.takes_payments(e.ente_id())
    );
    match found {
        Ok((s, paying)) => Json(ServiceDetail {
            scheda: serde_json::to_value(&s.definition.scheda).unwrap_or_default(),
            form: serde_json::to_value(&s.definition.form).unwrap_or_default(),
            service: service_dto(&s, paying),
        })
        .into_response(),
        Err(e) => problem_for(e),
    }
}

/// The body of a JSON submission.
#[derive(utoipa::ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApplicationBody {
    /// Field id → value, as text.
    #[schema(value_type = Object)]
    pub data: std::collections::BTreeMap<String, FieldValue>,
    /// The declaration under DPR 445/2000 art. 46-47: must be true.
    pub declaration: bool,
}

fn unauthorised() -> Response {
    let mut r = problem(
        StatusCode::UNAUTHORIZED,
        "Accesso richiesto",
        "Accedi con SPID o CIE; invia la sessione come cookie o come token Bearer.",
    );
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    r
}

/// A submitted field's value, read straight from the JSON as the form's text: a string as it
/// is, a number as JSON writes it, `true` as "true", `false` and `null` as empty (not given).
/// An array of objects is a group's rows (each cell read as a field's text); any other array,
/// and an object, is no field's value, and is refused naming the field.
#[derive(Debug, PartialEq)]
pub enum FieldValue {
    Text(String),
    Rows(Vec<Values>),
    NotText,
}

/// A group's cell as the form's text, or `None` when it is no field's value.
fn cell_text(v: serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(true) => Some("true".into()),
        serde_json::Value::Bool(false) | serde_json::Value::Null => Some(String::new()),
        _ => None,
    }
}

impl<'de> serde::Deserialize<'de> for FieldValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = FieldValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field's value")
            }
            fn visit_str<E>(self, v: &str) -> Result<FieldValue, E> {
                Ok(FieldValue::Text(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<FieldValue, E> {
                Ok(FieldValue::Text(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<FieldValue, E> {
                Ok(FieldValue::Text(if v {
                    "true".into()
                } else {
                    String::new()
                }))
            }
            fn visit_i64<E>(self, v: i64) -> Result<FieldValue, E> {
                Ok(FieldValue::Text(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<FieldValue, E> {
                Ok(FieldValue::Text(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<FieldValue, E> {
                Ok(FieldValue::Text(
                    serde_json::Number::from_f64(v)
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                ))
            }
            fn visit_unit<E>(self) -> Result<FieldValue, E> {
                Ok(FieldValue::Text(String::new()))
            }
            fn visit_none<E>(self) -> Result<FieldValue, E> {
                Ok(FieldValue::Text(String::new()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<FieldValue, A::Error> {
                let mut rows = Vec::new();
                let mut text = true;
                while let Some(element) = seq.next_element::<serde_json::Value>()? {
                    let serde_json::Value::Object(cells) = element else {
                        text = false;
                        continue;
                    };
                    let mut row = Values::new();
                    for (k, v) in cells {
                        match cell_text(v) {
                            Some(t) => {
                                row.insert(k, t);
                            }
                            None => text = false,
                        }
                    }
                    rows.push(row);
                }
                Ok(if text {
                    FieldValue::Rows(rows)
                } else {
                    FieldValue::NotText
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FieldValue, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(FieldValue::NotText)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A JSON body, read without axum's `Json` extractor: that one tracks the path of every value
/// it reads (`serde_path_to_error`), an allocation per member of a 2 KB form. The same checks:
/// a JSON content type (415 otherwise), the body limit, and a 422 naming what is wrong.
async fn read_json_body(request: Request) -> Result<NewApplicationBody, Response> {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase())
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        });
    if !json {
        return Err(problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Tipo di contenuto non supportato",
            "invia i dati come `Content-Type: application/json`, o come multipart/form-data con una parte `data`",
        ));
    }
    let bytes = axum::body::Bytes::from_request(request, &())
        .await
        .map_err(|e| problem(e.status(), "Richiesta non valida", &e.body_text()))?;
    serde_json::from_slice::<NewApplicationBody>(&bytes).map_err(|e| {
        problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Richiesta non valida",
            &format!("corpo JSON: {e}"),
        )
    })
}

/// Errors of a submission as a problem document naming each field.
fn apply_problem(error: AppError) -> Response {
    let (status, title, detail, fields) = match error {
        AppError::Apply(ApplyError::Fields(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Dati non validi",
            "Alcuni campi non sono validi: vedi `errors`.".to_string(),
            errors
                .iter()
                .map(|e| serde_json::json!({"field": e.field, "message": field_message_in(crate::Lang::It, &e.kind)}))
                .collect(),
        ),
        AppError::Apply(ApplyError::LevelTooLow(level)) => (
            StatusCode::FORBIDDEN,
            "Livello di accesso insufficiente",
            format!("Il servizio richiede l'accesso con SPID o CIE di livello {}: accedi di nuovo a quel livello.", level.code()),
            vec![],
        ),
        AppError::Apply(ApplyError::WindowNotOpen(w)) => (
            StatusCode::CONFLICT,
            "Domande non aperte",
            format!("Le domande si possono presentare dal {} al {}.", w.opens_at, w.closes_at),
            vec![],
        ),
        AppError::Apply(ApplyError::AlreadyFiled(n)) => (
            StatusCode::CONFLICT,
            "Domanda già presentata",
            format!("È ammessa una sola domanda per persona: la tua ha il protocollo n. {n}."),
            vec![],
        ),
        AppError::Apply(ApplyError::DeclarationMissing) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Dichiarazione mancante",
            "`declaration` deve essere true (D.P.R. 445/2000, artt. 46-47).".into(),
            vec![],
        ),
        AppError::Apply(e @ (ApplyError::File(_) | ApplyError::FileTypeNotAccepted | ApplyError::FileTooLarge(_))) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "File non accettato", e.to_string(), vec![])
        }
        AppError::Apply(ApplyError::ValueTooLong { field, max }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Valore troppo lungo",
            format!("il campo `{field}` supera {max} caratteri"),
            vec![],
        ),
        AppError::Apply(ApplyError::FeesUnpaid) => (
            StatusCode::CONFLICT,
            "Pagamento richiesto prima dell'invio",
            "I costi di questo servizio si pagano con pagoPA prima di inviare la domanda: presentala dal portale, che fa pagare l'avviso prima dell'invio.".into(),
            vec![],
        ),
        AppError::Apply(ApplyError::NotOnline) => (
            StatusCode::CONFLICT,
            "Servizio non disponibile online",
            "questo servizio non si presenta online: la sua scheda dice come ottenerlo".into(),
            vec![],
        ),
        AppError::Apply(ApplyError::TooManyDrafts(n)) => (
            StatusCode::CONFLICT,
            "Troppe bozze",
            format!("ci sono già {n} bozze di questo servizio: completale o eliminale"),
            vec![],
        ),
        other => return problem_for(other),
    };
    let body = serde_json::json!({"type": "about:blank", "title": title, "status": status.as_u16(), "detail": detail, "errors": fields});
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// Files an application: JSON `{"data": {...}, "declaration": true}`, or multipart with a
/// `data` part (that JSON) and one part per file field.
#[utoipa::path(post, path = "/api/v1/enti/{istat}/servizi/{id}/domande", tag = "domande",
    params(("istat" = String, Path), ("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "The same key returns the same registration")),
    request_body(content = NewApplicationBody, description = "JSON, or multipart/form-data with a `data` part and file parts"),
    responses(
        (status = 201, description = "Filed and registered", body = Registration),
        (status = 200, description = "Already filed with this Idempotency-Key", body = Registration),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Sent by another site with the session cookie", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such ente, or the ente does not offer the service", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not possible now (the window is closed, already filed, outside an assisted session's reach); `detail` says why", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the service allows", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor multipart/form-data", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many uploads at once: try again after Retry-After", body = Problem, content_type = "application/problem+json")))]
pub async fn file(
    ctx: Ctx,
    Path((istat, id)): Path<(String, String)>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    if let Err(refused) = cross_site_refused(&ctx, &headers) {
        return refused;
    }
    let Ok(_admitted) = ctx.state.filings.clone().try_acquire_owned() else {
        return problem_for(AppError::Overloaded);
    };
    let Some(who) = ctx.citizen().cloned() else {
        return unauthorised();
    };
    let e = match ente_for_filing(&ctx, &istat).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .map(str::to_string);
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    let (body, files) = if multipart {
        match read_multipart(&ctx.state.app, request).await {
            Ok(x) => x,
            Err(r) => return r,
        }
    } else {
        match read_json_body(request).await {
            Ok(b) => (b, vec![]),
            Err(r) => return r,
        }
    };
    submit_parsed(&ctx, e.ente_id(), &id, &who, body, files, key.as_deref()).await
}

/// The API's largest body (its route's `DefaultBodyLimit`), and so its largest file.
const API_BODY_MAX: u64 = 40 * 1024 * 1024;
/// The largest `data` part: the form's values as JSON.
const DATA_PART_MAX: usize = 1024 * 1024;

/// Reads a multipart filing: the `data` part, and each file streamed to a file aside as it
/// arrives (never held in memory).
async fn read_multipart(
    app: &sportello_app::App,
    request: Request,
) -> Result<(NewApplicationBody, Vec<(String, String, Upload)>), Response> {
    let bad = |detail: &str| problem(StatusCode::BAD_REQUEST, "Richiesta non valida", detail);
    let too_large = |detail: &str| {
        problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Richiesta troppo grande",
            detail,
        )
    };
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "cannot write an upload aside");
        problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Errore interno",
            "Si è verificato un errore imprevisto.",
        )
    };
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| bad(&e.body_text()))?;
    let mut body = None;
    let mut files = Vec::new();
    while let Some(mut part) = multipart
        .next_field()
        .await
        .map_err(|e| bad(&e.body_text()))?
    {
        let name = part.name().unwrap_or_default().to_string();
        if name == "data" {
            let mut json = Vec::new();
            while let Some(chunk) = part.chunk().await.map_err(|e| too_large(&e.body_text()))? {
                if json.len().saturating_add(chunk.len()) > DATA_PART_MAX {
                    return Err(too_large("la parte `data` supera 1 MB"));
                }
                json.extend_from_slice(&chunk);
            }
            body = Some(
                serde_json::from_slice::<NewApplicationBody>(&json).map_err(|e| {
                    problem(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "Richiesta non valida",
                        &format!("parte `data`: {e}"),
                    )
                })?,
            );
            continue;
        }
        let file_name = part
            .file_name()
            .map_or_else(|| "file".to_owned(), str::to_string);
        let mut writer = app.receive(API_BODY_MAX).await.map_err(|e| failed(&e))?;
        while let Some(chunk) = part.chunk().await.map_err(|e| too_large(&e.body_text()))? {
            match writer.write(&chunk).await {
                Ok(()) => {}
                Err(ReceiveError::TooLarge { .. }) => {
                    return Err(too_large("il file supera il limite della richiesta"))
                }
                Err(e) => return Err(failed(&e)),
            }
        }
        files.push((
            name,
            file_name,
            writer.finish().await.map_err(|e| failed(&e))?,
        ));
    }
    let body = body.ok_or_else(|| {
        problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Richiesta non valida",
            "manca la parte `data`",
        )
    })?;
    Ok((body, files))
}

async fn submit_parsed(
    ctx: &Ctx,
    ente: sportello_domain::tenancy::EnteId,
    service_id: &str,
    who: &CitizenIdentity,
    body: NewApplicationBody,
    files: Vec<(String, String, Upload)>,
    key: Option<&str>,
) -> Response {
    let mut values = Values::new();
    let mut given_as_rows = std::collections::BTreeSet::new();
    for (k, v) in body.data {
        match v {
            FieldValue::Text(text) if !text.is_empty() => {
                values.insert(k, text);
            }
            FieldValue::Text(_) => {}
            FieldValue::Rows(rows) => {
                let text = sportello_domain::forms::rows_text(&rows);
                given_as_rows.insert(k.clone());
                if !text.is_empty() {
                    values.insert(k, text);
                }
            }
            FieldValue::NotText => {
                return apply_problem(AppError::Apply(ApplyError::Fields(vec![
                    sportello_domain::forms::FieldError {
                        field: k,
                        kind: sportello_domain::forms::ErrorKind::NotAnOption,
                    },
                ])))
            }
        }
    }
    let filing = sportello_app::applications::Filing {
        values,
        files,
        declaration: body.declaration,
        idempotency_key: key.map(str::to_string),
        given_as_rows,
    };
    match ctx
        .state
        .app
        .applications()
        .apply_at_once(ente, service_id, who, &filing)
        .await
    {
        Ok((receipt, created)) => {
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, Json(registration_dto(receipt))).into_response()
        }
        Err(e) => apply_problem(e),
    }
}

/// One of my applications.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct MyApplication {
    pub id: String,
    pub ente: String,
    pub service: String,
    /// `draft`, `submitted` or `withdrawn`.
    pub status: String,
    pub number: Option<String>,
    pub registered_at: Option<String>,
}

/// My applications, in every ente.
#[utoipa::path(get, path = "/api/v1/me/domande", tag = "domande",
    responses((status = 200, body = [MyApplication]), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn mine(ctx: Ctx) -> Response {
    let Some(who) = ctx.citizen().cloned() else {
        return unauthorised();
    };
    match ctx.state.app.applications().my_applications(&who).await {
        Ok(list) => Json(
            list.into_iter()
                .map(|a| MyApplication {
                    id: a.id,
                    ente: a.ente_slug,
                    service: a.service_title,
                    status: a.status.code().to_owned(),
                    number: a.number,
                    registered_at: a.registered_at,
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => problem_for(e),
    }
}

/// One of my applications, with its registration.
#[utoipa::path(get, path = "/api/v1/me/domande/{id}", tag = "domande",
    params(("id" = String, Path)),
    responses((status = 200, body = MyApplication), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn one_of_mine(ctx: Ctx, Path(id): Path<String>) -> Response {
    let Some(who) = ctx.citizen().cloned() else {
        return unauthorised();
    };
    match ctx.state.app.applications().my_applications(&who).await {
        Ok(list) => match list.into_iter().find(|a| a.id == id) {
            Some(a) => Json(MyApplication {
                id: a.id,
                ente: a.ente_slug,
                service: a.service_title,
                status: a.status.code().to_owned(),
                number: a.number,
                registered_at: a.registered_at,
            })
            .into_response(),
            None => problem(
                StatusCode::NOT_FOUND,
                "Domanda non trovata",
                "Nessuna tua domanda ha questo identificativo.",
            ),
        },
        Err(e) => problem_for(e),
    }
}

/// A token for API clients, for the signed-in person (send it as `Authorization: Bearer`).
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct Token {
    pub token: String,
    pub token_type: String,
}

/// Issues a bearer token (a new session) for the person signed in with this session.
#[utoipa::path(post, path = "/api/v1/me/token", tag = "domande",
    responses((status = 201, body = Token), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Sent by another site with the session cookie", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not from an assisted session", body = Problem, content_type = "application/problem+json")))]
pub async fn token(ctx: Ctx, headers: HeaderMap) -> Response {
    if let Err(refused) = cross_site_refused(&ctx, &headers) {
        return refused;
    }
    let Some(who) = ctx.citizen().cloned() else {
        return unauthorised();
    };
    match ctx.state.app.identity().api_token(&who).await {
        Ok(token) => (
            StatusCode::CREATED,
            Json(Token {
                token,
                token_type: "Bearer".into(),
            }),
        )
            .into_response(),
        Err(e) => problem_for(e),
    }
}

/// The API takes writes with a bearer token from anywhere, and with the session cookie only
/// from this site's own pages: a request another site makes a browser send (its
/// `Sec-Fetch-Site` or `Origin` says so) is refused before its body is read, whatever cookie
/// it carries. See docs/design/web.md.
#[allow(clippy::result_large_err)]
fn cross_site_refused(ctx: &Ctx, headers: &HeaderMap) -> Result<(), Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    if bearer || crate::extract::same_origin(headers, &ctx.state.app.settings.public_url) {
        return Ok(());
    }
    Err(problem(
        StatusCode::FORBIDDEN,
        "Richiesta da un altro sito",
        "Questa richiesta arriva da un'altra origine: con il cookie di sessione l'API accetta solo richieste dalle pagine del portale. Usa un token (Authorization: Bearer).",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_values_are_read_as_the_forms_text() {
        let body: NewApplicationBody = serde_json::from_str(
            r#"{"data": {"a": "testo", "b": 12, "c": -3, "d": 1.5, "e": 1e20, "f": true,
                "g": false, "h": null, "i": ["x", {"y": 1}], "j": {"k": [1, 2]}},
                "declaration": true}"#,
        )
        .unwrap();
        let text = |k: &str| match body.data.get(k) {
            Some(FieldValue::Text(t)) => Some(t.as_str()),
            _ => None,
        };
        assert_eq!(text("a"), Some("testo"));
        assert_eq!(text("b"), Some("12"));
        assert_eq!(text("c"), Some("-3"));
        assert_eq!(text("d"), Some("1.5"));
        // As serde_json writes the number, the way the value was read before.
        let e = serde_json::json!(1e20).to_string();
        assert_eq!(text("e"), Some(e.as_str()));
        assert_eq!(text("f"), Some("true"));
        assert_eq!(text("g"), Some(""));
        assert_eq!(text("h"), Some(""));
        assert_eq!(body.data.get("i"), Some(&FieldValue::NotText));
        let rows: NewApplicationBody = serde_json::from_str(
            r#"{"data": {"g": [{"nome": "Anna", "n": 2, "x": null}], "e": []}, "declaration": true}"#,
        )
        .unwrap();
        let anna: Values = [("nome", "Anna"), ("n", "2"), ("x", "")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(rows.data.get("g"), Some(&FieldValue::Rows(vec![anna])));
        assert_eq!(rows.data.get("e"), Some(&FieldValue::Rows(vec![])));
        assert_eq!(body.data.get("j"), Some(&FieldValue::NotText));
        assert!(body.declaration);
        for bad in [
            r#"{"data": {}, "declaration": true, "extra": 1}"#,
            r#"{"data": {}}"#,
            r#"{"data": [], "declaration": true}"#,
            r#"{"data": {"a": "x"}, "declaration": true"#,
        ] {
            assert!(
                serde_json::from_str::<NewApplicationBody>(bad).is_err(),
                "{bad}"
            );
        }
    }
}

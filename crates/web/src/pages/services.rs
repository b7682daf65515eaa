//! A municipality's online services: the list by category with search, and the public page of
//! a service (scheda informativa) with "Compila la domanda".

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::applications::{ActingFor, ApplyError, OfferedService};
use sportello_app::model::EnteRow;
use sportello_app::AppError;
use sportello_domain::catalogue::{ApplicantKind, Category, Regime};

use crate::context::{Ctx, Page};
use crate::errors::{message, page_for, render};
use crate::extract::{Anyone, CitizenHere, CsrfFields, CsrfMultipart};

/// Replaces each `{}` of a catalogue text with the next argument.
pub fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::new();
    let mut rest = template;
    for arg in args {
        match rest.split_once("{}") {
            Some((before, after)) => {
                out.push_str(before);
                out.push_str(arg);
                rest = after;
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// A date as Italians write it: 31/12/2026.
pub fn it_date(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// An instant in Italian civil time, to the minute: 31/12/2026 18:00.
pub fn it_minutes(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[day]/[month]/[year] [hour]:[minute]");
    sportello_domain::calendar::in_rome(t)
        .format(&f)
        .unwrap_or_default()
}

pub fn rome_time(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| {
            let f =
                time::macros::format_description!("[day]/[month]/[year] [hour]:[minute]:[second]");
            sportello_domain::calendar::in_rome(t).format(&f).ok()
        })
        .unwrap_or_else(|| rfc3339.to_string())
}

pub fn term_text(ctx: &Ctx, regime: Regime) -> String {
    match regime {
        Regime::Ordinary { term_days } => fill(ctx.t("regime.ordinary"), &[&term_days.to_string()]),
        Regime::SilentConsent { term_days } => {
            fill(ctx.t("regime.silent_consent"), &[&term_days.to_string()])
        }
        Regime::Scia { control_days } => fill(ctx.t("regime.scia"), &[&control_days.to_string()]),
        Regime::Immediate => ctx.t("regime.immediate").to_string(),
    }
}

pub struct ServiceCard {
    pub id: String,
    pub title: String,
    pub summary: String,
}

pub struct CategoryGroup {
    pub key: String,
    pub services: Vec<ServiceCard>,
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    page: Page,
    slug: String,
    q: String,
    category: String,
    /// Every category of the municipal model, in its order: (slug, message key, services).
    categories: Vec<(String, String, usize)>,
    groups: Vec<CategoryGroup>,
    /// When nothing was found: the URP's phone and e-mail (either may be empty).
    ask: Option<(String, String)>,
}

/// The words a service is found by: its title, summary and what it gives, in the reader's
/// language (a reader of English finds it by its Italian name too; a reader of Italian is not
/// misled by English words: «cane» is not «can»).
pub fn service_terms_in(
    d: &sportello_domain::catalogue::ServiceDefinition,
    lang: crate::i18n::Lang,
) -> Vec<String> {
    let mut text = format!(
        "{} {} {}",
        d.title,
        d.summary,
        d.outcome_documents.join(" ")
    );
    if let (crate::i18n::Lang::En, Some(en)) = (lang, &d.en) {
        text.push(' ');
        text.push_str(&format!(
            "{} {} {}",
            en.title,
            en.summary,
            en.outcome_documents.join(" ")
        ));
    }
    sportello_domain::search::terms(&text)
}

/// A service's title in the reader's language: its English title from the regional catalogue
/// for a reader of English, else the one given (as the ente offers it).
pub fn title_in(ctx: &Ctx, service_id: &str, italian: &str) -> String {
    if ctx.lang() == crate::i18n::Lang::En {
        if let Some(en) = sportello_app::catalogue::regional_catalogue()
            .ok()
            .and_then(|c| c.iter().find(|s| s.id == service_id))
            .and_then(|s| s.en.as_ref())
        {
            return en.title.clone();
        }
    }
    italian.to_string()
}

/// The service as the reader's language shows it: its English texts for a reader of English.
pub fn in_language(
    ctx: &Ctx,
    d: &sportello_domain::catalogue::ServiceDefinition,
) -> sportello_domain::catalogue::ServiceDefinition {
    match ctx.lang() {
        crate::i18n::Lang::En => d.in_english(),
        crate::i18n::Lang::It => d.clone(),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct ServicesQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    categoria: String,
}

pub async fn ente_or_404(ctx: &Ctx, slug: &str) -> Result<EnteRow, Response> {
    ctx.state
        .app
        .ente_by_slug(slug)
        .await
        .map_err(|e| page_for(ctx, e))
}

pub async fn list(
    ctx: Ctx,
    Path(slug): Path<String>,
    query: Result<Query<ServicesQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let services = match ctx
        .state
        .app
        .catalogue()
        .offered_services(ente.ente_id())
        .await
    {
        Ok(s) => s,
        Err(e) => return page_for(&ctx, e),
    };
    let q = sportello_domain::search::Query::parse(&query.q, sportello_app::catalogue::synonyms());
    let groups: Vec<CategoryGroup> = Category::ALL
        .into_iter()
        .filter(|c| query.categoria.is_empty() || c.code() == query.categoria)
        .map(|c| CategoryGroup {
            key: format!("category.{}", c.code()),
            services: services
                .iter()
                .map(|s| &s.definition)
                .filter(|d| d.category == c)
                .filter(|d| q.is_empty() || q.finds(&service_terms_in(d, ctx.lang())))
                .map(|d| {
                    let (title, summary) = match (ctx.lang(), &d.en) {
                        (crate::i18n::Lang::En, Some(en)) => (en.title.clone(), en.summary.clone()),
                        _ => (d.title.clone(), d.summary.clone()),
                    };
                    ServiceCard {
                        id: d.id.clone(),
                        title,
                        summary,
                    }
                })
                .collect(),
        })
        .filter(|g| !g.services.is_empty())
        .map(|mut g| {
            // By title, as a reader looks for them.
            g.services
                .sort_by_key(|c| sportello_domain::search::terms(&c.title));
            g
        })
        .collect();
    // Nothing found: whom to ask.
    let ask = if groups.is_empty() && !q.is_empty() {
        match ctx.state.app.ente_profile(ente.ente_id()).await {
            Ok(p) => Some((p.phone, p.email)),
            Err(e) => return page_for(&ctx, e),
        }
    } else {
        None
    };
    let title = ctx.t("services.title");
    render(&ServicesPage {
        ask,
        page: ctx.page_for_ente(title, &ente.name, &ente.slug),
        slug: ente.slug,
        q: query.q.chars().take(100).collect(),
        category: query.categoria,
        categories: Category::ALL
            .iter()
            .map(|c| {
                let n = services
                    .iter()
                    .filter(|s| s.definition.category == *c)
                    .count();
                (c.code().to_string(), format!("category.{}", c.code()), n)
            })
            .collect(),
        groups,
    })
}

#[derive(Template)]
#[template(path = "service.html")]
struct ServicePage {
    page: Page,
    slug: String,
    service: OfferedService,
    term: String,
    office: String,
    category_key: String,
    /// The Designers Italia type of service, as a message key.
    type_key: String,
    /// `online`, `office` or `payment` (`Access::code`).
    access: &'static str,
    /// The ente takes pagoPA payments (a payment is made from the debt file).
    paying: bool,
    fees: Vec<(String, String)>,
    level_key: String,
    /// How the service is filed, in plain words (its maturity level on the plans' ladder).
    maturity_key: String,
    /// How long it took over the last year, when some cases were decided.
    times: Option<String>,
    window: Option<String>,
    signed_in: bool,
    /// The person's latest draft of this service: (resume href, last change).
    draft: Option<(String, String)>,
    office_code: String,
    /// A booking calendar offers appointments for this service.
    booking: bool,
    /// The schema.org description the municipal model reads (JSON, safe inside a script).
    metatag: String,
    /// The procedures one application starts together (procedimento unico): (href, title,
    /// whether only where needed).
    parts: Vec<(String, String, bool)>,
    /// The message naming what must be signed, if anything.
    sig_key: String,
}

/// The service as schema.org's GovernmentService, for the municipal model's metatag.
fn metatag(
    ctx: &Ctx,
    ente: &EnteRow,
    d: &sportello_domain::catalogue::ServiceDefinition,
    office: &str,
    address: &str,
) -> String {
    let json = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "name": d.title,
        "serviceType": ctx.t(&format!("category.{}", d.category.code())),
        "serviceOperator": { "name": format!("Comune di {}", ente.name) },
        "areaServed": { "name": ente.name },
        "audience": { "audienceType": d.scheda.who },
        "availableChannel": {
            "serviceUrl": format!("{}/{}/servizi/{}", ctx.state.app.settings.public_url, ente.slug, d.id),
            "serviceLocation": {
                "name": office,
                "address": {
                    "streetAddress": address,
                    "addressLocality": ente.name,
                }
            }
        }
    });
    // Inside a <script>, «<» could close it: written as a JSON escape instead.
    json.to_string().replace('<', "\\u003c")
}

pub async fn office_name(ctx: &Ctx, ente: &EnteRow, code: &str) -> Result<String, Response> {
    ctx.state
        .app
        .catalogue()
        .office_name(ente.ente_id(), code)
        .await
        .map_err(|e| page_for(ctx, e))
}

pub async fn detail(ctx: Ctx, Path((slug, id)): Path<(String, String)>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let service = match ctx
        .state
        .app
        .catalogue()
        .offered_service(ente.ente_id(), &id)
        .await
    {
        Ok(s) => s,
        Err(e) => return page_for(&ctx, e),
    };
    let mut service = service;
    service.definition = in_language(&ctx, &service.definition);
    let d = &service.definition;
    let window = d.window.map(|w| {
        let show = it_minutes;
        fill(
            ctx.t("scheda.window"),
            &[&show(w.opens_at), &show(w.closes_at)],
        )
    });
    let office_code = service
        .overrides
        .office
        .clone()
        .unwrap_or_else(|| d.scheda.office.clone());
    let office = match office_name(&ctx, &ente, &office_code).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let draft = match ctx.citizen() {
        Some(who) => match ctx
            .state
            .app
            .applications()
            .drafts_of(ente.ente_id(), &d.id, who)
            .await
        {
            Ok(drafts) => drafts.into_iter().next().map(|(draft, at, step)| {
                let resume = sportello_app::applications::resume_path(
                    usize::try_from(step).unwrap_or(0),
                    d.form.steps.len(),
                );
                (
                    format!("/{}/domande/{draft}/{resume}", ente.slug),
                    it_minutes(sportello_app::model::from_millis(at)),
                )
            }),
            Err(e) => return page_for(&ctx, e),
        },
        None => None,
    };
    let address = match ctx.state.app.ente_profile(ente.ente_id()).await {
        Ok(p) if !p.address.is_empty() => p.address,
        Ok(_) => ctx.t("contacts.default_address").to_owned(),
        Err(e) => return page_for(&ctx, e),
    };
    let acc = ctx.state.app.accountability();
    let (paying, median) = match tokio::try_join!(
        acc.takes_payments(ente.ente_id()),
        acc.service_median(ente.ente_id(), &d.id)
    ) {
        Ok(x) => x,
        Err(e) => return page_for(&ctx, e),
    };
    let maturity = sportello_app::accountability::maturity_of(&service, paying);
    let times = median.map(|(days, cases)| match d.regime.term_days() {
        Some(term) if cases == 1 => fill(
            ctx.t("times.service_line_one"),
            &[&days.to_string(), &term.to_string()],
        ),
        Some(term) => fill(
            ctx.t("times.service_line"),
            &[&days.to_string(), &cases.to_string(), &term.to_string()],
        ),
        None => fill(
            ctx.t("times.service_line_no_term"),
            &[&days.to_string(), &cases.to_string()],
        ),
    });
    let mut page = ctx.page_for_ente(d.title.clone(), &ente.name, &ente.slug);
    page.feedback = page.feedback.map(|f| f.about_service(&d.id));
    let booking = ctx
        .state
        .app
        .bookings()
        .calendars(ente.ente_id(), false)
        .await
        .map(|c| {
            c.iter()
                .any(|c| c.row.service_slug.as_deref() == Some(d.id.as_str()))
        })
        .unwrap_or(false);
    let catalogue = sportello_app::catalogue::regional_catalogue().unwrap_or_default();
    let parts = d
        .parts
        .iter()
        .map(|p| {
            let italian = catalogue
                .iter()
                .find(|s| s.id == p.service)
                .map_or_else(|| p.service.clone(), |s| s.title.clone());
            (
                format!("/{}/servizi/{}", ente.slug, p.service),
                title_in(&ctx, &p.service, &italian),
                p.when.is_some(),
            )
        })
        .collect();
    render(&ServicePage {
        sig_key: d
            .signature
            .map(|s| format!("scheda.signature_{}", s.code()))
            .unwrap_or_default(),
        parts,
        booking,
        metatag: metatag(&ctx, &ente, d, &office, &address),
        office_code,
        draft,
        page,
        slug: ente.slug.clone(),
        term: term_text(&ctx, d.regime),
        office,
        category_key: format!("category.{}", d.category.code()),
        type_key: format!("service_type.{}", d.service_type.code()),
        access: d.access.code(),
        paying,
        fees: d
            .fees
            .iter()
            .map(|f| (f.reason.clone(), f.amount.to_string()))
            .collect(),
        level_key: format!("level.{}", d.spid_level.code()),
        maturity_key: format!("maturity.{}", maturity.level()),
        times,
        window,
        signed_in: ctx.citizen().is_some(),
        service,
    })
}

#[derive(Template)]
#[template(path = "public_ranking.html")]
struct PublicRankingPage {
    page: Page,
    slug: String,
    service_id: String,
    service_title: String,
    /// «Graduatoria approvata il …», when one is published.
    lead: Option<String>,
    superseded: Option<String>,
    criteria: Vec<String>,
    lines: Vec<sportello_app::back_office::PublishedLine>,
}

/// A call's ranking as the municipality published it: positions, registration numbers and
/// points, never names.
pub async fn public_ranking(ctx: Ctx, Path((slug, id)): Path<(String, String)>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let service = match ctx
        .state
        .app
        .catalogue()
        .offered_service(ente.ente_id(), &id)
        .await
    {
        Ok(s) if s.definition.ranking.is_some() => s,
        Ok(_) => return page_for(&ctx, sportello_app::AppError::NotFound),
        Err(e) => return page_for(&ctx, e),
    };
    let published = match ctx.state.app.published_ranking(ente.ente_id(), &id).await {
        Ok(p) => p,
        Err(e) => return page_for(&ctx, e),
    };
    let d = in_language(&ctx, &service.definition);
    let title = format!("{}: {}", ctx.t("ranking.public_title"), d.title);
    let (lead, superseded, criteria, lines) = match published {
        Some((r, older)) => (
            Some(fill(
                ctx.t("ranking.public_lead"),
                &[&it_minutes(r.approved_at)],
            )),
            (older > 0).then(|| fill(ctx.t("ranking.superseded"), &[&older.to_string()])),
            // The labels in the reader's language where the call's criteria still match.
            match &d.ranking {
                Some(rule) if rule.criteria.len() == r.criteria.len() => {
                    rule.criteria.iter().map(|c| c.label.clone()).collect()
                }
                _ => r.criteria,
            },
            r.lines,
        ),
        None => (None, None, Vec::new(), Vec::new()),
    };
    render(&PublicRankingPage {
        page: ctx.page_for_ente(title, &ente.name, &ente.slug),
        slug: ente.slug.clone(),
        service_id: d.id.clone(),
        service_title: d.title.clone(),
        lead,
        superseded,
        criteria,
        lines,
    })
}

/// "Compila la domanda": signs in at the service's level if needed, then starts a draft.
pub async fn start(
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    request: axum::extract::Request,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let back = format!("/{}/servizi/{}", ente.slug, id);
    // A service given at the office, or paid, is never filled in online: whoever asks (signed
    // in or not) is sent back to its scheda, which says how to obtain it. Nothing is read.
    match ctx
        .state
        .app
        .catalogue()
        .offered_service(ente.ente_id(), &id)
        .await
    {
        Ok(s) if s.definition.access != sportello_domain::catalogue::Access::Online => {
            return Redirect::to(&format!("{back}#accedi-al-servizio")).into_response();
        }
        Ok(_) => {}
        Err(e) => return page_for(&ctx, e),
    }
    // Someone not signed in is sent to sign in at the service's level without the body being
    // read (the button changes nothing); a citizen's form is checked (origin, token) as usual.
    let who = ctx.citizen().cloned();
    if who.is_some() {
        use axum::extract::FromRequest;
        if let Err(refused) = CsrfFields::<Anyone>::from_request(request, &ctx.state).await {
            return refused;
        }
    }
    let Some(who) = who else {
        let level = match ctx
            .state
            .app
            .catalogue()
            .offered_service(ente.ente_id(), &id)
            .await
        {
            Ok(s) => s.definition.spid_level,
            Err(e) => return page_for(&ctx, e),
        };
        return Redirect::to(&format!("/accedi?livello={}&torna={}", level.code(), back))
            .into_response();
    };
    // An assisted session files only at the operator's ente: said before anything else.
    if let Err(e) = sportello_app::sessions::reaches_ente(&who, ente.ente_id()) {
        return apply_error(&ctx, e, &back);
    }
    // Services a business or a professional may file ask first on whose behalf.
    let offered = match ctx
        .state
        .app
        .catalogue()
        .offered_service(ente.ente_id(), &id)
        .await
    {
        Ok(s) => s,
        Err(e) => return page_for(&ctx, e),
    };
    let others = offered
        .definition
        .applicants
        .iter()
        .any(|a| matches!(a, ApplicantKind::Business | ApplicantKind::Professional));
    if others {
        return Redirect::to(&format!("/{}/servizi/{}/per-conto-di", ente.slug, id))
            .into_response();
    }
    match ctx
        .state
        .app
        .applications()
        .start_application(ente.ente_id(), &id, &who)
        .await
    {
        Ok(app_id) => {
            Redirect::to(&format!("/{}/domande/{app_id}/passo/1", ente.slug)).into_response()
        }
        Err(e) => apply_error(&ctx, e, &back),
    }
}

#[derive(Template)]
#[template(path = "acting_for.html")]
struct ActingForPage {
    page: Page,
    slug: String,
    id: String,
    title: String,
    myself: bool,
    company: Option<String>,
    professional: bool,
    client_id: String,
    client_name: String,
    error: Option<String>,
}

async fn acting_page(
    ctx: &Ctx,
    slug: &str,
    id: &str,
    client: (&str, &str),
    error: Option<String>,
) -> Response {
    let ente = match ente_or_404(ctx, slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(who) = ctx.citizen().cloned() else {
        return Redirect::to(&format!("/accedi?torna=/{slug}/servizi/{id}")).into_response();
    };
    let offered = match ctx
        .state
        .app
        .catalogue()
        .offered_service(ente.ente_id(), id)
        .await
    {
        Ok(s) => s,
        Err(e) => return page_for(ctx, e),
    };
    if offered.definition.access != sportello_domain::catalogue::Access::Online {
        return Redirect::to(&format!("/{slug}/servizi/{id}#accedi-al-servizio")).into_response();
    }
    let allows = |k: ApplicantKind| offered.definition.applicants.contains(&k);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    crate::errors::render_status(
        status,
        &ActingForPage {
            page: ctx.page_for_ente(
                in_language(ctx, &offered.definition).title,
                &ente.name,
                &ente.slug,
            ),
            slug: ente.slug.clone(),
            id: id.to_string(),
            title: in_language(ctx, &offered.definition).title,
            myself: allows(ApplicantKind::Citizen),
            company: who
                .company
                .as_ref()
                .filter(|_| allows(ApplicantKind::Business))
                .map(|c| format!("{} (P.IVA {})", c.name, c.vat)),
            professional: allows(ApplicantKind::Professional),
            client_id: client.0.to_string(),
            client_name: client.1.to_string(),
            error,
        },
    )
}

pub async fn acting_form(ctx: Ctx, Path((slug, id)): Path<(String, String)>) -> Response {
    acting_page(&ctx, &slug, &id, ("", ""), None).await
}

/// Starts the application for oneself, one's company, or a client with a signed mandate.
pub async fn acting_start(
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    CsrfMultipart(CitizenHere(who), mut posted): CsrfMultipart<CitizenHere, 20>,
) -> Response {
    let mandate = posted.take_file("procura");
    let get = |k: &str| posted.get(k);
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let (client_id, client_name) = (get("cliente_codice"), get("cliente_nome"));
    let acting = match get("per_conto_di").as_str() {
        "me" => ActingFor::Myself,
        "impresa" => ActingFor::Company,
        "cliente" => match mandate {
            Some((mandate_file_name, mandate)) => ActingFor::Client {
                id: client_id.trim().to_string(),
                name: client_name.clone(),
                mandate_file_name,
                mandate,
            },
            None => {
                return acting_page(
                    &ctx,
                    &slug,
                    &id,
                    (&client_id, &client_name),
                    Some(ctx.t("acting.mandate_missing").into()),
                )
                .await
            }
        },
        _ => {
            return acting_page(
                &ctx,
                &slug,
                &id,
                (&client_id, &client_name),
                Some(ctx.t("acting.choose").into()),
            )
            .await
        }
    };
    match ctx
        .state
        .app
        .applications()
        .start_application_for(ente.ente_id(), &id, &who, acting)
        .await
    {
        Ok(app_id) => {
            Redirect::to(&format!("/{}/domande/{app_id}/passo/1", ente.slug)).into_response()
        }
        Err(AppError::Apply(
            refusal @ (ApplyError::BadClient
            | ApplyError::BadMandate
            | ApplyError::ActingNotAllowed),
        )) => {
            let key = match refusal {
                ApplyError::BadClient => "acting.bad_client",
                ApplyError::BadMandate => "acting.bad_mandate",
                _ => "acting.not_allowed",
            };
            acting_page(
                &ctx,
                &slug,
                &id,
                (&client_id, &client_name),
                Some(ctx.t(key).into()),
            )
            .await
        }
        Err(e) => apply_error(&ctx, e, &format!("/{slug}/servizi/{id}")),
    }
}

/// The page for an error that stops an application.
pub fn apply_error(ctx: &Ctx, error: AppError, back: &str) -> Response {
    let text = match error {
        AppError::Apply(ApplyError::LevelTooLow(level)) => {
            // Sign in again, at the level the service needs.
            return Redirect::to(&format!("/accedi?livello={}&torna={back}", level.code()))
                .into_response();
        }
        AppError::Apply(ApplyError::WindowNotOpen(w)) => {
            let show = it_minutes;
            fill(
                ctx.t("apply.window_not_open"),
                &[&show(w.opens_at), &show(w.closes_at)],
            )
        }
        AppError::Apply(ApplyError::AlreadyFiled(number)) => {
            fill(ctx.t("apply.already_filed"), &[&number])
        }
        AppError::Apply(ApplyError::NotADraft) => ctx.t("apply.not_a_draft").to_string(),
        AppError::Apply(ApplyError::TooManyDrafts(n)) => {
            fill(ctx.t("apply.too_many_drafts"), &[&n.to_string()])
        }
        // Back to the scheda, which says how to obtain it.
        AppError::Apply(ApplyError::NotOnline) => {
            return Redirect::to(&format!("{back}#accedi-al-servizio")).into_response();
        }
        AppError::Apply(ApplyError::ValueTooLong { max, .. }) => {
            fill(ctx.t("apply.value_too_long"), &[&max.to_string()])
        }
        other => return page_for(ctx, other),
    };
    message(
        ctx,
        StatusCode::CONFLICT,
        "error.403_title",
        text,
        "warning",
    )
}

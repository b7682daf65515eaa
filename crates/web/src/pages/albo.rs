//! The albo pretorio (issue 18). The public board of each ente (`/{ente}/albo`: what is online
//! now, searchable; the historic register; an entry with its documents while it is online; the
//! AlboPOP feed), the region's feed, and the office's desk (`/staff/albo`: ask to publish, the
//! publication officer publishes after the privacy check, annuls, extends).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::albo::{AlboEntry, RequestInput, RequestProblem};
use sportello_app::model::{AlboEventRow, AlboQuery};
use sportello_domain::albo::{ActType, Executivity};
use sportello_domain::identity::{may, Permission};

use super::services::{ente_or_404, fill, it_minutes};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render, render_status, shown_refusal};
use crate::extract::{
    ConfiguresAlbo, CsrfFields, CsrfMultipart, PublishesOnAlbo, RequestsPublication, Staff,
    WorksOnAlbo,
};
use sportello_app::sessions::StaffPrincipal;

/// An entry as the pages show it.
pub struct EntryView {
    pub id: i64,
    pub register: String,
    pub register_path: String,
    pub act: String,
    pub subject: String,
    pub act_number: String,
    pub act_date: String,
    pub requester: String,
    pub responsible: String,
    pub requested_by: String,
    pub published_by: String,
    pub from: String,
    pub to: String,
    pub days: i64,
    pub state: String,
    pub online: bool,
    pub annulled: bool,
    pub annulment_reason: String,
    /// Why the publication officer sent the request back (empty otherwise).
    pub return_reason: String,
    pub executivity: String,
    pub extract: bool,
    pub document_name: String,
    pub document_digest: String,
    pub attachments: Vec<(String, String)>,
    /// (what kind, as said, whether it must never be published, where).
    pub findings: Vec<(String, bool, String)>,
    pub requested: bool,
    /// Something found that is never published (health data): only an extract can go.
    pub forbidden: bool,
    pub outage_minutes: i64,
    /// The outages added, as people read a length («2 ore e 9 minuti»).
    pub outage: String,
    pub relata: String,
    /// The protocol registration the request arrived through (empty: none).
    pub protocol_ref: String,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// A length in minutes as people read it: «9 minuti», «1 ora e 5 minuti», «2 giorni e 3 ore».
fn duration_words(ctx: &Ctx, minutes: i64) -> String {
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let unit =
        |n: i64, one: &str, many: &str| format!("{n} {}", ctx.t(if n == 1 { one } else { many }));
    let parts: Vec<String> = [
        (days, "albo.day_one", "albo.days"),
        (hours, "albo.hour_one", "albo.hours"),
        (mins, "albo.minute_one", "albo.minutes"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .take(2)
    .map(|(n, one, many)| unit(n, one, many))
    .collect();
    if parts.is_empty() {
        unit(0, "albo.minute_one", "albo.minutes")
    } else {
        parts.join(&format!(" {} ", ctx.t("albo.and")))
    }
}

fn it_day(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

fn view(ctx: &Ctx, e: &AlboEntry) -> EntryView {
    let r = &e.row;
    let when = |ms: Option<i64>| {
        ms.map(|m| it_minutes(sportello_app::model::from_millis(m)))
            .unwrap_or_default()
    };
    EntryView {
        id: r.id,
        register: e.register.clone().unwrap_or_default(),
        register_path: e.register.clone().unwrap_or_default(),
        act: e.act.label.to_string(),
        subject: r.subject.clone(),
        act_number: r.act_number.clone(),
        act_date: r
            .act_date
            .as_deref()
            .map(|d| d.split('-').rev().collect::<Vec<_>>().join("/"))
            .unwrap_or_default(),
        requester: r.requester.clone(),
        responsible: r.responsible.clone(),
        requested_by: r.requested_by.clone(),
        published_by: r.published_by.clone().unwrap_or_default(),
        from: when(r.start_ms),
        to: when(r.end_ms),
        days: r.days,
        state: ctx.t(&format!("albo.state.{}", r.state)).to_string(),
        online: e.online,
        annulled: r.state == "annulled",
        annulment_reason: r.annulment_reason.clone().unwrap_or_default(),
        return_reason: r.return_reason.clone().unwrap_or_default(),
        protocol_ref: r.protocol_ref.clone().unwrap_or_default(),
        executivity: match e.executivity {
            Some(Executivity::Immediate(d)) => fill(ctx.t("albo.immediately"), &[&it_day(d)]),
            Some(Executivity::AfterTenDays(d)) => fill(ctx.t("albo.executive_from"), &[&it_day(d)]),
            None => String::new(),
        },
        extract: r.extract == 1,
        document_name: r.document_name.clone(),
        document_digest: r.document_digest.clone(),
        attachments: e.attachments.clone(),
        findings: e
            .findings
            .iter()
            .map(|f| {
                (
                    ctx.t(&format!("albo.finding.{}", f.kind)).to_string(),
                    f.forbidden,
                    f.context.clone(),
                )
            })
            .collect(),
        requested: r.state == "requested",
        forbidden: e.findings.iter().any(|f| f.forbidden),
        outage_minutes: r.outage_ms.div_euclid(60_000),
        outage: duration_words(ctx, r.outage_ms.div_euclid(60_000)),
        relata: r.relata_registration.clone().unwrap_or_default(),
        start_ms: r.start_ms.unwrap_or_default(),
        end_ms: r.end_ms.unwrap_or_default(),
    }
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct BoardQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    tipo: String,
    #[serde(default)]
    anno: String,
    /// Keyset paging: the register's entries before this place (the next page's link).
    #[serde(default)]
    prima: String,
}

impl BoardQuery {
    fn query(&self, limit: i64) -> AlboQuery {
        // A register number as the board shows it («2026/0005»), or written the other way
        // round as protocol numbers are («5/2026»): that entry.
        let register = self.q.trim().split_once('/').and_then(|(a, b)| {
            let year = |y: &str| {
                y.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|y| (2000..=2200).contains(y))
            };
            let number = |n: &str| n.trim().parse::<i64>().ok().filter(|n| *n > 0);
            match (year(a), year(b)) {
                (Some(y), _) => Some((y, number(b)?)),
                (_, Some(y)) => Some((y, number(a)?)),
                _ => None,
            }
        });
        if let Some((year, number)) = register {
            return AlboQuery {
                words: String::new(),
                act_type: None,
                year: Some(year),
                number: Some(number),
                before: None,
                limit,
            };
        }
        AlboQuery {
            number: None,
            words: self.q.chars().take(200).collect(),
            // A region type's code, or one of the shape of an ente's own.
            act_type: (ActType::by_code(&self.tipo).is_some()
                || (self.tipo.starts_with("ente-")
                    && self.tipo.len() <= 64
                    && self
                        .tipo
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')))
            .then(|| self.tipo.clone()),
            year: self
                .anno
                .trim()
                .parse()
                .ok()
                .filter(|y| (2000..=2200).contains(y)),
            before: self.prima.trim().parse().ok().filter(|k: &i64| *k > 0),
            limit,
        }
    }
}

#[derive(Template)]
#[template(path = "albo.html")]
struct BoardPage {
    page: Page,
    slug: String,
    ente: String,
    entries: Vec<EntryView>,
    history: bool,
    q: String,
    tipo: String,
    anno: String,
    /// A year was typed that is not one (it is left out of the search, and said).
    year_invalid: bool,
    types: Vec<(String, String)>,
    /// The next page's address, when there is one.
    next: Option<String>,
}

/// Entries on one page of the board or of the register.
const PAGE: usize = 50;

/// The ente's act types for the search's filter: all of them, in use or not (a type switched
/// off still has its acts on the board and in the register).
async fn types(ctx: &Ctx, ente: sportello_domain::tenancy::EnteId) -> Vec<(String, String)> {
    ctx.state
        .app
        .albo()
        .periods(ente)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.act.code.to_string(), p.act.label.to_string()))
        .collect()
}

/// The board (`history`: the historic register).
async fn board_page(
    ctx: &Ctx,
    slug: &str,
    query: Result<Query<BoardQuery>, QueryRejection>,
    history: bool,
) -> Response {
    let ente = match ente_or_404(ctx, slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let query = query.map(|q| q.0).unwrap_or_default();
    let entries = match ctx
        .state
        .app
        .albo()
        .board(
            ente.ente_id(),
            &query.query(i64::try_from(PAGE + 1).unwrap_or(51)),
            history,
        )
        .await
    {
        Ok(e) => e,
        Err(e) => return page_for(ctx, e),
    };
    // One more than a page was asked for: if it came, there is a next page, from the last
    // entry shown on.
    let next = (entries.len() > PAGE)
        .then(|| entries.get(PAGE - 1).and_then(|e| e.row.board_key))
        .flatten()
        .map(|key| {
            let mut link = url::form_urlencoded::Serializer::new(String::new());
            for (name, value) in [
                ("q", &query.q),
                ("tipo", &query.tipo),
                ("anno", &query.anno),
            ] {
                if !value.trim().is_empty() {
                    link.append_pair(name, value);
                }
            }
            link.append_pair("prima", &key.to_string());
            format!(
                "/{}/albo{}?{}",
                ente.slug,
                if history { "/storico" } else { "" },
                link.finish()
            )
        });
    let title = ctx.t(if history {
        "albo.history_title"
    } else {
        "albo.title"
    });
    let types = types(ctx, ente.ente_id()).await;
    let mut response = render(&BoardPage {
        page: ctx.page_for_ente(title, &ente.name, &ente.slug),
        slug: ente.slug,
        ente: ente.name,
        entries: entries.iter().take(PAGE).map(|e| view(ctx, e)).collect(),
        history,
        next,
        q: query.q,
        tipo: query.tipo,
        year_invalid: !query.anno.trim().is_empty()
            && !query
                .anno
                .trim()
                .parse::<i64>()
                .is_ok_and(|y| (2000..=2200).contains(&y)),
        anno: query.anno,
        types,
    });
    noindex(&mut response);
    response
}

/// The albo's pages are not for search engines (the Garante's guidelines, 243/2014 § 3.1).
fn noindex(response: &mut Response) {
    response.headers_mut().insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex"),
    );
}

pub async fn board(
    ctx: Ctx,
    Path(slug): Path<String>,
    query: Result<Query<BoardQuery>, QueryRejection>,
) -> Response {
    board_page(&ctx, &slug, query, false).await
}

pub async fn history(
    ctx: Ctx,
    Path(slug): Path<String>,
    query: Result<Query<BoardQuery>, QueryRejection>,
) -> Response {
    board_page(&ctx, &slug, query, true).await
}

#[derive(Template)]
#[template(path = "albo_entry.html")]
struct EntryPage {
    page: Page,
    slug: String,
    ente: String,
    entry: EntryView,
    events: Vec<EventView>,
}

pub struct EventView {
    pub seq: i64,
    /// The event's kind as stored (`published`, `annulled`, …).
    pub kind: String,
    pub what: String,
    pub when: String,
    pub hash: String,
}

fn events_view(ctx: &Ctx, events: &[AlboEventRow]) -> Vec<EventView> {
    events
        .iter()
        .map(|e| EventView {
            seq: e.seq,
            kind: e.kind.clone(),
            what: ctx.t(&format!("albo.event.{}", e.kind)).to_string(),
            when: it_minutes(sportello_app::model::from_millis(e.at_ms)),
            hash: e.hash.clone(),
        })
        .collect()
}

fn register_of(year: &str, number: &str) -> Option<(i64, i64)> {
    Some((year.parse().ok()?, number.parse().ok()?))
}

pub async fn entry(
    ctx: Ctx,
    Path((slug, year, number)): Path<(String, String, String)>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some((year, number)) = register_of(&year, &number) else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    let (entry, events) = match ctx
        .state
        .app
        .albo()
        .public_entry(ente.ente_id(), year, number)
        .await
    {
        Ok(e) => e,
        Err(e) => return page_for(&ctx, e),
    };
    let entry = view(&ctx, &entry);
    let title = format!("{} {}", ctx.t("albo.entry_title"), entry.register);
    let mut response = render(&EntryPage {
        page: ctx.page_for_ente(&title, &ente.name, &ente.slug),
        slug: ente.slug,
        ente: ente.name,
        entry,
        events: events_view(&ctx, &events),
    });
    noindex(&mut response);
    response
}

/// A document of an entry online now (0: the act; 1…: attachments). Once the period is over:
/// 410 Gone, with a page that says so and how to ask for access.
#[derive(serde::Deserialize, Default)]
pub struct DocumentQuery {
    /// `pdf`: of a signed envelope (`.p7m`), the PDF it holds.
    #[serde(default)]
    formato: String,
}

pub async fn document(
    ctx: Ctx,
    Path((slug, year, number, which)): Path<(String, String, String, String)>,
    query: Result<Query<DocumentQuery>, QueryRejection>,
) -> Response {
    let readable = query.map(|q| q.0.formato == "pdf").unwrap_or(false);
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let (Some((year, number)), Ok(which)) = (register_of(&year, &number), which.parse::<usize>())
    else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    match ctx
        .state
        .app
        .albo()
        .public_document(ente.ente_id(), year, number, which)
        .await
    {
        Ok((name, bytes)) => {
            if readable {
                readable_pdf(&ctx, &name, &bytes)
            } else {
                pdf(&name, bytes)
            }
        }
        Err(sportello_app::AppError::Refusal(
            refusal @ (sportello_app::Refusal::AlboExpired | sportello_app::Refusal::AlboAnnulled),
        )) => {
            let annulled = refusal == sportello_app::Refusal::AlboAnnulled;
            let mut r = render_status(
                StatusCode::GONE,
                &ExpiredPage {
                    page: ctx.page_for_ente(
                        ctx.t(if annulled {
                            "albo.annulled_doc_title"
                        } else {
                            "albo.expired_title"
                        }),
                        &ente.name,
                        &ente.slug,
                    ),
                    annulled,
                    slug: ente.slug.clone(),
                    register: format!("{year}/{number:04}"),
                    path: format!("{year}/{number}"),
                },
            );
            noindex(&mut r);
            r
        }
        Err(e) => page_for(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "albo_expired.html")]
struct ExpiredPage {
    page: Page,
    annulled: bool,
    slug: String,
    register: String,
    path: String,
}

/// Of a signed envelope, the PDF it holds, named without `.p7m`; 404 for anything else.
fn readable_pdf(ctx: &Ctx, name: &str, bytes: &[u8]) -> Response {
    match sportello_domain::albo::p7m::content(bytes) {
        Ok(inner) if inner.starts_with(b"%PDF-") => {
            let name = name
                .strip_suffix(".p7m")
                .or_else(|| name.strip_suffix(".P7M"))
                .unwrap_or(name);
            pdf(name, inner)
        }
        _ => page_for(ctx, sportello_app::AppError::NotFound),
    }
}

/// A document as kept: a PDF shown in the browser, a signed envelope (`.p7m`) downloaded.
fn pdf(name: &str, bytes: Vec<u8>) -> Response {
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let (kind, disposition) = if bytes.starts_with(b"%PDF-") {
        ("application/pdf", "inline")
    } else {
        ("application/pkcs7-mime", "attachment")
    };
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{safe}\""),
            ),
            (
                header::HeaderName::from_static("x-robots-tag"),
                "noindex".to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn rfc2822(ms: i64) -> String {
    sportello_app::model::from_millis(ms)
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_default()
}

/// One item of an AlboPOP feed. An annulled act says so in its title and description and
/// has no enclosure (its documents are no longer served).
fn feed_item(base: &str, slug: &str, ente: &str, e: &EntryView, uid: &str) -> String {
    let link = format!("{base}/{slug}/albo/{}", e.register_path);
    let (title, description, enclosure) = if e.annulled {
        (
            format!("ANNULLATO — {} {} — {}", e.act, e.register, e.subject),
            format!(
                "Pubblicazione annullata: {}. {}. Comune di {ente}.",
                e.annulment_reason, e.subject
            ),
            String::new(),
        )
    } else {
        let kind = if e.document_name.ends_with(".p7m") {
            "application/pkcs7-mime"
        } else {
            "application/pdf"
        };
        (
            format!("{} {} — {}", e.act, e.register, e.subject),
            format!(
                "{}. Richiesto da {}. Comune di {ente}.",
                e.subject, e.requester
            ),
            // RSS asks for a length; the feed does not read every document to know it.
            format!("<enclosure url=\"{link}/documenti/0\" type=\"{kind}\" length=\"0\"/>\n"),
        )
    };
    format!(
        "<item>\n<title>{}</title>\n<link>{link}</link>\n<guid isPermaLink=\"true\">{link}</guid>\n\
         <description>{}</description>\n<pubDate>{}</pubDate>\n\
         <category domain=\"http://albopop.it/specs#item-category-type\">{}</category>\n\
         <category domain=\"http://albopop.it/specs#item-category-uid\">{}</category>\n\
         <category domain=\"http://albopop.it/specs#item-category-pubStart\">{}</category>\n\
         <category domain=\"http://albopop.it/specs#item-category-pubEnd\">{}</category>\n\
         <category domain=\"http://albopop.it/specs#item-category-uid-ente\">{}</category>\n\
         {enclosure}</item>\n",
        xml(&title),
        xml(&description),
        rfc2822(e.start_ms),
        xml(&e.act),
        xml(uid),
        rfc2822(e.start_ms),
        rfc2822(e.end_ms),
        xml(slug),
    )
}

fn feed(title: &str, link: &str, items: String) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n\
         <channel>\n<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n\
         <language>it</language>\n<xhtml:meta xmlns:xhtml=\"http://www.w3.org/1999/xhtml\" name=\"robots\" content=\"noindex\"/>\n\
         <category domain=\"http://albopop.it/specs#channel-category-type\">Comune</category>\n\
         {items}</channel>\n</rss>\n",
        xml(title),
        xml(link),
        xml(title),
    );
    (
        [
            (header::CONTENT_TYPE, "application/rss+xml; charset=utf-8"),
            (header::HeaderName::from_static("x-robots-tag"), "noindex"),
        ],
        body,
    )
        .into_response()
}

/// The ente's AlboPOP feed: what is online now.
pub async fn ente_feed(ctx: Ctx, Path(slug): Path<String>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let entries = match ctx
        .state
        .app
        .albo()
        .board(ente.ente_id(), &BoardQuery::default().query(200), false)
        .await
    {
        Ok(e) => e,
        Err(e) => return page_for(&ctx, e),
    };
    let base = ctx
        .state
        .app
        .settings
        .public_url
        .trim_end_matches('/')
        .to_string();
    let items: String = entries
        .iter()
        .map(|e| {
            let v = view(&ctx, e);
            let uid = format!("{}-{}", ente.istat, v.register);
            feed_item(&base, &ente.slug, &ente.name, &v, &uid)
        })
        .collect();
    feed(
        &format!("Albo pretorio del Comune di {}", ente.name),
        &format!("{base}/{}/albo", ente.slug),
        items,
    )
}

/// The region's feed: what is online now in every ente (`?q=` and `?tipo=` filter it).
pub async fn region_feed(ctx: Ctx, query: Result<Query<BoardQuery>, QueryRejection>) -> Response {
    let query = query.map(|q| q.0).unwrap_or_default();
    let entries = match ctx.state.app.albo().region(&query.query(200)).await {
        Ok(e) => e,
        Err(e) => return page_for(&ctx, e),
    };
    let base = ctx
        .state
        .app
        .settings
        .public_url
        .trim_end_matches('/')
        .to_string();
    let mut items = String::new();
    for e in &entries {
        let Ok(ente) = ctx.state.app.ente_by_id(e.row.ente()).await else {
            continue;
        };
        let v = view(&ctx, e);
        let uid = format!("{}-{}", ente.istat, v.register);
        items.push_str(&feed_item(&base, &ente.slug, &ente.name, &v, &uid));
    }
    feed(
        "Albi pretori dei comuni della regione",
        &format!("{base}/albo/feed.xml"),
        items,
    )
}

// ---- The office's desk ----

#[derive(Template)]
#[template(path = "staff_albo.html")]
struct DeskPage {
    page: Page,
    entries: Vec<EntryView>,
    requests: bool,
    configures: bool,
}

pub async fn desk(ctx: Ctx, staff: Staff<WorksOnAlbo>) -> Response {
    let entries = match ctx.state.app.albo().desk(&staff).await {
        Ok(e) => e,
        Err(e) => return page_for(&ctx, e),
    };
    render(&DeskPage {
        page: ctx.page(ctx.t("albo.staff_title")),
        entries: entries.iter().map(|e| view(&ctx, e)).collect(),
        requests: may(&staff.roles, Permission::RequestPublication),
        configures: sportello_app::albo::configures_albo(&staff),
    })
}

#[derive(Template)]
#[template(path = "staff_albo_new.html")]
struct NewPage {
    page: Page,
    types: Vec<(String, String, u16, u16, u16)>,
    kept: std::collections::BTreeMap<String, String>,
    problems: Vec<(&'static str, String)>,
    /// The registration the request comes from (`anno/numero`), when it does.
    protocol: Option<String>,
}

impl NewPage {
    fn kept(&self, name: &str) -> &str {
        self.kept.get(name).map(String::as_str).unwrap_or_default()
    }

    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// The request form: each type with the ente's default period and the law's bounds.
async fn new_page(
    ctx: &Ctx,
    staff: &StaffPrincipal,
    kept: std::collections::BTreeMap<String, String>,
    problems: Vec<(&'static str, String)>,
) -> Result<NewPage, sportello_app::AppError> {
    let ente = staff.ente.ok_or(sportello_app::AppError::NotFound)?;
    let periods = ctx.state.app.albo().periods(ente).await?;
    // From a registration of the protocol: its number shown, its subject and sender offered.
    let mut kept = kept;
    let mut protocol = None;
    if let Some(id) = kept
        .get("protocollo")
        .and_then(|p| p.trim().parse::<i64>().ok())
    {
        if let Ok(entry) = ctx.state.app.registry().registry_entry(staff, id).await {
            protocol = Some(sportello_domain::protocol::registration_label(
                entry.row.year,
                entry.row.number,
            ));
            kept.entry("oggetto".into())
                .or_insert_with(|| entry.row.subject.clone());
            // The sender without its address («Tribunale di Livorno, prot@pec…»).
            let sender = match entry.row.correspondent.split_once(',') {
                Some((name, rest)) if rest.contains('@') => name.trim().to_string(),
                _ => entry.row.correspondent.clone(),
            };
            kept.entry("richiedente".into()).or_insert(sender);
        }
    }
    Ok(NewPage {
        page: ctx.page(ctx.t("albo.new_title")),
        types: periods
            .iter()
            .filter(|p| p.in_use)
            .map(|p| {
                (
                    p.act.code.to_string(),
                    p.act.label.to_string(),
                    p.days,
                    p.act.min_days,
                    p.act.max_days,
                )
            })
            .collect(),
        kept,
        problems,
        protocol,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    /// A registration of the protocol the request comes from (its id).
    #[serde(default)]
    protocollo: String,
}

pub async fn new_form(
    ctx: Ctx,
    staff: Staff<RequestsPublication>,
    query: Result<Query<NewQuery>, QueryRejection>,
) -> Response {
    let mut kept = std::collections::BTreeMap::new();
    if let Ok(Query(q)) = query {
        if !q.protocollo.trim().is_empty() {
            kept.insert("protocollo".to_string(), q.protocollo.trim().to_string());
        }
    }
    match new_page(&ctx, &staff, kept, Vec::new()).await {
        Ok(page) => render(&page),
        Err(e) => page_for(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "staff_albo_periods.html")]
struct PeriodsPage {
    page: Page,
    rows: Vec<PeriodRow>,
    saved: bool,
    refused: bool,
    /// The form adding a type of the ente's own: what was typed, and its problems.
    add: std::collections::BTreeMap<&'static str, String>,
    add_problems: Vec<(&'static str, String)>,
    added: bool,
}

impl PeriodsPage {
    fn add_problem(&self, field: &str) -> Option<&str> {
        self.add_problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn typed(&self, field: &str) -> &str {
        self.add.get(field).map(String::as_str).unwrap_or_default()
    }
}

struct PeriodRow {
    code: String,
    label: String,
    basis: String,
    min: u16,
    max: u16,
    days: String,
    problem: Option<String>,
    in_use: bool,
    own: bool,
}

/// What the periods form posted: each type's days, and — when the form listed them — the
/// types in use (a client that sends no list leaves them as they are).
struct PostedPeriods {
    days: std::collections::BTreeMap<String, String>,
    in_use: Option<std::collections::BTreeSet<String>>,
}

fn periods_page(
    ctx: &Ctx,
    periods: &[sportello_app::albo::AlboPeriod],
    posted: Option<&PostedPeriods>,
    refused: &[sportello_app::albo::PeriodProblem],
    saved: bool,
) -> PeriodsPage {
    PeriodsPage {
        page: ctx.page(ctx.t("albo.periods_title")),
        rows: periods
            .iter()
            .map(|p| {
                let (min, max) = (p.act.min_days, p.act.max_days);
                let code = p.act.code.to_string();
                PeriodRow {
                    days: posted
                        .and_then(|f| f.days.get(&code).cloned())
                        .unwrap_or_else(|| p.days.to_string()),
                    in_use: posted
                        .and_then(|f| f.in_use.as_ref())
                        .map_or(p.in_use, |u| u.contains(&code)),
                    problem: refused
                        .iter()
                        .any(|r| r.act.code == p.act.code)
                        .then(|| days_problem(ctx, min, max)),
                    label: p.act.label.to_string(),
                    basis: p.act.basis.to_string(),
                    own: p.own,
                    min,
                    max,
                    code,
                }
            })
            .collect(),
        saved,
        refused: !refused.is_empty(),
        add: Default::default(),
        add_problems: Vec::new(),
        added: false,
    }
}

#[derive(serde::Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    salvato: String,
    #[serde(default)]
    aggiunto: String,
}

/// The ente's act types and default periods, for the publication officer and the ente's
/// administrator.
pub async fn periods_form(
    ctx: Ctx,
    staff: Staff<ConfiguresAlbo>,
    query: Result<Query<SavedQuery>, QueryRejection>,
) -> Response {
    let Some(ente) = staff.ente else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    let query = query.map(|q| q.0).unwrap_or_default();
    match ctx.state.app.albo().periods(ente).await {
        Ok(periods) => {
            let mut page = periods_page(&ctx, &periods, None, &[], query.salvato == "1");
            page.added = query.aggiunto == "1";
            render(&page)
        }
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn save_periods(
    ctx: Ctx,
    CsrfFields(staff, fields): CsrfFields<Staff<ConfiguresAlbo>>,
) -> Response {
    let listed = fields.iter().any(|(k, _)| k == "tipi_in_uso");
    let posted = PostedPeriods {
        days: fields
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("giorni_")?.to_string(), v.clone())))
            .collect(),
        in_use: listed.then(|| {
            fields
                .iter()
                .filter_map(|(k, _)| Some(k.strip_prefix("in_uso_")?.to_string()))
                .collect()
        }),
    };
    let Some(ente) = staff.ente else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    let albo = ctx.state.app.albo();
    match albo
        .set_periods(&staff, &posted.days, posted.in_use.as_ref())
        .await
    {
        Ok(Ok(())) => Redirect::to("/staff/albo/periodi?salvato=1").into_response(),
        Ok(Err(refused)) => match albo.periods(ente).await {
            Ok(periods) => render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &periods_page(&ctx, &periods, Some(&posted), &refused, false),
            ),
            Err(e) => page_for(&ctx, e),
        },
        Err(e) => page_for(&ctx, e),
    }
}

/// Adds an act type of the ente's own.
pub async fn add_type(
    ctx: Ctx,
    CsrfFields(staff, fields): CsrfFields<Staff<ConfiguresAlbo>>,
) -> Response {
    let Some(ente) = staff.ente else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (label, days) = (field("nome"), field("giorni"));
    let albo = ctx.state.app.albo();
    match albo.add_own_type(&staff, &label, &days).await {
        Ok(Ok(_)) => Redirect::to("/staff/albo/periodi?aggiunto=1").into_response(),
        Ok(Err(problems)) => match albo.periods(ente).await {
            Ok(periods) => {
                use sportello_app::albo::OwnTypeProblem;
                let mut page = periods_page(&ctx, &periods, None, &[], false);
                page.add = [("nome", label), ("giorni", days)].into_iter().collect();
                page.add_problems = problems
                    .iter()
                    .map(|p| match p {
                        OwnTypeProblem::Label => ("nome", ctx.t("albo.types_problem_label").into()),
                        OwnTypeProblem::Exists => {
                            ("nome", ctx.t("albo.types_problem_exists").into())
                        }
                        OwnTypeProblem::Days => ("giorni", ctx.t("albo.types_problem_days").into()),
                    })
                    .collect();
                render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
            Err(e) => page_for(&ctx, e),
        },
        Err(e) => page_for(&ctx, e),
    }
}

/// A period outside the law's bounds: what the law allows.
fn days_problem(ctx: &Ctx, min: u16, max: u16) -> String {
    if min == max {
        fill(ctx.t("albo.problem.days_fixed"), &[&min.to_string()])
    } else {
        fill(
            ctx.t("albo.problem.days"),
            &[&min.to_string(), &max.to_string()],
        )
    }
}

fn problem_text(ctx: &Ctx, p: RequestProblem) -> (&'static str, String) {
    match p {
        RequestProblem::ActType => ("tipo", ctx.t("albo.problem.type").into()),
        RequestProblem::Subject => ("oggetto", ctx.t("albo.problem.subject").into()),
        RequestProblem::Requester => ("richiedente", ctx.t("albo.problem.requester").into()),
        RequestProblem::Responsible => ("responsabile", ctx.t("albo.problem.responsible").into()),
        RequestProblem::ActDate => ("data_atto", ctx.t("albo.problem.date").into()),
        RequestProblem::Days { min, max } => ("giorni", days_problem(ctx, min, max)),
        RequestProblem::Document => ("documento", ctx.t("albo.problem.document").into()),
        RequestProblem::Protocol => ("protocollo", ctx.t("albo.problem.protocol").into()),
        RequestProblem::ProtocolTaken { id } => (
            "protocollo",
            fill(ctx.t("albo.problem.protocol_taken"), &[&id.to_string()]),
        ),
        RequestProblem::Attachment => ("allegati", ctx.t("albo.problem.attachments").into()),
    }
}

pub async fn create(
    ctx: Ctx,
    CsrfMultipart(staff, mut posted): CsrfMultipart<Staff<RequestsPublication>, 60>,
) -> Response {
    let kept = posted.fields.clone();
    let document = posted.take_file("documento");
    let attachments = posted
        .files
        .iter()
        .filter(|(f, _, _)| f == "allegati")
        .map(|(_, n, b)| (n.clone(), b.clone()))
        .collect();
    let input = RequestInput {
        act_type: posted.get("tipo"),
        subject: posted.get("oggetto"),
        act_number: posted.get("numero_atto"),
        act_date: posted.get("data_atto"),
        requester: posted.get("richiedente"),
        responsible: posted.get("responsabile"),
        days: posted.get("giorni"),
        immediately_executive: posted.get("immediatamente_eseguibile") == "1",
        protocol: posted.get("protocollo"),
    };
    match ctx
        .state
        .app
        .albo()
        .request(&staff, &input, document, attachments)
        .await
    {
        Ok(Ok(id)) => Redirect::to(&format!("/staff/albo/{id}?inviata=1")).into_response(),
        Ok(Err(problems)) => match new_page(
            &ctx,
            &staff,
            kept,
            problems
                .into_iter()
                .map(|p| problem_text(&ctx, p))
                .collect(),
        )
        .await
        {
            Ok(page) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
            Err(e) => page_for(&ctx, e),
        },
        Err(e) => page_for(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "staff_albo_entry.html")]
struct DeskEntryPage {
    page: Page,
    entry: EntryView,
    events: Vec<EventView>,
    publishes: bool,
    /// The officer asked it themselves: another publishes it.
    own: bool,
    error: Option<String>,
    slug: String,
    /// What was just done (the sentence's key): asked by the office, or an officer's act.
    done: Option<&'static str>,
    /// What was typed in the form that was refused, and that form's field the refusal is
    /// about: kept, and the field marked.
    kept: Vec<(&'static str, String)>,
    problem_field: Option<&'static str>,
}

impl DeskEntryPage {
    fn kept(&self, name: &str) -> &str {
        self.kept
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// The refusal's sentence, beside the field it is about.
    fn problem(&self, field: &str) -> Option<&str> {
        (self.problem_field == Some(field))
            .then_some(self.error.as_deref())
            .flatten()
    }
}

async fn desk_entry_page(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    id: i64,
    error: Option<(StatusCode, String)>,
    kept: Vec<(&'static str, String)>,
) -> Response {
    let problem_field = error.as_ref().and(kept.first().map(|(n, _)| *n));
    // What was just done, said once: asked (`inviata=1`), or an officer's act (`fatto=…`).
    let done = if ctx.req.here.ends_with("?inviata=1") {
        Some("albo.request_sent")
    } else {
        ["pubblicata", "annullata", "restituita", "prorogata"]
            .into_iter()
            .find(|w| ctx.req.here.ends_with(&format!("?fatto={w}")))
            .map(|w| match w {
                "pubblicata" => "albo.done_published",
                "annullata" => "albo.done_annulled",
                "restituita" => "albo.done_returned",
                _ => "albo.done_extended",
            })
    };
    let (entry, events) = match ctx.state.app.albo().desk_entry(staff, id).await {
        Ok(e) => e,
        Err(e) => return page_for(ctx, e),
    };
    let own = entry.row.requested_by_id == staff.id;
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let entry = view(ctx, &entry);
    render_status(
        status,
        &DeskEntryPage {
            page: ctx.page(format!("{} — {}", ctx.t("albo.staff_title"), entry.subject)),
            events: events_view(ctx, &events),
            publishes: may(&staff.roles, Permission::Publish),
            own,
            error: error.map(|(_, m)| m),
            done,
            kept,
            problem_field,
            slug: staff
                .ente_place
                .as_ref()
                .map(|(_, s)| s.clone())
                .unwrap_or_default(),
            entry,
        },
    )
}

pub async fn desk_entry(ctx: Ctx, staff: Staff<WorksOnAlbo>, Path(id): Path<i64>) -> Response {
    desk_entry_page(&ctx, &staff, id, None, Vec::new()).await
}

pub async fn desk_document(
    ctx: Ctx,
    staff: Staff<WorksOnAlbo>,
    Path((id, which)): Path<(i64, String)>,
) -> Response {
    match ctx.state.app.albo().desk_document(&staff, id, &which).await {
        Ok((name, bytes)) => pdf(&name, bytes),
        Err(e) => page_for(&ctx, e),
    }
}

/// After an action: back to the entry, or the entry with the refusal.
async fn after(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    id: i64,
    done: Result<(), sportello_app::AppError>,
    what: &str,
    kept: Vec<(&'static str, String)>,
) -> Response {
    match done {
        Ok(()) => Redirect::to(&format!("/staff/albo/{id}?fatto={what}")).into_response(),
        Err(e) => match shown_refusal(ctx, e) {
            Ok(shown) => desk_entry_page(ctx, staff, id, Some(shown), kept).await,
            Err(e) => page_for(ctx, e),
        },
    }
}

pub async fn publish(
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfMultipart(staff, mut posted): CsrfMultipart<Staff<PublishesOnAlbo>, 60>,
) -> Response {
    let extract = posted.take_file("estratto");
    let confirmed = posted.get("confermo") == "1";
    let done = ctx
        .state
        .app
        .albo()
        .publish(&staff, id, confirmed, extract)
        .await
        .map(|_| ());
    after(&ctx, &staff, id, done, "pubblicata", Vec::new()).await
}

pub async fn annul(
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfFields(staff, fields): CsrfFields<Staff<PublishesOnAlbo>>,
) -> Response {
    let reason = super::ente_pages::field(&fields, "motivo");
    let confirmed = super::ente_pages::field(&fields, "conferma") == "1";
    let done = ctx
        .state
        .app
        .albo()
        .annul(&staff, id, &reason, confirmed)
        .await;
    // The field the refusal is about first: the reason, or else the confirmation.
    let reason_given = reason
        .split_whitespace()
        .collect::<String>()
        .chars()
        .count()
        >= 4;
    let confirmation = ("conferma", if confirmed { "1" } else { "" }.to_string());
    let kept = if reason_given && !confirmed {
        vec![confirmation, ("motivo", reason)]
    } else {
        vec![("motivo", reason), confirmation]
    };
    after(&ctx, &staff, id, done, "annullata", kept).await
}

pub async fn send_back(
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfFields(staff, fields): CsrfFields<Staff<PublishesOnAlbo>>,
) -> Response {
    let reason = super::ente_pages::field(&fields, "motivo_restituzione");
    let done = ctx.state.app.albo().send_back(&staff, id, &reason).await;
    after(
        &ctx,
        &staff,
        id,
        done,
        "restituita",
        vec![("motivo_restituzione", reason)],
    )
    .await
}

pub async fn extend(
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfFields(staff, fields): CsrfFields<Staff<PublishesOnAlbo>>,
) -> Response {
    let days = super::ente_pages::field(&fields, "giorni");
    let done = ctx.state.app.albo().extend(&staff, id, &days).await;
    after(&ctx, &staff, id, done, "prorogata", vec![("giorni", days)]).await
}

#[derive(serde::Deserialize, Default)]
pub struct VerifyQuery {
    #[serde(default)]
    impronta: String,
}

#[derive(Template)]
#[template(path = "albo_verify.html")]
struct VerifyPage {
    page: Page,
    slug: String,
    ente: String,
    digest: String,
    /// Asked and not a SHA-256.
    invalid: bool,
    asked: bool,
    found: Vec<(EntryView, Vec<EventView>)>,
    chain_holds: bool,
}

/// Anyone checks that a document with a given SHA-256 was published, and from when to when.
pub async fn verify(
    ctx: Ctx,
    Path(slug): Path<String>,
    query: Result<Query<VerifyQuery>, QueryRejection>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let digest: String = query
        .map(|q| q.0.impronta)
        .unwrap_or_default()
        .chars()
        .take(100)
        .collect();
    let asked = !digest.trim().is_empty();
    let (found, invalid, chain_holds) = if asked {
        match ctx
            .state
            .app
            .albo()
            .verify_document(ente.ente_id(), &digest)
            .await
        {
            Ok(Some((found, holds))) => (
                found
                    .iter()
                    .map(|(e, ev)| (view(&ctx, e), events_view(&ctx, ev)))
                    .collect(),
                false,
                holds,
            ),
            Ok(None) => (Vec::new(), true, false),
            Err(e) => return page_for(&ctx, e),
        }
    } else {
        (Vec::new(), false, false)
    };
    let mut response = render_status(
        if invalid {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &VerifyPage {
            page: ctx.page_for_ente(ctx.t("albo.verify_title"), &ente.name, &ente.slug),
            slug: ente.slug,
            ente: ente.name,
            digest,
            invalid,
            asked,
            found,
            chain_holds,
        },
    );
    noindex(&mut response);
    response
}

//! Payments (issue 17), the resident's side: the debt file across the region («Pagamenti» in
//! the personal area), the notice of a service's fees (written once, however often asked), the
//! payment notice as PDF; and the ente's creditor data for its administrators.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sportello_app::payments::{CreditorInput, Debt};
use sportello_app::AppError;

use super::services::ente_or_404;
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render};
use crate::extract::{Administers, CsrfFields, EnteStaff, TheirApplication};

pub(crate) fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/area-personale/pagamenti", get(debt_file))
        .route("/{slug}/domande/{id}/pagamento", post(application_fees))
        .route("/{slug}/pagamenti/{notice}/avviso.pdf", get(notice_pdf))
        .route("/staff/ente/pagamenti", post(creditor_save))
        .route("/staff/pagamenti", get(office_list))
        .route("/staff/pagamenti.csv", get(office_csv))
        .route("/{slug}/pagamenti/{notice}/paga", post(pay_now))
        .route("/{slug}/pagamenti/{notice}/ricevuta.pdf", get(receipt_pdf))
        .route(
            "/demo-pagopa/{slug}/{notice}",
            get(demo_checkout).post(demo_checkout_pay),
        )
        .route("/staff/pagamenti/anomalie/{id}", post(resolve_anomaly))
        .route(
            "/staff/pagamenti/posizioni/{iupd}/annulla",
            get(withdraw_form).post(withdraw),
        )
        .route("/staff/pagamenti/riconciliazione", get(reconciliation))
        .route(
            "/staff/pagamenti/estratto-conto",
            post(import_statement).layer(axum::extract::DefaultBodyLimit::max(20 * 1024 * 1024)),
        )
        .route("/staff/pagamenti/contabilita.csv", get(accounting_csv))
        .route(
            "/staff/pagamenti/emissione",
            get(issue_form).post(issue_one),
        )
        .route(
            "/staff/pagamenti/importazione",
            post(import_positions).layer(axum::extract::DefaultBodyLimit::max(60 * 1024 * 1024)),
        )
        .route("/staff/pagamenti/lotti/{batch}/avvisi.csv", get(batch_csv))
        .route(
            "/pagopa/paForNode",
            post(node_message).layer(axum::extract::DefaultBodyLimit::max(NODE_BODY_MAX)),
        )
}

/// The largest message the node may send the station (a receipt is a few kilobytes).
const NODE_BODY_MAX: usize = 256 * 1024;

/// One payment option as the office's list shows it.
pub struct OfficeLine {
    pub iupd: String,
    /// Unpaid and not withdrawn: the office may withdraw it.
    pub withdrawable: bool,
    pub notice: String,
    pub debtor: String,
    pub subject: String,
    pub amount: String,
    pub due: String,
    pub state: String,
}

/// An anomaly as the office's list shows it.
pub struct AnomalyView {
    pub id: i64,
    pub kind: String,
    pub notice: String,
    pub reference: String,
    pub detail: String,
    pub at: String,
    /// Closed: by whom, when, with which note.
    pub closed: Option<(String, String, String)>,
    /// Why the note just written was refused.
    pub refused: Option<String>,
}

#[derive(Template)]
#[template(path = "staff_payments.html")]
struct OfficeList {
    page: Page,
    lines: Vec<OfficeLine>,
    anomalies: Vec<AnomalyView>,
    may_resolve: bool,
    /// The position just withdrawn (its reference).
    withdrawn: Option<String>,
}

/// The ente's payments for its office: who owes what, by when, in which state.
pub async fn office_list(
    ctx: Ctx,
    crate::extract::Staff { staff, .. }: crate::extract::Staff,
) -> Response {
    office_page(&ctx, &staff, None).await
}

async fn office_page(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    refused: Option<(i64, String)>,
) -> Response {
    use sportello_domain::identity::{may, Permission};
    let lines = match ctx.state.app.payments().office_lines(staff).await {
        Ok(l) => l,
        Err(e) => return page_for(ctx, e),
    };
    let anomalies = match ctx.state.app.payments().anomalies(staff).await {
        Ok(a) => a,
        Err(e) => return page_for(ctx, e),
    };
    let when = |ms: i64| {
        let t = sportello_domain::calendar::in_rome(sportello_app::model::from_millis(ms));
        format!(
            "{} {:02}:{:02}",
            super::services::it_date(t.date()),
            t.hour(),
            t.minute()
        )
    };
    render(&OfficeList {
        withdrawn: ctx
            .req
            .here
            .split_once("?annullato=")
            .map(|(_, r)| r.split('&').next().unwrap_or_default().to_string())
            .filter(|r| own_path(&format!("/{r}")).is_some()),
        may_resolve: may(&staff.roles, Permission::ActOnCases),
        anomalies: anomalies
            .into_iter()
            .map(|a| AnomalyView {
                refused: refused
                    .as_ref()
                    .filter(|(id, _)| *id == a.id)
                    .map(|(_, why)| why.clone()),
                id: a.id,
                kind: ctx.t(&format!("payments.anomaly.{}", a.kind)).to_string(),
                notice: sportello_domain::payments::NoticeNumber::parse(&a.notice_number)
                    .map(|n| n.grouped())
                    .unwrap_or(a.notice_number),
                reference: a.reference,
                detail: a.detail,
                at: when(a.created_at),
                closed: a.resolved_at.map(|at| (a.resolved_by, when(at), a.note)),
            })
            .collect(),
        page: ctx.page(ctx.t("payments.office_title")),
        lines: lines
            .into_iter()
            .map(|l| OfficeLine {
                withdrawable: l.state == "draft" || l.state == "valid",
                iupd: l.iupd.clone(),
                notice: sportello_domain::payments::NoticeNumber::parse(&l.notice_number)
                    .map(|n| n.grouped())
                    .unwrap_or(l.notice_number),
                debtor: format!("{} ({})", l.debtor_name, l.debtor_fiscal_code),
                subject: l.subject,
                amount: sportello_domain::forms::it_euros(l.amount_cents),
                due: time::Date::parse(
                    &l.due_date,
                    &time::format_description::well_known::Iso8601::DATE,
                )
                .map(super::services::it_date)
                .unwrap_or(l.due_date),
                state: ctx.t(&format!("payments.state.{}", l.state)).to_string(),
            })
            .collect(),
    })
}

/// The same, as CSV for the ente's accounting.
pub async fn office_csv(
    ctx: Ctx,
    crate::extract::Staff { staff, .. }: crate::extract::Staff,
) -> Response {
    match ctx.state.app.payments().office_csv(&staff).await {
        Ok(csv) => {
            super::posted::download("pagamenti.csv", "text/csv; charset=utf-8", csv.into_bytes())
        }
        Err(e) => page_for(&ctx, e),
    }
}

/// A position as the debt file shows it.
pub struct DebtView {
    pub ente: String,
    pub slug: String,
    pub subject: String,
    pub state: String,
    pub open: bool,
    pub options: Vec<OptionView>,
    /// Where pagoPA's checkout brings the payer back.
    pub back: String,
    /// The client who owes it, when the reader pays for them.
    pub client: Option<String>,
    /// The reader started it and may withdraw it (nothing paid).
    pub cancellable: bool,
}

/// A day written `YYYY-MM-DD…` as Italians write it; as given if it is not one.
fn iso_day(text: &str) -> String {
    text.get(..10)
        .and_then(|d| {
            time::Date::parse(d, &time::format_description::well_known::Iso8601::DATE).ok()
        })
        .map(super::services::it_date)
        .unwrap_or_else(|| text.to_string())
}

/// Which instalment of how many, when the option is one (`n` counts the instalments so far).
fn o_rata(n: usize, of: usize) -> Option<(usize, usize)> {
    (of > 0 && n > 0).then_some((n, of))
}

/// The debt file's address.
const DEBT_FILE: &str = "/area-personale/pagamenti";

/// A page of ours to come back to (`torna`): a path of letters, digits, `-`, `_` and `/`, or
/// none.
fn own_path(path: &str) -> Option<&str> {
    (path.starts_with('/')
        && !path.starts_with("//")
        && path.len() < 200
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/')))
    .then_some(path)
}

/// One payment option of a position, as the resident reads it.
pub struct OptionView {
    pub notice: String,
    pub grouped: String,
    pub amount: String,
    pub due: String,
    pub paid: bool,
    /// «pagato il …».
    pub paid_on: Option<String>,
    pub overdue: bool,
    /// Unpaid and due today.
    pub due_today: bool,
    /// «Rata 1 di 3» for an instalment.
    pub rata: Option<(usize, usize)>,
    /// «Paga ora» leads to pagoPA's checkout.
    pub pay_online: bool,
}

pub fn debt_view(ctx: &Ctx, d: Debt) -> DebtView {
    let today = sportello_domain::calendar::in_rome(ctx.state.app.now()).date();
    let overdue: Vec<bool> = d.options.iter().map(|o| d.overdue(o, today)).collect();
    let connected = ctx.state.app.settings.pagopa.is_some();
    let online = d.open() && ((connected && d.published) || ctx.state.app.settings.demo);
    let open = d.open();
    DebtView {
        back: match &d.application_id {
            Some(id) if d.draft => format!("/{}/domande/{id}/riepilogo", d.ente_slug),
            _ => DEBT_FILE.to_string(),
        },
        open: d.open(),
        cancellable: d.cancellable(),
        client: d.client,
        state: ctx
            .t(&format!("payments.state.{}", d.state.code()))
            .to_string(),
        ente: d.ente_name,
        slug: d.ente_slug,
        subject: d.subject,
        options: {
            let instalments = d.options.iter().filter(|o| o.instalment).count();
            let mut n = 0;
            d.options
                .into_iter()
                .zip(overdue)
                .map(|(o, late)| {
                    if o.instalment {
                        n += 1;
                    }
                    (o, late, o_rata(n, instalments))
                })
                .collect::<Vec<_>>()
        }
        .into_iter()
        .map(|(o, late, rata)| OptionView {
            rata,
            pay_online: online && !o.paid,
            notice: o.notice,
            grouped: o.notice_grouped,
            amount: sportello_domain::forms::it_euros(o.amount.cents()),
            due: super::services::it_date(o.due),
            paid: o.paid,
            paid_on: o.paid_on.map(super::services::it_date),
            due_today: !o.paid && open && o.due == today,
            overdue: late,
        })
        .collect(),
    }
}

#[derive(Template)]
#[template(path = "payments.html")]
struct DebtFile {
    page: Page,
    open: Vec<DebtView>,
    closed: Vec<DebtView>,
    /// Back from pagoPA's checkout: whether it went well, and what to say.
    outcome: Option<(bool, String)>,
    /// The notice of a payment just started, shown first.
    created: Option<String>,
    /// What the reader's clients owe for applications the reader filed for them.
    clients: Vec<DebtView>,
    /// The payment just asked for was already waiting to be paid.
    waiting: bool,
    /// The total still to pay.
    total: Option<String>,
    /// A payment the reader started was just withdrawn.
    cancelled: bool,
    /// The municipalities that take payments online (slug, name), and the one chosen.
    enti: Vec<(String, String)>,
    chosen: String,
}

#[derive(serde::Deserialize, Default)]
pub struct NearQuery {
    #[serde(default)]
    comune: Option<String>,
    /// A payment just started: its notice number.
    #[serde(default)]
    avviso: Option<String>,
    /// It was waiting already (the same payment asked again).
    #[serde(default)]
    gia: Option<String>,
    /// A payment the reader started was just withdrawn.
    #[serde(default)]
    annullato: Option<String>,
}

/// Back from pagoPA's checkout (`?esito=ok|annullato|errore`): whether it went well, and what
/// to say.
pub fn checkout_outcome(ctx: &Ctx) -> Option<(bool, String)> {
    let (_, query) = ctx.req.here.split_once('?')?;
    let esito = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "esito")
        .map(|(_, v)| v.into_owned())?;
    let on_review = ctx.req.here.contains("/riepilogo");
    match esito.as_str() {
        "ok" if on_review => Some((true, ctx.t("payments.outcome.ok_review").to_string())),
        "ok" => Some((true, ctx.t("payments.outcome.ok").to_string())),
        "annullato" => Some((false, ctx.t("payments.outcome.annullato").to_string())),
        "errore" => Some((false, ctx.t("payments.outcome.errore").to_string())),
        _ => None,
    }
}

pub async fn debt_file(
    ctx: Ctx,
    query: Result<Query<NearQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let outcome = checkout_outcome(&ctx);
    if ctx.staff().is_some() {
        return Redirect::to("/staff/").into_response();
    }
    let Some(who) = ctx.citizen().cloned() else {
        return Redirect::to("/accedi?torna=/area-personale/pagamenti").into_response();
    };
    let debts = match ctx.state.app.payments().my_debts(&who).await {
        Ok(d) => d,
        Err(e) => return page_for(&ctx, e),
    };
    // What is to pay, the soonest due first; what is closed, newest first (as read).
    let mut debts = debts;
    debts.sort_by_key(|d| {
        let next_due = d.options.iter().filter(|o| !o.paid).map(|o| o.due).min();
        (!d.open(), if d.open() { next_due } else { None })
    });
    let created = query.avviso.as_deref().and_then(|n| {
        debts
            .iter()
            .flat_map(|d| &d.options)
            .find(|o| o.notice == n)
            .map(|o| o.notice.clone())
    });
    let clients = match ctx.state.app.payments().client_debts(&who).await {
        Ok(d) => d,
        Err(e) => return page_for(&ctx, e),
    };
    let created = created.or_else(|| {
        query.avviso.as_deref().and_then(|n| {
            clients
                .iter()
                .flat_map(|d| &d.options)
                .find(|o| o.notice == n)
                .map(|o| o.notice.clone())
        })
    });
    let mut clients: Vec<DebtView> = clients.into_iter().map(|d| debt_view(&ctx, d)).collect();
    // What is still to pay first, then the rest, each newest first (as read).
    clients.sort_by_key(|d| !d.open);
    let enti = match ctx.state.app.payments().enti_taking_payments().await {
        Ok(e) => e,
        Err(e) => return page_for(&ctx, e),
    };
    // The municipality asked for, or the one of the first thing to pay.
    let chosen = query
        .comune
        .clone()
        .or_else(|| debts.iter().find(|d| d.open()).map(|d| d.ente_slug.clone()))
        .unwrap_or_default();
    // What is still to pay, in all (checked: a sum that does not fit is not shown).
    // Each position counts once: its single payment if it offers one, else its unpaid
    // instalments.
    let owed = |d: &Debt| {
        let unpaid = || d.options.iter().filter(|o| !o.paid);
        match unpaid().find(|o| !o.instalment) {
            Some(single) => Some(single.amount),
            None => sportello_domain::Money::sum(unpaid().map(|o| o.amount)),
        }
    };
    let total = debts
        .iter()
        .filter(|d| d.open())
        .map(owed)
        .collect::<Option<Vec<_>>>()
        .and_then(sportello_domain::Money::sum)
        .filter(|m| !m.is_zero())
        .map(|m| sportello_domain::forms::it_euros(m.cents()));
    let (open, closed): (Vec<_>, Vec<_>) = debts
        .into_iter()
        .map(|d| debt_view(&ctx, d))
        .partition(|d| d.open);
    let waiting = created.is_some() && query.gia.is_some();
    render(&DebtFile {
        cancelled: query.annullato.is_some(),
        total,
        waiting,
        clients,
        created,
        enti,
        chosen,
        page: ctx
            .page_near(ctx.t("payments.title"), query.comune.as_deref())
            .await,
        open,
        closed,
        outcome,
    })
}

/// «Paga i costi»: the position of the application's fees, written the first time.
pub async fn application_fees(
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    CsrfFields(TheirApplication(who), fields): CsrfFields<TheirApplication>,
) -> Response {
    let back = field(&fields, "torna");
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .payments()
        .application_fees(ente.ente_id(), &id, &who)
        .await
    {
        Ok(_) => match own_path(&back) {
            Some(back) => Redirect::to(&format!("{back}#pagamento")).into_response(),
            None => {
                Redirect::to(&format!("/{slug}/domande/{id}/ricevuta#pagamento")).into_response()
            }
        },
        Err(e) => page_for(&ctx, e),
    }
}

/// Which of a notice's documents.
#[derive(Clone, Copy)]
enum NoticeDocument {
    Notice,
    Receipt,
}

/// A document of one of the signed-in resident's notices, as PDF: its notice, or (paid) its
/// receipt. Anyone else's is not found.
async fn debtor_pdf(ctx: Ctx, slug: &str, notice: &str, which: NoticeDocument) -> Response {
    let Some(who) = ctx.citizen().cloned() else {
        return Redirect::to(&format!("/accedi?torna={}", ctx.req.here)).into_response();
    };
    let ente = match ente_or_404(&ctx, slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let payments = ctx.state.app.payments();
    let made = match which {
        NoticeDocument::Notice => payments.notice_pdf(ente.ente_id(), notice, &who).await,
        NoticeDocument::Receipt => payments.receipt_pdf(ente.ente_id(), notice, &who).await,
    };
    match made {
        Ok((name, pdf)) => super::posted::download(&name, "application/pdf", pdf),
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn notice_pdf(ctx: Ctx, Path((slug, notice)): Path<(String, String)>) -> Response {
    debtor_pdf(ctx, &slug, &notice, NoticeDocument::Notice).await
}

use super::ente_pages::field;

/// The administrator saves the ente's creditor data (the profile page shows the form).
pub async fn creditor_save(
    ctx: Ctx,
    CsrfFields(EnteStaff { staff, ente, .. }, fields): CsrfFields<EnteStaff<Administers>>,
) -> Response {
    let input = CreditorInput {
        fiscal_code: field(&fields, "codice_fiscale_ente"),
        segregation_code: field(&fields, "codice_segregazione"),
        iban: field(&fields, "iban"),
        postal_account: field(&fields, "conto_postale"),
        postal_authorisation: field(&fields, "autorizzazione_postale"),
        cbill: field(&fields, "cbill"),
    };
    match ctx
        .state
        .app
        .payments()
        .save_creditor(&staff, ente, &input)
        .await
    {
        Ok(()) => Redirect::to("/staff/ente?pagamenti=1#pagamenti").into_response(),
        Err(AppError::Refusal(r)) if r.is_input() => {
            super::ente_pages::profile_page(&ctx, ente, None, Some((input, r))).await
        }
        Err(e) => page_for(&ctx, e),
    }
}

/// «Paga ora»: the notice goes to pagoPA's checkout as a cart, and the browser follows it there;
/// the checkout brings it back to the debt file with the outcome.
pub async fn pay_now(
    ctx: Ctx,
    Path((slug, notice)): Path<(String, String)>,
    CsrfFields(crate::extract::TheirNotice(who), fields): CsrfFields<crate::extract::TheirNotice>,
) -> Response {
    let back = field(&fields, "torna");
    let back = own_path(&back).unwrap_or(DEBT_FILE);
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .payments()
        .checkout(ente.ente_id(), &notice, &who, back)
        .await
    {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

/// The receipt of a paid notice, as PDF, for its debtor.
pub async fn receipt_pdf(ctx: Ctx, Path((slug, notice)): Path<(String, String)>) -> Response {
    debtor_pdf(ctx, &slug, &notice, NoticeDocument::Receipt).await
}

/// The office closes an anomaly with a note.
pub async fn resolve_anomaly(
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfFields(crate::extract::Staff { staff, .. }, fields): CsrfFields<
        crate::extract::Staff<crate::extract::ActsOnCases>,
    >,
) -> Response {
    let note = field(&fields, "nota");
    match ctx
        .state
        .app
        .payments()
        .resolve_anomaly(&staff, id, &note)
        .await
    {
        Ok(()) => Redirect::to("/staff/pagamenti#anomalie").into_response(),
        Err(AppError::Refusal(r)) if r.is_input() => {
            let why = ctx.t("payments.anomaly_note_required").to_string();
            let mut page = office_page(&ctx, &staff, Some((id, why))).await;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            page
        }
        Err(e) => page_for(&ctx, e),
    }
}

/// The node's messages to the station (`paForNode`): only `paSendRT`, the receipt. The caller
/// ([`NodeCaller`]) is checked before the body is read. The answer is a SOAP envelope with the
/// outcome, always with status 200 as the node expects; OK is said only once the receipt is
/// recorded.
pub async fn node_message(ctx: Ctx, NodeCaller: NodeCaller, body: axum::body::Bytes) -> Response {
    let Some(pagopa) = ctx.state.app.settings.pagopa.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let result = match std::str::from_utf8(&body) {
        Ok(xml) => ctx.state.app.payments().receive_receipt(xml).await,
        Err(_) => Err(sportello_app::pagopa::NodeFault {
            code: "PAA_SINTASSI_XSD",
            why: "il messaggio non è in UTF-8".into(),
        }),
    };
    if let Err(f) = &result {
        tracing::warn!(fault = f.code, "the node's message refused");
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        sportello_app::pagopa::send_rt_response(&result, &pagopa.station_id),
    )
        .into_response()
}

/// The node (through its gateway), recognised by its bearer token before anything else is
/// read; anyone else gets 401 and nothing is read. Without a connection to pagoPA the route
/// does not exist (404).
pub struct NodeCaller;

impl axum::extract::FromRequestParts<crate::WebState> for NodeCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::WebState,
    ) -> Result<Self, Response> {
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        match state.app.is_pagopa_node(given) {
            None => Err(StatusCode::NOT_FOUND.into_response()),
            Some(true) => Ok(NodeCaller),
            Some(false) => Err(StatusCode::UNAUTHORIZED.into_response()),
        }
    }
}

#[derive(Template)]
#[template(path = "demo_checkout.html")]
struct DemoCheckout {
    page: Page,
    slug: String,
    notice: String,
    grouped: String,
    ente: String,
    subject: String,
    amount: String,
    back: String,
}

/// The demo's checkout (only in the demo without a connection to pagoPA): the notice, its
/// amount, «Paga» and «Annulla». Nothing is really paid.
pub async fn demo_checkout(ctx: Ctx, Path((slug, notice)): Path<(String, String)>) -> Response {
    if !ctx.state.app.settings.demo || ctx.state.app.settings.pagopa.is_some() {
        return crate::errors::not_found(&ctx);
    }
    let Some(who) = ctx.citizen().cloned() else {
        return Redirect::to(&format!("/accedi?torna={}", ctx.req.here)).into_response();
    };
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    // Theirs, or a client's they pay for.
    let payments = ctx.state.app.payments();
    let debts = match (
        payments.my_debts(&who).await,
        payments.client_debts(&who).await,
    ) {
        (Ok(mine), Ok(clients)) => mine.into_iter().chain(clients),
        (Err(e), _) | (_, Err(e)) => return page_for(&ctx, e),
    };
    let found = debts.into_iter().find_map(|d| {
        let o = d
            .options
            .iter()
            .find(|o| o.notice == notice && !o.paid)?
            .clone();
        (d.ente_slug == slug && d.open()).then_some((d, o))
    });
    let back = checkout_back(&ctx);
    let Some((debt, option)) = found else {
        // Back here after paying (the browser's Back): the notice is theirs, and paid.
        return match ctx
            .state
            .app
            .payments()
            .is_theirs(ente.ente_id(), &notice, &who)
            .await
        {
            Ok(()) => Redirect::to(&back).into_response(),
            Err(_) => crate::errors::not_found(&ctx),
        };
    };
    render(&DemoCheckout {
        page: ctx.page_for_ente(
            ctx.t("payments.demo_checkout_title"),
            &ente.name,
            &ente.slug,
        ),
        slug,
        grouped: option.notice_grouped.clone(),
        notice: option.notice,
        ente: debt.ente_name,
        subject: debt.subject,
        amount: sportello_domain::forms::it_euros(option.amount.cents()),
        back,
    })
}

/// Where the demo's checkout returns: `torna`, one of our pages, or the debt file.
fn checkout_back(ctx: &Ctx) -> String {
    let torna = ctx
        .req
        .here
        .split_once('?')
        .and_then(|(_, q)| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "torna")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    own_path(&torna).unwrap_or(DEBT_FILE).to_string()
}

/// «Paga» or «Annulla» at the demo's checkout.
pub async fn demo_checkout_pay(
    ctx: Ctx,
    Path((slug, notice)): Path<(String, String)>,
    CsrfFields(crate::extract::TheirNotice(who), fields): CsrfFields<crate::extract::TheirNotice>,
) -> Response {
    if !ctx.state.app.settings.demo || ctx.state.app.settings.pagopa.is_some() {
        return crate::errors::not_found(&ctx);
    }
    let back = field(&fields, "torna");
    let back = own_path(&back).unwrap_or(DEBT_FILE).to_string();
    if field(&fields, "esito") == "annulla" {
        return Redirect::to(&format!("{back}?esito=annullato")).into_response();
    }
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .payments()
        .demo_pay(ente.ente_id(), &notice, &who)
        .await
    {
        Ok(()) => Redirect::to(&format!("{back}?esito=ok")).into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

/// A flow as the reconciliation page lists it.
pub struct FlowView {
    pub flow_id: String,
    pub psp: String,
    pub date: String,
    pub total: String,
    pub payments: i64,
    pub cashed: bool,
}

/// One line of the collections by day, service and transfer; amounts in euro.
pub struct AccountingView {
    pub day: String,
    pub subject: String,
    pub remittance: String,
    pub target: String,
    pub payments: i64,
    pub amount: String,
    pub reported: String,
    pub cashed: String,
}

#[derive(Template)]
#[template(path = "staff_reconciliation.html")]
struct Reconciliation {
    page: Page,
    flows: Vec<FlowView>,
    /// (statement, entry, amount, booked on, remittance, flow or none)
    credits: Vec<(String, String, String, String, String, Option<String>)>,
    accounting: Vec<AccountingView>,
    may_import: bool,
    /// What the import just did, or why it was refused.
    outcome: Option<(bool, String)>,
}

async fn reconciliation_page(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    outcome: Option<(bool, String)>,
) -> Response {
    use sportello_domain::identity::{may, Permission};
    let (flows, credits, accounting) = match ctx.state.app.payments().reconciliation(staff).await {
        Ok(r) => r,
        Err(e) => return page_for(ctx, e),
    };
    let euros = sportello_domain::forms::it_euros;
    let status = if outcome.as_ref().is_some_and(|o| !o.0) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut page = render(&Reconciliation {
        page: ctx.page(ctx.t("payments.reconciliation_title")),
        may_import: may(&staff.roles, Permission::ActOnCases),
        outcome,
        flows: flows
            .into_iter()
            .map(|f| FlowView {
                flow_id: f.flow_id,
                psp: f.psp_id,
                date: iso_day(&f.flow_date),
                total: euros(f.total_cents),
                payments: f.payments_count,
                cashed: f.cashed_at.is_some(),
            })
            .collect(),
        credits: credits
            .into_iter()
            .map(|c| {
                (
                    c.statement_id,
                    c.entry_ref,
                    euros(c.amount_cents),
                    iso_day(&c.booking_date),
                    c.remittance,
                    c.flow_id,
                )
            })
            .collect(),
        accounting: accounting
            .into_iter()
            .map(|a| AccountingView {
                amount: euros(a.amount_cents),
                reported: euros(a.reported),
                cashed: euros(a.cashed),
                day: iso_day(&a.day),
                subject: a.subject,
                remittance: a.remittance,
                target: a.target,
                payments: a.payments,
            })
            .collect(),
    });
    *page.status_mut() = status;
    page
}

/// The office's reconciliation: flows read from pagoPA, the treasurer's credits, and the
/// collections by day, service and transfer.
pub async fn reconciliation(
    ctx: Ctx,
    crate::extract::Staff { staff, .. }: crate::extract::Staff,
) -> Response {
    let outcome = ctx.req.here.split_once("?importato=").map(|(_, n)| {
        (
            true,
            ctx.t("payments.statement_imported")
                .replace("{}", n.split('&').next().unwrap_or_default()),
        )
    });
    reconciliation_page(&ctx, &staff, outcome).await
}

/// The office imports the treasurer's camt.053 statement.
pub async fn import_statement(
    ctx: Ctx,
    crate::extract::CsrfMultipart(crate::extract::Staff { staff, .. }, mut posted): crate::extract::CsrfMultipart<
        crate::extract::Staff<crate::extract::ActsOnCases>,
        20,
    >,
) -> Response {
    let Some((_, file)) = posted.take_file("estratto") else {
        let why = ctx.t("payments.statement_missing").to_string();
        return reconciliation_page(&ctx, &staff, Some((false, why))).await;
    };
    match ctx
        .state
        .app
        .payments()
        .import_statement_file(&staff, &file)
        .await
    {
        Ok(done) => Redirect::to(&format!(
            "/staff/pagamenti/riconciliazione?importato={}",
            done.matched
        ))
        .into_response(),
        Err(AppError::Refusal(r)) if r.is_input() => {
            let why = crate::refusals::refusal_message(ctx.lang(), &r);
            reconciliation_page(&ctx, &staff, Some((false, why))).await
        }
        Err(e) => page_for(&ctx, e),
    }
}

/// The collections by day, service and transfer, as CSV for the ente's accounting.
pub async fn accounting_csv(
    ctx: Ctx,
    crate::extract::Staff { staff, .. }: crate::extract::Staff,
) -> Response {
    let (_, _, rows) = match ctx.state.app.payments().reconciliation(&staff).await {
        Ok(r) => r,
        Err(e) => return page_for(&ctx, e),
    };
    let mut out = String::from(
        "\u{feff}giorno;oggetto;causale;destinazione;pagamenti;importo_centesimi;rendicontato_centesimi;incassato_centesimi\r\n",
    );
    for a in rows {
        let cells = [
            a.day,
            a.subject,
            a.remittance,
            a.target,
            a.payments.to_string(),
            a.amount_cents.to_string(),
            a.reported.to_string(),
            a.cashed.to_string(),
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| sportello_app::payments::csv_cell(c))
                .collect::<Vec<_>>()
                .join(";"),
        );
        out.push_str("\r\n");
    }
    super::posted::download(
        "contabilita-pagopa.csv",
        "text/csv; charset=utf-8",
        out.into_bytes(),
    )
}

use sportello_app::payments_import::{ImportChoice, ImportReport, RowProblem};

/// The default taxonomy code offered (a municipality's secretarial fees).
const DEFAULT_CATEGORY: &str = sportello_app::payments::FEES_CATEGORY;

#[derive(Template)]
#[template(path = "staff_issue.html")]
struct IssuePage {
    page: Page,
    /// What was typed in the one-position form: (codice fiscale, name, subject, amount, due,
    /// category, remittance).
    one: [String; 7],
    /// The one-position form's problem, or the notice issued.
    one_error: Option<String>,
    issued: Option<String>,
    /// The import's outcome: refused rows (line, why), how many; or what was written.
    refused: Vec<(u64, String)>,
    refused_count: u64,
    imported: Option<(u64, u64, String, String)>,
    import_error: Option<String>,
    import_choice: (String, String),
}

fn problem_text(ctx: &Ctx, p: RowProblem) -> String {
    let key = match p {
        RowProblem::Columns => "import.problem.columns",
        RowProblem::Reference => "import.problem.reference",
        RowProblem::FiscalCode => "import.problem.fiscal_code",
        RowProblem::Name => "import.problem.name",
        RowProblem::Subject => "import.problem.subject",
        RowProblem::Amount => "import.problem.amount",
        RowProblem::DueDate => "import.problem.due",
        RowProblem::Instalment => "import.problem.instalment",
        RowProblem::ReferenceRepeated => "import.problem.repeated",
        RowProblem::ReferenceExists => "import.problem.exists",
    };
    ctx.t(key).to_string()
}

fn issue_page(ctx: &Ctx, page: IssuePage) -> Response {
    let refused = page.one_error.is_some() || page.refused_count > 0 || page.import_error.is_some();
    let mut r = render(&page);
    if refused {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    let _ = ctx;
    r
}

fn blank_issue(ctx: &Ctx) -> IssuePage {
    IssuePage {
        page: ctx.page(ctx.t("issue.title")),
        one: [
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            DEFAULT_CATEGORY.into(),
            String::new(),
        ],
        one_error: None,
        issued: None,
        refused: vec![],
        refused_count: 0,
        imported: None,
        import_error: None,
        import_choice: (DEFAULT_CATEGORY.into(), String::new()),
    }
}

/// The office issues positions: one by one, or a file of them.
pub async fn issue_form(
    ctx: Ctx,
    crate::extract::Staff { staff, .. }: crate::extract::Staff<crate::extract::ActsOnCases>,
) -> Response {
    let _ = staff;
    let mut page = blank_issue(&ctx);
    page.issued = ctx
        .req
        .here
        .split_once("?emesso=")
        .map(|(_, n)| n.split('&').next().unwrap_or_default().to_string());
    issue_page(&ctx, page)
}

pub async fn issue_one(
    ctx: Ctx,
    CsrfFields(crate::extract::Staff { staff, .. }, fields): CsrfFields<
        crate::extract::Staff<crate::extract::ActsOnCases>,
    >,
) -> Response {
    let one = [
        "codice_fiscale",
        "debitore",
        "oggetto",
        "importo",
        "scadenza",
        "categoria",
        "causale",
    ]
    .map(|k| field(&fields, k));
    let choice = ImportChoice {
        category: one[5].clone(),
        remittance: one[6].clone(),
    };
    let result = ctx
        .state
        .app
        .payments()
        .issue_position(
            &staff,
            [&one[0], &one[1], &one[2], &one[3], &one[4]],
            &choice,
        )
        .await;
    let mut page = blank_issue(&ctx);
    match result {
        Ok(Ok(notice)) => {
            let grouped = sportello_domain::payments::NoticeNumber::parse(&notice)
                .map(|n| n.grouped())
                .unwrap_or(notice);
            Redirect::to(&format!(
                "/staff/pagamenti/emissione?emesso={}",
                grouped.replace(' ', "")
            ))
            .into_response()
        }
        Ok(Err(problem)) => {
            page.one_error = Some(problem_text(&ctx, problem));
            page.one = one;
            issue_page(&ctx, page)
        }
        Err(AppError::Refusal(r)) if r.is_input() => {
            page.one_error = Some(crate::refusals::refusal_message(ctx.lang(), &r));
            page.one = one;
            issue_page(&ctx, page)
        }
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn import_positions(
    ctx: Ctx,
    crate::extract::CsrfMultipart(crate::extract::Staff { staff, .. }, mut posted): crate::extract::CsrfMultipart<
        crate::extract::Staff<crate::extract::ActsOnCases>,
        60,
    >,
) -> Response {
    let choice = ImportChoice {
        category: posted.get("categoria"),
        remittance: posted.get("causale"),
    };
    let mut page = blank_issue(&ctx);
    page.import_choice = (choice.category.clone(), choice.remittance.clone());
    let Some((_, file)) = posted.take_file("file") else {
        page.import_error = Some(ctx.t("import.file_missing").to_string());
        return issue_page(&ctx, page);
    };
    let report: ImportReport = match ctx
        .state
        .app
        .payments()
        .import_upload(&staff, &file, &choice)
        .await
    {
        Ok(r) => r,
        Err(AppError::Refusal(r)) if r.is_input() => {
            page.import_error = Some(crate::refusals::refusal_message(ctx.lang(), &r));
            return issue_page(&ctx, page);
        }
        Err(e) => return page_for(&ctx, e),
    };
    page.refused = report
        .refused
        .iter()
        .map(|r| (r.line, problem_text(&ctx, r.problem)))
        .collect();
    page.refused_count = report.refused_count;
    if report.refused_count == 0 && report.positions == 0 {
        page.import_error = Some(ctx.t("import.no_positions").to_string());
    }
    if let Some(batch) = report.batch {
        page.imported = Some((
            report.positions,
            report.options,
            sportello_domain::forms::it_euros(report.total_cents),
            batch,
        ));
    }
    issue_page(&ctx, page)
}

pub async fn batch_csv(
    ctx: Ctx,
    Path(batch): Path<String>,
    crate::extract::Staff { staff, .. }: crate::extract::Staff,
) -> Response {
    match ctx.state.app.payments().batch_csv(&staff, &batch).await {
        Ok(csv) => super::posted::download(
            &format!("avvisi-{batch}.csv"),
            "text/csv; charset=utf-8",
            csv.into_bytes(),
        ),
        Err(e) => page_for(&ctx, e),
    }
}

/// The office withdraws an unpaid position.
pub async fn withdraw(
    ctx: Ctx,
    Path(iupd): Path<String>,
    CsrfFields(crate::extract::Staff { staff, .. }, _): CsrfFields<
        crate::extract::Staff<crate::extract::ActsOnCases>,
    >,
) -> Response {
    match ctx.state.app.payments().invalidate(&staff, &iupd).await {
        Ok(()) => Redirect::to(&format!("/staff/pagamenti?annullato={iupd}")).into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "staff_withdraw.html")]
struct WithdrawPage {
    page: Page,
    iupd: String,
    debtor: String,
    subject: String,
    state: String,
    withdrawable: bool,
    /// (notice in groups of four, amount, due date)
    options: Vec<(String, String, String)>,
}

/// The office looks at a position before withdrawing it: what, whose, how much.
pub async fn withdraw_form(
    ctx: Ctx,
    Path(iupd): Path<String>,
    crate::extract::Staff { staff, .. }: crate::extract::Staff<crate::extract::ActsOnCases>,
) -> Response {
    let (position, options) = match ctx
        .state
        .app
        .payments()
        .office_position(&staff, &iupd)
        .await
    {
        Ok(p) => p,
        Err(e) => return page_for(&ctx, e),
    };
    render(&WithdrawPage {
        page: ctx.page(ctx.t("payments.withdraw_title")),
        withdrawable: position.state == "draft" || position.state == "valid",
        state: ctx
            .t(&format!("payments.state.{}", position.state))
            .to_string(),
        debtor: format!("{} ({})", position.debtor_name, position.debtor_fiscal_code),
        subject: position.subject,
        options: options
            .into_iter()
            .map(|o| {
                (
                    sportello_domain::payments::NoticeNumber::parse(&o.notice_number)
                        .map(|n| n.grouped())
                        .unwrap_or(o.notice_number),
                    sportello_domain::forms::it_euros(o.amount_cents),
                    iso_day(&o.due_date),
                )
            })
            .collect(),
        iupd: position.iupd,
    })
}

//! Payments (issue 17), the resident's side: the debt file across the region («Pagamenti» in
//! the personal area), the notice of a service's fees (written once, however often asked), the
//! payment notice as PDF; and the ente's creditor data for its administrators.

use askama::Template;
use axum::extract::{Path, Query};
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
}

/// One payment option as the office's list shows it.
pub struct OfficeLine {
    pub notice: String,
    pub debtor: String,
    pub subject: String,
    pub amount: String,
    pub due: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "staff_payments.html")]
struct OfficeList {
    page: Page,
    lines: Vec<OfficeLine>,
}

/// The ente's payments for its office: who owes what, by when, in which state.
pub async fn office_list(
    ctx: Ctx,
    crate::extract::Staff { staff, .. }: crate::extract::Staff,
) -> Response {
    let lines = match ctx.state.app.payments().office_lines(&staff).await {
        Ok(l) => l,
        Err(e) => return page_for(&ctx, e),
    };
    render(&OfficeList {
        page: ctx.page(ctx.t("payments.office_title")),
        lines: lines
            .into_iter()
            .map(|l| OfficeLine {
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
    /// (notice, notice in groups of four, amount, due date, paid, past its due date)
    pub options: Vec<(String, String, String, String, bool, bool)>,
}

pub fn debt_view(ctx: &Ctx, d: Debt) -> DebtView {
    let today = sportello_domain::calendar::in_rome(ctx.state.app.now()).date();
    let overdue: Vec<bool> = d.options.iter().map(|o| d.overdue(o, today)).collect();
    DebtView {
        open: d.open(),
        state: ctx
            .t(&format!("payments.state.{}", d.state.code()))
            .to_string(),
        ente: d.ente_name,
        slug: d.ente_slug,
        subject: d.subject,
        options: d
            .options
            .into_iter()
            .zip(overdue)
            .map(|(o, late)| {
                (
                    o.notice,
                    o.notice_grouped,
                    sportello_domain::forms::it_euros(o.amount.cents()),
                    super::services::it_date(o.due),
                    o.paid,
                    late,
                )
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
}

#[derive(serde::Deserialize, Default)]
pub struct NearQuery {
    #[serde(default)]
    comune: Option<String>,
}

pub async fn debt_file(
    ctx: Ctx,
    query: Result<Query<NearQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
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
    let (open, closed): (Vec<_>, Vec<_>) = debts
        .into_iter()
        .map(|d| debt_view(&ctx, d))
        .partition(|d| d.open);
    render(&DebtFile {
        page: ctx
            .page_near(ctx.t("payments.title"), query.comune.as_deref())
            .await,
        open,
        closed,
    })
}

/// «Paga i costi»: the position of the application's fees, written the first time.
pub async fn application_fees(
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    CsrfFields(TheirApplication(who), _): CsrfFields<TheirApplication>,
) -> Response {
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
        Ok(_) => Redirect::to(&format!("/{slug}/domande/{id}/ricevuta#pagamento")).into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn notice_pdf(ctx: Ctx, Path((slug, notice)): Path<(String, String)>) -> Response {
    let Some(who) = ctx.citizen().cloned() else {
        return Redirect::to(&format!("/accedi?torna={}", ctx.req.here)).into_response();
    };
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .payments()
        .notice_pdf(ente.ente_id(), &notice, &who)
        .await
    {
        Ok((name, pdf)) => super::posted::download(&name, "application/pdf", pdf),
        Err(e) => page_for(&ctx, e),
    }
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

//! Spontaneous payments (issue 17), the resident's side: the payments an ente takes online
//! (`/{slug}/pagamenti`), the form of one (`/{slug}/pagamenti/nuovo/{kind}`), and from the debt
//! file the choice of the municipality. Starting one writes the position and leads to the debt
//! file, where it is paid now or its notice printed.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sportello_app::spontaneous::{PaymentKind, SpontaneousInput, SpontaneousProblem};

use super::ente_pages::field;
use super::services::ente_or_404;
use crate::context::{looks_like_slug, Ctx, Page};
use crate::errors::{page_for, render, render_status};
use crate::extract::{CitizenHere, CsrfFields};

pub(crate) fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/{slug}/pagamenti", get(list))
        .route("/{slug}/pagamenti/nuovo/{kind}", get(form).post(start))
        .route("/area-personale/pagamenti/nuovo", get(choose_ente))
        .route(
            "/{slug}/pagamenti/{notice}/annulla",
            axum::routing::post(cancel),
        )
}

/// The resident withdraws a payment they started and have not paid.
pub async fn cancel(
    ctx: Ctx,
    Path((slug, notice)): Path<(String, String)>,
    CsrfFields(crate::extract::TheirNotice(who), _): CsrfFields<crate::extract::TheirNotice>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .payments()
        .cancel_spontaneous(ente.ente_id(), &notice, &who)
        .await
    {
        Ok(()) => Redirect::to("/area-personale/pagamenti?annullato=1").into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

/// One kind as the lists show it.
pub struct KindCard {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub amount: String,
}

fn card(ctx: &Ctx, k: &PaymentKind) -> KindCard {
    let euros = sportello_domain::forms::it_euros;
    KindCard {
        id: k.id.clone(),
        title: k.title.clone(),
        summary: k.summary.clone(),
        amount: match k.fixed_total() {
            Some(total) => euros(total.cents()),
            None => crate::pages::services::fill(
                ctx.t("spontaneous.amount_between"),
                &[
                    &euros(k.min_cents.unwrap_or(0)),
                    &euros(k.max_cents.unwrap_or(0)),
                ],
            ),
        },
    }
}

#[derive(Template)]
#[template(path = "spontaneous_list.html")]
struct ListPage {
    page: Page,
    slug: String,
    ente: String,
    kinds: Vec<KindCard>,
}

/// The payments the ente takes online (none where its creditor data is not set).
pub async fn list(ctx: Ctx, Path(slug): Path<String>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let takes = match ctx
        .state
        .app
        .payments()
        .takes_spontaneous(ente.ente_id())
        .await
    {
        Ok(t) => t,
        Err(e) => return page_for(&ctx, e),
    };
    let kinds = if takes {
        sportello_app::spontaneous::kinds()
            .iter()
            .map(|k| card(&ctx, k))
            .collect()
    } else {
        Vec::new()
    };
    render(&ListPage {
        page: ctx.page_for_ente(ctx.t("spontaneous.title"), &ente.name, &ente.slug),
        slug: ente.slug,
        ente: ente.name,
        kinds,
    })
}

#[derive(Template)]
#[template(path = "spontaneous_form.html")]
struct FormPage {
    page: Page,
    slug: String,
    kind: &'static PaymentKind,
    card: KindCard,
    signed_in: bool,
    values: SpontaneousInput,
    /// Each problem: the field it is about (its id) and what to say.
    problems: Vec<(&'static str, String)>,
}

impl FormPage {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn problem_text(
    ctx: &Ctx,
    kind: &PaymentKind,
    typed: &SpontaneousInput,
    p: SpontaneousProblem,
) -> (&'static str, String) {
    let euros = sportello_domain::forms::it_euros;
    match p {
        SpontaneousProblem::Amount => ("importo", ctx.t("spontaneous.problem.amount").into()),
        SpontaneousProblem::AmountLow => (
            "importo",
            crate::pages::services::fill(
                ctx.t("spontaneous.problem.amount_low"),
                &[&euros(kind.min_cents.unwrap_or(0))],
            ),
        ),
        SpontaneousProblem::AmountHigh => (
            "importo",
            crate::pages::services::fill(
                ctx.t("spontaneous.problem.amount_high"),
                &[&euros(kind.max_cents.unwrap_or(0))],
            ),
        ),
        SpontaneousProblem::AmountStep => {
            ("importo", ctx.t("spontaneous.problem.amount_step").into())
        }
        SpontaneousProblem::ReferenceMissing => ("riferimento", reference_text(ctx, kind, true)),
        SpontaneousProblem::Reference => {
            let length = typed
                .reference
                .chars()
                .filter(|c| !c.is_whitespace())
                .count();
            let codice_fiscale =
                kind.reference == Some(sportello_app::spontaneous::ReferenceKind::CodiceFiscale);
            if codice_fiscale && length != 16 {
                // Not the check character: the length is wrong.
                (
                    "riferimento",
                    crate::pages::services::fill(
                        ctx.t("spontaneous.problem.fiscal_code_length"),
                        &[&length.to_string()],
                    ),
                )
            } else {
                ("riferimento", reference_text(ctx, kind, false))
            }
        }
        SpontaneousProblem::ReferenceName => {
            ("nome_riferimento", ctx.t("spontaneous.problem.name").into())
        }
    }
}

/// What to say of the reference typed: missing, or not a codice fiscale / plate.
fn reference_text(ctx: &Ctx, kind: &PaymentKind, missing: bool) -> String {
    if kind.is_choice() {
        return crate::pages::services::fill(
            ctx.t("spontaneous.problem.choice"),
            &[kind.reference_label.as_deref().unwrap_or_default()],
        );
    }
    let plate = matches!(
        kind.reference,
        Some(sportello_app::spontaneous::ReferenceKind::Targa)
    );
    ctx.t(match (plate, missing) {
        (true, true) => "spontaneous.problem.plate_missing",
        (true, false) => "spontaneous.problem.plate",
        (false, true) => "spontaneous.problem.fiscal_code_missing",
        (false, false) => "spontaneous.problem.fiscal_code",
    })
    .into()
}

async fn kind_page(
    ctx: &Ctx,
    slug: &str,
    kind: &str,
    values: SpontaneousInput,
    problems: Vec<(&'static str, String)>,
) -> Response {
    let ente = match ente_or_404(ctx, slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(kind) = sportello_app::spontaneous::kind(kind) else {
        return page_for(ctx, sportello_app::AppError::NotFound);
    };
    match ctx
        .state
        .app
        .payments()
        .takes_spontaneous(ente.ente_id())
        .await
    {
        Ok(true) => {}
        Ok(false) => return page_for(ctx, sportello_app::AppError::NotFound),
        Err(e) => return page_for(ctx, e),
    }
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &FormPage {
            page: ctx.page_for_ente(kind.title.clone(), &ente.name, &ente.slug),
            slug: ente.slug,
            card: card(ctx, kind),
            kind,
            signed_in: ctx.citizen().is_some(),
            values,
            problems,
        },
    )
}

/// The form of one payment: what it is for, the amount where the resident chooses it.
pub async fn form(ctx: Ctx, Path((slug, kind)): Path<(String, String)>) -> Response {
    let values = SpontaneousInput {
        token: sportello_app::crypto::random_token(18),
        ..Default::default()
    };
    kind_page(&ctx, &slug, &kind, values, Vec::new()).await
}

/// The resident starts the payment: its position is written (once for the same form) and the
/// debt file shows it, to pay now or to print.
pub async fn start(
    ctx: Ctx,
    Path((slug, kind_id)): Path<(String, String)>,
    CsrfFields(CitizenHere(who), fields): CsrfFields<CitizenHere>,
) -> Response {
    let values = SpontaneousInput {
        amount: field(&fields, "importo"),
        reference: field(&fields, "riferimento"),
        reference_name: field(&fields, "nome_riferimento"),
        token: field(&fields, "token"),
    };
    let Some(kind) = sportello_app::spontaneous::kind(&kind_id) else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .payments()
        .start_spontaneous(ente.ente_id(), kind, &who, &values)
        .await
    {
        Ok(Ok(started)) => {
            let notice = started.notice();
            let again = match started {
                sportello_app::spontaneous::Started::New(_) => "",
                sportello_app::spontaneous::Started::Waiting(_) => "&gia=1",
            };
            Redirect::to(&format!(
                "/area-personale/pagamenti?comune={slug}&avviso={notice}{again}#avviso-{notice}"
            ))
            .into_response()
        }
        Ok(Err(problems)) => {
            let problems = problems
                .into_iter()
                .map(|p| problem_text(&ctx, kind, &values, p))
                .collect();
            kind_page(&ctx, &slug, &kind_id, values, problems).await
        }
        Err(e) => page_for(&ctx, e),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct ChooseQuery {
    #[serde(default)]
    comune: String,
}

/// From the debt file: the municipality chosen, its payments.
pub async fn choose_ente(
    ctx: Ctx,
    query: Result<Query<ChooseQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    if looks_like_slug(&query.comune) {
        if let Ok(ente) = ctx.state.app.ente_by_slug_hot(&query.comune).await {
            return Redirect::to(&format!("/{}/pagamenti", ente.slug)).into_response();
        }
    }
    Redirect::to("/area-personale/pagamenti#nuovo-pagamento").into_response()
}

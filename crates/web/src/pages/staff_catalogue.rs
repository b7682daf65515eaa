//! The administrators' view of the catalogue: which services the ente offers and, for each,
//! what the ente changes (office, term within the law, fees, extra information).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use sportello_app::sessions::StaffPrincipal;
use sportello_app::store::{EnteRow, OfficeRow};
use sportello_app::{may_administer, AppError};
use sportello_domain::catalogue::{AdoptionOverrides, Fee, Regime};

use super::services::euro;
use crate::context::{Ctx, Page};
use crate::errors::{message, page_for, render, render_status};

#[derive(serde::Deserialize, Default)]
pub struct EnteQuery {
    #[serde(default)]
    ente: String,
}

/// The ente an administrator works on: their own, or (region administrators) the one chosen.
async fn ente_for(ctx: &Ctx, staff: &StaffPrincipal, istat: &str) -> Result<EnteRow, Response> {
    let app = &ctx.state.app;
    let ente = match (staff.ente, istat.is_empty()) {
        (Some(id), true) => app
            .store
            .ente_by_id(id)
            .await
            .ok()
            .flatten()
            .ok_or_else(|| crate::errors::not_found(ctx))?,
        _ => app
            .ente_by_istat(if istat.is_empty() { "049009" } else { istat })
            .await
            .map_err(|e| page_for(ctx, e))?,
    };
    if may_administer(staff, ente.ente_id()) {
        Ok(ente)
    } else {
        Err(crate::errors::not_found(ctx))
    }
}

// The error is the response to send: boxing it would only add an allocation.
#[allow(clippy::result_large_err)]
fn admin(ctx: &Ctx) -> Result<StaffPrincipal, Response> {
    match ctx.staff() {
        Some(s) if s.roles.iter().any(|r| r.requires_second_factor()) => Ok(s.clone()),
        Some(_) => Err(message(
            ctx,
            StatusCode::FORBIDDEN,
            "error.403_title",
            ctx.t("error.403_text").into(),
            "danger",
        )),
        None => Err(Redirect::to("/staff/accedi").into_response()),
    }
}

#[derive(Template)]
#[template(path = "staff_services.html")]
struct ListPage {
    page: Page,
    ente: EnteRow,
    region_admin: bool,
    services: Vec<(String, String, bool)>,
}

pub async fn list(ctx: Ctx, query: Result<Query<EnteQuery>, QueryRejection>) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let staff = match admin(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let ente = match ente_for(&ctx, &staff, &query.ente).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let services = match ctx.state.app.offered_services(ente.ente_id()).await {
        Ok(s) => s,
        Err(e) => return page_for(&ctx, e),
    };
    render(&ListPage {
        page: ctx.page(ctx.t("staff.catalogue_title")),
        region_admin: staff.ente.is_none(),
        services: services
            .iter()
            .map(|s| {
                (
                    s.definition.id.clone(),
                    s.definition.title.clone(),
                    s.overrides != AdoptionOverrides::default(),
                )
            })
            .collect(),
        ente,
    })
}

#[derive(Template)]
#[template(path = "staff_service.html")]
struct EditPage {
    page: Page,
    ente: EnteRow,
    id: String,
    title: String,
    offices: Vec<OfficeRow>,
    office: String,
    term_days: String,
    term_editable: bool,
    catalogue_term: String,
    fees: String,
    catalogue_fees: String,
    extra: String,
    error: Option<String>,
    saved: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    term_days: String,
    #[serde(default)]
    fees: String,
    #[serde(default)]
    extra: String,
}

fn fees_text(fees: &[Fee]) -> String {
    fees.iter()
        .map(|f| {
            format!(
                "{} | {}",
                euro(f.amount_cents).trim_end_matches(" €"),
                f.reason
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Fees written one per line: `16,00 | Imposta di bollo`.
fn parse_fees(text: &str) -> Result<Option<Vec<Fee>>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let (amount, reason) = line
                .split_once('|')
                .ok_or_else(|| format!("riga {}: scrivi «importo | causale»", i + 1))?;
            let cents = sportello_domain::forms::parse_decimal(amount)
                .ok_or_else(|| format!("riga {}: importo non valido", i + 1))?;
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(format!("riga {}: manca la causale", i + 1));
            }
            Ok(Fee {
                amount_cents: cents,
                reason: reason.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

async fn edit_page(
    ctx: &Ctx,
    ente: EnteRow,
    id: &str,
    form: Option<&EditForm>,
    error: Option<String>,
    saved: bool,
) -> Response {
    let app = &ctx.state.app;
    let offered = match app.offered_service(ente.ente_id(), id).await {
        Ok(s) => s,
        Err(e) => return page_for(ctx, e),
    };
    let catalogue: sportello_domain::catalogue::ServiceDefinition =
        match app.store.tenant(ente.ente_id()).adopted_service(id).await {
            Ok(Some(row)) => match serde_json::from_str(&row.definition) {
                Ok(d) => d,
                Err(e) => return page_for(ctx, AppError::Internal(e.to_string())),
            },
            Ok(None) => return crate::errors::not_found(ctx),
            Err(e) => return page_for(ctx, e.into()),
        };
    let offices = app
        .store
        .tenant(ente.ente_id())
        .offices()
        .await
        .unwrap_or_default();
    let o = &offered.overrides;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &EditPage {
            page: ctx.page(offered.definition.title.clone()),
            id: id.to_string(),
            title: offered.definition.title.clone(),
            offices,
            office: form
                .map(|f| f.office.clone())
                .unwrap_or_else(|| offered.definition.scheda.office.clone()),
            term_days: form
                .map(|f| f.term_days.clone())
                .unwrap_or_else(|| o.term_days.map(|d| d.to_string()).unwrap_or_default()),
            term_editable: matches!(
                catalogue.regime,
                Regime::Ordinary { .. } | Regime::SilentConsent { .. }
            ),
            catalogue_term: catalogue
                .regime
                .term_days()
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into()),
            fees: form
                .map(|f| f.fees.clone())
                .unwrap_or_else(|| o.fees.as_deref().map(fees_text).unwrap_or_default()),
            catalogue_fees: fees_text(&catalogue.fees),
            extra: form
                .map(|f| f.extra.clone())
                .unwrap_or_else(|| o.extra_information.clone().unwrap_or_default()),
            error,
            saved,
            ente,
        },
    )
}

pub async fn edit(
    ctx: Ctx,
    Path(id): Path<String>,
    query: Result<Query<EnteQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let staff = match admin(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let ente = match ente_for(&ctx, &staff, &query.ente).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    edit_page(
        &ctx,
        ente,
        &id,
        None,
        None,
        ctx.req.here.contains("salvato=1"),
    )
    .await
}

pub async fn save(
    ctx: Ctx,
    Path(id): Path<String>,
    query: Result<Query<EnteQuery>, QueryRejection>,
    Form(form): Form<EditForm>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let staff = match admin(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !ctx.csrf_ok(&form.csrf) {
        return crate::errors::csrf_refused(&ctx);
    }
    let ente = match ente_for(&ctx, &staff, &query.ente).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let term_days = match form.term_days.trim() {
        "" => None,
        t => match t.parse::<u32>() {
            Ok(d) => Some(d),
            Err(_) => {
                return edit_page(
                    &ctx,
                    ente,
                    &id,
                    Some(&form),
                    Some("Il termine deve essere un numero di giorni.".into()),
                    false,
                )
                .await
            }
        },
    };
    let fees = match parse_fees(&form.fees) {
        Ok(f) => f,
        Err(e) => return edit_page(&ctx, ente, &id, Some(&form), Some(e), false).await,
    };
    // The filing window and the quota are not edited on this page: keep the ones set.
    let kept = ctx
        .state
        .app
        .offered_service(ente.ente_id(), &id)
        .await
        .ok()
        .map(|s| s.overrides)
        .unwrap_or_default();
    let overrides = AdoptionOverrides {
        office: Some(form.office.clone()).filter(|o| !o.is_empty()),
        term_days,
        fees,
        extra_information: Some(form.extra.trim().to_string()).filter(|e| !e.is_empty()),
        window: kept.window,
        quota: kept.quota,
    };
    match ctx
        .state
        .app
        .set_adoption(&staff, ente.ente_id(), &id, &overrides)
        .await
    {
        Ok(()) => Redirect::to(&format!(
            "/staff/servizi/{id}?ente={}&salvato=1",
            ente.istat
        ))
        .into_response(),
        Err(AppError::Invalid(text)) => {
            edit_page(&ctx, ente, &id, Some(&form), Some(text), false).await
        }
        Err(e) => page_for(&ctx, e),
    }
}

//! The administrators' view of the catalogue: which services the ente offers and, for each,
//! what the ente changes (office, term within the law, fees, extra information).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::model::EnteRow;
use sportello_app::sessions::StaffPrincipal;
use sportello_app::{may_administer, AppError};
use sportello_domain::catalogue::{AdoptionOverrides, Fee, Regime};

use crate::context::{Ctx, Page};
use crate::errors::{page_for, render, render_status};
use crate::extract::{Administers, CsrfForm, Staff};

#[derive(serde::Deserialize, Default)]
pub struct EnteQuery {
    #[serde(default)]
    pub(crate) ente: String,
}

/// The ente an administrator works on: their own, or (region administrators) the one chosen
/// with `?ente=` (by ISTAT code; the region's first ente until one is chosen).
pub(crate) async fn ente_for(
    ctx: &Ctx,
    staff: &StaffPrincipal,
    query: Result<Query<EnteQuery>, QueryRejection>,
) -> Result<EnteRow, Response> {
    let istat = query.map(|Query(q)| q.ente).unwrap_or_default();
    let app = &ctx.state.app;
    let ente = match (staff.ente, istat.is_empty()) {
        (Some(id), true) => app.ente_by_id(id).await.map_err(|e| page_for(ctx, e))?,
        (None, true) => app
            .enti(&sportello_app::tenancy::EnteFilter::default())
            .await
            .map_err(|e| page_for(ctx, e))?
            .into_iter()
            .next()
            .ok_or_else(|| crate::errors::not_found(ctx))?,
        _ => app
            .ente_by_istat(&istat)
            .await
            .map_err(|e| page_for(ctx, e))?,
    };
    if may_administer(staff, ente.ente_id()) {
        Ok(ente)
    } else {
        Err(crate::errors::not_found(ctx))
    }
}

#[derive(Template)]
#[template(path = "staff_services.html")]
struct ListPage {
    page: Page,
    ente: crate::views::EnteView,
    region_admin: bool,
    services: Vec<(String, String, bool)>,
}

pub async fn list(
    ctx: Ctx,
    Staff { staff, .. }: Staff<Administers>,
    query: Result<Query<EnteQuery>, QueryRejection>,
) -> Response {
    let ente = match ente_for(&ctx, &staff, query).await {
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
        ente: (&ente).into(),
    })
}

#[derive(Template)]
#[template(path = "staff_service.html")]
struct EditPage {
    page: Page,
    ente: crate::views::EnteView,
    id: String,
    title: String,
    offices: Vec<crate::views::OfficeView>,
    office: String,
    term_days: String,
    term_editable: bool,
    catalogue_term: String,
    fees: String,
    catalogue_fees: String,
    extra: String,
    window_editable: bool,
    catalogue_window: String,
    window_opens: String,
    window_closes: String,
    quota: String,
    error: Option<String>,
    saved: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    office: String,
    #[serde(default)]
    term_days: String,
    #[serde(default)]
    fees: String,
    #[serde(default)]
    extra: String,
    #[serde(default)]
    window_opens: String,
    #[serde(default)]
    window_closes: String,
    #[serde(default)]
    quota: String,
}

/// An instant as a `datetime-local` value, in Italian time.
fn local_input(t: time::OffsetDateTime) -> String {
    let l = sportello_domain::calendar::in_rome(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        l.year(),
        u8::from(l.month()),
        l.day(),
        l.hour(),
        l.minute()
    )
}

/// A `datetime-local` value (Italian time) as an instant.
fn parse_local(text: &str) -> Option<time::OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let with_seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let text = text.trim();
    time::PrimitiveDateTime::parse(text, &format)
        .or_else(|_| time::PrimitiveDateTime::parse(text, &with_seconds))
        .ok()
        .map(sportello_domain::calendar::from_rome)
}

/// The window and quota as typed: both ends or neither; a whole number of applications.
#[allow(clippy::type_complexity)]
fn parse_window_and_quota(
    form: &EditForm,
) -> Result<
    (
        Option<sportello_domain::catalogue::FilingWindow>,
        Option<u32>,
    ),
    String,
> {
    let window = match (form.window_opens.trim(), form.window_closes.trim()) {
        ("", "") => None,
        ("", _) | (_, "") => {
            return Err(
                "Indica sia l'apertura sia la chiusura della finestra, o nessuna delle due.".into(),
            )
        }
        (opens, closes) => {
            let (Some(opens_at), Some(closes_at)) = (parse_local(opens), parse_local(closes))
            else {
                return Err(
                    "Data e ora della finestra non valide: usa il formato 2026-12-01T09:00.".into(),
                );
            };
            if closes_at <= opens_at {
                return Err("La chiusura della finestra deve venire dopo l'apertura.".into());
            }
            Some(sportello_domain::catalogue::FilingWindow {
                opens_at,
                closes_at,
            })
        }
    };
    let quota = match form.quota.trim() {
        "" => None,
        q => match q.parse::<u32>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err("La quota deve essere un numero intero di domande, almeno 1.".into()),
        },
    };
    Ok((window, quota))
}

fn fees_text(fees: &[Fee]) -> String {
    fees.iter()
        .map(|f| {
            format!(
                "{} | {}{}",
                f.amount.to_string().trim_end_matches(" €"),
                f.reason,
                if f.stamp { " | bollo" } else { "" }
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
            let amount = sportello_domain::Money::parse(amount)
                .ok()
                .ok_or_else(|| format!("riga {}: importo non valido", i + 1))?;
            // «importo | causale | bollo»: an imposta di bollo, paid as a digital stamp.
            let (reason, stamp) = match reason.rsplit_once('|') {
                Some((r, kind)) if kind.trim().eq_ignore_ascii_case("bollo") => (r, true),
                _ => (reason, false),
            };
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(format!("riga {}: manca la causale", i + 1));
            }
            Ok(Fee {
                amount,
                reason: reason.to_string(),
                // Fees typed here are the ente's own: shown in Italian in either language.
                reason_en: None,
                stamp,
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
    let offered = match app.catalogue().offered_service(ente.ente_id(), id).await {
        Ok(s) => s,
        Err(e) => return page_for(ctx, e),
    };
    let catalogue = match app
        .catalogue()
        .regional_definition(ente.ente_id(), id)
        .await
    {
        Ok(d) => d,
        Err(e) => return page_for(ctx, e),
    };
    let offices = match app.catalogue().offices(ente.ente_id()).await {
        Ok(o) => o,
        Err(e) => return page_for(ctx, e),
    };
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
            offices: crate::views::offices(&offices),
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
            window_editable: catalogue.is_a_call(),
            catalogue_window: catalogue
                .window
                .map(|w| {
                    format!("{} – {}", local_input(w.opens_at), local_input(w.closes_at))
                        .replace('T', " ")
                })
                .unwrap_or_else(|| "—".into()),
            window_opens: form.map(|f| f.window_opens.clone()).unwrap_or_else(|| {
                o.window
                    .map(|w| local_input(w.opens_at))
                    .unwrap_or_default()
            }),
            window_closes: form.map(|f| f.window_closes.clone()).unwrap_or_else(|| {
                o.window
                    .map(|w| local_input(w.closes_at))
                    .unwrap_or_default()
            }),
            quota: form
                .map(|f| f.quota.clone())
                .unwrap_or_else(|| o.quota.map(|q| q.to_string()).unwrap_or_default()),
            error,
            saved,
            ente: (&ente).into(),
        },
    )
}

pub async fn edit(
    ctx: Ctx,
    Staff { staff, .. }: Staff<Administers>,
    Path(id): Path<String>,
    query: Result<Query<EnteQuery>, QueryRejection>,
) -> Response {
    let ente = match ente_for(&ctx, &staff, query).await {
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
    CsrfForm(Staff { staff, .. }, form): CsrfForm<Staff<Administers>, EditForm>,
) -> Response {
    let ente = match ente_for(&ctx, &staff, query).await {
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
    let (window, quota) = match parse_window_and_quota(&form) {
        Ok(x) => x,
        Err(e) => return edit_page(&ctx, ente, &id, Some(&form), Some(e), false).await,
    };
    let overrides = AdoptionOverrides {
        office: Some(form.office.clone()).filter(|o| !o.is_empty()),
        term_days,
        fees,
        extra_information: Some(form.extra.trim().to_string()).filter(|e| !e.is_empty()),
        window,
        quota,
    };
    match ctx
        .state
        .app
        .catalogue()
        .set_adoption(&staff, ente.ente_id(), &id, &overrides)
        .await
    {
        Ok(()) => Redirect::to(&format!(
            "/staff/servizi/{id}?ente={}&salvato=1",
            ente.istat
        ))
        .into_response(),
        Err(e @ (AppError::Refusal(_) | AppError::Catalogue(_))) => {
            let text = match crate::errors::shown_refusal(&ctx, e) {
                Ok((_, text)) => text,
                Err(e) => return page_for(&ctx, e),
            };
            edit_page(&ctx, ente, &id, Some(&form), Some(text), false).await
        }
        Err(e) => page_for(&ctx, e),
    }
}

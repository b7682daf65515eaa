//! The administrators' view of the office's act texts: for each act, the ente's words (or the
//! region's), edited in a text box, checked against what the law requires the act to say, and
//! restored to the region's text at will.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::acts::ActText;
use sportello_app::model::EnteRow;
use sportello_app::AppError;
use sportello_domain::procedure::acts::{ActKind, ActPart, ActTemplate, ActTextError, Slot};

use super::staff_catalogue::{ente_for, EnteQuery};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render, render_status};
use crate::extract::{Administers, CsrfForm, Staff};

/// The message key naming an act.
fn act_name_key(kind: ActKind) -> String {
    format!("acts.kind_{}", kind.code())
}

/// The message key explaining a value a template may insert.
fn slot_key(slot: Slot) -> String {
    format!("acts.slot_{}", slot.name())
}

#[derive(Template)]
#[template(path = "staff_acts.html")]
struct ListPage {
    page: Page,
    ente: crate::views::EnteView,
    region_admin: bool,
    /// (code, name, adapted, who and when)
    acts: Vec<(String, String, bool, String)>,
}

fn when(ms: i64) -> String {
    super::services::it_minutes(sportello_app::model::from_millis(ms))
}

async fn texts(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    ente: &EnteRow,
) -> Result<Vec<ActText>, Response> {
    ctx.state
        .app
        .back_office()
        .act_texts(staff, ente.ente_id())
        .await
        .map_err(|e| page_for(ctx, e))
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
    let acts = match texts(&ctx, &staff, &ente).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    render(&ListPage {
        page: ctx.page(ctx.t("acts.title")),
        region_admin: staff.ente.is_none(),
        acts: acts
            .iter()
            .map(|a| {
                (
                    a.kind.code().to_owned(),
                    ctx.t(&act_name_key(a.kind)).to_owned(),
                    a.adapted,
                    a.updated
                        .as_ref()
                        .map(|(who, at)| format!("{who}, {}", when(*at)))
                        .unwrap_or_default(),
                )
            })
            .collect(),
        ente: (&ente).into(),
    })
}

#[derive(Template)]
#[template(path = "staff_act.html")]
struct EditPage {
    page: Page,
    ente: crate::views::EnteView,
    code: String,
    name: String,
    adapted: bool,
    form: ActForm,
    /// (`{name}`, what it inserts, required)
    slots: Vec<(String, String, bool)>,
    error: Option<String>,
    /// The id of the field the error is about, to mark it and link to it.
    error_field: &'static str,
    /// What was just done: `salvato`, `ripristinato`, or nothing.
    done: &'static str,
}

/// The form field a refused text is about.
fn field_of(e: &ActTextError) -> &'static str {
    let part = match e {
        ActTextError::Empty(p)
        | ActTextError::TooLong(p, _)
        | ActTextError::Unbalanced(p, _)
        | ActTextError::Unknown(p, _) => *p,
        ActTextError::Missing(_) => ActPart::Body,
    };
    match part {
        ActPart::Title => "title",
        ActPart::Body => "body",
        ActPart::Message => "message",
    }
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct ActForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    message: String,
    /// `salva` or `ripristina`.
    #[serde(default)]
    azione: String,
}

async fn edit_page(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    ente: EnteRow,
    kind: ActKind,
    typed: Option<ActForm>,
    error: Option<(String, &'static str)>,
    done: &'static str,
) -> Response {
    let acts = match texts(ctx, staff, &ente).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(act) = acts.into_iter().find(|a| a.kind == kind) else {
        return crate::errors::not_found(ctx);
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let name = ctx.t(&act_name_key(kind)).to_owned();
    render_status(
        status,
        &EditPage {
            page: ctx.page(name.clone()),
            code: kind.code().to_owned(),
            name,
            adapted: act.adapted,
            form: typed.unwrap_or(ActForm {
                title: act.template.title,
                body: act.template.body,
                message: act.template.message,
                azione: String::new(),
            }),
            slots: kind
                .accepts()
                .iter()
                .map(|s| {
                    (
                        format!("{{{}}}", s.name()),
                        ctx.t(&slot_key(*s)).to_owned(),
                        kind.requires().contains(s),
                    )
                })
                .collect(),
            error_field: error.as_ref().map_or("", |(_, field)| *field),
            error: error.map(|(text, _)| text),
            done,
            ente: (&ente).into(),
        },
    )
}

pub async fn edit(
    ctx: Ctx,
    Staff { staff, .. }: Staff<Administers>,
    Path(code): Path<String>,
    query: Result<Query<EnteQuery>, QueryRejection>,
) -> Response {
    let Ok(kind) = ActKind::parse(&code) else {
        return crate::errors::not_found(&ctx);
    };
    let ente = match ente_for(&ctx, &staff, query).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let done = if ctx.req.here.contains("salvato=1") {
        "salvato"
    } else if ctx.req.here.contains("ripristinato=1") {
        "ripristinato"
    } else {
        ""
    };
    edit_page(&ctx, &staff, ente, kind, None, None, done).await
}

pub async fn save(
    ctx: Ctx,
    Path(code): Path<String>,
    query: Result<Query<EnteQuery>, QueryRejection>,
    CsrfForm(Staff { staff, .. }, form): CsrfForm<Staff<Administers>, ActForm>,
) -> Response {
    let Ok(kind) = ActKind::parse(&code) else {
        return crate::errors::not_found(&ctx);
    };
    let ente = match ente_for(&ctx, &staff, query).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let office = ctx.state.app.back_office();
    let restoring = form.azione == "ripristina";
    let done = if restoring {
        office.restore_act(&staff, ente.ente_id(), kind).await
    } else {
        let template = ActTemplate {
            title: form.title.clone(),
            body: form.body.clone(),
            message: form.message.clone(),
        };
        office
            .adapt_act(&staff, ente.ente_id(), kind, template)
            .await
    };
    match done {
        Ok(()) => Redirect::to(&format!(
            "/staff/atti/{}?ente={}&{}=1",
            kind.code(),
            ente.istat,
            if restoring { "ripristinato" } else { "salvato" }
        ))
        .into_response(),
        Err(AppError::ActText(e)) => {
            let text = crate::refusals::act_text_message(ctx.lang(), &e);
            let error = Some((text, field_of(&e)));
            edit_page(&ctx, &staff, ente, kind, Some(form), error, "").await
        }
        Err(e) => page_for(&ctx, e),
    }
}

//! A municipality's home page.

use askama::Template;
use axum::extract::Path;
use axum::response::{Redirect, Response};

use crate::context::{Ctx, Page};
use crate::errors::{page_for, render};

#[derive(Template)]
#[template(path = "ente_home.html")]
struct EnteHome {
    page: Page,
    ente: crate::views::EnteView,
    offices: Vec<crate::views::OfficeView>,
    aoo: Vec<(String, String)>,
}

pub async fn home(ctx: Ctx, Path(slug): Path<String>) -> Response {
    let ente = match ctx.state.app.ente_by_slug_hot(&slug).await {
        Ok(e) => e,
        Err(e) => return page_for(&ctx, e),
    };
    let (offices, aoo) = match ctx.state.app.catalogue().organisation(ente.ente_id()).await {
        Ok(both) => both,
        Err(e) => return page_for(&ctx, e),
    };
    let title = format!("{} {}", ctx.t("ente.title_prefix"), ente.name);
    render(&EnteHome {
        page: ctx.page_for_ente(title, &ente.name, &ente.slug),
        ente: (&ente).into(),
        offices: crate::views::offices(&offices),
        aoo,
    })
}

/// `/livorno` → `/livorno/`, but only for a municipality that exists.
pub async fn redirect_slash(ctx: Ctx, Path(slug): Path<String>) -> Response {
    match ctx.state.app.ente_by_slug(&slug).await {
        Ok(e) => axum::response::IntoResponse::into_response(Redirect::permanent(&format!(
            "/{}/",
            e.slug
        ))),
        Err(e) => page_for(&ctx, e),
    }
}

//! The region's home: the searchable list of its municipalities; the language switch.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::response::Response;
use sportello_app::oidc::safe_return_path;
use sportello_app::tenancy::EnteFilter;

use crate::context::{redirect_with_cookies, set_cookie, Ctx, Page, LANG_COOKIE};
use crate::errors::{page_for, render};
use crate::i18n::Lang;

/// The ten provinces of Tuscany (code, name).
pub const PROVINCES: [(&str, &str); 10] = [
    ("AR", "Arezzo"),
    ("FI", "Firenze"),
    ("GR", "Grosseto"),
    ("LI", "Livorno"),
    ("LU", "Lucca"),
    ("MS", "Massa-Carrara"),
    ("PI", "Pisa"),
    ("PO", "Prato"),
    ("PT", "Pistoia"),
    ("SI", "Siena"),
];

#[derive(Template)]
#[template(path = "region_home.html")]
struct RegionHome {
    page: Page,
    q: String,
    province: String,
    provinces: &'static [(&'static str, &'static str)],
    enti: Vec<crate::views::EnteView>,
    signed_out: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct HomeQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    provincia: String,
    #[serde(default)]
    uscito: Option<String>,
}

pub async fn home(ctx: Ctx, query: Result<Query<HomeQuery>, QueryRejection>) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let q: String = query.q.trim().chars().take(100).collect();
    let province = query.provincia.trim().to_ascii_uppercase();
    let province = if PROVINCES.iter().any(|(code, _)| *code == province) {
        province
    } else {
        String::new()
    };
    let filter = EnteFilter {
        name: Some(q.clone()).filter(|s| !s.is_empty()),
        province: Some(province.clone()).filter(|s| !s.is_empty()),
    };
    match ctx.state.app.enti(&filter).await {
        Ok(enti) => render(&RegionHome {
            page: ctx.page(crate::pages::services::fill(
                ctx.t("region.title"),
                &[&ctx.state.app.settings.region.name],
            )),
            q,
            province,
            provinces: &PROVINCES,
            enti: enti.iter().map(crate::views::EnteView::from).collect(),
            signed_out: query.uscito.is_some(),
        }),
        Err(e) => page_for(&ctx, e),
    }
}

#[derive(serde::Deserialize)]
pub struct LangQuery {
    l: String,
    #[serde(default)]
    torna: String,
}

/// Sets the language cookie and goes back where the person was.
pub async fn switch_language(ctx: Ctx, Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&q.l).unwrap_or_default();
    let back = safe_return_path(&q.torna);
    let back = if back == "/area-personale" && q.torna != "/area-personale" {
        "/".to_string()
    } else {
        back
    };
    let cookie = set_cookie(
        LANG_COOKIE,
        lang.code(),
        Some(31_536_000),
        ctx.state.settings.secure_cookies,
    );
    redirect_with_cookies(&back, &[cookie])
}

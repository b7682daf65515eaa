//! Open data's pages (issue 19): the catalogue of an ente and of the region, for people (HTML)
//! and harvesters (DCAT-AP_IT in Turtle and RDF/XML), each dataset's page, and its
//! distributions in CSV and JSON.

use askama::Template;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sportello_app::model::EnteRow;
use sportello_app::opendata::Table;
use sportello_app::AppError;
use sportello_domain::opendata::{graph, Catalogue, Dataset, DatasetKind};

use super::services::{ente_or_404, fill};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render};

/// A dataset as a catalogue page lists it.
pub struct DatasetLine {
    pub href: String,
    pub title: String,
    pub description: &'static str,
    pub modified: String,
}

fn line(ctx: &Ctx, d: &Dataset, href: String) -> DatasetLine {
    DatasetLine {
        href,
        title: d.title(),
        description: d.kind.description(),
        modified: crate::views::long_date(ctx.lang(), &d.modified),
    }
}

#[derive(Template)]
#[template(path = "opendata.html")]
struct CataloguePage {
    page: Page,
    heading: String,
    /// Where the catalogue's own files are: `/dati` or `/livorno/dati`.
    base: String,
    datasets: Vec<DatasetLine>,
    /// For the region: each ente's catalogue (href, name).
    enti: Vec<(String, String)>,
    modified: String,
}

#[derive(Template)]
#[template(path = "dataset.html")]
struct DatasetPage {
    page: Page,
    base: String,
    title: String,
    description: &'static str,
    identifier: String,
    holder: String,
    holder_ipa: String,
    modified: String,
    issued: String,
    theme: &'static str,
    frequency: &'static str,
    keywords: String,
    distributions: Vec<(String, String, String)>,
    columns: Vec<&'static str>,
    preview: Vec<Vec<String>>,
    rows: usize,
}

fn rdf(c: &Catalogue, turtle: bool) -> Response {
    let g = graph(c);
    if turtle {
        (
            [(header::CONTENT_TYPE, "text/turtle; charset=utf-8")],
            g.turtle(),
        )
            .into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "application/rdf+xml; charset=utf-8")],
            g.rdf_xml(),
        )
            .into_response()
    }
}

fn csv(t: &Table, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.csv\""),
            ),
        ],
        t.csv(),
    )
        .into_response()
}

fn json(t: &Table) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], t.json()).into_response()
}

fn theme_key(code: &str) -> &'static str {
    match code {
        "ECON" => "opendata.theme_econ",
        _ => "opendata.theme_gove",
    }
}

fn frequency_key(code: &str) -> &'static str {
    match code {
        "DAILY" => "opendata.freq_daily",
        _ => "opendata.freq_irreg",
    }
}

async fn catalogue_page(ctx: &Ctx, ente: Option<&EnteRow>) -> Response {
    let od = ctx.state.app.open_data_catalogue();
    let c = match od.catalogue(ente).await {
        Ok(c) => c,
        Err(e) => return page_for(ctx, e),
    };
    let (page, base, heading, shown, enti) = match ente {
        Some(e) => (
            ctx.page_for_ente(ctx.t("opendata.title"), &e.name, &e.slug),
            format!("/{}/dati", e.slug),
            fill(ctx.t("opendata.heading_ente"), &[&e.name]),
            c.datasets.clone(),
            Vec::new(),
        ),
        None => {
            let enti = match ctx.state.app.enti(&Default::default()).await {
                Ok(list) => list
                    .into_iter()
                    .map(|e| (format!("/{}/dati", e.slug), e.name))
                    .collect(),
                Err(e) => return page_for(ctx, e),
            };
            let region_ipa = &ctx.state.app.settings.region.ipa_code;
            (
                ctx.page(ctx.t("opendata.title")),
                "/dati".to_owned(),
                fill(
                    ctx.t("opendata.heading_region"),
                    &[&ctx.state.app.settings.region.name],
                ),
                c.datasets
                    .iter()
                    .filter(|d| &d.holder.ipa == region_ipa)
                    .cloned()
                    .collect(),
                enti,
            )
        }
    };
    render(&CataloguePage {
        datasets: shown
            .iter()
            .map(|d| line(ctx, d, format!("{base}/{}", d.kind.code())))
            .collect(),
        page,
        heading,
        base,
        enti,
        modified: crate::views::long_date(ctx.lang(), &c.modified),
    })
}

async fn file(ctx: &Ctx, ente: Option<&EnteRow>, name: &str) -> Response {
    let od = ctx.state.app.open_data_catalogue();
    if name == "catalogo.ttl" || name == "catalogo.rdf" {
        return match od.catalogue(ente).await {
            Ok(c) => rdf(&c, name.ends_with(".ttl")),
            Err(e) => page_for(ctx, e),
        };
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if e == "csv" || e == "json" => (s, Some(e)),
        _ => (name, None),
    };
    let Some(kind) = DatasetKind::parse(stem) else {
        return page_for(ctx, AppError::NotFound);
    };
    let dataset = match od.dataset(ente, kind).await {
        Ok(d) => d,
        Err(e) => return page_for(ctx, e),
    };
    let table = match od.table(ente, kind).await {
        Ok(t) => t,
        Err(e) => return page_for(ctx, e),
    };
    match ext {
        Some("csv") => csv(&table, &dataset.name()),
        Some(_) => json(&table),
        None => {
            let (page, base) = match ente {
                Some(e) => (
                    ctx.page_for_ente(dataset.title(), &e.name, &e.slug),
                    format!("/{}/dati", e.slug),
                ),
                None => (ctx.page(dataset.title()), "/dati".to_owned()),
            };
            render(&DatasetPage {
                page,
                base,
                title: dataset.title(),
                description: kind.description(),
                identifier: dataset.identifier(),
                holder: dataset.holder.name.clone(),
                holder_ipa: dataset.holder.ipa.clone(),
                modified: crate::views::long_date(ctx.lang(), &dataset.modified),
                issued: crate::views::long_date(ctx.lang(), &dataset.issued),
                theme: ctx.t(theme_key(kind.theme())),
                frequency: ctx.t(frequency_key(kind.frequency())),
                keywords: kind.keywords().join(", "),
                distributions: dataset
                    .distributions
                    .iter()
                    .map(|d| (d.title.clone(), d.url.clone(), d.format.to_owned()))
                    .collect(),
                columns: table.columns.clone(),
                preview: table
                    .rows
                    .iter()
                    .take(10)
                    .map(|r| r.iter().map(|c| c.text()).collect())
                    .collect(),
                rows: table.rows.len(),
            })
        }
    }
}

/// The region's catalogue: `/dati`.
pub async fn region_catalogue(ctx: Ctx) -> Response {
    catalogue_page(&ctx, None).await
}

/// A file of the region's catalogue: `/dati/{name}`.
pub async fn region_file(ctx: Ctx, Path(name): Path<String>) -> Response {
    file(&ctx, None, &name).await
}

/// An ente's catalogue: `/{slug}/dati`.
pub async fn ente_catalogue(ctx: Ctx, Path(slug): Path<String>) -> Response {
    match ente_or_404(&ctx, &slug).await {
        Ok(e) => catalogue_page(&ctx, Some(&e)).await,
        Err(r) => r,
    }
}

/// A file of an ente's catalogue: `/{slug}/dati/{name}`.
pub async fn ente_file(ctx: Ctx, Path((slug, name)): Path<(String, String)>) -> Response {
    match ente_or_404(&ctx, &slug).await {
        Ok(e) => file(&ctx, Some(&e), &name).await,
        Err(r) => r,
    }
}

//! The JSON API under `/api/v1`, described by an OpenAPI document generated from this code.
//! Errors are `application/problem+json` (RFC 9457).

mod enti;

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::WebState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sportello API",
        description = "The public API of Sportello, the digital front desk of Italian local government. \
                       Municipalities (enti) of the region, with their ISTAT and cadastral codes.",
        license(name = "EUPL-1.2")
    ),
    paths(enti::list, enti::one),
    components(schemas(enti::Ente, Problem)),
    tags((name = "enti", description = "The region's municipalities"))
)]
pub struct ApiDoc;

/// An RFC 9457 problem document.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct Problem {
    #[schema(example = "about:blank")]
    pub r#type: String,
    #[schema(example = "Risorsa non trovata")]
    pub title: String,
    #[schema(example = 404)]
    pub status: u16,
    pub detail: String,
}

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/api/v1/enti", get(enti::list))
        .route("/api/v1/enti/{istat}", get(enti::one))
        .route("/api/v1/openapi.json", get(openapi))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

//! The JSON API under `/api/v1`, described by an OpenAPI document generated from this code.
//! Errors are `application/problem+json` (RFC 9457).

mod albo;
mod applications;
mod ckan;
mod enti;
mod open311;

use axum::routing::get;
use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sportello API",
        description = "The public API of Sportello, the digital front desk of Italian local government. \
                       Municipalities (enti) of the region, with their ISTAT and cadastral codes.",
        license(name = "EUPL-1.2")
    ),
    paths(enti::list, enti::one, applications::services, applications::service, applications::file,
        applications::mine, applications::one_of_mine, applications::token, albo::list),
    components(schemas(enti::Ente, Problem, applications::Service, applications::ServiceDetail,
        applications::NewApplicationBody, applications::Registration, applications::MyApplication, applications::Token, albo::AlboAct, albo::AlboDocument)),
    tags((name = "enti", description = "The region's municipalities"),
        (name = "servizi", description = "The services an ente offers online"),
        (name = "domande", description = "Applications: filing and following them"),
        (name = "albo", description = "The albo pretorio: acts published with legal effect"))
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

pub(crate) fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/api/v1/enti", get(enti::list))
        .route("/api/v1/enti/{istat}", get(enti::one))
        .route("/api/v1/enti/{istat}/servizi", get(applications::services))
        .route("/api/v1/enti/{istat}/albo", get(albo::list))
        .route(
            "/api/v1/enti/{istat}/servizi/{id}",
            get(applications::service),
        )
        .route(
            "/api/v1/enti/{istat}/servizi/{id}/domande",
            axum::routing::post(applications::file)
                .layer(axum::extract::DefaultBodyLimit::max(40 * 1024 * 1024)),
        )
        .route("/api/v1/me/domande", get(applications::mine))
        .route("/api/v1/me/domande/{id}", get(applications::one_of_mine))
        .route("/api/v1/me/token", axum::routing::post(applications::token))
        .route("/api/v1/openapi.json", get(openapi))
        .route(
            "/open311/v2/{file}",
            get(open311::root_get)
                .post(open311::create)
                .options(open311::preflight)
                .layer(axum::extract::DefaultBodyLimit::max(open311::POST_LIMIT)),
        )
        .route(
            "/open311/v2/services/{file}",
            get(open311::service).options(open311::preflight),
        )
        .route(
            "/open311/v2/requests/{file}",
            get(open311::one).options(open311::preflight),
        )
        .route(
            "/open311/v2/request/{file}",
            get(open311::one).options(open311::preflight),
        )
        .route(
            "/open311/v2/tokens/{file}",
            get(open311::token).options(open311::preflight),
        )
        .route(
            "/api/3/action/{action}",
            get(ckan::action).post(ckan::action),
        )
        .route("/api/action/{action}", get(ckan::action).post(ckan::action))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

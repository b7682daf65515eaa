//! `/api/v1/enti`: the municipalities of the region.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use sportello_app::model::EnteRow;
use sportello_app::tenancy::EnteFilter;
use sportello_domain::tenancy::{IstatCode, ProvinceCode};

use crate::api::Problem;
use crate::errors::{problem, problem_for};
use crate::WebState;

/// A municipality (comune) of the region.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct Ente {
    /// ISTAT code, 6 digits.
    #[schema(example = "049009")]
    pub istat_code: String,
    #[schema(example = "Livorno")]
    pub name: String,
    #[schema(example = "Livorno")]
    pub province: String,
    /// Province code (sigla).
    #[schema(example = "LI")]
    pub province_code: String,
    /// Cadastral (Belfiore) code, as used in the codice fiscale.
    #[schema(example = "E625")]
    pub cadastral_code: String,
    /// Resident population (ISTAT).
    #[schema(example = 153773)]
    pub population: i64,
    /// The municipality's path on the portal.
    #[schema(example = "livorno")]
    pub slug: String,
    #[schema(example = "http://127.0.0.1:8080/livorno/")]
    pub url: String,
}

fn to_dto(e: EnteRow, public_url: &str) -> Ente {
    Ente {
        url: format!("{public_url}/{}/", e.slug),
        istat_code: e.istat,
        name: e.name,
        province: e.province_name,
        province_code: e.province_code,
        cadastral_code: e.cadastral,
        population: e.population,
        slug: e.slug,
    }
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only the municipalities of this province (code, e.g. `LI`).
    provincia: Option<String>,
    /// Only the municipalities whose name contains this text (any case, accents ignored).
    nome: Option<String>,
}

/// Lists the municipalities of the region.
#[utoipa::path(
    get,
    path = "/api/v1/enti",
    tag = "enti",
    params(ListQuery),
    responses(
        (status = 200, description = "The municipalities, by name", body = [Ente]),
        (status = 422, description = "A parameter is not valid", body = Problem, content_type = "application/problem+json")
    )
)]
pub async fn list(
    State(state): State<WebState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let Query(query) = match query {
        Ok(q) => q,
        Err(e) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Parametri non validi",
                &e.body_text(),
            );
        }
    };
    let province = match query.provincia.as_deref().map(ProvinceCode::parse) {
        None => None,
        Some(Ok(code)) => Some(code.to_string()),
        Some(Err(e)) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Parametro «provincia» non valido",
                &e.to_string(),
            );
        }
    };
    let filter = EnteFilter {
        name: query.nome,
        province,
    };
    let public_url = state.app.settings.public_url.clone();
    match state.app.enti(&filter).await {
        Ok(rows) => Json(
            rows.into_iter()
                .map(|e| to_dto(e, &public_url))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => problem_for(e),
    }
}

/// One municipality, by ISTAT code.
#[utoipa::path(
    get,
    path = "/api/v1/enti/{istat}",
    tag = "enti",
    params(("istat" = String, Path, description = "ISTAT code, 6 digits", example = "049009")),
    responses(
        (status = 200, description = "The municipality", body = Ente),
        (status = 404, description = "No municipality has this code", body = Problem, content_type = "application/problem+json")
    )
)]
pub async fn one(State(state): State<WebState>, Path(istat): Path<String>) -> Response {
    if IstatCode::parse(&istat).is_err() {
        return problem(
            StatusCode::NOT_FOUND,
            "Ente non trovato",
            "Il codice ISTAT deve avere 6 cifre; nessun ente ha questo codice.",
        );
    }
    match state.app.ente_by_istat(&istat).await {
        Ok(e) => Json(to_dto(e, &state.app.settings.public_url)).into_response(),
        Err(sportello_app::AppError::NotFound) => problem(
            StatusCode::NOT_FOUND,
            "Ente non trovato",
            &format!("Nessun ente ha il codice ISTAT {istat}."),
        ),
        Err(e) => problem_for(e),
    }
}

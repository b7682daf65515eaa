//! Static files embedded in the binary: the vendored Bootstrap Italia and Sportello's own.

use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::{EmbeddedFile, RustEmbed};

#[derive(RustEmbed)]
#[folder = "../../vendor/bootstrap-italia/dist"]
#[exclude = "*.txt"]
struct BootstrapItalia;

#[derive(RustEmbed)]
#[folder = "static"]
struct Own;

pub(crate) fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route("/static/bi/{*path}", get(vendor))
        .route("/static/{*path}", get(own))
        .route(
            "/favicon.ico",
            get(|| async { axum::response::Redirect::permanent("/static/favicon.svg") }),
        )
}

async fn vendor(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(BootstrapItalia::get(&path), &path, &headers)
}

async fn own(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(Own::get(&path), &path, &headers)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "woff2" => "font/woff2",
        "png" => "image/png",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

fn serve(file: Option<EmbeddedFile>, path: &str, headers: &HeaderMap) -> Response {
    let Some(file) = file else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let cache = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [(header::CONTENT_TYPE, content_type(path))],
        file.data.into_owned(),
    )
        .into_response()
}

//! Reading a multipart form: its text fields and its files (empty file inputs skipped).

use std::collections::BTreeMap;

use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::Response;

use crate::context::Ctx;
use crate::errors::message;

/// A form as posted.
#[derive(Debug, Default)]
pub struct Posted {
    pub fields: BTreeMap<String, String>,
    /// (field, file name, bytes)
    pub files: Vec<(String, String, Vec<u8>)>,
}

impl Posted {
    pub fn get(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    /// Takes the file posted for `field`, if one was chosen.
    pub fn take_file(&mut self, field: &str) -> Option<(String, Vec<u8>)> {
        let i = self.files.iter().position(|(f, _, _)| f == field)?;
        let (_, name, bytes) = self.files.remove(i);
        Some((name, bytes))
    }
}

/// Reads the whole form; a body over the route's limit (`limit`, for people: "20 MB") gets a
/// clear page.
pub async fn read(
    ctx: &Ctx,
    mut multipart: Multipart,
    limit: &str,
) -> Result<Posted, Box<Response>> {
    let mut posted = Posted::default();
    loop {
        match multipart.next_field().await {
            Ok(Some(part)) => {
                let name = part.name().unwrap_or_default().to_string();
                let file_name = part.file_name().map(str::to_string);
                let Ok(bytes) = part.bytes().await else {
                    return Err(Box::new(too_large(ctx, limit)));
                };
                match file_name {
                    // A file input left empty still sends a part: no name, no bytes.
                    Some(f) if !f.is_empty() || !bytes.is_empty() => {
                        posted.files.push((name, f, bytes.to_vec()))
                    }
                    Some(_) => {}
                    None => {
                        posted
                            .fields
                            .insert(name, String::from_utf8_lossy(&bytes).into_owned());
                    }
                }
            }
            Ok(None) => return Ok(posted),
            Err(_) => return Err(Box::new(too_large(ctx, limit))),
        }
    }
}

pub(crate) fn too_large(ctx: &Ctx, limit: &str) -> Response {
    message(
        ctx,
        StatusCode::PAYLOAD_TOO_LARGE,
        "error.403_title",
        crate::pages::services::fill(ctx.t("apply.file_too_large"), &[limit]),
        "danger",
    )
}

/// A file for the browser to save, under a name reduced to safe characters.
pub fn download(file_name: &str, media_type: &str, bytes: Vec<u8>) -> Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let safe: String = file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let safe = if safe.is_empty() {
        "documento".into()
    } else {
        safe
    };
    (
        [
            (header::CONTENT_TYPE, media_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

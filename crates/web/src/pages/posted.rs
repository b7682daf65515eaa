//! Reading a multipart form: its text fields and its files (empty file inputs skipped).

use std::collections::BTreeMap;

use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::Response;

use sportello_app::blobs::{ReceiveError, Upload};

use crate::context::Ctx;
use crate::errors::{message, server_error};

/// A form as posted.
#[derive(Debug, Default)]
pub struct Posted {
    pub fields: BTreeMap<String, String>,
    /// (field, file name, the file as received: written aside as it arrived, never in memory)
    pub files: Vec<(String, String, Upload)>,
}

impl Posted {
    pub fn get(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    /// Takes the file posted for `field`, if one was chosen.
    pub fn take_file(&mut self, field: &str) -> Option<(String, Upload)> {
        let i = self.files.iter().position(|(f, _, _)| f == field)?;
        let (_, name, upload) = self.files.remove(i);
        Some((name, upload))
    }
}

/// The longest text field a form may post (a textarea of 10,000 characters is at most 40 KB).
const TEXT_PART_MAX: usize = 256 * 1024;

/// Reads the whole form, each file streamed to a file aside (at most `max_file` bytes) as it
/// arrives: the one way pages read forms with files. A body over the route's limit (`limit`,
/// for people: "20 MB") gets a clear page, and nothing of it is kept.
pub async fn read(
    ctx: &Ctx,
    mut multipart: Multipart,
    limit: &str,
    max_file: u64,
) -> Result<Posted, Box<Response>> {
    let too_large = || Box::new(too_large(ctx, limit));
    let mut posted = Posted::default();
    loop {
        let mut part = match multipart.next_field().await {
            Ok(Some(part)) => part,
            Ok(None) => return Ok(posted),
            Err(_) => return Err(too_large()),
        };
        let name = part.name().unwrap_or_default().to_string();
        match part.file_name().map(str::to_string) {
            Some(file_name) => {
                let mut writer = match ctx.state.app.receive(max_file).await {
                    Ok(w) => w,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot write an upload aside");
                        return Err(Box::new(server_error(ctx)));
                    }
                };
                let mut empty = true;
                loop {
                    match part.chunk().await {
                        Ok(Some(chunk)) => {
                            empty = empty && chunk.is_empty();
                            match writer.write(&chunk).await {
                                Ok(()) => {}
                                Err(ReceiveError::TooLarge { .. }) => return Err(too_large()),
                                Err(ReceiveError::Io(e)) => {
                                    tracing::error!(error = %e, "cannot write an upload aside");
                                    return Err(Box::new(server_error(ctx)));
                                }
                            }
                        }
                        Ok(None) => break,
                        Err(_) => return Err(too_large()),
                    }
                }
                // A file input left empty still sends a part: no name, no bytes.
                if file_name.is_empty() && empty {
                    continue;
                }
                match writer.finish().await {
                    Ok(upload) => posted.files.push((name, file_name, upload)),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot write an upload aside");
                        return Err(Box::new(server_error(ctx)));
                    }
                }
            }
            None => {
                let mut text = Vec::new();
                loop {
                    match part.chunk().await {
                        Ok(Some(chunk)) => {
                            if text.len().saturating_add(chunk.len()) > TEXT_PART_MAX {
                                return Err(too_large());
                            }
                            text.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(_) => return Err(too_large()),
                    }
                }
                posted
                    .fields
                    .insert(name, String::from_utf8_lossy(&text).into_owned());
            }
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

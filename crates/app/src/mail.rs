//! E-mail over SMTP (lettre). `smtp://host:port` speaks plain SMTP (a relay on the same host or
//! a test server); `smtp://…?tls=required` uses STARTTLS and `smtps://` implicit TLS, as
//! lettre's URL format says. Credentials go in the URL, which is a secret in the configuration.

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// A configured SMTP sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mailer([smtp])")
    }
}

impl Mailer {
    /// `url` as lettre reads it; `from` as `Name <address>`.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("mail.smtp_url: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from.parse().map_err(|e| format!("mail.from: {e}"))?;
        Ok(Self { transport, from })
    }

    /// Sends one plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        self.send_with(to, subject, body, None).await
    }

    /// Sends one plain-text message; with `ics`, a calendar invitation beside it
    /// (multipart/mixed: the text, then `invito.ics` as text/calendar with its iTIP method).
    pub async fn send_with(
        &self,
        to: &str,
        subject: &str,
        body: &str,
        ics: Option<&str>,
    ) -> Result<(), String> {
        use lettre::message::{Attachment, MultiPart, SinglePart};
        let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject);
        let message = match ics {
            None => builder
                .header(ContentType::TEXT_PLAIN)
                .body(body.to_string()),
            Some(ics) => {
                let method = if ics.contains("\r\nMETHOD:CANCEL\r\n") {
                    "CANCEL"
                } else {
                    "REQUEST"
                };
                let calendar =
                    ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                        .map_err(|e| e.to_string())?;
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(SinglePart::plain(body.to_string()))
                        .singlepart(
                            Attachment::new("invito.ics".to_string())
                                .body(ics.to_string(), calendar),
                        ),
                )
            }
        }
        .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

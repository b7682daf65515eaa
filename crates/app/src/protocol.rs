//! Reading and verifying an ente's protocol register.

use sportello_domain::protocol::{
    verify_chain, AttachmentRecord, ChainProblem, Direction, Registration, StoredRegistration,
    GENESIS,
};
use sportello_store::RegistrationRow;

use crate::{App, AppError};

/// The result of verifying a register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub aoo: String,
    pub registrations: usize,
    pub problems: Vec<String>,
}

fn stored(aoo: &str, r: &RegistrationRow) -> Result<StoredRegistration, AppError> {
    let attachments: Vec<AttachmentRecord> = serde_json::from_str(&r.attachments)
        .map_err(|e| AppError::Internal(format!("registration {}: {e}", r.number)))?;
    Ok(StoredRegistration {
        registration: Registration {
            aoo: aoo.to_string(),
            year: i32::try_from(r.year).unwrap_or_default(),
            number: r.number,
            registered_at: r.registered_at.clone(),
            direction: Direction::from_code(&r.direction).unwrap_or(Direction::Inbound),
            correspondent: r.correspondent.clone(),
            subject: r.subject.clone(),
            sender_reference: r.sender_reference.clone(),
            document_digest: r.document_digest.clone(),
            attachments,
        },
        previous_hash: r.previous_hash.clone(),
        hash: r.hash.clone(),
    })
}

impl App {
    /// Verifies the register of the ente with this ISTAT code: every registration's hash, every
    /// link, no gaps, no duplicates, and the register's head against its last registration (so
    /// that removing the last one is found too). With `year`, reports only that year's problems.
    pub async fn verify_register(
        &self,
        istat: &str,
        year: Option<i64>,
    ) -> Result<Verification, AppError> {
        let ente = self.ente_by_istat(istat).await?;
        let (aoo_id, aoo) = self.store.tenant(ente.ente_id()).main_aoo().await?;
        let rows = self.store.registrations_of_aoo(aoo_id, None).await?;
        let chain = rows
            .iter()
            .map(|r| stored(&aoo, r))
            .collect::<Result<Vec<_>, _>>()?;
        let mut problems: Vec<ChainProblem> = verify_chain(&chain);
        let mut extra = Vec::new();
        match (self.store.register_head(aoo_id).await?, rows.last()) {
            (Some((head_year, last_number, last_hash)), Some(last))
                if head_year != last.year
                    || last_number != last.number
                    || last_hash != last.hash =>
            {
                extra.push(format!(
                    "il registro indica come ultima la registrazione {head_year}/{}, ma l'ultima presente è {}/{}: \
                     registrazioni rimosse o aggiunte",
                    sportello_domain::protocol::format_number(last_number),
                    last.year,
                    sportello_domain::protocol::format_number(last.number)
                ));
            }
            (Some((_, n, h)), None) if n > 0 || h != GENESIS => {
                extra.push("il registro risulta svuotato".into())
            }
            (None, Some(_)) => extra.push("registrazioni presenti senza registro".into()),
            _ => {}
        }
        if let Some(y) = year {
            problems.retain(|p| match p {
                ChainProblem::Gap { year, .. }
                | ChainProblem::Duplicate { year, .. }
                | ChainProblem::Altered { year, .. }
                | ChainProblem::BrokenLink { year, .. } => i64::from(*year) == y,
            });
        }
        let registrations = rows
            .iter()
            .filter(|r| year.is_none_or(|y| r.year == y))
            .count();
        let mut messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        messages.extend(extra);
        Ok(Verification {
            aoo,
            registrations,
            problems: messages,
        })
    }
}

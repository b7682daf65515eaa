//! Reading and verifying an ente's protocol register.

use sportello_domain::protocol::{
    verify_chain, AttachmentRecord, ChainProblem, Direction, Registration, StoredRegistration,
    GENESIS,
};
use sportello_store::RegistrationRow;

use crate::capabilities::Registry;
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

/// Checks a run of registrations of one AOO (`aoo` its code) in number order: each hash, each
/// link, no gaps, no duplicates. Returns the problems found, described.
pub fn verify_rows(aoo: &str, rows: &[RegistrationRow]) -> Result<Vec<String>, AppError> {
    let chain = rows
        .iter()
        .map(|r| stored(aoo, r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(verify_chain(&chain)
        .iter()
        .map(ToString::to_string)
        .collect())
}

impl Registry<'_> {
    /// Verifies the register of the ente with this ISTAT code: every registration's hash, every
    /// link, no gaps, no duplicates, and the register's head against its last registration (so
    /// that removing the last one is found too). With `year`, reports only that year's problems.
    pub async fn verify_register(
        &self,
        istat: &str,
        year: Option<i64>,
    ) -> Result<Verification, AppError> {
        let ente = self.app.ente_by_istat(istat).await?;
        let (aoo_id, aoo) = self.app.store.tenant(ente.ente_id()).main_aoo().await?;
        let rows = self
            .app
            .store
            .region_wide()
            .registrations_of_aoo(aoo_id, None)
            .await?;
        let chain = rows
            .iter()
            .map(|r| stored(&aoo, r))
            .collect::<Result<Vec<_>, _>>()?;
        let mut problems: Vec<ChainProblem> = verify_chain(&chain);
        let mut extra = Vec::new();
        match (
            self.app.store.region_wide().register_head(aoo_id).await?,
            rows.last(),
        ) {
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
        // The queue pages a service's cases by the application's own copy of its number
        // (migration 0049): one that differs from the register would be listed out of place.
        for (id, y, n) in self
            .app
            .store
            .tenant(ente.ente_id())
            .misnumbered_applications(10)
            .await?
            .into_iter()
            .filter(|(_, y, _)| year.is_none_or(|wanted| *y == wanted))
        {
            extra.push(format!(
                "la pratica {id} non riporta il numero della sua registrazione {y}/{}",
                sportello_domain::protocol::format_number(n)
            ));
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

/// What to register; the register gives the number, the time and the chain.
#[derive(Debug, Clone)]
pub(crate) struct ToRegister<'a> {
    pub ente_id: i64,
    pub aoo_id: i64,
    pub aoo_code: &'a str,
    pub direction: Direction,
    pub correspondent: &'a str,
    pub subject: &'a str,
    pub sender_reference: Option<&'a str>,
    /// SHA-256, hex.
    pub document_digest: &'a str,
    pub attachments: &'a [AttachmentRecord],
    pub classification: &'a str,
    pub fascicolo: &'a str,
    pub application_id: Option<&'a str>,
}

/// A registration just made: its number, row id and instant (RFC 3339, Italian time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Registered {
    pub number: i64,
    pub year: i32,
    pub id: i64,
    pub registered_at: String,
}

impl App {
    /// Registers inside `tx`, now: gapless number, chained hash.
    pub(crate) async fn register_in(
        &self,
        tx: &mut sportello_store::Tx,
        r: &ToRegister<'_>,
    ) -> Result<Registered, AppError> {
        self.register_document_in(tx, r, |_, _, _| r.document_digest.to_string())
            .await
    }

    /// Registers a document that carries its own registration: `document` is given the number,
    /// the year and the registration time the register allots, and returns the finished
    /// document's digest, which the entry records instead of `r.document_digest`.
    pub(crate) async fn register_document_in(
        &self,
        tx: &mut sportello_store::Tx,
        r: &ToRegister<'_>,
        document: impl FnOnce(i64, i32, &str) -> String,
    ) -> Result<Registered, AppError> {
        let local = sportello_domain::calendar::in_rome(self.now());
        let registered_at = local
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let year = local.year();
        let attachments_json =
            serde_json::to_string(r.attachments).map_err(|e| AppError::Internal(e.to_string()))?;
        let chain_input = |number: i64, digest: &str| Registration {
            aoo: r.aoo_code.to_string(),
            year,
            number,
            registered_at: registered_at.clone(),
            direction: r.direction,
            correspondent: r.correspondent.to_string(),
            subject: r.subject.to_string(),
            sender_reference: r.sender_reference.map(str::to_string),
            document_digest: digest.to_string(),
            attachments: r.attachments.to_vec(),
        };
        let (number, _, _) = sportello_store::Store::register_numbered(
            tx,
            &sportello_store::NewRegistration {
                ente_id: r.ente_id,
                aoo_id: r.aoo_id,
                year,
                registered_at: &registered_at,
                direction: r.direction.code(),
                correspondent: r.correspondent,
                subject: r.subject,
                sender_reference: r.sender_reference,
                document_digest: r.document_digest,
                attachments: &attachments_json,
                classification: r.classification,
                fascicolo: r.fascicolo,
                application_id: r.application_id,
            },
            GENESIS,
            |number| document(number, year, &registered_at),
            |number, previous, digest| chain_input(number, digest).chain_hash(previous),
        )
        .await?;
        let id = sportello_store::Store::registration_id(tx, r.aoo_id, year, number).await?;
        Ok(Registered {
            number,
            year,
            id,
            registered_at,
        })
    }
}

//! The albo's jobs: the heartbeat of every board with entries online (an outage measured
//! from the gap lengthens the periods it interrupted), and the end of every period that is
//! over, with its relata di pubblicazione sealed and registered in the protocol.

use base64::Engine as _;
use sportello_domain::albo::{self, Executivity, GENESIS};
use sportello_domain::protocol::{AttachmentRecord, Direction};
use sportello_domain::tenancy::EnteId;
use sportello_store::{from_millis, to_millis, AlboEntryRow, Store};

use super::{detail, entry_of};
use crate::pdf::Line;
use crate::protocol::ToRegister;
use crate::{App, AppError};

/// What one pass of the albo's jobs did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlboJobs {
    /// Entries whose period ended, each with its relata.
    pub ended: u32,
    /// Heartbeats recorded (one per ente with entries online, at most one a minute).
    pub beats: u32,
    /// Outages measured, and the entries they lengthened.
    pub outages: u32,
    pub lengthened: u32,
}

impl App {
    /// The albo's jobs: the heartbeat of every board with entries online (an outage measured
    /// from the gap lengthens the periods it interrupted), then the end of every period that is
    /// over, with its relata.
    pub async fn albo_jobs(&self, end_periods: bool) -> Result<AlboJobs, AppError> {
        let mut done = AlboJobs::default();
        let now = to_millis(self.now());
        for ente in self.store.region_wide().albo_enti_online(now).await? {
            self.albo_beat(ente, now, &mut done).await?;
        }
        if !end_periods {
            return Ok(done);
        }
        loop {
            let due = self.store.region_wide().albo_due_to_end(now, 50).await?;
            if due.is_empty() {
                break;
            }
            for row in due {
                self.albo_end(row).await?;
                done.ended = done.ended.saturating_add(1);
            }
        }
        Ok(done)
    }

    async fn albo_beat(&self, ente: EnteId, now: i64, done: &mut AlboJobs) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let Some(previous) = Store::albo_beat(
            &mut tx,
            ente.get(),
            now,
            self.settings.albo_beat_ms,
            GENESIS,
        )
        .await?
        else {
            // Beaten less than a minute ago (by this or another process).
            return Ok(());
        };
        let albo = self.albo();
        if let Some(previous) = previous {
            let outage = albo::outage_ms(previous, now, self.settings.albo_beat_ms);
            if outage > 0 {
                let from = now.saturating_sub(outage);
                let lengthened =
                    Store::albo_lengthen(&mut tx, ente.get(), from, now, outage).await?;
                let entries: Vec<String> = lengthened
                    .iter()
                    .map(|(y, n)| albo::register_number(i32::try_from(*y).unwrap_or(0), *n))
                    .collect();
                albo.append(
                    &mut tx,
                    ente,
                    "outage",
                    "",
                    &detail(&[
                        ("from", from.to_string()),
                        ("to", now.to_string()),
                        ("ms", outage.to_string()),
                        ("entries", entries.join(",")),
                    ]),
                )
                .await?;
                done.outages = done.outages.saturating_add(1);
                done.lengthened = done
                    .lengthened
                    .saturating_add(u32::try_from(entries.len()).unwrap_or(u32::MAX));
            }
        }
        albo.append(
            &mut tx,
            ente,
            "served",
            "",
            &detail(&[("at", now.to_string())]),
        )
        .await?;
        tx.commit()
            .await
            .map_err(sportello_store::StoreError::from)?;
        done.beats = done.beats.saturating_add(1);
        Ok(())
    }

    /// Ends an entry whose period is over: its relata di pubblicazione — what, from when to
    /// when, by whom, the number and the digests, any outage that lengthened it — sealed with
    /// the ente's key, kept, and registered in the protocol; the chain records the end.
    async fn albo_end(&self, row: AlboEntryRow) -> Result<(), AppError> {
        let ente = row.ente();
        let entry = entry_of(row.clone(), to_millis(self.now()));
        let register = entry.register.clone().unwrap_or_default();
        let ente_row = self.ente_by_id_hot(ente).await?;
        let when = |ms: Option<i64>| {
            ms.map(|m| {
                let t = sportello_domain::calendar::in_rome(from_millis(m));
                format!(
                    "{:02}/{:02}/{} {:02}:{:02}",
                    t.day(),
                    u8::from(t.month()),
                    t.year(),
                    t.hour(),
                    t.minute()
                )
            })
            .unwrap_or_default()
        };
        // The facts the seal covers, one per line.
        let mut facts = vec![
            format!("Ente: Comune di {}", ente_row.name),
            format!("Numero di registro dell'albo: {register}"),
            format!("Tipo di atto: {}", entry.act.label),
            format!("Oggetto: {}", row.subject),
            format!("Richiesto da: {}", row.requester),
            format!("Pubblicato dal: {}", when(row.start_ms)),
            format!("Pubblicato fino al: {}", when(row.end_ms)),
            format!("Giorni di pubblicazione: {}", row.days),
            format!(
                "Responsabile della pubblicazione: {}",
                row.published_by.clone().unwrap_or_default()
            ),
            format!(
                "Documento: {} (SHA-256 {})",
                row.document_name, row.document_digest
            ),
        ];
        for (name, digest) in &entry.attachments {
            facts.push(format!("Allegato: {name} (SHA-256 {digest})"));
        }
        if let Some(p) = &row.protocol_ref {
            facts.push(format!("Richiesta pervenuta al protocollo n. {p}"));
        }
        if row.outage_ms > 0 {
            facts.push(format!(
                "Periodo prolungato di {} minuti per interruzioni del servizio misurate dall'albo",
                row.outage_ms.div_euclid(60_000).max(1)
            ));
        }
        if row.state == "annulled" {
            facts.push(format!(
                "Pubblicazione annullata: {}",
                row.annulment_reason.clone().unwrap_or_default()
            ));
        }
        if let Some(e) = entry.executivity {
            facts.push(match e {
                Executivity::Immediate(d) => format!("Immediatamente eseguibile dal {}", it_day(d)),
                Executivity::AfterTenDays(d) => format!("Esecutiva dal {}", it_day(d)),
            });
        }
        let sealed_text = facts.join("\n");
        let seal = base64::engine::general_purpose::STANDARD
            .encode(self.keys.seal(sealed_text.as_bytes()));
        let mut lines =
            vec![
            Line::Title("Relata di pubblicazione".into()),
            Line::Text(format!("Albo pretorio online del Comune di {}", ente_row.name)),
            Line::Blank,
            Line::Text(
                "Si attesta che l'atto qui descritto è stato pubblicato all'albo pretorio online \
                 dell'ente per il periodo indicato (L. 69/2009 art. 32)."
                    .into(),
            ),
            Line::Blank,
        ];
        lines.extend(facts.iter().map(|f| match f.split_once(": ") {
            Some((label, value)) => Line::Field(label.into(), value.into()),
            None => Line::Text(f.clone()),
        }));
        lines.extend([
            Line::Blank,
            Line::Heading("Sigillo elettronico dell'ente".into()),
            Line::Text(format!(
                "ECDSA P-256 con SHA-256 sulle righe qui sopra da «Ente» in poi, una per riga; chiave {}:",
                self.keys.seal_key_name()
            )),
            Line::Text(seal),
        ]);
        let pdf = crate::pdf::render(&format!("Relata di pubblicazione {register}"), &lines);
        let digest = self
            .blobs
            .put(pdf)
            .await
            .map_err(|e| AppError::Internal(format!("blob store: {e}")))?;
        let (aoo_id, aoo_code) = self.store.tenant(ente).main_aoo().await?;
        let subject = format!(
            "Relata di pubblicazione all'albo n. {register}: {}",
            row.subject
        );
        let subject: String = subject.chars().take(500).collect();
        let attachments: Vec<AttachmentRecord> = Vec::new();
        let mut tx = self.store.begin().await?;
        let registered = self
            .register_in(
                &mut tx,
                &ToRegister {
                    ente_id: ente.get(),
                    aoo_id,
                    aoo_code: &aoo_code,
                    direction: Direction::Outbound,
                    correspondent: &row.requester,
                    subject: &subject,
                    sender_reference: None,
                    document_digest: &digest,
                    attachments: &attachments,
                    classification: "I.1",
                    fascicolo: "albo",
                    application_id: None,
                },
            )
            .await?;
        let protocol = sportello_domain::protocol::registration_label(
            i64::from(registered.year),
            registered.number,
        );
        if !Store::albo_end(&mut tx, ente.get(), row.id, &digest, &protocol).await? {
            // Ended meanwhile by another process: nothing of this pass is kept.
            return Ok(());
        }
        self.albo()
            .append(
                &mut tx,
                ente,
                "ended",
                &register,
                &detail(&[
                    ("relata", format!("sha256:{digest}")),
                    ("protocol", protocol),
                    ("outage_ms", row.outage_ms.to_string()),
                ]),
            )
            .await?;
        tx.commit()
            .await
            .map_err(sportello_store::StoreError::from)?;
        Ok(())
    }
}

fn it_day(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

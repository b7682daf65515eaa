//! The daily register (registro giornaliero di protocollo): each day's registrations of an AOO,
//! as a PDF for people and a JSON file for machines, with their digests — produced on demand
//! (`sportello protocollo daily`) and by a scheduled job for every AOO, once per day. And the
//! emergency register (art. 63 DPR 445/2000): registrations made on paper while the system was
//! down, imported afterwards with a regular number each, keeping their emergency number.

use sportello_domain::calendar::in_rome;
use sportello_domain::protocol::{format_number, AttachmentRecord, Direction};
use sportello_store::{to_millis, DailyRegisterRow, RegistryRow, Store, StoreError};

use crate::blobs::sha256_hex;
use crate::capabilities::Registry;
use crate::pdf::{render, Line};
use crate::protocol::ToRegister;
use crate::{App, AppError, EmergencyProblem, Refusal};

fn emergency(line: usize, problem: EmergencyProblem) -> AppError {
    Refusal::EmergencyRegister { line, problem }.into()
}

/// One day's register of one AOO.
#[derive(Debug, Clone)]
pub struct DailyRegister {
    pub aoo: String,
    pub day: String,
    pub registrations: usize,
    pub pdf: Vec<u8>,
    pub json: Vec<u8>,
    pub pdf_sha256: String,
    pub json_sha256: String,
}

fn entry_json(r: &RegistryRow) -> serde_json::Value {
    let attachments: Vec<AttachmentRecord> =
        serde_json::from_str(&r.attachments).unwrap_or_default();
    serde_json::json!({
        "numero": format_number(r.number),
        "anno": r.year,
        "data_ora": r.registered_at,
        "direzione": if r.direction == "U" { "partenza" } else { "arrivo" },
        "corrispondente": r.correspondent,
        "oggetto": r.subject,
        "riferimento_mittente": r.sender_reference,
        "impronta_sha256": r.document_digest,
        "allegati": attachments.iter().map(|a| serde_json::json!({"descrizione": a.description, "impronta_sha256": a.digest})).collect::<Vec<_>>(),
        "classificazione": r.classification,
        "fascicolo": r.fascicolo,
        "hash": r.hash,
        "hash_precedente": r.previous_hash,
        "annullata": r.annulled_at.is_some(),
        "numero_emergenza": r.emergency_number,
    })
}

impl App {
    /// Produces and keeps yesterday's register for every AOO that has none yet. Returns how many
    /// were produced.
    pub(crate) async fn daily_registers_job(&self) -> Result<u32, AppError> {
        let yesterday = in_rome(self.now()).date() - time::Duration::days(1);
        let day = yesterday.to_string();
        if self
            .store
            .done_result("daily-register", &day)
            .await?
            .is_some()
        {
            return Ok(0);
        }
        let enti = self.all_enti().await?;
        let mut produced = 0;
        for (ente_id, aoo_id, _) in self.store.region_wide().all_aoo().await? {
            let Some(ente) = enti.iter().find(|e| e.ente_id() == ente_id) else {
                continue;
            };
            let tenant = self.store.tenant(ente_id);
            if tenant
                .daily_registers(aoo_id)
                .await?
                .iter()
                .any(|d| d.day == day)
            {
                continue;
            }
            let register = self.registry().daily_register(&ente.istat, &day).await?;
            for bytes in [register.pdf, register.json] {
                self.blobs
                    .put(bytes)
                    .await
                    .map_err(|e| AppError::Internal(format!("blob store: {e}")))?;
            }
            let mut tx = self.store.begin().await?;
            let row = DailyRegisterRow {
                day: day.clone(),
                registrations: i64::try_from(register.registrations).unwrap_or(i64::MAX),
                pdf_sha256: register.pdf_sha256.clone(),
                json_sha256: register.json_sha256.clone(),
                produced_at: to_millis(self.now()),
            };
            if Store::insert_daily_register(&mut tx, aoo_id, &row).await? {
                tx.commit().await.map_err(StoreError::from)?;
                produced += 1;
            }
        }
        // Every AOO has its register of that day: later passes skip the walk.
        let mut tx = self.store.begin().await?;
        if Store::mark_done(
            &mut tx,
            "daily-register",
            &day,
            to_millis(self.now()),
            &produced.to_string(),
        )
        .await?
        {
            tx.commit().await.map_err(StoreError::from)?;
        }
        Ok(produced)
    }
}

impl Registry<'_> {
    /// Builds the register of `day` (`YYYY-MM-DD`) for the ente with this ISTAT code. The same
    /// day always gives the same bytes.
    pub async fn daily_register(&self, istat: &str, day: &str) -> Result<DailyRegister, AppError> {
        let parsed = time::Date::parse(
            day,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| Refusal::NotADate {
            text: day.to_owned(),
        })?;
        let ente = self.app.ente_by_istat(istat).await?;
        let tenant = self.app.store.tenant(ente.ente_id());
        let (aoo_id, aoo) = tenant.main_aoo().await?;
        let rows = tenant
            .registrations_of_day(aoo_id, &parsed.to_string())
            .await?;
        let json = serde_json::to_vec_pretty(&serde_json::json!({
            "tipo": "registro giornaliero di protocollo",
            "amministrazione": format!("Comune di {}", ente.name),
            "codice_ipa": format!("c_{}", ente.cadastral.to_lowercase()),
            "aoo": aoo,
            "giorno": parsed.to_string(),
            "numero_registrazioni": rows.len(),
            "registrazioni": rows.iter().map(entry_json).collect::<Vec<_>>(),
        }))
        .map_err(|e| AppError::Internal(e.to_string()))?;
        let title = "Registro giornaliero di protocollo";
        let mut lines = vec![
            Line::Title(title.into()),
            Line::Field("Amministrazione".into(), format!("Comune di {}", ente.name)),
            Line::Field("Area organizzativa omogenea".into(), aoo.clone()),
            Line::Field(
                "Giorno".into(),
                format!(
                    "{:02}/{:02}/{}",
                    parsed.day(),
                    u8::from(parsed.month()),
                    parsed.year()
                ),
            ),
            Line::Field("Registrazioni".into(), rows.len().to_string()),
        ];
        if rows.is_empty() {
            lines.push(Line::Text("Nessuna registrazione in questo giorno.".into()));
        }
        for r in &rows {
            let mut heading = format!(
                "N. {}/{} — {} — {}",
                format_number(r.number),
                r.year,
                r.registered_at.get(11..19).unwrap_or_default(),
                if r.direction == "U" {
                    "partenza"
                } else {
                    "arrivo"
                }
            );
            if r.annulled_at.is_some() {
                heading.push_str(" — ANNULLATA");
            }
            lines.push(Line::Heading(heading));
            lines.push(Line::Field(
                "Corrispondente".into(),
                r.correspondent.clone(),
            ));
            lines.push(Line::Field("Oggetto".into(), r.subject.clone()));
            if let Some(n) = &r.emergency_number {
                lines.push(Line::Field("Registro di emergenza".into(), n.clone()));
            }
            lines.push(Line::Field(
                "Impronta (SHA-256)".into(),
                r.document_digest.clone(),
            ));
            lines.push(Line::Field("Hash".into(), r.hash.clone()));
        }
        let pdf = render(title, &lines);
        Ok(DailyRegister {
            aoo,
            day: parsed.to_string(),
            registrations: rows.len(),
            pdf_sha256: sha256_hex(&pdf),
            json_sha256: sha256_hex(&json),
            pdf,
            json,
        })
    }
    /// A kept daily register's PDF or JSON, for the ente's staff.
    pub async fn daily_register_file(
        &self,
        staff: &crate::sessions::StaffPrincipal,
        day: &str,
        json: bool,
    ) -> Result<Vec<u8>, AppError> {
        let tenant = self.app.store.tenant(self.app.register_ente(staff)?);
        let (aoo_id, _) = tenant.main_aoo().await?;
        let row = tenant
            .daily_registers(aoo_id)
            .await?
            .into_iter()
            .find(|d| d.day == day)
            .ok_or(AppError::NotFound)?;
        let digest = if json {
            row.json_sha256
        } else {
            row.pdf_sha256
        };
        self.app
            .blobs
            .get(&digest)
            .await
            .map_err(|e| AppError::Internal(format!("blob store: {e}")))
    }
    /// Imports the emergency register (CSV: `numero_emergenza,data_ora,direzione,corrispondente,
    /// oggetto,impronta_sha256`): all lines or none; each gets the next regular number and keeps
    /// its emergency number. Returns the regular numbers given.
    pub async fn import_emergency_register(
        &self,
        istat: &str,
        csv_text: &str,
    ) -> Result<Vec<(String, String)>, AppError> {
        let ente = self.app.ente_by_istat(istat).await?;
        let (aoo_id, aoo_code) = self.app.store.tenant(ente.ente_id()).main_aoo().await?;
        let mut reader = csv::ReaderBuilder::new().from_reader(csv_text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| emergency(1, EmergencyProblem::Unreadable(e.to_string())))?
            .iter()
            .map(str::to_string)
            .collect();
        let expected = [
            "numero_emergenza",
            "data_ora",
            "direzione",
            "corrispondente",
            "oggetto",
            "impronta_sha256",
        ];
        if header != expected {
            return Err(emergency(1, EmergencyProblem::Header));
        }
        let year = in_rome(self.app.now()).year();
        let mut tx = self.app.store.begin().await?;
        let mut given = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record =
                record.map_err(|e| emergency(line, EmergencyProblem::Unreadable(e.to_string())))?;
            let field = |k: usize| record.get(k).map(str::trim).unwrap_or_default().to_string();
            let (number, at, direction, correspondent, subject, digest) =
                (field(0), field(1), field(2), field(3), field(4), field(5));
            let direction = match direction.as_str() {
                "arrivo" | "E" => Direction::Inbound,
                "partenza" | "U" => Direction::Outbound,
                other => {
                    return Err(emergency(
                        line,
                        EmergencyProblem::Direction(other.to_owned()),
                    ))
                }
            };
            if number.is_empty() || correspondent.is_empty() || subject.is_empty() {
                return Err(emergency(line, EmergencyProblem::Required));
            }
            if time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339)
                .is_err()
            {
                return Err(emergency(line, EmergencyProblem::DateTime(at)));
            }
            if digest.len() != 64 || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(emergency(line, EmergencyProblem::Digest));
            }
            let subject = format!("{subject} [registro di emergenza n. {number} del {at}]");
            let reg = self
                .app
                .register_in(
                    &mut tx,
                    &ToRegister {
                        ente_id: ente.id,
                        aoo_id,
                        aoo_code: &aoo_code,
                        direction,
                        correspondent: &correspondent,
                        subject: &subject,
                        sender_reference: None,
                        document_digest: &digest.to_lowercase(),
                        attachments: &[],
                        classification: "I.1",
                        fascicolo: &format!("{year}/emergenza"),
                        application_id: None,
                    },
                )
                .await?;
            if !Store::insert_emergency(&mut tx, reg.id, aoo_id, &number, &at).await? {
                return Err(emergency(line, EmergencyProblem::AlreadyImported(number)));
            }
            given.push((
                number,
                format!("{}/{}", format_number(reg.number), reg.year),
            ));
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(given)
    }
}

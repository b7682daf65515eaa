//! Documents the office sends about a case: written as a PDF, registered as outbound in the
//! ente's protocol register with a sealed segnatura, filed with the case, put in the
//! applicant's personal area, and notified — all inside the transaction of the action.

use sportello_domain::calendar::in_rome;
use sportello_domain::procedure::deadlines::HolidayCalendar;
use sportello_domain::procedure::states::CaseState;
use sportello_domain::protocol::segnatura::{Documento, Identificatore, Segnatura, Soggetto};
use sportello_domain::protocol::{format_number, Direction};
use sportello_domain::tenancy::EnteId;
use sportello_store::{to_millis, CaseDocumentRow, CaseEventRow, CaseHeadRow, EnteRow, Store, Tx};
use time::format_description::well_known::Rfc3339;

use crate::applications::OfferedService;
use crate::blobs::sha256_hex;
use crate::pdf::{render, Line};
use crate::protocol::ToRegister;
use crate::{App, AppError};

/// A case with everything an action on it needs.
#[derive(Debug, Clone)]
pub(crate) struct CaseContext {
    pub ente: EnteRow,
    pub id: String,
    pub head: CaseHeadRow,
    pub service: OfferedService,
    pub state: CaseState,
    pub events: Vec<CaseEventRow>,
    pub calendar: HolidayCalendar,
    pub aoo_id: i64,
    pub aoo_code: String,
}

impl CaseContext {
    /// The application's own registration, as printed.
    pub fn filed_as(&self) -> String {
        format!(
            "prot. n. {}/{} del {}",
            format_number(self.head.number),
            self.head.year,
            italian_day(self.head.registered_at.get(..10).unwrap_or_default())
        )
    }

    pub fn ipa_code(&self) -> String {
        format!("c_{}", self.ente.cadastral.to_lowercase())
    }

    pub(crate) fn applicant_name(&self) -> (String, String) {
        (
            self.head.applicant_given_name.clone().unwrap_or_default(),
            self.head.applicant_family_name.clone().unwrap_or_default(),
        )
    }
}

/// What the office sends.
#[derive(Debug, Clone)]
pub(crate) struct OutgoingDocument {
    /// The case document kind (`avvio`, `richiesta_integrazione`, `preavviso`, `decisione`, …).
    pub kind: &'static str,
    pub title: String,
    pub body: Vec<Line>,
    /// The message shown in the personal area and sent by e-mail.
    pub message: String,
}

/// `YYYY-MM-DD` as Italians write it, 24/11/2026 (anything else as it is).
fn italian_day(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => format!("{d}/{m}/{y}"),
        _ => iso.to_string(),
    }
}

/// `hh:mm:ss+01:00` and `YYYY-MM-DD` of an RFC 3339 instant.
fn date_and_time(rfc3339: &str) -> (String, String) {
    let date = rfc3339.get(..10).unwrap_or_default().to_string();
    let time = rfc3339
        .get(11..19)
        .zip(rfc3339.get(rfc3339.len().saturating_sub(6)..))
        .map(|(t, z)| {
            format!(
                "{t}{}",
                if z == "Z" || !z.starts_with(['+', '-']) {
                    "Z"
                } else {
                    z
                }
            )
        })
        .unwrap_or_default();
    (date, time)
}

impl App {
    pub(crate) async fn ente_row(&self, ente: EnteId) -> Result<EnteRow, AppError> {
        self.all_enti()
            .await?
            .iter()
            .find(|e| e.id == ente.get())
            .cloned()
            .ok_or(AppError::NotFound)
    }
    /// Loads a filed case of `ente`; a case of another ente, or a draft, is not found.
    pub(crate) async fn case_context(
        &self,
        ente: EnteId,
        id: &str,
    ) -> Result<CaseContext, AppError> {
        let tenant = self.store.tenant(ente);
        let head = tenant.case_head(id).await?.ok_or(AppError::NotFound)?;
        let service = self
            .catalogue()
            .offered_service(ente, &head.service_id)
            .await?;
        let (aoo_id, aoo_code) = tenant.main_aoo().await?;
        Ok(CaseContext {
            ente: self.ente_row(ente).await?,
            id: id.to_string(),
            state: crate::cases::shown_state(head.status, head.case_state.as_deref()),
            events: tenant.case_events(id).await?,
            calendar: self.ente_calendar(ente).await?,
            head,
            service,
            aoo_id,
            aoo_code,
        })
    }
    /// The person responsible for the procedure: the one the case is assigned to (art. 5 c.2
    /// L. 241/1990), or `otherwise` (whoever acts on an unassigned case, and takes it on).
    pub(crate) async fn responsible_for(
        &self,
        ctx: &CaseContext,
        otherwise: &str,
    ) -> Result<String, AppError> {
        let Some(assignee) = ctx.head.assignee else {
            return Ok(otherwise.to_string());
        };
        Ok(self
            .store
            .tenant(ctx.ente.ente_id())
            .case_workers()
            .await?
            .into_iter()
            .find(|(w, _)| *w == assignee)
            .map_or_else(|| otherwise.to_string(), |(_, name)| name))
    }

    /// The document as it is sent, but for its protocol line (the register allots the number
    /// when it registers it): heading, addressee, case, date, the act's words, who signs. The
    /// office's preview shows exactly this.
    pub(crate) async fn letter(
        &self,
        ctx: &CaseContext,
        doc: &OutgoingDocument,
        signer: &str,
    ) -> Result<Vec<Line>, AppError> {
        let local = in_rome(self.now());
        let (given, family) = ctx.applicant_name();
        let mut lines = vec![
            Line::Title(doc.title.clone()),
            Line::Text(format!("Comune di {}", ctx.ente.name)),
            Line::Blank,
            Line::Field(
                "Destinatario".into(),
                format!("{given} {family} ({})", ctx.head.applicant),
            ),
            Line::Field("Procedimento".into(), ctx.service.definition.title.clone()),
            Line::Field("Domanda".into(), ctx.filed_as()),
            Line::Field(
                "Data".into(),
                format!(
                    "{:02}/{:02}/{}",
                    local.day(),
                    u8::from(local.month()),
                    local.year()
                ),
            ),
            Line::Blank,
        ];
        lines.extend(doc.body.iter().cloned());
        lines.push(Line::Blank);
        // Who signs, named for what they are: the person responsible for the procedure writes
        // the communications (L. 241/1990 art. 6); the decision is adopted by whoever is
        // competent to adopt it (art. 6 c.1 e).
        let (role, name) = if doc.kind == "decisione" {
            ("Il responsabile del provvedimento", signer.to_string())
        } else {
            (
                "Il responsabile del procedimento",
                self.responsible_for(ctx, signer).await?,
            )
        };
        lines.push(Line::Field(role.into(), name));
        Ok(lines)
    }

    /// Writes, registers, seals, files and notifies one outgoing document, inside `tx`.
    /// Returns the document's id.
    pub(crate) async fn send_document(
        &self,
        tx: &mut sportello_store::TenantTx,
        ctx: &CaseContext,
        doc: &OutgoingDocument,
        signer: &str,
    ) -> Result<String, AppError> {
        let now = self.now();
        let local = in_rome(now);
        let lines = self.letter(ctx, doc, signer).await?;
        let subject = format!("{} — {}", doc.title, ctx.service.definition.title);
        // The document carries its own registration: it is written once the register has
        // allotted the number, inside the registering transaction, and the entry records the
        // digest of exactly that document.
        let mut stored: Option<Vec<u8>> = None;
        let reg = self
            .register_document_in(
                tx.tx(),
                &ToRegister {
                    ente_id: ctx.ente.id,
                    aoo_id: ctx.aoo_id,
                    aoo_code: &ctx.aoo_code,
                    direction: Direction::Outbound,
                    correspondent: &ctx.head.correspondent,
                    subject: &subject,
                    sender_reference: None,
                    document_digest: "",
                    attachments: &[],
                    classification: &ctx.head.classification,
                    fascicolo: &ctx.head.fascicolo,
                    application_id: None,
                },
                |number, year, _| {
                    let mut numbered = lines.clone();
                    numbered.insert(
                        3,
                        Line::Field(
                            "Protocollo".into(),
                            format!(
                                "n. {}/{year} del {:02}/{:02}/{} — registro {}",
                                format_number(number),
                                local.day(),
                                u8::from(local.month()),
                                local.year(),
                                ctx.aoo_code
                            ),
                        ),
                    );
                    let pdf = render(&doc.title, &numbered);
                    let digest = sha256_hex(&pdf);
                    stored = Some(pdf);
                    digest
                },
            )
            .await?;
        // Stored before the transaction commits: a registration never names a missing file.
        let pdf = stored.ok_or_else(|| AppError::Internal("no document".into()))?;
        let size = i64::try_from(pdf.len()).unwrap_or(i64::MAX);
        let digest = self
            .blobs
            .put(pdf)
            .await
            .map_err(|e| AppError::Internal(format!("blob store: {e}")))?;
        let (number, year, registration_id, registered_at) =
            (reg.number, reg.year, reg.id, reg.registered_at);
        let file_name = format!("{}-{}-{year}.pdf", doc.kind, format_number(number));
        let xml = self.segnatura(
            ctx,
            number,
            &registered_at,
            &subject,
            &file_name,
            &digest,
            &doc.title,
        )?;
        Store::insert_segnatura(tx.tx(), registration_id, &xml).await?;
        let document_id = crate::crypto::random_token(12);
        let at = to_millis(now);
        tx.insert_case_document(&CaseDocumentRow {
            id: document_id.clone(),
            application_id: ctx.id.clone(),
            kind: doc.kind.to_string(),
            direction: Direction::Outbound.code().to_string(),
            registration_id,
            sha256: digest,
            file_name,
            media_type: "application/pdf".into(),
            size,
            created_at: at,
        })
        .await?;
        tx.insert_message(&ctx.id, at, true, signer, &doc.message, Some(&document_id))
            .await?;
        self.notify_applicant(tx.tx(), ctx, &doc.title, &doc.message)
            .await?;
        Ok(document_id)
    }
    /// Queues an e-mail to the applicant, if they gave an address, inside `tx`.
    pub(crate) async fn notify_applicant(
        &self,
        tx: &mut Tx,
        ctx: &CaseContext,
        title: &str,
        message: &str,
    ) -> Result<(), AppError> {
        let Some(email) = ctx
            .head
            .contact_email
            .as_deref()
            .filter(|e| e.contains('@'))
        else {
            return Ok(());
        };
        let link = format!(
            "{}/{}/domande/{}/pratica",
            self.settings.public_url, ctx.ente.slug, ctx.id
        );
        let body = format!(
            "Gentile {} {},\n\n{message}\n\nProcedimento: {}\nDomanda: {}\n\nTrovi i documenti e la cronologia della pratica nella tua area personale:\n{link}\n\nComune di {} — messaggio automatico, non rispondere a questo indirizzo.\n",
            ctx.head.applicant_given_name.as_deref().unwrap_or_default(),
            ctx.head.applicant_family_name.as_deref().unwrap_or_default(),
            ctx.service.definition.title,
            ctx.filed_as(),
            ctx.ente.name,
        );
        let subject = format!("Comune di {}: {title}", ctx.ente.name);
        Store::enqueue_notification(tx, to_millis(self.now()), email, &subject, &body).await?;
        Ok(())
    }
    #[allow(clippy::too_many_arguments)]
    fn segnatura(
        &self,
        ctx: &CaseContext,
        number: i64,
        registered_at: &str,
        subject: &str,
        file_name: &str,
        digest: &str,
        title: &str,
    ) -> Result<String, AppError> {
        let (data, ora) = date_and_time(registered_at);
        let (filed_date, filed_time) = date_and_time(&ctx.head.registered_at);
        let (given, family) = ctx.applicant_name();
        let identificatore = Identificatore {
            amministrazione: ctx.ipa_code(),
            aoo: ctx.aoo_code.clone(),
            numero: number,
            data,
            ora,
        };
        let segnatura = Segnatura {
            riferimento: Some((
                Identificatore {
                    numero: ctx.head.number,
                    data: filed_date,
                    ora: filed_time,
                    ..identificatore.clone()
                },
                format!("{} — domanda online", ctx.service.definition.title),
            )),
            identificatore,
            oggetto: subject.to_string(),
            classifica: (
                ctx.service.definition.title.clone(),
                ctx.head.classification.clone(),
            ),
            fascicolo: (
                format!("{} — {}", ctx.service.definition.title, ctx.filed_as()),
                ctx.head.fascicolo.clone(),
            ),
            mittente: Soggetto::Amministrazione {
                denominazione: format!("Comune di {}", ctx.ente.name),
                ipa: ctx.ipa_code(),
                aoo: ctx.aoo_code.clone(),
            },
            destinatari: vec![Soggetto::PersonaFisica {
                nome: given,
                cognome: family,
                codice_fiscale: Some(ctx.head.applicant.clone()),
                email: ctx.head.contact_email.clone(),
            }],
            documento: Documento {
                nome_file: file_name.to_string(),
                mime_type: "application/pdf".into(),
                descrizione: title.to_string(),
                sha256_hex: digest.to_string(),
            },
            allegati: vec![],
        };
        let signing_time = self
            .now()
            .to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_default();
        segnatura
            .sealed(&self.keys.seal_key_name(), &signing_time, |bytes| {
                self.keys.seal(bytes)
            })
            .map_err(|e| AppError::Internal(e.to_string()))
    }
}

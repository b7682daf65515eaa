//! The registry clerk's desk (DPR 445/2000 artt. 53–63): registering documents that arrived by
//! other channels (paper scan, PEC, e-mail, by hand) or leave by them; searching the register;
//! annulment, asked by the clerk and authorised by the responsible officer, which leaves the
//! registration in place marked as annulled (its number is never reused).

use sportello_domain::identity::{may, Permission};
use sportello_domain::protocol::{AttachmentRecord, Direction};
use sportello_domain::tenancy::EnteId;
use sportello_store::{to_millis, RegistryRow, RegistrySearch, Store, StoreError};

use crate::capabilities::Registry;
use crate::protocol::ToRegister;
use crate::sessions::StaffPrincipal;
use crate::{App, AppError, Refusal};

/// How a document reached the office (or leaves it).
pub const CHANNELS: [(&str, &str); 5] = [
    ("pec", "PEC"),
    ("carta", "Carta (scansione)"),
    ("email", "Posta elettronica"),
    ("mano", "Consegna a mano"),
    ("posta", "Raccomandata / posta ordinaria"),
];

/// The titolario's first level used by the desk (the Anci titolario for comuni).
pub const CLASSES: [(&str, &str); 10] = [
    ("I.1", "Amministrazione generale"),
    ("II.1", "Organi di governo"),
    ("III.1", "Risorse umane"),
    ("IV.1", "Risorse finanziarie e patrimoniali"),
    ("VI.1", "Pianificazione e gestione del territorio"),
    ("VII.1", "Servizi alla persona"),
    ("VIII.1", "Attività economiche"),
    ("IX.1", "Polizia locale e sicurezza pubblica"),
    ("X.1", "Tutela della salute"),
    ("XI.1", "Servizi demografici"),
];

/// A document for the register.
#[derive(Debug, Clone)]
pub struct NewProtocolEntry {
    pub direction: Direction,
    pub correspondent: String,
    pub subject: String,
    /// The sender's own number and date, if any.
    pub sender_reference: Option<String>,
    pub channel: String,
    pub classification: String,
    /// (file name, the file as received): the document, then its attachments.
    pub document: (String, crate::blobs::Upload),
    pub attachments: Vec<(String, crate::blobs::Upload)>,
}

/// A registration in full, for the desk.
#[derive(Debug, Clone)]
pub struct RegistryEntry {
    pub row: RegistryRow,
    pub attachments: Vec<AttachmentRecord>,
    pub has_segnatura: bool,
    /// The document's bytes are kept (clerk registrations, documents the office sent).
    pub document_kept: bool,
}

fn reads_register(staff: &StaffPrincipal) -> bool {
    may(&staff.roles, Permission::ReadRegister)
}

fn clean_name(name: &str) -> String {
    crate::blobs::clean_file_name(name, "documento")
}

impl App {
    pub(crate) fn register_ente(&self, staff: &StaffPrincipal) -> Result<EnteId, AppError> {
        staff
            .ente
            .filter(|_| reads_register(staff))
            .ok_or(AppError::NotFound)
    }
}

impl Registry<'_> {
    /// Registrations of the staff member's ente matching `q` (at most 200, newest first).
    pub async fn search_register(
        &self,
        staff: &StaffPrincipal,
        q: &RegistrySearch,
    ) -> Result<Vec<RegistryRow>, AppError> {
        let ente = self.app.register_ente(staff)?;
        Ok(self.app.store.tenant(ente).search_register(q, 200).await?)
    }
    pub async fn registry_entry(
        &self,
        staff: &StaffPrincipal,
        id: i64,
    ) -> Result<RegistryEntry, AppError> {
        let ente = self.app.register_ente(staff)?;
        let row = self
            .app
            .store
            .tenant(ente)
            .registry_entry(id)
            .await?
            .ok_or(AppError::NotFound)?;
        let attachments = serde_json::from_str(&row.attachments).unwrap_or_default();
        Ok(RegistryEntry {
            has_segnatura: self.app.store.tenant(ente).segnatura(id).await?.is_some(),
            document_kept: self
                .app
                .blobs
                .exists(&row.document_digest)
                .await
                .map_err(crate::blobs::read_error)?,
            attachments,
            row,
        })
    }
    /// Whether registration `id` is in the register of `staff`'s ente and `staff` may read
    /// it (NotFound otherwise): checked before a form about it is read.
    pub async fn in_register(&self, staff: &StaffPrincipal, id: i64) -> Result<(), AppError> {
        let ente = self.app.register_ente(staff)?;
        self.app
            .store
            .tenant(ente)
            .registry_entry(id)
            .await?
            .map(|_| ())
            .ok_or(AppError::NotFound)
    }
    /// The segnatura of a registration of the staff member's ente.
    pub async fn registry_segnatura(
        &self,
        staff: &StaffPrincipal,
        id: i64,
    ) -> Result<String, AppError> {
        let ente = self.app.register_ente(staff)?;
        self.app
            .store
            .tenant(ente)
            .segnatura(id)
            .await?
            .ok_or(AppError::NotFound)
    }
    /// The daily registers produced for the staff member's ente, newest first.
    pub async fn daily_registers(
        &self,
        staff: &StaffPrincipal,
    ) -> Result<Vec<sportello_store::DailyRegisterRow>, AppError> {
        let tenant = self.app.store.tenant(self.app.register_ente(staff)?);
        let (aoo, _) = tenant.main_aoo().await?;
        Ok(tenant.daily_registers(aoo).await?)
    }
    /// The registered document's bytes, by digest; `attachment` picks one of its attachments.
    pub async fn registry_file(
        &self,
        staff: &StaffPrincipal,
        id: i64,
        attachment: Option<usize>,
    ) -> Result<(String, Vec<u8>), AppError> {
        let entry = self.app.registry().registry_entry(staff, id).await?;
        let (name, digest) = match attachment {
            None => (
                entry
                    .row
                    .file_name
                    .clone()
                    .unwrap_or_else(|| "documento".into()),
                entry.row.document_digest.clone(),
            ),
            Some(i) => {
                let a = entry.attachments.get(i).ok_or(AppError::NotFound)?;
                (a.description.clone(), a.digest.clone())
            }
        };
        let bytes = self
            .app
            .blobs
            .get(&digest)
            .await
            .map_err(crate::blobs::read_error)?;
        Ok((name, bytes))
    }
    /// Registers a document that arrived (or leaves) by another channel. Registry clerks only.
    pub async fn register_document(
        &self,
        staff: &StaffPrincipal,
        entry: NewProtocolEntry,
    ) -> Result<i64, AppError> {
        let ente = self.app.register_ente(staff)?;
        if !may(&staff.roles, Permission::Register) {
            return Err(Refusal::RegisteringIsTheClerks.into());
        }
        let correspondent = entry.correspondent.trim();
        let subject = entry.subject.trim();
        if correspondent.is_empty() || subject.is_empty() {
            return Err(Refusal::CorrespondentAndSubjectRequired.into());
        }
        if correspondent.chars().count() > 500 || subject.chars().count() > 1000 {
            return Err(Refusal::CorrespondentOrSubjectTooLong.into());
        }
        let Some((_, _)) = CHANNELS.iter().find(|(c, _)| *c == entry.channel) else {
            return Err(Refusal::ChannelMissing.into());
        };
        let Some((class, _)) = CLASSES.iter().find(|(c, _)| *c == entry.classification) else {
            return Err(Refusal::ClassificationMissing.into());
        };
        let mut files = vec![entry.document];
        files.extend(entry.attachments);
        let mut stored = Vec::new();
        for (i, (name, upload)) in files.iter().enumerate() {
            if upload.size() > 50 * 1024 * 1024 {
                return Err(Refusal::FileTooLarge {
                    name: clean_name(name),
                    limit_mb: 50,
                }
                .into());
            }
            let kind = upload.kind().map_err(|_| {
                AppError::from(Refusal::FileUnreadable {
                    name: clean_name(name),
                })
            })?;
            let sha = self.app.keep_upload(upload).await?;
            stored.push((clean_name(name), kind.media_type(), sha, i));
        }
        let Some((doc_name, doc_media, doc_sha, _)) = stored.first().cloned() else {
            return Err(Refusal::DocumentMissing.into());
        };
        let attachments: Vec<AttachmentRecord> = stored
            .iter()
            .skip(1)
            .map(|(n, _, sha, _)| AttachmentRecord {
                description: n.clone(),
                digest: sha.clone(),
            })
            .collect();
        let (aoo_id, aoo_code) = self.app.store.tenant(ente).main_aoo().await?;
        let year = sportello_domain::calendar::in_rome(self.app.now()).year();
        let fascicolo = format!("{year}/protocollo/{class}");
        let sender_reference = entry
            .sender_reference
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mut tx = self.app.store.begin().await?;
        let reg = self
            .app
            .register_in(
                &mut tx,
                &ToRegister {
                    ente_id: ente.get(),
                    aoo_id,
                    aoo_code: &aoo_code,
                    direction: entry.direction,
                    correspondent,
                    subject,
                    sender_reference,
                    document_digest: &doc_sha,
                    attachments: &attachments,
                    classification: class,
                    fascicolo: &fascicolo,
                    application_id: None,
                },
            )
            .await?;
        Store::insert_details(
            &mut tx,
            reg.id,
            &entry.channel,
            Some(&doc_name),
            Some(doc_media),
            &staff.display_name,
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        tracing::info!(staff_id = staff.id, "document registered at the desk");
        Ok(reg.id)
    }
    /// The clerk asks to annul a registration, with the reason.
    pub async fn request_annulment(
        &self,
        staff: &StaffPrincipal,
        id: i64,
        reason: &str,
    ) -> Result<(), AppError> {
        let entry = self.app.registry().registry_entry(staff, id).await?;
        if !may(&staff.roles, Permission::Register) {
            return Err(Refusal::AnnulmentIsAskedByTheClerk.into());
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Refusal::AnnulmentReasonMissing.into());
        }
        if entry.row.annulled_at.is_some() {
            return Err(Refusal::AlreadyAnnulled.into());
        }
        let ente = self.app.register_ente(staff)?;
        if !self
            .app
            .store
            .tenant(ente)
            .request_annulment(
                id,
                (staff.id, &staff.display_name),
                to_millis(self.app.now()),
                reason,
            )
            .await?
        {
            return Err(Refusal::AnnulmentPending.into());
        }
        Ok(())
    }
    /// Where a registration was routed within the ente, if anywhere.
    pub async fn route_of(
        &self,
        staff: &StaffPrincipal,
        id: i64,
    ) -> Result<Option<sportello_store::RouteRow>, AppError> {
        let ente = self.app.register_ente(staff)?;
        Ok(self.app.store.tenant(ente).route_of(id).await?)
    }
    /// The registry clerk sends a registered document to the office that deals with it.
    pub async fn route_entry(
        &self,
        staff: &StaffPrincipal,
        id: i64,
        office: &str,
    ) -> Result<(), AppError> {
        let entry = self.app.registry().registry_entry(staff, id).await?;
        if !may(&staff.roles, Permission::Register) {
            return Err(Refusal::RegisteringIsTheClerks.into());
        }
        if office.trim().is_empty() {
            return Err(Refusal::OfficeNotChosen.into());
        }
        // An application's documents go to its case's office; outgoing ones go nowhere.
        if !routable(&entry.row) {
            return Err(Refusal::NotRoutable.into());
        }
        let ente = self.app.register_ente(staff)?;
        if self
            .app
            .store
            .tenant(ente)
            .route_of(id)
            .await?
            .is_some_and(|r| r.taken_at.is_some())
        {
            return Err(Refusal::AlreadyTaken.into());
        }
        if !self
            .app
            .store
            .tenant(ente)
            .set_route(id, office, &staff.display_name, to_millis(self.app.now()))
            .await?
        {
            return Err(Refusal::UnknownOffice {
                office: office.to_string(),
            }
            .into());
        }
        tracing::info!(staff_id = staff.id, "registration routed");
        Ok(())
    }
    /// Someone of the office takes a routed document in charge, once.
    pub async fn take_entry(&self, staff: &StaffPrincipal, id: i64) -> Result<bool, AppError> {
        self.app.registry().registry_entry(staff, id).await?;
        // Taken in charge by who works the office's cases, not by the clerk who routed it.
        if !may(&staff.roles, Permission::ActOnCases) {
            return Err(Refusal::RoleReadsOnly.into());
        }
        let ente = self.app.register_ente(staff)?;
        let tenant = self.app.store.tenant(ente);
        // The people of the office it was routed to take it, or someone who works for every
        // office.
        if let (Some(mine), Some(route)) = (&staff.office, tenant.route_of(id).await?) {
            if &route.office_code != mine {
                return Err(Refusal::RoutedElsewhere.into());
            }
        }
        Ok(tenant
            .take_route(id, &staff.display_name, to_millis(self.app.now()))
            .await?)
    }
    /// Documents routed to the staff member's office (to every office, for someone without
    /// one) and not yet taken in charge (at most 50).
    pub async fn routes_waiting(
        &self,
        staff: &StaffPrincipal,
    ) -> Result<Vec<sportello_store::RouteRow>, AppError> {
        let ente = self.app.register_ente(staff)?;
        Ok(self
            .app
            .store
            .tenant(ente)
            .routes_waiting(staff.office.as_deref(), 50)
            .await?)
    }
    /// Incoming letters and PECs not yet routed (at most 20), for the registry clerk.
    pub async fn to_route(
        &self,
        staff: &StaffPrincipal,
    ) -> Result<Vec<sportello_store::RegistryRow>, AppError> {
        let ente = self.app.register_ente(staff)?;
        if !may(&staff.roles, Permission::Register) {
            return Ok(Vec::new());
        }
        Ok(self.app.store.tenant(ente).unrouted_inbound(20).await?)
    }

    /// Routed documents this person took in charge (the latest 10).
    pub async fn taken_by_me(
        &self,
        staff: &StaffPrincipal,
    ) -> Result<Vec<sportello_store::RouteRow>, AppError> {
        let ente = self.app.register_ente(staff)?;
        Ok(self
            .app
            .store
            .tenant(ente)
            .routes_taken_by(&staff.display_name, 10)
            .await?)
    }

    /// The responsible officer authorises a pending annulment.
    pub async fn authorise_annulment(
        &self,
        staff: &StaffPrincipal,
        id: i64,
    ) -> Result<(), AppError> {
        self.app.registry().registry_entry(staff, id).await?;
        if !may(&staff.roles, Permission::AuthoriseAnnulment) {
            return Err(Refusal::AnnulmentIsAuthorisedByTheOfficer.into());
        }
        let ente = self.app.register_ente(staff)?;
        match self
            .app
            .store
            .tenant(ente)
            .authorise_annulment(
                id,
                (staff.id, &staff.display_name),
                to_millis(self.app.now()),
            )
            .await?
        {
            sportello_store::Authorisation::Annulled => {}
            sportello_store::Authorisation::NothingPending => {
                return Err(Refusal::NothingToAuthorise.into())
            }
            sportello_store::Authorisation::SamePerson => {
                return Err(Refusal::AnnulmentNeedsAnotherPerson.into())
            }
        }
        tracing::info!(staff_id = staff.id, "registration annulled");
        Ok(())
    }
}

/// Whether a registration is one the clerk routes: an incoming document that came by another
/// channel than an application (whose documents go to the case's office).
pub fn routable(row: &sportello_store::RegistryRow) -> bool {
    row.direction == sportello_domain::protocol::Direction::Inbound.code()
        && row.application_id.is_none()
        && row.annulled_at.is_none()
}

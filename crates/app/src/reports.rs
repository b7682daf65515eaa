//! Reports (segnalazioni, issue 20): a resident reports a problem in a place; it is routed to
//! the office of its category and to the district of its place, numbered, given a term from the
//! category's days on the ente's legal calendar, registered in the protocol when the category
//! says so, and followed on a public timeline until the office resolves or closes it — and the
//! reporter may say it is not solved. Residents who see the same problem support the report
//! instead of filing another. Civic apps file and read reports through Open311 GeoReport v2 with
//! a key the ente's administrator issued.

use sportello_domain::identity::{may, CitizenIdentity, Permission};
use sportello_domain::protocol::{AttachmentRecord, Direction};
use sportello_domain::reports::{
    self, district_of, near, Actor, Address, Category, District, Place, PlaceError, Point,
    ReportError, ReportEventKind, ReportState, ReportText, Standing, TextError,
};
use sportello_domain::tenancy::EnteId;
use sportello_store::{
    from_millis, to_millis, Moved, NewReport, ReportCategoryRow, ReportEventRow, ReportMove,
    ReportQuery, ReportRow, Store,
};

use crate::capabilities::Reports;
use crate::protocol::ToRegister;
use crate::sessions::StaffPrincipal;
use crate::AppError;

/// Why a report's use case refused, by kind: the web says it in the person's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportProblem {
    #[error("category")]
    Category,
    #[error("text: {0}")]
    Text(#[from] TextError),
    #[error("place: {0}")]
    Place(#[from] PlaceError),
    #[error("move: {0}")]
    Move(#[from] ReportError),
    /// Someone else moved the report since the page was shown.
    #[error("changed meanwhile")]
    Changed,
    /// The office named is not one of the ente's.
    #[error("office")]
    Office,
    /// A category's term outside the bounds, or a district without a name or a place.
    #[error("setup")]
    Setup,
    /// The Open311 key is missing, unknown or revoked, or of another ente.
    #[error("api key")]
    ApiKey,
    /// The e-mail address of someone who did not sign in is not one.
    #[error("email")]
    Email,
    /// Their name is too long.
    #[error("name")]
    Name,
    /// Too many reports from one address without signing in.
    #[error("too many")]
    TooMany,
    /// The link to confirm a report has run out.
    #[error("expired")]
    Expired,
    /// A photo refused: which one (1–3) and why.
    #[error("photo {0}: {1:?}")]
    Photo(usize, PhotoProblem),
}

/// Why a photo is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoProblem {
    /// More than [`MAX_PHOTOS`].
    TooMany,
    /// Over [`PHOTO_MAX_BYTES`].
    TooLarge,
    /// Not a PNG or a JPEG, by its content.
    NotAnImage,
    /// No words for people who cannot see it.
    AltMissing,
}

/// Reports one e-mail address may send without signing in, in a day.
pub const UNSIGNED_PER_DAY: i64 = 3;
/// Hours the link to confirm such a report stays good.
pub const UNSIGNED_HOURS: i64 = 48;

/// A photo already in the file store, kept with a report waiting for confirmation.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct KeptPhoto {
    digest: String,
    media_type: String,
    description: String,
}

/// At most this many photos a report, each at most this large.
pub const MAX_PHOTOS: usize = 3;
pub const PHOTO_MAX_BYTES: u64 = 5 * 1024 * 1024;

impl ReportProblem {
    /// Whether what was typed is at fault (else the action is not allowed now).
    pub fn is_input(&self) -> bool {
        !matches!(
            self,
            ReportProblem::Move(_)
                | ReportProblem::Changed
                | ReportProblem::ApiKey
                | ReportProblem::TooMany
                | ReportProblem::Expired
        )
    }
}

/// What a support did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    Added,
    /// This resident supported it before: it counts once.
    Already,
    /// The resident filed it.
    Own,
}

/// One of the region's categories as an ente uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnteCategory {
    pub category: &'static Category,
    pub in_use: bool,
    pub term_days: u32,
    pub office_code: Option<String>,
}

/// What a resident (or an Open311 client) sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReportInput {
    pub category: String,
    pub subject: String,
    pub description: String,
    pub street: String,
    pub house_number: String,
    /// Decimal degrees as typed or sent; both empty: no point.
    pub lat: String,
    pub lon: String,
    pub anonymous: bool,
}

/// A report checked and placed, ready to be filed.
#[derive(Debug, Clone)]
pub struct CheckedReport {
    pub category: EnteCategory,
    pub text: ReportText,
    pub place: Place,
    pub district: Option<District>,
    pub anonymous: bool,
    /// The photos, checked by content, with their text.
    pub photos: Vec<(crate::blobs::Upload, crate::blobs::FileKind, String)>,
    /// Photos already in the file store (a report confirmed from its e-mail).
    pub kept: Vec<sportello_store::ReportPhotoRow>,
}

/// Who is looking at a report's photos.
#[derive(Debug, Clone, Copy)]
pub enum Viewer<'a> {
    /// Anyone: approved photos only.
    Public,
    /// A signed-in resident: approved photos, and all of their own report's.
    Resident(&'a CitizenIdentity),
}

/// A photo as pages show it.
#[derive(Debug, Clone)]
pub struct ReportPhoto {
    pub position: i64,
    pub description: String,
    /// 0 waiting for the office's look, 1 approved (public), -1 refused (never public).
    pub review: i64,
}

/// Who files a report.
#[derive(Debug, Clone, Copy)]
pub enum Reporter<'a> {
    /// A resident signed in with SPID or CIE.
    Citizen(&'a CitizenIdentity),
    /// Someone who did not sign in, who confirmed from the link sent to this address.
    Email {
        email: &'a str,
        name: Option<&'a str>,
    },
    /// A civic app's user, through Open311 (the key's label names the app).
    Client {
        client: &'a str,
        email: Option<&'a str>,
        name: Option<&'a str>,
    },
}

/// A report as pages and the API read it.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub row: ReportRow,
    pub category: &'static Category,
    pub state: ReportState,
    /// «2026-0042».
    pub code: String,
    pub place: Place,
    pub district: Option<String>,
    pub office: Option<String>,
    pub due: Option<time::Date>,
    /// Open and past its term.
    pub overdue: bool,
    /// The name the public sees («Mario R.»), unless the reporter asked to stay anonymous.
    pub public_name: Option<String>,
}

/// An event of the timeline as the public reads it.
#[derive(Debug, Clone)]
pub struct TimelineEvent {
    pub kind: ReportEventKind,
    pub state: ReportState,
    pub text: String,
    pub at: time::OffsetDateTime,
    /// The staff member who wrote it, for the office's eyes only.
    pub staff: Option<String>,
}

/// What the office does to a report: the state its page showed, the event, the public text,
/// and the office to send it to (a reroute).
#[derive(Debug, Clone, Copy)]
pub struct OfficeAct<'a> {
    pub seen: &'a str,
    pub event: ReportEventKind,
    pub text: &'a str,
    pub office: Option<&'a str>,
}

/// How far back the districts' view counts.
pub const VIEW_DAYS: i64 = 365;

/// One line of the districts' view.
#[derive(Debug, Clone, PartialEq)]
pub struct CountRow {
    pub category: String,
    /// The district's name (None: outside every district).
    pub district: Option<String>,
    pub open: i64,
    pub resolved: i64,
    pub closed: i64,
    /// The mean days a resolution took.
    pub mean_days: Option<f64>,
}

/// The districts' view: counts by category and district, and the mean days to resolution.
#[derive(Debug, Clone, Default)]
pub struct ReportCounts {
    pub rows: Vec<CountRow>,
}

/// A page of reports and where the next starts.
#[derive(Debug, Clone)]
pub struct ReportPage {
    pub reports: Vec<ReportView>,
    pub next_before: Option<i64>,
}

/// What a list asks for, as typed in a page's filters or an Open311 query.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Open311's groups: `open` (received, in charge, in progress) or `closed` (resolved, or
    /// closed without action); empty: all.
    pub status: String,
    /// One state, by its code (with `status` empty); an unknown code lists nothing.
    pub state: Option<String>,
    pub category: String,
    pub district: Option<i64>,
    /// An office's queue (its reports and those of no office).
    pub office: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub before: Option<i64>,
    pub limit: i64,
}

/// A staff member's ente, if their roles allow `permission`.
fn staff_ente(staff: &StaffPrincipal, permission: Permission) -> Result<EnteId, AppError> {
    staff
        .ente
        .filter(|_| may(&staff.roles, permission))
        .ok_or(AppError::NotFound)
}

/// Whether this staff member handles reports.
pub fn handles_reports(staff: &StaffPrincipal) -> bool {
    staff.ente.is_some() && may(&staff.roles, Permission::HandleReports)
}

/// Whether this staff member sets up reports (categories, districts, Open311 keys).
pub fn sets_up_reports(staff: &StaffPrincipal) -> bool {
    staff.ente.is_some() && may(&staff.roles, Permission::Administer)
}

/// The digest that stands for a supporter: who they are, never kept in clear.
pub fn supporter_key(fiscal_code: &str) -> String {
    crate::crypto::sha256_hex(format!("report-support:{fiscal_code}").as_bytes())
}

/// The districts as the domain reads them, from the stored text.
fn parse_districts(rows: Vec<sportello_store::ReportDistrictRow>) -> Vec<District> {
    rows.into_iter()
        .map(|r| District {
            id: r.id,
            name: r.name,
            streets: r
                .streets
                .lines()
                .map(reports::fold_street)
                .filter(|s| !s.is_empty())
                .collect(),
            outline: r
                .outline
                .split(';')
                .filter_map(|c| {
                    let (lat, lon) = c.split_once(',')?;
                    Some(Point {
                        lat: lat.trim().parse().ok()?,
                        lon: lon.trim().parse().ok()?,
                    })
                })
                .collect(),
        })
        .collect()
}

impl Reports<'_> {
    fn store(&self) -> &Store {
        &self.app.store
    }

    /// The region's categories as the ente uses them (every one, in use or not).
    pub async fn categories(&self, ente: EnteId) -> Result<Vec<EnteCategory>, AppError> {
        let rows = self.store().tenant(ente).report_categories().await?;
        Ok(reports::CATEGORIES
            .iter()
            .map(|c| match rows.iter().find(|r| r.code == c.code) {
                Some(r) => EnteCategory {
                    category: c,
                    in_use: r.in_use != 0,
                    term_days: u32::try_from(r.term_days).unwrap_or(c.term_days),
                    office_code: r.office_code.clone(),
                },
                None => EnteCategory {
                    category: c,
                    in_use: true,
                    term_days: c.term_days,
                    office_code: None,
                },
            })
            .collect())
    }

    /// The categories residents may choose.
    pub async fn categories_in_use(&self, ente: EnteId) -> Result<Vec<EnteCategory>, AppError> {
        let mut all = self.categories(ente).await?;
        all.retain(|c| c.in_use);
        Ok(all)
    }

    pub async fn districts(&self, ente: EnteId) -> Result<Vec<District>, AppError> {
        Ok(parse_districts(
            self.store().tenant(ente).report_districts().await?,
        ))
    }

    /// The ente's streets as its districts list them: (folded, as written).
    pub async fn streets(&self, ente: EnteId) -> Result<Vec<(String, String)>, AppError> {
        let rows = self.store().tenant(ente).report_districts().await?;
        let mut streets: Vec<(String, String)> = rows
            .iter()
            .flat_map(|r| r.streets.lines())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| (reports::fold_street(s), s.to_string()))
            .collect();
        streets.sort();
        streets.dedup_by(|a, b| a.0 == b.0);
        Ok(streets)
    }

    /// Checks a report: every problem found, not only the first.
    pub async fn check(
        &self,
        ente: EnteId,
        input: &ReportInput,
        photos: &[(crate::blobs::Upload, String)],
    ) -> Result<Result<CheckedReport, Vec<ReportProblem>>, AppError> {
        let mut problems = Vec::new();
        let photos = checked_photos(photos).map_err(|p| problems.push(p)).ok();
        let categories = self.categories_in_use(ente).await?;
        let category = categories
            .into_iter()
            .find(|c| c.category.code == input.category.trim());
        if category.is_none() {
            problems.push(ReportProblem::Category);
        }
        let text = ReportText::check(&input.subject, &input.description)
            .map_err(|e| problems.extend(e.into_iter().map(ReportProblem::from)))
            .ok();
        let point = if input.lat.trim().is_empty() && input.lon.trim().is_empty() {
            Ok(None)
        } else {
            Point::parse(&input.lat, &input.lon).map(Some)
        };
        let address = Address::parse(&input.street, &input.house_number);
        let streets = self.streets(ente).await?;
        let place = match (address, point) {
            (Ok(a), Ok(p)) => Place::check(a, p, &streets)
                .map_err(|e| problems.push(e.into()))
                .ok(),
            (Err(e), _) | (_, Err(e)) => {
                problems.push(e.into());
                None
            }
        };
        match (category, text, place, photos) {
            (Some(category), Some(text), Some(place), Some(photos)) if problems.is_empty() => {
                let districts = self.districts(ente).await?;
                let district = district_of(&districts, &place).cloned();
                Ok(Ok(CheckedReport {
                    category,
                    text,
                    place,
                    district,
                    anonymous: input.anonymous,
                    photos,
                    kept: Vec::new(),
                }))
            }
            _ => Ok(Err(problems)),
        }
    }

    /// Open reports of the same category near the same place: offered before filing
    /// («qualcuno l'ha già segnalato»), the most supported first.
    pub async fn nearby(
        &self,
        ente: EnteId,
        report: &CheckedReport,
    ) -> Result<Vec<ReportView>, AppError> {
        // A box a little larger than the nearness radius: 0.002° of latitude is 222 m, of
        // longitude at 47° N 152 m.
        let area = report
            .place
            .point
            .map(|p| (p.lat - 2_000, p.lat + 2_000, p.lon - 2_500, p.lon + 2_500));
        let folded = report.place.address.as_ref().map(|a| a.folded.as_str());
        let rows = self
            .store()
            .tenant(ente)
            .reports_maybe_near(report.category.category.code, folded, area)
            .await?;
        let mut views = Vec::new();
        for row in rows {
            let view = self.view(ente, row).await?;
            if near(&view.place, &report.place) {
                views.push(view);
            }
        }
        views.sort_by_key(|v| std::cmp::Reverse((v.row.supports, v.row.id)));
        views.truncate(5);
        Ok(views)
    }

    /// Files a checked report: numbered, routed to its office and district, with its term;
    /// registered in the protocol if its category says so. Its view.
    pub async fn file(
        &self,
        ente: EnteId,
        reporter: Reporter<'_>,
        report: &CheckedReport,
    ) -> Result<ReportView, AppError> {
        self.file_in(ente, reporter, report, None).await
    }

    /// [`Reports::file`], and — for a report confirmed from its e-mail (`pending`, its link's
    /// digest) — the waiting report marked as filed in the same transaction.
    async fn file_in(
        &self,
        ente: EnteId,
        reporter: Reporter<'_>,
        report: &CheckedReport,
        pending: Option<&str>,
    ) -> Result<ReportView, AppError> {
        let now = self.app.now();
        let local = sportello_domain::calendar::in_rome(now);
        let calendar = self.app.ente_calendar(ente).await?;
        let due = match sportello_domain::procedure::deadlines::term(
            local.date(),
            report.category.term_days,
            &[],
            local.date(),
            &calendar,
        ) {
            sportello_domain::procedure::deadlines::Term::Due(d) => d,
            sportello_domain::procedure::deadlines::Term::Suspended { .. } => local.date(),
        };
        let token = crate::crypto::random_token(18);
        let (fiscal_code, email, name, client) = match reporter {
            Reporter::Citizen(c) => (
                Some(c.fiscal_code.to_string()),
                c.email.clone(),
                Some(format!("{} {}", c.given_name, c.family_name)),
                None,
            ),
            Reporter::Email { email, name } => (
                None,
                Some(email.to_string()),
                name.map(str::to_string),
                None,
            ),
            Reporter::Client {
                client,
                email,
                name,
            } => (
                None,
                email.map(str::to_string),
                name.map(str::to_string),
                Some(client.to_string()),
            ),
        };
        // The photos first, into the file store: a report is stored whole or not at all (a
        // photo kept without its report is content-addressed and harmless).
        let mut photos = Vec::with_capacity(report.photos.len());
        for (upload, kind, description) in &report.photos {
            photos.push(sportello_store::ReportPhotoRow {
                position: 0,
                digest: self.app.keep_upload(upload).await?,
                media_type: kind.media_type().to_owned(),
                description: description.clone(),
                review: 0,
            });
        }
        photos.extend(report.kept.iter().cloned());
        let address = report.place.address.as_ref();
        let street = address.map(|a| a.street.clone());
        let folded = address.map(|a| a.folded.clone());
        let number = address.and_then(|a| a.number.clone());
        let mut tx = self.store().begin().await?;
        let protocol_ref = if report.category.category.protocol {
            Some(
                self.register(&mut tx, ente, report, name.as_deref())
                    .await?,
            )
        } else {
            None
        };
        let (id, number) = Store::report_file(
            &mut tx,
            ente.get(),
            &NewReport {
                year: i64::from(local.year()),
                category: report.category.category.code,
                subject: &report.text.subject,
                description: &report.text.description,
                street: street.as_deref(),
                street_folded: folded.as_deref(),
                house_number: number.as_deref(),
                lat: report.place.point.map(|p| p.lat),
                lon: report.place.point.map(|p| p.lon),
                district_id: report.district.as_ref().map(|d| d.id),
                office_code: report.category.office_code.as_deref(),
                anonymous: report.anonymous,
                reporter_fiscal_code: fiscal_code.as_deref(),
                reporter_email: email.as_deref(),
                reporter_name: name.as_deref(),
                client: client.as_deref(),
                due_date: &due.to_string(),
                protocol_ref: protocol_ref.as_deref(),
                token: &token,
                photos: &photos,
            },
            to_millis(now),
        )
        .await?;
        if let Some(to) = email.as_deref().filter(|e| e.contains('@')) {
            let ente_row = self.app.ente_by_id(ente).await?;
            let code = format!("{}-{:04}", local.year(), number);
            let subject = format!("Segnalazione {code} ricevuta");
            let body = format!(
                "Abbiamo ricevuto la tua segnalazione «{}» ({}).\n\nL'ufficio deve rispondere entro il {}. Quando la risolve ti chiederemo se il problema è davvero risolto.\n\nSegui la segnalazione:\n{}/{}/segnalazioni/{}/{}\n\nComune di {} — messaggio automatico.\n",
                report.text.subject,
                report.category.category.label_it,
                italian_date(due),
                self.app.settings.public_url,
                ente_row.slug,
                local.year(),
                number,
                ente_row.name,
            );
            Store::enqueue_notification(&mut tx, to_millis(now), to, &subject, &body).await?;
        }
        if let Some(digest) = pending {
            if !Store::report_pending_filed(&mut tx, digest, id).await? {
                // Filed meanwhile from another tab: this one is given up (rolled back).
                return Err(ReportProblem::Changed.into());
            }
        }
        tx.commit()
            .await
            .map_err(sportello_store::StoreError::from)?;
        self.view_by_id(ente, id).await
    }

    /// Registers the report in the protocol inside `tx`: its text as a PDF, incoming from the
    /// reporter. The registration's label (`anno/numero`).
    async fn register(
        &self,
        tx: &mut sportello_store::Tx,
        ente: EnteId,
        report: &CheckedReport,
        name: Option<&str>,
    ) -> Result<String, AppError> {
        use crate::pdf::Line;
        let c = report.category.category;
        let place = report
            .place
            .address
            .as_ref()
            .map(Address::text)
            .or_else(|| {
                report
                    .place
                    .point
                    .map(|p| format!("{}, {}", p.lat_text(), p.lon_text()))
            })
            .unwrap_or_default();
        let lines = vec![
            Line::Title(format!("Segnalazione: {}", report.text.subject)),
            Line::Field("Categoria".into(), c.label_it.into()),
            Line::Field("Luogo".into(), place),
            Line::Blank,
            Line::Text(report.text.description.clone()),
        ];
        let pdf = crate::pdf::render(&format!("Segnalazione: {}", report.text.subject), &lines);
        let blobs = self.app.blobs.clone();
        let digest = tokio::task::spawn_blocking(move || blobs.put(&pdf))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(format!("blob store: {e}")))?;
        let (aoo_id, aoo_code) = self.store().tenant(ente).main_aoo().await?;
        let subject: String = format!("Segnalazione ({}): {}", c.label_it, report.text.subject)
            .chars()
            .take(500)
            .collect();
        let attachments: Vec<AttachmentRecord> = Vec::new();
        let registered = self
            .app
            .register_in(
                tx,
                &ToRegister {
                    ente_id: ente.get(),
                    aoo_id,
                    aoo_code: &aoo_code,
                    direction: Direction::Inbound,
                    correspondent: name.unwrap_or("Segnalazione anonima"),
                    subject: &subject,
                    sender_reference: None,
                    document_digest: &digest,
                    attachments: &attachments,
                    classification: "I.1",
                    fascicolo: "segnalazioni",
                    application_id: None,
                },
            )
            .await?;
        Ok(sportello_domain::protocol::registration_label(
            i64::from(registered.year),
            registered.number,
        ))
    }

    /// A report sent without signing in: checked as any report, then kept aside and a link
    /// sent to the e-mail given; it is filed when its sender opens the link and confirms
    /// ([`Reports::confirm_unsigned`]). At most [`UNSIGNED_PER_DAY`] from one address a day.
    pub async fn send_unsigned(
        &self,
        ente: EnteId,
        input: &ReportInput,
        photos: &[(crate::blobs::Upload, String)],
        email: &str,
        name: &str,
    ) -> Result<Result<(), Vec<ReportProblem>>, AppError> {
        let email = email.trim().to_lowercase();
        let name: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut problems = Vec::new();
        let valid_email = email.len() <= 254
            && !email.contains(char::is_whitespace)
            && email
                .split_once('@')
                .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
        if !valid_email {
            problems.push(ReportProblem::Email);
        }
        if name.chars().count() > 120 {
            problems.push(ReportProblem::Name);
        }
        let checked = match self.check(ente, input, photos).await? {
            Ok(c) => Some(c),
            Err(more) => {
                problems.extend(more);
                None
            }
        };
        let Some(checked) = checked.filter(|_| problems.is_empty()) else {
            return Ok(Err(problems));
        };
        let now = self.app.now();
        let since = to_millis(now - time::Duration::days(1));
        if self.store().report_pending_count(&email, since).await? >= UNSIGNED_PER_DAY {
            return Err(ReportProblem::TooMany.into());
        }
        let mut kept = Vec::with_capacity(checked.photos.len());
        for (upload, kind, description) in &checked.photos {
            kept.push(KeptPhoto {
                digest: self.app.keep_upload(upload).await?,
                media_type: kind.media_type().to_owned(),
                description: description.clone(),
            });
        }
        let token = crate::crypto::random_token(24);
        let ente_row = self.app.ente_by_id(ente).await?;
        let input_json =
            serde_json::to_string(input).map_err(|e| AppError::Internal(e.to_string()))?;
        let photos_json =
            serde_json::to_string(&kept).map_err(|e| AppError::Internal(e.to_string()))?;
        let subject = format!(
            "Conferma la tua segnalazione al Comune di {}",
            ente_row.name
        );
        let body = format!(
            "Hai inviato una segnalazione al Comune di {}: «{}».\n\nPer inviarla davvero, apri questo indirizzo entro 48 ore e conferma:\n{}/{}/segnalazioni/conferma/{token}\n\nSe non sei stato tu, ignora questo messaggio: senza conferma la segnalazione non viene inviata.\n\nComune di {} — messaggio automatico.\n",
            ente_row.name,
            checked.text.subject,
            self.app.settings.public_url,
            ente_row.slug,
            ente_row.name,
        );
        let mut tx = self.store().begin().await?;
        Store::report_pending_add(
            &mut tx,
            &crate::crypto::sha256_hex(token.as_bytes()),
            &sportello_store::PendingReport {
                ente_id: ente.get(),
                input: &input_json,
                photos: &photos_json,
                email: &email,
                name: &name,
                now_ms: to_millis(now),
                expires_ms: to_millis(now + time::Duration::hours(UNSIGNED_HOURS)),
            },
        )
        .await?;
        Store::enqueue_notification(&mut tx, to_millis(now), &email, &subject, &body).await?;
        tx.commit()
            .await
            .map_err(sportello_store::StoreError::from)?;
        Ok(Ok(()))
    }

    /// The sender of a report sent without signing in confirms it from the link: it is filed
    /// (once, however often or concurrently the link is confirmed) and its view returned.
    pub async fn confirm_unsigned(
        &self,
        ente: EnteId,
        token: &str,
    ) -> Result<ReportView, AppError> {
        let digest = crate::crypto::sha256_hex(token.trim().as_bytes());
        let pending = self
            .store()
            .report_pending(&digest)
            .await?
            .filter(|p| p.ente_id == ente.get())
            .ok_or(AppError::NotFound)?;
        if let Some(id) = pending.report_id {
            let row = self
                .store()
                .tenant(ente)
                .report_by_id(id)
                .await?
                .ok_or(AppError::NotFound)?;
            return self.view(ente, row).await;
        }
        if pending.expires_at < to_millis(self.app.now()) {
            return Err(ReportProblem::Expired.into());
        }
        let input: ReportInput =
            serde_json::from_str(&pending.input).map_err(|e| AppError::Internal(e.to_string()))?;
        let kept: Vec<KeptPhoto> =
            serde_json::from_str(&pending.photos).map_err(|e| AppError::Internal(e.to_string()))?;
        // Checked again: the ente's streets or categories may have changed meanwhile.
        let mut checked = match self.check(ente, &input, &[]).await? {
            Ok(c) => c,
            Err(problems) => {
                return Err(problems
                    .into_iter()
                    .next()
                    .unwrap_or(ReportProblem::Category)
                    .into())
            }
        };
        checked.kept = kept
            .into_iter()
            .map(|k| sportello_store::ReportPhotoRow {
                position: 0,
                digest: k.digest,
                media_type: k.media_type,
                description: k.description,
                review: 0,
            })
            .collect();
        let name = Some(pending.name.as_str()).filter(|n| !n.is_empty());
        match self
            .file_in(
                ente,
                Reporter::Email {
                    email: &pending.email,
                    name,
                },
                &checked,
                Some(&digest),
            )
            .await
        {
            Err(AppError::Report(ReportProblem::Changed)) => {
                // Confirmed at the same moment from another tab: that one filed it.
                let filed = self
                    .store()
                    .report_pending(&digest)
                    .await?
                    .and_then(|p| p.report_id)
                    .ok_or(AppError::NotFound)?;
                self.view_by_id(ente, filed).await
            }
            other => other,
        }
    }

    /// A report of the ente by its number.
    pub async fn by_number(
        &self,
        ente: EnteId,
        year: i64,
        number: i64,
    ) -> Result<ReportView, AppError> {
        let row = self
            .store()
            .tenant(ente)
            .report(year, number)
            .await?
            .ok_or(AppError::NotFound)?;
        self.view(ente, row).await
    }

    /// A report by its Open311 token.
    pub async fn by_token(&self, ente: EnteId, token: &str) -> Result<ReportView, AppError> {
        let row = self
            .store()
            .tenant(ente)
            .report_by_token(token)
            .await?
            .ok_or(AppError::NotFound)?;
        self.view(ente, row).await
    }

    /// A report's timeline, oldest first.
    pub async fn timeline(&self, ente: EnteId, id: i64) -> Result<Vec<TimelineEvent>, AppError> {
        let rows = self.store().tenant(ente).report_events(id).await?;
        rows.into_iter()
            .map(|r: ReportEventRow| {
                Ok(TimelineEvent {
                    kind: ReportEventKind::parse(&r.kind)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    state: ReportState::parse(&r.state)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    text: r.text,
                    at: from_millis(r.at_ms),
                    staff: r.staff,
                })
            })
            .collect()
    }

    /// The ente's reports as filtered, newest first, one page.
    pub async fn list(&self, ente: EnteId, f: &ListFilter) -> Result<ReportPage, AppError> {
        let nothing = Ok(ReportPage {
            reports: Vec::new(),
            next_before: None,
        });
        let states: Vec<String> = match (f.status.trim(), f.state.as_deref()) {
            ("", None) => Vec::new(),
            ("", Some(code)) => match ReportState::parse(code.trim()) {
                Ok(s) => vec![s.code().to_string()],
                Err(_) => return nothing,
            },
            ("open", _) => ReportState::ALL
                .iter()
                .filter(|s| s.is_open())
                .map(|s| s.code().to_string())
                .collect(),
            ("closed", _) => ReportState::ALL
                .iter()
                .filter(|s| !s.is_open())
                .map(|s| s.code().to_string())
                .collect(),
            // An unknown status lists nothing rather than everything.
            _ => return nothing,
        };
        let limit = f.limit.clamp(1, 200);
        let rows = self
            .store()
            .tenant(ente)
            .reports(&ReportQuery {
                states,
                category: Some(f.category.trim().to_string()).filter(|c| !c.is_empty()),
                district_id: f.district,
                office_code: f.office.clone(),
                from_ms: f.from_ms,
                to_ms: f.to_ms,
                before_id: f.before,
                limit: limit + 1,
            })
            .await?;
        let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
        let mut reports = Vec::with_capacity(rows.len());
        for row in rows.into_iter().take(usize::try_from(limit).unwrap_or(200)) {
            reports.push(self.view(ente, row).await?);
        }
        let next_before = if more {
            reports.last().map(|r| r.row.id)
        } else {
            None
        };
        Ok(ReportPage {
            reports,
            next_before,
        })
    }

    /// A resident supports an open report.
    pub async fn support(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        year: i64,
        number: i64,
    ) -> Result<Support, AppError> {
        let view = self.by_number(ente, year, number).await?;
        if !view.state.is_open() {
            return Err(ReportProblem::Move(ReportError::NotNow {
                from: view.state,
                event: ReportEventKind::Answer,
            })
            .into());
        }
        if view.row.reporter_fiscal_code.as_deref() == Some(citizen.fiscal_code.as_str()) {
            return Ok(Support::Own);
        }
        let added = self
            .store()
            .tenant(ente)
            .report_support(
                view.row.id,
                &supporter_key(citizen.fiscal_code.as_str()),
                to_millis(self.app.now()),
            )
            .await?;
        Ok(if added {
            Support::Added
        } else {
            Support::Already
        })
    }

    /// Whether this resident already supports the report (or filed it).
    pub async fn supported_by(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        view: &ReportView,
    ) -> Result<bool, AppError> {
        if view.row.reporter_fiscal_code.as_deref() == Some(citizen.fiscal_code.as_str()) {
            return Ok(true);
        }
        Ok(self
            .store()
            .tenant(ente)
            .report_supported_by(view.row.id, &supporter_key(citizen.fiscal_code.as_str()))
            .await?)
    }

    /// The reporter answers «è stato risolto?»: yes confirms, no reopens (with a word on what
    /// is still wrong).
    pub async fn reporter_says(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        year: i64,
        number: i64,
        solved: bool,
        text: &str,
    ) -> Result<ReportView, AppError> {
        let view = self.by_number(ente, year, number).await?;
        if view.row.reporter_fiscal_code.as_deref() != Some(citizen.fiscal_code.as_str()) {
            return Err(ReportProblem::Move(ReportError::NotTheReporter).into());
        }
        let event = if solved {
            ReportEventKind::Confirm
        } else {
            ReportEventKind::Reopen
        };
        let text: String = text.trim().chars().take(1_000).collect();
        self.apply(ente, &view, event, Actor::Reporter, &text, None, None)
            .await
    }

    /// The reports a resident filed, in every ente, newest first, each with its ente's slug
    /// and name.
    pub async fn mine(
        &self,
        citizen: &CitizenIdentity,
    ) -> Result<Vec<(String, String, ReportView)>, AppError> {
        let rows = self
            .store()
            .region_wide()
            .reports_of(citizen.fiscal_code.as_str())
            .await?;
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            let ente = self.app.ente_by_id(row.ente()).await?;
            let view = self.view(ente.ente_id(), row).await?;
            views.push((ente.slug, ente.name, view));
        }
        Ok(views)
    }

    /// The office's queue: the ente's reports as filtered, a member of an office seeing their
    /// office's reports and those no office was named for (someone of no office sees all).
    pub async fn desk(
        &self,
        staff: &StaffPrincipal,
        f: &ListFilter,
    ) -> Result<(EnteId, ReportPage), AppError> {
        let ente = staff_ente(staff, Permission::HandleReports)?;
        let f = ListFilter {
            office: staff.office.clone(),
            ..f.clone()
        };
        let page = self.list(ente, &f).await?;
        Ok((ente, page))
    }

    /// A report as the office reads it.
    pub async fn for_office(
        &self,
        staff: &StaffPrincipal,
        year: i64,
        number: i64,
    ) -> Result<(ReportView, Vec<TimelineEvent>), AppError> {
        let ente = staff_ente(staff, Permission::HandleReports)?;
        let view = self.by_number(ente, year, number).await?;
        let timeline = self.timeline(ente, view.row.id).await?;
        Ok((view, timeline))
    }

    /// The office moves a report: takes it in charge, starts work, answers, resolves, closes,
    /// or sends it to another office. `seen` is the state the page showed: if someone moved it
    /// since, nothing is done and the office is told.
    pub async fn office_acts(
        &self,
        staff: &StaffPrincipal,
        year: i64,
        number: i64,
        act: &OfficeAct<'_>,
    ) -> Result<ReportView, AppError> {
        let OfficeAct {
            seen,
            event,
            text,
            office,
        } = *act;
        let ente = staff_ente(staff, Permission::HandleReports)?;
        let view = self.by_number(ente, year, number).await?;
        if view.state.code() != seen {
            return Err(ReportProblem::Changed.into());
        }
        let office = match (event, office.map(str::trim).filter(|o| !o.is_empty())) {
            (ReportEventKind::Reroute, Some(code)) => {
                let offices = self.store().tenant(ente).offices().await?;
                if !offices.iter().any(|o| o.code == code) {
                    return Err(ReportProblem::Office.into());
                }
                Some(code.to_string())
            }
            (ReportEventKind::Reroute, None) => return Err(ReportProblem::Office.into()),
            _ => None,
        };
        let text: String = text.trim().chars().take(2_000).collect();
        self.apply(
            ente,
            &view,
            event,
            Actor::Office,
            &text,
            Some(&staff.username),
            office.as_deref(),
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn apply(
        &self,
        ente: EnteId,
        view: &ReportView,
        event: ReportEventKind,
        actor: Actor,
        text: &str,
        staff: Option<&str>,
        office: Option<&str>,
    ) -> Result<ReportView, AppError> {
        let now = self.app.now();
        let days_since_resolved = view
            .row
            .resolved_at
            .map(|at| (now - from_millis(at)).whole_days());
        let to = reports::transition(
            Standing {
                state: view.state,
                days_since_resolved,
                reopenings: view.row.reopenings,
            },
            event,
            actor,
            !text.is_empty(),
        )
        .map_err(ReportProblem::from)?;
        let notice = self.notice(ente, view, event, to, text).await?;
        let moved = self
            .store()
            .tenant(ente)
            .report_move(&ReportMove {
                id: view.row.id,
                from: view.state.code(),
                to: to.code(),
                kind: event.code(),
                text,
                staff,
                office_code: office,
                now_ms: to_millis(now),
                notify: notice
                    .as_ref()
                    .map(|(to, subject, body)| (to.as_str(), subject.as_str(), body.as_str())),
            })
            .await?;
        if moved == Moved::Changed {
            return Err(ReportProblem::Changed.into());
        }
        self.view_by_id(ente, view.row.id).await
    }

    /// Who is told of a move, and what: the reporter of what the office did (when they left an
    /// address), the office of a reopening (at its e-mail, when it has one).
    async fn notice(
        &self,
        ente: EnteId,
        view: &ReportView,
        event: ReportEventKind,
        to: ReportState,
        text: &str,
    ) -> Result<Option<(String, String, String)>, AppError> {
        let ente_row = self.app.ente_by_id(ente).await?;
        let base = &self.app.settings.public_url;
        let (year, number) = (view.row.year, view.row.number);
        let said = if text.is_empty() {
            String::new()
        } else {
            format!("\n\n«{text}»")
        };
        match event {
            ReportEventKind::Reopen => {
                let office = match &view.row.office_code {
                    Some(code) => self
                        .store()
                        .tenant(ente)
                        .offices()
                        .await?
                        .into_iter()
                        .find(|o| &o.code == code)
                        .map(|o| o.email)
                        .filter(|e| e.contains('@')),
                    None => None,
                };
                Ok(office.map(|to| {
                    (
                        to,
                        format!("Segnalazione {} riaperta da chi l'ha inviata", view.code),
                        format!(
                            "Chi ha inviato la segnalazione «{}» dice che il problema non è risolto.{said}\n\nApri la segnalazione:\n{base}/staff/segnalazioni/{year}/{number}\n\nComune di {} — messaggio automatico.\n",
                            view.row.subject, ente_row.name
                        ),
                    )
                }))
            }
            ReportEventKind::Confirm | ReportEventKind::Reroute | ReportEventKind::Received => {
                Ok(None)
            }
            _ => {
                let Some(address) = view.row.reporter_email.clone().filter(|e| e.contains('@'))
                else {
                    return Ok(None);
                };
                let question = if to == ReportState::Resolved {
                    "\n\nIl problema è davvero risolto? Diccelo dalla pagina della segnalazione: se non lo è, la riapriamo."
                } else {
                    ""
                };
                Ok(Some((
                    address,
                    format!("Segnalazione {}: {}", view.code, to.label_it()),
                    format!(
                        "{} — «{}».{said}{question}\n\nSegui la segnalazione:\n{base}/{}/segnalazioni/{year}/{number}\n\nComune di {} — messaggio automatico.\n",
                        event.label_it(),
                        view.row.subject,
                        ente_row.slug,
                        ente_row.name
                    ),
                )))
            }
        }
    }

    /// The districts' view of the last year: by category and district, open, resolved and
    /// closed, and the mean days a resolution took.
    pub async fn counts(&self, ente: EnteId) -> Result<ReportCounts, AppError> {
        let from = self.app.now() - time::Duration::days(VIEW_DAYS);
        let rows = self
            .store()
            .tenant(ente)
            .report_counts(to_millis(from))
            .await?;
        let districts = self.districts(ente).await?;
        let name = |id: Option<i64>| {
            id.and_then(|id| districts.iter().find(|d| d.id == id))
                .map(|d| d.name.clone())
        };
        let mut out: Vec<CountRow> = Vec::new();
        let mut resolved_ms: Vec<i64> = Vec::new();
        for (category, district, state, n, ms) in rows {
            let district = name(district);
            let i = match out
                .iter()
                .position(|r| r.category == category && r.district == district)
            {
                Some(i) => i,
                None => {
                    out.push(CountRow {
                        category: category.clone(),
                        district,
                        open: 0,
                        resolved: 0,
                        closed: 0,
                        mean_days: None,
                    });
                    resolved_ms.push(0);
                    out.len() - 1
                }
            };
            let (Some(row), Some(total_ms)) = (out.get_mut(i), resolved_ms.get_mut(i)) else {
                continue;
            };
            match ReportState::parse(&state) {
                Ok(ReportState::Resolved) => {
                    row.resolved = row.resolved.saturating_add(n);
                    *total_ms = total_ms.saturating_add(ms);
                }
                Ok(ReportState::Closed) => row.closed = row.closed.saturating_add(n),
                _ => row.open = row.open.saturating_add(n),
            }
        }
        for (row, ms) in out.iter_mut().zip(resolved_ms) {
            if row.resolved > 0 {
                row.mean_days = Some(ms as f64 / row.resolved as f64 / 86_400_000.0);
            }
        }
        Ok(ReportCounts { rows: out })
    }

    /// Sets how the ente uses one of the region's categories.
    pub async fn set_category(
        &self,
        staff: &StaffPrincipal,
        code: &str,
        in_use: bool,
        term_days: &str,
        office: &str,
    ) -> Result<(), AppError> {
        let ente = staff_ente(staff, Permission::Administer)?;
        let category = reports::category(code).ok_or(ReportProblem::Category)?;
        let term_days: u32 = term_days
            .trim()
            .parse()
            .ok()
            .filter(|d| (reports::MIN_TERM_DAYS..=reports::MAX_TERM_DAYS).contains(d))
            .ok_or(ReportProblem::Setup)?;
        let office = office.trim();
        let office_code = if office.is_empty() {
            None
        } else {
            let offices = self.store().tenant(ente).offices().await?;
            if !offices.iter().any(|o| o.code == office) {
                return Err(ReportProblem::Office.into());
            }
            Some(office.to_string())
        };
        self.store()
            .tenant(ente)
            .set_report_category(
                &ReportCategoryRow {
                    code: category.code.to_string(),
                    in_use: i64::from(in_use),
                    term_days: i64::from(term_days),
                    office_code,
                },
                &staff.username,
                to_millis(self.app.now()),
            )
            .await?;
        Ok(())
    }

    /// Adds a district (or replaces the one with this name): its streets, one a line, and an
    /// outline as «lat lon» corners in decimal degrees, one a line. At least one of the two.
    pub async fn set_district(
        &self,
        staff: &StaffPrincipal,
        name: &str,
        streets: &str,
        outline: &str,
    ) -> Result<(), AppError> {
        let ente = staff_ente(staff, Permission::Administer)?;
        self.set_district_of(ente, name, streets, outline).await
    }

    /// [`Reports::set_district`] for an ente (the demo seed's).
    pub(crate) async fn set_district_of(
        &self,
        ente: EnteId,
        name: &str,
        streets: &str,
        outline: &str,
    ) -> Result<(), AppError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(ReportProblem::Setup.into());
        }
        let streets: Vec<&str> = streets
            .lines()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let mut corners = Vec::new();
        for line in outline.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let mut parts = line.split(|c: char| c == ';' || c.is_whitespace());
            let (Some(lat), Some(lon)) = (parts.next(), parts.find(|p| !p.is_empty())) else {
                return Err(ReportProblem::Place(PlaceError::BadCoordinate(
                    line.chars().take(40).collect(),
                ))
                .into());
            };
            let p = Point::parse(lat, lon).map_err(ReportProblem::from)?;
            corners.push(format!("{},{}", p.lat, p.lon));
        }
        if streets.is_empty() && corners.len() < 3 {
            return Err(ReportProblem::Setup.into());
        }
        if streets.iter().any(|s| s.chars().count() > 120) || streets.len() > 5_000 {
            return Err(ReportProblem::Setup.into());
        }
        self.store()
            .tenant(ente)
            .set_report_district(name, &streets.join("\n"), &corners.join(";"))
            .await?;
        Ok(())
    }

    /// Issues an Open311 key for a civic app: the key, shown once.
    pub async fn issue_key(&self, staff: &StaffPrincipal, label: &str) -> Result<String, AppError> {
        let ente = staff_ente(staff, Permission::Administer)?;
        self.issue_key_as(ente, label, &staff.username).await
    }

    /// Issues a key for an ente from the command line (`sportello admin open311-key`).
    pub async fn issue_key_for(&self, ente: EnteId, label: &str) -> Result<String, AppError> {
        self.issue_key_as(ente, label, "riga di comando").await
    }

    async fn issue_key_as(&self, ente: EnteId, label: &str, by: &str) -> Result<String, AppError> {
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 80 {
            return Err(ReportProblem::Setup.into());
        }
        let key = format!("o311_{}", crate::crypto::random_token(32));
        self.store()
            .tenant(ente)
            .open311_key_add(label, &key_digest(&key), by, to_millis(self.app.now()))
            .await?;
        Ok(key)
    }

    pub async fn keys(
        &self,
        staff: &StaffPrincipal,
    ) -> Result<Vec<sportello_store::Open311KeyRow>, AppError> {
        let ente = staff_ente(staff, Permission::Administer)?;
        Ok(self.store().tenant(ente).open311_keys().await?)
    }

    pub async fn revoke_key(&self, staff: &StaffPrincipal, id: i64) -> Result<bool, AppError> {
        let ente = staff_ente(staff, Permission::Administer)?;
        Ok(self
            .store()
            .tenant(ente)
            .open311_key_revoke(id, to_millis(self.app.now()))
            .await?)
    }

    /// The app an Open311 key belongs to, if it is live and the ente's.
    pub async fn client_of(&self, ente: EnteId, key: &str) -> Result<String, AppError> {
        match self.store().open311_key(&key_digest(key.trim())).await? {
            Some((owner, label)) if owner == ente.get() => Ok(label),
            _ => Err(ReportProblem::ApiKey.into()),
        }
    }

    /// The photos of a report this viewer may see: the approved ones, and every one of the
    /// viewer's own report.
    pub async fn photos(
        &self,
        ente: EnteId,
        view: &ReportView,
        viewer: Viewer<'_>,
    ) -> Result<Vec<ReportPhoto>, AppError> {
        let all = self.store().tenant(ente).report_photos(view.row.id).await?;
        let own = match viewer {
            Viewer::Resident(c) => {
                view.row.reporter_fiscal_code.as_deref() == Some(c.fiscal_code.as_str())
            }
            Viewer::Public => false,
        };
        Ok(all
            .into_iter()
            .filter(|p| own || p.review == 1)
            .map(|p| ReportPhoto {
                position: p.position,
                description: p.description,
                review: p.review,
            })
            .collect())
    }

    /// Every photo of a report, for the office.
    pub async fn office_photos(
        &self,
        staff: &StaffPrincipal,
        view: &ReportView,
    ) -> Result<Vec<ReportPhoto>, AppError> {
        let ente = staff_ente(staff, Permission::HandleReports)?;
        let all = self.store().tenant(ente).report_photos(view.row.id).await?;
        Ok(all
            .into_iter()
            .map(|p| ReportPhoto {
                position: p.position,
                description: p.description,
                review: p.review,
            })
            .collect())
    }

    /// One photo's bytes and media type, if this viewer may see it (the office: `staff`).
    pub async fn photo(
        &self,
        ente: EnteId,
        year: i64,
        number: i64,
        position: i64,
        viewer: Viewer<'_>,
        staff: Option<&StaffPrincipal>,
    ) -> Result<(Vec<u8>, String), AppError> {
        let view = self.by_number(ente, year, number).await?;
        let office =
            staff.is_some_and(|s| s.ente == Some(ente) && may(&s.roles, Permission::HandleReports));
        let all = self.store().tenant(ente).report_photos(view.row.id).await?;
        let own = match viewer {
            Viewer::Resident(c) => {
                view.row.reporter_fiscal_code.as_deref() == Some(c.fiscal_code.as_str())
            }
            Viewer::Public => false,
        };
        let photo = all
            .into_iter()
            .find(|p| p.position == position && (office || own || p.review == 1))
            .ok_or(AppError::NotFound)?;
        let blobs = self.app.blobs.clone();
        let digest = photo.digest.clone();
        let bytes = tokio::task::spawn_blocking(move || blobs.get(&digest))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|_| AppError::NotFound)?;
        Ok((bytes, photo.media_type))
    }

    /// The office approves a photo for the public, or refuses it (a face, a number plate,
    /// anything personal): the reporter and the office still see it.
    pub async fn review_photo(
        &self,
        staff: &StaffPrincipal,
        year: i64,
        number: i64,
        position: i64,
        approve: bool,
    ) -> Result<(), AppError> {
        let ente = staff_ente(staff, Permission::HandleReports)?;
        let view = self.by_number(ente, year, number).await?;
        let found = self
            .store()
            .tenant(ente)
            .review_report_photo(
                view.row.id,
                position,
                if approve { 1 } else { -1 },
                &staff.username,
                to_millis(self.app.now()),
            )
            .await?;
        if found {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The ente's offices (to route a report to, or a category).
    pub async fn offices(&self, ente: EnteId) -> Result<Vec<sportello_store::OfficeRow>, AppError> {
        Ok(self.store().tenant(ente).offices().await?)
    }

    /// One of the ente's reports by its id, as pages read it.
    async fn view_by_id(&self, ente: EnteId, id: i64) -> Result<ReportView, AppError> {
        let row = self
            .store()
            .tenant(ente)
            .report_by_id(id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.view(ente, row).await
    }

    /// A row as pages read it.
    async fn view(&self, ente: EnteId, row: ReportRow) -> Result<ReportView, AppError> {
        let category = reports::category(&row.category)
            .ok_or_else(|| AppError::Internal(format!("unknown category {}", row.category)))?;
        let state =
            ReportState::parse(&row.state).map_err(|e| AppError::Internal(e.to_string()))?;
        let place = Place {
            address: row.street.as_ref().map(|s| Address {
                street: s.clone(),
                folded: row.street_folded.clone().unwrap_or_default(),
                number: row.house_number.clone(),
            }),
            point: row.lat.zip(row.lon).map(|(lat, lon)| Point { lat, lon }),
        };
        let district = match row.district_id {
            Some(id) => self
                .store()
                .tenant(ente)
                .report_districts()
                .await?
                .into_iter()
                .find(|d| d.id == id)
                .map(|d| d.name),
            None => None,
        };
        let office = match &row.office_code {
            Some(code) => self
                .store()
                .tenant(ente)
                .offices()
                .await?
                .into_iter()
                .find(|o| &o.code == code)
                .map(|o| o.name),
            None => None,
        };
        let due = time::Date::parse(
            &row.due_date,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok();
        let today = sportello_domain::calendar::in_rome(self.app.now()).date();
        let overdue = state.is_open() && due.is_some_and(|d| d < today);
        let public_name = if row.anonymous != 0 {
            None
        } else {
            row.reporter_name.as_deref().and_then(public_name)
        };
        Ok(ReportView {
            code: format!("{}-{:04}", row.year, row.number),
            row,
            category,
            state,
            place,
            district,
            office,
            due,
            overdue,
            public_name,
        })
    }
}

/// At most three photos, each a PNG or JPEG (by content) of at most 5 MB, with its text.
#[allow(clippy::type_complexity)]
fn checked_photos(
    photos: &[(crate::blobs::Upload, String)],
) -> Result<Vec<(crate::blobs::Upload, crate::blobs::FileKind, String)>, ReportProblem> {
    if photos.len() > MAX_PHOTOS {
        return Err(ReportProblem::Photo(MAX_PHOTOS + 1, PhotoProblem::TooMany));
    }
    let mut out = Vec::with_capacity(photos.len());
    for (i, (upload, alt)) in photos.iter().enumerate() {
        let n = i + 1;
        if upload.size() > PHOTO_MAX_BYTES {
            return Err(ReportProblem::Photo(n, PhotoProblem::TooLarge));
        }
        let kind = upload
            .kind()
            .ok()
            .filter(|k| {
                matches!(
                    k,
                    crate::blobs::FileKind::Png | crate::blobs::FileKind::Jpeg
                )
            })
            .ok_or(ReportProblem::Photo(n, PhotoProblem::NotAnImage))?;
        let alt = alt.trim();
        if alt.is_empty() || alt.chars().count() > 300 {
            return Err(ReportProblem::Photo(n, PhotoProblem::AltMissing));
        }
        out.push((upload.clone(), kind, alt.to_owned()));
    }
    Ok(out)
}

/// «05/01/2027».
fn italian_date(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// «Mario Rossi» → «Mario R.»: enough to say a person reported it, not who.
fn public_name(full: &str) -> Option<String> {
    let mut words = full.split_whitespace();
    let first = words.next()?;
    let initial = words.last().and_then(|w| w.chars().next());
    Some(match initial {
        Some(i) => format!("{first} {}.", i.to_uppercase()),
        None => first.to_string(),
    })
}

fn key_digest(key: &str) -> String {
    crate::crypto::sha256_hex(key.as_bytes())
}

impl From<ReportProblem> for AppError {
    fn from(p: ReportProblem) -> Self {
        AppError::Report(p)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_public_sees_a_first_name_and_an_initial() {
        assert_eq!(
            super::public_name("Mario Rossi").as_deref(),
            Some("Mario R.")
        );
        assert_eq!(
            super::public_name("Anna Maria de' Medici").as_deref(),
            Some("Anna M.")
        );
        assert_eq!(super::public_name("Mario").as_deref(), Some("Mario"));
        assert_eq!(super::public_name("  ").as_deref(), None);
    }
}

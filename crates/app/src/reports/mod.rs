//! Reports (segnalazioni, issue 20): a resident reports a problem in a place; it is routed to
//! the office of its category and to the district of its place, numbered, given a term from the
//! category's days on the ente's legal calendar, registered in the protocol when the category
//! says so, and followed on a public timeline until the office resolves or closes it — and the
//! reporter may say it is not solved. Residents who see the same problem support the report
//! instead of filing another. Civic apps file and read reports through Open311 GeoReport v2 with
//! a key the ente's administrator issued.

mod office;
mod photos;
mod resident;
mod setup;
mod unsigned;

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

/// The names a report's page shows for its district and office: (id, name) and (code, name).
#[derive(Debug, Clone, Default)]
pub(super) struct Names {
    districts: Vec<(i64, String)>,
    offices: Vec<(String, String)>,
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

/// A month of the districts' view.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthRow {
    /// The month's first day.
    pub month: time::Date,
    pub received: i64,
    /// Of those received that month, how many are resolved, and the mean days it took.
    pub resolved: i64,
    pub mean_days: Option<f64>,
}

/// The districts' view, for the whole ente or one district: by category and district, by month
/// (the last twelve, in Rome time), and the streets with most reports.
#[derive(Debug, Clone, Default)]
pub struct DistrictView {
    pub counts: ReportCounts,
    pub months: Vec<MonthRow>,
    /// (street, reports, of them open), the most reported first.
    pub streets: Vec<(String, i64, i64)>,
    /// The ente's districts (to choose another).
    pub districts: Vec<District>,
}

/// How many streets the districts' view lists.
pub const VIEW_STREETS: i64 = 15;

/// A page of reports and where the next starts.
#[derive(Debug, Clone)]
pub struct ReportPage {
    pub reports: Vec<ReportView>,
    /// The cursor of the next page, in the list's order ([`ListFilter::after`]).
    pub next: Option<String>,
}

/// A list's order, as a page's «ordina per» names it.
pub use sportello_store::ReportOrder;

/// The cursor after `row` in `order`: `id`, `due.id` or `supports.id`.
fn cursor_of(order: ReportOrder, row: &ReportRow) -> String {
    match order {
        ReportOrder::Newest => row.id.to_string(),
        ReportOrder::Due => format!("{}.{}", row.due_date, row.id),
        ReportOrder::Supports => format!("{}.{}", row.supports, row.id),
    }
}

/// A cursor read back; `None` (the first page) when it is not one of `order`'s.
fn cursor_from(order: ReportOrder, text: &str) -> Option<sportello_store::ReportAfter> {
    use sportello_store::ReportAfter;
    let text = text.trim();
    match order {
        ReportOrder::Newest => text.parse().ok().map(|id| ReportAfter::Newest { id }),
        ReportOrder::Due => {
            let (due, id) = text.rsplit_once('.')?;
            // A date as the terms write it, so the comparison is the calendar's.
            time::Date::parse(due, &time::format_description::well_known::Iso8601::DATE).ok()?;
            Some(ReportAfter::Due {
                due_date: due.to_string(),
                id: id.parse().ok()?,
            })
        }
        ReportOrder::Supports => {
            let (supports, id) = text.split_once('.')?;
            Some(ReportAfter::Supports {
                supports: supports.parse().ok()?,
                id: id.parse().ok()?,
            })
        }
    }
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
    pub order: ReportOrder,
    /// Where the page starts: a [`ReportPage::next`] of the same order (anything else is the
    /// first page).
    pub after: Option<String>,
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
    pub(super) fn store(&self) -> &Store {
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
        let districts = self.districts(ente).await?;
        let place = place.filter(|p| match p.point {
            Some(point) if !reports::within_territory(&districts, point) => {
                problems.push(PlaceError::OutsideTerritory.into());
                false
            }
            _ => true,
        });
        match (category, text, place, photos) {
            (Some(category), Some(text), Some(place), Some(photos)) if problems.is_empty() => {
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
        let names = self.names(ente).await?;
        let mut views = Vec::new();
        for row in rows {
            let view = self.view_named(&names, row)?;
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
    pub(super) async fn file_in(
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
    pub(super) async fn register(
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
        let digest = self
            .app
            .blobs
            .put(pdf)
            .await
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

    /// The ente's reports as filtered, in the order asked (newest first unless said), one page.
    pub async fn list(&self, ente: EnteId, f: &ListFilter) -> Result<ReportPage, AppError> {
        let nothing = Ok(ReportPage {
            reports: Vec::new(),
            next: None,
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
                // Open311 names several at once, separated by commas.
                categories: f
                    .category
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .take(20)
                    .map(str::to_string)
                    .collect(),
                district_id: f.district,
                office_code: f.office.clone(),
                from_ms: f.from_ms,
                to_ms: f.to_ms,
                order: f.order,
                after: f.after.as_deref().and_then(|c| cursor_from(f.order, c)),
                limit: limit + 1,
            })
            .await?;
        let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
        let names = self.names(ente).await?;
        let mut reports = Vec::with_capacity(rows.len());
        for row in rows.into_iter().take(usize::try_from(limit).unwrap_or(200)) {
            reports.push(self.view_named(&names, row)?);
        }
        let next = if more {
            reports.last().map(|r| cursor_of(f.order, &r.row))
        } else {
            None
        };
        Ok(ReportPage { reports, next })
    }

    /// The ente's offices (to route a report to, or a category).
    pub async fn offices(&self, ente: EnteId) -> Result<Vec<sportello_store::OfficeRow>, AppError> {
        Ok(self.store().tenant(ente).offices().await?)
    }

    /// One of the ente's reports by its id, as pages read it.
    pub(super) async fn view_by_id(&self, ente: EnteId, id: i64) -> Result<ReportView, AppError> {
        let row = self
            .store()
            .tenant(ente)
            .report_by_id(id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.view(ente, row).await
    }

    /// Every report of the ente, oldest first, for its open-data table.
    pub async fn all_for_open_data(&self, ente: EnteId) -> Result<Vec<ReportView>, AppError> {
        let names = self.names(ente).await?;
        self.store()
            .tenant(ente)
            .reports_all()
            .await?
            .into_iter()
            .map(|row| self.view_named(&names, row))
            .collect()
    }

    /// A row as pages read it.
    pub(super) async fn view(&self, ente: EnteId, row: ReportRow) -> Result<ReportView, AppError> {
        let names = self.names(ente).await?;
        self.view_named(&names, row)
    }

    /// The ente's districts' and offices' names, read once for a list of reports.
    pub(super) async fn names(&self, ente: EnteId) -> Result<Names, AppError> {
        let tenant = self.store().tenant(ente);
        Ok(Names {
            districts: tenant
                .report_districts()
                .await?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect(),
            offices: tenant
                .offices()
                .await?
                .into_iter()
                .map(|o| (o.code, o.name))
                .collect(),
        })
    }

    /// A row as pages read it, with the names already read.
    pub(super) fn view_named(&self, names: &Names, row: ReportRow) -> Result<ReportView, AppError> {
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
        let district = row.district_id.and_then(|id| {
            names
                .districts
                .iter()
                .find(|(d, _)| *d == id)
                .map(|(_, n)| n.clone())
        });
        let office = row.office_code.as_ref().and_then(|code| {
            names
                .offices
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, n)| n.clone())
        });
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
pub(crate) fn italian_date(d: time::Date) -> String {
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

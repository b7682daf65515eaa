//! The municipality's own pages (Designers Italia municipal model): contacts, each office's
//! page, the privacy notice of the site and of each service (GDPR art. 13), the cookie notice,
//! the accessibility statement and the legal notes; and the administrators' forms that edit
//! the ente's part of them. What an ente leaves empty shows the regional default.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::ente_pages::ProfileInput;
use sportello_app::model::EnteRow;
use sportello_app::model::{EnteProfileRow, OfficeDetails, OfficeRow};
use sportello_app::AppError;

use super::services::{ente_or_404, fill};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render, render_status};
use crate::extract::{Administers, CsrfFields, EnteStaff};

/// The ente's contacts as pages show them: the ente's own, else the region's words.
pub struct ContactsView {
    pub address: String,
    pub phone: String,
    pub email: String,
    pub pec: String,
    pub hours: String,
}

fn or_default(ctx: &Ctx, value: &str, key: &str) -> String {
    if value.trim().is_empty() {
        ctx.t(key).to_owned()
    } else {
        value.to_owned()
    }
}

fn contacts_view(ctx: &Ctx, p: &EnteProfileRow) -> ContactsView {
    ContactsView {
        address: or_default(ctx, &p.address, "contacts.default_address"),
        phone: p.phone.clone(),
        email: p.email.clone(),
        pec: p.pec.clone(),
        hours: or_default(ctx, &p.hours, "contacts.default_hours"),
    }
}

async fn ente_and_profile(ctx: &Ctx, slug: &str) -> Result<(EnteRow, EnteProfileRow), Response> {
    let ente = ente_or_404(ctx, slug).await?;
    let profile = ctx
        .state
        .app
        .ente_profile(ente.ente_id())
        .await
        .map_err(|e| page_for(ctx, e))?;
    Ok((ente, profile))
}

#[derive(Template)]
#[template(path = "ente_contacts.html")]
struct ContactsPage {
    page: Page,
    slug: String,
    contacts: ContactsView,
    offices: Vec<OfficeRow>,
}

pub async fn contacts(ctx: Ctx, Path(slug): Path<String>) -> Response {
    let (ente, profile) = match ente_and_profile(&ctx, &slug).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let offices = match ctx.state.app.office_pages(ente.ente_id()).await {
        Ok(o) => o,
        Err(e) => return page_for(&ctx, e),
    };
    render(&ContactsPage {
        page: ctx.page_for_ente(ctx.t("contacts.title"), &ente.name, &ente.slug),
        slug: ente.slug.clone(),
        contacts: contacts_view(&ctx, &profile),
        offices,
    })
}

#[derive(Template)]
#[template(path = "ente_office.html")]
struct OfficePage {
    page: Page,
    slug: String,
    office: OfficeRow,
    /// The ente's contacts, where the office gives none of its own.
    contacts: ContactsView,
    /// (id, title) of the services this office handles.
    services: Vec<(String, String)>,
}

pub async fn office(ctx: Ctx, Path((slug, code)): Path<(String, String)>) -> Response {
    let (ente, profile) = match ente_and_profile(&ctx, &slug).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let app = &ctx.state.app;
    let catalogue = app.catalogue();
    let (offices, services) = match tokio::try_join!(
        app.office_pages(ente.ente_id()),
        catalogue.offered_services(ente.ente_id())
    ) {
        Ok(x) => x,
        Err(e) => return page_for(&ctx, e),
    };
    let Some(office) = offices.into_iter().find(|o| o.code == code) else {
        return crate::errors::not_found(&ctx);
    };
    let services = services
        .iter()
        .filter(|s| {
            s.overrides
                .office
                .as_deref()
                .unwrap_or(&s.definition.scheda.office)
                == office.code
        })
        .map(|s| (s.definition.id.clone(), s.definition.title.clone()))
        .collect();
    render(&OfficePage {
        page: ctx.page_for_ente(office.name.clone(), &ente.name, &ente.slug),
        slug: ente.slug.clone(),
        contacts: contacts_view(&ctx, &profile),
        office,
        services,
    })
}

/// A section of an information page: a heading, paragraphs, a list, links.
pub struct InfoSection {
    pub id: &'static str,
    pub title: String,
    /// The Designers Italia `data-element` the section carries, if any.
    pub data_element: Option<&'static str>,
    pub paragraphs: Vec<String>,
    pub items: Vec<String>,
    /// (href, text)
    pub links: Vec<(String, String)>,
}

impl InfoSection {
    fn new(id: &'static str, title: impl Into<String>) -> Self {
        Self {
            id,
            title: title.into(),
            data_element: None,
            paragraphs: Vec::new(),
            items: Vec::new(),
            links: Vec::new(),
        }
    }

    fn text(mut self, p: impl Into<String>) -> Self {
        self.paragraphs.push(p.into());
        self
    }

    fn items(mut self, items: Vec<String>) -> Self {
        self.items = items;
        self
    }

    fn link(mut self, href: impl Into<String>, text: impl Into<String>) -> Self {
        self.links.push((href.into(), text.into()));
        self
    }

    fn element(mut self, e: &'static str) -> Self {
        self.data_element = Some(e);
        self
    }
}

#[derive(Template)]
#[template(path = "ente_info.html")]
struct InfoPage {
    page: Page,
    lead: String,
    sections: Vec<InfoSection>,
    /// When the ente last changed its part of the page.
    updated: Option<String>,
}

fn info(
    ctx: &Ctx,
    ente: &EnteRow,
    title: &str,
    lead: String,
    sections: Vec<InfoSection>,
) -> Response {
    render(&InfoPage {
        page: ctx.page_for_ente(title.to_owned(), &ente.name, &ente.slug),
        lead,
        sections,
        updated: None,
    })
}

/// The controller and the data protection officer, as every privacy notice names them.
fn controller_sections(ctx: &Ctx, ente: &EnteRow, p: &EnteProfileRow) -> Vec<InfoSection> {
    let mut controller = InfoSection::new("titolare", ctx.t("privacy.controller"))
        .text(fill(ctx.t("privacy.controller_text"), &[&ente.name]));
    if !p.pec.is_empty() {
        controller = controller.link(format!("mailto:{}", p.pec), p.pec.clone());
    }
    let dpo = if p.dpo.is_empty() && p.dpo_email.is_empty() {
        InfoSection::new("rpd", ctx.t("privacy.dpo"))
            .text(ctx.t("privacy.dpo_default"))
            .link(format!("/{}/contatti", ente.slug), ctx.t("contacts.title"))
    } else {
        let mut s = InfoSection::new("rpd", ctx.t("privacy.dpo"));
        if !p.dpo.is_empty() {
            s = s.text(p.dpo.clone());
        }
        if !p.dpo_email.is_empty() {
            s = s.link(format!("mailto:{}", p.dpo_email), p.dpo_email.clone());
        }
        s
    };
    vec![controller, dpo]
}

fn rights_sections(ctx: &Ctx) -> Vec<InfoSection> {
    vec![
        InfoSection::new("diritti", ctx.t("privacy.rights"))
            .text(ctx.t("privacy.rights_text"))
            .items(
                [
                    "privacy.right_access",
                    "privacy.right_rectification",
                    "privacy.right_erasure",
                    "privacy.right_restriction",
                    "privacy.right_objection",
                ]
                .iter()
                .map(|k| ctx.t(k).to_owned())
                .collect(),
            ),
        InfoSection::new("reclamo", ctx.t("privacy.complaint"))
            .text(ctx.t("privacy.complaint_text"))
            .link(
                "https://www.garanteprivacy.it",
                "Garante per la protezione dei dati personali",
            ),
    ]
}

/// The site's privacy notice: what the portal itself processes.
pub async fn privacy(ctx: Ctx, Path(slug): Path<String>) -> Response {
    let (ente, p) = match ente_and_profile(&ctx, &slug).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut sections = controller_sections(&ctx, &ente, &p);
    sections.push(
        InfoSection::new("dati", ctx.t("privacy.site_data"))
            .text(ctx.t("privacy.site_data_text"))
            .items(vec![
                ctx.t("privacy.site_data_session").to_owned(),
                ctx.t("privacy.site_data_logs").to_owned(),
                ctx.t("privacy.site_data_applications").to_owned(),
            ]),
    );
    sections.push(
        InfoSection::new("responsabile", ctx.t("privacy.processor")).text(fill(
            ctx.t("privacy.processor_text"),
            &[&ctx.state.app.settings.region.name],
        )),
    );
    sections.extend(rights_sections(&ctx));
    sections.push(
        InfoSection::new("cookie", ctx.t("cookies.title"))
            .link(format!("/{}/cookie", ente.slug), ctx.t("cookies.title")),
    );
    info(
        &ctx,
        &ente,
        ctx.t("privacy.title"),
        ctx.t("privacy.site_lead").into(),
        sections,
    )
}

/// The privacy notice of one service (GDPR art. 13), linked from every step of its form.
pub async fn service_privacy(ctx: Ctx, Path((slug, id)): Path<(String, String)>) -> Response {
    let (ente, p) = match ente_and_profile(&ctx, &slug).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let service = match ctx
        .state
        .app
        .catalogue()
        .offered_service(ente.ente_id(), &id)
        .await
    {
        Ok(s) => s,
        Err(e) => return page_for(&ctx, e),
    };
    let d = &service.definition;
    let n = &d.privacy;
    let mut sections = controller_sections(&ctx, &ente, &p);
    let purpose = if n.purpose.is_empty() {
        fill(ctx.t("privacy.purpose_default"), &[&d.title])
    } else {
        n.purpose.clone()
    };
    sections.push(
        InfoSection::new("finalita", ctx.t("privacy.purpose"))
            .text(purpose)
            .text(ctx.t("privacy.basis_text"))
            .items(d.scheda.legal_basis.clone()),
    );
    let mut data: Vec<String> = d
        .form
        .fields()
        .filter(|f| !f.identity_document)
        .map(|f| f.label.clone())
        .collect();
    data.extend(n.data.iter().cloned());
    sections.push(
        InfoSection::new("dati", ctx.t("privacy.data"))
            .text(ctx.t("privacy.data_text"))
            .items(data),
    );
    let mut recipients = InfoSection::new("destinatari", ctx.t("privacy.recipients"))
        .text(ctx.t("privacy.recipients_text"));
    if !n.recipients.is_empty() {
        recipients = recipients.items(n.recipients.clone());
    }
    sections.push(recipients);
    sections.push(
        InfoSection::new("conservazione", ctx.t("privacy.retention")).text(
            if n.retention.is_empty() {
                ctx.t("privacy.retention_default").to_owned()
            } else {
                n.retention.clone()
            },
        ),
    );
    sections.push(
        InfoSection::new("obbligo", ctx.t("privacy.required")).text(ctx.t("privacy.required_text")),
    );
    sections.extend(rights_sections(&ctx));
    let title = format!("{} — {}", ctx.t("privacy.service_title"), d.title);
    let lead = fill(ctx.t("privacy.service_lead"), &[&d.title]);
    render(&InfoPage {
        page: ctx.page_for_ente(title, &ente.name, &ente.slug),
        lead,
        sections,
        updated: None,
    })
}

/// The cookies Sportello sets: technical ones only, no profiling, no third parties.
pub async fn cookies(ctx: Ctx, Path(slug): Path<String>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let sections = vec![
        InfoSection::new("tecnici", ctx.t("cookies.technical")).items(vec![
            format!(
                "{} — {}",
                crate::context::SESSION_COOKIE,
                ctx.t("cookies.session")
            ),
            format!(
                "{} — {}",
                crate::context::PRE_SESSION_COOKIE,
                ctx.t("cookies.pre_session")
            ),
            format!(
                "{} — {}",
                crate::context::LANG_COOKIE,
                ctx.t("cookies.lang")
            ),
            format!("sportello_flow_… — {}", ctx.t("cookies.flow")),
        ]),
        InfoSection::new("nessun-altro", ctx.t("cookies.none_else"))
            .text(ctx.t("cookies.none_else_text")),
    ];
    info(
        &ctx,
        &ente,
        ctx.t("cookies.title"),
        ctx.t("cookies.lead").into(),
        sections,
    )
}

/// The accessibility statement: the ente's, published with AgID's form, or the product's own
/// account of how it is checked, with the feedback mechanism and the way to complain.
pub async fn accessibility(ctx: Ctx, Path(slug): Path<String>) -> Response {
    let (ente, p) = match ente_and_profile(&ctx, &slug).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut statement = InfoSection::new("dichiarazione", ctx.t("a11y.statement"));
    statement = if p.accessibility_url.is_empty() {
        statement.text(fill(ctx.t("a11y.statement_pending"), &[&ente.name]))
    } else {
        statement
            .text(fill(ctx.t("a11y.statement_agid"), &[&ente.name]))
            .link(p.accessibility_url.clone(), ctx.t("a11y.statement_link"))
    };
    let feedback_to = if p.email.is_empty() {
        InfoSection::new("segnalazioni", ctx.t("a11y.feedback"))
            .text(ctx.t("a11y.feedback_text"))
            .link(format!("/{}/contatti", ente.slug), ctx.t("contacts.title"))
    } else {
        InfoSection::new("segnalazioni", ctx.t("a11y.feedback"))
            .text(ctx.t("a11y.feedback_text"))
            .link(format!("mailto:{}", p.email), p.email.clone())
    };
    let sections = vec![
        statement,
        InfoSection::new("conformita", ctx.t("a11y.conformance"))
            .text(ctx.t("a11y.conformance_text")),
        feedback_to,
        InfoSection::new("difensore", ctx.t("a11y.enforcement"))
            .text(ctx.t("a11y.enforcement_text"))
            .link(
                "https://www.agid.gov.it/it/design-servizi/accessibilita",
                "AgID — Accessibilità",
            ),
    ];
    info(
        &ctx,
        &ente,
        ctx.t("a11y.title"),
        ctx.t("a11y.lead").into(),
        sections,
    )
}

/// The legal notes, with the licence of the contents the municipal model requires.
pub async fn legal_notes(ctx: Ctx, Path(slug): Path<String>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let sections = vec![
        InfoSection::new("licenza", "Licenza dei contenuti")
            .element("legal-notes-section")
            .text(LICENCE_TEXT),
        InfoSection::new("software", ctx.t("legal.software")).text(ctx.t("legal.software_text")),
        InfoSection::new("responsabilita", ctx.t("legal.liability"))
            .text(ctx.t("legal.liability_text")),
    ];
    info(&ctx, &ente, ctx.t("legal.title"), String::new(), sections)
}

/// The licence statement of the municipal model's legal notes, word for word: AgID's
/// conformance validator compares it (pa-website-validator, `src/storage/common/legalNotes.ts`,
/// BSD-3-Clause; see `../shared/specs/designers-italia/`). Italian in both languages: it is the
/// legal text.
pub const LICENCE_TEXT: &str = "In applicazione del principio open by default ai sensi dell’articolo 52 del decreto legislativo 7 marzo 2005, n. 82 (CAD) e salvo dove diversamente specificato (compresi i contenuti incorporati di terzi), i dati, i documenti e le informazioni pubblicati sul sito sono rilasciati con licenza CC-BY 4.0. Gli utenti sono quindi liberi di condividere (riprodurre, distribuire, comunicare al pubblico, esporre in pubblico), rappresentare, eseguire e recitare questo materiale con qualsiasi mezzo e formato e modificare (trasformare il materiale e utilizzarlo per opere derivate) per qualsiasi fine, anche commerciale con il solo onere di attribuzione, senza apporre restrizioni aggiuntive.";

// ---- The administrators' forms ----

#[derive(Template)]
#[template(path = "staff_ente.html")]
struct ProfileForm {
    page: Page,
    slug: String,
    values: ProfileInput,
    offices: Vec<OfficeRow>,
    error: Option<String>,
    saved: bool,
    updated: Option<String>,
    /// The ente's creditor data for pagoPA, as saved or as typed.
    creditor: sportello_app::payments::CreditorInput,
    creditor_error: Option<String>,
    /// The creditor field refused, marked invalid in the form.
    creditor_field: Option<&'static str>,
    creditor_saved: bool,
    creditor_updated: Option<String>,
}

impl ProfileForm {
    /// Whether the creditor field was the one refused.
    fn invalid(&self, field: &str) -> bool {
        self.creditor_field == Some(field)
    }
}

async fn staff_ente_row(
    ctx: &Ctx,
    ente: sportello_domain::tenancy::EnteId,
) -> Result<EnteRow, Response> {
    ctx.state
        .app
        .ente_by_id(ente)
        .await
        .map_err(|e| page_for(ctx, e))
}

pub async fn profile_form(
    ctx: Ctx,
    EnteStaff { ente, .. }: EnteStaff<Administers>,
    query: axum::extract::RawQuery,
) -> Response {
    profile_page(&ctx, ente, query.0.as_deref(), None).await
}

/// The creditor data as the form shows them (empty when none were set).
fn creditor_input(
    creditor: Option<sportello_app::model::CreditorRow>,
) -> sportello_app::payments::CreditorInput {
    creditor
        .map(|c| sportello_app::payments::CreditorInput {
            fiscal_code: c.fiscal_code,
            segregation_code: c.segregation_code,
            iban: c.iban,
            postal_account: c.postal_account,
            postal_authorisation: c.postal_authorisation,
            cbill: c.cbill,
        })
        .unwrap_or_default()
}

/// The ente's pages and contacts, and its creditor data for pagoPA; `refused`: the creditor
/// data as typed, and why they were refused.
pub(crate) async fn profile_page(
    ctx: &Ctx,
    ente: sportello_domain::tenancy::EnteId,
    query: Option<&str>,
    refused: Option<(
        sportello_app::payments::CreditorInput,
        sportello_app::Refusal,
    )>,
) -> Response {
    let ente = match staff_ente_row(ctx, ente).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let app = &ctx.state.app;
    let payments = app.payments();
    let (p, offices, creditor) = match tokio::try_join!(
        app.ente_profile(ente.ente_id()),
        app.office_pages(ente.ente_id()),
        payments.creditor(ente.ente_id())
    ) {
        Ok(x) => x,
        Err(e) => return page_for(ctx, e),
    };
    let when = |by: &str, at: i64| {
        (!by.is_empty()).then(|| {
            format!(
                "{by}, {}",
                super::services::it_minutes(sportello_app::model::from_millis(at))
            )
        })
    };
    let updated = when(&p.updated_by, p.updated_at);
    let creditor_updated = creditor
        .as_ref()
        .and_then(|c| when(&c.updated_by, c.updated_at));
    let (creditor_values, creditor_error, creditor_field) = match refused {
        Some((input, r)) => (
            input,
            Some(crate::refusals::refusal_message(ctx.lang(), &r)),
            match r {
                sportello_app::Refusal::PaymentDataInvalid { field } => Some(field),
                _ => None,
            },
        ),
        None => (creditor_input(creditor), None, None),
    };
    let status = if creditor_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &ProfileForm {
            page: ctx.page(ctx.t("entepages.title")),
            slug: ente.slug.clone(),
            values: ProfileInput {
                address: p.address,
                phone: p.phone,
                email: p.email,
                pec: p.pec,
                hours: p.hours,
                dpo: p.dpo,
                dpo_email: p.dpo_email,
                accessibility_url: p.accessibility_url,
            },
            offices,
            error: None,
            saved: query == Some("salvato=1"),
            updated,
            creditor: creditor_values,
            creditor_error,
            creditor_field,
            creditor_saved: query == Some("pagamenti=1"),
            creditor_updated,
        },
    )
}

/// A posted field's value, or empty.
pub(crate) fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

pub async fn profile_save(
    ctx: Ctx,
    CsrfFields(EnteStaff { staff, ente, .. }, fields): CsrfFields<EnteStaff<Administers>>,
) -> Response {
    let ente = match staff_ente_row(&ctx, ente).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let input = ProfileInput {
        address: field(&fields, "indirizzo"),
        phone: field(&fields, "telefono"),
        email: field(&fields, "email"),
        pec: field(&fields, "pec"),
        hours: field(&fields, "orari"),
        dpo: field(&fields, "rpd"),
        dpo_email: field(&fields, "rpd_email"),
        accessibility_url: field(&fields, "accessibilita"),
    };
    match ctx.state.app.save_ente_profile(&staff, &input).await {
        Ok(()) => Redirect::to("/staff/ente?salvato=1").into_response(),
        Err(AppError::Refusal(r)) if r.is_input() => {
            let offices = ctx
                .state
                .app
                .office_pages(ente.ente_id())
                .await
                .unwrap_or_default();
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ProfileForm {
                    page: ctx.page(ctx.t("entepages.title")),
                    slug: ente.slug.clone(),
                    values: input,
                    offices,
                    error: Some(crate::refusals::refusal_message(ctx.lang(), &r)),
                    saved: false,
                    updated: None,
                    creditor: creditor_input(
                        ctx.state
                            .app
                            .payments()
                            .creditor(ente.ente_id())
                            .await
                            .ok()
                            .flatten(),
                    ),
                    creditor_error: None,
                    creditor_field: None,
                    creditor_saved: false,
                    creditor_updated: None,
                },
            )
        }
        Err(e) => page_for(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "staff_office.html")]
struct OfficeForm {
    page: Page,
    slug: String,
    code: String,
    name: String,
    values: OfficeDetails,
    error: Option<String>,
    saved: bool,
    /// The ente's staff: (id, name, in this office, the other office they are in).
    people: Vec<(i64, String, bool, Option<String>)>,
    members_saved: bool,
}

/// The ente's staff as the office's page lists them, to choose its people.
async fn office_people(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    code: &str,
    offices: &[sportello_app::model::OfficeRow],
) -> Result<Vec<(i64, String, bool, Option<String>)>, AppError> {
    Ok(ctx
        .state
        .app
        .ente_staff(staff)
        .await?
        .into_iter()
        .map(|(id, name, office)| {
            let here = office.as_deref() == Some(code);
            let elsewhere = office.filter(|o| o != code).map(|o| {
                offices
                    .iter()
                    .find(|x| x.code == o)
                    .map_or(o.clone(), |x| x.name.clone())
            });
            (id, name, here, elsewhere)
        })
        .collect())
}

pub async fn office_form(
    ctx: Ctx,
    Path(code): Path<String>,
    EnteStaff { staff, ente, .. }: EnteStaff<Administers>,
    query: axum::extract::RawQuery,
) -> Response {
    let ente = match staff_ente_row(&ctx, ente).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let offices = match ctx.state.app.office_pages(ente.ente_id()).await {
        Ok(o) => o,
        Err(e) => return page_for(&ctx, e),
    };
    let people = match office_people(&ctx, &staff, &code, &offices).await {
        Ok(p) => p,
        Err(e) => return page_for(&ctx, e),
    };
    let Some(o) = offices.into_iter().find(|o| o.code == code) else {
        return crate::errors::not_found(&ctx);
    };
    render(&OfficeForm {
        people,
        members_saved: query.0.as_deref() == Some("persone=1"),
        page: ctx.page(o.name.clone()),
        slug: ente.slug.clone(),
        code: o.code.clone(),
        name: o.name.clone(),
        values: OfficeDetails {
            description: o.description,
            address: o.address,
            hours: o.hours,
            phone: o.phone,
            email: o.email,
            pec: o.pec,
        },
        error: None,
        saved: query.0.as_deref() == Some("salvato=1"),
    })
}

pub async fn office_save(
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfFields(EnteStaff { staff, ente, .. }, fields): CsrfFields<EnteStaff<Administers>>,
) -> Response {
    let ente = match staff_ente_row(&ctx, ente).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let input = OfficeDetails {
        description: field(&fields, "descrizione"),
        address: field(&fields, "indirizzo"),
        hours: field(&fields, "orari"),
        phone: field(&fields, "telefono"),
        email: field(&fields, "email"),
        pec: field(&fields, "pec"),
    };
    match ctx
        .state
        .app
        .save_office_details(&staff, &code, &input)
        .await
    {
        Ok(()) => Redirect::to(&format!("/staff/ente/uffici/{code}?salvato=1")).into_response(),
        Err(AppError::Refusal(r)) if r.is_input() => {
            let offices = ctx
                .state
                .app
                .office_pages(ente.ente_id())
                .await
                .unwrap_or_default();
            let people = office_people(&ctx, &staff, &code, &offices)
                .await
                .unwrap_or_default();
            let name = offices
                .into_iter()
                .find(|o| o.code == code)
                .map(|o| o.name)
                .unwrap_or_else(|| code.clone());
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &OfficeForm {
                    people,
                    members_saved: false,
                    page: ctx.page(name.clone()),
                    slug: ente.slug.clone(),
                    code: code.clone(),
                    name,
                    values: input,
                    error: Some(crate::refusals::refusal_message(ctx.lang(), &r)),
                    saved: false,
                },
            )
        }
        Err(e) => page_for(&ctx, e),
    }
}

/// The administrator chooses the office's people: those ticked are in it.
pub async fn office_members_save(
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfFields(EnteStaff { staff, .. }, fields): CsrfFields<EnteStaff<Administers>>,
) -> Response {
    let mut members = Vec::new();
    for (k, v) in &fields {
        if k == "persona" {
            match v.parse::<i64>() {
                Ok(id) => members.push(id),
                Err(_) => {
                    return page_for(
                        &ctx,
                        AppError::Refusal(sportello_app::Refusal::MemberUnknown),
                    )
                }
            }
        }
    }
    match ctx
        .state
        .app
        .save_office_members(&staff, &code, &members)
        .await
    {
        Ok(()) => {
            Redirect::to(&format!("/staff/ente/uffici/{code}?persone=1#persone")).into_response()
        }
        Err(e) => page_for(&ctx, e),
    }
}

// ---- The municipality's site search ----

#[derive(serde::Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// One thing found: (href, title, a line about it).
type Found = (String, String, String);

#[derive(Template)]
#[template(path = "ente_search.html")]
struct SearchPage {
    page: Page,
    slug: String,
    q: String,
    services: Vec<Found>,
    offices: Vec<Found>,
    processes: Vec<Found>,
    contacts: ContactsView,
}

/// One search box for the municipality's site: its services, its offices, its participatory
/// budgets (and, when they exist, its acts).
pub async fn search(
    ctx: Ctx,
    Path(slug): Path<String>,
    query: Result<axum::extract::Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let query = query.map(|q| q.0).unwrap_or_default();
    let (ente, profile) = match ente_and_profile(&ctx, &slug).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let text: String = query.q.chars().take(100).collect();
    let q = sportello_domain::search::Query::parse(&text, sportello_app::catalogue::synonyms());
    let app = &ctx.state.app;
    let catalogue = app.catalogue();
    let participation = app.participation();
    let (services, offices, processes) = match tokio::try_join!(
        catalogue.offered_services(ente.ente_id()),
        app.office_pages(ente.ente_id()),
        participation.pb_processes(&ente)
    ) {
        Ok(x) => x,
        Err(e) => return page_for(&ctx, e),
    };
    let found = |t: &str| !q.is_empty() && q.finds(&sportello_domain::search::terms(t));
    let services = services
        .iter()
        .map(|s| &s.definition)
        .filter(|d| !q.is_empty() && q.finds(&super::services::service_terms_in(d, ctx.lang())))
        .map(|d| {
            (
                format!("/{}/servizi/{}", ente.slug, d.id),
                d.title.clone(),
                d.summary.clone(),
            )
        })
        .collect();
    let offices = offices
        .into_iter()
        .filter(|o| found(&format!("{} {}", o.name, o.description)))
        .map(|o| {
            (
                format!("/{}/uffici/{}", ente.slug, o.code),
                o.name,
                o.description,
            )
        })
        .collect();
    let processes = processes
        .into_iter()
        .filter(|p| {
            found(&format!(
                "{} {} bilancio partecipativo",
                p.title, p.description
            ))
        })
        .map(|p| {
            (
                format!("/{}/bilancio-partecipativo/{}", ente.slug, p.slug),
                p.title,
                p.description,
            )
        })
        .collect();
    render(&SearchPage {
        page: ctx.page_for_ente(ctx.t("search.title"), &ente.name, &ente.slug),
        slug: ente.slug.clone(),
        q: text,
        services,
        offices,
        processes,
        contacts: contacts_view(&ctx, &profile),
    })
}

//! The receipt of a filed application, as a page and as a PDF: its registration, the term and
//! its end, the office, the fees and their payment notice, the files, the register's codes
//! folded for whoever verifies, and the withdrawal.

use askama::Template;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sportello_app::applications::Receipt;
use sportello_app::pdf::{render as render_pdf, Line};
use sportello_domain::forms::FieldKind;
use sportello_domain::procedure::ApplicationStatus;

use super::apply::{fee_lines, fees_total, load};
use super::services::{office_name, rome_time, term_text};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render};

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    page: Page,
    slug: String,
    receipt: Receipt,
    registered_at: String,
    service_title: String,
    term: String,
    office: String,
    /// (field, file name, description, digest)
    files: Vec<(String, String, String, String)>,
    withdrawable: bool,
    withdrawn: bool,
    /// The due date, dd/mm/yyyy.
    due: Option<String>,
    /// The service's fees: (reason, amount).
    fees: Vec<(String, String)>,
    fees_total: String,
    /// The fees' position, once its notice was made.
    debt: Option<super::payments::DebtView>,
    /// Whether the ente takes pagoPA payments.
    payments_active: bool,
    /// The cases the filing opened besides its own (procedimento unico).
    related: Vec<super::related::RelatedLine>,
}

pub async fn receipt(ctx: Ctx, Path((slug, id)): Path<(String, String)>) -> Response {
    let l = match load(&ctx, &slug, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let r = match ctx
        .state
        .app
        .applications()
        .receipt(l.ente.ente_id(), &id, &l.who)
        .await
    {
        Ok(r) => r,
        Err(e) => return page_for(&ctx, e),
    };
    let d = &l.draft.service.definition;
    let office = match office_name(&ctx, &l.ente, &d.scheda.office).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let (debt, payments_active) = if d.fees.is_empty() {
        (None, false)
    } else {
        let payments = ctx.state.app.payments();
        match tokio::try_join!(
            payments.application_debt(l.ente.ente_id(), &id, &l.who),
            payments.creditor(l.ente.ente_id())
        ) {
            Ok((debt, creditor)) => (
                debt.map(|x| super::payments::debt_view(&ctx, x)),
                creditor.is_some(),
            ),
            Err(e) => return page_for(&ctx, e),
        }
    };
    // The end of the service's flow: how easy was it (Designers Italia, C.SI.2.6).
    let mut page = ctx.page_for_ente(ctx.t("receipt.title"), &l.ente.name, &l.ente.slug);
    page.feedback = page.feedback.map(|f| f.for_service(&d.id));
    render(&ReceiptPage {
        related: super::related::lines(&ctx, &r.parts, &r.application_id, |id| {
            format!("/{slug}/domande/{id}/pratica")
        }),
        fees_total: fees_total(&d.fees),
        fees: fee_lines(&d.fees),
        debt,
        payments_active,
        page,
        slug: slug.clone(),
        registered_at: rome_time(&r.registered_at),
        service_title: d.title.clone(),
        term: term_text(&ctx, d.regime),
        office,
        files: l
            .draft
            .files
            .iter()
            .filter_map(|f| {
                let a = r.attachments.iter().find(|a| a.digest == f.sha256)?;
                // Named by what the form asked for, not by the register's description.
                let label = d
                    .form
                    .field(&f.field)
                    .map_or_else(|| a.description.clone(), |x| x.label.clone());
                Some((
                    f.field.clone(),
                    f.file_name.clone(),
                    label,
                    a.digest.clone(),
                ))
            })
            .collect(),
        withdrawable: l.draft.status == ApplicationStatus::Submitted && r.case_state.may_withdraw(),
        withdrawn: l.draft.status == ApplicationStatus::Withdrawn,
        due: r.due.map(super::services::it_date),
        receipt: r,
    })
}

pub async fn receipt_pdf(ctx: Ctx, Path((slug, id)): Path<(String, String)>) -> Response {
    let l = match load(&ctx, &slug, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let r = match ctx
        .state
        .app
        .applications()
        .receipt(l.ente.ente_id(), &id, &l.who)
        .await
    {
        Ok(r) => r,
        Err(e) => return page_for(&ctx, e),
    };
    let d = &l.draft.service.definition;
    let office = match office_name(&ctx, &l.ente, &d.scheda.office).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let mut lines = vec![
        Line::Title(format!(
            "Comune di {} — {}",
            l.ente.name,
            ctx.t("receipt.pdf_title")
        )),
        Line::Text(ctx.t("receipt.lead").into()),
        Line::Blank,
        Line::Field(
            ctx.t("receipt.number").into(),
            format!("{} / {}", r.number, r.year),
        ),
        Line::Field(ctx.t("receipt.date").into(), rome_time(&r.registered_at)),
        Line::Field("Servizio".into(), d.title.clone()),
        // As registered: for a company or a client, theirs with the person who filed.
        Line::Field("Richiedente".into(), r.correspondent.clone()),
        Line::Field(ctx.t("receipt.term").into(), term_text(&ctx, d.regime)),
    ];
    // The term's end, as the HTML receipt shows it.
    if let Some(due) = r.due {
        lines.push(Line::Field(
            ctx.t("receipt.due").into(),
            super::services::it_date(due),
        ));
    }
    lines.push(Line::Field(ctx.t("receipt.office").into(), office));
    // A filing that started several procedures (procedimento unico) lists them: each with its
    // office, its state and when its term ends.
    if !r.parts.is_empty() {
        lines.push(Line::Heading(ctx.t("bundle.title").into()));
        for p in super::related::lines(&ctx, &r.parts, &r.application_id, |_| String::new()) {
            lines.push(Line::Field(
                p.title,
                format!(
                    "{} — {} — {}: {}",
                    p.office,
                    p.state,
                    ctx.t("receipt.due"),
                    p.due
                ),
            ));
        }
    }
    if !d.fees.is_empty() {
        lines.push(Line::Heading(ctx.t("scheda.cost").into()));
        for f in &d.fees {
            lines.push(Line::Text(format!("{}: {}", f.reason, f.amount)));
        }
    }
    lines.push(Line::Heading(ctx.t("receipt.summary").into()));
    for f in d.form.fields() {
        if d.form.is_visible(f, &l.draft.values)
            && (l.draft.values.contains_key(&f.id) || f.kind == FieldKind::File)
        {
            lines.push(Line::Field(
                f.label.clone(),
                crate::views::shown_value(f, l.draft.values.get(&f.id), &l.draft.files),
            ));
        }
    }
    // What the register holds, for whoever must verify it, after what the person reads.
    lines.extend([
        Line::Heading(ctx.t("receipt.technical").into()),
        Line::Field(ctx.t("receipt.aoo").into(), r.aoo.clone()),
        Line::Field(
            ctx.t("receipt.classification").into(),
            r.classification.clone(),
        ),
        Line::Field(ctx.t("receipt.fascicolo").into(), r.fascicolo.clone()),
        Line::Field(ctx.t("receipt.digest").into(), r.document_digest.clone()),
    ]);
    for a in &r.attachments {
        lines.push(Line::Field(
            format!("{} (SHA-256)", a.description),
            a.digest.clone(),
        ));
    }
    let pdf = render_pdf(&format!("Ricevuta {} {}", r.aoo, r.number), &lines);
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"ricevuta-{}-{}.pdf\"",
                    r.year, r.number
                ),
            ),
        ],
        pdf,
    )
        .into_response()
}

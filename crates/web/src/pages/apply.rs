//! The application journey: steps with "save and continue", uploads, a review page with the
//! declaration under DPR 445/2000, submission, downloads and withdrawal (the receipt, page and
//! PDF, is `receipt.rs`). Every page works without JavaScript; what the person typed is never
//! lost.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Path};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sportello_app::applications::{ApplyError, Draft};
use sportello_app::blobs::FileRefusal;
use sportello_app::model::EnteRow;
use sportello_app::AppError;
use sportello_domain::forms::{ErrorKind, Field, FieldError, FieldKind, FormSchema, Values};
use sportello_domain::identity::CitizenIdentity;
use sportello_domain::procedure::ApplicationStatus;

use super::services::{apply_error, ente_or_404, fill, term_text};
use crate::context::{Ctx, Page};
use crate::errors::{page_for, render_status};
use crate::extract::{CsrfFields, CsrfForm, CsrfMultipart, TheirApplication};

/// The largest request a step may send (its files included).
const STEP_BODY_LIMIT: usize = 40 * 1024 * 1024;

pub(crate) fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .route(
            "/{slug}/domande/{id}/passo/{step}",
            get(step_form)
                .post(step_save)
                .layer(DefaultBodyLimit::max(STEP_BODY_LIMIT)),
        )
        .route("/{slug}/domande/{id}/riepilogo", get(review))
        .route("/{slug}/domande/{id}/invia", post(submit))
        .route(
            "/{slug}/domande/{id}/ricevuta",
            get(super::receipt::receipt),
        )
        .route(
            "/{slug}/domande/{id}/ricevuta.pdf",
            get(super::receipt::receipt_pdf),
        )
        .route("/{slug}/domande/{id}/allegati/{field}", get(download))
        .route("/{slug}/domande/{id}/ritira", post(withdraw))
        .route("/{slug}/domande/{id}/elimina", post(delete_draft))
}

/// Who may work on an application: the signed-in citizen; anyone else is sent to sign in.
// The error is the response to send (a redirect): boxing it would only add an allocation.
#[allow(clippy::result_large_err)]
pub(super) fn citizen_or_sign_in(ctx: &Ctx) -> Result<CitizenIdentity, Response> {
    ctx.citizen()
        .cloned()
        .ok_or_else(|| Redirect::to(&format!("/accedi?torna={}", ctx.req.here)).into_response())
}

pub(super) struct Loaded {
    pub(super) ente: EnteRow,
    pub(super) who: CitizenIdentity,
    pub(super) draft: Draft,
}

pub(super) async fn load(ctx: &Ctx, slug: &str, id: &str) -> Result<Loaded, Response> {
    let who = citizen_or_sign_in(ctx)?;
    let ente = ente_or_404(ctx, slug).await?;
    let mut draft = ctx
        .state
        .app
        .applications()
        .draft(ente.ente_id(), id, &who)
        .await
        .map_err(|e| page_for(ctx, e))?;
    // Shown in the reader's language; what is filed keeps the values, never the labels.
    draft.service.definition = super::services::in_language(ctx, &draft.service.definition);
    Ok(Loaded { ente, who, draft })
}

/// An error message for a field, in the page's language.
pub fn field_message(ctx: &Ctx, kind: &ErrorKind) -> String {
    field_message_in(ctx.lang(), kind)
}

/// An error message for a field, in `lang`.
pub fn field_message_in(lang: crate::Lang, kind: &ErrorKind) -> String {
    let t = |key: &str| crate::i18n::t(lang, key);
    let decimal = |hundredths: i64| {
        let s = format!("{},{:02}", hundredths / 100, (hundredths % 100).abs());
        s.trim_end_matches(",00").to_string()
    };
    let date = super::services::it_date;
    match kind {
        ErrorKind::Required => t("field.required").into(),
        ErrorKind::MustAccept => t("field.must_accept").into(),
        ErrorKind::TooShort(n) => fill(t("field.too_short"), &[&n.to_string()]),
        ErrorKind::TooLong(n) => fill(t("field.too_long"), &[&n.to_string()]),
        ErrorKind::NotANumber => t("field.not_number").into(),
        ErrorKind::BelowMin(v) => fill(t("field.below_min"), &[&decimal(*v)]),
        ErrorKind::AboveMax(v) => fill(t("field.above_max"), &[&decimal(*v)]),
        ErrorKind::NotADate => t("field.not_date").into(),
        ErrorKind::DateTooEarly(d) => fill(t("field.date_too_early"), &[&date(*d)]),
        ErrorKind::DateTooLate(d) => fill(t("field.date_too_late"), &[&date(*d)]),
        ErrorKind::BeforeField(label) => fill(t("field.before_field"), &[label]),
        ErrorKind::NotAnOption => t("field.not_option").into(),
        ErrorKind::NotAnEmail => t("field.not_email").into(),
        ErrorKind::NotAPhone => t("field.not_phone").into(),
        ErrorKind::CodiceFiscale(e) => fill(t("field.invalid_code"), &[&e.to_string()]),
        ErrorKind::PartitaIva(e) => fill(t("field.invalid_code"), &[&e.to_string()]),
        ErrorKind::Iban(e) => fill(t("field.invalid_code"), &[&e.to_string()]),
        ErrorKind::Pattern(p) => fill(t("field.pattern"), &[p]),
        ErrorKind::UnknownField => t("field.unknown").into(),
        ErrorKind::TooFewRows(n) => fill(t("field.too_few_rows"), &[&n.to_string()]),
        ErrorKind::TooManyRows(n) => fill(t("field.too_many_rows"), &[&n.to_string()]),
        ErrorKind::NotRows => t("field.not_rows").into(),
    }
}

/// What a field's error is about, for the error summary: the field's label, or for a cell of
/// a group «Familiare 2 — Codice fiscale».
pub fn error_subject(ctx: &Ctx, form: &FormSchema, id: &str) -> String {
    if let Some(f) = form.field(id) {
        return f.label.clone();
    }
    let mut parts = id.splitn(3, '.');
    let (Some(group), Some(row), Some(column)) = (parts.next(), parts.next(), parts.next()) else {
        return id.to_string();
    };
    let Some(f) = form.field(group) else {
        return id.to_string();
    };
    let column = f
        .columns
        .iter()
        .find(|c| c.id == column)
        .map(|c| c.label.as_str())
        .unwrap_or(column);
    let n = row
        .parse::<usize>()
        .map(|r| r.saturating_add(1))
        .unwrap_or(0);
    format!("{} {n} — {column}", row_label(ctx, f))
}

/// Whether an error's id is the field's own or one of its cells' (`group.row.column`).
fn of_field(error_id: &str, field: &str) -> bool {
    error_id
        .strip_prefix(field)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// What one row of a group is called.
fn row_label(ctx: &Ctx, f: &Field) -> String {
    f.row_label
        .clone()
        .unwrap_or_else(|| ctx.t("group.row").to_string())
}

pub(super) fn file_message(ctx: &Ctx, e: &ApplyError) -> Option<String> {
    Some(match e {
        ApplyError::File(FileRefusal::Empty) => ctx.t("apply.file_refused_empty").into(),
        ApplyError::File(FileRefusal::UnknownType) => ctx.t("apply.file_refused_type").into(),
        ApplyError::File(FileRefusal::Corrupted) => ctx.t("apply.file_refused_corrupted").into(),
        ApplyError::FileTypeNotAccepted => ctx.t("apply.file_not_accepted").into(),
        ApplyError::FileTooLarge(limit) => fill(
            ctx.t("apply.file_too_large"),
            &[&format!("{} MB", limit / (1024 * 1024))],
        ),
        _ => return None,
    })
}

pub struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct FieldView {
    pub id: String,
    pub label: String,
    pub kind: &'static str,
    pub input_type: &'static str,
    pub required: bool,
    pub hint: Option<String>,
    pub condition: Option<String>,
    pub value: String,
    pub options: Vec<OptionView>,
    pub error: Option<String>,
    pub file: Option<(String, String)>,
    pub accept: String,
    pub autocomplete: &'static str,
    /// The person's identity as SPID or CIE asserted it: shown, not editable.
    pub locked: bool,
    /// The field this one depends on and the values that show it (`a|b`), for the script that
    /// reveals it progressively.
    pub if_field: Option<(String, String)>,
    /// For a group: its rows, the last one blank while more may be added.
    pub rows: Vec<RowView>,
    /// For a group: the button that adds a row, when one may be added.
    pub add_label: Option<String>,
    /// For a group at its limit: the sentence that says so.
    pub full: Option<String>,
}

/// One row of a group: its cells are fields named `group.row.column`.
pub struct RowView {
    pub index: usize,
    pub n: usize,
    pub legend: String,
    pub cells: Vec<FieldView>,
    /// The button that removes the row (none for the blank row).
    pub remove_label: Option<String>,
}

fn group_rows(
    ctx: &Ctx,
    schema: &FormSchema,
    f: &Field,
    mut rows: Vec<Values>,
    draft: &Draft,
    errors: &[(String, String)],
) -> Vec<RowView> {
    let filled = rows.len();
    if filled < f.max_rows() {
        rows.push(Values::new());
    }
    let label = row_label(ctx, f);
    rows.iter()
        .enumerate()
        .map(|(index, row)| RowView {
            index,
            n: index + 1,
            legend: format!("{label} {}", index + 1),
            cells: f
                .columns
                .iter()
                .map(|c| {
                    let mut cell = field_view(ctx, schema, c, row, draft, &[]);
                    cell.id = format!("{}.{index}.{}", f.id, c.id);
                    cell.error = errors
                        .iter()
                        .find(|(id, _)| id == &cell.id)
                        .map(|(_, m)| m.clone());
                    cell
                })
                .collect(),
            remove_label: (index < filled).then(|| {
                fill(
                    ctx.t("group.remove"),
                    &[&format!("{} {}", label.to_lowercase(), index + 1)],
                )
            }),
        })
        .collect()
}

fn field_view(
    ctx: &Ctx,
    schema: &FormSchema,
    f: &Field,
    values: &Values,
    draft: &Draft,
    errors: &[(String, String)],
) -> FieldView {
    let value = values.get(&f.id).cloned().unwrap_or_default();
    let (kind, input_type, autocomplete) = match f.kind {
        FieldKind::Textarea => ("textarea", "", "off"),
        FieldKind::Select => ("select", "", "off"),
        FieldKind::Radio => ("radio", "", "off"),
        FieldKind::Checkbox => ("checkbox", "checkbox", "off"),
        FieldKind::File => ("file", "file", "off"),
        FieldKind::Date => ("input", "date", "off"),
        FieldKind::Email => ("input", "email", "email"),
        FieldKind::Phone => ("input", "tel", "tel"),
        FieldKind::Number | FieldKind::Money => ("input", "text", "off"),
        FieldKind::Address => ("input", "text", "street-address"),
        FieldKind::Group => ("group", "", "off"),
        _ => ("input", "text", "off"),
    };
    // A group's value read once: its rows, and whether another may be added.
    let (rows, room) = if f.kind == FieldKind::Group {
        let filled = sportello_domain::forms::rows_of(&value).unwrap_or_default();
        let room = filled.len() < f.max_rows();
        (group_rows(ctx, schema, f, filled, draft, errors), room)
    } else {
        (Vec::new(), false)
    };
    let condition = f.visible_if.as_ref().map(|c| {
        let controller = schema.field(&c.field);
        let label = controller.map(|cf| cf.label.clone()).unwrap_or_default();
        let choices: Vec<String> = c
            .equals
            .iter()
            .map(|v| {
                controller
                    .and_then(|cf| cf.options.iter().find(|o| &o.value == v))
                    .map(|o| o.label.clone())
                    .unwrap_or_else(|| {
                        if v == "true" || v == "on" {
                            "✓".into()
                        } else {
                            v.clone()
                        }
                    })
            })
            .collect();
        fill(ctx.t("field.only_if"), &[&label, &choices.join(", ")])
    });
    let locked = f.prefill.is_some_and(|p| p.is_identity()) && !value.is_empty();
    FieldView {
        add_label: room.then(|| {
            f.add_label
                .clone()
                .unwrap_or_else(|| fill(ctx.t("group.add"), &[&row_label(ctx, f).to_lowercase()]))
        }),
        full: (f.kind == FieldKind::Group && !room)
            .then(|| fill(ctx.t("group.full"), &[&f.max_rows().to_string()])),
        rows,
        if_field: f
            .visible_if
            .as_ref()
            .map(|c| (c.field.clone(), c.equals.join("|"))),
        locked,
        id: f.id.clone(),
        label: f.label.clone(),
        kind,
        input_type,
        required: f.required,
        hint: f.hint.clone(),
        condition,
        options: f
            .options
            .iter()
            .map(|o| OptionView {
                value: o.value.clone(),
                label: o.label.clone(),
                selected: o.value == value,
            })
            .collect(),
        value: if f.kind == FieldKind::Checkbox {
            FormSchema::normalize(f, &value)
        } else {
            value
        },
        error: errors
            .iter()
            .find(|(id, _)| id == &f.id)
            .map(|(_, m)| m.clone()),
        file: draft
            .files
            .iter()
            .find(|file| file.field == f.id)
            .map(|file| {
                (
                    file.file_name.clone(),
                    format!("{} KB", (file.size + 1023) / 1024),
                )
            }),
        accept: f
            .accept
            .iter()
            .map(|a| a.to_uppercase())
            .collect::<Vec<_>>()
            .join(", "),
        autocomplete,
    }
}

pub struct SectionView {
    pub title: String,
    pub description: Option<String>,
    pub fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "apply_step.html")]
struct StepPage {
    page: Page,
    slug: String,
    id: String,
    service_id: String,
    service_title: String,
    step_no: usize,
    step_label: String,
    steps: Vec<(usize, String, bool)>,
    sections: Vec<SectionView>,
    /// (field id, "Label: message") for the error summary.
    summary: Vec<(String, String)>,
    /// A group's row was just removed.
    removed: bool,
}

fn step_page(
    ctx: &Ctx,
    l: &Loaded,
    step: usize,
    values: &Values,
    errors: Vec<(String, String)>,
) -> Response {
    step_page_said(ctx, l, step, values, errors, false)
}

fn step_page_said(
    ctx: &Ctx,
    l: &Loaded,
    step: usize,
    values: &Values,
    errors: Vec<(String, String)>,
    removed: bool,
) -> Response {
    let form = &l.draft.service.definition.form;
    let Some(current) = form.steps.get(step) else {
        return crate::errors::not_found(ctx);
    };
    let sections: Vec<SectionView> = current
        .sections
        .iter()
        .map(|s| SectionView {
            title: s.title.clone(),
            description: s.description.clone(),
            fields: s
                .fields
                .iter()
                // Never asked online: see `Field::identity_document`.
                .filter(|f| !f.identity_document)
                .map(|f| field_view(ctx, form, f, values, &l.draft, &errors))
                .collect(),
        })
        .collect();
    let summary = errors
        .iter()
        .map(|(id, m)| (id.clone(), format!("{}: {m}", error_subject(ctx, form, id))))
        .collect();
    let title = format!("{} — {}", current.title, l.draft.service.definition.title);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &StepPage {
            page: ctx.page_for_ente(title, &l.ente.name, &l.ente.slug),
            slug: l.ente.slug.clone(),
            id: l.draft.id.clone(),
            service_id: l.draft.service.definition.id.clone(),
            service_title: l.draft.service.definition.title.clone(),
            step_no: step + 1,
            // The review is a step too: the person counts it.
            step_label: fill(
                ctx.t("apply.step"),
                &[&(step + 1).to_string(), &(form.steps.len() + 1).to_string()],
            ),
            steps: form
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| (i + 1, s.title.clone(), i == step))
                .chain(std::iter::once((
                    form.steps.len() + 1,
                    ctx.t("apply.review_step").to_string(),
                    false,
                )))
                .collect(),
            sections,
            summary,
            removed,
        },
    )
}

pub async fn step_form(
    ctx: Ctx,
    Path((slug, id, step)): Path<(String, String, usize)>,
    query: axum::extract::RawQuery,
) -> Response {
    let l = match load(&ctx, &slug, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    if l.draft.status != ApplicationStatus::Draft {
        return Redirect::to(&format!("/{slug}/domande/{id}/ricevuta")).into_response();
    }
    let values = l.draft.values.clone();
    let removed = query.0.as_deref() == Some("rimossa=1");
    step_page_said(&ctx, &l, step.saturating_sub(1), &values, vec![], removed)
}

/// Saves a step (values and files). "Salva e continua" goes on when the step is valid;
/// "Salva ed esci" keeps the draft for later; "Indietro" goes back. Errors re-show the step
/// with everything typed.
pub async fn step_save(
    ctx: Ctx,
    Path((slug, id, step)): Path<(String, String, usize)>,
    CsrfMultipart(TheirApplication(_), mut form): CsrfMultipart<TheirApplication, 40>,
) -> Response {
    form.fields.remove("csrf");
    let action = form
        .fields
        .remove("action")
        .unwrap_or_else(|| "continue".into());
    let files = std::mem::take(&mut form.files);
    let mut posted: Values = form.fields;
    let l = match load(&ctx, &slug, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    // A group's cells come as `group.row.column`; «Rimuovi» drops one row before saving.
    let schema = &l.draft.service.definition.form;
    schema.fold_rows(&mut posted);
    let row_action = RowAction::parse(&action, schema);
    if let Some(RowAction::Remove(group, row)) = &row_action {
        if let Some(v) = posted.get(group) {
            let left = sportello_domain::forms::without_row(v, *row);
            posted.insert(group.clone(), left);
        }
    }
    let app = &ctx.state.app;
    let ente = l.ente.ente_id();
    let index = step.saturating_sub(1);
    let mut errors: Vec<(String, String)> = Vec::new();
    for (field, file_name, bytes) in files {
        if let Err(e) = app
            .applications()
            .upload(ente, &id, &l.who, &field, &file_name, &bytes)
            .await
        {
            match &e {
                AppError::Apply(apply) => match file_message(&ctx, apply) {
                    Some(m) => errors.push((field, m)),
                    None => {
                        return apply_error(
                            &ctx,
                            e,
                            &format!("/{slug}/servizi/{}", l.draft.service.definition.id),
                        )
                    }
                },
                AppError::NotFound => errors.push((field, ctx.t("field.unknown").into())),
                _ => return page_for(&ctx, e),
            }
        }
    }
    let field_errors: Vec<FieldError> = match app
        .applications()
        .save_step(ente, &id, &l.who, index, &posted)
        .await
    {
        Ok(e) => e,
        Err(e) => {
            return apply_error(
                &ctx,
                e,
                &format!("/{slug}/servizi/{}", l.draft.service.definition.id),
            )
        }
    };
    if action == "back" {
        return Redirect::to(&format!(
            "/{slug}/domande/{id}/passo/{}",
            step.saturating_sub(1).max(1)
        ))
        .into_response();
    }
    if action == "exit" {
        return Redirect::to(&format!("/area-personale?salvata=1&comune={slug}")).into_response();
    }
    if let Some(action) = &row_action {
        // Adding a row first checks the rows there are (as «Salva e continua» would); removing
        // one never stops on the rest of the step.
        let group = action.group();
        let in_group = |f: &str| of_field(f, group);
        let blocking: Vec<&FieldError> = match action {
            RowAction::Add(_) => field_errors.iter().filter(|e| in_group(&e.field)).collect(),
            RowAction::Remove(..) => Vec::new(),
        };
        if blocking.is_empty() && errors.is_empty() {
            let anchor = match action {
                RowAction::Add(_) => {
                    let rows = posted
                        .get(group)
                        .and_then(|v| sportello_domain::forms::rows_of(v))
                        .map_or(0, |r| r.len());
                    format!("{group}-riga-{}", rows + 1)
                }
                RowAction::Remove(..) => group.to_string(),
            };
            let said = match action {
                RowAction::Remove(..) => "?rimossa=1",
                RowAction::Add(_) => "",
            };
            return Redirect::to(&format!("/{slug}/domande/{id}/passo/{step}{said}#{anchor}"))
                .into_response();
        }
        for e in blocking {
            errors.push((e.field.clone(), field_message(&ctx, &e.kind)));
        }
    } else {
        for e in &field_errors {
            if !errors.iter().any(|(f, _)| f == &e.field) {
                errors.push((e.field.clone(), field_message(&ctx, &e.kind)));
            }
        }
    }
    if !errors.is_empty() {
        // Show the step again with what was typed and what was refused.
        let fresh = match load(&ctx, &slug, &id).await {
            Ok(l) => l,
            Err(r) => return r,
        };
        let mut values = fresh.draft.values.clone();
        values.extend(posted);
        return step_page(&ctx, &fresh, index, &values, errors);
    }
    let steps = l.draft.service.definition.form.steps.len();
    if step >= steps {
        Redirect::to(&format!("/{slug}/domande/{id}/riepilogo")).into_response()
    } else {
        Redirect::to(&format!("/{slug}/domande/{id}/passo/{}", step + 1)).into_response()
    }
}

/// «Aggiungi» and «Rimuovi» in a group: they save the step and show it again.
enum RowAction {
    Add(String),
    Remove(String, usize),
}

impl RowAction {
    fn parse(action: &str, schema: &FormSchema) -> Option<Self> {
        let is_group = |g: &str| schema.field(g).is_some_and(|f| f.kind == FieldKind::Group);
        if let Some(group) = action.strip_prefix("add:") {
            return is_group(group).then(|| Self::Add(group.to_string()));
        }
        let (group, row) = action.strip_prefix("remove:")?.rsplit_once(':')?;
        let row = row.parse().ok()?;
        is_group(group).then(|| Self::Remove(group.to_string(), row))
    }

    fn group(&self) -> &str {
        match self {
            Self::Add(g) | Self::Remove(g, _) => g,
        }
    }
}

/// A service's fees as the pages list them: (reason, amount).
pub(super) fn fee_lines(fees: &[sportello_domain::catalogue::Fee]) -> Vec<(String, String)> {
    fees.iter()
        .map(|f| {
            (
                f.reason.clone(),
                sportello_domain::forms::it_euros(f.amount.cents()),
            )
        })
        .collect()
}

/// The total of a service's fees, as Italians write an amount.
pub(super) fn fees_total(fees: &[sportello_domain::catalogue::Fee]) -> String {
    sportello_domain::Money::sum(fees.iter().map(|f| f.amount))
        .map(|m| sportello_domain::forms::it_euros(m.cents()))
        .unwrap_or_default()
}

pub struct ReviewStep {
    pub no: usize,
    pub title: String,
    pub rows: Vec<(String, String, Option<String>)>,
}

#[derive(Template)]
#[template(path = "apply_review.html")]
struct ReviewPage {
    page: Page,
    slug: String,
    id: String,
    service_id: String,
    service_title: String,
    steps: Vec<ReviewStep>,
    errors: Vec<(String, String)>,
    declaration_error: bool,
    term: String,
    /// The service's fees (reason, amount) and their total, said before sending.
    fees: Vec<(String, String)>,
    fees_total: String,
    /// The fees are paid before sending, through Sportello: their notice (once made), and
    /// whether sending was refused because they are not paid.
    pay_first: bool,
    debt: Option<super::payments::DebtView>,
    fees_unpaid: bool,
    /// The declaration was ticked when sending was refused for another reason.
    declared: bool,
    /// Back from pagoPA's checkout: whether it went well, and what to say.
    outcome: Option<(bool, String)>,
    /// The procedures sending starts besides this one (procedimento unico), given the answers:
    /// (title, its term in words).
    parts: Vec<(String, String)>,
}

/// How the review page is shown again after a refused sending.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Refused {
    Nothing,
    Declaration,
    FeesUnpaid,
}

async fn review_page(ctx: &Ctx, l: &Loaded, refused: Refused, declared: bool) -> Response {
    let declaration_error = refused == Refused::Declaration;
    let definition = &l.draft.service.definition;
    let pay_first = match ctx
        .state
        .app
        .payments()
        .pay_first(l.ente.ente_id(), definition)
        .await
    {
        Ok(p) => p,
        Err(e) => return crate::errors::page_for(ctx, e),
    };
    let debt = if pay_first {
        match ctx
            .state
            .app
            .payments()
            .application_debt(l.ente.ente_id(), &l.draft.id, &l.who)
            .await
        {
            Ok(d) => d.map(|d| super::payments::debt_view(ctx, d)),
            Err(e) => return crate::errors::page_for(ctx, e),
        }
    } else {
        None
    };
    let fees_paid = debt.as_ref().is_some_and(|d| !d.open);
    let form = &l.draft.service.definition.form;
    let mut with_files = l.draft.values.clone();
    for f in &l.draft.files {
        with_files.insert(f.field.clone(), f.sha256.clone());
    }
    let today = ctx.state.app.now().date();
    let problems = form.validate_all(&with_files, today);
    let errors: Vec<(String, String)> = problems
        .iter()
        .map(|e| (e.field.clone(), field_message(ctx, &e.kind)))
        .collect();
    let steps = form
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| ReviewStep {
            no: i + 1,
            title: s.title.clone(),
            rows: s
                .sections
                .iter()
                .flat_map(|sec| sec.fields.iter())
                .filter(|f| form.is_visible(f, &with_files))
                .map(|f| {
                    (
                        f.label.clone(),
                        crate::views::shown_value(f, l.draft.values.get(&f.id), &l.draft.files),
                        {
                            let mine: Vec<String> = errors
                                .iter()
                                .filter(|(id, _)| of_field(id, &f.id))
                                .map(|(id, m)| {
                                    if id == &f.id {
                                        m.clone()
                                    } else {
                                        format!("{}: {m}", error_subject(ctx, form, id))
                                    }
                                })
                                .collect();
                            (!mine.is_empty()).then(|| mine.join(" "))
                        },
                    )
                })
                .collect(),
        })
        .collect();
    let status = if refused != Refused::Nothing || !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &ReviewPage {
            parts: {
                let d = &l.draft.service.definition;
                let values =
                    sportello_app::applications::with_file_values(&l.draft.values, &l.draft.files);
                let catalogue = sportello_app::catalogue::regional_catalogue().unwrap_or_default();
                d.parts
                    .iter()
                    .filter(|p| p.applies(&d.form, &values))
                    .filter_map(|p| catalogue.iter().find(|s| s.id == p.service))
                    .map(|s| {
                        (
                            super::services::title_in(ctx, &s.id, &s.title),
                            super::services::term_text(ctx, s.regime),
                        )
                    })
                    .collect()
            },
            page: ctx.page_for_ente(
                format!(
                    "{} — {}",
                    ctx.t("apply.review"),
                    l.draft.service.definition.title
                ),
                &l.ente.name,
                &l.ente.slug,
            ),
            slug: l.ente.slug.clone(),
            id: l.draft.id.clone(),
            service_id: l.draft.service.definition.id.clone(),
            service_title: l.draft.service.definition.title.clone(),
            steps,
            errors,
            declaration_error,
            term: term_text(ctx, l.draft.service.definition.regime),
            fees: fee_lines(&l.draft.service.definition.fees),
            fees_total: fees_total(&l.draft.service.definition.fees),
            pay_first,
            debt,
            // Said with the declaration's error too, so both are fixed at once.
            fees_unpaid: refused == Refused::FeesUnpaid
                || (refused == Refused::Declaration && pay_first && !fees_paid),
            declared,
            outcome: super::payments::checkout_outcome(ctx),
        },
    )
}

pub async fn review(ctx: Ctx, Path((slug, id)): Path<(String, String)>) -> Response {
    match load(&ctx, &slug, &id).await {
        Ok(l) if l.draft.status != ApplicationStatus::Draft => {
            Redirect::to(&format!("/{slug}/domande/{id}/ricevuta")).into_response()
        }
        Ok(l) => review_page(&ctx, &l, Refused::Nothing, false).await,
        Err(r) => r,
    }
}

#[derive(serde::Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    dichiarazione: Option<String>,
}

pub async fn submit(
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    CsrfForm(TheirApplication(_), form): CsrfForm<TheirApplication, SubmitForm>,
) -> Response {
    let Ok(_admitted) = ctx.state.filings.clone().try_acquire_owned() else {
        return crate::errors::page_for(&ctx, AppError::Overloaded);
    };
    let l = match load(&ctx, &slug, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let declared = form.dichiarazione.is_some_and(|v| !v.is_empty());
    match ctx
        .state
        .app
        .applications()
        .submit(l.ente.ente_id(), &id, &l.who, declared)
        .await
    {
        Ok(_) => Redirect::to(&format!("/{slug}/domande/{id}/ricevuta")).into_response(),
        Err(AppError::Apply(ApplyError::DeclarationMissing)) => {
            review_page(&ctx, &l, Refused::Declaration, declared).await
        }
        Err(AppError::Apply(ApplyError::FeesUnpaid)) => {
            review_page(&ctx, &l, Refused::FeesUnpaid, declared).await
        }
        Err(AppError::Apply(ApplyError::Fields(_))) => {
            review_page(&ctx, &l, Refused::Nothing, declared).await
        }
        Err(e) => apply_error(
            &ctx,
            e,
            &format!("/{slug}/servizi/{}", l.draft.service.definition.id),
        ),
    }
}

pub async fn download(
    ctx: Ctx,
    Path((slug, id, field)): Path<(String, String, String)>,
) -> Response {
    let who = match citizen_or_sign_in(&ctx) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx
        .state
        .app
        .applications()
        .file_of(ente.ente_id(), &id, &who, &field)
        .await
    {
        Ok((row, bytes)) => {
            let safe: String = row
                .file_name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .collect();
            (
                [
                    (header::CONTENT_TYPE, row.media_type),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{safe}\""),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => page_for(&ctx, e),
    }
}

/// Withdraws a filed application (it stays on record as withdrawn).
pub async fn withdraw(
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    CsrfFields(TheirApplication(who), _): CsrfFields<TheirApplication>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let done = ctx
        .state
        .app
        .applications()
        .withdraw(ente.ente_id(), &id, &who)
        .await;
    back_to_personal_area(&ctx, done, &format!("ritirata=1&comune={}", ente.slug))
}

/// Deletes a draft (a filed application is withdrawn instead, and stays on record).
pub async fn delete_draft(
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    CsrfFields(TheirApplication(who), _): CsrfFields<TheirApplication>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let done = ctx
        .state
        .app
        .applications()
        .delete_draft(ente.ente_id(), &id, &who)
        .await;
    back_to_personal_area(&ctx, done, &format!("eliminata=1&comune={}", ente.slug))
}

/// After withdrawing or deleting: the personal area when something was, «not found» when
/// there was nothing of theirs.
fn back_to_personal_area(ctx: &Ctx, done: Result<bool, AppError>, query: &str) -> Response {
    match done {
        Ok(true) => Redirect::to(&format!("/area-personale?{query}")).into_response(),
        Ok(false) => crate::errors::not_found(ctx),
        Err(e) => page_for(ctx, e),
    }
}

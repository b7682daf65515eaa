//! The office's side of reports: the desk (the queue), a report with its actions and photos,
//! and the administrator's setup of categories, districts and Open311 keys.

use super::*;

// ---------------------------------------------------------------------------------------------
// The office's desk.

#[derive(Template)]
#[template(path = "staff_reports.html")]
struct DeskPage {
    page: Page,
    href_base: String,
    reports: Vec<ReportCard>,
    categories: Vec<(String, String)>,
    districts: Vec<(i64, String)>,
    stato: String,
    categoria: String,
    quartiere: String,
    ordina: String,
    orders: Vec<(&'static str, String)>,
    next: Option<String>,
    states: Vec<(&'static str, String)>,
    sets_up: bool,
}

pub async fn desk(
    ctx: Ctx,
    staff: Staff<HandlesReports>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let mut q = query.map(|Query(q)| q).unwrap_or_default();
    if q.stato.trim().is_empty() {
        q.stato = "aperte".into();
    }
    let reports = ctx.state.app.reports();
    let (ente, page) = match reports.desk(&staff, &filter_of(&q)).await {
        Ok(p) => p,
        Err(e) => return page_for(&ctx, e),
    };
    let (categories, districts) = match (
        reports.categories(ente).await,
        reports.districts(ente).await,
    ) {
        (Ok(c), Ok(d)) => (c, d),
        (Err(e), _) | (_, Err(e)) => return page_for(&ctx, e),
    };
    render(&DeskPage {
        page: ctx.page(ctx.t("reports.staff_title")),
        href_base: "/staff/segnalazioni".into(),
        reports: page.reports.iter().map(|r| card(&ctx, r)).collect(),
        next: next_link("/staff/segnalazioni", &q, page.next),
        categories: categories
            .iter()
            .map(|c| {
                (
                    c.category.code.to_string(),
                    category_label(&ctx, c.category),
                )
            })
            .collect(),
        districts: districts.into_iter().map(|d| (d.id, d.name)).collect(),
        stato: q.stato,
        categoria: q.categoria,
        quartiere: q.quartiere,
        ordina: q.ordina,
        orders: orders(&ctx),
        states: states(&ctx),
        sets_up: sportello_app::reports::sets_up_reports(&staff),
    })
}

#[derive(Template)]
#[template(path = "staff_report.html")]
struct OfficePage {
    page: Page,
    report: ReportCard,
    slug: String,
    reporter: String,
    reporter_email: String,
    client: String,
    events: Vec<EventCard>,
    actions: Vec<(&'static str, String)>,
    offices: Vec<(String, String)>,
    problem: String,
    text: String,
    done: bool,
    photos: Vec<PhotoCard>,
    /// The action and office chosen when the page is shown again after a refusal.
    chosen: String,
    office_chosen: String,
    /// The refusal is about the answer's text.
    text_problem: bool,
    anonymous: bool,
}

/// What the office chose, shown again with a refusal.
#[derive(Default)]
struct Chosen {
    problem: String,
    text: String,
    action: String,
    office: String,
    text_problem: bool,
}

async fn office_page(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    year: i64,
    number: i64,
    chosen: Chosen,
    done: bool,
) -> Response {
    let Chosen {
        problem,
        text,
        action: chosen,
        office: office_chosen,
        text_problem,
    } = chosen;
    let reports = ctx.state.app.reports();
    let (view, events) = match reports.for_office(staff, year, number).await {
        Ok(v) => v,
        Err(e) => return page_for(ctx, e),
    };
    let Some(ente) = staff.ente else {
        return page_for(ctx, sportello_app::AppError::NotFound);
    };
    let slug = match ctx.state.app.ente_by_id(ente).await {
        Ok(e) => e.slug,
        Err(e) => return page_for(ctx, e),
    };
    let photos = match reports.office_photos(staff, &view).await {
        Ok(p) => photo_cards(&slug, &view, p),
        Err(e) => return page_for(ctx, e),
    };
    let offices = match ctx.state.app.reports().offices(ente).await {
        Ok(o) => o.into_iter().map(|o| (o.code, o.name)).collect(),
        Err(e) => return page_for(ctx, e),
    };
    use ReportEventKind as E;
    let actions: Vec<(&'static str, String)> = match view.state {
        ReportState::Received => vec![
            E::TakeCharge,
            E::Start,
            E::Resolve,
            E::Close,
            E::Answer,
            E::Reroute,
        ],
        ReportState::InCharge => vec![E::Start, E::Resolve, E::Close, E::Answer, E::Reroute],
        ReportState::InProgress => vec![E::Resolve, E::Close, E::Answer, E::Reroute],
        ReportState::Resolved | ReportState::Closed => Vec::new(),
    }
    .into_iter()
    .map(|e| {
        (
            e.code(),
            ctx.t(&format!("reports.action.{}", e.code())).to_string(),
        )
    })
    .collect();
    let status = if problem.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &OfficePage {
            page: ctx.page(format!("{} {}", ctx.t("reports.report"), view.code)),
            slug,
            reporter: view.row.reporter_name.clone().unwrap_or_default(),
            reporter_email: view.row.reporter_email.clone().unwrap_or_default(),
            client: view.row.client.clone().unwrap_or_default(),
            report: card(ctx, &view),
            events: events.iter().map(|e| event_card(ctx, e)).collect(),
            actions,
            offices,
            problem,
            text,
            done,
            photos,
            chosen,
            office_chosen,
            text_problem,
            anonymous: view.row.anonymous != 0,
        },
    )
}

#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    fatto: String,
}

pub async fn office_report(
    ctx: Ctx,
    staff: Staff<HandlesReports>,
    Path((year, number)): Path<(String, String)>,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let Some((y, n)) = number_of(&year, &number) else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    office_page(&ctx, &staff, y, n, Chosen::default(), q.fatto == "1").await
}

/// The office acts on a report.
pub async fn office_act(
    ctx: Ctx,
    Path((year, number)): Path<(String, String)>,
    CsrfFields(ReportOffice(staff), fields): CsrfFields<ReportOffice>,
) -> Response {
    let Some((y, n)) = number_of(&year, &number) else {
        return page_for(&ctx, sportello_app::AppError::NotFound);
    };
    let text = field(&fields, "testo");
    let action = field(&fields, "azione");
    let office = field(&fields, "ufficio");
    let Ok(event) = ReportEventKind::parse(&action) else {
        let chosen = Chosen {
            problem: ctx.t("reports.problem.action").to_string(),
            text,
            office,
            ..Default::default()
        };
        return office_page(&ctx, &staff, y, n, chosen, false).await;
    };
    match ctx
        .state
        .app
        .reports()
        .office_acts(
            &staff,
            y,
            n,
            &sportello_app::reports::OfficeAct {
                seen: &field(&fields, "stato_visto"),
                event,
                text: &text,
                office: Some(office.as_str()),
            },
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/staff/segnalazioni/{y}/{n}?fatto=1")).into_response(),
        Err(sportello_app::AppError::Report(p)) => {
            let text_problem = matches!(
                p,
                ReportProblem::Move(sportello_domain::reports::ReportError::AnswerNeeded)
            );
            // A stale page starts again from the report as it is now.
            let action = if matches!(p, ReportProblem::Changed) {
                String::new()
            } else {
                action
            };
            let chosen = Chosen {
                problem: crate::refusals::report_message(ctx.lang(), &p),
                text,
                action,
                office,
                text_problem,
            };
            office_page(&ctx, &staff, y, n, chosen, false).await
        }
        Err(e) => page_for(&ctx, e),
    }
}

// ---------------------------------------------------------------------------------------------
// The administrator's setup.

#[derive(Template)]
#[template(path = "staff_reports_setup.html")]
struct SetupPage {
    page: Page,
    categories: Vec<(String, String, bool, u32, String)>,
    offices: Vec<(String, String)>,
    districts: Vec<(String, String, usize, usize)>,
    keys: Vec<(i64, String, String, bool)>,
    new_key: String,
    problem: String,
    min_days: u32,
    max_days: u32,
}

async fn setup_page(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    new_key: String,
    problem: String,
) -> Response {
    let Some(ente) = staff.ente else {
        return page_for(ctx, sportello_app::AppError::NotFound);
    };
    let reports = ctx.state.app.reports();
    let (categories, districts, keys, offices) = match (
        reports.categories(ente).await,
        reports.districts(ente).await,
        reports.keys(staff).await,
        ctx.state.app.reports().offices(ente).await,
    ) {
        (Ok(c), Ok(d), Ok(k), Ok(o)) => (c, d, k, o),
        (Err(e), _, _, _) | (_, Err(e), _, _) | (_, _, Err(e), _) | (_, _, _, Err(e)) => {
            return page_for(ctx, e)
        }
    };
    let status = if problem.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &SetupPage {
            page: ctx.page(ctx.t("reports.setup_title")),
            categories: categories
                .iter()
                .map(|c| {
                    (
                        c.category.code.to_string(),
                        category_label(ctx, c.category),
                        c.in_use,
                        c.term_days,
                        c.office_code.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            offices: offices.into_iter().map(|o| (o.code, o.name)).collect(),
            districts: districts
                .into_iter()
                .map(|d| {
                    (
                        d.name,
                        d.streets.first().cloned().unwrap_or_default(),
                        d.streets.len(),
                        d.outline.len(),
                    )
                })
                .collect(),
            keys: keys
                .into_iter()
                .map(|k| {
                    (
                        k.id,
                        k.label,
                        it_minutes(sportello_app::model::from_millis(k.created_at)),
                        k.revoked_at.is_some(),
                    )
                })
                .collect(),
            new_key,
            problem,
            min_days: sportello_domain::reports::MIN_TERM_DAYS,
            max_days: sportello_domain::reports::MAX_TERM_DAYS,
        },
    )
}

pub async fn setup(ctx: Ctx, staff: EnteStaff<Administers>) -> Response {
    setup_page(&ctx, &staff.staff, String::new(), String::new()).await
}

#[allow(clippy::result_large_err)] // the error is the answer to send, as axum's rejections are
fn refused(ctx: &Ctx, e: sportello_app::AppError) -> Result<String, Response> {
    match e {
        sportello_app::AppError::Report(p) => Ok(crate::refusals::report_message(ctx.lang(), &p)),
        other => Err(page_for(ctx, other)),
    }
}

/// Back to the setup page at `anchor`, or the page again with the refusal.
async fn after_setup(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    done: Result<(), sportello_app::AppError>,
    anchor: &str,
) -> Response {
    match done {
        Ok(()) => {
            Redirect::to(&format!("/staff/segnalazioni/impostazioni#{anchor}")).into_response()
        }
        Err(e) => match refused(ctx, e) {
            Ok(words) => setup_page(ctx, staff, String::new(), words).await,
            Err(r) => r,
        },
    }
}

pub async fn save_category(
    ctx: Ctx,
    CsrfFields(EnteStaff { staff, .. }, fields): CsrfFields<EnteStaff<Administers>>,
) -> Response {
    let done = ctx
        .state
        .app
        .reports()
        .set_category(
            &staff,
            &field(&fields, "codice"),
            field(&fields, "in_uso") == "1",
            &field(&fields, "giorni"),
            &field(&fields, "ufficio"),
        )
        .await;
    after_setup(&ctx, &staff, done, "categorie").await
}

pub async fn save_district(
    ctx: Ctx,
    CsrfFields(EnteStaff { staff, .. }, fields): CsrfFields<EnteStaff<Administers>>,
) -> Response {
    let done = ctx
        .state
        .app
        .reports()
        .set_district(
            &staff,
            &field(&fields, "nome"),
            &field(&fields, "vie"),
            &field(&fields, "confine"),
        )
        .await;
    after_setup(&ctx, &staff, done, "quartieri").await
}

pub async fn issue_key(
    ctx: Ctx,
    CsrfFields(EnteStaff { staff, .. }, fields): CsrfFields<EnteStaff<Administers>>,
) -> Response {
    match ctx
        .state
        .app
        .reports()
        .issue_key(&staff, &field(&fields, "nome"))
        .await
    {
        Ok(key) => setup_page(&ctx, &staff, key, String::new()).await,
        Err(e) => match refused(&ctx, e) {
            Ok(words) => setup_page(&ctx, &staff, String::new(), words).await,
            Err(r) => r,
        },
    }
}

pub async fn revoke_key(
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfFields(EnteStaff { staff, .. }, _): CsrfFields<EnteStaff<Administers>>,
) -> Response {
    match ctx.state.app.reports().revoke_key(&staff, id).await {
        Ok(_) => Redirect::to("/staff/segnalazioni/impostazioni#chiavi").into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

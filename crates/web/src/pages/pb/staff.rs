//! The office: starting a process, phase dates, the feasibility review, the eligible list,
//! facilitators and moderation.

use super::*;

#[derive(Template)]
#[template(path = "staff_pb.html")]
struct StaffListPage {
    page: Page,
    processes: Vec<crate::views::ProcessView>,
    kinds: Vec<(&'static str, &'static str)>,
    phases: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    kept: std::collections::BTreeMap<String, String>,
}

impl StaffListPage {
    fn kept(&self, name: &str) -> String {
        self.kept.get(name).cloned().unwrap_or_default()
    }
}

async fn staff_ente(
    ctx: &Ctx,
) -> Result<(sportello_app::sessions::StaffPrincipal, EnteRow), Response> {
    let staff = ctx
        .staff()
        .cloned()
        .ok_or_else(|| Redirect::to("/staff/accedi").into_response())?;
    let Some(id) = staff.ente else {
        return Err(crate::errors::forbidden(ctx));
    };
    let ente = ctx
        .state
        .app
        .ente_by_id(id)
        .await
        .map_err(|e| page_for(ctx, e))?;
    Ok((staff, ente))
}

/// The districts typed one per line as `code;name;budget`.
fn districts(text: &str) -> Result<Vec<(String, String, i64)>, String> {
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let parts: Vec<&str> = line.split(';').map(str::trim).collect();
        let budget = parts
            .get(2)
            .and_then(|b| b.replace('.', "").parse::<i64>().ok());
        match (parts.as_slice(), budget) {
            ([code, name, _], Some(b)) => out.push(((*code).to_owned(), (*name).to_owned(), b)),
            _ => {
                return Err(format!(
                    "Quartieri, riga {}: scrivi codice;nome;budget, ad esempio «nord;Quartiere Nord;50000».",
                    i + 1
                ))
            }
        }
    }
    Ok(out)
}

/// An office's posted form (a staff member of an ente, CSRF token checked before it was
/// read), with the ente's row.
async fn staff_form(
    ctx: &Ctx,
    who: EnteStaff<ModeratesParticipation>,
    fields: Vec<(String, String)>,
) -> Result<(sportello_app::sessions::StaffPrincipal, EnteRow, Fields), Response> {
    let ente = ctx
        .state
        .app
        .ente_by_id(who.ente)
        .await
        .map_err(|e| page_for(ctx, e))?;
    Ok((who.staff, ente, Fields(fields)))
}

async fn staff_list_page(
    ctx: &Ctx,
    ente: &EnteRow,
    error: Option<String>,
    kept: std::collections::BTreeMap<String, String>,
) -> Response {
    let processes = match ctx.state.app.participation().pb_processes(ente).await {
        Ok(p) => p,
        Err(e) => return page_for(ctx, e),
    };
    render_status(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &StaffListPage {
            page: ctx.page(ctx.t("pb.staff_title")),
            processes: crate::views::processes(&processes),
            kinds: BallotKind::ALL
                .iter()
                .map(|k| (k.code(), ballot_kind_name(*k)))
                .collect(),
            phases: phase_choices(ctx),
            error,
            kept,
        },
    )
}

pub async fn staff_list(ctx: Ctx, _: EnteStaff<ModeratesParticipation>) -> Response {
    match staff_ente(&ctx).await {
        Ok((_, ente)) => staff_list_page(&ctx, &ente, None, Default::default()).await,
        Err(r) => r,
    }
}

pub async fn staff_create(
    ctx: Ctx,
    CsrfFields(who, f): CsrfFields<EnteStaff<ModeratesParticipation>>,
) -> Response {
    let (staff, ente, f) = match staff_form(&ctx, who, f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let phases = posted_phases(&f);
    let new = NewProcess {
        slug: f.get("indirizzo"),
        title: f.get("titolo"),
        description: f.get("descrizione"),
        budget: f.number("budget").unwrap_or(0),
        ballot_kind: f.get("scheda"),
        min_projects: f.number("minimo"),
        max_projects: f.number("massimo"),
        max_points: f.number("punti"),
        rule: f.get("regola"),
        eligibility: f.get("chi"),
        min_age: f.number("eta").unwrap_or(16),
        phases,
        districts: match districts(&f.get("quartieri")) {
            Ok(d) => d,
            Err(m) => {
                let kept = f.0.into_iter().filter(|(k, _)| k != "csrf").collect();
                return staff_list_page(&ctx, &ente, Some(m), kept).await;
            }
        },
    };
    match ctx
        .state
        .app
        .participation()
        .create_pb_process(&staff, &ente, new)
        .await
    {
        Ok(()) => Redirect::to(&format!(
            "/staff/bilancio-partecipativo/{}",
            f.get("indirizzo")
        ))
        .into_response(),
        Err(e) => match crate::errors::shown_refusal(&ctx, e) {
            Ok((_, m)) => {
                let kept = f.0.into_iter().filter(|(k, _)| k != "csrf").collect();
                staff_list_page(&ctx, &ente, Some(m), kept).await
            }
            Err(e) => page_for(&ctx, e),
        },
    }
}

#[derive(Template)]
#[template(path = "staff_pb_process.html")]
struct StaffProcessPage {
    page: Page,
    ente_slug: String,
    p: crate::views::ProcessView,
    phases: Vec<(String, String, String, bool)>,
    projects: Vec<ProjectLine>,
    eligible: i64,
    error: Option<String>,
    notice: Option<String>,
    /// Comments hidden by reports, waiting for a decision.
    moderation: Vec<(String, i64, String, String, i64)>,
    execution: Vec<(&'static str, &'static str)>,
    /// (kind, name, opens, closes) for every phase, empty dates for phases not used.
    dates: Vec<(&'static str, &'static str, String, String)>,
}

async fn staff_process_page(
    ctx: &Ctx,
    process: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let (staff, ente) = match staff_ente(ctx).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let participation = ctx.state.app.participation();
    let p = match participation.pb_process(&ente, process).await {
        Ok(p) => p,
        Err(e) => return page_for(ctx, e),
    };
    // Staff of the ente who do not moderate see the page without the comments to moderate.
    let moderation = async {
        if sportello_app::capabilities::Participation::may_moderate(&staff, &ente) {
            participation.pb_to_moderate(&staff, &ente, process).await
        } else {
            Ok(Vec::new())
        }
    };
    let (eligible, moderation) =
        match tokio::try_join!(participation.pb_eligible_count(&ente, &p), moderation) {
            Ok(x) => x,
            Err(e) => return page_for(ctx, e),
        };
    render_status(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &StaffProcessPage {
            page: ctx.page(p.row.title.clone()),
            ente_slug: ente.slug.clone(),
            phases: phase_lines(ctx, &p),
            projects: lines(ctx, &p),
            eligible,
            error,
            notice,
            moderation: moderation
                .into_iter()
                .map(|c| (c.id, c.project_number, c.author_name, c.body, c.reports))
                .collect(),
            execution: Execution::ALL
                .iter()
                .map(|e| (e.code(), execution_name(*e)))
                .collect(),
            dates: Phase::ALL
                .iter()
                .map(|k| {
                    let f = p.phases.iter().find(|f| f.kind == *k);
                    (
                        k.code(),
                        phase_label(ctx.lang(), *k),
                        f.map(|f| f.opens_on.clone()).unwrap_or_default(),
                        f.map(|f| f.closes_on.clone()).unwrap_or_default(),
                    )
                })
                .collect(),
            p: (&p.row).into(),
        },
    )
}

pub async fn staff_process(
    ctx: Ctx,
    _: EnteStaff<ModeratesParticipation>,
    Path(process): Path<String>,
) -> Response {
    staff_process_page(&ctx, &process, None, None).await
}

pub async fn staff_review(
    ctx: Ctx,
    Path((process, project)): Path<(String, String)>,
    CsrfFields(ProcessOffice(who), f): CsrfFields<ProcessOffice>,
) -> Response {
    let (staff, ente, f) = match staff_form(&ctx, who, f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let feasible = f.get("esito") == "fattibile";
    if !feasible && f.get("esito") != "non-fattibile" {
        return staff_process_page(
            &ctx,
            &process,
            Some(ctx.t("pb.choose_review_outcome").to_owned()),
            None,
        )
        .await;
    }
    match ctx
        .state
        .app
        .participation()
        .review_pb(
            &staff,
            &ente,
            &process,
            &project,
            feasible,
            f.number("costo"),
            &f.get("motivazione"),
        )
        .await
    {
        Ok(()) => Redirect::to(&format!("/staff/bilancio-partecipativo/{process}")).into_response(),
        Err(e) => match crate::errors::shown_refusal(&ctx, e) {
            Ok((_, m)) => staff_process_page(&ctx, &process, Some(m), None).await,
            Err(e) => page_for(&ctx, e),
        },
    }
}

/// The process page after a staff action: with what was saved, or with why it was refused
/// (an error that is not a refusal is its own page).
async fn after_action(ctx: &Ctx, process: &str, done: Result<String, AppError>) -> Response {
    match done {
        Ok(saved) => staff_process_page(ctx, process, None, Some(saved)).await,
        Err(e) => match crate::errors::shown_refusal(ctx, e) {
            Ok((_, m)) => staff_process_page(ctx, process, Some(m), None).await,
            Err(e) => page_for(ctx, e),
        },
    }
}

pub async fn staff_phases(
    ctx: Ctx,
    Path(process): Path<String>,
    CsrfFields(ProcessOffice(who), f): CsrfFields<ProcessOffice>,
) -> Response {
    let (staff, ente, f) = match staff_form(&ctx, who, f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let phases = posted_phases(&f);
    let done = ctx
        .state
        .app
        .participation()
        .set_pb_phases(&staff, &ente, &process, &phases)
        .await
        .map(|()| ctx.t("pb.saved_phases").to_owned());
    after_action(&ctx, &process, done).await
}

pub async fn staff_execution(
    ctx: Ctx,
    Path((process, project)): Path<(String, String)>,
    CsrfFields(ProcessOffice(who), f): CsrfFields<ProcessOffice>,
) -> Response {
    let (staff, ente, f) = match staff_form(&ctx, who, f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let done = ctx
        .state
        .app
        .participation()
        .set_pb_execution(
            &staff,
            &ente,
            &process,
            &project,
            &f.get("stato"),
            &f.get("nota"),
        )
        .await
        .map(|()| ctx.t("pb.saved_execution").to_owned());
    after_action(&ctx, &process, done).await
}

pub async fn staff_eligible(
    ctx: Ctx,
    Path(process): Path<String>,
    CsrfFields(ProcessOffice(who), f): CsrfFields<ProcessOffice>,
) -> Response {
    let (staff, ente, f) = match staff_form(&ctx, who, f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let done = ctx
        .state
        .app
        .participation()
        .set_pb_eligible(&staff, &ente, &process, &f.get("elenco"))
        .await
        .map(|n| crate::pages::services::fill(ctx.t("pb.saved_eligible"), &[&n.to_string()]));
    after_action(&ctx, &process, done).await
}

pub async fn staff_moderate(
    ctx: Ctx,
    Path((process, comment)): Path<(String, String)>,
    CsrfFields(ProcessOffice(who), f): CsrfFields<ProcessOffice>,
) -> Response {
    let (staff, ente, f) = match staff_form(&ctx, who, f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let keep = f.get("decisione") == "mantieni";
    let done = ctx
        .state
        .app
        .participation()
        .moderate_pb(&staff, &ente, &process, &comment, keep)
        .await
        .map(|()| ctx.t("pb.saved_moderation").to_owned());
    after_action(&ctx, &process, done).await
}

pub async fn staff_facilitator(
    ctx: Ctx,
    Path(process): Path<String>,
    CsrfFields(ProcessOffice(who), f): CsrfFields<ProcessOffice>,
) -> Response {
    let (staff, ente, f) = match staff_form(&ctx, who, f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let done = ctx
        .state
        .app
        .participation()
        .set_pb_facilitator(
            &staff,
            &ente,
            &process,
            &f.get("codice_fiscale"),
            &f.get("associazione"),
        )
        .await
        .map(|()| ctx.t("pb.saved_facilitator").to_owned());
    after_action(&ctx, &process, done).await
}

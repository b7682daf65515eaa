//! The ballot, the results with both rules and the shift between votes, and the open-data export.

use super::*;

#[derive(Template)]
#[template(path = "pb_vote.html")]
struct VotePage {
    page: Page,
    slug: String,
    process: String,
    title: String,
    phase_name: &'static str,
    kind: String,
    rule: String,
    budget: String,
    projects: Vec<ProjectLine>,
    /// (project number, points or rank) kept from the last post
    chosen: Vec<(i64, i64)>,
    error: Option<String>,
    done: Option<bool>,
    already: bool,
    positions: Vec<i64>,
    districts: Vec<crate::views::DistrictView>,
    kept_district: String,
}

impl VotePage {
    fn is_chosen(&self, n: &i64) -> bool {
        self.chosen.iter().any(|c| c.0 == *n)
    }
    fn value(&self, n: &i64) -> String {
        self.chosen
            .iter()
            .find(|c| c.0 == *n)
            .map(|c| c.1.to_string())
            .unwrap_or_default()
    }
}

#[allow(clippy::too_many_arguments)]
async fn vote_page(
    ctx: &Ctx,
    slug: String,
    process: String,
    chosen: Vec<(i64, i64)>,
    kept_district: String,
    error: Option<String>,
    done: Option<bool>,
) -> Response {
    let who = match super::super::apply::citizen_or_sign_in(ctx) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let (ente, p) = match load(ctx, &slug, &process).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(phase) = p.open_vote() else {
        return page_for(
            ctx,
            AppError::from(sportello_app::pb::ParticipationError::NoOpenVote),
        );
    };
    if error.is_none() && done.is_none() {
        if let Err(e) = ctx
            .state
            .app
            .participation()
            .pb_eligibility(&ente, &p, &who)
            .await
        {
            return page_for(ctx, e);
        }
    }
    let already = match ctx
        .state
        .app
        .participation()
        .pb_has_voted(&ente, &p, phase, &who)
        .await
    {
        Ok(voted) => voted,
        Err(e) => return page_for(ctx, e),
    };
    let mut projects: Vec<ProjectLine> =
        lines(ctx, &p).into_iter().filter(|l| l.on_ballot).collect();
    projects.sort_by_key(|l| l.number);
    let positions = (1..=p.row.max_projects.unwrap_or(3).min(projects.len() as i64)).collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &VotePage {
            page: ctx.page_for_ente(ctx.t("pb.vote"), &ente.name, &ente.slug),
            slug,
            process,
            title: p.row.title.clone(),
            phase_name: phase_label(ctx.lang(), phase),
            kind: p.row.ballot_kind.code().to_owned(),
            rule: crate::refusals::ballot_rule(ctx.lang(), &p),
            budget: euros(p.row.budget),
            projects,
            chosen,
            error,
            done,
            already,
            positions,
            districts: crate::views::districts(&p.districts),
            kept_district,
        },
    )
}

pub async fn vote_form(ctx: Ctx, Path((slug, process)): Path<(String, String)>) -> Response {
    vote_page(&ctx, slug, process, Vec::new(), String::new(), None, None).await
}

pub async fn vote(
    ctx: Ctx,
    Path((slug, process)): Path<(String, String)>,
    CsrfFields(CitizenHere(who), f): CsrfFields<CitizenHere>,
) -> Response {
    let f = Fields(f);
    let (ente, p) = match load(&ctx, &slug, &process).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    // approval: repeated `progetto`; cumulative: `punti-N`; ordinal: `posto-N` = rank.
    let mut chosen: Vec<(i64, i64)> = Vec::new();
    let mut bad = None;
    match p.row.ballot_kind {
        BallotKind::Approval => {
            for v in f.all("progetto") {
                match v.parse::<i64>() {
                    Ok(n) => chosen.push((n, 1)),
                    Err(_) => bad = Some(ctx.t("pb.choice_invalid").to_owned()),
                }
            }
        }
        kind => {
            let prefix = if kind == BallotKind::Cumulative {
                "punti-"
            } else {
                "posto-"
            };
            for (k, v) in &f.0 {
                let (Some(n), v) = (
                    k.strip_prefix(prefix).and_then(|n| n.parse::<i64>().ok()),
                    v.trim(),
                ) else {
                    continue;
                };
                if v.is_empty() {
                    continue;
                }
                match v.parse::<i64>() {
                    Ok(x) => chosen.push((n, x)),
                    Err(_) => bad = Some(format!("«{v}» non è un numero intero.")),
                }
            }
        }
    }
    let mut ballot = BallotInput {
        district: Some(f.get("quartiere")).filter(|d| !d.is_empty()),
        ..BallotInput::default()
    };
    if p.row.ballot_kind == BallotKind::Ordinal {
        match sportello_domain::participation::ranked_order(&chosen) {
            Ok(order) => ballot.projects = order,
            Err(e) => bad = bad.or(Some(crate::refusals::ballot_message(ctx.lang(), &e))),
        }
    } else {
        ballot.projects = chosen.iter().map(|c| c.0).collect();
        ballot.points = chosen.iter().map(|c| c.1).collect();
    }
    if let Some(m) = bad {
        return vote_page(
            &ctx,
            slug,
            process,
            chosen,
            f.get("quartiere"),
            Some(m),
            None,
        )
        .await;
    }
    match ctx
        .state
        .app
        .participation()
        .cast_pb_ballot(&ente, &process, &who, &ballot)
        .await
    {
        Ok((_, replaced)) => {
            vote_page(
                &ctx,
                slug,
                process,
                chosen,
                f.get("quartiere"),
                None,
                Some(replaced),
            )
            .await
        }
        Err(e @ (AppError::Ballot(_) | AppError::Participation(_))) => {
            let m = match crate::errors::shown_refusal(&ctx, e) {
                Ok((_, m)) => m,
                Err(other) => return page_for(&ctx, other),
            };
            vote_page(
                &ctx,
                slug,
                process,
                chosen,
                f.get("quartiere"),
                Some(m),
                None,
            )
            .await
        }
        Err(e) => page_for(&ctx, e),
    }
}

pub struct SupportLine {
    pub number: i64,
    pub title: String,
    pub cost: String,
    pub support: String,
    pub bar: i64,
    pub funded: bool,
    pub greedy: bool,
    pub mes: bool,
}

pub struct VoteView {
    pub phase: &'static str,
    /// The district's name, and the file's suffix for the export.
    pub district: Option<(String, String)>,
    pub name: &'static str,
    pub ballots: usize,
    pub assisted: usize,
    pub lines: Vec<SupportLine>,
    pub greedy_spent: String,
    pub mes_spent: Option<String>,
    pub greedy_bar: i64,
    pub mes_bar: i64,
    /// Whether enough people voted for the counts and the ballots to be published.
    pub published: bool,
    /// The projects this vote chose, when its counts are withheld.
    pub chosen: Vec<String>,
}

#[derive(Template)]
#[template(path = "pb_results.html")]
struct ResultsPage {
    page: Page,
    slug: String,
    process: String,
    title: String,
    rule: String,
    budget: String,
    votes: Vec<VoteView>,
    official: Vec<(i64, String, String)>,
    official_spent: String,
    shift: Vec<(i64, String, String, String, String, bool)>,
    min_voters: String,
}

/// A project's cost after review (or as estimated), by number.
fn cost_of(p: &PbProcess, n: i64) -> i64 {
    p.projects
        .iter()
        .find(|x| x.number == n)
        .map(|x| x.cost.unwrap_or(x.estimated_cost))
        .unwrap_or(0)
}

fn title_of(p: &PbProcess, n: i64) -> String {
    p.projects
        .iter()
        .find(|x| x.number == n)
        .map(|x| x.title.clone())
        .unwrap_or_default()
}

fn view(lang: crate::Lang, r: &PbResults, min_voters: usize) -> Vec<VoteView> {
    let cost = |n: i64| cost_of(&r.process, n);
    let title = |n: i64| title_of(&r.process, n);
    let official = r.official();
    let budget = r.process.row.budget.max(1);
    r.votes
        .iter()
        .map(|v| {
            let max = v.support.iter().map(|s| s.1).max().unwrap_or(1).max(1);
            let mut support = v.support.clone();
            support.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let last = r.votes.last().map(|l| l.phase == v.phase).unwrap_or(false);
            let g: i64 = v.greedy.iter().map(|&n| cost(n)).sum();
            let m: Option<i64> = v.mes.as_ref().map(|m| m.iter().map(|&n| cost(n)).sum());
            let published = r.process.row.historical || v.ballots >= min_voters;
            let chosen_numbers: Vec<i64> = match r.process.row.rule {
                sportello_app::pb::CountingRule::Mes => v.mes.clone().unwrap_or_default(),
                sportello_app::pb::CountingRule::Greedy => v.greedy.clone(),
            };
            VoteView {
                published,
                chosen: chosen_numbers
                    .iter()
                    .map(|&n| format!("{n}. {}", title(n)))
                    .collect(),
                district: v
                    .district
                    .as_ref()
                    .map(|d| (d.name.clone(), format!("-{}", d.code))),
                phase: v.phase.code(),
                name: phase_label(lang, v.phase),
                ballots: v.ballots,
                assisted: v.assisted,
                lines: support
                    .iter()
                    .map(|(n, s)| SupportLine {
                        number: *n,
                        title: title(*n),
                        cost: euros(cost(*n)),
                        support: s.to_string(),
                        bar: (*s * 300 / max) as i64,
                        funded: last && official.contains(n),
                        greedy: v.greedy.contains(n),
                        mes: v.mes.as_ref().is_some_and(|m| m.contains(n)),
                    })
                    .collect(),
                greedy_spent: euros(g),
                mes_spent: m.map(euros),
                greedy_bar: g * 300 / budget,
                mes_bar: m.unwrap_or(0) * 300 / budget,
            }
        })
        .collect()
}

pub async fn results(ctx: Ctx, Path((slug, process)): Path<(String, String)>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let r = match ctx
        .state
        .app
        .participation()
        .pb_results(&ente, &process)
        .await
    {
        Ok(r) => r,
        Err(e) => return page_for(&ctx, e),
    };
    let cost = |n: i64| cost_of(&r.process, n);
    let title = |n: i64| title_of(&r.process, n);
    let official = r.official();
    let pct = |x: f64| format!("{x:.1}%").replace('.', ",");
    let min_voters = ctx.state.app.settings.pb_min_voters_to_publish;
    // The shift between the votes shows counts too: only when every vote is published.
    let all_published = r.process.row.historical || r.votes.iter().all(|v| v.ballots >= min_voters);
    render(&ResultsPage {
        page: ctx.page_for_ente(ctx.t("pb.results"), &ente.name, &ente.slug),
        slug,
        process,
        title: r.process.row.title.clone(),
        rule: ctx
            .t(match r.process.row.rule {
                sportello_app::pb::CountingRule::Mes => "pb.mes",
                sportello_app::pb::CountingRule::Greedy => "pb.greedy",
            })
            .to_owned(),
        budget: euros(r.process.row.budget),
        votes: view(ctx.lang(), &r, min_voters),
        min_voters: min_voters.to_string(),
        official_spent: euros(official.iter().map(|&n| cost(n)).sum()),
        official: official
            .iter()
            .map(|&n| (n, title(n), euros(cost(n))))
            .collect(),
        shift: (if all_published { r.shift() } else { Vec::new() })
            .into_iter()
            .map(|(n, a, b, d)| {
                (
                    n,
                    title(n),
                    pct(a),
                    pct(b),
                    format!("{}{}", if d > 0.0 { "+" } else { "" }, pct(d)),
                    d >= 0.0,
                )
            })
            .collect(),
    })
}

pub async fn export(
    ctx: Ctx,
    Path((slug, process, file)): Path<(String, String, String)>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    // vote1.pb, vote2.pb, or vote1-<district>.pb
    let stem = file.strip_suffix(".pb").unwrap_or("");
    let (phase, district) = match stem.split_once('-') {
        Some((p, d)) => (p, Some(d)),
        None => (stem, None),
    };
    let Some(phase) = Phase::parse(phase).ok().filter(|p| p.is_vote()) else {
        return page_for(&ctx, AppError::NotFound);
    };
    match ctx
        .state
        .app
        .participation()
        .pb_export(&ente, &process, phase, district)
        .await
    {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}-{process}-{phase}.pb\"",
                        ente.slug
                    ),
                ),
            ],
            text,
        )
            .into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

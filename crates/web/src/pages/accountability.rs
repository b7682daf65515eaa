//! Accountability's pages (issue 19): the times of procedures against their legal terms, an
//! ente's and the region's (Law 241/1990 art. 2 c.4-bis), drawn as SVG with the figures in a
//! table; the rating component's form; «avete detto, abbiamo fatto»; the office's ratings.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sportello_app::accountability::{Period, RatingSent, RatingSummary, ServiceTimes, TimesReport};
use sportello_app::model::RatingRow;
use sportello_app::{AppError, Refusal};
use sportello_domain::accountability::rating::Subject;
use sportello_domain::accountability::Maturity;

use super::services::{ente_or_404, fill, it_minutes};
use crate::context::{Ctx, Feedback, Page};
use crate::errors::{page_for, render, render_status};
use crate::extract::{AnswersFeedback, Anyone, CsrfForm, EnteStaff};

/// The period a dashboard is asked for: `?da=2026-01&a=2026-11`.
#[derive(Debug, Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    da: String,
    #[serde(default)]
    a: String,
}

/// The period asked for, the last twelve months when none is, or a message when it is wrong.
fn period_of(ctx: &Ctx, q: &PeriodQuery) -> (Period, Option<String>) {
    let default =
        Period::last_year(sportello_domain::calendar::in_rome(ctx.state.app.now()).date());
    if q.da.is_empty() && q.a.is_empty() {
        return (default, None);
    }
    // One end given: the other is the default's.
    let da = if q.da.trim().is_empty() {
        Period::text(default.from)
    } else {
        q.da.clone()
    };
    let a = if q.a.trim().is_empty() {
        Period::text(default.to)
    } else {
        q.a.clone()
    };
    match Period::parse(&da, &a) {
        Some(p) => (p, None),
        None => (default, Some(ctx.t("times.bad_period").to_owned())),
    }
}

/// One service's bar: the median against the term, the 90th percentile as a mark.
pub struct Bar {
    pub y: i64,
    pub label: String,
    pub median_w: i64,
    pub median_text: String,
    pub p90_x: Option<i64>,
    pub term_x: Option<i64>,
}

/// One month's column of the trend: the share within the term.
pub struct Column {
    pub x: i64,
    pub y: i64,
    pub h: i64,
    pub label: String,
    pub value: String,
}

const CHART_W: i64 = 640;
const LABEL_W: i64 = 0;
const ROW_H: i64 = 44;
const TREND_H: i64 = 160;

fn bars(report: &TimesReport) -> (Vec<Bar>, i64) {
    let shown: Vec<&ServiceTimes> = report
        .services
        .iter()
        .filter(|s| s.median_days.is_some())
        .collect();
    let max = shown
        .iter()
        .flat_map(|s| [s.median_days, s.p90_days, s.term_days.map(i64::from)])
        .flatten()
        .max()
        .unwrap_or(10)
        .max(10);
    let scale = |d: i64| LABEL_W + d.saturating_mul(CHART_W - LABEL_W - 60) / max;
    let bars = shown
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let median = s.median_days.unwrap_or(0);
            Bar {
                y: i64::try_from(i).unwrap_or(0).saturating_mul(ROW_H),
                label: s.title.clone(),
                median_w: scale(median).max(2),
                median_text: format!("{median}"),
                p90_x: s.p90_days.map(scale),
                term_x: s.term_days.map(|t| scale(i64::from(t))),
            }
        })
        .collect::<Vec<_>>();
    let h = i64::try_from(bars.len()).unwrap_or(0).saturating_mul(ROW_H);
    (bars, h)
}

fn columns(report: &TimesReport) -> Vec<Column> {
    let n = i64::try_from(report.trend.len().max(1)).unwrap_or(1);
    let step = CHART_W / n;
    report
        .trend
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let share = m.within_term_permille.unwrap_or(0);
            let h = share.saturating_mul(TREND_H) / 1000;
            Column {
                x: i64::try_from(i).unwrap_or(0).saturating_mul(step) + step / 6,
                y: TREND_H - h,
                h,
                label: format!("{:02}/{}", m.month % 100, (m.month / 100) % 100),
                value: m
                    .within_term_permille
                    .map(permille)
                    .unwrap_or_else(|| "—".into()),
            }
        })
        .collect()
}

/// 666 as «66,6%».
pub fn permille(p: i64) -> String {
    format!("{},{}%", p / 10, p % 10)
}

/// A service's row of the table, in words.
pub struct TimesRow {
    pub anchor: String,
    pub title: String,
    pub term: String,
    pub filed: String,
    pub channels: String,
    pub decided: String,
    pub within: String,
    pub median: String,
    pub p90: String,
    pub silent: String,
    pub withdrawn: String,
    pub open: String,
    pub maturity: String,
}

fn row(ctx: &Ctx, s: &ServiceTimes) -> TimesRow {
    let days = |d: Option<i64>| d.map_or_else(|| "—".to_owned(), |d| d.to_string());
    let c = &s.counts;
    TimesRow {
        anchor: format!("servizio-{}", s.service_id),
        title: if s.title.is_empty() {
            ctx.t("times.total").to_owned()
        } else {
            s.title.clone()
        },
        term: s.term_days.map_or_else(
            || "—".to_owned(),
            |t| fill(ctx.t("times.days"), &[&t.to_string()]),
        ),
        filed: c.filed().unwrap_or(0).to_string(),
        channels: fill(
            ctx.t("times.channels"),
            &[
                &c.filed_online.to_string(),
                &c.filed_assisted.to_string(),
                &c.filed_intermediary.to_string(),
            ],
        ),
        decided: c.decided.to_string(),
        within: c
            .within_term_permille()
            .map(permille)
            .unwrap_or_else(|| "—".into()),
        median: days(s.median_days),
        p90: days(s.p90_days),
        silent: c.silent.to_string(),
        withdrawn: c.withdrawn.to_string(),
        open: match s.open_change {
            0 => format!("{} (=)", s.open_at_end),
            n if n > 0 => format!("{} (+{n})", s.open_at_end),
            n => format!("{} ({n})", s.open_at_end),
        },
        maturity: s
            .maturity
            .iter()
            .map(|(m, n)| {
                let level = ctx.t(maturity_key(*m));
                // The region's levels say in how many enti; an ente's is its own.
                if s.maturity.len() > 1 || (*n > 1) {
                    fill(ctx.t("times.maturity_in"), &[level, &n.to_string()])
                } else {
                    level.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

pub fn maturity_key(m: Maturity) -> &'static str {
    match m {
        Maturity::Information => "ladder.1",
        Maturity::DownloadableForm => "ladder.2",
        Maturity::Upload => "ladder.3",
        Maturity::FullyOnline => "ladder.4",
        Maturity::Proactive => "ladder.5",
    }
}

#[derive(Template)]
#[template(path = "times.html")]
struct TimesPage {
    page: Page,
    /// The ente's slug, or none for the region.
    slug: Option<String>,
    heading: String,
    from: String,
    to: String,
    error: Option<String>,
    rows: Vec<TimesRow>,
    total: TimesRow,
    bars: Vec<Bar>,
    bars_h: i64,
    columns: Vec<Column>,
    trend_rows: Vec<(String, String, String, String, String)>,
    rolled: Option<String>,
    empty: bool,
    /// An ente's reports and bookings over the last year (the region's page has none).
    doors: Option<Doors>,
}

/// The two everyday doors besides applications, in figures: reports of the last
/// [`sportello_app::reports::VIEW_DAYS`] days and bookings of the last twelve months.
pub struct Doors {
    pub reports: i64,
    pub resolved: i64,
    pub closed: i64,
    pub open: i64,
    /// Mean days to resolution, weighted by the resolved reports of each category.
    pub mean_days: String,
    pub booked: i64,
    pub attended: i64,
    pub no_show: i64,
    pub cancelled: i64,
    pub walk_ins: i64,
}

async fn doors(
    ctx: &Ctx,
    ente: sportello_domain::tenancy::EnteId,
) -> Result<Doors, sportello_app::AppError> {
    let counts = ctx.state.app.reports().counts(ente).await?;
    let (mut open, mut resolved, mut closed, mut days) = (0i64, 0i64, 0i64, 0f64);
    for r in &counts.rows {
        open = open.saturating_add(r.open);
        resolved = resolved.saturating_add(r.resolved);
        closed = closed.saturating_add(r.closed);
        if let Some(d) = r.mean_days {
            days += d * r.resolved as f64;
        }
    }
    let now = sportello_domain::calendar::in_rome(ctx.state.app.now()).date();
    let since = now - time::Duration::days(365);
    let since = format!("{:04}-{:02}", since.year(), u8::from(since.month()));
    let months = ctx.state.app.bookings().month_counts(ente).await?;
    let mut d = Doors {
        reports: open.saturating_add(resolved).saturating_add(closed),
        resolved,
        closed,
        open,
        mean_days: if resolved > 0 {
            format!("{:.1}", days / resolved as f64).replace('.', ",")
        } else {
            "—".into()
        },
        booked: 0,
        attended: 0,
        no_show: 0,
        cancelled: 0,
        walk_ins: 0,
    };
    for m in months.iter().filter(|m| m.month > since) {
        d.booked = d.booked.saturating_add(m.booked);
        d.attended = d.attended.saturating_add(m.attended);
        d.no_show = d.no_show.saturating_add(m.no_show);
        d.cancelled = d.cancelled.saturating_add(m.cancelled);
        d.walk_ins = d.walk_ins.saturating_add(m.walk_ins);
    }
    Ok(d)
}

#[allow(clippy::too_many_arguments)] // the page's parts
fn times_page(
    ctx: &Ctx,
    page: Page,
    slug: Option<String>,
    heading: String,
    report: TimesReport,
    error: Option<String>,
    typed: &PeriodQuery,
    doors: Option<Doors>,
) -> Response {
    let (bars, bars_h) = bars(&report);
    let current = sportello_domain::accountability::month_key(
        sportello_domain::calendar::in_rome(ctx.state.app.now()).date(),
    );
    let columns = columns(&report);
    let trend_rows = report
        .trend
        .iter()
        .map(|m| {
            (
                if m.month == current {
                    fill(ctx.t("times.month_current"), &[&Period::text(m.month)])
                } else {
                    Period::text(m.month)
                },
                m.filed.to_string(),
                m.decided.to_string(),
                m.within_term_permille
                    .map(permille)
                    .unwrap_or_else(|| "—".into()),
                m.median_days
                    .map_or_else(|| "—".to_owned(), |d| d.to_string()),
            )
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &TimesPage {
            page,
            slug,
            heading,
            // A refused period is shown as it was typed, to be corrected.
            from: if error.is_some() {
                typed.da.clone()
            } else {
                Period::text(report.period.from)
            },
            to: if error.is_some() {
                typed.a.clone()
            } else {
                Period::text(report.period.to)
            },
            error,
            empty: report.total.counts.filed().unwrap_or(0) == 0
                && report.total.counts.decided == 0,
            rows: report.services.iter().map(|s| row(ctx, s)).collect(),
            total: row(ctx, &report.total),
            bars,
            bars_h,
            columns,
            trend_rows,
            doors,
            rolled: report
                .rolled_at
                .map(|ms| it_minutes(sportello_app::model::from_millis(ms))),
        },
    )
}

/// An ente's times: `/{slug}/trasparenza/tempi`.
pub async fn ente_times(
    ctx: Ctx,
    Path(slug): Path<String>,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let (period, error) = period_of(&ctx, &q);
    let report = match ctx
        .state
        .app
        .accountability()
        .ente_times(ente.ente_id(), period)
        .await
    {
        Ok(r) => r,
        Err(e) => return page_for(&ctx, e),
    };
    let doors = match doors(&ctx, ente.ente_id()).await {
        Ok(d) => d,
        Err(e) => return page_for(&ctx, e),
    };
    let page = ctx.page_for_ente(ctx.t("times.title"), &ente.name, &ente.slug);
    let heading = fill(ctx.t("times.heading_ente"), &[&ente.name]);
    times_page(
        &ctx,
        page,
        Some(ente.slug.clone()),
        heading,
        report,
        error,
        &q,
        Some(doors),
    )
}

/// The region's times: `/trasparenza/tempi`.
pub async fn region_times(ctx: Ctx, q: Result<Query<PeriodQuery>, QueryRejection>) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let (period, error) = period_of(&ctx, &q);
    let report = match ctx.state.app.accountability().region_times(period).await {
        Ok(r) => r,
        Err(e) => return page_for(&ctx, e),
    };
    let page = ctx.page(ctx.t("times.title"));
    let heading = fill(
        ctx.t("times.heading_region"),
        &[&ctx.state.app.settings.region.name],
    );
    times_page(&ctx, page, None, heading, report, error, &q, None)
}

/// What the rating form sends.
#[derive(Debug, Deserialize)]
pub struct RatingForm {
    #[serde(default)]
    soggetto: String,
    #[serde(default)]
    pagina: String,
    #[serde(default)]
    servizio: String,
    #[serde(default)]
    valutazione: String,
    #[serde(default)]
    motivo_positivo: String,
    #[serde(default)]
    motivo_negativo: String,
    #[serde(default)]
    commento: String,
}

#[derive(Template)]
#[template(path = "rating.html")]
struct RatingPage {
    page: Page,
    back: String,
}

/// The page a rating is about, if it is one of this ente's pages the router has: its path,
/// without the query. Anything else is no page to rate.
fn rated_path(slug: &str, asked: &str) -> Option<String> {
    let path = asked.split(['?', '#']).next().unwrap_or_default();
    let home = format!("/{slug}/");
    let ok = path.len() <= 300
        && path.starts_with(&home)
        && !path.contains("//")
        && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    (ok && routed(path)).then(|| path.to_owned())
}

/// Whether the router has a page at `path` (`/{slug}/…` templates, each `{x}` one segment).
fn routed(path: &str) -> bool {
    static TEMPLATES: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    let templates = TEMPLATES.get_or_init(|| {
        crate::routes::paths()
            .into_iter()
            .filter(|t| t.starts_with("/{slug}/"))
            .map(|t| t.split('/').collect())
            .collect()
    });
    let parts: Vec<&str> = path.split('/').collect();
    templates.iter().any(|t| {
        t.len() == parts.len()
            && t.iter().zip(&parts).all(|(a, b)| {
                if a.starts_with('{') {
                    !b.is_empty()
                } else {
                    a == b
                }
            })
    })
}

/// A resident's rating: counted, then back to the page with thanks. A rating that cannot be
/// kept is shown again on a page of its own, with what was chosen and why.
pub async fn rate(
    ctx: Ctx,
    Path(slug): Path<String>,
    CsrfForm(_, form): CsrfForm<Anyone, RatingForm>,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(page_path) = rated_path(&ente.slug, &form.pagina) else {
        return page_for(&ctx, AppError::NotFound);
    };
    let Ok(subject) = Subject::parse(&form.soggetto) else {
        return page_for(&ctx, AppError::NotFound);
    };
    let positive = form.valutazione.trim().parse::<u8>().is_ok_and(|s| s >= 4);
    let reason = if positive {
        &form.motivo_positivo
    } else {
        &form.motivo_negativo
    };
    let service = Some(form.servizio.trim()).filter(|s| !s.is_empty());
    let target = match subject {
        Subject::Page => page_path.as_str(),
        Subject::Service => match service {
            Some(s) => s,
            None => return page_for(&ctx, AppError::NotFound),
        },
    };
    let sent = RatingSent {
        ente: ente.ente_id(),
        subject,
        target,
        page: &page_path,
        service_id: service,
        binding: ctx.rating_binding(),
        stars: &form.valutazione,
        reason,
        comment: &form.commento,
    };
    match ctx.state.app.accountability().rate(&sent).await {
        Ok(first) => Redirect::to(&format!(
            "{page_path}?valutazione={}#valutazione",
            if first { "grazie" } else { "gia" }
        ))
        .into_response(),
        Err(AppError::Refusal(r @ Refusal::RatingRefused(_))) => {
            let mut page = ctx.page_for_ente(ctx.t("feedback.page_title"), &ente.name, &ente.slug);
            let mut f = Feedback::for_page(&page_path);
            if subject == Subject::Service {
                f = f.for_service(target);
            } else if let Some(s) = service {
                f = f.about_service(s);
            }
            f.kept = (
                form.valutazione.trim().to_owned(),
                reason.trim().to_owned(),
                form.commento.clone(),
            );
            f.error = Some(crate::refusals::refusal_message(ctx.lang(), &r));
            page.feedback = Some(f);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &RatingPage {
                    page,
                    back: page_path,
                },
            )
        }
        Err(e) => page_for(&ctx, e),
    }
}

/// A comment and its answer, as the public and the office read them.
pub struct CommentView {
    pub id: i64,
    pub what: String,
    /// The page rated, for a page's comment.
    pub href: Option<String>,
    pub stars: i64,
    pub reason: String,
    pub comment: String,
    pub at: String,
    pub answer: Option<String>,
    pub answered: String,
    pub public: bool,
    pub open: bool,
}

fn comment_view(
    ctx: &Ctx,
    r: RatingRow,
    titles: &std::collections::HashMap<String, String>,
) -> CommentView {
    let subject = Subject::parse(&r.subject).unwrap_or(Subject::Page);
    let what = match subject {
        Subject::Service => fill(
            ctx.t("feedback.about_service"),
            &[titles
                .get(&r.target)
                .map_or(r.target.as_str(), String::as_str)],
        ),
        Subject::Page => fill(ctx.t("feedback.about_page"), &[&r.target]),
    };
    let reason = r
        .reason
        .and_then(|i| u8::try_from(i).ok())
        .and_then(|i| {
            let stars = u8::try_from(r.stars).unwrap_or(1);
            sportello_domain::accountability::rating::reason_text(stars, i)
        })
        .unwrap_or_default()
        .to_owned();
    CommentView {
        id: r.id,
        what,
        href: (subject == Subject::Page).then(|| r.target.clone()),
        stars: r.stars,
        reason,
        comment: r.comment.unwrap_or_default(),
        at: it_minutes(sportello_app::model::from_millis(r.at)),
        answered: r
            .answered_at
            .map(|ms| it_minutes(sportello_app::model::from_millis(ms)))
            .unwrap_or_default(),
        answer: r.answer,
        public: r.public == 1,
        open: r.task_open == 1,
    }
}

async fn titles(
    ctx: &Ctx,
    ente: sportello_domain::tenancy::EnteId,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    ctx.state.app.accountability().service_titles(ente).await
}

#[derive(Template)]
#[template(path = "answers.html")]
struct AnswersPage {
    page: Page,
    comments: Vec<CommentView>,
}

/// «Avete detto, abbiamo fatto»: `/{slug}/trasparenza/avete-detto`.
pub async fn public_answers(ctx: Ctx, Path(slug): Path<String>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let acc = ctx.state.app.accountability();
    let (rows, titles) = match tokio::try_join!(
        acc.public_answers(ente.ente_id()),
        titles(&ctx, ente.ente_id())
    ) {
        Ok(x) => x,
        Err(e) => return page_for(&ctx, e),
    };
    render(&AnswersPage {
        page: ctx.page_for_ente(ctx.t("answers.title"), &ente.name, &ente.slug),
        comments: rows
            .into_iter()
            .map(|r| comment_view(&ctx, r, &titles))
            .collect(),
    })
}

/// One line of the office's report.
pub struct SummaryView {
    pub what: String,
    pub ratings: i64,
    pub mean: String,
    pub reasons: String,
}

fn summary_view(ctx: &Ctx, s: RatingSummary) -> SummaryView {
    let hundredths = |h: i64| format!("{},{:02}", h / 100, h % 100);
    SummaryView {
        what: match s.subject {
            Subject::Service => fill(ctx.t("feedback.about_service"), &[&s.title]),
            Subject::Page => fill(ctx.t("feedback.about_page"), &[&s.target]),
        },
        ratings: s.ratings,
        mean: s.mean.map_or_else(
            || "—".to_owned(),
            |(m, lo, hi)| {
                fill(
                    ctx.t("staff_feedback.mean"),
                    &[&hundredths(m), &hundredths(lo), &hundredths(hi)],
                )
            },
        ),
        reasons: s
            .reasons
            .iter()
            .map(|(r, n)| format!("{r}: {n}"))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

#[derive(Template)]
#[template(path = "staff_feedback.html")]
struct StaffFeedbackPage {
    page: Page,
    from: String,
    to: String,
    error: Option<String>,
    summaries: Vec<SummaryView>,
    comments: Vec<CommentView>,
    all: bool,
    done: bool,
    /// A refused answer: (rating id, message, what was typed).
    refused: Option<(i64, String, String)>,
}

/// The office's ratings query: the period, all comments or the open tasks, a done message.
#[derive(Debug, Deserialize, Default)]
pub struct StaffFeedbackQuery {
    #[serde(default)]
    da: String,
    #[serde(default)]
    a: String,
    #[serde(default)]
    tutti: String,
    #[serde(default)]
    fatto: String,
}

async fn staff_feedback_page(
    ctx: &Ctx,
    staff: &sportello_app::sessions::StaffPrincipal,
    q: &StaffFeedbackQuery,
    refused: Option<(i64, String, String)>,
) -> Response {
    let Some(ente) = staff.ente else {
        return page_for(ctx, AppError::NotFound);
    };
    let (period, error) = period_of(
        ctx,
        &PeriodQuery {
            da: q.da.clone(),
            a: q.a.clone(),
        },
    );
    let all = q.tutti == "1";
    let acc = ctx.state.app.accountability();
    let (summaries, comments, titles) = match tokio::try_join!(
        acc.rating_report(staff, period),
        acc.comments(staff, !all),
        titles(ctx, ente)
    ) {
        Ok(x) => x,
        Err(e) => return page_for(ctx, e),
    };
    let status = if refused.is_some() || error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &StaffFeedbackPage {
            page: ctx.page(ctx.t("staff_feedback.title")),
            from: Period::text(period.from),
            to: Period::text(period.to),
            error,
            summaries: summaries
                .into_iter()
                .map(|s| summary_view(ctx, s))
                .collect(),
            comments: comments
                .into_iter()
                .map(|r| comment_view(ctx, r, &titles))
                .collect(),
            all,
            done: q.fatto == "risposta",
            refused,
        },
    )
}

/// The office's ratings and comments: `/staff/valutazioni`.
pub async fn staff_feedback(
    ctx: Ctx,
    staff: EnteStaff<AnswersFeedback>,
    q: Result<Query<StaffFeedbackQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    staff_feedback_page(&ctx, &staff.staff, &q, None).await
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    risposta: String,
    #[serde(default)]
    pubblica: String,
}

/// The office answers a comment: `/staff/valutazioni/{id}/risposta`.
pub async fn answer(
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(staff, form): CsrfForm<EnteStaff<AnswersFeedback>, AnswerForm>,
) -> Response {
    let public = form.pubblica == "1";
    match ctx
        .state
        .app
        .accountability()
        .answer(&staff.staff, id, &form.risposta, public)
        .await
    {
        Ok(()) => Redirect::to("/staff/valutazioni?fatto=risposta").into_response(),
        Err(AppError::Refusal(r)) => {
            let message = crate::refusals::refusal_message(ctx.lang(), &r);
            staff_feedback_page(
                &ctx,
                &staff.staff,
                &StaffFeedbackQuery::default(),
                Some((id, message, form.risposta)),
            )
            .await
        }
        Err(e) => page_for(&ctx, e),
    }
}

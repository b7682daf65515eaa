//! A booking's page, to the resident signed in or to whoever has the e-mail's link: its state,
//! the invitation to download, and moving or cancelling it.

use super::*;

// ---------------------------------------------------------------------------------------------
// A booking's page: to the resident signed in, or to whoever has the e-mail's link.

#[derive(Template)]
#[template(path = "bookings_show.html")]
struct ShowPage {
    page: Page,
    slug: String,
    ente: String,
    booking: BookingCard,
    /// Where its actions post and link: `/{ente}/prenotazioni/appuntamento/{id}` or
    /// `/{ente}/prenotazioni/gestisci/{token}`.
    base: String,
    notice: String,
    /// The invitation can be downloaded (the signed-in resident's page).
    invitation: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    esito: String,
}

fn notice_of(ctx: &Ctx, esito: &str, view: &BookingView) -> String {
    match esito {
        "inviata" if view.state == BookingState::Requested => ctx.t("bookings.sent_requested"),
        "inviata" => ctx.t("bookings.sent_confirmed"),
        "annullata" => ctx.t("bookings.cancelled_notice"),
        "spostata" => ctx.t("bookings.moved_notice"),
        _ => "",
    }
    .to_string()
}

fn show_page(
    ctx: &Ctx,
    ente: &EnteRow,
    view: &BookingView,
    base: String,
    notice: String,
    invitation: bool,
) -> Response {
    render(&ShowPage {
        page: ctx.page_for_ente(ctx.t("bookings.show_title"), &ente.name, &ente.slug),
        slug: ente.slug.clone(),
        ente: ente.name.clone(),
        booking: booking_card(ctx, view),
        base,
        notice,
        invitation,
    })
}

pub async fn show(
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    query: Result<Query<ShowQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(who) = ctx.citizen().cloned() else {
        return Redirect::to(&format!(
            "/accedi?torna=/{}/prenotazioni/appuntamento/{id}",
            ente.slug
        ))
        .into_response();
    };
    match ctx.state.app.bookings().own(ente.ente_id(), &who, id).await {
        Ok(view) if view.state != BookingState::Held && view.state != BookingState::Expired => {
            let notice = notice_of(&ctx, &q.esito, &view);
            let base = format!("/{}/prenotazioni/appuntamento/{id}", ente.slug);
            show_page(&ctx, &ente, &view, base, notice, true)
        }
        Ok(_) => page_for(&ctx, AppError::NotFound),
        Err(e) => page_for(&ctx, e),
    }
}

/// The booking's invitation (`.ics`), for the resident signed in.
pub async fn invitation(ctx: Ctx, Path((slug, id)): Path<(String, i64)>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(who) = ctx.citizen().cloned() else {
        return Redirect::to(&format!(
            "/accedi?torna=/{}/prenotazioni/appuntamento/{id}",
            ente.slug
        ))
        .into_response();
    };
    match ctx
        .state
        .app
        .bookings()
        .invitation_of(ente.ente_id(), &who, id)
        .await
    {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"appuntamento.ics\"",
                ),
            ],
            text,
        )
            .into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn by_link(
    ctx: Ctx,
    Path((slug, token)): Path<(String, String)>,
    query: Result<Query<ShowQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    match ctx.state.app.bookings().by_link(&token).await {
        Ok((of, view)) if of == ente.ente_id() => {
            let notice = notice_of(&ctx, &q.esito, &view);
            let base = format!("/{}/prenotazioni/gestisci/{token}", ente.slug);
            show_page(&ctx, &ente, &view, base, notice, false)
        }
        Ok(_) => page_for(&ctx, AppError::NotFound),
        Err(e) => page_for(&ctx, e),
    }
}

/// Who is acting on a booking's page: the resident signed in (by id), or the link's holder.
enum Actor {
    Resident(Box<sportello_domain::identity::CitizenIdentity>, i64),
    Link(String),
}

impl Actor {
    /// The booking's pages for this actor.
    fn base(&self, ente: &EnteRow) -> String {
        match self {
            Actor::Resident(_, id) => format!("/{}/prenotazioni/appuntamento/{id}", ente.slug),
            Actor::Link(t) => format!("/{}/prenotazioni/gestisci/{t}", ente.slug),
        }
    }

    fn manage(&self) -> Manage<'_> {
        match self {
            Actor::Resident(c, _) => Manage::Resident(c),
            Actor::Link(t) => Manage::Link(t),
        }
    }
}

/// The id of the booking the actor acts on (the app checks it is theirs when it acts).
async fn act_id(ctx: &Ctx, ente: &EnteRow, actor: &Actor) -> Result<i64, AppError> {
    match actor {
        Actor::Resident(_, id) => Ok(*id),
        Actor::Link(_) => Ok(target(ctx, ente, actor).await?.row.id),
    }
}

/// The booking the actor acts on, in this ente (404 for anyone else's, or another ente's).
async fn target(ctx: &Ctx, ente: &EnteRow, actor: &Actor) -> Result<BookingView, AppError> {
    let bookings = ctx.state.app.bookings();
    match actor {
        Actor::Resident(c, id) => bookings.own(ente.ente_id(), c, *id).await,
        Actor::Link(t) => match bookings.by_link(t).await? {
            (of, v) if of == ente.ente_id() => Ok(v),
            _ => Err(AppError::NotFound),
        },
    }
}

async fn cancel_as(ctx: Ctx, slug: String, actor: Actor) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let id = match act_id(&ctx, &ente, &actor).await {
        Ok(id) => id,
        Err(e) => return page_for(&ctx, e),
    };
    let base = actor.base(&ente);
    match ctx
        .state
        .app
        .bookings()
        .cancel(ente.ente_id(), actor.manage(), id)
        .await
    {
        Ok(_) => Redirect::to(&format!("{base}?esito=annullata")).into_response(),
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn cancel(
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfFields(CitizenHere(who), _): CsrfFields<CitizenHere>,
) -> Response {
    cancel_as(ctx, slug, Actor::Resident(Box::new(who), id)).await
}

pub async fn cancel_by_link(
    ctx: Ctx,
    Path((slug, token)): Path<(String, String)>,
    CsrfFields(Anyone, _): CsrfFields<Anyone>,
) -> Response {
    cancel_as(ctx, slug, Actor::Link(token)).await
}

async fn move_page_as(
    ctx: Ctx,
    slug: String,
    actor: Actor,
    day: Option<Date>,
    problem: String,
    status: StatusCode,
) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let view = match target(&ctx, &ente, &actor).await {
        Ok(v) if v.may_change => v,
        Ok(v) if v.state.is_live() => {
            return page_for(&ctx, AppError::Booking(BookingProblem::TooLate))
        }
        Ok(_) => return page_for(&ctx, AppError::Booking(BookingProblem::NotNow)),
        Err(e) => return page_for(&ctx, e),
    };
    let base = actor.base(&ente);
    let calendar = view.calendar.clone();
    when_page(
        &ctx,
        WhenArgs {
            ente: &ente,
            calendar: &calendar,
            day: day.or(Some(view.start.date())),
            from: None,
            action: format!("{base}/sposta"),
            here: format!("{base}/sposta"),
            moving: Some(booking_card(&ctx, &view)),
            problem,
            notice: String::new(),
            service: String::new(),
            status,
        },
    )
    .await
}

pub async fn move_page(
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    query: Result<Query<WhenQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let Some(who) = ctx.citizen().cloned() else {
        return Redirect::to(&format!(
            "/accedi?torna=/{slug}/prenotazioni/appuntamento/{id}"
        ))
        .into_response();
    };
    move_page_as(
        ctx,
        slug,
        Actor::Resident(Box::new(who), id),
        parse_day(&q.giorno),
        String::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn move_page_by_link(
    ctx: Ctx,
    Path((slug, token)): Path<(String, String)>,
    query: Result<Query<WhenQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    move_page_as(
        ctx,
        slug,
        Actor::Link(token),
        parse_day(&q.giorno),
        String::new(),
        StatusCode::OK,
    )
    .await
}

async fn move_as(ctx: Ctx, slug: String, actor: Actor, fields: Vec<(String, String)>) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let id = match act_id(&ctx, &ente, &actor).await {
        Ok(id) => id,
        Err(e) => return page_for(&ctx, e),
    };
    let base = actor.base(&ente);
    let start: Option<i64> = field(&fields, "inizio").trim().parse().ok();
    let manage = actor.manage();
    let refused = match start {
        None => BookingProblem::NoSlot,
        Some(start) => match ctx
            .state
            .app
            .bookings()
            .reschedule(ente.ente_id(), manage, id, start)
            .await
        {
            Ok(_) => return Redirect::to(&format!("{base}?esito=spostata")).into_response(),
            Err(AppError::Booking(p))
                if matches!(
                    p,
                    BookingProblem::Full | BookingProblem::NoSlot | BookingProblem::NotBookable
                ) =>
            {
                p
            }
            Err(e) => return page_for(&ctx, e),
        },
    };
    let day = start
        .map(|s| sportello_domain::calendar::in_rome(sportello_app::model::from_millis(s)).date());
    let status = if refused == BookingProblem::Full {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let words = problem_words(&ctx, &refused).1;
    move_page_as(ctx, slug, actor, day, words, status).await
}

pub async fn move_booking(
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfFields(CitizenHere(who), fields): CsrfFields<CitizenHere>,
) -> Response {
    move_as(ctx, slug, Actor::Resident(Box::new(who), id), fields).await
}

pub async fn move_by_link(
    ctx: Ctx,
    Path((slug, token)): Path<(String, String)>,
    CsrfFields(Anyone, fields): CsrfFields<Anyone>,
) -> Response {
    move_as(ctx, slug, Actor::Link(token), fields).await
}

#[derive(Template)]
#[template(path = "bookings_cancel.html")]
struct CancelPage {
    page: Page,
    booking: BookingCard,
    base: String,
}

/// «Vuoi davvero annullare?»: the form that cancels, one step from the booking's page.
async fn cancel_page_as(ctx: Ctx, slug: String, actor: Actor) -> Response {
    let ente = match ente_or_404(&ctx, &slug).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let base = actor.base(&ente);
    match target(&ctx, &ente, &actor).await {
        Ok(v) if v.may_change => render(&CancelPage {
            page: ctx.page_for_ente(ctx.t("bookings.cancel_title"), &ente.name, &ente.slug),
            booking: booking_card(&ctx, &v),
            base,
        }),
        Ok(v) if v.state.is_live() => page_for(&ctx, AppError::Booking(BookingProblem::TooLate)),
        Ok(_) => page_for(&ctx, AppError::Booking(BookingProblem::NotNow)),
        Err(e) => page_for(&ctx, e),
    }
}

pub async fn cancel_page(ctx: Ctx, Path((slug, id)): Path<(String, i64)>) -> Response {
    let Some(who) = ctx.citizen().cloned() else {
        return Redirect::to(&format!(
            "/accedi?torna=/{slug}/prenotazioni/appuntamento/{id}"
        ))
        .into_response();
    };
    cancel_page_as(ctx, slug, Actor::Resident(Box::new(who), id)).await
}

pub async fn cancel_page_by_link(
    ctx: Ctx,
    Path((slug, token)): Path<(String, String)>,
) -> Response {
    cancel_page_as(ctx, slug, Actor::Link(token)).await
}

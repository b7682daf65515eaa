//! Staff: sign-in with password and second factor, and the desk they land on.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sportello_app::sessions::StaffPrincipal;
use sportello_app::staff::StaffLoginError;
use sportello_app::AppError;
use sportello_domain::identity::{may, Permission};

use crate::context::{redirect_with_cookies, set_cookie, Ctx, Page, SESSION_COOKIE};
use crate::errors::{page_for, render, render_status};
use crate::extract::{Anyone, OriginForm, Staff};

#[derive(Template)]
#[template(path = "staff_sign_in.html")]
struct StaffSignIn {
    page: Page,
    username: String,
    /// (field id, message) for the error summary.
    errors: Vec<(&'static str, String)>,
    username_error: Option<String>,
    password_error: Option<String>,
    code_error: Option<String>,
}

impl StaffSignIn {
    fn new(page: Page, username: String) -> Self {
        Self {
            page,
            username,
            errors: vec![],
            username_error: None,
            password_error: None,
            code_error: None,
        }
    }

    fn error(mut self, field: &'static str, text: &str) -> Self {
        self.errors.push((field, text.to_string()));
        match field {
            "username" => self.username_error = Some(text.into()),
            "password" => self.password_error = Some(text.into()),
            _ => self.code_error = Some(text.into()),
        }
        self
    }
}

pub async fn redirect_home() -> Redirect {
    Redirect::permanent("/staff/")
}

pub async fn sign_in_form(ctx: Ctx) -> Response {
    if ctx.staff().is_some() {
        return Redirect::to("/staff/").into_response();
    }
    render(&StaffSignIn::new(
        ctx.page(ctx.t("staff.signin_title")),
        String::new(),
    ))
}

#[derive(serde::Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub async fn sign_in(
    ctx: Ctx,
    OriginForm(_, form, token_ok): OriginForm<Anyone, SignInForm>,
) -> Response {
    let username: String = form.username.trim().chars().take(100).collect();
    let view = StaffSignIn::new(ctx.page(ctx.t("staff.signin_title")), username.clone());
    if !token_ok {
        return render_status(
            StatusCode::FORBIDDEN,
            &view.error("username", ctx.t("form.csrf")),
        );
    }
    if username.is_empty() || form.password.is_empty() {
        let mut view = view;
        if username.is_empty() {
            view = view.error("username", ctx.t("staff.error.username_missing"));
        }
        if form.password.is_empty() {
            view = view.error("password", ctx.t("staff.error.password_missing"));
        }
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    // Each client address has so many attempts a minute, before any password is hashed.
    if let Some(addr) = ctx.req.client {
        if let Err(wait) = ctx
            .state
            .sign_in_throttle
            .attempt(addr, std::time::Instant::now())
        {
            let mut r = render_status(
                StatusCode::TOO_MANY_REQUESTS,
                &view.error("username", ctx.t("staff.error.address_throttled")),
            );
            crate::errors::retry_after(&mut r, wait);
            return r;
        }
    }
    let app = &ctx.state.app;
    match app
        .identity()
        .staff_login(&username, &form.password, &form.code)
        .await
    {
        Ok(token) => {
            if let Some(old) = &ctx.req.session_token {
                // The new session stands either way; an old one left behind expires by itself.
                if let Err(e) = app.identity().end_session(old).await {
                    tracing::warn!(error = %e, "the previous session could not be ended");
                }
            }
            let cookie = set_cookie(
                SESSION_COOKIE,
                &token,
                None,
                ctx.state.settings.secure_cookies,
            );
            redirect_with_cookies("/staff/", &[cookie])
        }
        Err(AppError::StaffLogin(reason)) => {
            let (status, field, key) = match reason {
                StaffLoginError::InvalidCredentials => (
                    StatusCode::UNAUTHORIZED,
                    "password",
                    "staff.error.credentials",
                ),
                StaffLoginError::TooSoon(_) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "password",
                    "staff.error.too_soon",
                ),
                StaffLoginError::Locked(_) => {
                    (StatusCode::LOCKED, "username", "staff.error.locked")
                }
                StaffLoginError::SecondFactorRequired => (
                    StatusCode::UNAUTHORIZED,
                    "code",
                    "staff.error.code_required",
                ),
                StaffLoginError::SecondFactorNotEnrolled => {
                    (StatusCode::FORBIDDEN, "code", "staff.error.not_enrolled")
                }
            };
            render_status(status, &view.error(field, ctx.t(key)))
        }
        Err(other) => page_for(&ctx, other),
    }
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct StaffHome {
    page: Page,
    staff: StaffPrincipal,
    ente_name: Option<String>,
    role_keys: Vec<String>,
    is_admin: bool,
    is_paas: bool,
    works_cases: bool,
    /// The desk's counts of open cases: (queue view, message key, how many).
    todo: Vec<(&'static str, &'static str, usize)>,
    /// Open cases assigned to this person.
    mine: usize,
    /// Documents routed to the offices and not yet taken: (entry id, number, subject, office).
    routed: Vec<(i64, String, String, String)>,
    /// The name of the office this person works in, if one.
    office_name: Option<String>,
    /// Routed documents this person took in charge: (entry id, number, subject, office).
    taken: Vec<(i64, String, String, String)>,
    /// The registry clerk's incoming documents to route: (entry id, number, subject, from).
    to_route: Vec<(i64, String, String, String)>,
    is_clerk: bool,
}

/// A routed document as the desk lists it.
fn route_line(r: sportello_app::model::RouteRow) -> (i64, String, String, String) {
    (
        r.registration_id,
        format!(
            "{}/{}",
            sportello_domain::protocol::format_number(r.number),
            r.year
        ),
        r.subject,
        r.office_name,
    )
}

pub async fn home(ctx: Ctx, Staff { staff, .. }: Staff) -> Response {
    let ente_name = match staff.ente {
        Some(id) => match ctx.state.app.ente_by_id(id).await {
            Ok(e) => Some(e.name),
            Err(e) => return page_for(&ctx, e),
        },
        None => None,
    };
    let works_cases = staff.ente.is_some() && may(&staff.roles, Permission::SeeCases);
    let (todo, mine) = if works_cases {
        let office = ctx.state.app.back_office();
        let open = sportello_app::back_office::QueueFilter {
            open_only: true,
            ..Default::default()
        };
        match tokio::try_join!(
            office.office_open_view_counts(&staff, &open),
            office.office_queue_counts(
                &staff,
                &open,
                sportello_app::back_office::QueueFacet::Assignee
            )
        ) {
            Ok((views, whose)) => (
                super::queue::OPEN_VIEWS
                    .iter()
                    .zip(views)
                    .map(|((code, key), n)| (*code, *key, n))
                    .collect::<Vec<_>>(),
                whose
                    .unwrap_or_default()
                    .iter()
                    .filter(|(k, _)| *k == staff.id.to_string())
                    .map(|(_, n)| *n)
                    .sum::<usize>(),
            ),
            Err(e) => return page_for(&ctx, e),
        }
    } else {
        (Vec::new(), 0)
    };
    let acts_on_cases = staff.ente.is_some() && may(&staff.roles, Permission::ActOnCases);
    let is_clerk = staff.ente.is_some() && may(&staff.roles, Permission::Register);
    let registry = ctx.state.app.registry();
    let (routed, taken) = if acts_on_cases {
        match tokio::try_join!(
            registry.routes_waiting(&staff),
            registry.taken_by_me(&staff)
        ) {
            Ok((waiting, taken)) => (
                waiting.into_iter().map(route_line).collect(),
                taken.into_iter().map(route_line).collect(),
            ),
            Err(e) => return page_for(&ctx, e),
        }
    } else {
        (Vec::new(), Vec::new())
    };
    let to_route = if is_clerk {
        match registry.to_route(&staff).await {
            Ok(rows) => rows
                .into_iter()
                .map(|r| {
                    (
                        r.id,
                        format!(
                            "{}/{}",
                            sportello_domain::protocol::format_number(r.number),
                            r.year
                        ),
                        r.subject,
                        r.correspondent,
                    )
                })
                .collect(),
            Err(e) => return page_for(&ctx, e),
        }
    } else {
        Vec::new()
    };
    let office_name = match (&staff.office, staff.ente) {
        (Some(code), Some(ente)) => ctx
            .state
            .app
            .office_pages(ente)
            .await
            .ok()
            .and_then(|offices| offices.into_iter().find(|o| &o.code == code))
            .map(|o| o.name),
        _ => None,
    };
    render(&StaffHome {
        routed,
        taken,
        to_route,
        office_name,
        is_clerk,
        todo,
        mine,
        page: ctx.page(ctx.t("staff.home_title")),
        role_keys: staff
            .roles
            .iter()
            .map(|r| format!("role.{}", r.code()))
            .collect(),
        is_admin: may(&staff.roles, Permission::Administer),
        works_cases,
        is_paas: may(&staff.roles, Permission::AssistCitizens),
        ente_name,
        staff,
    })
}

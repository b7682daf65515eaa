//! Staff sign-in: password, TOTP for administrators, growing delay and lock, CSRF, new
//! session id at sign-in.

use sportello_app::demo::{DEMO_STAFF_PASSWORD, DEMO_TOTP_SECRET};
use sportello_app::staff::StaffLoginError;
use sportello_app::AppError;
use sportello_domain::identity::totp;
use sportello_testkit::{
    client, client_with_jar, cookie_header, csrf_of, location, spawn_app, spawn_app_with, Options,
    TestClock,
};

async fn login(
    c: &reqwest::Client,
    url: &str,
    user: &str,
    password: &str,
    code: &str,
) -> reqwest::Response {
    let page = sportello_testkit::text_of(c, &format!("{url}/staff/accedi")).await;
    c.post(format!("{url}/staff/accedi"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("username", user),
            ("password", password),
            ("code", code),
        ])
        .send()
        .await
        .unwrap()
}

fn code_at(unix: i64) -> String {
    format!(
        "{:06}",
        totp::code_at(&totp::decode_secret(DEMO_TOTP_SECRET).unwrap(), unix)
    )
}

#[tokio::test]
async fn an_operator_signs_in_and_sees_the_desk() {
    let t = spawn_app().await;
    let c = client();
    assert_eq!(
        location(&c.get(format!("{}/staff/", t.url)).send().await.unwrap()),
        "/staff/accedi"
    );
    let r = login(&c, &t.url, "livorno.istruttore", DEMO_STAFF_PASSWORD, "").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/");
    let desk = sportello_testkit::text_of(&c, &format!("{}/staff/", t.url)).await;
    assert!(desk.contains("Istruttore"));
    assert!(desk.contains("Comune di Livorno"));
    t.stop().await;
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let t = spawn_app().await;
    let c = client();
    c.get(format!("{}/staff/accedi", t.url))
        .send()
        .await
        .unwrap();
    let r = c
        .post(format!("{}/staff/accedi", t.url))
        .form(&[
            ("csrf", "forged"),
            ("username", "livorno.istruttore"),
            ("password", DEMO_STAFF_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("La pagina è scaduta"));
    assert!(
        html.contains("value=\"livorno.istruttore\""),
        "what was typed is kept"
    );
    // Missing fields: named in the error summary and next to each field.
    let page = sportello_testkit::text_of(&c, &format!("{}/staff/accedi", t.url)).await;
    let r = c
        .post(format!("{}/staff/accedi", t.url))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("username", ""),
            ("password", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#username\"") && html.contains("href=\"#password\""));
    assert!(html.contains("id=\"username-error\""));
    t.stop().await;
}

#[tokio::test]
async fn administrators_need_a_fresh_totp_code() {
    let clock = TestClock::new(time::OffsetDateTime::now_utc());
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let now = || sportello_app::Clock::now(clock.as_ref()).unix_timestamp();
    let c = client();
    let r = login(&c, &t.url, "livorno.admin", DEMO_STAFF_PASSWORD, "").await;
    assert_eq!(r.status(), 401);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Inserisci il codice di verifica"));
    let wrong = format!(
        "{:06}",
        (code_at(now()).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    assert_eq!(
        login(&c, &t.url, "livorno.admin", DEMO_STAFF_PASSWORD, &wrong)
            .await
            .status(),
        401
    );
    let code = code_at(now());
    let r = login(&c, &t.url, "livorno.admin", DEMO_STAFF_PASSWORD, &code).await;
    assert_eq!(r.status(), 303);
    let desk = sportello_testkit::text_of(&c, &format!("{}/staff/", t.url)).await;
    assert!(
        desk.contains("Amministratore dell&#39;ente")
            || desk.contains("Amministratore dell&#x27;ente"),
        "{desk}"
    );
    // The same code cannot be used twice.
    let other = client();
    assert_eq!(
        login(&other, &t.url, "livorno.admin", DEMO_STAFF_PASSWORD, &code)
            .await
            .status(),
        401
    );
    t.stop().await;
}

#[tokio::test]
async fn repeated_failures_slow_down_then_lock_the_account() {
    let clock = TestClock::new(time::OffsetDateTime::now_utc());
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let c = client();
    let user = "livorno.protocollo";
    for _ in 0..3 {
        assert_eq!(
            login(&c, &t.url, user, "wrong-password-123", "")
                .await
                .status(),
            401
        );
    }
    // Too soon after the third failure: refused without even checking the password.
    let r = login(&c, &t.url, user, DEMO_STAFF_PASSWORD, "").await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Troppi tentativi"));
    let mut last = 401;
    for _ in 3..10 {
        clock.advance(time::Duration::seconds(61));
        last = login(&c, &t.url, user, "wrong-password-123", "")
            .await
            .status()
            .as_u16();
    }
    assert_eq!(last, 423, "the tenth failure locks the account");
    clock.advance(time::Duration::minutes(5));
    let r = login(&c, &t.url, user, DEMO_STAFF_PASSWORD, "").await;
    assert_eq!(
        r.status(),
        423,
        "even the right password is refused while locked"
    );
    clock.advance(time::Duration::minutes(26));
    assert_eq!(
        login(&c, &t.url, user, DEMO_STAFF_PASSWORD, "")
            .await
            .status(),
        303
    );
    t.stop().await;
}

#[tokio::test]
async fn sign_in_always_issues_a_new_session_id() {
    let t = spawn_app().await;
    let (c, jar) = client_with_jar();
    // An attacker plants a session cookie of their choosing before the victim signs in.
    jar.add_cookie_str(
        "sportello_session=attacker-chosen-value; Path=/",
        &t.url.parse().unwrap(),
    );
    let r = login(&c, &t.url, "livorno.istruttore", DEMO_STAFF_PASSWORD, "").await;
    assert_eq!(r.status(), 303);
    let cookies = cookie_header(&jar, &t.url);
    assert!(cookies.contains("sportello_session="));
    assert!(!cookies.contains("attacker-chosen-value"), "{cookies}");
    t.stop().await;
}

/// Guesses sent at once are counted like guesses sent one by one: each is claimed (counted)
/// before its password is verified, so a burst of forty verifies no more than the policy lets
/// one client try in a row (before, all forty were verified and the count lost most of them).
#[tokio::test]
async fn parallel_guesses_are_counted_as_many_failures() {
    let t = spawn_app().await;
    let app = t.app().clone();
    let burst: Vec<_> = (0..40)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                app.identity()
                    .staff_login("livorno.istruttore", &format!("sbagliata-{i}"), "")
                    .await
            })
        })
        .collect();
    let mut verified = 0;
    for h in burst {
        match h.await.unwrap() {
            Err(AppError::StaffLogin(StaffLoginError::TooSoon(_))) => {}
            Err(AppError::StaffLogin(
                StaffLoginError::InvalidCredentials | StaffLoginError::Locked(_),
            )) => verified += 1,
            other => panic!("{other:?}"),
        }
    }
    let policy = sportello_domain::identity::LockoutPolicy::default();
    assert!(
        (1..=policy.free_failures + 1).contains(&verified),
        "{verified} guesses verified at once"
    );
    let row = app
        .store()
        .staff_user_by_username("livorno.istruttore")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.failed_attempts,
        i64::from(verified),
        "every verified guess counted"
    );
}

/// One TOTP code signs in once, however many requests carry it at the same moment.
#[tokio::test]
async fn a_totp_code_signs_in_once_under_concurrency() {
    let t = spawn_app().await;
    let app = t.app().clone();
    let secret = totp::decode_secret(DEMO_TOTP_SECRET).unwrap();
    let code = format!(
        "{:06}",
        totp::code_at(&secret, time::OffsetDateTime::now_utc().unix_timestamp())
    );
    let burst: Vec<_> = (0..8)
        .map(|_| {
            let (app, code) = (app.clone(), code.clone());
            tokio::spawn(async move {
                app.identity()
                    .staff_login("livorno.admin", DEMO_STAFF_PASSWORD, &code)
                    .await
            })
        })
        .collect();
    let mut signed_in = 0;
    for h in burst {
        if h.await.unwrap().is_ok() {
            signed_in += 1;
        }
    }
    assert_eq!(signed_in, 1, "one code, one sign-in");
    // The same code again, alone: refused.
    assert!(app
        .identity()
        .staff_login("livorno.admin", DEMO_STAFF_PASSWORD, &code)
        .await
        .is_err());
}

/// A name that is no account is answered as an account is: failures counted, then delays,
/// then the lock, in the same words, so the answers do not tell which names exist.
#[tokio::test]
async fn unknown_names_are_answered_like_accounts() {
    let t = spawn_app().await;
    let app = t.app().clone();
    let answers = |name: &'static str| {
        let app = app.clone();
        async move {
            let mut seen = Vec::new();
            for i in 0..6 {
                let r = app
                    .identity()
                    .staff_login(name, &format!("sbagliata-{i}"), "")
                    .await;
                seen.push(match r {
                    Err(AppError::StaffLogin(StaffLoginError::InvalidCredentials)) => "invalid",
                    Err(AppError::StaffLogin(StaffLoginError::TooSoon(_))) => "too soon",
                    Err(AppError::StaffLogin(StaffLoginError::Locked(_))) => "locked",
                    other => panic!("{other:?}"),
                });
            }
            seen
        }
    };
    let existing = answers("livorno.istruttore").await;
    let unknown = answers("nessuno.qui").await;
    assert_eq!(existing, unknown);
    assert!(existing.contains(&"too soon"), "{existing:?}");
}

/// Sign-in attempts a minute from one client address are bounded before any password is
/// checked; an `X-Forwarded-For` counts only from a trusted proxy (else anyone could rotate it).
#[tokio::test]
async fn sign_ins_are_throttled_per_client_address() {
    let t = sportello_testkit::spawn_app_with(sportello_testkit::Options {
        sign_ins_per_address_per_minute: Some(5),
        ..Default::default()
    })
    .await;
    let url = t.url.clone();
    // A new name each time: each name has its own lockout, and this is about the address.
    let names = std::sync::atomic::AtomicUsize::new(0);
    let next_name = || {
        format!(
            "nessuno.{}",
            names.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        )
    };
    let attempt = |forwarded: Option<&'static str>| {
        let name = next_name();
        let url = url.clone();
        async move {
            let c = sportello_testkit::client();
            let page = sportello_testkit::text_of(&c, &format!("{url}/staff/accedi")).await;
            let mut r = c.post(format!("{url}/staff/accedi")).form(&[
                ("csrf", sportello_testkit::csrf_of(&page).as_str()),
                ("username", name.as_str()),
                ("password", "sbagliata-ma-lunga"),
            ]);
            if let Some(f) = forwarded {
                r = r.header("X-Forwarded-For", f);
            }
            r.send().await.unwrap()
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt(None).await.status(), 401);
    }
    let sixth = attempt(None).await;
    assert_eq!(sixth.status(), 429);
    assert!(sixth.headers().contains_key("retry-after"));
    assert!(sixth.text().await.unwrap().contains("Troppi tentativi"));
    // A made-up forwarded address from a client that is no trusted proxy changes nothing.
    assert_eq!(attempt(Some("198.51.100.1")).await.status(), 429);
    t.stop().await;

    // Behind a trusted proxy (here, loopback), each forwarded client has its own minute.
    let t = sportello_testkit::spawn_app_with(sportello_testkit::Options {
        sign_ins_per_address_per_minute: Some(2),
        trusted_proxies: vec!["127.0.0.1".into()],
        ..Default::default()
    })
    .await;
    let url2 = t.url.clone();
    let attempt = |forwarded: &'static str| {
        let name = next_name();
        let url = url2.clone();
        async move {
            let c = sportello_testkit::client();
            let page = sportello_testkit::text_of(&c, &format!("{url}/staff/accedi")).await;
            c.post(format!("{url}/staff/accedi"))
                .header("X-Forwarded-For", forwarded)
                .form(&[
                    ("csrf", sportello_testkit::csrf_of(&page).as_str()),
                    ("username", name.as_str()),
                    ("password", "sbagliata-ma-lunga"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(attempt("203.0.113.1").await, 401);
    assert_eq!(attempt("203.0.113.1").await, 401);
    assert_eq!(attempt("203.0.113.1").await, 429);
    assert_eq!(
        attempt("203.0.113.2").await,
        401,
        "another client behind the proxy"
    );
    t.stop().await;
}

/// The part of a page between two markers (the first after `start`).
fn section<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in the page"));
    let rest = &html[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[tokio::test]
async fn staff_pages_wear_their_municipality_and_their_own_menu() {
    let t = spawn_app().await;
    let c = client();
    crate::authz_support::staff_login(&c, &t.url, "livorno.istruttore", false).await;
    for path in ["/staff/", "/staff/pratiche", "/staff/protocollo"] {
        let page = sportello_testkit::text_of(&c, &format!("{}{path}", t.url)).await;
        let brand = section(&page, "it-brand-title", "</div>");
        assert!(brand.contains("Comune di Livorno"), "{path}: {brand}");
        let nav = section(&page, "aria-label=\"Menu degli operatori\"", "</nav>");
        assert!(nav.contains("href=\"/staff/pratiche\""), "{path}");
        assert!(nav.contains("href=\"/staff/protocollo\""), "{path}");
        // An istruttore does not administer: the menu offers only what the roles open.
        assert!(!nav.contains("/staff/servizi"), "{path}");
        assert!(!nav.contains("Area personale"), "{path}: no citizen menu");
    }
    let queue = sportello_testkit::text_of(&c, &format!("{}/staff/pratiche", t.url)).await;
    let nav = section(&queue, "aria-label=\"Menu degli operatori\"", "</nav>");
    assert!(nav.contains("href=\"/staff/pratiche\" aria-current=\"page\""));
    t.stop().await;
}

#[tokio::test]
async fn sign_in_and_the_personal_area_keep_the_municipality() {
    let t = spawn_app().await;
    let c = client();
    // The sign-in link on a municipality's page comes back to it and keeps its header.
    let services = sportello_testkit::text_of(&c, &format!("{}/livorno/servizi", t.url)).await;
    assert!(services.contains("href=\"/accedi?torna=%2Flivorno%2Fservizi\""));
    let sign_in =
        sportello_testkit::text_of(&c, &format!("{}/accedi?torna=%2Flivorno%2Fservizi", t.url))
            .await;
    assert!(section(&sign_in, "it-brand-title", "</div>").contains("Comune di Livorno"));
    // The personal area, reached from Livorno's pages, says where the person is.
    assert!(services.contains("href=\"/area-personale?comune=livorno\""));
    let r = c
        .get(format!("{}/area-personale?comune=livorno", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&r),
        "/accedi?torna=%2Farea-personale%3Fcomune%3Dlivorno"
    );
    let sign_in = sportello_testkit::text_of(&c, &format!("{}{}", t.url, location(&r))).await;
    assert!(section(&sign_in, "it-brand-title", "</div>").contains("Comune di Livorno"));
    // A name that is not a municipality changes nothing.
    let sign_in =
        sportello_testkit::text_of(&c, &format!("{}/accedi?torna=%2Fnessuno%2F", t.url)).await;
    assert!(!sign_in.contains("Comune di"));
    t.stop().await;
}

#[tokio::test]
async fn staff_sign_out_leads_back_to_the_staff_sign_in() {
    let t = spawn_app().await;
    let c = client();
    crate::authz_support::staff_login(&c, &t.url, "livorno.istruttore", false).await;
    let desk = sportello_testkit::text_of(&c, &format!("{}/staff/", t.url)).await;
    let r = c
        .post(format!("{}/esci", t.url))
        .form(&[("csrf", csrf_of(&desk))])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/staff/accedi?uscito=1");
    let page = sportello_testkit::text_of(&c, &format!("{}/staff/accedi?uscito=1", t.url)).await;
    assert!(page.contains("Sei uscito."));
    t.stop().await;
}

#[tokio::test]
async fn a_resident_signs_out_where_they_were() {
    let t = spawn_app().await;
    let c = client();
    sportello_testkit::demo_sign_in(&c, &t.url, "mario-rossi", "L2").await;
    let area =
        sportello_testkit::text_of(&c, &format!("{}/area-personale?comune=livorno", t.url)).await;
    assert!(area.contains("name=\"comune\" value=\"livorno\""));
    let r = c
        .post(format!("{}/esci", t.url))
        .form(&[("csrf", csrf_of(&area).as_str()), ("comune", "livorno")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/livorno/?uscito=1");
    let home = sportello_testkit::text_of(&c, &format!("{}/livorno/?uscito=1", t.url)).await;
    assert!(home.contains("Sei uscito dall"));
    // Anything but a municipality's name leads to the portal.
    sportello_testkit::demo_sign_in(&c, &t.url, "mario-rossi", "L2").await;
    let area = sportello_testkit::text_of(&c, &format!("{}/area-personale", t.url)).await;
    let r = c
        .post(format!("{}/esci", t.url))
        .form(&[
            ("csrf", csrf_of(&area).as_str()),
            ("comune", "//evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/?uscito=1");
    t.stop().await;
}

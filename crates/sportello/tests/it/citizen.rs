//! Citizens signing in through the demo identity provider (the production OpenID Connect
//! code, against the built-in provider), the personal area, and sign-out.

use sportello_testkit::{
    client, client_with_jar, cookie_header, csrf_of, demo_sign_in, form_fields, location,
    spawn_app, TestApp,
};

/// Starts a sign-in with the demo provider in `c`'s browser and approves it there; returns the
/// callback link the provider sends the browser back to.
pub(crate) async fn approved_callback(c: &reqwest::Client, url: &str, torna: &str) -> String {
    let start = c
        .get(format!("{url}/accedi/demo?torna={torna}"))
        .send()
        .await
        .unwrap();
    let page = c
        .get(location(&start))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let approved = c
        .post(format!("{url}/demo-idp/authorize"))
        .form(&form_fields(&page))
        .send()
        .await
        .unwrap();
    location(&approved)
}

pub async fn sessions(t: &TestApp) -> i64 {
    t.app()
        .store()
        .count_sessions(sportello_store::to_millis(t.app().now()))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_persona_signs_in_at_l2_sees_the_personal_area_and_signs_out() {
    let t = spawn_app().await;
    let c = client();
    let r = c
        .get(format!("{}/area-personale", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/accedi?torna=/area-personale");
    let landing = demo_sign_in(&c, &t.url, "giulia-bianchi", "L2").await;
    assert_eq!(landing, "/area-personale");
    let html = c
        .get(format!("{}/area-personale", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let persona = sportello_app::demo::persona("giulia-bianchi").unwrap();
    let cf = persona.fiscal_code().unwrap().to_string();
    assert!(html.contains("Giulia Bianchi"));
    assert!(
        html.contains(&format!("data-testid=\"fiscal-code\">{cf}<")),
        "{html}"
    );
    assert!(html.contains("data-testid=\"spid-level\">SPID livello 2 "));
    assert_eq!(sessions(&t).await, 1);

    // Sign-out without the CSRF token is refused and changes nothing.
    let r = c
        .post(format!("{}/esci", t.url))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(sessions(&t).await, 1);
    let r = c
        .post(format!("{}/esci", t.url))
        .form(&[("csrf", csrf_of(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/?uscito=1");
    assert_eq!(sessions(&t).await, 0, "the session ends on the server");
    let r = c
        .get(format!("{}/area-personale", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "signed out");
    t.stop().await;
}

#[tokio::test]
async fn a_copied_session_cookie_is_useless_after_sign_out() {
    let t = spawn_app().await;
    let (c, jar) = client_with_jar();
    demo_sign_in(&c, &t.url, "mario-rossi", "L2").await;
    let cookies = cookie_header(&jar, &t.url);
    assert!(cookies.contains("sportello_session="));
    // Somebody copies the cookie into another browser: it works while the session lives…
    let other = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = other
        .get(format!("{}/area-personale", t.url))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // …and not after the owner signs out, because the session ends on the server.
    let page = c
        .get(format!("{}/area-personale", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    c.post(format!("{}/esci", t.url))
        .form(&[("csrf", csrf_of(&page))])
        .send()
        .await
        .unwrap();
    let r = other
        .get(format!("{}/area-personale", t.url))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    t.stop().await;
}

#[tokio::test]
async fn wrong_or_replayed_state_is_refused_without_a_session() {
    let t = spawn_app().await;
    let c = client();
    let r = c
        .get(format!("{}/accedi/callback?state=forged&code=abc", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let no_session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .all(|v| !v.to_str().unwrap().starts_with("sportello_session="));
    assert!(no_session);
    assert!(r.text().await.unwrap().contains("Accesso non riuscito"));

    // A callback URL used twice: the second time the state is gone.
    let callback = approved_callback(&c, &t.url, "/area-personale").await;
    assert_eq!(c.get(&callback).send().await.unwrap().status(), 303);
    let again = c.get(&callback).send().await.unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("già stata usata"));
    assert_eq!(crate::citizen::sessions(&t).await, 1);
    t.stop().await;
}

/// Plays the relying party by hand at the demo provider: approves a sign-in with a PKCE
/// challenge of `verifier` and returns the authorization code and the redirect URI, to reach
/// the token endpoint with a known verifier.
pub(crate) async fn provider_code(
    c: &reqwest::Client,
    url: &str,
    verifier: &str,
) -> (String, String) {
    let challenge = sportello_app::crypto::pkce_challenge(verifier);
    let redirect = format!("{url}/accedi/callback");
    let authorize = format!(
        "{url}/demo-idp/authorize?response_type=code&client_id=sportello-demo&redirect_uri={}&scope=openid&state=s&nonce=n&code_challenge={challenge}&code_challenge_method=S256",
        url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
    );
    let page = sportello_testkit::text_of(c, &authorize).await;
    let approved = c
        .post(format!("{url}/demo-idp/authorize"))
        .form(&form_fields(&page))
        .send()
        .await
        .unwrap();
    let back = url::Url::parse(&location(&approved)).unwrap();
    let code = back
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    (code, redirect)
}

#[tokio::test]
async fn the_demo_provider_redeems_a_code_once_and_checks_pkce() {
    let t = spawn_app().await;
    let c = client();
    let verifier = "a".repeat(43);
    let (code, redirect) = provider_code(&c, &t.url, &verifier).await;
    let secret = t.app().identity().demo_client_secret().unwrap().to_string();
    let token = |verifier: String| {
        let c = c.clone();
        let code = code.clone();
        let redirect = redirect.clone();
        let secret = secret.clone();
        let url = format!("{}/demo-idp/token", t.url);
        async move {
            c.post(url)
                .basic_auth("sportello-demo", Some(secret))
                .form(&[
                    ("grant_type", "authorization_code".to_string()),
                    ("code", code),
                    ("redirect_uri", redirect),
                    ("code_verifier", verifier),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let wrong = token("b".repeat(43)).await;
    assert_eq!(wrong.status(), 400, "a wrong PKCE verifier burns the code");
    let replay = token(verifier.clone()).await;
    assert_eq!(replay.status(), 400);
    let body: serde_json::Value = replay.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    // Unknown client: the page refuses without redirecting anywhere.
    let bad = c
        .get(format!(
            "{}/demo-idp/authorize?client_id=evil&redirect_uri=https%3A%2F%2Fevil.example%2F",
            t.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    t.stop().await;
}

#[tokio::test]
async fn the_demo_provider_exists_only_in_demo_mode() {
    let t = sportello_testkit::spawn_app_with(sportello_testkit::Options {
        demo: false,
        ..Default::default()
    })
    .await;
    let c = client();
    for path in [
        "/demo-idp/.well-known/openid-configuration",
        "/demo-idp/jwks",
        "/demo-idp/authorize",
    ] {
        assert_eq!(
            c.get(format!("{}{path}", t.url))
                .send()
                .await
                .unwrap()
                .status(),
            404,
            "{path}"
        );
    }
    let home = c
        .get(format!("{}/", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!home.contains("DEMO"), "no demo banner outside demo mode");
    assert_eq!(
        c.get(format!("{}/accedi/demo", t.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    t.stop().await;
}

/// Login CSRF: an attacker starts a sign-in in their own browser, approves it as themselves,
/// and sends the callback link to a victim. Opened in the victim's browser it signs no one in;
/// the flow is spent, and the attacker cannot use it either.
#[tokio::test]
async fn a_callback_link_made_in_another_browser_signs_no_one_in() {
    let t = spawn_app().await;
    let attacker = client();
    let link = approved_callback(&attacker, &t.url, "/area-personale").await;
    let bound = attacker
        .get(format!("{}/accedi/demo", t.url))
        .send()
        .await
        .unwrap()
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("sportello_flow_"));
    assert!(bound, "each flow is bound to the browser that started it");
    let victim = client();
    let r = victim.get(&link).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r
        .headers()
        .get_all("set-cookie")
        .iter()
        .all(|v| !v.to_str().unwrap().starts_with("sportello_session=")));
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("avviato in un altro browser"));
    assert_eq!(sessions(&t).await, 0);
    assert_eq!(attacker.get(&link).send().await.unwrap().status(), 400);
    assert_eq!(sessions(&t).await, 0);
    t.stop().await;
}

/// A return path browsers would read as another site (a tab or newline after the first
/// slash, a backslash) is never followed: not after the language switch, not after sign-in.
#[tokio::test]
async fn return_paths_never_lead_to_another_site() {
    let t = spawn_app().await;
    let c = client();
    for torna in [
        "/%09/evil.example",
        "/%0A/evil.example",
        "/%5Cevil.example",
        "//evil.example",
    ] {
        let r = c
            .get(format!("{}/lingua?l=en&torna={torna}", t.url))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "{torna}: {}", r.status());
        assert_eq!(location(&r), "/", "{torna}");
    }
    // Through a whole sign-in: the flow keeps only a safe path.
    let callback = approved_callback(&c, &t.url, "/%09/evil.example").await;
    let done = c.get(&callback).send().await.unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(location(&done), "/area-personale");
    t.stop().await;
}

/// "Esci da tutti i dispositivi" ends every browser's session and every API token of the
/// person; and a person keeps at most ten live sessions, the oldest ending first.
#[tokio::test]
async fn a_citizen_signs_out_everywhere_and_tokens_do_not_pile_up() {
    // A clock of the test's: each token a millisecond after the one before, so "the oldest"
    // is one (tokens of the same millisecond have no order between them).
    let clock = sportello_testkit::TestClock::new(time::OffsetDateTime::now_utc());
    let t = sportello_testkit::spawn_app_with(sportello_testkit::Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let (home, away) = (client(), client());
    demo_sign_in(&home, &t.url, "mario-rossi", "L2").await;
    demo_sign_in(&away, &t.url, "mario-rossi", "L2").await;
    let area = |c: reqwest::Client| {
        let url = format!("{}/area-personale", t.url);
        async move { c.get(url).send().await.unwrap() }
    };
    assert_eq!(area(away.clone()).await.status(), 200);
    let page = area(home.clone()).await.text().await.unwrap();
    assert!(page.contains("Esci da tutti i dispositivi"));
    let r = home
        .post(format!("{}/esci", t.url))
        .form(&[("csrf", csrf_of(&page).as_str()), ("ovunque", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = area(away.clone()).await;
    assert_eq!(r.status(), 303, "the other browser is signed out too");
    assert!(location(&r).starts_with("/accedi"));
    assert_eq!(sessions(&t).await, 0);

    // Twelve API tokens: the two oldest have ended.
    let who = crate::apply::citizen("mario-rossi", sportello_domain::identity::SpidLevel::L2);
    let mut tokens = Vec::new();
    for _ in 0..12 {
        clock.advance(time::Duration::milliseconds(1));
        tokens.push(t.app().identity().api_token(&who).await.unwrap());
    }
    assert_eq!(
        sessions(&t).await,
        sportello_app::sessions::SESSIONS_PER_PERSON
    );
    let live = |token: String| {
        let app = t.app().clone();
        async move {
            app.identity()
                .resolve_session(&token)
                .await
                .unwrap()
                .is_some()
        }
    };
    assert!(!live(tokens[0].clone()).await && !live(tokens[1].clone()).await);
    assert!(live(tokens[11].clone()).await);
}

/// Each sign-in start writes a flow: so many a minute from one client address, then 429.
#[tokio::test]
async fn sign_in_starts_are_throttled_per_client_address() {
    let t = sportello_testkit::spawn_app_with(sportello_testkit::Options {
        sign_in_starts_per_address_per_minute: Some(3),
        ..Default::default()
    })
    .await;
    let start = || {
        let url = format!("{}/accedi/demo?torna=/area-personale", t.url);
        async move { client().get(url).send().await.unwrap() }
    };
    for _ in 0..3 {
        assert_eq!(start().await.status(), 303);
    }
    let r = start().await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("Troppe richieste"));
    t.stop().await;
}

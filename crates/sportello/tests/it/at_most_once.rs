//! Every "at most once" rule under concurrency, on whichever database the suite runs on: a
//! sign-in callback signs in once, an authorization code is redeemed once, an Idempotency-Key
//! files once, an annulment is asked for and authorised once. (The staff lockout and the TOTP
//! code are in staff.rs, one submission per draft in apply.rs, one ballot per voter in the
//! store's tests, one application per person on a click day in clickday.rs.)

use sportello_domain::identity::SpidLevel;
use sportello_testkit::{client, csrf_of, location, spawn_app, text_of};

use crate::authz_support::staff_login;

const AT_ONCE: usize = 8;

/// Sends `AT_ONCE` copies of a request at the same time and returns their statuses and
/// `Location` headers.
async fn all_at_once<F, Fut>(send: F) -> Vec<(u16, String)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Response> + Send + 'static,
{
    let tasks: Vec<_> = (0..AT_ONCE).map(|_| tokio::spawn(send())).collect();
    let mut out = vec![];
    for task in tasks {
        let r = task.await.unwrap();
        let to = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        out.push((r.status().as_u16(), to));
    }
    out
}

#[tokio::test]
async fn a_sign_in_callback_signs_in_once() {
    let t = spawn_app().await;
    let c = client();
    let callback = crate::citizen::approved_callback(&c, &t.url, "/area-personale").await;
    let before = crate::citizen::sessions(&t).await;
    let answers = all_at_once(|| {
        let (c, callback) = (c.clone(), callback.clone());
        async move { c.get(callback).send().await.unwrap() }
    })
    .await;
    let signed_in = answers
        .iter()
        .filter(|(s, to)| *s == 303 && to == "/area-personale")
        .count();
    assert_eq!(signed_in, 1, "{answers:?}");
    assert_eq!(crate::citizen::sessions(&t).await, before + 1);
    t.stop().await;
}

#[tokio::test]
async fn an_authorization_code_is_redeemed_once() {
    let t = spawn_app().await;
    let c = client();
    let verifier = "v".repeat(43);
    let (code, redirect) = crate::citizen::provider_code(&c, &t.url, &verifier).await;
    let secret = t.app().identity().demo_client_secret().unwrap().to_string();
    let endpoint = format!("{}/demo-idp/token", t.url);
    let answers = all_at_once(|| {
        let (c, endpoint, secret) = (c.clone(), endpoint.clone(), secret.clone());
        let form = [
            ("grant_type", "authorization_code".to_string()),
            ("code", code.clone()),
            ("redirect_uri", redirect.clone()),
            ("code_verifier", verifier.clone()),
        ];
        async move {
            c.post(endpoint)
                .basic_auth("sportello-demo", Some(secret))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    })
    .await;
    let redeemed = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(redeemed, 1, "{answers:?}");
    assert!(answers.iter().all(|(s, _)| *s == 200 || *s == 400));
    t.stop().await;
}

#[tokio::test]
async fn an_idempotency_key_files_once() {
    let (t, _clock, livorno) = crate::clickday::on_the_click_day(Default::default()).await;
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    let cf = mario.fiscal_code.to_string();
    let tasks: Vec<_> = (0..AT_ONCE)
        .map(|_| {
            let app = t.app().clone();
            let (mario, filing) = (mario.clone(), crate::clickday::filing(&cf, "k-once"));
            tokio::spawn(async move {
                app.applications()
                    .apply_at_once(livorno, "contributo-click-day", &mario, &filing)
                    .await
            })
        })
        .collect();
    let mut numbers = std::collections::BTreeSet::new();
    for task in tasks {
        let (receipt, _) = task.await.unwrap().unwrap();
        numbers.insert(receipt.number);
    }
    assert_eq!(
        numbers.len(),
        1,
        "one registration for one key: {numbers:?}"
    );
    let mine = t
        .app()
        .applications()
        .my_applications(&mario)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1, "one application filed");
    t.stop().await;
}

#[tokio::test]
async fn an_annulment_is_asked_for_and_authorised_once() {
    let t = spawn_app().await;
    let url = t.url.clone();
    let clerk = client();
    staff_login(&clerk, &url, "livorno.protocollo", false).await;
    let form = text_of(&clerk, &format!("{url}/staff/protocollo/nuova")).await;
    let csrf = csrf_of(&form);
    let r = clerk
        .post(format!("{url}/staff/protocollo/nuova"))
        .multipart(crate::registry::register_form(
            &csrf,
            "Registrato per errore",
            true,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let entry = format!("{url}{}", location(&r));
    // Asked for by the clerk eight times at once, authorised by the officer eight times at
    // once: one request, one annulment; the others are told it is done (409).
    let once = |c: reqwest::Client, to: String, form: Vec<(&'static str, String)>| async move {
        let answers = all_at_once(|| {
            let (c, to, form) = (c.clone(), to.clone(), form.clone());
            async move { c.post(to).form(&form).send().await.unwrap() }
        })
        .await;
        assert_eq!(
            answers.iter().filter(|(s, _)| *s == 303).count(),
            1,
            "once: {answers:?}"
        );
        assert!(
            answers.iter().all(|(s, _)| *s == 303 || *s == 409),
            "{answers:?}"
        );
    };
    once(
        clerk.clone(),
        format!("{entry}/annulla"),
        vec![("csrf", csrf.clone()), ("motivo", "Doppione".into())],
    )
    .await;
    let officer = client();
    staff_login(&officer, &url, "livorno.responsabile", false).await;
    let token = csrf_of(&text_of(&officer, &entry).await);
    once(
        officer.clone(),
        format!("{entry}/autorizza"),
        vec![("csrf", token)],
    )
    .await;
    let page = text_of(&officer, &entry).await;
    assert_eq!(page.matches("data-testid=\"annulled\"").count(), 1);
    t.stop().await;
}

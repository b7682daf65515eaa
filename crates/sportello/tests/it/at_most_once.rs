//! Every "at most once" rule under concurrency, on whichever database the suite runs on: a
//! sign-in callback signs in once, an authorization code is redeemed once, an Idempotency-Key
//! files once, an annulment is asked for and authorised once. (The staff lockout and the TOTP
//! code are in staff.rs, one submission per draft in apply.rs, one ballot per voter in the
//! store's tests, one application per person on a click day in clickday.rs.)

use sportello_domain::identity::SpidLevel;
use sportello_testkit::{client, csrf_of, form_fields, location, spawn_app};

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
    let challenge = sportello_app::crypto::pkce_challenge(&verifier);
    let redirect = format!("{}/accedi/callback", t.url);
    let page = c
        .get(format!(
            "{}/demo-idp/authorize?response_type=code&client_id=sportello-demo&redirect_uri={}\
             &scope=openid&state=s&nonce=n&code_challenge={challenge}&code_challenge_method=S256",
            t.url,
            url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let approved = c
        .post(format!("{}/demo-idp/authorize", t.url))
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
    let form = clerk
        .get(format!("{url}/staff/protocollo/nuova"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
    let asked = all_at_once(|| {
        let (c, entry, csrf) = (clerk.clone(), entry.clone(), csrf.clone());
        async move {
            c.post(format!("{entry}/annulla"))
                .form(&[("csrf", csrf.as_str()), ("motivo", "Doppione")])
                .send()
                .await
                .unwrap()
        }
    })
    .await;
    assert_eq!(
        asked.iter().filter(|(s, _)| *s == 303).count(),
        1,
        "one request: {asked:?}"
    );
    assert!(
        asked.iter().all(|(s, _)| *s == 303 || *s == 409),
        "{asked:?}"
    );
    let officer = client();
    staff_login(&officer, &url, "livorno.responsabile", false).await;
    let page = officer
        .get(&entry)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_of(&page);
    let authorised = all_at_once(|| {
        let (c, entry, token) = (officer.clone(), entry.clone(), token.clone());
        async move {
            c.post(format!("{entry}/autorizza"))
                .form(&[("csrf", token.as_str())])
                .send()
                .await
                .unwrap()
        }
    })
    .await;
    assert_eq!(
        authorised.iter().filter(|(s, _)| *s == 303).count(),
        1,
        "one authorisation: {authorised:?}"
    );
    assert!(
        authorised.iter().all(|(s, _)| *s == 303 || *s == 409),
        "{authorised:?}"
    );
    let page = officer
        .get(&entry)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("data-testid=\"annulled\"").count(), 1);
    t.stop().await;
}

//! Signing in through a real external OpenID Connect provider: `oidc-provider` from the npm
//! registry, started on a free port by the harness (RS256 keys, its own PKCE and code checks).

use italian_ids::CodiceFiscale;
use sportello::config::{ProviderConfig, Secret};
use sportello_testkit::{client, location, spawn_app_with, NodeOidcProvider, Options};

#[tokio::test]
async fn sign_in_through_oidc_provider_from_npm() {
    // A homonym's code (omocodia) with the SPID prefix: both must be understood.
    let cf: CodiceFiscale = sportello_app::demo::persona("omar-haddad")
        .unwrap()
        .fiscal_code()
        .unwrap()
        .with_omocodia(2);
    let persona = serde_json::json!({
        "sub": "ext-omar", "fiscal_number": format!("TINIT-{cf}"),
        "given_name": "Omar", "family_name": "Haddad", "acr": "https://www.spid.gov.it/SpidL2",
    });
    let Some(mut idp) = NodeOidcProvider::start(&persona).await else {
        return;
    };
    let t = spawn_app_with(Options {
        demo: false,
        providers: vec![ProviderConfig {
            id: "spid".into(),
            label: "SPID".into(),
            issuer: idp.issuer.clone(),
            client_id: idp.client_id.clone(),
            client_secret: Some(Secret::from(idp.client_secret.clone())),
            private_key_file: None,
            key_id: None,
        }],
        clock: None,
        public_url: None,
        ..Default::default()
    })
    .await;
    idp.register(&format!("{}/accedi/callback", t.url)).await;

    let c = client();
    let choice = c
        .get(format!("{}/accedi", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(choice.contains("Entra con SPID"));
    let start = c
        .get(format!(
            "{}/accedi/spid?livello=L2&torna=/area-personale",
            t.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303);
    let mut next = location(&start);
    assert!(next.starts_with(&idp.issuer), "{next}");
    assert!(next.contains("code_challenge_method=S256"));
    // Follow the provider's own redirects until it sends the browser back to us.
    let callback = loop {
        let r = c.get(&next).send().await.unwrap();
        assert!(
            r.status().is_redirection(),
            "provider answered {}: {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
        let target = url::Url::parse(&next)
            .unwrap()
            .join(&location(&r))
            .unwrap()
            .to_string();
        if target.starts_with(&format!("{}/accedi/callback", t.url)) {
            break target;
        }
        next = target;
    };
    let done = c.get(&callback).send().await.unwrap();
    assert_eq!(
        done.status(),
        303,
        "{}",
        done.text().await.unwrap_or_default()
    );
    assert_eq!(location(&done), "/area-personale");
    let html = c
        .get(format!("{}/area-personale", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Omar Haddad"));
    assert!(html.contains(cf.as_str()));
    assert!(html.contains("data-testid=\"spid-level\">SPID livello 2 "));
    // The same callback again: refused (state used once; the provider would refuse the code too).
    assert_eq!(c.get(&callback).send().await.unwrap().status(), 400);
    t.stop().await;
    idp.stop().await;
}

//! Several `sportello` processes on one database: all state lives in the database, so any
//! process can serve any request of a journey.

use std::sync::Arc;

use sportello_testkit::{client, form_fields, location, spawn_app_on, Options, TestDatabase};

#[tokio::test]
async fn a_sign_in_hops_between_two_servers() {
    let db = Arc::new(TestDatabase::new().await.unwrap());
    let a = spawn_app_on(db.clone(), Options::default()).await;
    // Both processes answer for the same public address, as behind a load balancer.
    let b = spawn_app_on(
        db.clone(),
        Options {
            public_url: Some(a.url.clone()),
            ..Default::default()
        },
    )
    .await;
    let c = client();
    // Start on B…
    let start = c
        .get(format!("{}/accedi/demo?torna=/area-personale", b.url))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303);
    // …the provider page from A (public address)…
    let page = c
        .get(location(&start))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // …approve on B (the CSRF key is shared through the database)…
    let approved = c
        .post(format!("{}/demo-idp/authorize", b.url))
        .form(&form_fields(&page))
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 303);
    let callback = location(&approved).replace(&a.url, &b.url);
    // …finish on B (the flow was stored by B, the code by B, the key by A)…
    let done = c.get(&callback).send().await.unwrap();
    assert_eq!(
        done.status(),
        303,
        "{}",
        done.text().await.unwrap_or_default()
    );
    // …and the session works on both.
    for server in [&a, &b] {
        let html = c
            .get(format!("{}/area-personale", server.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Mario Rossi"), "{}", server.url);
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn an_import_through_one_server_shows_at_once_on_the_other() {
    let db = Arc::new(TestDatabase::new().await.unwrap());
    let a = spawn_app_on(db.clone(), Options::default()).await;
    let b = spawn_app_on(db.clone(), Options::default()).await;
    let c = client();
    let livorno = |url: String| {
        let c = c.clone();
        async move {
            let e: serde_json::Value = c
                .get(format!("{url}/api/v1/enti/049009"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let list: Vec<serde_json::Value> = c
                .get(format!("{url}/api/v1/enti?nome=livorno"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (
                e["population"].as_i64().unwrap(),
                list[0]["population"].as_i64().unwrap(),
            )
        }
    };
    assert_eq!(livorno(b.url.clone()).await, (157_052, 157_052));
    let updated = sportello::COMUNI_TOSCANA_CSV.replace(
        "049009,Livorno,Livorno,LI,E625,157052",
        "049009,Livorno,Livorno,LI,E625,160000",
    );
    let outcome = a.app().import_municipalities(&updated).await.unwrap();
    assert_eq!(outcome.updated, 1);
    assert_eq!(
        livorno(b.url.clone()).await,
        (160_000, 160_000),
        "B's list follows the database"
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_home_page_follows_an_import_at_once_here_and_within_a_second_elsewhere() {
    let db = Arc::new(TestDatabase::new().await.unwrap());
    let a = spawn_app_on(db.clone(), Options::default()).await;
    let b = spawn_app_on(db.clone(), Options::default()).await;
    let c = client();
    let home = |url: String| {
        let c = c.clone();
        async move {
            c.get(format!("{url}/livorno/"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    // Both processes now hold Livorno in memory (crate::hot in sportello-app).
    assert!(home(a.url.clone()).await.contains("157.052"));
    assert!(home(b.url.clone()).await.contains("157.052"));
    let updated = sportello::COMUNI_TOSCANA_CSV.replace(
        "049009,Livorno,Livorno,LI,E625,157052",
        "049009,Livorno,Livorno,LI,E625,160000",
    );
    assert_eq!(
        a.app()
            .import_municipalities(&updated)
            .await
            .unwrap()
            .updated,
        1
    );
    // The process that imported forgets what it held.
    let here = home(a.url.clone()).await;
    assert!(here.contains("160.000") && !here.contains("157.052"));
    // Another process holds it for at most a second (the TTL of sportello-app's hot.rs).
    let started = std::time::Instant::now();
    loop {
        let there = home(b.url.clone()).await;
        if there.contains("160.000") {
            break;
        }
        assert!(there.contains("157.052"));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "B kept the old row"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    a.stop().await;
    b.stop().await;
}

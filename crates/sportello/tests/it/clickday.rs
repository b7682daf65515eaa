//! The click day: filings ranked in order of arrival with their registration time to the
//! microsecond; the ones beyond the ente's quota registered all the same and told so; one
//! application per person, the second refused with the first's number.

use sportello_app::applications::Filing;
use sportello_app::AppError;
use sportello_domain::identity::{Role, SpidLevel};
use sportello_testkit::{client, spawn_app_with, Options, TestClock};

use crate::authz_support::staff_login;

pub(crate) fn filing(cf: &str, key: &str) -> Filing {
    Filing {
        values: [
            ("codice_fiscale", cf),
            ("email", "famiglia@example.invalid"),
            ("componenti", "4"),
            ("isee", "12.500,00"),
            ("iban", "IT60X0542811101000000123456"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        files: vec![],
        declaration: true,
        idempotency_key: Some(key.into()),
        given_as_rows: Default::default(),
    }
}

/// Waits until the registrar's load satisfies `reached` (polled; ten seconds at most), so that a
/// test orders filings by what the registrar holds, never by how long it slept.
async fn registrar_reaches(
    app: &sportello_app::App,
    what: &str,
    reached: impl Fn(sportello_app::RegistrarLoad) -> bool,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let load = app.registrar_load().unwrap();
        if reached(load) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the registrar never reached {what}: {load:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}

fn assert_window_closed<T: std::fmt::Debug>(result: Result<T, AppError>) {
    assert!(
        matches!(
            result,
            Err(AppError::Apply(
                sportello_app::applications::ApplyError::WindowNotOpen(_)
            ))
        ),
        "{result:?}"
    );
}

/// A server at the opening of the demo edition's window (1 December 2026, 09:00 in Italy), and
/// Livorno.
pub(crate) async fn on_the_click_day(
    options: Options,
) -> (
    sportello_testkit::TestApp,
    std::sync::Arc<TestClock>,
    sportello_domain::tenancy::EnteId,
) {
    let clock = TestClock::new(time::macros::datetime!(2026-12-01 08:00:01 UTC));
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..options
    })
    .await;
    let livorno = t.app().ente_by_slug("livorno").await.unwrap().ente_id();
    (t, clock, livorno)
}

#[tokio::test]
async fn first_come_first_served_with_a_quota() {
    // The demo edition's window opens on 1 December 2026 at 09:00 in Italy.
    let (t, clock, livorno) = on_the_click_day(Options::default()).await;
    let app = t.app();
    // Livorno funds two applications.
    let admin = sportello_app::sessions::StaffPrincipal {
        id: 0,
        username: "livorno.admin".into(),
        display_name: "Amministratore".into(),
        ente: Some(livorno),
        roles: vec![Role::EnteAdmin],
        ente_place: None,
        office: None,
    };
    let mut overrides = app
        .catalogue()
        .offered_service(livorno, "contributo-click-day")
        .await
        .unwrap()
        .overrides;
    overrides.quota = Some(2);
    app.catalogue()
        .set_adoption(&admin, livorno, "contributo-click-day", &overrides)
        .await
        .unwrap();

    let people: Vec<_> = ["mario-rossi", "giulia-bianchi", "anna-neri"]
        .iter()
        .map(|p| crate::apply::citizen(p, SpidLevel::L2))
        .collect();
    let mut receipts = Vec::new();
    for (i, who) in people.iter().enumerate() {
        clock.advance(time::Duration::microseconds(1500));
        let (r, created) = app
            .applications()
            .apply_at_once(
                livorno,
                "contributo-click-day",
                who,
                &filing(&who.fiscal_code, &format!("k{i}")),
            )
            .await
            .unwrap();
        assert!(created);
        // The answer given at once is the receipt as read back from the register.
        assert_eq!(
            r,
            app.applications()
                .receipt(livorno, &r.application_id, who)
                .await
                .unwrap()
        );
        receipts.push(r);
    }
    let positions: Vec<_> = receipts.iter().map(|r| (r.arrival, r.over_quota)).collect();
    assert_eq!(
        positions,
        vec![
            (Some(1), Some(false)),
            (Some(2), Some(false)),
            (Some(3), Some(true))
        ],
        "the third is beyond the quota, registered all the same"
    );
    assert!(receipts.iter().all(|r| !r.number.is_empty()));
    // The same key again: the same registration. Another key: the rule of one per person.
    let (again, created) = app
        .applications()
        .apply_at_once(
            livorno,
            "contributo-click-day",
            &people[0],
            &filing(&people[0].fiscal_code, "k0"),
        )
        .await
        .unwrap();
    assert!(!created && again.number == receipts[0].number);
    let second = app
        .applications()
        .apply_at_once(
            livorno,
            "contributo-click-day",
            &people[0],
            &filing(&people[0].fiscal_code, "other"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&second, AppError::Apply(sportello_app::applications::ApplyError::AlreadyFiled(n)) if *n == receipts[0].number),
        "{second:?}"
    );

    // The office's ranking: in order of arrival, to the microsecond, quota marked.
    let operator = client();
    staff_login(&operator, &t.url, "livorno.istruttore", false).await;
    let queue = operator
        .get(format!("{}/staff/pratiche", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains("/staff/graduatoria/contributo-click-day"));
    let page = operator
        .get(format!("{}/staff/graduatoria/contributo-click-day", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let first = page.find(people[0].fiscal_code.as_str()).unwrap();
    let third = page.find(people[2].fiscal_code.as_str()).unwrap();
    assert!(first < third, "in order of arrival");
    assert!(page.contains("oltre la quota") && page.contains("data-testid=\"quota\">2<"));
    assert!(
        page.contains(".001500") || page.contains(".0015"),
        "microseconds shown: {page}"
    );
    // Not a ranked service, or another ente's staff: nothing.
    assert_eq!(
        operator
            .get(format!(
                "{}/staff/graduatoria/occupazione-suolo-pubblico",
                t.url
            ))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn a_batch_decides_in_arrival_order_and_retries_get_their_registration() {
    let (t, clock, livorno) = on_the_click_day(Options::default()).await;
    let app = t.app();
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    let giulia = crate::apply::citizen("giulia-bianchi", SpidLevel::L2);

    // Filed together, so that they share the registrar's batches: Mario twice with one key and
    // five times with five others, Giulia once.
    let mario_filings: Vec<Filing> = [
        filing(&mario.fiscal_code, "same"),
        filing(&mario.fiscal_code, "same"),
    ]
    .into_iter()
    .chain((0..5).map(|i| filing(&mario.fiscal_code, &format!("m{i}"))))
    .collect();
    let giulia_filing = filing(&giulia.fiscal_code, "g0");
    // Anna files first, so that the register row exists; then the register is held, so that
    // the filings below queue up and the writer takes them in a batch.
    let anna = crate::apply::citizen("anna-neri", SpidLevel::L2);
    app.applications()
        .apply_at_once(
            livorno,
            "contributo-click-day",
            &anna,
            &filing(&anna.fiscal_code, "a0"),
        )
        .await
        .unwrap();
    let mut hold = app.store().begin().await.unwrap();
    sqlx::query("UPDATE protocol_registers SET last_number = last_number")
        .execute(&mut *hold)
        .await
        .unwrap();
    // Giulia's filing reaches the writer first and waits for the register; Mario's seven queue
    // behind it and make the next batch.
    let mut handles = Vec::new();
    for (i, (who, f)) in [(giulia.clone(), giulia_filing.clone())]
        .into_iter()
        .chain(mario_filings.into_iter().map(|f| (mario.clone(), f)))
        .enumerate()
    {
        let filer = app.clone();
        handles.push(tokio::spawn(async move {
            filer
                .applications()
                .apply_at_once(livorno, "contributo-click-day", &who, &f)
                .await
        }));
        if i == 0 {
            // Giulia's filing is in the writer's hands (not in its queue), waiting for the
            // register.
            registrar_reaches(app, "Giulia's filing in the writer", |l| {
                l.in_flight == 1 && l.queued == 0
            })
            .await;
        }
    }
    registrar_reaches(app, "Mario's seven filings queued", |l| l.queued == 7).await;
    hold.rollback().await.unwrap();
    let mut results = Vec::new();
    for h in handles {
        results.push(h.await.unwrap());
    }
    // The two filings with one key have one answer: the same registration.
    match (&results[1], &results[2]) {
        (Ok((a, _)), Ok((b, _))) => assert_eq!(a.number, b.number),
        (Err(a), Err(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}")),
        other => panic!("one key, two answers: {other:?}"),
    }
    let created: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .filter(|(_, created)| *created)
        .collect();
    assert_eq!(created.len(), 2, "one for each person: {results:?}");
    let mario_number = created
        .iter()
        .find(|(r, _)| r.correspondent.contains(mario.fiscal_code.as_str()))
        .map(|(r, _)| r.number.clone())
        .unwrap();
    for r in &results {
        match r {
            Ok((receipt, _)) => assert!(
                receipt.correspondent.contains(giulia.fiscal_code.as_str())
                    || receipt.number == mario_number,
                "{receipt:?}"
            ),
            Err(AppError::Apply(sportello_app::applications::ApplyError::AlreadyFiled(n))) => {
                assert_eq!(n, &mario_number)
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    let positions: std::collections::BTreeSet<_> =
        created.iter().map(|(r, _)| r.arrival.unwrap()).collect();
    assert_eq!(positions, [2, 3].into_iter().collect());
    let verified = app
        .registry()
        .verify_register("049009", None)
        .await
        .unwrap();
    assert!(
        verified.problems.is_empty() && verified.registrations == 3,
        "{verified:?}"
    );

    // The window closes: a retry with a key already used still gets its registration; a new
    // key is refused with the window's dates.
    clock.advance(time::Duration::days(40));
    let giulia = crate::apply::citizen("giulia-bianchi", SpidLevel::L2);
    let (again, created) = app
        .applications()
        .apply_at_once(livorno, "contributo-click-day", &giulia, &giulia_filing)
        .await
        .unwrap();
    assert!(!created && again.correspondent.contains(giulia.fiscal_code.as_str()));
    assert_window_closed(
        app.applications()
            .apply_at_once(
                livorno,
                "contributo-click-day",
                &giulia,
                &filing(&giulia.fiscal_code, "late"),
            )
            .await,
    );
    // A key already used for another service is refused, not answered with that filing.
    let other = app
        .applications()
        .apply_at_once(
            livorno,
            "occupazione-suolo-pubblico",
            &giulia,
            &giulia_filing,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &other,
            AppError::Refusal(sportello_app::Refusal::IdempotencyKeyReused)
        ),
        "{other:?}"
    );
}

#[tokio::test]
async fn a_change_made_by_another_process_applies_to_the_next_filing_at_once() {
    let (t, _clock, livorno) = on_the_click_day(Options::default()).await;
    let app = t.app();
    let anna = crate::apply::citizen("anna-neri", SpidLevel::L2);
    let (first, _) = app
        .applications()
        .apply_at_once(
            livorno,
            "contributo-click-day",
            &anna,
            &filing(&anna.fiscal_code, "a0"),
        )
        .await
        .unwrap();
    assert_eq!((first.arrival, first.over_quota), (Some(1), None));
    // Another process (here: the store, behind this process's back) sets a quota of one and
    // closes the window early. This process has the service in memory, younger than a second.
    let tenant = app.store().tenant(livorno);
    let row = tenant
        .adopted_service("contributo-click-day")
        .await
        .unwrap()
        .unwrap();
    let mut overrides: sportello_domain::catalogue::AdoptionOverrides =
        serde_json::from_str(&row.overrides).unwrap();
    overrides.quota = Some(1);
    tenant
        .adopt(
            "contributo-click-day",
            &serde_json::to_string(&overrides).unwrap(),
            0,
        )
        .await
        .unwrap();
    // Filed under the stored rules, not the remembered ones: the quota shows in the answer.
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    let (second, _) = app
        .applications()
        .apply_at_once(
            livorno,
            "contributo-click-day",
            &mario,
            &filing(&mario.fiscal_code, "m0"),
        )
        .await
        .unwrap();
    assert_eq!((second.arrival, second.over_quota), (Some(2), Some(true)));
    // Now the window closes early.
    let window = overrides
        .window
        .or(Some(sportello_domain::catalogue::FilingWindow {
            opens_at: time::macros::datetime!(2026-12-01 08:00 UTC),
            closes_at: time::macros::datetime!(2026-12-31 08:00 UTC),
        }));
    overrides.window = window.map(|w| sportello_domain::catalogue::FilingWindow {
        closes_at: time::macros::datetime!(2026-12-01 08:00:01 UTC),
        ..w
    });
    tenant
        .adopt(
            "contributo-click-day",
            &serde_json::to_string(&overrides).unwrap(),
            0,
        )
        .await
        .unwrap();
    let giulia = crate::apply::citizen("giulia-bianchi", SpidLevel::L2);
    assert_window_closed(
        app.applications()
            .apply_at_once(
                livorno,
                "contributo-click-day",
                &giulia,
                &filing(&giulia.fiscal_code, "g0"),
            )
            .await,
    );
    let verified = app
        .registry()
        .verify_register("049009", None)
        .await
        .unwrap();
    assert_eq!(verified.registrations, 2);
}

#[tokio::test]
async fn beyond_the_filings_in_flight_a_filing_is_shed_with_503_and_nothing_is_stored() {
    use crate::api_apply::bearer_for;
    let (t, _clock, _livorno) = on_the_click_day(Options {
        filings_in_flight: Some(1),
        ..Default::default()
    })
    .await;
    let url = format!(
        "{}/api/v1/enti/049009/servizi/contributo-click-day/domande",
        t.url
    );
    let file = |token: String, persona: &'static str| {
        let url = url.clone();
        async move {
            let cf = sportello_app::demo::persona(persona)
                .unwrap()
                .fiscal_code()
                .unwrap()
                .to_string();
            client()
                .post(&url)
                .bearer_auth(token)
                .json(&serde_json::json!({"data": filing(&cf, "").values, "declaration": true}))
                .send()
                .await
                .unwrap()
        }
    };
    let (anna, mario, giulia) = (
        bearer_for(&t.url, "anna-neri").await,
        bearer_for(&t.url, "mario-rossi").await,
        bearer_for(&t.url, "giulia-bianchi").await,
    );
    assert_eq!(file(anna, "anna-neri").await.status(), 201);
    // Mario's filing waits for the register, held here; it holds the only place in flight.
    let app = t.app();
    let mut hold = app.store().begin().await.unwrap();
    sqlx::query("UPDATE protocol_registers SET last_number = last_number")
        .execute(&mut *hold)
        .await
        .unwrap();
    let waiting = tokio::spawn(file(mario, "mario-rossi"));
    registrar_reaches(app, "Mario's filing in the writer", |l| l.in_flight == 1).await;
    let shed = file(giulia.clone(), "giulia-bianchi").await;
    assert_eq!(shed.status(), 503);
    assert!(shed.headers().get("retry-after").is_some());
    assert_eq!(
        shed.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let body: serde_json::Value = shed.json().await.unwrap();
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("nulla è stato registrato"));
    hold.rollback().await.unwrap();
    assert_eq!(waiting.await.unwrap().status(), 201);
    // Nothing of the shed filing was kept; sent again, it is filed.
    assert_eq!(
        app.registry()
            .verify_register("049009", None)
            .await
            .unwrap()
            .registrations,
        2
    );
    assert_eq!(file(giulia, "giulia-bianchi").await.status(), 201);
    assert_eq!(
        app.registry()
            .verify_register("049009", None)
            .await
            .unwrap()
            .registrations,
        3
    );
}

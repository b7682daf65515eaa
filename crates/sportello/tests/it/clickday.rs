//! The click day: filings ranked in order of arrival with their registration time to the
//! microsecond; the ones beyond the ente's quota registered all the same and told so; one
//! application per person, the second refused with the first's number.

use sportello_app::applications::Filing;
use sportello_app::AppError;
use sportello_domain::identity::{Role, SpidLevel};
use sportello_testkit::{client, spawn_app_with, Options, TestClock};

use crate::authz_support::staff_login;

fn filing(cf: &str, key: &str) -> Filing {
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
    }
}

#[tokio::test]
async fn first_come_first_served_with_a_quota() {
    // The demo edition's window opens on 1 December 2026 at 09:00 in Italy.
    let clock = TestClock::new(time::macros::datetime!(2026-12-01 08:00:01 UTC));
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    // Livorno funds two applications.
    let admin = sportello_app::sessions::StaffPrincipal {
        id: 0,
        username: "livorno.admin".into(),
        display_name: "Amministratore".into(),
        ente: Some(livorno),
        roles: vec![Role::EnteAdmin],
    };
    let mut overrides = app
        .offered_service(livorno, "contributo-click-day")
        .await
        .unwrap()
        .overrides;
    overrides.quota = Some(2);
    app.set_adoption(&admin, livorno, "contributo-click-day", &overrides)
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
            app.receipt(livorno, &r.application_id, who).await.unwrap()
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
    let first = page.find(&people[0].fiscal_code).unwrap();
    let third = page.find(&people[2].fiscal_code).unwrap();
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

//! The scheduled jobs on cases: terms that run out conclude cases by themselves, once,
//! whatever the number of processes and open cases; notifications wait for the mail server and
//! arrive once.

use std::sync::Arc;
use std::time::Duration;

use sportello_domain::identity::SpidLevel;
use sportello_testkit::{client, spawn_app_on, spawn_app_with, Options, TestClock};

use crate::apply::{citizen, filled_occupation};
use crate::authz_support::staff_login;
use crate::casework::{act, check_every_segnatura, PDF};

#[tokio::test]
async fn silent_consent_concludes_by_itself_once_with_two_processes() {
    // Monday 2 March 2026, 10:00 in Italy.
    let clock = TestClock::new(time::macros::datetime!(2026-03-02 09:00 UTC));
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let second = spawn_app_on(
        t.db.clone(),
        Options {
            clock: Some(clock.clone()),
            demo: false,
            ..Default::default()
        },
    )
    .await;
    let app = t.app();
    let firenze = app.ente_by_slug("firenze").await.unwrap().ente_id();
    let giulia = citizen("giulia-bianchi", SpidLevel::L2);
    let receipt = file_residence_change(app, firenze, &giulia).await;
    let id = receipt.application_id.clone();
    // 45 days from 2 March end on 16 April 2026 (a Thursday).
    assert_eq!(receipt.due, Some(time::macros::date!(2026 - 04 - 16)));

    // On the due date nothing happens yet.
    clock.advance(time::Duration::days(45));
    let r = app.run_jobs_once("first", None).await.unwrap();
    assert_eq!(r.silent_consents, 0);
    // The day after, both processes run the jobs at once: the case concludes once.
    clock.advance(time::Duration::days(1));
    let (a, b) = tokio::join!(
        app.run_jobs_once("first", None),
        second.app().run_jobs_once("second", None)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.silent_consents + b.silent_consents, 1, "{a:?} {b:?}");
    let again = second.app().run_jobs_once("second", None).await.unwrap();
    assert_eq!(again.silent_consents, 0);

    let case = app
        .applications()
        .applicant_case(firenze, &id, &giulia)
        .await
        .unwrap();
    assert_eq!(case.state.label(), "conclusa per silenzio-assenso");
    assert_eq!(
        case.timeline
            .iter()
            .filter(|e| e.kind.code() == "silenzio_assenso")
            .count(),
        1
    );
    assert_eq!(
        case.documents.len(),
        1,
        "the attestation, registered outbound"
    );
    assert_eq!(check_every_segnatura(&t).await, 1);
    // The office is told with a note on the case; the applicant by e-mail (the identity's).
    let outbox = app.store().outbox().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert!(outbox[0].body.contains("silenzio-assenso"));
    second.stop().await;
    let _ = Arc::strong_count(&t.db);
}

#[tokio::test]
async fn notifications_wait_for_the_mail_server_and_arrive_once() {
    let clock = TestClock::new(time::OffsetDateTime::now_utc());
    // The mail server is down: its port refuses every connection and stays ours.
    let down = sportello_testkit::RefusingPort::new();
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        smtp_url: Some(down.url()),
        ..Default::default()
    })
    .await;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let id = filled_occupation(&t, livorno, &mario).await;
    app.applications()
        .submit(livorno, &id, &mario, true)
        .await
        .unwrap();
    let operator = client();
    staff_login(&operator, &t.url, "livorno.istruttore", false).await;
    assert_eq!(act(&operator, &t.url, &id, "avvia", "").await.status(), 303);
    assert_eq!(
        act(
            &operator,
            &t.url,
            &id,
            "messaggio",
            "Serve un sopralluogo: la contatteremo."
        )
        .await
        .status(),
        303
    );

    // The mail server is down: nothing is delivered, nothing is lost.
    let mailer =
        sportello_app::mail::Mailer::new(&down.url(), "Comune <protocollo@comune.livorno.invalid>")
            .unwrap();
    let r = app.run_jobs_once("p1", Some(&mailer)).await.unwrap();
    assert_eq!((r.delivered, r.delivery_failures), (0, 1));
    let pending = app.store().outbox().await.unwrap();
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().all(|n| n.delivered_at.is_none()));
    assert!(pending[0].last_error.is_some() && pending[0].attempts == 1);
    assert_eq!(
        pending[1].attempts, 0,
        "the rest is left untried while the server is down"
    );

    // It comes back; before the backoff has passed nothing is retried.
    // (It comes back at another address: a held port cannot be handed over between processes
    // without a window in which a parallel test could take it.)
    drop(down);
    let Some(mut server) = sportello_testkit::SmtpServer::start_on_free_port().await else {
        return;
    };
    let mailer = sportello_app::mail::Mailer::new(
        &server.url(),
        "Comune <protocollo@comune.livorno.invalid>",
    )
    .unwrap();
    // The one never tried goes at once; the one that failed waits for its backoff.
    let r = app.run_jobs_once("p1", Some(&mailer)).await.unwrap();
    assert_eq!(r.delivered, 1);
    clock.advance(time::Duration::minutes(2));
    let r = app.run_jobs_once("p1", Some(&mailer)).await.unwrap();
    assert_eq!(r.delivered, 1);
    let mut subjects = Vec::new();
    for _ in 0..2 {
        let m = server
            .next_message(Duration::from_secs(10))
            .await
            .expect("a message arrives");
        assert_eq!(m["to"][0], "a@b.it");
        subjects.push(m["subject"].as_str().unwrap().to_string());
    }
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("Comunicazione di avvio")),
        "{subjects:?}"
    );
    // Delivered once: later passes send nothing more.
    clock.advance(time::Duration::hours(2));
    let r = app.run_jobs_once("p1", Some(&mailer)).await.unwrap();
    assert_eq!(r.delivered, 0);
    assert!(server
        .next_message(Duration::from_millis(500))
        .await
        .is_none());
    assert!(app
        .store()
        .outbox()
        .await
        .unwrap()
        .iter()
        .all(|n| n.delivered_at.is_some()));
    server.stop().await;
}

/// A change of residence (a silent-consent procedure, 45 days) filed at once by `who`.
pub(crate) async fn file_residence_change(
    app: &sportello_app::App,
    ente: sportello_domain::tenancy::EnteId,
    who: &sportello_domain::identity::CitizenIdentity,
) -> sportello_app::applications::Receipt {
    let values = [
        ("codice_fiscale", who.fiscal_code.as_str()),
        ("provenienza", "altro_comune"),
        ("comune_provenienza", "Prato"),
        ("indirizzo", "Via dei Servi 12"),
        ("titolo_occupazione", "proprieta"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (receipt, _) = app
        .applications()
        .apply_at_once(
            ente,
            "cambio-residenza",
            who,
            &sportello_app::applications::Filing {
                values,
                files: vec![(
                    "documento_identita".into(),
                    "ci.pdf".into(),
                    app.upload_of(PDF).await.unwrap(),
                )],
                declaration: true,
                idempotency_key: None,
                given_as_rows: Default::default(),
            },
        )
        .await
        .unwrap();
    receipt
}

/// The deadlines job goes through the open cases a page at a time (two a page under the test
/// harness): five cases past their term all conclude in one pass.
#[tokio::test]
async fn the_deadlines_pass_reaches_every_open_case_page_by_page() {
    let clock = TestClock::new(time::macros::datetime!(2026-03-02 09:00 UTC));
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let app = t.app();
    let firenze = app.ente_by_slug("firenze").await.unwrap().ente_id();
    for n in 0..5 {
        let who = sportello_domain::identity::CitizenIdentity {
            fiscal_code: sportello_domain::CodiceFiscale::parse(
                &sportello_app::demo::test_person_fiscal_code(n).unwrap(),
            )
            .unwrap(),
            given_name: format!("Persona{n}"),
            family_name: "Di Prova".into(),
            level: SpidLevel::L2,
            email: None,
            company: None,
            assisted: None,
        };
        file_residence_change(app, firenze, &who).await;
    }
    clock.advance(time::Duration::days(46));
    let r = app.run_jobs_once("pages", None).await.unwrap();
    assert_eq!(r.silent_consents, 5, "{r:?}");
    let again = app.run_jobs_once("pages", None).await.unwrap();
    assert_eq!(again.silent_consents, 0);
    t.stop().await;
}

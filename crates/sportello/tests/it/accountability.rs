//! Accountability (issue 19): cases counted against their legal terms as they are filed and
//! concluded, the dashboards that read the counts, residents' ratings kept anonymous and once
//! per session and page, the office's answers.

use sportello_app::accountability::Period;
use sportello_domain::identity::SpidLevel;
use sportello_testkit::{
    client, client_with_jar, csrf_of, location, spawn_app_with, text_of, Options, TestClock,
};

use crate::apply::{citizen, filled_occupation};
use crate::authz_support::staff_login;
use crate::casework::act;

#[tokio::test]
async fn decisions_count_against_the_term_and_the_dashboards_show_them() {
    // Monday 2 March 2026, 10:00 in Italy.
    let clock = TestClock::new(time::macros::datetime!(2026-03-02 09:00 UTC));
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let app = t.app();
    let url = &t.url;
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let id = filled_occupation(&t, livorno, &mario).await;
        app.applications()
            .submit(livorno, &id, &mario, true)
            .await
            .unwrap();
        ids.push(id);
    }
    let operator = client();
    staff_login(&operator, url, "livorno.istruttore", false).await;
    for id in &ids[..2] {
        assert_eq!(act(&operator, url, id, "avvia", "").await.status(), 303);
    }
    // Ten days on, the first is accepted: within its 30-day term.
    clock.advance(time::Duration::days(10));
    let officer = client();
    staff_login(&officer, url, "livorno.responsabile", false).await;
    let r = act(
        &officer,
        url,
        &ids[0],
        "accogli",
        "Conforme al regolamento.",
    )
    .await;
    assert_eq!(r.status(), 303);
    // The third is withdrawn by its applicant.
    assert!(app
        .applications()
        .withdraw(livorno, &ids[2], &mario)
        .await
        .unwrap());
    // Forty days from filing, the second: late (due Wednesday 1 April).
    clock.advance(time::Duration::days(30));
    // (A session does not last a month: the officer signs in again.)
    let officer = client();
    staff_login(&officer, url, "livorno.responsabile", false).await;
    let r = act(&officer, url, &ids[1], "accogli", "Conforme, in ritardo.").await;
    assert_eq!(r.status(), 303);

    let march_april = Period {
        from: 202_603,
        to: 202_604,
    };
    let report = app
        .accountability()
        .ente_times(livorno, march_april)
        .await
        .unwrap();
    let occupation = report
        .services
        .iter()
        .find(|s| s.service_id == "occupazione-suolo-pubblico")
        .unwrap();
    let c = occupation.counts;
    assert_eq!(
        (
            c.filed_online,
            c.decided,
            c.within_term,
            c.silent,
            c.withdrawn
        ),
        (3, 2, 1, 0, 1),
        "{c:?}"
    );
    assert_eq!(occupation.median_days, Some(25), "(10 + 40) / 2");
    assert_eq!(occupation.p90_days, Some(40));
    assert_eq!(occupation.term_days, Some(30));
    assert_eq!((occupation.open_at_end, occupation.open_change), (0, 0));
    assert_eq!(c.within_term_permille(), Some(500));
    // The months: all three filed in March, one decision in March and one in April.
    let march = report.trend.iter().find(|m| m.month == 202_603).unwrap();
    let april = report.trend.iter().find(|m| m.month == 202_604).unwrap();
    assert_eq!((march.filed, march.decided, april.decided), (3, 1, 1));
    // A period before any filing shows them as nothing.
    let february = app
        .accountability()
        .ente_times(
            livorno,
            Period {
                from: 202_602,
                to: 202_602,
            },
        )
        .await
        .unwrap();
    assert_eq!(february.total.counts.filed(), Some(0));

    // The public page: chart, table, the share and the median; the service's page says it.
    let anyone = client();
    let page = text_of(
        &anyone,
        &format!("{url}/livorno/trasparenza/tempi?da=2026-03&a=2026-04"),
    )
    .await;
    assert!(page.contains("data-testid=\"times-chart\""), "{page}");
    assert!(page.contains("Occupazione di suolo pubblico"), "{page}");
    assert!(page.contains("50,0%"), "the share within the term");
    assert!(
        page.contains("3 online, 0 assistite, 0 da intermediari"),
        "{page}"
    );
    let bad = anyone
        .get(format!(
            "{url}/livorno/trasparenza/tempi?da=2026-05&a=2026-03"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad
        .text()
        .await
        .unwrap()
        .contains("Il periodo non è valido"));
    let service = text_of(
        &anyone,
        &format!("{url}/livorno/servizi/occupazione-suolo-pubblico"),
    )
    .await;
    assert!(
        service.contains(
            "si è conclusa in 25 giorni (mediana di 2 pratiche); termine di legge: 30 giorni"
        ),
        "{service}"
    );

    // The region's dashboard reads the sums the jobs roll up.
    app.run_jobs_once("p1", None).await.unwrap();
    let region = app
        .accountability()
        .region_times(march_april)
        .await
        .unwrap();
    let occupation = region
        .services
        .iter()
        .find(|s| s.service_id == "occupazione-suolo-pubblico")
        .unwrap();
    assert_eq!(
        (occupation.counts.decided, occupation.counts.withdrawn),
        (2, 1)
    );
    assert!(region.rolled_at.is_some());
    let page = text_of(
        &anyone,
        &format!("{url}/trasparenza/tempi?da=2026-03&a=2026-04"),
    )
    .await;
    assert!(page.contains("Dati della regione aggiornati al"), "{page}");
    t.stop().await;
}

#[tokio::test]
async fn a_silent_consent_is_counted_apart_and_never_within_the_term() {
    let clock = TestClock::new(time::macros::datetime!(2026-03-02 09:00 UTC));
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let app = t.app();
    let firenze = app.ente_by_slug("firenze").await.unwrap().ente_id();
    let giulia = citizen("giulia-bianchi", SpidLevel::L2);
    crate::jobs::file_residence_change(app, firenze, &giulia).await;
    clock.advance(time::Duration::days(46));
    let r = app.run_jobs_once("p1", None).await.unwrap();
    assert_eq!(r.silent_consents, 1);
    let report = app
        .accountability()
        .ente_times(
            firenze,
            Period {
                from: 202_603,
                to: 202_604,
            },
        )
        .await
        .unwrap();
    let residence = report
        .services
        .iter()
        .find(|s| s.service_id == "cambio-residenza")
        .unwrap();
    assert_eq!(
        (
            residence.counts.decided,
            residence.counts.silent,
            residence.counts.within_term
        ),
        (1, 1, 0)
    );
    // No express decision: no days of the office's to count, no share within the term.
    assert_eq!(residence.median_days, None);
    assert_eq!(residence.counts.within_term_permille(), None);
    t.stop().await;
}

#[tokio::test]
async fn a_rating_is_anonymous_once_per_page_and_answered_by_the_office() {
    let t = spawn_app_with(Options::default()).await;
    let url = &t.url;
    let (visitor, _) = client_with_jar();
    let path = "/firenze/servizi/permesso-ztl";
    let page = text_of(&visitor, &format!("{url}{path}")).await;
    // The component the validator reads, word for word.
    for needle in [
        "data-element=\"feedback\"",
        "data-element=\"feedback-title\">Quanto sono chiare le informazioni su questa pagina?<",
        "data-element=\"feedback-rate-1\"",
        "data-element=\"feedback-rate-5\"",
        "data-element=\"feedback-rating-positive\"",
        "data-element=\"feedback-rating-negative\"",
        ">Quali sono stati gli aspetti che hai preferito?<",
        ">Dove hai incontrato le maggiori difficoltà?<",
        ">A volte non capivo se stavo procedendo correttamente<",
        ">Capivo sempre che stavo procedendo correttamente<",
        "data-element=\"feedback-input-text\"",
    ] {
        assert!(page.contains(needle), "{needle}");
    }
    let csrf = csrf_of(&page);
    let send = |stars: &'static str, comment: &'static str| {
        let visitor = visitor.clone();
        let csrf = csrf.clone();
        let url = url.clone();
        async move {
            visitor
                .post(format!("{url}/firenze/valutazione"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("soggetto", "pagina"),
                    ("pagina", path),
                    ("servizio", "permesso-ztl"),
                    ("valutazione", stars),
                    ("motivo_positivo", "0"),
                    ("motivo_negativo", "3"),
                    ("commento", comment),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // No stars: the page of its own says why and keeps the comment.
    let refused = send("", "Il modulo si blocca").await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(body.contains("Scegli da 1 a 5 stelle"), "{body}");
    assert!(body.contains("Il modulo si blocca</textarea>"), "{body}");
    // Twice at once from one session: counted once.
    let comment =
        "Il caricamento si blocca. Chiamatemi al 333 1234567 o scrivete a anna.rossi@example.org";
    let (a, b) = tokio::join!(send("2", comment), send("2", comment));
    let mut places = [location(&a), location(&b)];
    places.sort();
    assert_eq!(
        places,
        [
            format!("{path}?valutazione=gia#valutazione"),
            format!("{path}?valutazione=grazie#valutazione"),
        ]
    );
    let thanks = text_of(&visitor, &format!("{url}{path}?valutazione=grazie")).await;
    assert!(thanks.contains("Grazie, la tua valutazione"), "{thanks}");
    // Another visitor rates the service itself from its receipt's place.
    let (other, _) = client_with_jar();
    let page = text_of(&other, &format!("{url}{path}")).await;
    let r = other
        .post(format!("{url}/firenze/valutazione"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("soggetto", "servizio"),
            ("pagina", "/firenze/domande/x/ricevuta"),
            ("servizio", "permesso-ztl"),
            ("valutazione", "5"),
            ("motivo_positivo", "2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // A service the ente does not offer is nobody's page.
    let r = other
        .post(format!("{url}/firenze/valutazione"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("soggetto", "servizio"),
            ("pagina", "/firenze/"),
            ("servizio", "non-esiste"),
            ("valutazione", "5"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // The office reads the counts and the comment without the personal data, and answers.
    let officer = client();
    staff_login(&officer, url, "firenze.responsabile", false).await;
    let desk = text_of(&officer, &format!("{url}/staff/valutazioni")).await;
    assert!(desk.contains("Il caricamento si blocca."), "{desk}");
    assert!(
        !desk.contains("1234567") && !desk.contains("anna.rossi"),
        "{desk}"
    );
    assert!(desk.contains("[omesso]"), "{desk}");
    assert!(desk.contains("Ho avuto problemi tecnici"), "{desk}");
    assert!(
        desk.contains("Servizio «Permesso di accesso alla ZTL»") || desk.contains("Servizio «"),
        "{desk}"
    );
    let rows = t.app().store().ratings_for_test().await.unwrap();
    assert_eq!(rows.len(), 2, "one per session and page: {rows:?}");
    assert!(rows.iter().all(|c| !c.contains("1234567")), "{rows:?}");
    // Another ente's office does not see it.
    let pisa = client();
    staff_login(&pisa, url, "pisa.responsabile", false).await;
    let theirs = text_of(&pisa, &format!("{url}/staff/valutazioni")).await;
    assert!(!theirs.contains("Il caricamento si blocca"));
    // An empty answer is refused with its reason; a real one is published.
    let id = desk
        .split("/staff/valutazioni/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_string();
    let r = officer
        .post(format!("{url}/staff/valutazioni/{id}/risposta"))
        .form(&[
            ("csrf", csrf_of(&desk).as_str()),
            ("risposta", " "),
            ("pubblica", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = officer
        .post(format!("{url}/staff/valutazioni/{id}/risposta"))
        .form(&[
            ("csrf", csrf_of(&desk).as_str()),
            ("risposta", "Abbiamo corretto il caricamento dei file."),
            ("pubblica", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let public = text_of(&client(), &format!("{url}/firenze/trasparenza/avete-detto")).await;
    assert!(
        public.contains("Abbiamo corretto il caricamento dei file."),
        "{public}"
    );
    assert!(public.contains("Il caricamento si blocca."), "{public}");
    assert!(!public.contains("1234567"));
    // Pisa's residents read only Pisa's.
    let pisa_public = text_of(&client(), &format!("{url}/pisa/trasparenza/avete-detto")).await;
    assert!(!pisa_public.contains("Il caricamento"));
    t.stop().await;
}

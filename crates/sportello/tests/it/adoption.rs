//! Administrators adapt the regional catalogue to their ente, within the law.

use sportello_testkit::{client, csrf_of, spawn_app};

use crate::authz_support::staff_login;

#[tokio::test]
async fn an_ente_administrator_adapts_a_service_within_the_law() {
    let t = spawn_app().await;
    let url = &t.url;
    let admin = client();
    staff_login(&admin, url, "livorno.admin", true).await;
    let desk = admin
        .get(format!("{url}/staff/servizi"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(desk.contains("Occupazione di suolo pubblico"));
    let form_url = format!("{url}/staff/servizi/occupazione-suolo-pubblico?ente=049009");
    let page = admin
        .get(&form_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let save = |term: &'static str, fees: &'static str| {
        let admin = admin.clone();
        let form_url = form_url.clone();
        let csrf = csrf_of(&page);
        async move {
            admin
                .post(&form_url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("office", "SUAP"),
                    ("term_days", term),
                    ("fees", fees),
                    ("extra", "Sportello aperto il martedì."),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // Beyond the law's 90 days: refused, nothing changed, what was typed kept.
    let r = save("120", "").await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("fuori dai limiti di legge"), "{body}");
    assert!(body.contains("value=\"120\""));
    let r = save(
        "60",
        "16,00 | Imposta di bollo\n20 | Diritti di istruttoria comunali",
    )
    .await;
    assert_eq!(r.status(), 303);
    let public = client()
        .get(format!("{url}/livorno/servizi/occupazione-suolo-pubblico"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        public.contains("entro 60 giorni"),
        "the citizen sees the ente's term"
    );
    assert!(public.contains("Sportello Unico per le Attività Produttive"));
    assert!(public.contains("Diritti di istruttoria comunali: 20,00 €"));
    assert!(public.contains("Sportello aperto il martedì."));
    // Other municipalities keep the region's version.
    let pisa = client()
        .get(format!("{url}/pisa/servizi/occupazione-suolo-pubblico"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(pisa.contains("entro 30 giorni"));
    // Livorno's administrator cannot touch Firenze; an operator cannot touch anything.
    let firenze = admin
        .get(format!(
            "{url}/staff/servizi/occupazione-suolo-pubblico?ente=048017"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(firenze.status(), 404);
    let operator = client();
    staff_login(&operator, url, "livorno.istruttore", false).await;
    assert_eq!(
        operator
            .get(format!("{url}/staff/servizi"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // The region's administrator may adapt any ente.
    let region = client();
    staff_login(&region, url, "regione.admin", true).await;
    let r = region
        .get(format!(
            "{url}/staff/servizi/occupazione-suolo-pubblico?ente=048017"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A SCIA's control window is the law's: no term field is offered, and a forged one is refused.
    let scia_url = format!("{url}/staff/servizi/scia-esercizio-vicinato?ente=049009");
    let scia = admin
        .get(&scia_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!scia.contains("name=\"term_days\""));
    let r = admin
        .post(&scia_url)
        .form(&[
            ("csrf", csrf_of(&scia).as_str()),
            ("office", "SUAP"),
            ("term_days", "30"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    t.stop().await;
}

#[tokio::test]
async fn an_ente_administrator_sets_the_click_day_window_and_quota() {
    let t = spawn_app().await;
    let url = &t.url;
    let admin = client();
    staff_login(&admin, url, "livorno.admin", true).await;
    let form_url = format!("{url}/staff/servizi/contributo-click-day?ente=049009");
    let page = admin
        .get(&form_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"window_opens\"") && page.contains("name=\"quota\""));
    let csrf = csrf_of(&page);
    let livorno = t.app().ente_by_slug("livorno").await.unwrap().ente_id();
    let office = t
        .app()
        .catalogue()
        .offered_service(livorno, "contributo-click-day")
        .await
        .unwrap()
        .definition
        .scheda
        .office;
    let save = |opens: &'static str, closes: &'static str, quota: &'static str| {
        let (admin, form_url, csrf, office) = (
            admin.clone(),
            form_url.clone(),
            csrf.clone(),
            office.clone(),
        );
        async move {
            admin
                .post(&form_url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("office", office.as_str()),
                    ("term_days", ""),
                    ("fees", ""),
                    ("extra", ""),
                    ("window_opens", opens),
                    ("window_closes", closes),
                    ("quota", quota),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // Closing before opening, half a window, a quota of nothing: refused, what was typed kept.
    for (opens, closes, quota, message) in [
        (
            "2027-03-02T09:00",
            "2027-03-01T09:00",
            "",
            "deve venire dopo",
        ),
        ("2027-03-02T09:00", "", "", "sia la chiusura della finestra"),
        ("", "", "zero", "numero intero"),
    ] {
        let r = save(opens, closes, quota).await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(body.contains(message), "{body}");
        assert!(body.contains(&format!("value=\"{opens}\"")));
    }
    // Italian time in, the instant stored: 9:00 in March is 8:00 UTC.
    let r = save("2027-03-01T09:00", "2027-03-15T18:00", "150").await;
    assert_eq!(r.status(), 303);
    let offered = t
        .app()
        .catalogue()
        .offered_service(livorno, "contributo-click-day")
        .await
        .unwrap();
    assert_eq!(offered.overrides.quota, Some(150));
    let window = offered.definition.window.unwrap();
    assert_eq!(
        window.opens_at,
        time::macros::datetime!(2027-03-01 08:00 UTC)
    );
    assert_eq!(
        window.closes_at,
        time::macros::datetime!(2027-03-15 17:00 UTC)
    );
    let again = admin
        .get(&form_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("value=\"2027-03-01T09:00\"") && again.contains("value=\"150\""));
    // A call with a ranking (the nursery) takes the municipality's own bando's dates: outside
    // them, nobody files.
    let nursery_url = format!("{url}/staff/servizi/iscrizione-asilo-nido?ente=049009");
    let nursery = admin
        .get(&nursery_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(nursery.contains("name=\"window_opens\""), "{nursery}");
    let nursery_office = t
        .app()
        .catalogue()
        .offered_service(livorno, "iscrizione-asilo-nido")
        .await
        .unwrap()
        .definition
        .scheda
        .office;
    let r = admin
        .post(&nursery_url)
        .form(&[
            ("csrf", csrf_of(&nursery).as_str()),
            ("office", nursery_office.as_str()),
            ("term_days", ""),
            ("fees", ""),
            ("extra", ""),
            ("window_opens", "2030-03-01T09:00"),
            ("window_closes", "2030-03-31T18:00"),
            ("quota", "40"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let mario = crate::apply::citizen("mario-rossi", sportello_domain::identity::SpidLevel::L2);
    let refused = t
        .app()
        .applications()
        .start_application(livorno, "iscrizione-asilo-nido", &mario)
        .await;
    assert!(
        matches!(
            refused,
            Err(sportello_app::AppError::Apply(
                sportello_app::applications::ApplyError::WindowNotOpen(_)
            ))
        ),
        "{refused:?}"
    );
    // A service without a window has no such fields.
    let other = admin
        .get(format!(
            "{url}/staff/servizi/occupazione-suolo-pubblico?ente=049009"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!other.contains("name=\"quota\""));
}

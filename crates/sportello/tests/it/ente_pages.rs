//! The municipality's own pages: contacts, offices, privacy notices, cookies, accessibility,
//! legal notes — regional defaults until the ente's administrator writes its own.

use sportello_testkit::{client, csrf_of, location, spawn_app, text_of};

use crate::authz_support::staff_login;

#[tokio::test]
async fn the_pages_a_municipality_must_have_with_regional_defaults() {
    let t = spawn_app().await;
    let c = client();
    let url = &t.url;
    // Every municipality page links them from the footer, as the municipal model requires.
    let home = text_of(&c, &format!("{url}/livorno/")).await;
    for (element, href) in [
        ("report-inefficiency", "/livorno/segnalazioni/nuova"),
        ("privacy-policy-link", "/livorno/privacy"),
        ("accessibility-link", "/livorno/accessibilita"),
        ("legal-notes", "/livorno/note-legali"),
    ] {
        assert!(
            home.contains(&format!("href=\"{href}\" data-element=\"{element}\"")),
            "{element}"
        );
    }
    assert!(home.contains(">Segnala disservizio</a>"));
    let contacts = text_of(&c, &format!("{url}/livorno/contatti")).await;
    assert!(contacts.contains("id=\"segnala\""));
    assert!(
        contacts.contains("Dal lunedì al venerdì"),
        "the regional default hours"
    );
    assert!(contacts.contains("href=\"/livorno/uffici/SUE\""));
    let privacy = text_of(&c, &format!("{url}/livorno/privacy")).await;
    assert!(privacy.contains("Il titolare del trattamento è il Comune di Livorno"));
    assert!(privacy.contains("Garante per la protezione dei dati personali"));
    let cookies = text_of(&c, &format!("{url}/livorno/cookie")).await;
    assert!(cookies.contains("sportello_session") && cookies.contains("solo cookie tecnici"));
    let legal = text_of(&c, &format!("{url}/livorno/note-legali")).await;
    assert!(legal.contains("data-element=\"legal-notes-section\""));
    assert!(legal.contains("data-element=\"legal-notes-body\""));
    assert!(legal.contains("sono rilasciati con licenza CC-BY 4.0"));
    let a11y = text_of(&c, &format!("{url}/livorno/accessibilita")).await;
    assert!(a11y.contains("WCAG 2.1"));
    assert!(a11y.contains("Difensore civico per il digitale"));
    // An office that has not described itself yet still has a page, with its services.
    let sue = text_of(&c, &format!("{url}/livorno/uffici/SUE")).await;
    assert!(
        sue.contains("Sportello Unico per l&#39;Edilizia")
            || sue.contains("Sportello Unico per l'Edilizia")
    );
    assert!(sue.contains("href=\"/livorno/servizi/cila\""));
    assert_eq!(
        c.get(format!("{url}/livorno/uffici/NESSUNO"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    t.stop().await;
}

#[tokio::test]
async fn each_service_has_its_privacy_notice_linked_from_every_step() {
    let t = spawn_app().await;
    let c = client();
    let url = &t.url;
    let notice = text_of(
        &c,
        &format!("{url}/livorno/servizi/cambio-residenza/privacy"),
    )
    .await;
    assert!(notice.contains("Comune di Livorno"));
    assert!(notice.contains("ANPR"), "the recipients the service names");
    assert!(notice.contains("D.P.R. 223/1989"), "the legal basis");
    assert!(notice.contains("Nuovo indirizzo"), "the data the form asks");
    assert!(
        !notice.contains("Documento d&#39;identità del dichiarante")
            && !notice.contains("Documento d'identità del dichiarante"),
        "nothing the form does not ask"
    );
    // A service that says nothing of its own gets the default purpose, from its title.
    let notice = text_of(
        &c,
        &format!("{url}/livorno/servizi/passo-carrabile/privacy"),
    )
    .await;
    assert!(notice.contains("Gestire la domanda «"), "{notice}");
    // Linked from the service page and from every step.
    let service = text_of(&c, &format!("{url}/livorno/servizi/cambio-residenza")).await;
    assert!(service.contains("href=\"/livorno/servizi/cambio-residenza/privacy\""));
    let browser = client();
    sportello_testkit::demo_sign_in(&browser, url, "mario-rossi", "L2").await;
    let livorno = t.app().ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = crate::apply::citizen("mario-rossi", sportello_domain::identity::SpidLevel::L2);
    let id = t
        .app()
        .applications()
        .start_application(livorno, "cambio-residenza", &mario)
        .await
        .unwrap();
    for step in ["passo/1", "passo/2", "riepilogo"] {
        let page = text_of(&browser, &format!("{url}/livorno/domande/{id}/{step}")).await;
        assert!(
            page.contains("href=\"/livorno/servizi/cambio-residenza/privacy\""),
            "{step}"
        );
    }
    t.stop().await;
}

#[tokio::test]
async fn the_ente_administrator_writes_the_contacts_and_the_offices_pages() {
    let t = spawn_app().await;
    let url = &t.url;
    let admin = client();
    staff_login(&admin, url, "livorno.admin", true).await;
    let form = text_of(&admin, &format!("{url}/staff/ente")).await;
    assert!(
        form.contains("href=\"/staff/ente\" aria-current=\"page\""),
        "in the staff menu"
    );
    // A wrong PEC is refused, with what was typed kept, and nothing saved.
    let r = admin
        .post(format!("{url}/staff/ente"))
        .form(&[
            ("csrf", csrf_of(&form).as_str()),
            ("indirizzo", "Piazza del Municipio 1, 57123 Livorno"),
            ("pec", "comune.livorno@"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Posta elettronica certificata (PEC): scrivi un indirizzo di posta completo"),
        "{page}"
    );
    assert!(page.contains("Piazza del Municipio 1, 57123 Livorno"));
    let contacts = text_of(&client(), &format!("{url}/livorno/contatti")).await;
    assert!(!contacts.contains("Piazza del Municipio"));
    let r = admin
        .post(format!("{url}/staff/ente"))
        .form(&[
            ("csrf", csrf_of(&form).as_str()),
            ("indirizzo", "Piazza del Municipio 1, 57123 Livorno"),
            ("orari", "Lunedì–venerdì 8:30–13:00"),
            ("telefono", "0586 820111"),
            ("email", "urp@comune.livorno.example"),
            ("pec", "comune.livorno@postacert.example"),
            ("rpd", "Avv. Giulia Serra"),
            ("rpd_email", "rpd@comune.livorno.example"),
            ("accessibilita", "https://form.agid.gov.it/view/esempio"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/ente?salvato=1");
    let public = client();
    let contacts = text_of(&public, &format!("{url}/livorno/contatti")).await;
    assert!(contacts.contains("Piazza del Municipio 1, 57123 Livorno"));
    assert!(contacts.contains("mailto:comune.livorno@postacert.example"));
    assert!(!contacts.contains("Dal lunedì al venerdì"));
    let privacy = text_of(&public, &format!("{url}/livorno/privacy")).await;
    assert!(
        privacy.contains("Avv. Giulia Serra") && privacy.contains("rpd@comune.livorno.example")
    );
    let a11y = text_of(&public, &format!("{url}/livorno/accessibilita")).await;
    assert!(a11y.contains("href=\"https://form.agid.gov.it/view/esempio\""));
    // Florence's pages are not Livorno's.
    let firenze = text_of(&public, &format!("{url}/firenze/contatti")).await;
    assert!(!firenze.contains("Piazza del Municipio 1, 57123 Livorno"));

    // An office describes itself.
    let office_form = text_of(&admin, &format!("{url}/staff/ente/uffici/SUE")).await;
    let r = admin
        .post(format!("{url}/staff/ente/uffici/SUE"))
        .form(&[
            ("csrf", csrf_of(&office_form).as_str()),
            (
                "descrizione",
                "Permessi di costruire, CILA, SCIA edilizie e certificati urbanistici.",
            ),
            ("orari", "Martedì e giovedì 9:00–12:00"),
            ("email", "sue@comune.livorno.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let sue = text_of(&public, &format!("{url}/livorno/uffici/SUE")).await;
    assert!(sue.contains("Permessi di costruire, CILA"));
    assert!(sue.contains("Martedì e giovedì 9:00–12:00"));
    assert!(sue.contains("mailto:sue@comune.livorno.example"));
    // An office that is not the ente's is not found.
    let r = admin
        .post(format!("{url}/staff/ente/uffici/NESSUNO"))
        .form(&[
            ("csrf", csrf_of(&office_form).as_str()),
            ("descrizione", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    t.stop().await;
}

/// A service page carries what AgID's validator of the municipal model reads: the items, the
/// page index in the model's order, the breadcrumb, the metatag.
#[tokio::test]
async fn a_service_page_follows_the_municipal_model() {
    let t = spawn_app().await;
    let page = text_of(
        &client(),
        &format!("{}/livorno/servizi/cambio-residenza", t.url),
    )
    .await;
    for element in [
        "service-title",
        "service-description",
        "service-status",
        "service-topic",
        "breadcrumb",
        "page-index",
        "service-addressed",
        "service-how-to",
        "service-needed",
        "service-achieved",
        "service-calendar-text",
        "service-calendar-list",
        "service-online-access",
        "service-file",
        "service-area",
        "metatag",
    ] {
        assert!(
            page.contains(&format!("data-element=\"{element}\"")),
            "{element}"
        );
    }
    let index = &page[page.find("data-element=\"page-index\"").unwrap()..];
    let index = &index[..index.find("</ul>").unwrap()];
    let mut at = 0;
    for entry in [
        "A chi è rivolto",
        "Come fare",
        "Cosa serve",
        "Cosa si ottiene",
        "Tempi e scadenze",
        "Accedi al servizio",
        "Condizioni di servizio",
        "Contatti",
    ] {
        let found = index[at..]
            .find(&format!(">{entry}</a>"))
            .unwrap_or_else(|| panic!("{entry} in order"));
        at += found;
    }
    let json = &page
        [page.find("data-element=\"metatag\">").unwrap() + "data-element=\"metatag\">".len()..];
    let json: serde_json::Value =
        serde_json::from_str(&json[..json.find("</script>").unwrap()]).unwrap();
    assert_eq!(json["@type"], "GovernmentService");
    assert_eq!(json["serviceOperator"]["name"], "Comune di Livorno");
    assert!(json["availableChannel"]["serviceUrl"]
        .as_str()
        .unwrap()
        .ends_with("/livorno/servizi/cambio-residenza"));
    t.stop().await;
}

/// `serve --demo` on a fresh data directory seeds a month of work: every state of the office's
/// life, in three municipalities, through the real use cases, once; the registers stay whole.
#[tokio::test]
async fn the_demo_month_is_lived_in() {
    let t = spawn_app().await;
    let app = t.app();
    let seeded = app.seed_demo_month().await.unwrap();
    assert!(seeded >= 12, "{seeded}");
    assert_eq!(app.seed_demo_month().await.unwrap(), 0, "once");
    // Every open case keeps on its row the term its events give (migration 0053), whatever
    // moved it: the registrar, the office, the applicant, the jobs.
    for slug in ["livorno", "firenze", "pisa"] {
        let ente = app.ente_by_slug(slug).await.unwrap().ente_id();
        assert_eq!(
            app.kept_terms_that_differ(ente).await.unwrap(),
            Vec::<String>::new(),
            "{slug}"
        );
    }
    // The new services are at work: filings across them, and Livorno's nursery call ranked
    // and published, three families by registration number and points.
    let ranking = sportello_testkit::text_of(
        &sportello_testkit::client(),
        &format!("{}/livorno/graduatorie/iscrizione-asilo-nido", t.url),
    )
    .await;
    let table = ranking
        .split("data-testid=\"public-ranking\"")
        .nth(1)
        .unwrap_or_else(|| panic!("{ranking}"));
    assert_eq!(
        table.matches("<tr>").count(),
        4,
        "a header and three families: {table}"
    );
    assert!(!ranking.contains("Fontana") && !ranking.contains("Greco"));
    // Francesco opened a restaurant with one filing: the SCIA in force, and its three parts
    // each where its office left it — the sign's sketch asked for, the outdoor seating granted.
    let francesco = crate::apply::citizen(
        "francesco-esposito",
        sportello_domain::identity::SpidLevel::L2,
    );
    let restaurant = app
        .applications()
        .my_applications(&francesco)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.service_id == "apertura-ristorante-bar")
        .expect("the restaurant's filing");
    let parts: Vec<(&str, Option<&str>)> = restaurant
        .parts
        .iter()
        .map(|p| (p.service_id.as_str(), p.case_state.as_deref()))
        .collect();
    assert_eq!(parts.len(), 3, "{parts:?}");
    assert!(
        parts.contains(&(
            "autorizzazione-insegne-pubblicitarie",
            Some("sospesa per integrazione")
        )),
        "{parts:?}"
    );
    assert!(
        parts.contains(&("occupazione-suolo-pubblico", Some("accolta"))),
        "{parts:?}"
    );
    // Mario tops up his son's canteen credit: paid at home earlier, yesterday's still to pay.
    let mario = crate::apply::citizen("mario-rossi", sportello_domain::identity::SpidLevel::L2);
    let canteen: Vec<_> = app
        .payments()
        .my_debts(&mario)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.subject.starts_with("Ricarica del credito mensa"))
        .collect();
    assert_eq!(canteen.len(), 3, "{canteen:?}");
    assert_eq!(canteen.iter().filter(|d| d.open()).count(), 1);
    // Luca's ZTL notice, never paid, expired.
    let luca = crate::apply::citizen("luca-verdi", sportello_domain::identity::SpidLevel::L2);
    let luca_debts = app.payments().my_debts(&luca).await.unwrap();
    assert!(
        luca_debts
            .iter()
            .any(|d| d.subject.contains("ZTL") && d.state.code() == "expired"),
        "{luca_debts:?}"
    );
    // Chiara, an architect, paid the fees of the CILA she filed for Mario: his debt.
    let chiara = crate::apply::citizen("chiara-conti", sportello_domain::identity::SpidLevel::L2);
    let for_clients = app.payments().client_debts(&chiara).await.unwrap();
    assert_eq!(for_clients.len(), 1, "{for_clients:?}");
    assert_eq!(for_clients[0].state.code(), "paid");
    assert_eq!(
        for_clients[0].client.as_deref(),
        Some("Mario Rossi (RSSMRA80A01E625I)")
    );
    // Accountability: Livorno's month in its times, its residents' ratings and the answers.
    let year = sportello_app::accountability::Period::last_year(
        sportello_domain::calendar::in_rome(app.now()).date(),
    );
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let times = app
        .accountability()
        .ente_times(livorno, year)
        .await
        .unwrap();
    assert!(times.total.counts.decided >= 3, "{:?}", times.total);
    assert!(times.total.median_days.is_some());
    assert!(
        times
            .services
            .iter()
            .filter(|s| s.counts.filed().unwrap_or(0) > 0)
            .count()
            >= 3
    );
    let region = app.accountability().region_times(year).await.unwrap();
    assert!(region.total.counts.filed().unwrap_or(0) > times.total.counts.filed().unwrap_or(0));
    assert_eq!(
        app.accountability()
            .public_answers(livorno)
            .await
            .unwrap()
            .len(),
        2
    );
    for istat in ["049009", "048017", "050026"] {
        let report = app.registry().verify_register(istat, None).await.unwrap();
        assert!(report.problems.is_empty(), "{istat}: {:?}", report.problems);
        assert!(report.registrations > 0, "{istat}");
    }
    // The office of Livorno finds work in every state.
    let operator = client();
    staff_login(&operator, &t.url, "livorno.istruttore", false).await;
    let all = text_of(&operator, &format!("{}/staff/pratiche?filtro=tutte", t.url)).await;
    for state in [
        "protocollata",
        "in istruttoria",
        "sospesa per integrazione",
        "accolta",
        "respinta",
        "conclusa per silenzio-assenso",
        "SCIA efficace",
        "ritirata",
    ] {
        assert!(
            all.contains(&format!(">{state} (")),
            "{state} in the queue's states: {all}"
        );
    }
    let desk = text_of(&operator, &format!("{}/staff/", t.url)).await;
    assert!(desk.contains("data-testid=\"desk-risposte\""));
    // The register's numbers follow time: each entry no earlier than the one before.
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let mut rows = app
        .store()
        .tenant(livorno)
        .search_register(&sportello_store::RegistrySearch::default(), 1000)
        .await
        .unwrap();
    rows.sort_by_key(|r| (r.year, r.number));
    for pair in rows.windows(2) {
        let (a, b) = (
            time::OffsetDateTime::parse(
                &pair[0].registered_at,
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap(),
            time::OffsetDateTime::parse(
                &pair[1].registered_at,
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap(),
        );
        assert!(
            a <= b,
            "n. {} at {} before n. {} at {}",
            pair[0].number,
            pair[0].registered_at,
            pair[1].number,
            pair[1].registered_at
        );
    }
    // A letter routed to the building office waits for Elena Fabbri, who works there.
    let elena = client();
    staff_login(&elena, &t.url, "livorno.sue", false).await;
    let desk = text_of(&elena, &format!("{}/staff/", t.url)).await;
    assert!(
        desk.contains("data-testid=\"desk-routed\"") && desk.contains("Parere igienico-sanitario"),
        "{desk}"
    );
    // The fees of a filed application have their notice, in the applicant's debt file.
    let paola = sportello_app::demo::test_person_fiscal_code(101).unwrap();
    let debts = app
        .store()
        .region_wide()
        .positions_of_debtor(&paola, 10)
        .await
        .unwrap();
    assert_eq!(debts.len(), 1, "Paola Mancini's occupation fees");
    // Anna Neri has something to do; Mario Rossi has a decision from Firenze.
    let anna = client();
    sportello_testkit::demo_sign_in(&anna, &t.url, "anna-neri", "L2").await;
    let area = text_of(&anna, &format!("{}/area-personale", t.url)).await;
    assert!(
        area.contains("data-testid=\"todo\"")
            && area.contains("certificato dell&#39;ufficio medico-legale")
            || area.contains("certificato dell'ufficio medico-legale"),
        "{area}"
    );
    let mario = client();
    sportello_testkit::demo_sign_in(&mario, &t.url, "mario-rossi", "L2").await;
    let area = text_of(&mario, &format!("{}/area-personale", t.url)).await;
    assert!(
        area.contains("data-testid=\"decision\"") && area.contains("Comune di Firenze"),
        "{area}"
    );
    // Livorno's albo: acts online (an annulled one among them, a deliberation immediately
    // executive), acts over in the historic register with their relata in the protocol, and
    // a request waiting for the privacy check.
    let anyone = client();
    let board = text_of(&anyone, &format!("{}/livorno/albo", t.url)).await;
    assert!(
        board.matches("data-testid=\"albo-entry\"").count() >= 5,
        "{board}"
    );
    assert!(
        board.contains("annullato") && board.contains("Immediatamente eseguibile"),
        "{board}"
    );
    assert!(!board.contains("piazza Cavour"), "over: not on the board");
    let history = text_of(&anyone, &format!("{}/livorno/albo/storico", t.url)).await;
    assert!(history.contains("piazza Cavour") && history.contains("pubblicazione terminata"));
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let (events, faults) = app.albo().verify(livorno).await.unwrap();
    assert!(events >= 12 && faults.is_empty(), "{events} {faults:?}");
    let officer = client();
    crate::authz_support::staff_login(&officer, &t.url, "livorno.albo", false).await;
    let desk = text_of(&officer, &format!("{}/staff/albo", t.url)).await;
    assert!(
        desk.contains("barriere architettoniche") && desk.contains("dati personali trovati"),
        "{desk}"
    );
    t.stop().await;
}

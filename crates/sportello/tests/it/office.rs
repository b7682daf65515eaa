//! The office's queue and case page: its own ente's cases, with due dates; nobody else's.

use sportello_domain::identity::{Role, SpidLevel};
use sportello_testkit::{client, demo_sign_in, spawn_app};

use crate::apply::{citizen, filled_occupation};
use crate::authz_support::staff_login;

#[tokio::test]
async fn the_office_sees_its_cases_and_only_its_own() {
    let t = spawn_app().await;
    let url = &t.url;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let id = filled_occupation(&t, livorno, &mario).await;
    let receipt = app
        .applications()
        .submit(livorno, &id, &mario, true)
        .await
        .unwrap();
    let due = receipt.due.unwrap();
    let due_text = format!(
        "{:02}/{:02}/{}",
        due.day(),
        u8::from(due.month()),
        due.year()
    );

    let operator = client();
    staff_login(&operator, url, "livorno.istruttore", false).await;
    let desk = sportello_testkit::text_of(&operator, &format!("{url}/staff/")).await;
    assert!(desk.contains("/staff/pratiche"));
    let queue = sportello_testkit::text_of(&operator, &format!("{url}/staff/pratiche")).await;
    assert!(queue.contains(&format!("{}/", receipt.number)), "{queue}");
    assert!(queue.contains("Occupazione di suolo pubblico"));
    assert!(queue.contains(&due_text));
    assert!(queue.contains("Aperte (1)"));
    let case = operator
        .get(format!("{url}/staff/pratiche/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(case.status(), 200);
    let case = case.text().await.unwrap();
    assert!(
        case.contains(mario.fiscal_code.as_str())
            && case.contains("Via Grande 10")
            && case.contains("planimetria.pdf")
    );
    assert!(case.contains("protocollata"), "the timeline");
    // The form's words, not its stored codes; dates as people write them; each file under the
    // label of its field; what was submitted before the actions.
    assert!(case.contains("Per sé, come privato cittadino") && !case.contains(">privato<"));
    assert!(case.contains(">Trasloco<") && !case.contains(">trasloco<"));
    assert!(case.contains(">12,50<"), "the surface as Italians write it");
    let submitted = case
        .split("data-testid=\"submitted\"")
        .nth(1)
        .and_then(|rest| rest.split("</dl>").next())
        .unwrap();
    let iso = |w: &[u8]| {
        w.len() == 10
            && w.iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            })
    };
    assert!(
        !submitted.as_bytes().windows(10).any(iso),
        "a date as 2026-12-15: {submitted}"
    );
    assert!(case.find("data-testid=\"submitted\"") < case.find("Azioni"));

    // Another ente's operator: an empty queue, and Livorno's case is not found.
    app.identity()
        .create_staff(sportello_app::staff::NewStaff {
            istat: Some("048017".into()),
            username: "firenze.istruttore".into(),
            display_name: "Istruttore Firenze".into(),
            password: "password-di-prova-123".into(),
            roles: vec![Role::Operator],
            totp_secret: None,
            email: String::new(),
        })
        .await
        .unwrap();
    let other = client();
    let page = sportello_testkit::text_of(&other, &format!("{url}/staff/accedi")).await;
    let r = other
        .post(format!("{url}/staff/accedi"))
        .form(&[
            ("csrf", sportello_testkit::csrf_of(&page).as_str()),
            ("username", "firenze.istruttore"),
            ("password", "password-di-prova-123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let queue = sportello_testkit::text_of(&other, &format!("{url}/staff/pratiche")).await;
    assert!(queue.contains("Aperte (0)") && !queue.contains(mario.fiscal_code.as_str()));
    assert_eq!(
        other
            .get(format!("{url}/staff/pratiche/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // A PAAS operator does not work cases; a citizen has no desk.
    let paas = client();
    staff_login(&paas, url, "livorno.paas", false).await;
    assert_eq!(
        paas.get(format!("{url}/staff/pratiche"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let citizen_client = client();
    demo_sign_in(&citizen_client, url, "mario-rossi", "L2").await;
    let r = citizen_client
        .get(format!("{url}/staff/pratiche/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/staff/accedi");
    t.stop().await;
}

/// The queue is paged and filtered by the database: a page at a time, concluded cases counted
/// and listed only when asked for, each facet counted with the other filters applied.
#[tokio::test]
async fn the_queue_is_paged_and_filtered_in_the_database() {
    let t = spawn_app().await;
    let url = &t.url;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let mut filed = vec![];
    for _ in 0..53 {
        let id = filled_occupation(&t, livorno, &mario).await;
        app.applications()
            .submit(livorno, &id, &mario, true)
            .await
            .unwrap();
        filed.push(id);
    }
    for id in &filed[..2] {
        assert!(app
            .applications()
            .withdraw(livorno, id, &mario)
            .await
            .unwrap());
    }
    let operator = client();
    staff_login(&operator, url, "livorno.istruttore", false).await;
    let page = |query: &'static str| {
        let c = operator.clone();
        let url = url.clone();
        async move { sportello_testkit::text_of(&c, &format!("{url}/staff/pratiche{query}")).await }
    };
    let lines = |html: &str| {
        html.matches("<tr><td data-label=\"Numero di protocollo\"><a href=\"/staff/pratiche/")
            .count()
    };
    let first = page("").await;
    assert!(
        first.contains("Aperte (51)") && first.contains("Tutte (53)"),
        "{first}"
    );
    assert_eq!(lines(&first), 50);
    assert!(first.contains("Pagina 1 / 2 (51)"));
    assert!(first.contains("pagina=2"));
    assert_eq!(lines(&page("?pagina=2").await), 1);
    // Every case, concluded ones too, from the database.
    let all = page("?filtro=tutte&pagina=2").await;
    assert_eq!(lines(&all), 3);
    let withdrawn = page("?filtro=tutte&stato=ritirata").await;
    assert_eq!(lines(&withdrawn), 2);
    assert!(withdrawn.contains(">ritirata (2)</option>"), "{withdrawn}");
    assert!(withdrawn.contains("Tutte (2)"));
    // Facets and filters meet: nobody is assigned, so «mine» lists nothing.
    let mine = page("?filtro=tutte&assegnatario=io").await;
    assert_eq!(lines(&mine), 0);
    assert!(mine.contains("value=\"nessuno\"") && mine.contains("(53)</option>"));

    // The search box: by registration number, by name, by codice fiscale — open cases and all.
    let giulia = citizen("giulia-bianchi", SpidLevel::L2);
    let hers = filled_occupation(&t, livorno, &giulia).await;
    let receipt = app
        .applications()
        .submit(livorno, &hers, &giulia, true)
        .await
        .unwrap();
    let number: i64 = receipt.number.parse().unwrap();
    let found = page(Box::leak(format!("?cerca={number}").into_boxed_str())).await;
    assert_eq!(lines(&found), 1, "{found}");
    assert!(found.contains(&format!("/staff/pratiche/{hers}\"")));
    let found = page(Box::leak(
        format!("?cerca={number}%2F{}&filtro=tutte", receipt.year).into_boxed_str(),
    ))
    .await;
    assert_eq!(lines(&found), 1);
    assert_eq!(lines(&page("?cerca=bianchi").await), 1);
    assert_eq!(lines(&page("?cerca=BIANCHI&filtro=tutte").await), 1);
    assert_eq!(
        lines(&page("?cerca=bianchi%20giulia").await),
        1,
        "surname first"
    );
    assert_eq!(
        lines(&page("?cerca=bianchi%20giulia&filtro=tutte").await),
        1
    );
    assert_eq!(lines(&page("?cerca=bianchi%20mario&filtro=tutte").await), 0);
    assert_eq!(
        lines(&page("?cerca=rossi&filtro=tutte").await),
        50,
        "the first page of 53"
    );
    assert!(page("?cerca=rossi&filtro=tutte")
        .await
        .contains("Tutte (53)"));
    // Within the cap every facet is counted from the one sample of the cases found, each with
    // the other facets' filters: the state's counts leave the state chosen out.
    let withdrawn_rossi = page("?cerca=rossi&filtro=tutte&stato=ritirata").await;
    assert_eq!(lines(&withdrawn_rossi), 2);
    assert!(withdrawn_rossi.contains("Tutte (2)"), "{withdrawn_rossi}");
    assert!(
        withdrawn_rossi.contains(" selected>ritirata (2)</option>"),
        "{withdrawn_rossi}"
    );
    assert!(
        withdrawn_rossi.contains(">protocollata (51)</option>"),
        "{withdrawn_rossi}"
    );
    let mine_rossi = page("?cerca=rossi&filtro=tutte&assegnatario=io").await;
    assert!(mine_rossi.contains("Tutte (0)"), "{mine_rossi}");
    // The assignee's own counts leave «mine» out: nobody is assigned the 53.
    let nobody_option = mine_rossi
        .split("value=\"nessuno\"")
        .nth(1)
        .and_then(|rest| rest.split("</option>").next())
        .unwrap_or_default();
    assert!(nobody_option.ends_with("(53)"), "{mine_rossi}");
    assert_eq!(
        lines(
            &page(Box::leak(
                format!("?cerca={}", giulia.fiscal_code).into_boxed_str()
            ))
            .await
        ),
        1
    );
    assert_eq!(
        lines(&page("?cerca=nessuno%25").await),
        0,
        "a % is a character, not a wildcard"
    );
    t.stop().await;
}

/// Past a thousand cases the queue of every case is counted exactly from the counts the
/// database keeps as cases are filed and move (never by reading the ente's history): the tab,
/// the pages and every facet. A search is counted from the cases it finds, up to a thousand:
/// past it the queue says «oltre 1.000» and pages forward.
#[tokio::test]
async fn past_a_thousand_cases_the_queue_counts_from_kept_counts_and_a_search_says_more() {
    let t = spawn_app().await;
    let url = &t.url;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let (aoo, _) = app.store().tenant(livorno).main_aoo().await.unwrap();
    // 1,001 filings through the bulk path `bench region` writes with, three of them for
    // a driveway.
    let filings: Vec<sportello_store::BulkFiling> = (1..=1_001_i64)
        .map(|n| {
            let service = if n <= 3 {
                "passo-carrabile"
            } else {
                "occupazione-suolo-pubblico"
            };
            sportello_store::BulkFiling {
                id: format!("bulk{n:08}"),
                ente_id: livorno.get(),
                service_id: service.into(),
                service_version: 1,
                applicant: "RSSMRA80A01E625I".into(),
                given_name: "Mario".into(),
                family_name: "Rossi".into(),
                status: "submitted",
                case_state: Some("accolta"),
                data: "{}".into(),
                assignee: None,
                created_at: 1_700_000_000_000 + n,
                submitted_at: 1_700_000_000_000 + n,
                updated_at: 1_700_000_000_000 + n,
                aoo_id: aoo,
                year: 2023,
                number: n,
                registered_at: "2023-11-14T22:13:20Z".into(),
                correspondent: "Mario Rossi (RSSMRA80A01E625I)".into(),
                subject: "Domanda".into(),
                document_digest: "0".repeat(64),
                attachments: "[]".into(),
                previous_hash: "0".repeat(64),
                hash: "0".repeat(64),
                classification: "I.1".into(),
                fascicolo: format!("2023/{service}/{n}"),
                events: vec![(
                    1_700_000_000_000 + n,
                    "accolta",
                    "accolta",
                    "Ufficio".into(),
                )],
                files: vec![],
            }
        })
        .collect();
    app.store().bulk_file(&filings).await.unwrap();
    let operator = client();
    staff_login(&operator, url, "livorno.istruttore", false).await;
    let page = |query: String| {
        let c = operator.clone();
        let url = url.clone();
        async move { sportello_testkit::text_of(&c, &format!("{url}/staff/pratiche{query}")).await }
    };
    let filed = app.store().tenant(livorno).queue().await.unwrap();
    let everything = filed.len();
    assert!(everything >= 1_001);
    let driveways = filed
        .iter()
        .filter(|r| r.service_id == "passo-carrabile")
        .count();
    let pages = everything.div_ceil(50);
    // Numbers as Italian writes them: «1.001».
    let it = |n: usize| {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        out
    };
    let everything_it = it(everything);
    let open = page("".to_string()).await;
    assert!(open.contains(&format!("Tutte ({everything_it})")), "{open}");
    let all = page("?filtro=tutte".to_string()).await;
    assert!(all.contains(&format!("Tutte ({everything_it})")), "{all}");
    assert!(
        all.contains(&format!("<p>Pagina 1 / {pages} ({everything_it})</p>")),
        "{all}"
    );
    assert!(all.contains("pagina=2"));
    assert!(
        all.contains(&format!(
            ">Autorizzazione di passo carrabile ({driveways})</option>"
        )),
        "every facet counted: {all}"
    );
    let deep = page(format!("?filtro=tutte&pagina={pages}")).await;
    assert!(
        deep.contains(&format!("<p>Pagina {pages} / {pages}")),
        "{deep}"
    );
    // A name through the register's words, capitals or not; nothing searchable finds nothing.
    let by_name = page("?filtro=tutte&cerca=ROSS+mar".to_string()).await;
    assert!(
        by_name.contains("/staff/pratiche/bulk00001001"),
        "{by_name}"
    );
    assert!(by_name.contains("Tutte (oltre 1.000)"), "{by_name}");
    assert!(by_name.contains("<p>Pagina 1</p>"), "{by_name}");
    // Past the cap, a count narrowed by a facet chosen is read on its own and exact; a facet
    // whose counts would be the search's alone is shown uncounted.
    let narrowed = page("?filtro=tutte&cerca=rossi&servizio=passo-carrabile".to_string()).await;
    assert!(narrowed.contains("Tutte (3)"), "{narrowed}");
    assert!(narrowed.contains(">accolta (3)</option>"), "{narrowed}");
    assert!(
        narrowed.contains(" selected>Autorizzazione di passo carrabile</option>"),
        "{narrowed}"
    );
    let nothing = page("?filtro=tutte&cerca=S.r.l.".to_string()).await;
    assert!(!nothing.contains("/staff/pratiche/bulk"), "{nothing}");
    let narrow = page("?filtro=tutte&servizio=passo-carrabile".to_string()).await;
    assert!(narrow.contains(&format!("Tutte ({driveways})")), "{narrow}");
    assert!(narrow.contains(">accolta (3)</option>"), "{narrow}");
    t.stop().await;
}

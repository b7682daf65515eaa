//! Participatory budgeting through the portal: the office starts a process, residents propose,
//! the office reviews, residents vote in the first (uninformed) and the second (informed) vote,
//! and the results show both rules and the shift between the votes. Bad ballots are refused
//! with the reason and store nothing; a second ballot replaces the first; ballots keep no
//! identity and are sealed when the vote is over; the open-data export reads back as pabulib.

use std::sync::Arc;

use sportello_testkit::{client, csrf_of, demo_sign_in, spawn_app_with, Options, TestClock};

use crate::authz_support::{staff_login, staff_login_at};

pub(crate) async fn get(c: &reqwest::Client, url: &str) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        r.status().as_u16(),
        format!("{location}{}", r.text().await.unwrap()),
    )
}

/// Posts a form after reading the CSRF token from `form_page`.
pub(crate) async fn post(
    c: &reqwest::Client,
    form_page: &str,
    url: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let (status, page) = get(c, form_page).await;
    assert!(
        page.contains("name=\"csrf\""),
        "{form_page}: {status} {page}"
    );
    let mut all = vec![("csrf".to_owned(), csrf_of(&page))];
    all.extend(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    // The proposal form is multipart (it can carry images); the others are urlencoded.
    let r = if url.ends_with("/proponi") {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in all {
            form = form.text(k, v);
        }
        c.post(url).multipart(form).send().await.unwrap()
    } else {
        c.post(url).form(&all).send().await.unwrap()
    };
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    match location {
        Some(l) if status == 303 => {
            get(c, &format!("{}{l}", url.split("/staff").next().unwrap())).await
        }
        _ => (status, r.text().await.unwrap()),
    }
}

pub(crate) async fn resident(url: &str, persona: &str) -> reqwest::Client {
    let c = client();
    demo_sign_in(&c, url, persona, "https://www.spid.gov.it/SpidL2").await;
    c
}

#[tokio::test]
async fn a_participatory_budget_from_proposals_to_results() {
    let clock = TestClock::new(time::macros::datetime!(2026-03-02 09:00 UTC));
    let clock_dyn: Arc<dyn sportello_app::Clock> = clock.clone();
    let t = spawn_app_with(Options {
        clock: Some(clock_dyn),
        ..Options::default()
    })
    .await;
    let url = t.url.clone();
    let base = format!("{url}/livorno/bilancio-partecipativo/bp-2026");

    // The office starts the process. A bad short address is refused, and the form keeps what
    // was typed.
    let admin = client();
    staff_login_at(
        &admin,
        &url,
        "livorno.admin",
        true,
        time::macros::datetime!(2026-03-02 09:00 UTC),
    )
    .await;
    let staff_page = format!("{url}/staff/bilancio-partecipativo");
    let mut fields = vec![
        ("titolo", "Bilancio partecipativo 2026"),
        ("indirizzo", "BP 2026"),
        ("descrizione", "Centomila euro per i quartieri."),
        ("budget", "100000"),
        ("scheda", "approval"),
        ("regola", "mes"),
        ("chi", "any"),
        ("eta", "18"),
        ("apre-proposals", "2026-03-01"),
        ("chiude-proposals", "2026-03-10"),
        ("apre-review", "2026-03-11"),
        ("chiude-review", "2026-03-15"),
        ("apre-vote1", "2026-03-16"),
        ("chiude-vote1", "2026-03-20"),
        ("apre-debate", "2026-03-21"),
        ("chiude-debate", "2026-03-25"),
        ("apre-vote2", "2026-03-26"),
        ("chiude-vote2", "2026-03-31"),
        ("apre-results", "2026-04-01"),
        ("chiude-results", "2026-12-31"),
    ];
    let (status, page) = post(&admin, &staff_page, &staff_page, &fields).await;
    assert_eq!(status, 422);
    assert!(page.contains("solo lettere minuscole"), "{page}");
    assert!(
        page.contains("Centomila euro per i quartieri."),
        "the form keeps what was typed"
    );
    fields[1] = ("indirizzo", "bp-2026");
    let (status, page) = post(&admin, &staff_page, &staff_page, &fields).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Bilancio partecipativo 2026"));

    // The public page states the rule of eligibility.
    let (status, page) = get(&client(), &base).await;
    assert_eq!(status, 200);
    assert!(page.contains("dai 18 anni compiuti"), "{page}");
    // Its calendar is written the Italian way.
    assert!(page.contains("1 marzo 2026") && page.contains("10 marzo 2026"));
    assert!(!page.contains("2026-03-10"));

    // Residents propose; a 15-year-old is told why not; a cost over the budget is refused.
    let proposals = [
        ("mario-rossi", "Parco giochi al Pontino", 40_000),
        ("giulia-bianchi", "Pista ciclabile in Venezia", 30_000),
        ("prova-1", "Biblioteca di quartiere", 50_000),
        ("prova-2", "Orti urbani", 20_000),
        ("prova-3", "Panchine smart", 10_000),
    ];
    for (who, title, cost) in proposals {
        let c = resident(&url, who).await;
        let cost = cost.to_string();
        let (status, page) = post(
            &c,
            &format!("{base}/proponi"),
            &format!("{base}/proponi"),
            &[
                ("titolo", title),
                ("descrizione", "Descrizione della proposta."),
                ("costo", &cost),
            ],
        )
        .await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Proposta inviata"), "{page}");
    }
    let minor = resident(&url, "luca-verdi").await;
    let (status, page) = post(
        &minor,
        &format!("{base}/proponi"),
        &format!("{base}/proponi"),
        &[
            ("titolo", "Skate park"),
            ("descrizione", "Per i ragazzi."),
            ("costo", "5000"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("risulti avere 15 anni") && page.contains("dai 18 anni compiuti"),
        "{page}"
    );
    let mario = resident(&url, "mario-rossi").await;
    let (status, page) = post(
        &mario,
        &format!("{base}/proponi"),
        &format!("{base}/proponi"),
        &[
            ("titolo", "Nuovo stadio"),
            ("descrizione", "Grande."),
            ("costo", "2000000"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("supera il budget") && page.contains("Nuovo stadio"),
        "{page}"
    );

    // The feasibility review.
    clock.advance(time::Duration::days(10)); // 12 March
    let office = client();
    staff_login(&office, &url, "livorno.istruttore", false).await;
    let review_page = format!("{url}/staff/bilancio-partecipativo/bp-2026");
    let (_, page) = get(&office, &review_page).await;
    let ids: Vec<String> = page
        .match_indices("/staff/bilancio-partecipativo/bp-2026/progetti/")
        .map(|(i, m)| page[i + m.len()..].split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 5, "{page}");
    let review = |i: usize, outcome: &'static str, cost: &'static str, reason: &'static str| {
        let office = office.clone();
        let review_page = review_page.clone();
        let target = format!("{review_page}/progetti/{}", ids[i]);
        async move {
            post(
                &office,
                &review_page,
                &target,
                &[("esito", outcome), ("costo", cost), ("motivazione", reason)],
            )
            .await
        }
    };
    let (status, page) = review(4, "non-fattibile", "", "").await;
    assert_eq!(status, 422);
    assert!(
        page.contains("perché la proposta non è fattibile"),
        "{page}"
    );
    assert_eq!(
        review(4, "non-fattibile", "", "L'area non è del Comune.")
            .await
            .0,
        200
    );
    assert_eq!(
        review(
            0,
            "fattibile",
            "45000",
            "Costo aggiornato dopo il sopralluogo."
        )
        .await
        .0,
        200
    );
    for i in 1..4 {
        assert_eq!(review(i, "fattibile", "", "").await.0, 200);
    }
    let (_, page) = get(&client(), &base).await;
    assert!(
        page.contains("45.000 €") && page.contains("area non è del Comune."),
        "{page}"
    );

    // The first vote: projects 1 (45,000), 2 (30,000), 3 (50,000), 4 (20,000) are on the ballot.
    clock.advance(time::Duration::days(5)); // 17 March
    let vote = |c: reqwest::Client, choices: Vec<&'static str>| {
        let base = base.clone();
        async move {
            let fields: Vec<(&str, &str)> = choices.iter().map(|p| ("progetto", *p)).collect();
            post(
                &c,
                &format!("{base}/vota"),
                &format!("{base}/vota"),
                &fields,
            )
            .await
        }
    };
    let over = resident(&url, "prova-10").await;
    let (status, page) = vote(over.clone(), vec!["1", "3", "4"]).await;
    assert_eq!(status, 422);
    assert!(page.contains("superano il budget"), "{page}");
    assert!(
        page.contains("value=\"3\" id=\"p3\" checked"),
        "the ballot keeps the choices: {page}"
    );
    let (status, page) = vote(over.clone(), vec!["9"]).await;
    assert_eq!(status, 422);
    assert!(page.contains("non è tra quelli in votazione"), "{page}");
    let minor = resident(&url, "luca-verdi").await;
    let (status, page) = get(&minor, &format!("{base}/vota")).await;
    assert_eq!(status, 409, "{page}");
    assert!(
        page.contains("15 anni") && page.contains("dai 18 anni compiuti"),
        "{page}"
    );
    // Five voters like the park and the library; three the bike lane and the gardens.
    let mut voters = Vec::new();
    for n in 20..28 {
        voters.push(resident(&url, &format!("prova-{n}")).await);
    }
    for (i, v) in voters.iter().enumerate() {
        let choice = if i < 5 {
            vec!["1", "3"]
        } else {
            vec!["2", "4"]
        };
        let (status, page) = vote(v.clone(), choice).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Voto registrato"), "{page}");
    }
    // A voter changes their mind: the second ballot replaces the first.
    let (status, page) = vote(voters[0].clone(), vec!["2", "4"]).await;
    assert_eq!(status, 200);
    assert!(page.contains("Voto cambiato"), "{page}");

    // The personal area says what each person did and may still do.
    let (_, area) = get(&voters[0], &format!("{url}/area-personale")).await;
    assert!(
        area.contains("data-testid=\"my-pb\"")
            && area.contains("Hai votato nella prima votazione.")
            && area.contains("Puoi cambiare il tuo voto fino al 20 marzo 2026."),
        "{area}"
    );
    let (_, area) = get(
        &resident(&url, "mario-rossi").await,
        &format!("{url}/area-personale"),
    )
    .await;
    assert!(area.contains("Progetti che hai proposto: 1."), "{area}");
    assert!(
        area.contains("Puoi votare fino al 20 marzo 2026."),
        "{area}"
    );
    assert!(area.contains(&format!("{}/vota", base.trim_start_matches(&url))));

    // Results are not public before their phase.
    assert_eq!(get(&client(), &format!("{base}/risultati")).await.0, 409);

    // Comments wait for the debate.
    let project4 = format!("{base}/progetti/4");
    let (status, page) = post(
        &voters[1],
        &format!("{base}/vota"),
        &project4,
        &[("testo", "Troppo presto?")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("durante la fase"), "{page}");

    // The debate: an association facilitates, residents comment and reply, reports hide a
    // comment until a moderator decides.
    clock.advance(time::Duration::days(5)); // 22 March
    let admin = client();
    staff_login_at(
        &admin,
        &url,
        "livorno.admin",
        true,
        time::macros::datetime!(2026-03-22 09:00 UTC),
    )
    .await;
    let facilitator_cf = sportello_app::demo::test_person_fiscal_code(50).unwrap();
    let (status, page) = post(
        &admin,
        &review_page,
        &format!("{review_page}/facilitatori"),
        &[
            ("codice_fiscale", &facilitator_cf),
            ("associazione", "Legambiente Livorno"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("Facilitatore registrato"), "{page}");
    let facilitator = resident(&url, "prova-50").await;
    let (status, page) = post(
        &facilitator,
        &project4,
        &project4,
        &[("testo", "Gli orti riducono il calore estivo del quartiere.")],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("facilitatore per Legambiente Livorno"),
        "{page}"
    );
    for (i, v) in voters.iter().enumerate().take(4) {
        demo_sign_in(
            v,
            &url,
            &format!("prova-{}", 20 + i),
            "https://www.spid.gov.it/SpidL2",
        )
        .await;
    }
    let (status, page) = post(
        &voters[1],
        &project4,
        &project4,
        &[("testo", "Compratevi le zucchine al mercato!!!")],
    )
    .await;
    assert_eq!(status, 200);
    // Comments made at the same instant: find each by its text.
    let id_of = |page: &str, text: &str| -> String {
        let item = page
            .split("<li class=\"border rounded")
            .find(|c| c.contains(text))
            .unwrap();
        item.split("/segnala/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    let rude = id_of(&page, "zucchine");
    let first = id_of(&page, "calore estivo");
    let (status, page) = post(
        &voters[2],
        &project4,
        &project4,
        &[("testo", "Sono d'accordo."), ("risposta_a", &first)],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Sono d&#39;accordo.") || page.contains("Sono d'accordo."),
        "{page}"
    );
    let report = format!("{project4}/segnala/{rude}");
    for v in [&voters[0], &voters[2], &voters[2], &voters[3]] {
        assert_eq!(post(v, &project4, &report, &[]).await.0, 200);
    }
    let (_, page) = get(&client(), &project4).await;
    assert!(
        !page.contains("zucchine"),
        "three different people reported it: hidden"
    );
    assert!(page.contains("in attesa della decisione di un moderatore"));
    let moderator = client();
    staff_login(&moderator, &url, "livorno.istruttore", false).await;
    let (_, page) = get(&moderator, &review_page).await;
    assert!(
        page.contains("zucchine") && page.contains("data-testid=\"pb-moderate\""),
        "{page}"
    );
    let (status, _) = post(
        &moderator,
        &review_page,
        &format!("{review_page}/commenti/{rude}"),
        &[("decisione", "mantieni")],
    )
    .await;
    assert_eq!(status, 200);
    let (_, page) = get(&client(), &project4).await;
    assert!(
        page.contains("zucchine"),
        "kept by the moderator: shown again"
    );

    // The second vote, after the debate: the gardens gain support.
    clock.advance(time::Duration::days(5)); // 27 March
    for (i, v) in voters.iter().enumerate() {
        demo_sign_in(
            v,
            &url,
            &format!("prova-{}", 20 + i),
            "https://www.spid.gov.it/SpidL2",
        )
        .await;
        let choice = if i < 3 {
            vec!["1", "4"]
        } else {
            vec!["2", "4"]
        };
        assert_eq!(vote(v.clone(), choice).await.0, 200);
    }

    // Results: both votes, both rules, the shift.
    clock.advance(time::Duration::days(6)); // 2 April
                                            // The votes are over: the jobs seal both before anyone looks at the results.
    let report = t.app().run_jobs_once("prova", None).await.unwrap();
    assert_eq!(report.pb_votes_sealed, 2);
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&t.db.url)
        .await
        .unwrap();
    let keys: Vec<String> = sqlx::query_scalar("SELECT ballot_key FROM pb_ballots")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(
        !keys.is_empty() && keys.iter().all(|k| k.starts_with("sealed-")),
        "{keys:?}"
    );
    assert_eq!(
        t.app()
            .run_jobs_once("prova", None)
            .await
            .unwrap()
            .pb_votes_sealed,
        0,
        "sealed once"
    );
    let late = resident(&url, "prova-40").await;
    let (status, page) = get(&late, &format!("{base}/vota")).await;
    assert_eq!(status, 409, "the votes are closed");
    assert!(
        page.contains("Non c&#39;è una votazione aperta")
            || page.contains("Non c'è una votazione aperta"),
        "{page}"
    );
    let (status, page) = get(&client(), &format!("{base}/risultati")).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("data-testid=\"pb-vote-vote1\"")
            && page.contains("data-testid=\"pb-vote-vote2\"")
    );
    assert!(
        page.contains("Metodo delle quote uguali (MES)")
            && page.contains("I più votati finché bastano i fondi")
            && !page.contains("greedy")
    );
    assert!(page.contains("data-testid=\"pb-shift\""), "{page}");
    let shift = page.split("data-testid=\"pb-shift\"").nth(1).unwrap();
    let first_row = shift.split("<tr>").nth(2).unwrap();
    assert!(
        first_row.contains("4. Orti urbani") && first_row.contains("guadagnato"),
        "{first_row}"
    );

    // The open-data files: pabulib, readable by the library, no identities, the replaced ballot
    // not counted twice.
    for (phase, ballots) in [("vote1", 8), ("vote2", 8)] {
        let (status, text) = get(&client(), &format!("{base}/dati/{phase}.pb")).await;
        assert_eq!(status, 200);
        let e = sportello_pb::Election::parse(&text).unwrap();
        assert_eq!(e.ballots.len(), ballots);
        assert_eq!(e.projects.len(), 4);
        assert!(
            !text.contains("RSSMRA") && !text.contains("80A01E625"),
            "no codice fiscale in open data"
        );
        let mes = sportello_pb::equal_shares(&e, sportello_pb::MesOptions::default()).unwrap();
        assert!(mes.spent <= 100_000);
    }
    let (_, v1) = get(&client(), &format!("{base}/dati/vote1.pb")).await;
    let e = sportello_pb::Election::parse(&v1).unwrap();
    let support = sportello_pb::greedy::support(&e);
    assert_eq!(
        support,
        vec![4, 4, 4, 4],
        "voter 0's first ballot was replaced, not added"
    );

    // Tracking: the office says how the chosen projects are carried out; the public sees it.
    let office = client();
    staff_login(&office, &url, "livorno.istruttore", false).await;
    let (_, page) = get(&office, &review_page).await;
    let orti = page.split("data-testid=\"pb-review-4\"").nth(1).unwrap();
    let orti_id = orti
        .split("/progetti/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let target = format!("{review_page}/progetti/{orti_id}/realizzazione");
    let (status, page) = post(
        &office,
        &review_page,
        &target,
        &[
            ("stato", "in_progress"),
            ("nota", "Lavori iniziati il 1° giugno."),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let (_, page) = get(&client(), &base).await;
    let cell = page
        .split("data-testid=\"pb-execution-4\">")
        .nth(1)
        .unwrap()
        .split("</td>")
        .next()
        .unwrap();
    assert!(
        cell.contains("In corso") && cell.contains("Lavori iniziati"),
        "{cell}"
    );

    // Secrecy: the ballots hold no identity and, the votes being over, their keys are random.
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&t.db.url)
        .await
        .unwrap();
    let keys: Vec<String> = sqlx::query_scalar("SELECT ballot_key FROM pb_ballots")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(keys.len(), 16);
    assert!(keys.iter().all(|k| k.starts_with("sealed-")), "{keys:?}");
    let voters_hashes: Vec<String> = sqlx::query_scalar("SELECT person_hash FROM pb_voters")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(voters_hashes.len(), 16);
    assert!(keys
        .iter()
        .all(|k| !voters_hashes.iter().any(|h| k.contains(h.as_str()))));
}

/// With fewer voters than the configured minimum, a vote's per-project counts and its
/// anonymous ballots are not published (a ballot could be tied to a person); the projects
/// chosen are. And the phases must follow one another in their order.
#[tokio::test]
async fn a_small_vote_publishes_its_outcome_not_its_ballots() {
    use sportello_app::pb::{BallotInput, NewProcess};
    use sportello_domain::identity::{Role, SpidLevel};
    let clock = TestClock::new(time::macros::datetime!(2026-05-04 09:00 UTC));
    let clock_dyn: Arc<dyn sportello_app::Clock> = clock.clone();
    let t = spawn_app_with(Options {
        clock: Some(clock_dyn),
        pb_min_voters_to_publish: Some(20),
        ..Options::default()
    })
    .await;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap();
    let admin = sportello_app::sessions::StaffPrincipal {
        id: 0,
        username: "livorno.admin".into(),
        display_name: "Laura Bini".into(),
        ente: Some(livorno.ente_id()),
        roles: vec![Role::EnteAdmin],
        ente_place: None,
        office: None,
    };
    let process = |phases: Vec<(&str, &str, &str)>| NewProcess {
        slug: "bp-piccolo".into(),
        title: "Bilancio di quartiere".into(),
        description: "Piccolo.".into(),
        budget: 10_000,
        ballot_kind: "approval".into(),
        min_projects: None,
        max_projects: None,
        max_points: None,
        rule: "mes".into(),
        eligibility: "any".into(),
        min_age: 16,
        phases: phases
            .into_iter()
            .map(|(k, a, b)| (k.to_string(), a.to_string(), b.to_string()))
            .collect(),
        districts: vec![],
    };
    // Out of order: the vote opens while the proposals are still open.
    let refused = app
        .participation()
        .create_pb_process(
            &admin,
            &livorno,
            process(vec![
                ("proposals", "2026-05-04", "2026-05-10"),
                ("vote1", "2026-05-06", "2026-05-12"),
            ]),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            sportello_app::AppError::Participation(
                sportello_domain::participation::ParticipationError::PhaseOrder { .. }
            )
        ),
        "{refused:?}"
    );
    app.participation()
        .create_pb_process(
            &admin,
            &livorno,
            process(vec![
                ("proposals", "2026-05-05", "2026-05-05"),
                ("review", "2026-05-06", "2026-05-06"),
                ("vote1", "2026-05-07", "2026-05-07"),
                ("results", "2026-05-08", "2026-06-30"),
            ]),
        )
        .await
        .unwrap();
    // Nothing is open yet: the list says when the next one opens.
    let list_url = format!("{}/livorno/bilancio-partecipativo", t.url);
    let list = sportello_testkit::text_of(&client(), &list_url).await;
    assert!(
        list.contains("Il prossimo si apre il 5 maggio 2026."),
        "{list}"
    );
    clock.advance(time::Duration::days(1));
    let list = sportello_testkit::text_of(&client(), &list_url).await;
    assert!(
        list.contains("Aperto ora:") && list.contains("fino al 5 maggio 2026"),
        "{list}"
    );
    assert!(!list.contains("data-testid=\"pb-none-open\""));
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    for title in ["Panchine", "Fontanella"] {
        app.participation()
            .propose_pb(
                &livorno,
                "bp-piccolo",
                &mario,
                title,
                "Per il quartiere.",
                Some(4_000),
                None,
                &[],
            )
            .await
            .unwrap();
    }
    clock.advance(time::Duration::days(1));
    let process_now = app
        .participation()
        .pb_process(&livorno, "bp-piccolo")
        .await
        .unwrap();
    for p in &process_now.projects {
        app.participation()
            .review_pb(&admin, &livorno, "bp-piccolo", &p.id, true, Some(4_000), "")
            .await
            .unwrap();
    }
    clock.advance(time::Duration::days(1));
    for persona in ["mario-rossi", "giulia-bianchi", "anna-neri"] {
        let who = crate::apply::citizen(persona, SpidLevel::L2);
        app.participation()
            .cast_pb_ballot(
                &livorno,
                "bp-piccolo",
                &who,
                &BallotInput {
                    projects: vec![1],
                    points: vec![],
                    district: None,
                },
            )
            .await
            .unwrap();
    }
    clock.advance(time::Duration::days(1));
    let base = format!("{}/livorno/bilancio-partecipativo/bp-piccolo", t.url);
    let (status, page) = get(&client(), &format!("{base}/risultati")).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-testid=\"pb-withheld\""), "{page}");
    assert!(page.contains("Hanno votato meno di 20 persone"));
    assert!(page.contains("1. Panchine"), "the outcome is public");
    assert!(!page.contains("/dati/vote1.pb"), "no ballot file offered");
    let (status, page) = get(&client(), &format!("{base}/dati/vote1.pb")).await;
    assert_ne!(status, 200, "{page}");
    assert!(page.contains("Hanno votato meno di 20 persone"));
    t.stop().await;
}

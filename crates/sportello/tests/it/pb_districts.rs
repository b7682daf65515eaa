//! A participatory budget split by district: district budgets that must add up, proposals
//! with images and a district, ballots for one district's projects within its budget (another
//! district's refused), an assisted ballot, one count and one open-data file per district.

use std::sync::Arc;

use sportello_testkit::{client, csrf_of, spawn_app_with, Options, TestClock};

use crate::authz_support::{staff_login, staff_login_at};
use crate::pb::{get, post, resident};

#[tokio::test]
async fn a_budget_split_by_district() {
    let clock = TestClock::new(time::macros::datetime!(2026-03-02 09:00 UTC));
    let clock_dyn: Arc<dyn sportello_app::Clock> = clock.clone();
    let t = spawn_app_with(Options {
        clock: Some(clock_dyn),
        ..Options::default()
    })
    .await;
    let url = t.url.clone();
    let base = format!("{url}/livorno/bilancio-partecipativo/quartieri");
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
        ("titolo", "Bilancio dei quartieri"),
        ("indirizzo", "quartieri"),
        ("budget", "100000"),
        (
            "quartieri",
            "nord;Quartiere Nord;60000\nsud;Quartiere Sud;30000",
        ),
        ("scheda", "approval"),
        ("regola", "greedy"),
        ("chi", "any"),
        ("eta", "16"),
        ("apre-proposals", "2026-03-01"),
        ("chiude-proposals", "2026-03-05"),
        ("apre-review", "2026-03-06"),
        ("chiude-review", "2026-03-08"),
        ("apre-vote1", "2026-03-09"),
        ("chiude-vote1", "2026-03-12"),
        ("apre-results", "2026-03-13"),
        ("chiude-results", "2026-12-31"),
    ];
    let (status, page) = post(&admin, &staff_page, &staff_page, &fields).await;
    assert_eq!(status, 422);
    assert!(page.contains("sommano 90000 euro"), "{page}");
    fields[3] = (
        "quartieri",
        "nord;Quartiere Nord;60000\nsud;Quartiere Sud;40000",
    );
    assert_eq!(post(&admin, &staff_page, &staff_page, &fields).await.0, 200);
    let (_, page) = get(&client(), &base).await;
    assert!(
        page.contains("Quartiere Nord: 60.000 €") && page.contains("Quartiere Sud: 40.000 €"),
        "{page}"
    );

    // Proposals belong to a district; a cost over the district's budget is refused.
    let mario = resident(&url, "mario-rossi").await;
    let propose = |district: &'static str, title: &'static str, cost: &'static str| {
        let mario = mario.clone();
        let base = base.clone();
        async move {
            let form = format!("{base}/proponi");
            post(
                &mario,
                &form,
                &form,
                &[
                    ("titolo", title),
                    ("descrizione", "Descrizione."),
                    ("costo", cost),
                    ("quartiere", district),
                ],
            )
            .await
        }
    };
    let (status, page) = propose("", "Senza quartiere", "1000").await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Scegli il quartiere della proposta"),
        "{page}"
    );
    let (status, page) = propose("sud", "Troppo cara", "50000").await;
    assert_eq!(status, 422);
    assert!(page.contains("supera il budget di 40000 euro"), "{page}");
    for (d, title, cost) in [
        ("nord", "Parco nord", "40000"),
        ("nord", "Strada nord", "30000"),
        ("sud", "Scuola sud", "25000"),
        ("sud", "Piazza sud", "20000"),
    ] {
        assert_eq!(propose(d, title, cost).await.0, 200);
    }
    // A proposal with an image and its text alternative; a PDF passed off as an image, or an
    // image without a description, is refused and nothing is stored.
    // The smallest file the server takes for a PNG: the signature and an IEND chunk.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
    let form_page = format!("{base}/proponi");
    let with_image = |bytes: Vec<u8>, alt: &'static str, title: &'static str| {
        let mario = mario.clone();
        let form_page = form_page.clone();
        async move {
            let (_, page) = get(&mario, &form_page).await;
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf_of(&page))
                .text("titolo", title)
                .text("descrizione", "Con immagine.")
                .text("costo", "1000")
                .text("quartiere", "sud")
                .part(
                    "immagine1",
                    reqwest::multipart::Part::bytes(bytes).file_name("foto.png"),
                )
                .text("immagine1_testo", alt);
            let r = mario.post(&form_page).multipart(form).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, page) =
        with_image(b"%PDF-1.4\n%%EOF\n".to_vec(), "Una foto", "Finta immagine").await;
    assert_eq!(status, 422);
    assert!(page.contains("PNG o JPEG"), "{page}");
    let (status, page) = with_image(png.clone(), "", "Senza descrizione").await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Descrivi l&#39;immagine") || page.contains("Descrivi l'immagine"),
        "{page}"
    );
    let (status, page) = with_image(
        png.clone(),
        "La piazza oggi, senza alberi",
        "Alberi in piazza",
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let (_, page) = get(&client(), &format!("{base}/progetti/5")).await;
    assert!(
        page.contains("alt=\"La piazza oggi, senza alberi\""),
        "{page}"
    );
    let r = client()
        .get(format!("{base}/progetti/5/immagini/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    let (_, page) = get(&client(), &base).await;
    assert!(
        !page.contains("Finta immagine") && !page.contains("Senza descrizione"),
        "refused proposals are not stored"
    );

    clock.advance(time::Duration::days(5)); // 7 March
    let office = client();
    staff_login(&office, &url, "livorno.istruttore", false).await;
    let review_page = format!("{url}/staff/bilancio-partecipativo/quartieri");
    let (_, page) = get(&office, &review_page).await;
    let ids: Vec<String> = page
        .match_indices("/staff/bilancio-partecipativo/quartieri/progetti/")
        .map(|(i, m)| page[i + m.len()..].split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 5);
    for id in ids.iter().take(4) {
        let target = format!("{review_page}/progetti/{id}");
        assert_eq!(
            post(&office, &review_page, &target, &[("esito", "fattibile")])
                .await
                .0,
            200
        );
    }

    // Each ballot is for one district's projects, within that district's budget.
    clock.advance(time::Duration::days(3)); // 10 March
    let vote = |who: &'static str, district: &'static str, projects: Vec<&'static str>| {
        let url = url.clone();
        let base = base.clone();
        async move {
            let c = resident(&url, who).await;
            let mut fields: Vec<(&str, &str)> = projects.iter().map(|p| ("progetto", *p)).collect();
            fields.push(("quartiere", district));
            let form = format!("{base}/vota");
            post(&c, &form, &form, &fields).await
        }
    };
    let (status, page) = vote("prova-1", "", vec!["1"]).await;
    assert_eq!(status, 422);
    assert!(page.contains("Scegli il tuo quartiere"), "{page}");
    let (status, page) = vote("prova-1", "nord", vec!["1", "3"]).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("è del quartiere «Quartiere Sud»") && page.contains("«Quartiere Nord»"),
        "{page}"
    );
    let (status, page) = vote("prova-1", "nord", vec!["1", "2"]).await;
    assert_eq!(status, 422);
    assert!(page.contains("superano il budget di 60000 euro"), "{page}");
    for (who, d, p) in [
        ("prova-1", "nord", vec!["1"]),
        ("prova-2", "nord", vec!["2"]),
        ("prova-3", "nord", vec!["2"]),
        ("prova-4", "sud", vec!["3"]),
        ("prova-5", "sud", vec!["4"]),
    ] {
        let (status, page) = vote(who, d, p).await;
        assert_eq!(status, 200, "{page}");
    }

    // Assisted voting: a PAAS operator records the paper ballot of a citizen who is present;
    // it counts the same and is marked as assisted in the statistics.
    let operator = client();
    staff_login(&operator, &url, "livorno.paas", false).await;
    let (_, desk) = get(&operator, &format!("{url}/staff/assistenza")).await;
    let anna = sportello_app::demo::persona("anna-neri").unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&desk))
        .text("codice_fiscale", anna.fiscal_code().unwrap().to_string())
        .text("nome", "Anna")
        .text("cognome", "Neri")
        .text("documento_verificato", "true")
        .part(
            "delega",
            reqwest::multipart::Part::bytes(crate::apply::PDF).file_name("delega.pdf"),
        );
    let r = operator
        .post(format!("{url}/staff/assistenza"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let form = format!("{base}/vota");
    let (status, page) = post(
        &operator,
        &form,
        &form,
        &[("progetto", "3"), ("quartiere", "sud")],
    )
    .await;
    assert_eq!(status, 200, "{page}");

    // Results: one count per district, each within its own budget; open data per district.
    clock.advance(time::Duration::days(3)); // 13 March
    let (status, page) = get(&client(), &format!("{base}/risultati")).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("data-testid=\"pb-vote-vote1-nord\"")
            && page.contains("data-testid=\"pb-vote-vote1-sud\"")
    );
    let sud = page
        .split("data-testid=\"pb-vote-vote1-sud\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        sud.contains("<strong>3</strong> (di cui raccolte con assistenza: 1)"),
        "{sud}"
    );
    let funded = page
        .split("data-testid=\"pb-funded\"")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert!(
        funded.contains("Strada nord") && funded.contains("Scuola sud"),
        "{funded}"
    );
    assert!(
        !funded.contains("Parco nord"),
        "40,000 + 30,000 exceed the North's 60,000: {funded}"
    );
    assert!(
        !funded.contains("Piazza sud"),
        "tied with Scuola sud, which wins on id; both exceed 40,000: {funded}"
    );
    let (status, text) = get(&client(), &format!("{base}/dati/vote1-nord.pb")).await;
    assert_eq!(status, 200);
    let e = sportello_pb::Election::parse(&text).unwrap();
    assert_eq!(
        (e.budget, e.ballots.len(), e.projects.len()),
        (60_000, 3, 2)
    );
    assert_eq!(e.meta("district"), Some("Quartiere Nord"));
}

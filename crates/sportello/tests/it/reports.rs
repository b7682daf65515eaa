//! Reports (segnalazioni, issue 20), through the server as residents, the office and a civic
//! app use it: a report with nothing right is refused with every problem named and nothing
//! lost; a street the municipality does not have is refused with the streets it might be; a
//! report is routed to its district and given its term; a second resident near the same
//! problem is offered the open report and supports it (once); the office takes it in charge
//! (a stale page is told it changed), must write its answer to resolve it; the reporter says it
//! is not solved and it reopens, then confirms; a noise complaint is registered in the protocol;
//! another ente's office finds nothing. Open311 GeoReport v2: discovery, services, a key-less
//! filing refused, a filing with a key in JSON, the request read back in JSON and XML, by its
//! token, and refusals for a wrong service, a missing jurisdiction and another ente's key.

use sportello_testkit::{client, csrf_of, demo_sign_in, location, post_on, spawn_app, text_of};

use crate::authz_support::staff_login;

async fn post_report(c: &reqwest::Client, url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    post_report_with(c, url, fields, vec![]).await
}

/// The form as a browser sends it (multipart), with these photos: (field, bytes).
async fn post_report_with(
    c: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
    photos: Vec<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let page = text_of(c, &format!("{url}/livorno/segnalazioni/nuova")).await;
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf_of(&page));
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (field, bytes) in photos {
        form = form.part(
            field.to_string(),
            reqwest::multipart::Part::bytes(bytes).file_name("foto.png"),
        );
    }
    c.post(format!("{url}/livorno/segnalazioni/nuova"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A 1×1 PNG.
fn png() -> Vec<u8> {
    vec![
        137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6,
        0, 0, 0, 31, 21, 196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 156, 99, 248, 207, 192, 240,
        31, 0, 5, 0, 1, 255, 137, 153, 61, 29, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
    ]
}

/// `/livorno/segnalazioni/2026/12?inviata=1` → "2026/12".
fn number_in(location: &str) -> String {
    let path = location.split('?').next().unwrap_or_default();
    let parts: Vec<&str> = path.rsplitn(3, '/').collect();
    format!("{}/{}", parts[1], parts[0])
}

#[tokio::test]
async fn a_report_is_routed_supported_worked_on_answered_and_reopened() {
    let t = spawn_app().await;
    t.app().seed_demo_month().await.unwrap();
    let url = &t.url;
    let mario = client();
    demo_sign_in(&mario, url, "mario-rossi", "L2").await;

    // Nothing right: every problem said, nothing written.
    let r = post_report(&mario, url, &[("civico", "12")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    for said in [
        "Scegli la categoria del problema.",
        "Scrivi in poche parole qual è il problema.",
        "Descrivi il problema",
        "Scrivi la via o la piazza",
    ] {
        assert!(page.contains(said), "{said}: {page}");
    }
    // A street Livorno's districts do not list: refused, with the street it may be, and what
    // was typed kept.
    let r = post_report(
        &mario,
        url,
        &[
            ("categoria", "strade"),
            ("oggetto", "Buca davanti alla scuola"),
            ("descrizione", "Una buca profonda sulle strisce pedonali."),
            ("via", "Via Carducci"),
            ("civico", "3"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Forse: Viale Carducci?"), "{page}");
    assert!(page.contains("Una buca profonda sulle strisce pedonali."));

    // A photo that is not an image, another without its text: refused, each named.
    let fields = [
        ("categoria", "strade"),
        ("oggetto", "Buca davanti alla scuola"),
        ("descrizione", "Una buca profonda sulle strisce pedonali."),
        ("via", "v.le carducci"),
        ("civico", "3"),
        ("foto1_testo", "La buca"),
    ];
    let r = post_report_with(
        &mario,
        url,
        &fields,
        vec![("foto1", b"not an image".to_vec()), ("foto2", png())],
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("La foto 1 non è un&#39;immagine JPEG o PNG."),
        "{page}"
    );
    assert!(page.contains("Le foto non sono state conservate"));
    // Right, with a photo: routed to its district, with its term.
    let r = post_report_with(&mario, url, &fields, vec![("foto1", png())]).await;
    assert_eq!(r.status(), 303);
    let number = number_in(&location(&r));
    let page = text_of(&mario, &format!("{url}{}", location(&r))).await;
    assert!(
        page.contains("Segnalazione inviata con il numero"),
        "{page}"
    );
    assert!(page.contains("Viale Carducci 3"));
    assert!(
        page.contains("data-testid=\"report-district\">Sud"),
        "{page}"
    );
    assert!(page.contains("Ricevuta"));
    let public = text_of(&client(), &format!("{url}{}", location(&r))).await;
    assert!(
        public.contains("Mario R."),
        "the public sees a first name and an initial"
    );
    assert!(!public.contains("Rossi"), "never the surname: {public}");
    // The photo: the reporter sees it, waiting; the public neither sees nor fetches it.
    let photo = format!("{url}/livorno/segnalazioni/{number}/foto/1");
    assert!(!public.contains("/foto/1"));
    let own = text_of(&mario, &format!("{url}/livorno/segnalazioni/{number}")).await;
    assert!(own.contains("In attesa di verifica"), "{own}");
    assert_eq!(mario.get(&photo).send().await.unwrap().status(), 200);
    assert_eq!(client().get(&photo).send().await.unwrap().status(), 404);

    // Another resident, near it, is offered the open report first; her text is kept.
    let giulia = client();
    demo_sign_in(&giulia, url, "giulia-bianchi", "L2").await;
    let r = post_report(
        &giulia,
        url,
        &[
            ("categoria", "strade"),
            ("oggetto", "Buca"),
            ("descrizione", "Pericolosa per le biciclette."),
            ("via", "Viale Carducci"),
            ("civico", "7"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Qualcuno l&#39;ha già segnalato?"), "{page}");
    assert!(page.contains("Buca davanti alla scuola"));
    assert!(page.contains("Pericolosa per le biciclette."));
    // She supports it, twice: it counts once.
    let report_page = format!("/livorno/segnalazioni/{number}");
    for _ in 0..2 {
        let r = post_on(
            &giulia,
            url,
            &report_page,
            &format!("{report_page}/sostegno"),
            &[],
        )
        .await;
        assert_eq!(r.status(), 303);
    }
    let page = text_of(&giulia, &format!("{url}{report_page}")).await;
    assert!(
        page.contains("data-testid=\"report-supports\">1<"),
        "{page}"
    );
    assert!(page.contains("Sostieni già questa segnalazione."));
    // Supporting one's own report does nothing, and says so.
    let r = post_on(
        &mario,
        url,
        &report_page,
        &format!("{report_page}/sostegno"),
        &[],
    )
    .await;
    assert!(location(&r).ends_with("?esito=tua"), "{}", location(&r));

    // The office: in its queue; taken in charge; a stale page is told; no answer, no
    // resolution.
    let office = client();
    staff_login(&office, url, "livorno.istruttore", false).await;
    let desk = text_of(&office, &format!("{url}/staff/segnalazioni")).await;
    assert!(desk.contains("Buca davanti alla scuola"), "{desk}");
    let staff_page = format!("/staff/segnalazioni/{number}");
    let act = |fields: Vec<(&'static str, &'static str)>| {
        let office = office.clone();
        let staff_page = staff_page.clone();
        async move {
            post_on(
                &office,
                url,
                &staff_page,
                &format!("{staff_page}/azioni"),
                &fields,
            )
            .await
        }
    };
    let r = act(vec![("stato_visto", "received"), ("azione", "take-charge")]).await;
    assert_eq!(r.status(), 303);
    // The office looks at the photo and publishes it: now anyone sees it.
    assert_eq!(office.get(&photo).send().await.unwrap().status(), 200);
    let r = post_on(
        &office,
        url,
        &staff_page,
        &format!("{staff_page}/foto/1"),
        &[("esito", "approva")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let fetched = client().get(&photo).send().await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.headers()["content-type"], "image/png");
    let r = act(vec![("stato_visto", "received"), ("azione", "start")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Nel frattempo"));
    let r = act(vec![
        ("stato_visto", "in-charge"),
        ("azione", "reroute"),
        ("testo", "Nota"),
    ])
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Scegli uno degli uffici"), "{page}");
    // The action chosen stays chosen, and what was written stays written.
    assert!(
        page.contains(r#"value="reroute" id="azione-reroute" checked"#),
        "{page}"
    );
    assert!(page.contains(">Nota</textarea>"));
    let r = act(vec![("stato_visto", "in-charge"), ("azione", "resolve")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Scrivi la risposta"));
    assert!(page.contains(r#"value="resolve" id="azione-resolve" checked"#));
    let r = act(vec![
        ("stato_visto", "in-charge"),
        ("azione", "resolve"),
        ("testo", "Buca chiusa con asfalto a caldo."),
    ])
    .await;
    assert_eq!(r.status(), 303);
    // The office sees who wrote each step; the public does not.
    let staff_view = text_of(&office, &format!("{url}{staff_page}")).await;
    assert!(staff_view.contains("livorno.istruttore"), "{staff_view}");
    assert!(staff_view.contains("MARIO") || staff_view.contains("Mario Rossi"));
    let public = text_of(&client(), &format!("{url}{report_page}")).await;
    assert!(public.contains("Buca chiusa con asfalto a caldo."));
    assert!(!public.contains("livorno.istruttore"));

    // Only the reporter is asked; an answer without a choice is refused, its words kept.
    let r = post_on(
        &mario,
        url,
        &report_page,
        &format!("{report_page}/esito"),
        &[("testo", "Ancora una buca accanto.")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Scegli se il problema è stato risolto o no."));
    assert!(
        page.contains(">Ancora una buca accanto.</textarea>"),
        "{page}"
    );
    // Only the reporter is asked; he says it is not solved: it reopens.
    let page = text_of(&giulia, &format!("{url}{report_page}")).await;
    assert!(!page.contains("data-testid=\"outcome\""));
    let page = text_of(&mario, &format!("{url}{report_page}")).await;
    assert!(page.contains("data-testid=\"outcome\""), "{page}");
    let r = post_on(
        &giulia,
        url,
        &report_page,
        &format!("{report_page}/esito"),
        &[("risolta", "no")],
    )
    .await;
    assert_eq!(r.status(), 409, "only the reporter");
    let r = post_on(
        &mario,
        url,
        &report_page,
        &format!("{report_page}/esito"),
        &[("risolta", "no"), ("testo", "La buca si è riaperta.")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let page = text_of(&mario, &format!("{url}{report_page}")).await;
    assert!(page.contains("In lavorazione"), "{page}");
    assert!(page.contains("La buca si è riaperta."));
    let r = act(vec![
        ("stato_visto", "in-progress"),
        ("azione", "resolve"),
        ("testo", "Rifatto il tratto di asfalto."),
    ])
    .await;
    assert_eq!(r.status(), 303);
    let r = post_on(
        &mario,
        url,
        &report_page,
        &format!("{report_page}/esito"),
        &[("risolta", "si")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let page = text_of(&mario, &format!("{url}{report_page}")).await;
    assert!(
        page.contains("Chi ha segnalato conferma che è risolta"),
        "{page}"
    );
    // The reporter was written to: received, taken in charge, resolved (with the question),
    // resolved again; never for his own confirmation.
    let outbox = t.app().store().outbox().await.unwrap();
    let subjects: Vec<&str> = outbox
        .iter()
        .filter(|n| n.recipient == "mario.rossi@example.invalid")
        .map(|n| n.subject.as_str())
        .collect();
    let code = number.replacen('/', "-", 1);
    let code = format!("{}-{:04}", &code[..4], code[5..].parse::<i64>().unwrap());
    assert!(
        subjects.contains(&format!("Segnalazione {code} ricevuta").as_str()),
        "{subjects:?}"
    );
    assert!(subjects.contains(&format!("Segnalazione {code}: Presa in carico").as_str()));
    let resolved = outbox
        .iter()
        .filter(|n| n.subject == format!("Segnalazione {code}: Risolta"))
        .collect::<Vec<_>>();
    assert_eq!(resolved.len(), 2, "{subjects:?}");
    assert!(resolved[0].body.contains("Il problema è davvero risolto?"));
    // The personal area lists it.
    let area = text_of(&mario, &format!("{url}/area-personale")).await;
    assert!(area.contains("Le tue segnalazioni") && area.contains("Buca davanti alla scuola"));

    // A noise complaint is registered in the protocol.
    let r = post_report(
        &mario,
        url,
        &[
            ("categoria", "rumore"),
            ("oggetto", "Compressore rumoroso"),
            (
                "descrizione",
                "Un compressore acceso tutta la notte nel cortile.",
            ),
            ("via", "Via Roma"),
            ("civico", "10"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let page = text_of(&mario, &format!("{url}{}", location(&r))).await;
    assert!(page.contains(">Protocollo<"), "{page}");

    // Another ente's office finds nothing.
    let other = client();
    staff_login(&other, url, "firenze.responsabile", false).await;
    let r = other
        .get(format!("{url}{staff_page}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // «Closed» is closed without action, never resolved; «concluse» is both.
    let closed = text_of(
        &client(),
        &format!("{url}/livorno/segnalazioni?stato=closed"),
    )
    .await;
    assert!(closed.contains("Cartello di stop girato"), "{closed}");
    assert!(!closed.contains("Lampione spento davanti al civico 48"));
    let ended = text_of(
        &client(),
        &format!("{url}/livorno/segnalazioni?stato=concluse"),
    )
    .await;
    assert!(ended.contains("Cartello di stop girato") && ended.contains("Lampione spento davanti"));
    // The map: Livorno's three districts by their outlines, and the concluded reports that
    // have a point, as green circles named by their code and subject.
    let map = ended
        .split("data-testid=\"reports-map\"")
        .nth(1)
        .and_then(|m| m.split("</figure>").next())
        .unwrap_or_default();
    assert_eq!(map.matches("<polygon ").count(), 3, "{map}");
    assert!(map.contains(">Nord<") && map.contains(">Centro<") && map.contains(">Sud<"));
    assert!(
        map.contains("class=\"map-pin-closed\"") && !map.contains("map-pin-open"),
        "{map}"
    );
    assert!(map.contains("con un punto"), "{map}");
    // The districts' view counts it.
    let view = text_of(&client(), &format!("{url}/livorno/segnalazioni/quartieri")).await;
    assert!(
        view.contains("Strade e marciapiedi") && view.contains("Sud"),
        "{view}"
    );
    // By month and by street; and for one district: its own streets only.
    assert!(view.contains("data-testid=\"month-counts\""), "{view}");
    let streets = &view[view.find("data-testid=\"street-counts\"").expect("streets")..];
    assert!(streets.contains("Viale Carducci"), "{streets}");
    let district_id = |name: &str| {
        let at = view.find(&format!(">{name}</option>")).expect(name);
        let open = view[..at].rfind("value=\"").unwrap() + 7;
        view[open..at].split('"').next().unwrap().to_string()
    };
    let sud = text_of(
        &client(),
        &format!(
            "{url}/livorno/segnalazioni/quartieri?quartiere={}",
            district_id("Sud")
        ),
    )
    .await;
    assert!(sud.contains("data-testid=\"district-name\">Sud<") && sud.contains("Viale Carducci"));
    let nord = text_of(
        &client(),
        &format!(
            "{url}/livorno/segnalazioni/quartieri?quartiere={}",
            district_id("Nord")
        ),
    )
    .await;
    assert!(!nord.contains("Viale Carducci"), "{nord}");
    let r = client()
        .get(format!(
            "{url}/livorno/segnalazioni/quartieri?quartiere=999999"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    t.stop().await;
}

#[tokio::test]
async fn a_civic_app_files_and_reads_reports_through_open311() {
    let t = spawn_app().await;
    t.app().seed_demo_month().await.unwrap();
    let url = &t.url;
    let app = client();
    let base = format!("{url}/open311/v2");

    let discovery: serde_json::Value = app
        .get(format!("{base}/discovery.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        discovery["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    let services: serde_json::Value = app
        .get(format!("{base}/services.json?jurisdiction_id=livorno"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = services
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service_code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"strade"));
    // Livorno switched «animali» off.
    assert!(!codes.contains(&"animali"));
    let xml = app
        .get(format!("{base}/services.xml?jurisdiction_id=049009"))
        .send()
        .await
        .unwrap();
    assert!(xml.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/xml"));
    let xml = xml.text().await.unwrap();
    assert!(xml.contains("<services><service><service_code>"), "{xml}");
    // Each service asks one attribute: whether the public sees the reporter's name.
    assert_eq!(services[0]["metadata"], true);
    let definition: serde_json::Value = app
        .get(format!(
            "{base}/services/strade.json?jurisdiction_id=livorno"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(definition["attributes"][0]["code"], "anonimo");
    assert_eq!(definition["attributes"][0]["values"][1]["key"], "no");
    // Pages of other sites may read (CORS), never file.
    let pre = app
        .request(reqwest::Method::OPTIONS, format!("{base}/requests.json"))
        .header("Origin", "https://civic.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), 204);
    assert_eq!(pre.headers()["access-control-allow-origin"], "*");
    assert_eq!(pre.headers()["access-control-allow-methods"], "GET");
    let read = app
        .get(format!(
            "{base}/requests.json?jurisdiction_id=livorno&service_code=strade"
        ))
        .header("Origin", "https://civic.example")
        .send()
        .await
        .unwrap();
    assert_eq!(read.headers()["access-control-allow-origin"], "*");
    // The pothole's photo the office approved is the request's media.
    let roads: serde_json::Value = read.json().await.unwrap();
    let media: Vec<&str> = roads
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["media_url"].as_str())
        .collect();
    assert_eq!(media.len(), 1, "{roads}");
    let photo = app.get(media[0]).send().await.unwrap();
    assert_eq!(photo.status(), 200);
    assert!(photo.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("image/"));
    let cross = app
        .post(format!("{base}/requests.json"))
        .header("Origin", "https://civic.example")
        .form(&[("jurisdiction_id", "livorno")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);

    // No key, a wrong key: 403, nothing filed.
    let form = [
        ("jurisdiction_id", "livorno"),
        ("service_code", "illuminazione"),
        ("address_string", "Via Grande 20"),
        ("description", "Lampione spento\nDa tre sere."),
        ("email", "utente@example.org"),
        ("first_name", "Sara"),
        ("last_name", "Neri"),
    ];
    let r = app
        .post(format!("{base}/requests.json"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let errors: serde_json::Value = r.json().await.unwrap();
    assert_eq!(errors[0]["code"], 403);

    // A key Livorno issued, and one of Firenze's.
    let livorno = t.app().ente_by_slug("livorno").await.unwrap();
    let firenze = t.app().ente_by_slug("firenze").await.unwrap();
    let livorno_key = t
        .app()
        .reports()
        .issue_key_for(livorno.ente_id(), "App di prova")
        .await
        .unwrap();
    let firenze_key = t
        .app()
        .reports()
        .issue_key_for(firenze.ente_id(), "App di Firenze")
        .await
        .unwrap();
    let with_key = |key: &str, extra: Vec<(&'static str, &'static str)>| {
        let mut f: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        f.push(("api_key".into(), key.to_string()));
        for (k, v) in extra {
            f.retain(|(n, _)| n != k);
            f.push((k.to_string(), v.to_string()));
        }
        f
    };
    let r = app
        .post(format!("{base}/requests.json"))
        .form(&with_key(&firenze_key, vec![]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "Firenze's key files nothing in Livorno");
    let r = app
        .post(format!("{base}/requests.json"))
        .form(&with_key(&livorno_key, vec![("service_code", "buche")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("categoria"));
    let r = app
        .post(format!("{base}/requests.json"))
        .form(&with_key(&livorno_key, vec![("jurisdiction_id", "")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .post(format!("{base}/requests.json"))
        .form(&with_key(
            &livorno_key,
            vec![("attribute[anonimo]", "forse")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("attribute[anonimo]"));

    // Filed: an id and a token. The app's user agreed to show their name.
    let r = app
        .post(format!("{base}/requests.json"))
        .form(&with_key(&livorno_key, vec![("attribute[anonimo]", "no")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    let id = created[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = created[0]["token"].as_str().unwrap().to_string();

    // Read back: one, by the list's filters, in XML, by its token.
    let one: serde_json::Value = app
        .get(format!("{base}/requests/{id}.json?jurisdiction_id=livorno"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["service_code"], "illuminazione");
    assert_eq!(one[0]["address"], "Via Grande 20");
    assert_eq!(one[0]["description"], "Lampione spento\nDa tre sere.");
    assert!(
        one[0].get("email").is_none(),
        "the reporter's e-mail is never published"
    );
    let public = text_of(
        &client(),
        &format!("{url}/livorno/segnalazioni/{}", id.replacen('-', "/", 1)),
    )
    .await;
    assert!(public.contains("Sara N."), "{public}");
    let open: serde_json::Value = app
        .get(format!(
            "{base}/requests.json?jurisdiction_id=livorno&status=open&service_code=illuminazione"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(open
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["service_request_id"] == id.as_str()));
    let closed: serde_json::Value = app
        .get(format!(
            "{base}/requests.json?jurisdiction_id=livorno&status=closed&service_code=illuminazione"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!closed
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["service_request_id"] == id.as_str()));
    // Lists, as GeoReport allows them: several services, both statuses.
    let both: serde_json::Value = app
        .get(format!(
            "{base}/requests.json?jurisdiction_id=livorno&status=open,closed&service_code=illuminazione,strade"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let both = both.as_array().unwrap();
    assert!(both.iter().any(|r| r["service_request_id"] == id.as_str()));
    assert!(both.iter().any(|r| r["service_code"] == "strade"));
    assert!(both
        .iter()
        .all(|r| r["service_code"] == "strade" || r["service_code"] == "illuminazione"));
    // Coordinates are numbers, as the standard writes them.
    assert!(both.iter().any(|r| r["lat"].is_f64()), "{both:?}");
    let xml = text_of(
        &app,
        &format!("{base}/request/{id}.xml?jurisdiction_id=livorno"),
    )
    .await;
    assert!(
        xml.contains(&format!(
            "<service_requests><request><service_request_id>{id}</service_request_id>"
        )),
        "{xml}"
    );
    let by_token: serde_json::Value = app
        .get(format!(
            "{base}/tokens/{token}.json?jurisdiction_id=livorno"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_token[0]["service_request_id"], id.as_str());
    // Firenze has no such request.
    let r = app
        .get(format!("{base}/requests/{id}.json?jurisdiction_id=firenze"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The office sees the app and the reporter's e-mail.
    let office = client();
    staff_login(&office, url, "livorno.istruttore", false).await;
    let page = text_of(
        &office,
        &format!("{url}/staff/segnalazioni/{}", id.replacen('-', "/", 1)),
    )
    .await;
    assert!(
        page.contains("App di prova") && page.contains("utente@example.org"),
        "{page}"
    );
    t.stop().await;
}

#[tokio::test]
async fn a_report_without_signing_in_is_sent_when_its_email_confirms_it() {
    let t = spawn_app().await;
    t.app().seed_demo_month().await.unwrap();
    let url = &t.url;
    let someone = client();
    let send = |email: &'static str| {
        let someone = someone.clone();
        async move {
            let page = text_of(&someone, &format!("{url}/livorno/segnalazioni/nuova")).await;
            assert!(page.contains("/segnalazioni/nuova/email"), "{page}");
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf_of(&page))
                .text("categoria", "verde")
                .text("oggetto", "Erba alta nel parco")
                .text("descrizione", "L'erba è alta mezzo metro vicino ai giochi.")
                .text("via", "Via Garibaldi")
                .text("email", email)
                .text("nome", "Paola Neri");
            someone
                .post(format!("{url}/livorno/segnalazioni/nuova/email"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let r = send("non-un-indirizzo").await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Scrivi un indirizzo e-mail valido"), "{page}");
    assert!(
        page.contains("Erba alta nel parco"),
        "what was typed is kept"
    );
    let r = send("paola@example.org").await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("paola@example.org"));
    assert!(page.contains("posta indesiderata") && page.contains("href=\"/livorno/segnalazioni\""));
    // Nothing is filed until the link is confirmed.
    let list = text_of(&client(), &format!("{url}/livorno/segnalazioni")).await;
    assert!(!list.contains("Erba alta nel parco"));
    let outbox = t.app().store().outbox().await.unwrap();
    let mail = outbox
        .iter()
        .find(|n| n.recipient == "paola@example.org")
        .expect("the link was sent");
    let link = mail
        .body
        .lines()
        .find(|l| l.contains("/segnalazioni/conferma/"))
        .unwrap()
        .trim()
        .to_string();
    let path = link.trim_start_matches(url.as_str()).to_string();
    // Opening the link files nothing (mail clients open links to preview them); confirming does,
    // once.
    let page = text_of(&someone, &format!("{url}{path}")).await;
    assert!(page.contains("Confermo: invia la segnalazione"));
    let list = text_of(&client(), &format!("{url}/livorno/segnalazioni")).await;
    assert!(!list.contains("Erba alta nel parco"));
    let mut filed = Vec::new();
    for _ in 0..2 {
        let page = text_of(&someone, &format!("{url}{path}")).await;
        let r = someone
            .post(format!("{url}{path}"))
            .form(&[("csrf", csrf_of(&page))])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        filed.push(location(&r));
    }
    assert_eq!(filed[0], filed[1], "one report, however often confirmed");
    let page = text_of(&client(), &format!("{url}{}", filed[0])).await;
    assert!(
        page.contains("Erba alta nel parco") && page.contains("Nord"),
        "{page}"
    );
    assert!(page.contains("Paola N."));

    // Resolved: Paola, who never signed in, answers «è stato risolto?» from the e-mail's link.
    let number = number_in(&filed[0]);
    let staff_page = format!("/staff/segnalazioni/{number}");
    let office = client();
    staff_login(&office, url, "livorno.istruttore", false).await;
    for (seen, action, text) in [
        ("received", "take-charge", ""),
        ("in-charge", "resolve", "Erba tagliata."),
    ] {
        let r = post_on(
            &office,
            url,
            &staff_page,
            &format!("{staff_page}/azioni"),
            &[("stato_visto", seen), ("azione", action), ("testo", text)],
        )
        .await;
        assert_eq!(r.status(), 303, "{action}");
    }
    let outbox = t.app().store().outbox().await.unwrap();
    let resolved = outbox
        .iter()
        .find(|n| n.recipient == "paola@example.org" && n.subject.ends_with("Risolta"))
        .expect("the resolution was sent");
    let answer = resolved
        .body
        .lines()
        .find(|l| l.contains("/segnalazioni/risposta/"))
        .expect("with a link to answer")
        .trim()
        .trim_start_matches(url.as_str())
        .to_string();
    let page = text_of(&someone, &format!("{url}{answer}")).await;
    assert!(
        page.contains("Il problema è stato risolto?") && page.contains("Erba alta nel parco"),
        "{page}"
    );
    let r = post_on(
        &someone,
        url,
        &answer,
        &answer,
        &[("testo", "L'hanno tagliata solo a metà.")],
    )
    .await;
    assert_eq!(r.status(), 422, "a choice is needed");
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("L&#39;hanno tagliata solo a metà."));
    let r = post_on(
        &someone,
        url,
        &answer,
        &answer,
        &[
            ("risolta", "no"),
            ("testo", "L'hanno tagliata solo a metà."),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("?esito=riaperta"));
    let page = text_of(&client(), &format!("{url}/livorno/segnalazioni/{number}")).await;
    assert!(page.contains("L&#39;hanno tagliata solo a metà."), "{page}");
    // The link is spent.
    let r = someone.get(format!("{url}{answer}")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // The office's queue marks it reopened, and sorts by the nearest term.
    let desk = text_of(
        &office,
        &format!("{url}/staff/segnalazioni?ordina=scadenza"),
    )
    .await;
    let at = desk.find("Erba alta nel parco").expect("in the queue");
    assert!(
        desk[..at]
            .rfind("data-testid=\"report-reopened\"")
            .is_some_and(|r| at - r < 600),
        "{desk}"
    );
    assert!(desk.contains(r#"<option value="scadenza" selected>"#));

    // A point outside Livorno's districts (which together draw its territory) is refused.
    let page = text_of(&someone, &format!("{url}/livorno/segnalazioni/nuova")).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&page))
        .text("categoria", "verde")
        .text("oggetto", "Ramo caduto")
        .text("descrizione", "Un ramo sulla strada.")
        .text("lat", "43.4000")
        .text("lon", "10.4500")
        .text("email", "paola@example.org")
        .text("nome", "Paola Neri");
    let r = someone
        .post(format!("{url}/livorno/segnalazioni/nuova/email"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("fuori dal territorio del comune"));
    // A link that does not exist finds nothing.
    let r = someone
        .get(format!("{url}/livorno/segnalazioni/conferma/nessuno"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the page asks to confirm");
    let page = r.text().await.unwrap();
    let r = someone
        .post(format!("{url}/livorno/segnalazioni/conferma/nessuno"))
        .form(&[("csrf", csrf_of(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Three a day from one address; the fourth is refused.
    assert_eq!(send("paola@example.org").await.status(), 200);
    assert_eq!(send("paola@example.org").await.status(), 200);
    let r = send("paola@example.org").await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("accedi con SPID o CIE"));
    t.stop().await;
}

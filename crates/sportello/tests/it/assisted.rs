//! Assisted access (PAAS): an operator files for a citizen who is present, with a mandate; the
//! application is the citizen's, marked as assisted, and the mandate is registered with it.

use sportello_app::sessions::Principal;
use sportello_testkit::{
    client, client_with_jar, cookie_header, csrf_of, demo_sign_in, location, spawn_app,
};

use crate::apply::PDF;
use crate::authz_support::staff_login;

#[tokio::test]
async fn an_operator_files_for_a_present_citizen() {
    let t = spawn_app().await;
    let url = &t.url;
    let anna = sportello_app::demo::persona("anna-neri").unwrap();
    let anna_cf = anna.fiscal_code().unwrap().to_string();

    // Only PAAS operators open assisted sessions.
    let clerk = client();
    staff_login(&clerk, url, "livorno.protocollo", false).await;
    assert_eq!(
        clerk
            .get(format!("{url}/staff/assistenza"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let (operator, jar) = client_with_jar();
    staff_login(&operator, url, "livorno.paas", false).await;
    let desk = sportello_testkit::text_of(&operator, &format!("{url}/staff/")).await;
    assert!(desk.contains("/staff/assistenza"));
    let page = sportello_testkit::text_of(&operator, &format!("{url}/staff/assistenza")).await;
    let form = |verified: bool, with_mandate: bool| {
        let mut f = reqwest::multipart::Form::new()
            .text("csrf", csrf_of(&page))
            .text("codice_fiscale", anna_cf.clone())
            .text("nome", "Anna")
            .text("cognome", "Neri");
        if verified {
            f = f.text("documento_verificato", "true");
        }
        if with_mandate {
            f = f.part(
                "delega",
                reqwest::multipart::Part::bytes(PDF).file_name("delega.pdf"),
            );
        }
        f
    };
    let r = operator
        .post(format!("{url}/staff/assistenza"))
        .multipart(form(false, true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "the identity document must be checked");
    let r = operator
        .post(format!("{url}/staff/assistenza"))
        .multipart(form(true, false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "the mandate is required");
    let r = operator
        .post(format!("{url}/staff/assistenza"))
        .multipart(form(true, true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/livorno/servizi");
    let services = sportello_testkit::text_of(&operator, &format!("{url}/livorno/servizi")).await;
    assert!(
        services.contains("Sessione assistita"),
        "every page says the session is assisted"
    );

    // The session is Anna's, marked with the operator.
    let token = cookie_header(&jar, url)
        .split("; ")
        .find_map(|c| c.strip_prefix("sportello_session="))
        .unwrap()
        .to_string();
    let Some(Principal::Citizen(who)) = t.app().identity().resolve_session(&token).await.unwrap()
    else {
        panic!("a citizen session");
    };
    assert_eq!(who.fiscal_code.as_str(), anna_cf);
    assert!(who
        .assisted
        .as_ref()
        .unwrap()
        .operator
        .contains("livorno.paas"));

    let ente = t.app().ente_by_slug("livorno").await.unwrap().ente_id();
    let id = t
        .app()
        .applications()
        .start_application(ente, "segnalazione-reclamo", &who)
        .await
        .unwrap();
    let draft = t.app().applications().draft(ente, &id, &who).await.unwrap();
    assert_eq!(draft.mode, "assisted");
    let values = [
        ("codice_fiscale", anna_cf.as_str()),
        ("tipo", "strade"),
        ("oggetto", "Buca in strada"),
        ("descrizione", "Una buca profonda davanti al civico 12."),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(
        t.app()
            .applications()
            .save_step(ente, &id, &who, 0, &values)
            .await
            .unwrap(),
        vec![]
    );
    let receipt = t
        .app()
        .applications()
        .submit(ente, &id, &who, true)
        .await
        .unwrap();
    assert!(
        receipt
            .attachments
            .iter()
            .any(|a| a.description.contains("delega.pdf")),
        "the mandate is registered"
    );

    // Later, Anna signs in herself and finds it in her personal area.
    let c = client();
    demo_sign_in(&c, url, "anna-neri", "L2").await;
    let area = sportello_testkit::text_of(&c, &format!("{url}/area-personale")).await;
    assert!(area.contains("Segnalazione o reclamo"));
    assert!(area.contains("assistenza PAAS"));
    t.stop().await;
}

/// Opens an assisted session for Mario Rossi at Livorno's desk in `operator`'s browser.
pub(crate) async fn assisted_for_mario(url: &str, operator: &reqwest::Client) {
    staff_login(operator, url, "livorno.paas", false).await;
    let page = sportello_testkit::text_of(operator, &format!("{url}/staff/assistenza")).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&page))
        .text("codice_fiscale", "RSSMRA80A01E625I")
        .text("nome", "Mario")
        .text("cognome", "Rossi")
        .text("documento_verificato", "true")
        .part(
            "delega",
            reqwest::multipart::Part::bytes(PDF).file_name("delega.pdf"),
        );
    let r = operator
        .post(format!("{url}/staff/assistenza"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

/// An assisted session files new applications for the person present, in the operator's ente,
/// for the length of a visit: it reaches none of the person's history, mints no API token, and
/// everything done in it is in the person's personal area.
#[tokio::test]
async fn an_assisted_session_reaches_only_this_visit_at_this_desk() {
    let clock = sportello_testkit::TestClock::new(time::OffsetDateTime::now_utc());
    let t = sportello_testkit::spawn_app_with(sportello_testkit::Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let url = t.url.clone();
    let livorno = t.app().ente_by_slug("livorno").await.unwrap().ente_id();
    let firenze = t.app().ente_by_slug("firenze").await.unwrap().ente_id();
    // Mario's history: an application filed at Livorno, a draft at Firenze.
    let mario = crate::apply::citizen("mario-rossi", sportello_domain::identity::SpidLevel::L2);
    assert_eq!(mario.fiscal_code.as_str(), "RSSMRA80A01E625I");
    let earlier = crate::apply::filled_occupation(&t, livorno, &mario).await;
    t.app()
        .applications()
        .submit(livorno, &earlier, &mario, true)
        .await
        .unwrap();
    let elsewhere = t
        .app()
        .applications()
        .start_application(firenze, "segnalazione-reclamo", &mario)
        .await
        .unwrap();
    clock.advance(time::Duration::minutes(1));

    let operator = client();
    assisted_for_mario(&url, &operator).await;
    let get = |path: String| {
        let c = operator.clone();
        let url = url.clone();
        async move { c.get(format!("{url}{path}")).send().await.unwrap() }
    };
    let area = get("/area-personale".into()).await.text().await.unwrap();
    assert!(
        !area.contains("Occupazione di suolo pubblico") && !area.contains("Segnalazione"),
        "the person's history is not shown in an assisted session"
    );
    assert!(
        !area.contains("tutti i dispositivi"),
        "the operator cannot sign the person out of their own devices"
    );
    for path in [
        format!("/livorno/domande/{earlier}/ricevuta"),
        format!("/livorno/domande/{earlier}/allegati/planimetria"),
        format!("/livorno/domande/{earlier}/pratica"),
        format!("/firenze/domande/{elsewhere}/passo/1"),
    ] {
        assert_eq!(get(path.clone()).await.status(), 404, "{path}");
    }
    // An application elsewhere: refused, said so; here: started.
    let csrf = csrf_of(&area);
    let start = |slug: &'static str| {
        let (c, url, csrf) = (operator.clone(), url.clone(), csrf.clone());
        async move {
            c.post(format!("{url}/{slug}/servizi/segnalazione-reclamo/domanda"))
                .form(&[("csrf", csrf.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let refused = start("firenze").await;
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("accesso assistito"));
    let asked = start("livorno").await;
    assert_eq!(
        location(&asked),
        "/livorno/servizi/segnalazione-reclamo/per-conto-di"
    );
    let started = operator
        .post(format!("{url}{}", location(&asked)))
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .text("per_conto_di", "me"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 303);
    let draft_page = location(&started);
    assert!(draft_page.starts_with("/livorno/domande/"), "{draft_page}");
    assert_eq!(get(draft_page.clone()).await.status(), 200);
    let area = get("/area-personale".into()).await.text().await.unwrap();
    assert!(
        area.contains("Segnalazione o reclamo"),
        "this visit's draft"
    );
    // No API token from an assisted session: it would outlive the visit.
    let token = operator
        .post(format!("{url}/api/v1/me/token"))
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 409);
    assert!(token.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/problem+json"));
    // Nor a filing through the API, which would bypass the journey that marks the application
    // as assisted and registers the mandate with it.
    let api = operator
        .post(format!(
            "{url}/api/v1/enti/049009/servizi/segnalazione-reclamo/domande"
        ))
        .header("X-CSRF-Token", &csrf)
        .json(&serde_json::json!({"data": {}, "declaration": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 409);
    // Only for the person present: not for a client (the desk holds the person's own mandate).
    let for_client = operator
        .post(format!(
            "{url}/livorno/servizi/segnalazione-reclamo/per-conto-di"
        ))
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .text("per_conto_di", "cliente")
                .text("cliente_codice", "BNCGLI92E54D612R")
                .text("cliente_nome", "Giulia Bianchi")
                .part(
                    "procura",
                    reqwest::multipart::Part::bytes(PDF).file_name("procura.pdf"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_ne!(for_client.status(), 303, "no draft for a client");
    assert!(for_client
        .text()
        .await
        .unwrap()
        .contains("accesso assistito"));
    // An application the person starts at home meanwhile is not this visit's.
    let from_home = t
        .app()
        .applications()
        .start_application(livorno, "segnalazione-reclamo", &mario)
        .await
        .unwrap();
    assert_eq!(
        get(format!("/livorno/domande/{from_home}/passo/1"))
            .await
            .status(),
        404
    );
    // A visit's length: after half an hour the session is over.
    clock.advance(time::Duration::minutes(31));
    let r = get("/area-personale".into()).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/accedi"));

    // Mario, signed in himself, reads what was done for him, by whom.
    let c = client();
    demo_sign_in(&c, &url, "mario-rossi", "L2").await;
    let area = sportello_testkit::text_of(&c, &format!("{url}/area-personale")).await;
    assert!(area.contains("data-testid=\"assisted-uses\""), "{area}");
    for what in [
        "Accesso assistito aperto",
        "Domanda iniziata",
        "Pagina consultata",
    ] {
        assert!(area.contains(what), "{what}");
    }
    // The operator by name, what was done in words: never an address.
    let table = area
        .split("data-testid=\"assisted-uses\"")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap_or_default();
    assert!(table.contains("Silvia Conti"), "{table}");
    assert!(!table.contains("/domande/"), "{table}");
    assert!(
        table.contains("Occupazione di suolo pubblico, n. "),
        "the application named by its service and number: {table}"
    );
    t.stop().await;
}

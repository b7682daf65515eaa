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
    let desk = operator
        .get(format!("{url}/staff/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(desk.contains("/staff/assistenza"));
    let page = operator
        .get(format!("{url}/staff/assistenza"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
    let services = operator
        .get(format!("{url}/livorno/servizi"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
    let area = c
        .get(format!("{url}/area-personale"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(area.contains("Segnalazione o reclamo"));
    assert!(area.contains("assistenza PAAS"));
    t.stop().await;
}

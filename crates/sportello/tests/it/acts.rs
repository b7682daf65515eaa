//! Administrators adapt the office's act texts to their ente, within what the law requires
//! each act to say; the acts the office sends are written in the ente's words.

use sportello_domain::identity::SpidLevel;
use sportello_testkit::{client, csrf_of, spawn_app};

use crate::apply::{citizen, filled_occupation};
use crate::authz_support::staff_login;
use crate::casework::act;

const AVVIO_BODY: &str =
    "Il Comune di Livorno comunica l'avvio del procedimento (artt. 7 e 8 L. 241/1990).\n\
- Amministrazione competente: {ente}\n\
- Responsabile del procedimento: {responsabile}\n\
- Termine di conclusione: {termine}\n\
Ricevimento SPORTELLO-LIVORNO-MARTEDI su appuntamento.";

/// The list's line for one act.
fn line_of<'a>(list: &'a str, code: &str) -> &'a str {
    let at = list.find(&format!("/staff/atti/{code}?")).unwrap();
    list[at..].split("</li>").next().unwrap()
}

async fn text(c: &reqwest::Client, url: &str) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn an_administrator_adapts_an_act_and_the_office_sends_it_in_those_words() {
    let t = spawn_app().await;
    let url = &t.url;
    let admin = client();
    staff_login(&admin, url, "livorno.admin", true).await;
    let (status, list) = text(&admin, &format!("{url}/staff/atti")).await;
    assert_eq!(status, 200);
    assert!(
        list.contains("Comunicazione di avvio del procedimento"),
        "{list}"
    );
    assert!(line_of(&list, "avvio").contains("testo regionale"));
    // The demo's Livorno wrote its own decisions of acceptance.
    assert!(line_of(&list, "accoglimento").contains("testo dell"));

    let form_url = format!("{url}/staff/atti/avvio?ente=049009");
    let (status, page) = text(&admin, &form_url).await;
    assert_eq!(status, 200);
    assert!(page.contains("{responsabile}") && page.contains("obbligatorio"));
    let save = |title: &'static str, body: String, message: &'static str, action: &'static str| {
        let admin = admin.clone();
        let form_url = form_url.clone();
        let csrf = csrf_of(&page);
        async move {
            admin
                .post(&form_url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("title", title),
                    ("body", body.as_str()),
                    ("message", message),
                    ("azione", action),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // What the law requires cannot be left out; an unknown value is refused; nothing is saved
    // and what was typed comes back.
    let without_term = AVVIO_BODY.replace("- Termine di conclusione: {termine}\n", "");
    let r = save("Avvio", without_term, "Avviato.", "salva").await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("deve contenere {termine}"), "{body}");
    assert!(
        body.contains("SPORTELLO-LIVORNO-MARTEDI"),
        "what was typed is kept"
    );
    let r = save(
        "Avvio",
        format!("{AVVIO_BODY}\nFirma del {{sindaco}}."),
        "Avviato.",
        "salva",
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("il valore {sindaco} non esiste"));
    let r = save(
        "Avvio",
        format!("{AVVIO_BODY}\nRicorso al {{tar"),
        "Avviato.",
        "salva",
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("riga 6: una parentesi graffa"));
    let (_, list) = text(&admin, &format!("{url}/staff/atti")).await;
    assert!(
        line_of(&list, "avvio").contains("testo regionale"),
        "nothing saved"
    );

    // Saved: the ente's words.
    let r = save(
        "Avvio del procedimento — {ente}",
        AVVIO_BODY.to_string(),
        // Values are read as people type them.
        "Il Comune ha avviato il procedimento; responsabile { Responsabile }.",
        "salva",
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, page) = text(&admin, &format!("{form_url}&salvato=1")).await;
    assert!(page.contains("Modifiche salvate") && page.contains("SPORTELLO-LIVORNO-MARTEDI"));

    // Another ente's texts are not this administrator's to see or change.
    let (status, _) = text(&admin, &format!("{url}/staff/atti/avvio?ente=048017")).await;
    assert_eq!(status, 404);
    let operator = client();
    staff_login(&operator, url, "livorno.istruttore", false).await;
    let (status, _) = text(&operator, &form_url).await;
    assert_eq!(status, 403);

    // The office starts a case: the comunicazione di avvio is in Livorno's words.
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let id = filled_occupation(&t, livorno, &mario).await;
    app.applications()
        .submit(livorno, &id, &mario, true)
        .await
        .unwrap();
    let r = act(&operator, url, &id, "avvia", "").await;
    assert_eq!(r.status(), 303);
    let (_, case) = text(&operator, &format!("{url}/staff/pratiche/{id}")).await;
    assert!(
        case.contains("Il Comune ha avviato il procedimento; responsabile Chiara Martini"),
        "{case}"
    );
    let link = case
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|h| h.contains("/documenti/") && !h.ends_with(".xml"))
        .unwrap()
        .to_string();
    let pdf = operator
        .get(format!("{url}{link}"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let pdf = String::from_utf8_lossy(&pdf);
    assert!(
        pdf.contains("SPORTELLO-LIVORNO-MARTEDI"),
        "the ente's words"
    );
    assert!(pdf.contains("Comune di Livorno"), "{{ente}} filled in");

    // Restored: the region's text again, for the next act.
    let (_, page) = text(&admin, &form_url).await;
    let r = admin
        .post(&form_url)
        .form(&[("csrf", csrf_of(&page).as_str()), ("azione", "ripristina")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("ripristinato=1"));
    let (_, page) = text(&admin, &format!("{form_url}&ripristinato=1")).await;
    assert!(page.contains("Testo regionale ripristinato."));
    assert!(!page.contains("SPORTELLO-LIVORNO-MARTEDI") && page.contains("testo regionale"));
}

//! The applying-online API: catalogue, filing (JSON and multipart), Idempotency-Key, bearer
//! tokens, problem documents naming fields, and nothing stored when refused.

use sportello_testkit::{client, demo_sign_in, spawn_app};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

pub(crate) async fn bearer_for(url: &str, persona: &str) -> String {
    let c = client();
    demo_sign_in(&c, url, persona, "L2").await;
    let r = c
        .post(format!("{url}/api/v1/me/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

fn occupation_data(persona_cf: &str) -> serde_json::Value {
    let start = (time::OffsetDateTime::now_utc().date() + time::Duration::days(10)).to_string();
    let end = (time::OffsetDateTime::now_utc().date() + time::Duration::days(11)).to_string();
    serde_json::json!({
        "nome": "Mario", "cognome": "Rossi", "codice_fiscale": persona_cf, "email": "mario@example.it",
        "in_qualita_di": "privato", "motivo": "trasloco", "indirizzo": "Via Grande 10",
        "superficie": 12.5, "dal": start, "al": end,
    })
}

#[tokio::test]
async fn the_catalogue_is_public() {
    let t = spawn_app().await;
    let c = client();
    let list: Vec<serde_json::Value> = c
        .get(format!("{}/api/v1/enti/049009/servizi", t.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list.len() >= 14);
    let one: serde_json::Value = c
        .get(format!(
            "{}/api/v1/enti/049009/servizi/occupazione-suolo-pubblico",
            t.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["regime"]["kind"], "ordinary");
    assert_eq!(one["regime"]["term_days"], 30);
    assert!(one["form"]["steps"].as_array().unwrap().len() >= 3);
    assert_eq!(
        c.get(format!("{}/api/v1/enti/049009/servizi/nope", t.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let doc: serde_json::Value = c
        .get(format!("{}/api/v1/openapi.json", t.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/enti/{istat}/servizi/{id}/domande"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/me/domande"]["get"].is_object());
    t.stop().await;
}

#[tokio::test]
async fn filing_through_the_api() {
    let t = spawn_app().await;
    let url = &t.url;
    let c = client();
    let endpoint = format!("{url}/api/v1/enti/049009/servizi/occupazione-suolo-pubblico/domande");
    let anonymous = c
        .post(&endpoint)
        .json(&serde_json::json!({"data": {}, "declaration": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        anonymous.headers()["content-type"],
        "application/problem+json"
    );

    let token = bearer_for(url, "mario-rossi").await;
    let cf = sportello_app::demo::persona("mario-rossi")
        .unwrap()
        .fiscal_code()
        .unwrap()
        .to_string();

    // Unknown field, wrong type, bad value, missing file: 422 naming each; nothing stored.
    let mut bad = occupation_data(&cf);
    bad["colore"] = "blu".into();
    bad["superficie"] = "molta".into();
    bad["email"] = serde_json::json!(["not", "text"]);

    let r = c
        .post(&endpoint)
        .bearer_auth(&token)
        .json(&serde_json::json!({"data": bad, "declaration": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"email"), "{body}");
    // Rows are a group's only.
    let mut bad = occupation_data(&cf);
    bad["indirizzo"] = serde_json::json!([{"via": "Via Grande"}]);
    let r = c
        .post(&endpoint)
        .bearer_auth(&token)
        .json(&serde_json::json!({"data": bad, "declaration": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "indirizzo", "{body}");
    let mut bad = occupation_data(&cf);
    bad["colore"] = "blu".into();
    bad["superficie"] = "molta".into();
    let r = c
        .post(&endpoint)
        .bearer_auth(&token)
        .json(&serde_json::json!({"data": bad, "declaration": true}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["colore", "superficie", "planimetria"] {
        assert!(fields.contains(&f), "{f} in {body}");
    }
    let r = c
        .post(&endpoint)
        .bearer_auth(&token)
        .json(&serde_json::json!({"data": {}, "declaration": true, "extra": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "unknown top-level member");
    let r = c
        .post(&endpoint)
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(serde_json::json!({"data": {}, "declaration": true}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415, "not JSON");
    assert_eq!(
        r.headers()["content-type"],
        "application/problem+json",
        "a problem document"
    );
    let mine: Vec<serde_json::Value> = c
        .get(format!("{url}/api/v1/me/domande"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(mine.is_empty(), "nothing stored by refused requests");

    // A wrong file (by content) is refused too, nothing stored.
    let form = |file: &'static [u8], declaration: bool| {
        let data = serde_json::json!({"data": occupation_data(&cf), "declaration": declaration})
            .to_string();
        reqwest::multipart::Form::new().text("data", data).part(
            "planimetria",
            reqwest::multipart::Part::bytes(file).file_name("planimetria.pdf"),
        )
    };
    let r = c
        .post(&endpoint)
        .bearer_auth(&token)
        .multipart(form(b"MZ\x90 not a pdf", true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = c
        .post(&endpoint)
        .bearer_auth(&token)
        .multipart(form(PDF, false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "declaration required");

    // Filed, with an Idempotency-Key: the retry gets the same registration.
    let first = c
        .post(&endpoint)
        .bearer_auth(&token)
        .header("Idempotency-Key", "k-1")
        .multipart(form(PDF, true))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(first["number"], "0000001");
    // Every file was streamed aside as it arrived, and nothing of it stays aside: the one
    // filed is kept by the blob store, the refused ones are gone.
    let incoming = t.app().settings.blob_dir.join("incoming");
    let aside = std::fs::read_dir(&incoming).unwrap().count();
    assert_eq!(aside, 0, "files left in {}", incoming.display());
    let again = c
        .post(&endpoint)
        .bearer_auth(&token)
        .header("Idempotency-Key", "k-1")
        .multipart(form(PDF, true))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again["number"], first["number"]);
    assert_eq!(again["application_id"], first["application_id"]);
    let other = c
        .post(&endpoint)
        .bearer_auth(&token)
        .header("Idempotency-Key", "k-2")
        .multipart(form(PDF, true))
        .send()
        .await
        .unwrap();
    let other: serde_json::Value = other.json().await.unwrap();
    assert_eq!(other["number"], "0000002");

    let mine: Vec<serde_json::Value> = c
        .get(format!("{url}/api/v1/me/domande"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine.len(), 2);
    let id = first["application_id"].as_str().unwrap();
    let one = c
        .get(format!("{url}/api/v1/me/domande/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(one.status(), 200);
    // Somebody else, guessing the id: 404, nothing that tells it exists.
    let giulia = bearer_for(url, "giulia-bianchi").await;
    let guess = c
        .get(format!("{url}/api/v1/me/domande/{id}"))
        .bearer_auth(&giulia)
        .send()
        .await
        .unwrap();
    assert_eq!(guess.status(), 404);
    let html = c
        .get(format!("{url}/livorno/domande/{id}/ricevuta"))
        .bearer_auth(&giulia)
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 404);
    let file = c
        .get(format!("{url}/livorno/domande/{id}/allegati/planimetria"))
        .bearer_auth(&giulia)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 404);
    let mine_file = c
        .get(format!("{url}/livorno/domande/{id}/allegati/planimetria"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(mine_file.bytes().await.unwrap().as_ref(), PDF);
    t.stop().await;
}

/// A group's rows come as an array of objects; each cell is checked and named in the error.
#[tokio::test]
async fn a_group_is_filed_as_rows() {
    let t = spawn_app().await;
    let url = &t.url;
    let c = client();
    let endpoint = format!("{url}/api/v1/enti/049009/servizi/cambio-residenza/domande");
    let token = bearer_for(url, "mario-rossi").await;
    let data = |cf: &str| {
        serde_json::json!({
            "provenienza": "stesso_comune",
            "indirizzo": "Via Grande 10, Livorno",
            "titolo_occupazione": "proprieta",
            "familiari": [
                {"nome": "Anna", "cognome": "Rossi", "codice_fiscale": cf, "relazione": "figlio"},
            ],
        })
    };
    let r = c
        .post(&endpoint)
        .bearer_auth(&token)
        .json(&serde_json::json!({"data": data("RSSNNA10A41G702B"), "declaration": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["field"], "familiari.0.codice_fiscale",
        "{body}"
    );
    let r = c
        .post(&endpoint)
        .bearer_auth(&token)
        .json(&serde_json::json!({"data": data("RSSNNA10A41G702A"), "declaration": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    t.stop().await;
}

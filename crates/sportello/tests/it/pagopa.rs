//! Payments through pagoPA (issue 17) against the pagoPA simulator (`e2e/pagopa-sim.mjs`, which
//! stands in for the real platform and validates every request against the official GPD
//! OpenAPI schema): a position is published from the outbox — not while the platform is down,
//! once when it is back —, paid through the checkout, and its receipt recorded once however
//! often and however concurrently the node sends it; a receipt for an unknown notice and a
//! wrong amount become anomalies the office closes with a note.

use sportello_domain::identity::SpidLevel;
use sportello_domain::payments::NoticeNumber;
use sportello_testkit::{client, csrf_of, location, spawn_app_with, Options, PagoPaSimulator};

use crate::authz_support::staff_login;
use crate::payments::{cdu_draft, livorno_creditor};

const NODE_TOKEN: &str = "node-token-test-only";

/// Sportello connected to the pagoPA simulator, which sends its receipts back, with Livorno's
/// creditor data set; `None` where the simulator cannot start outside CI.
async fn connected() -> Option<(PagoPaSimulator, sportello_testkit::TestApp)> {
    let sim = PagoPaSimulator::start().await?;
    let t = spawn_app_with(Options {
        pagopa: Some(sim.config(NODE_TOKEN)),
        ..Default::default()
    })
    .await;
    sim.send_receipts_to(&t.url, NODE_TOKEN).await;
    livorno_creditor(&t.url).await;
    Some((sim, t))
}

#[tokio::test]
async fn a_fee_is_published_paid_at_the_checkout_and_its_receipt_kept_once() {
    let Some(sim) = PagoPaSimulator::start().await else {
        return;
    };
    let clock = sportello_testkit::TestClock::new(time::OffsetDateTime::now_utc());
    let t = spawn_app_with(Options {
        pagopa: Some(sim.config(NODE_TOKEN)),
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let url = &t.url;
    let app = t.app();
    sim.send_receipts_to(url, NODE_TOKEN).await;
    livorno_creditor(url).await;
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();

    // Mario files a CDU and makes the notice of its fees: a draft until pagoPA has it.
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    let id = cdu_draft(app, livorno, &mario).await;
    app.applications()
        .submit(livorno, &id, &mario, true)
        .await
        .unwrap();
    let browser = client();
    sportello_testkit::demo_sign_in(&browser, url, "mario-rossi", "L2").await;
    let receipt_url = format!("{url}/livorno/domande/{id}/ricevuta");
    let page = sportello_testkit::text_of(&browser, &receipt_url).await;
    let r = browser
        .post(format!("{url}/livorno/domande/{id}/pagamento"))
        .form(&[("csrf", csrf_of(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let debts = app.payments().my_debts(&mario).await.unwrap();
    let notice = NoticeNumber::parse(&debts[0].options[0].notice).unwrap();
    assert_eq!(debts[0].state.code(), "draft");
    let file_url = format!("{url}/area-personale/pagamenti");
    let file = sportello_testkit::text_of(&browser, &file_url).await;
    assert!(
        !file.contains("data-testid=\"pay-now\""),
        "not payable online before pagoPA has it"
    );

    // The platform is down: the publication waits in the outbox, nothing is lost.
    sim.set_down(true).await;
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(
        (report.positions_published, report.publication_failures),
        (0, 1)
    );
    sim.set_down(false).await;
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(report.positions_published, 0, "retried after its backoff");
    clock.advance(time::Duration::minutes(2));
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(
        report.positions_published,
        1,
        "{report:?} {:?}",
        sim.requests().await
    );
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(report.positions_published, 0, "published once");
    let positions = sim.get("/sim/positions").await;
    let positions = positions.as_array().unwrap();
    assert_eq!(positions.len(), 1);
    assert_eq!(positions[0]["status"], "VALID");
    assert_eq!(positions[0]["fc"], "00104330493");
    let option = &positions[0]["body"]["paymentOption"][0];
    assert_eq!(option["amount"], 8200);
    assert_eq!(option["iuv"], notice.iuv());
    let transfers = option["transfer"].as_array().unwrap();
    assert_eq!(
        transfers.len(),
        3,
        "the fee to the IBAN, two revenue stamps"
    );
    assert_eq!(transfers[0]["iban"], "IT60X0542811101000000123456");
    assert_eq!(transfers[1]["stamp"]["stampType"], "01");
    assert_eq!(
        app.payments().my_debts(&mario).await.unwrap()[0]
            .state
            .code(),
        "valid"
    );

    // «Paga ora»: the cart goes to the checkout, the browser follows, pays, and comes back.
    let file = sportello_testkit::text_of(&browser, &file_url).await;
    assert!(file.contains("data-testid=\"pay-now\""), "{file}");
    let r = browser
        .post(format!("{url}/livorno/pagamenti/{}/paga", notice.as_str()))
        .form(&[("csrf", csrf_of(&file))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let checkout = location(&r);
    assert!(checkout.starts_with(&sim.url), "{checkout}");
    let page = sportello_testkit::text_of(&browser, &checkout).await;
    assert!(
        page.contains(notice.as_str()) && page.contains("82,00 €"),
        "{page}"
    );
    let r = browser
        .post(format!("{checkout}/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{file_url}?esito=ok"));
    let file = sportello_testkit::text_of(&browser, &location(&r)).await;
    assert!(file.contains("data-testid=\"checkout-outcome\""));
    assert!(file.contains("data-testid=\"paid\"") && file.contains("data-testid=\"receipt-pdf\""));
    assert_eq!(
        app.payments().my_debts(&mario).await.unwrap()[0]
            .state
            .code(),
        "paid"
    );

    // The receipt as PDF, Mario's only.
    let pdf_url = format!("{url}/livorno/pagamenti/{}/ricevuta.pdf", notice.as_str());
    let r = browser.get(&pdf_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap().to_vec();
    let text = crate::casework::PdfText::of(&pdf);
    let receipts = sim.get("/sim/receipts").await;
    let receipt_id = receipts[0]["receiptId"].as_str().unwrap().to_string();
    assert!(
        text.has_line("Ricevuta di pagamento") && text.has_line(&receipt_id),
        "{text}"
    );
    assert!(
        text.has("DOCUMENTO DIMOSTRATIVO"),
        "a demo's document says so"
    );
    assert!(text.has("PSP del simulatore (SIMPSP01)"), "{text}");
    crate::payments::fonts_embedded(&t, &pdf);
    let anna = client();
    sportello_testkit::demo_sign_in(&anna, url, "anna-neri", "L2").await;
    assert_eq!(anna.get(&pdf_url).send().await.unwrap().status(), 404);

    // The node sends the same receipt again, eight times at once (a process killed before it
    // answered, a node that retries): all answered OK, kept once, no anomaly.
    let xml = receipts[0]["xml"].as_str().unwrap().to_string();
    let node = reqwest::Client::new();
    let send = |token: &'static str| {
        let (node, xml) = (node.clone(), xml.clone());
        let to = format!("{url}/pagopa/paForNode");
        async move {
            node.post(to)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "text/xml")
                .body(xml)
                .send()
                .await
                .unwrap()
        }
    };
    let tasks: Vec<_> = (0..8).map(|_| tokio::spawn(send(NODE_TOKEN))).collect();
    for task in tasks {
        let r = task.await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("<outcome>OK</outcome>"));
    }
    // Anyone else is refused before the body is read.
    assert_eq!(send("wrong").await.status(), 401);
    assert_eq!(send("").await.status(), 401);
    let office = client();
    staff_login(&office, url, "livorno.istruttore", false).await;
    let list = sportello_testkit::text_of(&office, &format!("{url}/staff/pagamenti")).await;
    assert!(!list.contains("data-testid=\"anomaly\""), "{list}");

    // A receipt for a notice Livorno never issued: acknowledged, and an anomaly for its office.
    let unknown = NoticeNumber::issue(
        sportello_domain::payments::SegregationCode::new(2).unwrap(),
        9_999_999,
    )
    .unwrap();
    let sent = sim
        .post(
            "/sim/receipt",
            serde_json::json!({
                "fiscalCode": "00104330493",
                "iuv": unknown.iuv(),
                "amount": 1234,
                "iban": "IT60X0542811101000000123456",
            }),
        )
        .await;
    assert_eq!(sent["acked"], true, "{sent}");
    // A payment of another notice with the wrong amount: an anomaly too.
    let id2 = cdu_draft(app, livorno, &mario).await;
    app.applications()
        .submit(livorno, &id2, &mario, true)
        .await
        .unwrap();
    app.payments()
        .application_fees(livorno, &id2, &mario)
        .await
        .unwrap();
    app.run_jobs_once("test", None).await.unwrap();
    let second = app
        .payments()
        .application_debt(livorno, &id2, &mario)
        .await
        .unwrap()
        .unwrap();
    let paid = sim.pay(&second.options[0].notice, Some(100)).await;
    assert!(paid["receiptId"].is_string(), "{paid}");
    let list = sportello_testkit::text_of(&office, &format!("{url}/staff/pagamenti")).await;
    assert_eq!(list.matches("data-testid=\"anomaly\"").count(), 2, "{list}");
    assert!(
        list.contains("Ricevuta per un avviso sconosciuto") && list.contains(&unknown.grouped())
    );
    assert!(list.contains("Importo diverso da quello richiesto"));
    // The office closes one, with a note; without one it is refused, named.
    let anomaly_id = list
        .split("/staff/pagamenti/anomalie/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let close = |note: &'static str| {
        let office = office.clone();
        let csrf = csrf_of(&list);
        let to = format!("{url}/staff/pagamenti/anomalie/{anomaly_id}");
        async move {
            office
                .post(to)
                .form(&[("csrf", csrf.as_str()), ("nota", note)])
                .send()
                .await
                .unwrap()
        }
    };
    let r = close("").await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Scrivi come è stata risolta"));
    let r = close("Rimborsato al pagatore con bonifico del 5/12.").await;
    assert_eq!(r.status(), 303);
    let list = sportello_testkit::text_of(&office, &format!("{url}/staff/pagamenti")).await;
    assert!(
        list.contains("data-testid=\"anomaly-closed\"") && list.contains("Rimborsato al pagatore")
    );
    // Firenze's office sees none of Livorno's anomalies.
    let firenze = client();
    staff_login(&firenze, url, "firenze.responsabile", false).await;
    let theirs = sportello_testkit::text_of(&firenze, &format!("{url}/staff/pagamenti")).await;
    assert!(!theirs.contains("data-testid=\"anomaly\""));

    // The PSP reports the day's payments in a flow; Sportello reads it from the FdR API: the
    // CDU paid at the checkout is reported; the payment whose receipt was an anomaly is a
    // reported payment without our receipt; an IUV we never issued, another anomaly.
    let flow = sim
        .post(
            "/sim/flow",
            serde_json::json!({ "fiscalCode": "00104330493", "extraIuv": "02000000000000107" }),
        )
        .await;
    let flow_id = flow["fdr"].as_str().unwrap().to_string();
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(report.flows_read, 1, "{report:?}");
    assert_eq!(
        app.payments()
            .my_debts(&mario)
            .await
            .unwrap()
            .iter()
            .find(|d| d.application_id.as_deref() == Some(id.as_str()))
            .unwrap()
            .state
            .code(),
        "reported"
    );
    assert_eq!(
        app.run_jobs_once("test", None).await.unwrap().flows_read,
        0,
        "read once"
    );
    let page =
        sportello_testkit::text_of(&office, &format!("{url}/staff/pagamenti/riconciliazione"))
            .await;
    assert!(
        page.contains(&flow_id) && !page.contains("data-testid=\"flow-cashed\""),
        "{page}"
    );
    let list = sportello_testkit::text_of(&office, &format!("{url}/staff/pagamenti")).await;
    assert!(
        list.contains("Pagamento rendicontato senza ricevuta"),
        "{list}"
    );
    assert!(list.contains("Pagamento rendicontato di un avviso sconosciuto"));

    // The treasurer's statement: the flow's credit, its remittance cut by the bank; a credit
    // that is no flow's. Imported twice: the second changes nothing.
    let camt = sim
        .http_text(
            "/sim/camt053",
            serde_json::json!({
                "fdrs": [flow_id],
                "truncate": 45,
                "others": [{ "amount": 25000, "remittance": "CANONE LOCAZIONE SALA CIVICA" }],
            }),
        )
        .await;
    let import = |xml: String| {
        let office = office.clone();
        let csrf = csrf_of(&page);
        let to = format!("{url}/staff/pagamenti/estratto-conto");
        async move {
            let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
                "estratto",
                reqwest::multipart::Part::bytes(xml.into_bytes())
                    .file_name("giornale.xml")
                    .mime_str("application/xml")
                    .unwrap(),
            );
            office.post(to).multipart(form).send().await.unwrap()
        }
    };
    let r = import(camt.clone()).await;
    assert_eq!(location(&r), "/staff/pagamenti/riconciliazione?importato=1");
    let r = import(camt).await;
    assert_eq!(location(&r), "/staff/pagamenti/riconciliazione?importato=0");
    let r = import("<Document/>".into()).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("camt.053"));
    let page =
        sportello_testkit::text_of(&office, &format!("{url}/staff/pagamenti/riconciliazione"))
            .await;
    assert!(page.contains("data-testid=\"flow-cashed\""), "{page}");
    assert!(page.contains("CANONE LOCAZIONE SALA CIVICA") && page.contains("250,00 €"));
    let list = sportello_testkit::text_of(&office, &format!("{url}/staff/pagamenti")).await;
    assert_eq!(
        list.matches("Accredito senza flusso di rendicontazione")
            .count(),
        1,
        "one anomaly, however often imported"
    );
    // The accounting: Livorno's fees of the day, paid, reported and cashed.
    let csv =
        sportello_testkit::text_of(&office, &format!("{url}/staff/pagamenti/contabilita.csv"))
            .await;
    let row = csv
        .lines()
        .find(|l| l.contains("Diritti di segreteria"))
        .unwrap_or_default();
    assert!(row.contains(";5000;5000;5000"), "{csv}");

    // Every request Sportello made met the official schema; the receipts the simulator sent
    // meet paForNode.xsd (xmllint), so the station was tested on real messages.
    let requests = sim.requests().await;
    assert!(requests.len() >= 3, "{requests:?}");
    for r in &requests {
        assert_eq!(r["valid"], true, "{r}");
    }
    let receipts = sim.get("/sim/receipts").await;
    let with_iban = receipts
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["xml"].as_str().unwrap().contains(unknown.iuv()))
        .unwrap();
    schema_valid_send_rt(&t, with_iban["xml"].as_str().unwrap());
    t.stop().await;
    sim.stop().await;
}

/// Checks the body of a `paSendRT` SOAP request against the official paForNode.xsd with
/// xmllint (required under CI).
fn schema_valid_send_rt(t: &sportello_testkit::TestApp, envelope: &str) {
    if !crate::casework::tool("xmllint") {
        assert!(
            std::env::var_os("CI").is_none(),
            "xmllint is required under CI"
        );
        eprintln!("SKIPPED: no xmllint");
        return;
    }
    let start = envelope.find("<pafn:paSendRTReq>").unwrap();
    let end = envelope.find("</pafn:paSendRTReq>").unwrap() + "</pafn:paSendRTReq>".len();
    let body = envelope[start..end].replacen(
        "<pafn:paSendRTReq>",
        "<pafn:paSendRTReq xmlns:pafn=\"http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd\">",
        1,
    );
    let dir = t.db.scratch_dir().join("pagopa");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("paSendRTReq.xml");
    std::fs::write(&file, body).unwrap();
    let xsd =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/pagopa/paForNode.xsd");
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CILA's fees are due before sending (`fees_due = "before_submission"`): sent unpaid, the
/// review page comes back saying so; paid at the checkout from the review page, it is sent,
/// and its receipt shows the payment.
#[tokio::test]
async fn a_cila_is_sent_only_with_its_fees_paid() {
    let Some((sim, t)) = connected().await else {
        return;
    };
    let url = &t.url;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    let id = app
        .applications()
        .start_application(livorno, "cila", &mario)
        .await
        .unwrap();
    let values = |pairs: &[(&str, &str)]| -> sportello_domain::forms::Values {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let errors = app
        .applications()
        .save_step(
            livorno,
            &id,
            &mario,
            0,
            &values(&[
                ("indirizzo", "Via Grande 10"),
                ("foglio", "12"),
                ("particella", "120"),
            ]),
        )
        .await
        .unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    for field in ["relazione_asseverata", "elaborati"] {
        let upload = app.upload_of(crate::payments::PDF).await.unwrap();
        app.applications()
            .upload(livorno, &id, &mario, field, "doc.pdf", &upload)
            .await
            .unwrap();
    }
    let errors = app
        .applications()
        .save_step(
            livorno,
            &id,
            &mario,
            1,
            &values(&[
                ("descrizione", "Rifacimento del bagno"),
                ("data_inizio", "2027-01-10"),
                ("codice_fiscale_tecnico", mario.fiscal_code.as_str()),
            ]),
        )
        .await
        .unwrap();
    assert!(errors.is_empty(), "{errors:?}");

    let browser = client();
    sportello_testkit::demo_sign_in(&browser, url, "mario-rossi", "L2").await;
    let review_url = format!("{url}/livorno/domande/{id}/riepilogo");
    let review = sportello_testkit::text_of(&browser, &review_url).await;
    assert!(review.contains("data-testid=\"make-notice\""), "{review}");
    // Sent unpaid: refused, said, nothing filed.
    let r = browser
        .post(format!("{url}/livorno/domande/{id}/invia"))
        .form(&[
            ("csrf", csrf_of(&review).as_str()),
            ("dichiarazione", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Paga i costi con pagoPA prima di inviare la domanda"));
    // The notice is made from the review page, published, paid at the checkout from there.
    let r = browser
        .post(format!("{url}/livorno/domande/{id}/pagamento"))
        .form(&[
            ("csrf", csrf_of(&review).as_str()),
            ("torna", &format!("/livorno/domande/{id}/riepilogo")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&r),
        format!("/livorno/domande/{id}/riepilogo#pagamento")
    );
    app.run_jobs_once("test", None).await.unwrap();
    let review = sportello_testkit::text_of(&browser, &review_url).await;
    assert!(review.contains("data-testid=\"pay-now\""), "{review}");
    let notice = app
        .payments()
        .application_debt(livorno, &id, &mario)
        .await
        .unwrap()
        .unwrap()
        .options[0]
        .notice
        .clone();
    let r = browser
        .post(format!("{url}/livorno/pagamenti/{notice}/paga"))
        .form(&[
            ("csrf", csrf_of(&review).as_str()),
            ("torna", &format!("/livorno/domande/{id}/riepilogo")),
        ])
        .send()
        .await
        .unwrap();
    let r = browser
        .post(format!("{}/pay", location(&r)))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), format!("{review_url}?esito=ok"));
    let review = sportello_testkit::text_of(&browser, &location(&r)).await;
    assert!(
        review.contains("data-testid=\"checkout-outcome\"")
            && review.contains("data-testid=\"paid\"")
    );
    let r = browser
        .post(format!("{url}/livorno/domande/{id}/invia"))
        .form(&[
            ("csrf", csrf_of(&review).as_str()),
            ("dichiarazione", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let receipt =
        sportello_testkit::text_of(&browser, &format!("{url}/livorno/domande/{id}/ricevuta")).await;
    assert!(
        receipt.contains("data-testid=\"paid\"") && receipt.contains("data-testid=\"receipt-pdf\"")
    );
    t.stop().await;
    sim.stop().await;
}

/// The demo without a connection to pagoPA is its own platform: «Paga ora» leads to a page of
/// Sportello's that says it simulates the checkout, and paying there records a receipt as
/// pagoPA's would be (once: a second «Paga» is refused).
#[tokio::test]
async fn the_demo_pays_at_its_own_checkout() {
    let t = sportello_testkit::spawn_app().await;
    let url = &t.url;
    let app = t.app();
    livorno_creditor(url).await;
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    let id = cdu_draft(app, livorno, &mario).await;
    app.applications()
        .submit(livorno, &id, &mario, true)
        .await
        .unwrap();
    app.payments()
        .application_fees(livorno, &id, &mario)
        .await
        .unwrap();
    let notice = app
        .payments()
        .application_debt(livorno, &id, &mario)
        .await
        .unwrap()
        .unwrap()
        .options[0]
        .notice
        .clone();
    let browser = client();
    sportello_testkit::demo_sign_in(&browser, url, "mario-rossi", "L2").await;
    let file =
        sportello_testkit::text_of(&browser, &format!("{url}/area-personale/pagamenti")).await;
    let r = browser
        .post(format!("{url}/livorno/pagamenti/{notice}/paga"))
        .form(&[
            ("csrf", csrf_of(&file).as_str()),
            ("torna", "/area-personale/pagamenti"),
        ])
        .send()
        .await
        .unwrap();
    let checkout = location(&r);
    assert!(
        checkout.starts_with(&format!("{url}/demo-pagopa/livorno/{notice}")),
        "{checkout}"
    );
    let page = sportello_testkit::text_of(&browser, &checkout).await;
    assert!(
        page.contains("Ambiente dimostrativo") && page.contains("82,00 €"),
        "{page}"
    );
    let pay = || {
        browser
            .post(format!("{url}/demo-pagopa/livorno/{notice}"))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("torna", "/area-personale/pagamenti"),
                ("esito", "paga"),
            ])
            .send()
    };
    let r = pay().await.unwrap();
    assert_eq!(location(&r), "/area-personale/pagamenti?esito=ok");
    let file = sportello_testkit::text_of(
        &browser,
        &format!("{url}/area-personale/pagamenti?esito=ok"),
    )
    .await;
    assert!(
        file.contains("data-testid=\"paid\"") && file.contains("data-testid=\"checkout-outcome\"")
    );
    let r = pay().await.unwrap();
    assert_eq!(r.status(), 409, "paid once");
    // The browser's Back to the checkout after paying: back to the debt file, not a 404.
    let r = browser.get(&checkout).send().await.unwrap();
    assert_eq!(location(&r), "/area-personale/pagamenti");
    // Another citizen cannot open Mario's checkout.
    let anna = client();
    sportello_testkit::demo_sign_in(&anna, url, "anna-neri", "L2").await;
    assert_eq!(anna.get(&checkout).send().await.unwrap().status(), 404);
    t.stop().await;
}

/// The office issues positions: one by one (a wrong amount refused, named), and from a CSV
/// file — checked whole first (refused rows listed by line, nothing written), then written
/// all at once, the second import of the same file refused; the debtor finds them, the office
/// downloads the notices for printing.
#[tokio::test]
async fn the_office_issues_positions_one_by_one_and_from_a_file() {
    let t = sportello_testkit::spawn_app().await;
    let url = &t.url;
    let app = t.app();
    livorno_creditor(url).await;
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    let cf = mario.fiscal_code.to_string();
    let office = client();
    staff_login(&office, url, "livorno.istruttore", false).await;
    let form =
        sportello_testkit::text_of(&office, &format!("{url}/staff/pagamenti/emissione")).await;
    let one = |amount: &'static str| {
        let (office, csrf, cf) = (office.clone(), csrf_of(&form), cf.clone());
        let to = format!("{url}/staff/pagamenti/emissione");
        async move {
            office
                .post(to)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("codice_fiscale", cf.as_str()),
                    ("debitore", "Mario Rossi"),
                    (
                        "oggetto",
                        "Sanzione regolamento di polizia urbana n. 12/2026",
                    ),
                    ("importo", amount),
                    ("scadenza", "2027-02-28"),
                    ("categoria", "9/0101108TS/"),
                    ("causale", "Sanzione 12/2026"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = one("cento").await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("importo non valido")
            && page.contains("Sanzione regolamento di polizia urbana"),
        "{page}"
    );
    let r = one("100,00").await;
    assert_eq!(r.status(), 303);
    assert!(
        location(&r).starts_with("/staff/pagamenti/emissione?emesso=302"),
        "{}",
        location(&r)
    );

    // A file: one row wrong — nothing is written, the line is named.
    let header = "riferimento;codice_fiscale;debitore;oggetto;importo;scadenza;rata\n";
    let good = format!(
        "{header}TARI-2027-1;{cf};Mario Rossi;TARI 2027;120,50;2027-03-31;\n\
         TARI-2027-2;{cf};Mario Rossi;TARI 2027 a rate;60,00;31/03/2027;1\n\
         TARI-2027-2;{cf};Mario Rossi;TARI 2027 a rate;60,25;30/06/2027;2\n"
    );
    let bad = good.replace("60,25", "sessanta");
    let import = |csv: String| {
        let (office, csrf) = (office.clone(), csrf_of(&form));
        let to = format!("{url}/staff/pagamenti/importazione");
        async move {
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf)
                .text("categoria", "9/0101108TS/")
                .text("causale", "TARI 2027")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(csv.into_bytes())
                        .file_name("tari.csv")
                        .mime_str("text/csv")
                        .unwrap(),
                );
            office.post(to).multipart(form).send().await.unwrap()
        }
    };
    let r = import(bad).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Riga 4: importo non valido"), "{page}");
    let debts = app.payments().my_debts(&mario).await.unwrap();
    assert_eq!(debts.len(), 1, "only the one issued by hand: {debts:?}");
    let r = import(good.clone()).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("data-testid=\"imported\""), "{page}");
    let batch = page
        .split("/staff/pagamenti/lotti/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_string();
    let debts = app.payments().my_debts(&mario).await.unwrap();
    assert_eq!(debts.len(), 3);
    let rates = debts
        .iter()
        .find(|d| d.subject == "TARI 2027 a rate")
        .unwrap();
    assert_eq!(rates.options.len(), 2);
    assert!(rates.options.iter().all(|o| o.instalment));
    assert_eq!(rates.options[1].amount.cents(), 6025);
    let resident = client();
    sportello_testkit::demo_sign_in(&resident, url, "mario-rossi", "L2").await;
    let file =
        sportello_testkit::text_of(&resident, &format!("{url}/area-personale/pagamenti")).await;
    assert!(
        file.contains("Rata 1 di 2") && file.contains("Rata 2 di 2"),
        "{file}"
    );
    // One notice for the plan: both instalments, each with its notice number and QR code.
    let first = &rates.options[0].notice;
    let r = resident
        .get(format!("{url}/livorno/pagamenti/{first}/avviso.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap().to_vec();
    let text = crate::casework::PdfText::of(&pdf);
    assert!(text.has("Rata 1 di 2") && text.has("Rata 2 di 2"), "{text}");
    if let Some(codes) = crate::payments::decode_all_qr(&t, &pdf) {
        let expected: Vec<String> = rates
            .options
            .iter()
            .map(|o| format!("PAGOPA|002|{}|00104330493|{}", o.notice, o.amount.cents()))
            .collect();
        assert_eq!(codes, expected);
    }
    // To pay, the soonest due first: the TARI of 31/03/2027 after the fine of 28/02/2027.
    let fine = file.find("Sanzione regolamento di polizia urbana").unwrap();
    let tari = file.find("TARI 2027").unwrap();
    assert!(fine < tari, "sorted by due date");
    // The same file again: refused whole (its references exist), nothing more written.
    let r = import(good).await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("riferimento di un avviso già emesso"));
    assert_eq!(app.payments().my_debts(&mario).await.unwrap().len(), 3);
    // The notices of the import, for printing, with the QR code's text.
    let csv = sportello_testkit::text_of(
        &office,
        &format!("{url}/staff/pagamenti/lotti/{batch}/avvisi.csv"),
    )
    .await;
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 4, "{csv}");
    assert!(
        rows[1].starts_with("TARI-2027-1;302")
            && rows[1].contains("|00104330493|12050")
            && rows[3].contains(";2;PAGOPA|002|"),
        "{csv}"
    );
    // The office withdraws one: no longer to pay; withdrawn twice, refused.
    let list = sportello_testkit::text_of(&office, &format!("{url}/staff/pagamenti")).await;
    assert!(list.contains("/staff/pagamenti/posizioni/TARI-2027-1/annulla"));
    // Looked at first: what, whose, how much.
    let confirm = sportello_testkit::text_of(
        &office,
        &format!("{url}/staff/pagamenti/posizioni/TARI-2027-1/annulla"),
    )
    .await;
    assert!(
        confirm.contains("data-testid=\"withdraw-confirm\"") && confirm.contains("120,50 €"),
        "{confirm}"
    );
    let withdraw = || {
        office
            .post(format!(
                "{url}/staff/pagamenti/posizioni/TARI-2027-1/annulla"
            ))
            .form(&[("csrf", csrf_of(&confirm))])
            .send()
    };
    let r = withdraw().await.unwrap();
    assert_eq!(location(&r), "/staff/pagamenti?annullato=TARI-2027-1");
    let list = sportello_testkit::text_of(&office, &format!("{url}{}", location(&r))).await;
    assert!(list.contains("Avviso TARI-2027-1 annullato"), "{list}");
    let debts = app.payments().my_debts(&mario).await.unwrap();
    let tari = debts.iter().find(|d| d.subject == "TARI 2027").unwrap();
    assert_eq!(tari.state.code(), "invalid");
    assert!(!tari.open());
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    assert!(
        app.payments()
            .notice_pdf(livorno, &tari.options[0].notice, &mario)
            .await
            .is_err(),
        "a withdrawn notice is not handed out to be paid"
    );
    assert_eq!(withdraw().await.unwrap().status(), 409);
    // Firenze's office finds nothing of it.
    let firenze = client();
    staff_login(&firenze, url, "firenze.responsabile", false).await;
    assert_eq!(
        firenze
            .get(format!("{url}/staff/pagamenti/lotti/{batch}/avvisi.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    t.stop().await;
}

/// The form of a spontaneous payment, as a signed-in browser reads it: its fields.
async fn payment_form(browser: &reqwest::Client, url: &str, kind: &str) -> Vec<(String, String)> {
    let page =
        sportello_testkit::text_of(browser, &format!("{url}/livorno/pagamenti/nuovo/{kind}")).await;
    sportello_testkit::form_fields(&page)
}

async fn post_payment(
    browser: &reqwest::Client,
    url: &str,
    kind: &str,
    form: &[(String, String)],
    typed: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| !typed.iter().any(|(t, _)| t == k))
        .cloned()
        .collect();
    fields.extend(typed.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    browser
        .post(format!("{url}/livorno/pagamenti/nuovo/{kind}"))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

/// Spontaneous payments: a resident tops up the canteen (one position however often the form
/// is sent, even at once), pays it at the checkout; a certificate's fees carry a revenue stamp;
/// what is typed wrong is named whole and nothing is written; the desk (PAAS) of the ente
/// prints the notice still to pay, and sees nothing of what was paid before.
#[tokio::test]
async fn a_resident_pays_the_canteen_and_the_desk_prints_what_is_still_due() {
    let Some(sim) = PagoPaSimulator::start().await else {
        return;
    };
    let started = time::OffsetDateTime::now_utc();
    let clock = sportello_testkit::TestClock::new(started);
    let t = spawn_app_with(Options {
        pagopa: Some(sim.config(NODE_TOKEN)),
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let url = &t.url;
    let app = t.app();
    sim.send_receipts_to(url, NODE_TOKEN).await;
    let anyone = client();
    // Before the ente takes payments, it offers none.
    let list = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/pagamenti")).await;
    assert!(list.contains("data-testid=\"no-payments\""), "{list}");
    livorno_creditor(url).await;
    let list = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/pagamenti")).await;
    assert_eq!(list.matches("data-testid=\"payment-kind\"").count(), 3);
    let form = sportello_testkit::text_of(
        &anyone,
        &format!("{url}/livorno/pagamenti/nuovo/ricarica-mensa"),
    )
    .await;
    assert!(form.contains("data-testid=\"sign-in-to-pay\""));
    assert_eq!(
        anyone
            .get(format!("{url}/livorno/pagamenti/nuovo/nessuno"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    let browser = client();
    sportello_testkit::demo_sign_in(&browser, url, "mario-rossi", "L2").await;
    // Everything typed wrong is named at once, and nothing is written.
    let form = payment_form(&browser, url, "ricarica-mensa").await;
    let r = post_payment(
        &browser,
        url,
        "ricarica-mensa",
        &form,
        &[
            ("importo", "venti"),
            ("riferimento", "RSSMRA80A01H501X"),
            ("nome_riferimento", "G"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("data-testid=\"form-problems\""));
    for field in ["#importo", "#riferimento", "#nome_riferimento"] {
        assert!(page.contains(&format!("<a href=\"{field}\">")), "{field}");
    }
    assert!(page.contains("value=\"venti\""), "what was typed is kept");
    assert!(app.payments().my_debts(&mario).await.unwrap().is_empty());
    let r = post_payment(
        &browser,
        url,
        "ricarica-mensa",
        &form,
        &[
            ("importo", "600"),
            ("riferimento", "RSSMRA80A01H501U"),
            ("nome_riferimento", "Giulia Rossi"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("500,00 €"));

    // The same form sent six times at once: one position.
    let typed = [
        ("importo", "25"),
        ("riferimento", "rssmra80a01h501u"),
        ("nome_riferimento", "Giulia  Rossi"),
    ];
    let sends: Vec<_> = (0..6)
        .map(|_| {
            let (browser, url, form) = (browser.clone(), url.clone(), form.clone());
            tokio::spawn(async move {
                let r = post_payment(&browser, &url, "ricarica-mensa", &form, &typed).await;
                (r.status().as_u16(), location(&r))
            })
        })
        .collect();
    let mut places = std::collections::BTreeSet::new();
    let mut new = 0;
    for s in sends {
        let (status, place) = s.await.unwrap();
        assert_eq!(status, 303);
        // One made it; the others were shown it, waiting.
        if !place.contains("&gia=1") {
            new += 1;
        }
        places.insert(place.replace("&gia=1", ""));
    }
    assert_eq!((places.len(), new), (1, 1), "{places:?}");
    let debts = app.payments().my_debts(&mario).await.unwrap();
    assert_eq!(debts.len(), 1);
    assert_eq!(
        debts[0].subject,
        "Ricarica del credito mensa scolastica — Giulia Rossi (RSSMRA80A01H501U)"
    );
    assert_eq!(debts[0].options[0].amount.cents(), 2500);
    let canteen = debts[0].options[0].notice.clone();
    let place = places.into_iter().next().unwrap();
    assert!(place.contains(&format!("avviso={canteen}")), "{place}");
    let file = sportello_testkit::text_of(&browser, &format!("{url}{place}")).await;
    assert!(file.contains("data-testid=\"payment-created\""));
    assert!(file.contains(&format!("id=\"avviso-{canteen}\"")));

    // Another form for the same pupil, another amount, while that one waits: no second notice
    // — the one to pay is shown.
    let again = payment_form(&browser, url, "ricarica-mensa").await;
    let r = post_payment(
        &browser,
        url,
        "ricarica-mensa",
        &again,
        &[
            ("importo", "40"),
            ("riferimento", "RSSMRA80A01H501U"),
            ("nome_riferimento", "Giulia Rossi"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let place = location(&r);
    assert!(
        place.contains(&format!("avviso={canteen}&gia=1")),
        "{place}"
    );
    let file = sportello_testkit::text_of(&browser, &format!("{url}{place}")).await;
    assert!(file.contains("data-testid=\"payment-waiting\""));
    assert_eq!(app.payments().my_debts(&mario).await.unwrap().len(), 1);

    // Published like any position (the simulator checks the request against the schema), paid
    // at the checkout.
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(report.positions_published, 1);
    let positions = sim.get("/sim/positions").await;
    let transfer = &positions[0]["body"]["paymentOption"][0]["transfer"][0];
    assert_eq!(transfer["category"], "9/0201133SP/");
    assert_eq!(
        positions[0]["body"]["switchToExpired"], true,
        "a top-up not made expires"
    );
    assert_eq!(transfer["amount"], 2500);
    let file =
        sportello_testkit::text_of(&browser, &format!("{url}/area-personale/pagamenti")).await;
    assert!(
        file.contains("In tutto, da pagare: <strong>25,00 €</strong>"),
        "{file}"
    );
    let r = browser
        .post(format!("{url}/livorno/pagamenti/{canteen}/paga"))
        .form(&[("csrf", csrf_of(&file))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let checkout = location(&r);
    assert!(checkout.starts_with(&sim.url), "{checkout}");
    let r = browser
        .post(format!("{checkout}/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.payments().my_debts(&mario).await.unwrap()[0]
            .state
            .code(),
        "paid"
    );

    // A certificate's fees: the secretarial fee to the ente, the imposta di bollo as a digital
    // stamp, in one notice.
    let form = payment_form(&browser, url, "diritti-certificato").await;
    // Which certificate is asked; something not on the list is refused, said so.
    let r = post_payment(
        &browser,
        url,
        "diritti-certificato",
        &form,
        &[("riferimento", "Certificato di buona condotta")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Scegli dall&#39;elenco «Quale certificato»."),
        "{page}"
    );
    let r = post_payment(
        &browser,
        url,
        "diritti-certificato",
        &form,
        &[("riferimento", "Certificato di residenza")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(report.positions_published, 1);
    let positions = sim.get("/sim/positions").await;
    let option = &positions.as_array().unwrap()[1]["body"]["paymentOption"][0];
    assert_eq!(option["amount"], 1652);
    assert_eq!(option["transfer"][1]["stamp"]["stampType"], "01");
    let certificate = app
        .payments()
        .my_debts(&mario)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.open())
        .unwrap()
        .options[0]
        .notice
        .clone();
    // A plate that is not one.
    let form = payment_form(&browser, url, "permesso-ztl-annuale").await;
    let r = post_payment(
        &browser,
        url,
        "permesso-ztl-annuale",
        &form,
        &[("riferimento", "ABCDEF")],
    )
    .await;
    assert_eq!(r.status(), 422);
    // A form's token is required: a post without one writes nothing.
    let without: Vec<(String, String)> =
        form.iter().filter(|(k, _)| k != "token").cloned().collect();
    let r = post_payment(
        &browser,
        url,
        "permesso-ztl-annuale",
        &without,
        &[("riferimento", "AB123CD")],
    )
    .await;
    assert_eq!(r.status(), 422);
    // A ZTL permit started by mistake, withdrawn by Mario himself: invalid here and, through
    // the outbox, at pagoPA; a notice he did not start (none here) or one paid cannot be.
    let form = payment_form(&browser, url, "permesso-ztl-annuale").await;
    let r = post_payment(
        &browser,
        url,
        "permesso-ztl-annuale",
        &form,
        &[("riferimento", "AB123CD")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let ztl = location(&r)
        .split("avviso=")
        .nth(1)
        .and_then(|s| s.get(..18))
        .unwrap()
        .to_string();
    assert_eq!(
        app.run_jobs_once("test", None)
            .await
            .unwrap()
            .positions_published,
        1
    );
    let file =
        sportello_testkit::text_of(&browser, &format!("{url}/area-personale/pagamenti")).await;
    assert!(file.contains(&format!("/livorno/pagamenti/{ztl}/annulla")));
    assert!(
        !file.contains(&format!("/livorno/pagamenti/{canteen}/annulla")),
        "paid: not withdrawable"
    );
    let r = browser
        .post(format!("{url}/livorno/pagamenti/{ztl}/annulla"))
        .form(&[("csrf", csrf_of(&file))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/area-personale/pagamenti?annullato=1");
    let r = browser
        .post(format!("{url}/livorno/pagamenti/{canteen}/annulla"))
        .form(&[("csrf", csrf_of(&file))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "a paid notice stays");
    app.run_jobs_once("test", None).await.unwrap();
    let at_platform = sim.get("/sim/positions").await;
    assert!(
        at_platform
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["status"] == "INVALID"),
        "{at_platform}"
    );
    for r in sim.requests().await {
        assert_eq!(r["valid"], true, "{r}");
    }

    // At Livorno's desk (PAAS), in an assisted session for Mario: the certificate's notice,
    // still to pay, is listed and printed; the canteen top-up he paid at home is not shown.
    clock.advance(time::Duration::minutes(30));
    let desk = client();
    crate::assisted::assisted_for_mario(url, &desk).await;
    let file = sportello_testkit::text_of(&desk, &format!("{url}/area-personale/pagamenti")).await;
    assert!(file.contains(&certificate), "{file}");
    assert!(
        !file.contains(&canteen),
        "the paid history stays the person's"
    );
    let r = desk
        .get(format!("{url}/livorno/pagamenti/{certificate}/avviso.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let r = desk
        .get(format!("{url}/livorno/pagamenti/{canteen}/ricevuta.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Unpaid past its due date (30 days), the certificate's notice expires, once, as pagoPA
    // expires it; the paid top-up stays paid. The due date is 30 Italian days from the day the
    // notice was made: noon of that day, whatever the hour the test started (started late in
    // the evening, the half hour at the desk crossed midnight and the due day was passed).
    let made = sportello_domain::calendar::in_rome(started).date();
    let due_noon = sportello_domain::calendar::from_rome(time::PrimitiveDateTime::new(
        made + time::Duration::days(30),
        time::macros::time!(12:00),
    ));
    clock.advance(due_noon - sportello_app::Clock::now(&*clock));
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(report.positions_expired, 0, "due today is not late");
    clock.advance(time::Duration::days(1));
    let report = app.run_jobs_once("test-a", None).await.unwrap();
    assert_eq!(report.positions_expired, 1, "{report:?}");
    let report = app.run_jobs_once("test-b", None).await.unwrap();
    assert_eq!(report.positions_expired, 0, "once");
    let states: Vec<String> = app
        .payments()
        .my_debts(&mario)
        .await
        .unwrap()
        .iter()
        .map(|d| d.state.code().to_string())
        .collect();
    assert_eq!(states, ["invalid", "expired", "paid"]);
    let browser = client();
    sportello_testkit::demo_sign_in(&browser, url, "mario-rossi", "L2").await;
    let file =
        sportello_testkit::text_of(&browser, &format!("{url}/area-personale/pagamenti")).await;
    assert!(!file.contains("data-testid=\"pay-now\""));
    assert!(file.contains("data-testid=\"nothing-to-pay\""), "{file}");
}

/// A professional files a CILA for a client: the fees are the client's debt (their receipt),
/// listed in the professional's «Per i tuoi clienti» and paid by the professional on their
/// behalf; the client sees it in their own file; no one else reaches it.
#[tokio::test]
async fn a_professional_pays_a_clients_fees_and_the_receipt_is_the_clients() {
    use sportello_app::applications::ActingFor;
    let t = sportello_testkit::spawn_app().await;
    let url = &t.url;
    let app = t.app();
    livorno_creditor(url).await;
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let chiara = crate::apply::citizen("chiara-conti", SpidLevel::L2);
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    let mandate = app.upload_of(crate::apply::PDF).await.unwrap();
    let id = app
        .applications()
        .start_application_for(
            livorno,
            "cila",
            &chiara,
            ActingFor::Client {
                id: mario.fiscal_code.to_string(),
                name: "Mario Rossi".into(),
                mandate_file_name: "procura.pdf".into(),
                mandate,
            },
        )
        .await
        .unwrap();
    app.payments()
        .application_fees(livorno, &id, &chiara)
        .await
        .unwrap();
    let theirs = app.payments().my_debts(&mario).await.unwrap();
    assert_eq!(theirs.len(), 1, "the client owes it");
    let notice = theirs[0].options[0].notice.clone();
    assert!(app.payments().my_debts(&chiara).await.unwrap().is_empty());
    let for_clients = app.payments().client_debts(&chiara).await.unwrap();
    assert_eq!(for_clients.len(), 1);
    assert_eq!(
        for_clients[0].client.as_deref(),
        Some("Mario Rossi (RSSMRA80A01E625I)")
    );

    let browser = client();
    sportello_testkit::demo_sign_in(&browser, url, "chiara-conti", "L2").await;
    let file =
        sportello_testkit::text_of(&browser, &format!("{url}/area-personale/pagamenti")).await;
    assert!(file.contains("data-testid=\"client-debt\""), "{file}");
    assert!(file.contains("Mario Rossi (RSSMRA80A01E625I)"));
    let r = browser
        .post(format!("{url}/livorno/pagamenti/{notice}/paga"))
        .form(&[("csrf", csrf_of(&file).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let checkout = location(&r);
    assert!(
        checkout.contains(&format!("/demo-pagopa/livorno/{notice}")),
        "{checkout}"
    );
    let page = sportello_testkit::text_of(&browser, &checkout).await;
    assert!(page.contains("name=\"csrf\""), "{page}");
    let r = browser
        .post(format!("{url}/demo-pagopa/livorno/{notice}"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("torna", "/area-personale/pagamenti"),
            ("esito", "paga"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.payments().my_debts(&mario).await.unwrap()[0]
            .state
            .code(),
        "paid"
    );
    // The receipt names the client as the one who owed it; the professional downloads it.
    let r = browser
        .get(format!("{url}/livorno/pagamenti/{notice}/ricevuta.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap().to_vec();
    let text = crate::casework::PdfText::of(&pdf);
    assert!(text.has("RSSMRA80A01E625I"), "{text}");
    // …and Chiara as the one who paid it for him.
    assert!(
        text.has("Pagato da Chiara Conti (CNTCHR"),
        "the payer named: {text}"
    );
    // Anyone else finds nothing.
    let giulia = client();
    sportello_testkit::demo_sign_in(&giulia, url, "giulia-bianchi", "L2").await;
    for path in ["avviso.pdf", "ricevuta.pdf"] {
        let r = giulia
            .get(format!("{url}/livorno/pagamenti/{notice}/{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}

/// Back-fill: a payment whose receipt the node never delivered is learnt from the PSP's flow —
/// an anomaly, «missing receipt» — and the receipt is recovered from pagoPA's debt position
/// service: the option paid and reported, the anomaly closed with a note, once.
#[tokio::test]
async fn a_receipt_never_delivered_is_recovered_when_the_flow_reports_it() {
    let Some((sim, t)) = connected().await else {
        return;
    };
    let url = &t.url;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    let kind = sportello_app::spontaneous::kind("permesso-ztl-annuale").unwrap();
    let started = app
        .payments()
        .start_spontaneous(
            livorno,
            kind,
            &mario,
            &sportello_app::spontaneous::SpontaneousInput {
                reference: "AB123CD".into(),
                token: "t".repeat(20),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    let notice = started.notice().to_string();
    assert_eq!(
        app.run_jobs_once("test", None)
            .await
            .unwrap()
            .positions_published,
        1
    );
    // Paid at the platform; the receipt is lost on the way.
    let paid = sim
        .post(
            "/sim/pay",
            serde_json::json!({ "nav": notice, "lose": true }),
        )
        .await;
    assert!(paid["receiptId"].is_string(), "{paid}");
    let receipt_id = paid["receiptId"].as_str().unwrap().to_string();
    assert_eq!(
        app.payments().my_debts(&mario).await.unwrap()[0]
            .state
            .code(),
        "valid"
    );

    // The PSP's flow reports it: the receipt is recovered, the payment reported.
    sim.post(
        "/sim/flow",
        serde_json::json!({ "fiscalCode": "00104330493" }),
    )
    .await;
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(
        (report.flows_read, report.receipts_recovered),
        (1, 1),
        "{report:?}"
    );
    let debt = &app.payments().my_debts(&mario).await.unwrap()[0];
    assert_eq!(debt.state.code(), "reported");
    assert!(debt.options[0].paid);
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(report.receipts_recovered, 0, "once");
    // The receipt downloads, with the id pagoPA gave it; the anomaly is closed, with why.
    let browser = client();
    sportello_testkit::demo_sign_in(&browser, url, "mario-rossi", "L2").await;
    let r = browser
        .get(format!("{url}/livorno/pagamenti/{notice}/ricevuta.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap().to_vec();
    assert!(crate::casework::PdfText::of(&pdf).has(&receipt_id));
    let office = client();
    staff_login(&office, url, "livorno.istruttore", false).await;
    let list = sportello_testkit::text_of(&office, &format!("{url}/staff/pagamenti")).await;
    assert!(
        list.contains("Ricevuta recuperata dalla posizione debitoria"),
        "{list}"
    );
    for r in sim.requests().await {
        assert_eq!(r["valid"], true, "{r}");
    }
}

//! The back office at work: an operator starts a case and asks for documents, the applicant
//! answers from the personal area, the responsible officer decides; every document sent is
//! registered with a segnatura that validates against AgID's schema and carries a valid seal.
//! The jobs that conclude cases by themselves are in `jobs.rs`.

use std::path::{Path, PathBuf};

use sportello_domain::identity::SpidLevel;
use sportello_domain::protocol::segnatura::{body_digest_matches, signed_parts};
use sportello_testkit::{
    client, csrf_of, demo_sign_in, spawn_app_with, Options, TestApp, TestClock,
};

use crate::apply::{citizen, filled_occupation};
use crate::authz_support::staff_login;

pub(crate) const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// Posts an action form from the case page, as the browser would.
pub(crate) async fn act(
    c: &reqwest::Client,
    url: &str,
    id: &str,
    action: &str,
    text: &str,
) -> reqwest::Response {
    let page = c
        .get(format!("{url}/staff/pratiche/{id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    c.post(format!("{url}/staff/pratiche/{id}/azioni"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("azione", action),
            ("testo", text),
            // Decisions are confirmed after their preview (see the test of the preview).
            ("conferma", "1"),
        ])
        .send()
        .await
        .unwrap()
}

/// The same action posted without the confirmation a decision needs.
async fn act_unconfirmed(
    c: &reqwest::Client,
    url: &str,
    id: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = sportello_testkit::text_of(c, &format!("{url}/staff/pratiche/{id}")).await;
    let mut form = vec![("csrf", csrf_of(&page))];
    form.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
    c.post(format!("{url}/staff/pratiche/{id}/azioni"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn state_seen_by_office(c: &reqwest::Client, url: &str, id: &str) -> String {
    let page = c
        .get(format!("{url}/staff/pratiche/{id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start =
        page.find("data-testid=\"case-state\">").unwrap() + "data-testid=\"case-state\">".len();
    page[start..].split('<').next().unwrap().to_string()
}

fn schema() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/schemas/agid-protocollo/segnatura_protocollo.xsd"
    ))
}

/// A command-line tool the check needs; missing is a failure under CI and a skip elsewhere.
/// The text of a PDF as a reader extracts it (poppler's `pdftotext`), to check what a document
/// says rather than how it is encoded. Where poppler is missing outside CI the checks are
/// skipped, said so, and pass.
pub(crate) struct PdfText(Option<String>);

impl PdfText {
    pub(crate) fn of(pdf: &[u8]) -> PdfText {
        if !tool("pdftotext") {
            return PdfText(None);
        }
        let file = std::env::temp_dir().join(format!(
            "sportello-text-{}.pdf",
            sportello_app::crypto::random_token(8)
        ));
        std::fs::write(&file, pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&file)
            .arg("-")
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&file);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PdfText(Some(String::from_utf8(out.stdout).unwrap()))
    }

    /// The text as one line: a title wrapped over two lines reads as one.
    fn flat(&self) -> Option<String> {
        Some(
            self.0
                .as_deref()?
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    /// Whether the text says this (anywhere, across line breaks).
    pub(crate) fn has(&self, words: &str) -> bool {
        self.flat().is_none_or(|t| t.contains(words))
    }

    /// Whether the text never says this.
    pub(crate) fn lacks(&self, words: &str) -> bool {
        self.flat().is_none_or(|t| !t.contains(words))
    }

    /// Whether a line of the text is exactly this.
    pub(crate) fn has_line(&self, line: &str) -> bool {
        self.0
            .as_deref()
            .is_none_or(|t| t.lines().any(|l| l.trim() == line))
    }

    /// Whether no line of the text is exactly this.
    pub(crate) fn lacks_line(&self, line: &str) -> bool {
        self.0
            .as_deref()
            .is_none_or(|t| !t.lines().any(|l| l.trim() == line))
    }
}

impl std::fmt::Display for PdfText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_deref().unwrap_or("(not read: no pdftotext)"))
    }
}

pub(crate) fn tool(name: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is required under CI"
        );
        eprintln!("SKIPPED: {name} not installed");
    }
    found
}

/// Every segnatura the server produced: the seal verifies with the published key, the digest
/// covers the content, the XML validates against AgID's schema (xmllint) and the signature
/// verifies with an independent implementation of XML Signature (xmlsec1).
pub async fn check_every_segnatura(t: &TestApp) -> usize {
    let app = t.app();
    let all = app.store().region_wide().all_segnature().await.unwrap();
    let dir = t.db.scratch_dir().join("segnature");
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("sigillo.pem");
    std::fs::write(&key, app.seal_public_pem()).unwrap();
    let (xmllint, xmlsec) = (tool("xmllint"), tool("xmlsec1"));
    for (id, xml) in &all {
        let (signed_info, signature) = signed_parts(xml).unwrap();
        assert!(
            app.seal_valid(signed_info.as_bytes(), &signature),
            "seal of {id}"
        );
        assert!(body_digest_matches(xml), "digest of {id}");
        let file = dir.join(format!("{id}.xml"));
        std::fs::write(&file, xml).unwrap();
        if xmllint {
            let out = std::process::Command::new("xmllint")
                .args(["--nonet", "--noout", "--schema"])
                .arg(schema())
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "segnatura {id} against AgID's schema: {}\n{xml}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if xmlsec {
            assert!(
                xmlsec_verifies(&key, &file, xml),
                "xmlsec1 verifies segnatura {id}:\n{xml}"
            );
            // and would notice a change to the content.
            let tampered = dir.join(format!("{id}-tampered.xml"));
            std::fs::write(&tampered, xml.replacen("Comune di", "Comune da", 1)).unwrap();
            assert!(
                !xmlsec_verifies(&key, &tampered, xml),
                "a changed segnatura fails"
            );
        }
    }
    all.len()
}

fn xmlsec_verifies(key: &Path, file: &Path, xml: &str) -> bool {
    let name = xml
        .split("<ds:KeyName>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap();
    std::process::Command::new("xmlsec1")
        .args([
            "--verify",
            "--id-attr:Id",
            "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
        ])
        .arg(format!("--pubkey-pem:{name}"))
        .arg(key)
        .arg(file)
        .output()
        .unwrap()
        .status
        .success()
}

#[tokio::test]
async fn the_office_examines_the_applicant_answers_and_the_officer_decides() {
    let t = spawn_app_with(Options::default()).await;
    let url = &t.url;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let id = filled_occupation(&t, livorno, &mario).await;
    app.applications()
        .submit(livorno, &id, &mario, true)
        .await
        .unwrap();

    let operator = client();
    staff_login(&operator, url, "livorno.istruttore", false).await;
    // The operator may not decide: only the responsible officer signs decisions.
    let r = act(&operator, url, &id, "accogli", "Conforme al regolamento.").await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("azione non consentita") || page.contains("Azione non consentita"),
        "{page}"
    );
    assert!(
        page.contains("Conforme al regolamento."),
        "what was typed is kept"
    );
    assert_eq!(
        state_seen_by_office(&operator, url, &id).await,
        "protocollata"
    );

    let r = act(&operator, url, &id, "avvia", "").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        state_seen_by_office(&operator, url, &id).await,
        "in istruttoria"
    );
    let page = operator
        .get(format!("{url}/staff/pratiche/{id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("data-testid=\"assignee\">Chiara Martini") && page.contains("segnatura.xml"),
        "assigned to whoever started it; the document listed"
    );

    // An empty request is refused with a message; then a real one suspends the term.
    let r = act(&operator, url, &id, "integrazione", "   ").await;
    assert_eq!(r.status(), 422);
    let r = act(
        &operator,
        url,
        &id,
        "integrazione",
        "Allegare la polizza assicurativa.",
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        state_seen_by_office(&operator, url, &id).await,
        "sospesa per integrazione"
    );
    let desk = sportello_testkit::text_of(&operator, &format!("{url}/staff/")).await;
    assert!(
        desk.contains("data-testid=\"desk-attesa\"") && desk.contains("In attesa del richiedente"),
        "{desk}"
    );
    act(
        &operator,
        url,
        &id,
        "nota",
        "Sentito il comando di polizia municipale.",
    )
    .await;

    // The applicant sees the request, but not the office's note, and answers with a document.
    let mario_browser = client();
    demo_sign_in(&mario_browser, url, "mario-rossi", "L2").await;
    let case = mario_browser
        .get(format!("{url}/livorno/domande/{id}/pratica"))
        .send()
        .await
        .unwrap();
    assert_eq!(case.status(), 200);
    let case = case.text().await.unwrap();
    assert!(
        case.contains("Allegare la polizza assicurativa.") && case.contains("rispondi"),
        "{case}"
    );
    assert!(
        !case.contains("polizia municipale"),
        "internal notes stay internal"
    );
    assert!(case.contains("sospesa per integrazione"));
    // What the applicant attached is listed, under each field's label.
    assert!(
        case.contains("data-testid=\"own-files\"") && case.contains(">planimetria.pdf</a>"),
        "{case}"
    );
    // The personal area puts it first, as something to do, quoting the office.
    let personal =
        sportello_testkit::text_of(&mario_browser, &format!("{url}/area-personale")).await;
    let todo = &personal[personal.find("data-testid=\"todo\"").expect("a to-do list")..];
    let todo = &todo[..todo.find("</section>").unwrap()];
    assert!(
        todo.contains("Il comune chiede documenti integrativi"),
        "{todo}"
    );
    assert!(todo.contains("Allegare la polizza assicurativa."));
    assert!(todo.contains(&format!("/livorno/domande/{id}/pratica#rispondi")));
    // The reply-by date is the request's day plus the 30 days the law allows (art. 2 c.7).
    let by = sportello_domain::calendar::in_rome(time::OffsetDateTime::now_utc()).date()
        + time::Duration::days(30);
    let by = format!("{:02}/{:02}/{}", by.day(), u8::from(by.month()), by.year());
    assert!(todo.contains(&format!("Rispondi entro il {by}")), "{todo}");
    assert!(
        case.contains(&format!("Rispondi entro il {by}")),
        "the case page says the same"
    );
    // Someone else finds no such case.
    let anna = client();
    demo_sign_in(&anna, url, "anna-neri", "L2").await;
    assert_eq!(
        anna.get(format!("{url}/livorno/domande/{id}/pratica"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let token = csrf_of(&case);
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .text("testo", "Ecco la polizza.")
        .part(
            "documenti",
            reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("polizza.pdf"),
        );
    let r = mario_browser
        .post(format!("{url}/livorno/domande/{id}/rispondi"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        state_seen_by_office(&operator, url, &id).await,
        "in istruttoria"
    );
    // The desk counts it among the answers received, and the queue lists it there.
    let desk = sportello_testkit::text_of(&operator, &format!("{url}/staff/")).await;
    let count = |view: &str| {
        let at = desk.find(&format!("data-testid=\"desk-{view}\"")).unwrap();
        let rest = &desk[at..];
        let n = rest.split("fw-bold\">").nth(1).unwrap();
        n[..n.find('<').unwrap()].to_string()
    };
    assert_eq!(count("risposte"), "1", "{desk}");
    assert_eq!(count("attesa"), "0");
    assert!(desk.contains("Pratiche aperte assegnate a te: 1"));
    let answered =
        sportello_testkit::text_of(&operator, &format!("{url}/staff/pratiche?filtro=risposte"))
            .await;
    assert!(answered.contains(&format!("/staff/pratiche/{id}\"")));
    // A second answer is not awaited any more.
    let form = reqwest::multipart::Form::new()
        .text("csrf", token.clone())
        .text("testo", "Ancora.");
    let r = mario_browser
        .post(format!("{url}/livorno/domande/{id}/rispondi"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);

    // The applicant writes to the office; the office reads it, and the applicant's attachment.
    let r = mario_browser
        .post(format!("{url}/livorno/domande/{id}/messaggio"))
        .form(&[
            ("csrf", token.as_str()),
            ("testo", "Posso iniziare i lavori lunedì?"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = operator
        .get(format!("{url}/staff/pratiche/{id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Posso iniziare i lavori lunedì?") && page.contains("polizza.pdf"));
    let planimetria = operator
        .get(format!("{url}/staff/pratiche/{id}/allegati/planimetria"))
        .send()
        .await
        .unwrap();
    assert_eq!(planimetria.status(), 200);
    assert!(planimetria.bytes().await.unwrap().starts_with(b"%PDF"));
    let r = anna
        .post(format!("{url}/livorno/domande/{id}/messaggio"))
        .form(&[("csrf", "x"), ("testo", "intrusione")])
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 403 | 404));

    // The law allows one integration request.
    let r = act(&operator, url, &id, "integrazione", "Anche il DURC.").await;
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("una sola richiesta di integrazione"));

    // The responsible officer reads the decision as it will be sent before confirming it;
    // nothing happens until then, and «Modifica» comes back with the text kept.
    let officer = client();
    staff_login(&officer, url, "livorno.responsabile", false).await;
    let r = act_unconfirmed(
        &officer,
        url,
        &id,
        &[
            ("azione", "accogli"),
            ("testo", "Occupazione compatibile con la viabilità."),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let preview = r.text().await.unwrap();
    assert!(
        preview.contains("data-testid=\"decision-preview\""),
        "{preview}"
    );
    assert!(preview.contains("Occupazione compatibile con la viabilità."));
    assert!(preview.contains("Mario Rossi"), "the recipient");
    assert!(
        preview.contains("Oggetto della domanda") && preview.contains("12,5"),
        "what is granted, restated"
    );
    assert!(
        preview.contains("data-testid=\"preview-case\">Occupazione di suolo pubblico — prot. n. "),
        "the case it decides, named"
    );
    // The document whole, as it will go: the heading, the case, who adopts it.
    for part in [
        "Provvedimento di accoglimento",
        "Comune di Livorno",
        "assegnato quando il provvedimento è confermato",
        "<strong>Il responsabile del provvedimento:</strong> Marco Ferri",
    ] {
        assert!(preview.contains(part), "{part}");
    }
    assert!(preview.contains("name=\"conferma\" value=\"1\""));
    assert_ne!(
        state_seen_by_office(&officer, url, &id).await,
        "accolta",
        "not before the confirmation"
    );
    let r = act_unconfirmed(
        &officer,
        url,
        &id,
        &[
            ("azione", "accogli"),
            ("testo", "Testo da rivedere."),
            ("modifica", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Testo da rivedere."));
    // An empty motivation is refused before any preview.
    let r = act_unconfirmed(&officer, url, &id, &[("azione", "accogli"), ("testo", " ")]).await;
    assert_eq!(r.status(), 422);
    let r = act(
        &officer,
        url,
        &id,
        "accogli",
        "Occupazione compatibile con la viabilità.",
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(state_seen_by_office(&officer, url, &id).await, "accolta");
    // Concluded: no more actions, and the applicant can no longer withdraw.
    assert_eq!(
        act(&officer, url, &id, "respingi", "No.").await.status(),
        409
    );
    assert!(app
        .applications()
        .withdraw(livorno, &id, &mario)
        .await
        .is_err());

    // The personal area: nothing left to do, the decision is the main download.
    let personal =
        sportello_testkit::text_of(&mario_browser, &format!("{url}/area-personale")).await;
    assert!(!personal.contains("data-testid=\"todo\""));
    assert!(personal.contains("data-testid=\"decision\""));
    assert!(personal.contains("la domanda è accolta"));
    // The applicant downloads the decision and sees the whole timeline.
    let case = mario_browser
        .get(format!("{url}/livorno/domande/{id}/pratica"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for step in [
        "Domanda protocollata",
        "Procedimento avviato",
        "Richiesta di integrazione",
        "Integrazione ricevuta",
        "Domanda accolta",
    ] {
        assert!(case.contains(step), "{step} in the timeline");
    }
    assert!(!case.contains("Pratica assegnata"));
    let link = case
        .split("href=\"")
        .filter(|s| s.starts_with(&format!("/livorno/domande/{id}/documenti/")))
        .last()
        .unwrap();
    let link = link.split('"').next().unwrap();
    // The personal area's card links the same document: the decision, the last one the office
    // sent (read with the list, not per card).
    assert!(
        personal.contains(&format!("href=\"{link}\"")),
        "the personal area links the decision {link}"
    );
    let pdf = mario_browser
        .get(format!("{url}{link}"))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    // The decision carries its own registration (the fifth of the register), and the register
    // records the digest of exactly this document.
    assert!(
        PdfText::of(&bytes).has("n. 0000005/"),
        "the decision names its protocol number"
    );
    let text = PdfText::of(&bytes);
    // It restates what was asked and so granted, and is signed by who adopted it.
    for words in [
        "Oggetto della domanda",
        "Superficie occupata",
        "12,5",
        "Il responsabile del provvedimento",
        "Marco Ferri",
    ] {
        assert!(text.has(words), "{words}: {text}");
    }
    assert!(
        text.lacks_line("Il responsabile"),
        "named for what they are"
    );
    let digest = {
        use sha2::Digest as _;
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            sha2::Sha256::digest(&bytes),
        )
    };
    let segnature = app.store().region_wide().all_segnature().await.unwrap();
    assert!(
        segnature.iter().any(|(_, xml)| xml.contains(&digest)),
        "the segnatura names the digest of the document as sent"
    );
    // Another person cannot download it.
    assert_eq!(
        anna.get(format!("{url}{link}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // The register: three documents sent (avvio, integration request, decision) and the answer
    // received, all chained; every segnatura valid.
    let report = app
        .registry()
        .verify_register("049009", None)
        .await
        .unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(
        report.registrations, 5,
        "the application, three outbound, one inbound answer"
    );
    assert_eq!(check_every_segnatura(&t).await, 3);
    // Each step was written to the applicant, in the outbox.
    let outbox = app.store().outbox().await.unwrap();
    let (to_applicant, to_office): (Vec<_>, Vec<_>) =
        outbox.iter().partition(|n| n.recipient == "a@b.it");
    assert_eq!(
        to_applicant.len(),
        4,
        "avvio, integration request, answer received, decision"
    );
    // The assignee was told of the answer, without the applicant's words.
    assert_eq!(to_office.len(), 1);
    assert_eq!(
        to_office[0].recipient,
        "chiara.martini@comune.livorno.example"
    );
    assert!(to_office[0]
        .subject
        .starts_with("Risposta ricevuta sulla pratica"));
    assert!(to_office[0].body.contains(&format!("/staff/pratiche/{id}")));
    assert!(!to_office[0].body.contains("Ecco la polizza."));
}

#[tokio::test]
async fn a_scia_is_effective_at_once_and_conformity_suspends_its_window() {
    use sportello_app::applications::ActingFor;
    use sportello_app::back_office::OfficeAction;
    // Monday 2 March 2026.
    let clock = TestClock::new(time::macros::datetime!(2026-03-02 09:00 UTC));
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let francesco = citizen("francesco-esposito", SpidLevel::L2);
    let company = francesco.company.clone().unwrap();
    let id = app
        .applications()
        .start_application_for(
            livorno,
            "scia-esercizio-vicinato",
            &francesco,
            ActingFor::Company,
        )
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
            &francesco,
            0,
            &values(&[
                ("ragione_sociale", &company.name),
                ("partita_iva", &company.vat),
                (
                    "codice_fiscale_legale_rappresentante",
                    &francesco.fiscal_code,
                ),
                ("pec", "impresa@pec.example.invalid"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(errors, vec![]);
    app.applications()
        .upload(
            livorno,
            &id,
            &francesco,
            "planimetria",
            "planimetria.pdf",
            &app.upload_of(PDF).await.unwrap(),
        )
        .await
        .unwrap();
    let errors = app
        .applications()
        .save_step(
            livorno,
            &id,
            &francesco,
            1,
            &values(&[
                ("indirizzo", "Via Grande 50"),
                ("settore", "non_alimentare"),
                ("superficie_vendita", "80"),
                ("data_inizio", "2026-03-16"),
                ("requisiti_morali", "true"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(errors, vec![]);
    let receipt = app
        .applications()
        .submit(livorno, &id, &francesco, true)
        .await
        .unwrap();
    assert_eq!(
        receipt.case_state.label(),
        "SCIA efficace",
        "effective on filing"
    );
    // The 60-day control window's end; the conformity request must move it.
    let due_before = receipt.due.unwrap();

    let officer = |name: &str, role| sportello_app::sessions::StaffPrincipal {
        id: 0,
        username: name.into(),
        display_name: name.into(),
        ente: Some(livorno),
        roles: vec![role],
        ente_place: None,
        office: None,
    };
    let operator = officer("istruttore", sportello_domain::identity::Role::Operator);
    // Not an ordinary procedure: no avvio, no integration request.
    assert!(matches!(
        app.back_office()
            .office_act(
                &operator,
                &id,
                OfficeAction::RequestIntegration { text: "x".into() }
            )
            .await,
        Err(sportello_app::AppError::Refusal(
            sportello_app::Refusal::Transition(_)
        ))
    ));
    let actions = app
        .back_office()
        .possible_actions(&operator, &id)
        .await
        .unwrap();
    assert!(actions.contains(&sportello_domain::procedure::states::Action::RequestConformity));
    clock.advance(time::Duration::days(10));
    app.back_office()
        .office_act(
            &operator,
            &id,
            OfficeAction::RequestConformity {
                text: "Adeguare l'insegna al regolamento comunale.".into(),
            },
        )
        .await
        .unwrap();
    let case = app
        .applications()
        .applicant_case(livorno, &id, &francesco)
        .await
        .unwrap();
    assert_eq!(
        case.awaited,
        Some(sportello_app::applications::Awaited::Conformity)
    );
    assert_eq!(
        case.state.label(),
        "SCIA efficace",
        "the activity goes on meanwhile"
    );
    assert!(case.due.is_none() && case.suspended_days_left == Some(50));
    // The office's queue reads the same from the term the case keeps on its row (migration
    // 0053): suspended, 50 days left, awaiting the author; nothing overdue or due soon.
    assert!(app
        .kept_terms_that_differ(livorno)
        .await
        .unwrap()
        .is_empty());
    let open = sportello_app::back_office::QueueFilter {
        open_only: true,
        ..Default::default()
    };
    let line = open_line(app, &operator, &id).await;
    assert_eq!((line.due, line.suspended_days_left), (None, Some(50)));
    let views = app
        .back_office()
        .office_open_view_counts(&operator, &open)
        .await
        .unwrap();
    // aperte, nuove, attesa, risposte, in scadenza, scadute
    assert_eq!(
        views,
        vec![1, 0, 0, 0, 0, 0],
        "the SCIA stays effective meanwhile"
    );
    // A second request is refused.
    assert!(matches!(
        app.back_office()
            .office_act(
                &operator,
                &id,
                OfficeAction::RequestConformity {
                    text: "ancora".into()
                }
            )
            .await,
        Err(sportello_app::AppError::Refusal(
            sportello_app::Refusal::Transition(
                sportello_domain::procedure::states::TransitionError::SecondConformity
            )
        ))
    ));
    // The author answers 5 days later: the window resumes, 5 days later than before.
    clock.advance(time::Duration::days(5));
    app.applications()
        .answer(
            livorno,
            &id,
            &francesco,
            "Insegna sostituita, foto allegata.",
            vec![sportello_app::applications::AnswerFile {
                name: "insegna.pdf".into(),
                upload: app.upload_of(PDF).await.unwrap(),
            }],
        )
        .await
        .unwrap();
    let case = app
        .applications()
        .applicant_case(livorno, &id, &francesco)
        .await
        .unwrap();
    assert_eq!(case.awaited, None);
    let due_after = case.due.unwrap();
    assert!(due_after > due_before, "{due_before} → {due_after}");
    // Kept as it moved: the new due date on the office's line, and the answer awaiting it.
    assert!(app
        .kept_terms_that_differ(livorno)
        .await
        .unwrap()
        .is_empty());
    let line = open_line(app, &operator, &id).await;
    assert_eq!(line.due, Some(due_after));
    assert!(line.answered);
    let answered = sportello_app::back_office::QueueFilter {
        term: Some(sportello_app::back_office::TermView::Answered),
        ..open.clone()
    };
    let listed = app
        .back_office()
        .office_queue_page(&operator, &answered, 0, 50)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    // Days pass: due within five days, then overdue, by the date alone (nothing rewritten).
    let days_left =
        (due_after - sportello_domain::calendar::in_rome(app.now()).date()).whole_days();
    clock.advance(time::Duration::days(days_left - 3));
    let views = app
        .back_office()
        .office_open_view_counts(&operator, &open)
        .await
        .unwrap();
    assert_eq!((views[4], views[5]), (1, 0), "due soon: {views:?}");
    clock.advance(time::Duration::days(4));
    let views = app
        .back_office()
        .office_open_view_counts(&operator, &open)
        .await
        .unwrap();
    assert_eq!((views[4], views[5]), (0, 1), "overdue: {views:?}");
    // A patron saint's day on the due date moves it to the next working day, on the row too.
    let patron = due_after;
    app.set_patron_day(livorno, u8::from(patron.month()), patron.day())
        .await
        .unwrap();
    assert!(app
        .kept_terms_that_differ(livorno)
        .await
        .unwrap()
        .is_empty());
    let line = open_line(app, &operator, &id).await;
    assert!(line.due > Some(due_after), "{:?}", line.due);
    // Rows written without their term (an older process, a bulk load) are completed by the
    // jobs' pass.
    app.store()
        .tenant(livorno)
        .unkeep_open_terms(None)
        .await
        .unwrap();
    assert_eq!(
        app.kept_terms_that_differ(livorno).await.unwrap(),
        vec![id.clone()]
    );
    app.run_jobs_once("p", None).await.unwrap();
    assert!(app
        .kept_terms_that_differ(livorno)
        .await
        .unwrap()
        .is_empty());
    assert!(case
        .timeline
        .iter()
        .any(|e| e.kind.code() == "richiesta_conformazione"));
    assert!(case
        .timeline
        .iter()
        .any(|e| e.kind.code() == "conformazione"));
    // When the window passes the SCIA is consolidated by the job.
    clock.advance(time::Duration::days(70 - days_left - 1));
    let r = app.run_jobs_once("p", None).await.unwrap();
    assert_eq!(r.scia_consolidated, 1);
    let case = app
        .applications()
        .applicant_case(livorno, &id, &francesco)
        .await
        .unwrap();
    assert_eq!(case.state.label(), "archiviata");
    assert_eq!(check_every_segnatura(&t).await, 1, "the conformity request");
}

/// Case `id`'s line in the office's open queue, as `operator` reads it.
async fn open_line(
    app: &sportello_app::App,
    operator: &sportello_app::sessions::StaffPrincipal,
    id: &str,
) -> sportello_app::back_office::QueueItem {
    let open = sportello_app::back_office::QueueFilter {
        open_only: true,
        ..Default::default()
    };
    app.back_office()
        .office_queue_page(operator, &open, 0, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.id == id)
        .unwrap()
}

/// The communication of the start names as responsible the person the case is assigned to,
/// not whoever pressed the button; the application is dated the Italian way.
#[tokio::test]
async fn the_start_names_the_assignee_as_responsible() {
    let t = sportello_testkit::spawn_app().await;
    let url = &t.url;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = crate::apply::citizen("mario-rossi", sportello_domain::identity::SpidLevel::L2);
    let id = crate::apply::filled_occupation(&t, livorno, &mario).await;
    let filed = app
        .applications()
        .submit(livorno, &id, &mario, true)
        .await
        .unwrap();
    let chiara = app
        .store()
        .staff_user_by_username("livorno.istruttore")
        .await
        .unwrap()
        .unwrap();
    let officer = client();
    staff_login(&officer, url, "livorno.responsabile", false).await;
    let page = sportello_testkit::text_of(&officer, &format!("{url}/staff/pratiche/{id}")).await;
    let r = officer
        .post(format!("{url}/staff/pratiche/{id}/azioni"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("azione", "assegna"),
            ("assegnatario", chiara.id.to_string().as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let r = act(&officer, url, &id, "avvia", "").await;
    assert_eq!(r.status(), 303);
    let documents = app
        .store()
        .tenant(livorno)
        .case_documents(&id)
        .await
        .unwrap();
    let avvio = documents.first().expect("the communication of the start");
    let (_, bytes) = app
        .applications()
        .applicant_document(livorno, &id, &avvio.id, &mario)
        .await
        .unwrap();
    let text = PdfText::of(&bytes);
    let has = |s: &str| text.has(s);
    // Label and name are set apart in the PDF: «Responsabile del procedimento», then the name.
    assert!(text.has_line("Responsabile del procedimento"), "{text}");
    assert!(text.has_line("Chiara Martini"), "{text}");
    assert!(has("Il responsabile del procedimento"));
    assert!(
        text.lacks("Marco Ferri"),
        "who pressed the button is not the responsible"
    );
    // The day of registration, in Rome, as Italians write it.
    let day = &filed.registered_at[..10];
    let (y, rest) = day.split_once('-').unwrap();
    let (m, d) = rest.split_once('-').unwrap();
    assert!(
        has(&format!("/{y} del {d}/{m}/{y}")),
        "the application dated the Italian way"
    );
    t.stop().await;
}

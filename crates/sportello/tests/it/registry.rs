//! The registry clerk's desk: registering a document that came by PEC, searching, annulment
//! that needs the responsible officer, the daily register (job, download, command) and the
//! emergency register imported afterwards with both numbers.

use std::process::Command;

use sha2::{Digest, Sha256};
use sportello_testkit::{client, csrf_of, location, spawn_app_with, Options, TestClock};

use crate::authz_support::staff_login;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

async fn page(c: &reqwest::Client, url: &str) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub(crate) fn register_form(
    csrf: &str,
    subject: &str,
    with_file: bool,
) -> reqwest::multipart::Form {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("direzione", "E")
        .text(
            "corrispondente",
            "Studio Legale Bianchi, avv.bianchi@pec.example.invalid",
        )
        .text("oggetto", subject.to_string())
        .text("riferimento", "prot. 77 del 20/11/2026")
        .text("mezzo", "pec")
        .text("classificazione", "VI.1");
    if with_file {
        form.part(
            "documento",
            reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("ricorso.pdf"),
        )
        .part(
            "allegati",
            reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("foto.png"),
        )
    } else {
        form
    }
}

#[tokio::test]
async fn the_clerk_registers_searches_and_annulment_needs_the_officer() {
    let clock = TestClock::new(time::OffsetDateTime::now_utc());
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let url = &t.url;
    let clerk = client();
    staff_login(&clerk, url, "livorno.protocollo", false).await;
    let (status, form) = page(&clerk, &format!("{url}/staff/protocollo/nuova")).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&form);

    // Without the document, or without a subject: refused, what was typed is kept.
    let r = clerk
        .post(format!("{url}/staff/protocollo/nuova"))
        .multipart(register_form(&csrf, "Ricorso", false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Studio Legale Bianchi"));
    let r = clerk
        .post(format!("{url}/staff/protocollo/nuova"))
        .multipart(register_form(&csrf, "  ", true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("art. 53"));

    let r = clerk
        .post(format!("{url}/staff/protocollo/nuova"))
        .multipart(register_form(
            &csrf,
            "Ricorso contro l'ordinanza 12/2026 sui dehors",
            true,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let entry_url = format!("{url}{}", location(&r));
    let (_, entry) = page(&clerk, &entry_url).await;
    assert!(
        entry.contains("Ricorso contro l&#39;ordinanza")
            || entry.contains("Ricorso contro l'ordinanza"),
        "{entry}"
    );
    assert!(
        entry.contains("pec")
            && entry.contains("prot. 77 del 20/11/2026")
            && entry.contains("foto.png")
    );
    let digest = hex(&Sha256::digest(PDF));
    assert!(
        entry.contains(&digest),
        "the document's digest is registered"
    );
    let doc = clerk
        .get(format!("{entry_url}/documento"))
        .send()
        .await
        .unwrap();
    assert_eq!(doc.headers()["content-type"], "application/pdf");
    assert_eq!(doc.bytes().await.unwrap().as_ref(), PDF);
    let png = clerk
        .get(format!("{entry_url}/allegati/0"))
        .send()
        .await
        .unwrap();
    assert_eq!(png.bytes().await.unwrap().as_ref(), PNG);

    // Search: by subject words, correspondent, number, date range, direction.
    let today = sportello_domain::calendar::in_rome(clock_now(&t))
        .date()
        .to_string();
    for query in [
        "oggetto=ordinanza+12".to_string(),
        "corrispondente=bianchi".into(),
        "numero=1".into(),
        format!("dal={today}&al={today}"),
        "direzione=E".into(),
    ] {
        let (_, found) = page(&clerk, &format!("{url}/staff/protocollo?{query}")).await;
        assert!(found.contains("Registrazioni trovate: 1"), "{query}");
    }
    let (_, none) = page(
        &clerk,
        &format!("{url}/staff/protocollo?oggetto=condono&direzione=U"),
    )
    .await;
    assert!(none.contains("Registrazioni trovate: 0"));

    // An operator may read the register but not register.
    let operator = client();
    staff_login(&operator, url, "livorno.istruttore", false).await;
    assert_eq!(page(&operator, &entry_url).await.0, 200);
    assert_eq!(
        page(&operator, &format!("{url}/staff/protocollo/nuova"))
            .await
            .0,
        403
    );
    // Staff of another ente finds nothing; a PAAS operator has no register.
    let paas = client();
    staff_login(&paas, url, "livorno.paas", false).await;
    assert_eq!(page(&paas, &entry_url).await.0, 404);

    // Annulment: the clerk asks, with a reason; the clerk cannot authorise; the officer can.
    let entry_id = entry_url.rsplit('/').next().unwrap().to_string();
    let post = |c: &reqwest::Client, path: String, fields: Vec<(&'static str, String)>| {
        let c = c.clone();
        async move { c.post(path).form(&fields).send().await.unwrap() }
    };
    let r = post(
        &clerk,
        format!("{entry_url}/annulla"),
        vec![("csrf", csrf.clone()), ("motivo", " ".into())],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &clerk,
        format!("{entry_url}/autorizza"),
        vec![("csrf", csrf.clone())],
    )
    .await;
    assert_eq!(r.status(), 409, "the clerk cannot authorise");
    let r = post(
        &clerk,
        format!("{entry_url}/annulla"),
        vec![
            ("csrf", csrf.clone()),
            ("motivo", "Registrato due volte per errore".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, entry) = page(&clerk, &entry_url).await;
    assert!(
        entry.contains("data-testid=\"pending\"") && !entry.contains("data-testid=\"annulled\"")
    );
    let officer = client();
    staff_login(&officer, url, "livorno.responsabile", false).await;
    let (_, officer_page) = page(&officer, &entry_url).await;
    let officer_csrf = csrf_of(&officer_page);
    let r = post(
        &officer,
        format!("{entry_url}/autorizza"),
        vec![("csrf", officer_csrf.clone())],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, entry) = page(&clerk, &entry_url).await;
    assert!(
        entry.contains("data-testid=\"annulled\"")
            && entry.contains("Registrato due volte per errore")
    );
    assert!(entry.contains("Marco Ferri"), "who authorised it");
    let r = post(
        &officer,
        format!("{entry_url}/autorizza"),
        vec![("csrf", officer_csrf)],
    )
    .await;
    assert_eq!(r.status(), 409, "nothing more to authorise");

    // The annulled registration stays, unchanged; its number is never reused.
    let (_, list) = page(&clerk, &format!("{url}/staff/protocollo")).await;
    assert!(list.contains("ANNULLATA") && list.contains(&format!("/staff/protocollo/{entry_id}")));
    let r = clerk
        .post(format!("{url}/staff/protocollo/nuova"))
        .multipart(register_form(
            &csrf,
            "Ricorso, registrazione corretta",
            true,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, second) = page(&clerk, &format!("{url}{}", location(&r))).await;
    assert!(second.contains("0000002/"), "the next number follows");
    let v = t
        .app()
        .registry()
        .verify_register("049009", None)
        .await
        .unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    assert_eq!(v.registrations, 2);

    // The daily register: the next day the job produces it for every AOO, once.
    clock.advance(time::Duration::days(1));
    let first = t.app().run_jobs_once("p", None).await.unwrap();
    assert_eq!(first.daily_registers, 273);
    assert_eq!(
        t.app()
            .run_jobs_once("p", None)
            .await
            .unwrap()
            .daily_registers,
        0
    );
    // (A day later the clerk's session has expired: a new sign-in.)
    let clerk = client();
    staff_login(&clerk, url, "livorno.protocollo", false).await;
    let (_, list) = page(&clerk, &format!("{url}/staff/protocollo")).await;
    assert!(
        list.contains(&format!("/staff/protocollo/giornaliero/{today}.pdf")),
        "{}",
        &list[list.find("Registri giornalieri").unwrap_or(0)..]
    );
    let json: serde_json::Value = clerk
        .get(format!("{url}/staff/protocollo/giornaliero/{today}.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["numero_registrazioni"], 2);
    assert_eq!(json["registrazioni"][0]["annullata"], true);
    assert_eq!(json["registrazioni"][1]["annullata"], false);
    let pdf = clerk
        .get(format!("{url}/staff/protocollo/giornaliero/{today}.pdf"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    // The same register from the command line: the same bytes, and the digests printed.
    let out = t.db.scratch_dir().join("daily");
    std::fs::create_dir_all(&out).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .env("SPORTELLO__LOG__LEVEL", "warn")
        .args([
            "protocollo",
            "daily",
            "049009",
            &today,
            "--database-url",
            &t.db.url,
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let printed = String::from_utf8_lossy(&run.stdout);
    let written = std::fs::read(out.join(format!("registro-049009-{today}.json"))).unwrap();
    assert!(
        printed.contains(&hex(&Sha256::digest(&written))),
        "{printed}"
    );
    let served = clerk
        .get(format!("{url}/staff/protocollo/giornaliero/{today}.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(served.as_ref(), written.as_slice());
}

#[tokio::test]
async fn the_emergency_register_is_imported_with_both_numbers_once() {
    let t = spawn_app_with(Options::default()).await;
    let digest = hex(&Sha256::digest(PDF));
    let csv = format!(
        "numero_emergenza,data_ora,direzione,corrispondente,oggetto,impronta_sha256\n\
         E-2026-1,2026-11-20T09:30:00+01:00,arrivo,Mario Rossi,Istanza consegnata a mano,{digest}\n\
         E-2026-2,2026-11-20T11:00:00+01:00,partenza,ASL Toscana nord ovest,Trasmissione atti,{digest}\n"
    );
    let dir = t.db.scratch_dir();
    let file = dir.join("emergenza.csv");
    std::fs::write(&file, &csv).unwrap();
    let import = || {
        Command::new(env!("CARGO_BIN_EXE_sportello"))
            .env("SPORTELLO__LOG__LEVEL", "warn")
            .args([
                "protocollo",
                "emergenza",
                "049009",
                "--database-url",
                &t.db.url,
            ])
            .arg(&file)
            .output()
            .unwrap()
    };
    let out = import();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("emergenza E-2026-1 → protocollo 0000001/")
            && printed.contains("E-2026-2 → protocollo 0000002/"),
        "{printed}"
    );
    // Again: refused, nothing added.
    let again = import();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("E-2026-1 è già stato importato"));
    // A bad line: the line is named and nothing is imported.
    std::fs::write(&file, format!("numero_emergenza,data_ora,direzione,corrispondente,oggetto,impronta_sha256\nE-2026-3,2026-11-21T09:00:00+01:00,arrivo,X,Y,{digest}\nE-2026-4,ieri,arrivo,X,Y,{digest}\n")).unwrap();
    let bad = import();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("riga 3"));
    let v = t
        .app()
        .registry()
        .verify_register("049009", None)
        .await
        .unwrap();
    assert_eq!(v.registrations, 2);
    assert!(v.problems.is_empty());

    let clerk = client();
    staff_login(&clerk, &t.url, "livorno.protocollo", false).await;
    let (_, list) = page(
        &clerk,
        &format!("{}/staff/protocollo?oggetto=emergenza", t.url),
    )
    .await;
    assert!(list.contains("Registrazioni trovate: 2"));
    assert!(list.contains("registro di emergenza n. E-2026-1"));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn clock_now(t: &sportello_testkit::TestApp) -> time::OffsetDateTime {
    t.app().now()
}

/// Separation of duties (DPR 445/2000 art. 54) holds by account: one person holding both the
/// clerk's and the officer's roles may ask for an annulment but not authorise it; another
/// officer may.
#[tokio::test]
async fn who_asks_for_an_annulment_cannot_authorise_it() {
    let t = spawn_app_with(Options::default()).await;
    let url = &t.url;
    t.app()
        .identity()
        .create_staff(sportello_app::staff::NewStaff {
            istat: Some("049009".into()),
            username: "livorno.doppio".into(),
            display_name: "Protocollista e responsabile".into(),
            password: sportello_app::demo::DEMO_STAFF_PASSWORD.into(),
            roles: vec![
                sportello_domain::identity::Role::RegistryClerk,
                sportello_domain::identity::Role::ResponsibleOfficer,
            ],
            totp_secret: None,
            email: String::new(),
        })
        .await
        .unwrap();
    let both = client();
    staff_login(&both, url, "livorno.doppio", false).await;
    let (_, form) = page(&both, &format!("{url}/staff/protocollo/nuova")).await;
    let csrf = csrf_of(&form);
    let r = both
        .post(format!("{url}/staff/protocollo/nuova"))
        .multipart(register_form(&csrf, "Registrato due volte", true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let entry_url = format!("{url}{}", location(&r));
    let r = both
        .post(format!("{entry_url}/annulla"))
        .form(&[("csrf", csrf.as_str()), ("motivo", "Doppione")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = both
        .post(format!("{entry_url}/autorizza"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("non può autorizzarlo"));
    let (_, entry) = page(&both, &entry_url).await;
    assert!(
        entry.contains("data-testid=\"pending\"") && !entry.contains("data-testid=\"annulled\"")
    );
    let officer = client();
    staff_login(&officer, url, "livorno.responsabile", false).await;
    let (_, officer_page) = page(&officer, &entry_url).await;
    let r = officer
        .post(format!("{entry_url}/autorizza"))
        .form(&[("csrf", csrf_of(&officer_page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

/// The clerk routes a registered document to an office; the office finds it on its desk and
/// takes it in charge, once; whoever delivered it gets a receipt.
#[tokio::test]
async fn the_clerk_routes_a_document_and_the_office_takes_it() {
    let t = sportello_testkit::spawn_app().await;
    let url = &t.url;
    let clerk = client();
    staff_login(&clerk, url, "livorno.protocollo", false).await;
    let (_, form) = page(&clerk, &format!("{url}/staff/protocollo/nuova")).await;
    let r = clerk
        .post(format!("{url}/staff/protocollo/nuova"))
        .multipart(register_form(
            &csrf_of(&form),
            "Esposto sul cantiere di via Grande",
            true,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let entry_url = format!("{url}{}", location(&r));
    let (_, entry) = page(&clerk, &entry_url).await;
    assert!(entry.contains("Non ancora smistato"));
    // It waits on the clerk's desk among the incoming documents to route.
    let (_, clerk_desk) = page(&clerk, &format!("{url}/staff/")).await;
    assert!(
        clerk_desk.contains("data-testid=\"desk-to-route\"")
            && clerk_desk.contains("Esposto sul cantiere"),
        "{clerk_desk}"
    );
    // An office that is not the ente's is refused; then the building office.
    let post = |c: &reqwest::Client, path: &str, fields: Vec<(&'static str, String)>| {
        let c = c.clone();
        let to = format!("{entry_url}/{path}");
        async move { c.post(to).form(&fields).send().await.unwrap() }
    };
    let r = post(
        &clerk,
        "smista",
        vec![("csrf", csrf_of(&entry)), ("ufficio", "NESSUNO".into())],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &clerk,
        "smista",
        vec![("csrf", csrf_of(&entry)), ("ufficio", String::new())],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Scegli l&#39;ufficio a cui smistare"));
    let r = post(
        &clerk,
        "smista",
        vec![("csrf", csrf_of(&entry)), ("ufficio", "SUE".into())],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, entry) = page(&clerk, &format!("{entry_url}?smistato=1")).await;
    assert!(
        entry.contains("Sportello Unico per l") && entry.contains("Non ancora preso in carico")
    );
    // Whoever delivered it by hand gets a receipt with the number.
    let pdf = clerk
        .get(format!("{entry_url}/ricevuta.pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    let pdf = pdf.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF") && crate::casework::PdfText::of(&pdf).has("Ricevuta "));
    // The office's desk lists it; the operator takes it, once.
    let operator = client();
    staff_login(&operator, url, "livorno.istruttore", false).await;
    let (_, desk) = page(&operator, &format!("{url}/staff/")).await;
    assert!(
        desk.contains("data-testid=\"desk-routed\"") && desk.contains("Esposto sul cantiere"),
        "{desk}"
    );
    let (_, entry) = page(&operator, &entry_url).await;
    assert!(entry.contains("Prendi in carico"));
    let operator_csrf = csrf_of(&entry);
    let r = post(
        &operator,
        "presa-in-carico",
        vec![("csrf", operator_csrf.clone())],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, entry) = page(&operator, &entry_url).await;
    assert!(entry.contains("Preso in carico da Chiara Martini"));
    let (_, desk) = page(&operator, &format!("{url}/staff/")).await;
    let waiting = desk
        .split("data-testid=\"desk-routed\"")
        .nth(1)
        .map(|rest| rest.split("</ul>").next().unwrap_or_default().to_string())
        .unwrap_or_default();
    assert!(
        !waiting.contains("Esposto sul cantiere"),
        "no longer waiting"
    );
    assert!(
        desk.contains("data-testid=\"desk-taken\"") && desk.contains("Esposto sul cantiere"),
        "among the documents she took in charge"
    );
    // Only the clerk routes; a document taken in charge is not routed again; the clerk does
    // not take documents in charge.
    let r = post(
        &operator,
        "smista",
        vec![("csrf", operator_csrf), ("ufficio", "PM".into())],
    )
    .await;
    assert_ne!(r.status(), 303);
    let (_, entry) = page(&clerk, &entry_url).await;
    assert!(
        !entry.contains("name=\"ufficio\""),
        "no routing form once taken"
    );
    let r = post(
        &clerk,
        "smista",
        vec![("csrf", csrf_of(&entry)), ("ufficio", "PM".into())],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("già stato preso in carico"));
    let (_, clerk_desk) = page(&clerk, &format!("{url}/staff/")).await;
    assert!(
        !clerk_desk.contains("Esposto sul cantiere"),
        "routed: off the list"
    );
    t.stop().await;
}

/// A document routed to an office waits for that office's people: someone of another office
/// neither sees it on the desk nor takes it; someone of no office sees every office's. The
/// ente's administrator chooses who is in each office.
#[tokio::test]
async fn routed_documents_wait_for_their_office() {
    let t = sportello_testkit::spawn_app().await;
    let url = &t.url;
    let clerk = client();
    staff_login(&clerk, url, "livorno.protocollo", false).await;
    let mut entries = Vec::new();
    for (subject, office) in [
        ("Parere ASL su via Roma 12", "SUE"),
        ("Viabilità del 12 dicembre", "PM"),
    ] {
        let (_, form) = page(&clerk, &format!("{url}/staff/protocollo/nuova")).await;
        let r = clerk
            .post(format!("{url}/staff/protocollo/nuova"))
            .multipart(register_form(&csrf_of(&form), subject, true))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let entry_url = format!("{url}{}", location(&r));
        let (_, entry) = page(&clerk, &entry_url).await;
        let r = clerk
            .post(format!("{entry_url}/smista"))
            .form(&[("csrf", csrf_of(&entry)), ("ufficio", office.into())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        entries.push(entry_url);
    }
    // Elena Fabbri works in the building office (SUE): only its document is hers.
    let elena = client();
    staff_login(&elena, url, "livorno.sue", false).await;
    let (_, desk) = page(&elena, &format!("{url}/staff/")).await;
    assert!(desk.contains("Parere ASL su via Roma 12"), "{desk}");
    assert!(!desk.contains("Viabilità del 12 dicembre"), "{desk}");
    let (_, entry) = page(&elena, &entries[1]).await;
    assert!(
        !entry.contains("Prendi in carico"),
        "not offered to another office"
    );
    let r = elena
        .post(format!("{}/presa-in-carico", entries[1]))
        .form(&[("csrf", csrf_of(&desk))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("smistato a un altro ufficio"));
    // Chiara Martini is in no office: every office's documents wait for her too.
    let chiara = client();
    staff_login(&chiara, url, "livorno.istruttore", false).await;
    let (_, desk) = page(&chiara, &format!("{url}/staff/")).await;
    assert!(
        desk.contains("Parere ASL su via Roma 12") && desk.contains("Viabilità del 12 dicembre")
    );
    // The administrator puts her in the local police (PM): then only its documents are hers.
    let admin = client();
    staff_login(&admin, url, "livorno.admin", true).await;
    let (_, office) = page(&admin, &format!("{url}/staff/ente/uffici/PM")).await;
    assert!(office.contains("data-testid=\"office-people\""), "{office}");
    assert!(
        office.contains("Elena Fabbri <span class=\"text-muted\">(ora in:"),
        "{office}"
    );
    let chiara_id = t
        .app()
        .store()
        .staff_user_by_username("livorno.istruttore")
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = admin
        .post(format!("{url}/staff/ente/uffici/PM/persone"))
        .form(&[
            ("csrf", csrf_of(&office)),
            ("persona", chiara_id.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, office) = page(&admin, &format!("{url}/staff/ente/uffici/PM?persone=1")).await;
    assert!(office.contains(&format!(
        "value=\"{chiara_id}\" id=\"persona-{chiara_id}\" checked"
    )));
    // Someone of another ente is refused, and nothing changes.
    let other = t
        .app()
        .store()
        .staff_user_by_username("firenze.responsabile")
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = admin
        .post(format!("{url}/staff/ente/uffici/PM/persone"))
        .form(&[("csrf", csrf_of(&office)), ("persona", other.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let chiara_again = client();
    staff_login(&chiara_again, url, "livorno.istruttore", false).await;
    let (_, desk) = page(&chiara_again, &format!("{url}/staff/")).await;
    assert!(desk.contains("Viabilità del 12 dicembre"), "{desk}");
    assert!(!desk.contains("Parere ASL su via Roma 12"), "{desk}");
    t.stop().await;
}

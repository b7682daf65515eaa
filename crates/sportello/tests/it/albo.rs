//! The albo pretorio (issue 18): an office asks to publish a deliberation whose text holds
//! personal data; the privacy check names it; the one who asked cannot publish it, the
//! publication officer can — after confirming; anyone reads it on the board, finds it by its
//! words, follows it in the AlboPOP feed and downloads its documents; an annulled act stays
//! listed as annulled; at the end of the period it leaves the board by itself, its documents
//! are no longer served (410), its relata is sealed and registered in the protocol; an outage
//! measured between heartbeats lengthens the period; the chain verifies.

use sportello_app::pdf::{render, Line};
use sportello_testkit::{client, csrf_of, location, spawn_app_with, Options, TestClock};

use crate::authz_support::staff_login_at;

/// The request's id in the desk's address it was sent to (`/staff/albo/7?inviata=1`).
fn id_in(location: &str) -> String {
    let path = location.split('?').next().unwrap_or_default();
    path.rsplit('/').next().unwrap_or_default().to_string()
}

/// A PDF act whose text says `words`.
fn act_pdf(title: &str, words: &str) -> Vec<u8> {
    render(
        title,
        &[Line::Title(title.into()), Line::Text(words.into())],
    )
}

async fn request(
    c: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
    document: Option<Vec<u8>>,
) -> reqwest::Response {
    request_file(c, url, fields, document.map(|d| (d, "delibera.pdf"))).await
}

/// A request whose document has this name (a PDF, or a signed `.p7m`).
async fn request_file(
    c: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
    document: Option<(Vec<u8>, &str)>,
) -> reqwest::Response {
    let page = sportello_testkit::text_of(c, &format!("{url}/staff/albo/nuova")).await;
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf_of(&page));
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((bytes, name)) = document {
        form = form.part(
            "documento",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    c.post(format!("{url}/staff/albo/nuova"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn publish(c: &reqwest::Client, url: &str, id: &str, confirm: bool) -> reqwest::Response {
    publish_with(c, url, id, confirm, None).await
}

async fn publish_with(
    c: &reqwest::Client,
    url: &str,
    id: &str,
    confirm: bool,
    extract: Option<Vec<u8>>,
) -> reqwest::Response {
    // The token of the staff home's sign-out form: whoever is signed in has one.
    let page = sportello_testkit::text_of(c, &format!("{url}/staff/")).await;
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf_of(&page));
    if confirm {
        form = form.text("confermo", "1");
    }
    if let Some(pdf) = extract {
        form = form.part(
            "estratto",
            reqwest::multipart::Part::bytes(pdf).file_name("estratto.pdf"),
        );
    }
    c.post(format!("{url}/staff/albo/{id}/pubblica"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_act_is_published_read_by_anyone_and_leaves_the_board_with_its_relata() {
    let start = time::macros::datetime!(2026-03-03 09:15 UTC);
    let clock = TestClock::new(start);
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let url = &t.url;
    let office = client();
    staff_login_at(&office, url, "livorno.istruttore", false, start).await;

    // A request with nothing right: every problem named, nothing written.
    let r = request(
        &office,
        url,
        &[("tipo", "delibera-giunta"), ("giorni", "10")],
        None,
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    for said in [
        "Scrivi l&#39;oggetto dell&#39;atto",
        "Indica chi chiede la pubblicazione.",
        "la legge prevede 15 giorni",
        "Allega il documento principale: un PDF, o il file firmato digitalmente (.p7m)",
    ] {
        assert!(page.contains(said), "{said}: {page}");
    }

    // A deliberation whose text names a person by codice fiscale and speaks of a disability.
    let text = "La Giunta delibera il contributo al sig. Mario Rossi, codice fiscale \
                RSSMRA80A01E625I, per la disabilità certificata. Lavori di manutenzione \
                straordinaria della scuola Carducci.";
    let act = act_pdf("Deliberazione della Giunta n. 42", text);
    // The extract the officer publishes instead: no health data, the codice fiscale still in.
    let extract = act_pdf(
        "Deliberazione della Giunta n. 42 (estratto)",
        "La Giunta delibera il contributo al beneficiario, codice fiscale RSSMRA80A01E625I. \
         Lavori di manutenzione straordinaria della scuola Carducci.",
    );
    let digest: String = {
        use sha2::Digest as _;
        sha2::Sha256::digest(&extract)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let r = request(
        &office,
        url,
        &[
            ("tipo", "delibera-giunta"),
            (
                "oggetto",
                "Manutenzione straordinaria della scuola Carducci: contributi",
            ),
            ("numero_atto", "42"),
            ("data_atto", "2026-03-02"),
            ("richiedente", "Ufficio Lavori pubblici"),
            ("responsabile", "Ing. Paola Verdi"),
        ],
        Some(act.clone()),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let desk = location(&r);
    let id = id_in(&desk);
    let page = sportello_testkit::text_of(&office, &format!("{url}{desk}")).await;
    assert!(
        page.contains("data-testid=\"albo-sent\""),
        "the office is told what happens next"
    );
    assert!(page.contains("data-testid=\"albo-findings\""), "{page}");
    assert!(page.contains("Codice fiscale") && page.contains("RSSMRA80A01E625I"));
    assert!(page.contains("Dato sulla salute") && page.contains("non pubblicabile"));
    // Not on the board yet.
    let anyone = client();
    let board = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo")).await;
    assert!(board.contains("data-testid=\"albo-empty\""), "{board}");
    // The operator may not publish (403, before the body is read).
    let r = publish(&office, url, &id, true).await;
    assert_eq!(r.status(), 403);

    // The publication officer: health data is never published, confirmed or not — only an
    // extract without it; the extract's codice fiscale must be confirmed as weighed.
    let officer = client();
    staff_login_at(&officer, url, "livorno.albo", false, start).await;
    for confirm in [false, true] {
        let r = publish(&officer, url, &id, confirm).await;
        assert_eq!(r.status(), 409);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("dati sulla salute, che non si pubblicano mai"));
    }
    let r = publish_with(&officer, url, &id, false, Some(extract.clone())).await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("ha trovato dati personali"));
    let r = publish_with(&officer, url, &id, true, Some(extract.clone())).await;
    assert_eq!(r.status(), 303);
    let page = sportello_testkit::text_of(&officer, &format!("{url}/staff/albo/{id}")).await;
    assert!(
        page.contains("data-testid=\"albo-number\">2026/0001<"),
        "{page}"
    );
    // Published once: again is refused.
    let r = publish(&officer, url, &id, true).await;
    assert_eq!(r.status(), 409);

    // Anyone reads it, without signing in; the board is not for search engines.
    let r = anyone
        .get(format!("{url}/livorno/albo"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-robots-tag"], "noindex");
    let board = r.text().await.unwrap();
    assert!(board.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(board.contains("Manutenzione straordinaria della scuola Carducci"));
    assert!(board.contains("2026/0001"));
    // Found by its register number as shown, or written as protocol numbers are…
    for q in ["2026/0001", "1/2026", "0001/2026"] {
        let page = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo?q={q}")).await;
        assert_eq!(
            page.matches("data-testid=\"albo-entry\"").count(),
            1,
            "{q}: {page}"
        );
    }
    // …by its words (accents and case aside), not by others; by type.
    for (q, found) in [
        ("carducci", true),
        ("manutenzione scuola", true),
        ("CONTRIBUTI", true),
        ("deliberazione giunta", true),
        ("fognatura", false),
    ] {
        let page = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo?q={q}")).await;
        assert_eq!(page.contains("2026/0001"), found, "{q}");
    }
    let page =
        sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo?tipo=ordinanza")).await;
    assert!(!page.contains("2026/0001"));
    // The entry: executive on the eleventh day of publication (3 March → 13 March).
    let entry = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo/2026/0001")).await;
    assert!(entry.contains("Esecutiva dal 13/03/2026"), "{entry}");
    assert!(
        entry.contains("03/03/2026") && entry.contains("17/03/2026"),
        "fifteen days: {entry}"
    );
    let pdf = anyone
        .get(format!("{url}/livorno/albo/2026/0001/documenti/0"))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    // Anyone with the document checks it was published, and when.
    let check = sportello_testkit::text_of(
        &anyone,
        &format!(
            "{url}/livorno/albo/verifica?impronta={}",
            digest.to_uppercase()
        ),
    )
    .await;
    assert!(
        check.contains("data-testid=\"albo-verify-found\"") && check.contains("2026/0001"),
        "{check}"
    );
    assert!(
        check.contains("La catena degli eventi dell&#39;albo è integra"),
        "{check}"
    );
    // Pasted as `sha256sum` prints it: the digest, two spaces, the file's name.
    let pasted = sportello_testkit::text_of(
        &anyone,
        &format!("{url}/livorno/albo/verifica?impronta={digest}%20%20delibera.pdf"),
    )
    .await;
    assert!(
        pasted.contains("data-testid=\"albo-verify-found\""),
        "{pasted}"
    );
    let none = sportello_testkit::text_of(
        &anyone,
        &format!("{url}/livorno/albo/verifica?impronta={}", "0".repeat(64)),
    )
    .await;
    assert!(none.contains("data-testid=\"albo-verify-none\""));
    let r = anyone
        .get(format!("{url}/livorno/albo/verifica?impronta=abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // The API: the same act as data, its document's digest and address while online.
    let api: serde_json::Value = anyone
        .get(format!("{url}/api/v1/enti/049009/albo?q=carducci"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(api[0]["register"], "2026/0001", "{api}");
    assert_eq!(api[0]["executive_from"], "2026-03-13");
    assert_eq!(api[0]["document"]["sha256"], digest.as_str());
    assert!(api[0]["document"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/livorno/albo/2026/0001/documenti/0"));
    for query in ["tipo=nessuno", "storico=", "storico=1"] {
        let bad = anyone
            .get(format!("{url}/api/v1/enti/049009/albo?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422, "{query}");
        assert_eq!(bad.headers()["content-type"], "application/problem+json");
    }
    // The AlboPOP feed.
    let feed = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo/feed.xml")).await;
    assert!(feed.contains("<rss version=\"2.0\""), "{feed}");
    assert!(
        feed.contains("http://albopop.it/specs#item-category-uid\">049009-2026/0001<"),
        "{feed}"
    );
    assert!(feed.contains("/livorno/albo/2026/0001/documenti/0"));
    let region =
        sportello_testkit::text_of(&anyone, &format!("{url}/albo/feed.xml?q=carducci")).await;
    assert!(region.contains("2026/0001"), "{region}");

    // The jobs beat every minute; ten minutes without a beat is an outage of nine minutes,
    // added to the period.
    let app = t.app();
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(report.albo.beats, 1);
    clock.advance(time::Duration::minutes(10));
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(
        (report.albo.outages, report.albo.lengthened),
        (1, 1),
        "{report:?}"
    );
    let entry = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo/2026/0001")).await;
    assert!(
        entry.contains(
            "data-testid=\"albo-outage\">Prolungato per interruzioni del servizio di 9 minuti"
        ),
        "{entry}"
    );

    // The end of the period: off the board, documents gone (410), in the historic register;
    // the relata sealed and registered in the protocol.
    clock.advance(time::Duration::days(15));
    let report = app.run_jobs_once("test", None).await.unwrap();
    assert_eq!(report.albo.ended, 1);
    let board = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo")).await;
    assert!(!board.contains("2026/0001"));
    let gone = anyone
        .get(format!("{url}/livorno/albo/2026/0001/documenti/0"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 410);
    assert!(gone.text().await.unwrap().contains("accesso agli atti"));
    let history = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo/storico")).await;
    assert!(history.contains("2026/0001"));
    staff_login_at(
        &officer,
        url,
        "livorno.albo",
        false,
        start + time::Duration::minutes(10) + time::Duration::days(15),
    )
    .await;
    let page = sportello_testkit::text_of(&officer, &format!("{url}/staff/albo/{id}")).await;
    assert!(page.contains("registrata al protocollo n."), "{page}");
    let relata = officer
        .get(format!("{url}/staff/albo/{id}/documenti/relata"))
        .send()
        .await
        .unwrap();
    assert_eq!(relata.status(), 200);
    let relata = relata.bytes().await.unwrap();
    let text = crate::casework::PdfText::of(&relata);
    for said in [
        "Relata di pubblicazione",
        "Numero di registro dell'albo 2026/0001",
        "Ufficio Lavori pubblici",
        "Periodo prolungato di 9 minuti",
        "Esecutiva dal 13/03/2026",
        "Sigillo elettronico dell'ente",
    ] {
        assert!(text.has(said), "{said}: {text}");
    }
    // The chain holds: published, beats, outage, ended.
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let (events, faults) = app.albo().verify(livorno).await.unwrap();
    assert!(events >= 5 && faults.is_empty(), "{events} {faults:?}");
    t.stop().await;
}

#[tokio::test]
async fn an_annulled_act_stays_listed_and_another_ente_never_sees_it() {
    let start = time::macros::datetime!(2026-05-04 08:00 UTC);
    let clock = TestClock::new(start);
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let url = &t.url;
    // The registry clerk asks for a third party's act: a court's notice.
    let clerk = client();
    staff_login_at(&clerk, url, "livorno.protocollo", false, start).await;
    let r = request(
        &clerk,
        url,
        &[
            ("tipo", "atto-terzi"),
            ("oggetto", "Avviso di deposito del Tribunale di Livorno"),
            ("richiedente", "Tribunale di Livorno"),
            ("responsabile", "Cancelleria civile"),
            ("giorni", "20"),
        ],
        Some(act_pdf("Avviso", "Avviso di deposito di atti giudiziari.")),
    )
    .await;
    assert_eq!(r.status(), 303);
    let id = id_in(&location(&r));
    let officer = client();
    staff_login_at(&officer, url, "livorno.albo", false, start).await;
    let page = sportello_testkit::text_of(&officer, &format!("{url}/staff/albo/{id}")).await;
    assert!(page.contains("data-testid=\"albo-no-findings\""), "{page}");
    assert_eq!(publish(&officer, url, &id, false).await.status(), 303);
    // Annulled, with a reason: listed, marked.
    let page = sportello_testkit::text_of(&officer, &format!("{url}/staff/albo/{id}")).await;
    let r = officer
        .post(format!("{url}/staff/albo/{id}/annulla"))
        .form(&[("csrf", csrf_of(&page).as_str()), ("motivo", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a reason is needed");
    let reason = "Pubblicato per errore: l'atto riguarda il Comune di Collesalvetti";
    let r = officer
        .post(format!("{url}/staff/albo/{id}/annulla"))
        .form(&[("csrf", csrf_of(&page).as_str()), ("motivo", reason)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "and a confirmation: it cannot be undone");
    let page = r.text().await.unwrap();
    assert!(page.contains("non si può revocare"));
    // What was typed is kept, and the box to tick is the one marked.
    assert!(
        page.contains("riguarda il Comune di Collesalvetti</textarea>"),
        "{page}"
    );
    assert!(page.contains("id=\"conferma-problem\""), "{page}");
    let r = officer
        .post(format!("{url}/staff/albo/{id}/annulla"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("motivo", reason),
            ("conferma", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let anyone = client();
    let board = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo")).await;
    assert!(
        board.contains("annullato") && board.contains("Tribunale di Livorno"),
        "{board}"
    );
    assert!(
        board.contains("Annullato: Pubblicato per errore"),
        "not shown as running: {board}"
    );
    // The feed says so, with no document to fetch; the API gives no document address; the
    // act's page and the verification say when it was annulled.
    let feed = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo/feed.xml")).await;
    let item = feed
        .split("<item>")
        .nth(1)
        .expect("the annulled act is in the feed");
    assert!(item.contains("<title>ANNULLATO — "), "{item}");
    assert!(
        item.contains("Pubblicazione annullata: Pubblicato per errore"),
        "{item}"
    );
    assert!(!item.contains("<enclosure"), "{item}");
    let acts: Vec<serde_json::Value> = anyone
        .get(format!("{url}/api/v1/enti/049009/albo"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(acts[0]["state"], "annulled");
    assert!(acts[0]["document"]["url"].is_null(), "{acts:?}");
    let page = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo/2026/0001")).await;
    assert!(page.contains("annullato il "), "{page}");
    // Its documents are no longer served.
    let gone = anyone
        .get(format!("{url}/livorno/albo/2026/0001/documenti/0"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 410);
    let entry = sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo/2026/0001")).await;
    assert!(entry.contains("Pubblicato per errore"), "{entry}");
    // Firenze's board does not have it; Firenze's staff cannot open it.
    let firenze = sportello_testkit::text_of(&anyone, &format!("{url}/firenze/albo")).await;
    assert!(!firenze.contains("Tribunale di Livorno"));
    let other = client();
    staff_login_at(&other, url, "firenze.responsabile", false, start).await;
    let r = other
        .get(format!("{url}/staff/albo/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    t.stop().await;
}

#[tokio::test]
async fn albo_verify_catches_changes_made_behind_the_programs_back() {
    let t = sportello_testkit::spawn_app().await;
    let url = &t.url;
    let now = time::OffsetDateTime::now_utc();
    let clerk = client();
    staff_login_at(&clerk, url, "livorno.protocollo", false, now).await;
    let officer = client();
    staff_login_at(&officer, url, "livorno.albo", false, now).await;
    for subject in [
        "Avviso di asta pubblica per la vendita di un immobile",
        "Avviso di deposito del piano attuativo",
    ] {
        let r = request(
            &clerk,
            url,
            &[
                ("tipo", "avviso"),
                ("oggetto", subject),
                ("richiedente", "Ufficio Patrimonio"),
                ("responsabile", "Dott. Carlo Neri"),
            ],
            Some(act_pdf("Avviso", subject)),
        )
        .await;
        assert_eq!(r.status(), 303);
        let id = id_in(&location(&r));
        assert_eq!(publish(&officer, url, &id, false).await.status(), 303);
    }
    let verify = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sportello"))
            .args(["albo", "verify", "049009", "--database-url", &t.db.url])
            .env("SPORTELLO__LOG__LEVEL", "warn")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = verify();
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("albo 049009: 2 eventi, catena integra"),
        "{out}"
    );
    // The database refuses to change an event…
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&t.db.url)
        .await
        .unwrap();
    assert!(
        sqlx::query("UPDATE albo_events SET detail = 'x' WHERE seq = 1")
            .execute(&mut conn)
            .await
            .is_err()
    );
    assert!(sqlx::query("DELETE FROM albo_events WHERE seq = 2")
        .execute(&mut conn)
        .await
        .is_err());
    // …so someone with full access disables the guard and rewrites when the first was
    // published: the chain shows it.
    let disable: &[&str] = match t.db.backend {
        sportello_store::Backend::Sqlite => &[
            "DROP TRIGGER albo_events_no_update",
            "DROP TRIGGER albo_events_no_delete",
        ],
        sportello_store::Backend::Postgres => {
            &["DROP TRIGGER albo_events_no_update ON albo_events"]
        }
    };
    for statement in disable {
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    }
    sqlx::query("UPDATE albo_events SET at_ms = at_ms - 86400000 WHERE seq = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    let (ok, out, err) = verify();
    assert!(!ok);
    assert!(out.contains("evento 1: dati modificati"), "{out}");
    assert!(err.contains("non è integro"), "{err}");
    t.stop().await;
}

/// The register and its searches are paged newest first, each page starting where the last
/// ended (on the portal and in the API), with nothing repeated or left out.
#[tokio::test]
async fn the_register_is_paged_newest_first_without_repeats_or_gaps() {
    let t = sportello_testkit::spawn_app().await;
    let url = &t.url;
    let livorno = t.app().ente_by_istat("049009").await.unwrap();
    let day_ms = 86_400_000i64;
    let start = sportello_store::to_millis(time::OffsetDateTime::now_utc()) - 400 * day_ms;
    let acts: Vec<sportello_store::BulkAlboAct> = (0..120i64)
        .map(|i| {
            let start_ms = start + i * day_ms;
            sportello_store::BulkAlboAct {
                ente_id: livorno.id,
                year: 2020,
                number: i + 1,
                act_type: if i % 2 == 0 {
                    "determinazione"
                } else {
                    "avviso"
                },
                subject: format!("Manutenzione del parco numero {}", i + 1),
                requester: "Ufficio Verde",
                start_ms,
                end_ms: start_ms + 15 * day_ms,
                state: "ended",
                board_key: start_ms * 10_000,
            }
        })
        .collect();
    t.app().store().albo_bulk_insert(&acts).await.unwrap();
    let anyone = client();
    // Follows the «earlier publications» links from `first`; the register numbers shown.
    let walk = |first: String| {
        let anyone = anyone.clone();
        async move {
            let mut numbers = Vec::new();
            let mut pages = 0;
            let mut next = Some(first);
            while let Some(page) = next.take() {
                pages += 1;
                let html = sportello_testkit::text_of(&anyone, &format!("{url}{page}")).await;
                numbers.extend(
                    html.split("2020/")
                        .skip(1)
                        .filter_map(|s| s.get(..4)?.parse::<i64>().ok()),
                );
                next = html
                    .split("data-testid=\"albo-next\"")
                    .next()
                    .filter(|_| html.contains("data-testid=\"albo-next\""))
                    .and_then(|s| s.rsplit("href=\"").next())
                    .and_then(|s| s.split('"').next())
                    .map(|s| s.replace("&#38;", "&").replace("&amp;", "&"));
                assert!(pages < 10, "the pages never end: {next:?}");
            }
            numbers.dedup(); // each entry shows its number in its badge and its link
            (pages, numbers)
        }
    };
    let (pages, numbers) = walk("/livorno/albo/storico".into()).await;
    assert_eq!(pages, 3);
    assert_eq!(numbers, (1..=120).rev().collect::<Vec<_>>());
    // A search walks the words' matches the same way; a filter keeps to its type.
    let (pages, numbers) = walk("/livorno/albo/storico?q=parco+manutenzione".into()).await;
    assert_eq!(pages, 3);
    assert_eq!(numbers, (1..=120).rev().collect::<Vec<_>>());
    let (pages, numbers) = walk("/livorno/albo/storico?q=parco&tipo=avviso".into()).await;
    assert_eq!(pages, 2);
    assert_eq!(
        numbers,
        (1..=120).rev().filter(|n| n % 2 == 0).collect::<Vec<_>>()
    );
    // The API: a page of 200 holds them all, with no next page; a bad place is refused.
    let r = anyone
        .get(format!(
            "{url}/api/v1/enti/049009/albo?storico=true&q=parco"
        ))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("link").is_none());
    let acts: Vec<serde_json::Value> = r.json().await.unwrap();
    assert_eq!(acts.len(), 120);
    assert_eq!(acts[0]["register"], "2020/0120");
    let r = anyone
        .get(format!(
            "{url}/api/v1/enti/049009/albo?storico=true&prima=x"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    t.stop().await;
}

/// An ente chooses its default periods within the law: the publication officer sets them, a
/// period the law does not allow is refused with nothing saved, and a request that names no
/// period gets the ente's.
#[tokio::test]
async fn an_ente_sets_its_default_periods_within_the_law() {
    let t = sportello_testkit::spawn_app().await;
    let url = &t.url;
    let now = time::OffsetDateTime::now_utc();
    let officer = client();
    staff_login_at(&officer, url, "livorno.albo", false, now).await;
    let form = sportello_testkit::text_of(&officer, &format!("{url}/staff/albo/periodi")).await;
    assert!(form.contains("Determinazione dirigenziale"), "{form}");
    assert!(form.contains("15–30 giorni"), "{form}");
    let post = |fields: Vec<(String, String)>| {
        let officer = officer.clone();
        let csrf = csrf_of(&form);
        async move {
            let mut all = vec![("csrf".to_string(), csrf)];
            all.extend(fields);
            officer
                .post(format!("{url}/staff/albo/periodi"))
                .form(&all)
                .send()
                .await
                .unwrap()
        }
    };
    let every = |changes: &[(&str, &str)]| -> Vec<(String, String)> {
        sportello_domain::albo::ACT_TYPES
            .iter()
            .map(|a| {
                let days = changes
                    .iter()
                    .find(|(c, _)| *c == a.code)
                    .map(|(_, d)| d.to_string())
                    .unwrap_or_else(|| a.default_days.to_string());
                (format!("giorni_{}", a.code), days)
            })
            .collect()
    };
    // Beyond the law (a deliberation is 15 days, a determinazione at most 30): refused, the
    // field named, nothing saved.
    for bad in [
        every(&[("delibera-giunta", "20"), ("determinazione", "30")]),
        every(&[("determinazione", "31")]),
        every(&[("determinazione", "tanti")]),
    ] {
        let r = post(bad).await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("Nulla è stato salvato"), "{page}");
        assert!(page.contains("aria-invalid=\"true\""), "{page}");
    }
    let form = sportello_testkit::text_of(&officer, &format!("{url}/staff/albo/periodi")).await;
    assert!(form.contains("id=\"giorni_determinazione\" name=\"giorni_determinazione\" inputmode=\"numeric\" maxlength=\"3\" value=\"15\""), "{form}");
    // Within it: saved.
    let r = post(every(&[("determinazione", "30")])).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/albo/periodi?salvato=1");
    // An office asks to publish a determinazione and names no period: 30 days.
    let clerk = client();
    staff_login_at(&clerk, url, "livorno.protocollo", false, now).await;
    let new = sportello_testkit::text_of(&clerk, &format!("{url}/staff/albo/nuova")).await;
    assert!(
        new.contains("Determinazione dirigenziale — 30 giorni (15–30)"),
        "{new}"
    );
    let r = request(
        &clerk,
        url,
        &[
            ("tipo", "determinazione"),
            ("oggetto", "Impegno di spesa per la manutenzione del verde"),
            ("richiedente", "Ufficio Ambiente"),
            ("responsabile", "Dott.ssa Anna Verdi"),
        ],
        Some(act_pdf("Determinazione", "Impegno di spesa")),
    )
    .await;
    assert_eq!(r.status(), 303);
    let entry = sportello_testkit::text_of(&clerk, &format!("{url}{}", location(&r))).await;
    assert!(entry.contains("30 giorni"), "{entry}");

    // A type of the ente's own: added with a period within «altro atto»'s bounds, a second of
    // the same name or a period beyond them refused.
    let add = |name: &str, days: &str| {
        let officer = officer.clone();
        let fields = vec![
            ("csrf".to_string(), csrf_of(&form)),
            ("nome".to_string(), name.to_string()),
            ("giorni".to_string(), days.to_string()),
        ];
        async move {
            officer
                .post(format!("{url}/staff/albo/tipi"))
                .form(&fields)
                .send()
                .await
                .unwrap()
        }
    };
    let r = add("  Avviso di  deposito ", "20").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/albo/periodi?aggiunto=1");
    for (name, days, said) in [
        ("avviso di deposito", "20", "già un tipo con questo nome"),
        ("Ordinanza", "20", "già un tipo con questo nome"),
        ("Verbale di gara", "400", "tra 1 e 365"),
        (" — ", "20", "almeno una lettera"),
    ] {
        let r = add(name, days).await;
        assert_eq!(r.status(), 422, "{name}");
        let page = r.text().await.unwrap();
        assert!(page.contains(said), "{name}: {page}");
        assert!(
            page.contains("Il nuovo tipo non è stato aggiunto"),
            "{page}"
        );
        assert!(page.contains("aria-invalid=\"true\""), "{page}");
    }
    // A client that lists no types in use leaves them as they were; the form lists them, and
    // the ordinanza is switched off.
    let types = sportello_testkit::text_of(&officer, &format!("{url}/staff/albo/periodi")).await;
    assert!(types.contains("id=\"giorni_ente-avviso-di-deposito\" name=\"giorni_ente-avviso-di-deposito\" inputmode=\"numeric\" maxlength=\"3\" value=\"20\""), "{types}");
    let mut fields = every(&[("determinazione", "30")]);
    fields.push(("giorni_ente-avviso-di-deposito".into(), "20".into()));
    fields.push(("tipi_in_uso".into(), "1".into()));
    for a in sportello_domain::albo::ACT_TYPES
        .iter()
        .filter(|a| a.code != "ordinanza")
    {
        fields.push((format!("in_uso_{}", a.code), "1".into()));
    }
    fields.push(("in_uso_ente-avviso-di-deposito".into(), "1".into()));
    let r = post(fields).await;
    assert_eq!(r.status(), 303);
    let new = sportello_testkit::text_of(&clerk, &format!("{url}/staff/albo/nuova")).await;
    assert!(
        new.contains("Avviso di deposito — 20 giorni (1–365)"),
        "{new}"
    );
    assert!(!new.contains("Ordinanza —"), "{new}");
    assert!(
        new.contains("Determinazione dirigenziale — 30 giorni (15–30)"),
        "{new}"
    );
    let ask = |tipo: &'static str| {
        let clerk = clerk.clone();
        async move {
            request(
                &clerk,
                url,
                &[
                    ("tipo", tipo),
                    ("oggetto", "Deposito del piano attuativo di via Roma"),
                    ("richiedente", "Ufficio Urbanistica"),
                    ("responsabile", "Arch. Paolo Neri"),
                ],
                Some(act_pdf("Avviso", "Deposito del piano")),
            )
            .await
        }
    };
    assert_eq!(ask("ordinanza").await.status(), 422);
    let r = ask("ente-avviso-di-deposito").await;
    assert_eq!(r.status(), 303);
    let own = sportello_testkit::text_of(&clerk, &format!("{url}{}", location(&r))).await;
    assert!(own.contains("Avviso di deposito"), "{own}");
    assert!(own.contains("20 giorni"), "{own}");
    // The public filter and the API know the ente's own type; an unknown one is refused.
    let board = sportello_testkit::text_of(&client(), &format!("{url}/livorno/albo")).await;
    assert!(
        board.contains("value=\"ente-avviso-di-deposito\""),
        "{board}"
    );
    let api = client()
        .get(format!(
            "{url}/api/v1/enti/049009/albo?tipo=ente-avviso-di-deposito"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    let api = client()
        .get(format!(
            "{url}/api/v1/enti/049009/albo?tipo=ente-inesistente"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 422);
    // The publication officer sends it back to the office, with a reason (none: refused); it
    // can no longer be published, and the office sees why.
    let id = id_in(&location(&r));
    let page = sportello_testkit::text_of(&officer, &format!("{url}/staff/albo/{id}")).await;
    assert!(page.contains("data-testid=\"albo-return\""), "{page}");
    let send_back = |reason: &'static str| {
        let officer = officer.clone();
        let csrf = csrf_of(&page);
        let id = id.clone();
        async move {
            officer
                .post(format!("{url}/staff/albo/{id}/restituisci"))
                .form(&[("csrf", csrf.as_str()), ("motivo_restituzione", reason)])
                .send()
                .await
                .unwrap()
        }
    };
    let r = send_back("boh").await;
    assert_eq!(r.status(), 422);
    let refused = r.text().await.unwrap();
    assert!(refused.contains("Scrivi il motivo della restituzione"));
    assert!(refused.contains(">boh</textarea>"), "kept: {refused}");
    assert!(
        refused.contains("id=\"motivo_restituzione-problem\""),
        "{refused}"
    );
    let why = "Manca la firma digitale del dirigente: allegare l'atto firmato";
    assert_eq!(send_back(why).await.status(), 303);
    assert_eq!(send_back(why).await.status(), 409, "once");
    assert_eq!(publish(&officer, url, &id, true).await.status(), 409);
    let desk = sportello_testkit::text_of(&clerk, &format!("{url}/staff/albo")).await;
    assert!(
        desk.contains("restituita all&#39;ufficio") || desk.contains("restituita all'ufficio"),
        "{desk}"
    );
    let entry = sportello_testkit::text_of(&clerk, &format!("{url}/staff/albo/{id}")).await;
    assert!(entry.contains("data-testid=\"albo-returned\""), "{entry}");
    assert!(entry.contains("Manca la firma digitale"), "{entry}");
    // Never published: the verification does not know its document.
    let digest: String = {
        use sha2::Digest as _;
        sha2::Sha256::digest(act_pdf("Determinazione", "Impegno di spesa"))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let check = sportello_testkit::text_of(
        &client(),
        &format!("{url}/livorno/albo/verifica?impronta={digest}"),
    )
    .await;
    assert!(
        check.contains("data-testid=\"albo-verify-none\""),
        "{check}"
    );
    // The office that asks may not set the periods; nor may another ente's staff.
    let r = clerk
        .get(format!("{url}/staff/albo/periodi"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    t.stop().await;
}

/// An act signed digitally arrives as a `.p7m` (CAdES, made here by OpenSSL): its PDF's text is
/// checked for personal data through the envelope, the envelope is published whole (its
/// signature still verifies on what the board serves), and a readable copy of the PDF is
/// offered beside it.
#[tokio::test]
async fn a_signed_p7m_act_is_checked_inside_and_published_whole() {
    let t = sportello_testkit::spawn_app().await;
    let url = &t.url;
    let dir = std::env::temp_dir().join(format!(
        "sportello-p7m-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let pdf = act_pdf(
        "Ordinanza",
        "Ordinanza di chiusura del parco. Notificata al sig. Mario Rossi, codice fiscale RSSMRA80A01E625I.",
    );
    std::fs::write(dir.as_path().join("atto.pdf"), &pdf).unwrap();
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir.as_path())
            .output()
            .expect("openssl (Debian's package) is installed");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // A signer made for this test only: its key never leaves the temporary directory.
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "k.pem",
        "-out",
        "c.pem",
        "-subj",
        "/CN=Dirigente di prova/O=Comune di Livorno",
        "-days",
        "2",
    ]);
    openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-in",
        "atto.pdf",
        "-signer",
        "c.pem",
        "-inkey",
        "k.pem",
        "-outform",
        "DER",
        "-out",
        "atto.pdf.p7m",
    ]);
    let p7m = std::fs::read(dir.as_path().join("atto.pdf.p7m")).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let clerk = client();
    staff_login_at(&clerk, url, "livorno.protocollo", false, now).await;
    let fields = [
        ("tipo", "ordinanza"),
        ("oggetto", "Ordinanza di chiusura temporanea del parco"),
        ("richiedente", "Polizia municipale"),
        ("responsabile", "Comandante Luca Bianchi"),
    ];
    let r = request_file(
        &clerk,
        url,
        &fields,
        Some((p7m.clone(), "ordinanza.pdf.p7m")),
    )
    .await;
    assert_eq!(r.status(), 303);
    let desk = location(&r);
    let id = id_in(&desk);
    // The privacy check read the PDF inside the envelope.
    let page = sportello_testkit::text_of(&clerk, &format!("{url}{desk}")).await;
    assert!(page.contains("RSSMRA80A01E625I"), "{page}");
    // An envelope that holds no PDF is refused, and so is one cut short.
    for bad in [p7m.get(..p7m.len() / 2).unwrap().to_vec(), {
        std::fs::write(dir.as_path().join("nota.txt"), "non un pdf").unwrap();
        openssl(&[
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-in",
            "nota.txt",
            "-signer",
            "c.pem",
            "-inkey",
            "k.pem",
            "-outform",
            "DER",
            "-out",
            "nota.p7m",
        ]);
        std::fs::read(dir.as_path().join("nota.p7m")).unwrap()
    }] {
        let r = request_file(&clerk, url, &fields, Some((bad, "x.p7m"))).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains(".p7m"));
    }
    // The same act arriving through the protocol (a court's notice, say): registered by the
    // clerk, then asked of the albo from its registration, its document the registered one.
    let form = sportello_testkit::text_of(&clerk, &format!("{url}/staff/protocollo/nuova")).await;
    let r = clerk
        .post(format!("{url}/staff/protocollo/nuova"))
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf", csrf_of(&form))
                .text("direzione", "E")
                .text(
                    "corrispondente",
                    "Tribunale di Livorno, prot.tribunale@pec.example.invalid",
                )
                .text(
                    "oggetto",
                    "Richiesta di pubblicazione all'albo di un'ordinanza",
                )
                .text("mezzo", "pec")
                .text("classificazione", "VI.1")
                .part(
                    "documento",
                    reqwest::multipart::Part::bytes(p7m.clone()).file_name("ordinanza.pdf.p7m"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let registration = location(&r);
    let page = sportello_testkit::text_of(&clerk, &format!("{url}{registration}")).await;
    assert!(page.contains("data-testid=\"to-albo\""), "{page}");
    let registration_id = registration.rsplit('/').next().unwrap().to_string();
    let new = sportello_testkit::text_of(
        &clerk,
        &format!("{url}/staff/albo/nuova?protocollo={registration_id}"),
    )
    .await;
    assert!(new.contains("data-testid=\"albo-from-protocol\""), "{new}");
    assert!(
        new.contains("Tribunale di Livorno"),
        "the sender offered as requester: {new}"
    );
    let ask = |protocol: String| {
        let clerk = clerk.clone();
        let csrf = csrf_of(&new);
        async move {
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf)
                .text("tipo", "atto-terzi")
                .text("oggetto", "Ordinanza del Tribunale di Livorno")
                .text("richiedente", "Tribunale di Livorno")
                .text("responsabile", "Cancelleria civile")
                .text("protocollo", protocol);
            clerk
                .post(format!("{url}/staff/albo/nuova"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    // A registration that is not in the register: refused, said.
    let r = ask("999999".into()).await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("non si trova nel registro"));
    let r = ask(registration_id.clone()).await;
    assert_eq!(r.status(), 303);
    let from_protocol = sportello_testkit::text_of(&clerk, &format!("{url}{}", location(&r))).await;
    assert!(
        from_protocol.contains("data-testid=\"albo-protocol-ref\""),
        "{from_protocol}"
    );
    assert!(
        from_protocol.contains("ordinanza.pdf.p7m"),
        "{from_protocol}"
    );
    assert!(
        from_protocol.contains("RSSMRA80A01E625I"),
        "checked inside: {from_protocol}"
    );
    // Once per registration: asked again, refused; the registration's page links the request.
    let r = ask(registration_id.clone()).await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("già stata chiesta all&#39;albo"));
    let page = sportello_testkit::text_of(&clerk, &format!("{url}{registration}")).await;
    assert!(page.contains("data-testid=\"albo-asked\""), "{page}");
    assert!(!page.contains("data-testid=\"to-albo\""), "{page}");
    let officer = client();
    staff_login_at(&officer, url, "livorno.albo", false, now).await;
    assert_eq!(publish(&officer, url, &id, true).await.status(), 303);
    let anyone = client();
    let year = now.year();
    let entry =
        sportello_testkit::text_of(&anyone, &format!("{url}/livorno/albo/{year}/0001")).await;
    assert!(entry.contains("ordinanza.pdf.p7m"), "{entry}");
    assert!(entry.contains("data-testid=\"albo-readable\""), "{entry}");
    // The envelope, whole: the same bytes, and its signature verifies on them.
    let r = anyone
        .get(format!("{url}/livorno/albo/{year}/0001/documenti/0"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/pkcs7-mime");
    let served = r.bytes().await.unwrap();
    assert_eq!(served.as_ref(), p7m.as_slice());
    std::fs::write(dir.as_path().join("servito.p7m"), &served).unwrap();
    openssl(&[
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        "servito.p7m",
        "-CAfile",
        "c.pem",
        "-out",
        "contenuto.pdf",
    ]);
    assert_eq!(
        std::fs::read(dir.as_path().join("contenuto.pdf")).unwrap(),
        pdf
    );
    // The readable copy: the PDF inside.
    let r = anyone
        .get(format!(
            "{url}/livorno/albo/{year}/0001/documenti/0?formato=pdf"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("ordinanza.pdf\""));
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());
    let _ = std::fs::remove_dir_all(&dir);
    t.stop().await;
}

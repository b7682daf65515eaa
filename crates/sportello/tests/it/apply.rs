//! Applying online through the use cases: drafts with prefill, steps, uploads checked by
//! content, submission registered in the protocol (idempotent, gapless, chained), rules on
//! level, window and one application per person; the register's verification.

use sportello_app::applications::ApplyError;
use sportello_app::AppError;
use sportello_domain::identity::{CitizenIdentity, SpidLevel};
use sportello_domain::tenancy::EnteId;
use sportello_testkit::{spawn_app, spawn_app_with, Options, TestApp, TestClock};

pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

pub fn citizen(persona: &str, level: SpidLevel) -> CitizenIdentity {
    let p = sportello_app::demo::persona(persona).unwrap();
    CitizenIdentity {
        fiscal_code: p.fiscal_code().unwrap(),
        given_name: p.given_name.into(),
        family_name: p.family_name.into(),
        level,
        email: Some(p.email.into()),
        company: p
            .company_vat()
            .map(|(name, vat)| sportello_domain::identity::Company {
                name,
                vat: vat.to_string(),
            }),
        assisted: None,
    }
}

pub(crate) async fn livorno(t: &TestApp) -> EnteId {
    t.app().ente_by_slug("livorno").await.unwrap().ente_id()
}

pub(crate) fn values(pairs: &[(&str, &str)]) -> sportello_domain::forms::Values {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Fills "Occupazione di suolo pubblico" completely; returns the draft id.
pub async fn filled_occupation(t: &TestApp, ente: EnteId, who: &CitizenIdentity) -> String {
    let app = t.app();
    let id = app
        .applications()
        .start_application(ente, "occupazione-suolo-pubblico", who)
        .await
        .unwrap();
    let errors = app
        .applications()
        .save_step(
            ente,
            &id,
            who,
            0,
            &values(&[
                ("nome", &who.given_name),
                ("cognome", &who.family_name),
                ("codice_fiscale", &who.fiscal_code),
                ("email", "a@b.it"),
                ("in_qualita_di", "privato"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(errors, vec![]);
    let start = (app.now().date() + time::Duration::days(10)).to_string();
    let end = (app.now().date() + time::Duration::days(12)).to_string();
    let errors = app
        .applications()
        .save_step(
            ente,
            &id,
            who,
            1,
            &values(&[
                ("motivo", "trasloco"),
                ("indirizzo", "Via Grande 10"),
                ("superficie", "12,5"),
                ("dal", &start),
                ("al", &end),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(errors, vec![]);
    app.applications()
        .upload(
            ente,
            &id,
            who,
            "planimetria",
            "planimetria.pdf",
            &app.upload_of(PDF).await.unwrap(),
        )
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn a_citizen_files_an_application_and_gets_a_registration() {
    let t = spawn_app().await;
    let app = t.app();
    let ente = livorno(&t).await;
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let services = app.catalogue().offered_services(ente).await.unwrap();
    assert!(services.len() >= 14);

    let id = app
        .applications()
        .start_application(ente, "occupazione-suolo-pubblico", &mario)
        .await
        .unwrap();
    let draft = app.applications().draft(ente, &id, &mario).await.unwrap();
    assert_eq!(
        draft.values["codice_fiscale"],
        mario.fiscal_code.to_string(),
        "prefilled from the identity"
    );
    assert_eq!(draft.values["nome"], "Mario");
    // A step with a missing choice: the error names it, and what was typed is kept.
    let errors = app
        .applications()
        .save_step(
            ente,
            &id,
            &mario,
            0,
            &values(&[("nome", "Mario"), ("telefono", "0586 123456")]),
        )
        .await
        .unwrap();
    assert!(errors.iter().any(|e| e.field == "in_qualita_di"));
    assert_eq!(
        app.applications()
            .draft(ente, &id, &mario)
            .await
            .unwrap()
            .values["telefono"],
        "0586 123456"
    );

    let id = filled_occupation(&t, ente, &mario).await;
    // Files are judged by content.
    let refused = app
        .applications()
        .upload(
            ente,
            &id,
            &mario,
            "planimetria",
            "planimetria.pdf",
            &app.upload_of(b"MZ not a pdf").await.unwrap(),
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, AppError::Apply(ApplyError::File(_))));
    let refused = app
        .applications()
        .upload(
            ente,
            &id,
            &mario,
            "planimetria",
            "foto.png",
            &app.upload_of(&[
                0x89, b'P', b'N', b'G', 13, 10, 26, 10, b'I', b'E', b'N', b'D',
            ])
            .await
            .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        AppError::Apply(ApplyError::FileTypeNotAccepted)
    ));

    let missing = app
        .applications()
        .submit(ente, &id, &mario, false)
        .await
        .unwrap_err();
    assert!(matches!(
        missing,
        AppError::Apply(ApplyError::DeclarationMissing)
    ));
    let receipt = app
        .applications()
        .submit(ente, &id, &mario, true)
        .await
        .unwrap();
    assert_eq!(receipt.number, "0000001");
    assert_eq!(receipt.aoo, "AOO-049009");
    assert_eq!(receipt.attachments.len(), 1);
    assert_eq!(
        receipt.attachments[0].digest,
        sportello_app::blobs::sha256_hex(PDF)
    );
    assert!(receipt.classification.starts_with("VI."));
    // Again: the same registration, not a new one.
    assert_eq!(
        app.applications()
            .submit(ente, &id, &mario, true)
            .await
            .unwrap(),
        receipt
    );
    // Filed applications are no longer drafts.
    assert!(matches!(
        app.applications()
            .save_step(ente, &id, &mario, 0, &values(&[]))
            .await
            .unwrap_err(),
        AppError::Apply(ApplyError::NotADraft)
    ));
    // Nobody else sees it, not even knowing its id.
    let giulia = citizen("giulia-bianchi", SpidLevel::L2);
    assert!(matches!(
        app.applications()
            .draft(ente, &id, &giulia)
            .await
            .unwrap_err(),
        AppError::NotFound
    ));
    let firenze = app.ente_by_slug("firenze").await.unwrap().ente_id();
    assert!(matches!(
        app.applications()
            .draft(firenze, &id, &mario)
            .await
            .unwrap_err(),
        AppError::NotFound
    ));

    let v = app
        .registry()
        .verify_register("049009", None)
        .await
        .unwrap();
    assert_eq!((v.registrations, v.problems.len()), (1, 0));
    t.stop().await;
}

#[tokio::test]
async fn simultaneous_submissions_of_one_draft_register_once() {
    let t = spawn_app().await;
    let ente = livorno(&t).await;
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let first = filled_occupation(&t, ente, &mario).await;
    let second = filled_occupation(&t, ente, &mario).await;
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let app = t.app().clone();
            let who = mario.clone();
            let id = if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tokio::spawn(async move {
                (
                    id.clone(),
                    app.applications()
                        .submit(ente, &id, &who, true)
                        .await
                        .unwrap()
                        .number,
                )
            })
        })
        .collect();
    let mut by_app = std::collections::BTreeMap::new();
    for task in tasks {
        let (id, number) = task.await.unwrap();
        by_app.entry(id).or_insert_with(Vec::new).push(number);
    }
    let mut numbers: Vec<String> = by_app
        .values()
        .map(|n| {
            assert!(
                n.iter().all(|x| x == &n[0]),
                "one number per application: {n:?}"
            );
            n[0].clone()
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, ["0000001", "0000002"]);
    assert!(t
        .app()
        .registry()
        .verify_register("049009", None)
        .await
        .unwrap()
        .problems
        .is_empty());
    t.stop().await;
}

#[tokio::test]
async fn level_window_and_one_per_person_rules() {
    let clock = TestClock::new(time::macros::datetime!(2026-11-24 10:00 UTC));
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let app = t.app();
    let ente = livorno(&t).await;
    let low = citizen("mario-rossi", SpidLevel::L1);
    let refused = app
        .applications()
        .start_application(ente, "occupazione-suolo-pubblico", &low)
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        AppError::Apply(ApplyError::LevelTooLow(SpidLevel::L2))
    ));
    assert!(
        app.applications()
            .start_application(ente, "segnalazione-reclamo", &low)
            .await
            .is_ok(),
        "an L1 service"
    );

    let anna = citizen("anna-neri", SpidLevel::L2);
    let early = app
        .applications()
        .start_application(ente, "contributo-click-day", &anna)
        .await
        .unwrap_err();
    assert!(matches!(
        early,
        AppError::Apply(ApplyError::WindowNotOpen(_))
    ));
    clock.advance(time::Duration::days(7)); // 1 December, 11:00 in Italy: open
    let id = app
        .applications()
        .start_application(ente, "contributo-click-day", &anna)
        .await
        .unwrap();
    let errors = app
        .applications()
        .save_step(
            ente,
            &id,
            &anna,
            0,
            &values(&[
                ("codice_fiscale", &anna.fiscal_code),
                ("email", "anna@example.it"),
                ("componenti", "2"),
                ("isee", "12.000,00"),
                ("iban", "IT60 X054 2811 1010 0000 0123 456"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(errors, vec![]);
    let receipt = app
        .applications()
        .submit(ente, &id, &anna, true)
        .await
        .unwrap();
    let again = app
        .applications()
        .start_application(ente, "contributo-click-day", &anna)
        .await
        .unwrap_err();
    match again {
        AppError::Apply(ApplyError::AlreadyFiled(number)) => assert_eq!(number, receipt.number),
        other => panic!("{other:?}"),
    }
    clock.advance(time::Duration::days(40));
    let late = app
        .applications()
        .start_application(
            ente,
            "contributo-click-day",
            &citizen("omar-haddad", SpidLevel::L2),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        late,
        AppError::Apply(ApplyError::WindowNotOpen(_))
    ));
    t.stop().await;
}

#[tokio::test]
async fn protocollo_verify_catches_changes_made_behind_the_programs_back() {
    let t = spawn_app().await;
    let ente = livorno(&t).await;
    let mario = citizen("mario-rossi", SpidLevel::L2);
    for _ in 0..3 {
        let id = filled_occupation(&t, ente, &mario).await;
        t.app()
            .applications()
            .submit(ente, &id, &mario, true)
            .await
            .unwrap();
    }
    let verify = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sportello"))
            .args([
                "protocollo",
                "verify",
                "049009",
                "--database-url",
                &t.db.url,
            ])
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
    assert!(out.contains("3 registrazioni, integro"), "{out}");

    // The database itself refuses to change or delete a registration…
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&t.db.url)
        .await
        .unwrap();
    let refused = sqlx::query("UPDATE protocol_registrations SET subject = 'x' WHERE number = 1")
        .execute(&mut conn)
        .await;
    assert!(refused.is_err(), "an UPDATE of a registration is refused");
    assert!(
        sqlx::query("DELETE FROM protocol_registrations WHERE number = 1")
            .execute(&mut conn)
            .await
            .is_err()
    );
    // …so someone with full access to the database disables the guard first, then edits the
    // subject of registration 2 directly.
    let disable: &[&str] = match t.db.backend {
        sportello_store::Backend::Sqlite => &[
            "DROP TRIGGER protocol_registrations_no_update",
            "DROP TRIGGER protocol_registrations_no_delete",
        ],
        sportello_store::Backend::Postgres => {
            &["DROP TRIGGER protocol_registrations_no_change ON protocol_registrations"]
        }
    };
    for statement in disable {
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    }
    sqlx::query("UPDATE protocol_registrations SET subject = 'Oggetto cambiato' WHERE number = 2")
        .execute(&mut conn)
        .await
        .unwrap();
    let (ok, out, err) = verify();
    assert!(!ok);
    assert!(out.contains("0000002: dati modificati"), "{out}");
    assert!(err.contains("non è integro"), "{err}");

    // …or moves an application away from its registration's number (the queue's order).
    sqlx::query("UPDATE protocol_registrations SET subject = 'Occupazione di suolo pubblico — domanda online' WHERE number = 2")
        .execute(&mut conn)
        .await
        .unwrap();
    let (ok, out, _) = verify();
    assert!(ok, "restored: {out}");
    sqlx::query(
        "UPDATE applications SET registered_number = 7 \
         WHERE id = (SELECT application_id FROM protocol_registrations WHERE number = 2)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let (ok, out, _) = verify();
    assert!(!ok);
    assert!(
        out.contains("non riporta il numero della sua registrazione") && out.contains("0000002"),
        "{out}"
    );
    sqlx::query(
        "UPDATE applications SET registered_number = 2 \
         WHERE id = (SELECT application_id FROM protocol_registrations WHERE number = 2)",
    )
    .execute(&mut conn)
    .await
    .unwrap();

    // …or deletes the last one, and the register's own head disagrees.
    sqlx::query("DELETE FROM protocol_registrations WHERE number = 3")
        .execute(&mut conn)
        .await
        .unwrap();
    let (ok, out, _) = verify();
    assert!(!ok);
    assert!(out.contains("registrazioni rimosse o aggiunte"), "{out}");
    let _ = sqlx::Connection::close(conn).await;
    t.stop().await;
}

#[tokio::test]
async fn a_filed_application_can_be_withdrawn_and_stays_on_record() {
    let t = spawn_app().await;
    let ente = livorno(&t).await;
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let id = filled_occupation(&t, ente, &mario).await;
    let receipt = t
        .app()
        .applications()
        .submit(ente, &id, &mario, true)
        .await
        .unwrap();
    let giulia = citizen("giulia-bianchi", SpidLevel::L2);
    assert!(
        !t.app()
            .applications()
            .withdraw(ente, &id, &giulia)
            .await
            .unwrap(),
        "only the applicant"
    );
    assert!(t
        .app()
        .applications()
        .withdraw(ente, &id, &mario)
        .await
        .unwrap());
    assert!(
        !t.app()
            .applications()
            .withdraw(ente, &id, &mario)
            .await
            .unwrap(),
        "once"
    );
    // The registration is never deleted: the receipt still answers, the register is intact.
    let after = t
        .app()
        .applications()
        .receipt(ente, &id, &mario)
        .await
        .unwrap();
    assert_eq!(
        (after.number.as_str(), after.document_digest.as_str()),
        (receipt.number.as_str(), receipt.document_digest.as_str())
    );
    assert_eq!(after.case_state.label(), "ritirata");
    let events = t.app().store().tenant(ente).case_events(&id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.kind.code()).collect::<Vec<_>>(),
        ["protocollata", "ritirata"]
    );
    let mine = t
        .app()
        .applications()
        .my_applications(&mario)
        .await
        .unwrap();
    assert_eq!(mine[0].status.code(), "withdrawn");
    assert!(t
        .app()
        .registry()
        .verify_register("049009", None)
        .await
        .unwrap()
        .problems
        .is_empty());
    t.stop().await;
}

#[tokio::test]
async fn a_filed_application_opens_a_case_with_its_legal_due_date() {
    // 22 April 2026, noon in Italy: 30 days end on 22 May, Livorno's patron day → 23 May.
    let clock = TestClock::new(time::macros::datetime!(2026-04-22 10:00 UTC));
    let t = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let app = t.app();
    let livorno = livorno(&t).await;
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let id = filled_occupation(&t, livorno, &mario).await;
    let receipt = app
        .applications()
        .submit(livorno, &id, &mario, true)
        .await
        .unwrap();
    assert_eq!(receipt.case_state.label(), "protocollata");
    assert_eq!(receipt.due, Some(time::macros::date!(2026 - 05 - 23)));
    // The PDF receipt is a receipt, and states the term's end as the page does.
    let browser = sportello_testkit::client();
    sportello_testkit::demo_sign_in(&browser, &t.url, "mario-rossi", "L2").await;
    let pdf = browser
        .get(format!("{}/livorno/domande/{id}/ricevuta.pdf", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    let pdf = pdf.bytes().await.unwrap();
    let text = crate::casework::PdfText::of(&pdf);
    assert!(text.has("Ricevuta di presentazione"), "{text}");
    assert!(text.has("Scadenza del termine"));
    assert!(text.has("23/05/2026"));
    // The register's codes and digests are there for whoever verifies, folded away from what
    // the person reads first.
    let page = sportello_testkit::text_of(
        &browser,
        &format!("{}/livorno/domande/{id}/ricevuta", t.url),
    )
    .await;
    let folded = page
        .find("data-testid=\"registration-data\"")
        .expect("the registration data");
    for code in ["Classificazione", "Fascicolo", "Impronta della domanda"] {
        assert!(page.find(code).is_some_and(|at| at > folded), "{code}");
    }
    let events = app.store().tenant(livorno).case_events(&id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].kind.code(), events[0].state.code()),
        ("protocollata", "protocollata")
    );
    // In Firenze 22 May is a working day.
    let firenze = app.ente_by_slug("firenze").await.unwrap().ente_id();
    let id = filled_occupation(&t, firenze, &mario).await;
    assert_eq!(
        app.applications()
            .submit(firenze, &id, &mario, true)
            .await
            .unwrap()
            .due,
        Some(time::macros::date!(2026 - 05 - 22))
    );
    // A SCIA is effective on filing, with its 60-day window; a complaint is concluded at once.
    let francesco = citizen("francesco-esposito", SpidLevel::L2);
    let id = app
        .applications()
        .start_application_for(
            livorno,
            "scia-esercizio-vicinato",
            &francesco,
            sportello_app::applications::ActingFor::Company,
        )
        .await
        .unwrap();
    let company = francesco.company.clone().unwrap();
    let step1 = [
        ("ragione_sociale", company.name.as_str()),
        ("partita_iva", company.vat.as_str()),
        (
            "codice_fiscale_legale_rappresentante",
            francesco.fiscal_code.as_str(),
        ),
        ("pec", "impresa@pec.example.it"),
    ];
    assert_eq!(
        app.applications()
            .save_step(livorno, &id, &francesco, 0, &values(&step1))
            .await
            .unwrap(),
        vec![]
    );
    let start = app.now().date().to_string();
    let step2 = [
        ("indirizzo", "Via Grande 1"),
        ("settore", "non_alimentare"),
        ("superficie_vendita", "80"),
        ("data_inizio", start.as_str()),
        ("requisiti_morali", "true"),
    ];
    app.applications()
        .upload(
            livorno,
            &id,
            &francesco,
            "planimetria",
            "p.pdf",
            &app.upload_of(PDF).await.unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        app.applications()
            .save_step(livorno, &id, &francesco, 1, &values(&step2))
            .await
            .unwrap(),
        vec![]
    );
    let scia = app
        .applications()
        .submit(livorno, &id, &francesco, true)
        .await
        .unwrap();
    assert_eq!(scia.case_state.label(), "SCIA efficace");
    // 22 April + 60 days = 21 June 2026, a Sunday → Monday 22 June.
    assert_eq!(scia.due, Some(time::macros::date!(2026 - 06 - 22)));
    let id = app
        .applications()
        .start_application(livorno, "segnalazione-reclamo", &mario)
        .await
        .unwrap();
    let complaint = [
        ("codice_fiscale", mario.fiscal_code.as_str()),
        ("tipo", "verde"),
        ("oggetto", "Albero caduto"),
        ("descrizione", "Un albero è caduto nel parco pubblico."),
    ];
    assert_eq!(
        app.applications()
            .save_step(livorno, &id, &mario, 0, &values(&complaint))
            .await
            .unwrap(),
        vec![]
    );
    let done = app
        .applications()
        .submit(livorno, &id, &mario, true)
        .await
        .unwrap();
    assert_eq!((done.case_state.label(), done.due), ("archiviata", None));
    t.stop().await;
}

/// Drafts keep what was typed, within bounds: a value longer than any field takes is refused
/// whole (nothing of the step saved), and one person opens at most so many drafts of a
/// service at once.
#[tokio::test]
async fn drafts_are_bounded_in_size_and_number() {
    let t = spawn_app().await;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();
    let who = citizen("mario-rossi", SpidLevel::L2);
    let id = app
        .applications()
        .start_application(livorno, "occupazione-suolo-pubblico", &who)
        .await
        .unwrap();
    let huge = "x".repeat(sportello_app::applications::DRAFT_VALUE_MAX + 1);
    let refused = app
        .applications()
        .save_step(
            livorno,
            &id,
            &who,
            0,
            &values(&[("email", &huge), ("in_qualita_di", "privato")]),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, AppError::Apply(ApplyError::ValueTooLong { field, .. }) if field == "email"),
        "{refused:?}"
    );
    let draft = app.applications().draft(livorno, &id, &who).await.unwrap();
    assert!(
        !draft.values.contains_key("in_qualita_di"),
        "nothing of the step saved: {:?}",
        draft.values.keys().collect::<Vec<_>>()
    );
    // The name SPID asserted is not typed over, however it is posted.
    app.applications()
        .save_step(
            livorno,
            &id,
            &who,
            0,
            &values(&[("nome", "Qualcun Altro"), ("in_qualita_di", "privato")]),
        )
        .await
        .unwrap();
    let draft = app.applications().draft(livorno, &id, &who).await.unwrap();
    assert_eq!(draft.values["nome"], who.given_name);
    assert_eq!(draft.values["in_qualita_di"], "privato");
    // Nine more drafts make ten; the eleventh is refused.
    for _ in 1..sportello_app::applications::DRAFTS_PER_SERVICE_MAX {
        app.applications()
            .start_application(livorno, "occupazione-suolo-pubblico", &who)
            .await
            .unwrap();
    }
    let refused = app
        .applications()
        .start_application(livorno, "occupazione-suolo-pubblico", &who)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AppError::Apply(ApplyError::TooManyDrafts(10))),
        "{refused:?}"
    );
}

/// Signed in with SPID or CIE, the declarant is who the identity provider says: the codice
/// fiscale is shown, not editable, and no copy of an identity document is asked (CAD art. 65).
#[tokio::test]
async fn spid_or_cie_is_the_identity_no_document_copy_asked() {
    let t = spawn_app().await;
    let browser = sportello_testkit::client();
    sportello_testkit::demo_sign_in(&browser, &t.url, "mario-rossi", "L2").await;
    let livorno = livorno(&t).await;
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let id = t
        .app()
        .applications()
        .start_application(livorno, "cambio-residenza", &mario)
        .await
        .unwrap();
    let step = |n: u8| format!("{}/livorno/domande/{id}/passo/{n}", t.url);
    let first = sportello_testkit::text_of(&browser, &step(1)).await;
    assert!(
        first.contains("data-testid=\"locked-codice_fiscale\""),
        "{first}"
    );
    assert!(first.contains(&mario.fiscal_code.to_string()));
    assert!(
        !first.contains("name=\"codice_fiscale\""),
        "no input to type over the codice fiscale"
    );
    let second = sportello_testkit::text_of(&browser, &step(2)).await;
    assert!(second.contains("familiari"));
    assert!(
        !second.contains("documento_identita")
            && !second.contains("Documento d'identità del dichiarante"),
        "no identity document asked"
    );
    // The whole application files without it.
    let values = |pairs: &[(&str, &str)]| -> sportello_domain::forms::Values {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let app = t.app();
    app.applications()
        .save_step(
            livorno,
            &id,
            &mario,
            0,
            &values(&[
                ("provenienza", "stesso_comune"),
                ("indirizzo", "Via Grande 10, Livorno"),
                ("titolo_occupazione", "proprieta"),
            ]),
        )
        .await
        .unwrap();
    let receipt = app
        .applications()
        .submit(livorno, &id, &mario, true)
        .await
        .unwrap();
    assert!(!receipt.number.is_empty());
    t.stop().await;
}

/// A draft is offered back from the service's page, and can be deleted — by its author only,
/// and never once filed.
#[tokio::test]
async fn drafts_are_resumed_from_the_service_and_deleted_from_the_personal_area() {
    let t = spawn_app().await;
    let url = t.url.clone();
    let (browser, _) = sportello_testkit::client_with_jar();
    sportello_testkit::demo_sign_in(&browser, &url, "mario-rossi", "L2").await;
    let livorno = livorno(&t).await;
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let service = format!("{url}/livorno/servizi/cambio-residenza");
    let page = sportello_testkit::text_of(&browser, &service).await;
    assert!(!page.contains("Riprendi la bozza"));
    let id = t
        .app()
        .applications()
        .start_application(livorno, "cambio-residenza", &mario)
        .await
        .unwrap();
    let page = sportello_testkit::text_of(&browser, &service).await;
    assert!(page.contains("Riprendi la bozza"), "{page}");
    assert!(page.contains(&format!("/livorno/domande/{id}/passo/1")));
    assert!(page.contains("Inizia una nuova domanda"));
    // A draft resumes where it stopped: the first step not completed, then the review.
    let values = |pairs: &[(&str, &str)]| -> sportello_domain::forms::Values {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let errors = t
        .app()
        .applications()
        .save_step(
            livorno,
            &id,
            &mario,
            0,
            &values(&[
                ("provenienza", "stesso_comune"),
                ("indirizzo", "Via Grande 10, Livorno"),
                ("titolo_occupazione", "proprieta"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(errors, vec![]);
    let page = sportello_testkit::text_of(&browser, &service).await;
    assert!(
        page.contains(&format!("/livorno/domande/{id}/passo/2")),
        "{page}"
    );
    t.app()
        .applications()
        .save_step(livorno, &id, &mario, 1, &values(&[]))
        .await
        .unwrap();
    let personal = sportello_testkit::text_of(&browser, &format!("{url}/area-personale")).await;
    assert!(
        personal.contains(&format!("/livorno/domande/{id}/riepilogo")),
        "{personal}"
    );

    // Someone else cannot delete it.
    let anna = sportello_testkit::client();
    sportello_testkit::demo_sign_in(&anna, &url, "anna-neri", "L2").await;
    let anna_page = sportello_testkit::text_of(&anna, &format!("{url}/area-personale")).await;
    let r = anna
        .post(format!("{url}/livorno/domande/{id}/elimina"))
        .form(&[("csrf", sportello_testkit::csrf_of(&anna_page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Its author deletes it from the personal area.
    let personal = sportello_testkit::text_of(&browser, &format!("{url}/area-personale")).await;
    assert!(personal.contains(&format!("/livorno/domande/{id}/elimina")));
    let r = browser
        .post(format!("{url}/livorno/domande/{id}/elimina"))
        .form(&[("csrf", sportello_testkit::csrf_of(&personal))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        sportello_testkit::location(&r),
        "/area-personale?eliminata=1&comune=livorno"
    );
    assert!(t
        .app()
        .applications()
        .draft(livorno, &id, &mario)
        .await
        .is_err());
    let page = sportello_testkit::text_of(&browser, &service).await;
    assert!(!page.contains("Riprendi la bozza"));
    // A filed application is withdrawn, never deleted — and only after saying so twice.
    let filed = filled_occupation(&t, livorno, &mario).await;
    t.app()
        .applications()
        .submit(livorno, &filed, &mario, true)
        .await
        .unwrap();
    let receipt =
        sportello_testkit::text_of(&browser, &format!("{url}/livorno/domande/{filed}/ricevuta"))
            .await;
    let withdraw = &receipt[receipt
        .find("data-testid=\"withdraw\"")
        .expect("a withdrawal")..];
    assert!(withdraw.contains("<summary>Ritira la domanda</summary>"));
    assert!(withdraw.contains("Sì, ritira la domanda"));
    let r = browser
        .post(format!("{url}/livorno/domande/{filed}/elimina"))
        .form(&[("csrf", sportello_testkit::csrf_of(&personal))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    t.stop().await;
}

/// Family members are rows of a repeating group: added and removed without JavaScript, each
/// row checked (name, codice fiscale, relationship), errors named by row, and shown by their
/// labels, one per line, on the review page and to the office.
#[tokio::test]
async fn family_members_are_rows_added_removed_and_checked_one_by_one() {
    let t = spawn_app().await;
    let browser = sportello_testkit::client();
    sportello_testkit::demo_sign_in(&browser, &t.url, "mario-rossi", "L2").await;
    let livorno = livorno(&t).await;
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let id = t
        .app()
        .applications()
        .start_application(livorno, "cambio-residenza", &mario)
        .await
        .unwrap();
    let step2 = format!("{}/livorno/domande/{id}/passo/2", t.url);
    let page = sportello_testkit::text_of(&browser, &step2).await;
    // One blank row to start with, nothing to remove, and a way to add another.
    assert!(
        page.contains("name=\"familiari.0.codice_fiscale\""),
        "{page}"
    );
    assert!(!page.contains("name=\"familiari.1.nome\""));
    assert!(!page.contains("data-testid=\"remove-familiari-1\""));
    assert!(page.contains("data-testid=\"add-familiari\">Aggiungi un familiare</button>"));
    let csrf = sportello_testkit::csrf_of(&page);
    let post = |pairs: Vec<(&'static str, &'static str)>| {
        let mut form = reqwest::multipart::Form::new().text("csrf", csrf.clone());
        for (k, v) in pairs {
            form = form.text(k, v);
        }
        browser.post(&step2).multipart(form).send()
    };
    // «Aggiungi» with a wrong codice fiscale: the row stays as typed, the error names it.
    let r = post(vec![
        ("action", "add:familiari"),
        ("familiari.0.nome", "Anna"),
        ("familiari.0.cognome", "Rossi"),
        ("familiari.0.codice_fiscale", "RSSNNA10A41G702B"),
        ("familiari.0.relazione", "figlio"),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let refused = r.text().await.unwrap();
    assert!(
        refused.contains("href=\"#familiari.0.codice_fiscale\">Familiare 1 — Codice fiscale:"),
        "{refused}"
    );
    assert!(refused.contains("value=\"RSSNNA10A41G702B\""));
    assert!(
        !refused.contains("data-testid=\"remove-familiari-2\""),
        "the second row is the blank one"
    );
    // Corrected, it adds a blank second row.
    let r = post(vec![
        ("action", "add:familiari"),
        ("familiari.0.nome", "Anna"),
        ("familiari.0.cognome", "Rossi"),
        ("familiari.0.codice_fiscale", "rssnna10a41g702a"),
        ("familiari.0.relazione", "figlio"),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    assert!(sportello_testkit::location(&r).ends_with("/passo/2#familiari-riga-2"));
    let page = sportello_testkit::text_of(&browser, &step2).await;
    assert!(page.contains("value=\"rssnna10a41g702a\""), "kept as typed");
    assert!(page.contains("name=\"familiari.1.nome\""));
    assert!(page.contains("data-testid=\"remove-familiari-1\""));
    // A second person, then the first removed: the second moves up.
    let r = post(vec![
        ("action", "add:familiari"),
        ("familiari.0.nome", "Anna"),
        ("familiari.0.cognome", "Rossi"),
        ("familiari.0.codice_fiscale", "RSSNNA10A41G702A"),
        ("familiari.0.relazione", "figlio"),
        ("familiari.1.nome", "Samira"),
        ("familiari.1.cognome", "Haddad"),
        ("familiari.1.codice_fiscale", "HDDSMR85H60G999D"),
        ("familiari.1.relazione", "coniuge"),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let r = post(vec![
        ("action", "remove:familiari:0"),
        ("familiari.0.nome", "Anna"),
        ("familiari.0.cognome", "Rossi"),
        ("familiari.0.codice_fiscale", "RSSNNA10A41G702A"),
        ("familiari.0.relazione", "figlio"),
        ("familiari.1.nome", "Samira"),
        ("familiari.1.cognome", "Haddad"),
        ("familiari.1.codice_fiscale", "HDDSMR85H60G999D"),
        ("familiari.1.relazione", "coniuge"),
        ("familiari.2.nome", ""),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        sportello_testkit::location(&r).ends_with("/passo/2?rimossa=1#familiari"),
        "said so on the page it comes back to"
    );
    let draft = t
        .app()
        .applications()
        .draft(livorno, &id, &mario)
        .await
        .unwrap();
    assert_eq!(
        draft.values["familiari"],
        r#"[{"codice_fiscale":"HDDSMR85H60G999D","cognome":"Haddad","nome":"Samira","relazione":"coniuge"}]"#
    );
    // A row half filled stops «Salva e continua» with the missing cells named.
    let r = post(vec![
        ("action", "continue"),
        ("familiari.0.nome", "Samira"),
        ("familiari.1.nome", "Luca"),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let refused = r.text().await.unwrap();
    for cell in [
        "familiari.0.cognome",
        "familiari.1.codice_fiscale",
        "familiari.1.relazione",
    ] {
        assert!(refused.contains(&format!("href=\"#{cell}\"")), "{cell}");
    }
    // The review shows the rows by their labels, one per line.
    let r = post(vec![
        ("action", "continue"),
        ("familiari.0.nome", "Samira"),
        ("familiari.0.cognome", "Haddad"),
        ("familiari.0.codice_fiscale", "HDDSMR85H60G999D"),
        ("familiari.0.relazione", "coniuge"),
        ("familiari.1.nome", "Anna"),
        ("familiari.1.cognome", "Rossi"),
        ("familiari.1.codice_fiscale", "RSSNNA10A41G702A"),
        ("familiari.1.relazione", "figlio"),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let review = sportello_testkit::text_of(
        &browser,
        &format!("{}/livorno/domande/{id}/riepilogo", t.url),
    )
    .await;
    assert!(
        review.contains(
            "Samira · Haddad · HDDSMR85H60G999D · Coniuge o unito civilmente\nAnna · Rossi · RSSNNA10A41G702A · Figlio o figlia"
        ),
        "{review}"
    );
    t.stop().await;
}

//! Filing on behalf of others: a business through its legal representative, a professional
//! for a client with a signed mandate (procura), and who may do which for each service.

use sportello_app::applications::ApplyError;
use sportello_app::AppError;
use sportello_domain::identity::SpidLevel;
use sportello_testkit::spawn_app;

use crate::apply::{citizen, livorno, values, PDF};

#[tokio::test]
async fn businesses_and_professionals_file_on_behalf_of_others() {
    use sportello_app::applications::ActingFor;
    let t = spawn_app().await;
    let app = t.app();
    let ente = livorno(&t).await;
    // The legal representative of a business (as the identity provider asserts).
    let francesco = citizen("francesco-esposito", SpidLevel::L2);
    let company = francesco.company.clone().unwrap();
    let id = app
        .applications()
        .start_application_for(
            ente,
            "scia-esercizio-vicinato",
            &francesco,
            ActingFor::Company,
        )
        .await
        .unwrap();
    let draft = app
        .applications()
        .draft(ente, &id, &francesco)
        .await
        .unwrap();
    assert_eq!(draft.mode, "business");
    assert!(draft.acting_for.unwrap().contains(&company.vat));
    // Someone without a company cannot file for one.
    let mario = citizen("mario-rossi", SpidLevel::L2);
    let refused = app
        .applications()
        .start_application_for(ente, "scia-esercizio-vicinato", &mario, ActingFor::Company)
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        AppError::Apply(ApplyError::ActingNotAllowed)
    ));
    // A SCIA is not filed by a private person for themselves.
    let refused = app
        .applications()
        .start_application_for(ente, "scia-esercizio-vicinato", &mario, ActingFor::Myself)
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        AppError::Apply(ApplyError::ActingNotAllowed)
    ));

    // A professional for a client, with the signed mandate.
    let chiara = citizen("chiara-conti", SpidLevel::L2);
    let client = |id: &str, mandate: &sportello_app::blobs::Upload| ActingFor::Client {
        id: id.into(),
        name: "Mario Rossi".into(),
        mandate_file_name: "procura.pdf".into(),
        mandate: mandate.clone(),
    };
    let (pdf, not_a_pdf) = (
        app.upload_of(PDF).await.unwrap(),
        app.upload_of(b"not a pdf").await.unwrap(),
    );
    let bad = app
        .applications()
        .start_application_for(
            ente,
            "occupazione-suolo-pubblico",
            &chiara,
            client("RSSMRA80A01E625X", &pdf),
        )
        .await
        .unwrap_err();
    assert!(matches!(bad, AppError::Apply(ApplyError::BadClient)));
    let bad = app
        .applications()
        .start_application_for(
            ente,
            "occupazione-suolo-pubblico",
            &chiara,
            client(&mario.fiscal_code, &not_a_pdf),
        )
        .await
        .unwrap_err();
    assert!(matches!(bad, AppError::Apply(ApplyError::BadMandate)));
    let id = app
        .applications()
        .start_application_for(
            ente,
            "occupazione-suolo-pubblico",
            &chiara,
            client(&mario.fiscal_code, &pdf),
        )
        .await
        .unwrap();
    let start = (app.now().date() + time::Duration::days(5)).to_string();
    app.applications()
        .save_step(
            ente,
            &id,
            &chiara,
            0,
            &values(&[
                ("nome", "Mario"),
                ("cognome", "Rossi"),
                ("codice_fiscale", &mario.fiscal_code),
                ("email", "m@r.it"),
                ("in_qualita_di", "privato"),
            ]),
        )
        .await
        .unwrap();
    app.applications()
        .save_step(
            ente,
            &id,
            &chiara,
            1,
            &values(&[
                ("motivo", "trasloco"),
                ("indirizzo", "Via Roma 1"),
                ("superficie", "4"),
                ("dal", &start),
                ("al", &start),
            ]),
        )
        .await
        .unwrap();
    app.applications()
        .upload(
            ente,
            &id,
            &chiara,
            "planimetria",
            "p.pdf",
            &app.upload_of(PDF).await.unwrap(),
        )
        .await
        .unwrap();
    let receipt = app
        .applications()
        .submit(ente, &id, &chiara, true)
        .await
        .unwrap();
    assert_eq!(
        receipt.attachments.len(),
        2,
        "the mandate is registered with the application"
    );
    assert!(receipt
        .attachments
        .iter()
        .any(|a| a.description.contains("procura")));
    let rows = app
        .store()
        .region_wide()
        .registrations_of_aoo(app.store().tenant(ente).main_aoo().await.unwrap().0, None)
        .await
        .unwrap();
    assert!(
        rows[0].correspondent.contains("Mario Rossi")
            && rows[0].correspondent.contains("tramite Chiara Conti")
    );
    let mine = app.applications().my_applications(&chiara).await.unwrap();
    assert!(mine.iter().any(|a| a
        .acting_for
        .as_deref()
        .is_some_and(|c| c.contains(mario.fiscal_code.as_str()))));
    t.stop().await;
}

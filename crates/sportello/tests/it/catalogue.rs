//! The regional catalogue as residents meet it: the «Servizi» page organised by AgID's subject
//! matters, services read in English, services given at the office or paid rather than filed.

use sportello_testkit::{client, post_on, spawn_app, text_of};

#[tokio::test]
async fn the_services_page_is_organised_by_the_subject_matters_of_the_municipal_model() {
    let t = spawn_app().await;
    let c = client();
    let page = text_of(&c, &format!("{}/livorno/servizi", t.url)).await;
    // Every subject matter of the model, by its label, in the model's order.
    let labels = [
        "Educazione e formazione",
        "Salute, benessere e assistenza",
        "Vita lavorativa",
        "Mobilità e trasporti",
        "Catasto e urbanistica",
        "Anagrafe e stato civile",
        "Turismo",
        "Giustizia e sicurezza pubblica",
        "Tributi, finanze e contravvenzioni",
        "Cultura e tempo libero",
        "Ambiente",
        "Imprese e commercio",
        "Autorizzazioni",
        "Appalti pubblici",
        "Agricoltura e pesca",
    ];
    let index = page
        .split("data-testid=\"service-categories\"")
        .nth(1)
        .and_then(|rest| rest.split("</nav>").next())
        .unwrap_or_else(|| panic!("no category index: {page}"));
    let mut at = 0;
    for label in labels {
        let found = index[at..]
            .find(label)
            .unwrap_or_else(|| panic!("«{label}» missing or out of order: {index}"));
        at += found;
    }
    assert!(index.contains("href=\"/livorno/servizi?categoria=tributi-finanze-e-contravvenzioni\""));
    // One subject matter: its services only.
    let taxes = text_of(
        &c,
        &format!(
            "{}/livorno/servizi?categoria=tributi-finanze-e-contravvenzioni",
            t.url
        ),
    )
    .await;
    assert!(
        taxes.contains("href=\"/livorno/servizi/pagamento-imu\""),
        "{taxes}"
    );
    assert!(!taxes.contains("href=\"/livorno/servizi/passo-carrabile\""));
    // A scheda names its subject matter and its type of service.
    let scheda = text_of(&c, &format!("{}/livorno/servizi/passo-carrabile", t.url)).await;
    assert!(scheda.contains("data-element=\"service-topic\">Mobilità e trasporti</a>"));
    assert!(
        scheda.contains("Tipo di servizio: Permessi e documenti"),
        "{scheda}"
    );
    t.stop().await;
}

#[tokio::test]
async fn a_resident_reading_english_reads_the_scheda_and_the_form_in_english() {
    let t = spawn_app().await;
    let c = client();
    sportello_testkit::demo_sign_in(&c, &t.url, "mario-rossi", "L2").await;
    let r = c
        .get(format!("{}/lingua?l=en&torna=%2Flivorno%2Fservizi", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let list = text_of(&c, &format!("{}/livorno/servizi", t.url)).await;
    assert!(
        list.contains("Passo carrabile (driveway access) permit"),
        "{list}"
    );
    assert!(list.contains("Taxes, finance and fines"));
    // Found by its English words too.
    let found = text_of(&c, &format!("{}/livorno/servizi?q=driveway", t.url)).await;
    assert!(
        found.contains("href=\"/livorno/servizi/passo-carrabile\""),
        "{found}"
    );
    let scheda = text_of(&c, &format!("{}/livorno/servizi/passo-carrabile", t.url)).await;
    assert!(scheda.contains(
        "<h1 data-element=\"service-title\">Passo carrabile (driveway access) permit</h1>"
    ));
    assert!(scheda.contains("Plan showing the position and width of the access"));
    assert!(scheda.contains("Imposta di bollo (stamp duty) on the application"));
    assert!(!scheda.contains("Planimetria con la posizione"));
    // The form, started in English, asks in English.
    let r = post_on(
        &c,
        &t.url,
        "/livorno/servizi/cambio-residenza",
        "/livorno/servizi/cambio-residenza/domanda",
        &[],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let step = r.headers()["location"].to_str().unwrap().to_string();
    assert!(step.ends_with("/passo/1"), "{step}");
    let form = text_of(&c, &format!("{}{step}", t.url)).await;
    assert!(form.contains("Where you are moving from"), "{form}");
    assert!(form.contains("From another Italian municipality"));
    assert!(!form.contains("Provenienza<"), "{form}");
    t.stop().await;
}

#[tokio::test]
async fn a_service_given_at_the_office_or_paid_says_so_and_is_never_filed_online() {
    let t = spawn_app().await;
    let c = client();
    sportello_testkit::demo_sign_in(&c, &t.url, "mario-rossi", "L2").await;
    let scheda = text_of(
        &c,
        &format!("{}/livorno/servizi/carta-identita-elettronica", t.url),
    )
    .await;
    assert!(
        scheda.contains("data-testid=\"service-not-online\""),
        "{scheda}"
    );
    assert!(scheda.contains("data-testid=\"service-how\""));
    assert!(!scheda.contains("/livorno/servizi/carta-identita-elettronica/domanda"));
    // Posted all the same, or asked on whose behalf: back to the scheda, nothing started.
    let r = post_on(
        &c,
        &t.url,
        "/livorno/servizi/carta-identita-elettronica",
        "/livorno/servizi/carta-identita-elettronica/domanda",
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/livorno/servizi/carta-identita-elettronica#accedi-al-servizio"
    );
    let r = c
        .get(format!(
            "{}/livorno/servizi/pagamento-imu/per-conto-di",
            t.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // The use case refuses it too, whatever the way in (the API says so in problem+json).
    let who = crate::apply::citizen("mario-rossi", sportello_domain::identity::SpidLevel::L2);
    let livorno = crate::apply::livorno(&t).await;
    assert!(matches!(
        t.app()
            .applications()
            .start_application(livorno, "carta-identita-elettronica", &who)
            .await,
        Err(sportello_app::AppError::Apply(
            sportello_app::applications::ApplyError::NotOnline
        ))
    ));
    let area = text_of(&c, &format!("{}/area-personale", t.url)).await;
    assert!(
        !area.contains("Carta d'identità elettronica")
            && !area.contains("Carta d&#39;identità elettronica")
    );
    // A payment: where the ente does not take pagoPA payments, how to pay today…
    let imu = text_of(&c, &format!("{}/livorno/servizi/pagamento-imu", t.url)).await;
    assert!(
        imu.contains("data-testid=\"service-not-online\"")
            && imu.contains("data-testid=\"service-how\"")
    );
    assert!(!imu.contains("data-testid=\"pay-for-service\""));
    // …and once it does, the way to the person's debt file.
    let livorno = t.app().ente_by_istat("049009").await.unwrap().ente_id();
    t.app()
        .store()
        .tenant(livorno)
        .set_creditor(&sportello_store::CreditorRow {
            fiscal_code: "00104330493".into(),
            segregation_code: "01".into(),
            iban: "IT60X0542811101000000123456".into(),
            postal_account: String::new(),
            postal_authorisation: String::new(),
            cbill: "LI001".into(),
            updated_by: "test".into(),
            updated_at: 0,
        })
        .await
        .unwrap();
    let imu = text_of(&c, &format!("{}/livorno/servizi/pagamento-imu", t.url)).await;
    assert!(
        imu.contains("data-testid=\"pay-for-service\"")
            && imu.contains("href=\"/area-personale/pagamenti?comune=livorno\""),
        "{imu}"
    );
    t.stop().await;
}

/// A call with a ranking: each application scored by the call's criteria from its own data,
/// the ranking approved by the responsible officer alone and published without names.
#[tokio::test]
async fn a_call_ranks_its_applications_and_the_officer_publishes_the_ranking_anonymised() {
    use sportello_domain::identity::SpidLevel;
    let t = spawn_app().await;
    let app = t.app();
    let url = t.url.as_str();
    let livorno = crate::apply::livorno(&t).await;
    let born = (app.now().date() - time::Duration::days(200)).to_string();
    // (persona, work, ISEE): 10 + 5 = 15; 20 + 15 = 35; 25 + 0 = 25 (no ISEE given).
    let families = [
        ("mario-rossi", "uno", "25000"),
        ("giulia-bianchi", "entrambi", "8000"),
        ("anna-neri", "monogenitore", ""),
    ];
    let mut numbers = Vec::new();
    let mut ids = Vec::new();
    for (persona, work, isee) in families {
        let who = crate::apply::citizen(persona, SpidLevel::L2);
        let apps = app.applications();
        let id = apps
            .start_application(livorno, "iscrizione-asilo-nido", &who)
            .await
            .unwrap();
        let errors = apps
            .save_step(
                livorno,
                &id,
                &who,
                0,
                &crate::apply::values(&[
                    ("codice_fiscale_genitore", &who.fiscal_code),
                    ("email", "famiglia@example.it"),
                    ("telefono", "0586 123456"),
                    ("condizione_lavorativa", work),
                ]),
            )
            .await
            .unwrap();
        assert_eq!(errors, vec![], "{persona}");
        let errors = apps
            .save_step(
                livorno,
                &id,
                &who,
                1,
                &crate::apply::values(&[
                    ("nome_bambino", "Leila"),
                    ("codice_fiscale_bambino", "HDDLLE12C54E625X"),
                    ("data_nascita_bambino", &born),
                    ("nido_preferito", "Il Girasole"),
                    ("orario", "tempo_pieno"),
                    ("isee", isee),
                ]),
            )
            .await
            .unwrap();
        assert_eq!(errors, vec![], "{persona}");
        let receipt = apps.submit(livorno, &id, &who, true).await.unwrap();
        numbers.push(receipt.number.clone());
        ids.push(id);
    }
    let (mario, giulia, anna) = (&numbers[0], &numbers[1], &numbers[2]);
    // The office sees the ranking the call's arithmetic makes; an operator cannot approve it.
    let operator = client();
    crate::authz_support::staff_login(&operator, url, "livorno.istruttore", false).await;
    let page = text_of(
        &operator,
        &format!("{url}/staff/graduatoria/iscrizione-asilo-nido"),
    )
    .await;
    let table = page
        .split("data-testid=\"scored-ranking\"")
        .nth(1)
        .unwrap_or_else(|| panic!("{page}"));
    let at = |n: &str| {
        let short = n.split('/').next().unwrap();
        table
            .find(short)
            .unwrap_or_else(|| panic!("{n} not ranked: {table}"))
    };
    assert!(
        at(giulia) < at(anna) && at(anna) < at(mario),
        "35, 25, 15 points"
    );
    assert!(!page.contains("data-testid=\"approve-ranking\""));
    let public = format!("{url}/livorno/graduatorie/iscrizione-asilo-nido");
    assert!(text_of(&client(), &public)
        .await
        .contains("data-testid=\"ranking-not-yet\""));
    let case_page = format!("/staff/pratiche/{}", ids[0]);
    let refused = post_on(
        &operator,
        url,
        &case_page,
        "/staff/graduatoria/iscrizione-asilo-nido/approva",
        &[],
    )
    .await;
    assert_eq!(refused.status(), 403);
    // The responsible officer approves: published, without a name.
    let officer = client();
    crate::authz_support::staff_login(&officer, url, "livorno.responsabile", false).await;
    let r = post_on(
        &officer,
        url,
        "/staff/graduatoria/iscrizione-asilo-nido",
        "/staff/graduatoria/iscrizione-asilo-nido/approva",
        &[],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let page = text_of(
        &officer,
        &format!("{url}/staff/graduatoria/iscrizione-asilo-nido?approvata=1"),
    )
    .await;
    assert!(
        page.contains("data-testid=\"ranking-approved\"")
            && page.contains("data-testid=\"approved-rankings\"")
    );
    let published = text_of(&client(), &public).await;
    let table = published
        .split("data-testid=\"public-ranking\"")
        .nth(1)
        .unwrap_or_else(|| panic!("{published}"));
    let row = |n: &str| {
        let short = n.split('/').next().unwrap();
        let start = table.find(short).unwrap_or_else(|| panic!("{n}: {table}"));
        table[start..].split("</tr>").next().unwrap().to_string()
    };
    assert!(
        row(giulia).contains("<strong>35</strong>"),
        "{}",
        row(giulia)
    );
    assert!(row(anna).contains("<strong>25</strong>"));
    assert!(row(mario).contains("<strong>15</strong>"));
    assert!(
        table.find(giulia.split('/').next().unwrap())
            < table.find(mario.split('/').next().unwrap())
    );
    for name in ["Rossi", "Bianchi", "Neri", "HDDLLE12C54E625X", "Leila"] {
        assert!(!published.contains(name), "{name} published");
    }
    // The scheda leads to it.
    let scheda = text_of(
        &client(),
        &format!("{url}/livorno/servizi/iscrizione-asilo-nido"),
    )
    .await;
    assert!(scheda.contains("href=\"/livorno/graduatorie/iscrizione-asilo-nido\""));
    t.stop().await;
}

/// Fills «Aprire un ristorante o un bar: pratica unica» for Francesco's company, with a sign
/// and outdoor seating; returns the draft's id.
async fn filled_restaurant(
    t: &sportello_testkit::TestApp,
    ente: sportello_domain::tenancy::EnteId,
    who: &sportello_domain::identity::CitizenIdentity,
) -> String {
    use crate::apply::{values, PDF};
    use sportello_app::applications::ActingFor;
    let app = t.app();
    let apps = app.applications();
    let id = apps
        .start_application_for(ente, "apertura-ristorante-bar", who, ActingFor::Company)
        .await
        .unwrap();
    let company = who.company.clone().unwrap();
    // Filed for the company the person represents: its name, partita IVA and the role are
    // there already.
    let draft = apps.draft(ente, &id, who).await.unwrap();
    assert_eq!(draft.values.get("partita_iva"), Some(&company.vat));
    assert_eq!(draft.values.get("ragione_sociale"), Some(&company.name));
    assert_eq!(
        draft.values.get("ruolo").map(String::as_str),
        Some("titolare")
    );
    let today = app.now().date();
    let day = |n: i64| (today + time::Duration::days(n)).to_string();
    let steps: [Vec<(&str, String)>; 5] = [
        vec![
            ("codice_fiscale", who.fiscal_code.to_string()),
            ("ruolo", "titolare".into()),
            ("ragione_sociale", company.name.clone()),
            ("partita_iva", company.vat.clone()),
            ("pec", "esposito@pec.example.invalid".into()),
        ],
        vec![
            ("zona_tutelata", "on".into()),
            ("insegna", "Trattoria del Porto".into()),
            ("tipologia", "ristorante".into()),
            ("indirizzo", "Scali del Corso 4, Livorno".into()),
            ("superficie_somministrazione", "60".into()),
            ("data_inizio", day(20)),
            ("descrizione", "Ristorante con cucina, 40 coperti".into()),
            ("dichiarazione_requisiti", "on".into()),
        ],
        vec![
            ("ha_insegna", "si".into()),
            ("testo_insegna", "Trattoria del Porto".into()),
            ("posizione", "facciata".into()),
            ("tipo_strada", "comunale".into()),
            ("dimensioni", "200 x 50 cm".into()),
            ("luminoso", "no".into()),
            ("dichiarazione_stabilita", "on".into()),
            ("dichiarazione_canone", "on".into()),
        ],
        vec![
            ("dehors", "si".into()),
            ("superficie_esterna", "18".into()),
            ("dehors_dal", day(30)),
            ("dehors_al", day(120)),
        ],
        vec![
            ("dichiarazione_onorabilita", "on".into()),
            ("chi_requisiti_professionali", "titolare".into()),
            (
                "titolo_professionale",
                "Corso regionale per la somministrazione, 2019".into(),
            ),
            ("dichiarazione_locali", "on".into()),
            ("dichiarazione_veridicita", "on".into()),
        ],
    ];
    let pdf = app.upload_of(PDF).await.unwrap();
    for field in [
        "planimetria",
        "bozzetto_insegna",
        "fotoinserimento_insegna",
        "planimetria_insegna",
        "planimetria_dehors",
    ] {
        apps.upload(ente, &id, who, field, &format!("{field}.pdf"), &pdf)
            .await
            .unwrap();
    }
    for (step, pairs) in steps.iter().enumerate() {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let errors = apps
            .save_step(ente, &id, who, step, &values(&pairs))
            .await
            .unwrap();
        assert_eq!(errors, vec![], "step {step}");
    }
    id
}

#[tokio::test]
async fn a_restaurant_files_once_and_each_office_works_its_own_procedure() {
    use sportello_domain::identity::SpidLevel;
    use sportello_domain::procedure::states::CaseState;
    let t = spawn_app().await;
    let app = t.app();
    let url = t.url.as_str();
    let livorno = crate::apply::livorno(&t).await;
    let francesco = crate::apply::citizen("francesco-esposito", SpidLevel::L2);
    let id = filled_restaurant(&t, livorno, &francesco).await;
    let receipt = app
        .applications()
        .submit(livorno, &id, &francesco, true)
        .await
        .unwrap();
    // One registration, the SCIA in force at once, and three procedures opened with it.
    assert_eq!(receipt.case_state, CaseState::SciaEfficace);
    let parts: Vec<(&str, &str, CaseState, bool)> = receipt
        .parts
        .iter()
        .map(|p| {
            (
                p.service_id.as_str(),
                p.office.as_str(),
                p.state,
                p.due.is_some(),
            )
        })
        .collect();
    assert_eq!(parts.len(), 3, "{parts:?}");
    assert_eq!(parts[0].0, "notifica-sanitaria-osa");
    assert_eq!(
        (parts[1].0, parts[1].1, parts[1].2, parts[1].3),
        (
            "autorizzazione-insegne-pubblicitarie",
            "Sportello Unico per le Attività Produttive",
            CaseState::Protocollata,
            true
        )
    );
    assert_eq!(
        (parts[2].0, parts[2].1, parts[2].2, parts[2].3),
        (
            "occupazione-suolo-pubblico",
            "Polizia municipale",
            CaseState::Protocollata,
            true
        )
    );
    // Each part's term is its own: 60 days for the sign, 30 for the public land.
    let sign_due = receipt.parts[1].due.unwrap();
    let land_due = receipt.parts[2].due.unwrap();
    assert!(land_due < sign_due, "{land_due} {sign_due}");
    // Each part's own data, in its own fields, read from what was typed once.
    let land_id = receipt.parts[2].id.clone();
    let sign_id = receipt.parts[1].id.clone();
    let operator = client();
    crate::authz_support::staff_login(&operator, url, "livorno.istruttore", false).await;
    let land = text_of(&operator, &format!("{url}/staff/pratiche/{land_id}")).await;
    assert!(
        land.contains(&format!("{} / ", receipt.number)) || land.contains(&receipt.number),
        "the part carries the filing's number: {land}"
    );
    assert!(land.contains("Polizia municipale") && land.contains("data-testid=\"related-cases\""));
    assert_eq!(land.matches("data-testid=\"related-case\"").count(), 4);
    assert!(land.contains("Dehors"), "the part's own motivo: {land}");
    assert!(land.contains("esposito@pec.example.invalid"));
    // The plan of the outdoor area is the part's own «planimetria», from the filing's upload.
    let plan = operator
        .get(format!(
            "{url}/staff/pratiche/{land_id}/allegati/planimetria"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(plan.status(), 200);
    assert_eq!(plan.bytes().await.unwrap().as_ref(), crate::apply::PDF);
    // The queue, searched by the one number, finds the filing and its three parts.
    let short = receipt.number.trim_start_matches('0');
    let queue = text_of(
        &operator,
        &format!("{url}/staff/pratiche?filtro=tutte&cerca={short}"),
    )
    .await;
    for case in [&id, &sign_id, &land_id] {
        assert!(
            queue.contains(&format!("/staff/pratiche/{case}\"")),
            "{case}: {queue}"
        );
    }
    assert_eq!(
        queue.matches("<a href=\"/staff/pratiche/").count(),
        4,
        "the filing and its three parts: {queue}"
    );
    // The police's own part, by their office: the one case of theirs in the filing.
    let police = text_of(
        &operator,
        &format!("{url}/staff/pratiche?filtro=tutte&ufficio=PM&cerca={short}"),
    )
    .await;
    assert_eq!(
        police.matches("<a href=\"/staff/pratiche/").count(),
        1,
        "{police}"
    );
    assert!(police.contains(&format!("/staff/pratiche/{land_id}\"")));
    let open_police = text_of(&operator, &format!("{url}/staff/pratiche?ufficio=PM")).await;
    assert!(open_police.contains(&format!("/staff/pratiche/{land_id}\"")));
    assert!(!open_police.contains(&format!("/staff/pratiche/{sign_id}\"")));
    // The applicant: one line in the personal area, with its parts under it.
    let mine = app
        .applications()
        .my_applications(&francesco)
        .await
        .unwrap();
    let filing = mine.iter().find(|a| a.id == id).unwrap();
    assert_eq!(filing.parts.len(), 3);
    // In the service's order of parts.
    let order: Vec<&str> = filing.parts.iter().map(|p| p.service_id.as_str()).collect();
    assert_eq!(
        order,
        [
            "notifica-sanitaria-osa",
            "autorizzazione-insegne-pubblicitarie",
            "occupazione-suolo-pubblico"
        ]
    );
    // Each part is filed for the same company as the filing.
    assert!(filing
        .acting_for
        .as_deref()
        .is_some_and(|c| c.contains("Esposito")));
    assert!(filing
        .parts
        .iter()
        .all(|p| p.acting_for == filing.acting_for));
    assert!(!mine.iter().any(|a| a.id == land_id));
    let case = app
        .applications()
        .applicant_case(livorno, &land_id, &francesco)
        .await
        .unwrap();
    assert_eq!(case.number, format!("{}/{}", receipt.number, receipt.year));
    assert_eq!(case.related.len(), 4);
    assert!(case.related[0].is_filing && case.related[0].id == id);
    // Someone else reaches none of it.
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    assert!(app
        .applications()
        .applicant_case(livorno, &land_id, &mario)
        .await
        .is_err());
    // Withdrawing the filing withdraws the parts still open; the health notification,
    // registered on filing, stays as it is.
    assert!(app
        .applications()
        .withdraw(livorno, &id, &francesco)
        .await
        .unwrap());
    let after = app
        .applications()
        .applicant_case(livorno, &id, &francesco)
        .await
        .unwrap();
    let states: Vec<CaseState> = after.related.iter().map(|r| r.state).collect();
    assert_eq!(
        states,
        vec![
            CaseState::Ritirata,
            parts[0].2,
            CaseState::Ritirata,
            CaseState::Ritirata
        ]
    );
    assert_ne!(parts[0].2, CaseState::Ritirata);
    // The register still verifies: the parts share the filing's number, none has its own.
    let v = app
        .registry()
        .verify_register("049009", None)
        .await
        .unwrap();
    assert_eq!((v.registrations, v.problems.len()), (1, 0));
    t.stop().await;
}

#[tokio::test]
async fn a_scheda_says_what_must_be_signed_and_whether_the_desk_takes_appointments() {
    let t = spawn_app().await;
    let c = client();
    let url = t.url.as_str();
    let cila = text_of(&c, &format!("{url}/livorno/servizi/cila")).await;
    assert!(
        cila.contains("data-testid=\"service-signature\"")
            && cila.contains("asseverati da un tecnico abilitato"),
        "{cila}"
    );
    assert!(!cila.contains("data-testid=\"service-appointment\""));
    let wedding = text_of(
        &c,
        &format!("{url}/livorno/servizi/celebrazione-matrimonio-civile"),
    )
    .await;
    assert!(
        wedding.contains("si firma allo sportello, davanti all&#39;ufficiale"),
        "{wedding}"
    );
    assert!(
        wedding.contains("data-testid=\"service-appointment\""),
        "{wedding}"
    );
    // A service with neither says nothing of them.
    let land = text_of(
        &c,
        &format!("{url}/livorno/servizi/occupazione-suolo-pubblico"),
    )
    .await;
    assert!(!land.contains("data-testid=\"service-signature\""));
    assert!(!land.contains("data-testid=\"service-appointment\""));
    // The API says the same.
    let services: serde_json::Value = c
        .get(format!("{url}/api/v1/enti/049009/servizi"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let find = |id: &str| {
        services
            .as_array()
            .and_then(|a| a.iter().find(|s| s["id"] == id))
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {services}"))
    };
    assert_eq!(find("cila")["signature"], "asseverazione");
    assert_eq!(find("celebrazione-matrimonio-civile")["appointment"], true);
    assert_eq!(
        find("occupazione-suolo-pubblico")["signature"],
        serde_json::Value::Null
    );
}

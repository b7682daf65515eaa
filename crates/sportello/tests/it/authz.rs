//! The authorisation walk: every route of the portal, the API and the application journey,
//! with every kind of visitor — nobody, the applicant, another citizen, staff of each role —
//! checked for who may see what. Nobody but the applicant learns that an application exists.

use sportello_testkit::{client, demo_sign_in, spawn_app};

use crate::authz_support::staff_login;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Who {
    Nobody,
    Owner,
    OtherCitizen,
    Operator,
    RegistryClerk,
    ResponsibleOfficer,
    Paas,
    EnteAdmin,
    RegionAdmin,
}

#[tokio::test]
async fn every_route_with_every_role() {
    let t = spawn_app().await;
    let url = t.url.clone();
    // Mario's application, filed and started by the office; and a draft of his.
    let crate::authz_support::MariosRows {
        mario,
        filed,
        draft,
        document: doc,
        registration: outbound,
    } = crate::authz_support::marios_rows(&t).await;
    let mario_cf = mario.fiscal_code.to_string();

    let mut clients = vec![];
    for who in [
        Who::Nobody,
        Who::Owner,
        Who::OtherCitizen,
        Who::Operator,
        Who::RegistryClerk,
        Who::ResponsibleOfficer,
        Who::Paas,
        Who::EnteAdmin,
        Who::RegionAdmin,
    ] {
        let c = client();
        match who {
            Who::Nobody => {}
            Who::Owner => {
                demo_sign_in(&c, &url, "mario-rossi", "L2").await;
            }
            Who::OtherCitizen => {
                demo_sign_in(&c, &url, "giulia-bianchi", "L2").await;
            }
            Who::Operator => staff_login(&c, &url, "livorno.istruttore", false).await,
            Who::RegistryClerk => staff_login(&c, &url, "livorno.protocollo", false).await,
            Who::ResponsibleOfficer => staff_login(&c, &url, "livorno.responsabile", false).await,
            Who::Paas => staff_login(&c, &url, "livorno.paas", false).await,
            Who::EnteAdmin => staff_login(&c, &url, "livorno.admin", true).await,
            Who::RegionAdmin => staff_login(&c, &url, "regione.admin", true).await,
        }
        clients.push((who, c));
    }

    let public = [
        "/",
        "/?q=pisa",
        "/livorno/",
        "/livorno/servizi",
        "/livorno/servizi/occupazione-suolo-pubblico",
        "/accedi",
        "/staff/accedi",
        "/api/v1/enti",
        "/api/v1/enti/049009",
        "/api/v1/enti/049009/servizi",
        "/api/v1/enti/049009/servizi/occupazione-suolo-pubblico",
        "/api/v1/openapi.json",
        "/healthz",
        "/readyz",
        "/metrics",
        "/static/sportello.css",
        "/protocollo/sigillo.pem",
    ];
    let owned_get = [
        format!("/livorno/domande/{filed}/ricevuta"),
        format!("/livorno/domande/{filed}/ricevuta.pdf"),
        format!("/livorno/domande/{filed}/allegati/planimetria"),
        format!("/livorno/domande/{filed}/pratica"),
        format!("/livorno/domande/{filed}/documenti/{doc}"),
        format!("/livorno/domande/{draft}/passo/1"),
        format!("/livorno/domande/{draft}/passo/3"),
        format!("/livorno/domande/{draft}/riepilogo"),
        format!("/livorno/domande/{draft}/allegati/planimetria"),
    ];
    for (who, c) in &clients {
        for path in public {
            let r = c.get(format!("{url}{path}")).send().await.unwrap();
            assert!(
                r.status().is_success()
                    || (*who != Who::Nobody && path == "/staff/accedi" && r.status() == 303),
                "{who:?} GET {path}: {}",
                r.status()
            );
            let body = r.text().await.unwrap();
            assert!(
                !body.contains(&mario_cf) || *who == Who::Owner,
                "{who:?} GET {path} shows the applicant's codice fiscale"
            );
        }
        for path in &owned_get {
            let r = c.get(format!("{url}{path}")).send().await.unwrap();
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let body = r.text().await.unwrap();
            match who {
                Who::Owner => assert_eq!(status, 200, "owner GET {path}"),
                Who::OtherCitizen => assert_eq!(status, 404, "another citizen GET {path}"),
                // Not a citizen: asked to sign in as one; nothing about the application shown.
                _ => {
                    assert_eq!(status, 303, "{who:?} GET {path}");
                    assert!(
                        location.starts_with("/accedi?torna="),
                        "{who:?} GET {path} → {location}"
                    );
                }
            }
            if *who != Who::Owner {
                assert!(
                    !body.contains(&mario_cf) && !body.contains("planimetria.pdf"),
                    "{who:?} GET {path} leaks data"
                );
            }
            // The same application under another ente's address: never found.
            if *who == Who::Owner {
                let elsewhere = path.replacen("/livorno/", "/firenze/", 1);
                assert_eq!(
                    c.get(format!("{url}{elsewhere}"))
                        .send()
                        .await
                        .unwrap()
                        .status(),
                    404,
                    "owner GET {elsewhere}"
                );
            }
        }
        // POSTs on the applicant's application, each with a valid CSRF token for this visitor.
        let page = c
            .get(format!("{url}/accedi"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .map(|rest| rest.split('"').next().unwrap().to_string())
            .unwrap_or_default();
        for path in [
            format!("/livorno/domande/{draft}/invia"),
            format!("/livorno/domande/{filed}/ritira"),
        ] {
            if *who == Who::Owner {
                continue; // the owner's POSTs are the journey's own tests
            }
            let r = c
                .post(format!("{url}{path}"))
                .form(&[("csrf", csrf.as_str()), ("dichiarazione", "true")])
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            assert!(
                matches!(status, 303 | 403 | 404),
                "{who:?} POST {path}: {status}"
            );
            if status == 303 {
                assert!(
                    r.headers()["location"]
                        .to_str()
                        .unwrap()
                        .starts_with("/accedi"),
                    "{who:?} POST {path}"
                );
            }
        }
        // The personal area and the desk.
        let personal = c.get(format!("{url}/area-personale")).send().await.unwrap();
        let desk = c.get(format!("{url}/staff/")).send().await.unwrap();
        match who {
            Who::Nobody => {
                assert_eq!(
                    personal.headers()["location"],
                    "/accedi?torna=/area-personale"
                );
                assert_eq!(desk.headers()["location"], "/staff/accedi");
            }
            Who::Owner | Who::OtherCitizen => {
                assert_eq!(personal.status(), 200);
                let text = personal.text().await.unwrap();
                assert_eq!(
                    text.contains("Occupazione di suolo pubblico"),
                    *who == Who::Owner,
                    "{who:?} sees only their own cases"
                );
                assert_eq!(
                    desk.headers()["location"],
                    "/staff/accedi",
                    "citizens have no desk"
                );
            }
            _ => {
                assert_eq!(personal.headers()["location"], "/staff/");
                assert_eq!(desk.status(), 200);
            }
        }
        // Routes added with applying online: on whose behalf, assisted access, the catalogue desk.
        let status_and_location = |r: reqwest::Response| {
            let location = r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            (r.status().as_u16(), location)
        };
        let acting = status_and_location(
            c.get(format!(
                "{url}/livorno/servizi/occupazione-suolo-pubblico/per-conto-di"
            ))
            .send()
            .await
            .unwrap(),
        );
        let paas = status_and_location(
            c.get(format!("{url}/staff/assistenza"))
                .send()
                .await
                .unwrap(),
        );
        let catalogue =
            status_and_location(c.get(format!("{url}/staff/servizi")).send().await.unwrap());
        let acts = status_and_location(
            c.get(format!("{url}/staff/atti/avvio"))
                .send()
                .await
                .unwrap(),
        );
        let budgets = status_and_location(
            c.get(format!("{url}/staff/bilancio-partecipativo"))
                .send()
                .await
                .unwrap(),
        );
        match who {
            Who::Nobody
            | Who::Operator
            | Who::RegistryClerk
            | Who::ResponsibleOfficer
            | Who::Paas
            | Who::EnteAdmin
            | Who::RegionAdmin => {
                assert_eq!(acting.0, 303, "{who:?} per-conto-di");
                assert!(
                    acting.1.starts_with("/accedi"),
                    "{who:?} per-conto-di → {}",
                    acting.1
                );
            }
            Who::Owner | Who::OtherCitizen => assert_eq!(acting.0, 200, "{who:?} per-conto-di"),
        }
        match who {
            Who::Nobody | Who::Owner | Who::OtherCitizen => {
                assert_eq!(
                    paas,
                    (303, "/staff/accedi".to_string()),
                    "{who:?} assistenza"
                );
                assert_eq!(
                    catalogue,
                    (303, "/staff/accedi".to_string()),
                    "{who:?} staff/servizi"
                );
                assert_eq!(acts.0, 303, "{who:?} staff/atti");
                assert!(acts.1.starts_with("/staff/accedi"), "{who:?} staff/atti");
                assert_eq!(budgets.0, 303, "{who:?} staff/bilancio-partecipativo");
            }
            Who::Operator | Who::RegistryClerk | Who::ResponsibleOfficer => {
                assert_eq!(paas.0, 403, "{who:?} assistenza");
                assert_eq!(catalogue.0, 403, "{who:?} staff/servizi");
                assert_eq!(acts.0, 403, "{who:?} staff/atti");
                // Participatory budgets: operators run them; the clerk and the officer not.
                let expected = if matches!(who, Who::Operator) {
                    200
                } else {
                    403
                };
                assert_eq!(budgets.0, expected, "{who:?} staff/bilancio-partecipativo");
            }
            Who::Paas => {
                assert_eq!(paas.0, 200, "PAAS assistenza");
                assert_eq!(catalogue.0, 403, "PAAS staff/servizi");
                assert_eq!(acts.0, 403, "PAAS staff/atti");
                assert_eq!(budgets.0, 403, "PAAS staff/bilancio-partecipativo");
            }
            Who::EnteAdmin | Who::RegionAdmin => {
                assert_eq!(paas.0, 403, "{who:?} assistenza");
                assert_eq!(catalogue.0, 200, "{who:?} staff/servizi");
                assert_eq!(acts.0, 200, "{who:?} staff/atti");
                // The region's administrator has no ente: no ente's budgets to run.
                let expected = if matches!(who, Who::EnteAdmin) {
                    200
                } else {
                    403
                };
                assert_eq!(budgets.0, expected, "{who:?} staff/bilancio-partecipativo");
            }
        }
        crate::authz_cases::case_routes(*who, c, &url, &filed, &doc, outbound, &mario_cf).await;
        // The API's personal routes.
        let mine = c
            .get(format!("{url}/api/v1/me/domande"))
            .send()
            .await
            .unwrap();
        let one = c
            .get(format!("{url}/api/v1/me/domande/{filed}"))
            .send()
            .await
            .unwrap();
        let token = c
            .post(format!("{url}/api/v1/me/token"))
            .send()
            .await
            .unwrap();
        let file = c
            .post(format!(
                "{url}/api/v1/enti/049009/servizi/segnalazione-reclamo/domande"
            ))
            .json(&serde_json::json!({"data": {}, "declaration": true}))
            .send()
            .await
            .unwrap();
        match who {
            Who::Owner => {
                assert_eq!(
                    (
                        mine.status().as_u16(),
                        one.status().as_u16(),
                        token.status().as_u16()
                    ),
                    (200, 200, 201)
                );
                assert_eq!(
                    file.status(),
                    422,
                    "a citizen may file (this body is incomplete)"
                );
            }
            Who::OtherCitizen => {
                let list: Vec<serde_json::Value> = mine.json().await.unwrap();
                assert!(list.is_empty());
                assert_eq!(one.status(), 404);
                assert_eq!(token.status(), 201);
            }
            _ => {
                for (label, r) in [
                    ("mine", mine),
                    ("one", one),
                    ("token", token),
                    ("file", file),
                ] {
                    assert_eq!(r.status(), 401, "{who:?} API {label}");
                }
            }
        }
    }
    t.stop().await;
}

//! The authorisation walk over the routes of the back office and of the applicant's case page:
//! the office of the case's own ente works on it, each role within its powers; everyone else
//! finds nothing, or is asked to sign in.

use crate::authz::Who;

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

pub(crate) async fn case_routes(
    who: Who,
    c: &reqwest::Client,
    url: &str,
    filed: &str,
    doc: &str,
    registration: i64,
    applicant_cf: &str,
) {
    let office = [
        "/staff/protocollo".to_string(),
        format!("/staff/protocollo/{registration}"),
        format!("/staff/protocollo/{registration}/segnatura.xml"),
        format!("/staff/protocollo/{registration}/documento"),
        format!("/staff/pratiche/{filed}"),
        format!("/staff/pratiche/{filed}/allegati/planimetria"),
        format!("/staff/pratiche/{filed}/documenti/{doc}"),
        format!("/staff/pratiche/{filed}/documenti/{doc}/segnatura.xml"),
    ];
    for path in &office {
        let r = c.get(format!("{url}{path}")).send().await.unwrap();
        let (status, to) = (r.status().as_u16(), location(&r));
        let body = r.text().await.unwrap();
        match who {
            Who::Operator | Who::RegistryClerk | Who::ResponsibleOfficer | Who::EnteAdmin => {
                assert_eq!(status, 200, "{who:?} GET {path}")
            }
            // Staff without case work, or of no ente: nothing found.
            Who::Paas | Who::RegionAdmin => assert_eq!(status, 404, "{who:?} GET {path}"),
            Who::Nobody | Who::Owner | Who::OtherCitizen => {
                assert_eq!(
                    (status, to.as_str()),
                    (303, "/staff/accedi"),
                    "{who:?} GET {path}"
                )
            }
        }
        if status != 200 {
            assert!(
                !body.contains(applicant_cf),
                "{who:?} GET {path} leaks data"
            );
        }
    }
    // Registering at the desk: the registry clerk's alone.
    let r = c
        .get(format!("{url}/staff/protocollo/nuova"))
        .send()
        .await
        .unwrap();
    let (status, to) = (r.status().as_u16(), location(&r));
    match who {
        Who::RegistryClerk => assert_eq!(status, 200),
        Who::Nobody | Who::Owner | Who::OtherCitizen => {
            assert_eq!(
                (status, to.as_str()),
                (303, "/staff/accedi"),
                "{who:?} nuova"
            )
        }
        _ => assert_eq!(status, 403, "{who:?} nuova"),
    }
    // An internal note: only the roles that work cases may write one.
    // A valid token for this visitor, from a page with a form they can see.
    let mut csrf = String::new();
    for page in ["/accedi", "/area-personale", "/staff/"] {
        let html = c
            .get(format!("{url}{page}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if let Some(token) = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .map(|rest| rest.split('"').next().unwrap().to_string())
        {
            csrf = token;
            break;
        }
    }
    let r = c
        .post(format!("{url}/staff/pratiche/{filed}/azioni"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("azione", "nota"),
            ("testo", "verifica"),
        ])
        .send()
        .await
        .unwrap();
    let (status, to) = (r.status().as_u16(), location(&r));
    match who {
        Who::Operator | Who::ResponsibleOfficer => {
            assert_eq!(
                (status, to),
                (303, format!("/staff/pratiche/{filed}?fatto=nota")),
                "{who:?} note"
            )
        }
        Who::RegistryClerk | Who::EnteAdmin => {
            assert_eq!(status, 409, "{who:?} note: may read, not act")
        }
        Who::Paas | Who::RegionAdmin => assert_eq!(status, 404, "{who:?} note"),
        // Refused at the CSRF check (no session to bind a token to) or asked to sign in.
        Who::Nobody => assert!(
            status == 403 || to == "/staff/accedi",
            "nobody's note: {status}"
        ),
        Who::Owner | Who::OtherCitizen => {
            assert_eq!(
                (status, to.as_str()),
                (303, "/staff/accedi"),
                "{who:?} note"
            )
        }
    }
    // Annulment: asked by the clerk (here without a reason: refused, nothing changes),
    // authorised by the officer (here with nothing pending).
    for (action, clerk_status, officer_status) in [("annulla", 422, 409), ("autorizza", 409, 409)] {
        let r = c
            .post(format!("{url}/staff/protocollo/{registration}/{action}"))
            .form(&[("csrf", csrf.as_str()), ("motivo", "")])
            .send()
            .await
            .unwrap();
        let (status, to) = (r.status().as_u16(), location(&r));
        match who {
            Who::RegistryClerk => assert_eq!(status, clerk_status, "clerk {action}"),
            Who::ResponsibleOfficer => assert_eq!(status, officer_status, "officer {action}"),
            Who::Operator | Who::EnteAdmin => assert_eq!(status, 409, "{who:?} {action}"),
            Who::Paas | Who::RegionAdmin => assert_eq!(status, 404, "{who:?} {action}"),
            Who::Nobody => assert!(status == 403 || to == "/staff/accedi", "nobody {action}"),
            Who::Owner | Who::OtherCitizen => {
                assert_eq!(
                    (status, to.as_str()),
                    (303, "/staff/accedi"),
                    "{who:?} {action}"
                )
            }
        }
    }
    // The applicant's answer: nobody else may send one (and none is awaited now).
    if who != Who::Owner {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("testo", "intrusione");
        let r = c
            .post(format!("{url}/livorno/domande/{filed}/rispondi"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let (status, to) = (r.status().as_u16(), location(&r));
        match who {
            Who::OtherCitizen => assert_eq!(status, 404, "another citizen answers"),
            _ => assert!(
                status == 403 || (status == 303 && to.starts_with("/accedi?torna=")),
                "{who:?} answers: {status} {to}"
            ),
        }
    }
}

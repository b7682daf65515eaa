//! Open data (issue 19): each ente's catalogue and the region's, in DCAT-AP_IT and as pages;
//! the distributions; the CKAN-compatible API as harvesters call it. (CI also runs the real
//! clients: pySHACL on the catalogues and `ckanapi` on a running demo, `.ci/opendata.sh`.)

use serde_json::Value;
use sportello_testkit::{client, spawn_app, text_of};

async fn action(url: &str, name: &str, query: &str) -> (u16, Value) {
    let r = client()
        .get(format!("{url}/api/3/action/{name}?{query}"))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn catalogues_distributions_and_the_ckan_api() {
    let t = spawn_app().await;
    let url = &t.url;
    let c = client();
    // A month of work: Livorno's cases, ratings, albo and budget; other enti have services only.
    t.app().seed_demo_month().await.unwrap();

    // People's pages and the harvesters' files.
    let page = text_of(&c, &format!("{url}/livorno/dati")).await;
    assert!(
        page.contains("Tempi dei procedimenti — Comune di Livorno"),
        "{page}"
    );
    let ttl = text_of(&c, &format!("{url}/livorno/dati/catalogo.ttl")).await;
    for needle in [
        "a <http://dati.gov.it/onto/dcatapit#Catalog>",
        "dct:identifier \"c_e625:tempi-procedimenti\"",
        "dct:rightsHolder <",
        "dct:license <https://w3id.org/italia/controlled-vocabulary/licences/A21_CCBY40>",
    ] {
        assert!(ttl.contains(needle), "{needle}");
    }
    // Services, times, ratings, albo, budgets, reports and bookings.
    assert_eq!(
        ttl.matches("a <http://dati.gov.it/onto/dcatapit#Dataset>")
            .count(),
        7
    );
    // The reports, one a row, without who reported them; the bookings counted by place and
    // month, with no one named.
    let reports = text_of(&c, &format!("{url}/livorno/dati/segnalazioni.csv")).await;
    let mut lines = reports.lines();
    assert_eq!(
        lines.next(),
        Some("codice,categoria,oggetto,via,quartiere,stato,data_ricezione,termine,data_risoluzione,giorni_risoluzione,sostegni,riaperture,pagina")
    );
    assert!(lines.clone().count() >= 10, "{reports}");
    assert!(lines.any(|l| l.contains(",resolved,")), "{reports}");
    for person in ["Rossi", "@", "RSSMRA"] {
        assert!(!reports.contains(person), "{person} in {reports}");
    }
    let bookings: Value = c
        .get(format!("{url}/livorno/dati/prenotazioni.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = bookings.as_array().unwrap();
    let office = rows
        .iter()
        .filter(|r| r["tipo"] == "ufficio")
        .fold((0, 0, 0, 0), |acc, r| {
            (
                acc.0 + r["prenotati"].as_i64().unwrap(),
                acc.1 + r["presentati"].as_i64().unwrap(),
                acc.2 + r["non_presentati"].as_i64().unwrap(),
                acc.3 + r["senza_prenotazione"].as_i64().unwrap(),
            )
        });
    // The demo's registry office: 9 booked (one cancelled), 3 came, 1 did not, 1 walk-in.
    assert_eq!(office, (9, 3, 1, 1), "{bookings}");
    assert!(!bookings.to_string().contains("Rossi"));
    // The same figures on the ente's accountability page.
    let times = text_of(&c, &format!("{url}/livorno/trasparenza/tempi")).await;
    let doors = times
        .split("data-testid=\"doors\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        // 14, and the museum's two tours of the day someone waits for.
        doors.contains("Prenotati</dt><dd class=\"col-4\">16<"),
        "{doors}"
    );
    assert!(doors.contains("Risolte</dt>"), "{doors}");
    let rdf = c
        .get(format!("{url}/livorno/dati/catalogo.rdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        rdf.headers()["content-type"],
        "application/rdf+xml; charset=utf-8"
    );
    assert!(rdf.text().await.unwrap().contains("<rdf:RDF"));
    let services = text_of(&c, &format!("{url}/livorno/dati/servizi.csv")).await;
    let mut lines = services.lines();
    assert_eq!(
        lines.next(),
        Some(
            "id,titolo,categoria,regime,termine_giorni,diritti_euro,ufficio,livello_online,pagina"
        )
    );
    assert!(lines.count() >= 10);
    let json: Value = c
        .get(format!("{url}/dati/servizi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(json
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == "cambio-residenza" && s["termine_giorni"] == 45));
    let dataset = text_of(&c, &format!("{url}/livorno/dati/albo-pretorio")).await;
    assert!(dataset.contains("c_e625:albo-pretorio"), "{dataset}");
    assert_eq!(
        c.get(format!("{url}/livorno/dati/niente.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // A dataset only an ente has is not the region's.
    assert_eq!(
        c.get(format!("{url}/dati/albo-pretorio.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // The CKAN API: every dataset, by name; one by name or id; a search, paged and filtered.
    let (status, list) = action(url, "package_list", "").await;
    assert_eq!(status, 200);
    assert_eq!(list["success"], true);
    let names: Vec<&str> = list["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // The region's two, every ente's services, and the others' datasets where there is data.
    let total = names.len();
    assert!(total > 2 + 273 && total < 2 + 273 * 5, "{total}");
    assert!(
        !names.contains(&"c_a006-valutazioni"),
        "an empty dataset is not published"
    );
    assert!(names.contains(&"c_e625-tempi-procedimenti") && names.contains(&"r_toscan-servizi"));
    let (_, shown) = action(url, "package_show", "id=c_e625-valutazioni").await;
    let p = &shown["result"];
    assert_eq!(p["organization"]["name"], "c_e625");
    assert_eq!(p["identifier"], "c_e625:valutazioni");
    assert_eq!(p["resources"].as_array().unwrap().len(), 2);
    let id = p["id"].as_str().unwrap().to_owned();
    let (_, by_id) = action(url, "package_show", &format!("id={id}")).await;
    assert_eq!(by_id["result"]["name"], "c_e625-valutazioni");
    let (status, missing) = action(url, "package_show", "id=nessuno").await;
    assert_eq!(status, 404);
    assert_eq!(missing["error"]["__type"], "Not Found Error");
    let (_, first) = action(url, "package_search", "rows=5&start=0&sort=id%20asc").await;
    let (_, second) = action(url, "package_search", "rows=5&start=5&sort=id%20asc").await;
    assert_eq!(first["result"]["count"], total);
    let ids = |v: &Value| -> Vec<String> {
        v["result"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (a, b) = (ids(&first), ids(&second));
    assert_eq!((a.len(), b.len()), (5, 5));
    assert!(a.iter().all(|x| !b.contains(x)) && a.windows(2).all(|w| w[0] < w[1]) && a[4] < b[0]);
    let (_, livorno) = action(
        url,
        "package_search",
        "fq=organization:c_e625&facet.field=%5B%22res_format%22%5D&rows=100",
    )
    .await;
    assert_eq!(livorno["result"]["count"], 7);
    assert_eq!(livorno["result"]["facets"]["res_format"]["CSV"], 7);
    let (_, future) = action(
        url,
        "package_search",
        "fq=metadata_modified:%5B2999-01-01T00:00:00.000001Z%20TO%20*%5D",
    )
    .await;
    assert_eq!(future["result"]["count"], 0);
    let (_, since) = action(
        url,
        "package_search",
        "fq=metadata_modified:%5B2000-01-01T00:00:00Z%20TO%20*%5D&rows=0",
    )
    .await;
    assert_eq!(since["result"]["count"], total);
    let (_, words) = action(url, "package_search", "q=albo%20livorno").await;
    assert_eq!(words["result"]["count"], 1);
    let (status, bad) = action(url, "package_search", "fq=metadata_modified:%5B2026").await;
    assert_eq!(status, 400);
    assert_eq!(bad["error"]["__type"], "Search Query Error");
    let (status, bad_rows) = action(url, "package_search", "rows=molte").await;
    assert_eq!(status, 409);
    assert_eq!(bad_rows["error"]["__type"], "Validation Error");
    let (_, orgs) = action(url, "organization_list", "all_fields=true").await;
    assert_eq!(orgs["result"].as_array().unwrap().len(), 274);
    let (_, org) = action(url, "organization_show", "id=c_e625").await;
    assert_eq!(org["result"]["package_count"], 7);
    // Every distribution of Livorno's datasets answers, the .pb files of its votes included.
    let (_, mine) = action(url, "package_search", "fq=organization:c_e625&rows=10").await;
    let mut fetched = 0;
    for p in mine["result"]["results"].as_array().unwrap() {
        for r in p["resources"].as_array().unwrap() {
            let u = r["url"].as_str().unwrap();
            let got = c.get(u).send().await.unwrap();
            assert_eq!(got.status(), 200, "{u}");
            fetched += 1;
        }
    }
    assert!(fetched > 10, "{fetched}");
    let (_, groups) = action(url, "group_list", "").await;
    assert_eq!(groups["result"], serde_json::json!(["economia", "governo"]));
    let (_, status_show) = action(url, "status_show", "").await;
    assert!(status_show["result"]["ckan_version"]
        .as_str()
        .unwrap()
        .starts_with("2."));
    // As ckanapi calls it: POST with a JSON body, numbers as text, at /api/action/.
    let posted: Value = c
        .post(format!("{url}/api/action/package_search"))
        .json(&serde_json::json!({"q": "tempi", "rows": "2"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posted["result"]["results"].as_array().unwrap().len(), 2);
    let evil = c
        .post(format!("{url}/api/action/package_list"))
        .header("Origin", "https://evil.example")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
    let unknown = c
        .get(format!("{url}/api/3/action/package_delete"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    t.stop().await;
}

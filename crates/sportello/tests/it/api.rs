//! The JSON API and its OpenAPI document.

use sportello_testkit::{client, spawn_app};

#[tokio::test]
async fn lists_filters_and_finds_enti() {
    let t = spawn_app().await;
    let c = client();
    let all: Vec<serde_json::Value> = c
        .get(format!("{}/api/v1/enti", t.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 273);
    let total: i64 = all.iter().map(|e| e["population"].as_i64().unwrap()).sum();
    assert_eq!(total, 3_672_202);
    let li: Vec<serde_json::Value> = c
        .get(format!("{}/api/v1/enti?provincia=LI", t.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(li.len(), 19);
    assert!(li.iter().all(|e| e["province_code"] == "LI"));
    let one = c
        .get(format!("{}/api/v1/enti/049009", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(one.status(), 200);
    let one: serde_json::Value = one.json().await.unwrap();
    assert_eq!(one["name"], "Livorno");
    assert_eq!(one["cadastral_code"], "E625");
    assert_eq!(one["url"], format!("{}/livorno/", t.url));
    t.stop().await;
}

#[tokio::test]
async fn bad_requests_get_problem_documents() {
    let t = spawn_app().await;
    let c = client();
    for (path, status) in [
        ("/api/v1/enti/999999", 404),
        ("/api/v1/enti/abc", 404),
        ("/api/v1/enti?provincia=L1", 422),
        ("/api/v1/enti?regione=09", 422),
        ("/api/v1/nothing", 404),
    ] {
        let r = c.get(format!("{}{path}", t.url)).send().await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["status"], status, "{path}");
        assert!(!body["title"].as_str().unwrap().is_empty());
    }
    let body: serde_json::Value = c
        .get(format!("{}/api/v1/enti?regione=09", t.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("regione"),
        "the unknown parameter is named"
    );
    t.stop().await;
}

#[tokio::test]
async fn openapi_document_describes_the_api() {
    let t = spawn_app().await;
    let doc: serde_json::Value = client()
        .get(format!("{}/api/v1/openapi.json", t.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/v1/enti"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/enti/{istat}"]["get"]["responses"]["404"].is_object());
    assert!(doc["components"]["schemas"]["Ente"]["properties"]["istat_code"].is_object());
    t.stop().await;
}

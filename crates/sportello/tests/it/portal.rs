//! The public portal: region home, search, municipality pages, errors, language, headers.

use sportello_testkit::{client, spawn_app};

#[tokio::test]
async fn region_home_lists_and_searches_municipalities() {
    let t = spawn_app().await;
    let c = client();
    let html = c
        .get(format!("{}/", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"it\">"));
    assert!(html.contains("Comuni trovati: 273"), "all 273 listed");
    assert!(html.contains("DEMO"), "the demo banner shows");
    let html = c
        .get(format!("{}/?q=livorno", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Comuni trovati: 1"));
    assert!(html.contains("href=\"/livorno/\""));
    let html = c
        .get(format!("{}/?q=&provincia=LI", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Comuni trovati: 19"));
    assert!(html.contains("<option value=\"LI\" selected>"));
    // Accents and case do not matter.
    let html = c
        .get(format!("{}/?q=CAMPO%20NELL", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Campo nell&#39;Elba") || html.contains("Campo nell&#x27;Elba"),
        "{html}"
    );
    let html = c
        .get(format!("{}/?q=zzzz", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Nessun comune corrisponde"));
    // Markup in the query is escaped, never interpreted.
    let html = c
        .get(format!("{}/?q=%3Cscript%3E", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>"));
    t.stop().await;
}

#[tokio::test]
async fn municipality_pages_and_not_found() {
    let t = spawn_app().await;
    let c = client();
    let r = c.get(format!("{}/livorno/", t.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<h1>Comune di Livorno</h1>"));
    assert!(html.contains("049009") && html.contains("E625"));
    assert!(html.contains("AOO-049009"));
    assert!(
        html.contains("157.052"),
        "population with the Italian thousands separator"
    );
    let r = c.get(format!("{}/livorno", t.url)).send().await.unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "/livorno/");
    let r = c.get(format!("{}/atlantide/", t.url)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("Pagina non trovata"), "an Italian 404 page");
    let r = c
        .get(format!("{}/no/such/page", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    t.stop().await;
}

#[tokio::test]
async fn english_through_the_language_switch() {
    let t = spawn_app().await;
    let c = client();
    let r = c
        .get(format!("{}/lingua?l=en&torna=%2Flivorno%2F", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/livorno/");
    let html = c
        .get(format!("{}/livorno/", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Municipality of Livorno"));
    // Only local paths are followed.
    let r = c
        .get(format!(
            "{}/lingua?l=it&torna=https%3A%2F%2Fevil.example%2F",
            t.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
    t.stop().await;
}

#[tokio::test]
async fn security_headers_cookies_and_assets() {
    let t = spawn_app().await;
    let c = client();
    let r = c.get(format!("{}/", t.url)).send().await.unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h.contains_key("x-request-id"));
    let cookie = h["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("sportello_pre=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
    );
    // Plain-HTTP loopback: no Secure attribute, or the browser would drop the cookie.
    assert!(!cookie.contains("Secure"));
    let css = c
        .get(format!("{}/static/bi/css/bootstrap-italia.min.css", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    let etag = css.headers()["etag"].clone();
    let again = c
        .get(format!("{}/static/bi/css/bootstrap-italia.min.css", t.url))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let font = c
        .get(format!(
            "{}/static/bi/fonts/Titillium_Web/titillium-web-v10-latin-ext_latin-regular.woff2",
            t.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(font.headers()["content-type"], "font/woff2");
    assert_eq!(
        c.get(format!("{}/static/nope.css", t.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    t.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let t = spawn_app().await;
    let c = client();
    assert_eq!(
        c.get(format!("{}/healthz", t.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    assert_eq!(
        c.get(format!("{}/readyz", t.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    c.get(format!("{}/livorno/", t.url)).send().await.unwrap();
    c.get(format!("{}/pisa/", t.url)).send().await.unwrap();
    let m = c
        .get(format!("{}/metrics", t.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains(
            "sportello_http_requests_total{method=\"GET\",route=\"/{slug}/\",status=\"200\"} 2"
        ),
        "{m}"
    );
    assert!(m.contains("sportello_http_request_duration_seconds_bucket{method=\"GET\",route=\"/{slug}/\",le=\"+Inf\"} 2"));
    assert!(m.contains("sportello_db_pool_max_connections 5"));
    assert!(!m.contains("livorno"), "no paths with data in labels");
    t.stop().await;
}

#[tokio::test]
async fn a_broken_database_gives_the_500_page_and_not_ready() {
    let t = spawn_app().await;
    let c = client();
    t.app().store().close().await;
    let r = c.get(format!("{}/livorno/", t.url)).send().await.unwrap();
    assert_eq!(r.status(), 500);
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let html = r.text().await.unwrap();
    assert!(html.contains("Errore del servizio"));
    assert!(
        html.contains(&id),
        "the page shows the request code support can look up"
    );
    assert_eq!(
        c.get(format!("{}/readyz", t.url))
            .send()
            .await
            .unwrap()
            .status(),
        503
    );
    assert_eq!(
        c.get(format!("{}/healthz", t.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = c
        .get(format!("{}/api/v1/enti", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    t.stop().await;
}

/// A service page speaks the resident's language: how the service is filed and the sign-in it
/// needs, in words, not a score or a code.
#[tokio::test]
async fn a_service_page_says_how_to_apply_in_plain_words() {
    let t = spawn_app().await;
    let page = sportello_testkit::text_of(
        &client(),
        &format!("{}/livorno/servizi/cambio-residenza", t.url),
    )
    .await;
    assert!(page.contains("Come si presenta"), "{page}");
    assert!(page.contains("interamente online"));
    assert!(page.contains("SPID livello 2 o CIE"));
    assert!(!page.contains("/5<"), "no maturity score");
    assert!(!page.contains("Livello di digitalizzazione"));
    t.stop().await;
}

/// Search finds whole words, without accents or case, singular or plural, and the words people
/// use (the catalogue's synonyms); when nothing is found it says whom to ask.
#[tokio::test]
async fn search_finds_what_people_mean_and_says_whom_to_ask() {
    let t = spawn_app().await;
    let c = client();
    let services = |q: &str| {
        let c = c.clone();
        let url = format!("{}/livorno/servizi?q={}", t.url, q);
        async move { sportello_testkit::text_of(&c, &url).await }
    };
    let page = services("tari").await;
    assert!(
        !page.contains("/livorno/servizi/permesso-ztl\""),
        "no substring matches"
    );
    assert!(page.contains("/livorno/servizi/pagamento-tari\""), "{page}");
    assert!(
        services("spazzatura")
            .await
            .contains("/livorno/servizi/pagamento-tari\""),
        "a synonym of TARI"
    );
    let page = services("astronave").await;
    assert!(page.contains("data-testid=\"nothing-found\""));
    assert!(
        page.contains("Chiedi all&#39;Ufficio Relazioni con il Pubblico")
            || page.contains("Chiedi all'Ufficio Relazioni con il Pubblico")
    );
    assert!(page.contains("href=\"/livorno/contatti\""));
    let page = services("trasloco").await;
    assert!(
        page.contains("/livorno/servizi/cambio-residenza\""),
        "a synonym"
    );
    let page = services("ATTIVITA%27").await;
    assert!(
        page.contains("/livorno/servizi/scia-esercizio-vicinato\""),
        "accents and case"
    );
    let page = services("accesso%20atti").await;
    assert!(page.contains("/livorno/servizi/accesso-atti\""));
    let page = services("iscrizioni%20nido").await;
    assert!(
        page.contains("/livorno/servizi/iscrizione-asilo-nido\""),
        "plurals"
    );
    assert!(
        !page.contains("/livorno/servizi/iscrizione-mensa-scolastica\""),
        "every word"
    );
    // One search box for the whole site: services, offices, participatory budgets.
    let site = sportello_testkit::text_of(&c, &format!("{}/livorno/cerca?q=edilizia", t.url)).await;
    assert!(site.contains("href=\"/livorno/uffici/SUE\""), "{site}");
    let site = sportello_testkit::text_of(
        &c,
        &format!("{}/livorno/cerca?q=carta%20d%27identit%C3%A0", t.url),
    )
    .await;
    assert!(
        site.contains("href=\"/livorno/servizi/carta-identita-elettronica\""),
        "{site}"
    );
    let site =
        sportello_testkit::text_of(&c, &format!("{}/livorno/cerca?q=astronave", t.url)).await;
    assert!(site.contains("data-testid=\"nothing-found\""));
    let home = sportello_testkit::text_of(&c, &format!("{}/livorno/", t.url)).await;
    assert!(home.contains("action=\"/livorno/cerca\""));
    t.stop().await;
}

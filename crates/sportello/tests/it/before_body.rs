//! Checked before read: every route that takes a form answers a visitor who may not post it —
//! not signed in, of the wrong kind, or sent by another site — while the client is still
//! sending the body. Each request here declares a 10 MB body (under every route's limit) and
//! sends a few bytes of it: an answer can only come if the server decided without reading.

use std::time::Duration;

use sportello_testkit::{client_with_jar, cookie_header, spawn_app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::authz_support::staff_login;

const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data; boundary=XyZ";

/// Sends the head of a POST declaring a 10 MB body, then 5 bytes of it, and returns the
/// status the server answers with, or `None` if it waited for the body.
async fn answer_before_body(url: &str, path: &str, content_type: &str, extra: &str) -> Option<u16> {
    let host = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n\
         Content-Length: 10000000\r\n{extra}\r\n--XyZ"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
    let n = read.ok()?.ok()?;
    let text = String::from_utf8_lossy(&buf[..n]);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

#[tokio::test]
async fn who_may_post_and_from_where_is_decided_before_the_body_is_read() {
    let t = spawn_app().await;
    let url = t.url.clone();
    // Paths of real rows are not needed: who may post is decided before anything is looked up.
    let signed_in_only = [
        ("/staff/protocollo/nuova", MULTIPART),
        ("/staff/assistenza", MULTIPART),
        ("/staff/pratiche/x/azioni", FORM),
        ("/staff/protocollo/1/annulla", FORM),
        ("/staff/protocollo/1/autorizza", FORM),
        ("/staff/servizi/occupazione-suolo-pubblico", FORM),
        ("/staff/atti/avvio", FORM),
        ("/staff/bilancio-partecipativo", FORM),
        ("/staff/bilancio-partecipativo/bp/fasi", FORM),
        ("/staff/bilancio-partecipativo/bp/aventi-diritto", FORM),
        (
            "/livorno/servizi/occupazione-suolo-pubblico/per-conto-di",
            MULTIPART,
        ),
        ("/livorno/domande/x/passo/1", MULTIPART),
        ("/livorno/domande/x/rispondi", MULTIPART),
        ("/livorno/domande/x/messaggio", FORM),
        ("/livorno/domande/x/invia", FORM),
        ("/livorno/domande/x/ritira", FORM),
        ("/livorno/bilancio-partecipativo/bp/proponi", MULTIPART),
        ("/livorno/bilancio-partecipativo/bp/vota", FORM),
        ("/livorno/bilancio-partecipativo/bp/progetti/1", FORM),
    ];
    for (path, kind) in signed_in_only {
        let status = answer_before_body(&url, path, kind, "").await;
        assert_eq!(
            status,
            Some(303),
            "anonymous POST {path}: sent to sign in at once"
        );
    }

    // A citizen on a staff route, and a clerk on a citizen's: the wrong kind, told at once.
    let (citizen, jar) = client_with_jar();
    sportello_testkit::demo_sign_in(&citizen, &url, "mario-rossi", "L2").await;
    let citizen_cookie = format!("Cookie: {}\r\n", cookie_header(&jar, &url));
    let (clerk, clerk_jar) = client_with_jar();
    staff_login(&clerk, &url, "livorno.protocollo", false).await;
    let clerk_cookie = format!("Cookie: {}\r\n", cookie_header(&clerk_jar, &url));
    assert_eq!(
        answer_before_body(&url, "/staff/protocollo/nuova", MULTIPART, &citizen_cookie).await,
        Some(303)
    );
    assert_eq!(
        answer_before_body(
            &url,
            "/livorno/domande/x/rispondi",
            MULTIPART,
            &clerk_cookie
        )
        .await,
        Some(303)
    );
    // A staff member without the route's permission: 403 before reading.
    let (operator, operator_jar) = client_with_jar();
    staff_login(&operator, &url, "livorno.istruttore", false).await;
    let operator_cookie = format!("Cookie: {}\r\n", cookie_header(&operator_jar, &url));
    for path in ["/staff/protocollo/nuova", "/staff/assistenza"] {
        assert_eq!(
            answer_before_body(&url, path, MULTIPART, &operator_cookie).await,
            Some(403),
            "operator POST {path}"
        );
    }

    // The right person, sent by another site: refused before reading, whatever the cookie.
    for (cookie, path, kind) in [
        (&clerk_cookie, "/staff/protocollo/nuova", MULTIPART),
        (&citizen_cookie, "/livorno/domande/x/rispondi", MULTIPART),
        (&citizen_cookie, "/livorno/domande/x/invia", FORM),
        (&citizen_cookie, "/esci", FORM),
    ] {
        for forged in [
            "Origin: https://evil.example\r\n",
            "Sec-Fetch-Site: cross-site\r\n",
        ] {
            let extra = format!("{cookie}{forged}");
            assert_eq!(
                answer_before_body(&url, path, kind, &extra).await,
                Some(403),
                "{path} with {forged}"
            );
        }
    }
    // Forms anyone may post (sign-in, the first step of a service): another site's are
    // refused before reading too.
    for path in [
        "/staff/accedi",
        "/livorno/servizi/occupazione-suolo-pubblico/domanda",
    ] {
        assert_eq!(
            answer_before_body(&url, path, FORM, "Origin: https://evil.example\r\n").await,
            Some(403),
            "{path} from another site"
        );
    }
    // The API with the session cookie from another site.
    assert_eq!(
        answer_before_body(
            &url,
            "/api/v1/enti/049009/servizi/segnalazione-reclamo/domande",
            MULTIPART,
            &format!("{citizen_cookie}Sec-Fetch-Site: cross-site\r\n"),
        )
        .await,
        Some(403)
    );
    // A token in the head is checked before reading as well: a wrong one is refused at once.
    assert_eq!(
        answer_before_body(
            &url,
            "/livorno/domande/x/rispondi",
            MULTIPART,
            &format!("{citizen_cookie}X-CSRF-Token: forged\r\n")
        )
        .await,
        Some(403)
    );
    t.stop().await;
}

/// A citizen signed in, and a CSRF token of their session.
async fn signed_in_citizen(url: &str) -> (reqwest::Client, String) {
    let (c, _) = client_with_jar();
    sportello_testkit::demo_sign_in(&c, url, "mario-rossi", "L2").await;
    let page = c
        .get(format!("{url}/area-personale"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = sportello_testkit::csrf_of(&page);
    (c, token)
}

/// The same page from this site still works: the checks refuse only what they should.
#[tokio::test]
async fn same_site_posts_with_the_token_in_the_head_or_the_body_go_through() {
    let t = spawn_app().await;
    let url = t.url.clone();
    // In the body, with the headers a browser adds on its own site.
    let (c, token) = signed_in_citizen(&url).await;
    let r = c
        .post(format!("{url}/esci"))
        .header("Origin", url.as_str())
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(sportello_testkit::location(&r), "/?uscito=1");
    // In the head (`X-CSRF-Token`), with nothing in the body.
    let (c, token) = signed_in_citizen(&url).await;
    let r = c
        .post(format!("{url}/esci"))
        .header("X-CSRF-Token", token)
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // Signed out while the form was open: back, after signing in, to the page the form was
    // on, not to the address it posts to (which answers only POST).
    let anonymous = sportello_testkit::client();
    let r = anonymous
        .post(format!("{url}/livorno/domande/abc/invia"))
        .header(
            "Referer",
            format!("{url}/livorno/domande/abc/riepilogo?x=1"),
        )
        .form(&[("dichiarazione", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        sportello_testkit::location(&r),
        "/accedi?torna=/livorno/domande/abc/riepilogo%3Fx%3D1"
    );
    let r = anonymous
        .post(format!("{url}/livorno/domande/abc/invia"))
        .header("Referer", "https://evil.example/x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sportello_testkit::location(&r),
        "/accedi?torna=/area-personale",
        "another site's page is never the way back"
    );
    t.stop().await;
}

/// A client that sends a request's head slowly (slowloris) is cut off when the head is not
/// whole within the configured time (two seconds under the harness), and holds nothing.
#[tokio::test]
async fn a_slow_client_is_cut_off() {
    let t = spawn_app().await;
    let addr = t.url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(8), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection was still open after 8 s");
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "cut off before its time: {:?}",
        started.elapsed()
    );
    // A connection that sends nothing at all is not kept either.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut nothing = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(8), idle.read_to_end(&mut nothing)).await;
    assert!(read.is_ok(), "an idle connection was still open after 8 s");
    // A whole request on a new connection is served as usual.
    let home = sportello_testkit::client()
        .get(&t.url)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
}

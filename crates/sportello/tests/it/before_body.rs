//! Checked before read, the other side: posts from this site still go through, with the token
//! in the head or in the body; and a slow client is cut off. (That every route refuses whoever
//! it does not serve before reading the body is walked over the whole router in surface.rs.)

use std::time::Duration;

use sportello_testkit::{client_with_jar, spawn_app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

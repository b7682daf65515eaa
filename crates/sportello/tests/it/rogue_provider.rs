//! A misbehaving OpenID Connect provider, written here on purpose: real providers do not
//! send forged or broken tokens on demand, so this one does, to show that the relying party
//! refuses each defect and creates no session. (The happy path runs against real providers:
//! the demo one and `oidc-provider` from npm.)

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use sportello::config::{ProviderConfig, Secret};
use sportello_testkit::{client, location, spawn_app_with, Options};

#[derive(Clone)]
struct Rogue {
    issuer: String,
    mode: Arc<Mutex<&'static str>>,
    nonce: Arc<Mutex<String>>,
    published: Arc<Vec<u8>>,
    other: Arc<Vec<u8>>,
}

fn keypair() -> Vec<u8> {
    EcdsaKeyPair::generate_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        &ring::rand::SystemRandom::new(),
    )
    .unwrap()
    .as_ref()
    .to_vec()
}

fn public_jwk(pkcs8: &[u8]) -> serde_json::Value {
    let pair = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        pkcs8,
        &ring::rand::SystemRandom::new(),
    )
    .unwrap();
    let public = pair.public_key().as_ref();
    serde_json::json!({"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": "k1",
        "x": URL_SAFE_NO_PAD.encode(&public[1..33]), "y": URL_SAFE_NO_PAD.encode(&public[33..65])})
}

async fn discovery(State(r): State<Rogue>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "issuer": r.issuer,
        "authorization_endpoint": format!("{}/authorize", r.issuer),
        "token_endpoint": format!("{}/token", r.issuer),
        "jwks_uri": format!("{}/jwks", r.issuer),
    }))
}

async fn jwks(State(r): State<Rogue>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "keys": [public_jwk(&r.published)] }))
}

#[derive(serde::Deserialize)]
struct AuthorizeQuery {
    redirect_uri: String,
    state: String,
    nonce: String,
}

async fn authorize(State(r): State<Rogue>, Query(q): Query<AuthorizeQuery>) -> Redirect {
    *r.nonce.lock().unwrap() = q.nonce;
    Redirect::to(&format!(
        "{}?code=rogue-code&state={}",
        q.redirect_uri, q.state
    ))
}

async fn token(State(r): State<Rogue>) -> impl IntoResponse {
    let mode = *r.mode.lock().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut claims = serde_json::json!({
        "iss": r.issuer, "aud": "rp", "sub": "x", "iat": now, "exp": now + 300,
        "nonce": *r.nonce.lock().unwrap(), "acr": "https://www.spid.gov.it/SpidL2",
        "fiscal_number": "TINIT-RSSMRA80A01H501U", "given_name": "Mario", "family_name": "Rossi",
    });
    let mut key = r.published.as_slice();
    match mode {
        "good" => {}
        "bad-signature" => key = r.other.as_slice(),
        "wrong-audience" => claims["aud"] = "someone-else".into(),
        "wrong-issuer" => claims["iss"] = "http://127.0.0.1:1".into(),
        "expired" => {
            claims["iat"] = (now - 7200).into();
            claims["exp"] = (now - 3600).into();
        }
        "wrong-nonce" => claims["nonce"] = "another".into(),
        "low-level" => claims["acr"] = "https://www.spid.gov.it/SpidL1".into(),
        "missing-cf" => {
            claims.as_object_mut().unwrap().remove("fiscal_number");
        }
        "bad-cf" => claims["fiscal_number"] = "TINIT-RSSMRA80A01H501A".into(),
        "alg-none" => {
            let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
            let body = URL_SAFE_NO_PAD.encode(claims.to_string());
            return Json(
                serde_json::json!({ "id_token": format!("{header}.{body}."), "token_type": "Bearer" }),
            );
        }
        "hs256-confusion" => {
            // Signs with HS256 using the public key as the secret: the classic algorithm confusion.
            let secret = public_jwk(&r.published).to_string();
            let t = jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(secret.as_bytes()),
            )
            .unwrap();
            return Json(serde_json::json!({ "id_token": t, "token_type": "Bearer" }));
        }
        other => panic!("unknown mode {other}"),
    }
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("k1".into());
    let t = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(key)).unwrap();
    Json(serde_json::json!({ "id_token": t, "token_type": "Bearer" }))
}

#[tokio::test]
async fn every_defective_token_is_refused_without_a_session() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let rogue = Rogue {
        issuer: issuer.clone(),
        mode: Arc::new(Mutex::new("good")),
        nonce: Arc::default(),
        published: Arc::new(keypair()),
        other: Arc::new(keypair()),
    };
    let router = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(rogue.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let t = spawn_app_with(Options {
        demo: false,
        providers: vec![ProviderConfig {
            id: "rogue".into(),
            label: "Rogue".into(),
            issuer,
            client_id: "rp".into(),
            client_secret: Some(Secret::from("s".to_string())),
            private_key_file: None,
            key_id: None,
        }],
        clock: None,
        public_url: None,
        ..Default::default()
    })
    .await;

    let cases: [(&'static str, u16, &str); 11] = [
        ("good", 303, ""),
        ("bad-signature", 400, "non è autentica"),
        ("alg-none", 400, "non è autentica"),
        ("hs256-confusion", 400, "non è autentica"),
        ("wrong-audience", 400, "non sono validi"),
        ("wrong-issuer", 400, "non sono validi"),
        ("expired", 400, "non sono validi"),
        ("wrong-nonce", 400, "non sono validi"),
        ("low-level", 403, "livello di sicurezza"),
        ("missing-cf", 400, "codice fiscale"),
        ("bad-cf", 400, "codice fiscale"),
    ];
    for (mode, status, text) in cases {
        *rogue.mode.lock().unwrap() = mode;
        let c = client();
        let start = c
            .get(format!("{}/accedi/rogue?livello=L2", t.url))
            .send()
            .await
            .unwrap();
        assert_eq!(start.status(), 303, "{mode}");
        let back = c.get(location(&start)).send().await.unwrap();
        let done = c.get(location(&back)).send().await.unwrap();
        assert_eq!(done.status(), status, "{mode}");
        let sets_session = done.headers().get_all("set-cookie").iter().any(|v| {
            v.to_str().unwrap().starts_with("sportello_session=")
                && !v.to_str().unwrap().contains("Max-Age=0")
        });
        assert_eq!(sets_session, mode == "good", "{mode}");
        if mode != "good" {
            let body = done.text().await.unwrap();
            assert!(body.contains(text), "{mode}: {body}");
        }
    }
    let live = crate::citizen::sessions(&t).await;
    assert_eq!(live, 1, "only the good token made a session");
    t.stop().await;
    server.abort();
}

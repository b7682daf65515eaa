//! The OpenID Connect relying party citizens sign in through (SPID and CIE profiles):
//! authorization code flow with PKCE S256, `state` and `nonce` bound to a flow stored in the
//! database (so any process can finish a flow another began), the ID token's signature
//! checked against the provider's JWKS, then its claims by the domain's rules.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sportello_domain::identity::{ClaimsError, ExpectedClaims, IdTokenClaims, SpidLevel};
use sportello_store::{to_millis, NewOidcFlow};
use tokio::sync::RwLock;

use crate::capabilities::Identity;
use crate::crypto::{pkce_challenge, random_token, sha256_hex};
use crate::{App, AppError, ClientAuth, OidcProviderSettings};

/// Why a sign-in did not succeed. No variant carries personal data: each can be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("unknown provider")]
    UnknownProvider,
    #[error("unknown, used or expired state")]
    UnknownState,
    /// The callback came to a browser other than the one that started the sign-in (a link
    /// someone else made): refused, so no one is signed in as another person (login CSRF).
    #[error("the sign-in was started in another browser")]
    OtherBrowser,
    #[error("the provider answered with an error")]
    ProviderRefused,
    #[error("the provider cannot be reached or answered badly")]
    ProviderUnavailable,
    #[error("the provider refused the authorization code")]
    CodeRefused,
    #[error("ID token signature not valid")]
    BadSignature,
    #[error("ID token claims: {0}")]
    Claims(ClaimsError),
}

#[derive(Debug, Clone, serde::Deserialize)]
struct ProviderMetadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

#[derive(Debug, Clone)]
struct Cached {
    fetched: Instant,
    metadata: ProviderMetadata,
    jwks: JwkSet,
}

/// Provider metadata and keys, cached per process: public documents, not user state.
#[derive(Debug, Default)]
pub struct MetadataCache {
    entries: RwLock<HashMap<String, Cached>>,
}

const CACHE_TTL: Duration = Duration::from_secs(600);
const FLOW_TTL_MINUTES: i64 = 10;
const CLOCK_LEEWAY_SECONDS: i64 = 60;

#[derive(serde::Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

impl App {
    fn provider(&self, id: &str) -> Result<&OidcProviderSettings, SignInError> {
        self.settings
            .providers
            .iter()
            .find(|p| p.id == id)
            .ok_or(SignInError::UnknownProvider)
    }
    async fn fetch_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
    ) -> Result<T, SignInError> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|_| SignInError::ProviderUnavailable)?;
        if !response.status().is_success() {
            return Err(SignInError::ProviderUnavailable);
        }
        response
            .json()
            .await
            .map_err(|_| SignInError::ProviderUnavailable)
    }
    async fn provider_metadata(
        &self,
        provider: &OidcProviderSettings,
        refresh: bool,
    ) -> Result<Cached, SignInError> {
        if !refresh {
            if let Some(c) = self.oidc_cache.entries.read().await.get(&provider.id) {
                if c.fetched.elapsed() < CACHE_TTL {
                    return Ok(c.clone());
                }
            }
        }
        let issuer = provider.issuer.trim_end_matches('/');
        let metadata: ProviderMetadata = self
            .fetch_json(&format!("{issuer}/.well-known/openid-configuration"))
            .await?;
        if metadata.issuer != provider.issuer {
            tracing::warn!(provider = %provider.id, "discovery document names another issuer");
            return Err(SignInError::ProviderUnavailable);
        }
        let jwks: JwkSet = self.fetch_json(&metadata.jwks_uri).await?;
        let cached = Cached {
            fetched: Instant::now(),
            metadata,
            jwks,
        };
        self.oidc_cache
            .entries
            .write()
            .await
            .insert(provider.id.clone(), cached.clone());
        Ok(cached)
    }
    async fn finish_sign_in_inner(
        &self,
        state: Option<&str>,
        code: Option<&str>,
        provider_error: Option<&str>,
        browser: Option<&str>,
    ) -> Result<(String, String), AppError> {
        let now = self.now();
        let state = state
            .filter(|s| !s.is_empty())
            .ok_or(SignInError::UnknownState)?;
        let flow = self
            .store
            .take_oidc_flow(state, to_millis(now))
            .await?
            .ok_or(SignInError::UnknownState)?;
        // The flow is taken (used up) either way: a link made for another browser is spent.
        // Hashes of random values are compared: their timing tells nothing of the value.
        let same_browser = browser.is_some_and(|b| {
            !flow.browser_hash.is_empty() && sha256_hex(b.as_bytes()) == flow.browser_hash
        });
        if !same_browser {
            return Err(SignInError::OtherBrowser.into());
        }
        if provider_error.is_some() {
            return Err(SignInError::ProviderRefused.into());
        }
        let code = code
            .filter(|c| !c.is_empty())
            .ok_or(SignInError::ProviderRefused)?;
        let provider = self.provider(&flow.provider)?.clone();
        let cached = self.provider_metadata(&provider, false).await?;
        let id_token = self
            .exchange_code(
                &provider,
                &cached.metadata.token_endpoint,
                code,
                &flow.code_verifier,
            )
            .await?;
        let claims = self.verify_signature(&provider, cached, &id_token).await?;
        let min_level = SpidLevel::from_code(&flow.min_level).unwrap_or(SpidLevel::L2);
        let identity = claims
            .check(
                &ExpectedClaims {
                    issuer: &provider.issuer,
                    client_id: &provider.client_id,
                    nonce: &flow.nonce,
                    min_level,
                    leeway_seconds: CLOCK_LEEWAY_SECONDS,
                },
                now,
            )
            .map_err(SignInError::Claims)?;
        let token = self.create_citizen_session(&identity).await?;
        Ok((token, flow.return_to))
    }
    async fn exchange_code(
        &self,
        provider: &OidcProviderSettings,
        token_endpoint: &str,
        code: &str,
        verifier: &str,
    ) -> Result<String, SignInError> {
        let redirect_uri = self.settings.redirect_uri();
        let mut form: Vec<(&str, String)> = vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.into()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier.into()),
        ];
        let mut request = self.http.post(token_endpoint);
        match &provider.auth {
            ClientAuth::Secret(secret) => {
                request =
                    request.basic_auth(form_encode(&provider.client_id), Some(form_encode(secret)));
            }
            ClientAuth::PrivateKey { pem, key_id } => {
                form.push(("client_id", provider.client_id.clone()));
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ));
                form.push((
                    "client_assertion",
                    self.client_assertion(
                        &provider.client_id,
                        token_endpoint,
                        pem,
                        key_id.as_deref(),
                    )?,
                ));
            }
            ClientAuth::None => form.push(("client_id", provider.client_id.clone())),
        }
        let response = request
            .form(&form)
            .send()
            .await
            .map_err(|_| SignInError::ProviderUnavailable)?;
        if response.status().is_client_error() {
            return Err(SignInError::CodeRefused);
        }
        if !response.status().is_success() {
            return Err(SignInError::ProviderUnavailable);
        }
        let body: TokenResponse = response
            .json()
            .await
            .map_err(|_| SignInError::ProviderUnavailable)?;
        body.id_token.ok_or(SignInError::ProviderUnavailable)
    }
    /// A `private_key_jwt` client assertion (RFC 7523), valid for one minute.
    fn client_assertion(
        &self,
        client_id: &str,
        audience: &str,
        pem: &str,
        key_id: Option<&str>,
    ) -> Result<String, SignInError> {
        let (key, alg) = if pem.contains("EC PRIVATE KEY")
            || pem.contains("BEGIN PRIVATE KEY") && !pem.contains("RSA")
        {
            match jsonwebtoken::EncodingKey::from_ec_pem(pem.as_bytes()) {
                Ok(k) => (k, Algorithm::ES256),
                Err(_) => (
                    jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())
                        .map_err(|_| SignInError::ProviderUnavailable)?,
                    Algorithm::RS256,
                ),
            }
        } else {
            (
                jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())
                    .map_err(|_| SignInError::ProviderUnavailable)?,
                Algorithm::RS256,
            )
        };
        let mut header = jsonwebtoken::Header::new(alg);
        header.kid = key_id.map(str::to_string);
        let now = self.now().unix_timestamp();
        let claims = serde_json::json!({
            "iss": client_id, "sub": client_id, "aud": audience,
            "jti": random_token(16), "iat": now, "exp": now + 60,
        });
        jsonwebtoken::encode(&header, &claims, &key).map_err(|_| SignInError::ProviderUnavailable)
    }
    async fn verify_signature(
        &self,
        provider: &OidcProviderSettings,
        cached: Cached,
        id_token: &str,
    ) -> Result<IdTokenClaims, SignInError> {
        let header =
            jsonwebtoken::decode_header(id_token).map_err(|_| SignInError::BadSignature)?;
        if !matches!(
            header.alg,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512
                | Algorithm::ES256
                | Algorithm::ES384
        ) {
            return Err(SignInError::BadSignature);
        }
        let find = |jwks: &JwkSet| match &header.kid {
            Some(kid) => jwks.find(kid).cloned(),
            None if jwks.keys.len() == 1 => jwks.keys.first().cloned(),
            None => None,
        };
        let jwk = match find(&cached.jwks) {
            Some(jwk) => jwk,
            // Keys rotate: an unknown kid is worth one fresh look at the JWKS.
            None => find(&self.provider_metadata(provider, true).await?.jwks)
                .ok_or(SignInError::BadSignature)?,
        };
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| SignInError::BadSignature)?;
        let mut validation = Validation::new(header.alg);
        // Time, audience and issuer are checked by the domain, with the application's clock.
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<IdTokenClaims>(id_token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|_| SignInError::BadSignature)
    }
}

impl Identity<'_> {
    /// Begins a sign-in: records the flow and returns the provider's authorization URL, with
    /// the flow's state and the value the browser must keep (in a cookie) to finish it.
    pub async fn start_sign_in(
        &self,
        provider_id: &str,
        min_level: SpidLevel,
        return_to: &str,
    ) -> Result<SignInStart, AppError> {
        let provider = self.app.provider(provider_id)?;
        let cached = self.app.provider_metadata(provider, false).await?;
        let state = random_token(24);
        let nonce = random_token(24);
        let verifier = random_token(48);
        let browser = random_token(24);
        let browser_hash = sha256_hex(browser.as_bytes());
        let return_to = safe_return_path(return_to);
        let expires = self.app.now() + time::Duration::minutes(FLOW_TTL_MINUTES);
        let _writing = self.app.sign_in_start().await?;
        self.app
            .store
            .create_oidc_flow(&NewOidcFlow {
                state: &state,
                provider: &provider.id,
                nonce: &nonce,
                code_verifier: &verifier,
                min_level: min_level.code(),
                return_to: &return_to,
                expires_at: to_millis(expires),
                browser_hash: &browser_hash,
            })
            .await?;
        let mut url = url::Url::parse(&cached.metadata.authorization_endpoint)
            .map_err(|_| SignInError::ProviderUnavailable)?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &provider.client_id)
            .append_pair("redirect_uri", &self.app.settings.redirect_uri())
            .append_pair("scope", "openid profile")
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &pkce_challenge(&verifier))
            .append_pair("code_challenge_method", "S256")
            .append_pair("acr_values", min_level.acr())
            .append_pair("prompt", "login");
        Ok(SignInStart {
            url: url.to_string(),
            state,
            browser,
            seconds: FLOW_TTL_MINUTES * 60,
        })
    }
    /// Finishes a sign-in from the provider's redirect. On success returns the new session's
    /// token and where to go next.
    pub async fn finish_sign_in(
        &self,
        state: Option<&str>,
        code: Option<&str>,
        provider_error: Option<&str>,
        browser: Option<&str>,
    ) -> Result<(String, String), AppError> {
        let result = self
            .app
            .finish_sign_in_inner(state, code, provider_error, browser)
            .await;
        match &result {
            Ok(_) => tracing::info!("citizen sign-in completed"),
            Err(AppError::SignIn(reason)) => tracing::warn!(%reason, "citizen sign-in refused"),
            Err(other) => tracing::error!(error = %other, "citizen sign-in failed"),
        }
        result
    }
}

/// RFC 6749 §2.3.1: client id and secret are form-encoded before Basic authentication.
fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A sign-in begun: where to send the browser, and what it must keep to finish.
#[derive(Debug, Clone)]
pub struct SignInStart {
    /// The provider's authorization URL.
    pub url: String,
    /// The flow's `state`, which names the browser's flow cookie.
    pub state: String,
    /// The value the browser keeps in that cookie (only its hash is stored).
    pub browser: String,
    /// How long the flow (and so the cookie) lasts.
    pub seconds: i64,
}

/// The name of the cookie that binds a flow to its browser: one per flow, so sign-ins begun
/// in two tabs both finish.
pub fn flow_cookie_name(state: &str) -> String {
    let short: String = state
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(16)
        .collect();
    format!("sportello_flow_{short}")
}

/// The longest return path kept (the sign-in flow stores it; anonymous visitors make flows).
pub const RETURN_PATH_MAX: usize = 1024;

/// Only local paths are followed after sign-in, never another site: a path that, resolved
/// against the portal, stays on the portal — with no control character, space or backslash
/// anywhere (browsers drop tabs and newlines from a URL and read `\` as `/`, which would turn
/// `/\t/evil.example` into `//evil.example`), and of bounded length. Anything else goes to
/// the personal area.
pub fn safe_return_path(candidate: &str) -> String {
    const HOME: &str = "/area-personale";
    let plain = candidate.len() <= RETURN_PATH_MAX
        && candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if !plain {
        return HOME.to_owned();
    }
    let Ok(portal) = url::Url::parse("https://portal.invalid/") else {
        return HOME.to_owned();
    };
    match portal.join(candidate) {
        // Dot segments are resolved first: `/..//evil.example` becomes `//evil.example`, which
        // a browser would follow to another site as a `Location`. Such a path is refused.
        Ok(u) if u.origin() == portal.origin() && !u.path().starts_with("//") => {
            let mut path = u.path().to_owned();
            if let Some(query) = u.query() {
                path.push('?');
                path.push_str(query);
            }
            path
        }
        _ => HOME.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths() {
        assert_eq!(safe_return_path("/livorno/"), "/livorno/");
        assert_eq!(safe_return_path("//evil.example/"), "/area-personale");
        assert_eq!(safe_return_path("https://evil.example/"), "/area-personale");
        assert_eq!(safe_return_path("/\\evil"), "/area-personale");
        // Found by the fuzzer: dot segments that resolve to a protocol-relative path.
        assert_eq!(safe_return_path("/..//evil.example"), "/area-personale");
        assert_eq!(
            safe_return_path("/a/../..//evil.example/x"),
            "/area-personale"
        );
        // What browsers would read as another origin once they drop tabs and newlines.
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/\u{0}/evil",
            "/livorno\\..\\..\\evil",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_return_path(bad), "/area-personale", "{bad:?}");
        }
        assert_eq!(
            safe_return_path(&format!("/{}", "a".repeat(RETURN_PATH_MAX))),
            "/area-personale"
        );
        // A local path comes back as the portal reads it, query included.
        assert_eq!(
            safe_return_path("/livorno/servizi?q=asilo&p=2"),
            "/livorno/servizi?q=asilo&p=2"
        );
        assert_eq!(safe_return_path("/a/../livorno/"), "/livorno/");
    }
}

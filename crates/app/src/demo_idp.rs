//! The demo identity provider: an OpenID Connect provider built into the binary, on only with
//! `--demo`, so that the demo signs in through exactly the code production uses. It offers
//! fictitious personas and lets the person choose the SPID level. Codes are single-use and
//! kept in the database; ID tokens are signed ES256 with a key kept in the database.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sportello_domain::identity::SpidLevel;
use sportello_store::{to_millis, NewIdpCode};

use crate::capabilities::Identity;
use crate::crypto::{constant_time_eq, pkce_challenge, random_token, sha256_hex};
use crate::demo::persona;
use crate::{App, AppError, ClientAuth, OidcProviderSettings};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub const PROVIDER_ID: &str = "demo";
pub const CLIENT_ID: &str = "sportello-demo";
const CODE_TTL_SECONDS: i64 = 60;
const ID_TOKEN_TTL_SECONDS: i64 = 300;

/// The parameters of an authorization request, as received.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct AuthorizeParams {
    #[serde(default)]
    pub response_type: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub redirect_uri: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub nonce: String,
    #[serde(default)]
    pub code_challenge: String,
    #[serde(default)]
    pub code_challenge_method: String,
    #[serde(default)]
    pub acr_values: String,
}

/// Why an authorization request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// Unknown client or redirect URI: the provider must not redirect (RFC 6749 §4.1.2.1).
    BadClient,
    /// Anything else: redirect back with this OAuth error code.
    Redirect(String),
}

/// A token request, form fields plus the client's credentials.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TokenParams {
    #[serde(default)]
    pub grant_type: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub redirect_uri: String,
    #[serde(default)]
    pub code_verifier: String,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    UnsupportedGrantType,
}

impl TokenError {
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::InvalidClient => "invalid_client",
            TokenError::InvalidGrant => "invalid_grant",
            TokenError::InvalidRequest => "invalid_request",
            TokenError::UnsupportedGrantType => "unsupported_grant_type",
        }
    }
}

impl App {
    /// The relying-party settings for the demo provider.
    pub(crate) fn demo_provider_settings(public_url: &str, secret: &str) -> OidcProviderSettings {
        OidcProviderSettings {
            id: PROVIDER_ID.into(),
            label: "SPID / CIE (demo)".into(),
            issuer: format!("{public_url}/demo-idp"),
            client_id: CLIENT_ID.into(),
            auth: ClientAuth::Secret(secret.to_string()),
        }
    }
    fn demo_enabled(&self) -> Result<(), AppError> {
        if self.settings.demo {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }
    fn demo_id_token(
        &self,
        who: &Asserted,
        client_id: &str,
        nonce: &str,
        acr: &str,
        now: time::OffsetDateTime,
    ) -> Result<String, AppError> {
        let cf = &who.fiscal_code;
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.keys.idp_kid.clone());
        let iat = now.unix_timestamp();
        let mut claims = serde_json::json!({
            "iss": self.identity().demo_issuer(),
            // Pairwise subject, as SPID providers give: stable per person and client.
            "sub": sha256_hex(format!("{client_id}:{cf}").as_bytes()),
            "aud": client_id,
            "iat": iat,
            "exp": iat + ID_TOKEN_TTL_SECONDS,
            "nonce": nonce,
            "acr": acr,
            "fiscal_number": format!("TINIT-{cf}"),
            "given_name": who.given_name,
            "family_name": who.family_name,
            "email": who.email,
            "birthdate": who.birth_date,
        });
        if let (Some((name, vat)), Some(obj)) = (who.company.clone(), claims.as_object_mut()) {
            obj.insert("company_name".into(), name.into());
            obj.insert("vat_number".into(), format!("VATIT-{vat}").into());
        }
        let key = EncodingKey::from_ec_der(&self.keys.idp_pkcs8);
        jsonwebtoken::encode(&header, &claims, &key).map_err(|e| AppError::Internal(e.to_string()))
    }
}

impl Identity<'_> {
    pub fn demo_issuer(&self) -> String {
        format!("{}/demo-idp", self.app.settings.public_url)
    }
    /// The demo relying party's secret at the demo provider (demo mode only), for scripts
    /// and tests that play the relying party by hand.
    pub fn demo_client_secret(&self) -> Option<&str> {
        self.app
            .settings
            .demo
            .then_some(self.app.keys.demo_client_secret.as_str())
    }
    pub fn demo_discovery(&self) -> Result<serde_json::Value, AppError> {
        self.app.demo_enabled()?;
        let issuer = self.app.identity().demo_issuer();
        Ok(serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile"],
            "acr_values_supported": SpidLevel::ALL.iter().map(|l| l.acr()).collect::<Vec<_>>(),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "acr", "fiscal_number",
                "given_name", "family_name", "email", "birthdate", "company_name", "vat_number"],
            "ui_locales_supported": ["it", "en"],
        }))
    }
    pub fn demo_jwks(&self) -> Result<serde_json::Value, AppError> {
        self.app.demo_enabled()?;
        let public = &self.app.keys.idp_public;
        let (x, y) = (
            public.get(1..33).unwrap_or_default(),
            public.get(33..65).unwrap_or_default(),
        );
        Ok(serde_json::json!({ "keys": [{
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256",
            "kid": self.app.keys.idp_kid,
            "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
        }]}))
    }
    /// Checks an authorization request. Returns the lowest level the client asked for.
    pub fn demo_check_authorize(&self, p: &AuthorizeParams) -> Result<SpidLevel, AuthorizeError> {
        if !self.app.settings.demo
            || p.client_id != CLIENT_ID
            || p.redirect_uri != self.app.settings.redirect_uri()
        {
            return Err(AuthorizeError::BadClient);
        }
        if p.response_type != "code" {
            return Err(AuthorizeError::Redirect("unsupported_response_type".into()));
        }
        if !p.scope.split(' ').any(|s| s == "openid") || p.nonce.is_empty() {
            return Err(AuthorizeError::Redirect("invalid_request".into()));
        }
        if p.code_challenge_method != "S256" || p.code_challenge.len() != 43 {
            return Err(AuthorizeError::Redirect("invalid_request".into()));
        }
        Ok(p.acr_values
            .split(' ')
            .filter_map(SpidLevel::from_acr)
            .min()
            .unwrap_or(SpidLevel::L2))
    }
    /// Where to send the browser when a request is refused or the person cancels.
    /// Only for a request whose client and redirect URI passed the checks.
    pub fn demo_error_redirect(
        &self,
        p: &AuthorizeParams,
        error: &str,
    ) -> Result<String, AuthorizeError> {
        let mut url = url::Url::parse(&p.redirect_uri).map_err(|_| AuthorizeError::BadClient)?;
        url.query_pairs_mut()
            .append_pair("error", error)
            .append_pair("state", &p.state);
        Ok(url.to_string())
    }
    /// The person chose a persona and a level: issue a single-use code and return the redirect.
    pub async fn demo_approve(
        &self,
        p: &AuthorizeParams,
        persona_key: &str,
        level: SpidLevel,
    ) -> Result<String, AuthorizeError> {
        self.app.identity().demo_check_authorize(p)?;
        if asserted(persona_key).is_none() {
            return Err(AuthorizeError::Redirect("access_denied".into()));
        }
        let code = random_token(32);
        let expires = self.app.now() + time::Duration::seconds(CODE_TTL_SECONDS);
        self.app
            .store
            .create_idp_code(&NewIdpCode {
                code_hash: &sha256_hex(code.as_bytes()),
                client_id: &p.client_id,
                redirect_uri: &p.redirect_uri,
                code_challenge: &p.code_challenge,
                nonce: &p.nonce,
                persona: persona_key,
                acr: level.acr(),
                expires_at: to_millis(expires),
            })
            .await
            .map_err(|_| AuthorizeError::Redirect("server_error".into()))?;
        let mut url = url::Url::parse(&p.redirect_uri).map_err(|_| AuthorizeError::BadClient)?;
        url.query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", &p.state);
        Ok(url.to_string())
    }
    /// The token endpoint: redeems a code once and returns the token response.
    pub async fn demo_token(
        &self,
        p: &TokenParams,
        basic: Option<(String, String)>,
    ) -> Result<serde_json::Value, TokenError> {
        if !self.app.settings.demo {
            return Err(TokenError::InvalidClient);
        }
        let (client_id, secret) = match (basic, &p.client_id, &p.client_secret) {
            (Some((id, secret)), _, _) => (id, secret),
            (None, Some(id), Some(secret)) => (id.clone(), secret.clone()),
            _ => return Err(TokenError::InvalidClient),
        };
        if client_id != CLIENT_ID || !constant_time_eq(&secret, &self.app.keys.demo_client_secret) {
            return Err(TokenError::InvalidClient);
        }
        if p.grant_type != "authorization_code" {
            return Err(TokenError::UnsupportedGrantType);
        }
        if p.code.is_empty() || p.code_verifier.is_empty() {
            return Err(TokenError::InvalidRequest);
        }
        let now = self.app.now();
        let code = self
            .app
            .store
            .redeem_idp_code(&sha256_hex(p.code.as_bytes()), to_millis(now))
            .await
            .map_err(|_| TokenError::InvalidGrant)?
            .ok_or(TokenError::InvalidGrant)?;
        if code.client_id != client_id
            || code.redirect_uri != p.redirect_uri
            || !constant_time_eq(&pkce_challenge(&p.code_verifier), &code.code_challenge)
        {
            return Err(TokenError::InvalidGrant);
        }
        let who = asserted(&code.persona).ok_or(TokenError::InvalidGrant)?;
        let id_token = self
            .app
            .demo_id_token(&who, &client_id, &code.nonce, &code.acr, now)
            .map_err(|_| TokenError::InvalidRequest)?;
        Ok(serde_json::json!({
            "access_token": random_token(32),
            "token_type": "Bearer",
            "expires_in": ID_TOKEN_TTL_SECONDS,
            "id_token": id_token,
        }))
    }
}

/// What the demo provider asserts about the person signing in.
#[derive(Debug, Clone)]
struct Asserted {
    fiscal_code: String,
    given_name: String,
    family_name: String,
    email: Option<String>,
    birth_date: String,
    company: Option<(String, String)>,
}

/// A named persona, or a numbered test person `prova-N` (N below ten million), who exists so
/// that a load test can sign in as many distinct people as real click days see. Both exist only
/// in demo mode, like the provider itself.
fn asserted(key: &str) -> Option<Asserted> {
    if let Some(p) = persona(key) {
        return Some(Asserted {
            fiscal_code: p.fiscal_code().ok()?.to_string(),
            given_name: p.given_name.into(),
            family_name: p.family_name.into(),
            email: Some(p.email.into()),
            birth_date: p.birth_date.to_string(),
            company: p.company_vat().map(|(name, vat)| (name, vat.to_string())),
        });
    }
    let n: u32 = key.strip_prefix("prova-")?.parse().ok()?;
    (n < 10_000_000).then_some(())?;
    Some(Asserted {
        fiscal_code: crate::demo::test_person_fiscal_code(n)?,
        given_name: "Persona".into(),
        family_name: format!("Di Prova {n}"),
        email: None,
        birth_date: "1980-01-01".into(),
        company: None,
    })
}

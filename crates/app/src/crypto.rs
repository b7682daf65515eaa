//! Keys and small cryptographic helpers: random tokens, hashes, HMAC, PKCE.
//!
//! The keys live in the database (table `secrets`), created by whichever process starts
//! first, so that every `sportello` process on one database shares them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use sha2::{Digest, Sha256};
use sportello_store::{to_millis, Store};
use time::OffsetDateTime;

use crate::AppError;

/// The application's keys.
pub struct Keys {
    /// Keys CSRF tokens to the browser's session or pre-session cookie.
    pub(crate) csrf: Vec<u8>,
    /// Keys a voter's ballot while a participatory-budget vote is open (see `pb::ballot_key`).
    pub(crate) ballot: Vec<u8>,
    /// The demo identity provider's ES256 signing key (PKCS#8 DER).
    pub(crate) idp_pkcs8: Vec<u8>,
    pub(crate) idp_public: Vec<u8>,
    pub(crate) idp_kid: String,
    /// The demo relying party's client secret at the demo provider.
    pub(crate) demo_client_secret: String,
    /// The protocol register's sealing key (ECDSA P-256), which signs every segnatura.
    seal: EcdsaKeyPair,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys([redacted])")
    }
}

impl Keys {
    pub(crate) async fn load_or_create(
        store: &Store,
        now: OffsetDateTime,
    ) -> Result<Self, AppError> {
        let now_ms = to_millis(now);
        let csrf = store
            .secret_or_insert("csrf_key", &random_token(32), now_ms)
            .await?;
        // A database that held ballots before this key existed got a copy of the CSRF key in
        // migration 0016, so their keys still match; a new one gets a random key here.
        let ballot = store
            .secret_or_insert("pb_ballot_key", &random_token(32), now_ms)
            .await?;
        let candidate_key = EcdsaKeyPair::generate_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|_| AppError::Internal("cannot generate a signing key".into()))?;
        let idp_key = store
            .secret_or_insert(
                "demo_idp_es256_pkcs8",
                &URL_SAFE_NO_PAD.encode(candidate_key.as_ref()),
                now_ms,
            )
            .await?;
        let demo_client_secret = store
            .secret_or_insert("demo_idp_client_secret", &random_token(32), now_ms)
            .await?;
        let idp_pkcs8 = URL_SAFE_NO_PAD
            .decode(idp_key)
            .map_err(|_| AppError::Internal("stored signing key is not base64".into()))?;
        let pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &idp_pkcs8,
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|_| AppError::Internal("stored signing key is unreadable".into()))?;
        let idp_public = pair.public_key().as_ref().to_vec();
        let candidate_seal = EcdsaKeyPair::generate_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|_| AppError::Internal("cannot generate a sealing key".into()))?;
        let seal_pkcs8 = store
            .secret_or_insert(
                "protocol_seal_es256_pkcs8",
                &URL_SAFE_NO_PAD.encode(candidate_seal.as_ref()),
                now_ms,
            )
            .await?;
        let seal = URL_SAFE_NO_PAD
            .decode(seal_pkcs8)
            .ok()
            .and_then(|der| {
                EcdsaKeyPair::from_pkcs8(
                    &ECDSA_P256_SHA256_FIXED_SIGNING,
                    &der,
                    &ring::rand::SystemRandom::new(),
                )
                .ok()
            })
            .ok_or_else(|| AppError::Internal("stored sealing key is unreadable".into()))?;
        let idp_kid = sha256_b64(&idp_public).chars().take(16).collect();
        Ok(Self {
            csrf: URL_SAFE_NO_PAD
                .decode(csrf)
                .map_err(|_| AppError::Internal("stored CSRF key is not base64".into()))?,
            ballot: URL_SAFE_NO_PAD
                .decode(ballot)
                .map_err(|_| AppError::Internal("stored ballot key is not base64".into()))?,
            idp_pkcs8,
            idp_public,
            idp_kid,
            demo_client_secret,
            seal,
        })
    }
}

impl Keys {
    /// Signs with the protocol sealing key: ECDSA P-256 with SHA-256, r ‖ s (as XML Signature
    /// and JWS both want it). Empty only if the system's randomness fails.
    pub(crate) fn seal(&self, message: &[u8]) -> Vec<u8> {
        self.seal
            .sign(&ring::rand::SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .unwrap_or_default()
    }

    /// The sealing key's name in every segnatura: derived from the public key.
    pub fn seal_key_name(&self) -> String {
        let id: String = sha256_hex(self.seal.public_key().as_ref())
            .chars()
            .take(16)
            .collect();
        format!("sportello-sigillo-{id}")
    }

    /// The sealing key's public half as a PEM SubjectPublicKeyInfo, for verifiers.
    pub fn seal_public_pem(&self) -> String {
        // SubjectPublicKeyInfo for an uncompressed P-256 point: the fixed DER prefix
        // (id-ecPublicKey, prime256v1, BIT STRING of 66 bytes) followed by the point.
        const PREFIX: [u8; 26] = [
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
            0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
        ];
        let mut der = PREFIX.to_vec();
        der.extend_from_slice(self.seal.public_key().as_ref());
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }

    /// Checks a seal made by [`Keys::seal`].
    pub fn seal_valid(&self, message: &[u8], signature: &[u8]) -> bool {
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_FIXED,
            self.seal.public_key().as_ref(),
        )
        .verify(message, signature)
        .is_ok()
    }
}

/// `bytes` random bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// An identifier that sorts by its creation time: 48 bits of milliseconds since 1970 in hex,
/// then 72 random bits (base64url), 24 characters. Rows keyed by it are appended at the end of
/// their indexes instead of landing on a random page of each: on a click day every filing
/// otherwise dirtied one more page of each index on the application's id (in the applications,
/// the register and the case events), written again to the log at every commit.
pub fn time_ordered_id(at: OffsetDateTime) -> String {
    let millis = u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let mut random = [0u8; 9];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let mut id = hex(&millis.to_be_bytes()[2..]);
    id.push_str(&URL_SAFE_NO_PAD.encode(random));
    id
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0x0f] {
            out.push(char::from(
                *DIGITS.get(usize::from(nibble)).unwrap_or(&b'0'),
            ));
        }
    }
    out
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub fn sha256_b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(data))
}

pub fn hmac_sha256_b64(key: &[u8], data: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(data);
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// PKCE S256 challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    sha256_b64(verifier.as_bytes())
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_rfc7636_example() {
        // RFC 7636 Appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn tokens_and_macs() {
        assert_ne!(random_token(32), random_token(32));
        assert_eq!(random_token(32).len(), 43);
        assert_eq!(hmac_sha256_b64(b"k", b"a"), hmac_sha256_b64(b"k", b"a"));
        assert_ne!(hmac_sha256_b64(b"k", b"a"), hmac_sha256_b64(b"k", b"b"));
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn time_ordered_ids_sort_by_time_and_differ() {
        let t = time::macros::datetime!(2026-04-01 09:00:00.000 UTC);
        let (a, b) = (time_ordered_id(t), time_ordered_id(t));
        assert_ne!(a, b);
        assert_eq!(a.len(), 24);
        assert!(a.starts_with("019d48456280"), "{a}");
        let later = time_ordered_id(t + time::Duration::milliseconds(1));
        assert!(later > a && later > b);
        let much_later = time_ordered_id(t + time::Duration::days(400));
        assert!(much_later > later);
    }
}

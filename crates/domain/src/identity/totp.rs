//! TOTP second factor (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second steps, 6 digits,
//! the de-facto profile of authenticator apps. Secrets are Base32 (no padding).

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// HOTP value for `counter` (RFC 4226 §5.3).
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.last().copied().unwrap_or(0) & 0x0f);
    let word = digest
        .get(offset..offset + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(|[b0, b1, b2, b3]| u32::from_be_bytes([b0 & 0x7f, b1, b2, b3]))
        .unwrap_or(0);
    word % 10u32.pow(DIGITS)
}

/// The code valid at unix time `unix_seconds`.
pub fn code_at(secret: &[u8], unix_seconds: i64) -> u32 {
    hotp(
        secret,
        u64::try_from(unix_seconds.div_euclid(STEP_SECONDS)).unwrap_or(0),
    )
}

/// Checks a typed code, allowing one step of clock drift either way. Returns the time step
/// that matched, so the caller can refuse a code used twice.
pub fn verify(
    secret: &[u8],
    typed: &str,
    unix_seconds: i64,
    last_used_step: Option<i64>,
) -> Option<i64> {
    let typed = typed.trim();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: u32 = typed.parse().ok()?;
    let step = unix_seconds.div_euclid(STEP_SECONDS);
    for candidate in [step - 1, step, step + 1] {
        if last_used_step.is_some_and(|used| candidate <= used) {
            continue;
        }
        if hotp(secret, u64::try_from(candidate).ok()?) == value {
            return Some(candidate);
        }
    }
    None
}

pub fn encode_secret(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

pub fn decode_secret(encoded: &str) -> Option<Vec<u8>> {
    data_encoding::BASE32_NOPAD
        .decode(encoded.trim().to_ascii_uppercase().as_bytes())
        .ok()
}

/// The `otpauth://` URI authenticator apps read (as a QR code or typed).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        encode_secret(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_test_vectors() {
        // RFC 6238 Appendix B, SHA1 seed, truncated to 6 digits.
        let seed = b"12345678901234567890";
        assert_eq!(code_at(seed, 59), 287_082);
        assert_eq!(code_at(seed, 1_111_111_109), 81_804);
        assert_eq!(code_at(seed, 1_234_567_890), 5_924);
        assert_eq!(code_at(seed, 2_000_000_000), 279_037);
    }

    #[test]
    fn verify_with_drift_and_replay() {
        let seed = b"12345678901234567890";
        assert_eq!(verify(seed, "287082", 59, None), Some(1));
        assert_eq!(verify(seed, "287082", 75, None), Some(1)); // one step later
        assert_eq!(verify(seed, "287082", 59, Some(1)), None); // already used
        assert_eq!(verify(seed, "287083", 59, None), None);
        assert_eq!(verify(seed, "28708", 59, None), None);
        let enc = encode_secret(seed);
        assert_eq!(decode_secret(&enc).as_deref(), Some(&seed[..]));
        assert!(otpauth_uri("Sportello", "mario@livorno", seed)
            .contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
    }
}

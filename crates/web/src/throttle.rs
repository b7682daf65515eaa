//! Per-address throttling of staff sign-ins: each client address may try so many times a
//! minute; beyond, 429 with Retry-After before any password is hashed. Together with the
//! per-account lockout (app::staff), which holds however many addresses an attacker has.
//!
//! The client's address is the connection's peer ([`PeerAddr`], set by the server), unless the
//! peer is a configured trusted proxy: then the last address of `X-Forwarded-For` that is not a
//! trusted proxy. A header from anyone else is ignored, so it cannot rotate the address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

/// The address of the connection a request came on; inserted by the server for every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub IpAddr);

/// Addresses remembered at most; beyond, the oldest windows are forgotten first.
const ADDRESSES_MAX: usize = 100_000;

const WINDOW: Duration = Duration::from_secs(60);

/// Counts of attempts per address, in one-minute windows.
pub struct AddressThrottle {
    per_minute: u32,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl AddressThrottle {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: per_minute.max(1),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt from `addr`: `Err(wait)` when the address has used its minute.
    pub fn attempt(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        let Ok(mut seen) = self.seen.lock() else {
            return Ok(());
        };
        if seen.len() >= ADDRESSES_MAX && !seen.contains_key(&addr) {
            seen.retain(|_, (started, _)| now.saturating_duration_since(*started) < WINDOW);
            if seen.len() >= ADDRESSES_MAX {
                // A flood from that many addresses is the proxy's to absorb: start afresh.
                seen.clear();
            }
        }
        let entry = seen.entry(addr).or_insert((now, 0));
        if now.saturating_duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            return Err(WINDOW.saturating_sub(now.saturating_duration_since(entry.0)));
        }
        entry.1 = entry.1.saturating_add(1);
        Ok(())
    }
}

/// The client's address: the peer, or — when the peer is a trusted proxy — the last address in
/// `X-Forwarded-For` that is not one.
pub fn client_addr(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|a| !trusted.contains(a))
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_has_its_minute() {
        let t = AddressThrottle::new(3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let now = Instant::now();
        for _ in 0..3 {
            assert!(t.attempt(a, now).is_ok());
        }
        assert!(t.attempt(a, now).is_err());
        assert!(
            t.attempt(b, now).is_ok(),
            "another address is counted apart"
        );
        assert!(t.attempt(a, now + WINDOW).is_ok(), "a new minute");
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        // From the proxy: the last address it saw.
        assert_eq!(
            client_addr(Some(proxy), &h, &[proxy]),
            Some("198.51.100.7".parse().unwrap())
        );
        // From anyone else: the header is the client's own words, ignored.
        let stranger: IpAddr = "192.0.2.5".parse().unwrap();
        assert_eq!(client_addr(Some(stranger), &h, &[proxy]), Some(stranger));
    }
}

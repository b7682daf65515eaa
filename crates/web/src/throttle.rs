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

    /// Counts one attempt from `addr`: `Err(wait)` when the address has used its minute. An
    /// IPv6 address counts with its /64 (one subscriber's network), so that rotating addresses
    /// within it gains nothing.
    pub fn attempt(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        let Ok(mut seen) = self.seen.lock() else {
            return Ok(());
        };
        let mut key = network_of(addr);
        if seen.len() >= ADDRESSES_MAX && !seen.contains_key(&key) {
            seen.retain(|_, (started, _)| now.saturating_duration_since(*started) < WINDOW);
            if seen.len() >= ADDRESSES_MAX {
                // As many addresses as that within a minute: every new one shares one minute,
                // so that more addresses buy an attacker nothing (and those already counted
                // keep theirs).
                key = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
            }
        }
        let entry = seen.entry(key).or_insert((now, 0));
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

/// The address an attempt counts under: an IPv4 address (an IPv4-mapped IPv6 one too) as it
/// is, an IPv6 address by its /64.
fn network_of(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

/// One `X-Forwarded-For` entry: `ip`, `ip:port`, `[ipv6]` or `[ipv6]:port`.
fn forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(socket) = entry.parse::<std::net::SocketAddr>() {
        return Some(socket.ip().to_canonical());
    }
    entry
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|v6| v6.parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
}

/// The client's address: the peer, or — when the peer is a trusted proxy — the first address
/// of `X-Forwarded-For`, walking from the right (the entries the proxies added), that is not a
/// trusted proxy. An entry that cannot be read stops the walk at the peer: what lies left of it
/// was written by the client and proves nothing.
pub fn client_addr(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    let is_trusted = |a: &IpAddr| trusted.iter().any(|t| t.to_canonical() == *a);
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for entry in entries.into_iter().rev() {
        match forwarded_entry(entry) {
            Some(a) if is_trusted(&a) => continue,
            Some(a) => return Some(a),
            None => return Some(peer),
        }
    }
    Some(peer)
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
        // A proxy that writes ports, and a peer seen as IPv4-mapped IPv6 (listening on [::]).
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7:4711".parse().unwrap(),
        );
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(
            client_addr(Some(mapped), &h, &[proxy]),
            Some("198.51.100.7".parse().unwrap())
        );
        // An unreadable entry stops the walk: what the client wrote left of it is not used.
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, rubbish".parse().unwrap());
        assert_eq!(client_addr(Some(proxy), &h, &[proxy]), Some(proxy));
    }

    #[test]
    fn an_ipv6_network_is_one_address() {
        let t = AddressThrottle::new(2);
        let now = Instant::now();
        for a in ["2001:db8::1", "2001:db8::2"] {
            assert!(t.attempt(a.parse().unwrap(), now).is_ok());
        }
        assert!(t.attempt("2001:db8::3".parse().unwrap(), now).is_err());
        assert!(t.attempt("2001:db8:1::1".parse().unwrap(), now).is_ok());
    }
}

//! The one trait every DNS provider client implements, and the factory that
//! builds the right client for a zone. Owners and contents are normalised
//! names (no trailing dot); each client writes them the way its API wants.

use std::net::IpAddr;
use std::time::Duration;

use super::http::PResult;
use super::names;
use super::zone::{Provider, Zone};
use super::{cloudflare, hestia, powerdns};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RType {
    A,
    Aaaa,
    Ptr,
}

impl RType {
    pub fn as_str(self) -> &'static str {
        match self {
            RType::A => "A",
            RType::Aaaa => "AAAA",
            RType::Ptr => "PTR",
        }
    }
}

pub trait DnsProvider: Send + Sync {
    /// Makes `owner`/`rtype` hold exactly `contents` (create or replace).
    fn replace(&self, owner: &str, rtype: RType, contents: &[String]) -> PResult<()>;
    /// Removes every record of `owner`/`rtype`; nothing there is success.
    fn delete(&self, owner: &str, rtype: RType) -> PResult<()>;
    /// The contents of `owner`/`rtype`, normalised.
    fn list(&self, owner: &str, rtype: RType) -> PResult<Vec<String>>;
    /// The live check of the Test button: reachable, authorised, and the
    /// zone is the one configured. Returns a short description.
    fn test(&self) -> PResult<String>;
}

/// The client for a zone, each request bounded by `timeout`.
pub fn client(zone: &Zone, timeout: Duration) -> Box<dyn DnsProvider> {
    match &zone.provider {
        Provider::PowerDNS {
            server_url,
            api_key,
        } => Box::new(powerdns::PowerDns::new(
            server_url,
            api_key.clone(),
            &zone.name,
            timeout,
        )),
        Provider::Cloudflare {
            account_id,
            zone_id,
            api_token,
            api_url,
        } => Box::new(cloudflare::Cloudflare::new(
            api_url,
            account_id,
            zone_id,
            api_token.clone(),
            &zone.name,
            timeout,
        )),
        Provider::HestiaCP {
            server_url,
            admin_user,
            admin_password,
            user,
        } => Box::new(hestia::Hestia::new(
            server_url,
            admin_user,
            admin_password.clone(),
            user,
            &zone.name,
            timeout,
        )),
    }
}

/// A record content in comparable form: addresses in canonical text, names
/// lower case without the trailing dot.
pub fn canonical_content(s: &str) -> String {
    let t = s.trim().trim_matches('"');
    match t.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => names::normalize(t),
    }
}

/// What to do to turn `existing` into `wanted`: contents to keep are left
/// alone; returns (to add, to remove), in a stable order.
pub fn diff<'a, T: Clone>(
    existing: &'a [(T, String)],
    wanted: &[String],
) -> (Vec<String>, Vec<&'a (T, String)>) {
    let want: Vec<String> = wanted.iter().map(|w| canonical_content(w)).collect();
    let mut kept: Vec<String> = Vec::new();
    let mut remove = Vec::new();
    for e in existing {
        let c = canonical_content(&e.1);
        if want.contains(&c) && !kept.contains(&c) {
            kept.push(c);
        } else {
            remove.push(e);
        }
    }
    let mut add = Vec::new();
    for w in want {
        if !kept.contains(&w) && !add.contains(&w) {
            add.push(w);
        }
    }
    (add, remove)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_keeps_matches_and_drops_duplicates() {
        let existing = vec![
            (1, "192.0.2.1".to_string()),
            (2, "192.0.2.9".to_string()),
            (3, "192.0.2.1".to_string()),
        ];
        let (add, remove) = diff(&existing, &["192.0.2.1".into(), "192.0.2.2".into()]);
        assert_eq!(add, vec!["192.0.2.2".to_string()]);
        assert_eq!(remove.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 3]);
        let one = [(1, "VM.Example.com.".to_string())];
        let (add, remove) = diff(&one, &["vm.example.com".into()]);
        assert!(add.is_empty() && remove.is_empty());
        let (add, _) = diff::<u8>(&[], &["2001:DB8::1".into()]);
        assert_eq!(add, vec!["2001:db8::1".to_string()]);
    }
}

//! The HTTP transport the three DNS clients share: one lazily created agent
//! (connection pool) per process, a per-request deadline, and failures
//! sorted into "never got an answer" (the provider is down or slow: the rest
//! of the run skips it) and "answered with an error".

use std::fmt;
use std::io::ErrorKind;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use serde_json::Value;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::Agent;

use crate::whmcs::debuglog;

/// A provider failure, in words an operator can act on. Never holds a
/// credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    pub message: String,
    /// No answer at all (connect failure, timeout): later calls to the same
    /// provider in this run would only wait again.
    pub unreachable: bool,
    /// The provider's own error code, where it has one (Cloudflare's).
    pub code: Option<i64>,
}

impl ProviderError {
    pub fn answer(message: impl Into<String>) -> Self {
        ProviderError {
            message: message.into(),
            unreachable: false,
            code: None,
        }
    }
    pub fn unreachable(message: impl Into<String>) -> Self {
        ProviderError {
            message: message.into(),
            unreachable: true,
            code: None,
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub type PResult<T> = Result<T, ProviderError>;

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub retry_after: Option<u64>,
    pub body: String,
}

impl Reply {
    /// Whether the body is an HTML page (a login page, a proxy error, the
    /// wrong port) rather than the API's answer.
    pub fn is_html(&self) -> bool {
        let b = self.body.trim_start().to_ascii_lowercase();
        self.content_type.to_ascii_lowercase().contains("text/html")
            || b.starts_with("<!doctype html")
            || b.starts_with("<html")
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

pub enum Body<'a> {
    None,
    Json(String),
    Form(&'a [(String, String)]),
}

thread_local! {
    static CALLS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Requests sent from this thread so far (a run counts its own by difference).
pub fn calls_on_this_thread() -> u64 {
    CALLS.with(|c| c.get())
}

static AGENT: Lazy<Agent> = Lazy::new(|| {
    let config = Agent::config_builder()
        .http_status_as_error(false)
        // A redirect would carry X-API-Key / credentials to another host
        // (ureq strips only Authorization and Cookie): never follow one.
        .max_redirects(0)
        .max_idle_connections_per_host(8)
        .user_agent("puq_proxmox_kvm-dns")
        .build();
    Agent::with_parts(config, DefaultConnector::new(), GuardedResolver::default())
});

/// Settings > General > "DNS providers on this host": whether a provider
/// may be reached on a loopback address (PowerDNS beside WHMCS is common,
/// so on by default). Set from the setting whenever zones are loaded
/// (`dns::store`), before any request; one value per installation, so a
/// process-wide flag.
static ALLOW_LOOPBACK: AtomicBool = AtomicBool::new(true);

pub fn set_allow_loopback(allow: bool) {
    ALLOW_LOOPBACK.store(allow, Ordering::Relaxed);
}

pub fn allow_loopback() -> bool {
    ALLOW_LOOPBACK.load(Ordering::Relaxed)
}

/// Why a DNS provider may not be reached at `ip`, or `None`. Link-local
/// addresses (the cloud metadata service at 169.254.169.254 among them),
/// the unspecified, multicast and broadcast addresses are never a DNS
/// provider; loopback only with the setting. Private (RFC 1918 / ULA)
/// networks are allowed: a provider on the operator's LAN is ordinary.
pub fn refused_address(ip: IpAddr, allow_loopback: bool) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            if v4.is_loopback() {
                (!allow_loopback).then_some(LOOPBACK)
            } else if v4.is_link_local() {
                Some("a link-local address (the cloud metadata service lives there)")
            } else if v4.is_unspecified() || v4.octets()[0] == 0 {
                Some("an unspecified address")
            } else if v4.is_multicast() || v4.is_broadcast() {
                Some("a multicast or broadcast address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            if v6.is_loopback() {
                (!allow_loopback).then_some(LOOPBACK)
            } else if seg[0] & 0xffc0 == 0xfe80 {
                Some("a link-local address (the cloud metadata service lives there)")
            } else if v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
                Some("the cloud metadata service's address")
            } else if v6.is_unspecified() {
                Some("an unspecified address")
            } else if v6.is_multicast() {
                Some("a multicast or broadcast address")
            } else {
                None
            }
        }
    }
}

const LOOPBACK: &str =
    "a loopback address (allow it under Settings > General > DNS providers on this host)";

/// The system resolver, then [`refused_address`] on every address it
/// gave: a host name that resolves to the metadata service (or, without the
/// setting, to loopback) is refused at connect time, not only the literal
/// typed into the zone form, and the check sits where the connection is
/// made, so an answer that changes between a check and the connect cannot
/// slip past it.
#[derive(Debug, Default)]
struct GuardedResolver {
    inner: DefaultResolver,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let found = self.inner.resolve(uri, config, timeout)?;
        let allow = allow_loopback();
        let mut kept = self.empty();
        let mut reason = None;
        for a in found.iter() {
            match refused_address(a.ip(), allow) {
                None => kept.push(*a),
                Some(r) => reason = Some((a.ip(), r)),
            }
        }
        match (kept.is_empty(), reason) {
            (true, Some((ip, why))) => Err(ureq::Error::Io(std::io::Error::new(
                ErrorKind::PermissionDenied,
                format!("refused to connect to {ip}: {why}"),
            ))),
            _ => Ok(kept),
        }
    }
}

/// One request. `what` names the provider in transport errors
/// (`PowerDNS at http://…`); `headers` may carry credentials and are never
/// echoed.
pub fn send(
    what: &str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Body,
    timeout: Duration,
) -> PResult<Reply> {
    let started = Instant::now();
    let logged = match &body {
        Body::None => LoggedBody::None,
        Body::Json(s) => LoggedBody::Json(s.clone()),
        Body::Form(p) => LoggedBody::Form(p.to_vec()),
    };
    let r = send_once(what, method, url, headers, body, timeout);
    debuglog::record(|| log_entry(what, method, url, headers, &logged, &r, started.elapsed()));
    r
}

enum LoggedBody {
    None,
    Json(String),
    Form(Vec<(String, String)>),
}

/// The Module Debug Log entry of one request. Header values (the API key,
/// the bearer token) are never logged and masked wherever they appear; form fields and JSON
/// members named like a password or token are masked; an answer that is
/// not the provider's JSON is logged by its size only (as in error
/// messages: a zone pointed at an internal address must not become a way
/// to read it).
fn log_entry(
    what: &str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &LoggedBody,
    reply: &PResult<Reply>,
    elapsed: Duration,
) -> debuglog::Entry {
    let mut m = debuglog::Masker::default();
    for (k, v) in headers {
        let k = k.to_ascii_lowercase();
        if !["auth", "key", "token", "secret"]
            .iter()
            .any(|w| k.contains(w))
        {
            continue;
        }
        m.add(v);
        if let Some(t) = v.strip_prefix("Bearer ") {
            m.add(t);
        }
    }
    let sent = match body {
        LoggedBody::None => Value::Null,
        LoggedBody::Form(p) => m.form(p),
        LoggedBody::Json(s) => match serde_json::from_str::<Value>(s) {
            Ok(mut v) => {
                m.json(&mut v);
                v
            }
            Err(_) => Value::String(s.clone()),
        },
    };
    let request = serde_json::json!({
        "provider": what,
        "url": url,
        "headers": headers.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        "body": sent,
    });
    let (status, response, error) = match reply {
        Ok(r) => {
            let text = match r.json() {
                Some(mut v) if !r.is_html() => {
                    m.json(&mut v);
                    v.to_string()
                }
                _ if !r.body.is_empty()
                    && r.body.len() <= 32
                    && r.body.trim().bytes().all(|b| b.is_ascii_digit()) =>
                {
                    r.body.trim().to_string()
                }
                _ => excerpt(&r.body),
            };
            (r.status, text, None)
        }
        Err(e) => (0, String::new(), Some(e.message.clone())),
    };
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
    let path = path.split('?').next().unwrap_or(path);
    debuglog::Entry {
        action: debuglog::action(method, path),
        request: m.text(&request.to_string(), debuglog::MAX_REQUEST),
        response: m.text(&response, debuglog::MAX_RESPONSE),
        processed: debuglog::outcome(status, elapsed, error.map(|e| m.text(&e, 500)).as_deref()),
        secrets: m.secrets(),
    }
}

fn send_once(
    what: &str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Body,
    timeout: Duration,
) -> PResult<Reply> {
    let agent = &*AGENT;
    CALLS.with(|c| c.set(c.get() + 1));
    let timeout = Some(timeout);
    let result = match (method, body) {
        ("GET", _) => {
            let mut r = agent.get(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.config().timeout_global(timeout).build().call()
        }
        ("DELETE", _) => {
            let mut r = agent.delete(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.config().timeout_global(timeout).build().call()
        }
        (m, body) => {
            let mut r = match m {
                "POST" => agent.post(url),
                "PUT" => agent.put(url),
                _ => agent.patch(url),
            };
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            let r = r.config().timeout_global(timeout).build();
            match body {
                Body::Json(s) => r.header("Content-Type", "application/json").send(s),
                Body::Form(pairs) => {
                    r.send_form(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                }
                Body::None => r.send_empty(),
            }
        }
    };
    let mut resp = result.map_err(|e| transport(what, e))?;
    let status = resp.status().as_u16();
    let header = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header("content-type").unwrap_or_default();
    let retry_after = header("retry-after").and_then(|v| v.trim().parse().ok());
    let body = resp
        .body_mut()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| transport(what, e))?;
    Ok(Reply {
        status,
        content_type,
        retry_after,
        body,
    })
}

fn transport(what: &str, e: ureq::Error) -> ProviderError {
    match e {
        ureq::Error::HostNotFound => {
            ProviderError::unreachable(format!("{what}: host not found (DNS)"))
        }
        ureq::Error::ConnectionFailed => {
            ProviderError::unreachable(format!("{what}: connection failed"))
        }
        ureq::Error::Timeout(_) => ProviderError::unreachable(format!("{what}: timed out")),
        ureq::Error::Io(io) if io.kind() == ErrorKind::PermissionDenied => {
            ProviderError::unreachable(format!("{what}: {io}"))
        }
        ureq::Error::Io(io) if io.kind() == ErrorKind::ConnectionRefused => {
            ProviderError::unreachable(format!("{what}: connection refused"))
        }
        ureq::Error::Io(io) if matches!(io.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
            ProviderError::unreachable(format!("{what}: timed out"))
        }
        other => ProviderError::unreachable(format!("{what}: {other}")),
    }
}

/// What an error message says about a body that is not the provider's
/// answer: its size, never its text (the URL may point at anything — a
/// metadata service, another internal server — and an admin page must not
/// become a way to read it).
pub fn excerpt(body: &str) -> String {
    format!(
        "a response the provider's API does not give ({} bytes, not shown)",
        body.len()
    )
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::refused_address;
    use std::net::IpAddr;

    fn why(s: &str, lo: bool) -> Option<&'static str> {
        refused_address(s.parse::<IpAddr>().unwrap(), lo)
    }

    #[test]
    fn provider_addresses() {
        for ok in [
            "203.0.113.5",
            "10.0.0.1",
            "192.168.1.2",
            "2001:db8::1",
            "fd12::1",
        ] {
            assert_eq!(why(ok, false), None, "{ok}");
        }
        for meta in [
            "169.254.169.254",
            "fe80::1",
            "::ffff:169.254.169.254",
            "fd00:ec2::254",
        ] {
            assert!(why(meta, true).is_some(), "{meta}");
        }
        for other in [
            "0.0.0.0",
            "0.1.2.3",
            "::",
            "224.0.0.1",
            "255.255.255.255",
            "ff02::1",
        ] {
            assert!(why(other, true).is_some(), "{other}");
        }
        for lo in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(why(lo, true), None, "{lo} allowed");
            assert!(why(lo, false).unwrap().contains("loopback"), "{lo} refused");
        }
    }
}

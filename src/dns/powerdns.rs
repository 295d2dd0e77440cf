//! PowerDNS Authoritative HTTP API client: RRset PATCH with REPLACE and
//! DELETE (`/api/v1/servers/localhost/zones/<zone.>`), `X-API-Key` auth.
//! Names are sent canonical (trailing dot); PTR content too, which
//! PowerDNS's strict content check requires.

use std::time::Duration;

use serde_json::{json, Value};

use super::http::{self, Body, PResult, ProviderError, Reply};
use super::names;
use super::provider::{canonical_content, DnsProvider, RType};
use super::zone::Secret;

const TTL: u32 = 3600;

pub struct PowerDns {
    base: String,
    key: Secret,
    zone: String,
    timeout: Duration,
}

/// PowerDNS's zone id: the canonical name, with anything outside
/// `[A-Za-z0-9.-]` escaped as `=XX` (a classless zone's `/` is `=2F`).
pub fn zone_id(zone: &str) -> String {
    let mut out = String::new();
    for b in format!("{zone}.").bytes() {
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
    out
}

fn dot(name: &str) -> String {
    format!("{}.", names::normalize(name))
}

impl PowerDns {
    pub fn new(base: &str, key: Secret, zone: &str, timeout: Duration) -> PowerDns {
        PowerDns {
            base: base.trim_end_matches('/').to_string(),
            key,
            zone: zone.to_string(),
            timeout,
        }
    }

    fn url(&self) -> String {
        format!(
            "{}/api/v1/servers/localhost/zones/{}",
            self.base,
            zone_id(&self.zone)
        )
    }

    fn what(&self) -> String {
        format!("PowerDNS at {}", self.base)
    }

    fn call(&self, method: &str, url: &str, body: Option<Value>) -> PResult<Reply> {
        let headers = [
            ("X-API-Key", self.key.expose()),
            ("Accept", "application/json"),
        ];
        let body = match body {
            Some(v) => Body::Json(v.to_string()),
            None => Body::None,
        };
        // Every call here is idempotent (GET, PATCH REPLACE/DELETE), so a
        // server error is retried briefly within the timeout: PowerDNS
        // answers 500 when its backend is momentarily busy (SQLite: "database
        // is locked").
        let started = std::time::Instant::now();
        let mut delay = Duration::from_millis(50);
        loop {
            let left = self.timeout.saturating_sub(started.elapsed());
            let b = match &body {
                Body::Json(s) => Body::Json(s.clone()),
                _ => Body::None,
            };
            let r = http::send(&self.what(), method, url, &headers, b, left)?;
            if (200..300).contains(&r.status) {
                return Ok(r);
            }
            if r.status >= 500 && started.elapsed() + delay < self.timeout {
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_millis(500));
                continue;
            }
            return Err(self.error(&r));
        }
    }

    fn error(&self, r: &Reply) -> ProviderError {
        if r.is_html() {
            return ProviderError::answer(format!(
                "{} answered with an HTML page (HTTP {}), not the PowerDNS API: check the Server URL (the API webserver, e.g. http://host:8081)",
                self.what(),
                r.status
            ));
        }
        let msg = r
            .json()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| http::excerpt(&r.body));
        ProviderError::answer(match r.status {
            401 => "PowerDNS refused the API key (401 Unauthorized): check the API Key".to_string(),
            404 => format!(
                "zone '{}.' does not exist on the PowerDNS server (404 Not Found)",
                self.zone
            ),
            422 => format!("PowerDNS rejected the change (422): {msg}"),
            s => format!("PowerDNS answered HTTP {s}: {msg}"),
        })
    }

    fn patch(&self, rrset: Value) -> PResult<()> {
        self.call("PATCH", &self.url(), Some(json!({ "rrsets": [rrset] })))
            .map(|_| ())
    }

    fn content(rtype: RType, c: &str) -> String {
        match rtype {
            RType::Ptr => dot(c),
            _ => canonical_content(c),
        }
    }
}

impl DnsProvider for PowerDns {
    fn replace(&self, owner: &str, rtype: RType, contents: &[String]) -> PResult<()> {
        let records: Vec<Value> = contents
            .iter()
            .map(|c| json!({"content": Self::content(rtype, c), "disabled": false}))
            .collect();
        self.patch(json!({
            "name": dot(owner), "type": rtype.as_str(), "ttl": TTL,
            "changetype": "REPLACE", "records": records,
        }))
    }

    fn delete(&self, owner: &str, rtype: RType) -> PResult<()> {
        self.patch(json!({"name": dot(owner), "type": rtype.as_str(), "changetype": "DELETE"}))
    }

    fn list(&self, owner: &str, rtype: RType) -> PResult<Vec<String>> {
        let url = format!(
            "{}?rrset_name={}&rrset_type={}",
            self.url(),
            http::enc(&dot(owner)),
            rtype.as_str()
        );
        let r = self.call("GET", &url, None)?;
        let v = r.json().ok_or_else(|| {
            ProviderError::answer(format!(
                "{} answered with something that is not JSON",
                self.what()
            ))
        })?;
        let want = dot(owner);
        Ok(v.get("rrsets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|s| {
                s.get("name").and_then(Value::as_str) == Some(want.as_str())
                    && s.get("type").and_then(Value::as_str) == Some(rtype.as_str())
            })
            .flat_map(|s| {
                s.get("records")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|rec| {
                rec.get("content")
                    .and_then(Value::as_str)
                    .map(canonical_content)
            })
            .collect())
    }

    fn test(&self) -> PResult<String> {
        let r = self.call("GET", &format!("{}?rrsets=false", self.url()), None)?;
        let v = r.json().ok_or_else(|| {
            ProviderError::answer(format!(
                "{} answered with something that is not JSON",
                self.what()
            ))
        })?;
        let name = v.get("name").and_then(Value::as_str).unwrap_or("");
        if names::normalize(name) != self.zone {
            return Err(ProviderError::answer(format!(
                "PowerDNS returned zone '{name}', not '{}.'",
                self.zone
            )));
        }
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or("?");
        let serial = v.get("serial").and_then(Value::as_u64).unwrap_or(0);
        Ok(format!("zone {name} found ({kind}, serial {serial})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_ids_are_canonical_and_escaped() {
        assert_eq!(zone_id("example.com"), "example.com.");
        assert_eq!(
            zone_id("0/26.100.51.198.in-addr.arpa"),
            "0=2F26.100.51.198.in-addr.arpa."
        );
    }
}

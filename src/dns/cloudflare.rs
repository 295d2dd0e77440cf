//! Cloudflare API v4 client: bearer token, records found by name and type
//! (paginated), then updated, created or deleted so a name never ends up
//! with duplicates; 429 answers are retried after their Retry-After within
//! the request budget; Cloudflare's error codes become clear messages.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::http::{self, Body, PResult, ProviderError, Reply};
use super::names;
use super::provider::{canonical_content, diff, DnsProvider, RType};
use super::zone::Secret;

const PER_PAGE: u32 = 100;
const MAX_PAGES: u32 = 100;
/// Attempts of one call while Cloudflare answers 429.
const RATE_LIMIT_TRIES: u32 = 3;

pub struct Cloudflare {
    base: String,
    account_id: String,
    zone_id: String,
    token: Secret,
    zone: String,
    timeout: Duration,
}

/// Cloudflare's error codes in the operator's words.
fn describe(code: i64, message: &str) -> String {
    match code {
        9109 => format!("Cloudflare rejected the API token (9109 {message}): check the API Token"),
        10000 => format!(
            "Cloudflare authentication error (10000 {message}): the token lacks Zone:DNS:Edit on this zone"
        ),
        6003 | 6111 => format!("Cloudflare refused the request headers ({code} {message}): check the API Token"),
        7003 | 7000 => format!("Cloudflare does not know this zone ({code} {message}): check the Zone ID"),
        81057 | 81058 => format!("the record already exists ({code} {message})"),
        81044 => format!("the record does not exist ({code} {message})"),
        _ => format!("Cloudflare error {code}: {message}"),
    }
}

impl Cloudflare {
    pub fn new(
        base: &str,
        account_id: &str,
        zone_id: &str,
        token: Secret,
        zone: &str,
        timeout: Duration,
    ) -> Cloudflare {
        Cloudflare {
            base: base.trim_end_matches('/').to_string(),
            account_id: account_id.to_string(),
            zone_id: zone_id.to_string(),
            token,
            zone: zone.to_string(),
            timeout,
        }
    }

    fn what(&self) -> String {
        format!("Cloudflare at {}", self.base)
    }

    /// One API call, returning the envelope's `result` (and the envelope).
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> PResult<Value> {
        let url = format!("{}{}", self.base, path);
        let auth = format!("Bearer {}", self.token.expose());
        let headers = [
            ("Authorization", auth.as_str()),
            ("Accept", "application/json"),
        ];
        let started = Instant::now();
        let mut tries = 0;
        loop {
            tries += 1;
            let left = self.timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(ProviderError::unreachable(format!(
                    "{}: rate limited (429) for longer than the timeout",
                    self.what()
                )));
            }
            let b = match &body {
                Some(v) => Body::Json(v.to_string()),
                None => Body::None,
            };
            let r = http::send(&self.what(), method, &url, &headers, b, left)?;
            if r.status == 429 {
                let wait = Duration::from_secs(r.retry_after.unwrap_or(1).max(1));
                let left = self.timeout.saturating_sub(started.elapsed());
                if tries >= RATE_LIMIT_TRIES || wait >= left {
                    return Err(ProviderError::answer(format!(
                        "Cloudflare rate limit (429, Retry-After {}s) not lifted within the timeout",
                        wait.as_secs()
                    )));
                }
                std::thread::sleep(wait);
                continue;
            }
            return self.envelope(&r);
        }
    }

    fn envelope(&self, r: &Reply) -> PResult<Value> {
        if r.is_html() {
            return Err(ProviderError::answer(format!(
                "{} answered with an HTML page (HTTP {}), not the Cloudflare API",
                self.what(),
                r.status
            )));
        }
        let Some(v) = r.json() else {
            return Err(ProviderError::answer(format!(
                "{} answered HTTP {} with something that is not JSON: {}",
                self.what(),
                r.status,
                http::excerpt(&r.body)
            )));
        };
        if v.get("success").and_then(Value::as_bool) == Some(true) && r.status < 300 {
            return Ok(v);
        }
        let errs: Vec<(i64, String)> = v
            .get("errors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e.get("code").and_then(Value::as_i64).unwrap_or(0),
                    e.get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect();
        let first = errs
            .first()
            .cloned()
            .unwrap_or((0, format!("HTTP {}", r.status)));
        let mut e = ProviderError::answer(if r.status >= 500 {
            format!(
                "Cloudflare answered HTTP {}: {}",
                r.status,
                describe(first.0, &first.1)
            )
        } else {
            describe(first.0, &first.1)
        });
        e.code = errs.first().map(|x| x.0);
        Err(e)
    }

    fn records(&self, owner: &str, rtype: RType) -> PResult<Vec<(String, String)>> {
        let mut out = Vec::new();
        for page in 1..=MAX_PAGES {
            let v = self.call(
                "GET",
                &format!(
                    "/zones/{}/dns_records?type={}&name={}&page={page}&per_page={PER_PAGE}",
                    self.zone_id,
                    rtype.as_str(),
                    http::enc(owner)
                ),
                None,
            )?;
            let items = v
                .get("result")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let n = items.len();
            for it in items {
                let name = it.get("name").and_then(Value::as_str).unwrap_or("");
                let ty = it.get("type").and_then(Value::as_str).unwrap_or("");
                if names::normalize(name) != owner || ty != rtype.as_str() {
                    continue;
                }
                if let (Some(id), Some(content)) = (
                    it.get("id").and_then(Value::as_str),
                    it.get("content").and_then(Value::as_str),
                ) {
                    out.push((id.to_string(), content.to_string()));
                }
            }
            let total_pages = v
                .pointer("/result_info/total_pages")
                .and_then(Value::as_u64)
                .unwrap_or(u64::from(page));
            if n == 0 || u64::from(page) >= total_pages {
                break;
            }
        }
        Ok(out)
    }

    fn body(owner: &str, rtype: RType, content: &str) -> Value {
        json!({"type": rtype.as_str(), "name": owner, "content": canonical_content(content), "ttl": 1, "proxied": false})
    }
}

const EXISTS: [i64; 2] = [81057, 81058];
const MISSING: i64 = 81044;

fn is(e: &ProviderError, codes: &[i64]) -> bool {
    e.code.is_some_and(|c| codes.contains(&c))
}

impl DnsProvider for Cloudflare {
    fn replace(&self, owner: &str, rtype: RType, contents: &[String]) -> PResult<()> {
        let existing = self.records(owner, rtype)?;
        let (add, remove) = diff(&existing, contents);
        let mut remove = remove.into_iter();
        for content in add {
            let body = Self::body(owner, rtype, &content);
            // Reuse a record that has to go rather than delete and create.
            let r = match remove.next() {
                Some((id, _)) => self.call(
                    "PUT",
                    &format!("/zones/{}/dns_records/{id}", self.zone_id),
                    Some(body),
                ),
                None => self.call(
                    "POST",
                    &format!("/zones/{}/dns_records", self.zone_id),
                    Some(body),
                ),
            };
            match r {
                Ok(_) => {}
                Err(e) if is(&e, &EXISTS) => {}
                Err(e) => return Err(e),
            }
        }
        for (id, _) in remove {
            match self.call(
                "DELETE",
                &format!("/zones/{}/dns_records/{id}", self.zone_id),
                None,
            ) {
                Ok(_) => {}
                Err(e) if is(&e, &[MISSING]) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn delete(&self, owner: &str, rtype: RType) -> PResult<()> {
        for (id, _) in self.records(owner, rtype)? {
            match self.call(
                "DELETE",
                &format!("/zones/{}/dns_records/{id}", self.zone_id),
                None,
            ) {
                Ok(_) => {}
                Err(e) if is(&e, &[MISSING]) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn list(&self, owner: &str, rtype: RType) -> PResult<Vec<String>> {
        Ok(self
            .records(owner, rtype)?
            .into_iter()
            .map(|(_, c)| canonical_content(&c))
            .collect())
    }

    fn test(&self) -> PResult<String> {
        let v = self.call("GET", &format!("/zones/{}", self.zone_id), None)?;
        let name = v
            .pointer("/result/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if names::normalize(name) != self.zone {
            return Err(ProviderError::answer(format!(
                "Cloudflare zone id {} is '{name}', not '{}': check Zone and Zone ID",
                self.zone_id, self.zone
            )));
        }
        let account = v
            .pointer("/result/account/id")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !account.is_empty() && !account.eq_ignore_ascii_case(&self.account_id) {
            return Err(ProviderError::answer(format!(
                "Cloudflare zone '{name}' belongs to account {account}, not {}: check the Account ID",
                self.account_id
            )));
        }
        let status = v
            .pointer("/result/status")
            .and_then(Value::as_str)
            .unwrap_or("?");
        Ok(format!("zone {name} found (status {status})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_advice() {
        assert!(describe(9109, "Invalid access token").contains("API Token"));
        assert!(describe(7003, "Could not route").contains("Zone ID"));
        assert!(describe(81058, "An identical record already exists.").contains("already exists"));
    }
}

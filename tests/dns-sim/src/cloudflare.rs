//! Cloudflare API v4 simulator: zones and DNS records under `/client/v4`,
//! bearer tokens scoped to zones, the 4-key envelope, pagination with
//! `result_info`, and Cloudflare's error codes (9109, 10000, 6003, 7003,
//! 81044, 81058, 9207, 1004, 9005, 9006, 9021).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Mutex;

use pve_sim::http::{parse_form, Request, Response};
use serde_json::{json, Value};

use crate::common::{json_response, Fault, Server, Shared};

const BASE: &str = "/client/v4";
const TYPES: &[&str] = &[
    "A",
    "AAAA",
    "CAA",
    "CERT",
    "CNAME",
    "DNSKEY",
    "DS",
    "HTTPS",
    "LOC",
    "MX",
    "NAPTR",
    "NS",
    "OPENPGPKEY",
    "PTR",
    "SMIMEA",
    "SRV",
    "SSHFP",
    "SVCB",
    "TLSA",
    "TXT",
    "URI",
];
const LIST_PARAMS: &[&str] = &[
    "name",
    "type",
    "content",
    "proxied",
    "match",
    "order",
    "direction",
    "page",
    "per_page",
    "comment",
    "tag",
    "search",
];
const BODY_KEYS: &[&str] = &[
    "type", "name", "content", "ttl", "proxied", "comment", "tags", "priority", "settings",
];

#[derive(Debug, Clone)]
struct Zone {
    id: String,
    name: String,
    account_id: String,
}

#[derive(Debug, Clone)]
struct Record {
    id: String,
    zone_id: String,
    name: String,
    rtype: String,
    content: String,
    ttl: i64,
    proxied: bool,
}

#[derive(Default)]
struct State {
    zones: BTreeMap<String, Zone>,
    /// token → zone ids it may edit (`*`: all).
    tokens: BTreeMap<String, Vec<String>>,
    records: Vec<Record>,
    next: u64,
    /// Pages never hold more than this (0: no cap beyond per_page).
    max_per_page: usize,
}

#[derive(Default)]
pub struct Cloudflare {
    state: Mutex<State>,
    shared: Shared,
}

fn is_hex32(s: &str) -> bool {
    s.len() == 32
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

fn envelope(result: Value) -> Value {
    json!({"success": true, "errors": [], "messages": [], "result": result})
}

pub fn error(status: u16, code: i64, message: &str) -> Response {
    json_response(
        status,
        &json!({"success": false, "errors": [{"code": code, "message": message}], "messages": [], "result": null}),
    )
}

fn record_json(r: &Record, zone: &Zone) -> Value {
    json!({
        "id": r.id, "name": r.name, "type": r.rtype, "content": r.content,
        "proxiable": matches!(r.rtype.as_str(), "A" | "AAAA" | "CNAME"),
        "proxied": r.proxied, "ttl": r.ttl, "comment": null, "tags": [], "settings": {},
        "meta": {"auto_added": false, "source": "primary"},
        "created_on": "2026-01-01T00:00:00.000000Z", "modified_on": "2026-01-01T00:00:00.000000Z",
        "zone_id": zone.id, "zone_name": zone.name,
    })
}

impl Cloudflare {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn auth(&self, req: &Request, zone_id: Option<&str>) -> Result<(), Response> {
        let Some(h) = req.header("authorization") else {
            return Err(error(
                400,
                9106,
                "Missing X-Auth-Key, X-Auth-Email or Authorization headers",
            ));
        };
        let Some(tok) = h
            .strip_prefix("Bearer ")
            .filter(|t| !t.is_empty() && !t.contains(' '))
        else {
            return Err(json_response(
                400,
                &json!({"success": false, "errors": [{"code": 6003, "message": "Invalid request headers",
                        "error_chain": [{"code": 6111, "message": "Invalid format for Authorization header"}]}],
                        "messages": [], "result": null}),
            ));
        };
        let st = self.lock();
        let Some(scope) = st.tokens.get(tok) else {
            return Err(error(403, 9109, "Invalid access token"));
        };
        if let Some(z) = zone_id {
            if !scope.iter().any(|s| s == "*" || s == z) {
                return Err(error(403, 10000, "Authentication error"));
            }
        }
        Ok(())
    }

    /// Validates a create/update body into (type, name, content, ttl, proxied).
    fn body(
        &self,
        req: &Request,
        zone: &Zone,
    ) -> Result<(String, String, String, i64, bool), Response> {
        let invalid = |m: &str| error(400, 9207, m);
        let v: Value =
            serde_json::from_slice(&req.body).map_err(|_| invalid("Request body is invalid."))?;
        let Some(o) = v.as_object() else {
            return Err(invalid("Request body is invalid."));
        };
        if let Some(k) = o.keys().find(|k| !BODY_KEYS.contains(&k.as_str())) {
            return Err(invalid(&format!(
                "Request body is invalid: unknown field '{k}'"
            )));
        }
        let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
        let rtype = s("type").ok_or_else(|| error(400, 9000, "DNS record type is invalid."))?;
        if !TYPES.contains(&rtype.as_str()) {
            return Err(error(400, 9000, "DNS record type is invalid."));
        }
        let raw_name = s("name").ok_or_else(|| error(400, 9007, "DNS record name is required."))?;
        let lname = raw_name.trim_end_matches('.').to_ascii_lowercase();
        let name = if lname == "@" {
            zone.name.clone()
        } else if lname == zone.name || lname.ends_with(&format!(".{}", zone.name)) {
            lname
        } else if !lname.contains('.') {
            format!("{lname}.{}", zone.name)
        } else {
            return Err(error(
                400,
                1004,
                &format!(
                    "DNS Validation Error: name '{raw_name}' is not in zone {}",
                    zone.name
                ),
            ));
        };
        if name.len() > 255 || name.contains(' ') {
            return Err(error(400, 1004, "DNS Validation Error: invalid name"));
        }
        let content =
            s("content").ok_or_else(|| error(400, 9008, "DNS record content is required."))?;
        match rtype.as_str() {
            "A" if content.parse::<Ipv4Addr>().is_err() => {
                return Err(error(
                    400,
                    9005,
                    "Content for A record is invalid. Must be a valid IPv4 address",
                ))
            }
            "AAAA" if content.parse::<Ipv6Addr>().is_err() => {
                return Err(error(
                    400,
                    9006,
                    "Content for AAAA record is invalid. Must be a valid IPv6 address",
                ))
            }
            "PTR" | "CNAME" | "NS"
                if content.is_empty() || content.contains(' ') || !content.contains('.') =>
            {
                return Err(error(
                    400,
                    1004,
                    &format!("DNS Validation Error: invalid {rtype} content"),
                ))
            }
            _ => {}
        }
        let content = match rtype.as_str() {
            "AAAA" => content
                .parse::<Ipv6Addr>()
                .map(|a| a.to_string())
                .unwrap_or(content),
            "PTR" | "CNAME" | "NS" => content.trim_end_matches('.').to_ascii_lowercase(),
            _ => content,
        };
        let ttl =
            match o.get("ttl") {
                None => 1,
                Some(t) => match t.as_i64() {
                    Some(1) => 1,
                    Some(n) if (60..=86400).contains(&n) => n,
                    _ => return Err(error(
                        400,
                        9021,
                        "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.",
                    )),
                },
            };
        let proxied = match o.get("proxied") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(invalid(
                    "Request body is invalid: proxied must be a boolean",
                ))
            }
        };
        if proxied && !matches!(rtype.as_str(), "A" | "AAAA" | "CNAME") {
            return Err(error(400, 9004, "This record type cannot be proxied."));
        }
        Ok((rtype, name, content, ttl, proxied))
    }

    fn list(&self, req: &Request, zone: &Zone) -> Response {
        let q = parse_form(&req.query);
        if let Some((k, _)) = q.iter().find(|(k, _)| !LIST_PARAMS.contains(&k.as_str())) {
            return error(400, 10001, &format!("Unknown query parameter '{k}'"));
        }
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let page: usize = match get("page").map(|p| p.parse::<usize>()) {
            None => 1,
            Some(Ok(p)) if p >= 1 => p,
            _ => return error(400, 10001, "page must be an integer >= 1"),
        };
        let mut per_page: usize = match get("per_page").map(|p| p.parse::<usize>()) {
            None => 100,
            Some(Ok(p)) if (1..=5_000_000).contains(&p) => p,
            _ => {
                return error(
                    400,
                    10001,
                    "per_page must be an integer between 1 and 5000000",
                )
            }
        };
        if let Some(t) = get("type") {
            if !TYPES.contains(&t.as_str()) {
                return error(400, 9000, "DNS record type is invalid.");
            }
        }
        let st = self.lock();
        if st.max_per_page > 0 {
            per_page = per_page.min(st.max_per_page);
        }
        let name = get("name").map(|n| n.trim_end_matches('.').to_ascii_lowercase());
        let all: Vec<&Record> = st
            .records
            .iter()
            .filter(|r| r.zone_id == zone.id)
            .filter(|r| name.as_ref().is_none_or(|n| &r.name == n))
            .filter(|r| get("type").is_none_or(|t| r.rtype == t))
            .filter(|r| get("content").is_none_or(|c| r.content == c))
            .collect();
        let total = all.len();
        let pages = total.div_ceil(per_page);
        let items: Vec<Value> = all
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|r| record_json(r, zone))
            .collect();
        let mut v = envelope(json!(items));
        v["result_info"] = json!({"page": page, "per_page": per_page, "count": items.len(),
                                  "total_count": total, "total_pages": pages});
        json_response(200, &v)
    }

    fn route(&self, req: &Request) -> Response {
        let Some(rest) = req.path.strip_prefix(BASE) else {
            return error(400, 7000, "No route for that URI");
        };
        let parts: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        match (req.method.as_str(), parts.as_slice()) {
            ("GET", ["user", "tokens", "verify"]) => match self.auth(req, None) {
                Err(r) => r,
                Ok(()) => json_response(
                    200,
                    &envelope(
                        json!({"id": "0123456789abcdef0123456789abcdef", "status": "active"}),
                    ),
                ),
            },
            (_, ["zones", zid, tail @ ..]) => {
                if !is_hex32(zid) {
                    return error(
                        400,
                        7003,
                        &format!("Could not route to /zones/{zid}, perhaps your object identifier is invalid?"),
                    );
                }
                if let Err(r) = self.auth(req, Some(zid)) {
                    return r;
                }
                let zone = match self.lock().zones.get(*zid).cloned() {
                    Some(z) => z,
                    None => {
                        return error(
                            400,
                            7003,
                            &format!("Could not route to /zones/{zid}, perhaps your object identifier is invalid?"),
                        )
                    }
                };
                self.zone_route(req, &zone, tail)
            }
            _ => error(400, 7000, "No route for that URI"),
        }
    }

    fn zone_route(&self, req: &Request, zone: &Zone, tail: &[&str]) -> Response {
        match (req.method.as_str(), tail) {
            ("GET", []) => json_response(
                200,
                &envelope(json!({
                    "id": zone.id, "name": zone.name, "status": "active", "paused": false, "type": "full",
                    "development_mode": 0, "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
                    "original_name_servers": null, "original_registrar": null, "original_dnshost": null,
                    "created_on": "2026-01-01T00:00:00Z", "modified_on": "2026-01-01T00:00:00Z", "activated_on": null,
                    "meta": {}, "owner": {"id": null, "type": "user"},
                    "account": {"id": zone.account_id, "name": "Sim account"}, "plan": {"id": "0", "name": "Free"},
                })),
            ),
            ("GET", ["dns_records"]) => self.list(req, zone),
            ("POST", ["dns_records"]) => {
                let (rtype, name, content, ttl, proxied) = match self.body(req, zone) {
                    Ok(b) => b,
                    Err(r) => return r,
                };
                let mut st = self.lock();
                if st.records.iter().any(|r| {
                    r.zone_id == zone.id
                        && r.name == name
                        && r.rtype == rtype
                        && r.content == content
                }) {
                    return error(400, 81058, "An identical record already exists.");
                }
                st.next += 1;
                let id = format!("{:032x}", st.next.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                let rec = Record {
                    id,
                    zone_id: zone.id.clone(),
                    name,
                    rtype,
                    content,
                    ttl,
                    proxied,
                };
                st.records.push(rec.clone());
                json_response(200, &envelope(record_json(&rec, zone)))
            }
            (m, ["dns_records", rid]) => {
                if !is_hex32(rid) {
                    return error(
                        400,
                        7003,
                        &format!("Could not route to /zones/{}/dns_records/{rid}, perhaps your object identifier is invalid?", zone.id),
                    );
                }
                let idx = self
                    .lock()
                    .records
                    .iter()
                    .position(|r| r.id == *rid && r.zone_id == zone.id);
                let Some(idx) = idx else {
                    return error(404, 81044, "Record does not exist.");
                };
                match m {
                    "GET" => {
                        let st = self.lock();
                        json_response(200, &envelope(record_json(&st.records[idx], zone)))
                    }
                    "DELETE" => {
                        self.lock().records.remove(idx);
                        json_response(200, &envelope(json!({"id": rid})))
                    }
                    "PUT" | "PATCH" => {
                        let (rtype, name, content, ttl, proxied) = match self.body(req, zone) {
                            Ok(b) => b,
                            Err(r) => return r,
                        };
                        let mut st = self.lock();
                        if st.records.iter().any(|r| {
                            r.id != *rid
                                && r.zone_id == zone.id
                                && r.name == name
                                && r.rtype == rtype
                                && r.content == content
                        }) {
                            return error(400, 81058, "An identical record already exists.");
                        }
                        let r = &mut st.records[idx];
                        r.rtype = rtype;
                        r.name = name;
                        r.content = content;
                        r.ttl = ttl;
                        r.proxied = proxied;
                        let out = record_json(r, zone);
                        json_response(200, &envelope(out))
                    }
                    _ => error(405, 10405, "Method not allowed"),
                }
            }
            _ => error(400, 7000, "No route for that URI"),
        }
    }
}

impl Server for Cloudflare {
    fn handle(&self, req: &Request) -> Response {
        self.route(req)
    }

    fn control(&self, req: &Request, body: &Value) -> Option<Response> {
        let ok = || json_response(200, &json!({"ok": true}));
        Some(match (req.method.as_str(), req.path.as_str()) {
            // {"id", "name", "account_id"}
            ("POST", "/_sim/zone") => {
                let s = |k: &str| {
                    body.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                let z = Zone {
                    id: s("id"),
                    name: s("name").to_ascii_lowercase(),
                    account_id: s("account_id"),
                };
                if !is_hex32(&z.id) || z.name.is_empty() {
                    return Some(json_response(
                        400,
                        &json!({"error": "zone needs a 32-hex id and a name"}),
                    ));
                }
                self.lock().zones.insert(z.id.clone(), z);
                ok()
            }
            // {"token", "zones": ["<id>" | "*"]}
            ("POST", "/_sim/token") => {
                let tok = body
                    .get("token")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let zones: Vec<String> = body
                    .get("zones")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_else(|| vec!["*".into()]);
                self.lock().tokens.insert(tok, zones);
                ok()
            }
            // {"max_per_page": n}
            ("POST", "/_sim/config") => {
                if let Some(n) = body.get("max_per_page").and_then(Value::as_u64) {
                    self.lock().max_per_page = n as usize;
                }
                ok()
            }
            // {"zone_id", "type", "name", "content"}: seed a record, duplicates allowed
            ("POST", "/_sim/record") => {
                let s = |k: &str| {
                    body.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                let mut st = self.lock();
                st.next += 1;
                let id = format!("{:032x}", st.next.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                st.records.push(Record {
                    id,
                    zone_id: s("zone_id"),
                    name: s("name").to_ascii_lowercase(),
                    rtype: s("type"),
                    content: s("content"),
                    ttl: 1,
                    proxied: false,
                });
                ok()
            }
            ("GET", "/_sim/records") => {
                let st = self.lock();
                let v: Vec<Value> = st
                    .records
                    .iter()
                    .map(|r| {
                        json!({"id": r.id, "zone_id": r.zone_id, "name": r.name, "type": r.rtype,
                                    "content": r.content, "ttl": r.ttl})
                    })
                    .collect();
                json_response(200, &json!(v))
            }
            _ => return None,
        })
    }

    fn fault_response(&self, f: &Fault) -> Response {
        match f.kind.as_str() {
            "auth" => error(403, 9109, "Invalid access token"),
            "ratelimit" => {
                let mut r = error(
                    429,
                    971,
                    "Please wait and consider throttling your request speed",
                );
                r.headers
                    .push(("Retry-After".into(), f.retry_after.to_string()));
                r
            }
            _ => error(f.status, 10001, "Internal server error (injected)"),
        }
    }

    fn reset(&self) {
        *self.lock() = State::default();
    }

    fn shared(&self) -> &Shared {
        &self.shared
    }
}

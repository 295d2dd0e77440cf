//! HestiaCP API simulator: `POST /api/` with form fields, legacy
//! user/password authentication (the admin only), `returncode=yes|no`, and
//! the three DNS commands with HestiaCP's argument checks, exit codes and
//! `Error: …` texts (dns-apis.md §3).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Mutex;

use pve_sim::http::{parse_form, Request, Response};
use serde_json::{json, Value};

use crate::common::{json_response, Fault, Server, Shared};

const INVALID_DATA: &str =
    "Error: data received is null or invalid, check https://hestiacp.com/docs/server-administration/rest-api.html";
const TYPES: &[&str] = &[
    "A", "AAAA", "NS", "CNAME", "MX", "TXT", "SRV", "DNSKEY", "KEY", "IPSECKEY", "PTR", "SPF",
    "TLSA", "CAA", "DS",
];

#[derive(Debug, Clone)]
struct Rec {
    record: String,
    rtype: String,
    value: String,
}

#[derive(Default)]
struct State {
    admin: Option<(String, String)>,
    /// user → domain → id → record
    zones: BTreeMap<String, BTreeMap<String, BTreeMap<u64, Rec>>>,
}

#[derive(Default)]
pub struct Hestia {
    state: Mutex<State>,
    shared: Shared,
}

fn text(status: u16, body: &str) -> Response {
    Response::new(
        status,
        crate::common::reason(status),
        "text/plain; charset=UTF-8",
        body.as_bytes().to_vec(),
    )
}

type Outcome = (i64, String);

fn fail(code: i64, msg: impl Into<String>) -> Outcome {
    (code, msg.into())
}

impl Hestia {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn run(&self, cmd: &str, args: &[String]) -> Outcome {
        let mut st = self.lock();
        let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
        match cmd {
            "v-list-dns-records" => {
                if args.len() < 2 {
                    return fail(1, "Usage: v-list-dns-records USER DOMAIN [FORMAT]");
                }
                let (user, domain) = (arg(0), arg(1).to_ascii_lowercase());
                let Some(u) = st.zones.get(&user) else {
                    return fail(3, format!("Error: user {user} doesn't exist"));
                };
                let Some(d) = u.get(&domain) else {
                    return fail(3, format!("Error: dns domain {domain} doesn't exist"));
                };
                match arg(2).as_str() {
                    "json" => {}
                    "" | "shell" | "plain" | "csv" => {
                        return fail(2, "Error: this simulator only answers FORMAT json")
                    }
                    f => return fail(2, format!("Error: invalid format :: {f}")),
                }
                let mut o = serde_json::Map::new();
                for (id, r) in d {
                    o.insert(
                        id.to_string(),
                        json!({"RECORD": r.record, "TYPE": r.rtype, "PRIORITY": "", "VALUE": r.value,
                               "ID": id.to_string(), "SUSPENDED": "no", "TIME": "12:00:00",
                               "DATE": "2026-01-01", "TTL": "14400"}),
                    );
                }
                (
                    0,
                    serde_json::to_string_pretty(&Value::Object(o)).unwrap_or_default(),
                )
            }
            "v-add-dns-record" => {
                if args.len() < 5 {
                    return fail(
                        1,
                        "Usage: v-add-dns-record USER DOMAIN RECORD TYPE VALUE [PRIORITY] [ID] [RESTART] [TTL]",
                    );
                }
                let (user, domain) = (arg(0), arg(1).to_ascii_lowercase());
                let record = arg(2).to_ascii_lowercase();
                let rtype = arg(3).to_ascii_uppercase();
                let mut value = arg(4).replace('"', "");
                if !TYPES.contains(&rtype.as_str()) {
                    return fail(2, format!("Error: invalid type format :: {rtype}"));
                }
                if record.is_empty()
                    || !record
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.@*/".contains(c))
                {
                    return fail(2, format!("Error: invalid record format :: {record}"));
                }
                match rtype.as_str() {
                    "A" if value.parse::<Ipv4Addr>().is_err() => {
                        return fail(2, format!("Error: invalid ip format :: {value}"))
                    }
                    "AAAA" if value.parse::<Ipv6Addr>().is_err() => {
                        return fail(2, format!("Error: invalid ipv6 format :: {value}"))
                    }
                    "CNAME" if record == "@" => {
                        return fail(2, "Error: CNAME on root is not allowed")
                    }
                    _ => {}
                }
                if matches!(rtype.as_str(), "NS" | "CNAME" | "MX" | "PTR" | "SRV") {
                    if value.contains(' ') || value.is_empty() {
                        return fail(2, format!("Error: invalid value format :: {value}"));
                    }
                    if !value.ends_with('.') {
                        value.push('.');
                    }
                }
                let Some(u) = st.zones.get_mut(&user) else {
                    return fail(3, format!("Error: user {user} doesn't exist"));
                };
                let Some(d) = u.get_mut(&domain) else {
                    return fail(3, format!("Error: dns domain {domain} doesn't exist"));
                };
                let id = match arg(6).as_str() {
                    "" => d.keys().max().copied().unwrap_or(0) + 1,
                    s => match s.parse::<u64>() {
                        Ok(n) if d.contains_key(&n) => {
                            return fail(4, format!("Error: ID={n} already exists"))
                        }
                        Ok(n) => n,
                        Err(_) => return fail(2, format!("Error: invalid id format :: {s}")),
                    },
                };
                d.insert(
                    id,
                    Rec {
                        record,
                        rtype,
                        value,
                    },
                );
                (0, String::new())
            }
            "v-delete-dns-record" => {
                if args.len() < 3 {
                    return fail(1, "Usage: v-delete-dns-record USER DOMAIN ID [RESTART]");
                }
                let (user, domain) = (arg(0), arg(1).to_ascii_lowercase());
                let Ok(id) = arg(2).parse::<u64>() else {
                    return fail(2, format!("Error: invalid id format :: {}", arg(2)));
                };
                let Some(u) = st.zones.get_mut(&user) else {
                    return fail(3, format!("Error: user {user} doesn't exist"));
                };
                let Some(d) = u.get_mut(&domain) else {
                    return fail(3, format!("Error: dns domain {domain} doesn't exist"));
                };
                let Some(r) = d.get(&id).cloned() else {
                    return fail(3, format!("Error: {domain} id {id} doesn't exist"));
                };
                if matches!(r.rtype.as_str(), "A" | "NS")
                    && d.values().filter(|x| x.rtype == r.rtype).count() == 1
                {
                    return fail(
                        2,
                        format!(
                            "Error: at least one {} record should remain active",
                            r.rtype
                        ),
                    );
                }
                d.remove(&id);
                (0, String::new())
            }
            _ => fail(2, format!("Error: command {cmd} is not available")),
        }
    }
}

impl Server for Hestia {
    fn handle(&self, req: &Request) -> Response {
        if req.path != "/api/" && req.path != "/api/index.php" {
            return text(404, "Not Found");
        }
        if req.method != "POST" {
            return text(405, INVALID_DATA);
        }
        let body = String::from_utf8_lossy(&req.body).to_string();
        let form: Vec<(String, String)> = parse_form(&body);
        let get = |k: &str| {
            form.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.trim().to_string())
        };
        if get("user").is_none() && get("hash").is_none() && get("access_key").is_none() {
            return text(405, INVALID_DATA);
        }
        let returncode = get("returncode").as_deref() == Some("yes");
        let admin = self.lock().admin.clone();
        let authed = match (&admin, get("user"), get("password")) {
            (Some((u, p)), Some(gu), Some(gp)) => *u == gu && *p == gp,
            _ => false,
        };
        if !authed {
            let mut r = text(
                401,
                if returncode {
                    "9"
                } else {
                    "Error: authentication failed"
                },
            );
            r.headers.push(("Hestia-Exit-Code".into(), "9".into()));
            return r;
        }
        let cmd = get("cmd").unwrap_or_default();
        let (code, out) = if cmd.is_empty() {
            fail(2, "Error: Command not provided")
        } else if !cmd
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            fail(2, format!("Error: {cmd} command invalid"))
        } else {
            let args: Vec<String> = (1..=13).map_while(|i| get(&format!("arg{i}"))).collect();
            self.run(&cmd, &args)
        };
        // Legacy mode: always 200.
        if returncode {
            text(200, &code.to_string())
        } else if out.is_empty() {
            text(200, "OK")
        } else {
            text(200, &format!("{out}\n"))
        }
    }

    fn control(&self, req: &Request, body: &Value) -> Option<Response> {
        let s = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let ok = || json_response(200, &json!({"ok": true}));
        Some(match (req.method.as_str(), req.path.as_str()) {
            // {"user", "password"}
            ("POST", "/_sim/admin") => {
                self.lock().admin = Some((s("user"), s("password")));
                ok()
            }
            // {"user", "domain"}: a zone with an apex A and an NS record, as Hestia creates one.
            ("POST", "/_sim/domain") => {
                let mut st = self.lock();
                let d = st
                    .zones
                    .entry(s("user"))
                    .or_default()
                    .entry(s("domain").to_ascii_lowercase())
                    .or_default();
                d.insert(
                    1,
                    Rec {
                        record: "@".into(),
                        rtype: "NS".into(),
                        value: "ns1.example.net.".into(),
                    },
                );
                if !s("domain").ends_with(".arpa") {
                    d.insert(
                        2,
                        Rec {
                            record: "@".into(),
                            rtype: "A".into(),
                            value: "203.0.113.10".into(),
                        },
                    );
                }
                ok()
            }
            ("GET", "/_sim/records") => {
                let st = self.lock();
                let mut out = Vec::new();
                for (user, ds) in &st.zones {
                    for (domain, recs) in ds {
                        for (id, r) in recs {
                            out.push(
                                json!({"user": user, "domain": domain, "id": id, "record": r.record,
                                            "type": r.rtype, "value": r.value}),
                            );
                        }
                    }
                }
                json_response(200, &json!(out))
            }
            _ => return None,
        })
    }

    fn fault_response(&self, f: &Fault) -> Response {
        match f.kind.as_str() {
            "auth" => text(401, "Error: authentication failed"),
            "ratelimit" => {
                let mut r = text(429, "Too Many Requests");
                r.headers
                    .push(("Retry-After".into(), f.retry_after.to_string()));
                r
            }
            _ => text(f.status, "Internal Server Error (injected)"),
        }
    }

    fn fault_key(&self, req: &Request) -> String {
        let body = String::from_utf8_lossy(&req.body).to_string();
        let cmd = parse_form(&body)
            .into_iter()
            .find(|(k, _)| k == "cmd")
            .map(|(_, v)| v)
            .unwrap_or_default();
        format!("{} {cmd}", req.target)
    }

    fn reset(&self) {
        *self.lock() = State::default();
    }

    fn shared(&self) -> &Shared {
        &self.shared
    }
}

//! WHMCS's Module Debug Log of every Proxmox and DNS API call.
//!
//! The HTTP clients (`pve::client`, `dns::http`) call [`record`] for each
//! request they send, on whatever thread they run. Entries are collected in
//! one place per process and handed to WHMCS's `logModuleCall` only from the
//! PHP thread: by the export boundary when a native function returns
//! (`php::guard`), and by the cron between tasks and as each VM's run ends.
//! No Zend call is ever made from a worker thread.
//!
//! Nothing is collected unless WHMCS's module debug logging is on
//! (`tblconfiguration.ModuleDebugMode`), read once per PHP request, and only
//! when the request makes its first API call. Every entry is masked here
//! (credentials in headers are never logged; form fields and JSON members
//! named like a password, secret, ticket or token become `********`, and
//! every known secret string is replaced wherever it appears), and the
//! secrets are also passed to WHMCS as replace-vars. Entries and their number
//! are bounded.
//!
//! PHP as WHMCS runs it (php-fpm, php-cli) serves one request at a time per
//! process, so a process-wide collector is the request's collector.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use once_cell::sync::Lazy;
use serde_json::{json, Value};

use super::Host;
use crate::db::DbConfig;

/// At most this many entries per native call (and per cron task); the rest
/// are counted and reported in one closing entry.
pub const MAX_ENTRIES: usize = 1000;
/// Request text of an entry, in characters.
pub const MAX_REQUEST: usize = 4 * 1024;
/// Response text of an entry, in characters.
pub const MAX_RESPONSE: usize = 8 * 1024;
/// What WHMCS shows for a masked value (and what it masks replace-vars with).
pub const MASK: &str = "********";
/// Secrets shorter than this are masked by name only: replacing a two
/// character string everywhere would garble the entry, not protect it.
const MIN_LITERAL: usize = 4;

/// One `logModuleCall`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub action: String,
    pub request: String,
    pub response: String,
    pub processed: String,
    /// The secret strings WHMCS must mask (they are masked already).
    pub secrets: Vec<String>,
}

#[derive(Debug)]
enum Mode {
    Off,
    /// Not known yet: the database to ask when the first call is made.
    Unknown(Option<DbConfig>),
    On,
}

#[derive(Debug)]
struct State {
    request: u64,
    mode: Mode,
    depth: u32,
    entries: Vec<Entry>,
    /// Entries counted in this batch (kept or not).
    counted: usize,
    dropped: usize,
}

static REQUEST: AtomicU64 = AtomicU64::new(1);
static STATE: Lazy<Mutex<State>> = Lazy::new(|| {
    Mutex::new(State {
        request: 0,
        mode: Mode::Off,
        depth: 0,
        entries: Vec::new(),
        counted: 0,
        dropped: 0,
    })
});

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// A new PHP request began (the extension's RINIT): debug mode is read
/// again when this request makes its first API call.
pub fn request_started() {
    REQUEST.fetch_add(1, Ordering::Relaxed);
}

/// A native function was entered on the PHP thread. `db` gives WHMCS's
/// database settings; it is asked for only once per request.
pub fn enter(db: impl FnOnce() -> Option<DbConfig>) {
    let mut s = state();
    let now = REQUEST.load(Ordering::Relaxed);
    if s.request != now {
        s.request = now;
        s.mode = Mode::Unknown(db());
        s.entries.clear();
        s.depth = 0;
    }
    if s.depth == 0 {
        s.counted = 0;
        s.dropped = 0;
    }
    s.depth += 1;
}

/// The native function returns (PHP thread): the outermost one hands the
/// collected entries to WHMCS.
pub fn leave(host: &dyn Host) {
    let outermost = {
        let mut s = state();
        s.depth = s.depth.saturating_sub(1);
        s.depth == 0
    };
    if outermost {
        hand_over(host);
    }
}

/// Hands what was collected so far to WHMCS (PHP thread only).
pub fn hand_over(host: &dyn Host) {
    let (entries, dropped) = {
        let mut s = state();
        if s.entries.is_empty() && s.dropped == 0 {
            return;
        }
        let dropped = std::mem::take(&mut s.dropped);
        (std::mem::take(&mut s.entries), dropped)
    };
    for e in &entries {
        let secrets: Vec<&str> = e.secrets.iter().map(String::as_str).collect();
        host.log_module_call(&e.action, &e.request, &e.response, &e.processed, &secrets);
    }
    if dropped > 0 {
        host.log_module_call(
            "API calls not logged",
            "",
            &format!("{dropped} more API call(s) were made but not logged: at most {MAX_ENTRIES} entries per module action or cron task"),
            "",
            &[],
        );
    }
}

/// The cron starts a new task: what the last one left is handed over and
/// the entry limit starts again.
pub fn new_batch(host: &dyn Host) {
    hand_over(host);
    state().counted = 0;
}

/// Whether calls are being logged now (asks the database on the first call
/// of a request).
fn active() -> bool {
    let mut s = state();
    if let Mode::Unknown(cfg) = &s.mode {
        let on = cfg.as_ref().is_some_and(debug_mode_on);
        s.mode = if on { Mode::On } else { Mode::Off };
    }
    matches!(s.mode, Mode::On) && s.depth > 0
}

fn debug_mode_on(cfg: &DbConfig) -> bool {
    use mysql::prelude::Queryable;
    let Ok(mut c) = crate::db::conn(cfg) else {
        return false;
    };
    let v: Option<String> = c
        .exec_first(
            "SELECT `value` FROM tblconfiguration WHERE setting = 'ModuleDebugMode' LIMIT 1",
            (),
        )
        .ok()
        .flatten();
    v.is_some_and(|v| {
        let v = v.trim().to_ascii_lowercase();
        !v.is_empty() && v != "0" && v != "off" && v != "false"
    })
}

/// Records one API call. `entry` is only built when logging is on.
pub fn record(entry: impl FnOnce() -> Entry) {
    if !active() {
        return;
    }
    let e = entry();
    let mut s = state();
    s.counted += 1;
    if s.counted > MAX_ENTRIES {
        s.dropped += 1;
    } else {
        s.entries.push(e);
    }
}

/// A form or JSON member whose value is a credential.
pub fn secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password", "passwd", "secret", "ticket", "token", "api_key", "api-key", "apikey", "hash",
    ]
    .iter()
    .any(|w| k.ends_with(w))
        || k == "csrfpreventiontoken"
        || k == "key"
}

/// Collects the secrets of one entry and masks them.
#[derive(Debug, Default)]
pub struct Masker {
    secrets: Vec<String>,
}

impl Masker {
    pub fn new(known: &[&str]) -> Self {
        let mut m = Masker::default();
        for s in known {
            m.add(s);
        }
        m
    }

    pub fn add(&mut self, secret: &str) {
        if !secret.is_empty() && secret != MASK && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_string());
        }
    }

    /// Form fields as a JSON object, credentials masked.
    pub fn form(&mut self, pairs: &[(String, String)]) -> Value {
        let mut m = serde_json::Map::new();
        for (k, v) in pairs {
            let v = if secret_key(k) {
                self.add(v);
                MASK.to_string()
            } else {
                v.clone()
            };
            match m.get_mut(k) {
                // Repeated keys (PVE's `vmid` lists) keep every value.
                Some(Value::Array(a)) => a.push(Value::String(v)),
                Some(old) => *old = json!([old.clone(), v]),
                None => {
                    m.insert(k.clone(), Value::String(v));
                }
            }
        }
        Value::Object(m)
    }

    /// A JSON value with every credential member masked.
    pub fn json(&mut self, v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if secret_key(k) && !x.is_null() {
                        if let Some(s) = x.as_str() {
                            self.add(s);
                        } else {
                            self.add(&x.to_string());
                        }
                        *x = Value::String(MASK.into());
                    } else {
                        self.json(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.json(x)),
            _ => {}
        }
    }

    /// Text with every known secret replaced, then cut at `max` characters.
    pub fn text(&self, s: &str, max: usize) -> String {
        let mut long: Vec<&String> = self
            .secrets
            .iter()
            .filter(|x| x.chars().count() >= MIN_LITERAL)
            .collect();
        long.sort_by_key(|x| std::cmp::Reverse(x.len()));
        let mut out = s.to_string();
        for x in long {
            if out.contains(x.as_str()) {
                out = out.replace(x.as_str(), MASK);
            }
        }
        cut(&out, max)
    }

    pub fn secrets(self) -> Vec<String> {
        self.secrets
    }
}

/// At most `max` characters, saying how much was left out.
pub fn cut(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max).collect();
    t.push_str(&format!("… ({} more characters not logged)", n - max));
    t
}

/// The `processed` column: the HTTP status (0: no answer) and the time taken.
pub fn outcome(status: u16, elapsed: Duration, error: Option<&str>) -> String {
    let ms = (elapsed.as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    let mut v = json!({"status": status, "ms": ms});
    if let Some(e) = error {
        v["error"] = Value::String(e.to_string());
    }
    v.to_string()
}

/// The action: method and path, at most 255 characters (WHMCS's column).
pub fn action(method: &str, path: &str) -> String {
    crate::whmcs::fields::truncate(&format!("{method} {path}"), 250)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_members_are_masked_and_collected() {
        let mut m = Masker::new(&["token-secret-uuid"]);
        let form = m.form(&[
            ("cipassword".into(), "Vm-Pass-123".into()),
            ("memory".into(), "4096".into()),
            ("vmid".into(), "100".into()),
            ("vmid".into(), "101".into()),
        ]);
        assert_eq!(form["cipassword"], MASK);
        assert_eq!(form["memory"], "4096");
        assert_eq!(form["vmid"], json!(["100", "101"]));
        let mut body = json!({"data": {"ticket": "PVEVNC:abc", "port": 5900, "list": [{"password": "x1234"}]}});
        m.json(&mut body);
        assert_eq!(body["data"]["ticket"], MASK);
        assert_eq!(body["data"]["port"], 5900);
        assert_eq!(body["data"]["list"][0]["password"], MASK);
        let t = m.text(
            "error: token-secret-uuid and Vm-Pass-123 and PVEVNC:abc",
            1000,
        );
        assert!(!t.contains("token-secret-uuid") && !t.contains("Vm-Pass-123"));
        assert!(!t.contains("PVEVNC:abc"), "{t}");
        let secrets = m.secrets();
        for s in ["token-secret-uuid", "Vm-Pass-123", "PVEVNC:abc", "x1234"] {
            assert!(secrets.iter().any(|x| x == s), "{s}");
        }
    }

    #[test]
    fn short_secrets_are_masked_by_name_only() {
        let mut m = Masker::default();
        let f = m.form(&[("password".into(), "ab".into())]);
        assert_eq!(f["password"], MASK);
        assert_eq!(m.text("abc tab", 100), "abc tab");
    }

    #[test]
    fn long_text_is_cut_with_a_note() {
        let s = "x".repeat(50);
        assert_eq!(cut(&s, 100), s);
        let c = cut(&s, 10);
        assert!(c.starts_with("xxxxxxxxxx…") && c.contains("40 more"), "{c}");
    }

    #[test]
    fn key_names() {
        for k in [
            "password",
            "cipassword",
            "api_token",
            "X-API-Key",
            "CSRFPreventionToken",
            "ticket",
            "key",
        ] {
            assert!(secret_key(k), "{k}");
        }
        for k in ["sshkeys", "memory", "keyboard", "name", "tokenid"] {
            assert!(!secret_key(k), "{k}");
        }
    }
}

//! What both simulators share: the listener, one thread per connection,
//! the fault queue, the request log, and the `/_sim/` control routes that
//! are the same on both.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pve_sim::http::{Conn, Request, Response};
use serde_json::{json, Value};

/// One injected fault: applies to the next `count` requests whose target
/// (or HestiaCP `cmd`) contains `matches`.
#[derive(Debug, Clone)]
pub struct Fault {
    /// `timeout` | `status` | `ratelimit` | `auth` | `html`
    pub kind: String,
    pub count: u32,
    pub matches: String,
    pub status: u16,
    pub delay_ms: u64,
    pub retry_after: u64,
}

impl Fault {
    pub fn from_json(v: &Value) -> Result<Fault, String> {
        let kind = v
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !["timeout", "status", "ratelimit", "auth", "html"].contains(&kind.as_str()) {
            return Err(format!("unknown fault kind '{kind}'"));
        }
        Ok(Fault {
            kind,
            count: v.get("count").and_then(Value::as_u64).unwrap_or(1) as u32,
            matches: v
                .get("match")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            status: v.get("status").and_then(Value::as_u64).unwrap_or(500) as u16,
            delay_ms: v.get("delay_ms").and_then(Value::as_u64).unwrap_or(5000),
            retry_after: v.get("retry_after").and_then(Value::as_u64).unwrap_or(1),
        })
    }
}

/// A simulator's behaviour behind the shared server loop.
pub trait Server: Send + Sync + 'static {
    /// Answers an API request (faults already applied).
    fn handle(&self, req: &Request) -> Response;
    /// Answers a `/_sim/` request not handled in common (state set-up and dumps).
    fn control(&self, req: &Request, body: &Value) -> Option<Response>;
    /// The answer for an injected fault of kind `auth`, `status` or `ratelimit`.
    fn fault_response(&self, f: &Fault) -> Response;
    /// The string faults match against (target, plus the HestiaCP command).
    fn fault_key(&self, req: &Request) -> String {
        req.target.clone()
    }
    fn reset(&self);
    fn shared(&self) -> &Shared;
}

#[derive(Default)]
pub struct Shared {
    /// Added before every API answer (`/_sim/latency`), like a distant API.
    pub latency_ms: std::sync::atomic::AtomicU64,
    pub faults: Mutex<Vec<Fault>>,
    /// (method, path, fault key, status) of every API request.
    pub log: Mutex<Vec<(String, String, String, u16)>>,
}

pub fn json_response(status: u16, v: &Value) -> Response {
    let mut r = Response::json(status, reason(status), v);
    r.headers = vec![("Content-Type".into(), "application/json".into())];
    r
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn take_fault(shared: &Shared, key: &str) -> Option<Fault> {
    let mut faults = shared.faults.lock().unwrap_or_else(|e| e.into_inner());
    let i = faults
        .iter()
        .position(|f| f.count > 0 && key.contains(&f.matches))?;
    faults[i].count -= 1;
    let f = faults[i].clone();
    if faults[i].count == 0 {
        faults.remove(i);
    }
    Some(f)
}

fn control<S: Server>(s: &S, req: &Request) -> Response {
    let body: Value = if req.body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(e) => return json_response(400, &json!({"error": format!("control body: {e}")})),
        }
    };
    let sh = s.shared();
    match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/_sim/fault") => match Fault::from_json(&body) {
            Ok(f) => {
                sh.faults.lock().unwrap_or_else(|e| e.into_inner()).push(f);
                json_response(200, &json!({"ok": true}))
            }
            Err(e) => json_response(400, &json!({"error": e})),
        },
        ("POST", "/_sim/latency") => {
            let ms = body.get("ms").and_then(Value::as_u64).unwrap_or(0);
            sh.latency_ms
                .store(ms, std::sync::atomic::Ordering::Relaxed);
            json_response(200, &json!({"ok": true}))
        }
        ("POST", "/_sim/clear-faults") => {
            sh.faults.lock().unwrap_or_else(|e| e.into_inner()).clear();
            json_response(200, &json!({"ok": true}))
        }
        ("GET", "/_sim/log") => {
            let log = sh.log.lock().unwrap_or_else(|e| e.into_inner());
            let v: Vec<Value> = log
                .iter()
                .map(|(m, p, k, st)| json!({"method": m, "path": p, "key": k, "status": st}))
                .collect();
            json_response(200, &json!(v))
        }
        ("POST", "/_sim/reset") => {
            sh.faults.lock().unwrap_or_else(|e| e.into_inner()).clear();
            sh.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
            s.reset();
            json_response(200, &json!({"ok": true}))
        }
        _ => s
            .control(req, &body)
            .unwrap_or_else(|| json_response(404, &json!({"error": "unknown control route"}))),
    }
}

fn connection<S: Server>(s: Arc<S>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut conn = Conn::new(stream);
    loop {
        let req = match conn.read_request() {
            Ok(Some(r)) => r,
            _ => return,
        };
        let keep = req.keep_alive();
        let resp = if req.path.starts_with("/_sim/") {
            control(&*s, &req)
        } else {
            let key = s.fault_key(&req);
            let ms = s
                .shared()
                .latency_ms
                .load(std::sync::atomic::Ordering::Relaxed);
            if ms > 0 {
                std::thread::sleep(Duration::from_millis(ms));
            }
            let resp = match take_fault(s.shared(), &key) {
                Some(f) if f.kind == "timeout" => {
                    std::thread::sleep(Duration::from_millis(f.delay_ms));
                    // No answer at all: the client has given up by now.
                    let _ = conn.stream.shutdown(std::net::Shutdown::Both);
                    s.shared()
                        .log
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((req.method.clone(), req.path.clone(), key, 0));
                    return;
                }
                Some(f) if f.kind == "html" => Response::new(
                    f.status.max(200),
                    reason(f.status.max(200)),
                    "text/html; charset=UTF-8",
                    b"<!DOCTYPE html><html><head><title>Login</title></head><body><form>Sign in</form></body></html>".to_vec(),
                ),
                Some(f) => s.fault_response(&f),
                None => s.handle(&req),
            };
            s.shared()
                .log
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((req.method.clone(), req.path.clone(), key, resp.status));
            resp
        };
        if conn
            .write_response(&resp, keep, req.method == "HEAD")
            .is_err()
            || !keep
        {
            return;
        }
    }
}

/// Listens on `addr` and serves `s` on a thread per connection; returns
/// the bound address.
pub fn serve<S: Server>(s: Arc<S>, addr: &str) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let s = s.clone();
            std::thread::spawn(move || connection(s, stream));
        }
    });
    Ok(local)
}

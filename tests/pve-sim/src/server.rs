//! Listeners (HTTP and HTTPS), the per-request pipeline (auth, faults, routing,
//! permissions, validation, dispatch, logging) and PVE-shaped responses.

use crate::api::{dispatch, Ctx, Params};
use crate::error::ApiError;
use crate::http::{parse_form, percent_decode, Conn, Request, Response};
use crate::schema::{Lookup, Method, SCHEMA};
use crate::state::{Fault, FaultAction, FaultWhen, LogEntry, State, TaskState, Token};
use crate::validate::{validate, Errors};
use once_cell::sync::Lazy;
use regex::Regex;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Everything the server threads share.
pub struct Shared {
    pub state: Mutex<State>,
    pub shutdown: AtomicBool,
    conns: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
    /// Pristine state used by `/_sim/reset`.
    pub initial: State,
}

impl Shared {
    pub fn new(state: State) -> Shared {
        Shared {
            initial: state.clone(),
            state: Mutex::new(state),
            shutdown: AtomicBool::new(false),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
        }
    }

    /// Lock the state (recovering from a poisoned lock) and bring tasks up to date.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        let mut g = self.state.lock().unwrap_or_else(|e| e.into_inner());
        g.advance();
        g
    }

    /// Close every open connection (used by stop()).
    pub fn close_all(&self) {
        let conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        for s in conns.values() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// TLS server config with the generated certificate.
pub fn tls_config(
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert_der)],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der)),
        )
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(cfg))
}

/// Start an accept loop on `listener`; `tls` = Some for HTTPS.
pub fn spawn_listener(
    shared: Arc<Shared>,
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(
            if tls.is_some() {
                "pve-sim-https"
            } else {
                "pve-sim-http"
            }
            .into(),
        )
        .spawn(move || {
            for stream in listener.incoming() {
                if shared.shutdown.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = shared.clone();
                let tls = tls.clone();
                let _ = std::thread::Builder::new()
                    .name("pve-sim-conn".into())
                    .spawn(move || handle_connection(shared, stream, tls));
            }
        })
        .unwrap_or_else(|e| panic!("cannot spawn listener thread: {e}"))
}

fn handle_connection(shared: Arc<Shared>, tcp: TcpStream, tls: Option<Arc<rustls::ServerConfig>>) {
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(300)));
    let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
    if let Ok(clone) = tcp.try_clone() {
        shared
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, clone);
    }
    let peer = tcp.peer_addr().ok();
    match tls {
        Some(cfg) => {
            if let Ok(conn) = rustls::ServerConnection::new(cfg) {
                let mut stream = rustls::StreamOwned::new(conn, tcp);
                if let Some((backend, buffered)) = serve(&shared, &mut stream, true, peer) {
                    let _ = stream.sock.set_read_timeout(None);
                    let wire =
                        crate::vnc::Wire::Tls(Arc::new(Mutex::new(stream.conn)), stream.sock);
                    crate::vnc::bridge(wire, &backend, buffered);
                } else {
                    stream.conn.send_close_notify();
                    let _ = stream.flush();
                }
            }
        }
        None => {
            let mut tcp = tcp;
            if let Some((backend, buffered)) = serve(&shared, &mut tcp, false, peer) {
                let _ = tcp.set_read_timeout(None);
                crate::vnc::bridge(crate::vnc::Wire::Plain(tcp), &backend, buffered);
            }
        }
    }
    shared
        .conns
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id);
}

/// Serves requests until the connection ends; a WebSocket upgrade ends it
/// with the VNC server to bridge to and the bytes read past the request.
fn serve<S: Read + Write>(
    shared: &Shared,
    stream: &mut S,
    tls: bool,
    _peer: Option<SocketAddr>,
) -> Option<(String, Vec<u8>)> {
    let mut conn = Conn::new(stream);
    loop {
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        match conn.read_request() {
            Ok(Some(req)) => {
                let resp = handle(shared, &req, tls);
                if let Some(backend) = &resp.upgrade {
                    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, resp.reason);
                    for (k, v) in &resp.headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str("\r\n");
                    if conn.stream.write_all(head.as_bytes()).is_err()
                        || conn.stream.flush().is_err()
                    {
                        return None;
                    }
                    return Some((backend.clone(), conn.take_buffered()));
                }
                if let Some(ms) = resp.drop_after_ms {
                    // injected network fault: no answer, then close
                    let deadline = Instant::now() + Duration::from_millis(ms);
                    while Instant::now() < deadline && !shared.shutdown.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(ms.min(50)));
                    }
                    break;
                }
                let keep = req.keep_alive() && !shared.shutdown.load(Ordering::SeqCst);
                if conn
                    .write_response(&resp, keep, req.method == "HEAD")
                    .is_err()
                    || !keep
                {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                if e.kind() == std::io::ErrorKind::InvalidData {
                    let resp = Response::empty(400, "Bad Request");
                    let _ = conn.write_response(&resp, false, false);
                }
                break;
            }
        }
    }
    None
}

/// PVE-shaped error response.
pub fn error_response(e: &ApiError) -> Response {
    let mut body = Map::new();
    body.insert("data".into(), Value::Null);
    body.insert("message".into(), json!(format!("{}\n", e.message)));
    if let Some(errs) = &e.errors {
        body.insert("errors".into(), json!(errs));
    }
    Response::json(e.status, &e.message, &Value::Object(body))
}

fn ok_response(data: Value) -> Response {
    Response::json(200, "OK", &json!({ "data": data }))
}

/// `vncwebsocket`: the 101 answer of a WebSocket upgrade, or the plain
/// `{port}` answer of a request that asked for none.
fn upgrade_response(req: &Request, v: &Value) -> Response {
    let backend = v[crate::vnc::UPGRADE_KEY]
        .as_str()
        .unwrap_or("")
        .to_string();
    let key = req.header("sec-websocket-key");
    let wants = req
        .header("upgrade")
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    let (true, Some(key)) = (wants, key) else {
        return ok_response(json!({"port": v["port"]}));
    };
    let mut r = Response::empty(101, "Switching Protocols");
    r.headers = vec![
        ("Upgrade".into(), "websocket".into()),
        ("Connection".into(), "Upgrade".into()),
        ("Sec-WebSocket-Accept".into(), crate::vnc::accept_key(key)),
    ];
    if req
        .header("sec-websocket-protocol")
        .is_some_and(|p| p.split(',').any(|p| p.trim() == "binary"))
    {
        r.headers
            .push(("Sec-WebSocket-Protocol".into(), "binary".into()));
    }
    r.upgrade = Some(backend);
    r
}

/// Handle one request (API or control).
pub fn handle(shared: &Shared, req: &Request, tls: bool) -> Response {
    if req.path == "/_sim" || req.path.starts_with("/_sim/") {
        return crate::control::handle(shared, req);
    }
    let started = Instant::now();
    let Some(rel) = req.path.strip_prefix("/api2/json") else {
        return Response::new(404, "Not Found", "text/plain", b"not found\n".to_vec());
    };
    let rel = if rel.is_empty() { "/" } else { rel };
    let segs: Vec<String> = rel
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let decoded_path = format!("/{}", segs.join("/"));
    let method_verb = if req.method == "HEAD" {
        "GET".to_string()
    } else {
        req.method.clone()
    };
    let (raw_params, parse_err) = parse_params(req, &method_verb);
    let lookup = SCHEMA.lookup(&method_verb, &segs);
    let template = match &lookup {
        Lookup::Found(m, _) => Some(m.path.clone()),
        Lookup::NotImplemented => None,
    };

    // latency (slept outside the lock)
    let latency = {
        let st = shared.lock();
        let mut ms = st.control.latency_ms;
        for r in &st.control.latency_rules {
            let m_ok = r
                .method
                .as_deref()
                .map(|m| m.eq_ignore_ascii_case(&method_verb))
                .unwrap_or(true);
            if m_ok && regex_match(&r.path, &decoded_path) {
                ms += r.ms;
            }
        }
        ms
    };
    if latency > 0 {
        std::thread::sleep(Duration::from_millis(latency));
    }

    let result = run_pipeline(
        shared,
        req,
        &method_verb,
        &decoded_path,
        lookup,
        raw_params.clone(),
        parse_err,
    );
    let resp = match &result {
        Ok(v) if v.get(crate::vnc::UPGRADE_KEY).is_some() => upgrade_response(req, v),
        Ok(v) => ok_response(v.clone()),
        Err(Failure::Api(e)) => error_response(e),
        Err(Failure::Auth(reason)) => Response::empty(401, reason),
        Err(Failure::Drop(ms)) => Response::dropped(*ms),
    };
    // bookkeeping
    let mut st = shared.lock();
    let key = format!(
        "{} {}",
        method_verb,
        template.clone().unwrap_or_else(|| decoded_path.clone())
    );
    *st.control.counters.entry(key).or_insert(0) += 1;
    st.control.total_calls += 1;
    st.control.seq += 1;
    let entry = LogEntry {
        seq: st.control.seq,
        time_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0),
        method: method_verb.clone(),
        path: decoded_path,
        template,
        params: raw_params,
        status: resp.status,
        message: match &result {
            Err(Failure::Api(e)) => Some(e.message.clone()),
            Err(Failure::Auth(r)) => Some(r.to_string()),
            Err(Failure::Drop(0)) => Some("injected fault: connection dropped".into()),
            Err(Failure::Drop(ms)) => Some(format!("injected fault: no answer for {ms} ms")),
            Ok(_) => None,
        },
        tls,
        duration_ms: started.elapsed().as_millis() as u64,
    };
    st.control.log.push_back(entry);
    while st.control.log.len() > st.control.log_capacity {
        st.control.log.pop_front();
    }
    resp
}

enum Failure {
    Api(ApiError),
    Auth(&'static str),
    /// Injected network fault: no answer, close after the given ms.
    Drop(u64),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

/// Cached, unanchored regex match (invalid regex = substring match).
pub fn regex_match(pattern: &str, text: &str) -> bool {
    static CACHE: Lazy<Mutex<HashMap<String, Option<Regex>>>> =
        Lazy::new(|| Mutex::new(HashMap::new()));
    let mut c = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let re = c
        .entry(pattern.to_string())
        .or_insert_with(|| Regex::new(pattern).ok());
    match re {
        Some(r) => r.is_match(text),
        None => text.contains(pattern),
    }
}

/// Query + body parameters as received (query overrides body; repeats → array).
fn parse_params(req: &Request, verb: &str) -> (Map<String, Value>, Option<ApiError>) {
    let mut out = Map::new();
    let mut err = None;
    if !req.body.is_empty() {
        if verb == "GET" || verb == "DELETE" {
            err = Some(ApiError::status(
                501,
                format!("Unexpected content for method '{verb}'"),
            ));
        }
        let ct = req
            .header("content-type")
            .unwrap_or("application/x-www-form-urlencoded")
            .to_ascii_lowercase();
        if ct.starts_with("application/json") {
            match serde_json::from_slice::<Value>(&req.body) {
                Ok(Value::Object(m)) => out = m,
                Ok(_) | Err(_) => {
                    err = Some(ApiError::status(
                        400,
                        "malformed JSON string in request body",
                    ))
                }
            }
        } else if ct.starts_with("application/x-www-form-urlencoded") || ct.is_empty() {
            add_pairs(&mut out, parse_form(&String::from_utf8_lossy(&req.body)));
        } else {
            err = Some(ApiError::status(
                415,
                format!("Unsupported content type '{ct}'"),
            ));
        }
    }
    let mut q = Map::new();
    add_pairs(&mut q, parse_form(&req.query));
    for (k, v) in q {
        out.insert(k, v);
    }
    out.remove("_dc");
    (out, err)
}

fn add_pairs(out: &mut Map<String, Value>, pairs: Vec<(String, String)>) {
    for (k, v) in pairs {
        match out.get_mut(&k) {
            Some(Value::Array(a)) => a.push(Value::String(v)),
            Some(old) => {
                let prev = old.take();
                *old = Value::Array(vec![prev, Value::String(v)]);
            }
            None => {
                out.insert(k, Value::String(v));
            }
        }
    }
}

static TOKEN_RE: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?:^|\s)PVEAPIToken(?:=| )([^;]*)").expect("regex"));

/// Authenticate; returns the token id.
fn authenticate(shared: &Shared, req: &Request) -> Result<String, Failure> {
    let header = req.header("authorization").unwrap_or("");
    let Some(c) = TOKEN_RE.captures(header) else {
        return Err(Failure::Auth("No ticket"));
    };
    let value = percent_decode(c[1].trim());
    let tokens: Vec<Token> = shared.lock().control.tokens.clone();
    let ok = value.rsplit_once('=').and_then(|(id, secret)| {
        tokens
            .iter()
            .find(|t| t.id == id && t.secret == secret)
            .map(|t| t.id.clone())
    });
    ok.ok_or(Failure::Auth("Authentication failed!"))
}

fn run_pipeline(
    shared: &Shared,
    req: &Request,
    verb: &str,
    path: &str,
    lookup: Lookup<'_>,
    raw: Map<String, Value>,
    parse_err: Option<ApiError>,
) -> Result<Value, Failure> {
    let public = (path == "/access/ticket" && (verb == "GET" || verb == "POST"))
        || path == "/access/domains";
    let user = if public {
        String::new()
    } else {
        match authenticate(shared, req) {
            Ok(u) => u,
            Err(f) => {
                let delay = shared.lock().control.auth_delay_ms;
                if delay > 0 {
                    std::thread::sleep(Duration::from_millis(delay));
                }
                return Err(f);
            }
        }
    };
    // injected faults (picked now; `after` and `task` faults act after dispatch)
    let fault = pick_fault(shared, verb, path);
    if let Some(f) = &fault {
        if f.when == FaultWhen::Before && f.action != FaultAction::Task {
            return Err(fault_failure(f));
        }
    }
    let (method, uri_params) = match lookup {
        Lookup::Found(m, p) => (m, p),
        Lookup::NotImplemented => {
            return Err(ApiError::not_implemented(verb, path).into());
        }
    };
    if let Some(e) = parse_err {
        return Err(e.into());
    }
    if !public && !method.allowtoken {
        return Err(ApiError::perm(&format!(
            "URI '{path}' not available with API token, need proper ticket."
        ))
        .into());
    }
    // merge URI params
    let mut params = raw;
    for (k, v) in &uri_params {
        if let Some(existing) = params.get(k) {
            let same = crate::validate::scalar_text(existing).as_deref() == Some(v.as_str());
            if !same {
                let mut e = Errors::new();
                e.insert(
                    k.clone(),
                    "duplicate parameter (already defined in URI) with conflicting values!".into(),
                );
                return Err(ApiError::params(e).into());
            }
        }
        params.insert(k.clone(), Value::String(v.clone()));
    }
    // array-typed params given once
    for (k, v) in params.iter_mut() {
        let is_array = method
            .props
            .get(k)
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str)
            == Some("array");
        if is_array && !v.is_array() {
            let prev = v.take();
            *v = Value::Array(vec![prev]);
        }
    }
    // permissions
    if !public {
        let st = shared.lock();
        let token = st.control.tokens.iter().find(|t| t.id == user).cloned();
        drop(st);
        if let Some(token) = token {
            check_permissions(method, &params, &token)?;
        }
    }
    // schema validation
    if let Err(errors) = validate(&method.props, method.additional, &params) {
        return Err(ApiError::params(errors).into());
    }
    // proxied methods need a known, online node
    let mut st = shared.lock();
    if method.proxyto.as_deref() == Some("node") {
        if let Some(node) = params.get("node").and_then(Value::as_str) {
            match st.nodes.get(node) {
                None => {
                    return Err(ApiError::internal(format!(
                        "hostname lookup '{node}' failed - failed to get address info for: {node}: Name or service not known"
                    ))
                    .into())
                }
                Some(n) if !n.online => {
                    return Err(ApiError::status(595, "No route to host").into());
                }
                _ => {}
            }
        }
    }
    if path == "/access/domains" && verb == "GET" {
        return Ok(json!([
            {"realm": "pam", "type": "pam", "comment": "Linux PAM standard authentication"},
            {"realm": "pve", "type": "pve", "comment": "Proxmox VE authentication server"}
        ]));
    }
    let p = Params(params);
    let mut ctx = Ctx {
        st: &mut st,
        p: &p,
        user,
        method,
    };
    let result = dispatch(&mut ctx);
    if let Some(f) = fault {
        if f.action == FaultAction::Task {
            if let Ok(Value::String(upid)) = &result {
                if let Some(t) = st
                    .tasks
                    .iter_mut()
                    .find(|t| &t.upid == upid && t.status == TaskState::Running)
                {
                    t.forced_error = f.exitstatus.clone().or(Some(f.message.clone()));
                }
            }
        } else {
            return Err(fault_failure(&f));
        }
    }
    Ok(result?)
}

/// The first named fault matching the request (its count used up), else a
/// random fault by rate.
fn pick_fault(shared: &Shared, verb: &str, path: &str) -> Option<Fault> {
    let mut st = shared.lock();
    let mut fired: Option<usize> = None;
    for i in 0..st.control.faults.len() {
        let f = &st.control.faults[i];
        let m_ok = f
            .method
            .as_deref()
            .map(|m| m.eq_ignore_ascii_case(verb))
            .unwrap_or(true);
        if !(m_ok && f.count != Some(0) && regex_match(&f.path, path)) {
            continue;
        }
        if let Some(p) = f.probability {
            if st.control.rand_f64() >= p {
                continue;
            }
        }
        fired = Some(i);
        break;
    }
    if let Some(i) = fired {
        let f = st.control.faults[i].clone();
        if let Some(c) = st.control.faults[i].count.as_mut() {
            *c = c.saturating_sub(1);
            if *c == 0 {
                st.control.faults.remove(i);
            }
        }
        return Some(f);
    }
    if st.control.fault_rate > 0.0 && st.control.rand_f64() < st.control.fault_rate {
        let mut f = Fault::error(
            None,
            "",
            st.control.fault_status,
            &st.control.fault_message.clone(),
        );
        f.action = st.control.fault_action;
        f.delay_ms = st.control.fault_delay_ms;
        return Some(f);
    }
    None
}

fn fault_failure(f: &Fault) -> Failure {
    match f.action {
        FaultAction::Drop => Failure::Drop(0),
        FaultAction::Timeout => Failure::Drop(f.delay_ms),
        FaultAction::Error | FaultAction::Task => {
            let mut e = ApiError::status(f.status, f.message.clone());
            if let Some(errs) = &f.errors {
                e.errors = Some(errs.clone());
            }
            Failure::Api(e)
        }
    }
}

/// Evaluate the schema's `permissions.check` against a token's denials.
fn check_permissions(
    method: &Method,
    params: &Map<String, Value>,
    token: &Token,
) -> Result<(), ApiError> {
    let Some(check) = method.permissions.get("check") else {
        return Ok(());
    };
    eval_check(check, params, token).map(|_| ())
}

pub(crate) fn has_priv(token: &Token, path: &str, privilege: &str) -> bool {
    !token.deny.iter().any(|d| {
        d.privilege == privilege
            && d.path
                .as_deref()
                .map(|p| {
                    path == p
                        || path.starts_with(&format!("{}/", p.trim_end_matches('/')))
                        || p == "/"
                })
                .unwrap_or(true)
    })
}

fn subst_path(tmpl: &str, params: &Map<String, Value>) -> Option<String> {
    let mut out = String::new();
    let mut rest = tmpl;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let name = &rest[start + 1..end];
        let v = params.get(name).and_then(crate::validate::scalar_text)?;
        out.push_str(&v);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Ok(true) = allowed, Ok(false) = skipped (require_param missing), Err = denied.
fn eval_check(expr: &Value, params: &Map<String, Value>, token: &Token) -> Result<bool, ApiError> {
    let Some(arr) = expr.as_array() else {
        return Ok(true);
    };
    let op = arr.first().and_then(Value::as_str).unwrap_or("");
    match op {
        "perm" => {
            let tmpl = arr.get(1).and_then(Value::as_str).unwrap_or("/");
            let privs: Vec<String> = arr
                .get(2)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let mut any = false;
            let mut i = 3;
            while i < arr.len() {
                match arr[i].as_str() {
                    Some("any") => {
                        any = arr.get(i + 1).map(|v| v != &json!(0)).unwrap_or(true);
                        i += 2;
                    }
                    Some("require_param") => {
                        let p = arr.get(i + 1).and_then(Value::as_str).unwrap_or("");
                        if !params.contains_key(p) {
                            return Ok(false);
                        }
                        i += 2;
                    }
                    _ => i += 1,
                }
            }
            let Some(path) = subst_path(tmpl, params) else {
                return Ok(false);
            };
            if any {
                if privs.iter().any(|p| has_priv(token, &path, p)) {
                    Ok(true)
                } else {
                    Err(ApiError::perm(&format!("{path}, {}", privs.join("|"))))
                }
            } else {
                for p in &privs {
                    if !has_priv(token, &path, p) {
                        return Err(ApiError::perm(&format!("{path}, {p}")));
                    }
                }
                Ok(true)
            }
        }
        "and" => {
            for e in &arr[1..] {
                eval_check(e, params, token)?;
            }
            Ok(true)
        }
        "or" => {
            for e in &arr[1..] {
                if let Ok(true) = eval_check(e, params, token) {
                    return Ok(true);
                }
            }
            Err(ApiError::perm(""))
        }
        _ => Ok(true),
    }
}

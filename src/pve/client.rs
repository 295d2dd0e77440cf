//! The HTTP side of the Proxmox VE API: authentication, the `{"data": …}`
//! envelope and PVE's error forms, parsed in exactly one place.

use std::collections::{BTreeMap, HashMap};
use std::io::ErrorKind;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use serde_json::Value;
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, TcpConnector};
use ureq::Agent;

use super::tls::{Fingerprint, ProxmoxTls, Trust};
use super::PveError;
use crate::whmcs::{debuglog, ServerParams};

pub type PveResult<T> = Result<T, PveError>;

/// Everything needed to talk to one Proxmox server or cluster.
#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    pub host: String,
    pub port: u16,
    /// `user@realm!tokenid`.
    pub token_id: String,
    pub token_secret: String,
    pub pin: Option<Fingerprint>,
    pub timeout: Duration,
    pub heavy_timeout: Duration,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("token_id", &self.token_id)
            .field("pin", &self.pin)
            .finish()
    }
}

impl Connection {
    /// Builds a connection from a WHMCS server entry, validating what an
    /// operator typically gets wrong (token id form, port in the hostname).
    pub fn from_server(
        s: &ServerParams,
        timeout: Duration,
        heavy: Duration,
    ) -> Result<Self, crate::Error> {
        use crate::Error;
        let host = s.host()?.to_string();
        if host.contains('/') || (host.matches(':').count() == 1) {
            return Err(Error::input(
                "serverhostname",
                format!("'{host}' must be a bare host name or IP: put the port in the Port field and leave out https://"),
            ));
        }
        let token_id = s.username.trim().to_string();
        let valid_id = token_id
            .split_once('@')
            .and_then(|(user, rest)| rest.split_once('!').map(|(realm, tok)| (user, realm, tok)))
            .is_some_and(|(u, r, t)| !u.is_empty() && !r.is_empty() && !t.is_empty());
        if !valid_id {
            return Err(Error::input(
                "serverusername",
                "must be a Proxmox API token id like root@pam!whmcs (user@realm!tokenid)",
            ));
        }
        if s.password.trim().is_empty() {
            return Err(Error::input(
                "serverpassword",
                "the API token secret is empty",
            ));
        }
        let pin = if s.accesshash.trim().is_empty() {
            None
        } else {
            Some(
                Fingerprint::parse(&s.accesshash)
                    .map_err(|m| Error::input("serveraccesshash", m))?,
            )
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        if !valid_host(&host) {
            return Err(Error::input(
                "serverhostname",
                format!(
                    "'{}' is not a host name or IP address (letters, digits, '-', '.'; an IPv6 address in full)",
                    crate::util::escaped(host.as_bytes(), 60)
                ),
            ));
        }
        Ok(Connection {
            host,
            port: s.port.unwrap_or(8006),
            token_id,
            token_secret: s.password.trim().to_string(),
            pin,
            timeout,
            heavy_timeout: heavy,
        })
    }

    pub fn base_url(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        // Always HTTPS: the token secret never travels in cleartext, whatever
        // the server's "Secure" tick says.
        format!("https://{}:{}/api2/json", host, self.port)
    }
}

/// A DNS name (labels of letters, digits, `-`, `_`) or an IP address:
/// nothing a URL would read as userinfo, query, fragment or path.
fn valid_host(h: &str) -> bool {
    if h.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let name = h.strip_suffix('.').unwrap_or(h);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// How long a call may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    /// Page requests: the Default Timeout setting.
    Light,
    /// Cron work: the Heavy Operations Timeout setting.
    Heavy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Form/query parameters in the order given. Booleans are `1`/`0`, as PVE
/// requires for form bodies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn new() -> Self {
        Form(Vec::new())
    }
    pub fn set(mut self, k: &str, v: impl ToString) -> Self {
        self.0.push((k.to_string(), v.to_string()));
        self
    }
    pub fn flag(self, k: &str, v: bool) -> Self {
        self.set(k, if v { "1" } else { "0" })
    }
    pub fn opt(self, k: &str, v: Option<impl ToString>) -> Self {
        match v {
            Some(v) => self.set(k, v),
            None => self,
        }
    }
}

/// Validates a path segment so that no request is ever built from an empty
/// or slash-bearing segment (`/nodes//qemu` → PVE 501).
pub fn seg(name: &str, value: &str) -> PveResult<String> {
    if value.is_empty() || value.contains('/') || value.contains("..") {
        return Err(PveError::Protocol(format!(
            "refusing to build a request with {name} '{value}'"
        )));
    }
    Ok(value.to_string())
}

struct AgentEntry {
    agent: Agent,
}

type AgentKey = (String, u16, Option<[u8; 32]>);

/// Agents (connection pools) are shared per server, created on first use.
static AGENTS: Lazy<Mutex<HashMap<AgentKey, Arc<AgentEntry>>>> =
    Lazy::new(|| Mutex::new(HashMap::new()));

fn agent_for(c: &Connection) -> PveResult<Arc<AgentEntry>> {
    let key = (c.host.clone(), c.port, c.pin.map(|p| p.0));
    let mut map = AGENTS
        .lock()
        .map_err(|_| PveError::Protocol("agent cache lock poisoned".into()))?;
    if let Some(a) = map.get(&key) {
        return Ok(a.clone());
    }
    let config = Agent::config_builder()
        .http_status_as_error(false)
        // Proxmox never redirects its API; following one would hand the
        // answer (or a POST turned GET) to another host.
        .max_redirects(0)
        .timeout_connect(Some(Duration::from_secs(5)))
        .max_idle_connections_per_host(16)
        .user_agent("puq_proxmox_kvm")
        .build();
    let trust = match c.pin {
        Some(pin) => Trust::Pinned(pin),
        None => Trust::System,
    };
    let tls = ProxmoxTls::new(trust).map_err(PveError::Tls)?;
    // As ureq's own chain: an HTTP(S) CONNECT proxy from the environment
    // (HTTPS_PROXY / NO_PROXY) when set, then TCP, then our TLS, which
    // verifies end to end through the proxy.
    let connector =
        ().chain(ConnectProxyConnector::default())
            .chain(TcpConnector::default())
            .chain(tls);
    let entry = Arc::new(AgentEntry {
        agent: Agent::with_parts(config, connector, DefaultResolver::default()),
    });
    map.insert(key, entry.clone());
    Ok(entry)
}

/// A Proxmox VE API client for one server.
#[derive(Clone)]
pub struct Client {
    pub conn: Connection,
    entry: Arc<AgentEntry>,
}

impl Client {
    pub fn new(conn: Connection) -> PveResult<Self> {
        let entry = agent_for(&conn)?;
        Ok(Client { conn, entry })
    }

    /// One API call; returns the `data` member of the reply.
    pub fn call(
        &self,
        method: Method,
        path: &str,
        form: &Form,
        weight: Weight,
    ) -> PveResult<Value> {
        let url = format!("{}{}", self.conn.base_url(), path);
        let auth = format!(
            "PVEAPIToken={}={}",
            self.conn.token_id, self.conn.token_secret
        );
        let timeout = match weight {
            Weight::Light => self.conn.timeout,
            Weight::Heavy => self.conn.heavy_timeout,
        };
        let send = || -> Result<(u16, String), ureq::Error> {
            let agent = &self.entry.agent;
            let pairs = form.0.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            let result = match method {
                Method::Get => prepare(agent.get(&url), &auth, timeout)
                    .query_pairs(pairs)
                    .call(),
                Method::Delete => prepare(agent.delete(&url), &auth, timeout)
                    .query_pairs(pairs)
                    .call(),
                Method::Post => prepare(agent.post(&url), &auth, timeout).send_form(pairs),
                Method::Put => prepare(agent.put(&url), &auth, timeout).send_form(pairs),
            };
            let mut resp = result?;
            let status = resp.status().as_u16();
            let body = resp
                .body_mut()
                .with_config()
                .limit(64 * 1024 * 1024)
                .read_to_string()?;
            Ok((status, body))
        };
        // Each request sent is one Module Debug Log entry (when it is on).
        let send = || {
            let started = Instant::now();
            let r = send();
            debuglog::record(|| self.log_entry(method, path, form, &r, started.elapsed()));
            r
        };
        // A GET changes nothing, so one dropped connection (a pooled
        // keep-alive connection pveproxy closed, a reset) or a timeout is
        // retried once. POST/PUT/DELETE never are: they may have happened.
        let (status, body) = match send() {
            Err(e) if method == Method::Get && retryable(&e) => {
                log::debug!("GET {path}: {e}; retrying once");
                send()
            }
            other => other,
        }
        .map_err(|e| self.transport_error(e, &url))?;
        parse_reply(status, &body, method, path)
    }

    /// The Module Debug Log entry of one request: the token secret, form
    /// fields such as `cipassword` / `password` and reply members such as
    /// a console `ticket` are masked; the Authorization header is never
    /// logged.
    fn log_entry(
        &self,
        method: Method,
        path: &str,
        form: &Form,
        reply: &Result<(u16, String), ureq::Error>,
        elapsed: Duration,
    ) -> debuglog::Entry {
        let mut m = debuglog::Masker::new(&[&self.conn.token_secret]);
        let request = serde_json::json!({
            "url": format!("{}{}", self.conn.base_url(), path),
            "token_id": self.conn.token_id,
            "params": m.form(&form.0),
        });
        let (status, response, error) = match reply {
            Ok((status, body)) => {
                let text = match serde_json::from_str::<Value>(body) {
                    Ok(mut v) => {
                        m.json(&mut v);
                        v.to_string()
                    }
                    Err(_) => body.clone(),
                };
                (*status, text, None)
            }
            Err(e) => (0, String::new(), Some(e.to_string())),
        };
        let processed =
            debuglog::outcome(status, elapsed, error.map(|e| m.text(&e, 500)).as_deref());
        debuglog::Entry {
            action: debuglog::action(method.as_str(), &format!("/api2/json{path}")),
            request: m.text(&request.to_string(), debuglog::MAX_REQUEST),
            response: m.text(&response, debuglog::MAX_RESPONSE),
            processed,
            secrets: m.secrets(),
        }
    }

    fn transport_error(&self, e: ureq::Error, url: &str) -> PveError {
        let target = format!("{}:{}", self.conn.host, self.conn.port);
        match e {
            ureq::Error::HostNotFound => {
                PveError::Connect(format!("host '{}' not found (DNS)", self.conn.host))
            }
            ureq::Error::ConnectionFailed => {
                PveError::Connect(format!("connection to {target} failed"))
            }
            ureq::Error::Io(io) if matches!(io.kind(), ErrorKind::ConnectionRefused) => {
                PveError::Connect(format!(
                    "connection to {target} refused (is pveproxy listening on this port?)"
                ))
            }
            ureq::Error::Io(io)
                if matches!(io.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) =>
            {
                PveError::Timeout(url.to_string())
            }
            // The request may have been sent and applied: not a Connect
            // (which means "never sent"), but an answer that never came.
            ureq::Error::Io(io)
                if matches!(
                    io.kind(),
                    ErrorKind::ConnectionReset
                        | ErrorKind::ConnectionAborted
                        | ErrorKind::BrokenPipe
                        | ErrorKind::UnexpectedEof
                ) =>
            {
                PveError::Timeout(format!(
                    "the connection to {target} was dropped before an answer ({io}) on {url}"
                ))
            }
            ureq::Error::Io(io) => {
                // rustls errors surface as io::Error(InvalidData) from the handshake.
                let text = io.to_string();
                if text.contains("lookup address") || text.contains("Name or service not known") {
                    PveError::Connect(format!("host '{}' not found (DNS): {text}", self.conn.host))
                } else if let Some(tls) = self.tls_reason(&text) {
                    PveError::Tls(tls)
                } else {
                    PveError::Connect(format!("{target}: {text}"))
                }
            }
            ureq::Error::Timeout(t) => PveError::Timeout(format!("{t} after waiting on {url}")),
            ureq::Error::Rustls(r) => PveError::Tls(
                self.tls_reason(&r.to_string())
                    .unwrap_or_else(|| r.to_string()),
            ),
            ureq::Error::Tls(m) => PveError::Tls(m.to_string()),
            other => PveError::Connect(format!("{target}: {other}")),
        }
    }

    /// The operator-facing reason for a TLS failure: the verifier's own
    /// sentence when it refused the certificate, else a handshake that did
    /// not look like TLS at all (a plain-HTTP port).
    fn tls_reason(&self, text: &str) -> Option<String> {
        if let Some(why) = super::tls::refusal(text) {
            return Some(why.to_string());
        }
        let t = text.to_ascii_lowercase();
        if t.contains("corrupt message")
            || t.contains("invalidcontenttype")
            || t.contains("invalid content type")
            || t.contains("peer is incompatible")
            || t.contains("peerincompatible")
        {
            return Some(format!(
                "{}:{} did not answer TLS ({text}). The Proxmox API is HTTPS only: use pveproxy's port (8006), not a plain-HTTP port",
                self.conn.host, self.conn.port
            ));
        }
        if t.contains("certificate") || t.contains("handshake") || t.contains("tls") {
            return Some(text.to_string());
        }
        None
    }
}

/// The token header and the call's deadline, for any method.
fn prepare<B>(
    req: ureq::RequestBuilder<B>,
    auth: &str,
    timeout: Duration,
) -> ureq::RequestBuilder<B> {
    req.header("Authorization", auth)
        .config()
        .timeout_global(Some(timeout))
        .build()
}

/// A transport failure after which an idempotent request may be sent again.
fn retryable(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Timeout(_) => true,
        ureq::Error::Io(io) => matches!(
            io.kind(),
            ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof
                | ErrorKind::TimedOut
                | ErrorKind::WouldBlock
        ),
        _ => false,
    }
}

/// Parses PVE's reply envelope and error forms.
pub fn parse_reply(status: u16, body: &str, method: Method, path: &str) -> PveResult<Value> {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.get("message"))
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    match status {
        200..=299 => match parsed {
            Some(mut v) => Ok(v.get_mut("data").map(Value::take).unwrap_or(Value::Null)),
            None => Err(PveError::Protocol(format!(
                "{} {path}: reply is not JSON: {}",
                method.as_str(),
                crate::whmcs::fields::truncate(body, 120)
            ))),
        },
        401 => Err(PveError::Unauthorized),
        403 => Err(PveError::Permission(
            message.unwrap_or_else(|| format!("{} {path}", method.as_str())),
        )),
        501 => Err(PveError::NotImplemented(message.unwrap_or_else(|| {
            format!("Method '{} {path}' not implemented", method.as_str())
        }))),
        _ => {
            let errors: BTreeMap<String, String> = parsed
                .as_ref()
                .and_then(|v| v.get("errors"))
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                v.as_str()
                                    .map_or_else(|| v.to_string(), |s| s.trim().to_string()),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            if !errors.is_empty() {
                return Err(PveError::Params {
                    message: message.unwrap_or_else(|| "Parameter verification failed.".into()),
                    errors,
                });
            }
            Err(PveError::Status {
                status,
                message: message.unwrap_or_else(|| format!("{} {path} failed", method.as_str())),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn server(host: &str, user: &str, pass: &str, hash: &str) -> ServerParams {
        ServerParams {
            id: 1,
            hostname: host.into(),
            ip: String::new(),
            username: user.into(),
            password: pass.into(),
            accesshash: hash.into(),
            secure: true,
            port: None,
        }
    }

    fn conn(s: &ServerParams) -> Result<Connection, crate::Error> {
        Connection::from_server(s, Duration::from_secs(10), Duration::from_secs(60))
    }

    #[test]
    fn envelope_and_error_forms() {
        assert_eq!(
            parse_reply(
                200,
                r#"{"data":{"version":"9.1"}}"#,
                Method::Get,
                "/version"
            )
            .unwrap(),
            json!({"version":"9.1"})
        );
        assert_eq!(
            parse_reply(200, r#"{"data":null}"#, Method::Put, "/x").unwrap(),
            Value::Null
        );
        assert!(matches!(
            parse_reply(200, "<html>", Method::Get, "/x"),
            Err(PveError::Protocol(_))
        ));
        assert_eq!(
            parse_reply(401, "", Method::Get, "/version"),
            Err(PveError::Unauthorized)
        );
        let e = parse_reply(
            400,
            r#"{"data":null,"message":"Parameter verification failed.\n","errors":{"vmstate":"property is not defined in schema and the schema does not allow additional properties"}}"#,
            Method::Post,
            "/x",
        )
        .unwrap_err();
        match &e {
            PveError::Params { message, errors } => {
                assert_eq!(message, "Parameter verification failed.");
                assert!(errors["vmstate"].starts_with("property is not defined"));
            }
            other => panic!("{other:?}"),
        }
        // Old servers: errors without message.
        let e = parse_reply(
            400,
            r#"{"data":null,"errors":{"pool":"bad"}}"#,
            Method::Post,
            "/x",
        )
        .unwrap_err();
        assert!(e.to_string().contains("pool: bad"));
        let e = parse_reply(500, r#"{"data":null,"message":"Configuration file 'nodes/pve/qemu-server/100.conf' does not exist\n"}"#, Method::Get, "/x").unwrap_err();
        assert!(e.is_missing_vm());
        let e = parse_reply(500, r#"{"data":null}"#, Method::Get, "/x").unwrap_err();
        assert_eq!(
            e,
            PveError::Status {
                status: 500,
                message: "GET /x failed".into()
            }
        );
        let e = parse_reply(501, "", Method::Get, "/nodes/x/foo").unwrap_err();
        assert!(e
            .to_string()
            .contains("Method 'GET /nodes/x/foo' not implemented"));
        let e = parse_reply(
            403,
            r#"{"data":null,"message":"Permission check failed (/vms/100, VM.Allocate)\n"}"#,
            Method::Post,
            "/x",
        )
        .unwrap_err();
        assert!(e.to_string().contains("VM.Allocate"));
        let e = PveError::Status {
            status: 500,
            message: "VM 100 is locked (clone)".into(),
        };
        assert!(e.is_lock_conflict());
    }

    #[test]
    fn connection_validation_names_the_field() {
        let ok = conn(&server("pve.example.com", "root@pam!whmcs", "uuid", "")).unwrap();
        assert_eq!(ok.base_url(), "https://pve.example.com:8006/api2/json");
        let cases = [
            (
                server("pve:8006", "root@pam!whmcs", "u", ""),
                "serverhostname",
            ),
            (
                server("https://pve", "root@pam!whmcs", "u", ""),
                "serverhostname",
            ),
            (server("pve", "root@pam", "u", ""), "serverusername"),
            (server("pve", "root", "u", ""), "serverusername"),
            (server("pve", "root@pam!", "u", ""), "serverusername"),
            (server("pve", "root@pam!t", " ", ""), "serverpassword"),
            (
                server("pve", "root@pam!t", "u", "nothex"),
                "serveraccesshash",
            ),
            (server("", "root@pam!t", "u", ""), "serverhostname"),
            (
                server("x@127.0.0.1", "root@pam!t", "u", ""),
                "serverhostname",
            ),
            (
                server("127.0.0.1?", "root@pam!t", "u", ""),
                "serverhostname",
            ),
            (
                server("127.0.0.1#", "root@pam!t", "u", ""),
                "serverhostname",
            ),
            (
                server("pve\u{202e}", "root@pam!t", "u", ""),
                "serverhostname",
            ),
            (
                server("pve..example", "root@pam!t", "u", ""),
                "serverhostname",
            ),
            (server("-pve", "root@pam!t", "u", ""), "serverhostname"),
        ];
        for (s, field) in cases {
            let e = conn(&s).unwrap_err().to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
        for ok in [
            "pve",
            "pve-1.example.com",
            "pve.example.com.",
            "10.0.0.5",
            "[2001:db8::2]",
        ] {
            assert!(
                conn(&server(ok, "root@pam!whmcs", "uuid", "")).is_ok(),
                "{ok}"
            );
        }
        let v6 = conn(&server("2001:db8::1", "root@pam!whmcs", "uuid", "")).unwrap();
        assert_eq!(v6.base_url(), "https://[2001:db8::1]:8006/api2/json");
    }

    #[test]
    fn connection_debug_hides_the_secret() {
        let c = conn(&server("pve", "root@pam!whmcs", "top-secret-uuid", "")).unwrap();
        assert!(!format!("{c:?}").contains("top-secret-uuid"));
    }

    #[test]
    fn segments_are_never_empty() {
        assert!(seg("node", "").is_err());
        assert!(seg("node", "a/b").is_err());
        assert_eq!(seg("node", "pve1").unwrap(), "pve1");
    }

    #[test]
    fn refused_connection_is_reported_as_connect() {
        let mut c = conn(&server("127.0.0.1", "root@pam!whmcs", "uuid", "")).unwrap();
        c.port = 1;
        let cl = Client::new(c).unwrap();
        let e = cl
            .call(Method::Get, "/version", &Form::new(), Weight::Light)
            .unwrap_err();
        assert!(matches!(e, PveError::Connect(_)), "{e:?}");
        assert!(e.never_sent());
    }
}

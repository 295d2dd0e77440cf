//! `puq-vncproxy`: the console proxy of the PUQ Proxmox KVM module, run by
//! the operator on the proxy host (where the original module ran its
//! `vncwebproxy`).
//!
//! ```text
//! puq-vncproxy --key KEY [--key KEY2] [--listen 127.0.0.1:8080]
//!              [--tls-cert fullchain.pem --tls-key privkey.pem]
//!              [--novnc /usr/share/puq-vncproxy/novnc]
//!              [--max-sessions 200] [--max-session-secs 14400] [--idle-secs 900]
//!              [--max-frame 262144] [--max-connections 4096]
//! ```
//! It serves the console page and noVNC's files (`/vncproxy/…`), opens the
//! one-time links the module seals with the product's noVNC key (single
//! use, 10 s, one VM), dials that node's `vncwebsocket` over TLS with the
//! module's certificate rules and the link's API token, answers the VNC
//! password challenge itself, and relays. One log line per session; no
//! secret is ever logged. `/health` answers `{"status":"ok",…}`.

mod rfb;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use puq_proxmox_kvm::console::seal::{self, Link, OpenError};
use puq_proxmox_kvm::pve::tls::{Fingerprint, ProxmoxTls, Trust};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::rustls;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use rfb::WsBytes;

const PAGE: &str = include_str!("page.html");
const HEAD_LIMIT: usize = 16 * 1024;
const HANDSHAKE: Duration = Duration::from_secs(10);

struct Opts {
    listen: SocketAddr,
    keys: Vec<String>,
    tls: Option<(PathBuf, PathBuf)>,
    novnc: PathBuf,
    max_sessions: usize,
    max_connections: usize,
    session: Duration,
    idle: Duration,
    max_frame: usize,
}

fn usage(msg: &str) -> ! {
    eprintln!("puq-vncproxy: {msg}");
    eprintln!(
        "usage: puq-vncproxy --key KEY [--key KEY2] [--listen 127.0.0.1:8080] [--tls-cert PEM --tls-key PEM]\n\
         \x20      [--novnc DIR] [--max-sessions N] [--max-session-secs N] [--idle-secs N] [--max-frame BYTES]\n\
         \x20      [--max-connections N]\n\
         KEY is the product's noVNC key (at least {} characters; or --key-file PATH).",
        seal::MIN_KEY_LEN
    );
    std::process::exit(2)
}

fn parse_opts() -> Opts {
    let mut o = Opts {
        listen: "127.0.0.1:8080".parse().unwrap_or_else(|_| usage("listen")),
        keys: vec![],
        tls: None,
        novnc: PathBuf::from("/usr/share/puq-vncproxy/novnc"),
        max_sessions: 200,
        max_connections: 4096,
        session: Duration::from_secs(4 * 3600),
        idle: Duration::from_secs(900),
        max_frame: 256 * 1024,
    };
    let (mut cert, mut key) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        let num = |v: String| -> u64 {
            v.parse()
                .unwrap_or_else(|_| usage(&format!("'{v}' is not a number")))
        };
        match a.as_str() {
            "--key" => o.keys.push(val()),
            "--key-file" => {
                let p = val();
                let k = std::fs::read_to_string(&p).unwrap_or_else(|e| usage(&format!("{p}: {e}")));
                o.keys.push(k.trim().to_string());
            }
            "--listen" => {
                let v = val();
                o.listen = v.parse().unwrap_or_else(|_| {
                    usage(&format!("'{v}' is not an address like 127.0.0.1:8080"))
                });
            }
            "--tls-cert" => cert = Some(PathBuf::from(val())),
            "--tls-key" => key = Some(PathBuf::from(val())),
            "--novnc" => o.novnc = PathBuf::from(val()),
            "--max-sessions" => o.max_sessions = num(val()).max(1) as usize,
            "--max-connections" => o.max_connections = num(val()).max(1) as usize,
            "--max-session-secs" => o.session = Duration::from_secs(num(val()).max(1)),
            "--idle-secs" => o.idle = Duration::from_secs(num(val()).max(1)),
            "--max-frame" => o.max_frame = num(val()).clamp(1024, 64 << 20) as usize,
            "-h" | "--help" => usage("help"),
            other => usage(&format!("unknown argument '{other}'")),
        }
    }
    if o.keys.is_empty() {
        usage("--key is required: the product's noVNC key");
    }
    for k in &o.keys {
        if k == seal::PUBLIC_DEFAULT_KEY || k.chars().count() < seal::MIN_KEY_LEN {
            usage(&format!(
                "a key must not be the public default and must have at least {} characters",
                seal::MIN_KEY_LEN
            ));
        }
    }
    o.tls = match (cert, key) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) => None,
        _ => usage("--tls-cert and --tls-key go together"),
    };
    o
}

struct App {
    opts: Opts,
    /// Link ids already used, with their expiry (kept until then).
    used: Mutex<HashMap<String, u64>>,
    sessions: Arc<Semaphore>,
    connections: Arc<Semaphore>,
    tls: Mutex<HashMap<Option<String>, Arc<rustls::ClientConfig>>>,
    active: AtomicUsize,
    served: AtomicU64,
    refused: AtomicU64,
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `2026-12-05T13:04:39Z`.
fn timestamp() -> String {
    let s = now_unix();
    let (days, rem) = (s / 86400, s % 86400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn log(line: &str) {
    println!("{} {line}", timestamp());
}

/// Raises the soft open-file limit to the hard one (as Go programs and
/// nginx's worker_rlimit_nofile do): every console holds two sockets, and
/// Debian's default soft limit of 1,024 would refuse connections long before
/// `--max-connections`. Answers the limit now in force.
fn raise_nofile_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < lim.rlim_max {
            let want = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
    }
    lim.rlim_cur
}

fn main() {
    let opts = parse_opts();
    let nofile = raise_nofile_limit();
    if nofile > 0 && (nofile as usize) < opts.max_connections * 2 + 64 {
        log(&format!(
            "warning: the open-file limit is {nofile}, less than --max-connections {} needs (two sockets per console); raise LimitNOFILE",
            opts.max_connections
        ));
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(8);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .unwrap_or_else(|e| usage(&format!("cannot start the runtime: {e}")));
    rt.block_on(run(opts));
}

fn server_tls(cert: &Path, key: &Path) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("{}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| e.to_string())?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(cfg)))
}

async fn run(opts: Opts) {
    let acceptor = opts
        .tls
        .as_ref()
        .map(|(c, k)| server_tls(c, k).unwrap_or_else(|e| usage(&format!("TLS: {e}"))));
    let listener = TcpListener::bind(opts.listen)
        .await
        .unwrap_or_else(|e| usage(&format!("cannot listen on {}: {e}", opts.listen)));
    if !opts.novnc.join("core/rfb.js").is_file() {
        log(&format!(
            "warning: no noVNC at {} (core/rfb.js): the console page cannot load; see --novnc",
            opts.novnc.display()
        ));
    }
    log(&format!(
        "puq-vncproxy {} listening on {}{} (noVNC {}, {} key(s), max {} sessions)",
        env!("CARGO_PKG_VERSION"),
        listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        if acceptor.is_some() { " with TLS" } else { "" },
        opts.novnc.display(),
        opts.keys.len(),
        opts.max_sessions
    ));
    let app = Arc::new(App {
        sessions: Arc::new(Semaphore::new(opts.max_sessions)),
        connections: Arc::new(Semaphore::new(opts.max_connections)),
        opts,
        used: Mutex::new(HashMap::new()),
        tls: Mutex::new(HashMap::new()),
        active: AtomicUsize::new(0),
        served: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    let shutdown = async {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
    };
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut shutdown => { log("stopping"); return; }
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    log(&format!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = app.connections.clone().try_acquire_owned() else {
            // Over the connection limit: closed at once.
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match acceptor {
                Some(a) => {
                    if let Ok(Ok(s)) = tokio::time::timeout(HANDSHAKE, a.accept(tcp)).await {
                        serve(app, s, peer).await;
                    }
                }
                None => serve(app, tcp, peer).await,
            }
        });
    }
}

struct Head {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one request head; `None` for anything that is not one (or too slow).
async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> Option<(Head, Vec<u8>)> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 48];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let head = Head {
                    method: req.method.unwrap_or("").to_string(),
                    path: req.path.unwrap_or("").to_string(),
                    headers: req
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_string(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect(),
                };
                return Some((head, buf[len..].to_vec()));
            }
            Ok(httparse::Status::Partial) if buf.len() < HEAD_LIMIT => continue,
            _ => return None,
        }
    }
}

async fn respond<S: AsyncWrite + Unpin>(
    s: &mut S,
    status: u16,
    ctype: &str,
    extra: &str,
    body: &[u8],
) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n{extra}\r\n",
        body.len()
    );
    let _ = s.write_all(head.as_bytes()).await;
    let _ = s.write_all(body).await;
    let _ = s.flush().await;
    let _ = s.shutdown().await;
}

/// The browser's address: the peer, or nginx's `X-Real-IP` when the peer
/// is this machine (the proxy behind the spec's nginx site).
fn client_addr(peer: SocketAddr, head: &Head) -> String {
    if peer.ip().is_loopback() {
        if let Some(ip) = head
            .header("x-real-ip")
            .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok())
        {
            return ip.to_string();
        }
    }
    peer.ip().to_string()
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    app: Arc<App>,
    mut s: S,
    peer: SocketAddr,
) {
    let Ok(Some((head, rest))) = tokio::time::timeout(HANDSHAKE, read_head(&mut s)).await else {
        return;
    };
    let path = head.path.split('?').next().unwrap_or("").to_string();
    if head.method != "GET" && head.method != "HEAD" {
        return respond(&mut s, 405, "text/plain", "Allow: GET\r\n", b"GET only\n").await;
    }
    if path == "/health" || path == "/vncproxy/health" {
        let body = format!(
            "{{\"status\":\"ok\",\"version\":\"{}\",\"sessions\":{},\"max_sessions\":{},\"served\":{},\"refused\":{}}}\n",
            env!("CARGO_PKG_VERSION"),
            app.active.load(Ordering::Relaxed),
            app.opts.max_sessions,
            app.served.load(Ordering::Relaxed),
            app.refused.load(Ordering::Relaxed)
        );
        return respond(
            &mut s,
            200,
            "application/json",
            "Cache-Control: no-store\r\n",
            body.as_bytes(),
        )
        .await;
    }
    if let Some(file) = path.strip_prefix("/vncproxy/novnc/") {
        return static_file(&app, &mut s, file).await;
    }
    let Some(rest_path) = path.strip_prefix("/vncproxy/") else {
        return respond(&mut s, 404, "text/plain", "", b"not found\n").await;
    };
    let parts: Vec<&str> = rest_path.split('/').collect();
    let (vmid, token, ws) = match parts.as_slice() {
        [v, t] => (v, t, false),
        [v, t, "ws"] => (v, t, true),
        _ => return respond(&mut s, 404, "text/plain", "", b"not found\n").await,
    };
    let vmid: u32 = match vmid.parse() {
        Ok(v) if (100..=999_999_999).contains(&v) => v,
        _ => {
            return page(
                &mut s,
                404,
                0,
                "",
                "This console link is not valid (damaged or incomplete).",
            )
            .await
        }
    };
    if ws {
        session(app, s, peer, head, rest, vmid, token).await;
    } else {
        match check(&app, vmid, token) {
            Ok(link) => page(&mut s, 200, vmid, &link.label, "").await,
            Err(why) => {
                app.refused.fetch_add(1, Ordering::Relaxed);
                log(&format!(
                    "refused page vm={vmid} client={} reason=\"{why}\"",
                    client_addr(peer, &head)
                ));
                let status = if why.contains("expired") || why.contains("already") {
                    410
                } else {
                    403
                };
                page(&mut s, status, vmid, "", &capitalise(&why)).await
            }
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str() + ".",
        None => String::new(),
    }
}

/// Opens a link without using it (the page).
fn check(app: &App, vmid: u32, token: &str) -> Result<Link, String> {
    let link = seal::open(&app.opts.keys, vmid, token, now_unix()).map_err(|e| e.to_string())?;
    let used = app.used.lock().unwrap_or_else(|e| e.into_inner());
    if used.contains_key(&link.id) {
        return Err(USED.into());
    }
    Ok(link)
}

const USED: &str = "this console link was already used: a link opens one console once, open the console again from the service page";

/// Opens a link and marks it used (the WebSocket): a replay is refused.
fn take(app: &App, vmid: u32, token: &str) -> Result<Link, String> {
    let now = now_unix();
    let link =
        seal::open(&app.opts.keys, vmid, token, now).map_err(|e: OpenError| e.to_string())?;
    let mut used = app.used.lock().unwrap_or_else(|e| e.into_inner());
    if used.len() > 1024 {
        used.retain(|_, exp| *exp >= now);
    }
    if used.insert(link.id.clone(), link.exp).is_some() {
        return Err(USED.into());
    }
    Ok(link)
}

fn html_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c if c.is_control() => " ".into(),
            c => c.to_string(),
        })
        .collect()
}

async fn page<S: AsyncWrite + Unpin>(s: &mut S, status: u16, vmid: u32, label: &str, error: &str) {
    let title = if label.is_empty() {
        "Console".to_string()
    } else {
        format!("{label} (VM {vmid})")
    };
    let body = PAGE
        .replace("{{TITLE}}", &html_escape(&title))
        .replace("{{VMID}}", &vmid.to_string())
        .replace("{{ERROR}}", &html_escape(error));
    respond(
        s,
        status,
        "text/html; charset=utf-8",
        "Cache-Control: no-store\r\nX-Frame-Options: DENY\r\nContent-Security-Policy: default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'\r\n",
        body.as_bytes(),
    )
    .await;
}

async fn static_file<S: AsyncWrite + Unpin>(app: &App, s: &mut S, file: &str) {
    let rel = Path::new(file);
    let safe = !file.is_empty()
        && file.len() < 200
        && file
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
        && rel
            .components()
            .all(|c| matches!(c, Component::Normal(n) if !n.to_string_lossy().starts_with('.')));
    if !safe {
        return respond(s, 404, "text/plain", "", b"not found\n").await;
    }
    let ctype = match rel.extension().and_then(|e| e.to_str()) {
        Some("js") | Some("mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("txt") | Some("md") => "text/plain; charset=utf-8",
        _ => return respond(s, 404, "text/plain", "", b"not found\n").await,
    };
    match tokio::fs::read(app.opts.novnc.join(rel)).await {
        Ok(body) => {
            respond(
                s,
                200,
                ctype,
                "Cache-Control: public, max-age=3600\r\n",
                &body,
            )
            .await
        }
        Err(_) => respond(s, 404, "text/plain", "", b"not found\n").await,
    }
}

fn browser_ws_config(app: &App) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(Some(app.opts.max_frame))
        .max_frame_size(Some(app.opts.max_frame))
}

fn upstream_ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(32 * 1024)
        .write_buffer_size(0)
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(16 << 20))
}

/// One console: the browser's WebSocket, bridged to the VM's.
#[allow(clippy::too_many_arguments)]
async fn session<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    app: Arc<App>,
    mut s: S,
    peer: SocketAddr,
    head: Head,
    rest: Vec<u8>,
    vmid: u32,
    token: &str,
) {
    let client = client_addr(peer, &head);
    let key = match (head.header("upgrade"), head.header("sec-websocket-key")) {
        (Some(u), Some(k)) if u.eq_ignore_ascii_case("websocket") => {
            derive_accept_key(k.trim().as_bytes())
        }
        _ => {
            return respond(
                &mut s,
                400,
                "text/plain",
                "",
                b"a WebSocket upgrade is required\n",
            )
            .await
        }
    };
    let proto = head
        .header("sec-websocket-protocol")
        .is_some_and(|p| p.split(',').any(|p| p.trim() == "binary"));
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {key}\r\n{}\r\n",
        if proto { "Sec-WebSocket-Protocol: binary\r\n" } else { "" }
    );
    if s.write_all(answer.as_bytes()).await.is_err() {
        return;
    }
    let ws =
        WebSocketStream::from_partially_read(s, rest, Role::Server, Some(browser_ws_config(&app)))
            .await;
    let mut down = WsBytes::new(ws);
    let started = Instant::now();
    let link = match take(&app, vmid, token) {
        Ok(l) => l,
        Err(why) => {
            app.refused.fetch_add(1, Ordering::Relaxed);
            log(&format!(
                "refused vm={vmid} client={client} reason=\"{why}\""
            ));
            return rfb::refuse(&mut down, &capitalise(&why)).await;
        }
    };
    let Ok(permit) = app.sessions.clone().try_acquire_owned() else {
        app.refused.fetch_add(1, Ordering::Relaxed);
        log(&format!(
            "refused vm={vmid} client={client} reason=\"session limit reached\""
        ));
        return rfb::refuse(
            &mut down,
            "Too many console sessions are open on this proxy: please try again in a moment.",
        )
        .await;
    };
    let up = match tokio::time::timeout(HANDSHAKE, connect_upstream(&app, &link)).await {
        Ok(Ok(up)) => up,
        Ok(Err(why)) => {
            log(&format!(
                "failed vm={vmid} node={} by=\"{}\" client={client} reason=\"{why}\"",
                link.node, link.who
            ));
            return rfb::refuse(
                &mut down,
                &format!("The console could not be opened: {why}."),
            )
            .await;
        }
        Err(_) => {
            let why = format!(
                "Proxmox node {} did not answer within {} s",
                link.node,
                HANDSHAKE.as_secs()
            );
            log(&format!(
                "failed vm={vmid} node={} by=\"{}\" client={client} reason=\"{why}\"",
                link.node, link.who
            ));
            return rfb::refuse(
                &mut down,
                &format!("The console could not be opened: {why}."),
            )
            .await;
        }
    };
    let mut up = WsBytes::new(up);
    let hs = async {
        rfb::client_handshake(&mut up, &link.password).await?;
        rfb::server_handshake(&mut down).await
    };
    match tokio::time::timeout(HANDSHAKE, hs).await {
        Ok(Ok(())) => {}
        Ok(Err(why)) => {
            log(&format!(
                "failed vm={vmid} node={} by=\"{}\" client={client} reason=\"{why}\"",
                link.node, link.who
            ));
            let _ = up.ws.close(None).await;
            return rfb::refuse(
                &mut down,
                &format!("The console could not be opened: {why}."),
            )
            .await;
        }
        Err(_) => {
            log(&format!("failed vm={vmid} node={} by=\"{}\" client={client} reason=\"VNC handshake timed out\"", link.node, link.who));
            return;
        }
    }
    app.active.fetch_add(1, Ordering::Relaxed);
    app.served.fetch_add(1, Ordering::Relaxed);
    let (bytes_in, bytes_out, end) = relay(&app, down, up).await;
    app.active.fetch_sub(1, Ordering::Relaxed);
    drop(permit);
    log(&format!(
        "session vm={vmid} node={} by=\"{}\" client={client} in={bytes_in} out={bytes_out} duration={:.1}s end=\"{end}\"",
        link.node,
        link.who,
        started.elapsed().as_secs_f64()
    ));
}

type Upstream = WebSocketStream<tokio_rustls::client::TlsStream<TcpStream>>;

fn tls_for(app: &App, pin: &Option<String>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut cache = app.tls.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = cache.get(pin) {
        return Ok(c.clone());
    }
    let trust = match pin {
        Some(p) => Trust::Pinned(Fingerprint::parse(p)?),
        None => Trust::System,
    };
    let cfg = ProxmoxTls::new(trust)?.config();
    cache.insert(pin.clone(), cfg.clone());
    Ok(cfg)
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Dials the node's `vncwebsocket` over TLS (the module's certificate
/// rules) with the link's API token and ticket.
async fn connect_upstream(app: &App, link: &Link) -> Result<Upstream, String> {
    let cfg = tls_for(app, &link.pin)?;
    let tcp = TcpStream::connect((link.host.as_str(), link.port))
        .await
        .map_err(|e| {
            format!(
                "Proxmox at {}:{} cannot be reached ({e})",
                link.host, link.port
            )
        })?;
    let _ = tcp.set_nodelay(true);
    let name = rustls::pki_types::ServerName::try_from(link.host.clone())
        .map_err(|_| format!("'{}' is not a valid server name", link.host))?;
    let tls = tokio_rustls::TlsConnector::from(cfg)
        .connect(name, tcp)
        .await
        .map_err(|e| {
            let t = e.to_string();
            puq_proxmox_kvm::pve::tls::refusal(&t)
                .map_or_else(|| format!("TLS to Proxmox failed ({t})"), str::to_string)
        })?;
    let host = if link.host.contains(':') {
        format!("[{}]", link.host)
    } else {
        link.host.clone()
    };
    let url = format!(
        "wss://{host}:{}/api2/json/nodes/{}/qemu/{}/vncwebsocket?port={}&vncticket={}",
        link.port,
        enc(&link.node),
        link.vmid,
        link.vnc_port,
        enc(&link.ticket)
    );
    let mut req = url
        .into_client_request()
        .map_err(|e| format!("bad request: {e}"))?;
    let auth = format!("PVEAPIToken={}", link.token)
        .parse()
        .map_err(|_| "the API token holds characters a header cannot".to_string())?;
    req.headers_mut().insert("Authorization", auth);
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", http_value("binary"));
    match tokio_tungstenite::client_async_with_config(req, tls, Some(upstream_ws_config())).await {
        Ok((ws, _)) => Ok(ws),
        Err(WsError::Http(r)) => {
            let body = r
                .body()
                .as_deref()
                .map(|b| {
                    String::from_utf8_lossy(b)
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(160)
                        .collect::<String>()
                })
                .unwrap_or_default();
            let reason = r.status().canonical_reason().unwrap_or("");
            let hint = match r.status().as_u16() {
                401 => " — the ticket or the API token was refused",
                403 => " — the API token lacks VM.Console on this VM",
                500 => " — the VM may be gone or on another node",
                _ => "",
            };
            Err(format!(
                "Proxmox refused the console (HTTP {} {reason}{hint}){}",
                r.status().as_u16(),
                if body.is_empty() {
                    String::new()
                } else {
                    format!(": {body}")
                }
            ))
        }
        Err(e) => Err(format!("the console websocket to Proxmox failed ({e})")),
    }
}

fn http_value(v: &'static str) -> tokio_tungstenite::tungstenite::http::HeaderValue {
    tokio_tungstenite::tungstenite::http::HeaderValue::from_static(v)
}

/// Relays until one side closes, the idle timeout or the session limit:
/// `(bytes from the browser, bytes to the browser, why it ended)`.
async fn relay<B, U>(app: &App, down: WsBytes<B>, up: WsBytes<U>) -> (u64, u64, String)
where
    B: AsyncRead + AsyncWrite + Unpin,
    U: AsyncRead + AsyncWrite + Unpin,
{
    let (mut b_tx, mut b_rx) = down.ws.split();
    let (mut u_tx, mut u_rx) = up.ws.split();
    let (mut bytes_in, mut bytes_out) = (0u64, 0u64);
    // Bytes read past the handshakes go first.
    if !down.buf.is_empty() {
        let b: Vec<u8> = down.buf.into_iter().collect();
        bytes_in += b.len() as u64;
        if u_tx.send(Message::binary(b)).await.is_err() {
            return (bytes_in, bytes_out, "Proxmox closed".into());
        }
    }
    if !up.buf.is_empty() {
        let b: Vec<u8> = up.buf.into_iter().collect();
        bytes_out += b.len() as u64;
        if b_tx.send(Message::binary(b)).await.is_err() {
            return (bytes_in, bytes_out, "browser closed".into());
        }
    }
    let deadline = tokio::time::Instant::now() + app.opts.session;
    let mut idle_at = tokio::time::Instant::now() + app.opts.idle;
    let end: String = loop {
        tokio::select! {
            m = b_rx.next() => match m {
                Some(Ok(Message::Binary(b))) => {
                    bytes_in += b.len() as u64;
                    idle_at = tokio::time::Instant::now() + app.opts.idle;
                    if u_tx.send(Message::Binary(b)).await.is_err() { break "Proxmox closed".into(); }
                }
                Some(Ok(Message::Text(_))) => break "the browser sent a text frame (only binary frames carry VNC)".into(),
                Some(Ok(Message::Close(_))) | None => break "browser closed".into(),
                Some(Ok(_)) => {}
                Some(Err(WsError::Capacity(e))) => break format!("the browser sent a frame over the size limit ({e})"),
                Some(Err(e)) => break format!("browser connection error ({e})"),
            },
            m = u_rx.next() => match m {
                Some(Ok(Message::Binary(b))) => {
                    bytes_out += b.len() as u64;
                    if b_tx.send(Message::Binary(b)).await.is_err() { break "browser closed".into(); }
                }
                Some(Ok(Message::Text(_))) => {}
                Some(Ok(Message::Close(_))) | None => break "Proxmox closed".into(),
                Some(Ok(_)) => {}
                Some(Err(e)) => break format!("Proxmox connection error ({e})"),
            },
            _ = tokio::time::sleep_until(idle_at) => break format!("idle for {} s", app.opts.idle.as_secs()),
            _ = tokio::time::sleep_until(deadline) => break format!("session limit of {} s reached", app.opts.session.as_secs()),
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = b_tx.send(Message::Close(None)).await;
        let _ = u_tx.send(Message::Close(None)).await;
    })
    .await;
    (bytes_in, bytes_out, end)
}

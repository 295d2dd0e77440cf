//! The console proxy (`puq-vncproxy`) end to end without a browser: a real
//! QEMU VNC server (password set by the simulator through QMP, as
//! qemu-server does) behind the simulator's `vncwebsocket`, the proxy
//! binary in front, and a WebSocket client speaking RFB as noVNC does.
//! Then every refusal: replay, expiry, an altered byte, another VM, another
//! key, garbage, text frames, oversize frames, a refused ticket, a node
//! that is down, half-open connections — the proxy answers each and keeps
//! serving.
#![cfg(feature = "vncproxy")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use puq_proxmox_kvm::console::seal::{self, Link};
use puq_proxmox_kvm::pve::{Client, Connection};
use puq_proxmox_kvm::whmcs::ServerParams;
use pve_sim::{Config, Sim, SimHandle, DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET};
use tungstenite::{Message, WebSocket};

const KEY: &str = "console-test-key-0123456789abcdef";
const VMID: u32 = 4242;

struct Qemu {
    child: Child,
    dir: std::path::PathBuf,
    vnc: String,
    qmp: String,
}

impl Drop for Qemu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// QEMU with no disk (SeaBIOS: "No bootable device"), VNC on loopback with
/// a password, QMP on a unix socket.
fn qemu() -> Qemu {
    let dir = std::env::temp_dir().join(format!(
        "puq-console-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    // A display number whose port is free.
    let (display, port) = loop {
        let p = free_port();
        if (5901..=65000).contains(&p) {
            break (p - 5900, p);
        }
    };
    let qmp = dir.join("qmp.sock").to_string_lossy().into_owned();
    let child = Command::new("qemu-system-x86_64")
        .args([
            "-display",
            "none",
            "-vnc",
            &format!("127.0.0.1:{display},password=on"),
            "-qmp",
            &format!("unix:{qmp},server=on,wait=off"),
            "-monitor",
            "vc",
            "-m",
            "32",
            "-nodefaults",
            "-no-user-config",
            "-vga",
            "std",
            "-nic",
            "none",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("qemu-system-x86_64 (tests/lib/deps.sh installs qemu-system-x86)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() || !std::path::Path::new(&qmp).exists() {
        assert!(Instant::now() < deadline, "QEMU did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Qemu {
        child,
        dir,
        vnc: format!("127.0.0.1:{port}"),
        qmp,
    }
}

struct Proxy {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- proxy log ---\n{}", self.log.lock().unwrap().join("\n"));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn proxy(extra: &[&str]) -> Proxy {
    let port = free_port();
    let novnc = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/admin/node_modules/@novnc/novnc"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_puq-vncproxy"))
        .args(["--key", KEY, "--listen", &format!("127.0.0.1:{port}")])
        .args(["--novnc", novnc])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("puq-vncproxy");
    let log = Arc::new(Mutex::new(vec![]));
    let out = child.stdout.take().expect("stdout");
    let l = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            l.lock().unwrap().push(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "proxy did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Proxy { child, port, log }
}

fn pve(sim: &SimHandle) -> Client {
    let s = ServerParams {
        id: 1,
        hostname: "127.0.0.1".into(),
        ip: String::new(),
        username: DEFAULT_TOKEN_ID.into(),
        password: DEFAULT_TOKEN_SECRET.into(),
        accesshash: sim.fingerprint_sha256(),
        secure: true,
        port: sim.https_port(),
    };
    Client::new(
        Connection::from_server(&s, Duration::from_secs(5), Duration::from_secs(5)).expect("conn"),
    )
    .expect("client")
}

fn sim_with_vm(q: Option<&Qemu>) -> SimHandle {
    let sim = Sim::start(Config::default());
    sim.with_state(|s| {
        let mut vm = pve_sim::state::Vm::new(VMID, "pve1", Default::default());
        vm.status = "running".into();
        s.vms.insert(VMID, vm);
        let mut vm2 = pve_sim::state::Vm::new(VMID + 1, "pve1", Default::default());
        vm2.status = "running".into();
        s.vms.insert(VMID + 1, vm2);
        if let Some(q) = q {
            s.control.vnc.backend = Some(q.vnc.clone());
            s.control.vnc.qmp = Some(q.qmp.clone());
        }
    });
    sim
}

/// What the module's `console::open` seals, made here from a real
/// `vncproxy` answer of the simulator.
fn link(sim: &SimHandle, vmid: u32, valid: u64) -> Link {
    let c = pve(sim);
    let t = c.vncproxy("pve1", vmid).expect("vncproxy");
    Link {
        id: seal::new_id().unwrap(),
        exp: now() + valid,
        vmid,
        node: "pve1".into(),
        host: "127.0.0.1".into(),
        port: sim.https_port().unwrap(),
        pin: Some(sim.fingerprint_sha256()),
        token: format!("{DEFAULT_TOKEN_ID}={DEFAULT_TOKEN_SECRET}"),
        vnc_port: t.port,
        ticket: t.ticket.clone(),
        password: t.vnc_password().to_string(),
        label: "test-vm".into(),
        who: "client 1".into(),
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn ws(p: &Proxy, path: &str) -> WebSocket<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", p.port)).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let url = format!("ws://127.0.0.1:{}{path}", p.port);
    let (ws, _) = tungstenite::client(url.as_str(), tcp).expect("ws handshake");
    ws
}

/// Reads `n` bytes of the RFB stream.
fn read_n(ws: &mut WebSocket<TcpStream>, buf: &mut Vec<u8>, n: usize) -> Result<Vec<u8>, String> {
    while buf.len() < n {
        match ws.read() {
            Ok(Message::Binary(b)) => buf.extend_from_slice(&b),
            Ok(Message::Close(_)) => return Err("closed".into()),
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(buf.drain(..n).collect())
}

/// The RFB client side as noVNC does it; `Ok((width, height, non-black
/// pixels of the first full update))` or `Err(the server's reason)`.
fn rfb(ws: &mut WebSocket<TcpStream>) -> Result<(u16, u16, usize), String> {
    let mut buf = vec![];
    let v = read_n(ws, &mut buf, 12)?;
    assert_eq!(&v, b"RFB 003.008\n");
    ws.send(Message::binary(b"RFB 003.008\n".to_vec())).unwrap();
    let n = read_n(ws, &mut buf, 1)?[0];
    if n == 0 {
        let l = read_n(ws, &mut buf, 4)?;
        let l = u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize;
        return Err(String::from_utf8_lossy(&read_n(ws, &mut buf, l)?).into_owned());
    }
    // Only "None": the proxy answered the VNC password itself.
    assert_eq!(read_n(ws, &mut buf, n as usize)?, vec![1]);
    ws.send(Message::binary(vec![1])).unwrap();
    assert_eq!(read_n(ws, &mut buf, 4)?, vec![0, 0, 0, 0]);
    ws.send(Message::binary(vec![1])).unwrap(); // ClientInit, shared
    let init = read_n(ws, &mut buf, 24)?;
    let (w, h) = (
        u16::from_be_bytes([init[0], init[1]]),
        u16::from_be_bytes([init[2], init[3]]),
    );
    let name_len = u32::from_be_bytes([init[20], init[21], init[22], init[23]]) as usize;
    read_n(ws, &mut buf, name_len)?;
    // SetPixelFormat 32bpp true colour, SetEncodings [Raw], one full update.
    let mut pf = vec![
        0u8, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0,
    ];
    pf.truncate(20);
    ws.send(Message::binary(pf)).unwrap();
    ws.send(Message::binary(vec![2, 0, 0, 1, 0, 0, 0, 0]))
        .unwrap();
    let mut req = vec![3u8, 0, 0, 0, 0, 0];
    req.extend_from_slice(&w.to_be_bytes());
    req.extend_from_slice(&h.to_be_bytes());
    // The BIOS needs a moment to draw: ask until something is on screen.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        ws.send(Message::binary(req.clone())).unwrap();
        let mut lit = 0usize;
        let hdr = read_n(ws, &mut buf, 4)?;
        assert_eq!(hdr[0], 0, "FramebufferUpdate");
        let rects = u16::from_be_bytes([hdr[2], hdr[3]]);
        for _ in 0..rects {
            let r = read_n(ws, &mut buf, 12)?;
            let (rw, rh) = (
                u16::from_be_bytes([r[4], r[5]]) as usize,
                u16::from_be_bytes([r[6], r[7]]) as usize,
            );
            let enc = i32::from_be_bytes([r[8], r[9], r[10], r[11]]);
            if enc != 0 {
                continue; // pseudo-encodings carry no pixels here
            }
            let px = read_n(ws, &mut buf, rw * rh * 4)?;
            lit += px.chunks(4).filter(|p| p[0] | p[1] | p[2] != 0).count();
        }
        if lit > 0 || Instant::now() > deadline {
            return Ok((w, h, lit));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn reason(p: &Proxy, path: &str) -> String {
    let mut w = ws(p, path);
    rfb(&mut w).expect_err("refused")
}

#[test]
fn a_link_opens_the_vms_screen_once_and_every_forgery_is_refused() {
    let q = qemu();
    let sim = sim_with_vm(Some(&q));
    let p = proxy(&[]);

    let l = link(&sim, VMID, 10);
    let sealed = seal::seal(KEY, &l).unwrap();
    let path = format!("/vncproxy/{VMID}/{sealed}/ws");
    // The page of a fresh link has the console; nothing secret is in it.
    let page = http_get(p.port, &format!("/vncproxy/{VMID}/{sealed}"));
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("test-vm (VM 4242)"));
    assert!(
        !page.contains(&l.ticket)
            && !page.contains(DEFAULT_TOKEN_SECRET)
            && !page.contains(&l.password)
    );

    let mut w = ws(&p, &path);
    let (width, height, lit) = rfb(&mut w).expect("console");
    assert!(width >= 640 && height >= 400, "{width}x{height}");
    assert!(lit > 100, "the BIOS screen has text: {lit} lit pixels");
    // A replay, even within the 10 s, is refused (the first still runs).
    assert!(reason(&p, &path).contains("already used"));
    // The page of a used link says so.
    let page = http_get(p.port, &format!("/vncproxy/{VMID}/{sealed}"));
    assert!(
        page.starts_with("HTTP/1.1 410") && page.contains("already used"),
        "{page}"
    );
    w.close(None).ok();
    drop(w);

    // One byte changed, truncated, garbage.
    let mut b = sealed.clone().into_bytes();
    b[20] = if b[20] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(b).unwrap();
    assert!(
        reason(&p, &format!("/vncproxy/{VMID}/{altered}/ws")).contains("not made for this console")
    );
    assert!(reason(&p, &format!("/vncproxy/{VMID}/{}/ws", &sealed[..30])).contains("not"));
    assert!(reason(&p, &format!("/vncproxy/{VMID}/%00garbage!/ws")).contains("not valid"));
    // A link for VM A edited to VM B.
    let l2 = link(&sim, VMID, 10);
    let s2 = seal::seal(KEY, &l2).unwrap();
    assert!(reason(&p, &format!("/vncproxy/{}/{s2}/ws", VMID + 1))
        .contains("not made for this console"));
    // ... and the untouched one still opens (the edit used nothing).
    let mut w = ws(&p, &format!("/vncproxy/{VMID}/{s2}/ws"));
    assert!(rfb(&mut w).is_ok());
    drop(w);
    // Sealed with another key (WHMCS and the proxy disagree).
    let s3 = seal::seal("another-key-0123456789abcdef", &link(&sim, VMID, 10)).unwrap();
    assert!(reason(&p, &format!("/vncproxy/{VMID}/{s3}/ws")).contains("proxy key"));
    // Expired.
    let mut old = link(&sim, VMID, 10);
    old.exp = now() - 1;
    let s4 = seal::seal(KEY, &old).unwrap();
    assert!(reason(&p, &format!("/vncproxy/{VMID}/{s4}/ws")).contains("expired"));
    let page = http_get(p.port, &format!("/vncproxy/{VMID}/{s4}"));
    assert!(
        page.starts_with("HTTP/1.1 410") && page.contains("expired"),
        "{page}"
    );
    // Proxmox refuses the ticket (used by someone else first).
    let mut stolen = link(&sim, VMID, 10);
    stolen.ticket.push('x');
    let s5 = seal::seal(KEY, &stolen).unwrap();
    let why = reason(&p, &format!("/vncproxy/{VMID}/{s5}/ws"));
    assert!(why.contains("HTTP 401"), "{why}");
    // A wrong VNC password (the link's) is the VNC server's refusal.
    let mut badpw = link(&sim, VMID, 10);
    badpw.password = "wrong".into();
    let s6 = seal::seal(KEY, &badpw).unwrap();
    let why = reason(&p, &format!("/vncproxy/{VMID}/{s6}/ws"));
    assert!(why.contains("refused the password"), "{why}");
    // A node that is down (nothing listens).
    let mut down = link(&sim, VMID, 10);
    down.port = free_port();
    let s7 = seal::seal(KEY, &down).unwrap();
    let why = reason(&p, &format!("/vncproxy/{VMID}/{s7}/ws"));
    assert!(why.contains("cannot be reached"), "{why}");
    // A wrong certificate pin: never unverified.
    let mut pin = link(&sim, VMID, 10);
    pin.pin = Some("AB".repeat(32));
    let s8 = seal::seal(KEY, &pin).unwrap();
    let why = reason(&p, &format!("/vncproxy/{VMID}/{s8}/ws"));
    assert!(why.contains("fingerprint mismatch"), "{why}");

    // Text frames and oversize frames end the session with a log line.
    for (msg, expect) in [
        (Message::text("hello"), "text frame"),
        (Message::binary(vec![0u8; 300 * 1024]), "size limit"),
    ] {
        let s = seal::seal(KEY, &link(&sim, VMID, 10)).unwrap();
        let mut w = ws(&p, &format!("/vncproxy/{VMID}/{s}/ws"));
        rfb(&mut w).expect("console");
        let _ = w.send(msg);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !p.log.lock().unwrap().iter().any(|l| l.contains(expect)) {
            assert!(Instant::now() < deadline, "no log line with '{expect}'");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    // 1,000 half-open connections (a head never finished): /health still
    // answers, and once they end the proxy holds no more sockets or threads
    // than before.
    let pid = p.child.id();
    let fds = || std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    let threads = || proc_status(pid, "Threads:");
    let (fds_before, threads_before) = (fds(), threads());
    raise_own_nofile_limit();
    let idle: Vec<TcpStream> = (0..1000)
        .map(|i| {
            let mut s = TcpStream::connect(("127.0.0.1", p.port))
                .unwrap_or_else(|e| panic!("half-open connection {i}: {e}"));
            s.write_all(b"GET /vncproxy/").expect("half a head");
            s
        })
        .collect();
    let health = http_get(p.port, "/health");
    assert!(health.contains("\"status\":\"ok\""), "{health}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while fds() < fds_before + 1000 {
        assert!(
            Instant::now() < deadline,
            "the proxy holds {} sockets, not the 1,000 half-open ones",
            fds() - fds_before
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(idle);
    let deadline = Instant::now() + Duration::from_secs(10);
    while fds() > fds_before {
        assert!(
            Instant::now() < deadline,
            "{} sockets left open after the half-open connections ended",
            fds() - fds_before
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        threads() <= threads_before,
        "threads grew from {threads_before} to {}",
        threads()
    );
    let health = http_get(p.port, "/health");
    assert!(health.contains("\"status\":\"ok\""), "{health}");

    // The log: one line per session, no secret.
    let log = p.log.lock().unwrap().join("\n");
    assert!(
        log.contains("session vm=4242 node=pve1 by=\"client 1\" client=127.0.0.1"),
        "{log}"
    );
    for secret in [
        DEFAULT_TOKEN_SECRET,
        l.ticket.as_str(),
        l.password.as_str(),
        sealed.as_str(),
    ] {
        assert!(!log.contains(secret), "log holds a secret: {log}");
    }
}

#[test]
fn the_old_proxmox_behaviour_uses_the_ticket_as_vnc_password() {
    let q = qemu();
    let sim = sim_with_vm(Some(&q));
    sim.with_state(|s| s.control.vnc.legacy = true);
    let p = proxy(&[]);
    let l = link(&sim, VMID, 10);
    assert_eq!(l.password, l.ticket);
    let s = seal::seal(KEY, &l).unwrap();
    let mut w = ws(&p, &format!("/vncproxy/{VMID}/{s}/ws"));
    let (_, _, lit) = rfb(&mut w).expect("console");
    assert!(lit > 0);
}

#[test]
fn the_session_limit_and_the_idle_timeout_hold() {
    let q = qemu();
    let sim = sim_with_vm(Some(&q));
    let p = proxy(&["--max-sessions", "1", "--idle-secs", "2"]);
    let s1 = seal::seal(KEY, &link(&sim, VMID, 10)).unwrap();
    let mut w1 = ws(&p, &format!("/vncproxy/{VMID}/{s1}/ws"));
    rfb(&mut w1).expect("first console");
    let s2 = seal::seal(KEY, &link(&sim, VMID, 10)).unwrap();
    assert!(reason(&p, &format!("/vncproxy/{VMID}/{s2}/ws")).contains("Too many console sessions"));
    // Idle: the first session ends by itself, and the slot is free again.
    let deadline = Instant::now() + Duration::from_secs(15);
    while !p
        .log
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("idle for 2 s"))
    {
        assert!(Instant::now() < deadline, "idle timeout not logged");
        std::thread::sleep(Duration::from_millis(100));
    }
    let s3 = seal::seal(KEY, &link(&sim, VMID, 10)).unwrap();
    let mut w3 = ws(&p, &format!("/vncproxy/{VMID}/{s3}/ws"));
    assert!(rfb(&mut w3).is_ok());
}

#[test]
fn the_proxy_refuses_the_public_default_key_and_serves_only_novnc_files() {
    let out = Command::new(env!("CARGO_BIN_EXE_puq-vncproxy"))
        .args(["--key", "puqcloud"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("public default"));
    let p = proxy(&[]);
    assert!(http_get(p.port, "/vncproxy/novnc/core/rfb.js").starts_with("HTTP/1.1 200"));
    for bad in [
        "/vncproxy/novnc/../../../../etc/passwd",
        "/vncproxy/novnc/package.json",
        "/vncproxy/novnc/.hidden.js",
        "/etc/passwd",
    ] {
        assert!(http_get(p.port, bad).starts_with("HTTP/1.1 404"), "{bad}");
    }
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

// ------------------------------------------------------------------------------------------ benchmark
// `cargo test --release --features vncproxy --test console_proxy -- --ignored --nocapture bench`
// (tests/bench.sh): figures only, no timed assertion. A small VNC server stands in for QEMU so the relay, not the
// guest, is measured: after the RFB handshake it echoes what it gets, and `B` + u32 streams that many MiB.

fn fake_vnc() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for s in l.incoming().map_while(Result::ok) {
            std::thread::spawn(move || {
                let mut s = s;
                let _ = s.set_nodelay(true);
                let mut b = [0u8; 64];
                let ok = (|| -> std::io::Result<()> {
                    s.write_all(b"RFB 003.008\n")?;
                    s.read_exact(&mut b[..12])?;
                    s.write_all(&[1, 2])?;
                    s.read_exact(&mut b[..1])?;
                    s.write_all(&[7u8; 16])?;
                    s.read_exact(&mut b[..16])?;
                    s.write_all(&[0, 0, 0, 0])?;
                    s.read_exact(&mut b[..1])?;
                    let mut init = vec![0u8; 24];
                    init[..4].copy_from_slice(&[2, 128, 1, 224]);
                    s.write_all(&init)
                })();
                if ok.is_err() {
                    return;
                }
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match s.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    if buf[0] == b'B' && n >= 5 {
                        let mib = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
                        let chunk = vec![0x5au8; 64 * 1024];
                        for _ in 0..mib * 16 {
                            if s.write_all(&chunk).is_err() {
                                return;
                            }
                        }
                    } else if s.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// The browser side after the 101: RFB handshake (None, or VNC auth answered with zeros).
fn bench_handshake<S: Read + Write>(ws: &mut WebSocket<S>) {
    let mut buf = vec![];
    let mut take = |ws: &mut WebSocket<S>, n: usize| -> Vec<u8> {
        while buf.len() < n {
            match ws.read().expect("read") {
                Message::Binary(b) => buf.extend_from_slice(&b),
                Message::Close(_) => panic!("closed"),
                _ => {}
            }
        }
        buf.drain(..n).collect()
    };
    take(ws, 12);
    ws.send(Message::binary(b"RFB 003.008\n".to_vec())).unwrap();
    let n = take(ws, 1)[0] as usize;
    let types = take(ws, n);
    let t = if types.contains(&2) { 2 } else { 1 };
    ws.send(Message::binary(vec![t])).unwrap();
    if t == 2 {
        take(ws, 16);
        ws.send(Message::binary(vec![0u8; 16])).unwrap();
    }
    take(ws, 4);
    ws.send(Message::binary(vec![1])).unwrap();
    take(ws, 24);
}

fn bench_run<S: Read + Write>(ws: &mut WebSocket<S>) -> (f64, Vec<f64>) {
    // Latency: 2,000 small round trips.
    let mut lat = vec![];
    for i in 0..2000u32 {
        let msg = i.to_be_bytes().to_vec();
        let t = Instant::now();
        ws.send(Message::binary(msg.clone())).unwrap();
        let mut got = vec![];
        while got.len() < 4 {
            if let Message::Binary(b) = ws.read().unwrap() {
                got.extend_from_slice(&b);
            }
        }
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    // Throughput: 256 MiB from the VNC server to the browser.
    let mib = 256u32;
    let mut cmd = vec![b'B'];
    cmd.extend_from_slice(&mib.to_be_bytes());
    let t = Instant::now();
    ws.send(Message::binary(cmd)).unwrap();
    let mut n = 0usize;
    while n < mib as usize * 1024 * 1024 {
        if let Message::Binary(b) = ws.read().unwrap() {
            n += b.len();
        }
    }
    (n as f64 / 1048576.0 / t.elapsed().as_secs_f64(), lat)
}

fn pct(v: &[f64], p: f64) -> f64 {
    v[((v.len() as f64 - 1.0) * p) as usize]
}

/// This test process holds 1,000 sockets at once: the soft open-file limit
/// goes up to the hard one (a fresh machine's soft limit may be 1,024).
fn raise_own_nofile_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

fn proc_status(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

#[test]
#[ignore]
fn bench_console_proxy() {
    let vnc = fake_vnc();
    let sim = sim_with_vm(None);
    sim.with_state(|s| s.control.vnc.backend = Some(vnc.clone()));
    let p = proxy(&["--max-sessions", "2000", "--max-connections", "8000"]);
    let pid = p.child.id();

    // Direct: the browser's WebSocket straight to the simulator's vncwebsocket (TLS, pinned).
    let l = link(&sim, VMID, 10);
    let cfg = puq_proxmox_kvm::pve::tls::ProxmoxTls::new(puq_proxmox_kvm::pve::tls::Trust::Pinned(
        puq_proxmox_kvm::pve::tls::Fingerprint::parse(&sim.fingerprint_sha256()).unwrap(),
    ))
    .unwrap()
    .config();
    let tcp = TcpStream::connect(("127.0.0.1", l.port)).unwrap();
    tcp.set_nodelay(true).unwrap();
    let conn = rustls::ClientConnection::new(cfg, "127.0.0.1".try_into().unwrap()).unwrap();
    let tls = rustls::StreamOwned::new(conn, tcp);
    let mut req = tungstenite::client::IntoClientRequest::into_client_request(format!(
        "wss://127.0.0.1:{}/api2/json/nodes/pve1/qemu/{VMID}/vncwebsocket?port={}&vncticket={}",
        l.port,
        l.vnc_port,
        l.ticket.replace(':', "%3A")
    ))
    .unwrap();
    req.headers_mut().insert(
        "Authorization",
        format!("PVEAPIToken={}", l.token).parse().unwrap(),
    );
    let (mut direct, _) = tungstenite::client(req, tls).expect("direct websocket");
    bench_handshake(&mut direct);
    let (d_mibs, d_lat) = bench_run(&mut direct);
    drop(direct);

    // Through the proxy.
    let s = seal::seal(KEY, &link(&sim, VMID, 10)).unwrap();
    let mut via = ws(&p, &format!("/vncproxy/{VMID}/{s}/ws"));
    bench_handshake(&mut via);
    let (p_mibs, p_lat) = bench_run(&mut via);
    drop(via);
    println!("console proxy: relay throughput {p_mibs:.0} MiB/s through the proxy vs {d_mibs:.0} MiB/s direct = {:.2}x (aim >= 0.8x)", p_mibs / d_mibs);
    println!(
        "console proxy: added latency per message p50 {:.0} us, p99 {:.0} us (direct p50 {:.0} / p99 {:.0} us, via proxy {:.0} / {:.0} us; aim p50 < 1000 us)",
        pct(&p_lat, 0.5) - pct(&d_lat, 0.5),
        pct(&p_lat, 0.99) - pct(&d_lat, 0.99),
        pct(&d_lat, 0.5),
        pct(&d_lat, 0.99),
        pct(&p_lat, 0.5),
        pct(&p_lat, 0.99)
    );

    // Links opened per second: link made (vncproxy + seal), opened by the proxy, Proxmox websocket, VNC handshake.
    let n = 200;
    let t = Instant::now();
    for _ in 0..n {
        let s = seal::seal(KEY, &link(&sim, VMID, 10)).unwrap();
        let mut w = ws(&p, &format!("/vncproxy/{VMID}/{s}/ws"));
        bench_handshake(&mut w);
    }
    println!(
        "console proxy: {:.0} consoles opened per second end to end (vncproxy, seal, proxy open, vncwebsocket, RFB), sequential",
        n as f64 / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let l = link(&sim, VMID, 10);
    for _ in 0..20_000 {
        let s = seal::seal(KEY, &l).unwrap();
        seal::open(&[KEY.to_string()], VMID, &s, now()).unwrap();
    }
    println!(
        "console proxy: {:.0} links sealed and opened per second (crypto only)",
        20_000.0 / t.elapsed().as_secs_f64()
    );

    // 1,000 idle sessions.
    let base = proc_status(pid, "VmRSS:");
    let mut idle = vec![];
    for _ in 0..1000 {
        let s = seal::seal(KEY, &link(&sim, VMID, 10)).unwrap();
        let mut w = ws(&p, &format!("/vncproxy/{VMID}/{s}/ws"));
        bench_handshake(&mut w);
        idle.push(w);
    }
    std::thread::sleep(Duration::from_millis(500));
    println!(
        "console proxy: RSS {:.1} MB with 1,000 idle sessions (idle proxy {:.1} MB; aim < 100 MB)",
        proc_status(pid, "VmRSS:") as f64 / 1024.0,
        base as f64 / 1024.0
    );
    drop(idle);
    std::thread::sleep(Duration::from_millis(1500));
    println!(
        "console proxy: RSS {:.1} MB after they ended",
        proc_status(pid, "VmRSS:") as f64 / 1024.0
    );
}

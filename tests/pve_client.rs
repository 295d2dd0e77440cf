//! The Proxmox client against the in-process simulator, without PHP: TLS
//! pinning, the error forms, typed endpoints and task deadlines.

use std::time::Duration;

use puq_proxmox_kvm::pve::{Client, Connection, Form, Method, PveError, Weight};
use puq_proxmox_kvm::whmcs::ServerParams;
use pve_sim::{Config, Sim, DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET};

fn conn(port: u16, secret: &str, pin: &str) -> Connection {
    let s = ServerParams {
        id: 1,
        hostname: "127.0.0.1".into(),
        ip: String::new(),
        username: DEFAULT_TOKEN_ID.into(),
        password: secret.into(),
        accesshash: pin.into(),
        secure: true,
        port: Some(port),
    };
    Connection::from_server(&s, Duration::from_secs(5), Duration::from_secs(5))
        .expect("valid connection")
}

fn client(sim: &pve_sim::SimHandle) -> Client {
    let port = sim.https_port().expect("https listener");
    Client::new(conn(port, DEFAULT_TOKEN_SECRET, &sim.fingerprint_sha256())).expect("client")
}

#[test]
fn pinned_tls_reaches_the_api_and_a_wrong_pin_is_refused() {
    let sim = Sim::start(Config::default());
    let c = client(&sim);
    assert!(c.version().expect("version").version.starts_with('9'));
    assert_eq!(c.nodes().expect("nodes").len(), 2);

    let port = sim.https_port().expect("https listener");
    let wrong = Client::new(conn(port, DEFAULT_TOKEN_SECRET, &"AB".repeat(32))).expect("client");
    match wrong.version() {
        Err(PveError::Tls(m)) => {
            assert!(m.contains("fingerprint mismatch"), "{m}");
            assert!(m.contains(&sim.fingerprint_sha256()), "{m}");
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
    // Unpinned: the self-signed certificate is not in the system store; the
    // refusal gives its fingerprint and says where to paste it.
    let unpinned = Client::new(conn(port, DEFAULT_TOKEN_SECRET, "")).expect("client");
    match unpinned.version() {
        Err(PveError::Tls(m)) => {
            assert!(m.contains(&sim.fingerprint_sha256()), "{m}");
            assert!(m.contains("paste it into Access Hash to pin it"), "{m}");
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
    // "Secure" unticked changes nothing: still HTTPS, still verified.
    let mut s = conn(port, DEFAULT_TOKEN_SECRET, "");
    assert!(s.base_url().starts_with("https://"));
    s.pin = None;
    assert!(matches!(
        Client::new(s).expect("client").version(),
        Err(PveError::Tls(_))
    ));
}

#[test]
fn a_plain_http_port_gets_no_request_and_no_secret() {
    use std::io::{Read, Write};
    // A plain-HTTP server (as nginx or a misconfigured port would be): it
    // records every byte it receives and answers 400 like any HTTP server.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = std::thread::spawn(move || {
        let mut all = Vec::new();
        for _ in 0..2 {
            let Ok((mut sock, _)) = listener.accept() else {
                break;
            };
            sock.set_read_timeout(Some(Duration::from_millis(500))).ok();
            let mut buf = [0u8; 4096];
            if let Ok(n) = sock.read(&mut buf) {
                all.extend_from_slice(&buf[..n]);
            }
            let _ = sock.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
        all
    });
    for pin in [String::new(), "AB".repeat(32)] {
        let c = Client::new(conn(port, DEFAULT_TOKEN_SECRET, &pin)).expect("client");
        match c.version() {
            Err(PveError::Tls(m)) => assert!(m.contains("HTTPS only"), "{m}"),
            other => panic!("expected a TLS error, got {other:?}"),
        }
    }
    let bytes = seen.join().expect("listener");
    assert!(!bytes.is_empty());
    // What arrived is a TLS ClientHello (record type 22), never an HTTP request.
    assert_eq!(bytes[0], 0x16, "{:?}", &bytes[..bytes.len().min(16)]);
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains(DEFAULT_TOKEN_SECRET),
        "the secret reached a plain port"
    );
    assert!(!text.contains("PVEAPIToken"));
    assert!(!text.contains("GET /api2"));
}

#[test]
fn a_dropped_get_is_retried_once_and_a_dropped_post_never() {
    let sim = Sim::start(Config::default());
    let c = client(&sim);
    sim.reset_counters();
    sim.drop_next("GET", "/version$");
    assert!(c.version().expect("retried").version.starts_with('9'));
    // Two drops in a row: one retry only, then the error.
    sim.drop_next("GET", "/version$");
    sim.drop_next("GET", "/version$");
    assert!(c.version().is_err());
    sim.clear_faults();
    sim.drop_next("POST", "/status/start$");
    let before = sim.total_calls();
    let e = c
        .call(
            Method::Post,
            "/nodes/pve1/qemu/9000/status/start",
            &Form::new(),
            Weight::Light,
        )
        .unwrap_err();
    assert!(!matches!(e, PveError::Params { .. }), "{e:?}");
    assert_eq!(sim.total_calls() - before, 1, "a POST is sent once");
}

#[test]
fn error_forms_are_parsed() {
    let sim = Sim::start(Config::default());
    let c = client(&sim);
    let port = sim.https_port().expect("https listener");
    let bad = Client::new(conn(port, "not-the-secret", &sim.fingerprint_sha256())).expect("client");
    assert_eq!(bad.version().unwrap_err(), PveError::Unauthorized);

    // An unknown parameter: 400 with the per-parameter errors object.
    let e = c
        .call(
            Method::Put,
            "/nodes/pve1/qemu/9000/config",
            &Form::new().set("bogus", 1),
            Weight::Light,
        )
        .unwrap_err();
    match e {
        PveError::Params { message, errors } => {
            assert_eq!(message, "Parameter verification failed.");
            assert!(
                errors["bogus"].contains("not defined in schema"),
                "{errors:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // A form boolean other than 1/0.
    let e = c
        .call(
            Method::Post,
            "/nodes/pve1/qemu/9000/clone",
            &Form::new().set("newid", 150).set("full", "true"),
            Weight::Light,
        )
        .unwrap_err();
    assert!(e.to_string().contains("full"), "{e}");
    // A missing VM is a 500; an unknown path a 501.
    assert!(c.vm_config("pve1", 4711).unwrap_err().is_missing_vm());
    assert!(matches!(
        c.call(
            Method::Get,
            "/nodes/pve1/nonsense",
            &Form::new(),
            Weight::Light
        ),
        Err(PveError::NotImplemented(_))
    ));
}

#[test]
fn clone_task_is_polled_to_the_end_and_deadlines_hold() {
    let sim = Sim::start(Config::default());
    sim.set_task_ms("qmclone", 600);
    let c = client(&sim);
    let upid = c
        .clone_vm(
            "pve1",
            9000,
            &Form::new().set("newid", 321).set("name", "t321"),
        )
        .expect("clone starts");
    assert!(
        upid.starts_with("UPID:pve1:") && upid.ends_with(':'),
        "{upid}"
    );
    // A deadline shorter than the task: TaskTimeout, and the VM is still locked.
    assert!(matches!(
        c.wait_task(&upid, Duration::from_millis(100), Duration::from_millis(20)),
        Err(PveError::TaskTimeout { .. })
    ));
    assert_eq!(
        c.vm_config("pve1", 321)
            .expect("config")
            .get("lock")
            .map(String::as_str),
        Some("clone")
    );
    c.wait_task(&upid, Duration::from_secs(5), Duration::from_millis(20))
        .expect("clone finishes");
    let cfg = c.vm_config("pve1", 321).expect("config");
    assert!(!cfg.contains_key("lock"));
    assert_eq!(cfg["name"], "t321");

    // A failing task reports its exit status.
    sim.fail_next_task("resize", "disk full");
    let upid = c
        .resize_disk("pve1", 321, "scsi0", "4G")
        .expect("resize starts");
    match c.wait_task(&upid, Duration::from_secs(5), Duration::from_millis(20)) {
        Err(PveError::Task { exitstatus, .. }) => {
            assert!(exitstatus.contains("disk full"), "{exitstatus}")
        }
        other => panic!("{other:?}"),
    }
}

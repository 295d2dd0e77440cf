//! Unpinned TLS against this machine's certificate store (its own test
//! binary: the store is read once per process, here from `SSL_CERT_FILE`).
//! A certificate from a CA in the store connects without Access Hash; a
//! self-signed one is refused with its fingerprint.

use std::time::Duration;

use puq_proxmox_kvm::pve::{Client, Connection, PveError};
use puq_proxmox_kvm::whmcs::ServerParams;
use pve_sim::{Config, Sim, DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET};

fn unpinned(port: u16) -> Client {
    let s = ServerParams {
        id: 1,
        hostname: "127.0.0.1".into(),
        ip: String::new(),
        username: DEFAULT_TOKEN_ID.into(),
        password: DEFAULT_TOKEN_SECRET.into(),
        accesshash: String::new(),
        secure: false,
        port: Some(port),
    };
    Client::new(
        Connection::from_server(&s, Duration::from_secs(5), Duration::from_secs(5))
            .expect("valid connection"),
    )
    .expect("client")
}

#[test]
fn a_ca_in_the_system_store_is_trusted_and_self_signed_is_not() {
    let with_ca = Sim::start(Config {
        ca_signed: true,
        ..Config::default()
    });
    let dir = std::env::temp_dir().join(format!("puq-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bundle = dir.join("ca-bundle.crt");
    std::fs::write(&bundle, with_ca.ca_pem().expect("CA")).expect("write bundle");
    std::env::set_var("SSL_CERT_FILE", &bundle);

    let port = with_ca.https_port().expect("https");
    let v = unpinned(port).version().expect("trusted through the store");
    assert!(v.version.starts_with('9'));

    let self_signed = Sim::start(Config::default());
    match unpinned(self_signed.https_port().expect("https")).version() {
        Err(PveError::Tls(m)) => {
            assert!(
                m.contains("not trusted by this machine's certificate store"),
                "{m}"
            );
            assert!(m.contains(&self_signed.fingerprint_sha256()), "{m}");
            assert!(m.contains("paste it into Access Hash to pin it"), "{m}");
        }
        other => panic!("expected a TLS refusal, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

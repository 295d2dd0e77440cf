//! The three DNS clients without PHP: Cloudflare and HestiaCP against the
//! in-process simulators, PowerDNS against the real server tests/run.sh
//! starts (`PUQ_PDNS_URL`, `PUQ_PDNS_KEY`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use dns_sim::cloudflare::Cloudflare;
use dns_sim::hestia::Hestia;
use puq_proxmox_kvm::dns::cloudflare::Cloudflare as CfClient;
use puq_proxmox_kvm::dns::hestia::Hestia as HsClient;
use puq_proxmox_kvm::dns::powerdns::PowerDns;
use puq_proxmox_kvm::dns::provider::{DnsProvider, RType};
use puq_proxmox_kvm::dns::Secret;
use serde_json::{json, Value};

const T: Duration = Duration::from_secs(3);

fn control(addr: SocketAddr, path: &str, body: Value) -> Value {
    let mut s = TcpStream::connect(addr).unwrap();
    let b = body.to_string();
    let method = if body.is_null() { "GET" } else { "POST" };
    let b = if body.is_null() { String::new() } else { b };
    write!(s, "{method} /_sim/{path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{b}", b.len()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    serde_json::from_str(out.split_once("\r\n\r\n").unwrap().1).unwrap()
}

fn v(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

#[test]
fn cloudflare_replace_list_delete_paginated_and_rate_limited() {
    let a = dns_sim::serve(Arc::new(Cloudflare::default()), "127.0.0.1:0").unwrap();
    let z = "0123456789abcdef0123456789abcdef";
    control(
        a,
        "zone",
        json!({"id": z, "name": "example.com", "account_id": z}),
    );
    control(a, "token", json!({"token": "tok", "zones": [z]}));
    control(a, "config", json!({"max_per_page": 1}));
    let url = format!("http://{a}/client/v4");
    let c = CfClient::new(&url, z, z, Secret::new("tok"), "example.com", T);
    let name = "vm1.example.com";
    c.replace(name, RType::A, &v(&["192.0.2.1", "192.0.2.2", "192.0.2.3"]))
        .unwrap();
    let mut got = c.list(name, RType::A).unwrap();
    got.sort();
    assert_eq!(
        got,
        v(&["192.0.2.1", "192.0.2.2", "192.0.2.3"]),
        "read across 3 pages"
    );
    // A duplicate made by hand and a stale address: one record per content afterwards.
    control(
        a,
        "record",
        json!({"zone_id": z, "type": "A", "name": name, "content": "192.0.2.1"}),
    );
    c.replace(name, RType::A, &v(&["192.0.2.1", "192.0.2.9"]))
        .unwrap();
    let mut got = c.list(name, RType::A).unwrap();
    got.sort();
    assert_eq!(got, v(&["192.0.2.1", "192.0.2.9"]));
    control(
        a,
        "fault",
        json!({"kind": "ratelimit", "retry_after": 1, "count": 1}),
    );
    c.replace(name, RType::Aaaa, &v(&["2001:DB8::1"])).unwrap();
    assert_eq!(c.list(name, RType::Aaaa).unwrap(), v(&["2001:db8::1"]));
    c.delete(name, RType::A).unwrap();
    c.delete(name, RType::A).unwrap();
    assert!(c.list(name, RType::A).unwrap().is_empty());
    assert!(c.test().unwrap().contains("example.com"));

    let bad = CfClient::new(&url, z, z, Secret::new("wrong"), "example.com", T);
    let e = bad.replace(name, RType::A, &v(&["192.0.2.1"])).unwrap_err();
    assert!(e.message.contains("9109") && !e.unreachable, "{e}");
    // A Retry-After beyond the timeout is not waited for.
    control(
        a,
        "fault",
        json!({"kind": "ratelimit", "retry_after": 30, "count": 1}),
    );
    let e = c.list(name, RType::A).unwrap_err();
    assert!(e.message.contains("429"), "{e}");
    // A slow provider: bounded by the timeout, and marked unreachable.
    control(
        a,
        "fault",
        json!({"kind": "timeout", "delay_ms": 2500, "count": 1}),
    );
    let quick = CfClient::new(
        &url,
        z,
        z,
        Secret::new("tok"),
        "example.com",
        Duration::from_millis(500),
    );
    let e = quick.list(name, RType::A).unwrap_err();
    assert!(e.unreachable && e.message.contains("timed out"), "{e}");
}

#[test]
fn hestia_replace_list_delete_and_return_codes() {
    let a = dns_sim::serve(Arc::new(Hestia::default()), "127.0.0.1:0").unwrap();
    control(a, "admin", json!({"user": "admin", "password": "pw"}));
    control(a, "domain", json!({"user": "bob", "domain": "example.com"}));
    let url = format!("http://{a}/");
    let h = HsClient::new(&url, "admin", Secret::new("pw"), "bob", "example.com", T);
    h.replace("vm1.example.com", RType::A, &v(&["192.0.2.1", "192.0.2.2"]))
        .unwrap();
    h.replace("vm1.example.com", RType::A, &v(&["192.0.2.2", "192.0.2.3"]))
        .unwrap();
    let mut got = h.list("vm1.example.com", RType::A).unwrap();
    got.sort();
    assert_eq!(got, v(&["192.0.2.2", "192.0.2.3"]));
    h.replace("example.com", RType::Ptr, &v(&["host.example.net"]))
        .unwrap();
    assert_eq!(
        h.list("example.com", RType::Ptr).unwrap(),
        v(&["host.example.net"])
    );
    h.delete("vm1.example.com", RType::A).unwrap();
    assert!(h.list("vm1.example.com", RType::A).unwrap().is_empty());
    // The zone's own last A record cannot go: HestiaCP's code, in words.
    let e = h.delete("example.com", RType::A).unwrap_err();
    assert!(
        e.message.contains("code 2") && e.message.contains("E_INVALID"),
        "{e}"
    );
    let e = HsClient::new(&url, "admin", Secret::new("x"), "bob", "example.com", T)
        .test()
        .unwrap_err();
    assert!(e.message.contains("authentication failed"), "{e}");
    let e = HsClient::new(&url, "admin", Secret::new("pw"), "bob", "nope.com", T)
        .replace("a.nope.com", RType::A, &v(&["192.0.2.1"]))
        .unwrap_err();
    assert!(
        e.message.contains("dns domain nope.com doesn't exist"),
        "{e}"
    );
}

#[test]
fn powerdns_replace_list_delete_on_the_real_server() {
    let (url, key) = match (std::env::var("PUQ_PDNS_URL"), std::env::var("PUQ_PDNS_KEY")) {
        (Ok(u), Ok(k)) => (u, k),
        _ if std::env::var("PUQ_SKIP_DB_TESTS").as_deref() == Ok("1") => return,
        _ => panic!("PUQ_PDNS_URL/PUQ_PDNS_KEY are not set: run the suite with tests/run.sh (it starts PowerDNS)"),
    };
    let zone = format!("c{}.example.org", std::process::id());
    let mut s = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
    let body =
        json!({"name": format!("{zone}."), "kind": "Native", "nameservers": ["ns1.example.net."]})
            .to_string();
    write!(s, "POST /api/v1/servers/localhost/zones HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 201"), "{out}");

    let p = PowerDns::new(&url, Secret::new(key.clone()), &zone, T);
    let owner = format!("vm.{zone}");
    p.replace(&owner, RType::A, &v(&["192.0.2.7", "192.0.2.8"]))
        .unwrap();
    p.replace(&owner, RType::A, &v(&["192.0.2.8"])).unwrap();
    assert_eq!(p.list(&owner, RType::A).unwrap(), v(&["192.0.2.8"]));
    p.replace(&owner, RType::Ptr, &v(&["Host.Example.NET"]))
        .unwrap();
    assert_eq!(
        p.list(&owner, RType::Ptr).unwrap(),
        v(&["host.example.net"]),
        "stored canonical"
    );
    p.delete(&owner, RType::A).unwrap();
    p.delete(&owner, RType::A).unwrap();
    assert!(p.list(&owner, RType::A).unwrap().is_empty());
    let e = p
        .replace(&format!("vm.other.{zone}x"), RType::A, &v(&["192.0.2.1"]))
        .unwrap_err();
    assert!(
        e.message.contains("422") && e.message.contains("out of zone"),
        "{e}"
    );
    let e = PowerDns::new(&url, Secret::new("wrong"), &zone, T)
        .test()
        .unwrap_err();
    assert!(e.message.contains("401"), "{e}");
    let e = PowerDns::new(&url, Secret::new(key), "absent.example.org", T)
        .test()
        .unwrap_err();
    assert!(e.message.contains("does not exist"), "{e}");
}

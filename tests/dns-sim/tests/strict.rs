//! The simulators refuse what the real APIs refuse, with the real codes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

use dns_sim::cloudflare::Cloudflare;
use dns_sim::hestia::Hestia;
use dns_sim::serve;
use serde_json::{json, Value};

fn req(addr: SocketAddr, method: &str, path: &str, headers: &[&str], body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn code(body: &str) -> i64 {
    let v: Value = serde_json::from_str(body).unwrap();
    v["errors"][0]["code"].as_i64().unwrap()
}

#[test]
fn cloudflare_is_strict() {
    let a = serve(Arc::new(Cloudflare::default()), "127.0.0.1:0").unwrap();
    let z = "0123456789abcdef0123456789abcdef";
    req(
        a,
        "POST",
        "/_sim/zone",
        &[],
        &json!({"id": z, "name": "example.com", "account_id": z}).to_string(),
    );
    req(
        a,
        "POST",
        "/_sim/token",
        &[],
        &json!({"token": "tok", "zones": [z]}).to_string(),
    );
    let auth = "Authorization: Bearer tok";
    let recs = format!("/client/v4/zones/{z}/dns_records");

    assert_eq!(
        code(&req(a, "GET", &recs, &["Authorization: Bearer nope"], "").1),
        9109
    );
    let (st, b) = req(a, "GET", &recs, &["Authorization: tok"], "");
    assert_eq!((st, code(&b)), (400, 6003));
    let (st, b) = req(a, "GET", "/client/v4/zones/xyz/dns_records", &[auth], "");
    assert_eq!((st, code(&b)), (400, 7003));
    assert_eq!(
        code(&req(a, "GET", &format!("{recs}?bogus=1"), &[auth], "").1),
        10001
    );

    let rec = |name: &str, ty: &str, content: &str| {
        json!({"type": ty, "name": name, "content": content, "ttl": 1}).to_string()
    };
    assert_eq!(
        code(
            &req(
                a,
                "POST",
                &recs,
                &[auth],
                &rec("a.example.com", "A", "300.1.1.1")
            )
            .1
        ),
        9005
    );
    assert_eq!(
        code(
            &req(
                a,
                "POST",
                &recs,
                &[auth],
                &rec("a.example.org", "A", "192.0.2.1")
            )
            .1
        ),
        1004
    );
    assert_eq!(code(&req(a, "POST", &recs, &[auth], "{not json").1), 9207);
    let extra =
        json!({"type": "A", "name": "a.example.com", "content": "192.0.2.1", "color": "red"})
            .to_string();
    assert_eq!(code(&req(a, "POST", &recs, &[auth], &extra).1), 9207);
    let (st, _) = req(
        a,
        "POST",
        &recs,
        &[auth],
        &rec("a.example.com", "A", "192.0.2.1"),
    );
    assert_eq!(st, 200);
    let (st, b) = req(
        a,
        "POST",
        &recs,
        &[auth],
        &rec("A.example.com.", "A", "192.0.2.1"),
    );
    assert_eq!((st, code(&b)), (400, 81058));
    let (st, b) = req(
        a,
        "DELETE",
        &format!("{recs}/ffffffffffffffffffffffffffffffff"),
        &[auth],
        "",
    );
    assert_eq!((st, code(&b)), (404, 81044));

    // Pagination past the end answers an empty page with total_pages.
    let (_, b) = req(a, "GET", &format!("{recs}?page=5&per_page=1"), &[auth], "");
    let v: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(v["result"], json!([]));
    assert_eq!(v["result_info"]["total_pages"], 1);

    req(
        a,
        "POST",
        "/_sim/fault",
        &[],
        &json!({"kind": "ratelimit", "retry_after": 7}).to_string(),
    );
    let mut s = TcpStream::connect(a).unwrap();
    s.write_all(
        format!("GET {recs} HTTP/1.1\r\nHost: x\r\n{auth}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(
        out.starts_with("HTTP/1.1 429") && out.contains("Retry-After: 7"),
        "{out}"
    );
}

#[test]
fn hestia_is_strict() {
    let a = serve(Arc::new(Hestia::default()), "127.0.0.1:0").unwrap();
    req(
        a,
        "POST",
        "/_sim/admin",
        &[],
        &json!({"user": "admin", "password": "pw"}).to_string(),
    );
    req(
        a,
        "POST",
        "/_sim/domain",
        &[],
        &json!({"user": "bob", "domain": "example.com"}).to_string(),
    );
    let form = "Content-Type: application/x-www-form-urlencoded";
    let call = |fields: &str| {
        req(
            a,
            "POST",
            "/api/",
            &[form],
            &format!("user=admin&password=pw&{fields}"),
        )
    };

    assert_eq!(req(a, "GET", "/api/", &[], "").0, 405);
    assert_eq!(
        req(a, "POST", "/api/", &[form], "cmd=v-list-dns-records").0,
        405
    );
    let (st, b) = req(
        a,
        "POST",
        "/api/",
        &[form],
        "user=admin&password=bad&returncode=yes&cmd=x",
    );
    assert_eq!((st, b.as_str()), (401, "9"));
    assert_eq!(
        call("returncode=yes&cmd=v-add-dns-record&arg1=bob&arg2=example.com").1,
        "1"
    );
    assert_eq!(call("returncode=yes&cmd=v-add-dns-record&arg1=bob&arg2=example.com&arg3=www&arg4=A&arg5=1.2.3").1, "2");
    assert_eq!(call("returncode=yes&cmd=v-add-dns-record&arg1=bob&arg2=nope.com&arg3=www&arg4=A&arg5=192.0.2.1").1, "3");
    assert_eq!(call("returncode=yes&cmd=v-add-dns-record&arg1=bob&arg2=example.com&arg3=www&arg4=A&arg5=192.0.2.1").1, "0");
    assert_eq!(
        call("cmd=v-add-dns-record&arg1=bob&arg2=example.com&arg3=x&arg4=PTR&arg5=h.example.com").1,
        "OK"
    );
    let (_, list) = call("cmd=v-list-dns-records&arg1=bob&arg2=example.com&arg3=json");
    let v: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        v["4"]["VALUE"], "h.example.com.",
        "trailing dot added: {list}"
    );
    assert_eq!(v["3"]["RECORD"], "www");
    assert!(
        call("cmd=v-delete-dns-record&arg1=bob&arg2=example.com&arg3=42")
            .1
            .contains("example.com id 42 doesn't exist")
    );
    // The zone's last A record cannot go, the second to last can.
    assert_eq!(
        call("returncode=yes&cmd=v-delete-dns-record&arg1=bob&arg2=example.com&arg3=3").1,
        "0"
    );
    let (_, b) = call("cmd=v-delete-dns-record&arg1=bob&arg2=example.com&arg3=2");
    assert!(
        b.contains("at least one A record should remain active"),
        "{b}"
    );
    assert!(
        call("cmd=v-list-dns-records&arg1=alice&arg2=example.com&arg3=json")
            .1
            .contains("user alice doesn't exist")
    );
}

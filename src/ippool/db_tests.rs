//! Tests against a real MariaDB; they run only when `PUQ_TEST_DB_PORT` is
//! set (tests/services/mariadb.sh starts one). Each test works in its own
//! fresh database, dropped at the end.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{SystemTime, UNIX_EPOCH};

use mysql::prelude::Queryable;
use mysql::{Opts, OptsBuilder, Pool as DbPool, PooledConn, Value};

use super::addr::{self, Family};
use super::alloc::{self, Request};
use super::pool::Pool;
use super::*;

struct TestDb {
    admin: DbPool,
    pool: DbPool,
    name: String,
}

impl TestDb {
    fn new() -> Option<TestDb> {
        let port: u16 = match std::env::var("PUQ_TEST_DB_PORT") {
            Ok(p) => p.parse().expect("PUQ_TEST_DB_PORT is not a port"),
            // Only an explicit opt-out skips; a missing database is a failure.
            Err(_) if std::env::var("PUQ_SKIP_DB_TESTS").as_deref() == Ok("1") => return None,
            Err(_) => panic!(
                "PUQ_TEST_DB_PORT is not set: run the suite with tests/run.sh (it starts MariaDB), \
                 or set PUQ_SKIP_DB_TESTS=1 to skip the database tests"
            ),
        };
        let base = OptsBuilder::new()
            .ip_or_hostname(Some("127.0.0.1"))
            .tcp_port(port)
            .user(Some(
                std::env::var("PUQ_TEST_DB_USER").unwrap_or_else(|_| "whmcs".into()),
            ))
            .pass(Some(
                std::env::var("PUQ_TEST_DB_PASS").unwrap_or_else(|_| "whmcs-test-pw".into()),
            ))
            .prefer_socket(false);
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!(
            "ippool_t_{}_{:x}_{}",
            std::process::id(),
            nanos & 0xffff_ffff_ffff,
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let admin = DbPool::new(Opts::from(base.clone())).expect("connect to the test MariaDB");
        admin
            .get_conn()
            .unwrap()
            .query_drop(format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let pool = DbPool::new(Opts::from(base.db_name(Some(name.clone())))).unwrap();
        let db = TestDb { admin, pool, name };
        let mut c = db.conn();
        for stmt in MIGRATION {
            c.query_drop(*stmt).unwrap();
        }
        c.query_drop(
            "CREATE TABLE tblservers (id INT UNSIGNED NOT NULL PRIMARY KEY, name TEXT NOT NULL,
             type TEXT NOT NULL, assignedips TEXT NOT NULL)",
        )
        .unwrap();
        c.query_drop(
            "CREATE TABLE tblhosting (id INT UNSIGNED NOT NULL PRIMARY KEY,
             domainstatus ENUM('Pending','Active','Suspended','Terminated','Cancelled','Fraud','Completed')
                 NOT NULL DEFAULT 'Pending',
             dedicatedip TEXT NOT NULL, assignedips TEXT NOT NULL)",
        )
        .unwrap();
        c.query_drop(
            "CREATE TABLE puqProxmoxKVM_vm_info (service_id INT UNSIGNED NOT NULL PRIMARY KEY,
             vm_status VARCHAR(32) NOT NULL)",
        )
        .unwrap();
        Some(db)
    }

    fn conn(&self) -> PooledConn {
        self.pool.get_conn().unwrap()
    }

    fn server(&self, id: u32, kind: &str, assignedips: &str) {
        self.conn()
            .exec_drop(
                "INSERT INTO tblservers (id, name, type, assignedips) VALUES (?, ?, ?, ?)",
                (id, format!("pve{id}"), kind, assignedips),
            )
            .unwrap();
    }

    fn service(&self, id: u32, status: &str) {
        self.conn()
            .exec_drop(
                "INSERT INTO tblhosting (id, domainstatus, dedicatedip, assignedips) VALUES (?, ?, '', '')",
                (id, status),
            )
            .unwrap();
    }

    fn count(&self, sql: &str) -> u64 {
        self.conn().query_first::<u64, _>(sql).unwrap().unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = self.admin.get_conn() {
            let _ = c.query_drop(format!("DROP DATABASE IF EXISTS {}", self.name));
        }
    }
}

fn pool_v4(server: u32, bridge: &str, vlan: u16, net: &str, start: &str, end: &str) -> Pool {
    let n: ipnet::IpNet = net.parse().unwrap();
    Pool {
        id: 0,
        server_id: server,
        family: Family::of(n.addr()),
        bridge: bridge.into(),
        vlan,
        gateway: n.addr(),
        mask: n.prefix_len(),
        dns: vec!["8.8.8.8".parse().unwrap(), "1.1.1.1".parse().unwrap()],
        start: start.parse().unwrap(),
        end: end.parse().unwrap(),
    }
}

fn req(service: u32, server: u32, v4: u32, v6: u32) -> Request {
    Request {
        service_id: service,
        server_id: server,
        bridge: None,
        vlan: None,
        v4_count: v4,
        v6_count: v6,
    }
}

fn ips(a: &Allocation) -> Vec<String> {
    a.addresses.iter().map(|x| x.ip.to_string()).collect()
}

#[test]
fn pool_crud_and_usage() {
    let Some(db) = TestDb::new() else { return };
    db.server(1, "puqProxmoxKVM", "");
    db.server(2, "cpanel", "");
    let mut c = db.conn();

    let p = pool_v4(
        1,
        "vmbr0",
        0,
        "192.168.130.1/24",
        "192.168.130.2",
        "192.168.130.254",
    );
    let id = create_pool(&mut c, &p).unwrap();
    assert!(id > 0);
    let stored = get_pool(&mut c, id).unwrap().unwrap();
    assert_eq!(stored, Pool { id, ..p.clone() });

    let e = create_pool(
        &mut c,
        &Pool {
            server_id: 9,
            ..p.clone()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("'server_id'") && e.contains("does not exist"),
        "{e}"
    );
    let e = create_pool(
        &mut c,
        &Pool {
            server_id: 2,
            ..p.clone()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("'server_id'") && e.contains("cpanel"), "{e}");
    let overlapping = pool_v4(
        1,
        "vmbr1",
        5,
        "192.168.130.1/24",
        "192.168.130.200",
        "192.168.130.210",
    );
    let e = create_pool(&mut c, &overlapping).unwrap_err().to_string();
    assert!(
        e.contains("'address_start'") && e.contains("overlaps IP pool"),
        "{e}"
    );
    let mut bad = p.clone();
    bad.gateway = "192.168.130.7".parse().unwrap();
    let e = create_pool(&mut c, &bad).unwrap_err().to_string();
    assert!(e.contains("'gateway'"), "{e}");

    let v6 = Pool {
        id: 0,
        server_id: 1,
        family: Family::V6,
        bridge: "vmbr0".into(),
        vlan: 0,
        gateway: "2001:db8::1".parse().unwrap(),
        mask: 64,
        dns: vec![],
        start: "2001:db8::2".parse().unwrap(),
        end: "2001:db8::ffff:ffff:ffff:ffff".parse().unwrap(),
    };
    let id6 = create_pool(&mut c, &v6).unwrap();

    alloc::allocate(&mut c, &req(10, 1, 2, 1)).unwrap();
    let list = list_pools(&mut c, Some(1)).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        (list[0].pool.id, list[0].allocated, list[0].total),
        (id, 2, 253)
    );
    assert_eq!((list[1].pool.id, list[1].allocated), (id6, 1));
    assert_eq!(list[1].total, (1u128 << 64) - 2);
    assert_eq!(list[0].rdns.zone(), Some("130.168.192.in-addr.arpa"));
    let json = serde_json::to_value(&list[1]).unwrap();
    assert_eq!(json["total"], "18446744073709551614");
    assert!(list_pools(&mut c, Some(7)).unwrap().is_empty());
    assert_eq!(list_pools(&mut c, None).unwrap().len(), 2);

    // Editing keeps what is allocated; deleting is refused while in use.
    let mut edited = stored.clone();
    edited.dns = vec!["9.9.9.9".parse().unwrap()];
    update_pool(&mut c, &edited).unwrap();
    assert_eq!(get_pool(&mut c, id).unwrap().unwrap().dns, edited.dns);
    let svc = addresses_of(&mut c, 10).unwrap();
    assert_eq!(
        svc[0].dns.len(),
        2,
        "allocated addresses keep their settings"
    );
    let e = update_pool(
        &mut c,
        &Pool {
            id: 999,
            ..edited.clone()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("does not exist"), "{e}");

    let e = delete_pool(&mut c, id).unwrap_err().to_string();
    assert!(e.contains("still has 2 allocated address"), "{e}");
    assert_eq!(release(&mut c, 10).unwrap(), 3);
    delete_pool(&mut c, id).unwrap();
    assert!(get_pool(&mut c, id).unwrap().is_none());
    let e = delete_pool(&mut c, id).unwrap_err().to_string();
    assert!(e.contains("does not exist"), "{e}");
}

#[test]
fn allocation_is_lowest_first_idempotent_and_released() {
    let Some(db) = TestDb::new() else { return };
    db.server(1, "puqProxmoxKVM", "");
    db.service(10, "Active");
    db.service(11, "Active");
    let mut c = db.conn();
    create_pool(
        &mut c,
        &pool_v4(
            1,
            "vmbr0",
            10,
            "192.168.130.1/24",
            "192.168.130.2",
            "192.168.130.254",
        ),
    )
    .unwrap();
    let mut v6 = pool_v4(
        1,
        "vmbr0",
        10,
        "2001:db8::1/64",
        "2001:db8::2",
        "2001:db8::ffff:ffff:ffff:ffff",
    );
    v6.dns = vec![];
    create_pool(&mut c, &v6).unwrap();

    let a = allocate(&mut c, &req(10, 1, 2, 1)).unwrap();
    assert_eq!(ips(&a), ["192.168.130.2", "192.168.130.3", "2001:db8::2"]);
    assert_eq!(a.newly_allocated, 3);
    let first = &a.addresses[0];
    assert!(first.is_primary);
    assert!(a.addresses[1..].iter().all(|x| !x.is_primary));
    assert_eq!(
        (
            first.prefix,
            first.gateway,
            first.bridge.as_str(),
            first.vlan
        ),
        (24, Some("192.168.130.1".parse().unwrap()), "vmbr0", 10)
    );
    assert_eq!(first.dns.len(), 2);
    assert_eq!(a.addresses[2].prefix, 64);
    assert_eq!(a.of_family(Family::V6).count(), 1);

    // Again: nothing new. Larger: topped up.
    let again = allocate(&mut c, &req(10, 1, 2, 1)).unwrap();
    assert_eq!((ips(&again), again.newly_allocated), (ips(&a), 0));
    let more = allocate(&mut c, &req(10, 1, 3, 1)).unwrap();
    assert_eq!(
        ips(&more),
        [
            "192.168.130.2",
            "192.168.130.3",
            "192.168.130.4",
            "2001:db8::2"
        ]
    );
    assert_eq!(more.newly_allocated, 1);

    let h = hosting_ips(&more.addresses);
    assert_eq!(h.dedicated_ip, "192.168.130.2");
    assert_eq!(h.assigned_ips, "192.168.130.3\n192.168.130.4\n2001:db8::2");
    write_hosting_ips(&mut c, 10, &h).unwrap();
    write_hosting_ips(&mut c, 10, &h).unwrap();
    let row: (String, String) = c
        .query_first("SELECT dedicatedip, assignedips FROM tblhosting WHERE id = 10")
        .unwrap()
        .unwrap();
    assert_eq!(row, (h.dedicated_ip.clone(), h.assigned_ips.clone()));
    let e = write_hosting_ips(&mut c, 99, &h).unwrap_err().to_string();
    assert!(e.contains("service 99 does not exist"), "{e}");

    // Only IPv6: it is primary.
    let six = allocate(&mut c, &req(11, 1, 0, 1)).unwrap();
    assert_eq!(ips(&six), ["2001:db8::3"]);
    assert!(six.addresses[0].is_primary);

    // Released addresses are handed out again, lowest first.
    assert_eq!(release(&mut c, 10).unwrap(), 4);
    assert_eq!(release(&mut c, 10).unwrap(), 0);
    let b = allocate(&mut c, &req(12, 1, 1, 1)).unwrap();
    assert_eq!(ips(&b), ["192.168.130.2", "2001:db8::2"]);
}

#[test]
fn gateway_network_and_broadcast_are_never_handed_out() {
    let Some(db) = TestDb::new() else { return };
    db.server(1, "puqProxmoxKVM", "");
    let mut c = db.conn();
    // An imported pool whose range covers the whole /29, gateway included.
    c.exec_drop(
        format!(
            "INSERT INTO {POOLS_TABLE} (server_id, family, bridge, vlan, gateway, mask, address_start, address_stop)
             VALUES (1, 4, 'vmbr0', 0, '192.0.2.3', 29, '192.0.2.0', '192.0.2.7')"
        ),
        (),
    )
    .unwrap();
    let mut got = Vec::new();
    for svc in 1..=5 {
        got.extend(ips(&allocate(&mut c, &req(svc, 1, 1, 0)).unwrap()));
    }
    assert_eq!(
        got,
        [
            "192.0.2.1",
            "192.0.2.2",
            "192.0.2.4",
            "192.0.2.5",
            "192.0.2.6"
        ]
    );
    let e = allocate(&mut c, &req(6, 1, 1, 0)).unwrap_err().to_string();
    assert!(
        e.contains("no free IPv4 address in pools for server 1"),
        "{e}"
    );
}

#[test]
fn exhaustion_is_clear_and_all_or_nothing() {
    let Some(db) = TestDb::new() else { return };
    db.server(3, "puqProxmoxKVM", "");
    let mut c = db.conn();
    create_pool(
        &mut c,
        &pool_v4(3, "vmbr0", 0, "10.0.0.1/24", "10.0.0.10", "10.0.0.11"),
    )
    .unwrap();
    create_pool(
        &mut c,
        &pool_v4(3, "vmbr1", 20, "10.0.1.1/24", "10.0.1.10", "10.0.1.10"),
    )
    .unwrap();

    let filtered = Request {
        bridge: Some("vmbr1".into()),
        vlan: Some(20),
        ..req(1, 3, 1, 0)
    };
    assert_eq!(ips(&allocate(&mut c, &filtered).unwrap()), ["10.0.1.10"]);
    let e = allocate(
        &mut c,
        &Request {
            service_id: 2,
            ..filtered.clone()
        },
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "Configuration error: no free IPv4 address in pools for server 3 (bridge vmbr1, vlan 20), \
         nor in the server's Assigned IP Addresses list; add an IPv4 pool or free addresses \
         (Addons > PUQ Proxmox KVM > IP Pools)"
    );

    // No IPv6 pool: the IPv4 address picked first is not kept either.
    let e = allocate(&mut c, &req(4, 3, 1, 1)).unwrap_err().to_string();
    assert!(
        e.contains("no free IPv6 address in pools for server 3 (any bridge/VLAN)"),
        "{e}"
    );
    assert!(addresses_of(&mut c, 4).unwrap().is_empty());

    assert_eq!(
        ips(&allocate(&mut c, &req(5, 3, 2, 0)).unwrap()),
        ["10.0.0.10", "10.0.0.11"]
    );
    let e = allocate(&mut c, &req(6, 3, 1, 0)).unwrap_err().to_string();
    assert!(e.contains("no free IPv4 address"), "{e}");
    let e = allocate(&mut c, &req(6, 99, 1, 0)).unwrap_err().to_string();
    assert!(e.contains("server 99"), "{e}");
}

#[test]
fn recycling_frees_terminated_and_vanished_services() {
    let Some(db) = TestDb::new() else { return };
    db.server(1, "puqProxmoxKVM", "");
    db.service(1, "Active");
    db.service(2, "Terminated");
    db.service(4, "Suspended");
    db.service(5, "Active");
    db.service(7, "Terminated");
    let mut c = db.conn();
    // Service 7 is Terminated but its VM is still being removed: kept.
    c.query_drop(
        "INSERT INTO puqProxmoxKVM_vm_info (service_id, vm_status) VALUES (7, 'terminate')",
    )
    .unwrap();
    create_pool(
        &mut c,
        &pool_v4(1, "vmbr0", 0, "10.0.0.1/24", "10.0.0.2", "10.0.0.250"),
    )
    .unwrap();
    for svc in [1, 2, 3, 4, 7] {
        allocate(&mut c, &req(svc, 1, 1, 0)).unwrap();
    }
    // service 3 has no tblhosting row
    assert_eq!(recycle_terminated(&mut c).unwrap(), 2);
    assert_eq!(addresses_of(&mut c, 7).unwrap().len(), 1);
    assert_eq!(addresses_of(&mut c, 1).unwrap().len(), 1);
    assert!(addresses_of(&mut c, 2).unwrap().is_empty());
    assert!(addresses_of(&mut c, 3).unwrap().is_empty());
    assert_eq!(addresses_of(&mut c, 4).unwrap().len(), 1);
    assert_eq!(recycle_terminated(&mut c).unwrap(), 0);
    // The freed addresses are the next ones handed out.
    assert_eq!(
        ips(&allocate(&mut c, &req(5, 1, 1, 0)).unwrap()),
        ["10.0.0.3"]
    );
    // Once the terminate finished (record gone), its address is recycled too.
    c.query_drop("DELETE FROM puqProxmoxKVM_vm_info WHERE service_id = 7")
        .unwrap();
    assert_eq!(recycle_terminated(&mut c).unwrap(), 1);
}

#[test]
fn legacy_list_is_the_fallback() {
    let Some(db) = TestDb::new() else { return };
    db.server(
        1,
        "puqProxmoxKVM",
        "# legacy\nvmbr3|0|10.0.25.2|24|10.0.25.1|10.0.10.10,10.0.10.20\r\n\
         vmbr3|0|10.0.25.3|24|10.0.25.1|10.0.10.10,10.0.10.20\n\
         vmbr0|0|10.0.0.2|24|10.0.0.1|8.8.8.8\n",
    );
    db.server(
        2,
        "puqProxmoxKVM",
        "vmbr0|0|10.0.0.2|24|10.0.0.1|8.8.8.8\nvmbr0|x|10.0.0.3|24|10.0.0.1|\n",
    );
    let mut c = db.conn();
    create_pool(
        &mut c,
        &pool_v4(1, "vmbr0", 0, "10.0.0.1/24", "10.0.0.2", "10.0.0.2"),
    )
    .unwrap();

    let a = allocate(&mut c, &req(1, 1, 1, 0)).unwrap();
    assert_eq!(
        (ips(&a), a.addresses[0].pool_id),
        (vec!["10.0.0.2".to_string()], 1)
    );
    // The pool is full; the list's 10.0.0.2 is the same address: skipped.
    let b = allocate(&mut c, &req(2, 1, 1, 0)).unwrap();
    let x = &b.addresses[0];
    assert_eq!(
        (x.ip.to_string(), x.pool_id, x.bridge.as_str(), x.prefix),
        ("10.0.25.2".to_string(), alloc::LEGACY_POOL_ID, "vmbr3", 24)
    );
    assert_eq!(x.gateway, Some("10.0.25.1".parse().unwrap()));
    assert_eq!(
        x.dns,
        [
            "10.0.10.10".parse::<IpAddr>().unwrap(),
            "10.0.10.20".parse().unwrap()
        ]
    );
    assert!(x.is_primary);
    assert_eq!(
        ips(&allocate(&mut c, &req(3, 1, 1, 0)).unwrap()),
        ["10.0.25.3"]
    );
    let e = allocate(&mut c, &req(4, 1, 1, 0)).unwrap_err().to_string();
    assert!(e.contains("no free IPv4 address"), "{e}");
    // Released legacy addresses come back.
    release(&mut c, 2).unwrap();
    assert_eq!(
        ips(&allocate(&mut c, &req(4, 1, 1, 0)).unwrap()),
        ["10.0.25.2"]
    );

    // A broken list is reported with its line, once the pools are empty.
    let e = allocate(&mut c, &req(20, 2, 1, 0)).unwrap_err().to_string();
    assert!(
        e.contains("'assignedips'") && e.contains("server #2") && e.contains("line 2"),
        "{e}"
    );
}

/// Inserts allocated rows directly, 1000 per statement (parameterised).
fn preload(
    c: &mut PooledConn,
    pool_id: u32,
    server: u32,
    family: Family,
    first: u128,
    n: u128,
    skip: &[u128],
) {
    let mut rows: Vec<u128> = (first..first + n).filter(|v| !skip.contains(v)).collect();
    while !rows.is_empty() {
        let chunk: Vec<u128> = rows.drain(..rows.len().min(1000)).collect();
        let sql = format!(
            "INSERT INTO {ADDRESSES_TABLE} (pool_id, server_id, service_id, family, address, address_bin, prefix, bridge, vlan) VALUES {}",
            vec!["(?, ?, ?, ?, ?, ?, 16, 'vmbr0', 0)"; chunk.len()].join(", ")
        );
        let mut params: Vec<Value> = Vec::new();
        for v in chunk {
            let ip = addr::from_u128(family, v).unwrap();
            params.extend([
                pool_id.into(),
                server.into(),
                (1_000_000 + (v % 1_000_000_000) as u32).into(),
                family.code().into(),
                ip.to_string().into(),
                addr::to_bytes(ip).into(),
            ]);
        }
        c.exec_drop(sql, params).unwrap();
    }
}

#[test]
fn huge_and_nearly_full_pools_never_enumerate() {
    let Some(db) = TestDb::new() else { return };
    db.server(1, "puqProxmoxKVM", "");
    let mut c = db.conn();
    let p16 = create_pool(
        &mut c,
        &pool_v4(1, "vmbr0", 0, "10.1.0.1/16", "10.1.0.2", "10.1.255.254"),
    )
    .unwrap();
    let start = addr::to_u128("10.1.0.2".parse().unwrap());
    // 65,000 of the 65,533 addresses taken, one hole at #30,000.
    let hole = start + 30_000;
    preload(&mut c, p16, 1, Family::V4, start, 65_000, &[hole]);
    assert_eq!(
        db.count(&format!("SELECT COUNT(*) FROM {ADDRESSES_TABLE}")),
        64_999
    );

    let a = allocate(&mut c, &req(1, 1, 1, 0)).unwrap();
    assert_eq!(
        a.addresses[0].ip,
        addr::from_u128(Family::V4, hole).unwrap()
    );
    // No hole left: the next one follows the highest.
    let b = allocate(&mut c, &req(2, 1, 1, 0)).unwrap();
    assert_eq!(
        b.addresses[0].ip,
        addr::from_u128(Family::V4, start + 65_000).unwrap()
    );
    let list = list_pools(&mut c, Some(1)).unwrap();
    assert_eq!((list[0].allocated, list[0].total), (65_001, 65_533));

    // A /64 with rows at its start and at its very end.
    let mut v6 = pool_v4(
        1,
        "vmbr0",
        0,
        "2001:db8:1::1/64",
        "2001:db8:1::2",
        "2001:db8:1::ffff:ffff:ffff:ffff",
    );
    v6.dns = vec![];
    let p64 = create_pool(&mut c, &v6).unwrap();
    let s6 = addr::to_u128("2001:db8:1::2".parse().unwrap());
    let e6 = addr::to_u128("2001:db8:1::ffff:ffff:ffff:ffff".parse().unwrap());
    preload(&mut c, p64, 1, Family::V6, s6, 3000, &[]);
    preload(&mut c, p64, 1, Family::V6, e6 - 9, 10, &[]);
    let x = allocate(&mut c, &req(3, 1, 0, 2)).unwrap();
    assert_eq!(ips(&x), ["2001:db8:1::bba", "2001:db8:1::bbb"]);
    let list = list_pools(&mut c, Some(1)).unwrap();
    assert_eq!(list[1].total, (1u128 << 64) - 2);
}

#[test]
fn concurrent_allocators_never_share_an_address() {
    let Some(db) = TestDb::new() else { return };
    db.server(
        1,
        "puqProxmoxKVM",
        "vmbr0|0|10.8.0.19|24|10.8.0.1|\nvmbr0|0|10.9.0.2|24|10.9.0.1|\n\
         vmbr0|0|10.9.0.3|24|10.9.0.1|\n",
    );
    let mut c = db.conn();
    // Overlapping sources on purpose: a pool of 18 and a list of 3, one of
    // which is also in the pool: 20 distinct addresses.
    create_pool(
        &mut c,
        &pool_v4(1, "vmbr0", 0, "10.8.0.1/24", "10.8.0.2", "10.8.0.19"),
    )
    .unwrap();
    let threads = 8;
    let per_thread = 3;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let pool = db.pool.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get_conn().unwrap();
                barrier.wait();
                (0..per_thread)
                    .map(|i| {
                        let svc = (100 + t * 10 + i) as u32;
                        allocate(&mut conn, &req(svc, 1, 1, 0)).map(|a| ips(&a).remove(0))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<std::result::Result<String, crate::Error>> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let mut ok: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().cloned())
        .collect();
    for r in &results {
        if let Err(e) = r {
            assert!(e.to_string().contains("no free IPv4 address"), "{e}");
        }
    }
    assert_eq!(ok.len(), 20, "{results:?}");
    ok.sort();
    ok.dedup();
    assert_eq!(ok.len(), 20, "duplicates handed out");
    assert_eq!(
        db.count(&format!("SELECT COUNT(*) FROM {ADDRESSES_TABLE}")),
        20
    );

    // A server with only a legacy list.
    let list: String = (2..12)
        .map(|i| format!("vmbr0|0|10.7.0.{i}|24|10.7.0.1|\n"))
        .collect();
    db.server(2, "puqProxmoxKVM", &list);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let pool = db.pool.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get_conn().unwrap();
                (0..2)
                    .filter_map(|i| {
                        let svc = (200 + t * 10 + i) as u32;
                        allocate(&mut conn, &req(svc, 2, 1, 0)).ok()
                    })
                    .map(|a| ips(&a).remove(0))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut legacy: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(legacy.len(), 10, "{legacy:?}");
    legacy.sort();
    legacy.dedup();
    assert_eq!(legacy.len(), 10, "duplicates handed out");

    // The same service from many threads at once still gets one address.
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let pool = db.pool.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get_conn().unwrap();
                release(&mut conn, 100).unwrap();
                allocate(&mut conn, &req(555, 1, 1, 0)).map(|a| ips(&a))
            })
        })
        .collect();
    let got: Vec<Vec<String>> = handles
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .collect();
    assert!(got.iter().all(|g| g.len() == 1 && g == &got[0]), "{got:?}");
}

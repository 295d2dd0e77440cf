//! IP pools from PUQ Customization, with their per-server assignments and
//! their allocations.
//!
//! A legacy pool becomes one of our pools per server it served (its own
//! server column plus the rows of the assignment table). Its allocations are
//! the rows of the legacy allocation table and, because v2 also kept every
//! address on the service itself, the addresses in the pool's range that
//! live services of that server hold in tblhosting (dedicatedip,
//! assignedips): an address a running VM uses must never be handed out
//! again. A pool is imported whole or not at all, in one transaction; any
//! doubt (an address held by two services, outside the range, on a server
//! the pool does not serve, a range overlapping a pool that exists) skips it
//! with the reason, and the operator can fix the data and activate again.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use mysql::prelude::Queryable;
use mysql::{IsolationLevel, PooledConn, TxOpts};

use super::{find_table, holds_resources, hosting_addresses, looked_for, Field, Row, Section};
use crate::error::{Error, Result};
use crate::ippool::addr::{self, Family};
use crate::ippool::pool::{join_dns, parse_mask, Pool};
use crate::ippool::store::{check_overlap, check_server, pool_values, SERVER_TYPE};
use crate::ippool::{ADDRESSES_TABLE, POOLS_TABLE};
use crate::whmcs::Host;

pub const POOL_TABLES: &[&str] = &["ip_pools", "ip_pool"];
pub const SERVER_TABLES: &[&str] = &["ip_pool_servers", "ip_pools_servers", "ip_pool_server"];
pub const ADDRESS_TABLES: &[&str] = &[
    "ip_addresses",
    "ip_pool_addresses",
    "ip_allocations",
    "ip_pool_ips",
];

const ID: Field = ("id", &["id", "pool_id"]);
const SERVER: Field = ("server", &["server_id", "serverid", "server"]);
const TYPE: Field = ("type", &["type", "family", "ip_type", "version"]);
const BRIDGE: Field = ("bridge", &["bridge", "vmbr"]);
const VLAN: Field = ("vlan", &["vlan", "vlan_tag", "vlanid", "tag"]);
const GATEWAY: Field = ("gateway", &["gateway", "gw"]);
const MASK: Field = ("mask", &["mask", "netmask", "prefix", "cidr"]);
const DNS1: Field = ("dns1", &["dns1", "dns_1", "dns"]);
const DNS2: Field = ("dns2", &["dns2", "dns_2"]);
const START: Field = (
    "address start",
    &[
        "address_start",
        "start",
        "start_ip",
        "ip_start",
        "first_ip",
        "range_start",
        "from_ip",
    ],
);
const STOP: Field = (
    "address stop",
    &[
        "address_stop",
        "stop",
        "end",
        "end_ip",
        "ip_end",
        "ip_stop",
        "last_ip",
        "range_end",
        "address_end",
        "to_ip",
    ],
);
const POOL_REF: Field = ("pool", &["pool_id", "pool", "ip_pool_id"]);
const SERVICE: Field = (
    "service",
    &[
        "service_id",
        "serviceid",
        "hosting_id",
        "hostingid",
        "service",
    ],
);
const ADDRESS: Field = ("address", &["ip", "address", "ip_address", "ipaddress"]);

/// A PUQ Proxmox KVM service as WHMCS has it.
struct Service {
    server: u32,
    live: bool,
    addresses: Vec<IpAddr>,
}

pub fn import(conn: &mut PooledConn, _host: &dyn Host, section: &mut Section) -> Result<()> {
    let Some(table) = find_table(conn, POOL_TABLES)? else {
        section.source = looked_for(POOL_TABLES);
        return Ok(());
    };
    section.source = table.name.clone();
    if let Some(why) = table.missing(&[GATEWAY, MASK, START, STOP, BRIDGE]) {
        section.skipped.push(format!("every pool: {why}"));
        return Ok(());
    }
    let pools = table.rows(
        conn,
        &[
            ID, SERVER, TYPE, BRIDGE, VLAN, GATEWAY, MASK, DNS1, DNS2, START, STOP,
        ],
    )?;

    // Per-server assignments: legacy pool id -> servers.
    let mut assigned: BTreeMap<i64, BTreeSet<u32>> = BTreeMap::new();
    if let Some(t) = find_table(conn, SERVER_TABLES)? {
        section.source.push_str(&format!(", {}", t.name));
        match t.missing(&[POOL_REF, SERVER]) {
            Some(why) => section
                .skipped
                .push(format!("per-server assignments: {why}")),
            None => {
                for r in t.rows(conn, &[POOL_REF, SERVER])? {
                    if let (Some(p), Some(s)) = (r.int("pool"), r.int("server")) {
                        if let Ok(s) = u32::try_from(s) {
                            if s > 0 {
                                assigned.entry(p).or_default().insert(s);
                            }
                        }
                    }
                }
            }
        }
    }

    // Allocation rows: legacy pool id -> (service, address text).
    let mut allocated: BTreeMap<i64, Vec<(u32, String)>> = BTreeMap::new();
    if let Some(t) = find_table(conn, ADDRESS_TABLES)? {
        section.source.push_str(&format!(", {}", t.name));
        match t.missing(&[POOL_REF, SERVICE, ADDRESS]) {
            Some(why) => section.skipped.push(format!(
                "allocation table: {why}; allocations are taken from the services' addresses only"
            )),
            None => {
                for r in t.rows(conn, &[POOL_REF, SERVICE, ADDRESS])? {
                    let (Some(p), Some(s)) = (r.int("pool"), r.int("service")) else {
                        continue;
                    };
                    let Ok(s) = u32::try_from(s) else { continue };
                    let ip = r.text("address").unwrap_or_default();
                    allocated.entry(p).or_default().push((s, ip));
                }
            }
        }
    }

    let services = load_services(conn)?;
    for row in &pools {
        let label = format!("legacy pool #{}", row.int("id").unwrap_or(0));
        match import_pool(conn, row, &assigned, &allocated, &services) {
            Ok(Outcome::Imported(line)) => section.imported.push(format!("{label}: {line}")),
            Ok(Outcome::Present(line)) => section.skipped.push(format!("{label}: {line}")),
            Err(why) => section.skipped.push(format!("{label}: {why}")),
        }
    }
    Ok(())
}

fn load_services(conn: &mut PooledConn) -> Result<BTreeMap<u32, Service>> {
    let rows: Vec<(u32, u32, String, String, String)> = conn.exec(
        "SELECT h.id, h.server, h.domainstatus, h.dedicatedip, h.assignedips \
           FROM tblhosting h JOIN tblproducts p ON p.id = h.packageid WHERE p.servertype = ?",
        (SERVER_TYPE,),
    )?;
    Ok(rows
        .into_iter()
        .map(|(id, server, status, ded, asg)| {
            (
                id,
                Service {
                    server,
                    live: holds_resources(&status),
                    addresses: hosting_addresses(&ded, &asg),
                },
            )
        })
        .collect())
}

enum Outcome {
    Imported(String),
    /// Every copy of the pool exists already.
    Present(String),
}

/// Reads one legacy pool row into a pool (server 0: filled per copy).
fn parse_pool(row: &Row) -> std::result::Result<Pool, String> {
    let text = |f: &str| row.text(f);
    let ip = |f: &str| -> std::result::Result<IpAddr, String> {
        let t = text(f)?;
        t.trim()
            .parse()
            .map_err(|_| format!("{f} '{}' is not an IP address", crate::util::printable(&t)))
    };
    let start = ip("address start")?;
    let end = ip("address stop")?;
    let gateway = ip("gateway")?;
    let family = match text("type")?.trim() {
        "" => Family::of(start),
        t => Family::parse(t).ok_or_else(|| {
            format!(
                "type '{}' is neither IPv4 nor IPv6",
                crate::util::printable(t)
            )
        })?,
    };
    let mask = parse_mask(family, &text("mask")?).map_err(|m| format!("mask {m}"))?;
    let vlan = match row.int("vlan") {
        None if text("vlan")?.trim().is_empty() => 0,
        Some(v) if (0..=i64::from(crate::ippool::pool::MAX_VLAN)).contains(&v) => v as u16,
        _ => return Err(format!("VLAN '{}' is not 0-4094", text("vlan")?)),
    };
    let mut dns = Vec::new();
    for f in ["dns1", "dns2"] {
        let t = text(f)?;
        // "8.8.8.8,1.1.1.1" in one column is seen too.
        for d in t.split([',', ' ', ';']).filter(|d| !d.trim().is_empty()) {
            dns.push(d.trim().parse().map_err(|_| {
                format!("{f} '{}' is not an IP address", crate::util::printable(d))
            })?);
        }
    }
    dns.truncate(2);
    Ok(Pool {
        id: 0,
        server_id: 0,
        family,
        bridge: text("bridge")?.trim().to_string(),
        vlan,
        gateway,
        mask,
        dns,
        start,
        end,
    })
}

fn import_pool(
    conn: &mut PooledConn,
    row: &Row,
    assigned: &BTreeMap<i64, BTreeSet<u32>>,
    allocated: &BTreeMap<i64, Vec<(u32, String)>>,
    services: &BTreeMap<u32, Service>,
) -> std::result::Result<Outcome, String> {
    let legacy_id = row.int("id").unwrap_or(0);
    let template = parse_pool(row)?;
    let mut servers: BTreeSet<u32> = assigned.get(&legacy_id).cloned().unwrap_or_default();
    if let Some(s) = row.int("server").and_then(|s| u32::try_from(s).ok()) {
        if s > 0 {
            servers.insert(s);
        }
    }
    if servers.is_empty() {
        return Err("no server: neither a server column nor a per-server assignment".into());
    }
    let range = format!(
        "{} {} - {}, {} VLAN {}",
        template.family, template.start, template.end, template.bridge, template.vlan
    );
    let (lo, hi) = template.bounds();
    let in_range = |ip: IpAddr| (lo..=hi).contains(&addr::to_u128(ip));

    // Allocation rows: each must be a live service on a served server, in the range.
    let mut by_server: BTreeMap<u32, BTreeMap<IpAddr, u32>> = BTreeMap::new();
    let mut stale = 0usize;
    let mut claim = |server: u32, ip: IpAddr, service: u32| -> std::result::Result<(), String> {
        let m = by_server.entry(server).or_default();
        match m.get(&ip) {
            Some(other) if *other != service => Err(format!(
                "address {ip} is held by both service {other} and service {service}; give it to one of them in WHMCS, then activate again"
            )),
            _ => {
                m.insert(ip, service);
                Ok(())
            }
        }
    };
    for (service_id, text) in allocated.get(&legacy_id).map(Vec::as_slice).unwrap_or(&[]) {
        let ip: IpAddr = text.trim().parse().map_err(|_| {
            format!(
                "allocation '{}' of service {service_id} is not an IP address",
                crate::util::printable(text)
            )
        })?;
        let Some(svc) = services.get(service_id).filter(|s| s.live) else {
            stale += 1;
            continue;
        };
        if !in_range(ip) || Family::of(ip) != template.family {
            return Err(format!(
                "allocation {ip} of service {service_id} is outside the pool's range {range}"
            ));
        }
        if !servers.contains(&svc.server) {
            return Err(format!(
                "allocation {ip} belongs to service {service_id} on server {}, which this pool does not serve",
                svc.server
            ));
        }
        claim(svc.server, ip, *service_id)?;
    }
    // What services hold in WHMCS, on the servers the pool serves.
    for (id, svc) in services.iter().filter(|(_, s)| s.live) {
        if !servers.contains(&svc.server) {
            continue;
        }
        for ip in svc
            .addresses
            .iter()
            .filter(|ip| Family::of(**ip) == template.family && in_range(**ip))
        {
            claim(svc.server, *ip, *id)?;
        }
    }

    let mut tx = conn
        .start_transaction(
            TxOpts::default().set_isolation_level(Some(IsolationLevel::ReadCommitted)),
        )
        .map_err(|e| e.to_string())?;
    let mut made = Vec::new();
    let mut present = Vec::new();
    let mut count = 0usize;
    let mut touched: BTreeSet<u32> = BTreeSet::new();
    for server in &servers {
        let pool = Pool {
            server_id: *server,
            ..template.clone()
        };
        let fail = |e: Error| format!("server {server}: {}", message(e));
        pool.validate().map_err(fail)?;
        check_server(&mut tx, *server).map_err(fail)?;
        let same: Option<u32> = tx
            .exec_first(
                format!(
                    "SELECT id FROM {POOLS_TABLE} WHERE server_id = ? AND family = ? AND address_start = ? \
                     AND address_stop = ? AND bridge = ? AND vlan = ?"
                ),
                (
                    server,
                    pool.family.code(),
                    pool.start.to_string(),
                    pool.end.to_string(),
                    &pool.bridge,
                    pool.vlan,
                ),
            )
            .map_err(|e| e.to_string())?;
        if let Some(id) = same {
            present.push(format!("server {server} as IP pool #{id}"));
            continue;
        }
        check_overlap(&mut tx, &pool).map_err(fail)?;
        tx.exec_drop(
            format!(
                "INSERT INTO {POOLS_TABLE} (server_id, family, bridge, vlan, gateway, mask, dns1, dns2, \
                 address_start, address_stop) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            pool_values(&pool),
        )
        .map_err(|e| e.to_string())?;
        let id = tx.last_insert_id().unwrap_or(0);
        let excluded = pool.excluded();
        for (ip, service) in by_server.get(server).into_iter().flatten() {
            if excluded.contains(&addr::to_u128(*ip)) {
                return Err(format!(
                    "address {ip} of service {service} is the pool's gateway, network or broadcast address"
                ));
            }
            tx.exec_drop(
                format!(
                    "INSERT INTO {ADDRESSES_TABLE} (pool_id, server_id, service_id, family, address, \
                     address_bin, prefix, gateway, dns, bridge, vlan, is_primary) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
                ),
                (
                    id,
                    server,
                    service,
                    pool.family.code(),
                    ip.to_string(),
                    addr::to_bytes(*ip),
                    pool.mask,
                    pool.gateway.to_string(),
                    join_dns(&pool.dns),
                    &pool.bridge,
                    pool.vlan,
                ),
            )
            .map_err(|e| match &e {
                mysql::Error::MySqlError(m) if m.code == 1062 => format!(
                    "address {ip} of service {service} is already recorded on server {server}"
                ),
                _ => e.to_string(),
            })?;
            touched.insert(*service);
            count += 1;
        }
        made.push(format!("server {server} → IP pool #{id}"));
    }
    for service in &touched {
        mark_primary(&mut tx, *service).map_err(|e| e.to_string())?;
    }
    tx.commit().map_err(|e| e.to_string())?;
    if made.is_empty() {
        return Ok(Outcome::Present(format!(
            "{range}: already imported ({})",
            present.join(", ")
        )));
    }
    let mut line = format!(
        "{range}: {}, {count} allocated address(es) of {} service(s)",
        made.join(", "),
        touched.len()
    );
    if !present.is_empty() {
        line.push_str(&format!("; already there: {}", present.join(", ")));
    }
    if stale > 0 {
        line.push_str(&format!(
            "; {stale} allocation(s) of services that are gone or terminated dropped"
        ));
    }
    Ok(Outcome::Imported(line))
}

/// The first IPv4 address (else the first IPv6) of a service is its primary.
fn mark_primary<Q: Queryable>(q: &mut Q, service_id: u32) -> mysql::Result<()> {
    let first: Option<u64> = q.exec_first(
        format!(
            "SELECT id FROM {ADDRESSES_TABLE} WHERE service_id = ? ORDER BY family, id LIMIT 1"
        ),
        (service_id,),
    )?;
    if let Some(id) = first {
        q.exec_drop(
            format!("UPDATE {ADDRESSES_TABLE} SET is_primary = (id = ?) WHERE service_id = ?"),
            (id, service_id),
        )?;
    }
    Ok(())
}

/// An error as a reason: an input error by its message and field.
fn message(e: Error) -> String {
    match e {
        Error::Input { key, message } => format!("{key}: {message}"),
        other => other.to_string(),
    }
}

//! Handing out addresses to services, and taking them back.
//!
//! One transaction per allocation (READ COMMITTED, so a retry sees rows
//! committed meanwhile). Allocators of one pool are serialised by a row
//! lock on the pool, those of a server's legacy list by a lock on its
//! tblservers row; the unique key (server, family, address) catches the
//! rest (overlapping sources), and a duplicate-key error just means
//! "search again". A named lock per service makes a repeated or
//! concurrent call for the same service return what it already has.
//!
//! The lowest free address is found from the allocated rows only: first a
//! count and maximum over the pool's range (no hole below the maximum →
//! the next address), else an ordered walk up to the first hole.

use std::collections::HashSet;
use std::net::IpAddr;

use mysql::prelude::Queryable;
use mysql::{IsolationLevel, PooledConn, Row, TxOpts, Value};
use serde::Serialize;

use super::addr::{self, Family, GapScan};
use super::legacy::{self, LegacyIp};
use super::pool::{join_dns, Pool, MAX_VLAN};
use super::store::{pools_of_server, take};
use super::{is_duplicate, is_retryable, ADDRESSES_TABLE, POOLS_TABLE};
use crate::error::{Error, Result};

/// `pool_id` of an address taken from the server's legacy list.
pub const LEGACY_POOL_ID: u32 = 0;
/// Upper bound of addresses per family and service.
pub const MAX_PER_FAMILY: u32 = 256;
/// Allocated rows read per round trip while looking for a hole.
const SCAN_PAGE: usize = 1024;
/// Candidate lists checked per query in the legacy list.
const LEGACY_CHUNK: usize = 256;
/// Searches after a duplicate key before giving up on a source.
const INSERT_RETRIES: usize = 8;
/// Whole transactions after a deadlock or lock wait timeout.
const TX_RETRIES: usize = 3;
/// Seconds to wait for another allocation of the same service.
const SERVICE_LOCK_WAIT: u32 = 30;

/// What a service needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    pub service_id: u32,
    /// tblservers.id of the service's Proxmox server.
    pub server_id: u32,
    /// Only pools / list lines on this bridge (product setting, when Auto
    /// bridge/VLAN is off).
    pub bridge: Option<String>,
    /// Only pools / list lines with this VLAN tag (0 = untagged).
    pub vlan: Option<u16>,
    pub v4_count: u32,
    pub v6_count: u32,
}

impl Request {
    fn validate(&self) -> Result<()> {
        if self.service_id == 0 {
            return Err(Error::input("service_id", "must be a positive id"));
        }
        if self.server_id == 0 {
            return Err(Error::input(
                "server_id",
                "the service has no Proxmox server assigned",
            ));
        }
        if matches!(self.vlan, Some(v) if v > MAX_VLAN) {
            return Err(Error::input("vlan", format!("must be 0 to {MAX_VLAN}")));
        }
        for (key, n) in [("v4_count", self.v4_count), ("v6_count", self.v6_count)] {
            if n > MAX_PER_FAMILY {
                return Err(Error::input(
                    key,
                    format!("at most {MAX_PER_FAMILY} addresses per service, got {n}"),
                ));
            }
        }
        Ok(())
    }

    fn accepts(&self, bridge: &str, vlan: u16) -> bool {
        self.bridge.as_deref().is_none_or(|b| b == bridge) && self.vlan.is_none_or(|v| v == vlan)
    }

    fn scope(&self) -> String {
        match (&self.bridge, self.vlan) {
            (None, None) => "any bridge/VLAN".to_string(),
            (Some(b), None) => format!("bridge {b}"),
            (None, Some(v)) => format!("vlan {v}"),
            (Some(b), Some(v)) => format!("bridge {b}, vlan {v}"),
        }
    }
}

/// One address of a service with the network settings it was handed out
/// with — what the deploy writes into the VM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assigned {
    pub ip: IpAddr,
    pub family: Family,
    /// Prefix length.
    pub prefix: u8,
    pub gateway: Option<IpAddr>,
    pub dns: Vec<IpAddr>,
    pub bridge: String,
    pub vlan: u16,
    /// The pool it came from; [`LEGACY_POOL_ID`] for the legacy list.
    pub pool_id: u32,
    /// The service's main address (tblhosting.dedicatedip).
    pub is_primary: bool,
}

impl Assigned {
    /// `ip/prefix`, as cloud-init's `ipconfig` takes it.
    pub fn cidr(&self) -> String {
        format!("{}/{}", self.ip, self.prefix)
    }

    /// The dotted netmask of an IPv4 address (`None` for IPv6).
    pub fn netmask(&self) -> Option<IpAddr> {
        match self.family {
            Family::V4 => ipnet::Ipv4Net::new(std::net::Ipv4Addr::UNSPECIFIED, self.prefix)
                .ok()
                .map(|n| IpAddr::V4(n.netmask())),
            Family::V6 => None,
        }
    }
}

/// A service's addresses after [`allocate`]: IPv4 first, then IPv6, each in
/// allocation order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub service_id: u32,
    pub addresses: Vec<Assigned>,
    /// How many of them this call handed out (0 on a repeated call).
    pub newly_allocated: usize,
}

impl Allocation {
    pub fn of_family(&self, family: Family) -> impl Iterator<Item = &Assigned> {
        self.addresses.iter().filter(move |a| a.family == family)
    }
}

/// The step's failure: retry the whole transaction, or give up.
enum Fail {
    Retry,
    Fatal(Error),
}

impl From<mysql::Error> for Fail {
    fn from(e: mysql::Error) -> Self {
        if is_retryable(&e) {
            Fail::Retry
        } else {
            Fail::Fatal(e.into())
        }
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Fatal(e)
    }
}

type Step<T> = std::result::Result<T, Fail>;

/// Gives the service the addresses it asks for: what it already has counts,
/// so a repeated call hands out nothing new, and a larger request (package
/// upgrade) tops up. All or nothing: when one address cannot be found, none
/// of this call's addresses is kept.
pub fn allocate(conn: &mut PooledConn, req: &Request) -> Result<Allocation> {
    req.validate()?;
    let lock = format!("puqProxmoxKVM_ip_service_{}", req.service_id);
    let got: Option<Option<i64>> =
        conn.exec_first("SELECT GET_LOCK(?, ?)", (&lock, SERVICE_LOCK_WAIT))?;
    if got.flatten() != Some(1) {
        return Err(Error::Db(format!(
            "another process is allocating IP addresses for service {}; try again",
            req.service_id
        )));
    }
    let result = allocate_locked(conn, req);
    let released: mysql::Result<Option<Option<i64>>> =
        conn.exec_first("SELECT RELEASE_LOCK(?)", (&lock,));
    let allocation = result?;
    released?;
    Ok(allocation)
}

fn allocate_locked(conn: &mut PooledConn, req: &Request) -> Result<Allocation> {
    let mut attempt = 0;
    let newly = loop {
        attempt += 1;
        match allocate_tx(conn, req) {
            Ok(n) => break n,
            Err(Fail::Retry) if attempt < TX_RETRIES => continue,
            Err(Fail::Retry) => {
                return Err(Error::Db(format!(
                    "IP allocation for service {} kept hitting lock conflicts; try again",
                    req.service_id
                )))
            }
            Err(Fail::Fatal(e)) => return Err(e),
        }
    };
    Ok(Allocation {
        service_id: req.service_id,
        addresses: addresses_of(conn, req.service_id)?,
        newly_allocated: newly,
    })
}

fn allocate_tx(conn: &mut PooledConn, req: &Request) -> Step<usize> {
    let mut tx = conn.start_transaction(
        TxOpts::default().set_isolation_level(Some(IsolationLevel::ReadCommitted)),
    )?;
    let existing = addresses_of(&mut tx, req.service_id)?;
    // A VM has one NIC: once one address is chosen, prefer sources on the
    // same bridge and VLAN for the rest.
    let mut anchor = existing.first().map(|a| (a.bridge.clone(), a.vlan));
    let mut legacy_list: Option<Vec<LegacyIp>> = None;
    let mut newly = 0;
    for (family, wanted) in [(Family::V4, req.v4_count), (Family::V6, req.v6_count)] {
        let have = existing.iter().filter(|a| a.family == family).count();
        let need = (wanted as usize).saturating_sub(have);
        if need == 0 {
            continue;
        }
        let pools: Vec<Pool> = pools_of_server(&mut tx, req.server_id, family)?
            .into_iter()
            .filter(|p| req.accepts(&p.bridge, p.vlan))
            .collect();
        for _ in 0..need {
            let a = allocate_one(&mut tx, req, family, &pools, &mut legacy_list, &anchor)?;
            anchor.get_or_insert((a.bridge, a.vlan));
            newly += 1;
        }
    }
    if newly > 0 {
        mark_primary(&mut tx, req.service_id)?;
    }
    tx.commit()?;
    Ok(newly)
}

/// Sources matching the anchor first, otherwise in the given order.
fn anchored<'a, T>(
    items: impl IntoIterator<Item = &'a T>,
    anchor: &Option<(String, u16)>,
    key: impl Fn(&T) -> (&str, u16),
) -> Vec<&'a T> {
    let mut v: Vec<&T> = items.into_iter().collect();
    if let Some((b, vlan)) = anchor {
        v.sort_by_key(|x| {
            let (xb, xv) = key(x);
            !(xb == b && xv == *vlan)
        });
    }
    v
}

fn allocate_one<Q: Queryable>(
    q: &mut Q,
    req: &Request,
    family: Family,
    pools: &[Pool],
    legacy_list: &mut Option<Vec<LegacyIp>>,
    anchor: &Option<(String, u16)>,
) -> Step<Assigned> {
    for pool in anchored(pools, anchor, |p| (p.bridge.as_str(), p.vlan)) {
        q.exec_drop(
            format!("SELECT id FROM {POOLS_TABLE} WHERE id = ? FOR UPDATE"),
            (pool.id,),
        )?;
        for _ in 0..INSERT_RETRIES {
            let Some(value) = first_free_in_pool(q, pool)? else {
                break;
            };
            let ip = addr::from_u128(family, value)
                .ok_or_else(|| Error::Internal(format!("address {value} out of range")))?;
            let a = Assigned {
                ip,
                family,
                prefix: pool.mask,
                gateway: Some(pool.gateway),
                dns: pool.dns.clone(),
                bridge: pool.bridge.clone(),
                vlan: pool.vlan,
                pool_id: pool.id,
                is_primary: false,
            };
            if insert(q, req, &a)? {
                return Ok(a);
            }
        }
    }
    if legacy_list.is_none() {
        *legacy_list = Some(load_legacy(q, req.server_id)?);
    }
    let lines: Vec<&LegacyIp> = legacy_list
        .iter()
        .flatten()
        .filter(|l| l.family() == family && req.accepts(&l.bridge, l.vlan))
        .collect();
    let lines = anchored(lines.iter().copied(), anchor, |l| {
        (l.bridge.as_str(), l.vlan)
    });
    for _ in 0..INSERT_RETRIES {
        let Some(line) = first_free_legacy(q, req.server_id, family, &lines)? else {
            break;
        };
        let a = Assigned {
            ip: line.ip,
            family,
            prefix: line.prefix,
            gateway: line.gateway,
            dns: line.dns.clone(),
            bridge: line.bridge.clone(),
            vlan: line.vlan,
            pool_id: LEGACY_POOL_ID,
            is_primary: false,
        };
        if insert(q, req, &a)? {
            return Ok(a);
        }
    }
    Err(Fail::Fatal(Error::Config(format!(
        "no free {family} address in pools for server {} ({}), nor in the server's Assigned IP \
         Addresses list; add an {family} pool or free addresses (Addons > PUQ Proxmox KVM > IP Pools)",
        req.server_id,
        req.scope()
    ))))
}

/// The lowest free address of `pool`'s range, looking only at allocated
/// rows of the same server (any source) inside the range.
/// The lowest free address of a pool. The pool row keeps `next_hint`: every
/// address below it is allocated or excluded, so the search reads only the
/// allocated rows from the hint upward — a few rows, however large the range
/// or however many addresses are taken. Releases reset the hint; a stale
/// hint (rows deleted behind the module's back) only costs one full scan.
/// Called with the pool row locked (see `allocate_tx`).
fn first_free_in_pool<Q: Queryable>(q: &mut Q, pool: &Pool) -> Step<Option<u128>> {
    let (start, end) = pool.bounds();
    let hint: Option<Option<Vec<u8>>> = q.exec_first(
        format!("SELECT next_hint FROM {POOLS_TABLE} WHERE id = ?"),
        (pool.id,),
    )?;
    let hint = hint
        .flatten()
        .as_deref()
        .and_then(addr::bytes_to_value)
        .filter(|h| *h >= start && *h <= end)
        .unwrap_or(start);
    let mut found = scan_from(q, pool, hint)?;
    if found.is_none() && hint > start {
        found = scan_from(q, pool, start)?;
    }
    if let Some(v) = found {
        q.exec_drop(
            format!("UPDATE {POOLS_TABLE} SET next_hint = ? WHERE id = ?"),
            (addr::value_to_bytes(pool.family, v), pool.id),
        )?;
    }
    Ok(found)
}

/// The first free address ≥ `from` in the pool, reading allocated rows in
/// index order a page at a time until the first gap.
fn scan_from<Q: Queryable>(q: &mut Q, pool: &Pool, from: u128) -> Step<Option<u128>> {
    let family = pool.family;
    let (_, end) = pool.bounds();
    let excluded = pool.excluded();
    let bin = |v: u128| Value::from(addr::value_to_bytes(family, v));
    let mut scan = GapScan::new(from, end, &excluded);
    let mut from = from;
    loop {
        let page: Vec<Vec<u8>> = q.exec(
            format!(
                "SELECT address_bin FROM {ADDRESSES_TABLE} WHERE server_id = ? AND family = ? \
                 AND address_bin BETWEEN ? AND ? ORDER BY address_bin LIMIT {SCAN_PAGE}"
            ),
            (pool.server_id, family.code(), bin(from), bin(end)),
        )?;
        let full = page.len() == SCAN_PAGE;
        let mut last = None;
        for v in page.iter().filter_map(|b| addr::bytes_to_value(b)) {
            last = Some(v);
            if scan.feed(v) {
                return Ok(scan.result());
            }
        }
        match last.and_then(|l| l.checked_add(1)) {
            Some(next) if full && next <= end => from = next,
            _ => return Ok(scan.result()),
        }
    }
}

fn load_legacy<Q: Queryable>(q: &mut Q, server_id: u32) -> Step<Vec<LegacyIp>> {
    // The row lock serialises the list's allocators per server, as the pool
    // row lock does for a pool (WHMCS's own reads of the row do not wait).
    let text: Option<Option<String>> = q.exec_first(
        "SELECT assignedips FROM tblservers WHERE id = ? FOR UPDATE",
        (server_id,),
    )?;
    let text = text.flatten().unwrap_or_default();
    legacy::parse(&text).map_err(|e| match e {
        Error::Input { key, message } => Fail::Fatal(Error::Input {
            key,
            message: format!("server #{server_id}: {message}"),
        }),
        other => Fail::Fatal(other),
    })
}

/// The first line of the list whose address the server has not handed out.
fn first_free_legacy<'a, Q: Queryable>(
    q: &mut Q,
    server_id: u32,
    family: Family,
    lines: &[&'a LegacyIp],
) -> Step<Option<&'a LegacyIp>> {
    for chunk in lines.chunks(LEGACY_CHUNK) {
        let sql = format!(
            "SELECT address_bin FROM {ADDRESSES_TABLE} WHERE server_id = ? AND family = ? \
             AND address_bin IN ({})",
            vec!["?"; chunk.len()].join(", ")
        );
        let mut params: Vec<Value> = vec![server_id.into(), family.code().into()];
        params.extend(chunk.iter().map(|l| Value::from(addr::to_bytes(l.ip))));
        let taken: HashSet<Vec<u8>> = q.exec::<Vec<u8>, _, _>(sql, params)?.into_iter().collect();
        if let Some(l) = chunk
            .iter()
            .find(|l| !taken.contains(&addr::to_bytes(l.ip)))
        {
            return Ok(Some(*l));
        }
    }
    Ok(None)
}

/// Records `a` for the service; `false` when someone else took the address
/// first (duplicate key).
fn insert<Q: Queryable>(q: &mut Q, req: &Request, a: &Assigned) -> Step<bool> {
    let params: Vec<Value> = vec![
        a.pool_id.into(),
        req.server_id.into(),
        req.service_id.into(),
        a.family.code().into(),
        a.ip.to_string().into(),
        addr::to_bytes(a.ip).into(),
        a.prefix.into(),
        a.gateway.map(|g| g.to_string()).unwrap_or_default().into(),
        join_dns(&a.dns).into(),
        a.bridge.clone().into(),
        a.vlan.into(),
    ];
    match q.exec_drop(
        format!(
            "INSERT INTO {ADDRESSES_TABLE} (pool_id, server_id, service_id, family, address, \
             address_bin, prefix, gateway, dns, bridge, vlan, is_primary) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
        ),
        params,
    ) {
        Ok(()) => Ok(true),
        Err(e) if is_duplicate(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The first IPv4 address (else the first IPv6) is the primary one.
fn mark_primary<Q: Queryable>(q: &mut Q, service_id: u32) -> Step<()> {
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

/// The service's addresses: IPv4 first, then IPv6, in allocation order.
pub fn addresses_of<Q: Queryable>(q: &mut Q, service_id: u32) -> Result<Vec<Assigned>> {
    let rows: Vec<Row> = q.exec(
        format!(
            "SELECT pool_id, family, address, prefix, gateway, dns, bridge, vlan, is_primary \
             FROM {ADDRESSES_TABLE} WHERE service_id = ? ORDER BY family, id"
        ),
        (service_id,),
    )?;
    rows.into_iter()
        .map(|mut r| assigned_from_row(&mut r))
        .collect()
}

fn assigned_from_row(r: &mut Row) -> Result<Assigned> {
    let text: String = take(r, "address")?;
    let bad = |what: &str| Error::Db(format!("allocated address '{text}' has an invalid {what}"));
    let ip: IpAddr = text.parse().map_err(|_| bad("address"))?;
    let code: u8 = take(r, "family")?;
    let family = Family::from_code(code).ok_or_else(|| bad("family"))?;
    let gw: String = take(r, "gateway")?;
    let gateway = if gw.is_empty() {
        None
    } else {
        Some(gw.parse().map_err(|_| bad("gateway"))?)
    };
    let dns_text: String = take(r, "dns")?;
    let dns = dns_text
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse().map_err(|_| bad("DNS server")))
        .collect::<Result<Vec<IpAddr>>>()?;
    let primary: u8 = take(r, "is_primary")?;
    Ok(Assigned {
        ip,
        family,
        prefix: take(r, "prefix")?,
        gateway,
        dns,
        bridge: take(r, "bridge")?,
        vlan: take(r, "vlan")?,
        pool_id: take(r, "pool_id")?,
        is_primary: primary != 0,
    })
}

/// Frees every address of the service; returns how many.
pub fn release<Q: Queryable>(q: &mut Q, service_id: u32) -> Result<u64> {
    // Freed addresses may lie below a pool's search hint.
    q.exec_drop(
        format!(
            "UPDATE {POOLS_TABLE} SET next_hint = NULL WHERE server_id IN \
             (SELECT server_id FROM {ADDRESSES_TABLE} WHERE service_id = ?)"
        ),
        (service_id,),
    )?;
    let done = q.exec_iter(
        format!("DELETE FROM {ADDRESSES_TABLE} WHERE service_id = ?"),
        (service_id,),
    )?;
    Ok(done.affected_rows())
}

/// Frees a service's addresses of one family beyond the first `keep`
/// (package downgrade): the newest go first, the primary stays. Returns
/// how many were freed.
pub fn release_extra<Q: Queryable>(
    q: &mut Q,
    service_id: u32,
    family: Family,
    keep: u32,
) -> Result<u64> {
    let ids: Vec<u64> = q.exec(
        format!(
            "SELECT id FROM {ADDRESSES_TABLE} WHERE service_id = ? AND family = ? \
             ORDER BY is_primary DESC, id ASC"
        ),
        (service_id, family.code()),
    )?;
    let extra: Vec<u64> = ids.into_iter().skip(keep as usize).collect();
    if extra.is_empty() {
        return Ok(0);
    }
    q.exec_drop(
        format!(
            "UPDATE {POOLS_TABLE} SET next_hint = NULL WHERE server_id IN \
             (SELECT server_id FROM {ADDRESSES_TABLE} WHERE service_id = ?)"
        ),
        (service_id,),
    )?;
    let mut freed = 0;
    for id in extra {
        let done = q.exec_iter(
            format!("DELETE FROM {ADDRESSES_TABLE} WHERE id = ? AND service_id = ?"),
            (id, service_id),
        )?;
        freed += done.affected_rows();
    }
    Ok(freed)
}

/// "Recycle IPs of Terminated services": frees the addresses of services
/// whose tblhosting.domainstatus is Terminated, or that no longer exist —
/// but never while the service still has a VM record other than `remove`
/// (the asynchronous terminate may not have deleted the VM yet, and the
/// address must not be handed to a second VM while the first still uses it).
/// Returns how many addresses were freed.
pub fn recycle_terminated<Q: Queryable>(q: &mut Q) -> Result<u64> {
    let done = q.exec_iter(
        format!(
            "DELETE a FROM {ADDRESSES_TABLE} a LEFT JOIN tblhosting h ON h.id = a.service_id \
             WHERE (h.id IS NULL OR h.domainstatus = ?) \
               AND NOT EXISTS (SELECT 1 FROM puqProxmoxKVM_vm_info v \
                               WHERE v.service_id = a.service_id AND v.vm_status <> 'remove')"
        ),
        ("Terminated",),
    )?;
    let freed = done.affected_rows();
    drop(done);
    if freed > 0 {
        q.query_drop(format!("UPDATE {POOLS_TABLE} SET next_hint = NULL"))?;
    }
    Ok(freed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_rules() {
        let ok = Request {
            service_id: 1,
            server_id: 2,
            v4_count: 1,
            ..Request::default()
        };
        assert!(ok.validate().is_ok());
        let e = Request {
            service_id: 0,
            ..ok.clone()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("'service_id'"));
        let e = Request {
            server_id: 0,
            ..ok.clone()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("no Proxmox server"));
        let e = Request {
            v6_count: 1000,
            ..ok.clone()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("'v6_count'"));
        let e = Request {
            vlan: Some(4095),
            ..ok.clone()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("'vlan'"));
    }

    #[test]
    fn filters_and_scope() {
        let r = Request {
            bridge: Some("vmbr1".into()),
            ..Request::default()
        };
        assert!(r.accepts("vmbr1", 0) && r.accepts("vmbr1", 7) && !r.accepts("vmbr0", 0));
        assert_eq!(r.scope(), "bridge vmbr1");
        let r = Request {
            bridge: Some("vmbr1".into()),
            vlan: Some(7),
            ..Request::default()
        };
        assert!(r.accepts("vmbr1", 7) && !r.accepts("vmbr1", 0));
        assert_eq!(r.scope(), "bridge vmbr1, vlan 7");
        assert_eq!(Request::default().scope(), "any bridge/VLAN");
    }

    #[test]
    fn anchor_comes_first_otherwise_order_is_kept() {
        let items = [("vmbr0", 0u16), ("vmbr1", 5), ("vmbr0", 0), ("vmbr1", 5)];
        let idx = |v: Vec<&(&str, u16)>| -> Vec<usize> {
            v.iter()
                .map(|x| items.iter().position(|y| std::ptr::eq(y, *x)).unwrap())
                .collect()
        };
        let none = anchored(items.iter(), &None, |x| (x.0, x.1));
        assert_eq!(idx(none), vec![0, 1, 2, 3]);
        let a = Some(("vmbr1".to_string(), 5));
        let got = anchored(items.iter(), &a, |x| (x.0, x.1));
        assert_eq!(idx(got), vec![1, 3, 0, 2]);
    }

    #[test]
    fn netmask_and_cidr() {
        let a = Assigned {
            ip: "192.0.2.5".parse().unwrap(),
            family: Family::V4,
            prefix: 26,
            gateway: None,
            dns: vec![],
            bridge: "vmbr0".into(),
            vlan: 0,
            pool_id: 1,
            is_primary: true,
        };
        assert_eq!(a.cidr(), "192.0.2.5/26");
        assert_eq!(a.netmask(), Some("255.255.255.192".parse().unwrap()));
    }
}

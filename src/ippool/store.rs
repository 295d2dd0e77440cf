//! Pools in `puqProxmoxKVM_ip_pools`: create, update, delete, list with
//! usage. Editing a pool never touches allocated addresses (spec: changes
//! apply to new allocations only); each allocation row keeps its own copy of
//! the network settings it was handed out with.

use std::net::IpAddr;

use mysql::prelude::Queryable;
use mysql::{IsolationLevel, PooledConn, Row, TxOpts};
use serde::{Serialize, Serializer};

use super::addr::Family;
use super::pool::{field, Pool};
use super::rdns::RdnsHint;
use super::{ADDRESSES_TABLE, POOLS_TABLE};
use crate::error::{Error, Result};

/// WHMCS's tblservers.type for our servers.
pub const SERVER_TYPE: &str = "puqProxmoxKVM";

/// A row of the IP Pools list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoolUsage {
    pub pool: Pool,
    /// Addresses allocated from this pool.
    pub allocated: u64,
    /// Addresses the pool can hand out (a string in JSON: an IPv6 count
    /// does not fit a JavaScript number).
    #[serde(serialize_with = "as_string")]
    pub total: u128,
    pub rdns: RdnsHint,
}

impl PoolUsage {
    /// For the usage bar, 0–100.
    pub fn used_percent(&self) -> f64 {
        if self.total == 0 {
            return 100.0;
        }
        (self.allocated as f64 / self.total as f64 * 100.0).min(100.0)
    }
}

fn as_string<S: Serializer>(v: &u128, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

const POOL_COLUMNS: &str =
    "id, server_id, family, bridge, vlan, gateway, mask, dns1, dns2, address_start, address_stop";

pub(crate) fn pool_from_row(row: &mut Row) -> Result<Pool> {
    let id: u32 = take(row, "id")?;
    let bad = |what: &str| {
        Error::Db(format!(
            "IP pool #{id} has an invalid {what} in the database"
        ))
    };
    let ip = |row: &mut Row, col: &str| -> Result<IpAddr> {
        let s: String = take(row, col)?;
        s.trim().parse().map_err(|_| bad(col))
    };
    let family_code: u8 = take(row, "family")?;
    let family = Family::from_code(family_code).ok_or_else(|| bad("family"))?;
    let gateway = ip(row, "gateway")?;
    let start = ip(row, "address_start")?;
    let end = ip(row, "address_stop")?;
    let mut dns = Vec::new();
    for col in ["dns1", "dns2"] {
        let s: String = take(row, col)?;
        if !s.trim().is_empty() {
            dns.push(s.trim().parse().map_err(|_| bad(col))?);
        }
    }
    Ok(Pool {
        id,
        server_id: take(row, "server_id")?,
        family,
        bridge: take(row, "bridge")?,
        vlan: take(row, "vlan")?,
        gateway,
        mask: take(row, "mask")?,
        dns,
        start,
        end,
    })
}

pub(crate) fn take<T: mysql::prelude::FromValue>(row: &mut Row, col: &str) -> Result<T> {
    match row.take_opt::<T, _>(col) {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(Error::Db(format!("column {col}: {e}"))),
        None => Err(Error::Db(format!("column {col} is missing"))),
    }
}

pub fn get_pool<Q: Queryable>(q: &mut Q, id: u32) -> Result<Option<Pool>> {
    let row: Option<Row> = q.exec_first(
        format!("SELECT {POOL_COLUMNS} FROM {POOLS_TABLE} WHERE id = ?"),
        (id,),
    )?;
    row.map(|mut r| pool_from_row(&mut r)).transpose()
}

/// Pools of `server_id` of one family, lowest id first.
pub fn pools_of_server<Q: Queryable>(
    q: &mut Q,
    server_id: u32,
    family: Family,
) -> Result<Vec<Pool>> {
    let rows: Vec<Row> = q.exec(
        format!(
            "SELECT {POOL_COLUMNS} FROM {POOLS_TABLE} WHERE server_id = ? AND family = ? ORDER BY id"
        ),
        (server_id, family.code()),
    )?;
    rows.into_iter()
        .map(|mut r| pool_from_row(&mut r))
        .collect()
}

/// Stores a new pool (validated again here) and returns its id.
pub fn create_pool(conn: &mut PooledConn, pool: &Pool) -> Result<u32> {
    pool.validate()?;
    check_server(conn, pool.server_id)?;
    check_overlap(conn, pool)?;
    conn.exec_drop(
        format!(
            "INSERT INTO {POOLS_TABLE} (server_id, family, bridge, vlan, gateway, mask, dns1, dns2, \
             address_start, address_stop) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        pool_values(pool),
    )?;
    u32::try_from(conn.last_insert_id())
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| Error::Internal("no id for the new IP pool".into()))
}

/// Saves an edited pool (`pool.id` names it). Allocated addresses keep
/// their settings, but must stay in the pool: an edit that would leave any
/// outside its range, or move a pool with allocations to another server or
/// address family, is refused naming how many and which services.
pub fn update_pool(conn: &mut PooledConn, pool: &Pool) -> Result<()> {
    pool.validate()?;
    check_server(conn, pool.server_id)?;
    let mut tx = conn.start_transaction(
        TxOpts::default().set_isolation_level(Some(IsolationLevel::ReadCommitted)),
    )?;
    // The row lock allocation takes: nothing is handed out from the pool
    // between the checks and the update.
    let locked: Option<u32> = tx.exec_first(
        format!("SELECT id FROM {POOLS_TABLE} WHERE id = ? FOR UPDATE"),
        (pool.id,),
    )?;
    let old = match locked {
        Some(_) => get_pool(&mut tx, pool.id)?,
        None => None,
    };
    let Some(old) = old else {
        return Err(Error::input(
            "id",
            format!("IP pool #{} does not exist", pool.id),
        ));
    };
    let allocated: Vec<(String, u32)> = tx.exec(
        format!("SELECT address, service_id FROM {ADDRESSES_TABLE} WHERE pool_id = ? ORDER BY service_id, id"),
        (pool.id,),
    )?;
    if !allocated.is_empty() {
        let why = if old.server_id != pool.server_id {
            Some((field::SERVER, "move it to another server".to_string()))
        } else if old.family != pool.family {
            Some((
                field::MASK,
                format!("change it from {} to {}", old.family, pool.family),
            ))
        } else {
            None
        };
        if let Some((key, what)) = why {
            return Err(Error::input(
                key,
                format!(
                    "cannot {what}: {} address(es) are allocated from it ({})",
                    allocated.len(),
                    services(&allocated)
                ),
            ));
        }
        let (s, e) = pool.bounds();
        let outside: Vec<(String, u32)> = allocated
            .into_iter()
            .filter(|(a, _)| {
                a.parse::<IpAddr>()
                    .map(|ip| !(s..=e).contains(&super::addr::to_u128(ip)))
                    .unwrap_or(true)
            })
            .collect();
        if !outside.is_empty() {
            return Err(Error::input(
                field::START,
                format!(
                    "{} allocated address(es) would be outside {} - {} ({}); keep them in the range, or release them first",
                    outside.len(),
                    pool.start,
                    pool.end,
                    services(&outside)
                ),
            ));
        }
    }
    check_overlap(&mut tx, pool)?;
    let mut values = pool_values(pool);
    values.push(pool.id.into());
    tx.exec_drop(
        format!(
            "UPDATE {POOLS_TABLE} SET next_hint = NULL, server_id = ?, family = ?, bridge = ?, vlan = ?, gateway = ?, \
             mask = ?, dns1 = ?, dns2 = ?, address_start = ?, address_stop = ? WHERE id = ?"
        ),
        values,
    )?;
    tx.commit()?;
    Ok(())
}

/// `services 12, 14 (3.0.0.5, 3.0.0.9)`: which services hold the addresses
/// (the first ten of each).
fn services(rows: &[(String, u32)]) -> String {
    let mut ids: Vec<u32> = rows.iter().map(|(_, s)| *s).collect();
    ids.sort_unstable();
    ids.dedup();
    let more = |n: usize| {
        if n > 10 {
            format!(", … {} more", n - 10)
        } else {
            String::new()
        }
    };
    format!(
        "service{} {}{}: {}{}",
        if ids.len() == 1 { "" } else { "s" },
        ids.iter()
            .take(10)
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        more(ids.len()),
        rows.iter()
            .take(10)
            .map(|(a, _)| a.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        more(rows.len())
    )
}

/// Deletes a pool, refusing while any of its addresses is allocated.
pub fn delete_pool(conn: &mut PooledConn, id: u32) -> Result<()> {
    let mut tx = conn.start_transaction(
        TxOpts::default().set_isolation_level(Some(IsolationLevel::ReadCommitted)),
    )?;
    // The same row lock allocation takes: no address can be handed out
    // from the pool between the count and the delete.
    let found: Option<u32> = tx.exec_first(
        format!("SELECT id FROM {POOLS_TABLE} WHERE id = ? FOR UPDATE"),
        (id,),
    )?;
    if found.is_none() {
        return Err(Error::input("id", format!("IP pool #{id} does not exist")));
    }
    let used: Option<u64> = tx.exec_first(
        format!("SELECT COUNT(*) FROM {ADDRESSES_TABLE} WHERE pool_id = ?"),
        (id,),
    )?;
    let used = used.unwrap_or(0);
    if used > 0 {
        return Err(Error::input(
            "id",
            format!(
                "IP pool #{id} still has {used} allocated address(es); terminate those services \
                 (or release their IPs) before deleting the pool"
            ),
        ));
    }
    tx.exec_drop(format!("DELETE FROM {POOLS_TABLE} WHERE id = ?"), (id,))?;
    tx.commit()?;
    Ok(())
}

/// All pools (or those of one server) with their usage, for the IP Pools
/// page. Totals are computed from the range, never counted.
pub fn list_pools<Q: Queryable>(q: &mut Q, server_id: Option<u32>) -> Result<Vec<PoolUsage>> {
    let rows: Vec<Row> = q.exec(
        format!(
            "SELECT {cols}, (SELECT COUNT(*) FROM {ADDRESSES_TABLE} a WHERE a.pool_id = p.id) AS allocated \
             FROM {POOLS_TABLE} p WHERE (? IS NULL OR p.server_id = ?) ORDER BY p.server_id, p.family, p.id",
            cols = POOL_COLUMNS
                .split(", ")
                .map(|c| format!("p.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (server_id, server_id),
    )?;
    rows.into_iter()
        .map(|mut r| {
            let allocated: u64 = take(&mut r, "allocated")?;
            let pool = pool_from_row(&mut r)?;
            Ok(PoolUsage {
                allocated,
                total: pool.total(),
                rdns: pool.rdns_hint(),
                pool,
            })
        })
        .collect()
}

pub(crate) fn pool_values(pool: &Pool) -> Vec<mysql::Value> {
    let dns = |i: usize| pool.dns.get(i).map(IpAddr::to_string).unwrap_or_default();
    vec![
        pool.server_id.into(),
        pool.family.code().into(),
        pool.bridge.clone().into(),
        pool.vlan.into(),
        pool.gateway.to_string().into(),
        pool.mask.into(),
        dns(0).into(),
        dns(1).into(),
        pool.start.to_string().into(),
        pool.end.to_string().into(),
    ]
}

pub(crate) fn check_server<Q: Queryable>(conn: &mut Q, server_id: u32) -> Result<()> {
    let kind: Option<String> =
        conn.exec_first("SELECT type FROM tblservers WHERE id = ?", (server_id,))?;
    match kind {
        None => Err(Error::input(
            field::SERVER,
            format!("server #{server_id} does not exist in WHMCS"),
        )),
        Some(t) if t != SERVER_TYPE => Err(Error::input(
            field::SERVER,
            format!("server #{server_id} is not a PUQ Proxmox KVM server (its module is '{t}')"),
        )),
        Some(_) => Ok(()),
    }
}

/// Two pools of one server sharing addresses would report confusing usage
/// and split one network's settings: refused.
pub(crate) fn check_overlap<Q: Queryable>(conn: &mut Q, pool: &Pool) -> Result<()> {
    let (s, e) = pool.bounds();
    // Addresses in use on the server that another pool (or none, a legacy
    // import) handed out.
    let used: Vec<(String, u32, u32)> = conn.exec(
        format!(
            "SELECT address, service_id, pool_id FROM {ADDRESSES_TABLE} WHERE server_id = ? AND family = ? AND pool_id <> ?"
        ),
        (pool.server_id, pool.family.code(), pool.id),
    )?;
    let inside: Vec<(String, u32)> = used
        .into_iter()
        .filter(|(a, _, _)| {
            a.parse::<IpAddr>()
                .is_ok_and(|ip| (s..=e).contains(&super::addr::to_u128(ip)))
        })
        .map(|(a, sid, _)| (a, sid))
        .collect();
    if !inside.is_empty() {
        return Err(Error::input(
            field::START,
            format!(
                "the range {} - {} holds {} address(es) already in use on this server from another pool ({})",
                pool.start,
                pool.end,
                inside.len(),
                services(&inside)
            ),
        ));
    }
    for other in pools_of_server(conn, pool.server_id, pool.family)? {
        if other.id == pool.id {
            continue;
        }
        let (os, oe) = other.bounds();
        if s <= oe && os <= e {
            return Err(Error::input(
                field::START,
                format!(
                    "the range {} - {} overlaps IP pool #{} ({} - {}) of the same server",
                    pool.start, pool.end, other.id, other.start, other.end
                ),
            ));
        }
    }
    Ok(())
}

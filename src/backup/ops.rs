//! `puqProxmoxKVM_operations`: every Proxmox task the module started for
//! a client (backup, snapshot create/delete/rollback, backup delete) that
//! was not finished within its short wait. A row is written *before* the
//! Proxmox call (status `starting`), so a runner killed between "Proxmox
//! started it" and "we saved the UPID" leaves a trace the status task
//! resolves instead of starting a second backup.

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde::Serialize;

use crate::error::Result;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Op {
    pub id: u64,
    pub service_id: u32,
    pub kind: String,
    pub origin: String,
    pub node: String,
    pub vmid: u32,
    pub upid: Option<String>,
    pub storage: String,
    pub volid: String,
    pub note: String,
    pub status: String,
    pub error: String,
    pub day: String,
    pub started_at: i64,
}

const COLS: &str = "id, service_id, kind, origin, node, vmid, upid, storage, volid, note, status, error, day, started_at";

fn from_row(mut r: mysql::Row) -> Option<Op> {
    Some(Op {
        id: r.take(0)?,
        service_id: r.take(1)?,
        kind: r.take(2)?,
        origin: r.take(3)?,
        node: r.take(4)?,
        vmid: r.take(5)?,
        upid: r.take(6)?,
        storage: r.take(7)?,
        volid: r.take(8)?,
        note: r.take::<Option<String>, _>(9)?.unwrap_or_default(),
        status: r.take(10)?,
        error: r.take::<Option<String>, _>(11)?.unwrap_or_default(),
        day: r.take(12)?,
        started_at: r.take(13)?,
    })
}

pub struct NewOp<'a> {
    pub service_id: u32,
    pub kind: &'a str,
    pub origin: &'a str,
    pub node: &'a str,
    pub vmid: u32,
    pub storage: &'a str,
    pub volid: &'a str,
    pub note: &'a str,
    pub day: &'a str,
    pub now: i64,
}

pub fn start(conn: &mut PooledConn, o: &NewOp) -> Result<u64> {
    conn.exec_drop(
        "INSERT INTO puqProxmoxKVM_operations
            (service_id, kind, origin, node, vmid, storage, volid, note, status, day, started_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'starting', ?, ?)",
        (
            o.service_id,
            o.kind,
            o.origin,
            o.node,
            o.vmid,
            o.storage,
            o.volid,
            o.note,
            o.day,
            o.now,
        ),
    )?;
    Ok(conn.last_insert_id())
}

pub fn set_upid(conn: &mut PooledConn, id: u64, upid: &str) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_operations SET upid = ?, status = 'running' WHERE id = ?",
        (upid, id),
    )?;
    Ok(())
}

pub fn finish(
    conn: &mut PooledConn,
    id: u64,
    ok: bool,
    error: &str,
    volid: Option<&str>,
    now: i64,
) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_operations
            SET status = ?, error = ?, volid = COALESCE(?, volid), finished_at = ?
          WHERE id = ?",
        (
            if ok { "success" } else { "error" },
            (!error.is_empty()).then_some(error),
            volid,
            now,
            id,
        ),
    )?;
    Ok(())
}

/// Whether a Proxmox task is already recorded by some operation.
pub fn upid_known(conn: &mut PooledConn, upid: &str) -> Result<bool> {
    let n: Option<u64> = conn.exec_first(
        "SELECT COUNT(*) FROM puqProxmoxKVM_operations WHERE upid = ?",
        (upid,),
    )?;
    Ok(n.unwrap_or(0) > 0)
}

/// The newest operation of `kind` for a service, whatever its status.
pub fn latest(conn: &mut PooledConn, service_id: u32, kind: &str) -> Result<Option<Op>> {
    let row: Option<mysql::Row> = conn.exec_first(
        format!("SELECT {COLS} FROM puqProxmoxKVM_operations WHERE service_id = ? AND kind = ? ORDER BY id DESC LIMIT 1"),
        (service_id, kind),
    )?;
    Ok(row.and_then(from_row))
}

/// Operations still in flight (all services, or one).
pub fn pending(conn: &mut PooledConn, service_id: Option<u32>) -> Result<Vec<Op>> {
    let rows: Vec<mysql::Row> = match service_id {
        Some(sid) => conn.exec(
            format!("SELECT {COLS} FROM puqProxmoxKVM_operations WHERE status IN ('starting','running') AND service_id = ? ORDER BY id"),
            (sid,),
        )?,
        None => conn.query(format!(
            "SELECT {COLS} FROM puqProxmoxKVM_operations WHERE status IN ('starting','running') ORDER BY id"
        ))?,
    };
    Ok(rows.into_iter().filter_map(from_row).collect())
}

/// The latest operations of a service, newest first.
pub fn recent(conn: &mut PooledConn, service_id: u32, limit: u32) -> Result<Vec<Op>> {
    let rows: Vec<mysql::Row> = conn.exec(
        format!("SELECT {COLS} FROM puqProxmoxKVM_operations WHERE service_id = ? ORDER BY id DESC LIMIT ?"),
        (service_id, limit),
    )?;
    Ok(rows.into_iter().filter_map(from_row).collect())
}

/// Keeps the last 100 finished operations per service.
pub fn prune(conn: &mut PooledConn, service_id: u32) -> Result<()> {
    conn.exec_drop(
        "DELETE FROM puqProxmoxKVM_operations WHERE service_id = ? AND status IN ('success','error') AND id < (
            SELECT id FROM (SELECT id FROM puqProxmoxKVM_operations WHERE service_id = ? ORDER BY id DESC LIMIT 1 OFFSET 99) t)",
        (service_id, service_id),
    )?;
    Ok(())
}

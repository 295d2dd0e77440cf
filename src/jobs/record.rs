//! The VM record: every read and write of `puqProxmoxKVM_vm_info` and
//! `puqProxmoxKVM_vm_runs` made by the state machines and the lifecycle
//! functions lives here. Jobs and WHMCS entry points call these; they do not
//! write SQL of their own for the VM record.
//!
//! State changes are compare-and-set (`advance`): a state moves only from the
//! state the caller saw, so a terminate or reset written by a web request
//! while a cron worker is mid-run wins, and the worker stops at its next step.

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// Runs kept per VM.
pub const KEEP_RUNS: u32 = 50;

/// A row of `puqProxmoxKVM_vm_info`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VmRow {
    pub service_id: u32,
    pub server_id: u32,
    pub vm_id: u32,
    pub vm_name: String,
    pub hostname: String,
    pub node: String,
    pub vm_status: String,
    pub product_id: u32,
    pub client_id: u32,
    pub template_vmid: u32,
    pub template_node: String,
    pub task_upid: String,
    pub verify_ticks: u32,
    pub os_username: String,
    /// WHMCS suspended the service: its VM stays off.
    pub suspended: bool,
    /// The last power request (suspend's stop) has been seen through.
    pub power_done: bool,
    /// UPID of a stop/shutdown sent from a web request, polled by the cron.
    pub stop_upid: String,
    pub stop_started: u64,
    /// A ChangePackage arrived while another machine ran; it starts at ready.
    pub pending_change: bool,
    /// The NIC's MAC, kept across reinstalls.
    pub mac: String,
    pub last_error: String,
}

const COLUMNS: &str =
    "service_id, server_id, vm_id, vm_name, hostname, node, vm_status, product_id, \
     client_id, template_vmid, template_node, task_upid, verify_ticks, os_username, suspended, \
     power_done, stop_upid, stop_started, pending_change, mac, last_error";

fn col<T: mysql::prelude::FromValue>(row: &mut mysql::Row, i: usize) -> Result<T> {
    row.take_opt(i)
        .ok_or_else(|| Error::Db(format!("vm_info column {i} missing")))?
        .map_err(|e| Error::Db(format!("vm_info column {i}: {e}")))
}

fn from_row(mut row: mysql::Row) -> Result<VmRow> {
    Ok(VmRow {
        service_id: col(&mut row, 0)?,
        server_id: col(&mut row, 1)?,
        vm_id: col::<Option<u32>>(&mut row, 2)?.unwrap_or(0),
        vm_name: col(&mut row, 3)?,
        hostname: col(&mut row, 4)?,
        node: col(&mut row, 5)?,
        vm_status: col(&mut row, 6)?,
        product_id: col(&mut row, 7)?,
        client_id: col(&mut row, 8)?,
        template_vmid: col::<Option<u32>>(&mut row, 9)?.unwrap_or(0),
        template_node: col(&mut row, 10)?,
        task_upid: col(&mut row, 11)?,
        verify_ticks: col(&mut row, 12)?,
        os_username: col(&mut row, 13)?,
        suspended: col::<u8>(&mut row, 14)? != 0,
        power_done: col::<u8>(&mut row, 15)? != 0,
        stop_upid: col(&mut row, 16)?,
        stop_started: col(&mut row, 17)?,
        pending_change: col::<u8>(&mut row, 18)? != 0,
        mac: col(&mut row, 19)?,
        last_error: col::<Option<String>>(&mut row, 20)?.unwrap_or_default(),
    })
}

pub fn load(conn: &mut PooledConn, service_id: u32) -> Result<Option<VmRow>> {
    let r: Option<mysql::Row> = conn.exec_first(
        format!("SELECT {COLUMNS} FROM puqProxmoxKVM_vm_info WHERE service_id = ?"),
        (service_id,),
    )?;
    r.map(from_row).transpose()
}

/// The record, or an error naming the service.
pub fn require(conn: &mut PooledConn, service_id: u32) -> Result<VmRow> {
    load(conn, service_id)?.ok_or_else(|| {
        Error::Config(format!(
            "service {service_id} has no VM record (it was never created by this module)"
        ))
    })
}

pub fn status(conn: &mut PooledConn, service_id: u32) -> Result<Option<String>> {
    Ok(conn.exec_first(
        "SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
        (service_id,),
    )?)
}

/// Moves the state `from` → `to`; false when the state was no longer `from`
/// (someone else changed it: the caller must stop).
/// A new state ends any wait (its lock-wait window starts afresh).
pub fn advance(conn: &mut PooledConn, service_id: u32, from: &str, to: &str) -> Result<bool> {
    let r = conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET vm_status = ?, last_error = NULL, verify_ticks = 0, wait_since = 0 \
         WHERE service_id = ? AND vm_status = ?",
        (to, service_id, from),
    );
    match r {
        Ok(()) => {}
        // Before migration 9 (the addon not upgraded yet).
        Err(e) if missing_column(&e) => conn.exec_drop(
            "UPDATE puqProxmoxKVM_vm_info SET vm_status = ?, last_error = NULL, verify_ticks = 0 \
             WHERE service_id = ? AND vm_status = ?",
            (to, service_id, from),
        )?,
        Err(e) => return Err(e.into()),
    }
    Ok(conn.affected_rows() == 1)
}

/// `advance`, with the emails the new state makes due written to the
/// outbox in the same transaction: both land or neither does. With
/// `from == to` (a phase) only the emails are written.
pub fn advance_with_emails(
    conn: &mut PooledConn,
    service_id: u32,
    from: &str,
    to: &str,
    emails: &[(String, Value)],
) -> Result<bool> {
    in_transaction(conn, |c| {
        if from != to && !advance(c, service_id, from, to)? {
            return Ok(false);
        }
        crate::email::outbox::insert(c, service_id, emails)?;
        Ok(true)
    })
}

/// Runs `f` in a transaction: committed when it returns `Ok`, rolled back
/// otherwise (a request's checks and writes land together or not at all).
pub fn in_transaction<T>(
    conn: &mut PooledConn,
    f: impl FnOnce(&mut PooledConn) -> Result<T>,
) -> Result<T> {
    conn.query_drop("START TRANSACTION")?;
    match f(conn) {
        Ok(v) => {
            conn.query_drop("COMMIT")?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.query_drop("ROLLBACK");
            Err(e)
        }
    }
}

/// Inside a transaction: the VM record's status, the row locked until the
/// transaction ends, so concurrent requests for one service take turns.
pub fn lock_status(conn: &mut PooledConn, service_id: u32) -> Result<String> {
    let row: Option<String> = conn.exec_first(
        "SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ? FOR UPDATE",
        (service_id,),
    )?;
    row.ok_or_else(|| Error::Config(format!("service {service_id} has no VM record")))
}

/// Sets the state when the current one is among `allowed` (any state when
/// `allowed` is empty); returns the state found, and whether it changed.
pub fn set_status_from(
    conn: &mut PooledConn,
    service_id: u32,
    to: &str,
    allowed: &[&str],
) -> Result<(String, bool)> {
    let Some(cur) = status(conn, service_id)? else {
        return Err(Error::Config(format!(
            "service {service_id} has no VM record"
        )));
    };
    if !allowed.is_empty() && !allowed.contains(&cur.as_str()) {
        return Ok((cur, false));
    }
    if cur == to {
        return Ok((cur, true));
    }
    let moved = advance(conn, service_id, &cur, to)?;
    Ok((cur, moved))
}

pub fn set_error(conn: &mut PooledConn, service_id: u32, msg: Option<&str>) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET last_error = ? WHERE service_id = ?",
        (msg, service_id),
    )?;
    Ok(())
}

/// A query on `wait_since` (migration 9) before the schema has it: the
/// wait is then simply not bounded, never an error.
fn missing_column(e: &mysql::Error) -> bool {
    matches!(e, mysql::Error::MySqlError(m) if m.code == 1054)
}

/// A wait, as the record keeps it: since when (Unix time and the database's
/// local time) and the time now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    pub since: i64,
    pub since_text: String,
    pub now: i64,
}

/// Notes that the machine waits: the first refusal's time is kept, later
/// ones leave it.
pub fn note_wait(conn: &mut PooledConn, service_id: u32) -> Result<Wait> {
    let marked = conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET wait_since = UNIX_TIMESTAMP() \
          WHERE service_id = ? AND wait_since = 0",
        (service_id,),
    );
    let column = match marked {
        Ok(()) => "wait_since",
        Err(e) if missing_column(&e) => "UNIX_TIMESTAMP()",
        Err(e) => return Err(e.into()),
    };
    let r: Option<(i64, String, i64)> = conn.exec_first(
        format!(
            "SELECT {column}, CAST(FROM_UNIXTIME({column}) AS CHAR), UNIX_TIMESTAMP() \
               FROM puqProxmoxKVM_vm_info WHERE service_id = ?"
        ),
        (service_id,),
    )?;
    let (since, since_text, now) = r.unwrap_or_default();
    Ok(Wait {
        since,
        since_text,
        now,
    })
}

/// The wait is over (the state moved on, or an admin reset it).
pub fn clear_wait(conn: &mut PooledConn, service_id: u32) -> Result<()> {
    match conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET wait_since = 0 WHERE service_id = ? AND wait_since <> 0",
        (service_id,),
    ) {
        Ok(()) => Ok(()),
        Err(e) if missing_column(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

pub fn set_node(conn: &mut PooledConn, service_id: u32, node: &str) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET node = ? WHERE service_id = ?",
        (node, service_id),
    )?;
    Ok(())
}

/// Moves the service to another VMID; `vmid_since` restarts when it changes
/// (assigned before `vm_id`: MySQL applies SET clauses in order).
pub fn set_vm_id(conn: &mut PooledConn, service_id: u32, vm_id: u32) -> mysql::Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info
            SET vmid_since = IF(vm_id <=> ?, vmid_since, UNIX_TIMESTAMP()), vm_id = ?
          WHERE service_id = ?",
        (vm_id, vm_id, service_id),
    )
}

/// Since when (Unix time) the service holds its VMID: the VM record's
/// creation (CreateAccount claims the VMID) or its last move to another.
pub fn vmid_since(conn: &mut PooledConn, service_id: u32) -> Result<i64> {
    let v: Option<Option<i64>> = conn.exec_first(
        "SELECT COALESCE(NULLIF(vmid_since, 0), UNIX_TIMESTAMP(created_at))
           FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
        (service_id,),
    )?;
    Ok(v.flatten().unwrap_or(0))
}

/// Records a Proxmox task before waiting on it, so a crash cannot start it twice.
pub fn set_task(conn: &mut PooledConn, service_id: u32, upid: &str) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET task_upid = ?, task_started = UNIX_TIMESTAMP() WHERE service_id = ?",
        (upid, service_id),
    )?;
    Ok(())
}

pub fn task(conn: &mut PooledConn, service_id: u32) -> Result<String> {
    Ok(conn
        .exec_first::<String, _, _>(
            "SELECT task_upid FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
            (service_id,),
        )?
        .unwrap_or_default())
}

pub fn clear_task(conn: &mut PooledConn, service_id: u32) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET task_upid = '', task_started = 0 WHERE service_id = ?",
        (service_id,),
    )?;
    Ok(())
}

pub fn set_verify_ticks(conn: &mut PooledConn, service_id: u32, ticks: u32) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET verify_ticks = ? WHERE service_id = ?",
        (ticks, service_id),
    )?;
    Ok(())
}

/// A stop or shutdown sent from a web request: the cron polls it.
pub fn set_stop(conn: &mut PooledConn, service_id: u32, upid: &str) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET stop_upid = ?, stop_started = UNIX_TIMESTAMP() WHERE service_id = ?",
        (upid, service_id),
    )?;
    Ok(())
}

pub fn clear_stop(conn: &mut PooledConn, service_id: u32) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET stop_upid = '', stop_started = 0 WHERE service_id = ?",
        (service_id,),
    )?;
    Ok(())
}

/// Suspend / unsuspend: the mark, and whether the VM's power state already
/// follows it (`power_done`).
pub fn set_suspended(
    conn: &mut PooledConn,
    service_id: u32,
    suspended: bool,
    power_done: bool,
) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET suspended = ?, power_done = ? WHERE service_id = ?",
        (u8::from(suspended), u8::from(power_done), service_id),
    )?;
    Ok(())
}

/// Marks the power state as following the suspend mark — only if the mark
/// is still what the caller acted on (a suspend arriving meanwhile wins).
pub fn set_power_done(conn: &mut PooledConn, service_id: u32, suspended: bool) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET power_done = 1, stop_upid = '', stop_started = 0 \
         WHERE service_id = ? AND suspended = ?",
        (service_id, u8::from(suspended)),
    )?;
    Ok(())
}

pub fn set_pending_change(conn: &mut PooledConn, service_id: u32, on: bool) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET pending_change = ? WHERE service_id = ?",
        (u8::from(on), service_id),
    )?;
    Ok(())
}

pub fn set_mac(conn: &mut PooledConn, service_id: u32, mac: &str) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET mac = ? WHERE service_id = ?",
        (mac, service_id),
    )?;
    Ok(())
}

pub fn set_template(conn: &mut PooledConn, service_id: u32, vmid: u32, node: &str) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET template_vmid = ?, template_node = ? WHERE service_id = ?",
        (vmid, node, service_id),
    )?;
    Ok(())
}

pub fn set_product(conn: &mut PooledConn, service_id: u32, product_id: u32) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET product_id = ? WHERE service_id = ?",
        (product_id, service_id),
    )?;
    Ok(())
}

pub fn set_last_action(conn: &mut PooledConn, service_id: u32, action: &str) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET last_action = ? WHERE service_id = ?",
        (action, service_id),
    )?;
    Ok(())
}

/// Terminate's last phase: the VM is gone, so the record keeps its history
/// but no longer holds a VMID, a node or a task.
pub fn clear_identity(conn: &mut PooledConn, service_id: u32) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET vm_id = NULL, node = '', task_upid = '', task_started = 0, \
         stop_upid = '', stop_started = 0, pending_change = 0, suspended = 0, power_done = 1 \
         WHERE service_id = ?",
        (service_id,),
    )?;
    Ok(())
}

/// Removes the row (Delete Record). Proxmox and tblhosting are not touched.
pub fn delete(conn: &mut PooledConn, service_id: u32) -> Result<bool> {
    conn.exec_drop(
        "DELETE FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
        (service_id,),
    )?;
    Ok(conn.affected_rows() == 1)
}

pub fn delete_runs(conn: &mut PooledConn, service_id: u32) -> Result<()> {
    conn.exec_drop(
        "DELETE FROM puqProxmoxKVM_vm_runs WHERE service_id = ?",
        (service_id,),
    )?;
    Ok(())
}

/// Services in any of `states`, plus suspended ones whose VM is not yet off.
pub fn candidates(conn: &mut PooledConn, states: &[&str]) -> Result<Vec<u32>> {
    if states.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; states.len()].join(",");
    let params: Vec<mysql::Value> = states.iter().map(|s| (*s).into()).collect();
    Ok(conn.exec(
        format!(
            "SELECT service_id FROM puqProxmoxKVM_vm_info \
             WHERE vm_status IN ({marks}) OR (vm_status = 'ready' AND (power_done = 0 OR pending_change = 1)) \
             ORDER BY service_id"
        ),
        params,
    )?)
}

/// One run of a machine, as the run log keeps it.
pub struct Run<'a> {
    pub service_id: u32,
    pub action: &'a str,
    pub result: &'a str,
    pub started: f64,
    pub error: Option<&'a str>,
    pub steps: &'a [Value],
}

/// Appends a run and keeps the last `KEEP_RUNS`. A run that waited at the
/// same step for the same reason as the previous one is folded into it
/// (its `repeats` grows), so a VM locked by a long backup is logged once,
/// not once per tick.
pub fn record_run(conn: &mut PooledConn, run: &Run) -> Result<()> {
    let now = now_f();
    let steps = Value::Array(run.steps.to_vec()).to_string();
    if run.result == "waiting" {
        let last: Option<(u64, String, String, Option<String>)> = conn.exec_first(
            "SELECT id, action, result, error FROM puqProxmoxKVM_vm_runs WHERE service_id = ? ORDER BY id DESC LIMIT 1",
            (run.service_id,),
        )?;
        if let Some((id, action, result, error)) = last {
            if result == "waiting" && action == run.action && error.as_deref() == run.error {
                conn.exec_drop(
                    "UPDATE puqProxmoxKVM_vm_runs SET finished_at = ?, repeats = repeats + 1 WHERE id = ?",
                    (now, id),
                )?;
                return Ok(());
            }
        }
    }
    conn.exec_drop(
        "INSERT INTO puqProxmoxKVM_vm_runs (service_id, action, result, started_at, finished_at, error, steps) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        (run.service_id, run.action, run.result, run.started, now, run.error, steps),
    )?;
    conn.exec_drop(
        "DELETE FROM puqProxmoxKVM_vm_runs WHERE service_id = ? AND id < (
            SELECT id FROM (SELECT id FROM puqProxmoxKVM_vm_runs WHERE service_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?) t)",
        (run.service_id, run.service_id, KEEP_RUNS - 1),
    )?;
    Ok(())
}

/// A stored run, for the admin pages.
#[derive(Debug, Clone, Serialize)]
pub struct StoredRun {
    pub id: u64,
    pub action: String,
    pub result: String,
    pub started_at: f64,
    pub finished_at: f64,
    pub error: Option<String>,
    pub repeats: u32,
    pub steps: Value,
}

pub fn runs(conn: &mut PooledConn, service_id: u32, limit: u32) -> Result<Vec<StoredRun>> {
    type R = (u64, String, String, f64, f64, Option<String>, u32, String);
    let rows: Vec<R> = conn.exec(
        "SELECT id, action, result, started_at, finished_at, error, repeats, steps \
         FROM puqProxmoxKVM_vm_runs WHERE service_id = ? ORDER BY id DESC LIMIT ?",
        (service_id, limit),
    )?;
    Ok(rows
        .into_iter()
        .map(
            |(id, action, result, started_at, finished_at, error, repeats, steps)| StoredRun {
                id,
                action,
                result,
                started_at,
                finished_at,
                error,
                repeats,
                steps: serde_json::from_str(&steps).unwrap_or(Value::Array(Vec::new())),
            },
        )
        .collect())
}

pub fn now_f() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

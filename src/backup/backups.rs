//! Backups: "Backup now" (vzdump to the product's backup storage, mode
//! snapshot, zstd, with a note), list, delete, and the Now Backup Status
//! task that follows every pending operation to its end.

use std::time::Duration;

use mysql::PooledConn;
use serde_json::{json, Value};

use super::ops::{self, NewOp, Op};
use super::service::{wait_bounded, Service, Waited};
use super::{check_text, par_map};
use crate::cron::Report;
use crate::db::{self, DbConfig};
use crate::error::{Error, Result};
use crate::pve::ops::BackupVolume;
use crate::pve::{Client, PveError};
use crate::whmcs::Host;

/// Attempts per VM and day a scheduled backup gets before it waits for the
/// next scheduled day.
pub const SCHEDULE_ATTEMPTS: usize = 3;

/// A `starting` row older than this whose task cannot be found failed to start.
const START_GRACE: i64 = 120;

/// The backup storage id ("local|dir" → "local").
pub fn storage(svc: &Service) -> Result<String> {
    let s = svc
        .product
        .backup_storage
        .split('|')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    if s.is_empty() {
        return Err(Error::Config(
            "the product has no backup storage: set Module Settings > Integrations > Backups storage".into(),
        ));
    }
    Ok(s)
}

/// A note as vzdump's `notes-template` takes it: one line, `\` escaped, and
/// no `{{…}}` (Proxmox would expand it).
pub fn check_note(note: &str) -> Result<String> {
    let n = check_text("note", note, 200)?;
    if n.contains("{{") || n.contains("}}") {
        return Err(Error::input("note", "must not contain '{{' or '}}'"));
    }
    Ok(n)
}

fn template(note: &str) -> String {
    note.replace('\\', "\\\\")
}

pub fn list(conn: &mut PooledConn, svc: &Service) -> Result<Value> {
    let st = storage(svc)?;
    let vols = svc.own_backups(&st)?;
    let pending: Vec<Op> = ops::pending(conn, Some(svc.vm.service_id))?
        .into_iter()
        .filter(|o| o.kind == "backup")
        .collect();
    let last_error = ops::recent(conn, svc.vm.service_id, 1)?
        .into_iter()
        .find(|o| o.kind == "backup" && o.status == "error")
        .map(|o| o.error);
    Ok(json!({
        "backups": vols.iter().map(|b| json!({
            "volid": b.volid, "size": b.size, "ctime": b.ctime,
            "note": b.notes.clone().unwrap_or_default(), "format": b.format,
        })).collect::<Vec<_>>(),
        "used": vols.len(),
        "quota": svc.eff.backups,
        "running": pending.iter().map(|o| json!({"upid": o.upid, "started_at": o.started_at, "note": o.note})).collect::<Vec<_>>(),
        "last_error": last_error,
    }))
}

/// Starts a backup; never waits for vzdump (Now Backup Status does).
pub fn start(
    conn: &mut PooledConn,
    client: &Client,
    svc_view: BackupTarget<'_>,
    note: &str,
    origin: &str,
    day: &str,
    now: i64,
) -> Result<Value> {
    let t = svc_view;
    let id = ops::start(
        conn,
        &NewOp {
            service_id: t.service_id,
            kind: "backup",
            origin,
            node: t.node,
            vmid: t.vmid,
            storage: t.storage,
            volid: "",
            note,
            day,
            now,
        },
    )?;
    match client.vzdump(t.node, t.vmid, t.storage, &template(note)) {
        Ok(upid) => {
            ops::set_upid(conn, id, &upid)?;
            Ok(json!({"status": "running", "upid": upid, "operation": id}))
        }
        Err(e) => {
            ops::finish(conn, id, false, &e.to_string(), None, now)?;
            Err(e.into())
        }
    }
}

/// Where a backup goes.
#[derive(Clone, Copy)]
pub struct BackupTarget<'a> {
    pub service_id: u32,
    pub node: &'a str,
    pub vmid: u32,
    pub storage: &'a str,
}

pub fn create(conn: &mut PooledConn, svc: &Service, note: &str, now: i64) -> Result<Value> {
    let note = check_note(note)?;
    svc.require_ready()?;
    if svc.eff.backups <= 0 {
        return Err(Error::Config(
            "backups are not available for this service (quota 0)".into(),
        ));
    }
    let st = storage(svc)?;
    if ops::pending(conn, Some(svc.vm.service_id))?
        .iter()
        .any(|o| o.kind == "backup")
    {
        return Err(Error::Config(
            "a backup of this VM is already running; wait for it to finish".into(),
        ));
    }
    let vols = svc.own_backups(&st)?;
    if vols.len() as i64 >= svc.eff.backups {
        return Err(Error::Config(format!(
            "the backup quota is full ({}/{}): delete a backup first",
            vols.len(),
            svc.eff.backups
        )));
    }
    start(
        conn,
        &svc.client,
        BackupTarget {
            service_id: svc.vm.service_id,
            node: &svc.vm.node,
            vmid: svc.vm.vm_id,
            storage: &st,
        },
        &note,
        "manual",
        "",
        now,
    )
}

/// The VM's own backup named `volid`, or an error naming the field.
pub fn own_backup(svc: &Service, volid: &str) -> Result<BackupVolume> {
    let volid = volid.trim();
    if volid.is_empty() || volid.len() > 255 || volid.chars().any(char::is_control) {
        return Err(Error::input("volid", "expected a backup volume id"));
    }
    let st = storage(svc)?;
    svc.own_backups(&st)?
        .into_iter()
        .find(|b| b.volid == volid)
        .ok_or_else(|| {
            Error::input(
                "volid",
                format!("'{volid}' is not a backup of this service's VM"),
            )
        })
}

pub fn delete(conn: &mut PooledConn, svc: &Service, volid: &str, now: i64) -> Result<Value> {
    let b = own_backup(svc, volid)?;
    let st = storage(svc)?;
    match svc.client.volume_delete(&svc.vm.node, &st, &b.volid)? {
        None => Ok(json!({"status": "success", "volid": b.volid})),
        Some(upid) => {
            let id = ops::start(
                conn,
                &NewOp {
                    service_id: svc.vm.service_id,
                    kind: "backup_delete",
                    origin: "manual",
                    node: &svc.vm.node,
                    vmid: svc.vm.vm_id,
                    storage: &st,
                    volid: &b.volid,
                    note: "",
                    day: "",
                    now,
                },
            )?;
            ops::set_upid(conn, id, &upid)?;
            match svc.wait(&upid)? {
                Waited::Done => {
                    ops::finish(conn, id, true, "", None, now)?;
                    Ok(json!({"status": "success", "volid": b.volid}))
                }
                Waited::Running(u) => Ok(json!({"status": "running", "volid": b.volid, "upid": u})),
            }
        }
    }
}

/// Deletes the oldest backup and waits for it (bounded), making room for a
/// scheduled one.
pub fn delete_oldest(
    client: &Client,
    t: BackupTarget<'_>,
    since: i64,
    bound: Duration,
) -> Result<String> {
    let vols = client.backups(t.node, t.storage, t.vmid)?;
    // Only this service's own backups (see `Service::own_backups`).
    let oldest = vols
        .iter()
        .filter(|b| b.protected != Some(1) && b.ctime >= since)
        .min_by_key(|b| b.ctime)
        .ok_or_else(|| Error::Config("the quota is full but no backup can be deleted".into()))?;
    if let Some(upid) = client.volume_delete(t.node, t.storage, &oldest.volid)? {
        if let Waited::Running(_) = wait_bounded(client, &upid, bound)? {
            return Err(Error::Config(format!(
                "deleting the oldest backup {} is still running; retried next run",
                oldest.volid
            )));
        }
    }
    Ok(oldest.volid.clone())
}

/// The last `ERROR:` line of a task's log, for the record.
fn task_error(client: &Client, node: &str, upid: &str, exit: &str) -> String {
    let lines = client.task_log(node, upid, 500).unwrap_or_default();
    // vzdump ends with "TASK ERROR: job errors"; the cause is the line before.
    let cause = lines
        .iter()
        .rev()
        .find(|l| l.contains("ERROR:") && !l.starts_with("TASK ERROR"));
    match cause {
        Some(l) => format!("{exit}: {}", l.trim()),
        None => exit.to_string(),
    }
}

/// The archive a finished vzdump wrote: named in its log, else the newest
/// backup of the VM created since the task started.
fn archive_of(client: &Client, op: &Op, upid: &str) -> Option<String> {
    let from_log = client
        .task_log(&op.node, upid, 500)
        .unwrap_or_default()
        .iter()
        .find_map(|l| {
            let rest = l.split("creating vzdump archive '").nth(1)?;
            let v = rest.split('\'').next()?;
            v.contains(':').then(|| v.to_string())
        });
    from_log.or_else(|| {
        client
            .backups(&op.node, &op.storage, op.vmid)
            .ok()?
            .into_iter()
            .filter(|b| b.ctime >= op.started_at - 60)
            .max_by_key(|b| b.ctime)
            .map(|b| b.volid)
    })
}

/// Follows one operation: `Ok(Some(ok, message))` once it ended.
fn follow(client: &Client, op: &Op, now: i64) -> Result<Option<(bool, String, Option<String>)>> {
    let Some(upid) = op.upid.clone() else {
        // The runner died between the row and the vzdump call's answer:
        // adopt a backup that appeared since, else call it failed.
        if op.kind == "backup" {
            if let Ok(vols) = client.backups(&op.node, &op.storage, op.vmid) {
                if let Some(b) = vols.iter().find(|b| b.ctime >= op.started_at - 5) {
                    return Ok(Some((true, String::new(), Some(b.volid.clone()))));
                }
            }
        }
        if now - op.started_at < START_GRACE {
            return Ok(None);
        }
        return Ok(Some((
            false,
            "the task was not confirmed started (the runner stopped); retried by the next schedule"
                .into(),
            None,
        )));
    };
    let st = match client.task_status(&op.node, &upid) {
        Ok(s) => s,
        Err(PveError::Status {
            status: 500,
            message,
        }) if message.contains("no such task") => {
            return Ok(Some((
                false,
                format!("task {upid} is unknown to Proxmox"),
                None,
            )))
        }
        Err(e) => return Err(e.into()),
    };
    if st.status != "stopped" {
        return Ok(None);
    }
    let exit = st.exitstatus.unwrap_or_default();
    if exit == "OK" || exit.starts_with("WARNINGS") {
        let volid = (op.kind == "backup")
            .then(|| archive_of(client, op, &upid))
            .flatten();
        Ok(Some((true, String::new(), volid)))
    } else {
        Ok(Some((
            false,
            task_error(client, &op.node, &upid, &exit),
            None,
        )))
    }
}

/// Now Backup Status: every pending operation (backups, snapshot and backup
/// deletions, rollbacks) polled once; ended ones recorded.
pub fn status(db: &DbConfig, host: &dyn Host, now: i64) -> Result<Report> {
    follow_pending(db, host, now, false)
}

/// Polls the pending operations once: restores (`restores`) or all the
/// others. A restore not yet started is the restore machine's (it posts
/// qmrestore once the VM is off) and is only counted as queued.
pub fn follow_pending(db: &DbConfig, host: &dyn Host, now: i64, restores: bool) -> Result<Report> {
    let mut conn = db::conn(db)?;
    let all: Vec<Op> = ops::pending(&mut conn, None)?
        .into_iter()
        .filter(|o| (o.kind == "restore") == restores)
        .collect();
    // A queued restore whose VM is no longer restoring (terminated, reset to
    // ready) will never start: recorded as abandoned, not queued forever.
    let mut queued = 0;
    for o in all.iter().filter(|o| restores && o.upid.is_none()) {
        let state: Option<String> = mysql::prelude::Queryable::exec_first(
            &mut conn,
            "SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
            (o.service_id,),
        )?;
        match state.as_deref() {
            Some(s) if s == "restore" || s.starts_with("rs_") => queued += 1,
            other => ops::finish(
                &mut conn,
                o.id,
                false,
                &format!(
                    "abandoned: the VM left the restore before it started (status {})",
                    other.unwrap_or("gone")
                ),
                None,
                now,
            )?,
        }
    }
    let pending: Vec<Op> = all
        .into_iter()
        .filter(|o| !(restores && o.upid.is_none()))
        .collect();
    let s = db::settings::load(&mut conn)?;
    let server_of = server_ids(&mut conn, &pending)?;
    let clients =
        super::service::clients(&mut conn, host, &s, server_of.iter().map(|(_, srv)| *srv));
    let mut errors = 0;
    let mut details = Vec::new();
    let mut work = Vec::new();
    for (op, srv) in pending.iter().zip(server_of.iter().map(|(_, s)| *s)) {
        match clients.get(&srv) {
            Some(Ok((c, _))) => work.push((op, c)),
            Some(Err(e)) => {
                errors += 1;
                details.push(format!("sid:{} {} error: {e}", op.service_id, op.kind));
            }
            None => {}
        }
    }
    let results = par_map(&work, s.cron_workers as usize, |(op, c)| follow(c, op, now));
    let (mut ok_n, mut failed_n, mut running_n) = (0, 0, 0);
    for ((op, _), r) in work.iter().zip(results) {
        match r {
            Ok(None) => running_n += 1,
            Ok(Some((ok, msg, volid))) => {
                ops::finish(&mut conn, op.id, ok, &msg, volid.as_deref(), now)?;
                ops::prune(&mut conn, op.service_id)?;
                if ok {
                    ok_n += 1;
                    details.push(format!(
                        "sid:{} action:{} result:success{}",
                        op.service_id,
                        op.kind,
                        volid.map(|v| format!(" {v}")).unwrap_or_default()
                    ));
                } else {
                    failed_n += 1;
                    errors += 1;
                    details.push(format!("sid:{} action:{} {msg}", op.service_id, op.kind));
                    host.log_activity(
                        &format!(
                            "PUQ Proxmox KVM: {} of service {} failed: {msg}",
                            op.kind, op.service_id
                        ),
                        0,
                    );
                }
            }
            Err(e) => {
                errors += 1;
                details.push(format!(
                    "sid:{} action:{} status check failed: {e}",
                    op.service_id, op.kind
                ));
            }
        }
    }
    Ok(Report {
        summary: if restores {
            format!(
                "finished: {ok_n}, failed: {failed_n}, running: {running_n}, queued: {queued}, errors: {errors}"
            )
        } else {
            format!("finished: {ok_n}, failed: {failed_n}, running: {running_n}, errors: {errors}")
        },
        details,
        errors,
    })
}

/// The WHMCS server of each operation's service.
fn server_ids(conn: &mut PooledConn, pending: &[Op]) -> Result<Vec<(u32, u32)>> {
    let mut out = Vec::new();
    for op in pending {
        let srv: Option<u32> = mysql::prelude::Queryable::exec_first(
            conn,
            "SELECT server_id FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
            (op.service_id,),
        )?;
        out.push((op.service_id, srv.unwrap_or(0)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes() {
        assert_eq!(
            check_note("it's a \"quoted\" note").unwrap(),
            "it's a \"quoted\" note"
        );
        assert!(check_note(&"n".repeat(10 * 1024))
            .unwrap_err()
            .to_string()
            .contains("'note'"));
        assert!(check_note("{{vmid}}").is_err());
        assert!(check_note("two\nlines").is_err());
        assert_eq!(template(r"C:\backup"), r"C:\\backup");
    }
}

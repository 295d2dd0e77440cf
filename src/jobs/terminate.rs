//! The asynchronous terminate, as the spec's "Terminate Process" says:
//! terminate → [stop VM] → [remove backups] → [delete DNS] → [DELETE VM] →
//! [clean DB] → remove, or error_terminate when the DELETE fails.
//!
//! The phases are steps that stay in `terminate`: each is idempotent, so a
//! crash anywhere re-runs them from the first. Only the DELETE can fail the
//! terminate; the database and the IPs are cleaned only after Proxmox
//! confirmed the VM gone, so its addresses are never handed to another VM
//! while it still runs.

use mysql::prelude::Queryable;

use super::common::{self, Stopped};
use super::machine::{Ctx, Machine, Outcome, Step};
use super::record;
use crate::error::Result;
use crate::pve::PveError;

pub const TERMINATE: Machine = Machine {
    name: "Terminate",
    action: "terminate",
    needs_credentials: false,
    steps: &[
        Step {
            from: "terminate",
            to: "terminate",
            name: "Wait for running task",
            run: common::wait_running_task,
        },
        Step {
            from: "terminate",
            to: "terminate",
            name: "Stop VM",
            run: stop,
        },
        Step {
            from: "terminate",
            to: "terminate",
            name: "Remove backups",
            run: remove_backups,
        },
        Step {
            from: "terminate",
            to: "terminate",
            name: "Delete DNS records",
            run: super::dnsjob::delete_records,
        },
        Step {
            from: "terminate",
            to: "terminate",
            name: "Delete VM",
            run: delete_vm,
        },
        Step {
            from: "terminate",
            to: "remove",
            name: "Clean DB",
            run: clean_db,
        },
    ],
};

fn stop(ctx: &mut Ctx) -> Result<Outcome> {
    if common::our_vm(ctx)?.is_none() {
        return Ok(Outcome::Skipped("no VM in Proxmox".into()));
    }
    Ok(match common::stop_windowed(ctx)? {
        Stopped::Off => Outcome::Done,
        Stopped::Gone => Outcome::Skipped("VM is gone".into()),
        // purge=1 reaps a hung VM: go on to the DELETE.
        Stopped::StillRunning => Outcome::Skipped(
            "still running after both stop windows; the DELETE with purge will reap it".into(),
        ),
    })
}

/// Best effort: the backups of this service's VM on the node's backup
/// storages, errors logged, never fatal. Only while the VMID is still ours
/// (our VM, by its name, holds it): after a crash past the DELETE the VMID
/// may belong to another VM, whose backups are not ours to remove. And of
/// the VMID's backups only those made since this service holds it (the
/// restore's `vmid_since` rule) whose notes, where Proxmox recorded the
/// guest's name or our note, name this VM.
pub fn remove_backups(ctx: &mut Ctx) -> Result<Outcome> {
    if ctx.job.vm.vm_id == 0 || ctx.job.vm.node.is_empty() {
        return Ok(Outcome::Skipped("no VM".into()));
    }
    if common::our_vm(ctx)?.is_none() {
        return Ok(Outcome::Skipped(
            "the VMID is no longer this service's VM: its backups are left alone".into(),
        ));
    }
    let since = record::vmid_since(ctx.conn, ctx.sid())? - 60;
    let our_notes: Vec<String> = ctx.conn.exec(
        "SELECT DISTINCT note FROM puqProxmoxKVM_operations WHERE service_id = ? AND kind = 'backup'",
        (ctx.sid(),),
    )?;
    let job = &*ctx.job;
    let all = match job.client.vm_backup_volumes(&job.vm.node, job.vm.vm_id) {
        Ok(v) => v,
        Err(e) => {
            ctx.progress(format!("listing backups failed (ignored): {e}"));
            return Ok(Outcome::Skipped("backups could not be listed".into()));
        }
    };
    let total = all.len();
    let volumes: Vec<(String, String)> = all
        .into_iter()
        .filter(|(_, b)| is_ours(b, since, &job.vm.vm_name, &our_notes))
        .map(|(st, b)| (st, b.volid))
        .collect();
    if total > volumes.len() {
        ctx.progress(format!(
            "{} backup(s) of VMID {} are not this service's (older than its VMID, or another guest's): kept",
            total - volumes.len(),
            job.vm.vm_id
        ));
    }
    if volumes.is_empty() {
        return Ok(Outcome::Skipped("no backups".into()));
    }
    let (mut ok, mut failed) = (0, 0);
    for (storage, volid) in volumes {
        let r = job
            .client
            .volume_delete(&job.vm.node, &storage, &volid)
            .and_then(|t| match t {
                Some(upid) => job.client.wait_task(&upid, job.heavy, job.poll),
                None => Ok(()),
            });
        match r {
            Ok(()) => {
                ok += 1;
                ctx.progress(format!("backup {volid} removed"));
            }
            Err(e) => {
                failed += 1;
                ctx.progress(format!("backup {volid} not removed (ignored): {e}"));
            }
        }
    }
    Ok(if failed == 0 {
        Outcome::Done
    } else {
        Outcome::Skipped(format!("{ok} removed, {failed} failed (ignored)"))
    })
}

/// A backup is this service's when it was made since the service holds
/// the VMID and its notes, if any, are the VM's name (Proxmox's default
/// `{{guestname}}`) or a note this service's backups were made with.
fn is_ours(b: &crate::pve::ops::BackupVolume, since: i64, vm_name: &str, notes: &[String]) -> bool {
    if b.ctime < since {
        return false;
    }
    match b.notes.as_deref().map(str::trim) {
        None | Some("") => true,
        Some(n) => n == vm_name || notes.iter().any(|o| o.trim() == n),
    }
}

/// The only phase that can fail the terminate.
fn delete_vm(ctx: &mut Ctx) -> Result<Outcome> {
    if common::our_vm(ctx)?.is_none() {
        return Ok(Outcome::Skipped("VM does not exist in Proxmox".into()));
    }
    match delete_and_wait(ctx) {
        Ok(()) => Ok(Outcome::Done),
        Err(e) if common::vm_gone(&e) => {
            Ok(Outcome::Skipped("VM does not exist in Proxmox".into()))
        }
        // A lock (backup, migration) is not a failure: wait for it.
        Err(e) if e.is_lock_conflict() => Err(e.into()),
        // Still running (a hung guest the stop windows did not stop): the
        // next run stops it again rather than giving up the terminate.
        Err(e) if e.to_string().contains("is running") => Ok(Outcome::Waiting(format!(
            "Proxmox refused the DELETE while the VM runs ({e}); stopping it again next run"
        ))),
        Err(e @ PveError::TaskTimeout { .. }) => Err(e.into()),
        Err(e) => Ok(Outcome::Divert(
            "error_terminate",
            format!("Proxmox DELETE failed: {e}"),
        )),
    }
}

fn delete_and_wait(ctx: &mut Ctx) -> std::result::Result<(), PveError> {
    let job = &*ctx.job;
    let upid = job.client.delete_vm(&job.vm.node, job.vm.vm_id)?;
    ctx.progress(format!("DELETE sent ({upid})"));
    job.client.wait_task(&upid, job.heavy, job.poll)?;
    ctx.progress("VM deleted");
    Ok(())
}

/// After the DELETE is confirmed: free the IPs, clear tblhosting's
/// addresses and domain, and the record's identity.
pub fn clean_db(ctx: &mut Ctx) -> Result<Outcome> {
    let sid = ctx.sid();
    let freed = crate::ippool::release(ctx.conn, sid)?;
    ctx.conn.exec_drop(
        "UPDATE tblhosting SET dedicatedip = '', assignedips = '', domain = '' WHERE id = ?",
        (sid,),
    )?;
    record::clear_identity(ctx.conn, sid)?;
    ctx.job.ips.clear();
    ctx.progress(format!("{freed} IP address(es) freed"));
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pve::ops::BackupVolume;

    fn vol(ctime: i64, notes: Option<&str>) -> BackupVolume {
        BackupVolume {
            volid: "local:backup/x".into(),
            ctime,
            notes: notes.map(String::from),
            ..Default::default()
        }
    }

    #[test]
    fn only_this_services_backups() {
        let notes = vec!["before the upgrade".to_string()];
        assert!(is_ours(&vol(1000, None), 1000, "vm1", &notes));
        assert!(is_ours(&vol(1000, Some("vm1")), 1000, "vm1", &notes));
        assert!(is_ours(
            &vol(2000, Some("before the upgrade")),
            1000,
            "vm1",
            &notes
        ));
        assert!(
            !is_ours(&vol(999, None), 1000, "vm1", &notes),
            "older than the VMID"
        );
        assert!(
            !is_ours(&vol(2000, Some("other-owner")), 1000, "vm1", &notes),
            "another guest"
        );
    }
}

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

/// Best effort: every backup volume of the VMID on the node's backup
/// storages. Errors are logged, never fatal.
pub fn remove_backups(ctx: &mut Ctx) -> Result<Outcome> {
    if ctx.job.vm.vm_id == 0 || ctx.job.vm.node.is_empty() {
        return Ok(Outcome::Skipped("no VM".into()));
    }
    let job = &*ctx.job;
    let volumes = match job.client.vm_backup_volumes(&job.vm.node, job.vm.vm_id) {
        Ok(v) => v,
        Err(e) => {
            ctx.progress(format!("listing backups failed (ignored): {e}"));
            return Ok(Outcome::Skipped("backups could not be listed".into()));
        }
    };
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

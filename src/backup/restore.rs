//! Backup restore requests and the Restore Backup Status task. The work
//! itself (stop → delete snapshots → qmrestore → re-apply the package →
//! start → email) is the `RestoreBackup` machine on the jobs runner
//! (src/jobs/restore.rs), driven by Process VMs.

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::{json, Value};

use super::backups::{self, own_backup};
use super::ops::{self, NewOp};
use super::Service;
use crate::cron::Report;
use crate::db::DbConfig;
use crate::error::{Error, Result};
use crate::jobs::record;
use crate::jobs::restore::RESTORE_FAILED;
use crate::whmcs::Host;

/// Queues a restore of one of the VM's own backups over the VM: from
/// `ready`, or from `restore_failed` (the retry the spec offers). The VM is
/// stopped and its snapshots deleted by the machine, as the spec warns.
/// Returns `['status' => 'queued', 'volid']`.
pub fn request(conn: &mut PooledConn, svc: &Service, volid: &str, now: i64) -> Result<Value> {
    let sid = svc.vm.service_id;
    let refused = |state: &str| {
        Error::Config(format!(
            "a restore is refused while the VM is in status '{state}': wait until it is ready"
        ))
    };
    if !restorable(&svc.vm.vm_status) {
        return Err(refused(&svc.vm.vm_status));
    }
    // Proxmox first (no row lock is held during a network call).
    let b = own_backup(svc, volid)?;
    let storage = backups::storage(svc)?;
    // Then one transaction with the VM row locked: two clicks, two web
    // nodes or the cron cannot interleave the check, the request row and
    // the status change.
    record::in_transaction(conn, |c| {
        let state = record::lock_status(c, sid)?;
        if !restorable(&state) {
            return Err(refused(&state));
        }
        for op in ops::pending(c, Some(sid))? {
            if op.kind == "restore" && op.upid.is_none() {
                // A request that never started anything in Proxmox (its VM
                // is back at ready or restore_failed): replaced by this one.
                ops::finish(
                    c,
                    op.id,
                    false,
                    "superseded by a new restore request",
                    None,
                    now,
                )?;
                continue;
            }
            return Err(Error::Config(format!(
                "a {} of this VM is still running; try again when it has finished",
                op.kind.replace('_', " ")
            )));
        }
        ops::start(
            c,
            &NewOp {
                service_id: sid,
                kind: "restore",
                origin: "manual",
                node: &svc.vm.node,
                vmid: svc.vm.vm_id,
                storage: &storage,
                volid: &b.volid,
                note: "",
                day: "",
                now,
            },
        )?;
        if !record::advance(c, sid, &state, "restore")? {
            return Err(Error::Config(
                "the VM's status changed meanwhile; try again".into(),
            ));
        }
        record::set_error(c, sid, None)?;
        c.exec_drop(
            "UPDATE puqProxmoxKVM_vm_info SET verify_ticks = 0 WHERE service_id = ?",
            (sid,),
        )?;
        Ok(())
    })?;
    Ok(json!({"status": "queued", "volid": b.volid}))
}

fn restorable(state: &str) -> bool {
    state == "ready" || state == RESTORE_FAILED
}

/// Restore Backup Status: each restore task in flight polled once and its
/// end recorded (the machine re-applies the package and sends the email).
pub fn status(db: &DbConfig, host: &dyn Host, now: i64) -> Result<Report> {
    backups::follow_pending(db, host, now, true)
}

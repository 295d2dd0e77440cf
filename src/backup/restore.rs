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
    let state = svc.vm.vm_status.as_str();
    if state != "ready" && state != RESTORE_FAILED {
        return Err(Error::Config(format!(
            "a restore is refused while the VM is in status '{state}': wait until it is ready"
        )));
    }
    let b = own_backup(svc, volid)?;
    for op in ops::pending(conn, Some(svc.vm.service_id))? {
        if op.kind == "restore" && op.upid.is_none() {
            // A request whose runner died before the VM left ready: nothing
            // was started in Proxmox; this request replaces it.
            ops::finish(
                conn,
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
    let storage = backups::storage(svc)?;
    // The request row first: the machine reads the archive from it.
    let id = ops::start(
        conn,
        &NewOp {
            service_id: svc.vm.service_id,
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
    let (_, moved) = record::set_status_from(conn, svc.vm.service_id, "restore", &[state])?;
    if !moved {
        ops::finish(
            conn,
            id,
            false,
            "the VM's status changed before the restore started",
            None,
            now,
        )?;
        return Err(Error::Config(
            "the VM's status changed meanwhile; try again".into(),
        ));
    }
    record::set_error(conn, svc.vm.service_id, None)?;
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET verify_ticks = 0 WHERE service_id = ?",
        (svc.vm.service_id,),
    )?;
    Ok(json!({"status": "queued", "volid": b.volid}))
}

/// Restore Backup Status: each restore task in flight polled once and its
/// end recorded (the machine re-applies the package and sends the email).
pub fn status(db: &DbConfig, host: &dyn Host, now: i64) -> Result<Report> {
    backups::follow_pending(db, host, now, true)
}

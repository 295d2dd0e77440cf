//! Backup restore and Reset password, as machines on the runner.
//!
//! Restore (`restore`, queued by `puq_backup_restore` with a
//! `puqProxmoxKVM_operations` row naming the archive): check the request →
//! wait for a task in flight → stop the VM → delete its snapshots (the
//! spec's warning) → qmrestore over the VM (`force=1`; one already accepted
//! is adopted, never posted twice) → wait for it (one status read per tick,
//! so a long restore never holds up other VMs) → re-apply the package with
//! shrink protection (CPU/RAM, disks, disk I/O, network, firewall) and
//! WHMCS's cloud-init password → start → verify and send "Backup restored". A failed qmrestore ends in
//! `restore_failed`: the client may retry the restore or reinstall.
//!
//! Reset password (`reset_password`, queued by `puq_reset_password` after
//! saving the new password encrypted in tblhosting, so a crash at any point
//! resumes with the same one): on a running VM whose QEMU guest agent
//! answers, the password is set live through the agent and written to
//! cloud-init for the next boot (no restart: Stop and Start are skips);
//! otherwise stop → cloud-init user and password → start. Then verify and
//! send "Reset password".

use super::common::{self, Stopped};
use super::machine::{Ctx, Machine, Outcome, Step};
use super::record;
use crate::backup::ops;
use crate::error::{Error, Result};
use crate::pve::{Form, PveError};

/// Where a failed restore ends; the cron leaves it alone.
pub const RESTORE_FAILED: &str = "restore_failed";

pub const RESTORE: Machine = Machine {
    name: "RestoreBackup",
    action: "restore",
    // The backup brings its own cloud-init password; WHMCS's is re-applied.
    needs_credentials: true,
    steps: &[
        Step {
            from: "restore",
            to: "restore",
            name: "Check restore request",
            run: check_request,
        },
        Step {
            from: "restore",
            to: "restore",
            name: "Wait for running task",
            run: common::wait_running_task,
        },
        Step {
            from: "restore",
            to: "restore",
            name: "Stop VM",
            run: stop,
        },
        Step {
            from: "restore",
            to: "restore",
            name: "Delete snapshots",
            run: super::reinstall::delete_snapshots,
        },
        Step {
            from: "restore",
            to: "rs_restore_started",
            name: "Restore backup",
            run: start_restore,
        },
        Step {
            from: "rs_restore_started",
            to: "rs_restored",
            name: "Wait for restore",
            run: wait_restore,
        },
        Step {
            from: "rs_restored",
            to: "rs_cpu_ram",
            name: "Set CPU & RAM",
            run: common::cpu_ram,
        },
        Step {
            from: "rs_cpu_ram",
            to: "rs_system_disk_size",
            name: "Resize system disk",
            run: |c| common::resize(c, true),
        },
        Step {
            from: "rs_system_disk_size",
            to: "rs_system_disk_bandwidth",
            name: "Set system disk I/O",
            run: |c| common::disk_io(c, true),
        },
        Step {
            from: "rs_system_disk_bandwidth",
            to: "rs_additional_disk",
            name: "Create additional disk",
            run: super::change::additional,
        },
        Step {
            from: "rs_additional_disk",
            to: "rs_additional_disk_size",
            name: "Resize additional disk",
            run: |c| common::resize(c, false),
        },
        Step {
            from: "rs_additional_disk_size",
            to: "rs_additional_disk_bandwidth",
            name: "Set additional disk I/O",
            run: |c| common::disk_io(c, false),
        },
        Step {
            from: "rs_additional_disk_bandwidth",
            to: "rs_network",
            name: "Configure network",
            run: network,
        },
        Step {
            from: "rs_network",
            to: "rs_firewall",
            name: "Configure firewall",
            run: common::firewall,
        },
        Step {
            from: "rs_firewall",
            to: "rs_cloudinit",
            name: "Set cloud-init password",
            run: set_password,
        },
        Step {
            from: "rs_cloudinit",
            to: "rs_start",
            name: "Start VM",
            run: common::start,
        },
        Step {
            from: "rs_start",
            to: "ready",
            name: "Verify VM",
            run: verify_restored,
        },
    ],
};

pub const RESET_PASSWORD: Machine = Machine {
    name: "ResetPassword",
    action: "reset_password",
    needs_credentials: true,
    steps: &[
        Step {
            from: "reset_password",
            to: "reset_password",
            name: "Wait for running task",
            run: common::wait_running_task,
        },
        Step {
            from: "reset_password",
            to: "rp_stop",
            name: "Stop VM",
            run: stop_or_set_live,
        },
        Step {
            from: "rp_stop",
            to: "rp_cloudinit",
            name: "Set cloud-init password",
            run: set_password,
        },
        Step {
            from: "rp_cloudinit",
            to: "rp_start",
            name: "Start VM",
            run: common::start,
        },
        Step {
            from: "rp_start",
            to: "ready",
            name: "Verify VM",
            run: verify_reset,
        },
    ],
};

fn stop(ctx: &mut Ctx) -> Result<Outcome> {
    if common::our_vm(ctx)?.is_none() {
        return Err(Error::Config(format!(
            "VM {} does not exist in Proxmox (or is not this service's VM)",
            ctx.job.vm.vm_id
        )));
    }
    match common::stop_windowed(ctx)? {
        Stopped::Off => Ok(Outcome::Done),
        Stopped::Gone => Err(Error::Config(format!(
            "VM {} does not exist in Proxmox",
            ctx.job.vm.vm_id
        ))),
        Stopped::StillRunning => Ok(Outcome::Waiting(
            "the VM did not stop within the stop windows; retrying next run".into(),
        )),
    }
}

/// Reset password's first step: live through the guest agent when the VM
/// runs and its agent answers (cloud-init gets the password too, so the
/// next boot keeps it), else the stop of the cloud-init path. Re-running it
/// after a crash sets the same password again: harmless.
fn stop_or_set_live(ctx: &mut Ctx) -> Result<Outcome> {
    let job = &*ctx.job;
    if job.password.is_empty() {
        return Err(Error::Internal(
            "the reset needs the service password, which this job does not carry".into(),
        ));
    }
    let (node, vmid) = (job.vm.node.clone(), job.vm.vm_id);
    let st = job.client.vm_current(&node, vmid)?;
    let running = st.get("status").and_then(serde_json::Value::as_str) == Some("running");
    let agent = matches!(st.get("agent"), Some(serde_json::Value::Number(n)) if n.as_i64() == Some(1))
        || st.get("agent") == Some(&serde_json::Value::Bool(true));
    if running && agent && !job.vm.suspended && !job.os_username.is_empty() {
        let live = job.client.agent_ping(&node, vmid).and_then(|()| {
            job.client
                .agent_set_password(&node, vmid, &job.os_username, &job.password)
        });
        match live {
            Ok(()) => {
                job.client.set_vm_config(
                    &node,
                    vmid,
                    &Form::new()
                        .set("ciuser", &job.os_username)
                        .set("cipassword", &job.password),
                )?;
                return Ok(Outcome::Skipped(
                    "password set live by the QEMU guest agent; no restart needed".into(),
                ));
            }
            Err(e) => ctx.progress(format!(
                "guest agent unavailable ({}); using cloud-init with a restart",
                crate::util::one_line(&e.to_string(), 160)
            )),
        }
    }
    stop(ctx)
}

/// The service's latest restore request (the one this run is for: every
/// request writes a new row before the VM leaves `ready`).
fn current_restore(ctx: &mut Ctx) -> Result<Option<ops::Op>> {
    ops::latest(ctx.conn, ctx.sid(), "restore")
}

/// Before the VM is touched: a restore request must exist (a stale or
/// reset `restore` status with none goes back to `ready`, VM untouched).
fn check_request(ctx: &mut Ctx) -> Result<Outcome> {
    match current_restore(ctx)? {
        Some(op) if op.upid.is_some() || matches!(op.status.as_str(), "starting" | "running") => {
            Ok(Outcome::Skipped(format!("restoring {}", op.volid)))
        }
        _ => Ok(Outcome::Divert(
            "ready",
            "no restore request was found for this service; nothing was done".into(),
        )),
    }
}

/// qmrestore over the stopped VM. The UPID is recorded on the VM (the
/// "task in flight") and on the request. A restore Proxmox already
/// accepted — the reply was lost, or the runner died before saving the
/// UPID — is found in the node's task list and adopted, never started
/// twice.
fn start_restore(ctx: &mut Ctx) -> Result<Outcome> {
    let op = current_restore(ctx)?
        .ok_or_else(|| Error::Config("no restore request is known for this service".into()))?;
    if op.upid.is_some() {
        return Ok(Outcome::Skipped(
            "the restore task was already started".into(),
        ));
    }
    // A qmrestore of this VM since the request (a minute's grace for the
    // node's clock) that no earlier request recorded is this one's.
    let mut started = None;
    for (u, t) in ctx
        .job
        .client
        .vm_tasks(&ctx.job.vm.node, ctx.job.vm.vm_id, "qmrestore")?
    {
        if t >= op.started_at - 60 && !ops::upid_known(ctx.conn, &u)? {
            started = Some(u);
            break;
        }
    }
    let job = &*ctx.job;
    let upid = match started {
        Some(u) => {
            ctx.progress(format!("adopting the restore task already started: {u}"));
            u
        }
        None => match job.client.restore(&job.vm.node, job.vm.vm_id, &op.volid) {
            Ok(u) => u,
            Err(e) if e.is_lock_conflict() => {
                return Ok(Outcome::Waiting(format!("the VM is locked: {e}")));
            }
            // No answer: it may have been accepted; the next run looks first.
            Err(
                e @ (PveError::Connect(_)
                | PveError::Tls(_)
                | PveError::Timeout(_)
                | PveError::Protocol(_)),
            ) => return Err(e.into()),
            Err(e) => {
                let msg = format!("Proxmox refused to restore {}: {e}", op.volid);
                ops::finish(ctx.conn, op.id, false, &msg, None, crate::cron::now_unix())?;
                return Ok(Outcome::Divert(RESTORE_FAILED, msg));
            }
        },
    };
    record::set_task(ctx.conn, ctx.sid(), &upid)?;
    ops::set_upid(ctx.conn, op.id, &upid)?;
    ctx.progress(format!("restoring {} ({upid})", op.volid));
    Ok(Outcome::Done)
}

/// One look at the restore: still running → wait (next tick); ended well
/// → on to the re-apply; failed → `restore_failed` with its error. Restore
/// Backup Status may have recorded the end already.
fn wait_restore(ctx: &mut Ctx) -> Result<Outcome> {
    let Some(op) = current_restore(ctx)? else {
        return Ok(Outcome::Divert(
            RESTORE_FAILED,
            "no restore request is known for this service".into(),
        ));
    };
    let now = crate::cron::now_unix();
    match op.status.as_str() {
        "success" => {
            record::clear_task(ctx.conn, ctx.sid())?;
            ctx.job.config = None;
            return Ok(Outcome::Done);
        }
        "error" => {
            record::clear_task(ctx.conn, ctx.sid())?;
            return Ok(Outcome::Divert(
                RESTORE_FAILED,
                if op.error.is_empty() {
                    "the restore failed".into()
                } else {
                    op.error.clone()
                },
            ));
        }
        _ => {}
    }
    let upid = match op.upid.clone() {
        Some(u) => u,
        None => record::task(ctx.conn, ctx.sid())?,
    };
    if upid.is_empty() {
        return Ok(Outcome::Divert(
            RESTORE_FAILED,
            "the restore task was never started".into(),
        ));
    }
    let finished = match ctx.job.client.task_finished(&upid) {
        Ok(f) => f,
        Err(PveError::Status {
            status: 500,
            message,
        }) if message.contains("no such task") => Some(Err(PveError::Protocol(format!(
            "task {upid} is unknown to Proxmox"
        )))),
        Err(e) => return Err(e.into()),
    };
    match finished {
        None => Ok(Outcome::Waiting(format!("restore task {upid} is running"))),
        Some(Ok(())) => {
            record::clear_task(ctx.conn, ctx.sid())?;
            ops::finish(ctx.conn, op.id, true, "", None, now)?;
            // The VM's config is now the backup's.
            ctx.job.config = None;
            Ok(Outcome::Done)
        }
        Some(Err(e)) => {
            record::clear_task(ctx.conn, ctx.sid())?;
            let msg = format!("the restore failed: {e}");
            ops::finish(ctx.conn, op.id, false, &msg, None, now)?;
            Ok(Outcome::Divert(RESTORE_FAILED, msg))
        }
    }
}

/// The NIC (bridge, VLAN, rate, MAC) and cloud-init's addresses follow the
/// service's current ones: the backup may predate an IP change.
fn network(ctx: &mut Ctx) -> Result<Outcome> {
    let nic = common::network(ctx)?;
    let Some(ipc) = common::ipconfig(ctx.job) else {
        return Ok(nic);
    };
    let current = common::config(ctx.job)?
        .get("ipconfig0")
        .cloned()
        .unwrap_or_default();
    if current == ipc {
        return Ok(nic);
    }
    let job = &*ctx.job;
    job.client.set_vm_config(
        &job.vm.node,
        job.vm.vm_id,
        &Form::new().set("ipconfig0", &ipc),
    )?;
    ctx.job.config = None;
    Ok(Outcome::Done)
}

fn verify_restored(ctx: &mut Ctx) -> Result<Outcome> {
    let t = ctx.job.product.email_backup_restored.clone();
    // Suspended meanwhile: the VM stays off, but the client still learns
    // the outcome (and, for a reset, the new password).
    common::verify_running(ctx, t, true)
}

fn verify_reset(ctx: &mut Ctx) -> Result<Outcome> {
    let t = ctx.job.product.email_reset_password.clone();
    common::verify_running(ctx, t, true)
}

/// Cloud-init's user and the new password (saved in tblhosting by the
/// request); Proxmox regenerates the cloud-init drive at the next start.
fn set_password(ctx: &mut Ctx) -> Result<Outcome> {
    let job = &*ctx.job;
    if job.password.is_empty() {
        return Err(Error::Internal(
            "the reset needs the service password, which this job does not carry".into(),
        ));
    }
    let form = Form::new()
        .set("ciuser", &job.os_username)
        .set("cipassword", &job.password);
    job.client
        .set_vm_config(&job.vm.node, job.vm.vm_id, &form)?;
    Ok(Outcome::Done)
}

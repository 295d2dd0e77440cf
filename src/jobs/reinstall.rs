//! Reinstall, Redeploy and VMRemove: the machines that remove a VM.
//!
//! - Reinstall (`reinstall`): delete the snapshots (backups stay), stop and
//!   remove the VM, then back to `set_ip`, where the deploy clones the
//!   chosen template afresh under the same VMID and runs on with the same
//!   IPs, MAC, VLAN and hostname and the new password.
//! - Redeploy (`redeploy`): remove the VM, free its IPs and logs, then
//!   `creation`: a deploy from scratch (the VMID stays reserved).
//! - VMRemove (`vm_remove`): remove the VM only; the record ends in
//!   `remove`, IPs and tblhosting untouched (Redeploy brings it back).
//!
//! The record keeps its VMID and IPs throughout, so a crash at any point
//! cannot hand them to another service.

use mysql::prelude::Queryable;

use super::common::{self, Stopped};
use super::machine::{Ctx, Machine, Outcome, Step};
use super::record;
use crate::error::{Error, Result};

pub const REINSTALL: Machine = Machine {
    name: "Reinstall",
    action: "reinstall",
    needs_credentials: true,
    steps: &[
        Step {
            from: "reinstall",
            to: "reinstall",
            name: "Wait for running task",
            run: common::wait_running_task,
        },
        Step {
            from: "reinstall",
            to: "reinstall",
            name: "Delete snapshots",
            run: delete_snapshots,
        },
        Step {
            from: "reinstall",
            to: "reinstall",
            name: "Stop VM",
            run: stop,
        },
        Step {
            from: "reinstall",
            to: "reinstall",
            name: "Remove VM",
            run: remove_vm,
        },
        Step {
            from: "reinstall",
            to: "set_ip",
            name: "Delete DNS records",
            run: super::dnsjob::delete_records,
        },
    ],
};

pub const REDEPLOY: Machine = Machine {
    name: "Redeploy",
    action: "redeploy",
    needs_credentials: true,
    steps: &[
        Step {
            from: "redeploy",
            to: "redeploy",
            name: "Wait for running task",
            run: common::wait_running_task,
        },
        Step {
            from: "redeploy",
            to: "redeploy",
            name: "Stop VM",
            run: stop,
        },
        Step {
            from: "redeploy",
            to: "redeploy",
            name: "Remove VM",
            run: remove_vm,
        },
        Step {
            from: "redeploy",
            to: "redeploy",
            name: "Delete DNS records",
            run: super::dnsjob::delete_records,
        },
        Step {
            from: "redeploy",
            to: "creation",
            name: "Free IPs and reset",
            run: reset_for_deploy,
        },
    ],
};

pub const VM_REMOVE: Machine = Machine {
    name: "VMRemove",
    action: "vm_remove",
    needs_credentials: false,
    steps: &[
        Step {
            from: "vm_remove",
            to: "vm_remove",
            name: "Wait for running task",
            run: common::wait_running_task,
        },
        Step {
            from: "vm_remove",
            to: "vm_remove",
            name: "Stop VM",
            run: stop,
        },
        Step {
            from: "vm_remove",
            to: "remove",
            name: "Remove VM",
            run: remove_vm,
        },
    ],
};

pub(super) fn delete_snapshots(ctx: &mut Ctx) -> Result<Outcome> {
    if common::our_vm(ctx)?.is_none() {
        return Ok(Outcome::Skipped("no VM in Proxmox".into()));
    }
    let job = &*ctx.job;
    let names = job.client.vm_snapshot_names(&job.vm.node, job.vm.vm_id)?;
    if names.is_empty() {
        return Ok(Outcome::Skipped("no snapshots".into()));
    }
    for n in &names {
        let upid = job
            .client
            .vm_snapshot_delete(&job.vm.node, job.vm.vm_id, n)?;
        job.client.wait_task(&upid, job.heavy, job.poll)?;
        ctx.progress(format!("snapshot {n} deleted"));
    }
    Ok(Outcome::Done)
}

/// Stops the VM and remembers its MAC for the fresh clone.
fn stop(ctx: &mut Ctx) -> Result<Outcome> {
    if common::our_vm(ctx)?.is_none() {
        return Ok(Outcome::Skipped("no VM in Proxmox".into()));
    }
    if ctx.job.vm.mac.is_empty() {
        if let Ok(cfg) = common::config(ctx.job) {
            if let Some(mac) = cfg
                .get("net0")
                .and_then(|n| n.split(',').next())
                .and_then(|f| f.split_once('='))
                .map(|(_, m)| m.to_string())
                .filter(|m| !m.is_empty())
            {
                record::set_mac(ctx.conn, ctx.sid(), &mac)?;
                ctx.job.vm.mac = mac;
            }
        }
    }
    match common::stop_windowed(ctx)? {
        Stopped::Off => Ok(Outcome::Done),
        Stopped::Gone => Ok(Outcome::Skipped("VM is gone".into())),
        Stopped::StillRunning => Ok(Outcome::Skipped(
            "still running after both stop windows; the DELETE with purge will reap it".into(),
        )),
    }
}

fn remove_vm(ctx: &mut Ctx) -> Result<Outcome> {
    if common::our_vm(ctx)?.is_none() {
        return Ok(Outcome::Skipped("VM does not exist in Proxmox".into()));
    }
    let job = &*ctx.job;
    match job
        .client
        .delete_vm(&job.vm.node, job.vm.vm_id)
        .and_then(|upid| job.client.wait_task(&upid, job.heavy, job.poll))
    {
        Ok(()) => Ok(Outcome::Done),
        Err(e) if common::vm_gone(&e) => {
            Ok(Outcome::Skipped("VM does not exist in Proxmox".into()))
        }
        Err(e) => Err(Error::Pve(e)),
    }
}

fn reset_for_deploy(ctx: &mut Ctx) -> Result<Outcome> {
    let sid = ctx.sid();
    let freed = crate::ippool::release(ctx.conn, sid)?;
    ctx.conn.exec_drop(
        "UPDATE tblhosting SET dedicatedip = '', assignedips = '' WHERE id = ?",
        (sid,),
    )?;
    record::set_mac(ctx.conn, sid, "")?;
    record::delete_runs(ctx.conn, sid)?;
    ctx.job.ips.clear();
    ctx.job.vm.mac.clear();
    ctx.progress(format!("{freed} IP address(es) freed"));
    Ok(Outcome::Done)
}

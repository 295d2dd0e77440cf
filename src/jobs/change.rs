//! The change-package state machine: change_package → cp_update_ip →
//! cp_stop → cp_cpu_ram → cp_system_disk_size → cp_system_disk_bandwidth →
//! cp_additional_disk → cp_additional_disk_size →
//! cp_additional_disk_bandwidth → cp_network → cp_firewall → cp_start → ready.
//!
//! Each step compares Proxmox's config with the new package and logs
//! `skip — no change` when they match. The VM is stopped only when a later
//! step needs it (CPU/RAM, a disk grown, created or removed); disks never
//! shrink (`skip — shrink not allowed by Proxmox`), and Additional Disk = 0
//! detaches and purges the disk.

use super::common::{self, Resize};
use super::machine::{Ctx, Machine, Outcome, Step};
use crate::error::Result;
use crate::ippool::Family;
use crate::pve::Form;

pub const UPGRADE_EMAIL: &str = "puqProxmoxKVM Upgrade Email";

pub const CHANGE_PACKAGE: Machine = Machine {
    name: "ChangePackage",
    action: "change_package",
    needs_credentials: false,
    steps: &[
        Step {
            from: "change_package",
            to: "cp_update_ip",
            name: "Update IP + DNS + Firewall",
            run: update_ip,
        },
        Step {
            from: "cp_update_ip",
            to: "cp_stop",
            name: "Stop VM",
            run: stop,
        },
        Step {
            from: "cp_stop",
            to: "cp_cpu_ram",
            name: "Set CPU & RAM",
            run: common::cpu_ram,
        },
        Step {
            from: "cp_cpu_ram",
            to: "cp_system_disk_size",
            name: "Resize system disk",
            run: |c| common::resize(c, true),
        },
        Step {
            from: "cp_system_disk_size",
            to: "cp_system_disk_bandwidth",
            name: "Set system disk I/O",
            run: |c| common::disk_io(c, true),
        },
        Step {
            from: "cp_system_disk_bandwidth",
            to: "cp_additional_disk",
            name: "Create additional disk",
            run: additional,
        },
        Step {
            from: "cp_additional_disk",
            to: "cp_additional_disk_size",
            name: "Resize additional disk",
            run: |c| common::resize(c, false),
        },
        Step {
            from: "cp_additional_disk_size",
            to: "cp_additional_disk_bandwidth",
            name: "Set additional disk I/O",
            run: |c| common::disk_io(c, false),
        },
        Step {
            from: "cp_additional_disk_bandwidth",
            to: "cp_network",
            name: "Configure network",
            run: common::network,
        },
        Step {
            from: "cp_network",
            to: "cp_firewall",
            name: "Configure firewall",
            run: common::firewall,
        },
        Step {
            from: "cp_firewall",
            to: "cp_start",
            name: "Start VM",
            run: start,
        },
        Step {
            from: "cp_start",
            to: "ready",
            name: "Verify VM",
            run: verify,
        },
    ],
};

/// The IP allocation follows the new counts (top-up or release of the
/// newest), then tblhosting, cloud-init's network, the anti-spoofing set and
/// DNS follow the addresses.
fn update_ip(ctx: &mut Ctx) -> Result<Outcome> {
    let before: Vec<String> = ctx.job.ips.iter().map(|i| i.address.clone()).collect();
    let sid = ctx.sid();
    let v4 = u32::try_from(ctx.job.eff.ipv4_count.max(0)).unwrap_or(0);
    let v6 = u32::try_from(ctx.job.eff.ipv6_count.max(0)).unwrap_or(0);
    let mut freed = crate::ippool::release_extra(ctx.conn, sid, Family::V4, v4)?;
    freed += crate::ippool::release_extra(ctx.conn, sid, Family::V6, v6)?;
    let ips = super::ips::allocate(ctx.conn, ctx.job)?;
    let after: Vec<String> = ips.iter().map(|i| i.address.clone()).collect();
    if before == after && freed == 0 {
        return Ok(Outcome::Skipped("no change".into()));
    }
    ctx.progress(format!(
        "addresses: {} -> {}",
        before.join(", "),
        after.join(", ")
    ));
    // The old records go with the old addresses, the new ones are created.
    let _ = super::dnsjob::delete_records(ctx);
    ctx.job.ips = ips;
    let job = &*ctx.job;
    if let Some(ipc) = common::ipconfig(job) {
        job.client.set_vm_config(
            &job.vm.node,
            job.vm.vm_id,
            &Form::new().set("ipconfig0", ipc),
        )?;
    }
    if job.product.fw_antispoofing && !(job.product.dhcp_v4 || job.product.dhcp_v6) {
        common::sync_ipset(job)?;
    }
    let _ = super::dnsjob::create_records(ctx);
    Ok(Outcome::Done)
}

/// Whether any later step needs the VM off.
fn needs_stop(ctx: &mut Ctx) -> Result<bool> {
    if common::cpu_ram_differs(ctx.job)? {
        return Ok(true);
    }
    if matches!(common::resize_plan(ctx.job, true)?, Resize::Grow(..)) {
        return Ok(true);
    }
    let has_add = common::additional_disk(ctx.job)?.is_some();
    let want_add = ctx.job.eff.additional_disk.size_gb > 0;
    if has_add != want_add {
        return Ok(true);
    }
    Ok(matches!(
        common::resize_plan(ctx.job, false)?,
        Resize::Grow(..)
    ))
}

fn stop(ctx: &mut Ctx) -> Result<Outcome> {
    if !needs_stop(ctx)? {
        return Ok(Outcome::Skipped("no change needs the VM stopped".into()));
    }
    match common::stop_windowed(ctx)? {
        common::Stopped::Off => Ok(Outcome::Done),
        common::Stopped::Gone => Err(crate::error::Error::Config(format!(
            "VM {} does not exist in Proxmox",
            ctx.job.vm.vm_id
        ))),
        common::Stopped::StillRunning => Ok(Outcome::Waiting(
            "the VM did not stop within the stop windows; retrying next run".into(),
        )),
    }
}

/// Additional Disk: created or grown to the package, or (size 0) removed.
pub(super) fn additional(ctx: &mut Ctx) -> Result<Outcome> {
    if ctx.job.eff.additional_disk.size_gb == 0 {
        return common::remove_additional(ctx);
    }
    common::create_additional(ctx)
}

/// Starts the VM and polls up to 60 s in the same pass for it to run.
fn start(ctx: &mut Ctx) -> Result<Outcome> {
    let out = common::start(ctx)?;
    if ctx.job.vm.suspended {
        return Ok(out);
    }
    let job = &*ctx.job;
    let t0 = std::time::Instant::now();
    loop {
        let st = job.client.vm_status(&job.vm.node, job.vm.vm_id)?;
        if st == "running" {
            return Ok(out);
        }
        if t0.elapsed() > std::time::Duration::from_secs(60) {
            return Err(crate::error::Error::Config(format!(
                "VM failed to start (status: {st}). Will retry."
            )));
        }
        std::thread::sleep(job.poll.max(std::time::Duration::from_millis(200)));
    }
}

fn verify(ctx: &mut Ctx) -> Result<Outcome> {
    common::verify_running(ctx, UPGRADE_EMAIL.to_string(), false)
}

//! The deploy state machine, as a table: creation → set_ip → clone →
//! set_dns → migrated → set_cpu_ram → set_system_disk_size →
//! set_system_disk_bandwidth → set_created_additional_disk →
//! set_additional_disk_size → set_additional_disk_bandwidth → set_network →
//! set_firewall → set_cloudinit → starting → ready.
//!
//! Each step does one small piece of Proxmox work and is idempotent against
//! a crash between "Proxmox did it" and "we saved it": the clone step
//! records the task's UPID before waiting, and on a retry it finds its own
//! VM instead of cloning again. Reinstall re-enters at set_ip (a fresh clone
//! under the same VMID), redeploy at creation.

use std::time::{Duration, Instant};

use super::common;
use super::machine::{Ctx, Machine, Outcome, Step};
use super::record;
use crate::error::{Error, Result};
use crate::pve::{Form, PveError};

pub const DEPLOY: Machine = Machine {
    name: "Deploy",
    action: "deploy",
    needs_credentials: true,
    steps: &[
        Step {
            from: "creation",
            to: "set_ip",
            name: "Allocate IP",
            run: allocate_ip,
        },
        Step {
            from: "set_ip",
            to: "clone",
            name: "Clone VM",
            run: clone,
        },
        Step {
            from: "clone",
            to: "set_dns",
            name: "Configure DNS records",
            run: super::dnsjob::create_records,
        },
        Step {
            from: "set_dns",
            to: "migrated",
            name: "Migrate to target node",
            run: migrate,
        },
        Step {
            from: "migrated",
            to: "set_cpu_ram",
            name: "Set CPU & RAM",
            run: common::cpu_ram,
        },
        Step {
            from: "set_cpu_ram",
            to: "set_system_disk_size",
            name: "Resize system disk",
            run: |c| common::resize(c, true),
        },
        Step {
            from: "set_system_disk_size",
            to: "set_system_disk_bandwidth",
            name: "Set system disk I/O",
            run: |c| common::disk_io(c, true),
        },
        Step {
            from: "set_system_disk_bandwidth",
            to: "set_created_additional_disk",
            name: "Create additional disk",
            run: common::create_additional,
        },
        Step {
            from: "set_created_additional_disk",
            to: "set_additional_disk_size",
            name: "Resize additional disk",
            run: |c| common::resize(c, false),
        },
        Step {
            from: "set_additional_disk_size",
            to: "set_additional_disk_bandwidth",
            name: "Set additional disk I/O",
            run: |c| common::disk_io(c, false),
        },
        Step {
            from: "set_additional_disk_bandwidth",
            to: "set_network",
            name: "Configure network",
            run: common::network,
        },
        Step {
            from: "set_network",
            to: "set_firewall",
            name: "Configure firewall",
            run: common::firewall,
        },
        Step {
            from: "set_firewall",
            to: "set_cloudinit",
            name: "Configure cloud-init",
            run: common::cloudinit,
        },
        Step {
            from: "set_cloudinit",
            to: "starting",
            name: "Start VM",
            run: common::start,
        },
        Step {
            from: "starting",
            to: "ready",
            name: "Verify running + Email",
            run: verify,
        },
    ],
};

pub fn is_deploy_state(s: &str) -> bool {
    DEPLOY.entry(s).is_some()
}

/// Verify running waits at most this many cron ticks.
const VERIFY_TICKS: u32 = 5;

fn allocate_ip(ctx: &mut Ctx) -> Result<Outcome> {
    let ips = super::ips::allocate(ctx.conn, ctx.job)?;
    ctx.job.ips = ips;
    Ok(Outcome::Done)
}

fn clone(ctx: &mut Ctx) -> Result<Outcome> {
    let (conn, job) = (&mut *ctx.conn, &mut *ctx.job);
    let vms = job.client.cluster_vms(crate::pve::Weight::Heavy)?;
    // Idempotence: the VM may exist already (a crash after the clone started).
    let mut existing = vms.iter().find(|v| v.vmid == job.vm.vm_id).cloned();
    if existing
        .as_ref()
        .is_some_and(|vm| vm.name.as_deref() != Some(job.vm.vm_name.as_str()))
        && job.vm.task_upid.is_empty()
    {
        // Someone else created a VM with our reserved VMID after the order
        // was accepted: move this service to the next free VMID.
        let taken: std::collections::HashSet<u32> = vms.iter().map(|v| v.vmid).collect();
        let sid = job.vm.service_id;
        job.vm.vm_id =
            super::vmid::claim(conn, job.vm.server_id, job.vm.vm_id, &taken, |conn, id| {
                record::set_vm_id(conn, sid, id)
            })?;
        existing = None;
    }
    let vmid = job.vm.vm_id;
    if let Some(vm) = existing {
        if vm.name.as_deref() != Some(job.vm.vm_name.as_str()) {
            return Err(Error::Config(format!(
                "VMID {vmid} is taken in Proxmox by '{}', not by this service's VM '{}'",
                vm.name.unwrap_or_default(),
                job.vm.vm_name
            )));
        }
        set_node(conn, job, &vm.node)?;
        if !job.vm.task_upid.is_empty() {
            common::wait(job, &job.vm.task_upid.clone(), job.heavy)?;
        }
        // A clone in progress holds lock=clone until its task ends.
        let start = Instant::now();
        loop {
            let cfg = job.client.vm_config(&vm.node, vmid)?;
            if !cfg.contains_key("lock") {
                break;
            }
            if start.elapsed() > job.heavy {
                return Ok(Outcome::Waiting(format!(
                    "VM {vmid} is still locked ({})",
                    cfg["lock"]
                )));
            }
            std::thread::sleep(job.poll);
        }
        record::clear_task(conn, job.vm.service_id)?;
        return Ok(Outcome::Done);
    }
    let tpl_node = job.vm.template_node.clone();
    let mut form = Form::new()
        .set("newid", vmid)
        .set("name", &job.vm.vm_name)
        .set(
            "description",
            format!("WHMCS service {}", job.vm.service_id),
        );
    if job.product.clone_type == "full" {
        form = form.flag("full", true);
        if !job.product.sys_storage.is_empty() {
            form = form.set("storage", &job.product.sys_storage);
        }
    }
    let upid = job
        .client
        .clone_vm(&tpl_node, job.vm.template_vmid, &form)?;
    // Recorded before waiting: a crash now must not clone twice.
    record::set_task(conn, job.vm.service_id, &upid)?;
    set_node(conn, job, &tpl_node)?;
    common::wait(job, &upid, job.heavy)?;
    record::clear_task(conn, job.vm.service_id)?;
    Ok(Outcome::Done)
}

/// The target node: the product's, or the node with the most free RAM that
/// has the needed storage.
fn target_node(job: &super::Job) -> Result<Option<String>> {
    if !job.product.node.is_empty() {
        return Ok(Some(job.product.node.clone()));
    }
    let nodes = job.client.nodes()?;
    let mut best: Option<(u64, String)> = None;
    for n in nodes
        .iter()
        .filter(|n| n.status.is_empty() || n.status == "online")
    {
        if !job.product.sys_storage.is_empty() {
            let has = job.client.node_storages(&n.node)?.iter().any(|s| {
                s.get("storage").and_then(|v| v.as_str()) == Some(job.product.sys_storage.as_str())
            });
            if !has {
                continue;
            }
        }
        let free = n.maxmem.saturating_sub(n.mem);
        if best.as_ref().is_none_or(|(f, _)| free > *f) {
            best = Some((free, n.node.clone()));
        }
    }
    Ok(best.map(|(_, n)| n))
}

fn migrate(ctx: &mut Ctx) -> Result<Outcome> {
    let (conn, job) = (&mut *ctx.conn, &mut *ctx.job);
    if !job.settings.migration_enabled {
        return Ok(Outcome::Skipped("post-clone migration is disabled".into()));
    }
    let deadline = Duration::from_secs(u64::from(job.settings.migration_timeout));
    if !job.vm.task_upid.is_empty() {
        // A migration from an earlier tick: keep polling it.
        return finish_migration(conn, job, deadline);
    }
    let Some(target) = target_node(job)? else {
        return Ok(Outcome::Skipped(
            "no node with the needed storage; the VM stays on the template node".into(),
        ));
    };
    if target == job.vm.node {
        return Ok(Outcome::Skipped(format!("already on {target}")));
    }
    let mut form = Form::new().set("target", &target);
    if !job.product.sys_storage.is_empty() {
        form = form.set("targetstorage", &job.product.sys_storage);
    }
    let upid = job.client.migrate_vm(&job.vm.node, job.vm.vm_id, &form)?;
    record::set_task(conn, job.vm.service_id, &upid)?;
    finish_migration(conn, job, deadline)
}

fn finish_migration(
    conn: &mut mysql::PooledConn,
    job: &mut super::Job,
    deadline: Duration,
) -> Result<Outcome> {
    let upid = job.vm.task_upid.clone();
    let upid = if upid.is_empty() {
        record::task(conn, job.vm.service_id)?
    } else {
        upid
    };
    match job.client.wait_task(&upid, deadline, job.poll) {
        Ok(()) => {}
        Err(PveError::TaskTimeout { .. }) => {
            return Ok(Outcome::Waiting(format!(
                "migration still running after {}s; resuming next run",
                deadline.as_secs()
            )))
        }
        Err(e) => {
            record::clear_task(conn, job.vm.service_id)?;
            return Err(e.into());
        }
    }
    record::clear_task(conn, job.vm.service_id)?;
    let node = job
        .client
        .cluster_vms(crate::pve::Weight::Heavy)?
        .into_iter()
        .find(|v| v.vmid == job.vm.vm_id)
        .map(|v| v.node)
        .ok_or_else(|| Error::Config(format!("VM {} vanished after migration", job.vm.vm_id)))?;
    set_node(conn, job, &node)?;
    Ok(Outcome::Done)
}

fn verify(ctx: &mut Ctx) -> Result<Outcome> {
    if ctx.job.vm.suspended {
        return common::verify_suspended_off(ctx);
    }
    let (conn, job) = (&mut *ctx.conn, &mut *ctx.job);
    let status = job.client.vm_status(&job.vm.node, job.vm.vm_id)?;
    if status == "running" {
        if !job.product.email_ready.is_empty() {
            job.emails
                .push((job.product.email_ready.clone(), common::email_vars(job)));
        }
        return Ok(Outcome::Done);
    }
    let ticks = job.vm.verify_ticks + 1;
    record::set_verify_ticks(conn, job.vm.service_id, ticks)?;
    job.vm.verify_ticks = ticks;
    if ticks >= VERIFY_TICKS {
        return Err(Error::Config(format!(
            "VM {} is '{status}', not running, after {ticks} checks",
            job.vm.vm_id
        )));
    }
    Ok(Outcome::Waiting(format!(
        "VM is '{status}' (check {ticks}/{VERIFY_TICKS})"
    )))
}

fn set_node(conn: &mut mysql::PooledConn, job: &mut super::Job, node: &str) -> Result<()> {
    record::set_node(conn, job.vm.service_id, node)?;
    job.vm.node = node.to_string();
    Ok(())
}

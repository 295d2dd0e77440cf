//! The WHMCS lifecycle functions and admin actions, as they run inside a
//! web request: each one checks, records what the cron must do, sends at
//! most a fire-and-forget power request, and returns at once. The heavy
//! work is in the machines (src/jobs).
//!
//! - SuspendAccount: mark suspended, send a graceful shutdown; the cron
//!   finishes the stop (force stop after the stop window).
//! - UnsuspendAccount: clear the mark, start the VM (or let a running
//!   machine start it at its end).
//! - TerminateAccount: a shutdown, `terminate`, 'success'.
//! - ChangePackage: `change_package` now, or pending until a running
//!   machine reaches ready.
//! - Reinstall / Redeploy / VMRemove / Reset VM Status / Delete Record.

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::{json, Value};

use crate::db::{self, settings, DbConfig};
use crate::error::{Error, Result};
use crate::jobs::record::{self, VmRow};
use crate::jobs::{self, machine};
use crate::pve::{Client, Weight};
use crate::whmcs::{Host, ServiceParams};

/// States in which a machine other than deploy is running: destructive
/// actions there would fight it.
const BUSY: &[&str] = &[
    "terminate",
    "error_terminate",
    "reinstall",
    "redeploy",
    "vm_remove",
    "set_dns_records",
    "reset_password",
    "restore",
];

fn is_restore_or_reset(s: &str) -> bool {
    s == "restore" || s.starts_with("rs_") || s.starts_with("rp_")
}

fn is_change_package(s: &str) -> bool {
    s == "change_package" || s.starts_with("cp_")
}

fn busy(s: &str) -> bool {
    BUSY.contains(&s) || is_change_package(s) || is_restore_or_reset(s)
}

/// The record of a service of this module, or a clear error.
fn vm_of(conn: &mut PooledConn, service_id: u32) -> Result<VmRow> {
    record::require(conn, service_id)
}

/// A client for the VM's server (token decrypted on this, the PHP thread).
fn client_for(conn: &mut PooledConn, host: &dyn Host, vm: &VmRow) -> Result<Client> {
    super::client_for_server(conn, host, vm.server_id)
}

fn has_vm(vm: &VmRow) -> bool {
    vm.vm_id > 0 && !vm.node.is_empty() && !matches!(vm.vm_status.as_str(), "creation" | "set_ip")
}

/// A shutdown whose UPID the cron will poll; failures are left to the cron.
fn request_shutdown(conn: &mut PooledConn, host: &dyn Host, vm: &VmRow) -> Option<String> {
    if !has_vm(vm) {
        return None;
    }
    let s = settings::load(conn).ok()?;
    let client = client_for(conn, host, vm).ok()?;
    match client.shutdown_vm(&vm.node, vm.vm_id, s.stop_timeout) {
        Ok(upid) => {
            let _ = record::set_stop(conn, vm.service_id, &upid);
            Some(upid)
        }
        Err(e) => {
            host.log_activity(
                &format!(
                    "PUQ Proxmox KVM: stop request for service {} not sent ({e}); the cron stops the VM",
                    vm.service_id
                ),
                vm.client_id,
            );
            None
        }
    }
}

pub fn suspend(db: &DbConfig, host: &dyn Host, p: &ServiceParams) -> Result<()> {
    let mut conn = db::conn(db)?;
    let vm = vm_of(&mut conn, p.service_id)?;
    if matches!(vm.vm_status.as_str(), "terminate" | "remove") {
        return Err(Error::Config(format!(
            "service {} is terminated (VM status {}); there is nothing to suspend",
            p.service_id, vm.vm_status
        )));
    }
    if vm.suspended {
        return Ok(());
    }
    record::set_suspended(&mut conn, p.service_id, true, false)?;
    if vm.vm_status == "ready" {
        request_shutdown(&mut conn, host, &vm);
    }
    log(
        host,
        "SuspendAccount",
        p.service_id,
        json!({"status": vm.vm_status}),
    );
    Ok(())
}

pub fn unsuspend(db: &DbConfig, host: &dyn Host, p: &ServiceParams) -> Result<()> {
    let mut conn = db::conn(db)?;
    let vm = vm_of(&mut conn, p.service_id)?;
    if matches!(vm.vm_status.as_str(), "terminate" | "remove") {
        return Err(Error::Config(format!(
            "service {} is terminated (VM status {}); it cannot be unsuspended",
            p.service_id, vm.vm_status
        )));
    }
    record::set_suspended(&mut conn, p.service_id, false, false)?;
    record::clear_stop(&mut conn, p.service_id)?;
    if vm.vm_status != "ready" {
        // The running machine starts the VM at its end; if its start step
        // already passed (skipped while suspended), the power machine
        // starts it once the machine reaches ready (power_done stays 0).
        return Ok(());
    }
    let s = settings::load(&mut conn)?;
    let client = client_for(&mut conn, host, &vm)?;
    let started = match client.vm_status(&vm.node, vm.vm_id) {
        Ok(st) if st == "running" => true,
        Ok(_) => client
            .start_vm(&vm.node, vm.vm_id)
            .and_then(|upid| {
                client.wait_task(
                    &upid,
                    Duration::from_secs(u64::from(s.default_timeout)),
                    Duration::from_millis(50),
                )
            })
            .is_ok(),
        Err(_) => false,
    };
    if started {
        record::set_power_done(&mut conn, p.service_id, false)?;
    }
    // Otherwise power_done stays 0 and the cron starts it.
    log(
        host,
        "UnsuspendAccount",
        p.service_id,
        json!({"started_now": started}),
    );
    Ok(())
}

pub fn terminate(db: &DbConfig, host: &dyn Host, p: &ServiceParams) -> Result<()> {
    let mut conn = db::conn(db)?;
    let Some(vm) = record::load(&mut conn, p.service_id)? else {
        // Never created by this module: nothing to tear down.
        crate::ippool::release(&mut conn, p.service_id)?;
        return Ok(());
    };
    match vm.vm_status.as_str() {
        "remove" | "terminate" => return Ok(()),
        _ => {}
    }
    if has_vm(&vm) && vm.task_upid.is_empty() {
        request_shutdown(&mut conn, host, &vm);
    }
    record::set_pending_change(&mut conn, p.service_id, false)?;
    force_status(&mut conn, p.service_id, "terminate")?;
    log(
        host,
        "TerminateAccount",
        p.service_id,
        json!({"from": vm.vm_status}),
    );
    Ok(())
}

/// Sets a state whatever the current one is (a running worker sees the
/// change at its next step and stops).
fn force_status(conn: &mut PooledConn, service_id: u32, to: &str) -> Result<()> {
    for _ in 0..5 {
        let (_, moved) = record::set_status_from(conn, service_id, to, &[])?;
        if moved {
            return Ok(());
        }
    }
    Err(Error::Db(format!(
        "the state of service {service_id} kept changing; try again"
    )))
}

pub fn change_package(db: &DbConfig, host: &dyn Host, p: &ServiceParams) -> Result<()> {
    let mut conn = db::conn(db)?;
    let vm = vm_of(&mut conn, p.service_id)?;
    // The new configuration must be valid before anything is queued.
    let (_prod, eff) = crate::config::for_service(&mut conn, p)?;
    record::set_product(&mut conn, p.service_id, p.product_id)?;
    let s = vm.vm_status.as_str();
    let how = if s == "ready" || is_change_package(s) {
        force_status(&mut conn, p.service_id, "change_package")?;
        record::set_pending_change(&mut conn, p.service_id, false)?;
        "queued"
    } else if matches!(s, "terminate" | "error_terminate" | "remove" | "vm_remove") {
        return Err(Error::Config(format!(
            "service {} is being terminated or removed (VM status {s}); the package cannot be changed",
            p.service_id
        )));
    } else {
        // A deploy, reinstall, redeploy or DNS resync runs: it starts at ready.
        record::set_pending_change(&mut conn, p.service_id, true)?;
        "pending until the VM is ready"
    };
    log(
        host,
        "ChangePackage",
        p.service_id,
        json!({"from": s, "result": how, "cpu": eff.cpu, "ram_gb": eff.ram_gb,
               "system_disk_gb": eff.system_disk.size_gb, "additional_disk_gb": eff.additional_disk.size_gb}),
    );
    Ok(())
}

/// Templates a product allows: its default and the Operating System
/// option's values.
fn allowed_templates(conn: &mut PooledConn, product_id: u32) -> Result<Vec<u32>> {
    Ok(offered_templates(conn, product_id)?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
}

/// The templates a product offers, with the Operating System option's
/// display text where it has one ("" otherwise): its default template
/// first, then the option's values in their order.
pub fn offered_templates(conn: &mut PooledConn, product_id: u32) -> Result<Vec<(u32, String)>> {
    let product = crate::config::product::load(conn, product_id)?;
    let mut v: Vec<(u32, String)> = product
        .os_template
        .trim()
        .parse()
        .ok()
        .map(|id| (id, String::new()))
        .into_iter()
        .collect();
    let subs: Vec<String> = conn.exec(
        "SELECT s.optionname FROM tblproductconfigoptionssub s
           JOIN tblproductconfigoptions o ON o.id = s.configid
           JOIN tblproductconfiglinks l ON l.gid = o.gid
          WHERE l.pid = ? AND (o.optionname LIKE 'Operating System%' OR o.optionname LIKE 'OS|%')
          ORDER BY s.sortorder, s.id",
        (product_id,),
    )?;
    for s in subs {
        let (id, name) = s.split_once('|').unwrap_or((s.as_str(), ""));
        if let Ok(id) = id.trim().parse::<u32>() {
            match v.iter_mut().find(|(t, _)| *t == id) {
                Some((_, n)) if n.is_empty() => *n = name.trim().to_string(),
                Some(_) => {}
                None => v.push((id, name.trim().to_string())),
            }
        }
    }
    Ok(v)
}

/// Queues a reinstall from `template` (0: the service's current template)
/// with a new password. Only from `ready` (or after VMRemove).
pub fn reinstall(db: &DbConfig, host: &dyn Host, service_id: u32, template: u32) -> Result<()> {
    let mut conn = db::conn(db)?;
    let vm = vm_of(&mut conn, service_id)?;
    let removed_only = vm.vm_status == "remove" && vm.vm_id > 0;
    // After a failed restore the spec offers a reinstall.
    let failed_restore = vm.vm_status == crate::jobs::restore::RESTORE_FAILED;
    if vm.vm_status != "ready" && !removed_only && !failed_restore {
        return Err(Error::Config(format!(
            "Reinstall is refused while the VM is in status '{}': wait for it to be ready{}",
            vm.vm_status,
            if busy(&vm.vm_status) {
                ""
            } else {
                " (or use Redeploy for a failed deploy)"
            }
        )));
    }
    let template = if template == 0 {
        vm.template_vmid
    } else {
        template
    };
    let allowed = allowed_templates(&mut conn, vm.product_id)?;
    if !allowed.contains(&template) {
        return Err(Error::input(
            "template",
            format!(
                "template {template} is not offered by this product (allowed: {})",
                allowed
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let client = client_for(&mut conn, host, &vm)?;
    let tpl = client
        .cluster_vms(Weight::Light)?
        .into_iter()
        .find(|v| v.vmid == template && v.template == Some(1))
        .ok_or_else(|| {
            Error::Config(format!(
                "template {template} does not exist on the Proxmox cluster (or is not a template)"
            ))
        })?;
    // The new password is saved (encrypted) with the status change, in one
    // transaction, before anything is removed: cloud-init and the ready
    // email agree, and a refused change leaves the old password.
    let fresh = host.encrypt(&jobs::generate_password()?)?;
    queue_with_password(
        &mut conn,
        service_id,
        &vm.vm_status,
        "reinstall",
        &fresh,
        |c| record::set_template(c, service_id, template, &tpl.node),
    )?;
    log(host, "Reinstall", service_id, json!({"template": template}));
    Ok(())
}

/// Queues `to` from `from` with a new (encrypted) service password, in one
/// transaction with the VM row locked: the status change, the password and
/// `also` land together or not at all, so WHMCS's password and the VM's can
/// never disagree. Refused when the status moved meanwhile. (A suspend that
/// lands meanwhile is harmless: the machine leaves the VM off and still
/// sends its email.) The status goes first: with a non-transactional
/// tblhosting a failure after it leaves the old password, which the VM keeps.
fn queue_with_password(
    conn: &mut PooledConn,
    service_id: u32,
    from: &str,
    to: &str,
    encrypted: &str,
    also: impl FnOnce(&mut PooledConn) -> Result<()>,
) -> Result<()> {
    record::in_transaction(conn, |c| {
        let state = record::lock_status(c, service_id)?;
        if state != from || !record::advance(c, service_id, from, to)? {
            return Err(Error::Config(format!(
                "the VM's status changed meanwhile (now '{state}'); try again"
            )));
        }
        c.exec_drop(
            "UPDATE tblhosting SET password = ? WHERE id = ?",
            (encrypted, service_id),
        )?;
        also(c)
    })
}

/// Reset password: a new strong password, saved encrypted in tblhosting
/// first (so a crash anywhere resumes with the same one and WHMCS shows
/// what the VM gets), then `reset_password`: the cron stops the VM, writes
/// cloud-init's user and password, starts it and sends the Reset password
/// email. Only from `ready`.
pub fn reset_password(db: &DbConfig, host: &dyn Host, service_id: u32) -> Result<()> {
    let mut conn = db::conn(db)?;
    let vm = vm_of(&mut conn, service_id)?;
    if vm.vm_status != "ready" {
        return Err(Error::Config(format!(
            "Reset password is refused while the VM is in status '{}': wait for it to be ready",
            vm.vm_status
        )));
    }
    if vm.suspended {
        return Err(Error::Config(
            "the service is suspended: unsuspend it before resetting the password".into(),
        ));
    }
    let fresh = host.encrypt(&jobs::generate_password()?)?;
    queue_with_password(
        &mut conn,
        service_id,
        "ready",
        "reset_password",
        &fresh,
        |c| record::set_error(c, service_id, None),
    )?;
    log(host, "ResetPassword", service_id, json!({}));
    Ok(())
}

/// Why Redeploy is refused for a VM in `state`, if it is (the pages hide
/// the button then).
pub fn redeploy_refusal(state: &str, vm_id: u32) -> Option<String> {
    if busy(state) {
        return Some(format!(
            "Redeploy is refused while the VM is in status '{state}': that operation must finish (or be reset) first"
        ));
    }
    if state == "remove" && vm_id == 0 {
        return Some("the service was terminated; create it again instead of redeploying".into());
    }
    None
}

/// Delete Record is only for rows whose VM is gone or whose removal failed.
pub fn can_delete_record(state: &str) -> bool {
    matches!(state, "error_terminate" | "remove")
}

/// Where an admin asks for Redeploy: each page offers it in its own states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedeployFrom {
    /// The service page (its tab and WHMCS's module command button): any
    /// VM that no other operation holds.
    ServicePage,
    /// VM Management's list: the spec shows the button only when
    /// vm_status != ready.
    VmList,
}

/// Why `from` does not offer Redeploy for a VM in `state`, if it does not
/// (the page hides or disables the button then, and the action refuses).
pub fn redeploy_offered(from: RedeployFrom, state: &str, vm_id: u32) -> Option<String> {
    if from == RedeployFrom::VmList && state == "ready" {
        return Some(
            "VM Management does not offer Redeploy for a ready VM (it works): use Reinstall to rebuild it from its template"
                .into(),
        );
    }
    redeploy_refusal(state, vm_id)
}

/// Deletes the VM and its IP assignments and starts a fresh deploy.
/// Returns the VM row as it was when this call changed it, `None` when a
/// redeploy was already queued (a double click).
pub fn redeploy(
    db: &DbConfig,
    host: &dyn Host,
    service_id: u32,
    from: RedeployFrom,
) -> Result<Option<VmRow>> {
    let mut conn = db::conn(db)?;
    let vm = vm_of(&mut conn, service_id)?;
    if vm.vm_status == "redeploy" {
        return Ok(None);
    }
    if let Some(why) = redeploy_offered(from, &vm.vm_status, vm.vm_id) {
        return Err(Error::Config(why));
    }
    force_status(&mut conn, service_id, "redeploy")?;
    log(host, "Redeploy", service_id, json!({"from": vm.vm_status}));
    Ok(Some(vm))
}

/// The statuses an admin may reset a VM to, with when to use each.
pub const RESET_STATUSES: &[(&str, &str)] = &[
    ("ready", "Return the VM to the normal \"everything is fine\" state. Use after you've finished a manual fix and want cron to stop touching it."),
    ("creation", "Retry deploy from the beginning — typically after fixing the underlying reason an earlier deploy failed."),
    ("set_ip", "Retry only the IP allocation step."),
    ("change_package", "Rerun the full package-change flow."),
    ("set_dns_records", "Queue a full DNS resync (delete + recreate all records). Fast and safe."),
    ("terminate", "Retry termination after an error_terminate."),
    ("remove", "Force-mark the VM as removed (no Proxmox contact). Use only when the VM is already gone from Proxmox and you just need WHMCS to stop showing it as active."),
];

/// Every status with its meaning and what the cron does (VM status reference).
pub fn status_reference() -> Value {
    let mut rows = Vec::new();
    for m in machine::machines() {
        for s in m.steps {
            if s.from == "ready" {
                continue;
            }
            if !rows.iter().any(|r: &Value| r["status"] == s.from) {
                rows.push(json!({"status": s.from, "machine": m.action,
                                 "next": s.name, "cron": "executes the next step each tick"}));
            }
        }
    }
    rows.push(json!({"status": "ready", "machine": "", "next": "", "cron": "ignores (only suspended VMs still running are stopped)"}));
    rows.push(
        json!({"status": "error_terminate", "machine": "terminate", "next": "",
                     "cron": "skips: fix the cause, then reset to terminate (retry) or remove"}),
    );
    rows.push(json!({"status": "remove", "machine": "", "next": "", "cron": "skips; Delete Record removes the row"}));
    rows.push(json!({"status": crate::jobs::restore::RESTORE_FAILED, "machine": "restore", "next": "",
                     "cron": "skips: the restore failed (the VM is stopped); restore again, reinstall, or reset to ready"}));
    json!({
        "reset": RESET_STATUSES.iter().map(|(s, u)| json!({"status": s, "use": u})).collect::<Vec<_>>(),
        "statuses": rows,
    })
}

/// Reset VM Status: any of `RESET_STATUSES`, whatever the current state.
/// Returns the VM row as it was before the reset.
pub fn reset_status(
    db: &DbConfig,
    host: &dyn Host,
    service_id: u32,
    status: &str,
) -> Result<VmRow> {
    if !RESET_STATUSES.iter().any(|(s, _)| *s == status) {
        return Err(Error::input(
            "status",
            format!(
                "'{}' is not a status you can reset to (one of: {})",
                crate::util::one_line(status, 40),
                RESET_STATUSES
                    .iter()
                    .map(|(s, _)| *s)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let mut conn = db::conn(db)?;
    let vm = vm_of(&mut conn, service_id)?;
    force_status(&mut conn, service_id, status)?;
    record::set_error(&mut conn, service_id, None)?;
    // A fresh lock-wait window: Reset to terminate retries.
    record::clear_wait(&mut conn, service_id)?;
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET verify_ticks = 0 WHERE service_id = ?",
        (service_id,),
    )?;
    log(
        host,
        "ResetVMStatus",
        service_id,
        json!({"from": vm.vm_status, "to": status}),
    );
    Ok(vm)
}

/// Delete Record: only rows in error_terminate / remove; our row only.
/// Returns the row deleted.
pub fn delete_record(db: &DbConfig, host: &dyn Host, service_id: u32) -> Result<VmRow> {
    let mut conn = db::conn(db)?;
    let vm = vm_of(&mut conn, service_id)?;
    if !can_delete_record(&vm.vm_status) {
        return Err(Error::Config(format!(
            "Delete Record is only for VMs in error_terminate or remove; this one is '{}'",
            vm.vm_status
        )));
    }
    record::delete(&mut conn, service_id)?;
    record::delete_runs(&mut conn, service_id)?;
    log(
        host,
        "DeleteRecord",
        service_id,
        json!({"status": vm.vm_status}),
    );
    Ok(vm)
}

fn log(host: &dyn Host, action: &str, service_id: u32, response: Value) {
    host.log_module_call(
        action,
        &json!({"serviceid": service_id}).to_string(),
        &response.to_string(),
        "",
        &[],
    );
}

//! Exports of the service lifecycle: the WHMCS module functions after
//! CreateAccount, the admin module commands, and the VM Management actions.
//! Each converts its arguments, runs the core inside the panic guard and
//! answers in WHMCS's shape. No logic lives here.

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;

use super::convert::{to_value, to_zval};
use super::globals::db_config;
use super::guard::{admin_exception, guard, status_string};
use super::host::PhpHost;
use crate::error::{Error, Result};
use crate::server::lifecycle::RedeployFrom;
use crate::server::{admin, commands, lifecycle};
use crate::whmcs::perms::{self, Perm};
use crate::whmcs::ServiceParams;

fn throw(e: Error) -> PhpException {
    PhpException::from(e.to_string())
}

fn sid_of(n: i64) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::input("service_id", format!("must be a positive id, got {n}")))
}

fn with_params(name: &str, params: &Zval, f: impl FnOnce(&ServiceParams) -> Result<()>) -> String {
    status_string(name, || f(&ServiceParams::from_value(&to_value(params)?)?))
}

/// Server module SuspendAccount($params): marks the service suspended and
/// sends a graceful shutdown; the cron finishes the stop. `'success'` or an error.
#[php_function]
pub fn puq_suspend_account(params: &Zval) -> String {
    with_params("puq_suspend_account", params, |p| {
        lifecycle::suspend(&db_config()?, &PhpHost, p)
    })
}

/// Server module UnsuspendAccount($params): clears the mark and starts the
/// VM (or lets a running deploy start it). `'success'` or an error.
#[php_function]
pub fn puq_unsuspend_account(params: &Zval) -> String {
    with_params("puq_unsuspend_account", params, |p| {
        lifecycle::unsuspend(&db_config()?, &PhpHost, p)
    })
}

/// Server module TerminateAccount($params): a stop request, then status
/// `terminate`; the cron deletes the VM, its backups and DNS, and frees the IPs.
#[php_function]
pub fn puq_terminate_account(params: &Zval) -> String {
    with_params("puq_terminate_account", params, |p| {
        lifecycle::terminate(&db_config()?, &PhpHost, p)
    })
}

/// Server module ChangePackage($params): validates the new configuration and
/// queues `change_package` (or keeps it pending while another operation runs).
#[php_function]
pub fn puq_change_package(params: &Zval) -> String {
    with_params("puq_change_package", params, |p| {
        lifecycle::change_package(&db_config()?, &PhpHost, p)
    })
}

/// Server module AdminCustomButtonArray(): `[label => function suffix]`.
#[php_function]
pub fn puq_admin_buttons() -> Zval {
    to_zval(&commands::button_array())
}

/// Runs one admin module command (`Start`, `SetCpuRam`, `VMRemove`, …, the
/// suffixes of puq_admin_buttons()) for `$params`. `'success'` or an error.
#[php_function]
pub fn puq_module_command(command: String, params: &Zval) -> String {
    with_params("puq_module_command", params, |p| {
        commands::run(&db_config()?, &PhpHost, &command, p)
    })
}

/// Queues a reinstall of the service from `$template` (0: its current
/// template; any template the product offers), with a new password.
/// Throws with the reason when refused.
#[php_function]
pub fn puq_reinstall(service_id: i64, template: Option<i64>) -> PhpResult<bool> {
    guard("puq_reinstall", || {
        let sid = sid_of(service_id)?;
        let t = u32::try_from(template.unwrap_or(0))
            .map_err(|_| Error::input("template", "must be a VMID"))?;
        lifecycle::reinstall(&db_config()?, &PhpHost, sid, t)?;
        Ok(true)
    })
    .map_err(throw)
}

fn admin_of(admin_id: i64) -> u32 {
    u32::try_from(admin_id).unwrap_or(0)
}

/// Redeploy from the admin service page: deletes the VM and its IP
/// assignments and starts a fresh deploy. `$admin_id` is the logged-in
/// admin (`$_SESSION['adminid']`), whose role needs WHMCS's "View Clients
/// Products/Services" and "Perform Server Operations". Throws with the
/// reason when refused: code 403 (permission), 409 (the VM's state: another
/// operation runs, or it was terminated), 400 (bad input).
#[php_function]
pub fn puq_vm_redeploy(service_id: i64, admin_id: i64) -> PhpResult<bool> {
    guard("puq_vm_redeploy", || {
        let db = db_config()?;
        let sid = sid_of(service_id)?;
        let admin = perms::require(
            &mut crate::db::conn(&db)?,
            admin_of(admin_id),
            &[Perm::ViewClientsProducts, Perm::PerformServerOperations],
        )?;
        admin::redeploy(&db, &PhpHost, &admin, sid, RedeployFrom::ServicePage)?;
        Ok(true)
    })
    .map_err(admin_exception)
}

/// Reset VM Status to one of the reset statuses (see
/// puq_vm_status_reference()), as VM Management does; `$admin_id` needs
/// "Perform Server Operations". Throws like puq_vm_redeploy().
#[php_function]
pub fn puq_vm_reset_status(service_id: i64, status: String, admin_id: i64) -> PhpResult<bool> {
    guard("puq_vm_reset_status", || {
        let db = db_config()?;
        let sid = sid_of(service_id)?;
        let admin = perms::require(
            &mut crate::db::conn(&db)?,
            admin_of(admin_id),
            &[Perm::PerformServerOperations],
        )?;
        admin::reset_status(&db, &PhpHost, &admin, sid, &status)?;
        Ok(true)
    })
    .map_err(admin_exception)
}

/// Delete Record: removes the VM row of an error_terminate / remove service
/// (Proxmox and tblhosting untouched); `$admin_id` needs "Perform Server
/// Operations". Throws like puq_vm_redeploy().
#[php_function]
pub fn puq_vm_delete_record(service_id: i64, admin_id: i64) -> PhpResult<bool> {
    guard("puq_vm_delete_record", || {
        let db = db_config()?;
        let sid = sid_of(service_id)?;
        let admin = perms::require(
            &mut crate::db::conn(&db)?,
            admin_of(admin_id),
            &[Perm::PerformServerOperations],
        )?;
        admin::delete_record(&db, &PhpHost, &admin, sid)?;
        Ok(true)
    })
    .map_err(admin_exception)
}

/// The VM status reference: `['reset' => [[status, use]...], 'statuses' => [...]]`.
#[php_function]
pub fn puq_vm_status_reference() -> Zval {
    to_zval(&lifecycle::status_reference())
}

/// The VM record of a service (no secrets), or null.
#[php_function]
pub fn puq_vm_info(service_id: i64) -> PhpResult<Zval> {
    guard("puq_vm_info", || {
        let mut c = crate::db::conn(&db_config()?)?;
        let vm = crate::jobs::record::load(&mut c, sid_of(service_id)?)?;
        Ok(serde_json::to_value(vm).unwrap_or(serde_json::Value::Null))
    })
    .map(|v| to_zval(&v))
    .map_err(throw)
}

/// The run log of a service: the last `$limit` runs (max 50), newest first.
#[php_function]
pub fn puq_vm_runs(service_id: i64, limit: Option<i64>) -> PhpResult<Zval> {
    guard("puq_vm_runs", || {
        let mut c = crate::db::conn(&db_config()?)?;
        let n = u32::try_from(limit.unwrap_or(50).clamp(1, 50)).unwrap_or(50);
        let runs = crate::jobs::record::runs(&mut c, sid_of(service_id)?, n)?;
        Ok(serde_json::to_value(runs).unwrap_or(serde_json::Value::Null))
    })
    .map(|v| to_zval(&v))
    .map_err(throw)
}

pub fn build_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(puq_suspend_account))
        .function(wrap_function!(puq_unsuspend_account))
        .function(wrap_function!(puq_terminate_account))
        .function(wrap_function!(puq_change_package))
        .function(wrap_function!(puq_admin_buttons))
        .function(wrap_function!(puq_module_command))
        .function(wrap_function!(puq_reinstall))
        .function(wrap_function!(puq_vm_redeploy))
        .function(wrap_function!(puq_vm_reset_status))
        .function(wrap_function!(puq_vm_delete_record))
        .function(wrap_function!(puq_vm_status_reference))
        .function(wrap_function!(puq_vm_info))
        .function(wrap_function!(puq_vm_runs))
}

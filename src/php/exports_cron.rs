//! Exports for snapshots, backups, their schedule, restore, reset password
//! (each taking the service id first; the client pages call them), and the
//! server module's usage entry points (MetricProvider, UsageUpdate).

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;
use serde_json::{json, Value};

use super::convert::{to_value, to_zval};
use super::globals::db_config;
use super::guard::guard;
use super::host::{php_tz_offset, PhpHost};
use crate::backup::{backups, schedule, snapshots, Service};
use crate::db;
use crate::error::{Error, Result};

fn data(name: &str, f: impl FnOnce() -> Result<Value>) -> PhpResult<Zval> {
    guard(name, f)
        .map(|v| to_zval(&v))
        .map_err(|e| PhpException::from(e.to_string()))
}

fn sid_of(n: i64) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::input("service_id", format!("must be a positive id, got {n}")))
}

/// The service with its VM and Proxmox client, on this (the PHP) thread.
fn with_service<T>(
    sid: i64,
    f: impl FnOnce(&mut mysql::PooledConn, &Service) -> Result<T>,
) -> Result<T> {
    let sid = sid_of(sid)?;
    let mut c = db::conn(&db_config()?)?;
    let svc = Service::load(&mut c, &PhpHost, sid)?;
    f(&mut c, &svc)
}

/// The VM's snapshots (`name, description, snaptime, remaining_seconds`),
/// `used`, `quota` and `lifetime_days`.
#[php_function]
pub fn puq_snapshot_list(service_id: i64) -> PhpResult<Zval> {
    data("puq_snapshot_list", || {
        with_service(service_id, |_, s| {
            snapshots::list(s, crate::cron::now_unix())
        })
    })
}

/// Takes a snapshot within the product's quota. `$name` is optional (a
/// valid one is generated); the task is followed to its end for up to the
/// Default Timeout, then by the cron: `['status' => 'success'|'running', 'name', 'upid']`.
#[php_function]
pub fn puq_snapshot_create(
    service_id: i64,
    description: Option<String>,
    name: Option<String>,
) -> PhpResult<Zval> {
    data("puq_snapshot_create", || {
        with_service(service_id, |c, s| {
            snapshots::create(
                c,
                s,
                name.as_deref().unwrap_or(""),
                description.as_deref().unwrap_or(""),
                crate::cron::now_unix(),
            )
        })
    })
}

/// Rolls the VM back to a snapshot: `['status' => 'success'|'running', …]`.
#[php_function]
pub fn puq_snapshot_rollback(service_id: i64, name: String) -> PhpResult<Zval> {
    data("puq_snapshot_rollback", || {
        with_service(service_id, |c, s| {
            snapshots::rollback(c, s, &name, crate::cron::now_unix())
        })
    })
}

/// Deletes a snapshot: `['status' => 'success'|'running', …]`.
#[php_function]
pub fn puq_snapshot_delete(service_id: i64, name: String) -> PhpResult<Zval> {
    data("puq_snapshot_delete", || {
        with_service(service_id, |c, s| {
            snapshots::delete(c, s, &name, crate::cron::now_unix())
        })
    })
}

/// The VM's backups (`volid, size, ctime, note`), `used`, `quota`, the
/// backups `running` and the `last_error` of a failed one.
#[php_function]
pub fn puq_backup_list(service_id: i64) -> PhpResult<Zval> {
    data("puq_backup_list", || {
        with_service(service_id, backups::list)
    })
}

/// "Backup now" with an optional note: starts vzdump (snapshot mode, zstd)
/// to the product's backup storage and returns at once
/// (`['status' => 'running', 'upid']`); Now Backup Status follows it.
/// Refused when the quota is full or a backup is running.
#[php_function]
pub fn puq_backup_create(service_id: i64, note: Option<String>) -> PhpResult<Zval> {
    data("puq_backup_create", || {
        with_service(service_id, |c, s| {
            backups::create(c, s, note.as_deref().unwrap_or(""), crate::cron::now_unix())
        })
    })
}

/// Deletes one of the VM's backups (`$volid` from puq_backup_list).
#[php_function]
pub fn puq_backup_delete(service_id: i64, volid: String) -> PhpResult<Zval> {
    data("puq_backup_delete", || {
        with_service(service_id, |c, s| {
            backups::delete(c, s, &volid, crate::cron::now_unix())
        })
    })
}

/// Restores one of the VM's own backups (`$volid` from puq_backup_list)
/// over the VM: queued for the cron (stop, delete snapshots, qmrestore,
/// re-apply the package, start, "Backup restored" email). From `ready`, or
/// `restore_failed` to retry. `['status' => 'queued', 'volid']`; throws
/// with the reason when refused.
#[php_function]
pub fn puq_backup_restore(service_id: i64, volid: String) -> PhpResult<Zval> {
    data("puq_backup_restore", || {
        with_service(service_id, |c, s| {
            crate::backup::restore::request(c, s, &volid, crate::cron::now_unix())
        })
    })
}

/// Reset password: a new strong password saved (encrypted) in WHMCS now;
/// the cron stops the VM, writes it with cloud-init, starts the VM and
/// sends the "Reset password" email. From `ready` only; throws with the
/// reason when refused.
#[php_function]
pub fn puq_reset_password(service_id: i64) -> PhpResult<bool> {
    guard("puq_reset_password", || {
        let sid = sid_of(service_id)?;
        crate::server::lifecycle::reset_password(&db_config()?, &PhpHost, sid)?;
        Ok(true)
    })
    .map_err(|e| PhpException::from(e.to_string()))
}

/// The weekly schedule: `['days' => [7 × ['enabled' => bool, 'time' => 'HH:MM']]]`, Sunday first.
#[php_function]
pub fn puq_backup_schedule_get(service_id: i64) -> PhpResult<Zval> {
    data("puq_backup_schedule_get", || {
        let sid = sid_of(service_id)?;
        let mut c = db::conn(&db_config()?)?;
        Ok(json!(schedule::get(&mut c, sid)?))
    })
}

/// Saves the weekly schedule from the form (`['monday' => ['enabled' => 'on',
/// 'time' => '03:00'], …]`, names or 0–6 with Sunday = 0). Throws naming
/// the field on bad input, saving nothing.
#[php_function]
pub fn puq_backup_schedule_save(service_id: i64, schedule: &Zval) -> PhpResult<Zval> {
    data("puq_backup_schedule_save", || {
        let v = to_value(schedule)?;
        let parsed = schedule::Schedule::from_value(&v)?;
        with_service(service_id, |c, s| {
            if parsed.any_enabled() && s.eff.backups <= 0 {
                return Err(Error::Config(
                    "backups are not available for this service (quota 0)".into(),
                ));
            }
            schedule::save(c, s.vm.service_id, &parsed)?;
            Ok(json!(parsed))
        })
    })
}

/// Server module MetricProvider usage: this month's Bandwidth Usage In / Out
/// in GB per service (`[service_id => ['bandwidth_in' => …, 'bandwidth_out' => …]]`)
/// for the `$params` server's services with Metric Billing on; with a
/// `serviceid` in `$params`, that service only. Calls no Proxmox API.
#[php_function]
pub fn puq_metric_usage(params: &Zval) -> PhpResult<Zval> {
    data("puq_metric_usage", || {
        let v = to_value(params)?;
        let f = crate::whmcs::fields::Fields::new(&v)?;
        let server = f.req_id("serverid")?;
        let sid = match f.raw("serviceid") {
            None => None,
            Some(_) => Some(f.req_id("serviceid")?),
        };
        let mut c = db::conn(&db_config()?)?;
        crate::stats::metric_usage(
            &mut c,
            server,
            sid,
            crate::cron::now_unix(),
            php_tz_offset(),
        )
    })
}

/// Server module UsageUpdate($params): fills tblhosting's bwusage (this
/// month, MB), diskusage and disklimit (MB) for the server's services.
/// Returns `'success'` or an error message.
#[php_function]
pub fn puq_usage_update(params: &Zval) -> String {
    super::guard::status_string("puq_usage_update", || {
        let v = to_value(params)?;
        let server = crate::whmcs::ServerParams::from_value(&v)?;
        let mut c = db::conn(&db_config()?)?;
        let s = db::settings::load(&mut c)?;
        let conn = crate::pve::Connection::from_server(
            &server,
            std::time::Duration::from_secs(u64::from(s.default_timeout)),
            std::time::Duration::from_secs(u64::from(s.heavy_timeout)),
        )?;
        let client = crate::pve::Client::new(conn)?;
        crate::stats::usage_update(
            &mut c,
            &client,
            server.id,
            crate::cron::now_unix(),
            php_tz_offset(),
        )?;
        Ok(())
    })
}

pub fn build_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(puq_snapshot_list))
        .function(wrap_function!(puq_snapshot_create))
        .function(wrap_function!(puq_snapshot_rollback))
        .function(wrap_function!(puq_snapshot_delete))
        .function(wrap_function!(puq_backup_list))
        .function(wrap_function!(puq_backup_create))
        .function(wrap_function!(puq_backup_delete))
        .function(wrap_function!(puq_backup_restore))
        .function(wrap_function!(puq_reset_password))
        .function(wrap_function!(puq_backup_schedule_get))
        .function(wrap_function!(puq_backup_schedule_save))
        .function(wrap_function!(puq_metric_usage))
        .function(wrap_function!(puq_usage_update))
}

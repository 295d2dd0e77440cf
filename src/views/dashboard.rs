//! The addon's dashboard: the spec's cards (IP Pools, DNS Zones, KVM
//! Services, VM Management, Settings) and, beyond the spec, a health strip:
//! each cron task's last run and whether it is overdue, VMs in error or
//! waiting, and Proxmox servers that do not answer.

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::{json, Value};

use super::Ctx;
use crate::cron::{now_unix, TASKS};
use crate::error::Result;

/// How long a server may take to answer the health probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

pub fn page(ctx: &mut Ctx<'_>) -> Result<Value> {
    let c = &mut ctx.conn;
    let pools: u64 = count(c, "SELECT COUNT(*) FROM puqProxmoxKVM_ip_pools", ())?;
    let zones: Option<u64> = if table_exists(c, "puqProxmoxKVM_dns_zones")? {
        Some(count(
            c,
            "SELECT COUNT(*) FROM puqProxmoxKVM_dns_zones",
            (),
        )?)
    } else {
        None
    };
    let services: u64 = count(
        c,
        "SELECT COUNT(*) FROM tblhosting h JOIN tblproducts p ON p.id = h.packageid \
         WHERE p.servertype = ? AND h.domainstatus = 'Active'",
        (crate::ippool::store::SERVER_TYPE,),
    )?;
    let vms: u64 = count(c, "SELECT COUNT(*) FROM puqProxmoxKVM_vm_info", ())?;
    Ok(json!({
        "cards": {
            "ip_pools": pools,
            "dns_zones": zones,
            "kvm_services": services,
            "vms": vms,
        },
        "health": vm_health(c)?,
        "legacy_import": crate::addon::legacy::last_report(c)?,
        "module": {
            "version": crate::addon::VERSION,
            "schema_version": crate::db::migrate::current_version(c)?,
            "schema_latest": crate::db::migrate::latest_version(),
        },
    }))
}

/// The live part of the health strip: cron tasks, VM states and, slower,
/// whether each Proxmox server answers (probed in parallel).
pub fn health(ctx: &mut Ctx<'_>) -> Result<Value> {
    let cron = cron_health(&mut ctx.conn, now_unix())?;
    let vms = vm_health(&mut ctx.conn)?;
    let servers = server_health(ctx)?;
    Ok(json!({"cron": cron, "vms": vms, "servers": servers}))
}

/// The installation doctor (`crate::doctor`), run from the Dashboard's
/// button. `install` carries the PHP runtime the boundary read.
pub fn doctor(ctx: &mut Ctx<'_>) -> Result<Value> {
    let rt = crate::doctor::Runtime::from_value(ctx.install.unwrap_or(&Value::Null));
    let dir = ctx
        .install
        .and_then(|i| i.get("addon_dir"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let report = crate::doctor::run(ctx.db, ctx.host, &rt, &dir)?;
    Ok(json!(report))
}

fn count<P: Into<mysql::Params>>(c: &mut PooledConn, sql: &str, p: P) -> Result<u64> {
    Ok(c.exec_first::<u64, _, _>(sql, p)?.unwrap_or(0))
}

fn table_exists(c: &mut PooledConn, name: &str) -> Result<bool> {
    let n: Option<u64> = c.exec_first(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        (name,),
    )?;
    Ok(n.unwrap_or(0) > 0)
}

fn vm_health(c: &mut PooledConn) -> Result<Value> {
    // The same clauses as VM Management's "Errors" and "In progress"
    // filters, which these counts link to.
    let (error_sql, error_args) = super::vms::error_clause("");
    let error: u64 = count(
        c,
        &format!("SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE {error_sql}"),
        error_args,
    )?;
    let (progress_sql, progress_args) = super::vms::progress_clause("");
    let waiting: u64 = count(
        c,
        &format!("SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE {progress_sql}"),
        progress_args,
    )?;
    Ok(json!({"error": error, "waiting": waiting}))
}

/// One row per cron task: interval, last run, overdue (no run within two
/// intervals plus a minute of slack).
pub fn cron_health(c: &mut PooledConn, now: i64) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    let settings = crate::db::settings::load(c)?;
    for t in TASKS {
        let last = crate::cron::store::load(c, t.key)?.and_then(|r| r.last_run);
        out.push(task_health(
            t.key,
            t.name,
            settings.interval(t.key),
            true,
            last,
            now,
        ));
    }
    Ok(out)
}

fn task_health(
    key: &str,
    name: &str,
    interval_min: u32,
    available: bool,
    last: Option<i64>,
    now: i64,
) -> Value {
    let limit = i64::from(interval_min) * 120 + 60;
    let overdue = available && last.is_none_or(|l| now - l > limit);
    json!({
        "key": key,
        "name": name,
        "interval_min": interval_min,
        "available": available,
        "last_run": last,
        "ago_s": last.map(|l| (now - l).max(0)),
        "overdue": overdue,
    })
}

fn server_health(ctx: &mut Ctx<'_>) -> Result<Vec<Value>> {
    let rows: Vec<(u32, String)> = ctx.conn.exec(
        "SELECT id, name FROM tblservers WHERE type = ? AND disabled = 0 ORDER BY id",
        (crate::ippool::store::SERVER_TYPE,),
    )?;
    // Secrets are decrypted here, on the PHP thread; the probes run on
    // worker threads and only see the Rust values.
    let mut probes = Vec::new();
    for (id, name) in rows {
        let server = crate::jobs::server_params(&mut ctx.conn, ctx.host, id);
        probes.push((id, name, server));
    }
    let settings = crate::db::settings::load(&mut ctx.conn).unwrap_or_default();
    let timeout = PROBE_TIMEOUT.min(Duration::from_secs(u64::from(settings.default_timeout)));
    let handles: Vec<_> = probes
        .into_iter()
        .map(|(id, name, server)| {
            std::thread::spawn(move || {
                let result = server.and_then(|s| {
                    let conn = crate::pve::Connection::from_server(&s, timeout, timeout)?;
                    let v = crate::pve::Client::new(conn)?.version()?;
                    Ok(v.version)
                });
                match result {
                    Ok(version) => json!({"id": id, "name": name, "ok": true, "version": version}),
                    Err(e) => json!({"id": id, "name": name, "ok": false, "error": e.to_string()}),
                }
            })
        })
        .collect();
    Ok(handles
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|_| json!({"ok": false, "error": "the probe failed unexpectedly"}))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overdue_after_two_intervals() {
        let now = 10_000;
        assert_eq!(task_health("p", "P", 1, true, None, now)["overdue"], true);
        assert_eq!(
            task_health("p", "P", 1, true, Some(now - 60), now)["overdue"],
            false
        );
        assert_eq!(
            task_health("p", "P", 1, true, Some(now - 181), now)["overdue"],
            true
        );
        assert_eq!(
            task_health("p", "P", 60, true, Some(now - 3600), now)["overdue"],
            false
        );
        // A task this build does not run is never overdue.
        assert_eq!(task_health("s", "S", 5, false, None, now)["overdue"], false);
        assert_eq!(
            task_health("p", "P", 1, true, Some(now - 30), now)["ago_s"],
            30
        );
    }
}

//! The cron: six tasks with intervals, last-run bookkeeping and locks, run
//! from WHMCS's AfterCronJob hook or the standalone cron.php.
//!
//! Locks are MySQL named locks (`GET_LOCK`), held on a dedicated connection
//! for the task's duration: they vanish with the connection when a runner
//! dies, so there are no stale lock files, and two runners on two machines
//! never run the same task at once.

use std::time::Instant;

use mysql::prelude::Queryable;
use mysql::PooledConn;

use crate::db::{self, DbConfig};
use crate::error::{Error, Result};
use crate::whmcs::Host;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task {
    pub key: &'static str,
    pub name: &'static str,
    /// Default interval in minutes (spec, "Cron and Automation").
    pub interval_min: u32,
    /// Whether this build implements the task; others are listed but not run.
    pub available: bool,
}

pub const TASKS: &[Task] = &[
    Task {
        key: "process_vms",
        name: "Process VMs",
        interval_min: 1,
        available: true,
    },
    Task {
        key: "remove_snapshots",
        name: "Remove Snapshots",
        interval_min: 60,
        available: false,
    },
    Task {
        key: "restore_backup",
        name: "Restore Backup",
        interval_min: 5,
        available: false,
    },
    Task {
        key: "backup_status",
        name: "Backup Status",
        interval_min: 5,
        available: false,
    },
    Task {
        key: "schedule_backup",
        name: "Schedule Backup",
        interval_min: 60,
        available: false,
    },
    Task {
        key: "collect_statistics",
        name: "Collect Statistics",
        interval_min: 60,
        available: false,
    },
];

/// What the command line (or the hook) asked for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub help: bool,
    pub list: bool,
    pub force: bool,
    pub clear_locks: bool,
    pub task: Option<String>,
    /// Seconds east of UTC for timestamps (PHP's `date('Z')`).
    pub tz_offset: i64,
}

impl Options {
    /// From cron.php's / the hook's array: `['mode' => …, 'argv' => [...]]`.
    pub fn from_value(v: &serde_json::Value) -> Result<Self> {
        let f = crate::whmcs::fields::Fields::new(v)?;
        let argv: Vec<String> = match f.raw("argv") {
            None => Vec::new(),
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|x| {
                    crate::whmcs::fields::scalar_string(x)
                        .ok_or_else(|| Error::input("argv", "expected a list of strings"))
                })
                .collect::<Result<_>>()?,
            Some(_) => return Err(Error::input("argv", "expected a list of strings")),
        };
        Self::parse(&argv)
    }

    pub fn parse(args: &[String]) -> Result<Self> {
        let mut o = Options::default();
        for a in args {
            match a.as_str() {
                "--help" | "-h" => o.help = true,
                "--list" => o.list = true,
                "--force" => o.force = true,
                "--clear-locks" => o.clear_locks = true,
                s => {
                    let v = s
                        .strip_prefix("--task=")
                        .or_else(|| s.strip_prefix("--run-task="))
                        .ok_or_else(|| {
                            Error::input("argv", format!("unknown option '{s}' (see --help)"))
                        })?;
                    if !TASKS.iter().any(|t| t.key == v) {
                        return Err(Error::input(
                            "task",
                            format!(
                                "unknown task '{v}'; tasks: {}",
                                TASKS.iter().map(|t| t.key).collect::<Vec<_>>().join(", ")
                            ),
                        ));
                    }
                    o.task = Some(v.to_string());
                    o.force = true;
                }
            }
        }
        Ok(o)
    }
}

pub const HELP: &str = "PUQ Proxmox KVM cron
Usage: php modules/addons/puq_proxmox_kvm/cron.php [options]
  --help              this help
  --list              list tasks with interval, last run and lock state
  --task=NAME         run one task now (alias --run-task=NAME)
  --force             run every task now, ignoring intervals
  --clear-locks       release task locks held by this database user's dead sessions";

fn lock_name(db: &DbConfig, task: &str) -> String {
    // Named locks are server-wide: include the database so two WHMCS
    // installs on one MySQL server do not block each other.
    format!("puqProxmoxKVM:{}:{}", db.name, task)
}

fn last_run(conn: &mut PooledConn, task: &str) -> Result<Option<i64>> {
    let v: Option<String> = match conn.exec_first(
        "SELECT value FROM puqProxmoxKVM_settings WHERE name = ?",
        (format!("cron_last_{task}"),),
    ) {
        Ok(v) => v,
        Err(mysql::Error::MySqlError(e)) if e.code == 1146 => None,
        Err(e) => return Err(e.into()),
    };
    Ok(v.and_then(|s| s.parse().ok()))
}

fn set_last_run(conn: &mut PooledConn, task: &str, at: i64) -> Result<()> {
    conn.exec_drop(
        "INSERT INTO puqProxmoxKVM_settings (name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)",
        (format!("cron_last_{task}"), at.to_string()),
    )?;
    Ok(())
}

pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// What a task reports: the summary for its Done line, per-item lines, and
/// how many items failed.
#[derive(Debug, Default)]
pub struct Report {
    pub summary: String,
    pub details: Vec<String>,
    pub errors: usize,
}

/// Runs one task's body.
pub type TaskFn<'a> = dyn Fn(&Task, &dyn Host) -> Result<Report> + 'a;

/// The cron entry point. Returns the process exit code.
pub fn tick(db: &DbConfig, host: &dyn Host, opts: &Options, run_task: &TaskFn) -> Result<i32> {
    if opts.help {
        for l in HELP.lines() {
            host.output(l);
        }
        return Ok(0);
    }
    let mut conn = db::conn(db)?;
    if opts.list {
        for t in TASKS {
            let last = last_run(&mut conn, t.key)?;
            let free: Option<Option<i64>> =
                conn.exec_first("SELECT IS_FREE_LOCK(?)", (lock_name(db, t.key),))?;
            host.output(&format!(
                "{:<20} every {:>3} min  last run: {:<20} lock: {}{}",
                t.key,
                t.interval_min,
                last.map_or("never".to_string(), |s| format!("{}s ago", now_unix() - s)),
                if free.flatten() == Some(0) {
                    "held"
                } else {
                    "free"
                },
                if t.available {
                    ""
                } else {
                    "  (not available in this build)"
                }
            ));
        }
        return Ok(0);
    }
    if opts.clear_locks {
        // Named locks die with their session; nothing persistent to clear.
        host.output("Locks are MySQL named locks released automatically when a runner exits; none are stale.");
        return Ok(0);
    }
    let ts = |t: i64| crate::util::datetime(t, opts.tz_offset);
    let cron_start = Instant::now();
    host.output(&format!("{} PUQ Proxmox KVM Cron Start", ts(now_unix())));
    let mut failed = false;
    for t in TASKS {
        if opts.task.as_deref().is_some_and(|k| k != t.key) {
            continue;
        }
        let now = now_unix();
        if !t.available {
            if opts.task.is_some() {
                host.output(&format!(
                    "{} [{}] not available in this build",
                    ts(now),
                    camel(t.key)
                ));
            }
            continue;
        }
        let last = last_run(&mut conn, t.key)?;
        if !opts.force && last.is_some_and(|l| now - l < i64::from(t.interval_min) * 60 - 5) {
            continue;
        }
        let mut lock_conn = db::conn(db)?;
        let got: Option<Option<i64>> =
            lock_conn.exec_first("SELECT GET_LOCK(?, 0)", (lock_name(db, t.key),))?;
        if got.flatten() != Some(1) {
            host.output(&format!(
                "{} [{}] Skipped: another runner holds the lock",
                ts(now),
                camel(t.key)
            ));
            continue;
        }
        host.output(&format!(
            "{} [{}] Running (interval: {}m, last: {})",
            ts(now),
            camel(t.key),
            t.interval_min,
            last.map_or("never".to_string(), |l| crate::util::clock(
                l,
                opts.tz_offset
            ))
        ));
        let started = Instant::now();
        let r = run_task(t, host);
        set_last_run(&mut conn, t.key, now)?;
        let _: Option<Option<i64>> =
            lock_conn.exec_first("SELECT RELEASE_LOCK(?)", (lock_name(db, t.key),))?;
        let secs = started.elapsed().as_secs_f64();
        match r {
            Ok(report) => {
                host.output(&format!(
                    "{} [{}] Done ({secs:.1}s) — {}",
                    ts(now_unix()),
                    camel(t.key),
                    report.summary
                ));
                if report.errors > 0 {
                    failed = true;
                }
                for l in &report.details {
                    host.output(&format!("{}   {l}", ts(now_unix())));
                }
            }
            Err(e) => {
                failed = true;
                host.output(&format!(
                    "{} [{}] Failed ({secs:.1}s) — {e}",
                    ts(now_unix()),
                    camel(t.key)
                ));
            }
        }
    }
    host.output(&format!(
        "{} PUQ Proxmox KVM Cron End ({:.1}s total)",
        ts(now_unix()),
        cron_start.elapsed().as_secs_f64()
    ));
    Ok(i32::from(failed))
}

/// `process_vms` → `processVms`, as the spec's cron lines name tasks.
pub fn camel(key: &str) -> String {
    match key {
        "process_vms" => "processVirtualMachines".into(),
        _ => {
            let mut out = String::new();
            let mut up = false;
            for c in key.chars() {
                if c == '_' {
                    up = true;
                } else if up {
                    out.push(c.to_ascii_uppercase());
                    up = false;
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options() {
        assert_eq!(Options::parse(&args(&[])).unwrap(), Options::default());
        let o = Options::parse(&args(&["--task=process_vms"])).unwrap();
        assert_eq!(o.task.as_deref(), Some("process_vms"));
        assert!(o.force);
        let o = Options::parse(&args(&["--run-task=collect_statistics", "--list"])).unwrap();
        assert!(o.list);
        let e = Options::parse(&args(&["--task=nope"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown task 'nope'") && e.contains("process_vms"),
            "{e}"
        );
        assert!(Options::parse(&args(&["--bogus"])).is_err());
    }

    #[test]
    fn options_from_the_php_array() {
        use serde_json::json;
        assert_eq!(
            Options::from_value(&json!({"mode": "hook"})).unwrap(),
            Options::default()
        );
        assert!(
            Options::from_value(&json!({"argv": ["--list"]}))
                .unwrap()
                .list
        );
        assert!(Options::from_value(&json!({"argv": "--list"}))
            .unwrap_err()
            .to_string()
            .contains("'argv'"));
        assert!(Options::from_value(&json!({"argv": [["x"]]})).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(camel("process_vms"), "processVirtualMachines");
        assert_eq!(camel("remove_snapshots"), "removeSnapshots");
        assert_eq!(TASKS.len(), 6);
    }
}

//! The cron: six tasks with intervals, last-run / last-result bookkeeping
//! and a database lock each, run from WHMCS's AfterCronJob hook or the
//! standalone cron.php — the cron-mode setting decides which one acts.
//!
//! A slow task never delays Process VMs: Process VMs runs first in every
//! tick under its own lock, so a runner still busy with another task does
//! not hold it; backups and restores are background Proxmox tasks that the
//! status tasks poll (no task waits on a vzdump); and the batch tasks have
//! a time budget per run.

pub mod lock;
pub mod store;
pub mod tasks;

use std::time::Instant;

use crate::db::{self, settings, DbConfig};
use crate::error::{Error, Result};
use crate::whmcs::Host;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task {
    /// The key used in settings (`interval_<key>`), the lock row and `--task`.
    pub key: &'static str,
    /// The name in the live output and the second CLI spelling
    /// (Settings > Cron: `--task=processVirtualMachines`).
    pub cli: &'static str,
    pub name: &'static str,
}

/// In run order: Process VMs first, so nothing delays deploys.
pub const TASKS: &[Task] = &[
    Task {
        key: "process_vms",
        cli: "processVirtualMachines",
        name: "Process Virtual Machines",
    },
    Task {
        key: "backup_status",
        cli: "nowBackupStatus",
        name: "Now Backup Status",
    },
    Task {
        key: "restore_backup",
        cli: "restoreBackupStatus",
        name: "Restore Backup Status",
    },
    Task {
        key: "schedule_backup",
        cli: "scheduleBackup",
        name: "Schedule Backup",
    },
    Task {
        key: "remove_snapshots",
        cli: "removeOldSnapshots",
        name: "Remove Old Snapshots",
    },
    Task {
        key: "collect_statistics",
        cli: "collectingStatistics",
        name: "Collecting Statistics",
    },
];

/// A task by either spelling (`process_vms`, `processVirtualMachines`),
/// case-insensitively.
pub fn find_task(name: &str) -> Option<&'static Task> {
    let n = name.trim();
    TASKS
        .iter()
        .find(|t| t.key.eq_ignore_ascii_case(n) || t.cli.eq_ignore_ascii_case(n))
}

/// What the command line (or the hook) asked for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub help: bool,
    pub list: bool,
    pub force: bool,
    pub clear_locks: bool,
    pub verbose: bool,
    /// `--doctor`: the installation doctor instead of the tasks.
    pub doctor: bool,
    /// The addon's directory (cron.php passes `__DIR__`), for the doctor's
    /// crontab line.
    pub addon_dir: String,
    pub task: Option<String>,
    /// "hook" (AfterCronJob) or "standalone" (cron.php, and scripts).
    pub mode: String,
    /// Seconds east of UTC for timestamps (PHP's `date('Z')`).
    pub tz_offset: i64,
    /// The clock for the schedule rules; `None` = the real one. Only a PHP
    /// caller can set it (`'now' => unix`), never the command line.
    pub now: Option<i64>,
}

impl Options {
    /// From cron.php's / the hook's array: `['mode' => …, 'argv' => [...], 'now' => int]`.
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
        let mut o = Self::parse(&argv)?;
        o.addon_dir = f.str_or_empty("addon_dir")?;
        o.mode = match f.str_or_empty("mode")?.as_str() {
            "" | "standalone" => "standalone".into(),
            "hook" => "hook".into(),
            m => {
                return Err(Error::input(
                    "mode",
                    format!("'{m}' is not hook or standalone"),
                ))
            }
        };
        o.now = match f.raw("now") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Number(n)) => Some(
                n.as_i64()
                    .filter(|t| *t > 0)
                    .ok_or_else(|| Error::input("now", "expected a Unix time"))?,
            ),
            Some(_) => return Err(Error::input("now", "expected a Unix time")),
        };
        Ok(o)
    }

    pub fn parse(args: &[String]) -> Result<Self> {
        let mut o = Options {
            mode: "standalone".into(),
            ..Options::default()
        };
        for a in args {
            match a.as_str() {
                "--help" | "-h" => o.help = true,
                "--list" => o.list = true,
                "--force" => o.force = true,
                "--clear-locks" => o.clear_locks = true,
                "--verbose" | "-v" => o.verbose = true,
                "--doctor" => o.doctor = true,
                s => {
                    let v = s
                        .strip_prefix("--task=")
                        .or_else(|| s.strip_prefix("--run-task="))
                        .ok_or_else(|| {
                            Error::input("argv", format!("unknown option '{s}' (see --help)"))
                        })?;
                    let t = find_task(v).ok_or_else(|| {
                        Error::input(
                            "task",
                            format!(
                                "unknown task '{v}'; tasks: {}",
                                TASKS
                                    .iter()
                                    .map(|t| format!("{} ({})", t.key, t.cli))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                    })?;
                    o.task = Some(t.key.to_string());
                    o.force = true;
                }
            }
        }
        Ok(o)
    }

    pub fn clock(&self) -> i64 {
        self.now.unwrap_or_else(now_unix)
    }
}

pub const HELP: &str = "PUQ Proxmox KVM cron
Usage: php modules/addons/puq_proxmox_kvm/cron.php [options]
  (no option)         run every task that is due (standalone cron mode)
  --help              this help
  --list              each task with interval, last run, next due, last result, lock state
  --task=NAME         run one task now; NAME is either spelling, e.g. process_vms or
                      processVirtualMachines (alias --run-task=NAME)
  --force             run every task now, ignoring intervals and the cron mode
  --clear-locks       free locks whose holder died or stopped renewing (live ones are kept)
  --verbose           also print tasks that are not due and per-item details
  --doctor            check the installation end to end (extension, database, cron, email
                      templates, Proxmox servers and token privileges, products, IP pools,
                      DNS zones, console proxy) and say what to fix; exit code 1 on a failure
Tasks: process_vms (processVirtualMachines), backup_status (nowBackupStatus),
  restore_backup (restoreBackupStatus), schedule_backup (scheduleBackup),
  remove_snapshots (removeOldSnapshots), collect_statistics (collectingStatistics)";

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

/// Seconds of slack so a cron started a little early still runs its task.
const SLACK: i64 = 5;

fn due(last: Option<i64>, interval_min: u32, now: i64) -> bool {
    last.is_none_or(|l| now - l >= i64::from(interval_min) * 60 - SLACK)
}

/// The cron entry point. Returns the process exit code.
pub fn tick(db: &DbConfig, host: &dyn Host, opts: &Options, run_task: &TaskFn) -> Result<i32> {
    if opts.help {
        for l in HELP.lines() {
            host.output(l);
        }
        return Ok(0);
    }
    let mut conn = db::conn(db)?;
    let s = settings::load(&mut conn)?;
    if opts.list {
        list(&mut conn, host, &s, opts)?;
        return Ok(0);
    }
    if store::load(&mut conn, "process_vms")?.is_none() {
        host.output("The module's tables do not exist yet: activate the addon first.");
        return Ok(if opts.mode == "hook" { 0 } else { 1 });
    }
    if opts.clear_locks {
        let keys: Vec<&str> = TASKS.iter().map(|t| t.key).collect();
        let found = lock::clear_stale(&mut conn, &keys)?;
        if found.is_empty() {
            host.output("No task locks are held.");
        }
        for f in found {
            host.output(&f.line());
        }
        return Ok(0);
    }
    // Only the configured mode acts, so tasks never run twice; a manual
    // --force / --task from the command line always does.
    if opts.mode != s.cron_mode && !opts.force {
        if opts.mode == "standalone" {
            host.output(&format!(
                "Cron mode is '{}': the WHMCS cron (AfterCronJob) runs the tasks. Set cron_mode to 'standalone' to run them from here, or use --force / --task=NAME.",
                s.cron_mode
            ));
        }
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
        let interval = s.interval(t.key);
        let now = opts.clock();
        let row = store::load(&mut conn, t.key)?.unwrap_or_default();
        if !opts.force && !due(row.last_run, interval, now) {
            if opts.verbose {
                host.output(&format!(
                    "{} [{}] Not due (interval: {interval}m, next in {}s)",
                    ts(now),
                    t.cli,
                    row.last_run
                        .map_or(0, |l| l + i64::from(interval) * 60 - now)
                ));
            }
            continue;
        }
        let held = match lock::acquire(db::conn(db)?, t.key)? {
            lock::Acquired::Busy(h) => {
                host.output(&format!(
                    "{} [{}] Skipped: locked by {} since {}",
                    ts(now),
                    t.cli,
                    h.holder,
                    crate::util::clock(h.since, opts.tz_offset)
                ));
                continue;
            }
            lock::Acquired::Got(l, stale) => {
                if let Some(h) = stale {
                    host.output(&format!(
                        "{} [{}] Stale lock of {} (since {}) taken over",
                        ts(now),
                        t.cli,
                        h.holder,
                        crate::util::clock(h.since, opts.tz_offset)
                    ));
                }
                l
            }
        };
        // Another runner may have run it between our check and our lock.
        let row = store::load(&mut conn, t.key)?.unwrap_or_default();
        if !opts.force && !due(row.last_run, interval, now) {
            held.release();
            continue;
        }
        host.output(&format!(
            "{} [{}] Running (interval: {interval}m, last: {})",
            ts(now),
            t.cli,
            row.last_run
                .map_or("never".to_string(), |l| crate::util::clock(
                    l,
                    opts.tz_offset
                ))
        ));
        let started = Instant::now();
        crate::whmcs::debuglog::new_batch(host);
        let r = run_task(t, host);
        crate::whmcs::debuglog::hand_over(host);
        let secs = started.elapsed().as_secs_f64();
        let finished = now + started.elapsed().as_secs() as i64;
        match &r {
            Ok(report) => {
                store::record(
                    &mut conn,
                    t.key,
                    now,
                    finished,
                    report.errors == 0,
                    &report.summary,
                )?;
                host.output(&format!(
                    "{} [{}] Done ({secs:.1}s) — {}",
                    ts(now_unix()),
                    t.cli,
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
                store::record(&mut conn, t.key, now, finished, false, &e.to_string())?;
                host.output(&format!(
                    "{} [{}] Failed ({secs:.1}s) — {e}",
                    ts(now_unix()),
                    t.cli
                ));
            }
        }
        held.release();
    }
    host.output(&format!(
        "{} PUQ Proxmox KVM Cron End ({:.1}s total)",
        ts(now_unix()),
        cron_start.elapsed().as_secs_f64()
    ));
    Ok(i32::from(failed))
}

fn list(
    conn: &mut mysql::PooledConn,
    host: &dyn Host,
    s: &settings::Settings,
    opts: &Options,
) -> Result<()> {
    let now = opts.clock();
    host.output(&format!(
        "Cron mode: {} (the {} runs the tasks)",
        s.cron_mode,
        if s.cron_mode == "hook" {
            "WHMCS AfterCronJob hook"
        } else {
            "standalone cron.php"
        }
    ));
    for t in TASKS {
        let interval = s.interval(t.key);
        let row = store::load(conn, t.key)?.unwrap_or_default();
        let h = match store::load(conn, t.key)? {
            Some(_) => lock::holder(conn, t.key)?,
            None => None,
        };
        let next = match row.last_run {
            None => "now".to_string(),
            Some(l) => {
                let at = l + i64::from(interval) * 60;
                if at <= now {
                    "now".into()
                } else {
                    format!("in {}s", at - now)
                }
            }
        };
        host.output(&format!(
            "{:<20} {:<24} every {:>4} min  last run: {:<12} next: {:<10} result: {:<8} lock: {}",
            t.key,
            t.cli,
            interval,
            row.last_run
                .map_or("never".to_string(), |l| format!("{}s ago", now - l)),
            next,
            if row.last_result.is_empty() {
                "-"
            } else {
                &row.last_result
            },
            match h {
                None => "free".to_string(),
                Some(h) if h.stale => format!("stale ({}; taken over on the next run)", h.holder),
                Some(h) => format!("held by {}", h.holder),
            }
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options() {
        let o = Options::parse(&args(&[])).unwrap();
        assert!(!o.force && o.task.is_none() && o.mode == "standalone");
        let o = Options::parse(&args(&["--task=process_vms"])).unwrap();
        assert_eq!(o.task.as_deref(), Some("process_vms"));
        assert!(o.force);
        let o = Options::parse(&args(&["--task=processVirtualMachines", "--verbose"])).unwrap();
        assert_eq!(o.task.as_deref(), Some("process_vms"));
        assert!(o.verbose);
        let o = Options::parse(&args(&["--run-task=collectingStatistics", "--list"])).unwrap();
        assert!(o.list);
        assert_eq!(o.task.as_deref(), Some("collect_statistics"));
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
    fn both_spellings_of_every_task() {
        for t in TASKS {
            assert_eq!(find_task(t.key), Some(t));
            assert_eq!(find_task(t.cli), Some(t));
            assert_eq!(find_task(&t.cli.to_uppercase()), Some(t));
        }
        assert_eq!(TASKS.len(), 6);
        assert_eq!(TASKS[0].key, "process_vms");
    }

    #[test]
    fn options_from_the_php_array() {
        use serde_json::json;
        let o = Options::from_value(&json!({"mode": "hook"})).unwrap();
        assert_eq!(o.mode, "hook");
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
        assert_eq!(
            Options::from_value(&json!({"now": 1_767_225_600}))
                .unwrap()
                .clock(),
            1_767_225_600
        );
        assert!(Options::from_value(&json!({"now": "soon"})).is_err());
        assert!(Options::from_value(&json!({"mode": "both"})).is_err());
    }

    #[test]
    fn intervals() {
        assert!(due(None, 60, 0));
        assert!(!due(Some(1000), 1, 1030));
        assert!(due(Some(1000), 1, 1056));
        assert!(!due(Some(0), 60, 3500));
        assert!(due(Some(0), 60, 3600));
    }
}

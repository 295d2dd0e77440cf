//! Task locks held in the database, so they work across several WHMCS
//! nodes sharing it. A lock is a row of `puqProxmoxKVM_cron_tasks` naming
//! its holder (host:pid), the MySQL connection that holds it and a lease.
//! The holder keeps that connection open and renews the lease from a
//! heartbeat thread (pure Rust, no Zend). A lock is stale — and the next
//! runner takes it over — when its connection is gone (the holder died:
//! SIGKILL, OOM, a crashed node) or its lease ran out (the holder hangs).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::PooledConn;

use crate::error::Result;

/// Seconds a lease lasts without renewal.
pub const LEASE_SECS: u32 = 120;
const RENEW_EVERY: Duration = Duration::from_secs(20);

/// `lock_conn` is dead or the lease has expired.
const STALE: &str = "(lock_until < UNIX_TIMESTAMP()
        OR lock_conn NOT IN (SELECT ID FROM information_schema.PROCESSLIST))";

/// Who holds a lock, for messages and `--list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub holder: String,
    pub since: i64,
    pub stale: bool,
}

pub fn this_holder() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!("{host}:{}", std::process::id())
}

pub fn ensure_row(conn: &mut PooledConn, task: &str) -> Result<()> {
    conn.exec_drop(
        "INSERT IGNORE INTO puqProxmoxKVM_cron_tasks (task) VALUES (?)",
        (task,),
    )?;
    Ok(())
}

pub fn holder(conn: &mut PooledConn, task: &str) -> Result<Option<Holder>> {
    let r: Option<(Option<String>, Option<i64>, i64)> = conn.exec_first(
        format!(
            "SELECT lock_holder, locked_at, IF(lock_conn IS NOT NULL AND {STALE}, 1, 0)
               FROM puqProxmoxKVM_cron_tasks WHERE task = ? AND lock_conn IS NOT NULL"
        ),
        (task,),
    )?;
    Ok(r.map(|(h, since, stale)| Holder {
        holder: h.unwrap_or_default(),
        since: since.unwrap_or(0),
        stale: stale == 1,
    }))
}

/// A held lock. Dropping it (or `release`) stops the heartbeat and frees
/// the row; if the process dies instead, the connection closes and the
/// lock is stale at once.
pub struct TaskLock {
    stop: Arc<AtomicBool>,
    worker: Option<JoinHandle<()>>,
}

/// What `acquire` found.
pub enum Acquired {
    Got(TaskLock, Option<Holder>),
    Busy(Holder),
}

/// Tries to take `task`'s lock on `conn` (a connection that stays with the
/// lock). Returns the stale holder it replaced, if any.
pub fn acquire(mut conn: PooledConn, task: &str) -> Result<Acquired> {
    ensure_row(&mut conn, task)?;
    let before = holder(&mut conn, task)?;
    conn.exec_drop(
        format!(
            "UPDATE puqProxmoxKVM_cron_tasks
                SET lock_holder = ?, lock_conn = CONNECTION_ID(), locked_at = UNIX_TIMESTAMP(),
                    lock_until = UNIX_TIMESTAMP() + ?
              WHERE task = ? AND (lock_conn IS NULL OR {STALE})"
        ),
        (this_holder(), LEASE_SECS, task),
    )?;
    if conn.affected_rows() != 1 {
        let h = holder(&mut conn, task)?.unwrap_or(Holder {
            holder: "another runner".into(),
            since: 0,
            stale: false,
        });
        return Ok(Acquired::Busy(h));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let key = task.to_string();
    let worker = std::thread::spawn(move || heartbeat(conn, &key, &flag));
    Ok(Acquired::Got(
        TaskLock {
            stop,
            worker: Some(worker),
        },
        before,
    ))
}

fn heartbeat(mut conn: PooledConn, task: &str, stop: &AtomicBool) {
    let tick = Duration::from_millis(100);
    let mut waited = Duration::ZERO;
    while !stop.load(Ordering::Acquire) {
        std::thread::sleep(tick);
        waited += tick;
        if waited >= RENEW_EVERY {
            waited = Duration::ZERO;
            let _ = conn.exec_drop(
                "UPDATE puqProxmoxKVM_cron_tasks SET lock_until = UNIX_TIMESTAMP() + ?
                  WHERE task = ? AND lock_conn = CONNECTION_ID()",
                (LEASE_SECS, task),
            );
        }
    }
    let _ = conn.exec_drop(
        "UPDATE puqProxmoxKVM_cron_tasks SET lock_holder = NULL, lock_conn = NULL, lock_until = NULL
          WHERE task = ? AND lock_conn = CONNECTION_ID()",
        (task,),
    );
}

impl TaskLock {
    pub fn release(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

impl Drop for TaskLock {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A lock `clear_stale` found: cleared (its holder died or stopped
/// renewing) or kept (its holder is alive and working).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub task: String,
    pub holder: String,
    pub since: i64,
    pub cleared: bool,
}

impl Found {
    /// The line `--clear-locks` prints.
    pub fn line(&self) -> String {
        if self.cleared {
            format!("{}: stale lock of {} cleared", self.task, self.holder)
        } else {
            format!("{}: held by {} (alive), kept", self.task, self.holder)
        }
    }
}

/// `--clear-locks` and Settings > Cron > Clear locks: frees every stale
/// lock and names live ones, which are kept (their holder is working).
/// Returns each lock found.
pub fn clear_stale(conn: &mut PooledConn, tasks: &[&str]) -> Result<Vec<Found>> {
    let mut out = Vec::new();
    for t in tasks {
        let Some(h) = holder(conn, t)? else { continue };
        if h.stale {
            conn.exec_drop(
                format!(
                    "UPDATE puqProxmoxKVM_cron_tasks SET lock_holder = NULL, lock_conn = NULL, lock_until = NULL
                      WHERE task = ? AND lock_conn IS NOT NULL AND {STALE}"
                ),
                (t,),
            )?;
            if conn.affected_rows() == 1 {
                out.push(Found {
                    task: t.to_string(),
                    holder: h.holder,
                    since: h.since,
                    cleared: true,
                });
            }
        } else {
            out.push(Found {
                task: t.to_string(),
                holder: h.holder,
                since: h.since,
                cleared: false,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_lines() {
        let mut f = Found {
            task: "process_vms".into(),
            holder: "web1:42".into(),
            since: 0,
            cleared: true,
        };
        assert_eq!(f.line(), "process_vms: stale lock of web1:42 cleared");
        f.cleared = false;
        assert_eq!(f.line(), "process_vms: held by web1:42 (alive), kept");
    }
}

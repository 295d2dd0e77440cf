//! The tables of migration 5 (cron bookkeeping, statistics, backup
//! schedules, the operations followed by the status tasks) and the
//! per-task bookkeeping: last run, last result, run count.

use mysql::prelude::Queryable;
use mysql::PooledConn;

use crate::error::Result;

pub const MIGRATION: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS puqProxmoxKVM_cron_tasks (
        task VARCHAR(32) NOT NULL PRIMARY KEY,
        last_run INT UNSIGNED NULL,
        last_finished INT UNSIGNED NULL,
        last_result VARCHAR(16) NOT NULL DEFAULT '',
        last_message TEXT NULL,
        runs INT UNSIGNED NOT NULL DEFAULT 0,
        lock_holder VARCHAR(191) NULL,
        lock_conn BIGINT UNSIGNED NULL,
        locked_at INT UNSIGNED NULL,
        lock_until INT UNSIGNED NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE IF NOT EXISTS puqProxmoxKVM_statistics (
        service_id INT UNSIGNED NOT NULL,
        hour INT UNSIGNED NOT NULL,
        net_in BIGINT UNSIGNED NOT NULL DEFAULT 0,
        net_out BIGINT UNSIGNED NOT NULL DEFAULT 0,
        PRIMARY KEY (service_id, hour),
        KEY idx_hour (hour)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE IF NOT EXISTS puqProxmoxKVM_backup_schedule (
        service_id INT UNSIGNED NOT NULL PRIMARY KEY,
        schedule TEXT NOT NULL,
        updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE IF NOT EXISTS puqProxmoxKVM_operations (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        service_id INT UNSIGNED NOT NULL,
        kind VARCHAR(24) NOT NULL,
        origin VARCHAR(16) NOT NULL DEFAULT 'manual',
        node VARCHAR(64) NOT NULL DEFAULT '',
        vmid INT UNSIGNED NOT NULL DEFAULT 0,
        upid VARCHAR(255) NULL,
        storage VARCHAR(64) NOT NULL DEFAULT '',
        volid VARCHAR(255) NOT NULL DEFAULT '',
        note TEXT NULL,
        status VARCHAR(16) NOT NULL DEFAULT 'running',
        error TEXT NULL,
        day CHAR(10) NOT NULL DEFAULT '',
        started_at INT UNSIGNED NOT NULL DEFAULT 0,
        finished_at INT UNSIGNED NULL,
        UNIQUE KEY uniq_upid (upid),
        KEY idx_status (status, kind),
        KEY idx_service (service_id, id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
];

/// Tables migration 5 creates (for a drop list).
pub const TABLES: &[&str] = &[
    "puqProxmoxKVM_cron_tasks",
    "puqProxmoxKVM_statistics",
    "puqProxmoxKVM_backup_schedule",
    "puqProxmoxKVM_operations",
];

/// A task's bookkeeping row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskRow {
    pub last_run: Option<i64>,
    pub last_finished: Option<i64>,
    pub last_result: String,
    pub last_message: String,
    pub runs: u32,
}

/// The row of `task`; `None` before the module's tables exist.
pub fn load(conn: &mut PooledConn, task: &str) -> Result<Option<TaskRow>> {
    type R = (Option<i64>, Option<i64>, String, Option<String>, u32);
    let r: Option<R> = match conn.exec_first(
        "SELECT last_run, last_finished, last_result, last_message, runs
           FROM puqProxmoxKVM_cron_tasks WHERE task = ?",
        (task,),
    ) {
        Ok(r) => r,
        Err(mysql::Error::MySqlError(e)) if e.code == 1146 => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(Some(r.map_or_else(TaskRow::default, |(a, b, c, d, e)| {
        TaskRow {
            last_run: a,
            last_finished: b,
            last_result: c,
            last_message: d.unwrap_or_default(),
            runs: e,
        }
    })))
}

pub fn record(
    conn: &mut PooledConn,
    task: &str,
    started: i64,
    finished: i64,
    ok: bool,
    message: &str,
) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_cron_tasks
            SET last_run = ?, last_finished = ?, last_result = ?, last_message = ?, runs = runs + 1
          WHERE task = ?",
        (
            started,
            finished,
            if ok { "success" } else { "error" },
            message.chars().take(2000).collect::<String>(),
            task,
        ),
    )?;
    Ok(())
}

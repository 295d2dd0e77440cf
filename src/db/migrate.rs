//! Versioned, idempotent schema migrations for the module's own tables.
//!
//! Run from the addon's activate and upgrade functions, never at start-up.
//! A MySQL named lock serialises concurrent runners (two web nodes clicking
//! "Activate" at once). Each migration's statements are written to be safe
//! to re-run, because MySQL DDL commits implicitly: a crash between a
//! `CREATE TABLE` and the version row must not break the next run.

use mysql::prelude::Queryable;
use mysql::PooledConn;

use crate::error::{Error, Result};

pub const SCHEMA_TABLE: &str = "puqProxmoxKVM_schema";

pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub statements: &'static [&'static str],
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "settings and vm_info",
        statements: &[
            "CREATE TABLE IF NOT EXISTS puqProxmoxKVM_settings (
            name VARCHAR(64) NOT NULL PRIMARY KEY,
            value MEDIUMTEXT NOT NULL,
            updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS puqProxmoxKVM_vm_info (
            id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
            service_id INT UNSIGNED NOT NULL,
            server_id INT UNSIGNED NOT NULL DEFAULT 0,
            vm_id INT UNSIGNED NULL,
            vm_name VARCHAR(255) NOT NULL DEFAULT '',
            hostname VARCHAR(255) NOT NULL DEFAULT '',
            node VARCHAR(64) NOT NULL DEFAULT '',
            vm_status VARCHAR(32) NOT NULL DEFAULT 'creation',
            last_error TEXT NULL,
            created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
            UNIQUE KEY uniq_service (service_id),
            UNIQUE KEY uniq_vm (server_id, vm_id),
            KEY idx_status (vm_status)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        ],
    },
    Migration {
        version: 2,
        name: "product settings, deploy state and run log",
        statements: &[
            "CREATE TABLE IF NOT EXISTS puqProxmoxKVM_product_settings (
            product_id INT UNSIGNED NOT NULL PRIMARY KEY,
            settings MEDIUMTEXT NOT NULL,
            updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "ALTER TABLE puqProxmoxKVM_vm_info
            ADD COLUMN IF NOT EXISTS product_id INT UNSIGNED NOT NULL DEFAULT 0,
            ADD COLUMN IF NOT EXISTS client_id INT UNSIGNED NOT NULL DEFAULT 0,
            ADD COLUMN IF NOT EXISTS template_vmid INT UNSIGNED NULL,
            ADD COLUMN IF NOT EXISTS template_node VARCHAR(64) NOT NULL DEFAULT '',
            ADD COLUMN IF NOT EXISTS task_upid VARCHAR(255) NOT NULL DEFAULT '',
            ADD COLUMN IF NOT EXISTS task_started INT UNSIGNED NOT NULL DEFAULT 0,
            ADD COLUMN IF NOT EXISTS verify_ticks INT UNSIGNED NOT NULL DEFAULT 0,
            ADD COLUMN IF NOT EXISTS os_username VARCHAR(64) NOT NULL DEFAULT ''",
            "CREATE TABLE IF NOT EXISTS puqProxmoxKVM_vm_runs (
            id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
            service_id INT UNSIGNED NOT NULL,
            action VARCHAR(32) NOT NULL,
            result VARCHAR(16) NOT NULL,
            started_at DOUBLE NOT NULL,
            finished_at DOUBLE NOT NULL,
            error TEXT NULL,
            steps MEDIUMTEXT NOT NULL,
            KEY idx_service (service_id, id)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        ],
    },
    Migration {
        version: 3,
        name: "ip pools and addresses",
        statements: crate::ippool::MIGRATION,
    },
    Migration {
        version: 4,
        name: "lifecycle: suspend, stop requests, pending change package, MAC",
        statements: &[
            "ALTER TABLE puqProxmoxKVM_vm_info
            ADD COLUMN IF NOT EXISTS suspended TINYINT UNSIGNED NOT NULL DEFAULT 0,
            ADD COLUMN IF NOT EXISTS power_done TINYINT UNSIGNED NOT NULL DEFAULT 1,
            ADD COLUMN IF NOT EXISTS stop_upid VARCHAR(255) NOT NULL DEFAULT '',
            ADD COLUMN IF NOT EXISTS stop_started INT UNSIGNED NOT NULL DEFAULT 0,
            ADD COLUMN IF NOT EXISTS pending_change TINYINT UNSIGNED NOT NULL DEFAULT 0,
            ADD COLUMN IF NOT EXISTS mac VARCHAR(32) NOT NULL DEFAULT '',
            ADD COLUMN IF NOT EXISTS last_action VARCHAR(32) NOT NULL DEFAULT ''",
            "ALTER TABLE puqProxmoxKVM_vm_runs
            ADD COLUMN IF NOT EXISTS repeats INT UNSIGNED NOT NULL DEFAULT 1",
        ],
    },
    Migration {
        version: 5,
        name: "cron tasks, statistics, backup schedules and operations",
        statements: crate::cron::store::MIGRATION,
    },
    Migration {
        version: 6,
        name: "dns zones and reverse names",
        statements: crate::dns::MIGRATION,
    },
    Migration {
        version: 7,
        name: "since when a service holds its VMID (backups of a VMID's earlier owner are not its own)",
        statements: &[
            "ALTER TABLE puqProxmoxKVM_vm_info
            ADD COLUMN IF NOT EXISTS vmid_since INT UNSIGNED NOT NULL DEFAULT 0",
            "UPDATE puqProxmoxKVM_vm_info SET vmid_since = UNIX_TIMESTAMP(created_at) WHERE vmid_since = 0",
        ],
    },
    Migration {
        version: 8,
        name: "client area: the shared live status cache and the power rate limit",
        statements: crate::client::live::MIGRATION,
    },
    Migration {
        version: 9,
        name: "since when a VM's machine waits on Proxmox (lock, task, migration)",
        statements: &["ALTER TABLE puqProxmoxKVM_vm_info
            ADD COLUMN IF NOT EXISTS wait_since INT UNSIGNED NOT NULL DEFAULT 0"],
    },
    Migration {
        version: 10,
        name: "email outbox",
        statements: &["CREATE TABLE IF NOT EXISTS puqProxmoxKVM_email_outbox (
            id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
            service_id INT UNSIGNED NOT NULL,
            template VARCHAR(255) NOT NULL,
            vars MEDIUMTEXT NOT NULL,
            created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            sent_at DATETIME NULL,
            attempts INT UNSIGNED NOT NULL DEFAULT 0,
            next_try_at INT UNSIGNED NOT NULL DEFAULT 0,
            last_error TEXT NULL,
            KEY idx_unsent (sent_at, next_try_at),
            KEY idx_service (service_id)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"],
    },
    Migration {
        version: 12,
        name: "client area: the boot order before a client's ISO mount",
        statements: crate::client::iso::MIGRATION,
    },
];

pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// What a run did, for the activate/upgrade message.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub from: u32,
    pub to: u32,
}

pub fn current_version(conn: &mut PooledConn) -> Result<u32> {
    let exists: Option<String> = conn.exec_first(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        (SCHEMA_TABLE,),
    )?;
    if exists.is_none() {
        return Ok(0);
    }
    let v: Option<Option<u32>> =
        conn.query_first(format!("SELECT MAX(version) FROM {SCHEMA_TABLE}"))?;
    Ok(v.flatten().unwrap_or(0))
}

/// Brings the schema to the latest version.
pub fn run(conn: &mut PooledConn) -> Result<Outcome> {
    run_list(conn, MIGRATIONS)
}

pub fn run_list(conn: &mut PooledConn, migrations: &[Migration]) -> Result<Outcome> {
    let got: Option<Option<i64>> =
        conn.query_first("SELECT GET_LOCK('puqProxmoxKVM_migrate', 60)")?;
    if got.flatten() != Some(1) {
        return Err(Error::Db(
            "another process is migrating the module's tables; try again in a minute".into(),
        ));
    }
    let result = apply(conn, migrations);
    // Released even when a migration failed.
    let _: Option<Option<i64>> =
        conn.query_first("SELECT RELEASE_LOCK('puqProxmoxKVM_migrate')")?;
    result
}

fn apply(conn: &mut PooledConn, migrations: &[Migration]) -> Result<Outcome> {
    conn.query_drop(format!(
        "CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} (
            version INT UNSIGNED NOT NULL PRIMARY KEY,
            name VARCHAR(255) NOT NULL,
            applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    ))?;
    let from = current_version(conn)?;
    let mut to = from;
    // Every migration not yet recorded, in order (not only those above the
    // highest: a build may add one below a version already applied).
    let done: Vec<u32> = conn.query(format!("SELECT version FROM {SCHEMA_TABLE}"))?;
    for m in migrations.iter().filter(|m| !done.contains(&m.version)) {
        for stmt in m.statements {
            conn.query_drop(*stmt).map_err(|e| {
                Error::Db(format!(
                    "migration {} ({}) failed: {}",
                    m.version,
                    m.name,
                    super::describe_error(&e)
                ))
            })?;
        }
        conn.exec_drop(
            format!("INSERT IGNORE INTO {SCHEMA_TABLE} (version, name) VALUES (?, ?)"),
            (m.version, m.name),
        )?;
        to = to.max(m.version);
    }
    Ok(Outcome { from, to })
}

/// The tables the module owns, by exact name: every table a migration
/// creates, and the schema table. Nothing else is ever dropped.
pub fn own_tables() -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let created = MIGRATIONS
        .iter()
        .flat_map(|m| m.statements.iter())
        .filter_map(|stmt| created_table(stmt))
        .chain(std::iter::once(SCHEMA_TABLE.to_string()));
    for name in created {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// `CREATE TABLE [IF NOT EXISTS] name (` → `name`.
fn created_table(stmt: &str) -> Option<String> {
    let rest = stmt.trim_start().strip_prefix("CREATE TABLE ")?;
    let rest = rest.strip_prefix("IF NOT EXISTS ").unwrap_or(rest);
    let name: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Drops the module's tables (deactivate with "Delete all database
/// tables"), each by its exact name. A table that merely shares the
/// prefix in another case (`PUQPROXMOXKVM_x`, another module's
/// `puqproxmoxkvm_y`) or an unknown `puqProxmoxKVM_*` table an operator
/// made is left alone. The schema table goes last, so an interrupted run
/// leaves the module visibly installed and the next run finishes it.
pub fn drop_all(conn: &mut PooledConn) -> Result<Vec<String>> {
    let present: Vec<String> = conn.query(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
    )?;
    // With lower_case_table_names = 1 or 2 (Windows, macOS, or set by the
    // operator) the server stores or compares names in lower case, so
    // `puqProxmoxKVM_settings` is listed as `puqproxmoxkvm_settings` and two
    // names differing only in case cannot both exist: compare as it does.
    let folding: Option<Option<i64>> = conn.query_first("SELECT @@lower_case_table_names")?;
    let folds = folding.flatten().unwrap_or(0) != 0;
    let mut dropped = Vec::new();
    for t in own_tables() {
        let found = present.iter().find(|p| {
            if folds {
                p.eq_ignore_ascii_case(&t)
            } else {
                **p == t
            }
        });
        if let Some(name) = found {
            conn.query_drop(format!("DROP TABLE IF EXISTS `{name}`"))?;
            dropped.push(t);
        }
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_tables_are_exactly_the_created_ones() {
        let t = own_tables();
        for name in [
            "puqProxmoxKVM_settings",
            "puqProxmoxKVM_vm_info",
            "puqProxmoxKVM_product_settings",
            "puqProxmoxKVM_vm_runs",
            "puqProxmoxKVM_ip_pools",
            "puqProxmoxKVM_ip_addresses",
            "puqProxmoxKVM_cron_tasks",
            "puqProxmoxKVM_statistics",
            "puqProxmoxKVM_backup_schedule",
            "puqProxmoxKVM_operations",
            "puqProxmoxKVM_dns_zones",
            "puqProxmoxKVM_email_outbox",
        ] {
            assert!(t.contains(&name.to_string()), "{name} missing from {t:?}");
        }
        assert_eq!(t.last().map(String::as_str), Some(SCHEMA_TABLE));
        assert!(t.iter().all(|n| n.starts_with("puqProxmoxKVM_")), "{t:?}");
        assert_eq!(
            created_table("CREATE TABLE IF NOT EXISTS puqProxmoxKVM_x (id INT)"),
            Some("puqProxmoxKVM_x".into())
        );
        assert_eq!(created_table("ALTER TABLE puqProxmoxKVM_x ADD y INT"), None);
    }
}

//! The addon's global settings (Settings > General / Cron), stored in
//! `puqProxmoxKVM_settings` as name/value rows. Defaults and ranges come
//! from the spec's Settings chapter.

use std::collections::BTreeMap;

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Default Timeout, seconds (1–300): admin/client page requests.
    pub default_timeout: u32,
    /// Heavy Operations Timeout, seconds (1–600): cron work.
    pub heavy_timeout: u32,
    /// Enable post-clone migration.
    pub migration_enabled: bool,
    /// Migration Timeout, seconds per cron run.
    pub migration_timeout: u32,
    /// Delete all database tables on deactivation.
    pub delete_tables_on_deactivate: bool,
    /// DNS providers may be reached on this host (a loopback address):
    /// PowerDNS beside WHMCS is common, so on by default. Link-local and
    /// metadata addresses are refused whatever this says (`dns::http`).
    pub dns_allow_loopback: bool,
    /// Worker threads for Process VMs (1–64).
    pub cron_workers: u32,
    /// Graceful stop window, seconds (terminate, suspend, change package):
    /// polled, then a force stop.
    pub stop_timeout: u32,
    /// Force stop window, seconds, after the graceful one.
    pub force_stop_timeout: u32,
    /// Lock-wait window, minutes (1–1440): how long a terminate waits on a
    /// VM Proxmox keeps refusing (a lock, a task, a migration), from the
    /// first refusal, before it goes to error_terminate.
    pub lock_wait_minutes: u32,
    /// The most firewall rules a client may have on one VM (1–500).
    pub client_fw_max_rules: u32,
    /// Cron mode: "hook" (WHMCS AfterCronJob, the default) or "standalone"
    /// (the module's cron.php from the system crontab). Only that one acts.
    pub cron_mode: String,
    /// Task intervals in minutes (1–1440), Settings > Cron.
    pub interval_process_vms: u32,
    pub interval_remove_snapshots: u32,
    pub interval_restore_backup: u32,
    pub interval_backup_status: u32,
    pub interval_schedule_backup: u32,
    pub interval_collect_statistics: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_timeout: 10,
            heavy_timeout: 60,
            migration_enabled: true,
            migration_timeout: 300,
            delete_tables_on_deactivate: false,
            dns_allow_loopback: true,
            cron_workers: 8,
            stop_timeout: 120,
            force_stop_timeout: 60,
            lock_wait_minutes: 30,
            client_fw_max_rules: 50,
            cron_mode: "hook".into(),
            interval_process_vms: 1,
            interval_remove_snapshots: 5,
            interval_restore_backup: 1,
            interval_backup_status: 1,
            interval_schedule_backup: 5,
            interval_collect_statistics: 60,
        }
    }
}

struct Spec {
    name: &'static str,
    min: u32,
    max: u32,
}

const NUMERIC: &[Spec] = &[
    Spec {
        name: "default_timeout",
        min: 1,
        max: 300,
    },
    Spec {
        name: "heavy_timeout",
        min: 1,
        max: 600,
    },
    Spec {
        name: "migration_timeout",
        min: 1,
        max: 3600,
    },
    Spec {
        name: "cron_workers",
        min: 1,
        max: 64,
    },
    Spec {
        name: "stop_timeout",
        min: 5,
        max: 1800,
    },
    Spec {
        name: "force_stop_timeout",
        min: 5,
        max: 600,
    },
    Spec {
        name: "lock_wait_minutes",
        min: 1,
        max: 1440,
    },
    Spec {
        name: "client_fw_max_rules",
        min: 1,
        max: 500,
    },
    Spec {
        name: "interval_process_vms",
        min: 1,
        max: 1440,
    },
    Spec {
        name: "interval_remove_snapshots",
        min: 1,
        max: 1440,
    },
    Spec {
        name: "interval_restore_backup",
        min: 1,
        max: 1440,
    },
    Spec {
        name: "interval_backup_status",
        min: 1,
        max: 1440,
    },
    Spec {
        name: "interval_schedule_backup",
        min: 1,
        max: 1440,
    },
    Spec {
        name: "interval_collect_statistics",
        min: 1,
        max: 1440,
    },
];
const FLAGS: &[&str] = &[
    "migration_enabled",
    "delete_tables_on_deactivate",
    "dns_allow_loopback",
];

impl Settings {
    /// Applies `name = value` pairs (from the DB or an admin form) over
    /// `self`, validating each. Unknown names are an error.
    pub fn apply(&mut self, pairs: &BTreeMap<String, String>) -> Result<()> {
        for (name, value) in pairs {
            if let Some(spec) = NUMERIC.iter().find(|s| s.name == name) {
                let wide: i64 = value.trim().parse().map_err(|_| {
                    Error::input(name.as_str(), format!("expected a number, got '{value}'"))
                })?;
                let n = u32::try_from(wide)
                    .ok()
                    .filter(|n| (spec.min..=spec.max).contains(n))
                    .ok_or_else(|| {
                        Error::input(
                            name.as_str(),
                            format!("must be between {} and {}, got {wide}", spec.min, spec.max),
                        )
                    })?;
                match spec.name {
                    "default_timeout" => self.default_timeout = n,
                    "heavy_timeout" => self.heavy_timeout = n,
                    "migration_timeout" => self.migration_timeout = n,
                    "stop_timeout" => self.stop_timeout = n,
                    "force_stop_timeout" => self.force_stop_timeout = n,
                    "lock_wait_minutes" => self.lock_wait_minutes = n,
                    "client_fw_max_rules" => self.client_fw_max_rules = n,
                    "cron_workers" => self.cron_workers = n,
                    other => self.set_interval(other, n),
                }
            } else if name == "cron_mode" {
                let m = value.trim().to_ascii_lowercase();
                if m != "hook" && m != "standalone" {
                    return Err(Error::input(
                        name.as_str(),
                        "must be 'hook' or 'standalone'",
                    ));
                }
                self.cron_mode = m;
            } else if FLAGS.contains(&name.as_str()) {
                let b = crate::whmcs::fields::parse_flag(&serde_json::Value::String(value.clone()))
                    .map_err(|m| Error::input(name.as_str(), m))?;
                match name.as_str() {
                    "migration_enabled" => self.migration_enabled = b,
                    "dns_allow_loopback" => self.dns_allow_loopback = b,
                    _ => self.delete_tables_on_deactivate = b,
                }
            } else {
                return Err(Error::input(name.as_str(), "unknown setting"));
            }
        }
        Ok(())
    }

    /// A cron task's interval in minutes (`key` as in `cron::TASKS`).
    pub fn interval(&self, key: &str) -> u32 {
        match key {
            "process_vms" => self.interval_process_vms,
            "remove_snapshots" => self.interval_remove_snapshots,
            "restore_backup" => self.interval_restore_backup,
            "backup_status" => self.interval_backup_status,
            "schedule_backup" => self.interval_schedule_backup,
            _ => self.interval_collect_statistics,
        }
    }

    fn set_interval(&mut self, name: &str, n: u32) {
        match name {
            "interval_process_vms" => self.interval_process_vms = n,
            "interval_remove_snapshots" => self.interval_remove_snapshots = n,
            "interval_restore_backup" => self.interval_restore_backup = n,
            "interval_backup_status" => self.interval_backup_status = n,
            "interval_schedule_backup" => self.interval_schedule_backup = n,
            _ => self.interval_collect_statistics = n,
        }
    }

    /// Every setting as stored (name, value).
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let b = |v: bool| if v { "1" } else { "0" }.to_string();
        vec![
            ("default_timeout", self.default_timeout.to_string()),
            ("heavy_timeout", self.heavy_timeout.to_string()),
            ("migration_enabled", b(self.migration_enabled)),
            ("migration_timeout", self.migration_timeout.to_string()),
            (
                "delete_tables_on_deactivate",
                b(self.delete_tables_on_deactivate),
            ),
            ("dns_allow_loopback", b(self.dns_allow_loopback)),
            ("cron_workers", self.cron_workers.to_string()),
            ("stop_timeout", self.stop_timeout.to_string()),
            ("force_stop_timeout", self.force_stop_timeout.to_string()),
            ("lock_wait_minutes", self.lock_wait_minutes.to_string()),
            ("client_fw_max_rules", self.client_fw_max_rules.to_string()),
            ("cron_mode", self.cron_mode.clone()),
            (
                "interval_process_vms",
                self.interval_process_vms.to_string(),
            ),
            (
                "interval_remove_snapshots",
                self.interval_remove_snapshots.to_string(),
            ),
            (
                "interval_restore_backup",
                self.interval_restore_backup.to_string(),
            ),
            (
                "interval_backup_status",
                self.interval_backup_status.to_string(),
            ),
            (
                "interval_schedule_backup",
                self.interval_schedule_backup.to_string(),
            ),
            (
                "interval_collect_statistics",
                self.interval_collect_statistics.to_string(),
            ),
        ]
    }
}

/// Loads settings; a missing table (addon not yet activated) gives defaults.
/// Rows that no longer validate fall back to the default for that row.
pub fn load(conn: &mut PooledConn) -> Result<Settings> {
    let rows: Vec<(String, String)> =
        match conn.query("SELECT name, value FROM puqProxmoxKVM_settings") {
            Ok(r) => r,
            Err(mysql::Error::MySqlError(e)) if e.code == 1146 => return Ok(Settings::default()),
            Err(e) => return Err(e.into()),
        };
    let mut s = Settings::default();
    for (k, v) in rows {
        let one: BTreeMap<String, String> = [(k, v)].into_iter().collect();
        let _ = s.apply(&one);
    }
    Ok(s)
}

/// Validates `changes` against the current settings and stores the result.
pub fn save(conn: &mut PooledConn, changes: &BTreeMap<String, String>) -> Result<Settings> {
    let mut s = load(conn)?;
    s.apply(changes)?;
    for (k, v) in s.to_pairs() {
        conn.exec_drop(
            "INSERT INTO puqProxmoxKVM_settings (name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)",
            (k, v),
        )?;
    }
    Ok(s)
}

/// The numeric settings' documented ranges, `(name, min, max)`, for forms.
pub fn ranges() -> Vec<(&'static str, u32, u32)> {
    NUMERIC.iter().map(|s| (s.name, s.min, s.max)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn defaults_match_the_spec() {
        let s = Settings::default();
        assert_eq!(
            (s.default_timeout, s.heavy_timeout, s.migration_timeout),
            (10, 60, 300)
        );
        assert!(s.migration_enabled);
        assert!(!s.delete_tables_on_deactivate);
    }

    #[test]
    fn validation_names_the_field_and_changes_nothing_on_error() {
        let mut s = Settings::default();
        let e = s
            .apply(&m(&[("default_timeout", "0")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'default_timeout'") && e.contains("between 1 and 300"),
            "{e}"
        );
        let e = s
            .apply(&m(&[("heavy_timeout", "601")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'heavy_timeout'"), "{e}");
        let e = s.apply(&m(&[("bogus", "1")])).unwrap_err().to_string();
        assert!(e.contains("unknown setting"), "{e}");
        let e = s
            .apply(&m(&[("migration_enabled", "perhaps")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'migration_enabled'"), "{e}");
        assert_eq!(s, Settings::default());
        s.apply(&m(&[
            ("heavy_timeout", "120"),
            ("delete_tables_on_deactivate", "on"),
        ]))
        .unwrap();
        assert_eq!(s.heavy_timeout, 120);
        assert!(s.delete_tables_on_deactivate);
    }
}

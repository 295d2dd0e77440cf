//! The per-VM weekly backup schedule (a day-of-week grid with a time each)
//! and the Schedule Backup task, which follows the spec's five rules:
//!
//! 1. the weekday is enabled;
//! 2. its time of day has passed;
//! 3. today's backup does not exist yet (one started or done today counts;
//!    a failed one is retried, up to three attempts a day);
//! 4. when the quota is full the oldest backup is deleted first;
//! 5. the backup is created — started as a background Proxmox task that
//!    Now Backup Status follows.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::backups::{self, BackupTarget, SCHEDULE_ATTEMPTS};
use super::par_map;
use crate::cron::Report;
use crate::db::{self, DbConfig};
use crate::error::{Error, Result};
use crate::whmcs::Host;

pub const DAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    pub enabled: bool,
    /// `HH:MM`, WHMCS's local time.
    pub time: String,
}

/// Sunday first, as the client page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub days: Vec<Day>,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            days: (0..7)
                .map(|_| Day {
                    enabled: false,
                    time: "00:00".into(),
                })
                .collect(),
        }
    }
}

fn minutes(time: &str) -> Option<i64> {
    let (h, m) = time.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

impl Schedule {
    /// From the form: `['monday' => ['enabled' => 'on', 'time' => '03:00'], …]`
    /// (names or 0–6, Sunday = 0). Days left out are disabled.
    pub fn from_value(v: &Value) -> Result<Schedule> {
        let obj = v
            .as_object()
            .ok_or_else(|| Error::input("schedule", "expected an array of days"))?;
        let mut s = Schedule::default();
        for (k, day) in obj {
            let idx = DAYS
                .iter()
                .position(|d| d.eq_ignore_ascii_case(k) || d[..3].eq_ignore_ascii_case(k))
                .or_else(|| k.parse::<usize>().ok().filter(|i| *i < 7))
                .ok_or_else(|| Error::input(format!("schedule.{k}"), "not a day of the week"))?;
            let f = crate::whmcs::fields::Fields::new(day)
                .map_err(|_| Error::input(format!("schedule.{k}"), "expected enabled and time"))?;
            let enabled = match f.raw("enabled") {
                None => false,
                Some(x) => crate::whmcs::fields::parse_flag(x)
                    .map_err(|m| Error::input(format!("schedule.{k}.enabled"), m))?,
            };
            let time = f
                .str_or_empty("time")
                .map_err(|_| Error::input(format!("schedule.{k}.time"), "expected HH:MM"))?;
            let time = if time.is_empty() && !enabled {
                "00:00".to_string()
            } else {
                time
            };
            if minutes(&time).is_none() {
                return Err(Error::input(
                    format!("schedule.{k}.time"),
                    format!("'{time}' is not a time of day (HH:MM, 00:00-23:59)"),
                ));
            }
            s.days[idx] = Day { enabled, time };
        }
        Ok(s)
    }

    pub fn any_enabled(&self) -> bool {
        self.days.iter().any(|d| d.enabled)
    }

    /// Rules 1 and 2: today's local date if a backup is due now.
    pub fn due(&self, now: i64, tz_offset: i64) -> Option<String> {
        let local = now + tz_offset;
        let days = local.div_euclid(86_400);
        // 1970-01-01 was a Thursday (Sunday = 0).
        let weekday = (days + 4).rem_euclid(7) as usize;
        let day = self.days.get(weekday)?;
        let at = minutes(&day.time)?;
        if !day.enabled || local.rem_euclid(86_400) / 60 < at {
            return None;
        }
        let (y, m, d) = crate::util::civil(days);
        Some(format!("{y:04}-{m:02}-{d:02}"))
    }
}

pub fn get(conn: &mut PooledConn, service_id: u32) -> Result<Schedule> {
    let raw: Option<String> = conn.exec_first(
        "SELECT schedule FROM puqProxmoxKVM_backup_schedule WHERE service_id = ?",
        (service_id,),
    )?;
    Ok(raw
        .and_then(|r| serde_json::from_str(&r).ok())
        .unwrap_or_default())
}

pub fn save(conn: &mut PooledConn, service_id: u32, s: &Schedule) -> Result<()> {
    let json = serde_json::to_string(s).map_err(|e| Error::Internal(e.to_string()))?;
    conn.exec_drop(
        "INSERT INTO puqProxmoxKVM_backup_schedule (service_id, schedule) VALUES (?, ?)
         ON DUPLICATE KEY UPDATE schedule = VALUES(schedule)",
        (service_id, json),
    )?;
    Ok(())
}

/// Rule 3 for one VM and day: the scheduled backups of that day, by status.
pub fn already_done(statuses: &[String]) -> bool {
    statuses
        .iter()
        .any(|s| s == "starting" || s == "running" || s == "success")
        || statuses.len() >= SCHEDULE_ATTEMPTS
}

/// The Schedule Backup task.
pub fn run(db: &DbConfig, host: &dyn Host, now: i64, tz_offset: i64) -> Result<Report> {
    let mut conn = db::conn(db)?;
    let rows: Vec<(u32, String)> = conn.query(
        "SELECT b.service_id, b.schedule FROM puqProxmoxKVM_backup_schedule b
           JOIN puqProxmoxKVM_vm_info v ON v.service_id = b.service_id
          WHERE v.vm_status = 'ready' AND v.vm_id IS NOT NULL ORDER BY b.service_id",
    )?;
    let mut due: BTreeMap<u32, String> = BTreeMap::new();
    for (sid, raw) in rows {
        let Ok(s) = serde_json::from_str::<Schedule>(&raw) else {
            continue;
        };
        if let Some(day) = s.due(now, tz_offset) {
            due.insert(sid, day);
        }
    }
    // Rule 3 in one query for every due VM.
    let days: BTreeSet<&String> = due.values().collect();
    let mut done: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for day in days {
        let r: Vec<(u32, String)> = conn.exec(
            "SELECT service_id, status FROM puqProxmoxKVM_operations
              WHERE kind = 'backup' AND origin = 'schedule' AND day = ?",
            (day,),
        )?;
        for (sid, st) in r {
            if due.get(&sid) == Some(day) {
                done.entry(sid).or_default().push(st);
            }
        }
    }
    due.retain(|sid, _| !done.get(sid).is_some_and(|s| already_done(s)));
    let mut errors = 0;
    let mut details = Vec::new();
    let mut services = Vec::new();
    for (sid, day) in &due {
        match super::Service::load(&mut conn, host, *sid) {
            Ok(s) => services.push((s, day.clone())),
            Err(e) => {
                errors += 1;
                details.push(format!("sid:{sid} action:schedule_backup error: {e}"));
            }
        }
    }
    let workers = services
        .first()
        .map_or(1, |(s, _)| s.settings.cron_workers as usize * 2);
    let results = par_map(&services, workers, |(svc, day)| -> Result<String> {
        let mut conn = db::conn(db)?;
        if svc.eff.backups <= 0 {
            return Ok("skipped (backups disabled)".into());
        }
        let st = backups::storage(svc)?;
        let t = BackupTarget {
            service_id: svc.vm.service_id,
            node: &svc.vm.node,
            vmid: svc.vm.vm_id,
            storage: &st,
        };
        let have = svc.own_backups(t.storage)?;
        let mut note = String::new();
        if have.len() as i64 >= svc.eff.backups {
            let bound = Duration::from_secs(u64::from(svc.settings.heavy_timeout));
            let gone = backups::delete_oldest(&svc.client, t, svc.vmid_since - 60, bound)?;
            note = format!(" (deleted oldest {gone})");
        }
        let r = backups::start(
            &mut conn,
            &svc.client,
            t,
            &format!("scheduled {day}"),
            "schedule",
            day,
            now,
        )?;
        Ok(format!(
            "started {}{note}",
            r.get("upid").and_then(Value::as_str).unwrap_or("")
        ))
    });
    let mut started = 0;
    for ((svc, _), r) in services.iter().zip(results) {
        match r {
            Ok(m) => {
                started += 1;
                details.push(format!(
                    "sid:{} action:schedule_backup {m}",
                    svc.vm.service_id
                ));
            }
            Err(e) => {
                errors += 1;
                details.push(format!(
                    "sid:{} action:schedule_backup error: {e}",
                    svc.vm.service_id
                ));
            }
        }
    }
    Ok(Report {
        summary: format!(
            "due: {}, started: {started}, errors: {errors}",
            services.len()
        ),
        details,
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // 2026-11-29 00:00:00 UTC is a Sunday.
    const SUNDAY: i64 = 1_795_910_400;

    #[test]
    fn parse_and_validate() {
        let s = Schedule::from_value(&json!({
            "monday": {"enabled": "on", "time": "03:30"},
            "5": {"enabled": "1", "time": "23:59"},
            "sun": {"enabled": "", "time": ""},
        }))
        .unwrap();
        assert!(s.days[1].enabled && s.days[1].time == "03:30");
        assert!(s.days[5].enabled);
        assert!(!s.days[0].enabled && !s.days[2].enabled);
        for (bad, key) in [
            (
                json!({"monday": {"enabled": "on", "time": "24:00"}}),
                "schedule.monday.time",
            ),
            (
                json!({"monday": {"enabled": "on", "time": "3:00"}}),
                "schedule.monday.time",
            ),
            (
                json!({"monday": {"enabled": "on", "time": "03:00; DROP"}}),
                "schedule.monday.time",
            ),
            (
                json!({"funday": {"enabled": "on", "time": "03:00"}}),
                "schedule.funday",
            ),
            (
                json!({"monday": {"enabled": "maybe", "time": "03:00"}}),
                "schedule.monday.enabled",
            ),
            (json!("daily"), "schedule"),
        ] {
            let e = Schedule::from_value(&bad).unwrap_err().to_string();
            assert!(e.contains(&format!("'{key}'")), "{bad}: {e}");
        }
    }

    #[test]
    fn rules_across_a_week() {
        // Monday and Thursday at 03:00, Saturday at 22:15.
        let s = Schedule::from_value(&json!({
            "monday": {"enabled": "on", "time": "03:00"},
            "thursday": {"enabled": "on", "time": "03:00"},
            "saturday": {"enabled": "on", "time": "22:15"},
        }))
        .unwrap();
        assert_eq!(crate::util::datetime(SUNDAY, 0), "2026-11-29 00:00:00");
        // Every 5 minutes through the week: the first due time of each day.
        let mut first_due: Vec<(String, i64)> = Vec::new();
        let mut t = SUNDAY;
        while t < SUNDAY + 7 * 86_400 {
            if let Some(day) = s.due(t, 0) {
                if first_due.last().map(|(d, _)| d != &day).unwrap_or(true) {
                    first_due.push((day, t - SUNDAY));
                }
            }
            t += 300;
        }
        assert_eq!(
            first_due,
            vec![
                ("2026-11-30".to_string(), 86_400 + 3 * 3600),
                ("2026-12-03".to_string(), 4 * 86_400 + 3 * 3600),
                ("2026-12-05".to_string(), 6 * 86_400 + 22 * 3600 + 15 * 60),
            ]
        );
        // Local time: at UTC+2, Monday 03:00 local is Monday 01:00 UTC.
        assert!(s.due(SUNDAY + 86_400 + 3600, 7200).is_some());
        assert!(s.due(SUNDAY + 86_400 + 3600 - 60, 7200).is_none());
        // Rule 3: started, running or done counts; failures are retried 3 times.
        let st = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(!already_done(&st(&[])));
        assert!(!already_done(&st(&["error", "error"])));
        assert!(already_done(&st(&["error", "error", "error"])));
        assert!(already_done(&st(&["running"])));
        assert!(already_done(&st(&["error", "success"])));
    }
}

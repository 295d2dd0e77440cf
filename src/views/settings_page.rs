//! Settings page: General (API timeouts, VM migration, the stop windows,
//! the Process VMs worker count, module data, the legacy DNS endpoint's
//! allowlist), each within its documented range, and Cron (the mode, the
//! crontab line of this install, every task's interval, last run, next due,
//! last result and lock, and Clear locks).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use super::Ctx;
use crate::cron::{self, lock, store};
use crate::db::settings::{self, Settings};
use crate::dns::legacy;
use crate::error::Result;
use crate::whmcs::perms;

/// Where this install lives, as the addon's PHP file reported it
/// (`puq_admin_page`'s fourth argument): the addon directory, PHP's
/// binary directory and its `major.minor` version.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Install {
    pub addon_dir: String,
    pub php_bindir: String,
    pub php_version: String,
}

impl Install {
    pub fn from_value(v: Option<&Value>) -> Install {
        let get = |k: &str| {
            v.and_then(|v| v.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        Install {
            addon_dir: get("addon_dir"),
            php_bindir: get("php_bindir"),
            php_version: get("php_version"),
        }
    }
}

/// A path as one shell word, for a crontab line: quoted when it holds
/// anything but plain path characters, and `%` escaped (cron turns a bare
/// `%` into a new line).
fn shell_word(s: &str) -> String {
    let plain = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '+' | ',' | ':'));
    let w = if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    };
    w.replace('%', r"\%")
}

fn usable_path(p: &str) -> bool {
    p.starts_with('/') && !p.chars().any(char::is_control)
}

/// The crontab lines of this install: the module's own cron.php
/// (standalone mode) and WHMCS's cron (hook mode), with the CLI PHP of the
/// version the extension runs in when the binary directory has it
/// (`php8.2`), else `php`. `known` is false when the addon directory was
/// not reported (the lines then hold `/path/to/whmcs`).
pub fn crontab(install: &Install, exists: impl Fn(&Path) -> bool) -> Value {
    let known = usable_path(&install.addon_dir);
    let addon = if known {
        install.addon_dir.trim_end_matches('/').to_string()
    } else {
        "/path/to/whmcs/modules/addons/puq_proxmox_kvm".to_string()
    };
    // modules/addons/puq_proxmox_kvm → the WHMCS root.
    let root = Path::new(&addon)
        .ancestors()
        .nth(3)
        .and_then(Path::to_str)
        .filter(|r| !r.is_empty())
        .unwrap_or("/")
        .to_string();
    let version_ok = !install.php_version.is_empty()
        && install
            .php_version
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.');
    let php = if usable_path(&install.php_bindir) {
        let dir = install.php_bindir.trim_end_matches('/');
        let versioned = format!("{dir}/php{}", install.php_version);
        let plain = format!("{dir}/php");
        if version_ok && exists(Path::new(&versioned)) {
            versioned
        } else if exists(Path::new(&plain)) {
            plain
        } else {
            "php".to_string()
        }
    } else {
        "php".to_string()
    };
    let cron_php = format!("{addon}/cron.php");
    let whmcs_cron = format!("{}/crons/cron.php", root.trim_end_matches('/'));
    json!({
        "known": known,
        "php": php,
        "cron_php": cron_php,
        "standalone": format!("* * * * * {} -q {}", shell_word(&php), shell_word(&cron_php)),
        "whmcs": format!("*/5 * * * * {} -q {}", shell_word(&php), shell_word(&whmcs_cron)),
    })
}

/// Every task's interval, last run, next due, last result and lock.
/// Before the addon is activated (no tables) the tasks show as never run.
pub fn cron_state(conn: &mut mysql::PooledConn, s: &Settings, now: i64) -> Result<Value> {
    let defaults = Settings::default();
    let mut tasks = Vec::new();
    for t in cron::TASKS {
        let interval = s.interval(t.key);
        let row = store::load(conn, t.key)?;
        let held = match row {
            Some(_) => lock::holder(conn, t.key)?,
            None => None,
        };
        let row = row.unwrap_or_default();
        let next_due = row.last_run.map(|l| l + i64::from(interval) * 60);
        tasks.push(json!({
            "key": t.key,
            "cli": t.cli,
            "interval": interval,
            "default_interval": defaults.interval(t.key),
            "last_run": row.last_run,
            "last_finished": row.last_finished,
            "last_result": row.last_result,
            "last_message": row.last_message,
            "runs": row.runs,
            "next_due": next_due,
            "due": next_due.is_none_or(|n| n <= now),
            "lock": held.map(|h| json!({"holder": h.holder, "since": h.since, "stale": h.stale})),
        }));
    }
    Ok(json!({"mode": s.cron_mode, "now": now, "tasks": tasks}))
}

fn data(ctx: &mut Ctx<'_>) -> Result<Value> {
    let s = settings::load(&mut ctx.conn)?;
    let ranges: serde_json::Map<String, Value> = settings::ranges()
        .into_iter()
        .map(|(n, min, max)| (n.to_string(), json!({"min": min, "max": max})))
        .collect();
    let cron = cron_state(&mut ctx.conn, &s, cron::now_unix())?;
    let allowlist = legacy::allowlist(&mut ctx.conn)?;
    // 0.0.0.0/0 or ::/0 lets anyone on the Internet write DNS records.
    let open = legacy::parse_allowlist(&allowlist)
        .unwrap_or_default()
        .iter()
        .any(|n| n.prefix_len() == 0);
    Ok(json!({
        "settings": s,
        "ranges": ranges,
        "dns_legacy_allowlist": allowlist,
        "dns_legacy_allowlist_open": open,
        "cron": cron,
    }))
}

pub fn page(ctx: &mut Ctx<'_>) -> Result<Value> {
    let mut v = data(ctx)?;
    v["crontab"] = crontab(&Install::from_value(ctx.install), |p| p.exists());
    Ok(v)
}

pub fn get(ctx: &mut Ctx<'_>) -> Result<Value> {
    data(ctx)
}

/// The Cron tab's live part (after a save or Clear locks, and on refresh).
pub fn cron(ctx: &mut Ctx<'_>) -> Result<Value> {
    let s = settings::load(&mut ctx.conn)?;
    cron_state(&mut ctx.conn, &s, cron::now_unix())
}

/// Saves the General form or the Cron form (each posts only its own
/// fields). Every value is validated first; one bad value saves nothing
/// and names its field.
pub fn save(ctx: &mut Ctx<'_>) -> Result<Value> {
    let mut changes: BTreeMap<String, String> = ctx.input.string_entries()?.into_iter().collect();
    let allowlist = changes.remove(legacy::SETTING);
    if let Some(list) = &allowlist {
        legacy::parse_allowlist(list)?;
    }
    let before = settings::load(&mut ctx.conn)?.to_pairs();
    let old_list = legacy::allowlist(&mut ctx.conn)?;
    let after = settings::save(&mut ctx.conn, &changes)?.to_pairs();
    let mut changed: Vec<String> = after
        .iter()
        .filter(|(k, v)| !before.iter().any(|(bk, bv)| bk == k && bv == v))
        .map(|(k, v)| format!("{k} = {}", crate::util::one_line(v, 60)))
        .collect();
    if let Some(list) = allowlist {
        legacy::set_allowlist(&mut ctx.conn, &list)?;
        let new_list = legacy::allowlist(&mut ctx.conn)?;
        if new_list != old_list {
            changed.push(format!(
                "{} = {}",
                legacy::SETTING,
                crate::util::one_line(&new_list, 200)
            ));
        }
    }
    perms::audit(
        ctx.host,
        &ctx.admin,
        &format!(
            "settings saved: {}",
            if changed.is_empty() {
                "nothing changed".to_string()
            } else {
                changed.join(", ")
            }
        ),
        0,
    );
    data(ctx)
}

/// Clear locks: frees every stale task lock (its holder died or stopped
/// renewing) and names the live ones, which are kept.
pub fn clear_locks(ctx: &mut Ctx<'_>) -> Result<Value> {
    let keys: Vec<&str> = cron::TASKS.iter().map(|t| t.key).collect();
    let found = lock::clear_stale(&mut ctx.conn, &keys)?;
    if found.iter().any(|f| f.cleared) {
        perms::audit(
            ctx.host,
            &ctx.admin,
            &format!(
                "cron locks cleared: {}",
                found
                    .iter()
                    .filter(|f| f.cleared)
                    .map(|f| format!("{} ({})", f.task, f.holder))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            0,
        );
    }
    let s = settings::load(&mut ctx.conn)?;
    Ok(json!({
        "locks": found.iter().map(|f| json!({
            "task": f.task, "holder": f.holder, "since": f.since, "cleared": f.cleared,
        })).collect::<Vec<_>>(),
        "cron": cron_state(&mut ctx.conn, &s, cron::now_unix())?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install(dir: &str, bindir: &str, ver: &str) -> Install {
        Install {
            addon_dir: dir.into(),
            php_bindir: bindir.into(),
            php_version: ver.into(),
        }
    }

    #[test]
    fn crontab_lines_of_this_install() {
        let i = install(
            "/var/www/whmcs/modules/addons/puq_proxmox_kvm",
            "/usr/bin",
            "8.2",
        );
        let v = crontab(&i, |p| p == Path::new("/usr/bin/php8.2"));
        assert_eq!(v["known"], true);
        assert_eq!(
            v["standalone"],
            "* * * * * /usr/bin/php8.2 -q /var/www/whmcs/modules/addons/puq_proxmox_kvm/cron.php"
        );
        assert_eq!(
            v["whmcs"],
            "*/5 * * * * /usr/bin/php8.2 -q /var/www/whmcs/crons/cron.php"
        );
        // No versioned binary: the plain one; none at all: `php` from PATH.
        let v = crontab(&i, |p| p == Path::new("/usr/bin/php"));
        assert_eq!(v["php"], "/usr/bin/php");
        let v = crontab(&i, |_| false);
        assert_eq!(v["php"], "php");
        // A version that is not a version is never put into a path.
        let v = crontab(
            &install("/w/modules/addons/puq_proxmox_kvm", "/usr/bin", "8;rm"),
            |_| true,
        );
        assert_eq!(v["php"], "/usr/bin/php");
    }

    #[test]
    fn odd_paths_are_quoted_and_unknown_ones_are_placeholders() {
        let i = install("/srv/my whmcs/50%/modules/addons/puq_proxmox_kvm/", "", "");
        let v = crontab(&i, |_| true);
        assert_eq!(
            v["standalone"],
            r"* * * * * php -q '/srv/my whmcs/50\%/modules/addons/puq_proxmox_kvm/cron.php'"
        );
        assert_eq!(shell_word("/a/it's"), r"'/a/it'\''s'");
        for bad in ["", "relative/dir", "/a\nb"] {
            let v = crontab(&install(bad, "/usr/bin", "8.2"), |_| true);
            assert_eq!(v["known"], false, "{bad:?}");
            assert_eq!(
                v["cron_php"],
                "/path/to/whmcs/modules/addons/puq_proxmox_kvm/cron.php"
            );
        }
    }

    #[test]
    fn install_from_the_php_array() {
        let v = json!({"addon_dir": "/x", "php_bindir": "/usr/bin", "php_version": "8.2"});
        assert_eq!(
            Install::from_value(Some(&v)),
            install("/x", "/usr/bin", "8.2")
        );
        assert_eq!(Install::from_value(None), Install::default());
        assert_eq!(
            Install::from_value(Some(&json!({"addon_dir": ["x"]}))),
            Install::default()
        );
    }
}

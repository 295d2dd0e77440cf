//! The installation doctor (Dashboard → Run installation doctor, and
//! `cron.php --doctor`): checks an installation end to end and says, for
//! each failure, what to do.
//!
//! What it owns: the list of checks, their wording and fixes, and the time
//! they may take. Local checks (extension, schema, cron, email templates,
//! IP pools, products' server groups) read the database on the calling
//! (PHP) thread; remote ones (each Proxmox server with the products it
//! serves, each DNS zone, each console proxy) run at once on worker
//! threads, each call bounded by [`CALL_TIMEOUT`], and the whole run by
//! [`BUDGET`]: a target that has not answered by then is reported as such
//! and its thread is left to end on its own timeout. Secrets are decrypted
//! on the PHP thread and never appear in a result.

mod remote;

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde::Serialize;
use serde_json::{json, Value};

use crate::config::product::ProductConfig;
use crate::db::{self, DbConfig};
use crate::error::Result;
use crate::ippool::store::SERVER_TYPE;
use crate::whmcs::Host;

/// One API call of a check.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// The whole doctor.
pub const BUDGET: Duration = Duration::from_secs(20);
/// Process VMs must have run within this.
const CRON_FRESH_S: i64 = 5 * 60;
/// The settings rows where each PHP (web, CLI) records what it runs.
const RUNTIME_KEYS: [&str; 2] = ["runtime_web", "runtime_cli"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What is checked, e.g. `Proxmox server pve1 (10.0.0.2:8006)`.
    pub group: String,
    pub name: String,
    pub status: Status,
    pub detail: String,
    /// What to do; empty when nothing is to be done.
    pub fix: String,
}

pub fn ok(group: &str, name: &str, detail: impl Into<String>) -> Check {
    check(group, name, Status::Ok, detail, "")
}

pub fn check(
    group: &str,
    name: &str,
    status: Status,
    detail: impl Into<String>,
    fix: impl Into<String>,
) -> Check {
    Check {
        group: group.to_string(),
        name: name.to_string(),
        status,
        detail: crate::util::one_line(&detail.into(), 600),
        fix: fix.into(),
    }
}

/// The PHP this runs in, as the PHP side reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Runtime {
    pub php_version: String,
    pub sapi: String,
    pub php_binary: String,
    /// The PHP API the extension was built for (`ZEND_MODULE_API_NO`).
    pub api: u32,
    #[serde(default)]
    pub ext_version: String,
    #[serde(default)]
    pub build: String,
    /// Unix time it was recorded.
    #[serde(default)]
    pub at: i64,
}

impl Runtime {
    pub fn is_cli(&self) -> bool {
        self.sapi == "cli"
    }

    pub fn from_value(v: &Value) -> Runtime {
        serde_json::from_value(v.clone()).unwrap_or_default()
    }
}

/// The PHP minor version a PHP API number belongs to.
pub fn php_of_api(api: u32) -> Option<&'static str> {
    Some(match api {
        20200930 => "8.0",
        20210902 => "8.1",
        20220829 => "8.2",
        20230831 => "8.3",
        20240924 => "8.4",
        20250925 => "8.5",
        _ => return None,
    })
}

fn minor(version: &str) -> String {
    version.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// Records the PHP a native call runs in (web or CLI), for the other
/// side's doctor. Best effort: before activation there is no table.
pub fn record_runtime(conn: &mut PooledConn, rt: &Runtime, now: i64) {
    let key = if rt.is_cli() {
        RUNTIME_KEYS[1]
    } else {
        RUNTIME_KEYS[0]
    };
    let mut rt = rt.clone();
    rt.at = now;
    let _ = conn.exec_drop(
        "INSERT INTO puqProxmoxKVM_settings (name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)",
        (key, json!(rt).to_string()),
    );
}

fn recorded_runtime(conn: &mut PooledConn, key: &str) -> Option<Runtime> {
    let v: Option<String> = conn
        .exec_first(
            "SELECT value FROM puqProxmoxKVM_settings WHERE name = ?",
            (key,),
        )
        .ok()
        .flatten();
    v.and_then(|s| serde_json::from_str(&s).ok())
}

/// Where the report is printed or shown.
#[derive(Debug, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
    pub ok: usize,
    pub warn: usize,
    pub fail: usize,
    pub seconds: f64,
}

impl Report {
    /// `cron.php --doctor`'s lines.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec!["PUQ Proxmox KVM installation doctor".to_string()];
        let mut group = "";
        for c in &self.checks {
            if c.group != group {
                group = &c.group;
                out.push(format!("== {group}"));
            }
            let tag = match c.status {
                Status::Ok => "[ OK ]",
                Status::Warn => "[WARN]",
                Status::Fail => "[FAIL]",
            };
            out.push(format!("{tag} {}: {}", c.name, c.detail));
            if !c.fix.is_empty() {
                out.push(format!("       Fix: {}", c.fix));
            }
        }
        out.push(format!(
            "{} passed, {} warnings, {} failed ({:.1}s)",
            self.ok, self.warn, self.fail, self.seconds
        ));
        out
    }
}

/// A product the module runs, with its settings and its servers.
pub struct Product {
    pub id: u32,
    pub name: String,
    pub cfg: ProductConfig,
    pub servers: Vec<u32>,
}

/// Runs every check. `rt` is the PHP this runs in; `addon_dir` where the
/// addon lives (for the crontab line), when known.
pub fn run(db: &DbConfig, host: &dyn Host, rt: &Runtime, addon_dir: &str) -> Result<Report> {
    let started = Instant::now();
    let deadline = started + BUDGET;
    let mut checks = Vec::new();
    let mut conn = db::conn(db)?;
    let now = crate::cron::now_unix();
    record_runtime(&mut conn, rt, now);
    checks.extend(php_checks(&mut conn, rt, addon_dir));
    let schema_ok = schema_check(&mut conn, &mut checks)?;
    if schema_ok {
        checks.extend(cron_checks(&mut conn, now, rt, addon_dir)?);
    }
    checks.extend(email_checks(&mut conn)?);
    let products = if schema_ok {
        products(&mut conn, &mut checks)?
    } else {
        Vec::new()
    };
    if schema_ok {
        checks.extend(pool_checks(&mut conn, &products)?);
    }
    // Remote checks, all at once.
    let settings = crate::db::settings::load(&mut conn).unwrap_or_default();
    let call = CALL_TIMEOUT.min(Duration::from_secs(u64::from(
        settings.default_timeout.max(1),
    )));
    let (tx, rx) = mpsc::channel::<(usize, Vec<Check>)>();
    let mut pending: BTreeMap<usize, Check> = BTreeMap::new();
    let mut slots: Vec<Vec<Check>> = Vec::new();
    let mut spawn = |placeholder: Check, job: Box<dyn FnOnce() -> Vec<Check> + Send>| {
        let i = slots.len();
        slots.push(Vec::new());
        pending.insert(i, placeholder);
        let tx = tx.clone();
        std::thread::spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))
                .unwrap_or_else(|_| Vec::new());
            let _ = tx.send((i, r));
        });
    };
    let servers = remote::servers(&mut conn, host, &products)?;
    if servers.is_empty() {
        checks.push(check(
            "Proxmox servers",
            "Servers",
            Status::Fail,
            "no enabled server uses the PUQ Proxmox KVM module",
            "System Settings > Servers > Add New Server: module PUQ Proxmox KVM, Username = API token id (user@realm!tokenid), Password = token secret",
        ));
    }
    for t in servers {
        let budget = BUDGET.as_secs();
        let placeholder = check(
            &t.group,
            "Answer",
            Status::Fail,
            format!("no answer within the doctor's {budget} s"),
            "the server accepts the connection but does not answer: check pveproxy on the node (systemctl status pveproxy) and the network between WHMCS and Proxmox",
        );
        spawn(
            placeholder,
            Box::new(move || remote::server_checks(t, call)),
        );
    }
    if schema_ok {
        for z in remote::zones(&mut conn, host, &mut checks) {
            let placeholder = check(
                "DNS zones",
                &z.label(),
                Status::Fail,
                "no answer within the doctor's time",
                "check the zone's server URL in Addons > PUQ Proxmox KVM > DNS Zones and that the provider answers",
            );
            spawn(
                placeholder,
                Box::new(move || vec![remote::zone_check(&z, call)]),
            );
        }
    }
    let consoles = remote::console_domains(&products);
    if consoles.is_empty() {
        checks.push(ok(
            "Console proxy",
            "noVNC domain",
            "no product sets a noVNC domain: nothing to check",
        ));
    }
    for (domain, names) in consoles {
        let placeholder = check(
            "Console proxy",
            &domain,
            Status::Fail,
            "no answer within the doctor's time",
            "",
        );
        spawn(
            placeholder,
            Box::new(move || vec![remote::console_check(&domain, &names, call)]),
        );
    }
    drop(tx);
    while !pending.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((i, r)) => {
                pending.remove(&i);
                slots[i] = r;
            }
            Err(_) => break,
        }
    }
    for (i, placeholder) in pending {
        slots[i] = vec![placeholder];
    }
    checks.extend(slots.into_iter().flatten());
    Ok(finish(checks, started))
}

fn finish(checks: Vec<Check>, started: Instant) -> Report {
    let n = |s: Status| checks.iter().filter(|c| c.status == s).count();
    Report {
        ok: n(Status::Ok),
        warn: n(Status::Warn),
        fail: n(Status::Fail),
        seconds: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        checks,
    }
}

const EXT: &str = "PHP extension";

fn php_checks(conn: &mut PooledConn, rt: &Runtime, addon_dir: &str) -> Vec<Check> {
    let mut out = Vec::new();
    let here = if rt.is_cli() { "CLI PHP" } else { "web PHP" };
    let build = env!("PUQ_GIT_HASH");
    out.push(ok(
        EXT,
        &format!("Loaded in the {here}"),
        format!(
            "puq_proxmox_kvm {} (build {build}) in PHP {} ({}{})",
            crate::addon::VERSION,
            rt.php_version,
            rt.sapi,
            if rt.php_binary.is_empty() {
                String::new()
            } else {
                format!(", {}", rt.php_binary)
            }
        ),
    ));
    let built_for = php_of_api(rt.api);
    out.push(match built_for {
        Some(v) if v == minor(&rt.php_version) => ok(
            EXT,
            "Built for this PHP",
            format!("built for PHP {v} (PHP API {})", rt.api),
        ),
        other => check(
            EXT,
            "Built for this PHP",
            Status::Warn,
            format!(
                "built for PHP API {} ({}), running PHP {}",
                rt.api,
                other.unwrap_or("unknown PHP version"),
                rt.php_version
            ),
            "build the extension with the php-dev of the PHP WHMCS runs (php-config --version) and install that .so",
        ),
    });
    // The other PHP: the web's records itself at each doctor run from the
    // Dashboard, the CLI's at each cron run.
    let (other, key) = if rt.is_cli() {
        ("web PHP", RUNTIME_KEYS[0])
    } else {
        ("CLI PHP", RUNTIME_KEYS[1])
    };
    let cron_line = if addon_dir.is_empty() {
        "php /path/to/whmcs/modules/addons/puq_proxmox_kvm/cron.php --list".to_string()
    } else {
        format!("php {}/cron.php --list", addon_dir.trim_end_matches('/'))
    };
    let name = format!("Loaded in the {other}");
    out.push(match recorded_runtime(conn, key) {
        None if rt.is_cli() => check(
            EXT,
            &name,
            Status::Warn,
            "not known yet: the web PHP records itself when the doctor runs from the Dashboard",
            "open Addons > PUQ Proxmox KVM > Dashboard and click Run installation doctor",
        ),
        None => check(
            EXT,
            &name,
            Status::Fail,
            "no cron run with the extension has been recorded: the CLI PHP (WHMCS's cron) does not load it, or the cron does not run",
            format!("enable it for the CLI PHP (Debian: phpenmod -s cli puq_proxmox_kvm; elsewhere add extension=puq_proxmox_kvm to the php.ini that `php --ini` names), then run `{cron_line}`"),
        ),
        Some(o) => {
            let mut problems = Vec::new();
            if o.ext_version != crate::addon::VERSION || o.build != build {
                problems.push(format!(
                    "it runs puq_proxmox_kvm {} (build {}), this PHP {} (build {build})",
                    o.ext_version, o.build, crate::addon::VERSION
                ));
            }
            if minor(&o.php_version) != minor(&rt.php_version) {
                problems.push(format!(
                    "it is PHP {}, this one PHP {}",
                    o.php_version, rt.php_version
                ));
            }
            let when = crate::util::datetime(o.at, 0);
            if problems.is_empty() {
                ok(
                    EXT,
                    &name,
                    format!(
                        "PHP {} ({}{}) loaded puq_proxmox_kvm {} on {when} UTC",
                        o.php_version,
                        o.sapi,
                        if o.php_binary.is_empty() { String::new() } else { format!(", {}", o.php_binary) },
                        o.ext_version
                    ),
                )
            } else {
                check(
                    EXT,
                    &name,
                    Status::Warn,
                    format!("{} (recorded {when} UTC)", problems.join("; ")),
                    "install the same build of the extension for the web and the CLI PHP (both built for the PHP version they run), then reload php-fpm",
                )
            }
        }
    });
    out
}

fn schema_check(conn: &mut PooledConn, checks: &mut Vec<Check>) -> Result<bool> {
    let current = crate::db::migrate::current_version(conn)?;
    let latest = crate::db::migrate::latest_version();
    let g = "Database";
    checks.push(if current == 0 {
        check(
            g,
            "Schema",
            Status::Fail,
            "the module's tables do not exist",
            "activate the addon: System Settings > Addon Modules > PUQ Proxmox KVM > Activate",
        )
    } else if current < latest {
        check(
            g,
            "Schema",
            Status::Fail,
            format!("schema version {current}, this build needs {latest}"),
            "open Addons > PUQ Proxmox KVM once: WHMCS runs the addon's upgrade, which applies the migrations",
        )
    } else {
        ok(g, "Schema", format!("version {current} (current)"))
    });
    Ok(current > 0)
}

fn cron_checks(
    conn: &mut PooledConn,
    now: i64,
    rt: &Runtime,
    addon_dir: &str,
) -> Result<Vec<Check>> {
    let g = "Cron";
    let mut out = Vec::new();
    let s = crate::db::settings::load(conn)?;
    let php = if rt.is_cli() && !rt.php_binary.is_empty() {
        rt.php_binary.clone()
    } else {
        "php".to_string()
    };
    let dir = if addon_dir.is_empty() {
        "/path/to/whmcs/modules/addons/puq_proxmox_kvm".to_string()
    } else {
        addon_dir.trim_end_matches('/').to_string()
    };
    let fix = if s.cron_mode == "standalone" {
        format!("cron mode is standalone: add to the system crontab `* * * * * {php} {dir}/cron.php` and check its output by running it once by hand")
    } else {
        "cron mode is WHMCS hook: WHMCS's own cron must run every minute (`* * * * * php -q /path/to/whmcs/crons/cron.php`, System Settings > Automation Settings shows it); or switch to standalone under Settings > Cron".to_string()
    };
    let last = crate::cron::store::load(conn, "process_vms")?.and_then(|r| r.last_run);
    out.push(match last {
        None => check(
            g,
            "Process VMs ran",
            Status::Fail,
            "Process VMs has never run",
            fix,
        ),
        Some(l) if now - l > CRON_FRESH_S => check(
            g,
            "Process VMs ran",
            Status::Fail,
            format!(
                "last run {} min ago ({} UTC); it should run every minute",
                (now - l) / 60,
                crate::util::datetime(l, 0)
            ),
            fix,
        ),
        Some(l) => ok(
            g,
            "Process VMs ran",
            format!("last run {} s ago", (now - l).max(0)),
        ),
    });
    let mut stale = Vec::new();
    for t in crate::cron::TASKS {
        if let Some(h) = crate::cron::lock::holder(conn, t.key)? {
            if h.stale {
                stale.push(format!(
                    "{} (held by {} since {} UTC)",
                    t.key,
                    h.holder,
                    crate::util::datetime(h.since, 0)
                ));
            }
        }
    }
    out.push(if stale.is_empty() {
        ok(g, "Locks", "no stale task lock")
    } else {
        check(
            g,
            "Locks",
            Status::Warn,
            format!("stale locks: {}", stale.join(", ")),
            format!("Settings > Cron > Clear locks, or `{php} {dir}/cron.php --clear-locks` (the next run would also take them over)"),
        )
    });
    Ok(out)
}

fn email_checks(conn: &mut PooledConn) -> Result<Vec<Check>> {
    let have: Vec<String> = conn.query(
        "SELECT DISTINCT name FROM tblemailtemplates WHERE type = 'product' AND language = ''",
    )?;
    let names = [
        crate::email::WELCOME,
        crate::email::READY,
        crate::email::RESET_PASSWORD,
        crate::email::BACKUP_RESTORED,
        crate::email::UPGRADE,
    ];
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !have.iter().any(|h| h == n))
        .collect();
    let g = "Email templates";
    Ok(vec![if missing.is_empty() {
        ok(g, "The five templates", "all present")
    } else {
        check(
            g,
            "The five templates",
            Status::Fail,
            format!("missing: {}", missing.join(", ")),
            "open Addons > PUQ Proxmox KVM once (the addon's upgrade creates the missing ones), or create them in System Settings > Email Templates (type Product/Service) with exactly these names",
        )
    }])
}

fn products(conn: &mut PooledConn, checks: &mut Vec<Check>) -> Result<Vec<Product>> {
    let rows: Vec<(u32, String, i64)> = conn.exec(
        "SELECT id, name, servergroup FROM tblproducts WHERE servertype = ? AND retired = 0 ORDER BY id",
        (SERVER_TYPE,),
    )?;
    let mut out = Vec::new();
    for (id, name, group) in rows {
        let g = format!("Product {name} (#{id})");
        let cfg = crate::config::product::load(conn, id)?;
        let servers: Vec<u32> = conn.exec(
            "SELECT s.id FROM tblservergroupsrel r JOIN tblservers s ON s.id = r.serverid
              WHERE r.groupid = ? AND s.type = ? AND s.disabled = 0 ORDER BY s.id",
            (group, SERVER_TYPE),
        )?;
        if group <= 0 {
            checks.push(check(&g, "Server group", Status::Fail, "the product has no server group", format!("Setup > Products/Services > {name} > Module Settings: choose the server group that holds the Proxmox server, and save")));
        } else if servers.is_empty() {
            checks.push(check(&g, "Server group", Status::Fail, format!("server group #{group} has no enabled PUQ Proxmox KVM server"), "System Settings > Servers: add the Proxmox server (module PUQ Proxmox KVM) and put it into the product's server group"));
        }
        out.push(Product {
            id,
            name,
            cfg,
            servers,
        });
    }
    if out.is_empty() {
        checks.push(check(
            "Products",
            "Products",
            Status::Warn,
            "no product uses the PUQ Proxmox KVM module",
            "Setup > Products/Services: create a product with Module Name PUQ Proxmox KVM",
        ));
    }
    Ok(out)
}

fn pool_checks(conn: &mut PooledConn, products: &[Product]) -> Result<Vec<Check>> {
    use crate::ippool::addr::Family;
    let mut out = Vec::new();
    let mut free: BTreeMap<(u32, bool), u128> = BTreeMap::new();
    for p in products {
        for (fam, count, label) in [
            (Family::V4, p.cfg.ipv4_count, "IPv4"),
            (Family::V6, p.cfg.ipv6_count, "IPv6"),
        ] {
            if count <= 0 {
                continue;
            }
            for sid in &p.servers {
                let key = (*sid, fam == Family::V4);
                let n = match free.get(&key) {
                    Some(n) => *n,
                    None => {
                        let pools = crate::ippool::store::list_pools(conn, Some(*sid))?;
                        let n: u128 = pools
                            .iter()
                            .filter(|u| u.pool.family == fam)
                            .map(|u| u.total.saturating_sub(u128::from(u.allocated)))
                            .sum();
                        free.insert(key, n);
                        n
                    }
                };
                let g = format!("Product {} (#{})", p.name, p.id);
                let name = format!("{label} addresses on server #{sid}");
                out.push(if n >= count as u128 {
                    ok(&g, &name, format!("{n} free for {count} per service"))
                } else {
                    check(
                        &g,
                        &name,
                        Status::Fail,
                        format!("{n} free {label} address(es) in the pools of server #{sid}; each service needs {count}"),
                        format!("Addons > PUQ Proxmox KVM > IP Pools: add an {label} pool for this server or widen one"),
                    )
                });
            }
        }
    }
    Ok(out)
}

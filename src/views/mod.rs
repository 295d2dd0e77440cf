//! Data and actions of the addon's admin pages (Addons > PUQ Proxmox KVM).
//!
//! What this module owns: which pages and AJAX actions exist (the
//! whitelist), who may use them (the addon's access-control roles), which
//! actions change state (those need a POST whose CSRF token WHMCS checked),
//! and the plain data each page shows. What it must not do: produce HTML
//! (templates do), know about PHP, or send a secret to the browser.

pub mod access;
pub mod dashboard;
pub mod dns_zones;
pub mod ippools;
pub mod product;
pub mod rrd;
pub mod service;
pub mod settings_page;
pub mod vms;

use serde_json::{json, Value};

use crate::db::{self, DbConfig};
use crate::error::{Error, Result};
use crate::whmcs::fields::Fields;
use crate::whmcs::perms::{Admin, Perm};
use crate::whmcs::Host;

/// One admin request, as the addon's `_output` saw it.
pub struct Request<'a> {
    /// `$_SESSION['adminid']`; 0 when nobody is logged in.
    pub admin_id: u32,
    /// True only for a POST whose CSRF token WHMCS's `check_token()` accepted.
    pub posted: bool,
    /// The request's parameters (GET for pages and reads, POST for writes).
    pub input: &'a Value,
    /// Where this install lives (pages only; see `settings_page::Install`).
    pub install: Option<&'a Value>,
}

/// What a page or action gets to work with.
pub struct Ctx<'a> {
    pub db: &'a DbConfig,
    pub conn: mysql::PooledConn,
    pub input: Fields<'a>,
    pub admin_id: u32,
    /// The admin, checked: access, role and the action's permissions.
    pub admin: Admin,
    /// WHMCS callbacks (decrypt, logActivity): PHP thread only.
    pub host: &'a dyn Host,
    /// Where this install lives, when the page call reported it.
    pub install: Option<&'a Value>,
}

type Build = fn(&mut Ctx<'_>) -> Result<Value>;

/// A page: `addonmodules.php?module=puq_proxmox_kvm&page=<name>`.
pub struct Page {
    pub name: &'static str,
    /// `templates/<template>.tpl`.
    pub template: &'static str,
    pub build: Build,
}

/// Whether an action only reads or changes something.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Read,
    Write,
}

/// An AJAX action: `addonmodules.php?module=puq_proxmox_kvm&ajax=<name>`.
pub struct Action {
    pub name: &'static str,
    pub kind: Kind,
    /// WHMCS permissions needed besides the addon's access (as WHMCS would
    /// ask for the same change made elsewhere).
    pub perms: &'static [Perm],
    pub run: Build,
}

const NONE: &[Perm] = &[];
/// VM Management changes a service's VM, as a module command does.
const SERVER_OPS: &[Perm] = &[Perm::PerformServerOperations];
/// Settings configure the addon module.
const CONFIGURE: &[Perm] = &[Perm::ConfigureAddonModules];

/// The pages, in navigation order. The first one is the default.
pub const PAGES: &[Page] = &[
    Page {
        name: "dashboard",
        template: "dashboard",
        build: dashboard::page,
    },
    Page {
        name: "ip_pools",
        template: "ip-pools",
        build: ippools::page,
    },
    Page {
        name: "dns_zones",
        template: "dns_zones",
        build: dns_zones::page,
    },
    Page {
        name: "vms",
        template: "vms",
        build: vms::page,
    },
    Page {
        name: "settings",
        template: "settings",
        build: settings_page::page,
    },
];

/// Every AJAX action.
pub const ACTIONS: &[Action] = &[
    Action {
        name: "dashboard.health",
        kind: Kind::Read,
        perms: NONE,
        run: dashboard::health,
    },
    // POST: it makes the server contact Proxmox, DNS providers and the
    // console proxies.
    Action {
        name: "dashboard.doctor",
        kind: Kind::Write,
        perms: NONE,
        run: dashboard::doctor,
    },
    Action {
        name: "ip_pools.list",
        kind: Kind::Read,
        perms: NONE,
        run: ippools::list,
    },
    Action {
        name: "ip_pools.hint",
        kind: Kind::Read,
        perms: NONE,
        run: ippools::hint,
    },
    Action {
        name: "ip_pools.addresses",
        kind: Kind::Read,
        perms: NONE,
        run: ippools::addresses,
    },
    Action {
        name: "ip_pools.create",
        kind: Kind::Write,
        perms: NONE,
        run: ippools::create,
    },
    Action {
        name: "ip_pools.update",
        kind: Kind::Write,
        perms: NONE,
        run: ippools::update,
    },
    Action {
        name: "ip_pools.delete",
        kind: Kind::Write,
        perms: NONE,
        run: ippools::delete,
    },
    Action {
        name: "dns_zones.list",
        kind: Kind::Read,
        perms: NONE,
        run: dns_zones::list,
    },
    Action {
        name: "dns_zones.create",
        kind: Kind::Write,
        perms: NONE,
        run: dns_zones::create,
    },
    Action {
        name: "dns_zones.update",
        kind: Kind::Write,
        perms: NONE,
        run: dns_zones::update,
    },
    Action {
        name: "dns_zones.delete",
        kind: Kind::Write,
        perms: NONE,
        run: dns_zones::delete,
    },
    // POST: it makes the server call the provider.
    Action {
        name: "dns_zones.test",
        kind: Kind::Write,
        perms: NONE,
        run: dns_zones::test,
    },
    Action {
        name: "vms.list",
        kind: Kind::Read,
        perms: NONE,
        run: vms::list,
    },
    Action {
        name: "vms.poll",
        kind: Kind::Read,
        perms: NONE,
        run: vms::poll,
    },
    Action {
        name: "vms.log",
        kind: Kind::Read,
        perms: NONE,
        run: vms::log,
    },
    Action {
        name: "vms.record",
        kind: Kind::Read,
        perms: NONE,
        run: vms::record_get,
    },
    Action {
        name: "vms.record_save",
        kind: Kind::Write,
        perms: SERVER_OPS,
        run: vms::record_save,
    },
    Action {
        name: "vms.reset",
        kind: Kind::Write,
        perms: SERVER_OPS,
        run: vms::reset,
    },
    Action {
        name: "vms.redeploy",
        kind: Kind::Write,
        perms: SERVER_OPS,
        run: vms::redeploy,
    },
    Action {
        name: "vms.delete_record",
        kind: Kind::Write,
        perms: SERVER_OPS,
        run: vms::delete_record,
    },
    Action {
        name: "settings.get",
        kind: Kind::Read,
        perms: NONE,
        run: settings_page::get,
    },
    Action {
        name: "settings.save",
        kind: Kind::Write,
        perms: CONFIGURE,
        run: settings_page::save,
    },
    Action {
        name: "settings.cron",
        kind: Kind::Read,
        perms: NONE,
        run: settings_page::cron,
    },
    Action {
        name: "settings.clear_locks",
        kind: Kind::Write,
        perms: CONFIGURE,
        run: settings_page::clear_locks,
    },
];

fn context<'a>(
    db: &'a DbConfig,
    host: &'a dyn Host,
    req: &Request<'a>,
    needed: &[Perm],
) -> Result<Ctx<'a>> {
    let mut conn = db::conn(db)?;
    let admin = access::check(&mut conn, req.admin_id, needed)?;
    Ok(Ctx {
        db,
        conn,
        input: Fields::new(req.input)?,
        admin_id: req.admin_id,
        admin,
        host,
        install: req.install,
    })
}

/// A page's data: `{page, template, nav, vars}`. An unknown name is an
/// error naming it (the default page is the first one).
pub fn page<'a>(
    db: &'a DbConfig,
    host: &'a dyn Host,
    name: &str,
    req: &Request<'a>,
) -> Result<Value> {
    let name = if name.is_empty() { PAGES[0].name } else { name };
    let p = PAGES
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| Error::input("page", format!("no such page '{}'", short(name))))?;
    let mut ctx = context(db, host, req, NONE)?;
    let vars = (p.build)(&mut ctx)?;
    Ok(json!({
        "page": p.name,
        "template": p.template,
        "nav": PAGES.iter().map(|p| p.name).collect::<Vec<_>>(),
        "vars": vars,
    }))
}

/// Runs an AJAX action and answers the JSON envelope the shared JS reads:
/// `{ok: true, data}` or `{ok: false, error, field, status}`. Never an
/// `Err`: every failure becomes a message for the page.
pub fn ajax<'a>(db: &'a DbConfig, host: &'a dyn Host, name: &str, req: &Request<'a>) -> Value {
    match run_action(db, host, name, req) {
        Ok(data) => json!({"ok": true, "status": 200, "data": data}),
        Err(e) => failure(&e),
    }
}

fn run_action<'a>(
    db: &'a DbConfig,
    host: &'a dyn Host,
    name: &str,
    req: &Request<'a>,
) -> Result<Value> {
    let a = ACTIONS
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| Error::input("ajax", format!("no such action '{}'", short(name))))?;
    if a.kind == Kind::Write && !req.posted {
        return Err(Denied::Csrf.into());
    }
    let mut ctx = context(db, host, req, a.perms)?;
    (a.run)(&mut ctx)
}

/// The envelope of a failed request; `status` is the HTTP status to send.
pub fn failure(e: &Error) -> Value {
    let (status, field) = match e {
        Error::Input { key, .. } if key == access::FIELD => (403, Value::Null),
        Error::Input { key, .. } => (400, Value::String(key.clone())),
        // A refusal (the VM's state does not allow it, the module lacks
        // something): the request conflicts with the current state, and
        // the message says why.
        Error::Config(m) => {
            let mut v = json!({"ok": false, "status": 409, "error": crate::util::printable(m), "field": Value::Null});
            if let Some(msg) = crate::i18n::keyed(crate::i18n::ADDON, m) {
                v["msg"] = msg;
            }
            return v;
        }
        _ => (500, Value::Null),
    };
    let mut v = json!({"ok": false, "status": status, "error": e.to_string(), "field": field});
    // The lang key of the message (the page shows it in the admin's
    // language); `error` stays the English text.
    if let Error::Input { message, .. } = e {
        if let Some(msg) = crate::i18n::keyed(crate::i18n::ADDON, message) {
            v["msg"] = msg;
        }
    }
    v
}

/// Why a request was refused before it ran.
pub enum Denied {
    Csrf,
}

impl From<Denied> for Error {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Csrf => Error::input(
                access::FIELD,
                "this action changes data and needs a POST with a valid CSRF token; reload the page and try again",
            ),
        }
    }
}

fn short(s: &str) -> String {
    crate::whmcs::fields::truncate(s, 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_writes_are_marked() {
        let mut pages: Vec<_> = PAGES.iter().map(|p| p.name).collect();
        pages.sort_unstable();
        pages.dedup();
        assert_eq!(pages.len(), PAGES.len());
        let mut actions: Vec<_> = ACTIONS.iter().map(|a| a.name).collect();
        actions.sort_unstable();
        actions.dedup();
        assert_eq!(actions.len(), ACTIONS.len());
        for a in ACTIONS {
            let verb = a.name.rsplit('.').next().unwrap_or("");
            let writes = [
                "save",
                "create",
                "update",
                "delete",
                "reset",
                "redeploy",
                "clear_locks",
            ];
            // `record_save`, `delete_record`: the verb may be a prefix or suffix.
            if writes.iter().any(|w| {
                verb == *w || verb.ends_with(&format!("_{w}")) || verb.starts_with(&format!("{w}_"))
            }) {
                assert_eq!(a.kind, Kind::Write, "{} changes data", a.name);
            }
        }
    }

    #[test]
    fn failures_carry_status_and_field() {
        let v = failure(&Error::input("mask", "must be 1-32"));
        assert_eq!(v["status"], 400);
        assert_eq!(v["field"], "mask");
        assert_eq!(v["ok"], false);
        let v = failure(&Denied::Csrf.into());
        assert_eq!(v["status"], 403);
        assert!(v["field"].is_null());
        assert!(v["error"].as_str().unwrap_or("").contains("CSRF"));
        assert_eq!(failure(&Error::Db("down".into()))["status"], 500);
        let v = failure(&Error::Config(
            "Redeploy is refused while the VM is in status 'clone'".into(),
        ));
        assert_eq!(v["status"], 409);
        assert_eq!(
            v["error"],
            "Redeploy is refused while the VM is in status 'clone'"
        );
        let v = failure(&Error::Config(
            crate::server::lifecycle::redeploy_refusal("terminate", 100).unwrap(),
        ));
        assert_eq!(v["msg"]["key"], "m_redeploy_refused");
        assert_eq!(v["msg"]["params"]["state"], "terminate");
        let v = failure(&Denied::Csrf.into());
        assert_eq!(v["msg"]["key"], "m_csrf");
    }
}

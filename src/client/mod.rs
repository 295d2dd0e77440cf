//! The client area: the customer's pages of a service (Overview, Charts,
//! Reinstall, Snapshots, Backups, Reset password, Reverse DNS, ISO,
//! Firewall) and their AJAX actions.
//!
//! What this module owns: the one whitelist of client pages and actions
//! (`PAGES`, `ACTIONS`), each with its kind (read/write), the product
//! permission it needs and the VM state it needs; the checks every request
//! passes before anything runs (`access`): the logged-in client owns the
//! service, the service is Active (Suspended: Overview read-only), the
//! product allows the feature, the VM is in our records, and a write is a
//! POST whose CSRF token WHMCS accepted; and the plain data of each page.
//! What it must not do: produce HTML or English sentences for the page
//! (templates and lang files do; Rust gives a message key with an English
//! fallback), know about PHP, trust an id or a state from the URL, or let a
//! secret reach the browser.

pub mod access;
pub mod actions;
pub mod firewall;
pub mod iso;
pub mod live;
pub mod pages;
pub mod protect;
pub mod upgrade;

use serde_json::{json, Value};

use crate::db::{self, DbConfig};
use crate::error::{Error, Result};
use crate::whmcs::fields::Fields;
use crate::whmcs::Host;
pub use access::{Denied, Perm};

/// One client-area request, as the server module's PHP skin saw it.
pub struct Request<'a> {
    /// The logged-in client (`$_SESSION['uid']`); 0 when nobody is.
    pub client_id: u32,
    /// The service of the page (`$params['serviceid']`, checked here).
    pub service_id: u32,
    /// The request is a POST.
    pub post: bool,
    /// WHMCS's `check_token()` accepted the request's CSRF token.
    pub token_ok: bool,
    /// The request's parameters (GET and POST).
    pub input: &'a Value,
}

/// Whether an action only reads or changes something.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Read,
    Write,
}

/// What state the VM must be in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Needs {
    /// Any state, even before the VM exists in Proxmox.
    Any,
    /// The VM has a VMID in Proxmox.
    Deployed,
    /// `ready`, with no operation (backup, snapshot task) in flight, and
    /// the service not suspended: the "temporarily unavailable" rule.
    Idle,
    /// As `Idle`, or after a failed restore (its ways out: restore again,
    /// reinstall).
    Recoverable,
}

/// What a page or action gets to work with; built only after the checks.
pub struct Ctx<'a> {
    pub db: &'a DbConfig,
    pub conn: mysql::PooledConn,
    pub host: &'a dyn Host,
    pub svc: access::Service,
    pub input: Fields<'a>,
}

type Build = fn(&mut Ctx<'_>) -> Result<Value>;

/// A sub-page: `clientarea.php?action=productdetails&id=N&modop=custom&a=client&page=<name>`
/// (the Overview is WHMCS's own overview tab).
pub struct Page {
    pub name: &'static str,
    /// `templates/client/<template>.tpl`.
    pub template: &'static str,
    pub perm: Perm,
    pub needs: Needs,
    pub build: Build,
}

/// An AJAX action: `…&modop=custom&a=client&act=<name>`.
pub struct Action {
    pub name: &'static str,
    pub kind: Kind,
    pub perm: Perm,
    pub needs: Needs,
    pub run: Build,
}

/// Every page, in menu order. The first is the Overview.
pub const PAGES: &[Page] = &[
    Page {
        name: "overview",
        template: "overview",
        perm: Perm::Always,
        needs: Needs::Any,
        build: pages::overview,
    },
    Page {
        name: "charts",
        template: "charts",
        perm: Perm::Charts,
        needs: Needs::Deployed,
        build: pages::charts,
    },
    Page {
        name: "reinstall",
        template: "reinstall",
        perm: Perm::Reinstall,
        needs: Needs::Deployed,
        build: pages::reinstall,
    },
    Page {
        name: "snapshots",
        template: "snapshots",
        perm: Perm::Snapshots,
        needs: Needs::Deployed,
        build: protect::snapshots_page,
    },
    Page {
        name: "backups",
        template: "backups",
        perm: Perm::Backups,
        needs: Needs::Deployed,
        build: protect::backups_page,
    },
    Page {
        name: "reset_password",
        template: "reset_password",
        perm: Perm::ResetPassword,
        needs: Needs::Deployed,
        build: pages::reset_password,
    },
    Page {
        name: "rdns",
        template: "rdns",
        perm: Perm::Revdns,
        needs: Needs::Any,
        build: pages::rdns,
    },
    Page {
        name: "iso",
        template: "iso",
        perm: Perm::Iso,
        needs: Needs::Deployed,
        build: iso::page,
    },
    Page {
        name: "firewall",
        template: "firewall",
        perm: Perm::Firewall,
        needs: Needs::Deployed,
        build: firewall::page,
    },
];

/// Every action.
pub const ACTIONS: &[Action] = &[
    Action {
        name: "live",
        kind: Kind::Read,
        perm: Perm::Always,
        needs: Needs::Any,
        run: actions::live,
    },
    Action {
        name: "chart",
        kind: Kind::Read,
        perm: Perm::Charts,
        needs: Needs::Deployed,
        run: actions::chart,
    },
    Action {
        name: "console",
        kind: Kind::Write,
        perm: Perm::Novnc,
        needs: Needs::Deployed,
        run: actions::console,
    },
    Action {
        name: "start",
        kind: Kind::Write,
        perm: Perm::Start,
        needs: Needs::Idle,
        run: actions::start,
    },
    Action {
        name: "shutdown",
        kind: Kind::Write,
        perm: Perm::Stop,
        needs: Needs::Idle,
        run: actions::shutdown,
    },
    Action {
        name: "stop",
        kind: Kind::Write,
        perm: Perm::Stop,
        needs: Needs::Idle,
        run: actions::stop,
    },
    Action {
        name: "reboot",
        kind: Kind::Write,
        perm: Perm::Stop,
        needs: Needs::Idle,
        run: actions::reboot,
    },
    Action {
        name: "reinstall",
        kind: Kind::Write,
        perm: Perm::Reinstall,
        needs: Needs::Recoverable,
        run: actions::reinstall,
    },
    Action {
        name: "reset_password",
        kind: Kind::Write,
        perm: Perm::ResetPassword,
        needs: Needs::Idle,
        run: actions::reset_password,
    },
    Action {
        name: "rdns_save",
        kind: Kind::Write,
        perm: Perm::Revdns,
        needs: Needs::Any,
        run: actions::rdns_save,
    },
    Action {
        name: "snapshot_create",
        kind: Kind::Write,
        perm: Perm::Snapshots,
        needs: Needs::Idle,
        run: protect::snapshot_create,
    },
    Action {
        name: "snapshot_rollback",
        kind: Kind::Write,
        perm: Perm::Snapshots,
        needs: Needs::Idle,
        run: protect::snapshot_rollback,
    },
    Action {
        name: "snapshot_delete",
        kind: Kind::Write,
        perm: Perm::Snapshots,
        needs: Needs::Idle,
        run: protect::snapshot_delete,
    },
    Action {
        name: "backup_create",
        kind: Kind::Write,
        perm: Perm::Backups,
        needs: Needs::Idle,
        run: protect::backup_create,
    },
    Action {
        name: "backup_delete",
        kind: Kind::Write,
        perm: Perm::Backups,
        needs: Needs::Idle,
        run: protect::backup_delete,
    },
    Action {
        name: "backup_restore",
        kind: Kind::Write,
        perm: Perm::Backups,
        needs: Needs::Recoverable,
        run: protect::backup_restore,
    },
    Action {
        name: "schedule_save",
        kind: Kind::Write,
        perm: Perm::Backups,
        needs: Needs::Deployed,
        run: protect::schedule_save,
    },
    Action {
        name: "iso_mount",
        kind: Kind::Write,
        perm: Perm::Iso,
        needs: Needs::Idle,
        run: iso::mount,
    },
    Action {
        name: "iso_unmount",
        kind: Kind::Write,
        perm: Perm::Iso,
        needs: Needs::Idle,
        run: iso::unmount,
    },
    Action {
        name: "fw_rules",
        kind: Kind::Read,
        perm: Perm::Firewall,
        needs: Needs::Deployed,
        run: firewall::rules,
    },
    Action {
        name: "fw_policy_save",
        kind: Kind::Write,
        perm: Perm::Firewall,
        needs: Needs::Idle,
        run: firewall::policy_save,
    },
    Action {
        name: "fw_rule_add",
        kind: Kind::Write,
        perm: Perm::Firewall,
        needs: Needs::Idle,
        run: firewall::rule_add,
    },
    Action {
        name: "fw_rule_move",
        kind: Kind::Write,
        perm: Perm::Firewall,
        needs: Needs::Idle,
        run: firewall::rule_move,
    },
    Action {
        name: "fw_rule_delete",
        kind: Kind::Write,
        perm: Perm::Firewall,
        needs: Needs::Idle,
        run: firewall::rule_delete,
    },
];

/// The menu: every page, with whether it can be opened and, if not, why
/// (`permission`: the package does not include it; `suspended`: only the
/// Overview of a suspended service is open).
pub fn menu(svc: &access::Service, current: &str) -> Value {
    Value::Array(
        PAGES
            .iter()
            .map(|p| {
                let why = if !svc.allows(p.perm)
                    && matches!(p.perm, Perm::Snapshots | Perm::Backups)
                {
                    Some("quota")
                } else if !svc.allows(p.perm) {
                    Some("permission")
                } else if svc.domainstatus == "Suspended" && p.perm != Perm::Always {
                    Some("suspended")
                } else {
                    None
                };
                json!({"name": p.name, "allowed": why.is_none(), "why": why, "active": p.name == current})
            })
            .collect(),
    )
}

fn context<'a>(
    db: &'a DbConfig,
    host: &'a dyn Host,
    req: &Request<'a>,
    perm: Perm,
    kind: Kind,
    needs: Needs,
) -> Result<Ctx<'a>> {
    let mut conn = db::conn(db)?;
    let svc = access::check(&mut conn, req, perm, kind, needs)?;
    Ok(Ctx {
        db,
        conn,
        host,
        svc,
        input: Fields::new(req.input)?,
    })
}

/// A page's data: `{page, template, status, vars}`. Refusals and failures
/// are the `error` template with `vars.error = {code, message, retry}` and
/// the HTTP status to send; never an `Err`.
pub fn page<'a>(db: &'a DbConfig, host: &'a dyn Host, name: &str, req: &Request<'a>) -> Value {
    let name = if name.is_empty() { PAGES[0].name } else { name };
    let Some(p) = PAGES.iter().find(|p| p.name == name) else {
        return error_page(
            name,
            &Error::input("page", format!("no such page '{}'", short(name))),
            None,
        );
    };
    let mut ctx = match context(db, host, req, p.perm, Kind::Read, p.needs) {
        Ok(c) => c,
        Err(e) => return error_page(p.name, &e, None),
    };
    let menu = menu(&ctx.svc, p.name);
    match (p.build)(&mut ctx) {
        Ok(vars) => json!({
            "page": p.name, "template": p.template, "status": 200,
            "vars": {"page": p.name, "service_id": ctx.svc.service_id, "menu": menu,
                     "suspended": ctx.svc.suspended(), "data": vars},
        }),
        Err(e) => error_page(p.name, &e, Some(menu)),
    }
}

fn error_page(name: &str, e: &Error, menu: Option<Value>) -> Value {
    let f = failure(e);
    json!({
        "page": name, "template": "error", "status": f["status"],
        "vars": {"page": name, "menu": menu.unwrap_or(Value::Array(vec![])),
                 "error": {"code": f["code"], "message": f["message"], "retry": f["retry"],
                           "status": f["status"], "msg": f.get("msg").cloned().unwrap_or(Value::Null)}},
    })
}

/// Runs an action and answers the JSON envelope the client script reads:
/// `{ok: true, status: 200, data}` or `{ok: false, status, code, message,
/// field, retry}`. Never an `Err`.
pub fn action<'a>(db: &'a DbConfig, host: &'a dyn Host, name: &str, req: &Request<'a>) -> Value {
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
        .ok_or_else(|| Error::input("act", format!("no such action '{}'", short(name))))?;
    let mut ctx = context(db, host, req, a.perm, a.kind, a.needs)?;
    (a.run)(&mut ctx)
}

/// The envelope of a refusal or failure. `code` is a lang key of the
/// server module (`client_err_<code>`), `message` the English fallback.
/// A Proxmox failure never shows its detail to the client (it may name
/// hosts and nodes): the detail goes to the module log.
pub fn failure(e: &Error) -> Value {
    let (status, code, message, field, retry) = match e {
        Error::Input { key, message } if key.starts_with(access::PREFIX) => {
            let code = &key[access::PREFIX.len()..];
            (
                access::status_of(code),
                code.to_string(),
                message.clone(),
                Value::Null,
                false,
            )
        }
        Error::Input { key, .. } => (
            400,
            "bad_input".to_string(),
            e.to_string(),
            Value::String(key.clone()),
            false,
        ),
        Error::Pve(_) => (
            502,
            "unreachable".to_string(),
            "The virtual machine's server could not be reached. Please try again in a moment."
                .to_string(),
            Value::Null,
            true,
        ),
        Error::Config(m) => (409, "refused".to_string(), m.clone(), Value::Null, false),
        _ => (
            500,
            "failed".to_string(),
            "Something went wrong. Please try again in a moment.".to_string(),
            Value::Null,
            true,
        ),
    };
    // The lang key of a validation error or refusal (the skin shows it in
    // the client's language); the English text stays the fallback.
    let msg = match e {
        Error::Input { key, message } if !key.starts_with(access::PREFIX) => {
            crate::i18n::keyed(crate::i18n::CLIENT, message)
        }
        Error::Config(m) => crate::i18n::keyed(crate::i18n::CLIENT, m),
        _ => None,
    };
    let message = crate::util::printable(&message);
    let mut v = json!({"ok": false, "status": status, "code": code, "message": message, "field": field, "retry": retry});
    if let Some(msg) = msg {
        v["msg"] = msg;
    }
    v
}

fn short(s: &str) -> String {
    crate::whmcs::fields::truncate(s, 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitelist_names_are_unique_and_writes_are_marked() {
        let mut names: Vec<_> = PAGES.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), PAGES.len());
        let mut names: Vec<_> = ACTIONS.iter().map(|a| a.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ACTIONS.len());
        for a in ACTIONS {
            let read = matches!(a.name, "live" | "chart" | "fw_rules");
            assert_eq!(a.kind == Kind::Read, read, "{} kind", a.name);
            let expected = match a.name {
                "rdns_save" => Needs::Any,
                "schedule_save" | "console" => Needs::Deployed,
                "reinstall" | "backup_restore" => Needs::Recoverable,
                _ => Needs::Idle,
            };
            if a.kind == Kind::Write {
                assert_eq!(a.needs, expected, "{} must wait for an idle VM", a.name);
            }
        }
        assert_eq!(PAGES[0].perm, Perm::Always);
    }

    #[test]
    fn failures_carry_status_code_and_no_proxmox_detail() {
        let v = failure(&Denied::NotYours.into());
        assert_eq!(v["status"], 403);
        assert_eq!(v["code"], "not_yours");
        let v = failure(&Denied::Csrf.into());
        assert_eq!(v["status"], 403);
        assert_eq!(v["code"], "csrf");
        let v = failure(&Denied::Busy("a backup runs".into()).into());
        assert_eq!(v["status"], 409);
        let v = failure(&Error::Pve(crate::pve::PveError::Connect(
            "pve1.internal:8006 refused".into(),
        )));
        assert_eq!(v["status"], 502);
        assert!(!v["message"].as_str().unwrap().contains("pve1.internal"));
        assert_eq!(v["retry"], true);
        let v = failure(&Error::input("hostname", "has a space"));
        assert_eq!(v["field"], "hostname");
        assert_eq!(v["status"], 400);
        assert!(v.get("msg").is_none());
        let v = failure(&Error::input(
            "dport",
            "port 70000 is out of range (0-65535)",
        ));
        assert_eq!(v["msg"]["key"], "client_v_fw_port_range");
        assert_eq!(v["msg"]["params"]["n"], "70000");
        let v = failure(&Error::Config("no ISO image is mounted".into()));
        assert_eq!(v["status"], 409);
        assert_eq!(v["msg"]["key"], "client_v_iso_none_mounted");
    }
}

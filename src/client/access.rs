//! Who may do what in the client area, decided from the database alone:
//! the service's owner (tblhosting.userid) against the logged-in client,
//! the service's WHMCS status, the product's nine Client Area Permissions,
//! our VM record and its state. The URL only names things; it never
//! decides anything.

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::{json, Value};

use super::{Kind, Needs, Request};
use crate::config::product::{self, ProductConfig};
use crate::error::{Error, Result};
use crate::jobs::record::{self, VmRow};

/// Refusals travel as `Error::Input` with a key `denied:<code>`.
pub const PREFIX: &str = "denied:";

/// A feature the product may allow or not (the nine Client Area
/// Permissions), or `Always` (the Overview and its live data). Snapshots
/// and Backups have no permission: their quota decides (0 = off), and
/// backups need the product's backup storage.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Perm {
    Always,
    Start,
    Stop,
    Novnc,
    Charts,
    Reinstall,
    ResetPassword,
    Revdns,
    Iso,
    Firewall,
    Snapshots,
    Backups,
}

impl Perm {
    pub fn name(self) -> &'static str {
        match self {
            Perm::Always => "overview",
            Perm::Start => "start",
            Perm::Stop => "stop",
            Perm::Novnc => "novnc",
            Perm::Charts => "charts",
            Perm::Reinstall => "reinstall",
            Perm::ResetPassword => "reset_password",
            Perm::Revdns => "revdns",
            Perm::Iso => "iso",
            Perm::Firewall => "firewall",
            Perm::Snapshots => "snapshots",
            Perm::Backups => "backups",
        }
    }
}

/// Why a request was refused before it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    LoggedOut,
    NotYours,
    Suspended,
    Inactive(String),
    Method,
    Csrf,
    NoVm,
    Permission(Perm),
    NotDeployed,
    Busy(String),
    Rate(u64),
    /// The firewall changed since the page read it (another tab, an admin).
    Stale,
    /// A snapshot, backup or rule quota is full.
    Quota(String),
}

impl Denied {
    pub fn code(&self) -> &'static str {
        match self {
            Denied::LoggedOut => "logged_out",
            Denied::NotYours => "not_yours",
            Denied::Suspended => "suspended",
            Denied::Inactive(_) => "inactive",
            Denied::Method => "method",
            Denied::Csrf => "csrf",
            Denied::NoVm => "no_vm",
            Denied::Permission(_) => "permission",
            Denied::NotDeployed => "not_deployed",
            Denied::Busy(_) => "busy",
            Denied::Rate(_) => "rate",
            Denied::Stale => "stale",
            Denied::Quota(_) => "quota",
        }
    }

    fn message(&self) -> String {
        match self {
            Denied::LoggedOut => "Please log in to manage this service.".into(),
            Denied::NotYours => "This service was not found in your account.".into(),
            Denied::Suspended => {
                "This service is suspended: only its overview is available.".into()
            }
            Denied::Inactive(s) => format!("This service is not active (status: {s})."),
            Denied::Method => "This action must be sent as a form submission (POST).".into(),
            Denied::Csrf => {
                "Your security token is missing or has expired: reload the page and try again."
                    .into()
            }
            Denied::NoVm => "This service has no virtual machine yet.".into(),
            Denied::Permission(p) => format!(
                "Access Denied: your package does not include this feature ({}).",
                p.name()
            ),
            Denied::NotDeployed => "The virtual machine is not deployed yet.".into(),
            Denied::Busy(why) => format!("Temporarily unavailable: {why}."),
            Denied::Rate(s) => {
                format!("Too many power actions: please wait {s} seconds and try again.")
            }
            Denied::Stale => "The rules were changed meanwhile (another window or your provider): they have been reloaded, nothing was changed.".into(),
            Denied::Quota(what) => format!("The {what} quota is full: delete one first."),
        }
    }
}

/// The HTTP status of a refusal code.
pub fn status_of(code: &str) -> u16 {
    match code {
        "method" => 405,
        "no_vm" => 404,
        "not_deployed" | "busy" | "stale" | "quota" => 409,
        "rate" => 429,
        _ => 403,
    }
}

impl From<Denied> for Error {
    fn from(d: Denied) -> Self {
        Error::input(format!("{PREFIX}{}", d.code()), d.message())
    }
}

/// Something that runs on the VM right now, which dims conflicting actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    /// `machine` (a state machine of the cron) or `task` (a Proxmox task
    /// the client started: backup, snapshot, …).
    pub kind: &'static str,
    /// The VM state or the task kind.
    pub what: String,
}

/// The checked service: everything a page needs to know about it.
pub struct Service {
    pub service_id: u32,
    pub client_id: u32,
    pub domainstatus: String,
    pub domain: String,
    pub product_id: u32,
    pub product_name: String,
    pub product: ProductConfig,
    pub vm: VmRow,
    pub busy: Option<Busy>,
    /// The effective snapshot and backup quotas (product default or the
    /// service's configurable option).
    pub snapshots_quota: i64,
    pub backups_quota: i64,
}

impl Service {
    pub fn allows(&self, p: Perm) -> bool {
        let c = &self.product;
        match p {
            Perm::Always => true,
            Perm::Start => c.perm_start,
            Perm::Stop => c.perm_stop,
            Perm::Novnc => c.perm_novnc,
            Perm::Charts => c.perm_charts,
            Perm::Reinstall => c.perm_reinstall,
            Perm::ResetPassword => c.perm_reset_password,
            Perm::Revdns => c.perm_revdns,
            Perm::Iso => c.perm_iso,
            Perm::Firewall => c.perm_firewall,
            Perm::Snapshots => self.snapshots_quota > 0,
            Perm::Backups => self.backups_quota > 0 && !c.backup_storage.trim().is_empty(),
        }
    }

    /// WHMCS suspended the service (or our record says so).
    pub fn suspended(&self) -> bool {
        self.domainstatus == "Suspended" || self.vm.suspended
    }

    /// Why an action that needs an idle VM cannot run now, if it cannot.
    pub fn idle_refusal(&self) -> Option<Denied> {
        if self.vm.vm_id == 0 {
            return Some(Denied::NotDeployed);
        }
        if self.suspended() {
            return Some(Denied::Suspended);
        }
        self.busy.as_ref().map(|b| Denied::Busy(busy_text(b)))
    }

    /// As `idle_refusal`, but a failed restore is no obstacle: its two ways
    /// out (restore again, reinstall) run from there.
    pub fn recoverable_refusal(&self) -> Option<Denied> {
        match &self.busy {
            Some(b) if b.kind == "machine" && b.what == crate::jobs::restore::RESTORE_FAILED => {
                if self.suspended() {
                    Some(Denied::Suspended)
                } else {
                    None
                }
            }
            _ => self.idle_refusal(),
        }
    }

    /// The busy state for pages: `{kind, what}` or null.
    pub fn busy_json(&self) -> Value {
        self.busy
            .as_ref()
            .map_or(Value::Null, |b| json!({"kind": b.kind, "what": b.what}))
    }
}

fn busy_text(b: &Busy) -> String {
    if b.kind == "task" {
        format!("a {} task is running on the virtual machine", b.what)
    } else {
        format!(
            "an operation is in progress on the virtual machine ({})",
            b.what
        )
    }
}

/// What runs on the VM now: a state machine (any state but `ready`), or a
/// Proxmox task the client started that has not ended.
pub fn busy(conn: &mut PooledConn, vm: &VmRow) -> Result<Option<Busy>> {
    if vm.vm_status != "ready" {
        return Ok(Some(Busy {
            kind: "machine",
            what: vm.vm_status.clone(),
        }));
    }
    let task: Option<String> = conn.exec_first(
        "SELECT kind FROM puqProxmoxKVM_operations
          WHERE service_id = ? AND status IN ('starting', 'running') ORDER BY id DESC LIMIT 1",
        (vm.service_id,),
    )?;
    Ok(task.map(|k| Busy {
        kind: "task",
        what: k,
    }))
}

type HostingRow = (u32, String, String, u32, Option<String>);

/// The checks of one request, in order; the first that fails refuses it.
pub fn check(
    conn: &mut PooledConn,
    req: &Request<'_>,
    perm: Perm,
    kind: Kind,
    needs: Needs,
) -> Result<Service> {
    if kind == Kind::Write {
        if !req.post {
            return Err(Denied::Method.into());
        }
        if !req.token_ok {
            return Err(Denied::Csrf.into());
        }
    }
    if req.client_id == 0 {
        return Err(Denied::LoggedOut.into());
    }
    let row: Option<HostingRow> = conn.exec_first(
        "SELECT h.userid, h.domainstatus, h.domain, h.packageid, p.name
           FROM tblhosting h LEFT JOIN tblproducts p ON p.id = h.packageid
          WHERE h.id = ?",
        (req.service_id,),
    )?;
    let Some((owner, domainstatus, domain, packageid, product_name)) = row else {
        return Err(Denied::NotYours.into());
    };
    // One answer for "not there" and "not yours": ids cannot be probed.
    if owner != req.client_id {
        return Err(Denied::NotYours.into());
    }
    match domainstatus.as_str() {
        "Active" => {}
        "Suspended" if perm == Perm::Always && kind == Kind::Read => {}
        "Suspended" => return Err(Denied::Suspended.into()),
        other => return Err(Denied::Inactive(other.to_string()).into()),
    }
    let vm = record::load(conn, req.service_id)?.ok_or(Denied::NoVm)?;
    let product_id = if vm.product_id > 0 {
        vm.product_id
    } else {
        packageid
    };
    let product = product::load(conn, product_id)?;
    let busy = busy(conn, &vm)?;
    let options = crate::jobs::config_options(conn, req.service_id)?;
    // A product whose options do not compute still opens its pages (the
    // admin sees the error on the deploy): the product's defaults count.
    let eff = crate::config::effective::compute(&product, &options)
        .or_else(|_| crate::config::effective::compute(&product, &Default::default()))?;
    let svc = Service {
        snapshots_quota: eff.snapshots,
        backups_quota: eff.backups,
        service_id: req.service_id,
        client_id: owner,
        domainstatus,
        domain,
        product_id,
        product_name: product_name.unwrap_or_default(),
        product,
        vm,
        busy,
    };
    if !svc.allows(perm) {
        return Err(Denied::Permission(perm).into());
    }
    match needs {
        Needs::Any => {}
        Needs::Deployed if svc.vm.vm_id == 0 => return Err(Denied::NotDeployed.into()),
        Needs::Deployed => {}
        Needs::Idle => {
            if let Some(d) = svc.idle_refusal() {
                return Err(d.into());
            }
        }
        Needs::Recoverable => {
            if let Some(d) = svc.recoverable_refusal() {
                return Err(d.into());
            }
        }
    }
    Ok(svc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_codes_map_to_statuses() {
        for (d, status) in [
            (Denied::NotYours, 403),
            (Denied::Method, 405),
            (Denied::Csrf, 403),
            (Denied::NoVm, 404),
            (Denied::Permission(Perm::Reinstall), 403),
            (Denied::Busy("x".into()), 409),
            (Denied::Rate(5), 429),
        ] {
            assert_eq!(status_of(d.code()), status, "{d:?}");
            match Error::from(d.clone()) {
                Error::Input { key, message } => {
                    assert_eq!(key, format!("{PREFIX}{}", d.code()));
                    assert!(!message.is_empty());
                }
                other => panic!("{other:?}"),
            }
        }
    }
}

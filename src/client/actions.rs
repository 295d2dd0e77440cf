//! The client's actions. Each runs only after `access::check` passed for
//! it (owner, Active, permission, state, POST + CSRF for writes). Power
//! actions are sent to Proxmox at once (not waited for: the Overview's
//! poll shows the result), at most one per `POWER_GAP` seconds per
//! service. Reinstall and Reset password are queued to the cron's machines
//! in one transaction with the VM row locked, so a double click, two tabs
//! or a script queue exactly one.

use std::net::IpAddr;
use std::time::Duration;

use mysql::prelude::Queryable;
use serde_json::{json, Value};

use super::access::Denied;
use super::pages::{self, client_for};
use super::{live, Ctx};
use crate::error::{Error, Result};
use crate::views::rrd;

/// Seconds between two power actions on one service.
pub const POWER_GAP: f64 = 10.0;

/// The Overview's poll: live panel, progress, buttons.
pub fn live(ctx: &mut Ctx<'_>) -> Result<Value> {
    pages::overview_state(ctx)
}

/// One chart time frame: CPU %, RAM %, disk and network MB/s.
pub fn chart(ctx: &mut Ctx<'_>) -> Result<Value> {
    let tf = ctx.input.str_or_empty("timeframe")?;
    let tf = if tf.is_empty() {
        "hour".to_string()
    } else {
        tf
    };
    if !rrd::TIMEFRAMES.contains(&tf.as_str()) {
        return Err(Error::input(
            "timeframe",
            format!("must be one of {}", rrd::TIMEFRAMES.join(", ")),
        ));
    }
    let vm = ctx.svc.vm.clone();
    let mut mk = client_for(ctx.host, vm.server_id);
    let client = mk(&mut ctx.conn)?;
    let v = crate::views::service::rrddata(&client, &vm.node, vm.vm_id, &tf)?;
    Ok(json!({"timeframe": tf, "series": rrd::parse(&v)}))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Power {
    Start,
    Shutdown,
    Stop,
    Reboot,
}

impl Power {
    fn name(self) -> &'static str {
        match self {
            Power::Start => "start",
            Power::Shutdown => "shutdown",
            Power::Stop => "stop",
            Power::Reboot => "reboot",
        }
    }
}

pub fn start(ctx: &mut Ctx<'_>) -> Result<Value> {
    power(ctx, Power::Start)
}
pub fn shutdown(ctx: &mut Ctx<'_>) -> Result<Value> {
    power(ctx, Power::Shutdown)
}
pub fn stop(ctx: &mut Ctx<'_>) -> Result<Value> {
    power(ctx, Power::Stop)
}
pub fn reboot(ctx: &mut Ctx<'_>) -> Result<Value> {
    power(ctx, Power::Reboot)
}

/// The VM's lease (as module commands take it): never act while the cron
/// or an admin command works on the VM. `GET_LOCK` with no wait.
fn with_lease<T>(ctx: &mut Ctx<'_>, f: impl FnOnce(&mut Ctx<'_>) -> Result<T>) -> Result<T> {
    let lock = crate::jobs::runner::vm_lock(ctx.db, ctx.svc.service_id);
    let got: Option<Option<i64>> = ctx.conn.exec_first("SELECT GET_LOCK(?, 0)", (&lock,))?;
    if got.flatten() != Some(1) {
        return Err(Denied::Busy("the virtual machine is being worked on right now".into()).into());
    }
    let r = f(ctx);
    let _: Option<Option<i64>> = ctx.conn.exec_first("SELECT RELEASE_LOCK(?)", (&lock,))?;
    r
}

fn power(ctx: &mut Ctx<'_>, what: Power) -> Result<Value> {
    let sid = ctx.svc.service_id;
    if let Some(wait) = live::claim_power(&mut ctx.conn, sid, POWER_GAP)? {
        return Err(Denied::Rate(wait).into());
    }
    let r = with_lease(ctx, |ctx| send_power(ctx, what));
    match &r {
        // Refused before Proxmox acted: it does not count against the limit.
        Err(_) | Ok(None) => live::release_power(&mut ctx.conn, sid)?,
        Ok(Some(_)) => {}
    }
    live::invalidate(&mut ctx.conn, sid)?;
    let sent = r?;
    let Some(upid) = sent else {
        return Err(Error::Config(match what {
            Power::Start => "The virtual machine is already running.".into(),
            _ => "The virtual machine is not running.".into(),
        }));
    };
    ctx.host.log_module_call(
        &format!("ClientArea {}", what.name()),
        &json!({"serviceid": sid, "vmid": ctx.svc.vm.vm_id}).to_string(),
        &upid,
        "",
        &[],
    );
    ctx.host.log_activity(
        &format!(
            "PUQ Proxmox KVM: client sent {} to the VM of service #{sid}",
            what.name()
        ),
        ctx.svc.client_id,
    );
    Ok(json!({"action": what.name(), "sent": true}))
}

/// `Some(upid)` when Proxmox accepted the request, `None` when the VM is
/// already in the requested state.
fn send_power(ctx: &mut Ctx<'_>, what: Power) -> Result<Option<String>> {
    let vm = ctx.svc.vm.clone();
    let mut mk = client_for(ctx.host, vm.server_id);
    let client = mk(&mut ctx.conn)?;
    let settings = crate::db::settings::load(&mut ctx.conn)?;
    let status = client.vm_status(&vm.node, vm.vm_id)?;
    let running = status == "running";
    Ok(Some(match what {
        Power::Start if running => return Ok(None),
        Power::Start => client.start_vm(&vm.node, vm.vm_id)?,
        _ if !running => return Ok(None),
        Power::Shutdown => client.shutdown_vm(&vm.node, vm.vm_id, settings.stop_timeout)?,
        Power::Stop => client.stop_vm(&vm.node, vm.vm_id, settings.force_stop_timeout)?,
        Power::Reboot => client.reboot_vm(&vm.node, vm.vm_id)?,
    }))
}

/// Reinstall from an operating system the product offers; the client must
/// type `REINSTALL`. Queued to the cron's reinstall machine.
pub fn reinstall(ctx: &mut Ctx<'_>) -> Result<Value> {
    let confirm = ctx.input.str_or_empty("confirm")?;
    if confirm.trim() != "REINSTALL" {
        return Err(Error::input(
            "confirm",
            "type the word REINSTALL (in capital letters) to confirm",
        ));
    }
    let os = ctx.input.str_or_empty("os")?;
    let template: u32 = os
        .trim()
        .parse()
        .ok()
        .filter(|t| *t > 0)
        .ok_or_else(|| Error::input("os", "choose an operating system from the list"))?;
    let offered = crate::server::lifecycle::offered_templates(&mut ctx.conn, ctx.svc.product_id)?;
    if !offered.iter().any(|(t, _)| *t == template) {
        return Err(Error::input(
            "os",
            "this operating system is not offered for your package",
        ));
    }
    let sid = ctx.svc.service_id;
    crate::server::lifecycle::reinstall(ctx.db, ctx.host, sid, template)?;
    live::invalidate(&mut ctx.conn, sid)?;
    ctx.host.log_activity(
        &format!(
            "PUQ Proxmox KVM: client requested a reinstall of service #{sid} (template {template})"
        ),
        ctx.svc.client_id,
    );
    Ok(json!({"queued": "reinstall"}))
}

/// A new password, queued to the Reset password machine (live through the
/// guest agent when it runs, else stop → cloud-init → start).
pub fn reset_password(ctx: &mut Ctx<'_>) -> Result<Value> {
    let sid = ctx.svc.service_id;
    crate::server::lifecycle::reset_password(ctx.db, ctx.host, sid)?;
    live::invalidate(&mut ctx.conn, sid)?;
    ctx.host.log_activity(
        &format!("PUQ Proxmox KVM: client requested a password reset of service #{sid}"),
        ctx.svc.client_id,
    );
    Ok(json!({"queued": "reset_password"}))
}

/// One requested reverse name, checked.
struct Wanted {
    ip: IpAddr,
    /// "" = back to the VM's FQDN.
    name: String,
    automatic: bool,
}

/// Saves reverse names: `ptr[<address>] = hostname` for the service's
/// addresses. Every value is checked before anything is written. Names of
/// addresses a reverse zone covers are written to every such zone; for the
/// others, with the product's RevDNS ticket on, one ticket lists them all
/// (opened first: if WHMCS refuses it, nothing is saved).
pub fn rdns_save(ctx: &mut Ctx<'_>) -> Result<Value> {
    let sid = ctx.svc.service_id;
    let rec = crate::dns::records::service_records(&mut ctx.conn, sid)?;
    let zones = pages::reverse_zones(&mut ctx.conn)?;
    let form = ctx.input.nested("ptr")?;
    let entries = form.string_entries()?;
    if entries.is_empty() {
        return Err(Error::input("ptr", "nothing to save"));
    }
    let mut wanted = Vec::new();
    for (addr, name) in entries {
        let field = format!("ptr[{}]", crate::whmcs::fields::truncate(&addr, 45));
        let ip: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| Error::input(&field, "is not an address of this service"))?;
        let Some(cur) = rec.ips.iter().find(|i| i.ip == ip) else {
            return Err(Error::input(&field, "is not an address of this service"));
        };
        let name = name.trim();
        if name.chars().count() > 253 {
            return Err(Error::input(
                &field,
                "a host name is at most 253 characters long",
            ));
        }
        let name = if name.is_empty() {
            String::new()
        } else {
            crate::dns::names::hostname(name).map_err(|m| Error::input(&field, m))?
        };
        let effective = if name.is_empty() { &rec.fqdn } else { &name };
        if *effective == cur.ptr {
            continue;
        }
        wanted.push(Wanted {
            ip,
            automatic: pages::covered(&zones, ip),
            name,
        });
    }
    let p = &ctx.svc.product;
    let ticket_mode = p.revdns_ticket && p.revdns_department > 0;
    let manual: Vec<&Wanted> = wanted.iter().filter(|w| !w.automatic).collect();
    let mut ticket = Value::Null;
    if ticket_mode && !manual.is_empty() {
        let lines: Vec<String> = manual
            .iter()
            .map(|w| {
                format!(
                    "{} -> {}",
                    w.ip,
                    if w.name.is_empty() {
                        &rec.fqdn
                    } else {
                        &w.name
                    }
                )
            })
            .collect();
        let message = format!(
            "Please set these reverse DNS (PTR) records for service #{sid}:\n\n{}\n",
            lines.join("\n")
        );
        let r = ctx.host.local_api(
            "OpenTicket",
            &json!({"deptid": p.revdns_department, "clientid": ctx.svc.client_id, "serviceid": sid,
                    "subject": format!("Reverse DNS change request (service #{sid})"),
                    "message": message, "priority": "Medium", "markdown": false}),
        )?;
        if r.get("result").and_then(Value::as_str) != Some("success") {
            return Err(Error::Host(format!(
                "OpenTicket failed: {}",
                r.get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no message")
            )));
        }
        ticket = json!(r.get("tid").cloned().unwrap_or(Value::Null));
    }
    let mut dns_errors = 0usize;
    if !wanted.is_empty() {
        // Credentials are decrypted only when a provider is called.
        let zones = if wanted.iter().any(|w| w.automatic) {
            crate::dns::load_zones(&mut ctx.conn, ctx.host)?
        } else {
            crate::dns::Zones::default()
        };
        let timeout = Duration::from_secs(u64::from(
            crate::db::settings::load(&mut ctx.conn)?.default_timeout,
        ));
        for w in &wanted {
            let r = crate::dns::records::set_reverse(
                &mut ctx.conn,
                &zones,
                sid,
                &w.ip.to_string(),
                &w.name,
                timeout,
            )?;
            if !r.ok() {
                dns_errors += r.errors.len();
                let secrets = zones.secrets();
                let masked: Vec<&str> = secrets.iter().map(String::as_str).collect();
                ctx.host.log_module_call(
                    "ClientArea rdns_save",
                    &json!({"serviceid": sid, "ip": w.ip.to_string()}).to_string(),
                    &r.lines.join("\n"),
                    &r.errors.join("\n"),
                    &masked,
                );
            }
        }
        ctx.host.log_activity(
            &format!(
                "PUQ Proxmox KVM: client changed {} reverse DNS name(s) of service #{sid}",
                wanted.len()
            ),
            ctx.svc.client_id,
        );
    }
    Ok(json!({
        "saved": wanted.len(),
        "automatic": wanted.iter().filter(|w| w.automatic).count(),
        "manual": manual.len(),
        "ticket": ticket,
        "dns_errors": dns_errors,
    }))
}

/// The noVNC button: a one-time console link (`src/console`) for the
/// client's own VM. A product whose noVNC domain or key cannot make links
/// is the provider's to fix: the client gets a plain refusal, the reason
/// goes to the module log.
pub fn console(ctx: &mut Ctx<'_>) -> Result<Value> {
    let who = format!("client {}", ctx.svc.client_id);
    let now = crate::cron::now_unix().max(0) as u64;
    match crate::console::open(
        &mut ctx.conn,
        ctx.host,
        &ctx.svc.vm,
        &ctx.svc.product,
        &who,
        now,
    ) {
        // A VM the cluster no longer lists is the client's to hear about
        // (its own refusal, below); anything else is the provider's setup.
        Err(Error::Config(why)) if why != crate::console::VM_GONE => {
            ctx.host.log_module_call(
                "ClientConsole",
                &format!("service {}", ctx.svc.service_id),
                &why,
                "",
                &[],
            );
            Err(Error::input(
                format!("{}console_unconfigured", super::access::PREFIX),
                "The console is not available for this service: your provider has not set it up yet. Please contact support.",
            ))
        }
        other => other.map(|(link, _node)| link),
    }
}

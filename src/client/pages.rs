//! The data of each client page. Reads only: every change is an action
//! (`actions.rs`). Nothing here reaches Proxmox except through the shared
//! live cache (`live.rs`) and the reinstall page's template names.

use std::net::IpAddr;

use mysql::PooledConn;
use serde_json::{json, Value};

use super::access::Service;
use super::{live, Ctx};
use crate::config::effective::{self, Effective};
use crate::error::{Error, Result};
use crate::jobs::machine;
use crate::pve::{PveError, Weight};
use crate::views::{rrd, service as admin_service};

/// The Proxmox client of the service's server (the token is decrypted on
/// the PHP thread, only when Proxmox is really read).
pub fn client_for(
    ctx_host: &dyn crate::whmcs::Host,
    server_id: u32,
) -> impl FnMut(&mut PooledConn) -> Result<crate::pve::Client> + '_ {
    move |conn: &mut PooledConn| crate::server::client_for_server(conn, ctx_host, server_id)
}

/// The live cache read for the service's VM; a failed read is a Proxmox
/// error for the page ("Something went wrong", with a retry), its detail
/// logged for the operator.
pub fn read_live(ctx: &mut Ctx<'_>) -> Result<live::Live> {
    let host = ctx.host;
    let mut mk = client_for(host, ctx.svc.vm.server_id);
    let l = live::read(&mut ctx.conn, &ctx.svc.vm, &mut mk)?;
    if l.status.is_none() {
        let detail = l.error.clone().unwrap_or_else(|| "no status".into());
        if l.calls > 0 {
            host.log_module_call(
                "ClientArea live status",
                &format!("service {} vm {}", ctx.svc.service_id, ctx.svc.vm.vm_id),
                &detail,
                "",
                &[],
            );
        }
        return Err(Error::Pve(PveError::Protocol(detail)));
    }
    Ok(l)
}

fn effective_of(conn: &mut PooledConn, svc: &Service) -> Result<Effective> {
    let options = crate::jobs::config_options(conn, svc.service_id)?;
    effective::compute(&svc.product, &options)
}

/// A state machine's progress as the client reads it: which operation,
/// step n of total, and the name of the step that runs next.
pub fn progress(state: &str) -> Option<Value> {
    if state == "ready" {
        return None;
    }
    let (m, entry) = machine::machine_for(state)?;
    let states = admin_service::chain(m);
    let done = states.iter().position(|s| *s == state).unwrap_or(0);
    let total = states.len().saturating_sub(1).max(1);
    let kind = if m.action == "deploy" {
        "deploy"
    } else {
        m.action
    };
    Some(json!({
        "kind": kind, "state": state, "step": done + 1, "total": total,
        "percent": done * 100 / total, "step_name": m.steps[entry].name,
        "step_key": crate::i18n::step_key(m.steps[entry].name),
    }))
}

fn dotted(prefix: u8) -> String {
    let bits: u32 = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix.min(32)))
    };
    std::net::Ipv4Addr::from(bits).to_string()
}

/// The network configuration: every address with mask, gateway and DNS
/// servers; the first of each family is the main one (configured by
/// cloud-init; the others must be configured inside the VM).
pub fn addresses(conn: &mut PooledConn, sid: u32) -> Result<Vec<Value>> {
    let ips = crate::jobs::ips::load(conn, sid)?;
    let mut seen4 = false;
    let mut seen6 = false;
    Ok(ips
        .iter()
        .map(|ip| {
            let main = if ip.v6 {
                !std::mem::replace(&mut seen6, true)
            } else {
                !std::mem::replace(&mut seen4, true)
            };
            json!({
                "address": ip.address, "v6": ip.v6, "prefix": ip.prefix,
                "mask": if ip.v6 { format!("/{}", ip.prefix) } else { dotted(ip.prefix) },
                "gateway": ip.gateway, "dns": ip.dns, "main": main,
            })
        })
        .collect())
}

/// Whether each button may be used now: `allowed` (the product's
/// permission) and `enabled` (the VM's state). A dimmed button says why.
pub fn buttons(svc: &Service, running: Option<bool>) -> Value {
    use super::Perm;
    let idle = svc.idle_refusal().map(|d| d.code().to_string());
    let one = |perm: Perm, state_ok: bool| {
        let allowed = svc.allows(perm);
        let why = if !allowed {
            Some("permission".to_string())
        } else if let Some(i) = &idle {
            Some(i.clone())
        } else if !state_ok {
            Some("state".to_string())
        } else {
            None
        };
        json!({"allowed": allowed, "enabled": why.is_none(), "why": why})
    };
    let on = running == Some(true);
    let off = running == Some(false);
    json!({
        "start": one(Perm::Start, off),
        "shutdown": one(Perm::Stop, on),
        "stop": one(Perm::Stop, on),
        "reboot": one(Perm::Stop, on),
        "reinstall": one(Perm::Reinstall, true),
        "reset_password": one(Perm::ResetPassword, true),
    })
}

/// The live panel: status with uptime, CPU, RAM, disks with their limits,
/// the network adapter. Only what a customer needs; nothing of the node.
pub fn live_panel(l: &live::Live, eff: &Effective) -> Value {
    let st = l.status.clone().unwrap_or(Value::Null);
    let p = admin_service::status_panel(&st);
    let hw = l
        .config
        .as_ref()
        .map(|c| admin_service::hardware(c, eff))
        .unwrap_or(Value::Null);
    let cores = hw
        .get("cores")
        .and_then(Value::as_i64)
        .map(|c| c * hw.get("sockets").and_then(Value::as_i64).unwrap_or(1))
        .unwrap_or_else(|| p["cpus"].as_f64().unwrap_or(0.0) as i64);
    let disk = |d: &Value| {
        if d.is_null() {
            return Value::Null;
        }
        json!({"size_gb": d["size_gb"], "mbps_rd": d["limits"]["mbps_rd"], "mbps_wr": d["limits"]["mbps_wr"],
               "iops_rd": d["limits"]["iops_rd"], "iops_wr": d["limits"]["iops_wr"]})
    };
    let nic = &hw["nic"];
    let rate = nic
        .get("rate_mbs")
        .and_then(Value::as_f64)
        .or((eff.bandwidth_mbs > 0).then_some(eff.bandwidth_mbs as f64));
    json!({
        "status": p["status"], "paused": p["qmpstatus"] == "paused",
        "running": p["status"] == "running",
        "uptime": p["uptime"], "uptime_human": p["uptime_human"],
        "cpu_percent": p["cpu_percent"], "cores": cores,
        "mem_gib": p["mem_gib"], "maxmem_gib": p["maxmem_gib"], "mem_percent": p["mem_percent"],
        "system_disk": disk(&hw["system_disk"]),
        "additional_disk": disk(&hw["additional_disk"]),
        "nic": if nic.is_null() { Value::Null } else {
            json!({"model": nic["model"], "mac": nic["mac"], "rate_mbs": rate})
        },
        "age": (l.age * 10.0).round() / 10.0,
    })
}

/// Everything the Overview shows and its poll refreshes.
/// While a machine works on the VM (a deploy before its clone, a
/// reinstall between delete and clone) the VM may not exist in Proxmox:
/// then an unreadable status is a note on the page, not an error page.
pub fn overview_state(ctx: &mut Ctx<'_>) -> Result<Value> {
    let mut live_error = Value::Null;
    let (running, panel) = if ctx.svc.vm.vm_id > 0 {
        match read_live(ctx) {
            Ok(l) => {
                let eff = effective_of(&mut ctx.conn, &ctx.svc)?;
                let panel = live_panel(&l, &eff);
                (Some(panel["running"] == true), panel)
            }
            Err(e) if ctx.svc.vm.vm_status != "ready" => {
                live_error = super::failure(&e)["code"].clone();
                (None, Value::Null)
            }
            Err(e) => return Err(e),
        }
    } else {
        (None, Value::Null)
    };
    let svc = &ctx.svc;
    Ok(json!({
        "vm_status": svc.vm.vm_status,
        "deployed": svc.vm.vm_id > 0,
        "progress": progress(&svc.vm.vm_status),
        "busy": svc.busy_json(),
        "suspended": svc.suspended(),
        "buttons": buttons(svc, running),
        "live": panel,
        "live_error": live_error,
    }))
}

pub fn overview(ctx: &mut Ctx<'_>) -> Result<Value> {
    let mut state = overview_state(ctx)?;
    let sid = ctx.svc.service_id;
    let ips = addresses(&mut ctx.conn, sid)?;
    let svc = &ctx.svc;
    if let Some(o) = state.as_object_mut() {
        o.insert(
            "service".into(),
            json!({"id": sid, "domain": svc.domain, "hostname": svc.vm.hostname,
                   "product": svc.product_name, "status": svc.domainstatus}),
        );
        o.insert("ips".into(), json!(ips));
        o.insert("poll_seconds".into(), json!(7));
        // The noVNC button is always shown; dimmed when the package has no console.
        o.insert("novnc".into(), json!(svc.allows(super::Perm::Novnc)));
    }
    Ok(state)
}

pub fn charts(_ctx: &mut Ctx<'_>) -> Result<Value> {
    Ok(json!({"timeframes": rrd::TIMEFRAMES}))
}

/// The operating systems the product offers, named by the Operating System
/// option's display text, else by the template's name in Proxmox.
pub fn os_choices(ctx: &mut Ctx<'_>) -> Result<Vec<Value>> {
    let offered = crate::server::lifecycle::offered_templates(&mut ctx.conn, ctx.svc.product_id)?;
    let unnamed = offered.iter().any(|(_, n)| n.is_empty());
    let names: Vec<(u32, String)> = if unnamed {
        let mut mk = client_for(ctx.host, ctx.svc.vm.server_id);
        mk(&mut ctx.conn)
            .ok()
            .and_then(|c| c.cluster_vms(Weight::Light).ok())
            .map(|vms| {
                vms.into_iter()
                    .map(|v| (v.vmid, v.name.unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let current = ctx.svc.vm.template_vmid;
    Ok(offered
        .into_iter()
        .map(|(id, name)| {
            let name = if name.is_empty() {
                names
                    .iter()
                    .find(|(v, _)| *v == id)
                    .map(|(_, n)| n.clone())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("#{id}"))
            } else {
                name
            };
            json!({"id": id, "name": name, "current": id == current})
        })
        .collect())
}

pub fn reinstall(ctx: &mut Ctx<'_>) -> Result<Value> {
    let os = os_choices(ctx)?;
    Ok(json!({
        "os": os,
        "busy": ctx.svc.busy_json(),
        "progress": progress(&ctx.svc.vm.vm_status),
        "refusal": ctx.svc.recoverable_refusal().map(|d| d.code()),
        "confirm_word": "REINSTALL",
    }))
}

pub fn reset_password(ctx: &mut Ctx<'_>) -> Result<Value> {
    Ok(json!({
        "username": ctx.svc.vm.os_username,
        "busy": ctx.svc.busy_json(),
        "progress": progress(&ctx.svc.vm.vm_status),
        "refusal": ctx.svc.idle_refusal().map(|d| d.code()),
    }))
}

/// Reverse zones we have (names only: no provider detail reaches a page).
pub fn reverse_zones(conn: &mut PooledConn) -> Result<Vec<String>> {
    Ok(crate::dns::store::list(conn)?
        .into_iter()
        .filter_map(|z| z["name"].as_str().map(str::to_string))
        .filter(|n| crate::dns::names::is_reverse(n))
        .collect())
}

pub fn covered(zones: &[String], ip: IpAddr) -> bool {
    zones
        .iter()
        .any(|z| crate::dns::names::ptr_owner(ip, z).is_some())
}

pub fn rdns(ctx: &mut Ctx<'_>) -> Result<Value> {
    let sid = ctx.svc.service_id;
    let rec = crate::dns::records::service_records(&mut ctx.conn, sid)?;
    let zones = reverse_zones(&mut ctx.conn)?;
    let p = &ctx.svc.product;
    let ticket = p.revdns_ticket && p.revdns_department > 0;
    let rows: Vec<Value> = rec
        .ips
        .iter()
        .map(|i| {
            let cov = covered(&zones, i.ip);
            json!({"address": i.ip.to_string(), "v6": i.ip.is_ipv6(), "ptr": i.ptr,
                   "automatic": cov, "ticket": !cov && ticket})
        })
        .collect();
    Ok(json!({
        "ips": rows, "fqdn": rec.fqdn, "max_length": 253,
        "ticket_mode": ticket,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_and_progress() {
        assert_eq!(dotted(24), "255.255.255.0");
        assert_eq!(dotted(26), "255.255.255.192");
        assert_eq!(dotted(32), "255.255.255.255");
        assert_eq!(dotted(0), "0.0.0.0");
        let p = progress("rp_stop").unwrap();
        assert_eq!(p["kind"], "reset_password");
        assert_eq!(p["step_name"], "Set cloud-init password");
        assert_eq!(p["step_key"], "client_step_set_cloud_init_password");
        let p = progress("set_ip").unwrap();
        assert_eq!(p["kind"], "deploy");
        assert_eq!(p["step"], 2);
        assert!(progress("ready").is_none());
        assert!(progress("reinstall").is_some());
    }
}

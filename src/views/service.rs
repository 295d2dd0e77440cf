//! The admin service page (AdminServicesTabFields): VM ID, addresses and
//! reverse DNS, the Proxmox API status, the real-time VM panel, the deploy
//! log, change-package progress and the usage charts.
//!
//! The Proxmox reads of one page load (VM status, VM config, the cluster's
//! VM list to find the current node, the last hour of RRD data for the
//! measured I/O) run in parallel on scoped threads: the page costs about one
//! Proxmox round trip. Only when the VM has moved to another node (HA,
//! migration) are status and config read again there. Worker threads do
//! pure Rust; the server secret is decrypted on the PHP thread before.

use std::time::Instant;

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::{json, Map, Value};

use super::rrd;
use crate::config::effective;
use crate::config::product;
use crate::error::{Error, Result};
use crate::jobs::{machine, vmconf};
use crate::pve::api::VmConfig;
use crate::pve::{Client, Form, Method, PveError, Weight};
use crate::whmcs::Host;

/// Progress of a running machine, derived from its step table (the states
/// in the order it walks them), or None when the VM is at rest. Reinstall
/// and Redeploy first remove the old VM, then run a deploy: shown as one.
pub fn progress(vm_status: &str) -> Option<Value> {
    if vm_status == "ready" {
        return None;
    }
    let (m, _) = machine::machine_for(vm_status)?;
    if matches!(m.action, "reinstall" | "redeploy") {
        let next = m.steps.last().map_or("creation", |s| s.to);
        return Some(json!({
            "kind": "deploy", "state": vm_status, "done": 0,
            "total": chain(&crate::jobs::deploy::DEPLOY).len() - 1, "percent": 0, "next": next,
        }));
    }
    let states = chain(m);
    let i = states.iter().position(|s| *s == vm_status)?;
    let total = states.len().saturating_sub(1).max(1);
    Some(json!({
        "kind": m.action, "state": vm_status, "done": i, "total": total,
        "percent": i * 100 / total,
        "next": states.get(i + 1).copied().unwrap_or("ready"),
    }))
}

/// A machine's states in order: each step's `from` once, then the last `to`.
pub fn chain(m: &machine::Machine) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    for s in m.steps {
        if v.last() != Some(&s.from) {
            v.push(s.from);
        }
    }
    if let Some(last) = m.steps.last() {
        v.push(last.to);
    }
    v
}

fn is_disk_key(k: &str) -> bool {
    [("scsi", 31u32), ("virtio", 16), ("sata", 6), ("ide", 4)]
        .iter()
        .any(|(bus, n)| {
            k.strip_prefix(bus)
                .and_then(|i| i.parse::<u32>().ok())
                .is_some_and(|i| i < *n)
        })
}

fn opt<'a>(value: &'a str, key: &str) -> Option<&'a str> {
    value
        .split(',')
        .find_map(|p| p.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

fn int_opt(value: &str, key: &str) -> i64 {
    opt(value, key)
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0, |v| v as i64)
}

fn disk_json(key: &str, value: &str, pkg: &effective::DiskSpec) -> Value {
    json!({
        "key": key,
        "volume": vmconf::volid(value),
        "storage": vmconf::storage_of(value),
        "size_gb": vmconf::size_gb(value),
        "limits": {"mbps_rd": int_opt(value, "mbps_rd"), "mbps_wr": int_opt(value, "mbps_wr"),
                   "iops_rd": int_opt(value, "iops_rd"), "iops_wr": int_opt(value, "iops_wr")},
        "package": {"size_gb": pkg.size_gb, "mbps_rd": pkg.mbps_rd, "mbps_wr": pkg.mbps_wr,
                    "iops_rd": pkg.iops_rd, "iops_wr": pkg.iops_wr},
    })
}

/// The disks, NIC and ISO of a VM config, next to the package values.
pub fn hardware(cfg: &VmConfig, eff: &effective::Effective) -> Value {
    let sys = vmconf::system_disk(cfg);
    let system = sys
        .as_ref()
        .and_then(|k| cfg.get(k).map(|v| disk_json(k, v, &eff.system_disk)));
    let additional = cfg
        .iter()
        .filter(|(k, v)| {
            is_disk_key(k)
                && Some(k.as_str()) != sys.as_deref()
                && !v.contains("media=cdrom")
                && !v.contains("cloudinit")
                && !v.starts_with("none")
        })
        .map(|(k, v)| disk_json(k, v, &eff.additional_disk))
        .next();
    let iso = cfg
        .iter()
        .filter(|(k, v)| is_disk_key(k) && v.contains("media=cdrom") && !v.contains("cloudinit"))
        .map(|(_, v)| vmconf::volid(v).to_string())
        .find(|v| v != "none" && !v.is_empty());
    let nic = cfg.get("net0").map(|n| {
        let first = n.split(',').next().unwrap_or("");
        let (model, mac) = first.split_once('=').unwrap_or((first, ""));
        json!({
            "model": model, "mac": mac,
            "bridge": opt(n, "bridge").unwrap_or(""),
            "vlan": opt(n, "tag").and_then(|t| t.parse::<i64>().ok()).unwrap_or(0),
            "rate_mbs": opt(n, "rate").and_then(|t| t.parse::<f64>().ok()),
            "firewall": opt(n, "firewall") == Some("1"),
        })
    });
    json!({
        "cores": cfg.get("cores").and_then(|c| c.parse::<i64>().ok()),
        "sockets": cfg.get("sockets").and_then(|c| c.parse::<i64>().ok()).unwrap_or(1),
        "memory_mb": cfg.get("memory").and_then(|c| c.parse::<i64>().ok()),
        "system_disk": system,
        "additional_disk": additional,
        "nic": nic,
        "iso": iso,
    })
}

fn human_uptime(secs: i64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    if d > 0 {
        format!("{d}d {h}h {m}m")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else {
        format!("{m}m {}s", secs % 60)
    }
}

fn f(v: &Value, k: &str) -> f64 {
    v.get(k).and_then(Value::as_f64).unwrap_or(0.0)
}

/// The status part of the panel from `status/current`.
pub fn status_panel(st: &Value) -> Value {
    let gib = 1024.0 * 1024.0 * 1024.0;
    let (mem, maxmem) = (f(st, "mem"), f(st, "maxmem"));
    let uptime = st.get("uptime").and_then(Value::as_i64).unwrap_or(0);
    json!({
        "status": st.get("status").and_then(Value::as_str).unwrap_or("unknown"),
        "qmpstatus": st.get("qmpstatus").and_then(Value::as_str),
        "uptime": uptime,
        "uptime_human": human_uptime(uptime),
        "lock": st.get("lock").and_then(Value::as_str),
        "cpus": f(st, "cpus"),
        "cpu_percent": (f(st, "cpu") * 1000.0).round() / 10.0,
        "mem_gib": (mem / gib * 100.0).round() / 100.0,
        "maxmem_gib": (maxmem / gib * 100.0).round() / 100.0,
        "mem_percent": if maxmem > 0.0 { (mem / maxmem * 1000.0).round() / 10.0 } else { 0.0 },
        "maxdisk_gib": (f(st, "maxdisk") / gib * 100.0).round() / 100.0,
        "running_qemu": st.get("running-qemu").and_then(Value::as_str),
        "running_machine": st.get("running-machine").and_then(Value::as_str),
        "ha": st.get("ha").and_then(|h| h.get("state")).and_then(Value::as_str).unwrap_or("none"),
        "agent": matches!(st.get("agent"), Some(Value::Number(n)) if n.as_i64() == Some(1))
            || st.get("agent") == Some(&Value::Bool(true)),
        "pid": st.get("pid").and_then(Value::as_i64),
    })
}

fn vm_path(node: &str, vmid: u32, rest: &str) -> std::result::Result<String, PveError> {
    Ok(format!(
        "/nodes/{}/qemu/{vmid}{rest}",
        crate::pve::client::seg("node", node)?
    ))
}

type PveRes<T> = std::result::Result<T, PveError>;

struct Live {
    status: PveRes<Value>,
    config: PveRes<VmConfig>,
    rrd: PveRes<Value>,
    node: String,
    calls: u32,
    waves: u32,
}

fn read_node(
    client: &Client,
    node: &str,
    vmid: u32,
    with_rrd: bool,
) -> (PveRes<Value>, PveRes<VmConfig>, PveRes<Value>) {
    std::thread::scope(|s| {
        let st = s.spawn(|| {
            client.call(
                Method::Get,
                &vm_path(node, vmid, "/status/current")?,
                &Form::new(),
                Weight::Light,
            )
        });
        let cf = s.spawn(|| client.vm_config(node, vmid));
        let rd = with_rrd.then(|| s.spawn(|| rrddata(client, node, vmid, "hour")));
        let panicked = || PveError::Protocol("reader thread panicked".into());
        (
            st.join().unwrap_or_else(|_| Err(panicked())),
            cf.join().unwrap_or_else(|_| Err(panicked())),
            rd.map_or(Ok(Value::Null), |h| {
                h.join().unwrap_or_else(|_| Err(panicked()))
            }),
        )
    })
}

/// `rrddata` without `cf` (see `rrd`): works on PVE 8 and 9 files alike.
pub fn rrddata(client: &Client, node: &str, vmid: u32, timeframe: &str) -> PveRes<Value> {
    client.call(
        Method::Get,
        &vm_path(node, vmid, "/rrddata")?,
        &Form::new().set("timeframe", timeframe),
        Weight::Light,
    )
}

fn read_live(client: &Client, node: &str, vmid: u32) -> Live {
    // Wave 1: status, config and RRD on the recorded node, and the cluster's
    // VM list to confirm where the VM really is, all at once.
    let (first, cluster) = std::thread::scope(|s| {
        let c = s.spawn(|| client.cluster_vms(Weight::Light));
        let first = (!node.is_empty()).then(|| read_node(client, node, vmid, true));
        (
            first,
            c.join()
                .unwrap_or_else(|_| Err(PveError::Protocol("reader thread panicked".into()))),
        )
    });
    let actual = cluster
        .as_ref()
        .ok()
        .and_then(|vms| vms.iter().find(|v| v.vmid == vmid).map(|v| v.node.clone()));
    match (first, actual) {
        (Some((status, config, rrd)), Some(n)) if n == node => Live {
            status,
            config,
            rrd,
            node: n,
            calls: 4,
            waves: 1,
        },
        (Some((status, config, rrd)), None) if cluster.is_err() => Live {
            status,
            config,
            rrd,
            node: node.to_string(),
            calls: 4,
            waves: 1,
        },
        (first, Some(n)) => {
            let (status, config, rrd) = read_node(client, &n, vmid, true);
            Live {
                status,
                config,
                rrd,
                node: n,
                calls: if first.is_some() { 7 } else { 4 },
                waves: 2,
            }
        }
        (_, None) => {
            let msg = match &cluster {
                Err(e) => e.to_string(),
                Ok(_) => format!("VM {vmid} does not exist on the cluster"),
            };
            Live {
                status: Err(PveError::Protocol(msg.clone())),
                config: Err(PveError::Protocol(msg.clone())),
                rrd: Err(PveError::Protocol(msg)),
                node: node.to_string(),
                calls: if node.is_empty() { 1 } else { 4 },
                waves: 1,
            }
        }
    }
}

struct Hosting {
    product_id: u32,
    domainstatus: String,
    dedicatedip: String,
    assignedips: String,
}

fn hosting(conn: &mut PooledConn, sid: u32) -> Result<Hosting> {
    let r: Option<(u32, String, String, String)> = conn.exec_first(
        "SELECT packageid, domainstatus, dedicatedip, assignedips FROM tblhosting WHERE id = ?",
        (sid,),
    )?;
    let (product_id, domainstatus, dedicatedip, assignedips) =
        r.ok_or_else(|| Error::input("service_id", format!("service {sid} does not exist")))?;
    Ok(Hosting {
        product_id,
        domainstatus,
        dedicatedip,
        assignedips,
    })
}

/// id, action, result, started, finished, error, steps (JSON).
type RunRow = (u64, String, String, f64, f64, Option<String>, String);

/// The deploy log: the last 50 runs, newest first, steps decoded.
pub fn runs(conn: &mut PooledConn, sid: u32) -> Result<Vec<Value>> {
    let rows: Vec<RunRow> = conn.exec(
        "SELECT id, action, result, started_at, finished_at, error, steps FROM puqProxmoxKVM_vm_runs
          WHERE service_id = ? ORDER BY id DESC LIMIT 50",
        (sid,),
    )?;
    Ok(rows
        .into_iter()
        .map(|(id, action, result, started, finished, error, steps)| {
            let mut steps: Value = serde_json::from_str(&steps).unwrap_or(Value::Array(vec![]));
            let step_count = steps.as_array().map_or(0, Vec::len);
            // Whole seconds for display (templates format them as dates).
            if let Some(list) = steps.as_array_mut() {
                for st in list.iter_mut() {
                    let ts = st.get("time").and_then(Value::as_f64).unwrap_or(0.0) as i64;
                    // The step's lang key: the service tab shows it translated.
                    let key = st.get("step").and_then(Value::as_str).map(crate::i18n::step_key);
                    if let Some(o) = st.as_object_mut() {
                        o.insert("ts".into(), json!(ts));
                        o.insert("step_key".into(), json!(key));
                    }
                }
            }
            json!({"id": id, "action": action, "result": result, "started_at": started,
                   "started_ts": started as i64, "finished_ts": finished as i64,
                   "finished_at": finished, "duration": ((finished - started) * 100.0).round() / 100.0,
                   "error": error, "steps": steps, "step_count": step_count})
        })
        .collect())
}

fn last_error(conn: &mut PooledConn, sid: u32) -> Result<Option<String>> {
    let e: Option<Option<String>> = conn.exec_first(
        "SELECT last_error FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
        (sid,),
    )?;
    Ok(e.flatten().filter(|s| !s.is_empty()))
}

/// The service's configurable options the module recognises (plain or
/// legacy names), with the display text of the chosen sub-option, in the
/// order of the spec's list. Options not assigned are absent: the Module
/// Settings default applies to them.
pub fn config_options(conn: &mut PooledConn, sid: u32) -> Result<Vec<Value>> {
    let rows: Vec<(String, i64, Option<String>, i64)> = conn.exec(
        "SELECT o.optionname, o.optiontype, s.optionname, h.qty
           FROM tblhostingconfigoptions h
           JOIN tblproductconfigoptions o ON o.id = h.configid
           LEFT JOIN tblproductconfigoptionssub s ON s.id = h.optionid
          WHERE h.relid = ?",
        (sid,),
    )?;
    let mut out: Vec<(usize, Value)> = Vec::new();
    for (name, kind, sub, qty) in rows {
        let key = name.split('|').next().unwrap_or("").trim().to_string();
        let Some(pos) = effective::OPTIONS
            .iter()
            .position(|(_, plain, legacy)| key == *plain || Some(key.as_str()) == *legacy)
        else {
            continue;
        };
        let (value, display) = if kind == 3 || kind == 4 {
            (qty.to_string(), qty.to_string())
        } else {
            let sub = sub.unwrap_or_default();
            let (v, d) = sub.split_once('|').unwrap_or((sub.as_str(), sub.as_str()));
            (v.trim().to_string(), d.trim().to_string())
        };
        out.push((pos, json!({"name": effective::OPTIONS[pos].1, "option": name, "value": value, "display": display})));
    }
    out.sort_by_key(|(p, _)| *p);
    Ok(out.into_iter().map(|(_, v)| v).collect())
}

/// The page's data. `timing` reports the Proxmox calls made, in how many
/// sequential waves, and the wall time of the live part.
pub fn page(conn: &mut PooledConn, host: &dyn Host, sid: u32) -> Result<Value> {
    let h = hosting(conn, sid)?;
    let ips = crate::jobs::ips::load(conn, sid)?;
    let runs = runs(conn, sid)?;
    let Some(vm) = crate::jobs::record::load(conn, sid)? else {
        return Ok(json!({
            "service_id": sid, "domainstatus": h.domainstatus, "vm": null,
            "api": {"ok": false, "checked": false,
                    "message": "This service has no VM record yet: run Create (Module Commands) to queue its deployment."},
            "ips": ips, "runs": runs, "progress": null,
        }));
    };
    let pid = if vm.product_id > 0 {
        vm.product_id
    } else {
        h.product_id
    };
    let prod = product::load(conn, pid)?;
    let options = crate::jobs::config_options(conn, sid)?;
    let eff = effective::compute(&prod, &options)?;
    let (pkg_bridge, pkg_vlan) = match (
        prod.auto_bridge_vlan,
        ips.iter().find(|i| !i.bridge.is_empty()),
    ) {
        (true, Some(ip)) => (ip.bridge.clone(), ip.vlan),
        _ => (prod.bridge.clone(), prod.vlan),
    };
    // Reverse DNS as the DNS records module writes it: the custom name set
    // for the address, else the VM's FQDN.
    let ptrs: std::collections::BTreeMap<String, String> =
        crate::dns::records::service_records(conn, sid)
            .map(|r| {
                r.ips
                    .into_iter()
                    .map(|i| (i.ip.to_string(), i.ptr))
                    .collect()
            })
            .unwrap_or_default();
    let rdns: Vec<Value> = ips
        .iter()
        .map(|ip| {
            let ptr = ptrs
                .get(&ip.address)
                .cloned()
                .unwrap_or_else(|| vm.hostname.clone());
            json!({"address": ip.address, "v6": ip.v6, "ptr": ptr})
        })
        .collect();
    let mut out = Map::new();
    out.insert("service_id".into(), json!(sid));
    out.insert("domainstatus".into(), json!(h.domainstatus));
    out.insert("dedicatedip".into(), json!(h.dedicatedip));
    out.insert(
        "assignedips".into(),
        json!(h
            .assignedips
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()),
    );
    out.insert(
        "vm".into(),
        json!({
            "vm_id": vm.vm_id, "vm_name": vm.vm_name, "hostname": vm.hostname, "node": vm.node,
            "vm_status": vm.vm_status, "server_id": vm.server_id, "template": vm.template_vmid,
            "last_error": last_error(conn, sid)?,
            // Why the Redeploy button is disabled (the action refuses the same), or null.
            "redeploy_refusal": crate::server::lifecycle::redeploy_offered(
                crate::server::lifecycle::RedeployFrom::ServicePage, &vm.vm_status, vm.vm_id),
        }),
    );
    out.insert("ips".into(), json!(rdns));
    out.insert("package".into(), json!({
        "cpu": eff.cpu, "ram_gb": eff.ram_gb, "bandwidth_mbs": eff.bandwidth_mbs,
        "bridge": pkg_bridge, "vlan": pkg_vlan, "net_model": prod.net_model,
        "system_disk": {"size_gb": eff.system_disk.size_gb, "mbps_rd": eff.system_disk.mbps_rd, "mbps_wr": eff.system_disk.mbps_wr, "iops_rd": eff.system_disk.iops_rd, "iops_wr": eff.system_disk.iops_wr},
        "additional_disk": {"size_gb": eff.additional_disk.size_gb, "mbps_rd": eff.additional_disk.mbps_rd, "mbps_wr": eff.additional_disk.mbps_wr, "iops_rd": eff.additional_disk.iops_rd, "iops_wr": eff.additional_disk.iops_wr},
    }));
    out.insert("runs".into(), json!(runs));
    out.insert("config_options".into(), json!(config_options(conn, sid)?));
    out.insert(
        "progress".into(),
        progress(&vm.vm_status).unwrap_or(Value::Null),
    );
    if vm.vm_id == 0 || vm.server_id == 0 {
        out.insert(
            "api".into(),
            json!({"ok": false, "checked": false,
            "message": "The VM has no VMID on Proxmox yet; the deploy has not cloned it."}),
        );
        return Ok(Value::Object(out));
    }
    let sp = crate::jobs::server_params(conn, host, vm.server_id)?;
    let client = crate::server::client(&sp, &crate::db::settings::load(conn)?)?;
    let started = Instant::now();
    let live = read_live(&client, &vm.node, vm.vm_id);
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    out.insert("timing".into(), json!({"wall_ms": (wall_ms * 10.0).round() / 10.0, "calls": live.calls, "waves": live.waves}));
    match &live.status {
        Ok(s) => {
            out.insert(
                "api".into(),
                json!({"ok": true, "checked": true, "message": "API answer OK"}),
            );
            let mut panel = status_panel(s);
            if let Some(p) = panel.as_object_mut() {
                p.insert("node".into(), json!(live.node));
                p.insert("moved".into(), json!(live.node != vm.node));
            }
            out.insert("live".into(), panel);
        }
        Err(e) => {
            out.insert(
                "api".into(),
                json!({"ok": false, "checked": true,
                "message": format!("Proxmox server '{}' did not answer: {e}", sp.hostname)}),
            );
        }
    }
    if let Ok(cfg) = &live.config {
        out.insert("hardware".into(), hardware(cfg, &eff));
    }
    let measured = match &live.rrd {
        Ok(v) => {
            let s = rrd::parse(v);
            json!({"netin_mbs": s.last(|s| &s.netin), "netout_mbs": s.last(|s| &s.netout),
                   "diskread_mbs": s.last(|s| &s.diskread), "diskwrite_mbs": s.last(|s| &s.diskwrite),
                   "format": s.format})
        }
        Err(_) => Value::Null,
    };
    out.insert("measured".into(), measured);
    Ok(Value::Object(out))
}

/// One chart time frame for the service's VM.
pub fn chart(conn: &mut PooledConn, host: &dyn Host, sid: u32, timeframe: &str) -> Result<Value> {
    if !rrd::TIMEFRAMES.contains(&timeframe) {
        return Err(Error::input(
            "timeframe",
            format!("must be one of {}", rrd::TIMEFRAMES.join(", ")),
        ));
    }
    let Some(vm) = crate::jobs::record::load(conn, sid)? else {
        return Ok(json!({"ok": false, "message": "no VM record for this service"}));
    };
    if vm.vm_id == 0 || vm.node.is_empty() {
        return Ok(json!({"ok": false, "message": "the VM is not deployed yet"}));
    }
    let client = crate::server::client_for_server(conn, host, vm.server_id)?;
    // Charts fail soft: an RRD error is a message, never a broken page.
    match rrddata(&client, &vm.node, vm.vm_id, timeframe) {
        Ok(v) => Ok(json!({"ok": true, "timeframe": timeframe, "series": rrd::parse(&v)})),
        Err(e) => Ok(
            json!({"ok": false, "timeframe": timeframe, "message": format!("usage data unavailable: {e}")}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_of_states() {
        let p = progress("cp_network").unwrap();
        assert_eq!(p["kind"], "change_package");
        assert_eq!(p["done"], 9);
        assert_eq!(p["total"], 12);
        assert_eq!(p["next"], "cp_firewall");
        assert_eq!(progress("set_network").unwrap()["kind"], "deploy");
        assert!(progress("ready").is_none());
        assert_eq!(progress("redeploy").unwrap()["next"], "creation");
        assert!(progress("error_terminate").is_none());
    }

    #[test]
    fn hardware_reads_disks_nic_and_iso() {
        let cfg: VmConfig = [
            ("boot", "order=scsi0;ide2;net0"),
            (
                "scsi0",
                "local-lvm:vm-101-disk-0,iothread=1,mbps_rd=100,iops_wr=500,size=20G",
            ),
            ("scsi1", "ceph:vm-101-disk-1,size=50G"),
            ("ide2", "local-lvm:vm-101-cloudinit,media=cdrom"),
            ("sata0", "local:iso/debian.iso,media=cdrom"),
            (
                "net0",
                "virtio=BC:24:11:00:00:01,bridge=vmbr1,tag=20,rate=12.5,firewall=1",
            ),
            ("cores", "2"),
            ("memory", "2048"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let eff =
            effective::compute(&product::ProductConfig::default(), &Default::default()).unwrap();
        let h = hardware(&cfg, &eff);
        assert_eq!(h["system_disk"]["key"], "scsi0");
        assert_eq!(h["system_disk"]["size_gb"], 20.0);
        assert_eq!(h["system_disk"]["limits"]["mbps_rd"], 100);
        assert_eq!(h["system_disk"]["limits"]["iops_wr"], 500);
        assert_eq!(h["additional_disk"]["key"], "scsi1");
        assert_eq!(h["nic"]["model"], "virtio");
        assert_eq!(h["nic"]["mac"], "BC:24:11:00:00:01");
        assert_eq!(h["nic"]["vlan"], 20);
        assert_eq!(h["nic"]["rate_mbs"], 12.5);
        assert_eq!(h["iso"], "local:iso/debian.iso");
    }

    #[test]
    fn status_panel_numbers() {
        let st = serde_json::json!({"status": "running", "cpu": 0.123, "cpus": 2, "mem": 536870912u64,
            "maxmem": 2147483648u64, "uptime": 90061, "qmpstatus": "running", "ha": {"managed": 0}});
        let p = status_panel(&st);
        assert_eq!(p["cpu_percent"], 12.3);
        assert_eq!(p["mem_percent"], 25.0);
        assert_eq!(p["mem_gib"], 0.5);
        assert_eq!(p["uptime_human"], "1d 1h 1m");
        assert_eq!(p["ha"], "none");
    }
}

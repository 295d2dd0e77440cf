//! Layer 1 of the disk shrink protection: what the client's configurable
//! options upgrade page must not offer. Proxmox cannot shrink a disk, so
//! every System Disk / Additional Disk sub-option smaller than the VM's
//! current disk is disabled on the page, and an Additional Disk of 0 (which
//! deletes the disk and its data) is marked destructive. The same rule
//! refuses such an upgrade when it is submitted anyway (WHMCS 9's
//! `ShoppingCartValidateUpgrade`); layers 2 and 3 (the change-package and
//! restore machines skip a shrink) stay as the backstop.

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::{json, Value};

use crate::config::effective;
use crate::error::Result;

/// Which disk an option sizes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Disk {
    System,
    Additional,
}

fn disk_of(option_name: &str) -> Option<Disk> {
    let key = option_name.split('|').next().unwrap_or("").trim();
    match key {
        "System Disk" => Some(Disk::System),
        "Additional Disk" => Some(Disk::Additional),
        _ => None,
    }
}

/// The current size of each disk: the larger of the package's value and
/// the size Proxmox last reported (the live cache), so a disk grown by an
/// admin counts too.
fn current_sizes(conn: &mut PooledConn, sid: u32, product_id: u32) -> Result<(i64, i64)> {
    let product = crate::config::product::load(conn, product_id)?;
    let options = crate::jobs::config_options(conn, sid)?;
    let eff = effective::compute(&product, &options)?;
    let (mut sys, mut add) = (eff.system_disk.size_gb, eff.additional_disk.size_gb);
    let cfg: Option<Option<String>> = conn.exec_first(
        "SELECT config_json FROM puqProxmoxKVM_live_cache WHERE service_id = ?",
        (sid,),
    )?;
    if let Some(cfg) = cfg
        .flatten()
        .and_then(|c| serde_json::from_str::<crate::pve::api::VmConfig>(&c).ok())
    {
        let hw = crate::views::service::hardware(&cfg, &eff);
        let gb = |d: &Value| {
            d.get("size_gb")
                .and_then(Value::as_f64)
                .map(|g| g.ceil() as i64)
        };
        if let Some(g) = gb(&hw["system_disk"]) {
            sys = sys.max(g);
        }
        if let Some(g) = gb(&hw["additional_disk"]) {
            add = add.max(g);
        }
    }
    Ok((sys, add))
}

type OptRow = (u32, String, u32, String);

/// The guard of one service for its owner: `{options: [{id, disk,
/// current_gb, disabled: [sub-option ids], destructive: [ids]}]}`; an
/// empty list for anyone else or a service without a VM.
pub fn guard(conn: &mut PooledConn, client_id: u32, sid: u32) -> Result<Value> {
    let owner: Option<(u32, u32)> = conn.exec_first(
        "SELECT h.userid, h.packageid FROM tblhosting h
           JOIN puqProxmoxKVM_vm_info v ON v.service_id = h.id
          WHERE h.id = ?",
        (sid,),
    )?;
    let Some((_, pid)) = owner.filter(|(o, _)| client_id > 0 && *o == client_id) else {
        return Ok(json!({"options": []}));
    };
    let (sys, add) = current_sizes(conn, sid, pid)?;
    let rows: Vec<OptRow> = conn.exec(
        "SELECT o.id, o.optionname, s.id, s.optionname
           FROM tblproductconfigoptions o
           JOIN tblproductconfiglinks l ON l.gid = o.gid
           JOIN tblproductconfigoptionssub s ON s.configid = o.id
          WHERE l.pid = ? ORDER BY o.id, s.sortorder, s.id",
        (pid,),
    )?;
    let mut out: Vec<Value> = Vec::new();
    for (oid, oname, subid, subname) in rows {
        let Some(disk) = disk_of(&oname) else {
            continue;
        };
        let current = if disk == Disk::System { sys } else { add };
        let value: Option<i64> = subname
            .split('|')
            .next()
            .and_then(|v| v.trim().parse().ok());
        let Some(value) = value else { continue };
        if !out.iter().any(|o| o["id"] == oid) {
            out.push(json!({"id": oid, "disk": if disk == Disk::System { "system" } else { "additional" },
                            "current_gb": current, "disabled": [], "destructive": []}));
        }
        let Some(o) = out.iter_mut().find(|o| o["id"] == oid) else {
            continue;
        };
        if disk == Disk::Additional && value == 0 && current > 0 {
            if let Some(a) = o["destructive"].as_array_mut() {
                a.push(json!(subid));
            }
        } else if value < current {
            if let Some(a) = o["disabled"].as_array_mut() {
                a.push(json!(subid));
            }
        }
    }
    Ok(json!({"options": out}))
}

/// Refusals of a submitted upgrade (`configoption[id] => sub-option id`):
/// one message per option that would shrink a disk; empty when allowed.
pub fn validate(
    conn: &mut PooledConn,
    client_id: u32,
    sid: u32,
    chosen: &[(u32, u32)],
) -> Result<Vec<String>> {
    let g = guard(conn, client_id, sid)?;
    let mut errors = Vec::new();
    for o in g["options"].as_array().into_iter().flatten() {
        let oid = o["id"].as_u64().unwrap_or(0);
        for (id, sub) in chosen {
            if u64::from(*id) != oid {
                continue;
            }
            let disabled = o["disabled"]
                .as_array()
                .is_some_and(|a| a.iter().any(|s| s.as_u64() == Some(u64::from(*sub))));
            if disabled {
                errors.push(format!(
                    "{} cannot be made smaller than its current {} GB: Proxmox cannot shrink disks.",
                    if o["disk"] == "system" {
                        "The system disk"
                    } else {
                        "The additional disk"
                    },
                    o["current_gb"]
                ));
            }
        }
    }
    Ok(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_options_by_name() {
        assert_eq!(disk_of("System Disk|System disk size"), Some(Disk::System));
        assert_eq!(disk_of("Additional Disk"), Some(Disk::Additional));
        assert_eq!(disk_of("System Disk Read IOPS"), None);
        assert_eq!(disk_of("RAM"), None);
    }
}

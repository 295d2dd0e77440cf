//! v2 product settings from the stock fields `tblproducts.configoption1..24`
//! into `puqProxmoxKVM_product_settings`, for products of this module that
//! the panel has not configured yet (a product with a settings row is never
//! touched).
//!
//! The v2 layout is reconstructed from the v2 documentation's Product
//! Configuration page, whose sections follow the field order, and from the
//! spec's two fixed points (configoption4 = default OS template,
//! configoption12 = the client permission checkboxes):
//!
//! | field | v2 section | read as |
//! |---|---|---|
//! | 1 | License key | not imported (this build has no licence) |
//! | 2 | Type of VM creation | `full` / `linked` clone |
//! | 3 | Target node | node name; `auto` / empty = automatically |
//! | 4 | Default OS template | template VMID |
//! | 5 | Backups storage | storage name |
//! | 6 | ISO's storage | storage name |
//! | 7 | VM configuration | CPU, RAM, OS username, VM name prefix, first VM id, snapshot lifetime, backups, snapshots |
//! | 8 | System disk | storage, size, read/write MB/s, read/write IOPS |
//! | 9 | Additional disk | the same |
//! | 10 | Network configuration | model, bandwidth, auto bridge/VLAN, bridge, VLAN, DHCP IPv4/IPv6, firewall, anti-spoofing, IPv4/IPv6 count |
//! | 11 | Integrations | noVNC server and key, main domain, revDNS ticket and department |
//! | 12 | Client configuration | the permission checkboxes |
//! | 13 | Email configuration | VM is ready, Reset password, Backup restored templates |
//! | 14–24 | (unused by v2) | reported when not empty |
//!
//! A section field (7–13) holds several values: a JSON object, or
//! `key=value` / `key: value` lines (`;` also separates). Keys are matched
//! loosely (case, spaces and punctuation ignored) against the v2 labels and
//! our own setting names. Every value goes through the panel's own
//! validation; one that fails is a skip line naming the field and the
//! product keeps the default for it.

use std::collections::BTreeMap;

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::Value;

use super::Section;
use crate::config::product::{self, ProductConfig};
use crate::error::{Error, Result};
use crate::ippool::store::SERVER_TYPE;
use crate::whmcs::Host;

/// (v2 key as normalised, our setting) for the section fields.
type Keys = &'static [(&'static str, &'static str)];

/// configoption7, VM configuration.
const VM_KEYS: &[(&str, &str)] = &[
    ("cpu", "cpu"),
    ("cores", "cpu"),
    ("ram", "ram_gb"),
    ("ramgb", "ram_gb"),
    ("memory", "ram_gb"),
    ("osusername", "os_username"),
    ("username", "os_username"),
    ("firstvmid", "first_vmid"),
    ("snapshotlifetime", "snapshot_lifetime_days"),
    ("snapshotlifetimedays", "snapshot_lifetime_days"),
    ("backups", "backups"),
    ("snapshots", "snapshots"),
];
const DISK_KEYS: &[(&str, &str)] = &[
    ("storage", "storage"),
    ("size", "size_gb"),
    ("sizegb", "size_gb"),
    ("mbpsrd", "mbps_rd"),
    ("readmbps", "mbps_rd"),
    ("mbpswr", "mbps_wr"),
    ("writembps", "mbps_wr"),
    ("iopsrd", "iops_rd"),
    ("readiops", "iops_rd"),
    ("iopswr", "iops_wr"),
    ("writeiops", "iops_wr"),
];
const NET_KEYS: &[(&str, &str)] = &[
    ("model", "net_model"),
    ("networkmodel", "net_model"),
    ("netmodel", "net_model"),
    ("bandwidth", "bandwidth_mbs"),
    ("bandwidthmbs", "bandwidth_mbs"),
    ("autobridgevlan", "auto_bridge_vlan"),
    ("automaticselectionbridgevlan", "auto_bridge_vlan"),
    ("auto", "auto_bridge_vlan"),
    ("bridge", "bridge"),
    ("networkbridge", "bridge"),
    ("vlan", "vlan"),
    ("dhcpipv4", "dhcp_v4"),
    ("dhcpv4", "dhcp_v4"),
    ("dhcp4", "dhcp_v4"),
    ("dhcpipv6", "dhcp_v6"),
    ("dhcpv6", "dhcp_v6"),
    ("dhcp6", "dhcp_v6"),
    ("firewall", "fw_enable"),
    ("antispoofing", "fw_antispoofing"),
    ("antispoofingrules", "fw_antispoofing"),
    ("ipv4", "ipv4_count"),
    ("ipv4count", "ipv4_count"),
    ("ipv6", "ipv6_count"),
    ("ipv6count", "ipv6_count"),
];
const INTEGRATION_KEYS: &[(&str, &str)] = &[
    ("novncwebproxyserver", "novnc_domain"),
    ("novncserver", "novnc_domain"),
    ("novncdomain", "novnc_domain"),
    ("novncwebproxykey", "novnc_key"),
    ("novnckey", "novnc_key"),
    ("maindomain", "main_domain"),
    ("domain", "main_domain"),
    ("revdnsticket", "revdns_ticket"),
    ("revdnsticketdepartment", "revdns_department"),
    ("revdnsdepartment", "revdns_department"),
    ("department", "revdns_department"),
];
const EMAIL_KEYS: &[(&str, &str)] = &[
    ("vmisready", "email_ready"),
    ("ready", "email_ready"),
    ("emailready", "email_ready"),
    ("resetpassword", "email_reset_password"),
    ("emailresetpassword", "email_reset_password"),
    ("backuprestored", "email_backup_restored"),
    ("emailbackuprestored", "email_backup_restored"),
];
/// The client permission checkboxes (configoption12).
const PERMISSIONS: &[(&str, &str)] = &[
    ("start", "perm_start"),
    ("stop", "perm_stop"),
    ("shutdown", "perm_stop"),
    ("novnc", "perm_novnc"),
    ("vnc", "perm_novnc"),
    ("console", "perm_novnc"),
    ("charts", "perm_charts"),
    ("graphs", "perm_charts"),
    ("statistics", "perm_charts"),
    ("reinstall", "perm_reinstall"),
    ("resetpassword", "perm_reset_password"),
    ("password", "perm_reset_password"),
    ("revdns", "perm_revdns"),
    ("rdns", "perm_revdns"),
    ("reversedns", "perm_revdns"),
    ("iso", "perm_iso"),
    ("isomount", "perm_iso"),
    ("firewall", "perm_firewall"),
];
/// v2 checkboxes v3 has no permission for: the quota decides.
const QUOTA_ONLY: &[&str] = &["snapshots", "backups"];

/// `"Snapshot lifetime"` → `snapshotlifetime`.
fn norm(k: &str) -> String {
    k.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Pairs of a section field: a JSON object, or key=value / key: value
/// entries separated by new lines or `;`.
fn pairs(text: &str) -> Vec<(String, String)> {
    if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) {
        return m
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s,
                    Value::Bool(b) => if b { "on" } else { "" }.to_string(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect();
    }
    text.split(['\n', ';'])
        .filter_map(|l| {
            let l = l.trim();
            let (k, v) = l.split_once('=').or_else(|| l.split_once(':'))?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

/// What the v2 fields say: the form of our settings, and lines about what
/// was not taken.
pub fn parse_v2(options: &[String]) -> (BTreeMap<String, String>, Vec<String>) {
    let mut form = BTreeMap::new();
    let mut notes = Vec::new();
    let opt = |n: usize| options.get(n - 1).map(|s| s.trim()).unwrap_or("");
    // 2: clone type.
    let clone = opt(2).to_ascii_lowercase();
    if clone.contains("full") {
        form.insert("clone_type".into(), "full".into());
    } else if clone.contains("link") {
        form.insert("clone_type".into(), "linked".into());
    } else if !clone.is_empty() {
        notes.push(format!(
            "configoption2 (type of VM creation) '{}' is neither Full nor Linked clone",
            crate::util::printable(opt(2))
        ));
    }
    // 3–6: single values.
    for (n, key) in [
        (3, "node"),
        (4, "os_template"),
        (5, "backup_storage"),
        (6, "iso_storage"),
    ] {
        if !opt(n).is_empty() {
            form.insert(key.into(), opt(n).into());
        }
    }
    // 7–11, 13: sections.
    let sections: [(usize, &str, Keys, &str); 6] = [
        (7, "VM configuration", VM_KEYS, ""),
        (8, "system disk", DISK_KEYS, "sys_"),
        (9, "additional disk", DISK_KEYS, "add_"),
        (10, "network", NET_KEYS, ""),
        (11, "integrations", INTEGRATION_KEYS, ""),
        (13, "email", EMAIL_KEYS, ""),
    ];
    for (n, what, keys, prefix) in sections {
        for (k, v) in pairs(opt(n)) {
            let nk = norm(&k);
            if n == 7 && matches!(nk.as_str(), "vmnameprefix" | "prefix") {
                let p = v.trim().trim_end_matches('-');
                let rule = if p.is_empty() {
                    "{client_id}-{service_id}".to_string()
                } else {
                    format!("{p}-{{client_id}}-{{service_id}}")
                };
                form.insert("vm_name_rule".into(), rule);
                continue;
            }
            let ours = keys
                .iter()
                .find(|(alias, _)| *alias == nk)
                .map(|(_, ours)| format!("{prefix}{ours}"))
                .or_else(|| {
                    // Our own setting names are accepted as they are.
                    let own = format!("{prefix}{}", k.trim());
                    keys.iter()
                        .any(|(_, o)| format!("{prefix}{o}") == own)
                        .then_some(own)
                });
            match ours {
                Some(key) => {
                    form.insert(key, v);
                }
                None => notes.push(format!(
                    "configoption{n} ({what}): '{}' is not a v2 setting; ignored",
                    crate::util::printable(&k)
                )),
            }
        }
        if !opt(n).is_empty() && pairs(opt(n)).is_empty() {
            notes.push(format!(
                "configoption{n} ({what}) is neither JSON nor key=value lines; ignored"
            ));
        }
    }
    // 12: the permission checkboxes.
    if !opt(12).is_empty() {
        permissions(opt(12), &mut form, &mut notes);
    }
    for n in 14..=24 {
        if !opt(n).is_empty() {
            notes.push(format!("configoption{n} is not a v2 field; ignored"));
        }
    }
    (form, notes)
}

fn set_permission(
    name: &str,
    on: bool,
    form: &mut BTreeMap<String, String>,
    notes: &mut Vec<String>,
) {
    let n = norm(name);
    if let Some((_, key)) = PERMISSIONS
        .iter()
        .find(|(a, _)| *a == n || format!("perm{a}") == n)
    {
        form.insert(key.to_string(), if on { "on" } else { "" }.into());
    } else if QUOTA_ONLY.contains(&n.as_str()) {
        notes.push(format!(
            "configoption12: '{name}' has no permission in v3 (the product's quota decides)"
        ));
    } else {
        notes.push(format!(
            "configoption12: '{}' is not a client permission; ignored",
            crate::util::printable(name)
        ));
    }
}

fn permissions(text: &str, form: &mut BTreeMap<String, String>, notes: &mut Vec<String>) {
    let flag = |v: &str| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "on" | "1" | "yes" | "true" | "checked"
        )
    };
    let all_off = |form: &mut BTreeMap<String, String>| {
        for (_, key) in PERMISSIONS {
            form.insert(key.to_string(), String::new());
        }
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(list)) => {
            // A list names the ticked boxes: the others are off.
            all_off(form);
            for v in list {
                if let Some(s) = v.as_str() {
                    set_permission(s, true, form, notes);
                }
            }
        }
        Ok(Value::Object(_)) => {
            for (k, v) in pairs(text) {
                set_permission(&k, flag(&v), form, notes);
            }
        }
        _ if text.contains('=') || text.contains(':') => {
            for (k, v) in pairs(text) {
                set_permission(&k, flag(&v), form, notes);
            }
        }
        _ => {
            all_off(form);
            for name in text
                .split([',', '\n', ';', '|', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                set_permission(name, true, form, notes);
            }
        }
    }
}

pub fn import(conn: &mut PooledConn, _host: &dyn Host, section: &mut Section) -> Result<()> {
    section.source = "tblproducts.configoption1..24 of PUQ Proxmox KVM products".into();
    let cols = (1..=24)
        .map(|n| format!("configoption{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<mysql::Row> = conn.exec(
        format!(
            "SELECT p.id, p.name, s.product_id IS NOT NULL AS configured, {cols} \
               FROM tblproducts p LEFT JOIN puqProxmoxKVM_product_settings s ON s.product_id = p.id \
              WHERE p.servertype = ? ORDER BY p.id"
        ),
        (SERVER_TYPE,),
    )?;
    for row in rows {
        let values = row.unwrap();
        let id = mysql::from_value_opt::<u32>(values[0].clone()).unwrap_or(0);
        let name = match &values[1] {
            mysql::Value::Bytes(b) => crate::util::escaped(b, 80),
            _ => String::new(),
        };
        let label = format!("product #{id} '{name}'");
        let mut options = Vec::with_capacity(24);
        let mut bad = None;
        for (i, v) in values[3..].iter().enumerate() {
            match v {
                mysql::Value::Bytes(b) => match String::from_utf8(b.clone()) {
                    Ok(s) => options.push(s),
                    Err(_) => {
                        bad = Some(format!(
                            "configoption{} '{}' is not UTF-8 text",
                            i + 1,
                            crate::util::escaped(b, 40)
                        ));
                        options.push(String::new());
                    }
                },
                _ => options.push(String::new()),
            }
        }
        // A product with no v2 fields (made by this version) has nothing to import.
        if options.iter().all(|o| o.trim().is_empty()) && bad.is_none() {
            continue;
        }
        if mysql::from_value_opt::<i64>(values[2].clone()).unwrap_or(0) != 0 {
            section.skipped.push(format!(
                "{label}: already configured in the panel; left as it is"
            ));
            continue;
        }
        let (form, notes) = parse_v2(&options);
        let mut cfg = ProductConfig::default();
        let mut taken = 0usize;
        let mut skipped: Vec<String> = notes;
        skipped.extend(bad);
        for (k, v) in &form {
            let one = BTreeMap::from([(k.clone(), v.clone())]);
            match cfg.apply(&one) {
                Ok(next) => {
                    cfg = next;
                    taken += 1;
                }
                Err(Error::Input { key, message }) => skipped.push(format!(
                    "{key} '{}': {message}",
                    if key.contains("key") {
                        "…"
                    } else {
                        v.as_str()
                    }
                )),
                Err(e) => skipped.push(format!("{k}: {e}")),
            }
        }
        product::store(conn, id, &cfg)?;
        section.imported.push(format!(
            "{label}: {taken} setting(s) from configoption1..24"
        ));
        for s in skipped {
            section.skipped.push(format!("{label}: {s}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(usize, &str)]) -> Vec<String> {
        let mut v = vec![String::new(); 24];
        for (n, s) in pairs {
            v[n - 1] = s.to_string();
        }
        v
    }

    #[test]
    fn v2_fields_map_to_settings() {
        let (form, notes) = parse_v2(&opts(&[
            (1, "PUQ-LICENSE"),
            (2, "Full Clone"),
            (3, "pve2"),
            (4, "9001"),
            (5, "nfs-backup"),
            (7, "CPU=2\nRAM=4\nOS username=debian\nVM name prefix=vps\nFirst vm id=5000\nSnapshot lifetime=3"),
            (8, r#"{"storage":"local-lvm","size":"40","read_mbps":"100"}"#),
            (10, "Network model: virtio; DHCP IPv4: off; Firewall: on; ipv6: 1; bogus: 1"),
            (11, "noVNC WEB proxy server=vnc.example.com\nMain domain=.vps.example.com"),
            (12, "start,stop,charts,snapshots"),
            (13, "VM is ready=Custom ready"),
            (20, "x"),
        ]));
        let g = |k: &str| form.get(k).map(String::as_str);
        assert_eq!(g("clone_type"), Some("full"));
        assert_eq!(g("node"), Some("pve2"));
        assert_eq!(g("os_template"), Some("9001"));
        assert_eq!(g("backup_storage"), Some("nfs-backup"));
        assert_eq!(g("cpu"), Some("2"));
        assert_eq!(g("ram_gb"), Some("4"));
        assert_eq!(g("os_username"), Some("debian"));
        assert_eq!(g("vm_name_rule"), Some("vps-{client_id}-{service_id}"));
        assert_eq!(g("first_vmid"), Some("5000"));
        assert_eq!(g("snapshot_lifetime_days"), Some("3"));
        assert_eq!(g("sys_storage"), Some("local-lvm"));
        assert_eq!(g("sys_size_gb"), Some("40"));
        assert_eq!(g("sys_mbps_rd"), Some("100"));
        assert_eq!(g("net_model"), Some("virtio"));
        assert_eq!(g("dhcp_v4"), Some("off"));
        assert_eq!(g("fw_enable"), Some("on"));
        assert_eq!(g("ipv6_count"), Some("1"));
        assert_eq!(g("novnc_domain"), Some("vnc.example.com"));
        assert_eq!(g("main_domain"), Some(".vps.example.com"));
        assert_eq!(g("email_ready"), Some("Custom ready"));
        // A list of ticked boxes: the others are off.
        assert_eq!(g("perm_start"), Some("on"));
        assert_eq!(g("perm_charts"), Some("on"));
        assert_eq!(g("perm_reinstall"), Some(""));
        assert!(g("license").is_none());
        let n = notes.join("\n");
        assert!(n.contains("'bogus' is not a v2 setting"), "{n}");
        assert!(n.contains("'snapshots' has no permission in v3"), "{n}");
        assert!(n.contains("configoption20 is not a v2 field"), "{n}");
        // The result passes the panel's validation.
        let cfg = ProductConfig::default().apply(&form).unwrap();
        assert_eq!(cfg.clone_type, "full");
        assert!(!cfg.dhcp_v4 && cfg.perm_start && !cfg.perm_reinstall);
    }

    #[test]
    fn permission_forms() {
        let (f, _) = parse_v2(&opts(&[(12, r#"{"start":"on","reinstall":"","vnc":"1"}"#)]));
        assert_eq!(f.get("perm_start").map(String::as_str), Some("on"));
        assert_eq!(f.get("perm_reinstall").map(String::as_str), Some(""));
        assert_eq!(f.get("perm_novnc").map(String::as_str), Some("on"));
        // Not mentioned in an object: left to the default.
        assert!(!f.contains_key("perm_iso"));
        let (f, _) = parse_v2(&opts(&[(12, r#"["iso","firewall"]"#)]));
        assert_eq!(f.get("perm_iso").map(String::as_str), Some("on"));
        assert_eq!(f.get("perm_start").map(String::as_str), Some(""));
        let (f, notes) = parse_v2(&opts(&[(7, "this is not a section")]));
        assert!(f.is_empty());
        assert!(notes[0].contains("neither JSON nor key=value"), "{notes:?}");
    }
}

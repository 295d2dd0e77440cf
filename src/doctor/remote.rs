//! The doctor's checks that talk to another machine: each Proxmox server
//! (reachable, certificate, token and its privileges, what each product
//! needs on it), each DNS zone, each console proxy. These run on worker
//! threads: no Host, no Zend; what needs decrypting is decrypted before.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::Value;

use super::{check, ok, Check, Product, Status};
use crate::config::product::ProductConfig;
use crate::dns::zone::Zone;
use crate::error::Result;
use crate::ippool::store::SERVER_TYPE;
use crate::pve::{Client, Connection, PveError};
use crate::whmcs::{Host, ServerParams};

/// One Proxmox server and the products it serves.
pub struct ServerTarget {
    pub group: String,
    pub name: String,
    params: std::result::Result<ServerParams, String>,
    products: Vec<(String, ProductConfig)>,
}

/// The enabled PUQ Proxmox KVM servers, their secrets decrypted here (PHP
/// thread).
pub fn servers(
    conn: &mut PooledConn,
    host: &dyn Host,
    products: &[Product],
) -> Result<Vec<ServerTarget>> {
    let rows: Vec<(u32, String, String, Option<i64>)> = conn.exec(
        "SELECT id, name, hostname, port FROM tblservers WHERE type = ? AND disabled = 0 ORDER BY id",
        (SERVER_TYPE,),
    )?;
    let mut out = Vec::new();
    for (id, name, hostname, port) in rows {
        let params = crate::jobs::server_params(conn, host, id).map_err(|e| e.to_string());
        out.push(ServerTarget {
            group: format!(
                "Proxmox server {name} (#{id}, {hostname}:{})",
                port.filter(|p| *p > 0).unwrap_or(8006)
            ),
            name,
            params,
            products: products
                .iter()
                .filter(|p| p.servers.contains(&id))
                .map(|p| (format!("{} (#{})", p.name, p.id), p.cfg.clone()))
                .collect(),
        });
    }
    Ok(out)
}

const SERVERS_FIX: &str = "System Settings > Servers";

/// Privileges the module needs, and the built-in role that has each.
const NEEDED: &[(&str, &str, &str)] = &[
    ("VM.Allocate", "PVEVMAdmin", "create and delete VMs"),
    ("VM.Clone", "PVEVMAdmin", "clone the templates"),
    ("VM.Config.CDROM", "PVEVMAdmin", "mount ISOs"),
    ("VM.Config.CPU", "PVEVMAdmin", "set the CPU"),
    ("VM.Config.Cloudinit", "PVEVMAdmin", "write cloud-init"),
    ("VM.Config.Disk", "PVEVMAdmin", "resize and add disks"),
    ("VM.Config.HWType", "PVEVMAdmin", "set the NIC model"),
    ("VM.Config.Memory", "PVEVMAdmin", "set the RAM"),
    (
        "VM.Config.Network",
        "PVEVMAdmin",
        "set networks and firewall",
    ),
    ("VM.Config.Options", "PVEVMAdmin", "set VM options"),
    ("VM.PowerMgmt", "PVEVMAdmin", "start and stop VMs"),
    ("VM.Console", "PVEVMAdmin", "open the noVNC console"),
    ("VM.Snapshot", "PVEVMAdmin", "take snapshots"),
    ("VM.Snapshot.Rollback", "PVEVMAdmin", "roll back snapshots"),
    ("VM.Backup", "PVEVMAdmin", "back up and restore"),
    ("VM.Audit", "PVEVMAdmin", "read VM status and config"),
    ("VM.Migrate", "PVEVMAdmin", "migrate after the clone"),
    (
        "Datastore.AllocateSpace",
        "PVEDatastoreUser",
        "allocate disks and backups",
    ),
    (
        "Datastore.Audit",
        "PVEDatastoreUser",
        "list storages and backups",
    ),
    (
        "Sys.Audit",
        "PVEAuditor",
        "read nodes, tasks and statistics",
    ),
    ("SDN.Use", "PVESDNUser", "attach VMs to the bridges"),
];

/// Where a privilege counts for everything the module does.
fn broad_paths(privilege: &str) -> &'static [&'static str] {
    match privilege.split('.').next().unwrap_or("") {
        "VM" => &["/", "/vms"],
        "Datastore" => &["/", "/storage"],
        "Sys" => &["/", "/nodes"],
        "SDN" => &["/", "/sdn", "/sdn/zones"],
        _ => &["/"],
    }
}

/// Checks one permissions map (`GET /access/permissions`) for one
/// privilege: granted broadly, only on some paths, or not at all.
pub fn privilege_state(perms: &Value, privilege: &str) -> (Status, Vec<String>) {
    let Some(map) = perms.as_object() else {
        return (Status::Fail, Vec::new());
    };
    let has = |p: &str| {
        map.get(p)
            .and_then(Value::as_object)
            .is_some_and(|m| m.contains_key(privilege))
    };
    if broad_paths(privilege).iter().any(|p| has(p)) {
        return (Status::Ok, Vec::new());
    }
    let narrow: Vec<String> = map.keys().filter(|p| has(p)).cloned().collect();
    if narrow.is_empty() {
        (Status::Fail, narrow)
    } else {
        (Status::Warn, narrow)
    }
}

pub fn server_checks(t: ServerTarget, call: Duration) -> Vec<Check> {
    let g = t.group.clone();
    let mut out = Vec::new();
    let sp = match t.params {
        Ok(sp) => sp,
        Err(e) => {
            out.push(check(
                &g,
                "Settings",
                Status::Fail,
                e,
                format!(
                    "{SERVERS_FIX} > {}: enter the API token secret again as Password and save",
                    t.name
                ),
            ));
            return out;
        }
    };
    let client = match Connection::from_server(&sp, call, call)
        .map_err(|e| e.to_string())
        .and_then(|c| Client::new(c).map_err(|e| e.to_string()))
    {
        Ok(c) => c,
        Err(e) => {
            out.push(check(
                &g,
                "Settings",
                Status::Fail,
                e,
                format!("{SERVERS_FIX} > {}: correct the field named", t.name),
            ));
            return out;
        }
    };
    let version = match client.version() {
        Ok(v) => v,
        Err(e) => {
            out.push(connect_failure(&g, &t.name, &sp, e, call));
            return out;
        }
    };
    out.push(ok(
        &g,
        "Reachable",
        format!("Proxmox VE {}", version.version),
    ));
    out.push(ok(
        &g,
        "Certificate",
        if sp.accesshash.trim().is_empty() {
            "trusted by this machine's certificate store"
        } else {
            "matches the pinned fingerprint (Access Hash)"
        },
    ));
    out.push(ok(
        &g,
        "API token",
        format!("{} accepted", sp.username.trim()),
    ));
    out.extend(privileges(&g, &client, &sp, &version.version));
    let choices = match crate::views::product::read_choices(&client) {
        Ok(c) => c,
        Err(e) => {
            out.push(check(
                &g,
                "Cluster resources",
                Status::Fail,
                format!("cannot list nodes, storages and templates: {e}"),
                "give the token the PVEAuditor role on / (Datacenter > Permissions)",
            ));
            return out;
        }
    };
    let online = choices.nodes.iter().filter(|(_, s)| s == "online").count();
    out.push(if online == 0 {
        check(
            &g,
            "Nodes",
            Status::Fail,
            "no node is online (or visible to the token)",
            "start the nodes, or give the token Sys.Audit on /nodes",
        )
    } else {
        ok(
            &g,
            "Nodes",
            format!(
                "{online} online: {}",
                choices
                    .nodes
                    .iter()
                    .map(|(n, s)| format!("{n} ({s})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    });
    for (pname, cfg) in &t.products {
        out.extend(product_checks(&g, pname, cfg, &client, &choices));
    }
    out
}

fn connect_failure(g: &str, name: &str, sp: &ServerParams, e: PveError, call: Duration) -> Check {
    let secs = call.as_secs();
    match e {
        PveError::Tls(m) => check(
            g,
            "Certificate",
            Status::Fail,
            m,
            format!("{SERVERS_FIX} > {name}: paste the certificate's SHA-256 fingerprint into Access Hash (Test Connection shows it; compare it with Node > System > Certificates in Proxmox), or give Proxmox a certificate this machine trusts"),
        ),
        PveError::Unauthorized => check(
            g,
            "API token",
            Status::Fail,
            format!("Proxmox refused the token '{}' (401)", sp.username.trim()),
            format!("{SERVERS_FIX} > {name}: Username must be the token id user@realm!tokenid and Password its secret (Datacenter > Permissions > API Tokens); a deleted or expired token must be created again"),
        ),
        PveError::Timeout(m) => check(
            g,
            "Reachable",
            Status::Fail,
            format!("no answer within {secs} s ({m})"),
            "the host accepts connections but does not answer: check pveproxy on the node (systemctl status pveproxy) and any proxy or firewall in between",
        ),
        PveError::Connect(m) => check(
            g,
            "Reachable",
            Status::Fail,
            m,
            format!("{SERVERS_FIX} > {name}: check Hostname and Port (8006); check that pveproxy runs and that a firewall lets this WHMCS machine reach it"),
        ),
        other => check(
            g,
            "Reachable",
            Status::Fail,
            other.to_string(),
            format!("{SERVERS_FIX} > {name}: Test Connection shows the details"),
        ),
    }
}

fn privileges(g: &str, client: &Client, sp: &ServerParams, version: &str) -> Vec<Check> {
    use crate::pve::client::{Form, Method, Weight};
    let token = sp.username.trim().to_string();
    let perms = match client.call(
        Method::Get,
        "/access/permissions",
        &Form::new(),
        Weight::Light,
    ) {
        Ok(v) => v,
        Err(e) => {
            return vec![check(
                g,
                "Privileges",
                Status::Warn,
                format!("cannot read the token's permissions: {e}"),
                "check the token's permissions in Datacenter > Permissions by hand",
            )]
        }
    };
    // PVE 9 split the guest agent privileges out of VM.Monitor.
    let major: u32 = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(9);
    let agent = if major >= 9 {
        (
            "VM.GuestAgent.Unrestricted",
            "PVEVMAdmin",
            "set passwords through the guest agent",
        )
    } else {
        (
            "VM.Monitor",
            "PVEVMAdmin",
            "set passwords through the guest agent",
        )
    };
    let mut out = Vec::new();
    let mut granted = 0;
    for (privilege, role, why) in NEEDED.iter().copied().chain([agent]) {
        let grant = format!(
            "pveum acl modify / --tokens '{token}' --roles {role} (or Datacenter > Permissions > Add > API Token Permission: path /, role {role}); with Privilege Separation the user needs it too"
        );
        match privilege_state(&perms, privilege) {
            (Status::Ok, _) => granted += 1,
            (Status::Warn, paths) => out.push(check(
                g,
                &format!("Privilege {privilege}"),
                Status::Warn,
                format!(
                    "granted only on {} — the module needs it for new VMs and storages too ({why})",
                    paths.join(", ")
                ),
                grant,
            )),
            (_, _) => out.push(check(
                g,
                &format!("Privilege {privilege}"),
                if privilege == agent.0 {
                    Status::Warn
                } else {
                    Status::Fail
                },
                format!("the token lacks {privilege}: it cannot {why}"),
                grant,
            )),
        }
    }
    out.insert(
        0,
        if granted == NEEDED.len() + 1 {
            ok(
                g,
                "Privileges",
                format!("all {granted} privileges the module needs"),
            )
        } else {
            check(
                g,
                "Privileges",
                Status::Fail,
                format!("{granted} of {} privileges granted", NEEDED.len() + 1),
                "see the privileges below",
            )
        },
    );
    out
}

fn product_checks(
    server_group: &str,
    pname: &str,
    cfg: &ProductConfig,
    client: &Client,
    choices: &crate::views::product::Choices,
) -> Vec<Check> {
    let g = format!("Product {pname} on {server_group}");
    let panel = format!("Setup > Products/Services > {pname} > Module Settings");
    let mut out = Vec::new();
    let (banners, errors) = crate::views::product::check(cfg, choices);
    for b in banners {
        let status = match b.level {
            "danger" => Status::Fail,
            "warning" => Status::Warn,
            _ => continue,
        };
        out.push(check(
            &g,
            &b.title,
            status,
            b.message.clone(),
            format!("{panel}: see the banner there"),
        ));
    }
    for (field, msg) in &errors {
        out.push(check(
            &g,
            field_label(field),
            Status::Fail,
            msg.clone(),
            format!("{panel}: choose an existing value (the lists come from Proxmox) and click Save Module Settings"),
        ));
    }
    for (field, label, value) in [
        (
            "node",
            "Node",
            if cfg.node.is_empty() {
                "automatically".to_string()
            } else {
                cfg.node.clone()
            },
        ),
        (
            "sys_storage",
            "System disk storage",
            or_auto(&cfg.sys_storage, "as the template"),
        ),
        (
            "add_storage",
            "Additional disk storage",
            or_auto(&cfg.add_storage, "as the system disk"),
        ),
        (
            "backup_storage",
            "Backup storage",
            or_auto(&cfg.backup_storage, "none"),
        ),
        ("bridge", "Bridge", or_auto(&cfg.bridge, "as the template")),
    ] {
        if !errors.contains_key(field) {
            out.push(ok(&g, label, value));
        }
    }
    // The template: present (checked above) and with a cloud-init drive.
    if !cfg.os_template.is_empty() && !errors.contains_key("os_template") {
        let vmid: u32 = cfg.os_template.parse().unwrap_or(0);
        if let Some(t) = choices.templates.iter().find(|t| t.vmid == vmid) {
            out.push(match client.vm_config(&t.node, vmid) {
                Ok(conf) => {
                    let drive = conf
                        .iter()
                        .find(|(_, v)| v.contains("cloudinit"))
                        .map(|(k, _)| k.clone());
                    match drive {
                        Some(d) => ok(&g, "Template", format!("{vmid} {} on {} with its cloud-init drive on {d}", t.name, t.node)),
                        None => check(
                            &g,
                            "Template",
                            Status::Fail,
                            format!("template {vmid} ({}) has no cloud-init drive: new VMs would get no address, user or password", t.name),
                            format!("on {}: qm set {vmid} --ide2 <storage>:cloudinit (e.g. local-lvm:cloudinit)", t.node),
                        ),
                    }
                }
                Err(e) => check(
                    &g,
                    "Template",
                    Status::Fail,
                    format!("cannot read template {vmid}'s config: {e}"),
                    "give the token VM.Audit on /vms",
                ),
            });
        }
    }
    out
}

fn or_auto(v: &str, auto: &str) -> String {
    if v.is_empty() {
        auto.to_string()
    } else {
        v.to_string()
    }
}

fn field_label(field: &str) -> &str {
    match field {
        "node" => "Node",
        "os_template" => "Template",
        "sys_storage" => "System disk storage",
        "add_storage" => "Additional disk storage",
        "backup_storage" => "Backup storage",
        "iso_storage" => "ISO storage",
        "bridge" => "Bridge",
        other => other,
    }
}

/// The DNS zones, credentials decrypted here (PHP thread).
pub fn zones(conn: &mut PooledConn, host: &dyn Host, checks: &mut Vec<Check>) -> Vec<Zone> {
    match crate::dns::store::load_zones(conn, host) {
        Ok(z) => {
            if z.zones.is_empty() {
                checks.push(ok(
                    "DNS zones",
                    "Zones",
                    "no DNS zone configured: nothing to check",
                ));
            }
            z.zones
        }
        Err(e) => {
            checks.push(check(
                "DNS zones",
                "Zones",
                Status::Fail,
                format!("cannot read the zones: {e}"),
                "Addons > PUQ Proxmox KVM > DNS Zones: enter the credentials again",
            ));
            Vec::new()
        }
    }
}

pub fn zone_check(z: &Zone, call: Duration) -> Check {
    let g = "DNS zones";
    match crate::dns::test_zone(z, call) {
        Ok(m) => ok(g, &z.label(), m),
        Err(e) => check(
            g,
            &z.label(),
            Status::Fail,
            e,
            "Addons > PUQ Proxmox KVM > DNS Zones > edit: check the server URL and the key/token (Test shows the provider's answer)",
        ),
    }
}

/// Each noVNC domain the products use, with the products using it.
pub fn console_domains(products: &[Product]) -> Vec<(String, Vec<String>)> {
    let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in products {
        let d = p.cfg.novnc_domain.trim();
        if !d.is_empty() {
            m.entry(d.to_string()).or_default().insert(p.name.clone());
        }
    }
    m.into_iter()
        .map(|(d, s)| (d, s.into_iter().collect()))
        .collect()
}

/// `GET https://<noVNC domain>/health` of the console proxy (puq-vncproxy).
pub fn console_check(domain: &str, products: &[String], call: Duration) -> Check {
    use crate::dns::http::{send, Body};
    let g = "Console proxy";
    let url = format!("https://{domain}/health");
    let fix = format!(
        "run puq-vncproxy on the host {domain} points to (systemctl status puq-vncproxy), with a certificate for {domain} and port 443 open to the clients; products: {}",
        products.join(", ")
    );
    match send(
        &format!("console proxy at {url}"),
        "GET",
        &url,
        &[],
        Body::None,
        call,
    ) {
        Ok(r) if (200..300).contains(&r.status) => {
            ok(g, domain, format!("{url} answered {}", r.status))
        }
        Ok(r) => check(
            g,
            domain,
            Status::Fail,
            format!(
                "{url} answered HTTP {} (not the console proxy's health answer)",
                r.status
            ),
            fix,
        ),
        Err(e) => check(g, domain, Status::Fail, e.message, fix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn privileges_count_on_the_paths_that_cover_new_objects() {
        let p = json!({"/": {"VM.Audit": 1}, "/vms": {"VM.Allocate": 1},
                       "/storage/local": {"Datastore.AllocateSpace": 1}, "/vms/100": {"VM.Snapshot": 1}});
        assert_eq!(privilege_state(&p, "VM.Audit").0, Status::Ok);
        assert_eq!(privilege_state(&p, "VM.Allocate").0, Status::Ok);
        assert_eq!(
            privilege_state(&p, "Datastore.AllocateSpace"),
            (Status::Warn, vec!["/storage/local".to_string()])
        );
        assert_eq!(privilege_state(&p, "VM.Snapshot").0, Status::Warn);
        assert_eq!(privilege_state(&p, "VM.Backup").0, Status::Fail);
        assert_eq!(privilege_state(&json!(null), "VM.Backup").0, Status::Fail);
    }

    #[test]
    fn php_versions_of_api_numbers() {
        assert_eq!(crate::doctor::php_of_api(20220829), Some("8.2"));
        assert_eq!(crate::doctor::php_of_api(1), None);
    }
}

//! The product configuration panel (Module Settings tab of a product): the
//! settings with their defaults, the choices read live from the product's
//! Proxmox server group, banners that say exactly what is missing and how to
//! fix it, and a save that validates every field and stores nothing when
//! any field is wrong. No secret is ever part of what this returns.

use std::collections::{BTreeMap, BTreeSet};

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde::Serialize;
use serde_json::{json, Value};

use crate::config::product::{self, ProductConfig};
use crate::db::settings;
use crate::error::{Error, Result};
use crate::pve::{Client, Form, Method, PveError, Weight};
use crate::whmcs::perms::{self, Admin};
use crate::whmcs::Host;

/// WHMCS's tblservers.type of our servers.
const SERVER_TYPE: &str = "puqProxmoxKVM";

/// Fields that take their values from Proxmox; highlighted when Proxmox
/// cannot be read.
const LIVE_FIELDS: &[&str] = &[
    "node",
    "os_template",
    "sys_storage",
    "add_storage",
    "bridge",
    "backup_storage",
    "iso_storage",
];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Template {
    pub vmid: u32,
    pub name: String,
    pub node: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Storage {
    pub storage: String,
    pub plugintype: String,
    pub content: Vec<String>,
    pub nodes: Vec<String>,
    pub shared: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bridge {
    pub iface: String,
    pub nodes: Vec<String>,
}

/// What the product's Proxmox server offers for the dropdowns.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Choices {
    /// (node, status)
    pub nodes: Vec<(String, String)>,
    pub templates: Vec<Template>,
    pub storages: Vec<Storage>,
    pub bridges: Vec<Bridge>,
    /// False when the node network could not be listed (the bridge field
    /// then stays a free text field).
    pub bridges_known: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Banner {
    /// Bootstrap alert level: danger, warning or info.
    pub level: &'static str,
    pub title: String,
    pub message: String,
    pub fields: Vec<String>,
}

fn banner(level: &'static str, title: &str, message: String, fields: &[&str]) -> Banner {
    Banner {
        level,
        title: title.to_string(),
        message,
        fields: fields.iter().map(|f| f.to_string()).collect(),
    }
}

/// Builds the choices from one `GET /cluster/resources` answer (nodes,
/// storages and templates in a single round trip).
pub fn parse_resources(rows: &[Value]) -> Choices {
    let mut c = Choices::default();
    let mut storages: BTreeMap<String, Storage> = BTreeMap::new();
    for r in rows {
        let ty = r.get("type").and_then(Value::as_str).unwrap_or("");
        let node = r
            .get("node")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        match ty {
            "node" if !node.is_empty() => {
                let st = r.get("status").and_then(Value::as_str).unwrap_or("unknown");
                c.nodes.push((node, st.to_string()));
            }
            "qemu" => {
                let is_tpl = match r.get("template") {
                    Some(Value::Bool(b)) => *b,
                    Some(Value::Number(n)) => n.as_i64() == Some(1),
                    Some(Value::String(s)) => s == "1",
                    _ => false,
                };
                let vmid = r
                    .get("vmid")
                    .and_then(Value::as_u64)
                    .and_then(|v| u32::try_from(v).ok());
                if let (true, Some(vmid)) = (is_tpl, vmid) {
                    let name = r
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    c.templates.push(Template { vmid, name, node });
                }
            }
            "storage" => {
                let Some(id) = r.get("storage").and_then(Value::as_str) else {
                    continue;
                };
                let e = storages.entry(id.to_string()).or_insert_with(|| Storage {
                    storage: id.to_string(),
                    plugintype: r
                        .get("plugintype")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    content: Vec::new(),
                    nodes: Vec::new(),
                    shared: matches!(r.get("shared"), Some(Value::Number(n)) if n.as_i64() == Some(1))
                        || r.get("shared") == Some(&Value::Bool(true)),
                });
                for ct in r
                    .get("content")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .split(',')
                {
                    let ct = ct.trim();
                    if !ct.is_empty() && !e.content.iter().any(|x| x == ct) {
                        e.content.push(ct.to_string());
                    }
                }
                if !node.is_empty() && !e.nodes.contains(&node) {
                    e.nodes.push(node);
                }
            }
            _ => {}
        }
    }
    c.nodes.sort();
    c.templates.sort_by_key(|t| t.vmid);
    c.storages = storages.into_values().collect();
    c
}

impl Choices {
    fn storages_with(&self, content: &str) -> impl Iterator<Item = &Storage> {
        let content = content.to_string();
        self.storages
            .iter()
            .filter(move |s| s.content.contains(&content))
    }

    fn has_storage(&self, name: &str, content: &str, node: &str) -> bool {
        self.storages_with(content)
            .any(|s| s.storage == name && (node.is_empty() || s.nodes.iter().any(|n| n == node)))
    }
}

/// Compares the settings with what Proxmox offers. Returns the banners and
/// the field errors (a configured value Proxmox does not have).
pub fn check(cfg: &ProductConfig, c: &Choices) -> (Vec<Banner>, BTreeMap<String, String>) {
    let mut banners = Vec::new();
    let mut errors = BTreeMap::new();
    if c.nodes.is_empty() {
        banners.push(banner(
            "danger",
            "No nodes visible",
            "The API token can see no Proxmox nodes: give it the PVEAuditor role on / (or untick Privilege Separation).".into(),
            &["node"],
        ));
    }
    if !cfg.node.is_empty() && !c.nodes.iter().any(|(n, _)| *n == cfg.node) {
        errors.insert(
            "node".into(),
            format!(
                "node '{}' is not in the cluster; choose one from the list or 'automatically'",
                cfg.node
            ),
        );
    }
    if c.templates.is_empty() {
        banners.push(banner(
            "danger",
            "No VM templates",
            "The cluster has no VM template to clone from: prepare a cloud-init VM and convert it with 'qm template <vmid>' (or right-click > Convert to template), then reload this page.".into(),
            &["os_template"],
        ));
    } else if cfg.os_template.is_empty() {
        banners.push(banner(
            "warning",
            "No OS template chosen",
            "Choose the default OS template under VM Configuration (or assign an Operating System configurable option); orders fail without one.".into(),
            &["os_template"],
        ));
    }
    if !cfg.os_template.is_empty()
        && !c
            .templates
            .iter()
            .any(|t| t.vmid.to_string() == cfg.os_template)
    {
        errors.insert(
            "os_template".into(),
            format!(
                "template {} does not exist on the cluster (or is not a template)",
                cfg.os_template
            ),
        );
    }
    if c.storages_with("images").next().is_none() {
        banners.push(banner(
            "danger",
            "No storage for VM disks",
            "No storage allows the content type 'Disk image' (images): enable it in Datacenter > Storage > [storage] > Content.".into(),
            &["sys_storage", "add_storage"],
        ));
    }
    for key in ["sys_storage", "add_storage"] {
        let v = if key == "sys_storage" {
            &cfg.sys_storage
        } else {
            &cfg.add_storage
        };
        if !v.is_empty() && !c.has_storage(v, "images", &cfg.node) {
            let on = if cfg.node.is_empty() {
                String::new()
            } else {
                format!(" on node '{}'", cfg.node)
            };
            errors.insert(
                key.into(),
                format!("storage '{v}' does not hold disk images{on}; choose one from the list"),
            );
        }
    }
    if c.storages_with("backup").next().is_none() {
        banners.push(banner(
            "warning",
            "No backup storage",
            "No storage allows the content type 'VZDump backup file' (backup): client backups will not work until one does (Datacenter > Storage > [storage] > Content).".into(),
            &["backup_storage"],
        ));
    }
    if !cfg.backup_storage.is_empty() && !c.has_storage(&cfg.backup_storage, "backup", "") {
        errors.insert(
            "backup_storage".into(),
            format!("storage '{}' does not accept backups", cfg.backup_storage),
        );
    }
    if c.storages_with("iso").next().is_none() {
        banners.push(banner(
            "info",
            "No ISO storage",
            "No storage allows the content type 'ISO image' (iso): the client ISO mount needs one."
                .into(),
            &["iso_storage"],
        ));
    }
    if !cfg.iso_storage.is_empty() && !c.has_storage(&cfg.iso_storage, "iso", "") {
        errors.insert(
            "iso_storage".into(),
            format!("storage '{}' does not hold ISO images", cfg.iso_storage),
        );
    }
    if c.bridges_known && !cfg.bridge.is_empty() && !c.bridges.iter().any(|b| b.iface == cfg.bridge)
    {
        let msg = format!("bridge '{}' does not exist on any node", cfg.bridge);
        if cfg.auto_bridge_vlan {
            // The IP pool's bridge wins; the product bridge is only a fallback.
            banners.push(banner(
                "warning",
                "Bridge not found",
                format!("The fallback {msg}; VMs get the IP pool's bridge while Auto bridge/VLAN is on."),
                &["bridge"],
            ));
        } else {
            errors.insert("bridge".into(), msg);
        }
    }
    (banners, errors)
}

/// A product row: name and server group.
struct ProductRow {
    name: String,
    servergroup: u32,
}

fn product_row(conn: &mut PooledConn, pid: u32) -> Result<ProductRow> {
    let row: Option<(String, String, i64)> = conn.exec_first(
        "SELECT name, servertype, servergroup FROM tblproducts WHERE id = ?",
        (pid,),
    )?;
    let (name, servertype, group) =
        row.ok_or_else(|| Error::input("product_id", format!("product {pid} does not exist")))?;
    if servertype != SERVER_TYPE {
        return Err(Error::input(
            "product_id",
            format!("product {pid} does not use the {SERVER_TYPE} module (Module Settings > Module Name)"),
        ));
    }
    Ok(ProductRow {
        name,
        servergroup: u32::try_from(group).unwrap_or(0),
    })
}

/// How far we got towards the product's Proxmox server.
pub enum Reach {
    NoGroup,
    MissingGroup(u32),
    EmptyGroup(String),
    Unreachable {
        server: String,
        error: String,
    },
    Ok {
        server: String,
        server_id: u32,
        choices: Choices,
    },
}

impl Reach {
    fn banner(&self) -> Option<Banner> {
        Some(match self {
            Reach::NoGroup => banner(
                "danger",
                "No server group",
                "This product has no server group, so no Proxmox server to read nodes, templates and storages from. Choose the group that holds your Proxmox server in 'Server Group' above, save the product, and reload this tab.".into(),
                LIVE_FIELDS,
            ),
            Reach::MissingGroup(g) => banner(
                "danger",
                "Server group missing",
                format!("The product's server group (id {g}) no longer exists. Choose an existing group in 'Server Group' above and save the product."),
                LIVE_FIELDS,
            ),
            Reach::EmptyGroup(g) => banner(
                "danger",
                "No Proxmox server in the group",
                format!("Server group '{g}' has no enabled server of type PUQ Proxmox KVM. Add one in System Settings > Servers (Module: PUQ Proxmox KVM, Username = API token id, Password = token secret) and add it to the group."),
                LIVE_FIELDS,
            ),
            Reach::Unreachable { server, error } => banner(
                "danger",
                "Proxmox server unreachable",
                format!("Cannot read from Proxmox server '{server}': {error}. Check its hostname, port (8006), API token and certificate fingerprint in System Settings > Servers and use Test Connection; the lists below stay empty until it answers."),
                LIVE_FIELDS,
            ),
            Reach::Ok { .. } => return None,
        })
    }
}

/// A server group's name and its enabled Proxmox servers (id, name).
type GroupServers = (String, Vec<(u32, String)>);

fn group_servers(conn: &mut PooledConn, group: u32) -> Result<Option<GroupServers>> {
    let name: Option<String> =
        conn.exec_first("SELECT name FROM tblservergroups WHERE id = ?", (group,))?;
    let Some(name) = name else { return Ok(None) };
    let servers: Vec<(u32, String)> = conn.exec(
        "SELECT s.id, s.name FROM tblservergroupsrel r JOIN tblservers s ON s.id = r.serverid
          WHERE r.groupid = ? AND s.type = ? AND s.disabled = 0 ORDER BY s.id",
        (group, SERVER_TYPE),
    )?;
    Ok(Some((name, servers)))
}

/// Reads the choices from one server: `/cluster/resources` (nodes,
/// storages, templates), then every node's bridges in parallel.
pub fn read_choices(client: &Client) -> std::result::Result<Choices, PveError> {
    let rows = client.call(
        Method::Get,
        "/cluster/resources",
        &Form::new(),
        Weight::Light,
    )?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    let mut c = parse_resources(&rows);
    let online: Vec<String> = c
        .nodes
        .iter()
        .filter(|(_, st)| st == "online")
        .map(|(n, _)| n.clone())
        .collect();
    let lists: Vec<std::result::Result<Vec<String>, PveError>> = std::thread::scope(|s| {
        let handles: Vec<_> = online
            .iter()
            .map(|n| s.spawn(move || node_bridges(client, n)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(PveError::Protocol("bridge reader panicked".into())))
            })
            .collect()
    });
    let mut bridges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut known = !online.is_empty();
    for (node, list) in online.iter().zip(lists) {
        match list {
            Ok(ifaces) => {
                for i in ifaces {
                    bridges.entry(i).or_default().push(node.clone());
                }
            }
            Err(_) => known = false,
        }
    }
    c.bridges = bridges
        .into_iter()
        .map(|(iface, nodes)| Bridge { iface, nodes })
        .collect();
    c.bridges_known = known;
    Ok(c)
}

fn node_bridges(client: &Client, node: &str) -> std::result::Result<Vec<String>, PveError> {
    let path = format!("/nodes/{}/network", crate::pve::client::seg("node", node)?);
    let v = client.call(
        Method::Get,
        &path,
        &Form::new().set("type", "any_bridge"),
        Weight::Light,
    )?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i.get("iface").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

/// Finds the product's servers and reads the first one that answers.
fn reach(conn: &mut PooledConn, host: &dyn Host, group: u32) -> Result<Reach> {
    if group == 0 {
        return Ok(Reach::NoGroup);
    }
    let Some((gname, servers)) = group_servers(conn, group)? else {
        return Ok(Reach::MissingGroup(group));
    };
    if servers.is_empty() {
        return Ok(Reach::EmptyGroup(gname));
    }
    let st = settings::load(conn)?;
    let mut first_error = None;
    for (id, name) in servers {
        let attempt = crate::jobs::server_params(conn, host, id)
            .and_then(|sp| crate::server::client(&sp, &st))
            .and_then(|c| read_choices(&c).map_err(Error::Pve));
        match attempt {
            Ok(choices) => {
                return Ok(Reach::Ok {
                    server: name,
                    server_id: id,
                    choices,
                });
            }
            Err(e) => {
                if first_error.is_none() {
                    first_error = Some((name, e.to_string()));
                }
            }
        }
    }
    let (server, error) = first_error.unwrap_or_default();
    Ok(Reach::Unreachable { server, error })
}

fn email_templates(conn: &mut PooledConn) -> Result<Vec<String>> {
    Ok(conn.query(
        "SELECT DISTINCT name FROM tblemailtemplates WHERE type = 'product' AND language = '' ORDER BY name",
    )?)
}

fn departments(conn: &mut PooledConn) -> Result<Vec<Value>> {
    let rows: Vec<(u32, String)> =
        conn.query("SELECT id, name FROM tblticketdepartments ORDER BY `order`, id")?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect())
}

fn choices_json(c: Option<&Choices>) -> Value {
    let Some(c) = c else {
        return json!({"nodes": [], "templates": [], "storages": [], "bridges": [], "bridges_known": false,
            "images": [], "backup": [], "iso": []});
    };
    let by = |content: &str| c.storages_with(content).cloned().collect::<Vec<_>>();
    json!({
        "images": by("images"),
        "backup": by("backup"),
        "iso": by("iso"),
        "nodes": c.nodes.iter().map(|(n, s)| json!({"node": n, "status": s})).collect::<Vec<_>>(),
        "templates": c.templates,
        "storages": c.storages,
        "bridges": c.bridges,
        "bridges_known": c.bridges_known,
    })
}

/// Everything the panel shows: settings, choices, banners, highlighted
/// fields and the configurable options status.
pub fn panel(conn: &mut PooledConn, host: &dyn Host, pid: u32) -> Result<Value> {
    let prod = product_row(conn, pid)?;
    let cfg = product::load(conn, pid)?;
    let r = reach(conn, host, prod.servergroup)?;
    let mut banners: Vec<Banner> = r.banner().into_iter().collect();
    let mut field_errors = BTreeMap::new();
    let (server, choices) = match &r {
        Reach::Ok {
            server, choices, ..
        } => {
            let (b, e) = check(&cfg, choices);
            banners.extend(b);
            field_errors = e;
            (Some(server.clone()), Some(choices))
        }
        _ => (None, None),
    };
    let mut highlight: BTreeSet<String> = banners
        .iter()
        .filter(|b| b.level != "info")
        .flat_map(|b| b.fields.iter().cloned())
        .collect();
    highlight.extend(field_errors.keys().cloned());
    // The noVNC key authenticates against the console proxy: the form gets
    // a keep-unchanged sentinel (empty), never the key.
    let mut settings_json = json!(cfg);
    if let Some(o) = settings_json.as_object_mut() {
        o.insert("novnc_key".into(), json!(""));
        o.insert("novnc_key_set".into(), json!(!cfg.novnc_key.is_empty()));
    }
    Ok(json!({
        "product": {"id": pid, "name": prod.name, "servergroup": prod.servergroup},
        "server": server,
        "settings": settings_json,
        "choices": choices_json(choices),
        "banners": banners,
        "field_errors": field_errors,
        "highlight": highlight,
        "email_templates": email_templates(conn)?,
        "departments": departments(conn)?,
        "config_options": crate::config::options::status(conn, pid)?,
    }))
}

/// Validates the whole form, checks it against Proxmox, and stores it only
/// when every field is right. Answers `{ok, errors, banners, settings}`.
pub fn save(
    conn: &mut PooledConn,
    host: &dyn Host,
    admin: &Admin,
    pid: u32,
    form: &BTreeMap<String, String>,
) -> Result<Value> {
    let prod = product_row(conn, pid)?;
    let current = product::load(conn, pid)?;
    let mut form = form.clone();
    if form.get("novnc_key").is_some_and(|k| k.is_empty()) {
        form.remove("novnc_key");
    }
    let cfg = match current.apply_all(&form) {
        Ok(c) => c,
        Err(errors) => {
            return Ok(json!({"ok": false, "errors": errors, "banners": [],
                "message": "Nothing was saved: correct the highlighted fields."}))
        }
    };
    let mut errors = current.check_references(conn, &cfg)?;
    if let Some((k, m)) = current.unbound_secret(&form) {
        errors.insert(k, m);
    }
    if !errors.is_empty() {
        return Ok(json!({"ok": false, "errors": errors, "banners": [],
            "message": "Nothing was saved: correct the highlighted fields."}));
    }
    let r = reach(conn, host, prod.servergroup)?;
    if let Some(b) = r.banner() {
        return Ok(json!({"ok": false, "errors": {}, "banners": [b],
            "message": "Nothing was saved: the product's Proxmox server must be reachable to check the settings against it."}));
    }
    if let Reach::Ok { choices, .. } = &r {
        let (_, errors) = check(&cfg, choices);
        if !errors.is_empty() {
            return Ok(json!({"ok": false, "errors": errors, "banners": [],
                "message": "Nothing was saved: correct the highlighted fields."}));
        }
    }
    product::store(conn, pid, &cfg)?;
    let changed = changed_settings(&current, &cfg);
    perms::audit(
        host,
        admin,
        &format!(
            "module settings of product #{pid} ({}) saved: {}",
            crate::util::one_line(&prod.name, 60),
            if changed.is_empty() {
                "nothing changed".to_string()
            } else {
                changed.join(", ")
            }
        ),
        0,
    );
    Ok(json!({"ok": true, "errors": {}, "banners": [], "message": "Module settings saved."}))
}

/// The names of the settings that differ (names only: the noVNC key is a
/// secret and other values may be long).
fn changed_settings(before: &ProductConfig, after: &ProductConfig) -> Vec<String> {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    b.iter()
        .filter(|(k, v)| a.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Creates the 18 configurable options for the product (see
/// `config::options`); the Operating System sub-options are the cluster's
/// templates when the server answers.
pub fn create_options(
    conn: &mut PooledConn,
    host: &dyn Host,
    admin: &Admin,
    pid: u32,
) -> Result<Value> {
    let prod = product_row(conn, pid)?;
    let cfg = product::load(conn, pid)?;
    let templates: Vec<(String, String)> = match reach(conn, host, prod.servergroup)? {
        Reach::Ok { choices, .. } => choices
            .templates
            .iter()
            .map(|t| {
                (
                    t.vmid.to_string(),
                    if t.name.is_empty() {
                        format!("Template {}", t.vmid)
                    } else {
                        t.name.clone()
                    },
                )
            })
            .collect(),
        _ if !cfg.os_template.is_empty() => vec![(
            cfg.os_template.clone(),
            format!("Template {}", cfg.os_template),
        )],
        _ => Vec::new(),
    };
    let out = crate::config::options::create(conn, pid, &prod.name, &templates)?;
    if !out.created.is_empty() {
        perms::audit(
            host,
            admin,
            &format!(
                "configurable options of product #{pid} ({}) created: {}",
                crate::util::one_line(&prod.name, 60),
                out.created.join(", ")
            ),
            0,
        );
    }
    let status = crate::config::options::status(conn, pid)?;
    let mut v = json!(out);
    if let Some(o) = v.as_object_mut() {
        o.insert("status".into(), json!(status));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Vec<Value> {
        serde_json::from_str(
            r#"[
            {"id":"node/pve1","type":"node","node":"pve1","status":"online"},
            {"id":"node/pve2","type":"node","node":"pve2","status":"offline"},
            {"id":"qemu/9000","type":"qemu","vmid":9000,"node":"pve1","name":"debian-12","template":1},
            {"id":"qemu/9001","type":"qemu","vmid":9001,"node":"pve2","name":"alma","template":true},
            {"id":"qemu/101","type":"qemu","vmid":101,"node":"pve1","name":"client","template":0},
            {"id":"storage/pve1/local","type":"storage","storage":"local","node":"pve1","plugintype":"dir","content":"iso,backup,vztmpl"},
            {"id":"storage/pve1/local-lvm","type":"storage","storage":"local-lvm","node":"pve1","plugintype":"lvmthin","content":"images,rootdir"},
            {"id":"storage/pve1/ceph","type":"storage","storage":"ceph","node":"pve1","plugintype":"rbd","content":"images","shared":1},
            {"id":"storage/pve2/ceph","type":"storage","storage":"ceph","node":"pve2","plugintype":"rbd","content":"images","shared":1}
        ]"#,
        )
        .unwrap()
    }

    #[test]
    fn resources_become_choices() {
        let c = parse_resources(&fixture());
        assert_eq!(
            c.nodes,
            vec![
                ("pve1".into(), "online".into()),
                ("pve2".into(), "offline".into())
            ]
        );
        assert_eq!(
            c.templates.iter().map(|t| t.vmid).collect::<Vec<_>>(),
            vec![9000, 9001]
        );
        assert_eq!(c.templates[1].node, "pve2");
        let ceph = c.storages.iter().find(|s| s.storage == "ceph").unwrap();
        assert_eq!(ceph.nodes, vec!["pve1", "pve2"]);
        assert!(ceph.shared);
        assert_eq!(c.storages_with("images").count(), 2);
        assert!(c.has_storage("local-lvm", "images", "pve1"));
        assert!(!c.has_storage("local-lvm", "images", "pve2"));
        assert!(!c.has_storage("local", "images", ""));
    }

    #[test]
    fn check_names_what_is_missing() {
        let mut c = parse_resources(&fixture());
        c.bridges = vec![Bridge {
            iface: "vmbr0".into(),
            nodes: vec!["pve1".into()],
        }];
        c.bridges_known = true;
        let mut cfg = ProductConfig {
            os_template: "9000".into(),
            ..ProductConfig::default()
        };
        let (b, e) = check(&cfg, &c);
        assert!(e.is_empty(), "{e:?}");
        assert!(
            b.iter().all(|b| b.level == "info" || b.level == "warning"),
            "{b:?}"
        );
        cfg.node = "pve9".into();
        cfg.os_template = "101".into();
        cfg.sys_storage = "local".into();
        cfg.backup_storage = "local-lvm".into();
        cfg.bridge = "vmbr7".into();
        cfg.auto_bridge_vlan = false;
        let (_, e) = check(&cfg, &c);
        for k in [
            "node",
            "os_template",
            "sys_storage",
            "backup_storage",
            "bridge",
        ] {
            assert!(e.contains_key(k), "{k}: {e:?}");
        }
        assert!(e["os_template"].contains("101"));
        let empty = Choices::default();
        let (b, _) = check(&ProductConfig::default(), &empty);
        let titles: Vec<&str> = b.iter().map(|b| b.title.as_str()).collect();
        assert!(titles.contains(&"No VM templates"), "{titles:?}");
        assert!(titles.contains(&"No storage for VM disks"));
        assert!(b
            .iter()
            .any(|b| b.fields.contains(&"os_template".to_string())));
    }
}

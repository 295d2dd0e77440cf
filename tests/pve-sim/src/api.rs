//! Endpoint handlers. Each gets the validated, merged parameters and the state.

use crate::error::{ApiError, ApiResult};
use crate::schema::{expand_props, Method, SCHEMA};
use crate::state::*;
use crate::validate::{parse_boolean, split_list};
use once_cell::sync::Lazy;
use regex::Regex;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Validated request parameters (URI + query + body).
#[derive(Debug, Clone, Default)]
pub struct Params(pub Map<String, Value>);

impl Params {
    /// String value (numbers/booleans rendered as PVE would see them).
    pub fn s(&self, k: &str) -> Option<String> {
        match self.0.get(k)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(if *b { "1".into() } else { "0".into() }),
            Value::Array(a) => Some(
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            _ => None,
        }
    }
    pub fn i(&self, k: &str) -> Option<i64> {
        self.s(k)
            .and_then(|s| s.trim_start_matches('+').parse().ok())
    }
    pub fn b(&self, k: &str) -> Option<bool> {
        self.s(k).and_then(|s| parse_boolean(&s))
    }
    pub fn flag(&self, k: &str) -> bool {
        self.b(k).unwrap_or(false)
    }
    pub fn has(&self, k: &str) -> bool {
        self.0.get(k).map(|v| !v.is_null()).unwrap_or(false)
    }
    pub fn node(&self) -> String {
        self.s("node").unwrap_or_default()
    }
    pub fn vmid(&self) -> u32 {
        self.i("vmid").unwrap_or(0) as u32
    }
}

/// Handler context.
pub struct Ctx<'a> {
    pub st: &'a mut State,
    pub p: &'a Params,
    /// Authenticated id (`root@pam!whmcs`).
    pub user: String,
    pub method: &'a Method,
}

/// Route a validated request to its handler.
pub fn dispatch(ctx: &mut Ctx) -> ApiResult<Value> {
    let m = ctx.method.http.clone();
    let path = ctx.method.path.clone();
    match (m.as_str(), path.as_str()) {
        ("GET", "/version") => version(ctx),
        ("GET", "/access/permissions") => permissions(ctx),
        ("GET", "/nodes") => nodes_index(ctx),
        ("GET", "/nodes/{node}") => Ok(json!([
            {"name": "qemu"}, {"name": "storage"}, {"name": "tasks"}, {"name": "status"},
            {"name": "vzdump"}
        ])),
        ("GET", "/nodes/{node}/status") => node_status(ctx),
        ("GET", "/cluster/resources") => cluster_resources(ctx),
        ("GET", "/cluster/nextid") => nextid(ctx),
        ("GET", "/cluster/status") => cluster_status(ctx),
        ("GET", "/nodes/{node}/qemu") => vm_list(ctx),
        ("POST", "/nodes/{node}/qemu") => vm_create(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}") => {
            ctx.st.vm(&ctx.p.node(), ctx.p.vmid())?;
            Ok(json!([
                {"subdir": "config"}, {"subdir": "status"}, {"subdir": "firewall"},
                {"subdir": "snapshot"}, {"subdir": "rrddata"}, {"subdir": "vncproxy"},
                {"subdir": "migrate"}, {"subdir": "resize"}, {"subdir": "clone"}
            ]))
        }
        ("DELETE", "/nodes/{node}/qemu/{vmid}") => vm_destroy(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/config") => vm_config_get(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/pending") => vm_pending(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/cloudinit") => cloudinit_get(ctx),
        ("PUT", "/nodes/{node}/qemu/{vmid}/cloudinit") => cloudinit_put(ctx),
        ("PUT", "/nodes/{node}/qemu/{vmid}/config") => vm_config_update(ctx, true),
        ("POST", "/nodes/{node}/qemu/{vmid}/config") => vm_config_update(ctx, false),
        ("POST", "/nodes/{node}/qemu/{vmid}/clone") => vm_clone(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/migrate") => vm_migrate_precondition(ctx),
        ("POST", "/nodes/{node}/qemu/{vmid}/migrate") => vm_migrate(ctx),
        ("PUT", "/nodes/{node}/qemu/{vmid}/resize") => vm_resize(ctx),
        ("POST", "/nodes/{node}/qemu/{vmid}/template") => vm_template(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/status") => {
            ctx.st.vm(&ctx.p.node(), ctx.p.vmid())?;
            Ok(
                json!([{"subdir": "current"}, {"subdir": "start"}, {"subdir": "stop"},
                {"subdir": "shutdown"}, {"subdir": "reboot"}]),
            )
        }
        ("GET", "/nodes/{node}/qemu/{vmid}/status/current") => vm_status_current(ctx),
        ("POST", "/nodes/{node}/qemu/{vmid}/status/start") => vm_power(ctx, "qmstart"),
        ("POST", "/nodes/{node}/qemu/{vmid}/status/stop") => vm_power(ctx, "qmstop"),
        ("POST", "/nodes/{node}/qemu/{vmid}/status/shutdown") => vm_power(ctx, "qmshutdown"),
        ("POST", "/nodes/{node}/qemu/{vmid}/status/reboot") => vm_power(ctx, "qmreboot"),
        ("POST", "/nodes/{node}/qemu/{vmid}/status/reset") => vm_power(ctx, "qmreset"),
        ("GET", "/nodes/{node}/qemu/{vmid}/rrddata") => vm_rrddata(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces") => {
            agent_call(ctx, "network-get-interfaces")
        }
        ("GET", "/nodes/{node}/qemu/{vmid}/agent/get-osinfo") => agent_call(ctx, "get-osinfo"),
        ("GET", "/nodes/{node}/qemu/{vmid}/agent/get-host-name") => {
            agent_call(ctx, "get-host-name")
        }
        ("GET", "/nodes/{node}/qemu/{vmid}/agent/info") => agent_call(ctx, "info"),
        ("POST", "/nodes/{node}/qemu/{vmid}/agent/ping") => agent_call(ctx, "ping"),
        ("POST", "/nodes/{node}/qemu/{vmid}/agent/set-user-password") => {
            agent_call(ctx, "set-user-password")
        }
        ("POST", "/nodes/{node}/qemu/{vmid}/agent/shutdown") => agent_call(ctx, "shutdown"),
        ("POST", "/nodes/{node}/qemu/{vmid}/vncproxy") => crate::vnc::vncproxy(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/vncwebsocket") => crate::vnc::vncwebsocket(ctx),
        // snapshots
        ("GET", "/nodes/{node}/qemu/{vmid}/snapshot") => snapshot_list(ctx),
        ("POST", "/nodes/{node}/qemu/{vmid}/snapshot") => snapshot_create(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/snapshot/{snapname}") => {
            snapshot_get(ctx)?;
            Ok(json!([{"cmd": "rollback"}, {"cmd": "config"}]))
        }
        ("DELETE", "/nodes/{node}/qemu/{vmid}/snapshot/{snapname}") => snapshot_delete(ctx),
        ("POST", "/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback") => {
            snapshot_rollback(ctx)
        }
        ("GET", "/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config") => snapshot_config_get(ctx),
        ("PUT", "/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config") => snapshot_config_put(ctx),
        // firewall
        ("GET", "/nodes/{node}/qemu/{vmid}/firewall") => {
            ctx.st.vm(&ctx.p.node(), ctx.p.vmid())?;
            Ok(
                json!([{"name": "rules"}, {"name": "aliases"}, {"name": "ipset"},
                {"name": "refs"}, {"name": "options"}, {"name": "log"}]),
            )
        }
        ("GET", "/nodes/{node}/qemu/{vmid}/firewall/options") => fw_options_get(ctx),
        ("PUT", "/nodes/{node}/qemu/{vmid}/firewall/options") => fw_options_put(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/firewall/rules") => fw_rules_get(ctx),
        ("POST", "/nodes/{node}/qemu/{vmid}/firewall/rules") => fw_rule_create(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/firewall/rules/{pos}") => fw_rule_get(ctx),
        ("PUT", "/nodes/{node}/qemu/{vmid}/firewall/rules/{pos}") => fw_rule_update(ctx),
        ("DELETE", "/nodes/{node}/qemu/{vmid}/firewall/rules/{pos}") => fw_rule_delete(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/firewall/ipset") => fw_ipset_list(ctx),
        ("POST", "/nodes/{node}/qemu/{vmid}/firewall/ipset") => fw_ipset_create(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/firewall/ipset/{name}") => fw_ipset_get(ctx),
        ("POST", "/nodes/{node}/qemu/{vmid}/firewall/ipset/{name}") => fw_ipset_add(ctx),
        ("DELETE", "/nodes/{node}/qemu/{vmid}/firewall/ipset/{name}") => fw_ipset_delete(ctx),
        ("GET", "/nodes/{node}/qemu/{vmid}/firewall/ipset/{name}/{cidr}") => fw_ip_get(ctx),
        ("PUT", "/nodes/{node}/qemu/{vmid}/firewall/ipset/{name}/{cidr}") => fw_ip_update(ctx),
        ("DELETE", "/nodes/{node}/qemu/{vmid}/firewall/ipset/{name}/{cidr}") => fw_ip_delete(ctx),
        // tasks
        ("GET", "/nodes/{node}/tasks") => task_list(ctx),
        ("GET", "/nodes/{node}/tasks/{upid}") => {
            task_lookup(ctx)?;
            Ok(json!([{"name": "log"}, {"name": "status"}]))
        }
        ("GET", "/nodes/{node}/tasks/{upid}/status") => task_status(ctx),
        ("GET", "/nodes/{node}/tasks/{upid}/log") => task_log(ctx),
        ("DELETE", "/nodes/{node}/tasks/{upid}") => task_stop(ctx),
        // backup / storage
        ("POST", "/nodes/{node}/vzdump") => vzdump(ctx),
        ("GET", "/nodes/{node}/storage") => storage_index(ctx),
        ("GET", "/nodes/{node}/network") => network_index(ctx),
        ("GET", "/nodes/{node}/storage/{storage}") => {
            ctx.st
                .storage_on(&ctx.p.s("storage").unwrap_or_default(), &ctx.p.node())?;
            Ok(json!([{"subdir": "content"}, {"subdir": "status"}]))
        }
        ("GET", "/nodes/{node}/storage/{storage}/status") => storage_status(ctx),
        ("GET", "/nodes/{node}/storage/{storage}/content") => content_list(ctx),
        ("POST", "/nodes/{node}/storage/{storage}/content") => content_alloc(ctx),
        ("GET", "/nodes/{node}/storage/{storage}/content/{volume}") => content_info(ctx),
        ("PUT", "/nodes/{node}/storage/{storage}/content/{volume}") => content_update(ctx),
        ("DELETE", "/nodes/{node}/storage/{storage}/content/{volume}") => content_delete(ctx),
        ("GET", "/storage") => storage_config_list(ctx),
        _ => Err(ApiError::not_implemented(&m, &path)),
    }
}

// ------------------------------------------------------------------ helpers

fn vmid_str(v: u32) -> String {
    v.to_string()
}

/// `skiplock` is root@pam only (tokens are never root@pam).
fn check_skiplock(ctx: &Ctx) -> ApiResult<bool> {
    let skip = ctx.p.flag("skiplock");
    if skip && ctx.user != "root@pam" {
        return Err(ApiError::param(
            "skiplock",
            "Only root may use this option.",
        ));
    }
    Ok(skip)
}

/// The config lock check. `Ok(Some(upid))` when the check is configured to
/// happen inside the worker (the returned task fails).
fn lock_gate(ctx: &mut Ctx, vmid: u32, ttype: &str, skiplock: bool) -> ApiResult<Option<String>> {
    let node = ctx.p.node();
    let vm = ctx.st.vm(&node, vmid)?;
    if vm.flock {
        return Err(ApiError::internal(format!(
            "can't lock file '/var/lock/qemu-server/lock-{vmid}.conf' - got timeout"
        )));
    }
    if skiplock {
        return Ok(None);
    }
    if let Some(lock) = vm.lock() {
        let msg = format!("VM is locked ({lock})");
        if ctx.st.control.lock_check_in_task.contains(ttype) {
            let upid = ctx
                .st
                .failing_task(&node, ttype, &vmid_str(vmid), &ctx.user, &msg);
            return Ok(Some(upid));
        }
        return Err(ApiError::internal(msg));
    }
    Ok(None)
}

fn config_digest(cfg: &BTreeMap<String, String>) -> String {
    let mut text = String::new();
    for (k, v) in cfg {
        text.push_str(k);
        text.push_str(": ");
        text.push_str(v);
        text.push('\n');
    }
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

static CONFIG_TYPES: Lazy<Map<String, Value>> = Lazy::new(|| {
    SCHEMA
        .method("GET", "/nodes/{node}/qemu/{vmid}/config")
        .and_then(|m| {
            m.returns
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
        })
        .map(|p| expand_props(&p))
        .unwrap_or_default()
});

/// A config value typed like PVE's JSON output.
fn typed_value(k: &str, v: &str) -> Value {
    let ty = CONFIG_TYPES
        .get(k)
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("string");
    match ty {
        "integer" | "boolean" => v
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(v)),
        "number" => v
            .parse::<f64>()
            .ok()
            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
            .unwrap_or_else(|| Value::from(v)),
        _ => Value::from(v),
    }
}

fn typed_config(cfg: &BTreeMap<String, String>) -> Map<String, Value> {
    cfg.iter()
        .map(|(k, v)| (k.clone(), typed_value(k, v)))
        .collect()
}

fn require_node(ctx: &Ctx) -> ApiResult<String> {
    let node = ctx.p.node();
    if !ctx.st.nodes.contains_key(&node) {
        return Err(ApiError::internal(format!(
            "hostname lookup '{node}' failed - failed to get address info for: {node}: Name or service not known"
        )));
    }
    Ok(node)
}

fn vm_summary(vm: &Vm) -> Map<String, Value> {
    let mut m = Map::new();
    let running = vm.running();
    let uptime = vm.uptime();
    m.insert("vmid".into(), json!(vm.vmid));
    m.insert("name".into(), json!(vm.name()));
    m.insert("status".into(), json!(vm.status));
    m.insert("cpus".into(), json!(vm.cpus()));
    m.insert("maxmem".into(), json!(vm.memory_bytes()));
    let mem = if running {
        vm.stats.mem.unwrap_or(vm.memory_bytes() / 5 * 2)
    } else {
        0
    };
    m.insert("mem".into(), json!(mem));
    m.insert("maxdisk".into(), json!(vm.maxdisk()));
    m.insert("disk".into(), json!(0));
    m.insert("uptime".into(), json!(uptime));
    m.insert(
        "cpu".into(),
        json!(if running {
            vm.stats.cpu.unwrap_or(0.0312)
        } else {
            0.0
        }),
    );
    let derive = |pinned: Option<u64>, rate: u64| {
        pinned.unwrap_or(if running {
            uptime.saturating_mul(rate)
        } else {
            0
        })
    };
    m.insert("netin".into(), json!(derive(vm.stats.netin, 2048)));
    m.insert("netout".into(), json!(derive(vm.stats.netout, 1024)));
    m.insert("diskread".into(), json!(derive(vm.stats.diskread, 4096)));
    m.insert("diskwrite".into(), json!(derive(vm.stats.diskwrite, 8192)));
    if let Some(pid) = vm.pid.filter(|_| running) {
        m.insert("pid".into(), json!(pid));
    }
    if let Some(l) = vm.lock() {
        m.insert("lock".into(), json!(l));
    }
    if vm.is_template() {
        m.insert("template".into(), json!(1));
    }
    if let Some(t) = vm.config.get("tags") {
        m.insert("tags".into(), json!(t));
    }
    m
}

/// Allocate/normalise a drive value for `key` of `vmid` on `node`.
fn process_drive(
    st: &mut State,
    node: &str,
    vmid: u32,
    key: &str,
    value: &str,
) -> ApiResult<String> {
    static NEW: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"^([a-zA-Z][a-zA-Z0-9\-_.]*[a-zA-Z0-9]):(\d+(?:\.\d+)?)$").expect("re")
    });
    let mut d = Drive::parse(value);
    if let Some(c) = NEW.captures(&d.file) {
        let sid = c[1].to_string();
        let gib: f64 = c[2].parse().unwrap_or(0.0);
        let mut size = (gib * GIB as f64) as u64;
        if let Some(src) = d.get("import-from").map(String::from) {
            let i = st
                .find_volume(&src, node)
                .ok_or_else(|| ApiError::internal(format!("volume '{src}' does not exist")))?;
            size = size.max(st.volumes[i].size);
            d.remove("import-from");
        }
        if key == "efidisk0" {
            size = 528 * 1024;
        } else if key == "tpmstate0" {
            size = 4 * MIB;
        } else if size == 0 {
            return Err(ApiError::internal(format!(
                "{key}: size must be greater than zero (or use import-from)"
            )));
        }
        let fmt = d.get("format").map(String::from);
        let volid = st.alloc_image(&sid, node, vmid, size, fmt.as_deref(), false, None)?;
        d.file = volid;
        d.remove("format");
        d.set("size", &format_size(size));
        return Ok(d.print());
    }
    if let Some(sid) = d.file.strip_suffix(":cloudinit") {
        let sid = sid.to_string();
        let fmt = d.get("format").map(String::from);
        let volid = st.alloc_image(&sid, node, vmid, 4 * MIB, fmt.as_deref(), true, None)?;
        d.file = volid;
        d.remove("format");
        if d.get("media").is_none() {
            d.set("media", "cdrom");
        }
        return Ok(d.print());
    }
    if d.is_volume() && !d.is_cdrom() {
        let i = st
            .find_volume(&d.file, node)
            .ok_or_else(|| ApiError::internal(format!("volume '{}' does not exist", d.file)))?;
        if d.get("size").is_none() {
            let size = st.volumes[i].size;
            d.set("size", &format_size(size));
        }
    }
    Ok(d.print())
}

/// Give a netN value a MAC address if it has none; normalise to `model=MAC,...`.
fn process_net(st: &mut State, value: &str) -> String {
    let fmt = SCHEMA
        .method("PUT", "/nodes/{node}/qemu/{vmid}/config")
        .and_then(|m| m.props.get("net0"))
        .and_then(|v| v.get("format"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let kv = crate::validate::parse_kv(&fmt, value);
    let model = kv.get("model").cloned().unwrap_or_else(|| "virtio".into());
    let mac = kv
        .get("macaddr")
        .cloned()
        .unwrap_or_else(|| st.random_mac());
    let mut out = format!("{model}={mac}");
    for part in value.split(',') {
        let key = part.split_once('=').map(|(k, _)| k).unwrap_or(part);
        if key == "model"
            || key == "macaddr"
            || fmt.get(key).and_then(|s| s.get("keyAlias")).is_some()
            || !part.contains('=')
        {
            continue;
        }
        out.push(',');
        out.push_str(part);
    }
    out
}

fn next_unused_key(cfg: &BTreeMap<String, String>) -> String {
    let mut i = 0;
    while cfg.contains_key(&format!("unused{i}")) {
        i += 1;
    }
    format!("unused{i}")
}

/// Whether a volume is owned by `vmid` (its own name carries the vmid).
fn owned_by(volid: &str, vmid: u32) -> bool {
    let own = volid.rsplit('/').next().unwrap_or(volid);
    let own = own.rsplit(':').next().unwrap_or(own);
    own.starts_with(&format!("vm-{vmid}-")) || own.starts_with(&format!("base-{vmid}-"))
}

/// Control parameters that are not config keys.
const CONFIG_CONTROL_KEYS: &[&str] = &[
    "node",
    "vmid",
    "delete",
    "revert",
    "digest",
    "skiplock",
    "background_delay",
    "force",
    "import-working-storage",
    "archive",
    "bwlimit",
    "ha-managed",
    "live-restore",
    "pool",
    "start",
    "storage",
    "unique",
];

fn validate_sshkeys(enc: &str) -> ApiResult<()> {
    let decoded = crate::http::percent_decode(enc);
    static KEY: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"^(?:[^\s]+\s+)?(ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+[A-Za-z0-9+/]+=*(?:\s.*)?$").expect("re")
    });
    for line in decoded.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !KEY.is_match(line) {
            return Err(ApiError::internal("SSH public key validation error"));
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ cluster

/// Every privilege of PVE 9 (`pveum role list` of Administrator).
pub const PRIVILEGES: &[&str] = &[
    "Datastore.Allocate",
    "Datastore.AllocateSpace",
    "Datastore.AllocateTemplate",
    "Datastore.Audit",
    "Group.Allocate",
    "Mapping.Audit",
    "Mapping.Modify",
    "Mapping.Use",
    "Permissions.Modify",
    "Pool.Allocate",
    "Pool.Audit",
    "Realm.Allocate",
    "Realm.AllocateUser",
    "SDN.Allocate",
    "SDN.Audit",
    "SDN.Use",
    "Sys.AccessNetwork",
    "Sys.Audit",
    "Sys.Console",
    "Sys.Incoming",
    "Sys.Modify",
    "Sys.PowerMgmt",
    "Sys.Syslog",
    "User.Modify",
    "VM.Allocate",
    "VM.Audit",
    "VM.Backup",
    "VM.Clone",
    "VM.Config.CDROM",
    "VM.Config.CPU",
    "VM.Config.Cloudinit",
    "VM.Config.Disk",
    "VM.Config.HWType",
    "VM.Config.Memory",
    "VM.Config.Network",
    "VM.Config.Options",
    "VM.Console",
    "VM.GuestAgent.Audit",
    "VM.GuestAgent.FileRead",
    "VM.GuestAgent.FileSystemMgmt",
    "VM.GuestAgent.FileWrite",
    "VM.GuestAgent.Unrestricted",
    "VM.Migrate",
    "VM.PowerMgmt",
    "VM.Replicate",
    "VM.Snapshot",
    "VM.Snapshot.Rollback",
];

/// `GET /access/permissions` (`path`, `userid`): "Map of path => (Map of
/// privilege => propagate boolean)". A token starts with every privilege on
/// `/` (root@pam without privilege separation); a denial on `/` (or
/// everywhere) removes it there, a denial on a deeper path gives that path
/// its own entry without it. Another user's or token's permissions need
/// Sys.Audit on /access, as in PVE.
fn permissions(ctx: &mut Ctx) -> ApiResult<Value> {
    let me = ctx.user.clone();
    let who = ctx.p.s("userid").unwrap_or_else(|| me.clone());
    let tokens = &ctx.st.control.tokens;
    let mine = tokens.iter().find(|t| t.id == me);
    if who != me {
        let owned = who.split_once('!').is_some_and(|(u, _)| u == me);
        if !owned && mine.is_some_and(|t| !crate::server::has_priv(t, "/access", "Sys.Audit")) {
            return Err(ApiError::perm("/access, Sys.Audit"));
        }
    }
    let token = tokens.iter().find(|t| t.id == who).cloned();
    if token.is_none() && tokens.iter().any(|t| t.id == me) && who != me {
        return Err(ApiError::internal(format!("no such user ('{who}')")));
    }
    let privs_at = |path: &str| -> Map<String, Value> {
        PRIVILEGES
            .iter()
            .filter(|p| {
                token
                    .as_ref()
                    .is_none_or(|t| crate::server::has_priv(t, path, p))
            })
            .map(|p| ((*p).to_string(), json!(1)))
            .collect()
    };
    let mut out = Map::new();
    if let Some(path) = ctx.p.s("path") {
        out.insert(path.clone(), Value::Object(privs_at(&path)));
        return Ok(Value::Object(out));
    }
    out.insert("/".into(), Value::Object(privs_at("/")));
    if let Some(t) = &token {
        for d in &t.deny {
            if let Some(p) = d.path.as_deref().filter(|p| *p != "/") {
                out.insert(p.to_string(), Value::Object(privs_at(p)));
            }
        }
    }
    Ok(Value::Object(out))
}

fn version(_ctx: &mut Ctx) -> ApiResult<Value> {
    Ok(json!({"version": "9.1.2", "release": "9.1", "repoid": "3ac12a5d", "console": "html5"}))
}

fn nodes_index(ctx: &mut Ctx) -> ApiResult<Value> {
    let now = now_unix();
    let fp = ctx.st.fingerprint.clone();
    let list: Vec<Value> = ctx
        .st
        .nodes
        .values()
        .map(|n| {
            if n.online {
                json!({
                    "node": n.name, "status": "online", "id": format!("node/{}", n.name),
                    "type": "node", "cpu": n.cpu, "maxcpu": n.maxcpu, "mem": n.mem,
                    "maxmem": n.maxmem, "disk": n.disk, "maxdisk": n.maxdisk,
                    "uptime": now.saturating_sub(n.boot_time), "level": "",
                    "ssl_fingerprint": fp
                })
            } else {
                json!({"node": n.name, "status": "offline", "id": format!("node/{}", n.name),
                    "type": "node", "ssl_fingerprint": fp, "level": ""})
            }
        })
        .collect();
    Ok(Value::Array(list))
}

fn node_status(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = require_node(ctx)?;
    let n = ctx.st.nodes[&node].clone();
    let now = now_unix();
    Ok(json!({
        "cpu": n.cpu,
        "wait": 0.0003,
        "loadavg": ["0.12", "0.18", "0.21"],
        "uptime": now.saturating_sub(n.boot_time),
        "pveversion": "pve-manager/9.1.2/3ac12a5d0d8a7e11",
        "kversion": "Linux 6.14.11-4-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.11-4 (2025-10-10T08:04Z)",
        "memory": {"total": n.maxmem, "used": n.mem, "free": n.maxmem.saturating_sub(n.mem),
                   "available": n.maxmem.saturating_sub(n.mem)},
        "swap": {"total": 8 * GIB, "used": 0, "free": 8 * GIB},
        "rootfs": {"total": n.maxdisk, "used": n.disk, "free": n.maxdisk.saturating_sub(n.disk),
                   "avail": n.maxdisk.saturating_sub(n.disk)},
        "idle": 0,
        "ksm": {"shared": 0},
        "cpuinfo": {"cpus": n.maxcpu, "sockets": 1, "cores": n.maxcpu / 2, "mhz": "3200.000",
                    "model": "AMD EPYC 7302P 16-Core Processor", "hvm": "1", "user_hz": 100,
                    "flags": "fpu vme de pse tsc msr pae mce cx8 apic sep"},
        "boot-info": {"mode": "efi", "secureboot": 0},
        "current-kernel": {"sysname": "Linux", "release": "6.14.11-4-pve",
                           "version": "#1 SMP PREEMPT_DYNAMIC PMX 6.14.11-4", "machine": "x86_64"}
    }))
}

fn cluster_status(ctx: &mut Ctx) -> ApiResult<Value> {
    let mut out = vec![
        json!({"type": "cluster", "id": "cluster", "name": ctx.st.cluster_name,
        "nodes": ctx.st.nodes.len(), "quorate": 1, "version": 7}),
    ];
    for (i, n) in ctx.st.nodes.values().enumerate() {
        out.push(json!({"type": "node", "id": format!("node/{}", n.name), "name": n.name,
            "online": if n.online {1} else {0}, "nodeid": i + 1, "ip": format!("192.0.2.{}", 11 + i),
            "local": if i == 0 {1} else {0}, "level": ""}));
    }
    Ok(Value::Array(out))
}

fn cluster_resources(ctx: &mut Ctx) -> ApiResult<Value> {
    let ty = ctx.p.s("type");
    let want = |t: &str| ty.as_deref().map(|x| x == t).unwrap_or(true);
    let now = now_unix();
    let mut out = vec![];
    if want("vm") {
        for vm in ctx.st.vms.values() {
            let mut m = vm_summary(vm);
            m.insert("id".into(), json!(format!("qemu/{}", vm.vmid)));
            m.insert("type".into(), json!("qemu"));
            m.insert("node".into(), json!(vm.node));
            m.insert("maxcpu".into(), json!(vm.cpus()));
            m.remove("cpus");
            m.remove("pid");
            m.insert(
                "template".into(),
                json!(if vm.is_template() { 1 } else { 0 }),
            );
            if let Some(pool) = &vm.pool {
                m.insert("pool".into(), json!(pool));
            }
            out.push(Value::Object(m));
        }
    }
    if want("node") {
        for n in ctx.st.nodes.values() {
            let mut m = json!({"id": format!("node/{}", n.name), "type": "node", "node": n.name,
                "status": if n.online {"online"} else {"offline"}, "level": "", "cgroup-mode": 2,
                "host-arch": "x86_64"});
            if n.online {
                if let Some(o) = m.as_object_mut() {
                    o.insert("cpu".into(), json!(n.cpu));
                    o.insert("maxcpu".into(), json!(n.maxcpu));
                    o.insert("mem".into(), json!(n.mem));
                    o.insert("maxmem".into(), json!(n.maxmem));
                    o.insert("disk".into(), json!(n.disk));
                    o.insert("maxdisk".into(), json!(n.maxdisk));
                    o.insert("uptime".into(), json!(now.saturating_sub(n.boot_time)));
                }
            }
            out.push(m);
        }
    }
    if want("storage") {
        for n in ctx.st.nodes.values() {
            for s in ctx.st.storages.values().filter(|s| s.on_node(&n.name)) {
                let used = ctx.st.storage_used(&s.id, &n.name);
                out.push(json!({
                    "id": format!("storage/{}/{}", n.name, s.id), "type": "storage",
                    "storage": s.id, "node": n.name, "plugintype": s.stype,
                    "status": if s.enabled && n.online {"available"} else {"unknown"},
                    "content": s.content.join(","), "shared": if s.shared {1} else {0},
                    "disk": used, "maxdisk": s.total
                }));
            }
        }
    }
    Ok(Value::Array(out))
}

fn nextid(ctx: &mut Ctx) -> ApiResult<Value> {
    if let Some(v) = ctx.p.i("vmid") {
        let v = v as u32;
        if ctx.st.vms.contains_key(&v) {
            return Err(ApiError::param("vmid", format!("VM {v} already exists")));
        }
        return Ok(json!(v.to_string()));
    }
    Ok(json!(ctx.st.next_free_vmid().to_string()))
}

// ---------------------------------------------------------------------- VMs

fn vm_list(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = require_node(ctx)?;
    let list: Vec<Value> = ctx
        .st
        .vms
        .values()
        .filter(|vm| vm.node == node)
        .map(|vm| {
            let mut m = vm_summary(vm);
            if vm.running() {
                m.insert("qmpstatus".into(), json!("running"));
            }
            Value::Object(m)
        })
        .collect();
    Ok(Value::Array(list))
}

fn vm_status_current(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vm = ctx.st.vm(&node, ctx.p.vmid())?;
    let mut m = vm_summary(vm);
    m.insert(
        "qmpstatus".into(),
        json!(if vm.running() { "running" } else { "stopped" }),
    );
    match &vm.ha {
        Some(state) => m.insert("ha".into(), json!({"managed": 1, "state": state})),
        None => m.insert("ha".into(), json!({"managed": 0})),
    };
    if let Some(a) = vm.config.get("agent") {
        let enabled = a.split(',').any(|p| p == "1" || p == "enabled=1");
        if enabled {
            m.insert("agent".into(), json!(1));
        }
    }
    if vm.running() {
        m.insert("running-machine".into(), json!("pc-i440fx-9.2+pve1"));
        m.insert("running-qemu".into(), json!("9.2.0"));
        m.insert("memhost".into(), m.get("mem").cloned().unwrap_or(json!(0)));
        for k in [
            "pressurecpusome",
            "pressurecpufull",
            "pressureiosome",
            "pressureiofull",
            "pressurememorysome",
            "pressurememoryfull",
        ] {
            m.insert(k.into(), json!(0));
        }
    }
    if vm.config.contains_key("serial0") {
        m.insert("serial".into(), json!(1));
    }
    Ok(Value::Object(m))
}

fn vm_config_get(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vm = ctx.st.vm(&node, ctx.p.vmid())?;
    if let Some(snap) = ctx.p.s("snapshot") {
        let s = vm
            .snapshots
            .get(&snap)
            .ok_or_else(|| ApiError::internal(format!("snapshot '{snap}' does not exist")))?;
        let mut m = typed_config(&s.config);
        m.insert("digest".into(), json!(config_digest(&s.config)));
        m.insert("snaptime".into(), json!(s.snaptime));
        if !s.description.is_empty() {
            m.insert("description".into(), json!(s.description));
        }
        return Ok(Value::Object(m));
    }
    // default: pending values applied; current=1: the running configuration
    let shown = if ctx.p.flag("current") {
        vm.config.clone()
    } else {
        let mut tmp = vm.clone();
        tmp.apply_pending();
        tmp.config
    };
    let mut m = typed_config(&shown);
    m.insert("digest".into(), json!(vm_digest(vm)));
    Ok(Value::Object(m))
}

fn vm_pending(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vm = ctx.st.vm(&node, ctx.p.vmid())?;
    let mut keys: std::collections::BTreeSet<&String> = vm.config.keys().collect();
    keys.extend(vm.pending.keys());
    keys.extend(vm.pending_delete.iter());
    Ok(Value::Array(
        keys.into_iter()
            .map(|k| {
                let mut e = Map::new();
                e.insert("key".into(), json!(k));
                if let Some(v) = vm.config.get(k) {
                    e.insert("value".into(), typed_value(k, v));
                }
                if let Some(v) = vm.pending.get(k) {
                    e.insert("pending".into(), typed_value(k, v));
                }
                if vm.pending_delete.contains(k) {
                    e.insert("delete".into(), json!(1));
                }
                Value::Object(e)
            })
            .collect(),
    ))
}

/// Cloud-init option keys.
fn is_cloudinit_key(k: &str) -> bool {
    matches!(
        k,
        "ciuser"
            | "cipassword"
            | "citype"
            | "cicustom"
            | "ciupgrade"
            | "nameserver"
            | "searchdomain"
            | "sshkeys"
    ) || k
        .strip_prefix("ipconfig")
        .map(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or(false)
}

/// GET …/cloudinit: the cloud-init options, current and pending.
fn cloudinit_get(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vm = ctx.st.vm(&node, ctx.p.vmid())?;
    let mut keys: std::collections::BTreeSet<&String> = vm.config.keys().collect();
    keys.extend(vm.pending.keys());
    keys.extend(vm.pending_delete.iter());
    Ok(Value::Array(
        keys.into_iter()
            .filter(|k| is_cloudinit_key(k))
            .map(|k| {
                let mut e = Map::new();
                e.insert("key".into(), json!(k));
                if let Some(v) = vm.config.get(k) {
                    e.insert("value".into(), json!(v));
                }
                if let Some(v) = vm.pending.get(k) {
                    e.insert("pending".into(), json!(v));
                }
                if vm.pending_delete.contains(k) {
                    e.insert("delete".into(), json!(1));
                }
                Value::Object(e)
            })
            .collect(),
    ))
}

/// PUT …/cloudinit: apply pending cloud-init options and regenerate the drive.
fn cloudinit_put(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    lock_gate(ctx, vmid, "cloudinit", false)?;
    let vm = ctx.st.vm_mut(&node, vmid)?;
    let keys: Vec<String> = vm
        .pending
        .keys()
        .filter(|k| is_cloudinit_key(k))
        .cloned()
        .collect();
    for k in keys {
        if let Some(v) = vm.pending.remove(&k) {
            vm.config.insert(k, v);
        }
    }
    let dels: Vec<String> = vm
        .pending_delete
        .iter()
        .filter(|k| is_cloudinit_key(k))
        .cloned()
        .collect();
    for k in dels {
        vm.pending_delete.remove(&k);
        vm.config.remove(&k);
    }
    Ok(Value::Null)
}

/// The `hotplug` option's feature list (default `network,disk,usb`).
fn hotplug_features(vm: &Vm) -> Vec<String> {
    let v = vm
        .config
        .get("hotplug")
        .map(String::as_str)
        .unwrap_or("network,disk,usb");
    match v {
        "1" => vec!["network".into(), "disk".into(), "usb".into()],
        "0" | "" => vec![],
        l => l.split(',').map(String::from).collect(),
    }
}

/// Whether a change to `key` applies at once on a running VM (PVE's
/// `vmconfig_hotplug_pending`), instead of staying pending until the next start.
fn hot_applies(features: &[String], key: &str) -> bool {
    let has = |f: &str| features.iter().any(|x| x == f);
    match key {
        "name" | "onboot" | "shares" | "startup" | "description" | "protection"
        | "vmstatestorage" | "hookscript" | "tags" | "lock" => true,
        "balloon" | "cpulimit" | "cpuunits" => true,
        "vcpus" => has("cpu"),
        "memory" => has("memory"),
        k if k.starts_with("net") && k[3..].chars().all(|c| c.is_ascii_digit()) => has("network"),
        k if k.starts_with("usb") && k[3..].chars().all(|c| c.is_ascii_digit()) => has("usb"),
        k if is_drive_key(k) || is_unused_key(k) => has("disk"),
        _ => false,
    }
}

/// Digest over the config file, pending section included.
fn vm_digest(vm: &Vm) -> String {
    if !vm.has_pending() {
        return config_digest(&vm.config);
    }
    let mut all = vm.config.clone();
    for (k, v) in &vm.pending {
        all.insert(format!("[PENDING] {k}"), v.clone());
    }
    if !vm.pending_delete.is_empty() {
        let d: Vec<&str> = vm.pending_delete.iter().map(String::as_str).collect();
        all.insert("[PENDING] delete".into(), d.join(","));
    }
    config_digest(&all)
}

fn vm_config_update(ctx: &mut Ctx, sync: bool) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    ctx.st.vm(&node, vmid)?;
    let skiplock = check_skiplock(ctx)?;
    // parameter-level checks first (they are raise_param_exc in PVE)
    let deletes: Vec<String> = ctx
        .p
        .s("delete")
        .map(|d| split_list(&d))
        .unwrap_or_default()
        .into_iter()
        .map(|o| if o == "cdrom" { "ide2".to_string() } else { o })
        .collect();
    for opt in &deletes {
        if ctx.p.has(opt) {
            return Err(ApiError::param(
                "delete",
                format!("you can't use '-{opt}' and -delete {opt}' at the same time"),
            ));
        }
        if !ctx.method.props.contains_key(opt) || CONFIG_CONTROL_KEYS.contains(&opt.as_str()) {
            return Err(ApiError::param("delete", format!("unknown option '{opt}'")));
        }
    }
    if let Some(keys) = ctx.p.s("sshkeys") {
        validate_sshkeys(&keys)?;
    }
    let current = ctx.st.vm(&node, vmid)?.config.clone();
    if let Some(d) = ctx.p.s("digest") {
        if d != vm_digest(ctx.st.vm(&node, vmid)?) {
            return Err(ApiError::internal(
                "detected modified configuration - file changed by other user? Try again.",
            ));
        }
    }
    if let Some(upid) = lock_gate(ctx, vmid, "qmconfig", skiplock)? {
        return Ok(if sync { Value::Null } else { json!(upid) });
    }
    let force = ctx.p.flag("force");
    let vm_now = ctx.st.vm(&node, vmid)?.clone();
    let running = vm_now.running();
    let hotplug = hotplug_features(&vm_now);
    let mut pend = vm_now.pending.clone();
    let mut pdel = vm_now.pending_delete.clone();
    let mut cfg = current;
    if !running {
        // a stopped VM gets its pending changes written for good
        let mut tmp = vm_now.clone();
        tmp.apply_pending();
        cfg = tmp.config;
        pend.clear();
        pdel.clear();
    }
    if let Some(rev) = ctx.p.s("revert") {
        for k in split_list(&rev) {
            pend.remove(&k);
            pdel.remove(&k);
        }
    }
    for opt in &deletes {
        if running && !hot_applies(&hotplug, opt) {
            pend.remove(opt);
            if cfg.contains_key(opt) {
                pdel.insert(opt.clone());
            }
            continue;
        }
        pend.remove(opt);
        pdel.remove(opt);
        let Some(old) = cfg.remove(opt) else { continue };
        if is_unused_key(opt) {
            let d = Drive::parse(&old);
            ctx.st.free_volume(&d.file, &node);
        } else if is_drive_key(opt) {
            let d = Drive::parse(&old);
            if d.is_volume() && owned_by(&d.file, vmid) {
                if force || d.is_cloudinit() {
                    ctx.st.free_volume(&d.file, &node);
                } else {
                    let k = next_unused_key(&cfg);
                    cfg.insert(k, d.file.clone());
                }
            }
        }
    }
    let mut changes: Vec<(String, String)> = vec![];
    for (k, _) in ctx.p.0.iter() {
        if CONFIG_CONTROL_KEYS.contains(&k.as_str()) {
            continue;
        }
        let v = ctx.p.s(k).unwrap_or_default();
        changes.push((k.clone(), v));
    }
    for (k, v) in changes {
        let hot = !running || hot_applies(&hotplug, &k);
        let v = if is_drive_key(&k) {
            let new = process_drive(ctx.st, &node, vmid, &k, &v)?;
            if let (true, Some(old)) = (hot, cfg.get(&k)) {
                let od = Drive::parse(old);
                let nd = Drive::parse(&new);
                if od.file != nd.file && od.is_volume() && owned_by(&od.file, vmid) {
                    if od.is_cloudinit() {
                        ctx.st.free_volume(&od.file, &node);
                    } else {
                        let uk = next_unused_key(&cfg);
                        cfg.insert(uk, od.file.clone());
                    }
                }
            }
            new
        } else if k.starts_with("net") && k[3..].chars().all(|c| c.is_ascii_digit()) {
            process_net(ctx.st, &v)
        } else {
            v
        };
        pdel.remove(&k);
        if hot {
            pend.remove(&k);
            cfg.insert(k, v);
        } else if cfg.get(&k) == Some(&v) {
            pend.remove(&k);
        } else {
            pend.insert(k, v);
        }
    }
    let vm = ctx.st.vm_mut(&node, vmid)?;
    vm.pending = pend;
    vm.pending_delete = pdel;
    vm.config = cfg;
    if sync {
        return Ok(Value::Null);
    }
    let upid = ctx.st.start_task(
        &node,
        "qmconfig",
        &vmid_str(vmid),
        &ctx.user,
        Effect::None,
        None,
    );
    if let Some(delay) = ctx.p.i("background_delay") {
        if ctx.st.task_duration("qmconfig") <= (delay as u64) * 1000 {
            if let Some(i) = ctx.st.tasks.iter().position(|t| t.upid == upid) {
                ctx.st.finish_task(i, None);
            }
            return Ok(Value::Null);
        }
    }
    Ok(json!(upid))
}

fn vm_exists_error(st: &State, vmid: u32) -> Option<ApiError> {
    st.vms
        .get(&vmid)
        .map(|vm| ApiError::internal(format!("VM {vmid} already exists on node '{}'", vm.node)))
}

fn vm_create(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = require_node(ctx)?;
    let vmid = ctx.p.vmid();
    if let Some(keys) = ctx.p.s("sshkeys") {
        validate_sshkeys(&keys)?;
    }
    if let Some(archive) = ctx.p.s("archive") {
        return vm_restore(ctx, &node, vmid, &archive);
    }
    if let Some(e) = vm_exists_error(ctx.st, vmid) {
        return Err(e);
    }
    let mut cfg = BTreeMap::new();
    let mut items: Vec<(String, String)> = vec![];
    for k in ctx.p.0.keys() {
        if CONFIG_CONTROL_KEYS.contains(&k.as_str()) {
            continue;
        }
        items.push((k.clone(), ctx.p.s(k).unwrap_or_default()));
    }
    let mut allocated: Vec<String> = vec![];
    for (k, v) in items {
        let v = if is_drive_key(&k) {
            match process_drive(ctx.st, &node, vmid, &k, &v) {
                Ok(v) => {
                    let d = Drive::parse(&v);
                    if owned_by(&d.file, vmid) {
                        allocated.push(d.file.clone());
                    }
                    v
                }
                Err(e) => {
                    for vol in &allocated {
                        ctx.st.free_volume(vol, &node);
                    }
                    return Err(e);
                }
            }
        } else if k.starts_with("net") && k[3..].chars().all(|c| c.is_ascii_digit()) {
            process_net(ctx.st, &v)
        } else {
            v
        };
        cfg.insert(k, v);
    }
    let uuid = ctx.st.random_uuid();
    cfg.entry("smbios1".into())
        .or_insert(format!("uuid={uuid}"));
    let genid = ctx.st.random_uuid();
    cfg.entry("vmgenid".into()).or_insert(genid);
    cfg.insert(
        "meta".into(),
        format!("creation-qemu=9.2.0,ctime={}", now_unix()),
    );
    cfg.insert("lock".into(), "create".into());
    let mut vm = Vm::new(vmid, &node, cfg);
    vm.pool = ctx.p.s("pool");
    ctx.st.vms.insert(vmid, vm);
    let start = ctx.p.flag("start");
    let upid = ctx.st.start_task(
        &node,
        "qmcreate",
        &vmid_str(vmid),
        &ctx.user,
        Effect::Create { vmid, start },
        Some((vmid, "create")),
    );
    Ok(json!(upid))
}

fn vm_restore(ctx: &mut Ctx, node: &str, vmid: u32, archive: &str) -> ApiResult<Value> {
    let idx = ctx
        .st
        .find_volume(archive, node)
        .filter(|&i| ctx.st.volumes[i].content == "backup")
        .ok_or_else(|| ApiError::internal(format!("volume '{archive}' does not exist")))?;
    let _ = idx;
    if let Some(storage) = ctx.p.s("storage") {
        ctx.st.storage_on(&storage, node)?;
    }
    let force = ctx.p.flag("force");
    if let Some(vm) = ctx.st.vms.get(&vmid) {
        if !force {
            return Err(ApiError::internal(format!(
                "unable to restore VM {vmid} - VM {vmid} already exists on node '{}'",
                vm.node
            )));
        }
        if vm.node != node {
            return Err(ApiError::internal(format!(
                "unable to restore VM {vmid} - VM {vmid} already exists on node '{}'",
                vm.node
            )));
        }
        if vm.running() {
            return Err(ApiError::internal(format!(
                "unable to restore VM {vmid} - VM is running"
            )));
        }
        if let Some(upid) = lock_gate(ctx, vmid, "qmrestore", false)? {
            return Ok(json!(upid));
        }
    } else {
        let mut cfg = BTreeMap::new();
        cfg.insert("lock".to_string(), "create".to_string());
        ctx.st.vms.insert(vmid, Vm::new(vmid, node, cfg));
    }
    let effect = Effect::Restore {
        vmid,
        archive: archive.to_string(),
        storage: ctx.p.s("storage"),
        start: ctx.p.flag("start"),
        unique: ctx.p.flag("unique"),
    };
    let upid = ctx.st.start_task(
        node,
        "qmrestore",
        &vmid_str(vmid),
        &ctx.user,
        effect,
        Some((vmid, "create")),
    );
    Ok(json!(upid))
}

fn vm_clone(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    let newid = ctx.p.i("newid").unwrap_or(0) as u32;
    let src = ctx.st.vm(&node, vmid)?.clone();
    if let Some(e) = vm_exists_error(ctx.st, newid) {
        return Err(e);
    }
    if let Some(upid) = lock_gate(ctx, vmid, "qmclone", false)? {
        return Ok(json!(upid));
    }
    let target = ctx.p.s("target").unwrap_or_else(|| node.clone());
    if !ctx.st.nodes.contains_key(&target) {
        return Err(ApiError::internal(format!(
            "no such cluster node '{target}'"
        )));
    }
    let base_cfg = match ctx.p.s("snapname") {
        Some(s) => src
            .snapshots
            .get(&s)
            .map(|x| x.config.clone())
            .ok_or_else(|| ApiError::internal(format!("snapshot '{s}' does not exist")))?,
        None => src.config.clone(),
    };
    let is_template = src.is_template();
    let full = ctx.p.b("full").unwrap_or(!is_template);
    let storage = ctx.p.s("storage");
    let format = ctx.p.s("format");
    if !full {
        if storage.is_some() {
            return Err(ApiError::internal(
                "parameter 'storage' not allowed for linked clones",
            ));
        }
        if format.is_some() {
            return Err(ApiError::internal(
                "parameter 'format' not allowed for linked clones",
            ));
        }
    }
    if let Some(s) = &storage {
        let st = ctx.st.storage_on(s, &target)?;
        if !st.supports("images") {
            return Err(ApiError::internal(format!(
                "storage '{s}' does not support vm images"
            )));
        }
    }
    // disks
    let mut disks = vec![];
    let mut shared_vm = true;
    for (k, v) in &base_cfg {
        if !is_drive_key(k) {
            continue;
        }
        let d = Drive::parse(v);
        if !d.is_volume() {
            continue;
        }
        if d.is_iso_cdrom() {
            continue; // ISO images are kept as they are
        }
        let src_sid = vol_storage(&d.file).to_string();
        let target_sid = if d.is_cloudinit() {
            src_sid.clone()
        } else {
            storage.clone().unwrap_or_else(|| src_sid.clone())
        };
        let tshared = ctx
            .st
            .storages
            .get(&target_sid)
            .map(|s| s.shared)
            .unwrap_or(false);
        if !tshared {
            shared_vm = false;
        }
        if !full && !d.is_cloudinit() && !is_template {
            return Err(ApiError::internal(format!(
                "Linked clone feature is not supported for drive '{k}'"
            )));
        }
        disks.push(CloneDisk {
            key: k.clone(),
            drive: v.clone(),
            target_storage: target_sid,
            full,
            format: format.clone(),
        });
    }
    if target != node && !shared_vm {
        return Err(ApiError::internal(format!(
            "can't clone VM to node '{target}' (VM uses local storage)"
        )));
    }
    // new config without disks, locked
    let mut cfg: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in &base_cfg {
        if is_drive_key(k) {
            let d = Drive::parse(v);
            if d.is_volume() && !d.is_iso_cdrom() {
                continue;
            }
        }
        if is_unused_key(k)
            || [
                "template",
                "lock",
                "parent",
                "snaptime",
                "vmstate",
                "runningmachine",
                "runningcpu",
            ]
            .contains(&k.as_str())
        {
            continue;
        }
        cfg.insert(k.clone(), v.clone());
    }
    let keys: Vec<String> = cfg.keys().cloned().collect();
    for k in keys {
        if k.starts_with("net") && k[3..].chars().all(|c| c.is_ascii_digit()) {
            if let Some(v) = cfg.get(&k).cloned() {
                let model_mac = v.split(',').next().unwrap_or("");
                let model = model_mac.split('=').next().unwrap_or("virtio").to_string();
                let rest: Vec<&str> = v.split(',').skip(1).collect();
                let mac = ctx.st.random_mac();
                let mut nv = format!("{model}={mac}");
                for r in rest {
                    if !r.starts_with("macaddr=") {
                        nv.push(',');
                        nv.push_str(r);
                    }
                }
                cfg.insert(k, nv);
            }
        }
    }
    let name = ctx
        .p
        .s("name")
        .unwrap_or_else(|| format!("Copy-of-VM-{}", src.name()));
    cfg.insert("name".into(), name);
    if let Some(d) = ctx.p.s("description") {
        cfg.insert("description".into(), d);
    }
    let uuid = ctx.st.random_uuid();
    cfg.insert("smbios1".into(), format!("uuid={uuid}"));
    let genid = ctx.st.random_uuid();
    cfg.insert("vmgenid".into(), genid);
    cfg.insert(
        "meta".into(),
        format!("creation-qemu=9.2.0,ctime={}", now_unix()),
    );
    cfg.insert("lock".into(), "clone".into());
    let mut vm = Vm::new(newid, &target, cfg);
    vm.firewall = src.firewall.clone();
    vm.pool = ctx.p.s("pool");
    ctx.st.vms.insert(newid, vm);
    let upid = ctx.st.start_task(
        &node,
        "qmclone",
        &vmid_str(vmid),
        &ctx.user,
        Effect::Clone { newid, disks },
        Some((newid, "clone")),
    );
    Ok(json!(upid))
}

fn parse_storage_map(spec: Option<String>) -> (Option<String>, BTreeMap<String, String>) {
    let mut default = None;
    let mut map = BTreeMap::new();
    if let Some(spec) = spec {
        for e in split_list(&spec) {
            if e == "1" {
                continue;
            }
            match e.split_once(':') {
                Some((a, b)) => {
                    map.insert(a.to_string(), b.to_string());
                }
                None => default = Some(e),
            }
        }
    }
    (default, map)
}

struct LocalDisk {
    key: Option<String>,
    volid: String,
    size: u64,
    cdrom: bool,
    unused: bool,
}

fn local_disks(st: &State, vm: &Vm) -> Vec<LocalDisk> {
    let mut out = vec![];
    for (k, v) in &vm.config {
        if !(is_drive_key(k) || is_unused_key(k)) {
            continue;
        }
        let d = Drive::parse(v);
        if !d.is_volume() {
            continue;
        }
        let sid = vol_storage(&d.file);
        let shared = st.storages.get(sid).map(|s| s.shared).unwrap_or(false);
        if shared {
            continue;
        }
        let size = st
            .find_volume(&d.file, &vm.node)
            .map(|i| st.volumes[i].size)
            .unwrap_or(0);
        out.push(LocalDisk {
            key: Some(k.clone()),
            volid: d.file.clone(),
            size,
            cdrom: d.is_iso_cdrom(),
            unused: is_unused_key(k),
        });
    }
    out
}

fn vm_migrate_precondition(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vm = ctx.st.vm(&node, ctx.p.vmid())?.clone();
    let disks = local_disks(ctx.st, &vm);
    let mut allowed = vec![];
    let mut not_allowed = Map::new();
    for n in ctx.st.nodes.keys().filter(|n| **n != node) {
        let mut unavailable = vec![];
        for d in &disks {
            let sid = vol_storage(&d.volid).to_string();
            if !ctx
                .st
                .storages
                .get(&sid)
                .map(|s| s.on_node(n))
                .unwrap_or(false)
            {
                unavailable.push(sid);
            }
        }
        if unavailable.is_empty() {
            allowed.push(json!(n));
        } else {
            not_allowed.insert(n.clone(), json!({"unavailable_storages": unavailable}));
        }
    }
    let ld: Vec<Value> = disks
        .iter()
        .map(|d| {
            let mut m = json!({"volid": d.volid, "size": d.size,
                "cdrom": if d.cdrom {1} else {0}, "is_unused": if d.unused {1} else {0},
                "referenced_in_config": if d.unused {0} else {1}});
            if let (Some(k), Some(o)) = (&d.key, m.as_object_mut()) {
                if !d.unused {
                    o.insert("drivename".into(), json!(k));
                }
            }
            m
        })
        .collect();
    Ok(json!({
        "running": if vm.running() {1} else {0},
        "allowed_nodes": allowed,
        "not_allowed_nodes": not_allowed,
        "local_disks": ld,
        "local_resources": [],
        "mapped-resources": [],
        "mapped-resource-info": {},
        "has-dbus-vmstate": 1,
    }))
}

fn vm_migrate(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    let target = ctx.p.s("target").unwrap_or_default();
    let vm = ctx.st.vm(&node, vmid)?.clone();
    if target == node {
        return Err(ApiError::param("target", "target is local node."));
    }
    let Some(tnode) = ctx.st.nodes.get(&target) else {
        return Err(ApiError::internal(format!(
            "no such cluster node '{target}'"
        )));
    };
    if !tnode.online {
        return Err(ApiError::internal(format!(
            "target node '{target}' is not online"
        )));
    }
    if let Some(upid) = lock_gate(ctx, vmid, "qmigrate", false)? {
        return Ok(json!(upid));
    }
    if vm.running() && !ctx.p.flag("online") {
        return Err(ApiError::internal(
            "can't migrate running VM without --online",
        ));
    }
    let (default, map) = parse_storage_map(ctx.p.s("targetstorage"));
    let mut storage_map = BTreeMap::new();
    for d in local_disks(ctx.st, &vm) {
        let sid = vol_storage(&d.volid).to_string();
        if d.cdrom {
            let available = ctx
                .st
                .storages
                .get(&sid)
                .map(|s| s.on_node(&target))
                .unwrap_or(false);
            if !available {
                return Err(ApiError::internal(format!(
                    "can't migrate local cdrom drive (referenced in '{}')",
                    d.key.unwrap_or_default()
                )));
            }
            continue;
        }
        let tsid = map
            .get(&sid)
            .cloned()
            .or_else(|| default.clone())
            .unwrap_or_else(|| sid.clone());
        let ts = ctx.st.storage_on(&tsid, &target)?;
        if !ts.supports("images") {
            return Err(ApiError::internal(format!(
                "storage '{tsid}' does not support vm images"
            )));
        }
        storage_map.insert(sid, tsid);
    }
    let upid = ctx.st.start_task(
        &node,
        "qmigrate",
        &vmid_str(vmid),
        &ctx.user,
        Effect::Migrate {
            vmid,
            target,
            storage_map,
        },
        Some((vmid, "migrate")),
    );
    Ok(json!(upid))
}

fn vm_resize(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    ctx.st.vm(&node, vmid)?;
    let skiplock = check_skiplock(ctx)?;
    if let Some(upid) = lock_gate(ctx, vmid, "resize", skiplock)? {
        return Ok(json!(upid));
    }
    let disk = ctx.p.s("disk").unwrap_or_default();
    let size = ctx.p.s("size").unwrap_or_default();
    let upid = ctx.st.start_task(
        &node,
        "resize",
        &vmid_str(vmid),
        &ctx.user,
        Effect::Resize { vmid, disk, size },
        None,
    );
    Ok(json!(upid))
}

fn vm_template(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    let vm = ctx.st.vm(&node, vmid)?.clone();
    if vm.is_template() {
        return Err(ApiError::internal(
            "you can't convert a template to a template",
        ));
    }
    if vm.running() {
        return Err(ApiError::internal(
            "you can't convert a VM to template if VM is running",
        ));
    }
    if let Some(upid) = lock_gate(ctx, vmid, "qmtemplate", false)? {
        return Ok(json!(upid));
    }
    let mut cfg = vm.config.clone();
    for (k, v) in vm.config.iter() {
        if !is_drive_key(k) {
            continue;
        }
        let mut d = Drive::parse(v);
        if !d.is_volume() || d.is_cdrom() || !owned_by(&d.file, vmid) {
            continue;
        }
        let old = d.file.clone();
        let new = old.replacen(
            &format!("vm-{vmid}-disk-"),
            &format!("base-{vmid}-disk-"),
            1,
        );
        if let Some(i) = ctx.st.find_volume(&old, &node) {
            ctx.st.volumes[i].volid = new.clone();
        }
        d.file = new;
        cfg.insert(k.clone(), d.print());
    }
    cfg.insert("template".into(), "1".into());
    ctx.st.vm_mut(&node, vmid)?.config = cfg;
    let upid = ctx.st.start_task(
        &node,
        "qmtemplate",
        &vmid_str(vmid),
        &ctx.user,
        Effect::None,
        None,
    );
    Ok(json!(upid))
}

/// Lock-file wait of `lock_config` (10 s in PVE), scaled.
const FLOCK_WAIT_MS: u64 = 10_000;

fn flock_msg(vmid: u32) -> String {
    format!("can't lock file '/var/lock/qemu-server/lock-{vmid}.conf' - got timeout")
}

/// A running shutdown/reboot task of `vmid` (its worker holds the config file lock).
fn running_shutdown(st: &State, vmid: u32) -> Option<usize> {
    let id = vmid.to_string();
    st.tasks.iter().position(|t| {
        t.status == TaskState::Running
            && t.id == id
            && (t.ttype == "qmshutdown" || t.ttype == "qmreboot")
    })
}

fn vm_power(ctx: &mut Ctx, ttype: &str) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    let vm = ctx.st.vm(&node, vmid)?.clone();
    let skiplock = check_skiplock(ctx)?;
    let id = vmid_str(vmid);
    // HA-managed guests are started/stopped through the HA stack
    if vm.ha.is_some() && matches!(ttype, "qmstart" | "qmstop" | "qmshutdown") {
        let (htype, state, timeout) = match ttype {
            "qmstart" => ("hastart", "started", None),
            "qmstop" => ("hastop", "stopped", None),
            _ => (
                "hastop",
                "stopped",
                Some(ctx.p.i("timeout").map(|t| t.max(0) as u64).unwrap_or(60)),
            ),
        };
        let upid = ctx.st.start_task(
            &node,
            htype,
            &id,
            &ctx.user,
            Effect::HaRequest {
                vmid,
                state: state.into(),
                timeout,
            },
            None,
        );
        return Ok(json!(upid));
    }
    if ttype == "qmreboot" && !vm.running() {
        return Err(ApiError::internal(format!("VM {vmid} not running")));
    }
    if let Some(upid) = lock_gate(ctx, vmid, ttype, skiplock)? {
        return Ok(json!(upid));
    }
    let fail = |ctx: &mut Ctx, msg: &str| -> ApiResult<Value> {
        let u = ctx.st.failing_task(&node, ttype, &id, &ctx.user, msg);
        Ok(json!(u))
    };
    match ttype {
        "qmstart" => {
            if vm.is_template() {
                return fail(ctx, "you can't start a vm if it's a template");
            }
            if vm.running() {
                return fail(ctx, &format!("VM {vmid} already running"));
            }
            let upid =
                ctx.st
                    .start_task(&node, ttype, &id, &ctx.user, Effect::Start { vmid }, None);
            Ok(json!(upid))
        }
        "qmstop" => {
            let mut ms = ctx.st.task_duration(ttype);
            if let Some(i) = running_shutdown(ctx.st, vmid) {
                if ctx.p.flag("overrule-shutdown") {
                    // abort_guest_tasks: the shutdown worker is killed
                    ctx.st.finish_task(i, Some("interrupted by signal".into()));
                } else {
                    // the shutdown worker holds the config file lock
                    let left = ctx.st.tasks[i]
                        .end_at
                        .map(|e| e.saturating_duration_since(std::time::Instant::now()))
                        .unwrap_or_default()
                        .as_millis() as u64;
                    let wait = ctx.st.scaled(FLOCK_WAIT_MS);
                    if left > wait {
                        let upid = ctx.st.start_task_ms(
                            &node,
                            ttype,
                            &id,
                            &ctx.user,
                            Effect::None,
                            None,
                            wait,
                        );
                        if let Some(t) = ctx.st.tasks.last_mut() {
                            t.forced_error = Some(flock_msg(vmid));
                        }
                        return Ok(json!(upid));
                    }
                    ms += left;
                }
            }
            let upid = ctx.st.start_task_ms(
                &node,
                ttype,
                &id,
                &ctx.user,
                Effect::Stop { vmid },
                None,
                ms,
            );
            Ok(json!(upid))
        }
        "qmshutdown" | "qmreboot" => {
            let timeout = ctx.p.i("timeout").map(|t| t.max(0) as u64).unwrap_or(60);
            let (ms, completes) = if vm.running() {
                ctx.st.shutdown_plan(&vm, timeout)
            } else {
                (ctx.st.task_duration("qmstop"), true)
            };
            let effect = if ttype == "qmreboot" {
                Effect::Reboot { vmid, completes }
            } else {
                Effect::Shutdown {
                    vmid,
                    completes,
                    force: ctx.p.flag("forceStop"),
                }
            };
            let upid = ctx
                .st
                .start_task_ms(&node, ttype, &id, &ctx.user, effect, None, ms);
            Ok(json!(upid))
        }
        "qmreset" => {
            if !vm.running() {
                return fail(ctx, &format!("VM {vmid} not running"));
            }
            let upid = ctx.st.start_task(
                &node,
                ttype,
                &id,
                &ctx.user,
                Effect::Reboot {
                    vmid,
                    completes: true,
                },
                None,
            );
            Ok(json!(upid))
        }
        _ => {
            let upid = ctx
                .st
                .start_task(&node, ttype, &id, &ctx.user, Effect::None, None);
            Ok(json!(upid))
        }
    }
}

fn vm_destroy(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    let vm = ctx.st.vm(&node, vmid)?.clone();
    let skiplock = check_skiplock(ctx)?;
    let purge = ctx.p.flag("purge");
    // PVE's early checks, before the worker is forked
    if vm
        .config
        .get("protection")
        .map(|v| v == "1")
        .unwrap_or(false)
    {
        return Err(ApiError::internal(format!(
            "can't remove VM {vmid} - protection mode enabled"
        )));
    }
    if vm.ha.is_some() && !purge {
        return Err(ApiError::internal(format!(
            "unable to remove VM {vmid} - used in HA resources and purge parameter not set."
        )));
    }
    if vm.running() {
        return Err(ApiError::internal(format!(
            "VM {vmid} is running - destroy failed"
        )));
    }
    let id = vmid_str(vmid);
    // the config file lock and the config lock are taken inside the worker
    if vm.flock {
        let wait = ctx.st.scaled(FLOCK_WAIT_MS);
        let upid =
            ctx.st
                .start_task_ms(&node, "qmdestroy", &id, &ctx.user, Effect::None, None, wait);
        if let Some(t) = ctx.st.tasks.last_mut() {
            t.forced_error = Some(flock_msg(vmid));
        }
        return Ok(json!(upid));
    }
    let upid = ctx.st.start_task(
        &node,
        "qmdestroy",
        &id,
        &ctx.user,
        Effect::Destroy {
            vmid,
            unreferenced: ctx.p.flag("destroy-unreferenced-disks"),
            purge,
            skiplock,
        },
        None,
    );
    Ok(json!(upid))
}

fn vm_rrddata(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vm = ctx.st.vm(&node, ctx.p.vmid())?.clone();
    let tf = ctx.p.s("timeframe").unwrap_or_else(|| "hour".into());
    let step: u64 = match tf.as_str() {
        "hour" => 60,
        "day" => 1800,
        "week" => 10800,
        "month" => 43200,
        _ => 604_800,
    };
    let max = ctx.p.s("cf").as_deref() == Some("MAX");
    let now = now_unix() / step * step;
    let maxmem = vm.memory_bytes();
    let maxdisk = vm.maxdisk();
    let cpus = vm.cpus();
    let running = vm.running();
    let mut out = vec![];
    for i in 0..70u64 {
        let t = now - (69 - i) * step;
        if running {
            let wobble = ((t / step) % 7) as f64 / 100.0;
            let f = if max { 1.5 } else { 1.0 };
            out.push(json!({
                "time": t, "maxcpu": cpus, "cpu": (0.02 + wobble) * f,
                "maxmem": maxmem, "mem": (maxmem as f64 * (0.35 + wobble) * f) as u64,
                "memhost": (maxmem as f64 * (0.35 + wobble)) as u64,
                "maxdisk": maxdisk, "disk": 0,
                "netin": 1800.0 * f + wobble * 1000.0, "netout": 900.0 * f + wobble * 500.0,
                "diskread": 4096.0 * f, "diskwrite": 8192.0 * f,
                "pressurecpusome": 0, "pressurecpufull": 0, "pressureiosome": 0,
                "pressureiofull": 0, "pressurememorysome": 0, "pressurememoryfull": 0
            }));
        } else {
            out.push(json!({"time": t, "maxcpu": cpus, "maxmem": maxmem, "maxdisk": maxdisk,
                "cpu": 0, "mem": 0, "disk": 0, "netin": 0, "netout": 0, "diskread": 0, "diskwrite": 0}));
        }
    }
    Ok(Value::Array(out))
}

// -------------------------------------------------------------------- agent

/// `agent: 1` / `agent: enabled=1,...`
pub fn agent_configured(vm: &Vm) -> bool {
    agent_enabled(vm)
}

/// `agent: 1` / `agent: enabled=1,...`
fn agent_enabled(vm: &Vm) -> bool {
    vm.config
        .get("agent")
        .map(|a| {
            a.split(',')
                .any(|p| p == "1" || p == "enabled=1" || p == "enabled=yes" || p == "enabled=true")
        })
        .unwrap_or(false)
}

/// Interfaces the guest agent reports: loopback plus one per netN, with the
/// addresses of the matching ipconfigN (unless a test pinned its own list).
fn agent_interfaces(vm: &Vm) -> Value {
    if let Some(v) = &vm.agent_interfaces {
        return v.clone();
    }
    let mut out = vec![json!({
        "name": "lo", "hardware-address": "00:00:00:00:00:00",
        "ip-addresses": [
            {"ip-address": "127.0.0.1", "ip-address-type": "ipv4", "prefix": 8},
            {"ip-address": "::1", "ip-address-type": "ipv6", "prefix": 128}
        ],
        "statistics": {"rx-bytes": 0, "tx-bytes": 0, "rx-packets": 0, "tx-packets": 0,
            "rx-errs": 0, "tx-errs": 0, "rx-dropped": 0, "tx-dropped": 0}
    })];
    for (i, (k, v)) in vm
        .config
        .iter()
        .filter(|(k, _)| k.starts_with("net") && k[3..].chars().all(|c| c.is_ascii_digit()))
        .enumerate()
    {
        let idx = &k[3..];
        let mac = v
            .split(',')
            .next()
            .and_then(|p| p.split_once('='))
            .map(|(_, m)| m.to_ascii_lowercase())
            .unwrap_or_default();
        let mut addrs = vec![];
        if let Some(ipc) = vm.config.get(&format!("ipconfig{idx}")) {
            for part in ipc.split(',') {
                let (key, val) = part.split_once('=').unwrap_or((part, ""));
                let (kind, ok) = match key {
                    "ip" => ("ipv4", val.contains('/')),
                    "ip6" => ("ipv6", val.contains('/')),
                    _ => ("", false),
                };
                if ok {
                    let (a, p) = val.split_once('/').unwrap_or((val, "0"));
                    addrs.push(json!({"ip-address": a, "ip-address-type": kind,
                        "prefix": p.parse::<u32>().unwrap_or(0)}));
                }
            }
        }
        out.push(json!({
            "name": format!("eth{i}"), "hardware-address": mac, "ip-addresses": addrs,
            "statistics": {"rx-bytes": 1024, "tx-bytes": 2048, "rx-packets": 10, "tx-packets": 20,
                "rx-errs": 0, "tx-errs": 0, "rx-dropped": 0, "tx-dropped": 0}
        }));
    }
    Value::Array(out)
}

fn agent_call(ctx: &mut Ctx, cmd: &str) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    let vm = ctx.st.vm(&node, vmid)?.clone();
    if !agent_enabled(&vm) {
        return Err(ApiError::internal("No QEMU guest agent configured"));
    }
    if !vm.running() {
        return Err(ApiError::internal(format!("VM {vmid} is not running")));
    }
    if vm.agent_down {
        return Err(ApiError::internal("QEMU guest agent is not running"));
    }
    let result = match cmd {
        "network-get-interfaces" => agent_interfaces(&vm),
        "get-osinfo" => json!({"id": "debian", "name": "Debian GNU/Linux",
            "pretty-name": "Debian GNU/Linux 12 (bookworm)", "version": "12 (bookworm)",
            "version-id": "12", "kernel-release": "6.1.0-27-amd64",
            "kernel-version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1", "machine": "x86_64"}),
        "get-host-name" => json!({"host-name": vm.name()}),
        "info" => json!({"version": "7.2.15", "supported_commands": [
            {"name": "guest-ping", "enabled": true, "success-response": true},
            {"name": "guest-network-get-interfaces", "enabled": true, "success-response": true},
            {"name": "guest-set-user-password", "enabled": true, "success-response": true}
        ]}),
        "shutdown" => {
            if let Ok(vm) = ctx.st.vm_mut(&node, vmid) {
                vm.status = "stopped".into();
                vm.started = None;
                vm.pid = None;
            }
            json!({})
        }
        _ => json!({}),
    };
    Ok(json!({ "result": result }))
}

// ---------------------------------------------------------------- snapshots

fn snapshot_get(ctx: &mut Ctx) -> ApiResult<Snapshot> {
    let node = ctx.p.node();
    let vm = ctx.st.vm(&node, ctx.p.vmid())?;
    let name = ctx.p.s("snapname").unwrap_or_default();
    vm.snapshots
        .get(&name)
        .cloned()
        .ok_or_else(|| ApiError::internal(format!("snapshot '{name}' does not exist")))
}

fn snapshot_list(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vm = ctx.st.vm(&node, ctx.p.vmid())?;
    let mut out: Vec<Value> = vm
        .snapshots
        .values()
        .map(|s| {
            let mut m = json!({"name": s.name, "description": s.description,
                "snaptime": s.snaptime, "vmstate": if s.vmstate {1} else {0}});
            if let (Some(p), Some(o)) = (&s.parent, m.as_object_mut()) {
                o.insert("parent".into(), json!(p));
            }
            m
        })
        .collect();
    let mut cur = json!({"name": "current", "description": "You are here!",
        "digest": config_digest(&vm.config), "running": if vm.running() {1} else {0}});
    if let (Some(p), Some(o)) = (vm.config.get("parent"), cur.as_object_mut()) {
        o.insert("parent".into(), json!(p));
    }
    out.push(cur);
    Ok(Value::Array(out))
}

/// Why a VM's disks cannot be snapshotted (PVE's `has_feature('snapshot')`).
fn snapshot_unsupported(st: &State, vm: &Vm) -> bool {
    vm.config.iter().any(|(k, v)| {
        if !is_drive_key(k) {
            return false;
        }
        let d = Drive::parse(v);
        if !d.is_volume() || d.is_cdrom() {
            return false;
        }
        let sid = vol_storage(&d.file);
        match st.storages.get(sid) {
            Some(s) if s.is_file() => !d.file.ends_with(".qcow2"),
            Some(s) => matches!(s.stype.as_str(), "lvm" | "iscsi" | "iscsidirect"),
            None => true,
        }
    })
}

/// A task that fails after the usual duration (a check PVE makes in the worker).
fn failing(ctx: &mut Ctx, ttype: &str, vmid: u32, msg: &str) -> ApiResult<Value> {
    let node = ctx.p.node();
    let upid = ctx
        .st
        .failing_task(&node, ttype, &vmid_str(vmid), &ctx.user, msg);
    Ok(json!(upid))
}

/// The config lock check made inside a snapshot worker.
fn worker_lock_error(vm: &Vm) -> Option<String> {
    if vm.flock {
        return Some(format!(
            "can't lock file '/var/lock/qemu-server/lock-{}.conf' - got timeout",
            vm.vmid
        ));
    }
    vm.lock().map(|l| format!("VM is locked ({l})"))
}

fn snapshot_create(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    let name = ctx.p.s("snapname").unwrap_or_default();
    let vm = ctx.st.vm(&node, vmid)?.clone();
    // checked before the worker is forked (plain die → 500)
    if name == "current" {
        return Err(ApiError::internal(
            "unable to use snapshot name 'current' (reserved name)",
        ));
    }
    if name.eq_ignore_ascii_case("pending") {
        return Err(ApiError::internal(
            "unable to use snapshot name 'pending' (reserved name)",
        ));
    }
    // checked in the worker (snapshot_prepare)
    if let Some(e) = worker_lock_error(&vm) {
        return failing(ctx, "qmsnapshot", vmid, &e);
    }
    if vm.snapshots.contains_key(&name) {
        return failing(
            ctx,
            "qmsnapshot",
            vmid,
            &format!("snapshot name '{name}' already used"),
        );
    }
    if vm.is_template() {
        return failing(
            ctx,
            "qmsnapshot",
            vmid,
            "you can't take a snapshot if it's a template",
        );
    }
    if snapshot_unsupported(ctx.st, &vm) {
        return failing(ctx, "qmsnapshot", vmid, "snapshot feature is not available");
    }
    let effect = Effect::Snapshot {
        vmid,
        name: name.clone(),
        description: ctx.p.s("description").unwrap_or_default(),
        vmstate: ctx.p.flag("vmstate"),
    };
    let upid = ctx.st.start_task(
        &node,
        "qmsnapshot",
        &vmid_str(vmid),
        &ctx.user,
        effect,
        Some((vmid, "snapshot")),
    );
    Ok(json!(upid))
}

fn snapshot_delete(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    let name = ctx.p.s("snapname").unwrap_or_default();
    let vm = ctx.st.vm(&node, vmid)?.clone();
    // all checks run in the worker
    let force = ctx.p.flag("force");
    if !force {
        if let Some(e) = worker_lock_error(&vm) {
            return failing(ctx, "qmdelsnapshot", vmid, &e);
        }
    }
    if !vm.snapshots.contains_key(&name) {
        return failing(
            ctx,
            "qmdelsnapshot",
            vmid,
            &format!("snapshot '{name}' does not exist"),
        );
    }
    let upid = ctx.st.start_task(
        &node,
        "qmdelsnapshot",
        &vmid_str(vmid),
        &ctx.user,
        Effect::DelSnapshot { vmid, name },
        Some((vmid, "snapshot-delete")),
    );
    Ok(json!(upid))
}

fn snapshot_rollback(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    let name = ctx.p.s("snapname").unwrap_or_default();
    let vm = ctx.st.vm(&node, vmid)?.clone();
    if let Some(e) = worker_lock_error(&vm) {
        return failing(ctx, "qmrollback", vmid, &e);
    }
    if !vm.snapshots.contains_key(&name) {
        return failing(
            ctx,
            "qmrollback",
            vmid,
            &format!("snapshot '{name}' does not exist"),
        );
    }
    let upid = ctx.st.start_task(
        &node,
        "qmrollback",
        &vmid_str(vmid),
        &ctx.user,
        Effect::Rollback {
            vmid,
            name,
            start: ctx.p.flag("start"),
        },
        Some((vmid, "rollback")),
    );
    Ok(json!(upid))
}

fn snapshot_config_get(ctx: &mut Ctx) -> ApiResult<Value> {
    let s = snapshot_get(ctx)?;
    let mut m = typed_config(&s.config);
    m.insert("snaptime".into(), json!(s.snaptime));
    m.insert("description".into(), json!(s.description));
    if let Some(p) = s.parent {
        m.insert("parent".into(), json!(p));
    }
    Ok(Value::Object(m))
}

fn snapshot_config_put(ctx: &mut Ctx) -> ApiResult<Value> {
    let s = snapshot_get(ctx)?;
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    if let Some(d) = ctx.p.s("description") {
        if let Some(snap) = ctx.st.vm_mut(&node, vmid)?.snapshots.get_mut(&s.name) {
            snap.description = d;
        }
    }
    Ok(Value::Null)
}

// ----------------------------------------------------------------- firewall

fn fw_digest(fw: &Firewall) -> String {
    let text = serde_json::to_string(fw).unwrap_or_default();
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn fw_check_digest(ctx: &Ctx, fw: &Firewall) -> ApiResult<()> {
    if let Some(d) = ctx.p.s("digest") {
        if d != fw_digest(fw) {
            return Err(ApiError::internal(
                "detected modified configuration - file changed by other user? Try again.",
            ));
        }
    }
    Ok(())
}

fn fw_mut<'a>(ctx: &'a mut Ctx) -> ApiResult<&'a mut Firewall> {
    let node = ctx.p.node();
    let vmid = ctx.p.vmid();
    Ok(&mut ctx.st.vm_mut(&node, vmid)?.firewall)
}

fn fw_get(ctx: &Ctx) -> ApiResult<Firewall> {
    Ok(ctx.st.vm(&ctx.p.node(), ctx.p.vmid())?.firewall.clone())
}

const FW_OPTION_KEYS: &[&str] = &[
    "dhcp",
    "enable",
    "ipfilter",
    "log_level_in",
    "log_level_out",
    "macfilter",
    "ndp",
    "policy_in",
    "policy_out",
    "radv",
];

fn fw_options_get(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    let mut m: Map<String, Value> = fw.options.clone().into_iter().collect();
    m.insert("digest".into(), json!(fw_digest(&fw)));
    Ok(Value::Object(m))
}

fn fw_options_put(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    fw_check_digest(ctx, &fw)?;
    let deletes = ctx
        .p
        .s("delete")
        .map(|d| split_list(&d))
        .unwrap_or_default();
    let mut sets = vec![];
    for k in FW_OPTION_KEYS {
        if let Some(v) = ctx.p.s(k) {
            let v = match v.parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => json!(v),
            };
            sets.push((k.to_string(), v));
        }
    }
    let fw = fw_mut(ctx)?;
    for d in deletes {
        fw.options.remove(&d);
    }
    for (k, v) in sets {
        fw.options.insert(k, v);
    }
    Ok(Value::Null)
}

const RULE_KEYS: &[&str] = &[
    "type",
    "action",
    "enable",
    "source",
    "dest",
    "proto",
    "dport",
    "sport",
    "comment",
    "macro",
    "iface",
    "log",
    "icmp-type",
];

fn rule_json(rule: &Map<String, Value>, pos: usize, digest: &str) -> Value {
    let mut m = rule.clone();
    m.insert("pos".into(), json!(pos));
    m.insert("digest".into(), json!(digest));
    if !m.contains_key("ipversion") {
        let addr = m
            .get("source")
            .or_else(|| m.get("dest"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if addr.contains(':') {
            m.insert("ipversion".into(), json!(6));
        } else if addr
            .chars()
            .next()
            .map(|c| c.is_ascii_digit())
            .unwrap_or(false)
        {
            m.insert("ipversion".into(), json!(4));
        }
    }
    Value::Object(m)
}

fn fw_rules_get(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    let d = fw_digest(&fw);
    Ok(Value::Array(
        fw.rules
            .iter()
            .enumerate()
            .map(|(i, r)| rule_json(r, i, &d))
            .collect(),
    ))
}

fn rule_from_params(p: &Params, base: Map<String, Value>) -> Map<String, Value> {
    let mut r = base;
    for k in RULE_KEYS {
        if let Some(v) = p.s(k) {
            let val = if *k == "enable" {
                json!(v.parse::<i64>().unwrap_or(0))
            } else {
                json!(v)
            };
            r.insert(k.to_string(), val);
        }
    }
    r
}

fn fw_rule_create(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    fw_check_digest(ctx, &fw)?;
    let rule = rule_from_params(ctx.p, Map::new());
    let pos = ctx.p.i("pos").map(|x| x as usize);
    let fw = fw_mut(ctx)?;
    let at = pos.unwrap_or(0).min(fw.rules.len());
    fw.rules.insert(at, rule);
    Ok(Value::Null)
}

fn rule_pos(ctx: &Ctx, fw: &Firewall) -> ApiResult<usize> {
    let pos = ctx.p.i("pos").unwrap_or(-1);
    if pos < 0 || pos as usize >= fw.rules.len() {
        return Err(ApiError::param("pos", format!("no rule at position {pos}")));
    }
    Ok(pos as usize)
}

fn fw_rule_get(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    let pos = rule_pos(ctx, &fw)?;
    Ok(rule_json(&fw.rules[pos], pos, &fw_digest(&fw)))
}

fn fw_rule_update(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    fw_check_digest(ctx, &fw)?;
    let pos = rule_pos(ctx, &fw)?;
    let moveto = ctx.p.i("moveto");
    let deletes = ctx
        .p
        .s("delete")
        .map(|d| split_list(&d))
        .unwrap_or_default();
    let mut rule = rule_from_params(ctx.p, fw.rules[pos].clone());
    for d in deletes {
        rule.remove(&d);
    }
    let fw = fw_mut(ctx)?;
    if let Some(to) = moveto {
        let r = fw.rules.remove(pos);
        let to = (to as usize).min(fw.rules.len());
        let to = if to > pos { to - 1 } else { to };
        fw.rules.insert(to.min(fw.rules.len()), r);
    } else {
        fw.rules[pos] = rule;
    }
    Ok(Value::Null)
}

fn fw_rule_delete(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    fw_check_digest(ctx, &fw)?;
    let pos = rule_pos(ctx, &fw)?;
    fw_mut(ctx)?.rules.remove(pos);
    Ok(Value::Null)
}

fn fw_ipset_list(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    let d = fw_digest(&fw);
    Ok(Value::Array(
        fw.ipsets
            .iter()
            .map(|(n, s)| {
                let mut m = json!({"name": n, "digest": d});
                if let (Some(c), Some(o)) = (&s.comment, m.as_object_mut()) {
                    o.insert("comment".into(), json!(c));
                }
                m
            })
            .collect(),
    ))
}

fn fw_ipset_create(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    fw_check_digest(ctx, &fw)?;
    let name = ctx.p.s("name").unwrap_or_default();
    let comment = ctx.p.s("comment");
    let rename = ctx.p.s("rename");
    let fw = fw_mut(ctx)?;
    if let Some(old) = rename {
        let set = fw
            .ipsets
            .remove(&old)
            .ok_or_else(|| ApiError::internal(format!("no such IPSet '{old}'")))?;
        if fw.ipsets.contains_key(&name) {
            fw.ipsets.insert(old, set);
            return Err(ApiError::internal(format!("IPSet '{name}' already exists")));
        }
        let mut set = set;
        if comment.is_some() {
            set.comment = comment;
        }
        fw.ipsets.insert(name, set);
        return Ok(Value::Null);
    }
    if fw.ipsets.contains_key(&name) {
        return Err(ApiError::internal(format!("IPSet '{name}' already exists")));
    }
    fw.ipsets.insert(
        name,
        IpSet {
            comment,
            entries: vec![],
        },
    );
    Ok(Value::Null)
}

fn ipset_name(ctx: &Ctx, fw: &Firewall) -> ApiResult<String> {
    let name = ctx.p.s("name").unwrap_or_default();
    if !fw.ipsets.contains_key(&name) {
        return Err(ApiError::internal(format!("no such IPSet '{name}'")));
    }
    Ok(name)
}

fn fw_ipset_get(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    let name = ipset_name(ctx, &fw)?;
    let d = fw_digest(&fw);
    Ok(Value::Array(
        fw.ipsets[&name]
            .entries
            .iter()
            .map(|e| {
                let mut m = json!({"cidr": e.cidr, "digest": d});
                if let Some(o) = m.as_object_mut() {
                    if let Some(c) = &e.comment {
                        o.insert("comment".into(), json!(c));
                    }
                    if e.nomatch {
                        o.insert("nomatch".into(), json!(1));
                    }
                }
                m
            })
            .collect(),
    ))
}

fn fw_ipset_add(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    fw_check_digest(ctx, &fw)?;
    let name = ipset_name(ctx, &fw)?;
    let cidr = ctx.p.s("cidr").unwrap_or_default();
    let comment = ctx.p.s("comment");
    let nomatch = ctx.p.flag("nomatch");
    let fw = fw_mut(ctx)?;
    let set = fw
        .ipsets
        .get_mut(&name)
        .ok_or_else(|| ApiError::internal(format!("no such IPSet '{name}'")))?;
    if set.entries.iter().any(|e| e.cidr == cidr) {
        return Err(ApiError::internal(format!(
            "address '{cidr}' already exists"
        )));
    }
    set.entries.push(IpSetEntry {
        cidr,
        comment,
        nomatch,
    });
    Ok(Value::Null)
}

fn fw_ipset_delete(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    fw_check_digest(ctx, &fw)?;
    let name = ipset_name(ctx, &fw)?;
    let force = ctx.p.flag("force");
    if !fw.ipsets[&name].entries.is_empty() && !force {
        return Err(ApiError::internal(format!("IPSet '{name}' is not empty")));
    }
    fw_mut(ctx)?.ipsets.remove(&name);
    Ok(Value::Null)
}

fn ip_index(ctx: &Ctx, fw: &Firewall, name: &str) -> ApiResult<usize> {
    let cidr = ctx.p.s("cidr").unwrap_or_default();
    fw.ipsets[name]
        .entries
        .iter()
        .position(|e| e.cidr == cidr)
        .ok_or_else(|| ApiError::internal("no such IP/Network"))
}

fn fw_ip_get(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    let name = ipset_name(ctx, &fw)?;
    let i = ip_index(ctx, &fw, &name)?;
    let e = &fw.ipsets[&name].entries[i];
    let mut m = json!({"cidr": e.cidr, "digest": fw_digest(&fw)});
    if let Some(o) = m.as_object_mut() {
        if let Some(c) = &e.comment {
            o.insert("comment".into(), json!(c));
        }
        if e.nomatch {
            o.insert("nomatch".into(), json!(1));
        }
    }
    Ok(m)
}

fn fw_ip_update(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    fw_check_digest(ctx, &fw)?;
    let name = ipset_name(ctx, &fw)?;
    let i = ip_index(ctx, &fw, &name)?;
    let comment = ctx.p.s("comment");
    let nomatch = ctx.p.b("nomatch");
    let fw = fw_mut(ctx)?;
    if let Some(set) = fw.ipsets.get_mut(&name) {
        let e = &mut set.entries[i];
        e.comment = comment;
        if let Some(n) = nomatch {
            e.nomatch = n;
        }
    }
    Ok(Value::Null)
}

fn fw_ip_delete(ctx: &mut Ctx) -> ApiResult<Value> {
    let fw = fw_get(ctx)?;
    fw_check_digest(ctx, &fw)?;
    let name = ipset_name(ctx, &fw)?;
    let i = ip_index(ctx, &fw, &name)?;
    if let Some(set) = fw_mut(ctx)?.ipsets.get_mut(&name) {
        set.entries.remove(i);
    }
    Ok(Value::Null)
}

// -------------------------------------------------------------------- tasks

fn task_lookup(ctx: &Ctx) -> ApiResult<Task> {
    let upid = ctx.p.s("upid").unwrap_or_default();
    let node = ctx.p.node();
    if parse_upid(&upid).is_none() {
        return Err(ApiError::param("upid", "unable to parse worker upid"));
    }
    match ctx.st.task(&upid) {
        Some(t) if t.node == node => Ok(t.clone()),
        _ => Err(ApiError::param("upid", "no such task")),
    }
}

fn task_status(ctx: &mut Ctx) -> ApiResult<Value> {
    let t = task_lookup(ctx)?;
    let mut m = parse_upid(&t.upid).unwrap_or_default();
    m.insert(
        "status".into(),
        json!(if t.status == TaskState::Running {
            "running"
        } else {
            "stopped"
        }),
    );
    if let Some(e) = &t.exitstatus {
        m.insert("exitstatus".into(), json!(e));
    }
    Ok(Value::Object(m))
}

fn task_log_lines(t: &Task) -> Vec<String> {
    let mut lines = vec![];
    match t.ttype.as_str() {
        "qmigrate" => lines.push(format!(
            "{} starting migration of VM {}",
            crate::http::http_date(t.starttime),
            t.id
        )),
        "vzdump" => lines.push("INFO: starting new backup job".into()),
        _ => {}
    }
    lines.extend(t.log.iter().cloned());
    if t.status == TaskState::Running {
        lines.retain(|l| !l.starts_with("TASK "));
    }
    lines
}

fn task_log(ctx: &mut Ctx) -> ApiResult<Value> {
    let t = task_lookup(ctx)?;
    let start = ctx.p.i("start").unwrap_or(0).max(0) as usize;
    let limit = ctx.p.i("limit").unwrap_or(50).max(0) as usize;
    let lines = task_log_lines(&t);
    let out: Vec<Value> = lines
        .iter()
        .enumerate()
        .skip(start)
        .take(if limit == 0 { usize::MAX } else { limit })
        .map(|(i, l)| json!({"n": i + 1, "t": l}))
        .collect();
    Ok(Value::Array(out))
}

fn task_stop(ctx: &mut Ctx) -> ApiResult<Value> {
    let t = task_lookup(ctx)?;
    if t.status == TaskState::Running {
        if let Some(i) = ctx.st.tasks.iter().position(|x| x.upid == t.upid) {
            ctx.st.finish_task(i, Some("interrupted by signal".into()));
        }
    }
    Ok(Value::Null)
}

fn task_list(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = ctx.p.node();
    let source = ctx.p.s("source").unwrap_or_else(|| "archive".into());
    let vmid = ctx.p.i("vmid").map(|v| v.to_string());
    let typefilter = ctx.p.s("typefilter");
    let errors = ctx.p.flag("errors");
    let start = ctx.p.i("start").unwrap_or(0).max(0) as usize;
    let limit = ctx.p.i("limit").unwrap_or(50).max(0) as usize;
    let mut list: Vec<&Task> = ctx
        .st
        .tasks
        .iter()
        .filter(|t| t.node == node)
        .filter(|t| match source.as_str() {
            "active" => t.status == TaskState::Running,
            "all" => true,
            _ => t.status == TaskState::Stopped,
        })
        .filter(|t| vmid.as_ref().map(|v| *v == t.id).unwrap_or(true))
        .filter(|t| typefilter.as_ref().map(|f| *f == t.ttype).unwrap_or(true))
        .filter(|t| !errors || t.exitstatus.as_deref().map(|e| e != "OK").unwrap_or(false))
        .collect();
    list.sort_by(|a, b| b.starttime.cmp(&a.starttime).then(b.pid.cmp(&a.pid)));
    let out: Vec<Value> = list
        .into_iter()
        .skip(start)
        .take(limit)
        .map(|t| {
            let mut m = json!({"upid": t.upid, "node": t.node, "pid": t.pid, "pstart": t.pstart,
                "starttime": t.starttime, "type": t.ttype, "id": t.id, "user": t.user});
            if let Some(o) = m.as_object_mut() {
                if let Some(e) = t.endtime {
                    o.insert("endtime".into(), json!(e));
                }
                if let Some(s) = &t.exitstatus {
                    o.insert("status".into(), json!(s));
                }
            }
            m
        })
        .collect();
    Ok(Value::Array(out))
}

// ----------------------------------------------------------- backup/storage

fn vzdump(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = require_node(ctx)?;
    let mut vmids: Vec<u32> = ctx
        .p
        .s("vmid")
        .map(|v| split_list(&v))
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    if ctx.p.flag("all") {
        let exclude: Vec<u32> = ctx
            .p
            .s("exclude")
            .map(|v| split_list(&v))
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.parse().ok())
            .collect();
        vmids = ctx
            .st
            .vms
            .values()
            .filter(|vm| vm.node == node && !exclude.contains(&vm.vmid))
            .map(|vm| vm.vmid)
            .collect();
    }
    if vmids.is_empty() {
        return Err(ApiError::param(
            "vmid",
            "property is missing and it is not optional",
        ));
    }
    let storage = match ctx.p.s("storage") {
        Some(s) => {
            let st = ctx.st.storage_on(&s, &node)?;
            if !st.supports("backup") {
                return Err(ApiError::internal(format!(
                    "storage '{s}' does not support backups"
                )));
            }
            s
        }
        None => ctx
            .st
            .storages
            .values()
            .find(|s| s.on_node(&node) && s.supports("backup") && s.enabled)
            .map(|s| s.id.clone())
            .ok_or_else(|| ApiError::internal("no backup storage available"))?,
    };
    let local: Vec<u32> = vmids
        .iter()
        .copied()
        .filter(|v| ctx.st.vms.get(v).map(|vm| vm.node == node).unwrap_or(false))
        .collect();
    let missing: Vec<u32> = vmids
        .iter()
        .copied()
        .filter(|v| !ctx.st.vms.contains_key(v))
        .collect();
    if let Some(v) = missing.first() {
        return Err(ApiError::internal(format!("unable to find VM '{v}'")));
    }
    let keep_last = ctx.p.s("prune-backups").and_then(|p| {
        p.split(',')
            .find_map(|kv| kv.strip_prefix("keep-last="))
            .and_then(|n| n.parse().ok())
    });
    let id = if local.len() == 1 {
        local[0].to_string()
    } else {
        String::new()
    };
    // one backup job per node at a time: vzdump waits for the global lock
    let now = std::time::Instant::now();
    let busy_until = ctx
        .st
        .tasks
        .iter()
        .filter(|t| t.status == TaskState::Running && t.ttype == "vzdump" && t.node == node)
        .filter_map(|t| t.end_at)
        .max()
        .filter(|e| *e > now);
    let wait = busy_until
        .map(|e| e.duration_since(now).as_millis() as u64)
        .unwrap_or(0);
    // a locked guest makes the job fail (checked inside the worker; a job
    // queued behind another checks when its turn comes)
    let locked: Option<(u32, String)> = local.iter().filter(|_| wait == 0).find_map(|v| {
        ctx.st
            .vms
            .get(v)
            .and_then(|vm| vm.lock().map(|l| (*v, l.to_string())))
    });
    if let Some((v, l)) = locked {
        let upid = ctx
            .st
            .failing_task(&node, "vzdump", &id, &ctx.user, "job errors");
        if let Some(t) = ctx.st.tasks.last_mut() {
            t.log.push(format!(
                "ERROR: Backup of VM {v} failed - VM is locked ({l})"
            ));
        }
        return Ok(json!(upid));
    }
    let effect = Effect::Vzdump {
        vmids: local.clone(),
        storage,
        compress: ctx.p.s("compress").unwrap_or_else(|| "0".into()),
        mode: ctx.p.s("mode").unwrap_or_else(|| "snapshot".into()),
        notes: ctx.p.s("notes-template"),
        protected: ctx.p.flag("protected"),
        keep_last: if ctx.p.b("remove") == Some(false) {
            None
        } else {
            keep_last
        },
    };
    let lock = if local.len() == 1 && wait == 0 {
        Some((local[0], "backup"))
    } else {
        None
    };
    let ms = wait + ctx.st.task_duration("vzdump");
    let upid = ctx
        .st
        .start_task_ms(&node, "vzdump", &id, &ctx.user, effect, lock, ms);
    if wait > 0 {
        if let Some(t) = ctx.st.tasks.last_mut() {
            t.log
                .push("INFO: trying to get global lock - waiting...".into());
            t.log.push("INFO: got global lock".into());
        }
    }
    if local.len() > 1 && wait == 0 {
        for v in &local {
            if let Some(vm) = ctx.st.vms.get_mut(v) {
                vm.config.insert("lock".into(), "backup".into());
            }
        }
    }
    Ok(json!(upid))
}

fn storage_entry(st: &State, s: &Storage, node: &str, with_format: bool) -> Value {
    let used = st.storage_used(&s.id, node);
    let mut m = json!({
        "storage": s.id, "type": s.stype, "content": s.content.join(","),
        "active": if s.enabled {1} else {0}, "enabled": if s.enabled {1} else {0},
        "shared": if s.shared {1} else {0},
        "total": s.total, "used": used, "avail": s.total.saturating_sub(used),
        "used_fraction": if s.total > 0 { used as f64 / s.total as f64 } else { 0.0 }
    });
    if with_format {
        if let Some(o) = m.as_object_mut() {
            let fmts = if s.is_file() {
                json!({"default": "qcow2", "supported": ["raw", "qcow2", "vmdk"]})
            } else {
                json!({"default": "raw", "supported": ["raw"]})
            };
            o.insert("format".into(), fmts);
            o.insert("formats".into(), json!({}));
            o.insert("select_existing".into(), json!(0));
        }
    }
    m
}

fn storage_index(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = require_node(ctx)?;
    let content = ctx.p.s("content").map(|c| split_list(&c));
    let enabled = ctx.p.flag("enabled");
    let only = ctx.p.s("storage");
    let target = ctx.p.s("target");
    let with_format = ctx.p.flag("format");
    let mut out = vec![];
    for s in ctx.st.storages.values() {
        if !s.on_node(&node) {
            continue;
        }
        if let Some(o) = &only {
            if *o != s.id {
                continue;
            }
        }
        if enabled && !s.enabled {
            continue;
        }
        if let Some(c) = &content {
            if !c.iter().any(|x| s.supports(x)) {
                continue;
            }
        }
        if let Some(t) = &target {
            if *t != node && !(s.shared && s.on_node(t)) {
                continue;
            }
        }
        out.push(storage_entry(ctx.st, s, &node, with_format));
    }
    Ok(Value::Array(out))
}

fn storage_status(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = require_node(ctx)?;
    let sid = ctx.p.s("storage").unwrap_or_default();
    let s = ctx.st.storage_on(&sid, &node)?.clone();
    Ok(storage_entry(ctx.st, &s, &node, false))
}

fn storage_config_list(ctx: &mut Ctx) -> ApiResult<Value> {
    Ok(Value::Array(
        ctx.st
            .storages
            .values()
            .map(|s| {
                let mut m = json!({"storage": s.id, "type": s.stype, "content": s.content.join(","),
                    "shared": if s.shared {1} else {0}, "digest": "0"});
                if let (Some(n), Some(o)) = (&s.nodes, m.as_object_mut()) {
                    o.insert("nodes".into(), json!(n.join(",")));
                }
                if !s.enabled {
                    if let Some(o) = m.as_object_mut() {
                        o.insert("disable".into(), json!(1));
                    }
                }
                m
            })
            .collect(),
    ))
}

fn volume_json(v: &Volume) -> Value {
    let mut m = json!({"volid": v.volid, "content": v.content, "format": v.format,
        "size": v.size, "used": v.size, "ctime": v.ctime});
    if let Some(o) = m.as_object_mut() {
        if let Some(id) = v.vmid {
            o.insert("vmid".into(), json!(id));
        }
        if let Some(p) = &v.parent {
            o.insert("parent".into(), json!(p));
        }
        if let Some(n) = &v.notes {
            o.insert("notes".into(), json!(n.lines().next().unwrap_or("")));
        }
        if v.content == "backup" {
            o.insert("protected".into(), json!(if v.protected { 1 } else { 0 }));
            o.insert("subtype".into(), json!("qemu"));
        }
    }
    m
}

fn content_list(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = require_node(ctx)?;
    let sid = ctx.p.s("storage").unwrap_or_default();
    let st = ctx.st.storage_on(&sid, &node)?.clone();
    let content = ctx.p.s("content");
    let vmid = ctx.p.i("vmid").map(|v| v as u32);
    let out: Vec<Value> = ctx
        .st
        .volumes
        .iter()
        .filter(|v| v.storage == sid && (st.shared || v.node.as_deref() == Some(&node)))
        .filter(|v| content.as_ref().map(|c| *c == v.content).unwrap_or(true))
        .filter(|v| vmid.map(|id| v.vmid == Some(id)).unwrap_or(true))
        .map(volume_json)
        .collect();
    Ok(Value::Array(out))
}

fn real_volid(ctx: &Ctx) -> String {
    let vol = ctx.p.s("volume").unwrap_or_default();
    if vol.contains(':') {
        vol
    } else {
        format!("{}:{}", ctx.p.s("storage").unwrap_or_default(), vol)
    }
}

fn content_alloc(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = require_node(ctx)?;
    let sid = ctx.p.s("storage").unwrap_or_default();
    let vmid = ctx.p.vmid();
    let filename = ctx.p.s("filename").unwrap_or_default();
    let size_s = ctx.p.s("size").unwrap_or_default();
    let kib: u64 = size_s.trim_end_matches(['M', 'G']).parse().unwrap_or(0);
    let size = match size_s.chars().last() {
        Some('M') => kib.saturating_mul(MIB),
        Some('G') => kib.saturating_mul(GIB),
        _ => kib.saturating_mul(1024),
    };
    let prefix = format!("vm-{vmid}-");
    let bprefix = format!("base-{vmid}-");
    if !filename.starts_with(&prefix) && !filename.starts_with(&bprefix) {
        return Err(ApiError::internal(format!(
            "illegal name '{filename}' - should be 'vm-{vmid}-*'"
        )));
    }
    let st = ctx.st.storage_on(&sid, &node)?.clone();
    let fmt = ctx
        .p
        .s("format")
        .or_else(|| filename.rsplit_once('.').map(|(_, e)| e.to_string()))
        .unwrap_or_else(|| st.default_format().to_string());
    let base = filename.split('.').next().unwrap_or(&filename).to_string();
    let volid = if st.is_file() {
        format!("{sid}:{vmid}/{base}.{fmt}")
    } else {
        format!("{sid}:{base}")
    };
    if ctx.st.find_volume(&volid, &node).is_some() {
        return Err(ApiError::internal(format!(
            "volume '{volid}' already exists"
        )));
    }
    ctx.st.volumes.push(Volume {
        volid: volid.clone(),
        storage: sid.clone(),
        node: if st.shared { None } else { Some(node.clone()) },
        vmid: Some(vmid),
        content: "images".into(),
        format: fmt,
        size,
        ctime: now_unix(),
        parent: None,
        notes: None,
        protected: false,
        backup_config: None,
    });
    Ok(json!(volid))
}

fn content_info(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = require_node(ctx)?;
    let volid = real_volid(ctx);
    let i = ctx
        .st
        .find_volume(&volid, &node)
        .ok_or_else(|| ApiError::internal(format!("volume '{volid}' does not exist")))?;
    let v = &ctx.st.volumes[i];
    let path = match ctx.st.storages.get(&v.storage) {
        Some(s) if s.is_file() => {
            let name = v.volid.split_once(':').map(|x| x.1).unwrap_or("");
            let sub = match v.content.as_str() {
                "images" => "images/",
                "backup" => "dump/",
                "iso" => "template/iso/",
                "vztmpl" => "template/cache/",
                _ => "",
            };
            let name = name
                .strip_prefix("backup/")
                .or_else(|| name.strip_prefix("iso/"))
                .or_else(|| name.strip_prefix("vztmpl/"))
                .unwrap_or(name);
            format!("/var/lib/vz/{sub}{name}")
        }
        Some(s) if s.stype == "rbd" => format!(
            "rbd:rbd/{}",
            v.volid.split_once(':').map(|x| x.1).unwrap_or("")
        ),
        _ => format!(
            "/dev/pve/{}",
            v.volid
                .rsplit('/')
                .next()
                .unwrap_or("")
                .trim_start_matches(&format!("{}:", v.storage))
        ),
    };
    let mut m = json!({"format": v.format, "size": v.size, "used": v.size, "path": path});
    if let Some(o) = m.as_object_mut() {
        if let Some(n) = &v.notes {
            o.insert("notes".into(), json!(n));
        }
        if v.content == "backup" {
            o.insert("protected".into(), json!(if v.protected { 1 } else { 0 }));
        }
    }
    Ok(m)
}

fn content_update(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = require_node(ctx)?;
    let volid = real_volid(ctx);
    let i = ctx
        .st
        .find_volume(&volid, &node)
        .ok_or_else(|| ApiError::internal(format!("volume '{volid}' does not exist")))?;
    let notes = ctx.p.s("notes");
    let protected = ctx.p.b("protected");
    let v = &mut ctx.st.volumes[i];
    if let Some(n) = notes {
        v.notes = if n.is_empty() { None } else { Some(n) };
    }
    if let Some(p) = protected {
        v.protected = p;
    }
    Ok(Value::Null)
}

fn content_delete(ctx: &mut Ctx) -> ApiResult<Value> {
    let node = require_node(ctx)?;
    let volid = real_volid(ctx);
    let i = ctx
        .st
        .find_volume(&volid, &node)
        .ok_or_else(|| ApiError::internal(format!("volume '{volid}' does not exist")))?;
    let v = ctx.st.volumes[i].clone();
    if v.protected {
        return Err(ApiError::internal(format!(
            "volume '{volid}' is protected - unable to delete"
        )));
    }
    let id = match v.vmid {
        Some(id) => format!("{id}@{}", v.storage),
        None => v.storage.clone(),
    };
    let upid = ctx.st.start_task(
        &node,
        "imgdel",
        &id,
        &ctx.user,
        Effect::VolDelete {
            volid: volid.clone(),
            node: node.clone(),
        },
        None,
    );
    if let Some(delay) = ctx.p.i("delay") {
        if ctx.st.task_duration("imgdel") <= (delay as u64) * 1000 {
            if let Some(i) = ctx.st.tasks.iter().position(|t| t.upid == upid) {
                ctx.st.finish_task(i, None);
            }
            return Ok(Value::Null);
        }
    }
    Ok(json!(upid))
}

/// The node's network interfaces: every node has the uplink eno1 and the
/// Linux bridges vmbr0 (on eno1) and vmbr1 (internal), as a fresh PVE
/// install with one extra bridge would. `type` filters like PVE does.
fn network_index(ctx: &mut Ctx) -> ApiResult<Value> {
    let _node = require_node(ctx)?;
    let ty = ctx.p.s("type");
    let all = [
        json!({"iface": "eno1", "type": "eth", "active": 1, "autostart": 1, "method": "manual", "families": ["inet"], "priority": 1}),
        json!({"iface": "vmbr0", "type": "bridge", "active": 1, "autostart": 1, "method": "static", "families": ["inet"],
               "bridge_ports": "eno1", "bridge_stp": "off", "bridge_fd": "0", "address": "192.0.2.10", "netmask": "24", "cidr": "192.0.2.10/24", "priority": 2}),
        json!({"iface": "vmbr1", "type": "bridge", "active": 1, "autostart": 1, "method": "manual", "families": ["inet"],
               "bridge_ports": "", "bridge_stp": "off", "bridge_fd": "0", "priority": 3}),
    ];
    let keep = |i: &Value| {
        let t = i.get("type").and_then(Value::as_str).unwrap_or("");
        match ty.as_deref() {
            None => true,
            Some("any_bridge") | Some("any_local_bridge") => t == "bridge" || t == "OVSBridge",
            Some(want) => t == want,
        }
    };
    Ok(Value::Array(all.into_iter().filter(keep).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_gets_a_mac() {
        let mut st = State::seeded();
        let v = process_net(&mut st, "virtio,bridge=vmbr0,firewall=1");
        assert!(v.starts_with("virtio=BC:24:11:"), "{v}");
        assert!(v.ends_with(",bridge=vmbr0,firewall=1"), "{v}");
        let v = process_net(&mut st, "virtio=BC:24:11:AA:BB:CC,bridge=vmbr0");
        assert_eq!(v, "virtio=BC:24:11:AA:BB:CC,bridge=vmbr0");
        let v = process_net(
            &mut st,
            "model=e1000,macaddr=BC:24:11:AA:BB:CD,bridge=vmbr0,tag=5",
        );
        assert_eq!(v, "e1000=BC:24:11:AA:BB:CD,bridge=vmbr0,tag=5");
    }

    #[test]
    fn drives_allocate() {
        let mut st = State::seeded();
        let v =
            process_drive(&mut st, "pve1", 120, "scsi0", "local-lvm:32,iothread=1").expect("ok");
        assert_eq!(v, "local-lvm:vm-120-disk-0,iothread=1,size=32G");
        let v = process_drive(&mut st, "pve1", 120, "ide2", "local-lvm:cloudinit").expect("ok");
        assert_eq!(v, "local-lvm:vm-120-cloudinit,media=cdrom");
        let v = process_drive(
            &mut st,
            "pve1",
            120,
            "ide0",
            "local:iso/debian-12.7.0-amd64-netinst.iso,media=cdrom",
        )
        .expect("ok");
        assert_eq!(v, "local:iso/debian-12.7.0-amd64-netinst.iso,media=cdrom");
        let e = process_drive(&mut st, "pve1", 120, "scsi1", "nope:1").unwrap_err();
        assert_eq!(e.message, "storage 'nope' does not exist");
        assert!(owned_by("local-lvm:base-9000-disk-0/vm-120-disk-0", 120));
        assert!(!owned_by("local-lvm:base-9000-disk-0", 120));
    }

    #[test]
    fn sshkey_check() {
        assert!(
            validate_sshkeys("ssh-ed25519%20AAAAC3NzaC1lZDI1NTE5AAAAIG%2Bx%20me%40host").is_ok()
        );
        assert!(validate_sshkeys("not-a-key").is_err());
    }
}

//! Test control API under `/_sim/` (no auth, JSON bodies) on both listeners.

use crate::http::{parse_form, Request, Response};
use crate::server::{regex_match, Shared};
use crate::state::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const HELP: &str = r#"pve-sim control API (JSON bodies, no auth)
GET    /_sim/state                      full state dump
POST   /_sim/reset                      back to the initial (seeded) state and controls
POST   /_sim/seed                       {"nodes":[..],"storages":[..],"volumes":[..],"vms":[..],"merge":false}
POST   /_sim/latency                    {"ms":200} and/or {"rules":[{"method":"POST","path":"/clone$","ms":500}]}
DELETE /_sim/latency                    clear latency
POST   /_sim/faults                     {"rate":0.1,"status":500,"message":"...","action":"error|drop|timeout","delay_ms":30000} random faults
POST   /_sim/fault                      {"method":"POST","path":"/qemu/\\d+/clone$","status":500,"message":"boom","count":1,
                                         "probability":0.5,"action":"error|drop|timeout|task","when":"before|after",
                                         "delay_ms":30000,"exitstatus":"clone failed"}
POST   /_sim/task-fault                 {"type":"qmclone","vmid":9000,"message":"clone failed","count":1,"probability":1.0}
DELETE /_sim/faults                     clear all faults (random, named, task)
POST   /_sim/lock                       {"vmid":100,"lock":"backup"} | {"vmid":100,"lock":null} | {"vmid":100,"flock":true}
POST   /_sim/tasks                      {"durations":{"qmclone":1000},"default_ms":50,"time_scale":0.5,"lock_check_in_task":["qmstart"]}
POST   /_sim/tasks/complete             finish every running task now
GET    /_sim/tasks                      all tasks
POST   /_sim/permissions                {"token":"root@pam!whmcs","deny":[{"priv":"VM.Allocate","path":"/vms/100"}]}
POST   /_sim/tokens                     {"id":"user@pve!name","secret":"...","deny":[]}
POST   /_sim/auth                       {"delay_ms":3000}
GET    /_sim/calls                      {"total":N,"by_endpoint":{"GET /version":1}}
DELETE /_sim/calls                      reset counters
GET    /_sim/requests?limit=N           last N requests (method, path, template, params, status, message)
DELETE /_sim/requests                   clear the request log
POST   /_sim/requests                   {"capacity":1000}
POST   /_sim/node                       {"node":"pve2","online":false}
POST   /_sim/storage                    {"storage":"local","full":true,"total":107374182400,"enabled":true}
POST   /_sim/vnc                      {"backend":"127.0.0.1:5901","qmp":"/tmp/qmp.sock"|null,"legacy":false}
POST   /_sim/vm                         {"vmid":100,"node":"pve2","status":"running","config":{"k":"v"},"delete":["k"],
                                         "stats":{"netin":1},"agent_running":false,"agent_interfaces":[..]|null,
                                         "ignore_acpi":true,"shutdown_ms":2000|null,"ha":"started"|null,
                                         "pending":{"cores":"4","memory":null}}
"#;

fn ok() -> Response {
    Response::json(200, "OK", &json!({"ok": true}))
}

fn bad(msg: &str) -> Response {
    Response::json(400, msg, &json!({"ok": false, "error": msg}))
}

fn data(v: Value) -> Response {
    Response::json(200, "OK", &json!({"data": v}))
}

/// Handle a `/_sim/...` request.
pub fn handle(shared: &Shared, req: &Request) -> Response {
    let body: Value = if req.body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(e) => return bad(&format!("invalid JSON body: {e}")),
        }
    };
    let query: BTreeMap<String, String> = parse_form(&req.query).into_iter().collect();
    let path = req.path.trim_end_matches('/');
    match (req.method.as_str(), path) {
        ("GET", "/_sim") => Response::new(200, "OK", "text/plain", HELP.as_bytes().to_vec()),
        ("GET", "/_sim/state") => data(state_json(&shared.lock())),
        ("POST", "/_sim/reset") => {
            let mut st = shared.lock();
            let cert = st.cert_pem.clone();
            let fp = st.fingerprint.clone();
            *st = shared.initial.clone();
            st.cert_pem = cert;
            st.fingerprint = fp;
            ok()
        }
        ("POST", "/_sim/seed") => match seed(&mut shared.lock(), &body) {
            Ok(()) => ok(),
            Err(e) => bad(&e),
        },
        ("POST", "/_sim/latency") => {
            let mut st = shared.lock();
            if let Some(ms) = body.get("ms").and_then(Value::as_u64) {
                st.control.latency_ms = ms;
            }
            if let Some(rules) = body.get("rules") {
                match serde_json::from_value::<Vec<LatencyRule>>(rules.clone()) {
                    Ok(r) => st.control.latency_rules = r,
                    Err(e) => return bad(&format!("bad rules: {e}")),
                }
            }
            if let Some(rule) = body.get("add_rule") {
                match serde_json::from_value::<LatencyRule>(rule.clone()) {
                    Ok(r) => st.control.latency_rules.push(r),
                    Err(e) => return bad(&format!("bad rule: {e}")),
                }
            }
            ok()
        }
        ("DELETE", "/_sim/latency") => {
            let mut st = shared.lock();
            st.control.latency_ms = 0;
            st.control.latency_rules.clear();
            ok()
        }
        ("POST", "/_sim/faults") => {
            let mut st = shared.lock();
            if let Some(r) = body.get("rate").and_then(Value::as_f64) {
                st.control.fault_rate = r.clamp(0.0, 1.0);
            }
            if let Some(s) = body.get("status").and_then(Value::as_u64) {
                st.control.fault_status = s as u16;
            }
            if let Some(m) = body.get("message").and_then(Value::as_str) {
                st.control.fault_message = m.to_string();
            }
            if let Some(a) = body.get("action") {
                match serde_json::from_value::<FaultAction>(a.clone()) {
                    Ok(FaultAction::Task) | Err(_) => {
                        return bad("action must be error, drop or timeout")
                    }
                    Ok(a) => st.control.fault_action = a,
                }
            }
            if let Some(ms) = body.get("delay_ms").and_then(Value::as_u64) {
                st.control.fault_delay_ms = ms;
            }
            ok()
        }
        ("DELETE", "/_sim/faults") => {
            let mut st = shared.lock();
            st.control.fault_rate = 0.0;
            st.control.faults.clear();
            st.control.task_faults.clear();
            ok()
        }
        ("POST", "/_sim/fault") => match serde_json::from_value::<Fault>(body) {
            Ok(f) if f.action == FaultAction::Task && f.exitstatus.is_none() => {
                bad("a task fault needs exitstatus")
            }
            Ok(f) => {
                shared.lock().control.faults.push(f);
                ok()
            }
            Err(e) => bad(&format!("bad fault: {e}")),
        },
        ("POST", "/_sim/task-fault") => match serde_json::from_value::<TaskFault>(body) {
            Ok(f) => {
                shared.lock().control.task_faults.push(f);
                ok()
            }
            Err(e) => bad(&format!("bad task fault: {e}")),
        },
        ("POST", "/_sim/lock") => {
            let Some(vmid) = body.get("vmid").and_then(Value::as_u64) else {
                return bad("vmid required");
            };
            let mut st = shared.lock();
            let Some(vm) = st.vms.get_mut(&(vmid as u32)) else {
                return bad("no such VM");
            };
            if let Some(l) = body.get("lock") {
                match l.as_str() {
                    Some(l) => {
                        vm.config.insert("lock".into(), l.to_string());
                    }
                    None => {
                        vm.config.remove("lock");
                    }
                }
            }
            if let Some(f) = body.get("flock").and_then(Value::as_bool) {
                vm.flock = f;
            }
            ok()
        }
        ("POST", "/_sim/tasks") => {
            let mut st = shared.lock();
            if let Some(d) = body.get("durations").and_then(Value::as_object) {
                for (k, v) in d {
                    if let Some(ms) = v.as_u64() {
                        st.control.task_ms.insert(k.clone(), ms);
                    }
                }
            }
            if let Some(ms) = body.get("default_ms").and_then(Value::as_u64) {
                st.control.default_task_ms = ms;
            }
            if let Some(s) = body.get("time_scale").and_then(Value::as_f64) {
                st.control.time_scale = s.max(0.0);
            }
            if let Some(l) = body.get("lock_check_in_task").and_then(Value::as_array) {
                st.control.lock_check_in_task = l
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect::<BTreeSet<_>>();
            }
            ok()
        }
        ("POST", "/_sim/tasks/complete") => {
            complete_all(&mut shared.lock());
            ok()
        }
        ("GET", "/_sim/tasks") => {
            let st = shared.lock();
            data(serde_json::to_value(&st.tasks).unwrap_or(Value::Null))
        }
        ("POST", "/_sim/permissions") => {
            let Some(id) = body.get("token").and_then(Value::as_str) else {
                return bad("token required");
            };
            let deny: Vec<Deny> = match body.get("deny") {
                Some(d) => match parse_denies(d) {
                    Ok(v) => v,
                    Err(e) => return bad(&e),
                },
                None => vec![],
            };
            let mut st = shared.lock();
            match st.control.tokens.iter_mut().find(|t| t.id == id) {
                Some(t) => {
                    t.deny = deny;
                    ok()
                }
                None => bad("no such token"),
            }
        }
        ("POST", "/_sim/tokens") => {
            let (Some(id), Some(secret)) = (
                body.get("id").and_then(Value::as_str),
                body.get("secret").and_then(Value::as_str),
            ) else {
                return bad("id and secret required");
            };
            let deny = match body.get("deny") {
                Some(d) => match parse_denies(d) {
                    Ok(v) => v,
                    Err(e) => return bad(&e),
                },
                None => vec![],
            };
            let mut st = shared.lock();
            st.control.tokens.retain(|t| t.id != id);
            st.control.tokens.push(Token {
                id: id.into(),
                secret: secret.into(),
                deny,
            });
            ok()
        }
        ("POST", "/_sim/auth") => {
            if let Some(ms) = body.get("delay_ms").and_then(Value::as_u64) {
                shared.lock().control.auth_delay_ms = ms;
            }
            ok()
        }
        ("GET", "/_sim/calls") => {
            let st = shared.lock();
            data(json!({"total": st.control.total_calls, "by_endpoint": st.control.counters}))
        }
        ("DELETE", "/_sim/calls") | ("POST", "/_sim/calls/reset") => {
            let mut st = shared.lock();
            st.control.total_calls = 0;
            st.control.counters.clear();
            ok()
        }
        ("GET", "/_sim/requests") => {
            let st = shared.lock();
            let limit: usize = query
                .get("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(usize::MAX);
            let method = query.get("method").cloned();
            let pat = query.get("path").cloned();
            let list: Vec<&LogEntry> = st
                .control
                .log
                .iter()
                .filter(|e| {
                    method
                        .as_ref()
                        .map(|m| m.eq_ignore_ascii_case(&e.method))
                        .unwrap_or(true)
                })
                .filter(|e| {
                    pat.as_ref()
                        .map(|p| regex_match(p, &e.path))
                        .unwrap_or(true)
                })
                .collect();
            let skip = list.len().saturating_sub(limit);
            let out: Vec<&LogEntry> = list.into_iter().skip(skip).collect();
            data(serde_json::to_value(out).unwrap_or(Value::Null))
        }
        ("DELETE", "/_sim/requests") => {
            shared.lock().control.log.clear();
            ok()
        }
        ("POST", "/_sim/requests") => {
            if let Some(c) = body.get("capacity").and_then(Value::as_u64) {
                shared.lock().control.log_capacity = c as usize;
            }
            ok()
        }
        ("POST", "/_sim/node") => {
            let Some(name) = body.get("node").and_then(Value::as_str) else {
                return bad("node required");
            };
            let mut st = shared.lock();
            let Some(n) = st.nodes.get_mut(name) else {
                return bad("no such node");
            };
            if let Some(o) = body.get("online").and_then(Value::as_bool) {
                n.online = o;
            }
            if let Some(v) = body.get("mem").and_then(Value::as_u64) {
                n.mem = v;
            }
            if let Some(v) = body.get("maxmem").and_then(Value::as_u64) {
                n.maxmem = v;
            }
            if let Some(v) = body.get("cpu").and_then(Value::as_f64) {
                n.cpu = v;
            }
            if let Some(v) = body.get("maxcpu").and_then(Value::as_u64) {
                n.maxcpu = v as u32;
            }
            ok()
        }
        ("POST", "/_sim/storage") => {
            let Some(id) = body.get("storage").and_then(Value::as_str) else {
                return bad("storage required");
            };
            let mut st = shared.lock();
            let Some(s) = st.storages.get_mut(id) else {
                return bad("no such storage");
            };
            if let Some(v) = body.get("full") {
                match v.as_bool() {
                    Some(b) => s.full = b,
                    None => return bad("full must be a boolean"),
                }
            }
            if let Some(v) = body.get("total") {
                match v.as_u64() {
                    Some(n) => s.total = n,
                    None => return bad("total must be an integer"),
                }
            }
            if let Some(v) = body.get("enabled") {
                match v.as_bool() {
                    Some(b) => s.enabled = b,
                    None => return bad("enabled must be a boolean"),
                }
            }
            ok()
        }
        ("POST", "/_sim/vnc") => match serde_json::from_value::<VncControl>(body) {
            Ok(v) => {
                shared.lock().control.vnc = v;
                ok()
            }
            Err(e) => bad(&format!("bad vnc control: {e}")),
        },
        ("POST", "/_sim/vm") => match vm_edit(&mut shared.lock(), &body) {
            Ok(()) => ok(),
            Err(e) => bad(&e),
        },
        _ => Response::json(
            404,
            "Not Found",
            &json!({"ok": false, "error": format!("unknown control endpoint {} {}", req.method, req.path)}),
        ),
    }
}

/// Finish every running task now, in start order.
pub fn complete_all(st: &mut State) {
    loop {
        let next = st.tasks.iter().position(|t| t.status == TaskState::Running);
        match next {
            Some(i) => st.finish_task(i, None),
            None => break,
        }
    }
}

fn parse_denies(v: &Value) -> Result<Vec<Deny>, String> {
    let arr = v.as_array().ok_or("deny must be an array")?;
    arr.iter()
        .map(|d| match d {
            Value::String(p) => match p.split_once(':') {
                Some((path, privilege)) if path.starts_with('/') => Ok(Deny {
                    path: Some(path.to_string()),
                    privilege: privilege.to_string(),
                }),
                _ => Ok(Deny {
                    path: None,
                    privilege: p.clone(),
                }),
            },
            other => serde_json::from_value::<Deny>(other.clone()).map_err(|e| e.to_string()),
        })
        .collect()
}

/// Full state as JSON.
pub fn state_json(st: &State) -> Value {
    json!({
        "cluster_name": st.cluster_name,
        "nodes": st.nodes,
        "storages": st.storages,
        "volumes": st.volumes,
        "vms": st.vms,
        "tasks": st.tasks,
        "control": st.control,
        "fingerprint": st.fingerprint,
    })
}

fn str_list(v: Option<&Value>) -> Option<Vec<String>> {
    match v? {
        Value::String(s) => Some(
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect(),
        ),
        Value::Array(a) => Some(
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect(),
        ),
        _ => None,
    }
}

fn config_map(v: Option<&Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(Value::Object(m)) = v {
        for (k, v) in m {
            if let Some(s) = crate::validate::scalar_text(v) {
                out.insert(k.clone(), s);
            }
        }
    }
    out
}

fn seed(st: &mut State, body: &Value) -> Result<(), String> {
    let merge = body.get("merge").and_then(Value::as_bool).unwrap_or(false);
    if let Some(Value::Array(nodes)) = body.get("nodes") {
        if !merge {
            st.nodes.clear();
        }
        let template = State::seeded().nodes["pve1"].clone();
        for n in nodes {
            let name = n
                .get("name")
                .or_else(|| n.get("node"))
                .and_then(Value::as_str)
                .ok_or("node needs a name")?;
            let mut node = template.clone();
            node.name = name.to_string();
            if let Some(v) = n.get("maxcpu").and_then(Value::as_u64) {
                node.maxcpu = v as u32;
            }
            if let Some(v) = n.get("maxmem").and_then(Value::as_u64) {
                node.maxmem = v;
            }
            if let Some(v) = n.get("mem").and_then(Value::as_u64) {
                node.mem = v;
            }
            if let Some(v) = n.get("cpu").and_then(Value::as_f64) {
                node.cpu = v;
            }
            if let Some(v) = n.get("online").and_then(Value::as_bool) {
                node.online = v;
            }
            st.nodes.insert(name.to_string(), node);
        }
    }
    if let Some(Value::Array(list)) = body.get("storages") {
        if !merge {
            st.storages.clear();
        }
        for s in list {
            let id = s
                .get("id")
                .or_else(|| s.get("storage"))
                .and_then(Value::as_str)
                .ok_or("storage needs an id")?;
            let stype = s.get("type").and_then(Value::as_str).unwrap_or("dir");
            st.storages.insert(
                id.to_string(),
                Storage {
                    id: id.to_string(),
                    stype: stype.to_string(),
                    content: str_list(s.get("content")).unwrap_or_else(|| vec!["images".into()]),
                    shared: s.get("shared").and_then(Value::as_bool).unwrap_or(false),
                    nodes: str_list(s.get("nodes")),
                    total: s.get("total").and_then(Value::as_u64).unwrap_or(100 * GIB),
                    enabled: s.get("enabled").and_then(Value::as_bool).unwrap_or(true),
                    full: s.get("full").and_then(Value::as_bool).unwrap_or(false),
                },
            );
        }
    }
    if let Some(Value::Array(list)) = body.get("volumes") {
        if !merge {
            st.volumes.clear();
        }
        for v in list {
            let volid = v
                .get("volid")
                .and_then(Value::as_str)
                .ok_or("volume needs volid")?;
            let storage = vol_storage(volid).to_string();
            let shared = st.storages.get(&storage).map(|s| s.shared).unwrap_or(false);
            let node = if shared {
                None
            } else {
                Some(
                    v.get("node")
                        .and_then(Value::as_str)
                        .ok_or("volume on a local storage needs a node")?
                        .to_string(),
                )
            };
            st.volumes.retain(|x| !(x.volid == volid && x.node == node));
            st.volumes.push(Volume {
                volid: volid.to_string(),
                storage,
                node,
                vmid: v.get("vmid").and_then(Value::as_u64).map(|x| x as u32),
                content: v
                    .get("content")
                    .and_then(Value::as_str)
                    .unwrap_or("images")
                    .into(),
                format: v
                    .get("format")
                    .and_then(Value::as_str)
                    .unwrap_or("raw")
                    .into(),
                size: v.get("size").and_then(Value::as_u64).unwrap_or(GIB),
                ctime: v
                    .get("ctime")
                    .and_then(Value::as_u64)
                    .unwrap_or_else(now_unix),
                parent: v.get("parent").and_then(Value::as_str).map(String::from),
                notes: v.get("notes").and_then(Value::as_str).map(String::from),
                protected: v.get("protected").and_then(Value::as_bool).unwrap_or(false),
                backup_config: v
                    .get("backup_config")
                    .map(|c| config_map(Some(c)))
                    .filter(|m| !m.is_empty()),
            });
        }
    }
    if let Some(Value::Array(list)) = body.get("vms") {
        if !merge {
            st.vms.clear();
        }
        for v in list {
            let vmid = v
                .get("vmid")
                .and_then(Value::as_u64)
                .ok_or("vm needs vmid")? as u32;
            let node = v
                .get("node")
                .and_then(Value::as_str)
                .ok_or("vm needs node")?;
            let running = v.get("status").and_then(Value::as_str) == Some("running");
            let mut vm = Vm::new(vmid, node, config_map(v.get("config")));
            if running {
                vm.status = "running".into();
                vm.started = Some(now_unix());
                vm.pid = Some(4242);
            }
            vm.pool = v.get("pool").and_then(Value::as_str).map(String::from);
            st.vms.insert(vmid, vm);
            vm_edit_fields(st, vmid, v)?;
        }
    }
    Ok(())
}

fn vm_edit(st: &mut State, body: &Value) -> Result<(), String> {
    let vmid = body
        .get("vmid")
        .and_then(Value::as_u64)
        .ok_or("vmid required")? as u32;
    let vm = st.vms.get_mut(&vmid).ok_or("no such VM")?;
    if let Some(n) = body.get("node").and_then(Value::as_str) {
        vm.node = n.to_string();
    }
    if let Some(s) = body.get("status").and_then(Value::as_str) {
        if s != "running" && s != "stopped" {
            return Err("status must be running or stopped".into());
        }
        vm.status = s.to_string();
        if s == "running" {
            vm.started = Some(now_unix());
            vm.pid = Some(4242);
        } else {
            vm.started = None;
            vm.pid = None;
        }
    }
    for (k, v) in config_map(body.get("config")) {
        vm.config.insert(k, v);
    }
    if let Some(del) = str_list(body.get("delete")) {
        for k in del {
            vm.config.remove(&k);
        }
    }
    vm_edit_fields(st, vmid, body)
}

/// The per-VM simulation knobs shared by `/_sim/vm` and `/_sim/seed`.
fn vm_edit_fields(st: &mut State, vmid: u32, body: &Value) -> Result<(), String> {
    let vm = st.vms.get_mut(&vmid).ok_or("no such VM")?;
    if let Some(b) = body.get("agent_running").and_then(Value::as_bool) {
        vm.agent_down = !b;
    }
    if let Some(ifaces) = body.get("agent_interfaces") {
        vm.agent_interfaces = if ifaces.is_null() {
            None
        } else {
            Some(ifaces.clone())
        };
    }
    if let Some(v) = body.get("ignore_acpi") {
        vm.ignore_acpi = v.as_bool().ok_or("ignore_acpi must be a boolean")?;
    }
    if let Some(v) = body.get("shutdown_ms") {
        vm.shutdown_ms = if v.is_null() {
            None
        } else {
            Some(v.as_u64().ok_or("shutdown_ms must be an integer or null")?)
        };
    }
    if let Some(v) = body.get("ha") {
        vm.ha = match v {
            Value::Null => None,
            Value::Bool(false) => None,
            Value::Bool(true) => Some("started".into()),
            Value::String(s) if HA_STATES.contains(&s.as_str()) => Some(s.clone()),
            _ => {
                return Err(format!(
                    "ha must be null, true or one of {}",
                    HA_STATES.join(", ")
                ))
            }
        };
    }
    if let Some(v) = body.get("pending") {
        let Value::Object(m) = v else {
            return Err("pending must be an object".into());
        };
        for (k, val) in m {
            match val {
                Value::Null => {
                    vm.pending.remove(k);
                }
                other => {
                    let text = crate::validate::scalar_text(other)
                        .ok_or_else(|| format!("pending.{k} must be a scalar"))?;
                    vm.pending.insert(k.clone(), text);
                }
            }
        }
    }
    if let Some(Value::Object(s)) = body.get("stats") {
        let u = |k: &str| s.get(k).and_then(Value::as_u64);
        if s.contains_key("netin") {
            vm.stats.netin = u("netin");
        }
        if s.contains_key("netout") {
            vm.stats.netout = u("netout");
        }
        if s.contains_key("diskread") {
            vm.stats.diskread = u("diskread");
        }
        if s.contains_key("diskwrite") {
            vm.stats.diskwrite = u("diskwrite");
        }
        if s.contains_key("mem") {
            vm.stats.mem = u("mem");
        }
        if s.contains_key("cpu") {
            vm.stats.cpu = s.get("cpu").and_then(Value::as_f64);
        }
    }
    Ok(())
}

/// HA resource states (`ha-manager set --state`).
pub const HA_STATES: &[&str] = &["started", "stopped", "enabled", "disabled", "ignored"];

//! Typed Proxmox VE endpoints. One function per call; each builds its path
//! from validated segments and its form from typed arguments, so every
//! request is valid against the PVE schema by construction.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use super::client::{seg, Client, Form, Method, PveResult, Weight};
use super::PveError;

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Version {
    pub version: String,
    #[serde(default)]
    pub release: String,
    #[serde(default)]
    pub repoid: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct NodeInfo {
    pub node: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub maxmem: u64,
    #[serde(default)]
    pub mem: u64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct TaskStatus {
    pub status: String,
    #[serde(default)]
    pub exitstatus: Option<String>,
}

pub(crate) fn decode<T: for<'de> Deserialize<'de>>(v: Value, what: &str) -> PveResult<T> {
    serde_json::from_value(v).map_err(|e| PveError::Protocol(format!("{what}: {e}")))
}

impl Client {
    pub fn version(&self) -> PveResult<Version> {
        decode(
            self.call(Method::Get, "/version", &Form::new(), Weight::Light)?,
            "GET /version",
        )
    }

    pub fn nodes(&self) -> PveResult<Vec<NodeInfo>> {
        decode(
            self.call(Method::Get, "/nodes", &Form::new(), Weight::Light)?,
            "GET /nodes",
        )
    }

    pub fn node_status(&self, node: &str) -> PveResult<Value> {
        let path = format!("/nodes/{}/status", seg("node", node)?);
        self.call(Method::Get, &path, &Form::new(), Weight::Light)
    }

    pub fn task_status(&self, node: &str, upid: &str) -> PveResult<TaskStatus> {
        let path = format!(
            "/nodes/{}/tasks/{}/status",
            seg("node", node)?,
            encode_segment(upid)
        );
        decode(
            self.call(Method::Get, &path, &Form::new(), Weight::Light)?,
            "task status",
        )
    }

    /// Polls a task until it stops or `deadline` passes. The first poll comes
    /// after `poll`; later ones every fifth of the time already waited
    /// (100 ms to 2 s), so a short task is seen finished within ~20 % of its
    /// duration and a long one is not hammered. A task that ends with
    /// anything but `OK` (or `WARNINGS: n`) is an error.
    pub fn wait_task(&self, upid: &str, deadline: Duration, poll: Duration) -> PveResult<()> {
        let node =
            upid_node(upid).ok_or_else(|| PveError::Protocol(format!("not a UPID: '{upid}'")))?;
        let kind = (node.clone(), upid_type(upid).unwrap_or_default());
        let start = Instant::now();
        // The first poll comes when a task of this kind on this node took
        // recently; then short steps, so completion is seen promptly and
        // pveproxy is not hammered.
        let est = task_estimate(&kind);
        let floor = poll.max(Duration::from_millis(20));
        let mut next = est.unwrap_or(Duration::from_millis(100)).max(floor);
        loop {
            let wait = next
                .saturating_sub(start.elapsed())
                .min(deadline.saturating_sub(start.elapsed()));
            std::thread::sleep(wait);
            let st = self.task_status(&node, upid)?;
            if st.status == "stopped" {
                learn_task(
                    &kind,
                    start
                        .elapsed()
                        .saturating_sub(step(est, start.elapsed(), floor) / 2),
                );
                let exit = st.exitstatus.unwrap_or_default();
                return if exit == "OK" || exit.starts_with("WARNINGS") {
                    Ok(())
                } else {
                    Err(PveError::Task {
                        upid: upid.to_string(),
                        exitstatus: exit,
                    })
                };
            }
            if start.elapsed() >= deadline {
                return Err(PveError::TaskTimeout {
                    upid: upid.to_string(),
                });
            }
            next = start.elapsed() + step(est, start.elapsed(), floor);
        }
    }

    /// Whether a task has ended, without waiting: `None` while it runs,
    /// `Some(Ok)` / `Some(Err)` once it stopped.
    pub fn task_finished(&self, upid: &str) -> PveResult<Option<PveResult<()>>> {
        let node =
            upid_node(upid).ok_or_else(|| PveError::Protocol(format!("not a UPID: '{upid}'")))?;
        let st = self.task_status(&node, upid)?;
        if st.status != "stopped" {
            return Ok(None);
        }
        let exit = st.exitstatus.unwrap_or_default();
        Ok(Some(if exit == "OK" || exit.starts_with("WARNINGS") {
            Ok(())
        } else {
            Err(PveError::Task {
                upid: upid.to_string(),
                exitstatus: exit,
            })
        }))
    }
}

/// The pause between polls after the first: a twentieth of the expected
/// duration when one is known, else a fifth of the time already waited.
fn step(est: Option<Duration>, elapsed: Duration, floor: Duration) -> Duration {
    match est {
        Some(e) => (e / 20).clamp(floor, Duration::from_secs(1)),
        None => (elapsed / 5).clamp(
            floor.max(Duration::from_millis(100)),
            Duration::from_secs(2),
        ),
    }
}

type TaskKind = (String, String);

/// Recent task durations per (node, task type), shared by the process's
/// workers: an exponentially weighted average.
static TASK_TIMES: once_cell::sync::Lazy<
    std::sync::Mutex<std::collections::HashMap<TaskKind, Duration>>,
> = once_cell::sync::Lazy::new(|| std::sync::Mutex::new(std::collections::HashMap::new()));

fn task_estimate(kind: &TaskKind) -> Option<Duration> {
    TASK_TIMES.lock().ok()?.get(kind).copied()
}

fn learn_task(kind: &TaskKind, took: Duration) {
    if let Ok(mut m) = TASK_TIMES.lock() {
        let e = m.entry(kind.clone()).or_insert(took);
        *e = (*e * 7 + took * 3) / 10;
    }
}

/// The task type of a UPID (`qmclone`, `qmstart`, …).
pub fn upid_type(upid: &str) -> Option<String> {
    upid.split(':').nth(5).map(str::to_string)
}

/// The node a UPID ran on: `UPID:node:pid:pstart:starttime:type:id:user:`.
pub fn upid_node(upid: &str) -> Option<String> {
    let mut parts = upid.split(':');
    if parts.next()? != "UPID" {
        return None;
    }
    let node = parts.next()?;
    (!node.is_empty() && upid.ends_with(':') && upid.split(':').count() >= 9)
        .then(|| node.to_string())
}

/// Percent-encodes a path segment (UPIDs contain `:`, `!` and `@`).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upid_parsing() {
        let u = "UPID:pve1:0003A1B2:0157C3D4:6650A1B2:qmclone:9000:root@pam!whmcs:";
        assert_eq!(upid_node(u).as_deref(), Some("pve1"));
        assert_eq!(upid_node("UPID:pve1:x"), None);
        assert_eq!(upid_node("garbage"), None);
        assert_eq!(encode_segment("UPID:a!b@c:"), "UPID%3Aa%21b%40c%3A");
    }
}

/// One row of `GET /cluster/resources?type=vm`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct VmResource {
    pub vmid: u32,
    #[serde(default)]
    pub node: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub template: Option<u8>,
}

impl Client {
    pub fn cluster_vms(&self, weight: Weight) -> PveResult<Vec<VmResource>> {
        let v = self.call(
            Method::Get,
            "/cluster/resources",
            &Form::new().set("type", "vm"),
            weight,
        )?;
        let rows: Vec<Value> = decode(v, "cluster resources")?;
        // Other resource types (lxc share type=vm) are filtered by vmid presence.
        Ok(rows
            .into_iter()
            .filter_map(|r| serde_json::from_value::<VmResource>(r).ok())
            .collect())
    }
}

/// A VM's configuration: `GET /nodes/{node}/qemu/{vmid}/config`, as the
/// key → value map PVE returns (values rendered as strings).
pub type VmConfig = std::collections::BTreeMap<String, String>;

pub(crate) fn vm_path(node: &str, vmid: u32, rest: &str) -> PveResult<String> {
    Ok(format!("/nodes/{}/qemu/{vmid}{rest}", seg("node", node)?))
}

impl Client {
    pub fn vm_config(&self, node: &str, vmid: u32) -> PveResult<VmConfig> {
        let v = self.call(
            Method::Get,
            &vm_path(node, vmid, "/config")?,
            &Form::new(),
            Weight::Heavy,
        )?;
        let obj = v
            .as_object()
            .ok_or_else(|| PveError::Protocol("VM config is not an object".into()))?;
        Ok(obj
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                )
            })
            .collect())
    }

    /// Synchronous config update (`PUT .../config`).
    pub fn set_vm_config(&self, node: &str, vmid: u32, form: &Form) -> PveResult<()> {
        self.call(
            Method::Put,
            &vm_path(node, vmid, "/config")?,
            form,
            Weight::Heavy,
        )?;
        Ok(())
    }

    /// Asynchronous config update (`POST .../config`), e.g. allocating a disk.
    pub fn set_vm_config_async(&self, node: &str, vmid: u32, form: &Form) -> PveResult<String> {
        upid(self.call(
            Method::Post,
            &vm_path(node, vmid, "/config")?,
            form,
            Weight::Heavy,
        )?)
    }

    pub fn clone_vm(&self, node: &str, template: u32, form: &Form) -> PveResult<String> {
        upid(self.call(
            Method::Post,
            &vm_path(node, template, "/clone")?,
            form,
            Weight::Heavy,
        )?)
    }

    pub fn migrate_vm(&self, node: &str, vmid: u32, form: &Form) -> PveResult<String> {
        upid(self.call(
            Method::Post,
            &vm_path(node, vmid, "/migrate")?,
            form,
            Weight::Heavy,
        )?)
    }

    pub fn resize_disk(&self, node: &str, vmid: u32, disk: &str, size: &str) -> PveResult<String> {
        let f = Form::new().set("disk", disk).set("size", size);
        upid(self.call(
            Method::Put,
            &vm_path(node, vmid, "/resize")?,
            &f,
            Weight::Heavy,
        )?)
    }

    pub fn vm_action(&self, node: &str, vmid: u32, action: &str) -> PveResult<String> {
        let path = vm_path(node, vmid, &format!("/status/{}", seg("action", action)?))?;
        upid(self.call(Method::Post, &path, &Form::new(), Weight::Heavy)?)
    }

    pub fn vm_status(&self, node: &str, vmid: u32) -> PveResult<String> {
        let v = self.call(
            Method::Get,
            &vm_path(node, vmid, "/status/current")?,
            &Form::new(),
            Weight::Heavy,
        )?;
        Ok(v.get("status")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string())
    }

    pub fn set_firewall_options(&self, node: &str, vmid: u32, form: &Form) -> PveResult<()> {
        self.call(
            Method::Put,
            &vm_path(node, vmid, "/firewall/options")?,
            form,
            Weight::Heavy,
        )?;
        Ok(())
    }

    pub fn ipset_names(&self, node: &str, vmid: u32) -> PveResult<Vec<String>> {
        let v = self.call(
            Method::Get,
            &vm_path(node, vmid, "/firewall/ipset")?,
            &Form::new(),
            Weight::Heavy,
        )?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("name").and_then(Value::as_str).map(String::from))
                    .collect()
            })
            .unwrap_or_default())
    }

    pub fn ipset_create(&self, node: &str, vmid: u32, name: &str) -> PveResult<()> {
        let f = Form::new().set("name", name);
        self.call(
            Method::Post,
            &vm_path(node, vmid, "/firewall/ipset")?,
            &f,
            Weight::Heavy,
        )?;
        Ok(())
    }

    pub fn ipset_entries(&self, node: &str, vmid: u32, name: &str) -> PveResult<Vec<String>> {
        let path = vm_path(
            node,
            vmid,
            &format!("/firewall/ipset/{}", seg("ipset", name)?),
        )?;
        let v = self.call(Method::Get, &path, &Form::new(), Weight::Heavy)?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("cidr").and_then(Value::as_str).map(String::from))
                    .collect()
            })
            .unwrap_or_default())
    }

    pub fn ipset_add(&self, node: &str, vmid: u32, name: &str, cidr: &str) -> PveResult<()> {
        let path = vm_path(
            node,
            vmid,
            &format!("/firewall/ipset/{}", seg("ipset", name)?),
        )?;
        self.call(
            Method::Post,
            &path,
            &Form::new().set("cidr", cidr),
            Weight::Heavy,
        )?;
        Ok(())
    }

    /// Storages of a node with their content types and free space.
    pub fn node_storages(&self, node: &str) -> PveResult<Vec<Value>> {
        let path = format!("/nodes/{}/storage", seg("node", node)?);
        let v = self.call(Method::Get, &path, &Form::new(), Weight::Heavy)?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }
}

pub(crate) fn upid(v: Value) -> PveResult<String> {
    match v {
        Value::String(s) if s.starts_with("UPID:") => Ok(s),
        other => Err(PveError::Protocol(format!(
            "expected a task id, got {other}"
        ))),
    }
}

//! Proxmox VE endpoints of a VM's lifecycle: power (shutdown, stop,
//! reboot), the full current status, pending changes, DELETE, the VM's
//! snapshots and its backup volumes (for reinstall and terminate).

use serde_json::Value;

use super::api::{upid, vm_path};
use super::client::{seg, Client, Form, Method, PveResult, Weight};

impl Client {
    /// ACPI shutdown; the task ends when the guest is off, or fails after
    /// `timeout` seconds (it does not force a stop).
    pub fn shutdown_vm(&self, node: &str, vmid: u32, timeout: u32) -> PveResult<String> {
        let f = Form::new().set("timeout", timeout).flag("forceStop", false);
        upid(self.call(
            Method::Post,
            &vm_path(node, vmid, "/status/shutdown")?,
            &f,
            Weight::Light,
        )?)
    }

    /// Hard stop (power off). `overrule-shutdown` aborts a running shutdown task.
    pub fn stop_vm(&self, node: &str, vmid: u32, timeout: u32) -> PveResult<String> {
        let f = Form::new()
            .set("timeout", timeout)
            .flag("overrule-shutdown", true);
        upid(self.call(
            Method::Post,
            &vm_path(node, vmid, "/status/stop")?,
            &f,
            Weight::Light,
        )?)
    }

    pub fn start_vm(&self, node: &str, vmid: u32) -> PveResult<String> {
        upid(self.call(
            Method::Post,
            &vm_path(node, vmid, "/status/start")?,
            &Form::new(),
            Weight::Light,
        )?)
    }

    pub fn reboot_vm(&self, node: &str, vmid: u32) -> PveResult<String> {
        upid(self.call(
            Method::Post,
            &vm_path(node, vmid, "/status/reboot")?,
            &Form::new(),
            Weight::Light,
        )?)
    }

    /// `GET …/status/current`: status, qmpstatus, uptime, cpu, mem, lock, ha, …
    pub fn vm_current(&self, node: &str, vmid: u32) -> PveResult<Value> {
        self.call(
            Method::Get,
            &vm_path(node, vmid, "/status/current")?,
            &Form::new(),
            Weight::Light,
        )
    }

    /// `POST …/agent/ping`: Ok when the QEMU guest agent answers.
    pub fn agent_ping(&self, node: &str, vmid: u32) -> PveResult<()> {
        self.call(
            Method::Post,
            &vm_path(node, vmid, "/agent/ping")?,
            &Form::new(),
            Weight::Light,
        )?;
        Ok(())
    }

    /// `POST …/agent/set-user-password`: sets an OS user's password in the
    /// running guest through the QEMU guest agent (plain text, `crypted=0`).
    pub fn agent_set_password(
        &self,
        node: &str,
        vmid: u32,
        username: &str,
        password: &str,
    ) -> PveResult<()> {
        let f = Form::new()
            .set("username", username)
            .set("password", password)
            .flag("crypted", false);
        self.call(
            Method::Post,
            &vm_path(node, vmid, "/agent/set-user-password")?,
            &f,
            Weight::Light,
        )?;
        Ok(())
    }

    /// `GET …/pending`: keys whose new value waits for a restart.
    pub fn vm_pending(&self, node: &str, vmid: u32) -> PveResult<Vec<Value>> {
        let v = self.call(
            Method::Get,
            &vm_path(node, vmid, "/pending")?,
            &Form::new(),
            Weight::Light,
        )?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    /// `DELETE /nodes/{node}/qemu/{vmid}` with purge (backup/replication
    /// jobs and HA) and destroy-unreferenced-disks.
    pub fn delete_vm(&self, node: &str, vmid: u32) -> PveResult<String> {
        let f = Form::new()
            .flag("purge", true)
            .flag("destroy-unreferenced-disks", true);
        upid(self.call(Method::Delete, &vm_path(node, vmid, "")?, &f, Weight::Heavy)?)
    }

    /// Snapshot names of a VM (without the `current` pseudo-entry).
    pub fn vm_snapshot_names(&self, node: &str, vmid: u32) -> PveResult<Vec<String>> {
        let v = self.call(
            Method::Get,
            &vm_path(node, vmid, "/snapshot")?,
            &Form::new(),
            Weight::Light,
        )?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("name").and_then(Value::as_str))
                    .filter(|n| *n != "current")
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default())
    }

    pub fn vm_snapshot_delete(&self, node: &str, vmid: u32, name: &str) -> PveResult<String> {
        let path = vm_path(node, vmid, &format!("/snapshot/{}", seg("snapname", name)?))?;
        upid(self.call(Method::Delete, &path, &Form::new(), Weight::Heavy)?)
    }

    /// Backup volumes of `vmid` on a node's storages that hold backups:
    /// `(storage, volume)` with the volume's creation time and notes.
    pub fn vm_backup_volumes(
        &self,
        node: &str,
        vmid: u32,
    ) -> PveResult<Vec<(String, super::ops::BackupVolume)>> {
        let mut out = Vec::new();
        for s in self.node_storages(node)? {
            let Some(storage) = s.get("storage").and_then(Value::as_str) else {
                continue;
            };
            let holds_backups = s
                .get("content")
                .and_then(Value::as_str)
                .is_some_and(|c| c.split(',').any(|x| x == "backup"));
            if !holds_backups {
                continue;
            }
            for b in self.backups(node, storage, vmid)? {
                out.push((storage.to_string(), b));
            }
        }
        Ok(out)
    }

    /// Removes one entry from a VM's IPSet.
    pub fn ipset_remove(&self, node: &str, vmid: u32, name: &str, cidr: &str) -> PveResult<()> {
        let path = vm_path(
            node,
            vmid,
            &format!(
                "/firewall/ipset/{}/{}",
                seg("ipset", name)?,
                super::api::encode_segment(cidr)
            ),
        )?;
        self.call(Method::Delete, &path, &Form::new(), Weight::Light)?;
        Ok(())
    }
}

/// What `POST …/vncproxy` answers: the VNC port, the ticket for
/// `vncwebsocket`, the token user it is bound to, and — since qemu-server
/// 8.4.7 / 9.1.7 always — the generated VNC password (before that the
/// ticket itself was the VNC password of a websocket console).
#[derive(Clone, PartialEq, Eq)]
pub struct VncTicket {
    pub port: u16,
    pub ticket: String,
    pub password: Option<String>,
    pub user: String,
}

impl std::fmt::Debug for VncTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VncTicket")
            .field("port", &self.port)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl VncTicket {
    /// The password the VNC server asks for.
    pub fn vnc_password(&self) -> &str {
        self.password.as_deref().unwrap_or(&self.ticket)
    }
}

impl Client {
    /// `POST …/vncproxy websocket=1`: a console ticket for `vncwebsocket`.
    pub fn vncproxy(&self, node: &str, vmid: u32) -> PveResult<VncTicket> {
        let v = self.call(
            Method::Post,
            &vm_path(node, vmid, "/vncproxy")?,
            &Form::new().flag("websocket", true),
            Weight::Light,
        )?;
        parse_vncproxy(&v)
    }
}

fn parse_vncproxy(v: &Value) -> PveResult<VncTicket> {
    use super::error::PveError;
    let bad = |what: &str| PveError::Protocol(format!("vncproxy answered without a valid {what}"));
    let port = match &v["port"] {
        Value::String(s) => s.trim().parse::<u16>().ok(),
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        _ => None,
    }
    .filter(|p| (5900..=5999).contains(p))
    .ok_or_else(|| bad("port"))?;
    let ticket = v["ticket"]
        .as_str()
        .filter(|t| !t.is_empty() && t.len() <= 512)
        .ok_or_else(|| bad("ticket"))?;
    Ok(VncTicket {
        port,
        ticket: ticket.to_string(),
        password: v["password"]
            .as_str()
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        user: v["user"].as_str().unwrap_or("").to_string(),
    })
}

#[cfg(test)]
mod vnc_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vncproxy_answers_old_and_new() {
        let new = parse_vncproxy(&json!({"port": "5901", "ticket": "PVEVNC:x", "password": "abc", "user": "u", "upid": "U", "cert": "C"})).unwrap();
        assert_eq!((new.port, new.vnc_password()), (5901, "abc"));
        let old = parse_vncproxy(&json!({"port": 5902, "ticket": "PVEVNC:y"})).unwrap();
        assert_eq!(old.vnc_password(), "PVEVNC:y");
        assert!(parse_vncproxy(&json!({"port": 80, "ticket": "t"})).is_err());
        assert!(parse_vncproxy(&json!({"port": 5900})).is_err());
        assert!(!format!("{new:?}").contains("PVEVNC"));
    }
}

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

fn decode<T: for<'de> Deserialize<'de>>(v: Value, what: &str) -> PveResult<T> {
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

    /// Polls a task until it stops or `deadline` passes. A task that ends
    /// with anything but `OK` (or `WARNINGS: n`) is an error.
    pub fn wait_task(&self, upid: &str, deadline: Duration, poll: Duration) -> PveResult<()> {
        let node =
            upid_node(upid).ok_or_else(|| PveError::Protocol(format!("not a UPID: '{upid}'")))?;
        let start = Instant::now();
        loop {
            let st = self.task_status(&node, upid)?;
            if st.status == "stopped" {
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
            std::thread::sleep(poll.min(deadline.saturating_sub(start.elapsed())));
        }
    }
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

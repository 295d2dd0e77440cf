//! The simulated cluster: nodes, storages, volumes, VMs, tasks, and the test
//! controls. Everything lives behind one mutex in [`crate::server::Shared`].

use crate::error::{ApiError, ApiResult};
use once_cell::sync::Lazy;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Seconds since the epoch.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub const GIB: u64 = 1024 * 1024 * 1024;
pub const MIB: u64 = 1024 * 1024;

/// A cluster node.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Node {
    pub name: String,
    pub online: bool,
    pub maxcpu: u32,
    pub maxmem: u64,
    pub mem: u64,
    pub cpu: f64,
    pub maxdisk: u64,
    pub disk: u64,
    pub boot_time: u64,
}

/// A storage definition (storage.cfg entry).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Storage {
    pub id: String,
    #[serde(rename = "type")]
    pub stype: String,
    pub content: Vec<String>,
    pub shared: bool,
    /// Nodes the storage is available on; `None` = all nodes.
    pub nodes: Option<Vec<String>>,
    /// Capacity in bytes (per node for local storages).
    pub total: u64,
    pub enabled: bool,
    /// Injected fault: the storage is full (used = total, writes fail with ENOSPC).
    #[serde(default)]
    pub full: bool,
}

/// PVE's error tail for a write to a full storage.
pub const ENOSPC: &str = "No space left on device";

impl Storage {
    pub fn on_node(&self, node: &str) -> bool {
        self.nodes
            .as_ref()
            .map(|n| n.iter().any(|x| x == node))
            .unwrap_or(true)
    }
    /// File based (path-style volume names `VMID/name.fmt`).
    pub fn is_file(&self) -> bool {
        matches!(
            self.stype.as_str(),
            "dir" | "nfs" | "cifs" | "glusterfs" | "cephfs" | "btrfs"
        )
    }
    pub fn supports(&self, content: &str) -> bool {
        self.content.iter().any(|c| c == content)
    }
    pub fn default_format(&self) -> &'static str {
        if self.is_file() {
            "qcow2"
        } else {
            "raw"
        }
    }
}

/// A volume on a storage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Volume {
    pub volid: String,
    pub storage: String,
    /// Node holding the volume; `None` for shared storages.
    pub node: Option<String>,
    pub vmid: Option<u32>,
    /// images, rootdir, iso, vztmpl, backup, snippets
    pub content: String,
    pub format: String,
    pub size: u64,
    pub ctime: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub protected: bool,
    /// For backups: the guest config at backup time (used by restore).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_config: Option<BTreeMap<String, String>>,
}

/// One firewall IP set.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IpSet {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub entries: Vec<IpSetEntry>,
}

/// One IP set member.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IpSetEntry {
    pub cidr: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub nomatch: bool,
}

/// Per-VM firewall configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Firewall {
    pub options: BTreeMap<String, Value>,
    pub rules: Vec<Map<String, Value>>,
    pub ipsets: BTreeMap<String, IpSet>,
}

/// A snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub name: String,
    pub description: String,
    pub snaptime: u64,
    pub vmstate: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub config: BTreeMap<String, String>,
}

/// Counters a test may pin (otherwise derived from uptime).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VmStats {
    pub netin: Option<u64>,
    pub netout: Option<u64>,
    pub diskread: Option<u64>,
    pub diskwrite: Option<u64>,
    pub cpu: Option<f64>,
    pub mem: Option<u64>,
}

/// A virtual machine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Vm {
    pub vmid: u32,
    pub node: String,
    pub config: BTreeMap<String, String>,
    /// `running` or `stopped`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    pub firewall: Firewall,
    pub snapshots: BTreeMap<String, Snapshot>,
    /// Forced file lock: config changes fail with `can't lock file ... got timeout`.
    pub flock: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    pub stats: VmStats,
    /// Guest agent configured but not answering ("QEMU guest agent is not running").
    #[serde(default)]
    pub agent_down: bool,
    /// Interfaces the guest agent reports (default: derived from netN/ipconfigN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_interfaces: Option<Value>,
    /// Pending config changes of a running VM (applied at the next start).
    #[serde(default)]
    pub pending: BTreeMap<String, String>,
    /// Pending deletions of a running VM.
    #[serde(default)]
    pub pending_delete: BTreeSet<String>,
    /// The guest ignores ACPI power-down: a shutdown never completes by itself.
    #[serde(default)]
    pub ignore_acpi: bool,
    /// How long the guest takes to power off after ACPI (ms, before time scale);
    /// `None` = the `qmshutdown` task duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown_ms: Option<u64>,
    /// HA resource `vm:<vmid>` requested state (`started`, `stopped`, ...) if HA-managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ha: Option<String>,
}

impl Vm {
    /// A stopped VM with `config` and nothing else (no firewall, snapshots,
    /// stats or guest agent state).
    pub fn new(vmid: u32, node: &str, config: BTreeMap<String, String>) -> Vm {
        Vm {
            vmid,
            node: node.to_string(),
            config,
            status: "stopped".into(),
            started: None,
            pid: None,
            firewall: Firewall::default(),
            snapshots: BTreeMap::new(),
            flock: false,
            pool: None,
            stats: VmStats::default(),
            agent_down: false,
            agent_interfaces: None,
            pending: BTreeMap::new(),
            pending_delete: BTreeSet::new(),
            ignore_acpi: false,
            shutdown_ms: None,
            ha: None,
        }
    }

    /// Apply the pending section (PVE's `vmconfig_apply_pending`, at start).
    pub fn apply_pending(&mut self) {
        let deletes: Vec<String> = std::mem::take(&mut self.pending_delete)
            .into_iter()
            .collect();
        for k in deletes {
            if let Some(old) = self.config.remove(&k) {
                if is_drive_key(&k) {
                    let d = Drive::parse(&old);
                    if d.is_volume() && !d.is_cdrom() {
                        let mut i = 0;
                        while self.config.contains_key(&format!("unused{i}")) {
                            i += 1;
                        }
                        self.config.insert(format!("unused{i}"), d.file.clone());
                    }
                }
            }
        }
        for (k, v) in std::mem::take(&mut self.pending) {
            self.config.insert(k, v);
        }
    }

    /// Whether the config has pending changes.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty() || !self.pending_delete.is_empty()
    }

    pub fn is_template(&self) -> bool {
        self.config
            .get("template")
            .map(|v| v == "1")
            .unwrap_or(false)
    }
    pub fn lock(&self) -> Option<&str> {
        self.config.get("lock").map(String::as_str)
    }
    pub fn running(&self) -> bool {
        self.status == "running"
    }
    pub fn uptime(&self) -> u64 {
        match (self.running(), self.started) {
            (true, Some(s)) => now_unix().saturating_sub(s),
            _ => 0,
        }
    }
    pub fn name(&self) -> String {
        self.config
            .get("name")
            .cloned()
            .unwrap_or_else(|| format!("VM {}", self.vmid))
    }
    /// `sshkeys` as the keys text (the config stores them percent-encoded, like PVE).
    pub fn sshkeys_decoded(&self) -> Option<String> {
        self.config
            .get("sshkeys")
            .map(|k| crate::http::percent_decode(k))
    }
    /// Configured memory in bytes (saturating).
    pub fn memory_bytes(&self) -> u64 {
        self.memory_mib().saturating_mul(MIB)
    }
    pub fn memory_mib(&self) -> u64 {
        let m = self
            .config
            .get("memory")
            .map(String::as_str)
            .unwrap_or("512");
        let m = m.strip_prefix("current=").unwrap_or(m);
        m.split(',')
            .next()
            .and_then(|x| x.parse().ok())
            .unwrap_or(512)
    }
    pub fn cpus(&self) -> u64 {
        let cores: u64 = self
            .config
            .get("cores")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let sockets: u64 = self
            .config
            .get("sockets")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        self.config
            .get("vcpus")
            .and_then(|v| v.parse().ok())
            .unwrap_or(cores.saturating_mul(sockets))
    }
    /// Size of the boot disk in bytes.
    pub fn maxdisk(&self) -> u64 {
        let order: Vec<String> = self
            .config
            .get("boot")
            .and_then(|b| b.split(',').find_map(|p| p.strip_prefix("order=")))
            .map(|o| o.split(';').map(String::from).collect())
            .unwrap_or_default();
        let mut keys: Vec<String> = order;
        for k in ["scsi0", "virtio0", "sata0", "ide0"] {
            keys.push(k.to_string());
        }
        for k in keys {
            if let Some(v) = self.config.get(&k) {
                let d = Drive::parse(v);
                if !d.is_cdrom() {
                    return d.get("size").and_then(parse_size).unwrap_or(0);
                }
            }
        }
        0
    }
}

/// A drive property string split into its volume and options.
#[derive(Debug, Clone, PartialEq)]
pub struct Drive {
    pub file: String,
    pub opts: Vec<(String, String)>,
}

impl Drive {
    pub fn parse(s: &str) -> Drive {
        let mut file = String::new();
        let mut opts = Vec::new();
        for part in s.split(',') {
            if part.is_empty() {
                continue;
            }
            match part.split_once('=') {
                Some(("file", v)) | Some(("volume", v)) => file = v.to_string(),
                Some((k, v)) => opts.push((k.to_string(), v.to_string())),
                None => file = part.to_string(),
            }
        }
        Drive { file, opts }
    }
    pub fn get(&self, k: &str) -> Option<&str> {
        self.opts
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }
    pub fn set(&mut self, k: &str, v: &str) {
        if let Some(e) = self.opts.iter_mut().find(|(a, _)| a == k) {
            e.1 = v.to_string();
        } else {
            self.opts.push((k.to_string(), v.to_string()));
        }
    }
    pub fn remove(&mut self, k: &str) {
        self.opts.retain(|(a, _)| a != k);
    }
    pub fn print(&self) -> String {
        let mut s = self.file.clone();
        for (k, v) in &self.opts {
            s.push(',');
            s.push_str(k);
            s.push('=');
            s.push_str(v);
        }
        s
    }
    pub fn is_cdrom(&self) -> bool {
        self.get("media") == Some("cdrom") || self.file == "cdrom"
    }
    /// A cdrom that is not a cloud-init drive (an ISO, `none`, `cdrom`).
    pub fn is_iso_cdrom(&self) -> bool {
        self.is_cdrom() && !self.is_cloudinit()
    }
    pub fn is_cloudinit(&self) -> bool {
        self.file.contains("cloudinit")
    }
    /// Whether `file` names a storage volume (not none/cdrom/an absolute path).
    pub fn is_volume(&self) -> bool {
        self.file.contains(':') && !self.file.starts_with('/')
    }
}

/// Drive keys: ide/sata/scsi/virtio N, efidisk0, tpmstate0.
pub fn is_drive_key(k: &str) -> bool {
    static R: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"^(?:(?:ide|sata|scsi|virtio)\d+|efidisk0|tpmstate0)$").expect("regex")
    });
    R.is_match(k)
}

/// `unusedN` keys.
pub fn is_unused_key(k: &str) -> bool {
    k.strip_prefix("unused")
        .map(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or(false)
}

/// PVE `parse_size` (bytes).
pub fn parse_size(s: &str) -> Option<u64> {
    static R: Lazy<Regex> = Lazy::new(|| Regex::new(r"^(\d+(?:\.\d+)?)([KMGT])?$").expect("regex"));
    let c = R.captures(s)?;
    let n: f64 = c[1].parse().ok()?;
    let mult = match c.get(2).map(|m| m.as_str()) {
        Some("K") => 1024.0,
        Some("M") => 1024.0 * 1024.0,
        Some("G") => 1024.0 * 1024.0 * 1024.0,
        Some("T") => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => 1.0,
    };
    Some((n * mult) as u64)
}

/// PVE `format_size`.
pub fn format_size(size: u64) -> String {
    let kb = size / 1024;
    if kb * 1024 != size {
        return size.to_string();
    }
    let mb = kb / 1024;
    if mb * 1024 != kb {
        return format!("{kb}K");
    }
    let gb = mb / 1024;
    if gb * 1024 != mb {
        return format!("{mb}M");
    }
    let tb = gb / 1024;
    if tb * 1024 != gb {
        return format!("{gb}G");
    }
    format!("{tb}T")
}

/// Storage id of a volume id.
pub fn vol_storage(volid: &str) -> &str {
    volid.split_once(':').map(|(s, _)| s).unwrap_or("")
}

/// Task status.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum TaskState {
    Running,
    Stopped,
}

/// What a task does when it completes.
#[derive(Debug, Clone)]
pub enum Effect {
    None,
    /// Clone disks into the (already created, locked) new VM.
    Clone {
        newid: u32,
        /// (key, source volid, target storage, full, format, size)
        disks: Vec<CloneDisk>,
    },
    Migrate {
        vmid: u32,
        target: String,
        /// source storage → target storage (for local volumes)
        storage_map: BTreeMap<String, String>,
    },
    Start {
        vmid: u32,
    },
    Stop {
        vmid: u32,
    },
    Reboot {
        vmid: u32,
        /// The guest powers off in time (else the task ends in a timeout error).
        completes: bool,
    },
    /// ACPI (or guest agent) shutdown.
    Shutdown {
        vmid: u32,
        /// The guest powers off within the timeout.
        completes: bool,
        /// `forceStop`: kill the VM after the timeout instead of failing.
        force: bool,
    },
    /// An HA request (`hastart` / `hastop`): sets the HA state; the local
    /// resource manager then runs the real task as root@pam.
    HaRequest {
        vmid: u32,
        state: String,
        /// For a stop: the shutdown timeout (`None` = hard stop).
        timeout: Option<u64>,
    },
    Destroy {
        vmid: u32,
        unreferenced: bool,
        purge: bool,
        skiplock: bool,
    },
    Resize {
        vmid: u32,
        disk: String,
        size: String,
    },
    Snapshot {
        vmid: u32,
        name: String,
        description: String,
        vmstate: bool,
    },
    DelSnapshot {
        vmid: u32,
        name: String,
    },
    Rollback {
        vmid: u32,
        name: String,
        start: bool,
    },
    Vzdump {
        vmids: Vec<u32>,
        storage: String,
        compress: String,
        mode: String,
        notes: Option<String>,
        protected: bool,
        keep_last: Option<usize>,
    },
    Create {
        vmid: u32,
        start: bool,
    },
    Restore {
        vmid: u32,
        archive: String,
        storage: Option<String>,
        start: bool,
        unique: bool,
    },
    VolDelete {
        volid: String,
        node: String,
    },
}

/// One disk to clone.
#[derive(Debug, Clone)]
pub struct CloneDisk {
    pub key: String,
    pub drive: String,
    pub target_storage: String,
    pub full: bool,
    pub format: Option<String>,
}

/// A worker task.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub upid: String,
    pub node: String,
    pub pid: u32,
    pub pstart: u32,
    pub starttime: u64,
    #[serde(rename = "type")]
    pub ttype: String,
    pub id: String,
    pub user: String,
    pub status: TaskState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exitstatus: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endtime: Option<u64>,
    pub log: Vec<String>,
    /// VM whose config lock this task holds, and the lock name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<(u32, String)>,
    #[serde(skip)]
    pub end_at: Option<Instant>,
    #[serde(skip)]
    pub effect: Option<Effect>,
    #[serde(skip)]
    pub forced_error: Option<String>,
    pub duration_ms: u64,
}

/// A latency rule: requests whose method (if set) and path match get `ms` extra.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LatencyRule {
    #[serde(default)]
    pub method: Option<String>,
    pub path: String,
    pub ms: u64,
}

/// An injected fault on matching requests.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub method: Option<String>,
    /// Regex on the path below /api2/json (unanchored; use ^…$ to anchor).
    pub path: String,
    #[serde(default = "default_fault_status")]
    pub status: u16,
    #[serde(default = "default_fault_message")]
    pub message: String,
    /// Optional `errors` object (e.g. for 400s).
    #[serde(default)]
    pub errors: Option<BTreeMap<String, String>>,
    /// How many times to fire; `None` = until cleared.
    #[serde(default)]
    pub count: Option<u32>,
    /// Chance (0..1) that a matching request is hit; `None` = every one.
    #[serde(default)]
    pub probability: Option<f64>,
    /// What happens: an error answer, a dropped connection, a timeout, or a
    /// task that ends with `exitstatus`.
    #[serde(default)]
    pub action: FaultAction,
    /// `before` (default): the request is not executed; `after`: it is executed
    /// and then the answer is replaced (the client cannot tell it worked).
    #[serde(default)]
    pub when: FaultWhen,
    /// For `timeout`: how long the connection stays silent before it is closed.
    #[serde(default = "default_timeout_ms")]
    pub delay_ms: u64,
    /// For `task`: the exit status the request's task ends with
    /// (`WARNINGS: n` still applies the task's effect).
    #[serde(default)]
    pub exitstatus: Option<String>,
}

impl Fault {
    /// An error answer on every matching request.
    pub fn error(method: Option<&str>, path: &str, status: u16, message: &str) -> Fault {
        Fault {
            method: method.map(String::from),
            path: path.into(),
            status,
            message: message.into(),
            errors: None,
            count: None,
            probability: None,
            action: FaultAction::Error,
            when: FaultWhen::Before,
            delay_ms: default_timeout_ms(),
            exitstatus: None,
        }
    }
    /// Fire `n` times.
    pub fn times(mut self, n: u32) -> Fault {
        self.count = Some(n);
        self
    }
    /// Fire with probability `p`.
    pub fn chance(mut self, p: f64) -> Fault {
        self.probability = Some(p.clamp(0.0, 1.0));
        self
    }
    /// Apply the request first, then replace the answer.
    pub fn after(mut self) -> Fault {
        self.when = FaultWhen::After;
        self
    }
    /// A dropped connection instead of an error.
    pub fn drop_conn(method: Option<&str>, path: &str) -> Fault {
        let mut f = Fault::error(method, path, 500, "");
        f.action = FaultAction::Drop;
        f
    }
    /// No answer for `ms`, then the connection closes.
    pub fn timeout(method: Option<&str>, path: &str, ms: u64) -> Fault {
        let mut f = Fault::error(method, path, 500, "");
        f.action = FaultAction::Timeout;
        f.delay_ms = ms;
        f
    }
    /// The request's task ends with `exitstatus`.
    pub fn task(method: Option<&str>, path: &str, exitstatus: &str) -> Fault {
        let mut f = Fault::error(method, path, 500, "");
        f.action = FaultAction::Task;
        f.exitstatus = Some(exitstatus.into());
        f
    }
}

/// What an injected fault does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultAction {
    /// Answer `status` with PVE's error body.
    #[default]
    Error,
    /// Close the connection without an answer.
    Drop,
    /// Stay silent for `delay_ms`, then close.
    Timeout,
    /// Run the request; its task ends with `exitstatus`.
    Task,
}

/// Whether the request is executed before the fault hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultWhen {
    #[default]
    Before,
    After,
}

fn default_timeout_ms() -> u64 {
    30_000
}

fn default_fault_status() -> u16 {
    500
}
fn default_fault_message() -> String {
    "simulated failure".into()
}

/// A forced task failure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskFault {
    /// Task type (`qmclone`, `qmstart`, …); `None` = any.
    #[serde(default, rename = "type")]
    pub ttype: Option<String>,
    #[serde(default)]
    pub vmid: Option<u32>,
    /// The exit status (`exitstatus` is accepted too); `WARNINGS: n` still
    /// applies the task's effect.
    #[serde(default = "default_fault_message", alias = "exitstatus")]
    pub message: String,
    #[serde(default)]
    pub count: Option<u32>,
    /// Chance (0..1) that a matching task is hit; `None` = every one.
    #[serde(default)]
    pub probability: Option<f64>,
}

/// A privilege denial for a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deny {
    /// ACL path (`/vms/100`); `None` = every path.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(rename = "priv")]
    pub privilege: String,
}

/// An API token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Token {
    /// `user@realm!name`
    pub id: String,
    pub secret: String,
    #[serde(default)]
    pub deny: Vec<Deny>,
}

/// One logged request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogEntry {
    pub seq: u64,
    pub time_ms: u128,
    pub method: String,
    /// Path below /api2/json, percent-decoded.
    pub path: String,
    /// Path template (`/nodes/{node}/qemu/{vmid}/config`), if matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Query + body parameters exactly as received (URI params not included).
    pub params: Map<String, Value>,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub tls: bool,
    pub duration_ms: u64,
}

/// Test controls.
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    pub latency_ms: u64,
    pub latency_rules: Vec<LatencyRule>,
    pub fault_rate: f64,
    pub fault_status: u16,
    pub fault_message: String,
    /// What a random fault does (error / drop / timeout).
    pub fault_action: FaultAction,
    pub fault_delay_ms: u64,
    pub faults: Vec<Fault>,
    pub task_faults: Vec<TaskFault>,
    pub tokens: Vec<Token>,
    pub auth_delay_ms: u64,
    /// Task durations in ms by task type (before `time_scale`).
    pub task_ms: BTreeMap<String, u64>,
    pub default_task_ms: u64,
    pub time_scale: f64,
    /// Task types whose VM lock check happens inside the worker (task fails)
    /// instead of synchronously (HTTP 500). Empty by default.
    pub lock_check_in_task: BTreeSet<String>,
    pub counters: BTreeMap<String, u64>,
    pub total_calls: u64,
    #[serde(skip)]
    pub log: VecDeque<LogEntry>,
    pub log_capacity: usize,
    pub seq: u64,
    #[serde(skip)]
    pub rng: u64,
    /// The console (`vncproxy` / `vncwebsocket`): where the VNC server is.
    pub vnc: VncControl,
    /// Tickets handed out by `vncproxy`, each good for one `vncwebsocket`.
    #[serde(skip)]
    pub vnc_tickets: Vec<VncTicket>,
}

/// The VNC server behind every VM's console (the test's QEMU), and which
/// Proxmox behaviour `vncproxy` has.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VncControl {
    /// `host:port` of the VNC server `vncwebsocket` bridges to.
    #[serde(default)]
    pub backend: Option<String>,
    /// QEMU's QMP socket: `vncproxy` sets the VNC password there, as
    /// qemu-server does.
    #[serde(default)]
    pub qmp: Option<String>,
    /// Before qemu-server 8.4.7 / 9.1.7: a password only with
    /// `generate-password`, otherwise the ticket is the VNC password.
    #[serde(default)]
    pub legacy: bool,
}

/// One `vncproxy` ticket: bound to the token user, the VM and the port.
#[derive(Debug, Clone)]
pub struct VncTicket {
    pub ticket: String,
    pub user: String,
    pub node: String,
    pub vmid: u32,
    pub port: u64,
    pub created: u64,
    pub used: bool,
}

impl Default for Control {
    fn default() -> Self {
        let mut task_ms = BTreeMap::new();
        task_ms.insert("qmclone".to_string(), 300);
        task_ms.insert("qmigrate".to_string(), 300);
        task_ms.insert("qmstart".to_string(), 100);
        // a guest takes a while to power off after ACPI
        task_ms.insert("qmshutdown".to_string(), 400);
        task_ms.insert("vncproxy".to_string(), 10_000);
        Control {
            latency_ms: 0,
            latency_rules: vec![],
            fault_rate: 0.0,
            fault_status: 500,
            fault_message: "simulated random failure".into(),
            fault_action: FaultAction::Error,
            fault_delay_ms: default_timeout_ms(),
            faults: vec![],
            task_faults: vec![],
            tokens: vec![],
            auth_delay_ms: 0,
            task_ms,
            default_task_ms: 50,
            time_scale: 1.0,
            lock_check_in_task: BTreeSet::new(),
            counters: BTreeMap::new(),
            total_calls: 0,
            log: VecDeque::new(),
            log_capacity: 1000,
            seq: 0,
            rng: 0x2545_F491_4F6C_DD1D
                ^ (SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)),
            vnc: VncControl::default(),
            vnc_tickets: vec![],
        }
    }
}

impl Control {
    /// xorshift64*
    pub fn next_rand(&mut self) -> u64 {
        let mut x = self.rng.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn rand_f64(&mut self) -> f64 {
        (self.next_rand() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The whole simulated world.
#[derive(Debug, Clone)]
pub struct State {
    pub cluster_name: String,
    pub nodes: BTreeMap<String, Node>,
    pub storages: BTreeMap<String, Storage>,
    pub volumes: Vec<Volume>,
    pub vms: BTreeMap<u32, Vm>,
    pub tasks: Vec<Task>,
    pub next_pid: u32,
    pub cert_pem: String,
    pub fingerprint: String,
    pub control: Control,
    /// Log lines of a failing effect (taken by `finish_task`).
    pub effect_log: Vec<String>,
}

fn vol(
    volid: &str,
    node: Option<&str>,
    vmid: Option<u32>,
    content: &str,
    format: &str,
    size: u64,
) -> Volume {
    Volume {
        volid: volid.into(),
        storage: vol_storage(volid).into(),
        node: node.map(String::from),
        vmid,
        content: content.into(),
        format: format.into(),
        size,
        ctime: now_unix().saturating_sub(86400 * 30),
        parent: None,
        notes: None,
        protected: false,
        backup_config: None,
    }
}

fn cfg(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl State {
    /// The default seeded cluster (see the crate docs).
    pub fn seeded() -> State {
        let now = now_unix();
        let mut nodes = BTreeMap::new();
        for (i, name) in ["pve1", "pve2"].iter().enumerate() {
            nodes.insert(
                name.to_string(),
                Node {
                    name: name.to_string(),
                    online: true,
                    maxcpu: 16,
                    maxmem: 64 * GIB,
                    mem: (8 + 4 * i as u64) * GIB,
                    cpu: 0.05 + 0.02 * i as f64,
                    maxdisk: 100 * GIB,
                    disk: 12 * GIB,
                    boot_time: now.saturating_sub(864_000 + 3600 * i as u64),
                },
            );
        }
        let mut storages = BTreeMap::new();
        storages.insert(
            "local".to_string(),
            Storage {
                id: "local".into(),
                stype: "dir".into(),
                content: vec![
                    "iso".into(),
                    "vztmpl".into(),
                    "backup".into(),
                    "images".into(),
                ],
                shared: false,
                nodes: None,
                total: 100 * GIB,
                enabled: true,
                full: false,
            },
        );
        storages.insert(
            "local-lvm".to_string(),
            Storage {
                id: "local-lvm".into(),
                stype: "lvmthin".into(),
                content: vec!["images".into(), "rootdir".into()],
                shared: false,
                nodes: None,
                total: 500 * GIB,
                enabled: true,
                full: false,
            },
        );
        storages.insert(
            "ceph".to_string(),
            Storage {
                id: "ceph".into(),
                stype: "rbd".into(),
                content: vec!["images".into()],
                shared: true,
                nodes: Some(vec!["pve1".into(), "pve2".into()]),
                total: 2048 * GIB,
                enabled: true,
                full: false,
            },
        );
        let mut volumes = vec![];
        for n in ["pve1", "pve2"] {
            volumes.push(vol(
                "local:iso/debian-12.7.0-amd64-netinst.iso",
                Some(n),
                None,
                "iso",
                "iso",
                631 * MIB,
            ));
            volumes.push(vol(
                "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst",
                Some(n),
                None,
                "vztmpl",
                "tzst",
                120 * MIB,
            ));
        }
        volumes.push(vol(
            "local-lvm:base-9000-disk-0",
            Some("pve1"),
            Some(9000),
            "images",
            "raw",
            2 * GIB,
        ));
        volumes.push(vol(
            "local-lvm:vm-9000-cloudinit",
            Some("pve1"),
            Some(9000),
            "images",
            "raw",
            4 * MIB,
        ));
        volumes.push(vol(
            "local-lvm:base-9001-disk-0",
            Some("pve1"),
            Some(9001),
            "images",
            "raw",
            3 * GIB,
        ));
        volumes.push(vol(
            "local-lvm:vm-9001-cloudinit",
            Some("pve1"),
            Some(9001),
            "images",
            "raw",
            4 * MIB,
        ));
        volumes.push(vol(
            "local:9002/base-9002-disk-0.qcow2",
            Some("pve2"),
            Some(9002),
            "images",
            "qcow2",
            10 * GIB,
        ));
        volumes.push(vol(
            "local:9002/vm-9002-cloudinit.qcow2",
            Some("pve2"),
            Some(9002),
            "images",
            "qcow2",
            4 * MIB,
        ));
        let mut vms = BTreeMap::new();
        let tmpl = Vm::new;
        let meta = format!(
            "creation-qemu=9.2.0,ctime={}",
            now.saturating_sub(86400 * 30)
        );
        vms.insert(
            9000,
            tmpl(
                9000,
                "pve1",
                cfg(&[
                    ("name", "debian-12-cloud"),
                    ("template", "1"),
                    ("scsi0", "local-lvm:base-9000-disk-0,size=2G"),
                    ("ide2", "local-lvm:vm-9000-cloudinit,media=cdrom"),
                    ("boot", "order=scsi0"),
                    ("net0", "virtio=BC:24:11:00:00:01,bridge=vmbr0"),
                    ("scsihw", "virtio-scsi-pci"),
                    ("memory", "2048"),
                    ("cores", "1"),
                    ("sockets", "1"),
                    ("ostype", "l26"),
                    ("serial0", "socket"),
                    ("vga", "serial0"),
                    ("agent", "1"),
                    ("smbios1", "uuid=6f1c6d1e-9000-4a43-8c3d-000000009000"),
                    ("vmgenid", "0f6a58b6-9000-4b2e-9d0a-000000009000"),
                    ("meta", &meta),
                ]),
            ),
        );
        vms.insert(
            9001,
            tmpl(
                9001,
                "pve1",
                cfg(&[
                    ("name", "ubuntu-2404-cloud"),
                    ("template", "1"),
                    ("virtio0", "local-lvm:base-9001-disk-0,size=3G"),
                    ("ide2", "local-lvm:vm-9001-cloudinit,media=cdrom"),
                    ("boot", "order=virtio0"),
                    ("net0", "virtio=BC:24:11:00:00:02,bridge=vmbr0"),
                    ("scsihw", "virtio-scsi-pci"),
                    ("memory", "2048"),
                    ("cores", "1"),
                    ("sockets", "1"),
                    ("ostype", "l26"),
                    ("agent", "1"),
                    ("smbios1", "uuid=6f1c6d1e-9001-4a43-8c3d-000000009001"),
                    ("vmgenid", "0f6a58b6-9001-4b2e-9d0a-000000009001"),
                    ("meta", &meta),
                ]),
            ),
        );
        vms.insert(
            9002,
            tmpl(
                9002,
                "pve2",
                cfg(&[
                    ("name", "almalinux-9-cloud"),
                    ("template", "1"),
                    ("sata0", "local:9002/base-9002-disk-0.qcow2,size=10G"),
                    ("ide2", "local:9002/vm-9002-cloudinit.qcow2,media=cdrom"),
                    ("boot", "order=sata0"),
                    ("net0", "virtio=BC:24:11:00:00:03,bridge=vmbr0"),
                    ("memory", "2048"),
                    ("cores", "1"),
                    ("sockets", "1"),
                    ("ostype", "l26"),
                    ("smbios1", "uuid=6f1c6d1e-9002-4a43-8c3d-000000009002"),
                    ("vmgenid", "0f6a58b6-9002-4b2e-9d0a-000000009002"),
                    ("meta", &meta),
                ]),
            ),
        );
        State {
            cluster_name: "pve-sim".into(),
            nodes,
            storages,
            volumes,
            vms,
            tasks: vec![],
            next_pid: 0x0003_A000,
            cert_pem: String::new(),
            fingerprint: String::new(),
            control: Control::default(),
            effect_log: vec![],
        }
    }

    /// An empty cluster with the given node names (no storages, no VMs).
    pub fn empty(nodes: &[&str]) -> State {
        let mut s = State::seeded();
        s.storages.clear();
        s.volumes.clear();
        s.vms.clear();
        s.nodes.retain(|k, _| nodes.contains(&k.as_str()));
        for n in nodes {
            if !s.nodes.contains_key(*n) {
                let mut node = s
                    .nodes
                    .values()
                    .next()
                    .cloned()
                    .unwrap_or_else(|| State::seeded().nodes["pve1"].clone());
                node.name = n.to_string();
                s.nodes.insert(n.to_string(), node);
            }
        }
        s
    }

    // ---------------------------------------------------------------- VMs

    /// The VM if its config lives on `node` (PVE's `load_config`).
    pub fn vm(&self, node: &str, vmid: u32) -> ApiResult<&Vm> {
        match self.vms.get(&vmid) {
            Some(vm) if vm.node == node => Ok(vm),
            _ => Err(ApiError::no_vm(node, vmid)),
        }
    }

    /// Mutable variant of [`State::vm`].
    pub fn vm_mut(&mut self, node: &str, vmid: u32) -> ApiResult<&mut Vm> {
        match self.vms.get_mut(&vmid) {
            Some(vm) if vm.node == node => Ok(vm),
            _ => Err(ApiError::no_vm(node, vmid)),
        }
    }

    /// Lowest free VMID ≥ 100.
    pub fn next_free_vmid(&self) -> u32 {
        let mut id = 100;
        while self.vms.contains_key(&id) {
            id += 1;
        }
        id
    }

    /// A random locally-administered-looking MAC with Proxmox's BC:24:11 prefix.
    pub fn random_mac(&mut self) -> String {
        let r = self.control.next_rand();
        format!(
            "BC:24:11:{:02X}:{:02X}:{:02X}",
            (r >> 16) & 0xff,
            (r >> 8) & 0xff,
            r & 0xff
        )
    }

    /// A random UUID (v4 layout).
    pub fn random_uuid(&mut self) -> String {
        let a = self.control.next_rand();
        let b = self.control.next_rand();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    // ------------------------------------------------------------ storage

    /// Storage definition, checked for availability on `node`.
    pub fn storage_on(&self, sid: &str, node: &str) -> ApiResult<&Storage> {
        let s = self
            .storages
            .get(sid)
            .ok_or_else(|| ApiError::internal(format!("storage '{sid}' does not exist")))?;
        if !s.on_node(node) {
            return Err(ApiError::internal(format!(
                "storage '{sid}' is not available on node '{node}'"
            )));
        }
        if !s.enabled {
            return Err(ApiError::internal(format!("storage '{sid}' is disabled")));
        }
        Ok(s)
    }

    /// Bytes used on a storage as seen from `node`.
    pub fn storage_used(&self, sid: &str, node: &str) -> u64 {
        if let Some(s) = self.storages.get(sid).filter(|s| s.full) {
            return s.total;
        }
        let shared = self.storages.get(sid).map(|s| s.shared).unwrap_or(false);
        self.volumes
            .iter()
            .filter(|v| v.storage == sid && (shared || v.node.as_deref() == Some(node)))
            .map(|v| v.size)
            .fold(0u64, |a, b| a.saturating_add(b))
    }

    /// Index of a volume visible from `node`.
    pub fn find_volume(&self, volid: &str, node: &str) -> Option<usize> {
        self.volumes
            .iter()
            .position(|v| v.volid == volid && (v.node.is_none() || v.node.as_deref() == Some(node)))
    }

    fn vol_node(&self, sid: &str, node: &str) -> Option<String> {
        match self.storages.get(sid) {
            Some(s) if s.shared => None,
            _ => Some(node.to_string()),
        }
    }

    fn next_disk_index(&self, sid: &str, node: &str, vmid: u32) -> u32 {
        let re = Regex::new(&format!(r"(?:vm|base)-{vmid}-disk-(\d+)")).ok();
        let node_key = self.vol_node(sid, node);
        let used: BTreeSet<u32> = self
            .volumes
            .iter()
            .filter(|v| v.storage == sid && v.node == node_key)
            .filter_map(|v| {
                let own = v.volid.rsplit('/').next().unwrap_or(&v.volid);
                re.as_ref()
                    .and_then(|r| r.captures(own))
                    .and_then(|c| c[1].parse().ok())
            })
            .collect();
        let mut i = 0;
        while used.contains(&i) {
            i += 1;
        }
        i
    }

    /// Allocate a new image volume; returns the volid.
    #[allow(clippy::too_many_arguments)]
    pub fn alloc_image(
        &mut self,
        sid: &str,
        node: &str,
        vmid: u32,
        size: u64,
        format: Option<&str>,
        cloudinit: bool,
        parent: Option<&str>,
    ) -> ApiResult<String> {
        let st = self.storage_on(sid, node)?.clone();
        if !st.supports("images") {
            return Err(ApiError::internal(format!(
                "storage '{sid}' does not support vm images"
            )));
        }
        if st.full {
            return Err(ApiError::internal(format!(
                "unable to create image: error writing to storage '{sid}': {ENOSPC}"
            )));
        }
        let fmt = format.unwrap_or(st.default_format()).to_string();
        if !st.is_file() && fmt != "raw" {
            return Err(ApiError::internal(format!(
                "unsupported format '{fmt}' for storage type {}",
                st.stype
            )));
        }
        let own = if cloudinit {
            if st.is_file() {
                format!("{vmid}/vm-{vmid}-cloudinit.{fmt}")
            } else {
                format!("vm-{vmid}-cloudinit")
            }
        } else {
            let n = self.next_disk_index(sid, node, vmid);
            if st.is_file() {
                format!("{vmid}/vm-{vmid}-disk-{n}.{fmt}")
            } else {
                format!("vm-{vmid}-disk-{n}")
            }
        };
        let volid = match parent {
            Some(p) => format!("{p}/{own}"),
            None => format!("{sid}:{own}"),
        };
        let node_key = self.vol_node(sid, node);
        if self
            .volumes
            .iter()
            .any(|v| v.volid == volid && v.node == node_key)
        {
            return Err(ApiError::internal(format!(
                "volume '{volid}' already exists"
            )));
        }
        self.volumes.push(Volume {
            volid: volid.clone(),
            storage: sid.to_string(),
            node: node_key,
            vmid: Some(vmid),
            content: "images".into(),
            format: fmt,
            size,
            ctime: now_unix(),
            parent: parent.map(String::from),
            notes: None,
            protected: false,
            backup_config: None,
        });
        Ok(volid)
    }

    /// Remove a volume (no-op if missing).
    pub fn free_volume(&mut self, volid: &str, node: &str) {
        if let Some(i) = self.find_volume(volid, node) {
            self.volumes.remove(i);
        }
    }

    // -------------------------------------------------------------- tasks

    /// Duration of a task type, scaled.
    pub fn task_duration(&self, ttype: &str) -> u64 {
        let base = self
            .control
            .task_ms
            .get(ttype)
            .copied()
            .unwrap_or(self.control.default_task_ms);
        (base as f64 * self.control.time_scale.max(0.0)).round() as u64
    }

    /// Start a task; returns the UPID. `lock` puts a config lock on a VM while it runs.
    pub fn start_task(
        &mut self,
        node: &str,
        ttype: &str,
        id: &str,
        user: &str,
        effect: Effect,
        lock: Option<(u32, &str)>,
    ) -> String {
        let ms = self.task_duration(ttype);
        self.start_task_ms(node, ttype, id, user, effect, lock, ms)
    }

    /// Scale a base duration (ms) by the time scale.
    pub fn scaled(&self, base_ms: u64) -> u64 {
        (base_ms as f64 * self.control.time_scale.max(0.0)).round() as u64
    }

    /// [`State::start_task`] with an explicit (already scaled) duration.
    #[allow(clippy::too_many_arguments)]
    pub fn start_task_ms(
        &mut self,
        node: &str,
        ttype: &str,
        id: &str,
        user: &str,
        effect: Effect,
        lock: Option<(u32, &str)>,
        ms: u64,
    ) -> String {
        self.next_pid += 1 + (self.control.next_rand() % 7) as u32;
        let pid = self.next_pid;
        let boot = self.nodes.get(node).map(|n| n.boot_time).unwrap_or(0);
        let starttime = now_unix();
        let pstart = (starttime.saturating_sub(boot) * 100) as u32;
        let upid =
            format!("UPID:{node}:{pid:08X}:{pstart:08X}:{starttime:08X}:{ttype}:{id}:{user}:");
        let vmid_num: Option<u32> = id.parse().ok();
        let mut forced_error = None;
        let mut fired = None;
        for (i, f) in self.control.task_faults.iter().enumerate() {
            let type_ok = f.ttype.as_deref().map(|t| t == ttype).unwrap_or(true);
            let vm_ok = f.vmid.map(|v| Some(v) == vmid_num).unwrap_or(true);
            if type_ok && vm_ok && f.count != Some(0) {
                fired = Some(i);
                break;
            }
        }
        if let Some(i) = fired {
            if let Some(p) = self.control.task_faults[i].probability {
                if self.control.rand_f64() >= p {
                    fired = None;
                }
            }
        }
        if let Some(i) = fired {
            forced_error = Some(self.control.task_faults[i].message.clone());
        }
        if let Some(i) = fired {
            if let Some(c) = self.control.task_faults[i].count.as_mut() {
                *c -= 1;
                if *c == 0 {
                    self.control.task_faults.remove(i);
                }
            }
        }
        if let Some((vmid, l)) = lock {
            if let Some(vm) = self.vms.get_mut(&vmid) {
                vm.config.insert("lock".into(), l.to_string());
            }
        }
        let task = Task {
            upid: upid.clone(),
            node: node.to_string(),
            pid,
            pstart,
            starttime,
            ttype: ttype.to_string(),
            id: id.to_string(),
            user: user.to_string(),
            status: TaskState::Running,
            exitstatus: None,
            endtime: None,
            log: vec![],
            lock: lock.map(|(v, l)| (v, l.to_string())),
            end_at: Some(Instant::now() + Duration::from_millis(ms)),
            effect: Some(effect),
            forced_error,
            duration_ms: ms,
        };
        self.tasks.push(task);
        upid
    }

    /// A task that will fail with `msg` (a check that PVE runs inside the worker).
    pub fn failing_task(
        &mut self,
        node: &str,
        ttype: &str,
        id: &str,
        user: &str,
        msg: &str,
    ) -> String {
        let upid = self.start_task(node, ttype, id, user, Effect::None, None);
        if let Some(t) = self.tasks.last_mut() {
            t.forced_error = Some(msg.to_string());
        }
        upid
    }

    /// Complete every running task whose time is up, in order of end time.
    pub fn advance(&mut self) {
        let now = Instant::now();
        loop {
            let next = self
                .tasks
                .iter()
                .enumerate()
                .filter(|(_, t)| t.status == TaskState::Running)
                .filter_map(|(i, t)| t.end_at.map(|e| (i, e)))
                .filter(|(_, e)| *e <= now)
                .min_by_key(|(_, e)| *e)
                .map(|(i, _)| i);
            match next {
                Some(i) => self.finish_task(i, None),
                None => break,
            }
        }
    }

    /// Finish task `i` now; `abort` = stopped by a user (DELETE tasks/{upid}).
    pub fn finish_task(&mut self, i: usize, abort: Option<String>) {
        let Some(task) = self.tasks.get_mut(i) else {
            return;
        };
        let effect = task.effect.take().unwrap_or(Effect::None);
        let forced = abort.or_else(|| task.forced_error.take());
        let lock = task.lock.clone();
        let node = task.node.clone();
        let user = task.user.clone();
        let mut forced_warnings: Option<String> = None;
        let warnings = forced
            .as_deref()
            .map(|m| m.starts_with("WARNINGS: "))
            .unwrap_or(false);
        let result = match forced {
            Some(msg) if warnings => match self.apply_effect(&node, &user, effect.clone()) {
                Ok(lines) => {
                    forced_warnings = Some(msg);
                    Ok(lines)
                }
                Err(e) => {
                    self.cleanup_failed(&effect);
                    Err(e)
                }
            },
            Some(msg) => {
                self.cleanup_failed(&effect);
                Err(msg)
            }
            None => match self.apply_effect(&node, &user, effect.clone()) {
                Ok(lines) => Ok(lines),
                Err(e) => {
                    self.cleanup_failed(&effect);
                    Err(e)
                }
            },
        };
        if let Some((vmid, l)) = lock {
            if let Some(vm) = self.vms.get_mut(&vmid) {
                if vm.config.get("lock") == Some(&l) {
                    vm.config.remove("lock");
                }
            }
        }
        let extra = std::mem::take(&mut self.effect_log);
        let Some(task) = self.tasks.get_mut(i) else {
            return;
        };
        task.log.extend(extra);
        task.status = TaskState::Stopped;
        task.endtime = Some(now_unix());
        task.end_at = None;
        match result {
            Ok(lines) => {
                let warns = lines.iter().filter(|l| l.starts_with("WARN: ")).count();
                task.log.extend(lines);
                let status = match forced_warnings {
                    Some(w) => w,
                    None if warns > 0 => format!("WARNINGS: {warns}"),
                    None => "OK".into(),
                };
                task.log.push(format!("TASK {status}"));
                task.exitstatus = Some(status);
            }
            Err(msg) => {
                let msg = msg.trim_end_matches('\n').to_string();
                task.log.push(format!("TASK ERROR: {msg}"));
                task.exitstatus = Some(msg);
            }
        }
    }

    /// Undo what a task set up at its start when it fails.
    fn cleanup_failed(&mut self, effect: &Effect) {
        match effect {
            Effect::Clone { newid, .. } => {
                self.vms.remove(newid);
            }
            Effect::Create { vmid, .. } => {
                // a failed create destroys what it allocated
                if let Some(vm) = self.vms.remove(vmid) {
                    for (k, v) in &vm.config {
                        if is_drive_key(k) || is_unused_key(k) {
                            let d = Drive::parse(v);
                            let own = d.file.rsplit('/').next().unwrap_or("").to_string();
                            let own = own.rsplit(':').next().unwrap_or("").to_string();
                            if d.is_volume() && own.starts_with(&format!("vm-{vmid}-")) {
                                self.free_volume(&d.file, &vm.node);
                            }
                        }
                    }
                }
            }
            Effect::Restore { vmid, .. } => {
                // a fresh placeholder (only lock=create) is removed again
                if let Some(vm) = self.vms.get(vmid) {
                    if vm.lock() == Some("create") && vm.config.len() <= 1 {
                        self.vms.remove(vmid);
                    }
                }
            }
            Effect::Vzdump { vmids, .. } => {
                for v in vmids {
                    if let Some(vm) = self.vms.get_mut(v) {
                        if vm.lock() == Some("backup") {
                            vm.config.remove("lock");
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Find a task by UPID.
    pub fn task(&self, upid: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.upid == upid)
    }
}

/// Decode a UPID into its fields (PVE's regex).
pub fn parse_upid(upid: &str) -> Option<Map<String, Value>> {
    static R: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"^UPID:([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$").expect("regex")
    });
    let c = R.captures(upid)?;
    let hex = |s: &str| u64::from_str_radix(s, 16).unwrap_or(0);
    let mut m = Map::new();
    m.insert("node".into(), json!(&c[1]));
    m.insert("pid".into(), json!(hex(&c[3])));
    m.insert("pstart".into(), json!(hex(&c[4])));
    m.insert("starttime".into(), json!(hex(&c[5])));
    m.insert("type".into(), json!(&c[6]));
    m.insert("id".into(), json!(&c[7]));
    let user = &c[8];
    if let Some((u, t)) = user.split_once('!') {
        m.insert("user".into(), json!(u));
        m.insert("tokenid".into(), json!(t));
    } else {
        m.insert("user".into(), json!(user));
    }
    m.insert("upid".into(), json!(upid));
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2G"), Some(2 * GIB));
        assert_eq!(parse_size("1.5K"), Some(1536));
        assert_eq!(format_size(2 * GIB), "2G");
        assert_eq!(format_size(4 * MIB), "4M");
        assert_eq!(format_size(1536), "1536");
        assert_eq!(format_size(3 * GIB + 512 * MIB), "3584M");
    }

    #[test]
    fn drives() {
        let d = Drive::parse("local-lvm:vm-100-disk-0,iothread=1,size=32G");
        assert_eq!(d.file, "local-lvm:vm-100-disk-0");
        assert_eq!(d.get("size"), Some("32G"));
        assert_eq!(d.print(), "local-lvm:vm-100-disk-0,iothread=1,size=32G");
        assert!(Drive::parse("local-lvm:vm-9000-cloudinit,media=cdrom").is_cdrom());
        assert!(is_drive_key("scsi0") && is_drive_key("efidisk0") && !is_drive_key("net0"));
        assert!(is_unused_key("unused3") && !is_unused_key("unused"));
    }

    #[test]
    fn upid_roundtrip() {
        let mut s = State::seeded();
        let upid = s.start_task(
            "pve1",
            "qmstart",
            "100",
            "root@pam!whmcs",
            Effect::None,
            None,
        );
        let m = parse_upid(&upid).expect("parse");
        assert_eq!(m["node"], "pve1");
        assert_eq!(m["type"], "qmstart");
        assert_eq!(m["user"], "root@pam");
        assert_eq!(m["tokenid"], "whmcs");
        assert!(upid.ends_with(':'));
    }

    #[test]
    fn alloc_names() {
        let mut s = State::seeded();
        let a = s
            .alloc_image("local-lvm", "pve1", 101, GIB, None, false, None)
            .expect("a");
        let b = s
            .alloc_image("local-lvm", "pve1", 101, GIB, None, false, None)
            .expect("b");
        assert_eq!(a, "local-lvm:vm-101-disk-0");
        assert_eq!(b, "local-lvm:vm-101-disk-1");
        let c = s
            .alloc_image("local", "pve1", 101, GIB, None, false, None)
            .expect("c");
        assert_eq!(c, "local:101/vm-101-disk-0.qcow2");
        let d = s
            .alloc_image(
                "local-lvm",
                "pve1",
                102,
                GIB,
                None,
                false,
                Some("local-lvm:base-9000-disk-0"),
            )
            .expect("d");
        assert_eq!(d, "local-lvm:base-9000-disk-0/vm-102-disk-0");
        let e = s
            .alloc_image("local-lvm", "pve1", 102, GIB, None, true, None)
            .expect("e");
        assert_eq!(e, "local-lvm:vm-102-cloudinit");
        assert!(s
            .alloc_image("nope", "pve1", 102, GIB, None, false, None)
            .is_err());
    }
}

//! # pve-sim — an in-memory Proxmox VE API simulator
//!
//! Serves `/api2/json/...` over HTTP and HTTPS (self-signed certificate made at
//! start) on loopback, validates every request against the real PVE API schema
//! (`pve-apidoc.json`, embedded) with PVE's exact error strings, and keeps nodes,
//! storages, volumes, VMs, tasks, locks, firewall, snapshots and backups in
//! memory. Test controls live under `/_sim/` (no auth) and on [`SimHandle`].
//!
//! ```no_run
//! let sim = pve_sim::Sim::start(pve_sim::Config::default());
//! let c = sim.client_https();
//! let r = c.get("/api2/json/version", &[]).unwrap();
//! assert_eq!(r.status, 200);
//! ```

pub mod api;
pub mod client;
pub mod control;
pub mod effects;
pub mod error;
pub mod http;
pub mod schema;
pub mod server;
pub mod state;
pub mod validate;
pub mod vnc;

pub use client::{Client, ClientResponse};
pub use error::ApiError;
pub use state::{
    Deny, Fault, FaultAction, FaultWhen, LatencyRule, LogEntry, State, Task, TaskFault, TaskState,
    Token, Vm,
};

use server::Shared;
use std::collections::BTreeMap;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Default API token id.
pub const DEFAULT_TOKEN_ID: &str = "root@pam!whmcs";
/// Default API token secret.
pub const DEFAULT_TOKEN_SECRET: &str = "11111111-2222-3333-4444-555555555555";

/// Simulator configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Plain HTTP listener (`None` = off). Default `127.0.0.1:0` (any free port).
    pub http: Option<SocketAddr>,
    /// HTTPS listener (`None` = off). Default `127.0.0.1:0`.
    pub https: Option<SocketAddr>,
    /// API tokens as (`user@realm!name`, secret). Default: [`DEFAULT_TOKEN_ID`] / [`DEFAULT_TOKEN_SECRET`].
    pub tokens: Vec<(String, String)>,
    /// Initial world; `None` = [`State::seeded`].
    pub state: Option<State>,
    /// Multiplier for all task durations (default 1.0; 0 = tasks finish on the next request).
    pub time_scale: f64,
    /// Per task type duration overrides in ms (`qmclone` → 300, ...).
    pub task_ms: BTreeMap<String, u64>,
    /// Delay before a 401 answer (PVE uses 3 s; default 0).
    pub auth_delay_ms: u64,
    /// How many requests the request log keeps.
    pub log_capacity: usize,
    /// Serve a certificate issued by a throwaway CA ([`SimHandle::ca_pem`])
    /// instead of a self-signed one, as a Proxmox with a CA certificate would.
    pub ca_signed: bool,
}

impl Default for Config {
    fn default() -> Self {
        let lo: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
        Config {
            http: Some(lo),
            https: Some(lo),
            tokens: vec![(DEFAULT_TOKEN_ID.into(), DEFAULT_TOKEN_SECRET.into())],
            state: None,
            time_scale: 1.0,
            task_ms: BTreeMap::new(),
            auth_delay_ms: 0,
            log_capacity: 1000,
            ca_signed: false,
        }
    }
}

impl Config {
    /// Replace the token list with one token.
    pub fn token(mut self, id: &str, secret: &str) -> Config {
        self.tokens = vec![(id.into(), secret.into())];
        self
    }
    /// Set the global task time scale.
    pub fn time_scale(mut self, f: f64) -> Config {
        self.time_scale = f;
        self
    }
}

/// The server certificate (DER, PEM), its key (DER) and, when `ca_signed`,
/// the PEM of the throwaway CA that issued it.
type Issued = (Vec<u8>, String, Vec<u8>, Option<String>);

fn certificate(names: Vec<String>, ca_signed: bool) -> Result<Issued, rcgen::Error> {
    if !ca_signed {
        let ck = rcgen::generate_simple_self_signed(names)?;
        return Ok((
            ck.cert.der().to_vec(),
            ck.cert.pem(),
            ck.signing_key.serialize_der(),
            None,
        ));
    }
    let ca_key = rcgen::KeyPair::generate()?;
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "pve-sim test CA");
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate()?;
    let leaf = rcgen::CertificateParams::new(names)?.signed_by(&key, &issuer)?;
    Ok((
        leaf.der().to_vec(),
        leaf.pem(),
        key.serialize_der(),
        Some(ca_cert.pem()),
    ))
}

/// Entry point.
pub struct Sim;

impl Sim {
    /// Start the simulator in background threads. Panics if a port cannot be bound.
    pub fn start(cfg: Config) -> SimHandle {
        Sim::try_start(cfg).unwrap_or_else(|e| panic!("pve-sim failed to start: {e}"))
    }

    /// Start the simulator, reporting bind/TLS errors.
    pub fn try_start(cfg: Config) -> io::Result<SimHandle> {
        once_cell::sync::Lazy::force(&schema::SCHEMA);
        let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let (cert_der, cert_pem, key_der, ca_pem) =
            certificate(names, cfg.ca_signed).map_err(|e| io::Error::other(e.to_string()))?;
        let fingerprint = client::fingerprint_of(&cert_der);
        let tls = server::tls_config(cert_der, key_der).map_err(io::Error::other)?;

        let mut st = cfg.state.clone().unwrap_or_else(State::seeded);
        st.cert_pem = cert_pem.clone();
        st.fingerprint = fingerprint.clone();
        st.control.tokens = cfg
            .tokens
            .iter()
            .map(|(id, secret)| Token {
                id: id.clone(),
                secret: secret.clone(),
                deny: vec![],
            })
            .collect();
        st.control.time_scale = cfg.time_scale;
        for (k, v) in &cfg.task_ms {
            st.control.task_ms.insert(k.clone(), *v);
        }
        st.control.auth_delay_ms = cfg.auth_delay_ms;
        st.control.log_capacity = cfg.log_capacity;
        let shared = Arc::new(Shared::new(st));

        let mut threads = vec![];
        let mut http_addr = None;
        let mut https_addr = None;
        if let Some(a) = cfg.http {
            let l = TcpListener::bind(a)?;
            http_addr = Some(l.local_addr()?);
            threads.push(server::spawn_listener(shared.clone(), l, None));
        }
        if let Some(a) = cfg.https {
            let l = TcpListener::bind(a)?;
            https_addr = Some(l.local_addr()?);
            threads.push(server::spawn_listener(shared.clone(), l, Some(tls)));
        }
        Ok(SimHandle {
            shared,
            http: http_addr,
            https: https_addr,
            fingerprint,
            cert_pem,
            ca_pem,
            threads,
            token_id: cfg.tokens.first().map(|t| t.0.clone()).unwrap_or_default(),
            token_secret: cfg.tokens.first().map(|t| t.1.clone()).unwrap_or_default(),
        })
    }
}

/// A running simulator. Stops (closing listeners and connections) on drop.
pub struct SimHandle {
    shared: Arc<Shared>,
    http: Option<SocketAddr>,
    https: Option<SocketAddr>,
    fingerprint: String,
    cert_pem: String,
    ca_pem: Option<String>,
    threads: Vec<JoinHandle<()>>,
    token_id: String,
    token_secret: String,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT` (no path). Panics if HTTP is off.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http.expect("HTTP listener is off"))
    }
    /// `https://127.0.0.1:PORT` (no path). Panics if HTTPS is off.
    pub fn https_url(&self) -> String {
        format!("https://{}", self.https.expect("HTTPS listener is off"))
    }
    pub fn http_port(&self) -> Option<u16> {
        self.http.map(|a| a.port())
    }
    pub fn https_port(&self) -> Option<u16> {
        self.https.map(|a| a.port())
    }
    /// SHA-256 fingerprint of the certificate, `AB:CD:...` uppercase.
    pub fn fingerprint_sha256(&self) -> String {
        self.fingerprint.clone()
    }
    /// The certificate in PEM.
    pub fn cert_pem(&self) -> String {
        self.cert_pem.clone()
    }
    /// The issuing CA's certificate (PEM) when started with `ca_signed`.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }
    /// `PVEAPIToken=ID=SECRET` for the first configured token.
    pub fn auth_header(&self) -> String {
        format!("PVEAPIToken={}={}", self.token_id, self.token_secret)
    }
    /// HTTP client with the default token.
    pub fn client_http(&self) -> Client {
        Client::http(&self.http_url()).with_auth(&self.auth_header())
    }
    /// HTTPS client pinned to the fingerprint, with the default token.
    pub fn client_https(&self) -> Client {
        Client::https_pinned(&self.https_url(), &self.fingerprint).with_auth(&self.auth_header())
    }

    /// Run `f` on the live state (tasks advanced first).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut st = self.shared.lock();
        f(&mut st)
    }
    /// A snapshot of the whole state.
    pub fn state(&self) -> State {
        self.with_state(|s| s.clone())
    }
    /// The state as JSON (same as `GET /_sim/state`).
    pub fn state_json(&self) -> serde_json::Value {
        self.with_state(|s| control::state_json(s))
    }
    /// One VM (cloned).
    pub fn vm(&self, vmid: u32) -> Option<Vm> {
        self.with_state(|s| s.vms.get(&vmid).cloned())
    }

    /// Back to the initial state and controls.
    pub fn reset(&self) {
        let mut st = self.shared.lock();
        let cert = st.cert_pem.clone();
        let fp = st.fingerprint.clone();
        *st = self.shared.initial.clone();
        st.cert_pem = cert;
        st.fingerprint = fp;
    }

    /// Extra latency for every API call.
    pub fn set_latency_ms(&self, ms: u64) {
        self.with_state(|s| s.control.latency_ms = ms);
    }
    /// Extra latency for calls matching method (None = any) and path regex.
    pub fn add_latency_rule(&self, method: Option<&str>, path_regex: &str, ms: u64) {
        self.with_state(|s| {
            s.control.latency_rules.push(LatencyRule {
                method: method.map(String::from),
                path: path_regex.into(),
                ms,
            })
        });
    }
    /// Remove all latency.
    pub fn clear_latency(&self) {
        self.with_state(|s| {
            s.control.latency_ms = 0;
            s.control.latency_rules.clear();
        });
    }
    /// Random fault rate (0..1) answering 500 with a message.
    pub fn set_fault_rate(&self, rate: f64) {
        self.with_state(|s| s.control.fault_rate = rate.clamp(0.0, 1.0));
    }
    /// Add a fault rule.
    pub fn add_fault(&self, fault: Fault) {
        self.with_state(|s| s.control.faults.push(fault));
    }
    /// Fail the next matching call once.
    pub fn fail_next(&self, method: &str, path_regex: &str, status: u16, message: &str) {
        self.add_fault(Fault::error(Some(method), path_regex, status, message).times(1));
    }
    /// Drop the connection of the next matching call (before it is executed).
    pub fn drop_next(&self, method: &str, path_regex: &str) {
        self.add_fault(Fault::drop_conn(Some(method), path_regex).times(1));
    }
    /// Make the next task of this type (any VM) end with `message`.
    pub fn fail_next_task(&self, ttype: &str, message: &str) {
        self.add_task_fault(TaskFault {
            ttype: Some(ttype.into()),
            vmid: None,
            message: message.into(),
            count: Some(1),
            probability: None,
        });
    }
    /// Add a task fault rule.
    pub fn add_task_fault(&self, fault: TaskFault) {
        self.with_state(|s| s.control.task_faults.push(fault));
    }
    /// Let the guest of a VM ignore (or obey) ACPI power-down.
    pub fn set_ignore_acpi(&self, vmid: u32, on: bool) {
        self.with_state(|s| {
            if let Some(vm) = s.vms.get_mut(&vmid) {
                vm.ignore_acpi = on;
            }
        });
    }
    /// Make a VM HA-managed (`Some("started")`, ...) or not (`None`).
    pub fn set_ha(&self, vmid: u32, state: Option<&str>) {
        self.with_state(|s| {
            if let Some(vm) = s.vms.get_mut(&vmid) {
                vm.ha = state.map(String::from);
            }
        });
    }
    /// Remove all faults (random, named and task faults).
    pub fn clear_faults(&self) {
        self.with_state(|s| {
            s.control.fault_rate = 0.0;
            s.control.faults.clear();
            s.control.task_faults.clear();
        });
    }
    /// Set (`Some`) or clear (`None`) a VM's config lock.
    pub fn force_lock(&self, vmid: u32, lock: Option<&str>) {
        self.with_state(|s| {
            if let Some(vm) = s.vms.get_mut(&vmid) {
                match lock {
                    Some(l) => {
                        vm.config.insert("lock".into(), l.into());
                    }
                    None => {
                        vm.config.remove("lock");
                    }
                }
            }
        });
    }
    /// Hold (or release) the VM's config file lock: changes fail with `got timeout`.
    pub fn set_flock(&self, vmid: u32, on: bool) {
        self.with_state(|s| {
            if let Some(vm) = s.vms.get_mut(&vmid) {
                vm.flock = on;
            }
        });
    }
    /// Duration of a task type in ms (before time scale).
    pub fn set_task_ms(&self, ttype: &str, ms: u64) {
        self.with_state(|s| {
            s.control.task_ms.insert(ttype.into(), ms);
        });
    }
    /// Global task time scale.
    pub fn set_time_scale(&self, f: f64) {
        self.with_state(|s| s.control.time_scale = f.max(0.0));
    }
    /// Task types whose lock check fails the task instead of answering 500.
    pub fn set_lock_check_in_task(&self, types: &[&str]) {
        self.with_state(|s| {
            s.control.lock_check_in_task = types.iter().map(|t| t.to_string()).collect()
        });
    }
    /// Deny a privilege to a token (`path` None = everywhere).
    pub fn deny(&self, token_id: &str, privilege: &str, path: Option<&str>) {
        self.with_state(|s| {
            if let Some(t) = s.control.tokens.iter_mut().find(|t| t.id == token_id) {
                t.deny.push(Deny {
                    path: path.map(String::from),
                    privilege: privilege.into(),
                });
            }
        });
    }
    /// Remove all denials of a token.
    pub fn clear_denials(&self, token_id: &str) {
        self.with_state(|s| {
            if let Some(t) = s.control.tokens.iter_mut().find(|t| t.id == token_id) {
                t.deny.clear();
            }
        });
    }
    /// Add or replace a token.
    pub fn add_token(&self, id: &str, secret: &str) {
        self.with_state(|s| {
            s.control.tokens.retain(|t| t.id != id);
            s.control.tokens.push(Token {
                id: id.into(),
                secret: secret.into(),
                deny: vec![],
            });
        });
    }
    /// Mark a node online/offline (offline nodes answer 595 for proxied calls).
    pub fn set_node_online(&self, node: &str, online: bool) {
        self.with_state(|s| {
            if let Some(n) = s.nodes.get_mut(node) {
                n.online = online;
            }
        });
    }
    /// Calls to `"METHOD /template"` (e.g. `"POST /nodes/{node}/qemu/{vmid}/clone"`).
    pub fn calls(&self, key: &str) -> u64 {
        self.with_state(|s| s.control.counters.get(key).copied().unwrap_or(0))
    }
    /// All API calls since start/reset.
    pub fn total_calls(&self) -> u64 {
        self.with_state(|s| s.control.total_calls)
    }
    /// Reset the call counters.
    pub fn reset_counters(&self) {
        self.with_state(|s| {
            s.control.total_calls = 0;
            s.control.counters.clear();
        });
    }
    /// The request log (oldest first).
    pub fn requests(&self) -> Vec<LogEntry> {
        self.with_state(|s| s.control.log.iter().cloned().collect())
    }
    /// Clear the request log.
    pub fn clear_requests(&self) {
        self.with_state(|s| s.control.log.clear());
    }
    /// Finish every running task now.
    pub fn complete_tasks(&self) {
        self.with_state(control::complete_all);
    }
    /// Wait until a task has stopped (or the timeout passes).
    pub fn wait_task(&self, upid: &str, timeout: Duration) -> Option<Task> {
        let deadline = Instant::now() + timeout;
        loop {
            let t = self.with_state(|s| s.task(upid).cloned());
            match t {
                Some(t) if t.status == TaskState::Stopped => return Some(t),
                None => return None,
                _ => {}
            }
            if Instant::now() >= deadline {
                return self.with_state(|s| s.task(upid).cloned());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stop listeners and close connections (idempotent).
    pub fn stop(&mut self) {
        if self.shared.shutdown.swap(true, Ordering::SeqCst) {
            return;
        }
        for a in [self.http, self.https].into_iter().flatten() {
            let _ = TcpStream::connect_timeout(&a, Duration::from_millis(200));
        }
        self.shared.close_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

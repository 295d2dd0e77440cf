//! The VM's live status for the client area, shared by every viewer.
//!
//! A customer may keep several tabs open on one VM, each polling every 7 s;
//! without sharing, Proxmox would be read once per tab and poll. The last
//! answer is kept in `puqProxmoxKVM_live_cache` (the database, so it holds
//! across php-fpm workers and web nodes) for `TTL` seconds. When it is
//! older, one request claims the refresh (an UPDATE that only one caller
//! can win), reads Proxmox and stores the answer; the others wait briefly
//! for it and, if it is late, answer with the previous one. The VM config
//! (disks, NIC) changes rarely and is re-read at most every `CONFIG_TTL`
//! seconds, or at once after an action that changes it. Failures are
//! cached too, so a dead server is not hammered by every viewer.
//!
//! The row also carries the power rate limit (`power_at`).

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::Value;

use crate::error::Result;
use crate::jobs::record::{now_f, VmRow};
use crate::pve::api::VmConfig;
use crate::pve::{Client, Form, Method, PveError, Weight};

/// How long a status answer is served to every viewer (the page polls
/// every 7 s: about one Proxmox status read per VM per poll interval).
pub const TTL: f64 = 6.0;
/// How long the VM config is reused.
pub const CONFIG_TTL: f64 = 60.0;
/// How long a refresh claim holds before another viewer may take over.
const CLAIM: f64 = 5.0;
/// How long a viewer waits for another's refresh before answering with the
/// previous data.
const WAIT: Duration = Duration::from_millis(2500);

pub const MIGRATION: &[&str] = &["CREATE TABLE IF NOT EXISTS puqProxmoxKVM_live_cache (
        service_id INT UNSIGNED NOT NULL PRIMARY KEY,
        status_json MEDIUMTEXT NULL,
        status_error TEXT NULL,
        fetched_at DOUBLE NOT NULL DEFAULT 0,
        claim_until DOUBLE NOT NULL DEFAULT 0,
        config_json MEDIUMTEXT NULL,
        config_at DOUBLE NOT NULL DEFAULT 0,
        node VARCHAR(64) NOT NULL DEFAULT '',
        power_at DOUBLE NOT NULL DEFAULT 0
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"];

/// What viewers get.
#[derive(Debug, Clone, Default)]
pub struct Live {
    /// `status/current` of the VM, when the last read worked.
    pub status: Option<Value>,
    pub config: Option<VmConfig>,
    /// Why the last read failed (for the module log; never shown to a client).
    pub error: Option<String>,
    /// The node the VM was found on.
    pub node: String,
    /// Seconds since the data was read from Proxmox.
    pub age: f64,
    /// Proxmox calls this request made (0 when served from the cache).
    pub calls: u32,
}

struct Row {
    status: Option<String>,
    error: Option<String>,
    fetched_at: f64,
    config: Option<String>,
    config_at: f64,
    node: String,
}

type RowT = (
    Option<String>,
    Option<String>,
    f64,
    Option<String>,
    f64,
    String,
);

fn load(conn: &mut PooledConn, sid: u32) -> Result<Row> {
    let r: Option<RowT> = conn.exec_first(
        "SELECT status_json, status_error, fetched_at, config_json, config_at, node
           FROM puqProxmoxKVM_live_cache WHERE service_id = ?",
        (sid,),
    )?;
    let (status, error, fetched_at, config, config_at, node) =
        r.unwrap_or((None, None, 0.0, None, 0.0, String::new()));
    Ok(Row {
        status,
        error,
        fetched_at,
        config,
        config_at,
        node,
    })
}

fn ensure_row(conn: &mut PooledConn, sid: u32) -> Result<()> {
    conn.exec_drop(
        "INSERT IGNORE INTO puqProxmoxKVM_live_cache (service_id) VALUES (?)",
        (sid,),
    )?;
    Ok(())
}

impl Row {
    fn live(&self, now: f64) -> Live {
        Live {
            status: self
                .status
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok()),
            config: self
                .config
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok()),
            error: self.error.clone(),
            node: self.node.clone(),
            age: (now - self.fetched_at).max(0.0),
            calls: 0,
        }
    }
}

/// The VM's live status and config, from the shared cache or Proxmox.
/// `client` builds the Proxmox client (decrypting the server's token on the
/// PHP thread) only when Proxmox is really read.
pub fn read(
    conn: &mut PooledConn,
    vm: &VmRow,
    client: &mut dyn FnMut(&mut PooledConn) -> Result<Client>,
) -> Result<Live> {
    let sid = vm.service_id;
    ensure_row(conn, sid)?;
    let now = now_f();
    let row = load(conn, sid)?;
    if now - row.fetched_at < TTL {
        return Ok(row.live(now));
    }
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_live_cache SET claim_until = ?
          WHERE service_id = ? AND claim_until < ? AND fetched_at < ?",
        (now + CLAIM, sid, now, now - TTL),
    )?;
    if conn.affected_rows() == 1 {
        let need_config = row.config.is_none() || now - row.config_at >= CONFIG_TTL;
        let fetched = match client(conn) {
            Ok(c) => fetch(&c, vm, need_config),
            Err(e) => Fetched {
                status: Err(e.to_string()),
                config: None,
                node: vm.node.clone(),
                calls: 0,
            },
        };
        return store(conn, sid, fetched, row);
    }
    // Another viewer is reading Proxmox: wait for its answer.
    let waited = std::time::Instant::now();
    while waited.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(100));
        let r = load(conn, sid)?;
        if r.fetched_at > row.fetched_at {
            return Ok(r.live(now_f()));
        }
    }
    Ok(row.live(now_f()))
}

struct Fetched {
    status: std::result::Result<Value, String>,
    config: Option<VmConfig>,
    node: String,
    calls: u32,
}

fn store(conn: &mut PooledConn, sid: u32, f: Fetched, old: Row) -> Result<Live> {
    let now = now_f();
    let status_json = f.status.as_ref().ok().map(Value::to_string);
    let error = f.status.as_ref().err().cloned();
    let config_json = f
        .config
        .as_ref()
        .and_then(|c| serde_json::to_string(c).ok());
    let config_at = if config_json.is_some() {
        now
    } else {
        old.config_at
    };
    let config_json = config_json.or(old.config);
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_live_cache
            SET status_json = ?, status_error = ?, fetched_at = ?, claim_until = 0,
                config_json = ?, config_at = ?, node = ?
          WHERE service_id = ?",
        (
            &status_json,
            &error,
            now,
            &config_json,
            config_at,
            &f.node,
            sid,
        ),
    )?;
    let mut live = Row {
        status: status_json,
        error,
        fetched_at: now,
        config: config_json,
        config_at,
        node: f.node,
    }
    .live(now);
    live.calls = f.calls;
    Ok(live)
}

fn status_path(node: &str, vmid: u32) -> std::result::Result<String, PveError> {
    Ok(format!(
        "/nodes/{}/qemu/{vmid}/status/current",
        crate::pve::client::seg("node", node)?
    ))
}

fn read_on(
    client: &Client,
    node: &str,
    vmid: u32,
    need_config: bool,
) -> (std::result::Result<Value, PveError>, Option<VmConfig>) {
    std::thread::scope(|s| {
        let cfg = need_config.then(|| s.spawn(|| client.vm_config(node, vmid).ok()));
        let st = status_path(node, vmid)
            .and_then(|p| client.call(Method::Get, &p, &Form::new(), Weight::Light));
        let cfg = cfg.and_then(|h| h.join().ok().flatten());
        (st, cfg)
    })
}

/// One wave: status (and config when due) on the recorded node; only when
/// the VM is not there (migrated, HA) the cluster is asked where it is.
fn fetch(client: &Client, vm: &VmRow, need_config: bool) -> Fetched {
    let (st, cfg) = read_on(client, &vm.node, vm.vm_id, need_config);
    let mut calls = 1 + u32::from(need_config);
    match st {
        Ok(v) => Fetched {
            status: Ok(v),
            config: cfg,
            node: vm.node.clone(),
            calls,
        },
        Err(e @ (PveError::Connect(_) | PveError::Tls(_) | PveError::Timeout(_))) => Fetched {
            status: Err(e.to_string()),
            config: None,
            node: vm.node.clone(),
            calls,
        },
        Err(first) => {
            calls += 1;
            let found = client
                .cluster_vms(Weight::Light)
                .ok()
                .and_then(|vms| vms.into_iter().find(|v| v.vmid == vm.vm_id))
                .map(|v| v.node)
                .filter(|n| *n != vm.node);
            match found {
                Some(node) => {
                    let (st, cfg) = read_on(client, &node, vm.vm_id, true);
                    calls += 2;
                    Fetched {
                        status: st.map_err(|e| e.to_string()),
                        config: cfg,
                        node,
                        calls,
                    }
                }
                None => Fetched {
                    status: Err(first.to_string()),
                    config: cfg,
                    node: vm.node.clone(),
                    calls,
                },
            }
        }
    }
}

/// After an action: the next viewer reads Proxmox again (status and config).
pub fn invalidate(conn: &mut PooledConn, sid: u32) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_live_cache SET fetched_at = 0, config_at = 0 WHERE service_id = ?",
        (sid,),
    )?;
    Ok(())
}

/// The power rate limit: one power action per `gap` seconds per service,
/// claimed in the database (so two tabs or web nodes cannot both pass).
/// `None` when allowed, else the seconds to wait.
pub fn claim_power(conn: &mut PooledConn, sid: u32, gap: f64) -> Result<Option<u64>> {
    ensure_row(conn, sid)?;
    let now = now_f();
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_live_cache SET power_at = ? WHERE service_id = ? AND power_at <= ?",
        (now, sid, now - gap),
    )?;
    if conn.affected_rows() == 1 {
        return Ok(None);
    }
    let at: Option<f64> = conn.exec_first(
        "SELECT power_at FROM puqProxmoxKVM_live_cache WHERE service_id = ?",
        (sid,),
    )?;
    let wait = (at.unwrap_or(now) + gap - now).ceil().max(1.0);
    Ok(Some(wait as u64))
}

/// Gives a power claim back (the action was refused before reaching
/// Proxmox, so it must not count against the limit).
pub fn release_power(conn: &mut PooledConn, sid: u32) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_live_cache SET power_at = 0 WHERE service_id = ?",
        (sid,),
    )?;
    Ok(())
}

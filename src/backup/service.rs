//! A deployed service with everything an operation on its VM needs,
//! built on the PHP thread (the server's token secret is decrypted here).

use std::collections::BTreeMap;
use std::time::Duration;

use mysql::PooledConn;

use crate::config::effective::{self, Effective};
use crate::config::product::{self, ProductConfig};
use crate::db::settings::{self, Settings};
use crate::error::{Error, Result};
use crate::jobs::{config_options, record, server_params, VmRow};
use crate::pve::{Client, Connection, PveError};
use crate::whmcs::Host;

pub struct Service {
    pub vm: VmRow,
    /// Since when the service holds its VMID: older backups under that
    /// VMID belong to an earlier owner and are never listed or restored.
    pub vmid_since: i64,
    pub client: Client,
    pub product: ProductConfig,
    pub eff: Effective,
    pub settings: Settings,
    pub server_hostname: String,
}

/// How an operation started by a request ended within its short wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waited {
    Done,
    /// Still running: the Now Backup Status task follows it (its UPID).
    Running(String),
}

/// A Proxmox client per WHMCS server, built once (PHP thread).
pub fn clients(
    conn: &mut PooledConn,
    host: &dyn Host,
    s: &Settings,
    server_ids: impl IntoIterator<Item = u32>,
) -> BTreeMap<u32, Result<(Client, String)>> {
    let mut out = BTreeMap::new();
    for id in server_ids {
        out.entry(id).or_insert_with(|| {
            let server = server_params(conn, host, id)?;
            let c = Connection::from_server(
                &server,
                Duration::from_secs(u64::from(s.default_timeout)),
                Duration::from_secs(u64::from(s.heavy_timeout)),
            )?;
            Ok((Client::new(c)?, server.hostname))
        });
    }
    out
}

impl Service {
    /// A service whose VM exists in Proxmox (deployed at least to the clone).
    pub fn load(conn: &mut PooledConn, host: &dyn Host, service_id: u32) -> Result<Service> {
        let vm = record::load(conn, service_id)?.ok_or_else(|| {
            Error::input(
                "service_id",
                format!("service {service_id} has no Proxmox VM"),
            )
        })?;
        if vm.vm_id == 0 || vm.node.is_empty() {
            return Err(Error::Config(format!(
                "the VM of service {service_id} is not deployed yet (status {})",
                vm.vm_status
            )));
        }
        let s = settings::load(conn)?;
        let (client, server_hostname) = clients(conn, host, &s, [vm.server_id])
            .remove(&vm.server_id)
            .unwrap_or_else(|| Err(Error::Internal("no client".into())))?;
        let product = product::load(conn, vm.product_id)?;
        let eff = effective::compute(&product, &config_options(conn, service_id)?)?;
        let vmid_since = record::vmid_since(conn, service_id)?;
        Ok(Service {
            vm,
            vmid_since,
            client,
            product,
            eff,
            settings: s,
            server_hostname,
        })
    }

    /// The VM's backups on `storage` that are this service's: made since it
    /// holds the VMID (a minute's grace for clock skew between WHMCS and
    /// the node). A VMID's earlier owner's leftovers are not shown.
    pub fn own_backups(&self, storage: &str) -> Result<Vec<crate::pve::ops::BackupVolume>> {
        let since = self.vmid_since - 60;
        Ok(self
            .client
            .backups(&self.vm.node, storage, self.vm.vm_id)?
            .into_iter()
            .filter(|b| b.ctime >= since)
            .collect())
    }

    /// Refuses a change while a state machine owns the VM.
    pub fn require_ready(&self) -> Result<()> {
        if self.vm.vm_status != "ready" {
            return Err(Error::Config(format!(
                "the VM of service {} is busy (status {}); try again when it is ready",
                self.vm.service_id, self.vm.vm_status
            )));
        }
        Ok(())
    }

    /// Waits for `upid` at most the Default Timeout (this runs in a web
    /// request); a task that is still running is left to the status task.
    pub fn wait(&self, upid: &str) -> Result<Waited> {
        wait_bounded(
            &self.client,
            upid,
            Duration::from_secs(u64::from(self.settings.default_timeout)),
        )
    }
}

pub fn wait_bounded(client: &Client, upid: &str, bound: Duration) -> Result<Waited> {
    match client.wait_task(upid, bound, Duration::from_millis(50)) {
        Ok(()) => Ok(Waited::Done),
        Err(PveError::TaskTimeout { .. }) => Ok(Waited::Running(upid.to_string())),
        Err(e) => Err(e.into()),
    }
}

//! The work behind the cron tasks. Process VMs claims VMs in the database,
//! prepares each on the PHP thread (anything that needs WHMCS, such as
//! decrypting passwords), runs the state machines on a bounded pool of
//! worker threads (pure Rust), and streams their lines back to the PHP
//! thread, which alone prints and calls WHMCS.

pub mod change;
pub mod common;
pub mod deploy;
pub mod dnsjob;
pub mod ips;
pub mod machine;
pub mod power;
pub mod record;
pub mod reinstall;
pub mod restore;
pub mod runner;
pub mod terminate;
pub mod vmconf;
pub mod vmid;

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::PooledConn;

use crate::config::effective::{self, Effective};
use crate::config::product::{self, ProductConfig};
use crate::cron::Task;
use crate::db::settings::Settings;
use crate::db::{self, DbConfig};
use crate::error::{Error, Result};
use crate::pve::{Client, Connection};
use crate::whmcs::{Host, ServerParams};

pub use ips::IpAssignment;

pub fn run_task(db: &DbConfig, task: &Task, host: &dyn Host) -> Result<crate::cron::Report> {
    match task.key {
        "process_vms" => runner::process_vms(db, host),
        _ => Err(Error::Config(format!(
            "the {} task is not available in this build",
            task.name
        ))),
    }
}

pub use record::VmRow;

/// Everything a worker needs to advance one VM, prepared on the PHP thread.
pub struct Job {
    pub vm: VmRow,
    pub client: Client,
    pub product: ProductConfig,
    pub eff: Effective,
    pub settings: Settings,
    pub ips: Vec<IpAssignment>,
    pub os_username: String,
    pub password: String,
    pub heavy: Duration,
    pub poll: Duration,
    /// Emails to send (template, module variables) once the run is over,
    /// from the PHP thread.
    pub emails: Vec<(String, serde_json::Value)>,
    /// The server's hostname, for the emails.
    pub server_hostname: String,
    /// The VM's config as last read in this run (see `common::config`).
    pub config: Option<crate::pve::api::VmConfig>,
    /// The DNS zones, credentials decrypted on the PHP thread; an error
    /// (say, one undecryptable credential) only skips the DNS steps.
    pub dns: std::result::Result<crate::dns::Zones, String>,
    /// Entries for WHMCS's module log (action, request, response), written
    /// from the PHP thread once the run is over, with the DNS credentials
    /// masked.
    pub module_logs: Vec<(String, String, String)>,
}

impl Job {
    /// Bridge and VLAN: the IP pool's when Auto bridge/VLAN is on and a pool
    /// gave an address, else the product's.
    pub fn bridge_vlan(&self) -> (String, i64) {
        if self.product.auto_bridge_vlan {
            if let Some(ip) = self.ips.iter().find(|i| !i.bridge.is_empty()) {
                return (ip.bridge.clone(), ip.vlan);
            }
        }
        (self.product.bridge.clone(), self.product.vlan)
    }
}

/// The server entry of a service, with the token secret decrypted (PHP thread).
pub fn server_params(
    conn: &mut PooledConn,
    host: &dyn Host,
    server_id: u32,
) -> Result<ServerParams> {
    type S = (String, String, String, String, String, String, Option<i64>);
    let row: Option<S> = conn.exec_first(
        "SELECT hostname, ipaddress, username, password, accesshash, secure, port FROM tblservers WHERE id = ?",
        (server_id,),
    )?;
    let (hostname, ip, username, enc, accesshash, secure, port) =
        row.ok_or_else(|| Error::Config(format!("server {server_id} does not exist in WHMCS")))?;
    Ok(ServerParams {
        id: server_id,
        hostname,
        ip,
        username,
        password: host.decrypt(&enc)?,
        accesshash,
        secure: secure == "on" || secure == "1",
        port: port.and_then(|p| u16::try_from(p).ok()).filter(|p| *p > 0),
    })
}

/// The service's configurable options as WHMCS passes them in `$params`.
pub fn config_options(
    conn: &mut PooledConn,
    service_id: u32,
) -> Result<std::collections::BTreeMap<String, String>> {
    let rows: Vec<(String, i64, Option<String>, i64)> = conn.exec(
        "SELECT o.optionname, o.optiontype, s.optionname, h.qty
           FROM tblhostingconfigoptions h
           JOIN tblproductconfigoptions o ON o.id = h.configid
           LEFT JOIN tblproductconfigoptionssub s ON s.id = h.optionid
          WHERE h.relid = ?",
        (service_id,),
    )?;
    Ok(rows
        .into_iter()
        .map(|(name, kind, sub, qty)| {
            let key = name.split('|').next().unwrap_or(&name).trim().to_string();
            let value = if kind == 3 || kind == 4 {
                qty.to_string()
            } else {
                sub.map(|s| s.split('|').next().unwrap_or(&s).trim().to_string())
                    .unwrap_or_default()
            };
            (key, value)
        })
        .collect())
}

fn random_string(len: usize, alphabet: &[u8]) -> Result<String> {
    let mut bytes = vec![0u8; len];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| Error::Internal("no system randomness".into()))?;
    Ok(bytes
        .iter()
        .map(|b| alphabet[*b as usize % alphabet.len()] as char)
        .collect())
}

/// A strong password: 16 characters of letters, digits and safe symbols,
/// always with each class present.
pub fn generate_password() -> Result<String> {
    const ALPHA: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut p = random_string(13, ALPHA)?;
    p.push_str(&random_string(1, b"ABCDEFGHJKLMNPQRSTUVWXYZ")?);
    p.push_str(&random_string(1, b"23456789")?);
    p.push_str(&random_string(1, b"-_+=.")?);
    Ok(p)
}

/// The OS user and the service password: WHMCS's own when set, else the
/// product's OS username (or a random one) and a generated strong password,
/// saved to tblhosting (password encrypted, as WHMCS stores it) and to the
/// VM record. Writes only fill empty values, so concurrent callers converge
/// on the first one written. PHP thread only (encrypt/decrypt).
pub fn ensure_credentials(
    conn: &mut PooledConn,
    host: &dyn Host,
    service_id: u32,
    product: &ProductConfig,
) -> Result<(String, String)> {
    let read = |conn: &mut PooledConn| -> Result<(String, String, String)> {
        let row: Option<(String, String, Option<String>)> = conn.exec_first(
            "SELECT h.password, h.username, v.os_username
               FROM tblhosting h LEFT JOIN puqProxmoxKVM_vm_info v ON v.service_id = h.id
              WHERE h.id = ?",
            (service_id,),
        )?;
        let (p, u, o) = row.ok_or_else(|| {
            Error::Config(format!("service {service_id} does not exist in WHMCS"))
        })?;
        Ok((p, u, o.unwrap_or_default()))
    };
    let (enc, username, os_user) = read(conn)?;
    // WHMCS may store an empty password as '' or as encrypt('').
    if enc.is_empty() || host.decrypt(&enc)?.is_empty() {
        let fresh = host.encrypt(&generate_password()?)?;
        conn.exec_drop(
            "UPDATE tblhosting SET password = ? WHERE id = ? AND password = ?",
            (fresh, service_id, &enc),
        )?;
    }
    if os_user.is_empty() {
        let u = if !product.os_username.is_empty() {
            product.os_username.clone()
        } else if !username.is_empty()
            && username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            username.clone()
        } else {
            format!(
                "u{}",
                random_string(7, b"abcdefghijkmnopqrstuvwxyz23456789")?
            )
        };
        conn.exec_drop(
            "UPDATE puqProxmoxKVM_vm_info SET os_username = ? WHERE service_id = ? AND os_username = ''",
            (&u, service_id),
        )?;
        // Before the VM record exists (CreateAccount), WHMCS's username holds it.
        conn.exec_drop(
            "UPDATE tblhosting SET username = ? WHERE id = ? AND username = ''",
            (&u, service_id),
        )?;
    }
    let (enc, username, os_user) = read(conn)?;
    let os_user = if os_user.is_empty() {
        username.clone()
    } else {
        os_user
    };
    if username != os_user {
        conn.exec_drop(
            "UPDATE tblhosting SET username = ? WHERE id = ?",
            (&os_user, service_id),
        )?;
    }
    let password = if enc.is_empty() {
        String::new()
    } else {
        host.decrypt(&enc)?
    };
    if password.is_empty() {
        return Err(Error::Host(format!(
            "the password of service {service_id} could not be generated and saved"
        )));
    }
    Ok((os_user, password))
}

/// States whose steps apply the package to the VM (change package, the
/// re-apply after a restore): an invalid configuration must stop them, not
/// fall back to the product's defaults.
fn applies_package(state: &str) -> bool {
    state == "change_package"
        || state.starts_with("cp_")
        || state == "restore"
        || state.starts_with("rs_")
}

/// Builds the job for a VM, on the PHP thread: decrypts the server
/// secret and, for machines that write cloud-init, the service password
/// (generating and saving, encrypted, the OS user and password when WHMCS
/// has none).
pub fn prepare(
    db: &DbConfig,
    host: &dyn Host,
    settings: &Settings,
    service_id: u32,
) -> Result<Job> {
    prepare_with(db, host, settings, service_id, None)
}

/// As `prepare`; `credentials` overrides whether the password is loaded
/// (module commands choose it themselves).
pub fn prepare_with(
    db: &DbConfig,
    host: &dyn Host,
    settings: &Settings,
    service_id: u32,
    credentials: Option<bool>,
) -> Result<Job> {
    let mut conn = db::conn(db)?;
    let vm = record::require(&mut conn, service_id)?;
    let server = server_params(&mut conn, host, vm.server_id)?;
    let product = product::load(&mut conn, vm.product_id)?;
    let machine = machine::machine_for(&vm.vm_status).map(|(m, _)| m);
    let needs_credentials =
        credentials.unwrap_or_else(|| machine.is_some_and(|m| m.needs_credentials));
    // Tearing down must work even when the product or its options no longer
    // make a valid configuration.
    let eff = match effective::compute(&product, &config_options(&mut conn, service_id)?) {
        Ok(e) => e,
        Err(_) if !needs_credentials && !applies_package(&vm.vm_status) => {
            effective::compute(&product, &Default::default())?
        }
        Err(e) => return Err(e),
    };
    let conn_cfg = Connection::from_server(
        &server,
        Duration::from_secs(u64::from(settings.default_timeout)),
        Duration::from_secs(u64::from(settings.heavy_timeout)),
    )?;
    let client = Client::new(conn_cfg)?;
    let (os_username, password) = if needs_credentials {
        ensure_credentials(&mut conn, host, service_id, &product)?
    } else {
        (vm.os_username.clone(), String::new())
    };
    let ips = ips::load(&mut conn, service_id)?;
    let dns = crate::dns::load_zones(&mut conn, host).map_err(|e| e.to_string());
    Ok(Job {
        vm,
        client,
        heavy: Duration::from_secs(u64::from(settings.heavy_timeout)),
        poll: Duration::from_millis(50),
        product,
        eff,
        settings: settings.clone(),
        ips,
        os_username,
        password,
        emails: Vec::new(),
        server_hostname: server.hostname.clone(),
        config: None,
        dns,
        module_logs: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_strong() {
        let a = generate_password().unwrap();
        let b = generate_password().unwrap();
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
        assert!(a.chars().any(|c| c.is_ascii_uppercase()));
        assert!(a.chars().any(|c| c.is_ascii_digit()));
        assert!(a.chars().any(|c| "-_+=.".contains(c)));
    }
}

//! The server module `puqProxmoxKVM`: what WHMCS calls per service or
//! server. Pure Rust; the PHP boundary only converts arguments and results.

pub mod create;

use std::time::Duration;

use serde_json::{json, Value};

use crate::db::settings::Settings;
use crate::error::{Error, Result};
use crate::pve::{Client, Connection, PveError};
use crate::whmcs::ServerParams;

pub fn meta_data() -> Value {
    json!({
        "DisplayName": "PUQ Proxmox KVM",
        "APIVersion": "1.1",
        "RequiresServer": true,
        "DefaultNonSSLPort": "8006",
        "DefaultSSLPort": "8006",
        "ServiceSingleSignOnLabel": false,
        "AdminSingleSignOnLabel": false,
    })
}

/// The stock product fields. The full product settings live in the
/// module's own table; these are kept so legacy values can be imported.
pub fn config_options() -> Value {
    json!({
        "Module Settings": {
            "Type": "text",
            "Size": "1",
            "Description": "Configured in Addons > PUQ Proxmox KVM; this field is not used.",
        }
    })
}

/// The Proxmox client of WHMCS server `server_id` (its token decrypted on
/// the PHP thread) with the configured timeouts.
pub fn client_for_server(
    conn: &mut mysql::PooledConn,
    host: &dyn crate::whmcs::Host,
    server_id: u32,
) -> Result<Client> {
    let settings = crate::db::settings::load(conn)?;
    let server = crate::jobs::server_params(conn, host, server_id)?;
    client(&server, &settings)
}

/// A client for a WHMCS server entry with the configured timeouts.
pub fn client(server: &ServerParams, settings: &Settings) -> Result<Client> {
    let conn = Connection::from_server(
        server,
        Duration::from_secs(u64::from(settings.default_timeout)),
        Duration::from_secs(u64::from(settings.heavy_timeout)),
    )?;
    Ok(Client::new(conn)?)
}

/// TestConnection: reaches `/version`, then checks the token can see the
/// cluster's nodes. Returns a human summary on success.
pub fn test_connection(server: &ServerParams, settings: &Settings) -> Result<String> {
    let c = client(server, settings)?;
    let v = c.version().map_err(Error::Pve)?;
    let nodes = match c.nodes() {
        Ok(n) => n,
        Err(PveError::Permission(m)) => {
            return Err(Error::Config(format!(
                "the API token is valid but lacks permissions ({m}); give it the PVEVMAdmin, PVEDatastoreUser and PVEAuditor roles on / or untick Privilege Separation"
            )))
        }
        Err(e) => return Err(Error::Pve(e)),
    };
    if nodes.is_empty() {
        return Err(Error::Config(
            "the API token is valid but can see no nodes (missing Sys.Audit): give it the PVEAuditor role on /nodes or untick Privilege Separation"
                .into(),
        ));
    }
    // Reading a node's status needs Sys.Audit: a token without the roles
    // the module needs is caught here rather than at the first deploy.
    if let Err(e) = c.node_status(&nodes[0].node) {
        return Err(match e {
            PveError::Permission(m) => Error::Config(format!(
                "the API token is valid but lacks permissions ({m}); give it the PVEVMAdmin, PVEDatastoreUser and PVEAuditor roles on / or untick Privilege Separation"
            )),
            other => Error::Pve(other),
        });
    }
    let names: Vec<&str> = nodes.iter().map(|n| n.node.as_str()).collect();
    Ok(format!(
        "Connected to Proxmox VE {} (nodes: {})",
        v.version,
        names.join(", ")
    ))
}
pub mod admin;
pub mod commands;
pub mod lifecycle;

//! The browser console: a one-time link to our console proxy
//! (`puq-vncproxy`, src/bin/puq-vncproxy) for one VM, made after the
//! caller's own checks (the client area's whitelist, or the admin's
//! service page). It asks Proxmox for a console ticket (`vncproxy`,
//! websocket) with the service's server token and seals everything the
//! proxy needs into the link (`seal`), under the product's noVNC key.
//! What it must not do: hand the browser anything reusable in clear, or
//! make a link with the public default key.

pub mod seal;

use serde_json::{json, Value};

use crate::config::product::ProductConfig;
use crate::error::{Error, Result};
use crate::jobs::record::VmRow;
use crate::whmcs::Host;

/// The console proxy's URL path of a link: `/vncproxy/<vmid>/<sealed>`.
pub fn link_path(vmid: u32, sealed: &str) -> String {
    format!("/vncproxy/{vmid}/{sealed}")
}

/// The refusal for a VM the cluster no longer lists (a client reads it).
pub const VM_GONE: &str =
    "the virtual machine does not exist on the Proxmox cluster: contact support";

/// Asks Proxmox for a console of `vm` and answers `{url, vmid,
/// expires_in}` with the node it was opened on (the VM's, followed when it
/// moved); `who` (`client 7`, `admin 1`) goes into the sealed link for the
/// proxy's log.
pub fn open(
    conn: &mut mysql::PooledConn,
    host: &dyn Host,
    vm: &VmRow,
    product: &ProductConfig,
    who: &str,
    now: u64,
) -> Result<(Value, String)> {
    if let Some(why) = seal::key_refusal(&product.novnc_domain, &product.novnc_key) {
        return Err(Error::Config(why));
    }
    if vm.vm_id == 0 || vm.node.is_empty() {
        return Err(Error::input(
            "vm",
            "the virtual machine is not deployed yet",
        ));
    }
    let client = crate::server::client_for_server(conn, host, vm.server_id)?;
    let mut node = vm.node.clone();
    let t = match client.vncproxy(&node, vm.vm_id) {
        Ok(t) => t,
        Err(first) => {
            // Refused on the recorded node: the VM may have moved (HA, a
            // migration outside WHMCS) or be gone. The cluster says which.
            let now_on = locate(&client, vm)?.ok_or_else(|| Error::Config(VM_GONE.into()))?;
            if now_on == node {
                return Err(Error::Pve(first));
            }
            crate::jobs::record::set_node(conn, vm.service_id, &now_on)?;
            node = now_on;
            client.vncproxy(&node, vm.vm_id).map_err(Error::Pve)?
        }
    };
    let c = &client.conn;
    let link = seal::Link {
        id: seal::new_id().map_err(Error::Config)?,
        exp: now + seal::VALID_SECS,
        vmid: vm.vm_id,
        node: node.clone(),
        host: c.host.clone(),
        port: c.port,
        pin: c.pin.map(|p| p.to_string()),
        token: format!("{}={}", c.token_id, c.token_secret),
        vnc_port: t.port,
        ticket: t.ticket.clone(),
        password: t.vnc_password().to_string(),
        label: if vm.vm_name.is_empty() {
            format!("VM {}", vm.vm_id)
        } else {
            vm.vm_name.clone()
        },
        who: who.to_string(),
    };
    let sealed = seal::seal(&product.novnc_key, &link).map_err(Error::Config)?;
    let domain = product.novnc_domain.trim().trim_end_matches('/');
    let out = json!({
        "url": format!("https://{domain}{}", link_path(vm.vm_id, &sealed)),
        "vmid": vm.vm_id,
        "expires_in": seal::VALID_SECS,
    });
    Ok((out, node))
}

/// The node the cluster lists this service's VM on: `None` when the VMID
/// is gone or held by a VM of another name (never someone else's console).
/// A record without a VM name (an old import) is followed nowhere: only its
/// own node counts.
fn locate(client: &crate::pve::Client, vm: &VmRow) -> Result<Option<String>> {
    let vms = client.cluster_vms(crate::pve::Weight::Light)?;
    Ok(vms
        .into_iter()
        .find(|v| v.vmid == vm.vm_id)
        .filter(|v| {
            if vm.vm_name.is_empty() {
                v.node == vm.node
            } else {
                v.name.as_deref() == Some(vm.vm_name.as_str())
            }
        })
        .map(|v| v.node)
        .filter(|n| !n.is_empty()))
}

/// The admin service page's noVNC button: a link for service `sid`'s VM,
/// written to WHMCS's activity log (who opened which console).
pub fn open_for_admin(
    conn: &mut mysql::PooledConn,
    host: &dyn Host,
    sid: u32,
    admin_id: u32,
    now: u64,
) -> Result<Value> {
    // The same role permissions as the page's other module commands.
    use crate::whmcs::perms::{self, Perm};
    let admin = perms::require(
        conn,
        admin_id,
        &[Perm::ViewClientsProducts, Perm::PerformServerOperations],
    )?;
    let vm = crate::jobs::record::load(conn, sid)?
        .ok_or_else(|| Error::input("service_id", "this service has no virtual machine yet"))?;
    let product_id = if vm.product_id > 0 {
        vm.product_id
    } else {
        use mysql::prelude::Queryable;
        conn.exec_first::<u32, _, _>("SELECT packageid FROM tblhosting WHERE id = ?", (sid,))?
            .unwrap_or(0)
    };
    let product = crate::config::product::load(conn, product_id)?;
    let (out, node) = open(conn, host, &vm, &product, &format!("admin {admin_id}"), now)?;
    perms::audit(
        host,
        &admin,
        &format!(
            "noVNC console of service #{sid} (VM {} on {}) opened",
            vm.vm_id, node
        ),
        vm.client_id,
    );
    Ok(out)
}

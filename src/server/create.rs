//! CreateAccount: validate the product, reserve a VMID, name the VM, write
//! the vm_info row in state `creation` and send the Welcome email. No
//! Proxmox work is done here beyond reading the cluster's VM list; the
//! deploy state machine (cron) does the rest.

use std::collections::HashSet;

use mysql::prelude::Queryable;
use serde_json::json;

use crate::config::names;
use crate::db::{self, settings, DbConfig};
use crate::error::{Error, Result};
use crate::pve::Weight;
use crate::whmcs::host::send_email;
use crate::whmcs::{Host, ServiceParams};

pub const WELCOME_EMAIL: &str = "puqProxmoxVKM Welcome Email";

pub fn create_account(db: &DbConfig, host: &dyn Host, p: &ServiceParams) -> Result<()> {
    let mut conn = db::conn(db)?;
    if let Some(status) = conn.exec_first::<String, _, _>(
        "SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
        (p.service_id,),
    )? {
        return if status == "creation" {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "service {} already has a VM record (status {status}); terminate it or use Redeploy",
                p.service_id
            )))
        };
    }
    let (prod, eff) = crate::config::for_service(&mut conn, p)?;
    prod.check_complete(&eff.os_template)?;
    let template: u32 = eff.os_template.parse().map_err(|_| {
        Error::input(
            "os_template",
            format!("'{}' is not a VMID", eff.os_template),
        )
    })?;

    let s = settings::load(&mut conn)?;
    let client = super::client(&p.server, &s)?;
    let vms = client.cluster_vms(Weight::Light)?;
    let tpl = vms.iter().find(|v| v.vmid == template).ok_or_else(|| {
        Error::Config(format!(
            "OS template {template} does not exist on the Proxmox cluster: check Module Settings > OS template or the Operating System option"
        ))
    })?;
    if tpl.template != Some(1) {
        return Err(Error::Config(format!(
            "VM {template} is not a template: convert it to a template in Proxmox first"
        )));
    }
    if !prod.node.is_empty() && !client.nodes()?.iter().any(|n| n.node == prod.node) {
        return Err(Error::Config(format!(
            "target node '{}' is not in the Proxmox cluster: fix Module Settings > Target node",
            prod.node
        )));
    }
    // Storages must exist where the disks will live: the target node, or the
    // template's node when the target is chosen automatically.
    let node = if prod.node.is_empty() {
        tpl.node.as_str()
    } else {
        prod.node.as_str()
    };
    for (field, storage) in [
        ("sys_storage", &prod.sys_storage),
        ("add_storage", &prod.add_storage),
    ] {
        if storage.is_empty() {
            continue;
        }
        let found = client.node_storages(node)?.iter().any(|s| {
            s.get("storage").and_then(|v| v.as_str()) == Some(storage.as_str())
                && s.get("content")
                    .and_then(|v| v.as_str())
                    .is_some_and(|c| c.split(',').any(|x| x == "images"))
        });
        if !found {
            return Err(Error::input(
                field,
                format!("storage '{storage}' does not exist on node {node} or cannot hold VM disks (content 'images')"),
            ));
        }
    }

    let name = names::expand(
        &prod.vm_name_rule,
        &names::NameContext {
            client_id: p.user_id,
            service_id: p.service_id,
            now: crate::cron::now_unix(),
        },
    )?;
    let hostname = names::hostname(&name, &prod.main_domain);

    // Credentials are settled first (nothing is created if WHMCS cannot
    // encrypt), so the welcome email and the client area show the same ones
    // cloud-init will get.
    crate::jobs::ensure_credentials(&mut conn, host, p.service_id, &prod)?;

    let taken_remote: HashSet<u32> = vms.iter().map(|v| v.vmid).collect();
    let first = u32::try_from(prod.first_vmid).unwrap_or(100);
    let vmid = crate::jobs::vmid::claim(
        &mut conn,
        p.server.id,
        first,
        &taken_remote,
        |conn, id| {
            conn.exec_drop(
            "INSERT INTO puqProxmoxKVM_vm_info
                (service_id, server_id, vm_id, vm_name, hostname, vm_status, product_id, client_id, template_vmid, template_node)
             VALUES (?, ?, ?, ?, ?, 'creation', ?, ?, ?, ?)",
            (p.service_id, p.server.id, id, &name, &hostname, p.product_id, p.user_id, template, &tpl.node),
        )
        },
    )?;

    conn.exec_drop(
        "UPDATE tblhosting SET domain = ? WHERE id = ? AND domain = ''",
        (&hostname, p.service_id),
    )?;
    host.log_module_call(
        "CreateAccount",
        &json!({"serviceid": p.service_id, "template": template}).to_string(),
        &json!({"vm_id": vmid, "vm_name": name, "status": "creation"}).to_string(),
        "",
        &[],
    );
    if let Err(e) = send_email(host, WELCOME_EMAIL, p.service_id, &json!({})) {
        // The order is accepted either way; the operator sees why in the log.
        host.log_activity(
            &format!(
                "PUQ Proxmox KVM: welcome email for service {}: {e}",
                p.service_id
            ),
            p.user_id,
        );
    }
    Ok(())
}

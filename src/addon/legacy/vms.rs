//! v2 services' VM records, so the VMs that run keep being managed (client
//! area, module commands, change package, terminate) instead of being
//! deployed again. A legacy record becomes a `puqProxmoxKVM_vm_info` row in
//! `ready` (the cron's deploy never touches it) with its VMID, node and
//! server; a suspended service's row is marked suspended. Its addresses from
//! the server's "Assigned IP Addresses" list are recorded as that list's
//! allocations in the same transaction (pool addresses were recorded by the
//! pool import), so the allocator never hands them to another VM.
//!
//! Then every Active or Suspended service of this module that still has no
//! VM record is listed as a skip: it is not managed until one exists.

use std::net::IpAddr;

use mysql::prelude::Queryable;
use mysql::{IsolationLevel, PooledConn, TxOpts};

use super::{find_table, holds_resources, hosting_addresses, looked_for, Field, Row, Section};
use crate::error::Result;
use crate::ippool::addr::{self, Family};
use crate::ippool::legacy as list;
use crate::ippool::pool::join_dns;
use crate::ippool::store::SERVER_TYPE;
use crate::ippool::ADDRESSES_TABLE;
use crate::whmcs::Host;

pub const VM_TABLES: &[&str] = &["vm_info", "vms", "vm", "virtual_machines"];

const SERVICE: Field = (
    "service",
    &[
        "service_id",
        "serviceid",
        "hosting_id",
        "hostingid",
        "service",
    ],
);
const VMID: Field = ("vmid", &["vm_id", "vmid", "proxmox_vmid"]);
const NODE: Field = ("node", &["node", "vm_node", "proxmox_node"]);
const SERVER: Field = ("server", &["server_id", "serverid", "server"]);
const NAME: Field = ("name", &["vm_name", "name"]);
const HOST: Field = ("hostname", &["hostname", "host_name", "fqdn"]);
const STATUS: Field = ("status", &["vm_status", "status", "state"]);

/// Legacy statuses of a VM that exists and is finished.
fn finished(status: &str) -> bool {
    matches!(
        status.trim().to_ascii_lowercase().as_str(),
        "" | "ready" | "active" | "running" | "stopped" | "ok" | "done" | "created" | "suspended"
    )
}

pub fn import(conn: &mut PooledConn, _host: &dyn Host, section: &mut Section) -> Result<()> {
    match find_table(conn, VM_TABLES)? {
        None => section.source = looked_for(VM_TABLES),
        Some(table) => {
            section.source = table.name.clone();
            match table.missing(&[SERVICE, VMID]) {
                Some(why) => section.skipped.push(format!("every VM record: {why}")),
                None => {
                    for row in
                        table.rows(conn, &[SERVICE, VMID, NODE, SERVER, NAME, HOST, STATUS])?
                    {
                        let label = format!("service {}", row.int("service").unwrap_or(0));
                        match import_vm(conn, &row) {
                            Ok(Ok(line)) => section.imported.push(format!("{label}: {line}")),
                            Ok(Err(line)) | Err(line) => {
                                section.skipped.push(format!("{label}: {line}"))
                            }
                        }
                    }
                }
            }
        }
    }
    let unmanaged: Vec<(u32, String, u32, String, String)> = conn.exec(
        "SELECT h.id, h.domainstatus, h.server, h.dedicatedip, h.assignedips \
           FROM tblhosting h JOIN tblproducts p ON p.id = h.packageid \
           LEFT JOIN puqProxmoxKVM_vm_info v ON v.service_id = h.id \
          WHERE p.servertype = ? AND h.domainstatus IN ('Active', 'Suspended') AND v.id IS NULL \
          ORDER BY h.id",
        (SERVER_TYPE,),
    )?;
    for (id, status, server, ded, asg) in unmanaged {
        // Its addresses from the server's list are in use all the same: recorded, so no
        // new VM gets them.
        let mut tx = conn.start_transaction(
            TxOpts::default().set_isolation_level(Some(IsolationLevel::ReadCommitted)),
        )?;
        let notes = match record_list_addresses(&mut tx, server, id, &hosting_addresses(&ded, &asg))
        {
            Ok(n) => {
                tx.commit()?;
                n
            }
            Err(e) => vec![e],
        };
        let mut line = format!(
            "service {id} ({status}): no VM record anywhere (legacy table or ours); it is not managed until one exists — if it has a VM, add the legacy record and activate again; Module Create deploys a new VM"
        );
        if !notes.is_empty() {
            line.push_str(&format!("; {}", notes.join("; ")));
        }
        section.skipped.push(line);
    }
    Ok(())
}

/// `Ok(Ok(imported))`, `Ok(Err(already present))`, `Err(reason)`.
fn import_vm(
    conn: &mut PooledConn,
    row: &Row,
) -> std::result::Result<std::result::Result<String, String>, String> {
    let service = row
        .int("service")
        .and_then(|s| u32::try_from(s).ok())
        .filter(|s| *s > 0)
        .ok_or("no service id")?;
    let found: Option<(u32, u32, u32, String, String, String, String)> = conn
        .exec_first(
            "SELECT h.server, h.packageid, h.userid, h.domainstatus, h.domain, h.dedicatedip, h.assignedips \
               FROM tblhosting h JOIN tblproducts p ON p.id = h.packageid \
              WHERE h.id = ? AND p.servertype = ?",
            (service, SERVER_TYPE),
        )
        .map_err(|e| e.to_string())?;
    let Some((h_server, product, client, status, domain, ded, asg)) = found else {
        return Err("not a PUQ Proxmox KVM service in WHMCS (or it does not exist)".into());
    };
    if !holds_resources(&status) {
        return Err(format!("{status} in WHMCS; no record needed"));
    }
    let existing: Option<String> = conn
        .exec_first(
            "SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
            (service,),
        )
        .map_err(|e| e.to_string())?;
    if let Some(s) = existing {
        return Ok(Err(format!("already has a VM record (status {s})")));
    }
    let vmid = row
        .int("vmid")
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| (100..=999_999_999).contains(v))
        .ok_or_else(|| {
            format!(
                "VMID '{}' is not 100-999999999",
                row.text("vmid").unwrap_or_default()
            )
        })?;
    let legacy_status = row.text("status")?;
    if !finished(&legacy_status) {
        return Err(format!(
            "legacy status '{}' is not a finished VM; not imported (fix the legacy record and activate again, or run Module Create to deploy anew)",
            crate::util::printable(&legacy_status)
        ));
    }
    let server = row
        .int("server")
        .and_then(|s| u32::try_from(s).ok())
        .filter(|s| *s > 0)
        .unwrap_or(h_server);
    if server == 0 {
        return Err("no server: neither the legacy record nor the service names one".into());
    }
    let node = row.text("node")?.trim().to_string();
    let name = row.text("name")?.trim().to_string();
    let hostname = match row.text("hostname")?.trim() {
        "" => domain.trim().to_string(),
        h => h.to_string(),
    };

    let mut tx = conn
        .start_transaction(
            TxOpts::default().set_isolation_level(Some(IsolationLevel::ReadCommitted)),
        )
        .map_err(|e| e.to_string())?;
    tx.exec_drop(
        "INSERT INTO puqProxmoxKVM_vm_info \
            (service_id, server_id, vm_id, vm_name, hostname, node, vm_status, product_id, client_id, \
             suspended, vmid_since, last_action) \
         VALUES (?, ?, ?, ?, ?, ?, 'ready', ?, ?, ?, UNIX_TIMESTAMP(), 'legacy_import')",
        (
            service,
            server,
            vmid,
            &name,
            &hostname,
            &node,
            product,
            client,
            u8::from(status == "Suspended"),
        ),
    )
    .map_err(|e| match &e {
        mysql::Error::MySqlError(m) if m.code == 1062 => {
            format!("VMID {vmid} on server {server} is already recorded for another service")
        }
        _ => e.to_string(),
    })?;
    let notes = record_list_addresses(&mut tx, server, service, &hosting_addresses(&ded, &asg))?;
    tx.commit().map_err(|e| e.to_string())?;
    let mut line = format!(
        "VMID {vmid} on server {server}{} → VM record in 'ready'",
        if node.is_empty() {
            String::new()
        } else {
            format!(" (node {node})")
        }
    );
    if !notes.is_empty() {
        line.push_str(&format!("; {}", notes.join("; ")));
    }
    Ok(Ok(line))
}

/// Records the service's addresses that come from the server's legacy list
/// and are not recorded yet; says what it did and what it could not place.
fn record_list_addresses<Q: Queryable>(
    q: &mut Q,
    server: u32,
    service: u32,
    addresses: &[IpAddr],
) -> std::result::Result<Vec<String>, String> {
    let mut notes = Vec::new();
    if addresses.is_empty() {
        return Ok(notes);
    }
    let text: Option<Option<String>> = q
        .exec_first("SELECT assignedips FROM tblservers WHERE id = ?", (server,))
        .map_err(|e| e.to_string())?;
    // A list that does not parse places nothing; the pool addresses are
    // recorded already, and the rest is reported.
    let lines = list::parse(&text.flatten().unwrap_or_default()).unwrap_or_default();
    let mut recorded = 0usize;
    for ip in addresses {
        let holder: Option<u32> = q
            .exec_first(
                format!(
                    "SELECT service_id FROM {ADDRESSES_TABLE} WHERE server_id = ? AND family = ? AND address_bin = ?"
                ),
                (server, Family::of(*ip).code(), addr::to_bytes(*ip)),
            )
            .map_err(|e| e.to_string())?;
        match holder {
            Some(s) if s == service => continue,
            Some(s) => {
                notes.push(format!(
                    "address {ip} is recorded for service {s}, not this one"
                ));
                continue;
            }
            None => {}
        }
        let Some(l) = lines.iter().find(|l| l.ip == *ip) else {
            notes.push(format!(
                "address {ip} is in no IP pool and not in the server's Assigned IP Addresses: not recorded"
            ));
            continue;
        };
        q.exec_drop(
            format!(
                "INSERT INTO {ADDRESSES_TABLE} (pool_id, server_id, service_id, family, address, \
                 address_bin, prefix, gateway, dns, bridge, vlan, is_primary) \
                 VALUES (0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
            ),
            (
                server,
                service,
                Family::of(*ip).code(),
                ip.to_string(),
                addr::to_bytes(*ip),
                l.prefix,
                l.gateway.map(|g| g.to_string()).unwrap_or_default(),
                join_dns(&l.dns),
                &l.bridge,
                l.vlan,
            ),
        )
        .map_err(|e| e.to_string())?;
        recorded += 1;
    }
    if recorded > 0 {
        notes.push(format!(
            "{recorded} address(es) of the server's Assigned IP Addresses recorded"
        ));
        let first: Option<u64> = q
            .exec_first(
                format!("SELECT id FROM {ADDRESSES_TABLE} WHERE service_id = ? ORDER BY family, id LIMIT 1"),
                (service,),
            )
            .map_err(|e| e.to_string())?;
        if let Some(id) = first {
            q.exec_drop(
                format!("UPDATE {ADDRESSES_TABLE} SET is_primary = (id = ?) WHERE service_id = ?"),
                (id, service),
            )
            .map_err(|e| e.to_string())?;
        }
    }
    Ok(notes)
}

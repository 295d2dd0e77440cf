//! Creating the spec's 18 configurable options for a product: one WHMCS
//! configurable option group linked to the product, dropdowns with the
//! spec's plain-English names and `value|Display` sub-options. Options the
//! product already has (by plain or legacy name, in any linked group) are
//! skipped, so running it twice creates nothing the second time.

use std::collections::BTreeSet;

use mysql::prelude::Queryable;
use mysql::{PooledConn, TxOpts};
use serde::Serialize;

use super::effective::OPTIONS;
use crate::error::{Error, Result};

/// Sub-options per option name (value, display), as the Configurable
/// Options chapter suggests. The Operating System list comes from Proxmox.
fn sub_options(name: &str) -> Vec<(String, String)> {
    let list =
        |values: &[i64], zero: Option<&str>, one: &str, many: &str| -> Vec<(String, String)> {
            values
                .iter()
                .map(|v| {
                    let label = match (v, zero) {
                        (0, Some(z)) => z.to_string(),
                        (1, _) if !one.is_empty() => one.to_string(),
                        _ => many.replace("{}", &v.to_string()),
                    };
                    (v.to_string(), label)
                })
                .collect()
        };
    match name {
        "CPU Cores" => list(&[1, 2, 4, 8, 16], None, "1 Core", "{} Cores"),
        "RAM" => list(&[1, 2, 4, 8, 16, 32], None, "", "{} GB"),
        "Backups" => list(&[0, 3, 7, 14, 30], Some("No backups"), "", "{} backups"),
        "Snapshots" => list(
            &[0, 1, 3, 5, 10],
            Some("No snapshots"),
            "1 snapshot",
            "{} snapshots",
        ),
        "System Disk" => list(&[10, 20, 40, 80, 160], None, "", "{} GB"),
        "Additional Disk" => list(
            &[0, 10, 20, 50, 100, 500],
            Some("No additional disk"),
            "",
            "{} GB",
        ),
        "System Disk Read Bandwidth" | "System Disk Write Bandwidth" => {
            list(&[0, 50, 100, 200, 500], Some("Unlimited"), "", "{} MB/s")
        }
        "System Disk Read IOPS" | "System Disk Write IOPS" => list(
            &[0, 500, 1000, 2500, 5000],
            Some("Unlimited"),
            "",
            "{} IOPS",
        ),
        "Additional Disk Read Bandwidth" | "Additional Disk Write Bandwidth" => {
            list(&[0, 50, 100, 200], Some("Unlimited"), "", "{} MB/s")
        }
        "Additional Disk Read IOPS" | "Additional Disk Write IOPS" => {
            list(&[0, 500, 1000, 2500], Some("Unlimited"), "", "{} IOPS")
        }
        "Network Bandwidth" => {
            let mut l = list(&[0, 10, 50, 100, 500], Some("Unlimited"), "", "{} MB/s");
            l.push(("1000".into(), "1 GB/s".into()));
            l
        }
        "IPv4 Addresses" => list(&[1, 2, 4, 8, 16], None, "", "{} IPv4"),
        "IPv6 Addresses" => list(&[0, 1, 4, 16], Some("No IPv6"), "", "{} IPv6"),
        _ => Vec::new(),
    }
}

/// The option names linked to a product, reduced to the fields they set.
fn existing_fields(conn: &mut PooledConn, pid: u32) -> Result<BTreeSet<&'static str>> {
    let names: Vec<String> = conn.exec(
        "SELECT o.optionname FROM tblproductconfiglinks l
           JOIN tblproductconfigoptions o ON o.gid = l.gid
          WHERE l.pid = ?",
        (pid,),
    )?;
    let mut out = BTreeSet::new();
    for n in names {
        let key = n.split('|').next().unwrap_or("").trim();
        for (field, plain, legacy) in OPTIONS {
            if key == *plain || Some(key) == *legacy {
                out.insert(*field);
            }
        }
    }
    Ok(out)
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Status {
    pub total: usize,
    pub existing: usize,
    pub missing: Vec<&'static str>,
}

/// Which of the 18 options the product has.
pub fn status(conn: &mut PooledConn, pid: u32) -> Result<Status> {
    let have = existing_fields(conn, pid)?;
    let missing: Vec<&'static str> = OPTIONS
        .iter()
        .filter(|(f, _, _)| !have.contains(f))
        .map(|(_, name, _)| *name)
        .collect();
    Ok(Status {
        total: OPTIONS.len(),
        existing: OPTIONS.len() - missing.len(),
        missing,
    })
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Created {
    pub group_id: Option<u32>,
    pub created: Vec<String>,
    pub skipped: Vec<String>,
    pub message: String,
}

/// Creates the missing options in a new group linked to the product, in
/// one transaction. `templates` are (vmid, name) for Operating System; with
/// none, that option is skipped and the message says why.
pub fn create(
    conn: &mut PooledConn,
    pid: u32,
    product_name: &str,
    templates: &[(String, String)],
) -> Result<Created> {
    let have = existing_fields(conn, pid)?;
    let mut skipped: Vec<String> = Vec::new();
    let mut todo: Vec<(&str, Vec<(String, String)>)> = Vec::new();
    for (field, name, _) in OPTIONS {
        if have.contains(field) {
            skipped.push(format!("{name} (already assigned)"));
            continue;
        }
        let subs = if *field == "os_template" {
            templates.to_vec()
        } else {
            sub_options(name)
        };
        if subs.is_empty() {
            skipped.push(format!(
                "{name} (no Proxmox templates could be read; create it once the server answers)"
            ));
            continue;
        }
        todo.push((name, subs));
    }
    if todo.is_empty() {
        return Ok(Created {
            group_id: None,
            created: Vec::new(),
            skipped,
            message: "Nothing to create: the product already has every configurable option.".into(),
        });
    }
    let currencies: Vec<u32> = match conn.query("SELECT id FROM tblcurrencies") {
        Ok(c) => c,
        Err(mysql::Error::MySqlError(e)) if e.code == 1146 => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let mut tx = conn.start_transaction(TxOpts::default())?;
    let group_name = format!("{product_name} - Proxmox KVM options");
    tx.exec_drop(
        "INSERT INTO tblproductconfiggroups (name, description) VALUES (?, ?)",
        (&group_name, "Created by PUQ Proxmox KVM: every resource a client can choose. Set the prices per sub-option."),
    )?;
    let gid = tx
        .last_insert_id()
        .and_then(|i| u32::try_from(i).ok())
        .ok_or_else(|| Error::Db("no id for the new configurable option group".into()))?;
    tx.exec_drop(
        "INSERT INTO tblproductconfiglinks (gid, pid) VALUES (?, ?)",
        (gid, pid),
    )?;
    let mut created = Vec::new();
    for (order, (name, subs)) in todo.iter().enumerate() {
        tx.exec_drop(
            "INSERT INTO tblproductconfigoptions (gid, optionname, optiontype, qtyminimum, qtymaximum, `order`, hidden) VALUES (?, ?, '1', 0, 0, ?, 0)",
            (gid, name, order),
        )?;
        let oid = tx
            .last_insert_id()
            .ok_or_else(|| Error::Db("no id for a new configurable option".into()))?;
        for (sort, (value, label)) in subs.iter().enumerate() {
            tx.exec_drop(
                "INSERT INTO tblproductconfigoptionssub (configid, optionname, sortorder, hidden) VALUES (?, ?, ?, 0)",
                (oid, format!("{value}|{label}"), sort),
            )?;
            let sid = tx.last_insert_id();
            // Free by default; WHMCS shows a sub-option only with a price row per currency.
            for cur in &currencies {
                tx.exec_drop(
                    "INSERT INTO tblpricing (type, currency, relid, msetupfee, qsetupfee, ssetupfee, asetupfee, bsetupfee, tsetupfee, monthly, quarterly, semiannually, annually, biennially, triennially)
                     VALUES ('configoptions', ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
                    (cur, sid),
                )?;
            }
        }
        created.push(name.to_string());
    }
    tx.commit()?;
    Ok(Created {
        group_id: Some(gid),
        message: format!(
            "Created {} configurable options in the group '{group_name}', linked to this product.",
            created.len()
        ),
        created,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_but_os_has_sub_options_from_the_spec() {
        for (field, name, _) in OPTIONS {
            let s = sub_options(name);
            if *field == "os_template" {
                assert!(s.is_empty());
            } else {
                assert!(s.len() >= 4, "{name}");
                assert!(s.iter().all(|(v, _)| v.parse::<u32>().is_ok()), "{name}");
            }
        }
        assert_eq!(sub_options("CPU Cores")[0], ("1".into(), "1 Core".into()));
        assert_eq!(
            sub_options("Additional Disk")[0],
            ("0".into(), "No additional disk".into())
        );
        assert_eq!(sub_options("Network Bandwidth").last().unwrap().1, "1 GB/s");
        assert_eq!(sub_options("Snapshots")[1].1, "1 snapshot");
        assert_eq!(OPTIONS.len(), 18);
    }
}

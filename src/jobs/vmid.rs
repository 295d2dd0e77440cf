//! Claiming a VMID: the lowest id from a starting point that is free in
//! Proxmox and in our table, taken through the (server_id, vm_id) unique key
//! so two web nodes or cron runners can never claim the same one.

use std::collections::HashSet;

use mysql::prelude::Queryable;
use mysql::PooledConn;

use crate::error::{Error, Result};

/// `write(conn, id)` stores the claim (INSERT or UPDATE of the VM record);
/// a duplicate on `uniq_vm` means another claim won that id, so the next
/// free one is tried.
pub fn claim(
    conn: &mut PooledConn,
    server_id: u32,
    from: u32,
    taken_in_proxmox: &HashSet<u32>,
    mut write: impl FnMut(&mut PooledConn, u32) -> mysql::Result<()>,
) -> Result<u32> {
    let ours: Vec<u32> = conn.exec(
        "SELECT vm_id FROM puqProxmoxKVM_vm_info WHERE server_id = ? AND vm_id IS NOT NULL",
        (server_id,),
    )?;
    let mut taken: HashSet<u32> = ours.into_iter().collect();
    taken.extend(taken_in_proxmox);
    let mut candidate = from.max(100);
    for _ in 0..1000 {
        while taken.contains(&candidate) {
            candidate = candidate
                .checked_add(1)
                .ok_or_else(|| Error::Config("no free VMID left".into()))?;
        }
        match write(conn, candidate) {
            Ok(()) => return Ok(candidate),
            Err(mysql::Error::MySqlError(e)) if e.code == 1062 && e.message.contains("uniq_vm") => {
                taken.insert(candidate);
            }
            Err(mysql::Error::MySqlError(e)) if e.code == 1062 => {
                return Err(Error::Config("this service already has a VM record".into()))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Db(
        "could not claim a free VMID after 1000 attempts".into(),
    ))
}

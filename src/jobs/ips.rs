//! The deploy's view of a service's IP addresses, allocated by `ippool`.

use mysql::PooledConn;

use super::Job;
use crate::config::effective::Effective;
use crate::config::product::ProductConfig;
use crate::error::{Error, Result};
use crate::ippool::{self, Assigned, Family, Request};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IpAssignment {
    pub address: String,
    pub prefix: u8,
    pub gateway: String,
    pub dns: Vec<String>,
    pub v6: bool,
    pub bridge: String,
    pub vlan: i64,
}

impl From<&Assigned> for IpAssignment {
    fn from(a: &Assigned) -> Self {
        IpAssignment {
            address: a.ip.to_string(),
            prefix: a.prefix,
            gateway: a.gateway.map(|g| g.to_string()).unwrap_or_default(),
            dns: a.dns.iter().map(ToString::to_string).collect(),
            v6: a.family == Family::V6,
            bridge: a.bridge.clone(),
            vlan: i64::from(a.vlan),
        }
    }
}

/// The addresses already allocated to a service.
pub fn load(conn: &mut PooledConn, service_id: u32) -> Result<Vec<IpAssignment>> {
    Ok(ippool::addresses_of(conn, service_id)?
        .iter()
        .map(IpAssignment::from)
        .collect())
}

fn count(n: i64, what: &str) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::input(what, format!("{n} is not a valid address count")))
}

/// Allocates the service's IPv4 and IPv6 addresses (the first deploy step)
/// and writes them to tblhosting. With Auto bridge/VLAN on, any pool of the
/// server will do (the NIC then follows the pool); with it off, only pools on
/// the product's bridge and VLAN.
pub fn allocate(conn: &mut PooledConn, job: &Job) -> Result<Vec<IpAssignment>> {
    allocate_for(
        conn,
        job.vm.service_id,
        job.vm.server_id,
        &job.product,
        &job.eff,
    )
}

/// Allocates for a service described by `$params` (admin action / tests).
pub fn allocate_for_params(
    conn: &mut PooledConn,
    p: &crate::whmcs::ServiceParams,
) -> Result<Vec<IpAssignment>> {
    let (prod, eff) = crate::config::for_service(conn, p)?;
    allocate_for(conn, p.service_id, p.server.id, &prod, &eff)
}

pub fn allocate_for(
    conn: &mut PooledConn,
    service_id: u32,
    server_id: u32,
    product: &ProductConfig,
    eff: &Effective,
) -> Result<Vec<IpAssignment>> {
    let (bridge, vlan) = if product.auto_bridge_vlan {
        (None, None)
    } else {
        (
            Some(product.bridge.clone()),
            Some(u16::try_from(product.vlan).unwrap_or(0)),
        )
    };
    let req = Request {
        service_id,
        server_id,
        bridge,
        vlan,
        v4_count: count(eff.ipv4_count, "ipv4_count")?,
        v6_count: count(eff.ipv6_count, "ipv6_count")?,
    };
    // IPs of Terminated services go back to the pool, but only when the
    // free ones run out: the recycling query reads every allocated row.
    let alloc = match ippool::allocate(conn, &req) {
        Err(Error::Config(m)) if m.contains("no free") => {
            if ippool::recycle_terminated(conn)? == 0 {
                return Err(Error::Config(m));
            }
            ippool::allocate(conn, &req)?
        }
        other => other?,
    };
    ippool::write_hosting_ips(conn, service_id, &ippool::hosting_ips(&alloc.addresses))?;
    Ok(alloc.addresses.iter().map(IpAssignment::from).collect())
}

//! The deploy's view of a service's IP addresses (allocated by `ippool`).

use mysql::PooledConn;

use super::Job;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpAssignment {
    pub address: String,
    pub prefix: u8,
    pub gateway: String,
    pub dns: Vec<String>,
    pub v6: bool,
    pub bridge: String,
    pub vlan: i64,
}

/// The addresses already allocated to a service.
pub fn load(_conn: &mut PooledConn, _service_id: u32) -> Result<Vec<IpAssignment>> {
    Ok(Vec::new())
}

/// Allocates the service's IPv4 and IPv6 addresses (first deploy step).
pub fn allocate(_conn: &mut PooledConn, job: &Job) -> Result<Vec<IpAssignment>> {
    if job.eff.ipv4_count == 0 && job.eff.ipv6_count == 0 {
        return Ok(Vec::new());
    }
    Err(Error::Config(format!(
        "service {} needs {} IPv4 and {} IPv6 addresses, but IP pool allocation is not available in this build",
        job.vm.service_id, job.eff.ipv4_count, job.eff.ipv6_count
    )))
}

//! Product settings, configurable options and the effective per-service
//! configuration.

pub mod effective;
pub mod names;
pub mod options;
pub mod product;

use mysql::PooledConn;

use crate::error::Result;
use crate::whmcs::ServiceParams;

/// A service's product settings and effective configuration, from `$params`.
pub fn for_service(
    conn: &mut PooledConn,
    p: &ServiceParams,
) -> Result<(product::ProductConfig, effective::Effective)> {
    let prod = product::load(conn, p.product_id)?;
    let eff = effective::compute(&prod, &p.config_options)?;
    Ok((prod, eff))
}

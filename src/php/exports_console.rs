//! Export of the console (src/console): the admin service page's noVNC
//! button. The client area's button is the `console` action of the client
//! whitelist (`puq_client_action`).

use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;

use super::convert::to_zval;
use super::globals::db_config;
use super::guard::{admin_exception, guard};
use super::host::PhpHost;
use crate::error::Error;

/// A one-time noVNC link for the admin service page: `['url', 'vmid',
/// 'expires_in' => 10]` (valid once, for 10 seconds, for this VM only),
/// written to the activity log. Throws with the reason when the product's
/// noVNC domain/key cannot make links or Proxmox refuses the console.
#[php_function]
pub fn puq_console_open(service_id: i64, admin_id: i64) -> PhpResult<Zval> {
    guard("puq_console_open", || {
        let sid = u32::try_from(service_id)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| Error::input("service_id", "must be a positive id"))?;
        let admin = u32::try_from(admin_id).unwrap_or(0);
        let mut c = crate::db::conn(&db_config()?)?;
        crate::console::open_for_admin(
            &mut c,
            &PhpHost,
            sid,
            admin,
            crate::cron::now_unix().max(0) as u64,
        )
    })
    .map(|v| to_zval(&v))
    .map_err(admin_exception)
}

/// Registers the exports of this file; composed into the module in `lib.rs`.
pub fn build_module(module: ModuleBuilder) -> ModuleBuilder {
    module.function(wrap_function!(puq_console_open))
}

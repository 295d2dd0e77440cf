//! PUQ Proxmox KVM for WHMCS, as a PHP extension. This file only registers
//! the exported functions; see `php/exports.rs` for them and DESIGN.md for
//! the architecture.
//!
//! Outside tests, nothing may `unwrap()`, `expect()` or `panic!`: bad input
//! from WHMCS, an admin, a client, Proxmox or a DNS API is an `Error`, never
//! a panic (the panic guard in `php/guard.rs` is the last line, not the plan).
//! Clippy enforces it (`tests/run.sh` runs it with `-D warnings`).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod addon;
pub mod backup;
pub mod client;
pub mod config;
pub mod console;
pub mod cron;
pub mod db;
pub mod dns;
pub mod doctor;
pub mod email;
pub mod error;
pub mod i18n;
pub mod ippool;
pub mod jobs;
pub mod lang;
pub mod php;
pub mod pve;
pub mod server;
pub mod stats;
pub mod util;
pub mod views;
pub mod whmcs;

pub use error::{Error, Result};

use ext_php_rs::prelude::*;

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    // One line per area of exports (src/php/exports*.rs).
    let mut module = module
        .info_function(php::info::module_info)
        .request_startup_function(php::guard::request_startup);
    module = php::exports::build_module(module);
    module = php::exports_lifecycle::build_module(module);
    module = php::exports_admin::build_module(module);
    module = php::exports_dns::build_module(module);
    module = php::exports_product::build_module(module);
    module = php::exports_cron::build_module(module);
    module = php::exports_client::build_module(module);
    module = php::exports_console::build_module(module);
    module = php::exports_lang::build_module(module);
    module
}

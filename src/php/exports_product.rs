//! Exports of the product configuration panel and the admin service page.
//! Each converts its arguments, runs the core in the panic guard, and
//! returns a plain array; the logic is in `views`.

use std::collections::BTreeMap;

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;
use serde_json::Value;

use super::convert::{to_value, to_zval};
use super::globals::db_config;
use super::guard::{admin_exception, guard};
use super::host::PhpHost;
use crate::db;
use crate::error::{Error, Result};
use crate::views;
use crate::whmcs::perms::{self, Admin, Perm};

fn data(name: &str, f: impl FnOnce() -> Result<Value>) -> PhpResult<Zval> {
    guard(name, f)
        .map(|v| to_zval(&v))
        .map_err(|e| PhpException::from(e.to_string()))
}

fn id(key: &str, n: i64) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::input(key, format!("must be a positive id, got {n}")))
}

/// Data of a product's Module Settings panel: `settings`, `defaults`,
/// `choices` (nodes, templates, storages, bridges read live from the
/// product's server group), `banners` and `highlight` (what is missing and
/// how to fix it), `field_errors`, `email_templates`, `departments`,
/// `config_options` (which of the 18 exist). No secret is included.
#[php_function]
pub fn puq_product_panel(product_id: i64) -> PhpResult<Zval> {
    data("puq_product_panel", || {
        let pid = id("product_id", product_id)?;
        let mut c = db::conn(&db_config()?)?;
        views::product::panel(&mut c, &PhpHost, pid)
    })
}

/// Saves the panel (`name => value`): every field is validated and checked
/// against the product's Proxmox server; nothing is stored unless all are
/// right. `$admin_id` is the logged-in admin (`$_SESSION['adminid']`), whose
/// role needs WHMCS's "View Products/Services" and "Edit Products/Services";
/// without them this throws with code 403 and changes nothing. Returns
/// `['ok' => bool, 'errors' => [field => message], 'banners' => [...],
/// 'message' => string, 'settings' => [...]]`.
#[php_function]
pub fn puq_product_panel_save(product_id: i64, values: &Zval, admin_id: i64) -> PhpResult<Zval> {
    admin_data("puq_product_panel_save", || {
        let v = to_value(values)?;
        let pid = id("product_id", product_id)?;
        let form: BTreeMap<String, String> = crate::whmcs::fields::Fields::new(&v)?
            .string_entries()?
            .into_iter()
            .collect();
        let mut c = db::conn(&db_config()?)?;
        let admin = edit_products(&mut c, admin_id)?;
        views::product::save(&mut c, &PhpHost, &admin, pid, &form)
    })
}

/// Creates the 18 configurable options as a group linked to the product;
/// those it already has are skipped. `$admin_id` needs "View
/// Products/Services" and "Edit Products/Services" (else code 403). Returns
/// `['group_id', 'created', 'skipped', 'message']`.
#[php_function]
pub fn puq_product_create_options(product_id: i64, admin_id: i64) -> PhpResult<Zval> {
    admin_data("puq_product_create_options", || {
        let pid = id("product_id", product_id)?;
        let mut c = db::conn(&db_config()?)?;
        let admin = edit_products(&mut c, admin_id)?;
        views::product::create_options(&mut c, &PhpHost, &admin, pid)
    })
}

fn edit_products(c: &mut mysql::PooledConn, admin_id: i64) -> Result<Admin> {
    perms::require(
        c,
        u32::try_from(admin_id).unwrap_or(0),
        &[Perm::ViewProducts, Perm::EditProducts],
    )
}

fn admin_data(name: &str, f: impl FnOnce() -> Result<Value>) -> PhpResult<Zval> {
    guard(name, f).map(|v| to_zval(&v)).map_err(admin_exception)
}

/// Data of the admin service page: VM record, addresses with rDNS, API
/// status, the live VM panel (read from Proxmox in parallel), hardware and
/// package values, deploy log, progress, and `timing` of the Proxmox reads.
#[php_function]
pub fn puq_service_page(service_id: i64) -> PhpResult<Zval> {
    data("puq_service_page", || {
        let sid = id("service_id", service_id)?;
        let mut c = db::conn(&db_config()?)?;
        views::service::page(&mut c, &PhpHost, sid)
    })
}

/// Usage chart series of a service's VM for `hour|day|week|month|year`
/// (CPU %, memory %, network in/out and disk read/write in MB/s).
#[php_function]
pub fn puq_service_chart(service_id: i64, timeframe: String) -> PhpResult<Zval> {
    data("puq_service_chart", || {
        let sid = id("service_id", service_id)?;
        let mut c = db::conn(&db_config()?)?;
        views::service::chart(&mut c, &PhpHost, sid, &timeframe)
    })
}

/// Registers the exports of this file; composed into the module in `lib.rs`.
pub fn build_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(puq_product_panel))
        .function(wrap_function!(puq_product_panel_save))
        .function(wrap_function!(puq_product_create_options))
        .function(wrap_function!(puq_service_page))
        .function(wrap_function!(puq_service_chart))
}

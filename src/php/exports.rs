//! Every function the extension exports to PHP. Each one: convert the PHP
//! arguments once, run the core inside the panic guard, convert the result
//! back in WHMCS's shape. No logic lives here.

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;
use serde_json::{json, Value};

use super::convert::{to_value, to_zval};
use super::globals::db_config;
use super::guard::guard;
use super::host::PhpHost;
use crate::config::product;
use crate::db::{self, settings};
use crate::error::{Error, Result};
use crate::whmcs::{ServerParams, ServiceParams};
use crate::{addon, cron, ippool, server};

fn throw(e: Error) -> PhpException {
    PhpException::from(e.to_string())
}

fn data(name: &str, f: impl FnOnce() -> Result<Value>) -> PhpResult<Zval> {
    guard(name, f).map(|v| to_zval(&v)).map_err(throw)
}

fn addon_status(name: &str, f: impl FnOnce() -> Result<String>) -> Zval {
    let v = match guard(name, f) {
        Ok(msg) => json!({"status": "success", "description": msg}),
        Err(e) => json!({"status": "error", "description": e.to_string()}),
    };
    to_zval(&v)
}

/// Settings for calls that must work before the addon is activated (or with
/// the database down), such as TestConnection: the stored ones, else defaults.
fn current_settings() -> settings::Settings {
    db_config()
        .and_then(|cfg| db::conn(&cfg))
        .and_then(|mut c| settings::load(&mut c))
        .unwrap_or_default()
}

/// The extension's version.
#[php_function]
pub fn puq_version() -> String {
    addon::VERSION.to_string()
}

/// Server module MetaData().
#[php_function]
pub fn puq_meta_data() -> PhpResult<Zval> {
    data("puq_meta_data", || Ok(server::meta_data()))
}

/// Server module ConfigOptions().
#[php_function]
pub fn puq_config_options() -> PhpResult<Zval> {
    data("puq_config_options", || Ok(server::config_options()))
}

/// Server module TestConnection($params): `['success' => bool, 'error' => string]`.
#[php_function]
pub fn puq_test_connection(params: &Zval) -> Zval {
    let r = guard("puq_test_connection", || {
        let v = to_value(params)?;
        let server = ServerParams::from_value(&v)?;
        server::test_connection(&server, &current_settings())
    });
    to_zval(&match r {
        Ok(msg) => json!({"success": true, "error": "", "message": msg}),
        Err(e) => json!({"success": false, "error": e.to_string()}),
    })
}

/// Server module CreateAccount($params): `'success'` or an error message.
/// Writes the VM record in state `creation`; the cron deploys it.
#[php_function]
pub fn puq_create_account(params: &Zval) -> String {
    super::guard::status_string("puq_create_account", || {
        let v = to_value(params)?;
        let p = ServiceParams::from_value(&v)?;
        server::create::create_account(&db_config()?, &PhpHost, &p)
    })
}

/// A product's Module Settings (every field with its current value).
#[php_function]
pub fn puq_product_settings_get(product_id: i64) -> PhpResult<Zval> {
    data("puq_product_settings_get", || {
        let pid = positive_id("product_id", product_id)?;
        let mut c = db::conn(&db_config()?)?;
        Ok(json!(product::load(&mut c, pid)?))
    })
}

/// Validates and saves a product's Module Settings (`name => value`);
/// throws naming the field on bad input, saving nothing.
#[php_function]
pub fn puq_product_settings_save(product_id: i64, values: &Zval) -> PhpResult<Zval> {
    data("puq_product_settings_save", || {
        let v = to_value(values)?;
        let pid = positive_id("product_id", product_id)?;
        let form = crate::whmcs::fields::Fields::new(&v)?
            .string_entries()?
            .into_iter()
            .collect();
        let mut c = db::conn(&db_config()?)?;
        Ok(json!(product::save(&mut c, pid, &form)?))
    })
}

/// The effective configuration of a service (`$params`): configurable
/// options over product defaults.
#[php_function]
pub fn puq_effective_config(params: &Zval) -> PhpResult<Zval> {
    data("puq_effective_config", || {
        let v = to_value(params)?;
        let p = ServiceParams::from_value(&v)?;
        let mut c = db::conn(&db_config()?)?;
        Ok(json!(crate::config::for_service(&mut c, &p)?.1))
    })
}

/// Creates an IP pool from the IP Pools form (`server_id, type, bridge, vlan,
/// gateway, mask, dns1, dns2, address_start, address_stop`); returns its id.
/// Throws naming the field on bad input.
#[php_function]
pub fn puq_ip_pool_create(values: &Zval) -> PhpResult<i64> {
    guard("puq_ip_pool_create", || {
        let v = to_value(values)?;
        let pool = ippool::Pool::from_fields(&crate::whmcs::fields::Fields::new(&v)?)?;
        let mut c = db::conn(&db_config()?)?;
        Ok(i64::from(ippool::create_pool(&mut c, &pool)?))
    })
    .map_err(throw)
}

/// Updates an IP pool (`id` plus the form fields). Allocated addresses keep
/// their settings.
#[php_function]
pub fn puq_ip_pool_update(values: &Zval) -> PhpResult<bool> {
    guard("puq_ip_pool_update", || {
        let v = to_value(values)?;
        let f = crate::whmcs::fields::Fields::new(&v)?;
        let mut pool = ippool::Pool::from_fields(&f)?;
        pool.id = f.req_id("id")?;
        let mut c = db::conn(&db_config()?)?;
        ippool::update_pool(&mut c, &pool)?;
        Ok(true)
    })
    .map_err(throw)
}

/// Deletes an IP pool; refused while addresses are allocated from it.
#[php_function]
pub fn puq_ip_pool_delete(id: i64) -> PhpResult<bool> {
    guard("puq_ip_pool_delete", || {
        let id = positive_id("id", id)?;
        let mut c = db::conn(&db_config()?)?;
        ippool::delete_pool(&mut c, id)?;
        Ok(true)
    })
    .map_err(throw)
}

/// IP pools with usage (allocated / total) and the reverse-DNS zone hint;
/// `$server_id` 0 lists all servers' pools.
#[php_function]
pub fn puq_ip_pool_list(server_id: i64) -> PhpResult<Zval> {
    data("puq_ip_pool_list", || {
        let filter = if server_id == 0 {
            None
        } else {
            Some(positive_id("server_id", server_id)?)
        };
        let mut c = db::conn(&db_config()?)?;
        Ok(json!(ippool::list_pools(&mut c, filter)?))
    })
}

/// Allocates a service's IP addresses now (`$params`): the counts from its
/// effective configuration, pools first, then the server's legacy list.
/// Idempotent; returns the service's addresses.
#[php_function]
pub fn puq_ip_pool_allocate(params: &Zval) -> PhpResult<Zval> {
    data("puq_ip_pool_allocate", || {
        let v = to_value(params)?;
        let p = ServiceParams::from_value(&v)?;
        let mut c = db::conn(&db_config()?)?;
        Ok(json!(crate::jobs::ips::allocate_for_params(&mut c, &p)?))
    })
}

fn positive_id(key: &str, n: i64) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::input(key, format!("must be a positive id, got {n}")))
}

/// Addon _config().
#[php_function]
pub fn puq_addon_config() -> PhpResult<Zval> {
    data("puq_addon_config", || Ok(addon::config()))
}

/// The email translations folder the skin passes (the addon's
/// `lang/emails`); anything but a string means none.
fn emails_dir(z: Option<&Zval>) -> Option<std::path::PathBuf> {
    match z.map(to_value) {
        Some(Ok(serde_json::Value::String(s))) if !s.is_empty() && !s.contains('\0') => {
            Some(std::path::PathBuf::from(s))
        }
        _ => None,
    }
}

/// Addon _activate(): creates or upgrades the module's tables and creates
/// the missing email templates, with the translations found in
/// `$emails_dir` (the addon's `lang/emails`, `<language>.json`).
#[php_function]
pub fn puq_addon_activate(emails_dir: Option<&Zval>) -> Zval {
    let dir = self::emails_dir(emails_dir);
    addon_status("puq_addon_activate", || {
        addon::activate(&db_config()?, &PhpHost, dir.as_deref())
    })
}

/// Addon _deactivate(): drops tables only if "Delete all database tables" is on.
#[php_function]
pub fn puq_addon_deactivate() -> Zval {
    addon_status("puq_addon_deactivate", || addon::deactivate(&db_config()?))
}

/// Addon _upgrade($vars): `$vars['version']` is the previously installed
/// version; `$emails_dir` as for puq_addon_activate.
#[php_function]
pub fn puq_addon_upgrade(vars: &Zval, emails_dir: Option<&Zval>) -> Zval {
    let dir = self::emails_dir(emails_dir);
    addon_status("puq_addon_upgrade", || {
        let v = to_value(vars)?;
        let prev = crate::whmcs::fields::Fields::new(&v)?.str_or_empty("version")?;
        addon::upgrade(&db_config()?, &PhpHost, &prev, dir.as_deref())
    })
}

/// Data for the addon's admin page.
#[php_function]
pub fn puq_addon_overview() -> PhpResult<Zval> {
    data("puq_addon_overview", || addon::overview(&db_config()?))
}

/// The addon's global settings.
#[php_function]
pub fn puq_settings_get() -> PhpResult<Zval> {
    data("puq_settings_get", || {
        let mut c = db::conn(&db_config()?)?;
        Ok(json!(settings::load(&mut c)?))
    })
}

/// Validates and saves settings (`name => value`); throws naming the field on bad input.
#[php_function]
pub fn puq_settings_save(values: &Zval) -> PhpResult<Zval> {
    data("puq_settings_save", || {
        let v = to_value(values)?;
        let pairs = crate::whmcs::fields::Fields::new(&v)?
            .string_entries()?
            .into_iter()
            .collect();
        let mut c = db::conn(&db_config()?)?;
        Ok(json!(settings::save(&mut c, &pairs)?))
    })
}

/// The cron: `['mode' => 'hook'|'standalone', 'argv' => [...]]`. Streams its
/// output line by line and returns the exit code.
#[php_function]
pub fn puq_cron_tick(options: &Zval) -> PhpResult<i64> {
    guard("puq_cron_tick", || {
        let v = to_value(options)?;
        let mut opts = cron::Options::from_value(&v)?;
        opts.tz_offset = super::host::php_tz_offset();
        let host = PhpHost;
        let db = db_config()?;
        let rt = super::host::php_runtime();
        if opts.doctor {
            let report = crate::doctor::run(&db, &host, &rt, &opts.addon_dir)?;
            for l in report.lines() {
                crate::whmcs::Host::output(&host, &l);
            }
            return Ok(i64::from(report.fail > 0));
        }
        // What the CLI PHP runs, for the doctor on the Dashboard.
        if let Ok(mut c) = db::conn(&db) {
            crate::doctor::record_runtime(&mut c, &rt, cron::now_unix());
        }
        cron::tick(&db, &host, &opts, &|task, host| {
            cron::tasks::run(&db, task, host, &opts)
        })
        .map(i64::from)
    })
    .map_err(throw)
}

/// Diagnostics: panics on purpose when PUQ_ALLOW_PANIC_TEST=1, to prove the
/// panic guard; otherwise does nothing.
#[php_function]
pub fn puq_debug_panic() -> String {
    let r = guard("puq_debug_panic", || {
        if std::env::var("PUQ_ALLOW_PANIC_TEST").as_deref() == Ok("1") {
            #[allow(clippy::panic)] // the one deliberate panic, to prove the guard
            {
                panic!("deliberate test panic");
            }
        }
        Ok(())
    });
    match r {
        Ok(()) => "disabled".into(),
        Err(e) => e.to_string(),
    }
}

/// Registers every export; composed into the module in `lib.rs`.
pub fn build_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(puq_version))
        .function(wrap_function!(puq_meta_data))
        .function(wrap_function!(puq_config_options))
        .function(wrap_function!(puq_test_connection))
        .function(wrap_function!(puq_addon_config))
        .function(wrap_function!(puq_addon_activate))
        .function(wrap_function!(puq_addon_deactivate))
        .function(wrap_function!(puq_addon_upgrade))
        .function(wrap_function!(puq_addon_overview))
        .function(wrap_function!(puq_settings_get))
        .function(wrap_function!(puq_settings_save))
        .function(wrap_function!(puq_debug_panic))
        .function(wrap_function!(puq_cron_tick))
        .function(wrap_function!(puq_create_account))
        .function(wrap_function!(puq_product_settings_get))
        .function(wrap_function!(puq_product_settings_save))
        .function(wrap_function!(puq_effective_config))
        .function(wrap_function!(puq_ip_pool_create))
        .function(wrap_function!(puq_ip_pool_update))
        .function(wrap_function!(puq_ip_pool_delete))
        .function(wrap_function!(puq_ip_pool_list))
        .function(wrap_function!(puq_ip_pool_allocate))
}

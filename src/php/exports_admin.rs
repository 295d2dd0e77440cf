//! Exports of the addon's admin pages (src/views): one call per page view
//! and one per AJAX action. The PHP side only reads the request, checks the
//! CSRF token with WHMCS's check_token() and renders the named template.

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;

use super::convert::{to_value, to_zval};
use super::globals::db_config;
use super::guard::guard;
use super::host::PhpHost;
use crate::views;

/// Data of an addon admin page: `['page' => name, 'template' => file name
/// without .tpl, 'nav' => [page names], 'vars' => [...]]`. `$page` '' is the
/// dashboard. Throws when the page does not exist, the admin (from
/// `$_SESSION['adminid']`) lacks the addon's access role, or the data cannot
/// be read. `$install` says where this install lives, for the crontab
/// line of Settings > Cron: `['addon_dir' => __DIR__, 'php_bindir' =>
/// PHP_BINDIR, 'php_version' => 'major.minor']`.
#[php_function]
pub fn puq_admin_page(
    page: &str,
    request: &Zval,
    admin_id: i64,
    install: Option<&Zval>,
) -> PhpResult<Zval> {
    guard("puq_admin_page", || {
        let input = to_value(request)?;
        let install = install.map(to_value).transpose()?;
        let db = db_config()?;
        let req = views::Request {
            admin_id: u32::try_from(admin_id).unwrap_or(0),
            posted: false,
            input: &input,
            install: install.as_ref(),
        };
        views::page(&db, &PhpHost, page, &req)
    })
    .map(|v| to_zval(&v))
    .map_err(|e| PhpException::from(e.to_string()))
}

/// Runs an addon AJAX action and returns the JSON envelope:
/// `['ok' => true, 'status' => 200, 'data' => ...]` or `['ok' => false,
/// 'status' => 400|403|500, 'error' => message, 'field' => name|null]`.
/// `$posted` must be true only for a POST whose CSRF token check_token()
/// accepted; actions that change data are refused otherwise. Never throws.
#[php_function]
pub fn puq_admin_ajax(action: &Zval, request: &Zval, admin_id: i64, posted: bool) -> Zval {
    let r = guard("puq_admin_ajax", || {
        // The action name comes straight from the query string: bad bytes
        // are a 400 in the envelope, never a PHP TypeError.
        let action = match to_value(action) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(_) => return Err(crate::Error::input("action", "expected an action name")),
            Err(crate::Error::Input { message, .. }) => {
                return Err(crate::Error::input("action", message))
            }
            Err(e) => return Err(e),
        };
        let action = action.as_str();
        let input = to_value(request)?;
        let db = db_config()?;
        // The PHP this runs in, for the installation doctor.
        let runtime = serde_json::json!(super::host::php_runtime());
        let req = views::Request {
            admin_id: u32::try_from(admin_id).unwrap_or(0),
            posted,
            input: &input,
            install: Some(&runtime),
        };
        Ok(views::ajax(&db, &PhpHost, action, &req))
    });
    to_zval(&r.unwrap_or_else(|e| views::failure(&e)))
}

/// Registers the admin page exports; composed into the module in `lib.rs`.
pub fn build_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(puq_admin_page))
        .function(wrap_function!(puq_admin_ajax))
}

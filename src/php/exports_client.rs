//! Exports of the client area (src/client): one call per page, one per
//! AJAX action, and the upgrade page's shrink guard. The PHP skin only
//! gathers the request (the logged-in client from the session, the method,
//! whether WHMCS's `check_token()` accepted the token, the parameters) and
//! renders the template or sends the JSON these return. Never throws: every
//! refusal and failure is an answer with its HTTP status.

use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;
use serde_json::{json, Value};

use super::convert::{to_value, to_zval};
use super::globals::db_config;
use super::guard::guard;
use super::host::PhpHost;
use crate::client;
use crate::error::{Error, Result};
use crate::whmcs::fields::Fields;

/// The request array the skin builds: `client_id`, `post`, `token_ok`,
/// `input` (the GET and POST parameters).
struct Parsed {
    client_id: u32,
    post: bool,
    token_ok: bool,
    input: Value,
}

fn parse(request: &Zval) -> Result<Parsed> {
    let v = to_value(request)?;
    let f = Fields::new(&v)?;
    let client_id = f.opt_int("client_id")?.unwrap_or(0);
    Ok(Parsed {
        client_id: u32::try_from(client_id).unwrap_or(0),
        post: f.flag("post")?,
        token_ok: f.flag("token_ok")?,
        input: match v.get("input") {
            Some(Value::Object(m)) => Value::Object(m.clone()),
            _ => json!({}),
        },
    })
}

fn name_of(z: &Zval, key: &str) -> Result<String> {
    match to_value(z) {
        Ok(Value::String(s)) => Ok(s),
        Ok(Value::Null) => Ok(String::new()),
        Ok(_) => Err(Error::input(key, "expected a name")),
        Err(Error::Input { message, .. }) => Err(Error::input(key, message)),
        Err(e) => Err(e),
    }
}

fn sid(service_id: i64) -> u32 {
    u32::try_from(service_id).unwrap_or(0)
}

/// Converts the name and the request once, in the panic guard, and runs `f`
/// with them (a page or an action of the whitelist).
fn with_request(
    export: &str,
    service_id: i64,
    name: &Zval,
    key: &str,
    request: &Zval,
    f: impl FnOnce(&crate::db::DbConfig, &str, &client::Request<'_>) -> Value,
) -> Result<Value> {
    guard(export, || {
        let name = name_of(name, key)?;
        let p = parse(request)?;
        let db = db_config()?;
        let req = client::Request {
            client_id: p.client_id,
            service_id: sid(service_id),
            post: p.post,
            token_ok: p.token_ok,
            input: &p.input,
        };
        Ok(f(&db, &name, &req))
    })
}

/// A client page: `['page', 'template' => file under templates/client
/// without .tpl, 'status' => HTTP status, 'vars' => [...]]`. `$page` '' is
/// the Overview. Refusals and failures use the `error` template
/// (`vars.error = [code, message, retry]`): "Access Denied" for a feature
/// the package does not allow, "Something went wrong" when Proxmox or the
/// VM cannot be reached.
#[php_function]
pub fn puq_client_page(service_id: i64, page: &Zval, request: &Zval) -> Zval {
    let r = with_request(
        "puq_client_page",
        service_id,
        page,
        "page",
        request,
        |db, name, req| client::page(db, &PhpHost, name, req),
    );
    to_zval(&r.unwrap_or_else(|e| {
        let f = client::failure(&e);
        json!({"page": "", "template": "error", "status": f["status"], "vars": {"menu": [], "error": f}})
    }))
}

/// A client AJAX action: `['ok' => true, 'status' => 200, 'data' => ...]`
/// or `['ok' => false, 'status' => 4xx|5xx, 'code', 'message', 'field',
/// 'retry']`. Writes run only when `post` and `token_ok` are true.
#[php_function]
pub fn puq_client_action(service_id: i64, action: &Zval, request: &Zval) -> Zval {
    let r = with_request(
        "puq_client_action",
        service_id,
        action,
        "act",
        request,
        |db, name, req| client::action(db, &PhpHost, name, req),
    );
    to_zval(&r.unwrap_or_else(|e| client::failure(&e)))
}

/// The functions a client may call through
/// `clientarea.php?action=productdetails&id=N&modop=custom&a=NAME`: the one
/// routed entry (`client`), which dispatches on the whitelist in Rust.
#[php_function]
pub fn puq_client_allowed_functions() -> Zval {
    to_zval(&json!(["client"]))
}

/// The upgrade page's shrink guard for the logged-in client's service:
/// `['options' => [['id', 'disk', 'current_gb', 'disabled' => [sub ids],
/// 'destructive' => [sub ids]]]]` (empty for anyone but the owner).
#[php_function]
pub fn puq_client_upgrade_guard(service_id: i64, client_id: i64) -> Zval {
    let r = guard("puq_client_upgrade_guard", || {
        let mut c = crate::db::conn(&db_config()?)?;
        client::upgrade::guard(
            &mut c,
            u32::try_from(client_id).unwrap_or(0),
            sid(service_id),
        )
    });
    to_zval(&r.unwrap_or_else(|_| json!({"options": []})))
}

/// Refusals of a submitted configurable options upgrade
/// (`configoption => [option id => sub-option id]`): a list of messages,
/// empty when the upgrade shrinks no disk.
#[php_function]
pub fn puq_client_upgrade_validate(service_id: i64, client_id: i64, configoption: &Zval) -> Zval {
    let r = guard("puq_client_upgrade_validate", || {
        let v = to_value(configoption)?;
        let chosen: Vec<(u32, u32)> = Fields::new(&v)?
            .string_entries()?
            .into_iter()
            .filter_map(|(k, s)| Some((k.trim().parse().ok()?, s.trim().parse().ok()?)))
            .collect();
        let mut c = crate::db::conn(&db_config()?)?;
        client::upgrade::validate(
            &mut c,
            u32::try_from(client_id).unwrap_or(0),
            sid(service_id),
            &chosen,
        )
    });
    // A guard that cannot decide refuses: the backend would skip a shrink
    // anyway, but the client must not pay for an upgrade that cannot apply.
    // Bad input is named; any other failure stays generic (no detail of the
    // database reaches a client).
    to_zval(&json!(r.unwrap_or_else(|e| vec![match e {
        Error::Input { .. } => format!("The upgrade could not be checked: {e}"),
        _ =>
            "The upgrade could not be checked right now: please try again in a moment.".to_string(),
    }])))
}

/// Registers the client area exports; composed into the module in `lib.rs`.
pub fn build_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(puq_client_page))
        .function(wrap_function!(puq_client_action))
        .function(wrap_function!(puq_client_allowed_functions))
        .function(wrap_function!(puq_client_upgrade_guard))
        .function(wrap_function!(puq_client_upgrade_validate))
}

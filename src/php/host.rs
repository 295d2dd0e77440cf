//! `Host` implemented by calling WHMCS's PHP functions by name. Every call
//! runs inside `zend::try_catch`, so a PHP fatal error (a bailout) cannot
//! longjmp over Rust frames; it comes back as an error instead. Only ever
//! used on the PHP thread.

use ext_php_rs::convert::IntoZvalDyn;
use ext_php_rs::types::{ZendCallable, Zval};
use ext_php_rs::zend::{try_catch, ExecutorGlobals};
use serde_json::Value;

use super::convert::{to_value, to_zval};
use crate::error::{Error, Result};
use crate::whmcs::Host;

/// The WHMCS module name used in the Module Debug Log.
const MODULE: &str = "puqProxmoxKVM";

pub struct PhpHost;

/// A PHP exception thrown by the callee is taken out of the engine (it must
/// not resurface in WHMCS's code when the native function returns) and
/// becomes the error message.
fn take_php_exception() -> Option<String> {
    let ex = ExecutorGlobals::take_exception()?;
    let msg = ex
        .try_call_method("getMessage", vec![])
        .ok()
        .and_then(|m| m.string())
        .unwrap_or_default();
    let class = ex.get_class_name().unwrap_or_else(|_| "exception".into());
    Some(format!("{class}: {msg}"))
}

fn call(name: &str, args: Vec<Zval>) -> Result<Zval> {
    let outcome = try_catch(move || {
        let f = ZendCallable::try_from_name(name)
            .map_err(|_| format!("PHP function {name}() is not defined"))?;
        let refs: Vec<&dyn IntoZvalDyn> = args.iter().map(|a| a as &dyn IntoZvalDyn).collect();
        let r = f.try_call(refs);
        if let Some(ex) = take_php_exception() {
            return Err(format!("{name}() threw {ex}"));
        }
        r.map_err(|e| format!("{name}() failed: {e}"))
    });
    match outcome {
        Ok(Ok(z)) => Ok(z),
        Ok(Err(m)) => Err(Error::Host(m)),
        Err(_) => Err(Error::Host(format!("{name}() raised a fatal error"))),
    }
}

fn s(v: &str) -> Zval {
    to_zval(&Value::String(v.to_string()))
}

impl Host for PhpHost {
    fn local_api(&self, command: &str, values: &Value) -> Result<Value> {
        let r = call("localAPI", vec![s(command), to_zval(values)])?;
        to_value(&r).map_err(|e| {
            Error::Host(format!(
                "localAPI {command} answered a value that cannot be read: {e}"
            ))
        })
    }

    fn log_module_call(
        &self,
        action: &str,
        request: &str,
        response: &str,
        processed: &str,
        secrets: &[&str],
    ) {
        let secrets: Vec<Value> = secrets
            .iter()
            .filter(|x| !x.is_empty())
            .map(|x| Value::String((*x).to_string()))
            .collect();
        let r = call(
            "logModuleCall",
            vec![
                s(MODULE),
                s(action),
                s(request),
                s(response),
                s(processed),
                to_zval(&Value::Array(secrets)),
            ],
        );
        if let Err(e) = r {
            log::warn!("logModuleCall: {e}");
        }
    }

    fn log_activity(&self, message: &str, user_id: u32) {
        let mut uid = Zval::new();
        uid.set_long(i64::from(user_id));
        if let Err(e) = call("logActivity", vec![s(message), uid]) {
            log::warn!("logActivity: {e}");
        }
    }

    fn encrypt(&self, plain: &str) -> Result<String> {
        call("encrypt", vec![s(plain)])?
            .string()
            .ok_or_else(|| Error::Host("encrypt() did not return a string".into()))
    }

    fn decrypt(&self, cipher: &str) -> Result<String> {
        call("decrypt", vec![s(cipher)])?
            .string()
            .ok_or_else(|| Error::Host("decrypt() did not return a string".into()))
    }

    fn output(&self, line: &str) {
        let mut text = String::with_capacity(line.len() + 1);
        text.push_str(line);
        text.push('\n');
        let _ = ext_php_rs::zend::output_write(text.as_bytes());
        let _ = call("flush", Vec::new());
    }
}

/// Seconds east of UTC in PHP's configured timezone (`date('Z')`).
pub fn php_tz_offset() -> i64 {
    call("date", vec![s("Z")])
        .ok()
        .and_then(|z| z.string().and_then(|t| t.parse().ok()).or_else(|| z.long()))
        .unwrap_or(0)
}

/// The PHP this runs in (version, SAPI, binary) and the PHP API the
/// extension was built for, for the installation doctor.
pub fn php_runtime() -> crate::doctor::Runtime {
    let text = |name: &str, args: Vec<Zval>| {
        call(name, args)
            .ok()
            .and_then(|z| z.string())
            .unwrap_or_default()
    };
    crate::doctor::Runtime {
        php_version: text("phpversion", Vec::new()),
        sapi: text("php_sapi_name", Vec::new()),
        php_binary: text("constant", vec![s("PHP_BINARY")]),
        api: ext_php_rs::ffi::ZEND_MODULE_API_NO,
        ext_version: crate::addon::VERSION.to_string(),
        build: env!("PUQ_GIT_HASH").to_string(),
        at: 0,
    }
}

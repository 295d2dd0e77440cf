//! The one generic conversion between PHP values and Rust values
//! (`serde_json::Value`). Typed structs are built from the Rust value by
//! the core (`whmcs::fields`), never from Zvals directly.
//!
//! PHP → Rust is strict and never panics: a key or string that is not
//! UTF-8, or an array nested deeper than WHMCS ever sends, is an input error
//! naming the key (`customfields.Host\xFFname`), so the caller answers in
//! its normal error form and nothing is saved. A value that is not UTF-8 is
//! never echoed (it may be a secret). WHMCS's `model` object becomes
//! `null` (the core never reads it); any other object is refused.

use ext_php_rs::types::{ZendHashTable, Zval};
use serde_json::{Map, Number, Value};

use crate::error::{Error, Result};
use crate::util::escaped;

/// Nesting deeper than this is refused (WHMCS never sends it; a cyclic
/// reference must not recurse forever).
const MAX_DEPTH: u32 = 16;

/// Longest key or value excerpt put into an error message.
const SHOWN: usize = 60;

/// PHP → Rust. `Err` names the offending key; the top level is `params`.
pub fn to_value(z: &Zval) -> Result<Value> {
    to_value_at(z, "", 0)
}

/// The name of a nested key in error messages: `parent.key`.
fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn shown(path: &str) -> String {
    if path.is_empty() {
        "params".into()
    } else {
        path.to_string()
    }
}

fn to_value_at(z: &Zval, path: &str, depth: u32) -> Result<Value> {
    let z = z.dereference();
    if depth > MAX_DEPTH {
        return Err(Error::input(
            shown(path),
            format!("arrays nested deeper than {MAX_DEPTH} levels are not accepted"),
        ));
    }
    if z.is_bool() {
        return Ok(Value::Bool(z.is_true()));
    }
    if let Some(l) = z.is_long().then(|| z.long()).flatten() {
        return Ok(Value::Number(l.into()));
    }
    if let Some(d) = z.is_double().then(|| z.double()).flatten() {
        return Number::from_f64(d)
            .map(Value::Number)
            .ok_or_else(|| Error::input(shown(path), format!("{d} is not a finite number")));
    }
    if z.is_string() {
        let Some(zs) = z.zend_str() else {
            return Ok(Value::String(String::new()));
        };
        return match zs.as_str() {
            Ok(s) => Ok(Value::String(s.to_string())),
            // The value is never shown: it may be a password or an API key.
            Err(_) => Err(Error::input(
                shown(path),
                format!(
                    "is not valid UTF-8 text ({} bytes; the value is not shown)",
                    zs.len()
                ),
            )),
        };
    }
    if let Some(ht) = z.array() {
        return array_to_value(ht, path, depth);
    }
    if z.is_object() {
        // WHMCS's `$params['model']` (an Eloquent model) is the one object
        // it passes; the core never reads it. An object anywhere else is
        // where a value belongs, and is refused rather than dropped.
        let last = path.rsplit('.').next().unwrap_or(path);
        if last == "model" {
            return Ok(Value::Null);
        }
        return Err(Error::input(
            shown(path),
            "expected a value or an array, got an object",
        ));
    }
    Ok(Value::Null)
}

/// A key as text; `Err` carries the key escaped for a message.
fn key_text(k: &Zval) -> std::result::Result<String, String> {
    if let Some(n) = k.is_long().then(|| k.long()).flatten() {
        return Ok(n.to_string());
    }
    match k.zend_str() {
        Some(zs) => zs
            .as_str()
            .map(str::to_string)
            .map_err(|_| escaped(zs.as_bytes(), SHOWN)),
        None => Ok(String::new()),
    }
}

fn array_to_value(ht: &ZendHashTable, path: &str, depth: u32) -> Result<Value> {
    // ext-php-rs's `Iterator` impl panics on a key that is not UTF-8;
    // `next_zval` hands back the raw key instead.
    let mut entries = Vec::with_capacity(ht.len());
    let mut sequential = true;
    let mut it = ht.iter();
    while let Some((k, v)) = it.next_zval() {
        let key = key_text(&k).map_err(|bad| {
            Error::input(child(path, &bad), "this array key is not valid UTF-8 text")
        })?;
        let index = entries.len() as i64;
        if sequential && !(k.is_long() && k.long() == Some(index)) {
            sequential = false;
        }
        let value = to_value_at(v, &child(path, &key), depth + 1)?;
        entries.push((key, value));
    }
    if sequential {
        Ok(Value::Array(entries.into_iter().map(|(_, v)| v).collect()))
    } else {
        Ok(Value::Object(entries.into_iter().collect::<Map<_, _>>()))
    }
}

/// Rust → PHP. Objects become associative arrays.
pub fn to_zval(v: &Value) -> Zval {
    let mut z = Zval::new();
    match v {
        Value::Null => z.set_null(),
        Value::Bool(b) => z.set_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => z.set_long(i),
            None => z.set_double(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => {
            // Only fails on an allocation error, which PHP itself aborts on.
            let _ = z.set_string(s, false);
        }
        Value::Array(a) => {
            let mut ht = ZendHashTable::new();
            for x in a {
                let _ = ht.push(to_zval(x));
            }
            z.set_hashtable(ht);
        }
        Value::Object(m) => {
            let mut ht = ZendHashTable::new();
            for (k, x) in m {
                let _ = ht.insert(k.as_str(), to_zval(x));
            }
            z.set_hashtable(ht);
        }
    }
    z
}

//! The one generic conversion between PHP values and Rust values
//! (`serde_json::Value`). Typed structs are built from the Rust value by
//! the core (`whmcs::fields`), never from Zvals directly.

use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use serde_json::{Map, Number, Value};

/// Nesting deeper than this is cut off (WHMCS never sends it; a cyclic
/// reference must not recurse forever).
const MAX_DEPTH: u32 = 16;

/// PHP → Rust. Objects (e.g. `$params['model']`) become `null`.
pub fn to_value(z: &Zval) -> Value {
    to_value_at(z, 0)
}

fn to_value_at(z: &Zval, depth: u32) -> Value {
    let z = z.dereference();
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if z.is_bool() {
        return Value::Bool(z.is_true());
    }
    if let Some(l) = z.is_long().then(|| z.long()).flatten() {
        return Value::Number(l.into());
    }
    if let Some(d) = z.is_double().then(|| z.double()).flatten() {
        return Number::from_f64(d).map_or(Value::Null, Value::Number);
    }
    if z.is_string() {
        return z.string().map_or(Value::Null, Value::String);
    }
    if let Some(ht) = z.array() {
        return array_to_value(ht, depth);
    }
    Value::Null
}

fn array_to_value(ht: &ZendHashTable, depth: u32) -> Value {
    let sequential = ht
        .iter()
        .enumerate()
        .all(|(i, (k, _))| matches!(k, ArrayKey::Long(n) if n == i as i64));
    if sequential {
        Value::Array(ht.values().map(|v| to_value_at(v, depth + 1)).collect())
    } else {
        let mut m = Map::new();
        for (k, v) in ht.iter() {
            m.insert(k.to_string(), to_value_at(v, depth + 1));
        }
        Value::Object(m)
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

//! Parameter validation with PVE's exact error strings (a port of the relevant
//! parts of `PVE::JSONSchema`: `check_prop`, `check_type`, `check_object`,
//! `check_format`, `parse_property_string` and the registered formats the
//! qemu/storage/firewall endpoints use).

use once_cell::sync::Lazy;
use regex::Regex;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Mutex;

/// Parameter name → PVE reason.
pub type Errors = BTreeMap<String, String>;

/// `add_error`: the key is `_root` when the path is empty or the Perl-false "0";
/// a second error on the same path is joined with a literal backslash-n (Perl `'\n'`).
pub fn add_error(errors: &mut Errors, path: &str, msg: impl Into<String>) {
    let key = if path.is_empty() || path == "0" {
        "_root".to_string()
    } else {
        path.to_string()
    };
    let msg = msg.into();
    match errors.get_mut(&key) {
        Some(old) => {
            old.push_str("\\n");
            old.push_str(&msg);
        }
        None => {
            errors.insert(key, msg);
        }
    }
}

static REGEX_CACHE: Lazy<Mutex<HashMap<String, Option<Regex>>>> =
    Lazy::new(|| Mutex::new(HashMap::new()));

/// Translate a Perl pattern (as found in the schema) into Rust regex syntax.
pub fn perl_to_rust_regex(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let n = chars[i + 1];
            match n {
                '0' => out.push_str("\\x00"),
                '_' => out.push('_'),
                '/' => out.push('/'),
                _ => {
                    out.push('\\');
                    out.push(n);
                }
            }
            i += 2;
            continue;
        }
        // (?^flags: → (?flags:  (Perl's stringified qr//)
        if c == '(' && i + 2 < chars.len() && chars[i + 1] == '?' && chars[i + 2] == '^' {
            let mut j = i + 3;
            let mut flags = String::new();
            while j < chars.len() && chars[j].is_ascii_alphabetic() {
                flags.push(chars[j]);
                j += 1;
            }
            out.push_str("(?");
            out.push_str(&flags);
            i = j; // points at ':'
            continue;
        }
        // {,N} → {0,N}
        if c == '{' && i + 1 < chars.len() && chars[i + 1] == ',' {
            out.push_str("{0");
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// `$value =~ m/^$pattern$/` with Perl pattern syntax.
pub fn pattern_matches(pattern: &str, value: &str) -> bool {
    let mut cache = REGEX_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let re = cache
        .entry(pattern.to_string())
        .or_insert_with(|| compile_perl(pattern));
    match re {
        Some(re) => re.is_match(value),
        // A pattern we cannot translate is not enforced.
        None => true,
    }
}

/// Compile a Perl pattern anchored like `m/^$pattern$/`.
pub fn compile_perl(pattern: &str) -> Option<Regex> {
    regex::RegexBuilder::new(&format!("^{}$", perl_to_rust_regex(pattern)))
        .size_limit(256 << 20)
        .build()
        .ok()
}

fn re(s: &str) -> Regex {
    // Only called on the literal patterns in this file.
    Regex::new(s).unwrap_or_else(|_| Regex::new("^$").expect("trivial regex"))
}

static INTEGER_RE: Lazy<Regex> = Lazy::new(|| re(r"^[+-]?\d+$"));
static NUMBER_RE: Lazy<Regex> =
    Lazy::new(|| re(r"^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$"));

/// Perl `is_integer`.
pub fn is_integer(s: &str) -> bool {
    INTEGER_RE.is_match(s)
}

/// Perl `is_number`.
pub fn is_number(s: &str) -> bool {
    NUMBER_RE.is_match(s)
}

/// `parse_boolean`: 1|on|yes|true → true, 0|off|no|false → false.
pub fn parse_boolean(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "on" | "yes" | "true" => Some(true),
        "0" | "off" | "no" | "false" => Some(false),
        _ => None,
    }
}

/// `PVE::Tools::split_list`.
pub fn split_list(s: &str) -> Vec<String> {
    if s.contains('\0') {
        return s.split('\0').map(String::from).collect();
    }
    s.replace([',', ';'], " ")
        .split_whitespace()
        .map(String::from)
        .collect()
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().map(|x| x != 0.0).unwrap_or(false),
        Some(Value::String(s)) => !s.is_empty() && s != "0",
        _ => false,
    }
}

/// Render a schema number the way Perl prints it.
fn num_text(v: &Value) -> String {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.to_string()
            } else if let Some(f) = n.as_f64() {
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    format!("{}", f as i64)
                } else {
                    f.to_string()
                }
            } else {
                n.to_string()
            }
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn num_value(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The scalar text of a parameter value (numbers as written, booleans as 1/0).
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        _ => None,
    }
}

/// `check_type`: returns false (and records the error) when the type is wrong.
fn check_type(path: &str, ty: Option<&str>, value: &Value, errors: &mut Errors) -> bool {
    let Some(ty) = ty else { return true };
    match ty {
        "any" => true,
        "null" => {
            if value.is_null() {
                true
            } else {
                add_error(
                    errors,
                    path,
                    format!("type check ('{ty}') failed - value is not null"),
                );
                false
            }
        }
        "array" => {
            if value.is_array() {
                true
            } else {
                add_error(errors, path, format!("type check ('{ty}') failed"));
                false
            }
        }
        "object" => {
            if value.is_object() {
                true
            } else {
                add_error(errors, path, format!("type check ('{ty}') failed"));
                false
            }
        }
        _ => match value {
            Value::Array(_) => {
                add_error(
                    errors,
                    path,
                    format!("type check ('{ty}') failed - got ARRAY"),
                );
                false
            }
            Value::Object(_) => {
                add_error(
                    errors,
                    path,
                    format!("type check ('{ty}') failed - got HASH"),
                );
                false
            }
            Value::Bool(_) => {
                if ty == "boolean" {
                    true
                } else {
                    add_error(
                        errors,
                        path,
                        format!("type check ('{ty}') failed - got JSON::PP::Boolean"),
                    );
                    false
                }
            }
            _ => {
                let text = scalar_text(value).unwrap_or_default();
                let ok = match ty {
                    "string" => true,
                    "boolean" => text == "1" || text == "0",
                    "integer" => is_integer(&text),
                    "number" => is_number(&text),
                    _ => true,
                };
                if !ok {
                    add_error(
                        errors,
                        path,
                        format!("type check ('{ty}') failed - got '{text}'"),
                    );
                }
                ok
            }
        },
    }
}

/// `check_prop` for one value (None = not given).
pub fn check_prop(value: Option<&Value>, schema: &Value, path: &str, errors: &mut Errors) {
    let value = match value {
        None | Some(Value::Null) => {
            if schema.get("type").and_then(Value::as_str) == Some("null") {
                return;
            }
            if !truthy(schema.get("optional"))
                && schema.get("alias").is_none()
                && schema.get("group").is_none()
            {
                add_error(errors, path, "property is missing and it is not optional");
            }
            return;
        }
        Some(v) => v,
    };
    let ty = schema.get("type").and_then(Value::as_str);
    if !check_type(path, ty, value, errors) {
        return;
    }
    match value {
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, el) in items.iter().enumerate() {
                    check_prop(Some(el), item_schema, &format!("{path}[{i}]"), errors);
                }
            }
        }
        Value::Object(obj) => {
            if schema.get("properties").is_some() || schema.get("additionalProperties").is_some() {
                let props = schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let additional = truthy(schema.get("additionalProperties"));
                check_object(path, &props, obj, additional, errors);
            }
        }
        _ => {
            let text = scalar_text(value).unwrap_or_default();
            if let Some(format) = schema.get("format") {
                if let Err(e) = check_format(format, &text, path) {
                    add_error(errors, path, format!("invalid format - {e}"));
                    return;
                }
            }
            if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                if !pattern_matches(pattern, &text) {
                    add_error(errors, path, "value does not match the regex pattern");
                    return;
                }
            }
            if let Some(max) = schema.get("maxLength").and_then(num_value) {
                if text.chars().count() as f64 > max {
                    add_error(
                        errors,
                        path,
                        format!(
                            "value may only be {} characters long",
                            num_text(&schema["maxLength"])
                        ),
                    );
                    return;
                }
            }
            if let Some(min) = schema.get("minLength").and_then(num_value) {
                if (text.chars().count() as f64) < min {
                    add_error(
                        errors,
                        path,
                        format!(
                            "value must be at least {} characters long",
                            num_text(&schema["minLength"])
                        ),
                    );
                    return;
                }
            }
            if is_number(&text) {
                let v: f64 = text.parse().unwrap_or(0.0);
                if let Some(max) = schema.get("maximum").and_then(num_value) {
                    if v > max {
                        add_error(
                            errors,
                            path,
                            format!(
                                "value must have a maximum value of {}",
                                num_text(&schema["maximum"])
                            ),
                        );
                        return;
                    }
                }
                if let Some(min) = schema.get("minimum").and_then(num_value) {
                    if v < min {
                        add_error(
                            errors,
                            path,
                            format!(
                                "value must have a minimum value of {}",
                                num_text(&schema["minimum"])
                            ),
                        );
                        return;
                    }
                }
            }
            if let Some(en) = schema.get("enum").and_then(Value::as_array) {
                let list: Vec<String> = en.iter().map(num_text).collect();
                if !list.contains(&text) {
                    add_error(
                        errors,
                        path,
                        format!(
                            "value '{text}' does not have a value in the enumeration '{}'",
                            list.join(", ")
                        ),
                    );
                }
            }
        }
    }
}

/// `check_object`: every schema key, then every value key (unknown keys, `requires`).
pub fn check_object(
    path: &str,
    schema: &Map<String, Value>,
    value: &Map<String, Value>,
    additional: bool,
    errors: &mut Errors,
) {
    for (k, s) in schema {
        let p = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        check_prop(value.get(k), s, &p, errors);
    }
    for k in value.keys() {
        let newpath = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        if let Some(sub) = schema.get(k) {
            if let Some(req) = sub.get("requires").and_then(Value::as_str) {
                if value.get(req).map(Value::is_null).unwrap_or(true) {
                    let rp = if path.is_empty() {
                        req.to_string()
                    } else {
                        format!("{path}.{req}")
                    };
                    add_error(
                        errors,
                        &rp,
                        format!("missing property - '{newpath}' requires this property"),
                    );
                }
            }
            continue;
        }
        if !additional {
            add_error(
                errors,
                &newpath,
                "property is not defined in schema and the schema does not allow additional properties",
            );
        }
    }
}

/// Validate a request's merged parameters against a method's schema.
pub fn validate(
    props: &Map<String, Value>,
    additional: bool,
    params: &Map<String, Value>,
) -> Result<(), Errors> {
    let mut errors = Errors::new();
    check_object("", props, params, additional, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// `check_format`: `Err` carries the message as PVE's `$@` (usually ends with "\n").
pub fn check_format(format: &Value, value: &str, path: &str) -> Result<(), String> {
    match format {
        Value::Object(f) => parse_property_string(f, value, path).map(|_| ()),
        Value::String(name) => {
            if name == "regex" {
                return Ok(());
            }
            let (base, kind) = if let Some(b) = name.strip_suffix("-list") {
                (b, "list")
            } else if let Some(b) = name.strip_suffix("-opt") {
                (b, "opt")
            } else {
                (name.as_str(), "none")
            };
            if kind == "none" {
                if let Some(hash) = named_hash_format(base) {
                    return parse_property_string(&hash, value, path).map(|_| ());
                }
            }
            match kind {
                "list" => {
                    if base == "storage-pair" || base == "bridge-pair" {
                        return check_idmap(value, base);
                    }
                    for v in split_list(value) {
                        check_named(base, &v)?;
                    }
                    Ok(())
                }
                "opt" => {
                    if value.is_empty() {
                        Ok(())
                    } else {
                        check_named(base, value)
                    }
                }
                _ => check_named(base, value),
            }
        }
        _ => Ok(()),
    }
}

/// `parse_property_string` on a hash format; returns the parsed keys.
pub fn parse_property_string(
    format: &Map<String, Value>,
    data: &str,
    path: &str,
) -> Result<Map<String, Value>, String> {
    static KV: Lazy<Regex> = Lazy::new(|| re(r"^([^=]+)=(.+)$"));
    let mut res: Map<String, Value> = Map::new();
    let mut default_key: Option<String> = None;
    for part in data.split(',') {
        if part.trim().is_empty() {
            continue;
        }
        if let Some(c) = KV.captures(part) {
            let mut k = c[1].to_string();
            let mut v = c[2].to_string();
            if res.contains_key(&k) {
                return Err(format!(
                    "duplicate key in comma-separated list property: {k}\n"
                ));
            }
            let mut schema = format.get(&k);
            if let Some(alias) = schema.and_then(|s| s.get("alias")).and_then(Value::as_str) {
                if let Some(key_alias) = schema
                    .and_then(|s| s.get("keyAlias"))
                    .and_then(Value::as_str)
                {
                    if res.contains_key(key_alias) {
                        return Err(format!("key alias '{key_alias}' is already defined\n"));
                    }
                    res.insert(key_alias.to_string(), Value::String(k.clone()));
                }
                k = alias.to_string();
                schema = format.get(&k);
            }
            let Some(schema) = schema else {
                return Err(format!(
                    "invalid key in comma-separated list property: {k}\n"
                ));
            };
            if schema.get("type").and_then(Value::as_str) == Some("boolean") {
                if let Some(b) = parse_boolean(&v) {
                    v = if b { "1".into() } else { "0".into() };
                }
            }
            res.insert(k, Value::String(v));
        } else if !part.contains('=') {
            if let Some(dk) = &default_key {
                return Err(format!(
                    "duplicate key in comma-separated list property: {dk}\n"
                ));
            }
            let mut found = None;
            for (key, s) in format {
                if truthy(s.get("default_key")) {
                    found = Some(key.clone());
                    break;
                }
            }
            let Some(dk) = found else {
                return Err("value without key, but schema does not define a default key\n".into());
            };
            if res
                .get(&dk)
                .and_then(scalar_text)
                .map(|t| !t.is_empty() && t != "0")
                .unwrap_or(false)
            {
                return Err(format!(
                    "duplicate key in comma-separated list property: {dk}\n"
                ));
            }
            res.insert(dk.clone(), Value::String(part.to_string()));
            default_key = Some(dk);
        } else {
            return Err("missing key in comma-separated list property\n".into());
        }
    }
    let mut errors = Errors::new();
    check_object(path, format, &res, false, &mut errors);
    if !errors.is_empty() {
        let mut msg = String::from("format error\n");
        for (k, v) in &errors {
            msg.push_str(&format!("{k}: {v}\n"));
        }
        return Err(msg);
    }
    Ok(res)
}

/// Parse a property string without validating (for the simulator's own use).
pub fn parse_kv(format: &Map<String, Value>, data: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let default_key = format
        .iter()
        .find(|(_, s)| truthy(s.get("default_key")))
        .map(|(k, _)| k.clone());
    for part in data.split(',') {
        if part.trim().is_empty() {
            continue;
        }
        if let Some((k, v)) = part.split_once('=') {
            let mut k = k.to_string();
            if let Some(s) = format.get(&k) {
                if let Some(alias) = s.get("alias").and_then(Value::as_str) {
                    if let Some(ka) = s.get("keyAlias").and_then(Value::as_str) {
                        out.insert(ka.to_string(), k.clone());
                    }
                    k = alias.to_string();
                }
            }
            out.insert(k, v.to_string());
        } else if let Some(dk) = &default_key {
            out.insert(dk.clone(), part.to_string());
        }
    }
    out
}

fn check_idmap(value: &str, base: &str) -> Result<(), String> {
    let idfmt = if base == "storage-pair" {
        "pve-storage-id"
    } else {
        "pve-bridge-id"
    };
    let mut has_default = false;
    let mut identity = false;
    let mut entries = 0;
    for entry in split_list(value) {
        if entry == "1" {
            identity = true;
        } else if let Some((s, t)) = entry.split_once(':') {
            if t.contains(':') {
                return Err(format!("entry '{entry}' contains invalid ID - \n\n"));
            }
            for id in [s, t] {
                if let Err(e) = check_named(idfmt, id) {
                    return Err(format!("entry '{entry}' contains invalid ID - {e}\n"));
                }
            }
            entries += 1;
        } else {
            if let Err(e) = check_named(idfmt, &entry) {
                return Err(format!("entry '{entry}' contains invalid ID - {e}\n"));
            }
            if has_default {
                return Err("default target ID can only be provided once\n\n".into());
            }
            has_default = true;
        }
    }
    if identity && (has_default || entries > 0) {
        return Err("identity mapping cannot be combined with other mappings\n\n".into());
    }
    Ok(())
}

fn ipv4_ok(s: &str) -> bool {
    s.parse::<Ipv4Addr>().is_ok()
}

fn ipv6_ok(s: &str) -> bool {
    // PVE's IPV6RE also allows an embedded IPv4 tail; std covers that.
    !s.contains('%') && s.parse::<Ipv6Addr>().is_ok()
}

fn cidr_parts(s: &str) -> Option<(&str, u32)> {
    let (ip, mask) = s.split_once('/')?;
    if mask.is_empty() || !mask.chars().all(|c| c.is_ascii_digit()) || mask.len() > 3 {
        return None;
    }
    Some((ip, mask.parse().ok()?))
}

fn cidrv4_ok(s: &str) -> bool {
    matches!(cidr_parts(s), Some((ip, m)) if ipv4_ok(ip) && m > 7 && m <= 32)
}

fn cidrv6_ok(s: &str) -> bool {
    matches!(cidr_parts(s), Some((ip, m)) if ipv6_ok(ip) && m > 7 && m <= 128)
}

fn dns_name_ok(s: &str) -> bool {
    static R: Lazy<Regex> = Lazy::new(|| {
        re(
            r"^(([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)\.)*([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)$",
        )
    });
    R.is_match(s)
}

fn id_ok(s: &str) -> bool {
    static R: Lazy<Regex> = Lazy::new(|| re(r"(?i)^[a-z][a-z0-9\-_.]*[a-z0-9]$"));
    R.is_match(s)
}

fn volume_id_ok(s: &str) -> bool {
    static R: Lazy<Regex> = Lazy::new(|| re(r"(?is)^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$"));
    R.is_match(s)
}

const STORAGE_CONTENT: &[&str] = &[
    "images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import", "none",
];

/// Registered (code-ref) formats by name. Unknown names are accepted.
pub fn check_named(name: &str, v: &str) -> Result<(), String> {
    let fail = |m: String| Err(m);
    match name {
        "string" => Ok(()),
        "urlencoded" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"^[-%a-zA-Z0-9_.!~*'()]*$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail(format!("invalid urlencoded string: {v}\n"))
            }
        }
        "pve-configid" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"(?i)^[a-z][a-z0-9_-]+$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail(format!("invalid configuration ID '{v}'\n"))
            }
        }
        "pve-storage-id" => {
            if id_ok(v) {
                Ok(())
            } else {
                fail(format!("storage ID '{v}' contains illegal characters\n"))
            }
        }
        "pve-bridge-id" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"^[-_.\w\d]+$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail(format!("invalid bridge ID '{v}'\n"))
            }
        }
        "pve-vmid" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"^[1-9][0-9]{2,8}$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail("value does not look like a valid VM ID\n".into())
            }
        }
        "pve-node" => {
            static R: Lazy<Regex> =
                Lazy::new(|| re(r"^([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail("value does not look like a valid node name\n".into())
            }
        }
        "mac-addr" => {
            static R: Lazy<Regex> =
                Lazy::new(|| re(r"(?i)^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail("value does not look like a valid unicast MAC address\n".into())
            }
        }
        "ipv4" => {
            if ipv4_ok(v) {
                Ok(())
            } else {
                fail("value does not look like a valid IPv4 address\n".into())
            }
        }
        "ipv6" => {
            if ipv6_ok(v) {
                Ok(())
            } else {
                fail("value does not look like a valid IPv6 address\n".into())
            }
        }
        "ip" => {
            if ipv4_ok(v) || ipv6_ok(v) {
                Ok(())
            } else {
                fail("value does not look like a valid IP address\n".into())
            }
        }
        "ipv4mask" => {
            let ok = v
                .parse::<Ipv4Addr>()
                .map(|a| {
                    let n = u32::from(a);
                    n.leading_ones() + n.trailing_zeros() == 32
                })
                .unwrap_or(false);
            if ok {
                Ok(())
            } else {
                fail("value does not look like a valid IP netmask\n".into())
            }
        }
        "CIDRv4" => {
            if cidrv4_ok(v) {
                Ok(())
            } else {
                fail("value does not look like a valid IPv4 CIDR network\n".into())
            }
        }
        "CIDRv6" => {
            if cidrv6_ok(v) {
                Ok(())
            } else {
                fail("value does not look like a valid IPv6 CIDR network\n".into())
            }
        }
        "CIDR" => {
            if cidrv4_ok(v) || cidrv6_ok(v) {
                Ok(())
            } else {
                fail("value does not look like a valid CIDR network\n".into())
            }
        }
        "IPorCIDR" => {
            if ipv4_ok(v) || ipv6_ok(v) || cidrv4_ok(v) || cidrv6_ok(v) {
                Ok(())
            } else {
                fail("value does not look like a valid IP address or CIDR network\n".into())
            }
        }
        "IPorCIDRorAlias" => {
            static ALIAS: Lazy<Regex> =
                Lazy::new(|| re(r"^(?:(?:dc|guest)/)?[A-Za-z][A-Za-z0-9\-_]+$"));
            if ipv4_ok(v) || ipv6_ok(v) || cidrv4_ok(v) || cidrv6_ok(v) || ALIAS.is_match(v) {
                Ok(())
            } else {
                fail("value does not look like a valid IP address or CIDR network\n".into())
            }
        }
        "pve-ipv4-config" => {
            if v == "dhcp" || v == "manual" || cidrv4_ok(v) {
                Ok(())
            } else {
                fail("value does not look like a valid ipv4 network configuration\n".into())
            }
        }
        "pve-ipv6-config" => {
            if v == "auto" || v == "dhcp" || v == "manual" || cidrv6_ok(v) {
                Ok(())
            } else {
                fail("value does not look like a valid ipv6 network configuration\n".into())
            }
        }
        "dns-name" => {
            if dns_name_ok(v) {
                Ok(())
            } else {
                fail("value does not look like a valid DNS name\n".into())
            }
        }
        "address" => {
            if ipv4_ok(v) || ipv6_ok(v) || dns_name_ok(v) {
                Ok(())
            } else {
                fail(format!("value does not look like a valid address: {v}\n"))
            }
        }
        "email" => {
            static R: Lazy<Regex> = Lazy::new(|| {
                re(r"^[\w\+\-\~]+(\.[\w\+\-\~]+)*@[a-zA-Z0-9\-]+(\.[a-zA-Z0-9\-]+)*$")
            });
            if R.is_match(v) {
                Ok(())
            } else {
                fail("value does not look like a valid email address\n".into())
            }
        }
        "email-or-username" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"^[\w\+\-\~\.@]+$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail("value does not look like a valid email address or user name\n".into())
            }
        }
        "pve-iface" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"(?i)^[a-z][a-z0-9_]{1,20}([:\.]\d+)?$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail(format!("invalid network interface name '{v}'\n"))
            }
        }
        "disk-size" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"^(\d+(\.\d+)?)([KMGT])?$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail(format!("value does not look like a valid disk size: {v}\n"))
            }
        }
        "pve-tag" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"(?i)^[a-z0-9_][a-z0-9_\-\+\.]*$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail("invalid characters in tag\n".into())
            }
        }
        "pve-task-status-type" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"(?i)^(ok|error|warning|unknown)$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail(format!("invalid status '{v}'\n"))
            }
        }
        "pve-volume-id" => {
            if volume_id_ok(v) {
                Ok(())
            } else {
                fail(format!("unable to parse volume ID '{v}'\n"))
            }
        }
        "pve-volume-id-or-qm-path" | "pve-volume-id-or-absolute-path" => {
            if (name == "pve-volume-id-or-qm-path" && (v == "none" || v == "cdrom"))
                || v.starts_with('/')
                || volume_id_ok(v)
            {
                Ok(())
            } else {
                fail(format!("unable to parse volume ID '{v}'\n"))
            }
        }
        "pve-qm-ide" => {
            if v == "none"
                || v == "cdrom"
                || v.starts_with('/')
                || volume_id_ok(v.split(',').next().unwrap_or(""))
            {
                Ok(())
            } else {
                fail(format!("unable to parse volume ID '{v}'\n"))
            }
        }
        "pve-storage-content" => {
            if STORAGE_CONTENT.contains(&v) {
                Ok(())
            } else {
                fail(format!("invalid content type '{v}'\n"))
            }
        }
        "pve-poolid" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"^[A-Za-z0-9\-_]+(/[A-Za-z0-9\-_]+){0,2}$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail(format!("invalid pool ID '{v}'\n"))
            }
        }
        "pve-userid" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"^[^\s:/]+@[A-Za-z][A-Za-z0-9\.\-_]+$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail(format!(
                    "value '{v}' does not look like a valid user name\n"
                ))
            }
        }
        "pve-realm" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"^[A-Za-z][A-Za-z0-9\.\-_]+$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail(format!("value '{v}' does not look like a valid realm\n"))
            }
        }
        "pve-startup-order" => {
            let ok = !v.is_empty()
                && v.split(',').filter(|p| !p.trim().is_empty()).all(|p| {
                    let p = p.strip_prefix("order=").unwrap_or(p);
                    let p = p
                        .strip_prefix("up=")
                        .or_else(|| p.strip_prefix("down="))
                        .unwrap_or(p);
                    !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())
                });
            if ok {
                Ok(())
            } else {
                fail("unable to parse startup options\n".into())
            }
        }
        "pve-qm-bootdev" => {
            static R: Lazy<Regex> = Lazy::new(|| {
                re(
                    r"^(?:(?:ide[0-3])|(?:sata[0-5])|(?:scsi(?:[0-9]|[12][0-9]|30))|(?:virtio(?:[0-9]|1[0-5]))|(?:net(?:[0-9]|[12][0-9]|3[01]))|(?:usb(?:[0-9]|1[0-4]))|(?:hostpci(?:[0-9]|1[0-5])))$",
                )
            });
            if R.is_match(v) {
                Ok(())
            } else {
                fail(format!("invalid boot device '{v}'\n"))
            }
        }
        "pve-fw-dport-spec" | "pve-fw-sport-spec" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"^(?:\d+(?::\d+)?|[a-zA-Z][a-zA-Z0-9\-_]*)$"));
            for p in v.split(',') {
                if !R.is_match(p) {
                    return fail(format!("invalid port '{p}'\n"));
                }
                if let Some(n) = p
                    .split(':')
                    .map(|x| x.parse::<u32>().ok())
                    .find(|x| matches!(x, Some(n) if *n > 65535))
                {
                    let _ = n;
                    return fail(format!("invalid port '{p}'\n"));
                }
            }
            Ok(())
        }
        "pve-fw-protocol-spec" => {
            static R: Lazy<Regex> = Lazy::new(|| re(r"^(?:\d+|[a-zA-Z][a-zA-Z0-9\-_]*)$"));
            if R.is_match(v) {
                Ok(())
            } else {
                fail(format!("unknown protocol '{v}'\n"))
            }
        }
        "pve-fw-addr-spec" => {
            if v.is_empty() || v.contains(char::is_whitespace) {
                fail(format!("invalid address '{v}'\n"))
            } else {
                Ok(())
            }
        }
        "pve-vmid-list" => {
            // handled as "pve-vmid" + list by the caller; here for completeness
            check_named("pve-vmid", v)
        }
        _ => Ok(()),
    }
}

/// Hash formats that the apidoc only names (it inlines most of them).
pub fn named_hash_format(name: &str) -> Option<Map<String, Value>> {
    let v = match name {
        "pve-qm-ipconfig" => json!({
            "ip": {"type": "string", "format": "pve-ipv4-config", "optional": 1, "default": "dhcp"},
            "gw": {"type": "string", "format": "ipv4", "optional": 1, "requires": "ip"},
            "ip6": {"type": "string", "format": "pve-ipv6-config", "optional": 1, "default": "dhcp"},
            "gw6": {"type": "string", "format": "ipv6", "optional": 1, "requires": "ip6"}
        }),
        "pve-qm-boot" => json!({
            "legacy": {"type": "string", "optional": 1, "default_key": 1, "pattern": "[acdn]{1,4}"},
            "order": {"type": "string", "optional": 1, "format": "pve-qm-bootdev-list"}
        }),
        "pve-qm-cicustom" => json!({
            "meta": {"type": "string", "optional": 1, "format": "pve-volume-id"},
            "network": {"type": "string", "optional": 1, "format": "pve-volume-id"},
            "user": {"type": "string", "optional": 1, "format": "pve-volume-id"},
            "vendor": {"type": "string", "optional": 1, "format": "pve-volume-id"}
        }),
        "pve-vm-cpu-conf" => json!({
            "cputype": {"type": "string", "optional": 1, "default_key": 1, "pattern": "[a-zA-Z0-9_.\\-]+|custom-[a-zA-Z0-9_.\\-]+"},
            "flags": {"type": "string", "optional": 1, "pattern": "(?:[+-][a-zA-Z0-9\\-_\\.]+)(?:;[+-][a-zA-Z0-9\\-_\\.]+)*"},
            "hidden": {"type": "boolean", "optional": 1},
            "hv-vendor-id": {"type": "string", "optional": 1, "pattern": "[a-zA-Z0-9]{1,12}"},
            "phys-bits": {"type": "string", "optional": 1},
            "guest-phys-bits": {"type": "integer", "optional": 1, "minimum": 32, "maximum": 64},
            "reported-model": {"type": "string", "optional": 1}
        }),
        "prune-backups" => json!({
            "keep-all": {"type": "boolean", "optional": 1},
            "keep-last": {"type": "integer", "optional": 1, "minimum": 1},
            "keep-hourly": {"type": "integer", "optional": 1, "minimum": 1},
            "keep-daily": {"type": "integer", "optional": 1, "minimum": 1},
            "keep-weekly": {"type": "integer", "optional": 1, "minimum": 1},
            "keep-monthly": {"type": "integer", "optional": 1, "minimum": 1},
            "keep-yearly": {"type": "integer", "optional": 1, "minimum": 1}
        }),
        "backup-fleecing" => json!({
            "enabled": {"type": "boolean", "optional": 1, "default_key": 1},
            "storage": {"type": "string", "optional": 1, "format": "pve-storage-id"}
        }),
        "backup-performance" => json!({
            "max-workers": {"type": "integer", "optional": 1, "minimum": 1, "maximum": 256},
            "pbs-entries-max": {"type": "integer", "optional": 1, "minimum": 1}
        }),
        _ => return None,
    };
    v.as_object().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SCHEMA;

    fn params(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect()
    }

    fn check(verb: &str, tmpl: &str, pairs: &[(&str, &str)]) -> Result<(), Errors> {
        let m = SCHEMA.method(verb, tmpl).expect("method");
        validate(&m.props, m.additional, &params(pairs))
    }

    const CFG: &str = "/nodes/{node}/qemu/{vmid}/config";
    const CLONE: &str = "/nodes/{node}/qemu/{vmid}/clone";

    #[test]
    fn all_schema_patterns_compile() {
        let text = include_str!("../pve-apidoc.json");
        let doc: Value = serde_json::from_str(text).expect("json");
        let mut pats = Vec::new();
        fn walk(n: &Value, pats: &mut Vec<String>) {
            if let Some(info) = n.get("info").and_then(Value::as_object) {
                for m in info.values() {
                    if let Some(props) = m
                        .pointer("/parameters/properties")
                        .and_then(Value::as_object)
                    {
                        for p in props.values() {
                            if let Some(s) = p.get("pattern").and_then(Value::as_str) {
                                pats.push(s.to_string());
                            }
                            if let Some(f) = p.get("format").and_then(Value::as_object) {
                                for sp in f.values() {
                                    if let Some(s) = sp.get("pattern").and_then(Value::as_str) {
                                        pats.push(s.to_string());
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if let Some(ch) = n.get("children").and_then(Value::as_array) {
                for c in ch {
                    walk(c, pats);
                }
            }
        }
        for n in doc.as_array().expect("array") {
            walk(n, &mut pats);
        }
        let bad: Vec<String> = pats
            .iter()
            .filter(|p| compile_perl(p).is_none())
            .cloned()
            .collect();
        assert!(bad.is_empty(), "untranslatable patterns: {bad:?}");
    }

    #[test]
    fn unknown_param() {
        let e = check(
            "PUT",
            CFG,
            &[("node", "pve1"), ("vmid", "100"), ("foo", "1")],
        )
        .unwrap_err();
        assert_eq!(
            e["foo"],
            "property is not defined in schema and the schema does not allow additional properties"
        );
        // index out of range is also unknown
        let e = check(
            "PUT",
            CFG,
            &[("node", "pve1"), ("vmid", "100"), ("scsi31", "local-lvm:1")],
        )
        .unwrap_err();
        assert!(e.contains_key("scsi31"));
        // a parameter literally named 0 reports as _root
        let e = check("PUT", CFG, &[("node", "pve1"), ("vmid", "100"), ("0", "x")]).unwrap_err();
        assert!(e.contains_key("_root"));
    }

    #[test]
    fn missing_required() {
        let e = check("POST", CLONE, &[("node", "pve1"), ("vmid", "9000")]).unwrap_err();
        assert_eq!(e["newid"], "property is missing and it is not optional");
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn type_checks() {
        let e = check(
            "POST",
            CLONE,
            &[
                ("node", "pve1"),
                ("vmid", "9000"),
                ("newid", "abc"),
                ("full", "true"),
            ],
        )
        .unwrap_err();
        assert_eq!(e["newid"], "type check ('integer') failed - got 'abc'");
        assert_eq!(e["full"], "type check ('boolean') failed - got 'true'");
        assert!(check(
            "POST",
            CLONE,
            &[
                ("node", "pve1"),
                ("vmid", "9000"),
                ("newid", "101"),
                ("full", "1")
            ]
        )
        .is_ok());
        // JSON booleans are fine
        let m = SCHEMA.method("POST", CLONE).expect("m");
        let mut p = params(&[("node", "pve1"), ("vmid", "9000"), ("newid", "101")]);
        p.insert("full".into(), Value::Bool(true));
        p.insert("newid".into(), json!(101));
        assert!(validate(&m.props, m.additional, &p).is_ok());
    }

    #[test]
    fn ranges_length_enum_pattern() {
        let e = check(
            "POST",
            CLONE,
            &[("node", "pve1"), ("vmid", "99"), ("newid", "1000000000")],
        )
        .unwrap_err();
        // format pve-vmid is checked before minimum
        assert_eq!(
            e["vmid"],
            "invalid format - value does not look like a valid VM ID\n"
        );
        assert_eq!(
            e["newid"],
            "invalid format - value does not look like a valid VM ID\n"
        );
        let e = check(
            "PUT",
            CFG,
            &[("node", "pve1"), ("vmid", "100"), ("cores", "0")],
        )
        .unwrap_err();
        assert_eq!(e["cores"], "value must have a minimum value of 1");
        let long = "x".repeat(8193);
        let e = check(
            "PUT",
            CFG,
            &[("node", "pve1"), ("vmid", "100"), ("description", &long)],
        )
        .unwrap_err();
        assert_eq!(e["description"], "value may only be 8192 characters long");
        let e = check(
            "PUT",
            CFG,
            &[("node", "pve1"), ("vmid", "100"), ("ostype", "dos")],
        )
        .unwrap_err();
        assert_eq!(
            e["ostype"],
            "value 'dos' does not have a value in the enumeration 'other, wxp, w2k, w2k3, w2k8, wvista, win7, win8, win10, win11, l24, l26, solaris'"
        );
        let e = check(
            "PUT",
            "/nodes/{node}/qemu/{vmid}/resize",
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("disk", "scsi0"),
                ("size", "10X"),
            ],
        )
        .unwrap_err();
        assert_eq!(e["size"], "value does not match the regex pattern");
        assert!(check(
            "PUT",
            "/nodes/{node}/qemu/{vmid}/resize",
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("disk", "scsi0"),
                ("size", "+10G")
            ],
        )
        .is_ok());
        let e = check(
            "GET",
            "/nodes/{node}/qemu/{vmid}/rrddata",
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("timeframe", "hour"),
                ("cf", "MIN"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["cf"],
            "value 'MIN' does not have a value in the enumeration 'AVERAGE, MAX'"
        );
    }

    #[test]
    fn named_formats() {
        let e = check(
            "POST",
            CLONE,
            &[
                ("node", "pve_1"),
                ("vmid", "9000"),
                ("newid", "101"),
                ("name", "a_b"),
                ("storage", "1abc"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["node"],
            "invalid format - value does not look like a valid node name\n"
        );
        assert_eq!(
            e["name"],
            "invalid format - value does not look like a valid DNS name\n"
        );
        assert_eq!(
            e["storage"],
            "invalid format - storage ID '1abc' contains illegal characters\n"
        );
        let e = check(
            "POST",
            CLONE,
            &[
                ("node", "pve1"),
                ("vmid", "9000"),
                ("newid", "101"),
                ("snapname", "9x"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["snapname"],
            "invalid format - invalid configuration ID '9x'\n"
        );
        let e = check(
            "PUT",
            CFG,
            &[("node", "pve1"), ("vmid", "100"), ("delete", "net0,1bad")],
        )
        .unwrap_err();
        assert_eq!(
            e["delete"],
            "invalid format - invalid configuration ID '1bad'\n"
        );
    }

    #[test]
    fn disk_property_strings() {
        assert!(check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("scsi0", "local-lvm:32,discard=on,ssd=1,iothread=1")
            ]
        )
        .is_ok());
        assert!(check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("ide2", "local-lvm:cloudinit,media=cdrom")
            ]
        )
        .is_ok());
        let e = check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("scsi0", "local-lvm:32,foo=bar"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["scsi0"],
            "invalid format - invalid key in comma-separated list property: foo\n"
        );
        let e = check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("scsi0", "local-lvm:32,cache=fast"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["scsi0"],
            "invalid format - format error\nscsi0.cache: value 'fast' does not have a value in the enumeration 'none, writethrough, writeback, unsafe, directsync'\n"
        );
        // virtio has no ssd
        let e = check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("virtio0", "local-lvm:32,ssd=1"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["virtio0"],
            "invalid format - invalid key in comma-separated list property: ssd\n"
        );
        // booleans inside property strings accept on/yes/true
        assert!(check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("scsi0", "local-lvm:32,ssd=true")
            ]
        )
        .is_ok());
        let e = check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("scsi0", "local-lvm:32,ssd=maybe"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["scsi0"],
            "invalid format - format error\nscsi0.ssd: type check ('boolean') failed - got 'maybe'\n"
        );
        let e = check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("sata0", "no-colon-here"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["sata0"],
            "invalid format - format error\nsata0.file: invalid format - unable to parse volume ID 'no-colon-here'\n\n"
        );
    }

    #[test]
    fn net_and_ipconfig() {
        for ok in [
            "virtio=BC:24:11:00:00:01,bridge=vmbr0",
            "virtio,bridge=vmbr0,tag=10,rate=12.5,firewall=1",
            "model=e1000,macaddr=BC:24:11:00:00:02,bridge=vmbr1",
        ] {
            assert!(
                check(
                    "PUT",
                    CFG,
                    &[("node", "pve1"), ("vmid", "100"), ("net0", ok)]
                )
                .is_ok(),
                "{ok}"
            );
        }
        let e = check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("net0", "virtio=01:24:11:00:00:01,bridge=vmbr0"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["net0"],
            "invalid format - format error\nnet0.macaddr: invalid format - value does not look like a valid unicast MAC address\n\n"
        );
        let e = check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("net0", "virtio,bridge=vmbr0,tag=5000"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["net0"],
            "invalid format - format error\nnet0.tag: value must have a maximum value of 4094\n"
        );
        let e = check(
            "PUT",
            CFG,
            &[("node", "pve1"), ("vmid", "100"), ("net0", "bridge=vmbr0")],
        )
        .unwrap_err();
        assert_eq!(
            e["net0"],
            "invalid format - format error\nnet0.model: property is missing and it is not optional\n"
        );
        assert!(check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                (
                    "ipconfig0",
                    "ip=192.0.2.10/24,gw=192.0.2.1,ip6=2001:db8::10/64,gw6=2001:db8::1"
                )
            ]
        )
        .is_ok());
        assert!(check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("ipconfig0", "ip=dhcp,ip6=auto")
            ]
        )
        .is_ok());
        let e = check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("ipconfig0", "ip=192.0.2.300/24"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["ipconfig0"],
            "invalid format - format error\nipconfig0.ip: invalid format - value does not look like a valid ipv4 network configuration\n\n"
        );
        let e = check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("ipconfig0", "gw=192.0.2.1"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["ipconfig0"],
            "invalid format - format error\nipconfig0.ip: missing property - 'ipconfig0.gw' requires this property\n"
        );
        let e = check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("ipconfig0", "ip=192.0.2.10/24,dns=1.1.1.1"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["ipconfig0"],
            "invalid format - invalid key in comma-separated list property: dns\n"
        );
    }

    #[test]
    fn sshkeys_urlencoded() {
        assert!(check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                (
                    "sshkeys",
                    "ssh-ed25519%20AAAAC3NzaC1lZDI1NTE5AAAAIG%2Bx%20me%40host%0A"
                )
            ]
        )
        .is_ok());
        let e = check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("sshkeys", "ssh-ed25519 AAAA me@host"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            e["sshkeys"],
            "invalid format - invalid urlencoded string: ssh-ed25519 AAAA me@host\n"
        );
    }

    #[test]
    fn boot_and_requires() {
        assert!(check(
            "PUT",
            CFG,
            &[
                ("node", "pve1"),
                ("vmid", "100"),
                ("boot", "order=scsi0;net0")
            ]
        )
        .is_ok());
        let e = check(
            "PUT",
            CFG,
            &[("node", "pve1"), ("vmid", "100"), ("boot", "order=floppy0")],
        )
        .unwrap_err();
        assert_eq!(
            e["boot"],
            "invalid format - format error\nboot.order: invalid format - invalid boot device 'floppy0'\n\n"
        );
        let e = check(
            "POST",
            "/nodes/{node}/qemu",
            &[("node", "pve1"), ("vmid", "100"), ("force", "1")],
        )
        .unwrap_err();
        assert_eq!(
            e["archive"],
            "missing property - 'force' requires this property"
        );
    }

    #[test]
    fn split_and_bool() {
        assert_eq!(split_list("a, b;c  d"), vec!["a", "b", "c", "d"]);
        assert_eq!(parse_boolean("Yes"), Some(true));
        assert_eq!(parse_boolean("off"), Some(false));
        assert_eq!(parse_boolean("2"), None);
        assert!(is_number("1.5e3"));
        assert!(!is_integer("1.0"));
    }
}

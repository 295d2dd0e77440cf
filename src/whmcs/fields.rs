//! Lenient reading of WHMCS values. WHMCS hands everything over as PHP
//! values that began life as strings: numbers arrive as `"5"`, booleans as
//! `"on"`, `"1"`, `"yes"` or `""`. This is the one place that knows those
//! conventions; every error names the key it was reading.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// A view of one PHP array (already converted to a JSON object).
#[derive(Clone)]
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    /// Path used in error messages for nested arrays, e.g. `clientsdetails`.
    prefix: String,
}

static EMPTY: once_cell::sync::Lazy<Map<String, Value>> = once_cell::sync::Lazy::new(Map::new);

impl<'a> Fields<'a> {
    pub fn new(value: &'a Value) -> Result<Self> {
        match value {
            Value::Object(map) => Ok(Fields {
                map,
                prefix: String::new(),
            }),
            // An empty PHP array converts to an empty list.
            Value::Array(a) if a.is_empty() => Ok(Fields {
                map: &EMPTY,
                prefix: String::new(),
            }),
            _ => Err(Error::input("params", "expected an array")),
        }
    }

    fn name(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{}", self.prefix, key)
        }
    }

    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A nested array; a missing key gives an empty view.
    pub fn nested(&self, key: &str) -> Result<Fields<'a>> {
        match self.raw(key) {
            None => Ok(Fields {
                map: &EMPTY,
                prefix: self.name(key),
            }),
            Some(Value::Object(map)) => Ok(Fields {
                map,
                prefix: self.name(key),
            }),
            Some(Value::Array(a)) if a.is_empty() => Ok(Fields {
                map: &EMPTY,
                prefix: self.name(key),
            }),
            Some(_) => Err(Error::input(self.name(key), "expected an array")),
        }
    }

    /// All entries as `(key, string value)`. A `null` entry carries no value
    /// and is left out; an array (or any other non-scalar) where a single
    /// value belongs is an error naming its key, so nothing is saved.
    pub fn string_entries(&self) -> Result<Vec<(String, String)>> {
        self.map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match scalar_string(v) {
                Some(s) => Ok((k.clone(), s)),
                None => Err(Error::input(
                    self.name(k),
                    "expected a single value, got an array",
                )),
            })
            .collect()
    }

    /// A string; numbers are rendered as PHP would. Missing → `None`.
    pub fn opt_str(&self, key: &str) -> Result<Option<String>> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => scalar_string(v)
                .map(Some)
                .ok_or_else(|| Error::input(self.name(key), "expected a string")),
        }
    }

    /// A string that may be empty; missing → `""`.
    pub fn str_or_empty(&self, key: &str) -> Result<String> {
        Ok(self.opt_str(key)?.unwrap_or_default())
    }

    /// A one-line string (host names, ids, fingerprints): a control
    /// character (NUL, newline, ESC, …) is an error showing it escaped.
    pub fn line(&self, key: &str) -> Result<String> {
        let s = self.str_or_empty(key)?;
        if crate::util::has_control(&s) {
            return Err(Error::input(
                self.name(key),
                format!(
                    "must not contain control characters: '{}'",
                    crate::util::escaped(s.as_bytes(), 60)
                ),
            ));
        }
        Ok(s)
    }

    /// Like [`Fields::line`] for a secret: the error never shows the value.
    pub fn secret_line(&self, key: &str) -> Result<String> {
        let s = self.str_or_empty(key)?;
        if crate::util::has_control(&s) {
            return Err(Error::input(
                self.name(key),
                "must not contain control characters (the value is not shown)",
            ));
        }
        Ok(s)
    }

    /// A required non-empty string.
    pub fn req_str(&self, key: &str) -> Result<String> {
        match self.opt_str(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            Some(_) => Err(Error::input(self.name(key), "must not be empty")),
            None => Err(Error::input(self.name(key), "is missing")),
        }
    }

    /// An integer; `""` and missing → `None`.
    pub fn opt_int(&self, key: &str) -> Result<Option<i64>> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => parse_int(v).map_err(|m| Error::input(self.name(key), m)),
        }
    }

    pub fn req_int(&self, key: &str) -> Result<i64> {
        self.opt_int(key)?
            .ok_or_else(|| Error::input(self.name(key), "is missing"))
    }

    /// A required positive id (service id, client id, ...).
    pub fn req_id(&self, key: &str) -> Result<u32> {
        let n = self.req_int(key)?;
        u32::try_from(n)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| Error::input(self.name(key), format!("must be a positive id, got {n}")))
    }

    /// A WHMCS checkbox / yes-no value. Missing → false.
    pub fn flag(&self, key: &str) -> Result<bool> {
        match self.raw(key) {
            None => Ok(false),
            Some(v) => parse_flag(v).map_err(|m| Error::input(self.name(key), m)),
        }
    }
}

pub fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(true) => Some("1".into()),
        Value::Bool(false) => Some(String::new()),
        _ => None,
    }
}

pub fn parse_int(v: &Value) -> std::result::Result<Option<i64>, String> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| format!("expected a whole number, got {n}")),
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                Ok(None)
            } else {
                t.parse::<i64>()
                    .map(Some)
                    .map_err(|_| format!("expected a whole number, got '{}'", truncate(t, 40)))
            }
        }
        Value::Bool(b) => Ok(Some(i64::from(*b))),
        _ => Err("expected a whole number".into()),
    }
}

pub fn parse_flag(v: &Value) -> std::result::Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "on" | "1" | "yes" | "true" => Ok(true),
            "" | "off" | "0" | "no" | "false" => Ok(false),
            other => Err(format!("expected on/off, got '{}'", truncate(other, 40))),
        },
        _ => Err("expected on/off".into()),
    }
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lenient_numbers_and_flags() {
        let v =
            json!({"a": "5", "b": 7, "c": "", "d": "on", "e": "", "f": "1", "g": "x", "h": 2.0});
        let f = Fields::new(&v).unwrap();
        assert_eq!(f.opt_int("a").unwrap(), Some(5));
        assert_eq!(f.opt_int("b").unwrap(), Some(7));
        assert_eq!(f.opt_int("c").unwrap(), None);
        assert_eq!(f.opt_int("h").unwrap(), Some(2));
        assert!(f.flag("d").unwrap());
        assert!(!f.flag("e").unwrap());
        assert!(f.flag("f").unwrap());
        assert!(!f.flag("missing").unwrap());
        let err = f.opt_int("g").unwrap_err().to_string();
        assert!(err.contains("'g'") && err.contains("whole number"), "{err}");
        let err = f.flag("g").unwrap_err().to_string();
        assert!(err.contains("'g'"), "{err}");
    }

    #[test]
    fn required_values_name_the_key() {
        let v = json!({"serviceid": "abc", "empty": " ", "neg": "-3", "nested": {"x": "1"}});
        let f = Fields::new(&v).unwrap();
        let e = f.req_id("serviceid").unwrap_err().to_string();
        assert!(e.contains("'serviceid'"), "{e}");
        let e = f.req_str("empty").unwrap_err().to_string();
        assert!(e.contains("'empty'") && e.contains("empty"), "{e}");
        let e = f.req_id("neg").unwrap_err().to_string();
        assert!(e.contains("positive"), "{e}");
        let e = f.req_str("nope").unwrap_err().to_string();
        assert!(e.contains("'nope'") && e.contains("missing"), "{e}");
        let n = f.nested("nested").unwrap();
        let e = n.req_str("y").unwrap_err().to_string();
        assert!(e.contains("'nested.y'"), "{e}");
    }
}

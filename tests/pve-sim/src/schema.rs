//! The embedded PVE API schema (`pve-apidoc.json`): path lookup and per-method
//! parameter schemas, with the `[n]` index keys expanded the way the real
//! server registers them (`scsi[n]` → `scsi0` … `scsi30`).

use once_cell::sync::Lazy;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

static APIDOC: &str = include_str!("../pve-apidoc.json");

/// The parsed schema, built once per process.
pub static SCHEMA: Lazy<Schema> = Lazy::new(|| Schema::load(APIDOC));

/// One API method (path template + HTTP verb).
#[derive(Debug, Clone)]
pub struct Method {
    /// Path template, e.g. `/nodes/{node}/qemu/{vmid}/config`.
    pub path: String,
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub http: String,
    /// Handler name from the schema (`clone_vm`, ...).
    pub name: String,
    /// Parameter properties, index keys expanded.
    pub props: Map<String, Value>,
    /// `additionalProperties` of the parameter object (false ⇒ unknown params rejected).
    pub additional: bool,
    /// `proxyto` (usually `node`).
    pub proxyto: Option<String>,
    /// `allowtoken` (default 1).
    pub allowtoken: bool,
    /// `permissions` object as in the schema.
    pub permissions: Value,
    /// `returns` schema.
    pub returns: Value,
}

#[derive(Debug, Default)]
struct PathNode {
    /// Literal children by segment.
    lit: BTreeMap<String, PathNode>,
    /// Parameter child (`{name}`), at most one per level in PVE's tree.
    param: Option<(String, Box<PathNode>)>,
    /// Methods registered at this path.
    methods: BTreeMap<String, Method>,
    /// Whether a path exists here at all (even without methods).
    exists: bool,
}

/// The whole API tree.
#[derive(Debug, Default)]
pub struct Schema {
    root: PathNode,
    count: usize,
}

/// Result of a path lookup.
pub enum Lookup<'a> {
    /// Method found; URI parameters extracted.
    Found(&'a Method, BTreeMap<String, String>),
    /// No such path or no such method at the path.
    NotImplemented,
}

/// The index range of an `xxx[n]` key, as the real server registers it.
pub fn index_range(base: &str, description: &str) -> (u32, u32) {
    if let Some(pos) = description.find("n is 0 to ") {
        let rest = &description[pos + "n is 0 to ".len()..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(max) = digits.parse::<u32>() {
            // usb: "n is 0 to 4, for machine version >= 7.1 ..., n can be up to 14"
            if base == "usb" {
                return (0, 14);
            }
            return (0, max);
        }
    }
    match base {
        "net" | "ipconfig" => (0, 31),
        "hostpci" => (0, 15),
        "numa" => (0, 7),
        "virtiofs" => (0, 9),
        "link" => (0, 7),
        "acmedomain" => (0, 4),
        "unused" | "mp" | "dev" => (0, 255),
        _ => (0, 255),
    }
}

/// Expand `scsi[n]`-style keys into individual keys.
pub fn expand_props(props: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in props {
        if let Some(base) = k.strip_suffix("[n]") {
            let desc = v.get("description").and_then(Value::as_str).unwrap_or("");
            let (lo, hi) = index_range(base, desc);
            for i in lo..=hi {
                out.insert(format!("{base}{i}"), v.clone());
            }
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().map(|x| x != 0.0).unwrap_or(false),
        Some(Value::String(s)) => !s.is_empty() && s != "0",
        _ => false,
    }
}

impl Schema {
    fn load(text: &str) -> Schema {
        let doc: Value = serde_json::from_str(text).unwrap_or(Value::Array(vec![]));
        let mut schema = Schema::default();
        if let Some(arr) = doc.as_array() {
            for n in arr {
                schema.add_node(n);
            }
        }
        schema
    }

    fn add_node(&mut self, n: &Value) {
        if let Some(path) = n.get("path").and_then(Value::as_str) {
            let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            let mut cur = &mut self.root;
            for s in segs {
                if s.starts_with('{') && s.ends_with('}') {
                    let name = s[1..s.len() - 1].to_string();
                    if cur.param.is_none() {
                        cur.param = Some((name, Box::default()));
                    }
                    // PVE has exactly one param child per level.
                    cur = match cur.param.as_mut() {
                        Some((_, node)) => node,
                        None => return,
                    };
                } else {
                    cur = cur.lit.entry(s.to_string()).or_default();
                }
            }
            cur.exists = true;
            if let Some(info) = n.get("info").and_then(Value::as_object) {
                for (verb, m) in info {
                    let params = m.get("parameters").cloned().unwrap_or(Value::Null);
                    let props = params
                        .get("properties")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    let additional = truthy(params.get("additionalProperties"));
                    let method = Method {
                        path: path.to_string(),
                        http: verb.clone(),
                        name: m
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        props: expand_props(&props),
                        additional,
                        proxyto: m.get("proxyto").and_then(Value::as_str).map(String::from),
                        allowtoken: m.get("allowtoken").map(|v| truthy(Some(v))).unwrap_or(true),
                        permissions: m.get("permissions").cloned().unwrap_or(Value::Null),
                        returns: m.get("returns").cloned().unwrap_or(Value::Null),
                    };
                    cur.methods.insert(verb.clone(), method);
                    self.count += 1;
                }
            }
        }
        if let Some(children) = n.get("children").and_then(Value::as_array) {
            for c in children {
                self.add_node(c);
            }
        }
    }

    /// Number of methods in the schema.
    pub fn method_count(&self) -> usize {
        self.count
    }

    /// Find the method for `verb` at the (already percent-decoded) path segments.
    pub fn lookup(&self, verb: &str, segs: &[String]) -> Lookup<'_> {
        let mut params = BTreeMap::new();
        match find(&self.root, segs, &mut params) {
            Some(node) => match node.methods.get(verb) {
                Some(m) => Lookup::Found(m, params),
                None => Lookup::NotImplemented,
            },
            None => Lookup::NotImplemented,
        }
    }

    /// Method by exact template and verb (used by tests and the control API).
    pub fn method(&self, verb: &str, template: &str) -> Option<&Method> {
        let segs: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
        let mut cur = &self.root;
        for s in segs {
            if s.starts_with('{') {
                cur = &cur.param.as_ref()?.1;
            } else {
                cur = cur.lit.get(s)?;
            }
        }
        cur.methods.get(verb)
    }
}

fn find<'a>(
    node: &'a PathNode,
    segs: &[String],
    params: &mut BTreeMap<String, String>,
) -> Option<&'a PathNode> {
    let Some((first, rest)) = segs.split_first() else {
        return if node.exists || !node.methods.is_empty() {
            Some(node)
        } else {
            None
        };
    };
    if let Some(child) = node.lit.get(first.as_str()) {
        if let Some(found) = find(child, rest, params) {
            return Some(found);
        }
    }
    if let Some((name, child)) = &node.param {
        let saved = params.clone();
        params.insert(name.clone(), first.clone());
        if let Some(found) = find(child, rest, params) {
            return Some(found);
        }
        // A volume id may contain '/' when the client did not encode it:
        // let a leaf `{volume}` swallow the remaining segments.
        if name == "volume" && child.lit.is_empty() && child.param.is_none() && !rest.is_empty() {
            params.insert(name.clone(), segs.join("/"));
            return Some(child);
        }
        *params = saved;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_and_expands() {
        assert!(SCHEMA.method_count() > 600);
        let m = SCHEMA
            .method("POST", "/nodes/{node}/qemu/{vmid}/config")
            .expect("config method");
        assert!(m.props.contains_key("scsi0"));
        assert!(m.props.contains_key("scsi30"));
        assert!(!m.props.contains_key("scsi31"));
        assert!(m.props.contains_key("net31"));
        assert!(m.props.contains_key("ipconfig0"));
        assert!(!m.additional);
    }

    #[test]
    fn lookup_paths() {
        let segs: Vec<String> = ["nodes", "pve1", "qemu", "100", "config"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        match SCHEMA.lookup("GET", &segs) {
            Lookup::Found(m, p) => {
                assert_eq!(m.path, "/nodes/{node}/qemu/{vmid}/config");
                assert_eq!(p.get("vmid").map(String::as_str), Some("100"));
            }
            Lookup::NotImplemented => panic!("not found"),
        }
        let segs: Vec<String> = [
            "nodes",
            "pve1",
            "storage",
            "local",
            "content",
            "local:100",
            "vm-100-disk-0.qcow2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        match SCHEMA.lookup("GET", &segs) {
            Lookup::Found(_, p) => assert_eq!(
                p.get("volume").map(String::as_str),
                Some("local:100/vm-100-disk-0.qcow2")
            ),
            Lookup::NotImplemented => panic!("not found"),
        }
        let segs: Vec<String> = ["nodes", "x", "foo"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(matches!(
            SCHEMA.lookup("GET", &segs),
            Lookup::NotImplemented
        ));
    }
}

//! Product settings (Module Settings of a product): every field of the
//! spec's Product Configuration chapter, with its default and its rule.
//! Stored per product as JSON in `puqProxmoxKVM_product_settings`.

use std::collections::BTreeMap;

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::whmcs::fields::parse_flag;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductConfig {
    // VM configuration
    /// Target node; "" = automatically.
    pub node: String,
    /// Default OS template VMID; "" = none.
    pub os_template: String,
    /// "linked" or "full".
    pub clone_type: String,
    pub cpu: i64,
    pub ram_gb: i64,
    pub backups: i64,
    pub snapshots: i64,
    pub vm_name_rule: String,
    pub first_vmid: i64,
    /// "" = random.
    pub os_username: String,
    /// Days; 0 = don't remove.
    pub snapshot_lifetime_days: i64,
    // Network
    /// "template" = as in template, or virtio / e1000 / rtl8139 / vmxnet3.
    pub net_model: String,
    pub bandwidth_mbs: i64,
    pub bridge: String,
    pub vlan: i64,
    pub ipv4_count: i64,
    pub ipv6_count: i64,
    pub auto_bridge_vlan: bool,
    pub dhcp_v4: bool,
    pub dhcp_v6: bool,
    // Firewall
    pub fw_policy_in: String,
    pub fw_policy_out: String,
    pub fw_log_in: String,
    pub fw_log_out: String,
    pub fw_enable: bool,
    pub fw_dhcp: bool,
    pub fw_ndp: bool,
    pub fw_radv: bool,
    pub fw_macfilter: bool,
    pub fw_ipfilter: bool,
    pub fw_antispoofing: bool,
    // Storage; "" storage = auto (from template) / same as system disk.
    pub sys_storage: String,
    pub sys_size_gb: i64,
    pub sys_mbps_rd: i64,
    pub sys_mbps_wr: i64,
    pub sys_iops_rd: i64,
    pub sys_iops_wr: i64,
    pub add_storage: String,
    pub add_size_gb: i64,
    pub add_mbps_rd: i64,
    pub add_mbps_wr: i64,
    pub add_iops_rd: i64,
    pub add_iops_wr: i64,
    // Integrations
    pub backup_storage: String,
    pub iso_storage: String,
    pub novnc_domain: String,
    pub novnc_key: String,
    pub main_domain: String,
    pub revdns_ticket: bool,
    pub revdns_department: i64,
    /// Email template names; "" = None (not sent).
    pub email_ready: String,
    pub email_reset_password: String,
    pub email_backup_restored: String,
    /// Metric Billing: report Bandwidth Usage In / Out to WHMCS usage
    /// billing (on by default; WHMCS bills only the metrics enabled and
    /// priced in the product's Metrics tab).
    pub metric_billing: bool,
    // Client permissions
    pub perm_start: bool,
    pub perm_stop: bool,
    pub perm_novnc: bool,
    pub perm_charts: bool,
    pub perm_reinstall: bool,
    pub perm_reset_password: bool,
    pub perm_revdns: bool,
    pub perm_iso: bool,
    pub perm_firewall: bool,
}

impl Default for ProductConfig {
    fn default() -> Self {
        ProductConfig {
            node: String::new(),
            os_template: String::new(),
            clone_type: "linked".into(),
            cpu: 1,
            ram_gb: 1,
            backups: 0,
            snapshots: 0,
            vm_name_rule: "{client_id}-{service_id}".into(),
            first_vmid: 100,
            os_username: String::new(),
            snapshot_lifetime_days: 0,
            net_model: "template".into(),
            bandwidth_mbs: 0,
            bridge: "vmbr0".into(),
            vlan: 0,
            ipv4_count: 1,
            ipv6_count: 0,
            auto_bridge_vlan: true,
            dhcp_v4: true,
            dhcp_v6: true,
            fw_policy_in: "ACCEPT".into(),
            fw_policy_out: "ACCEPT".into(),
            fw_log_in: "nolog".into(),
            fw_log_out: "nolog".into(),
            fw_enable: true,
            fw_dhcp: true,
            fw_ndp: true,
            fw_radv: false,
            fw_macfilter: true,
            fw_ipfilter: false,
            fw_antispoofing: true,
            sys_storage: String::new(),
            sys_size_gb: 0,
            sys_mbps_rd: 0,
            sys_mbps_wr: 0,
            sys_iops_rd: 0,
            sys_iops_wr: 0,
            add_storage: String::new(),
            add_size_gb: 0,
            add_mbps_rd: 0,
            add_mbps_wr: 0,
            add_iops_rd: 0,
            add_iops_wr: 0,
            backup_storage: String::new(),
            iso_storage: String::new(),
            novnc_domain: "vncproxy.puqcloud.com".into(),
            novnc_key: "puqcloud".into(),
            main_domain: ".example.com".into(),
            revdns_ticket: true,
            revdns_department: 0,
            email_ready: "puqProxmoxKVM VM is ready".into(),
            email_reset_password: "puqProxmoxKVM Reset password".into(),
            email_backup_restored: "puqProxmoxKVM Backup restored".into(),
            metric_billing: true,
            perm_start: true,
            perm_stop: true,
            perm_novnc: true,
            perm_charts: true,
            perm_reinstall: true,
            perm_reset_password: true,
            perm_revdns: true,
            perm_iso: true,
            perm_firewall: true,
        }
    }
}

enum Rule {
    Int(i64, i64),
    Vmid,
    Enum(&'static [&'static str]),
    /// Free text up to N chars.
    Text(usize),
    /// A Proxmox id (node, storage, bridge): `[A-Za-z0-9][A-Za-z0-9._-]*` or "".
    Ident,
}

const POLICIES: &[&str] = &["ACCEPT", "DROP", "REJECT"];
const LOGS: &[&str] = &["nolog", "info", "notice", "warning"];
const MB: i64 = 1_000_000;

fn rule(key: &str) -> Option<Rule> {
    use Rule::*;
    Some(match key {
        "node" | "sys_storage" | "add_storage" | "bridge" | "backup_storage" | "iso_storage" => {
            Ident
        }
        "os_template" => Vmid,
        "clone_type" => Enum(&["linked", "full"]),
        "cpu" => Int(1, 512),
        "ram_gb" => Int(1, 8192),
        "backups" | "snapshots" => Int(0, 1000),
        "vm_name_rule" => Text(200),
        "first_vmid" => Int(100, 999_999_999),
        "os_username" => Text(32),
        "snapshot_lifetime_days" => Int(0, 10),
        "net_model" => Enum(&["template", "virtio", "e1000", "rtl8139", "vmxnet3"]),
        "bandwidth_mbs" => Int(0, MB),
        "vlan" => Int(0, 4094),
        "ipv4_count" | "ipv6_count" => Int(0, 256),
        "fw_policy_in" | "fw_policy_out" => Enum(POLICIES),
        "fw_log_in" | "fw_log_out" => Enum(LOGS),
        "sys_size_gb" | "add_size_gb" => Int(0, 1_000_000),
        "sys_mbps_rd" | "sys_mbps_wr" | "add_mbps_rd" | "add_mbps_wr" => Int(0, MB),
        "sys_iops_rd" | "sys_iops_wr" | "add_iops_rd" | "add_iops_wr" => Int(0, 100 * MB),
        "novnc_domain"
        | "novnc_key"
        | "main_domain"
        | "email_ready"
        | "email_reset_password"
        | "email_backup_restored" => Text(255),
        "revdns_department" => Int(0, i64::from(u32::MAX)),
        _ => return None,
    })
}

/// The bounds of an integer setting (`cpu`, `ram_gb`, `sys_size_gb`, …),
/// shared by the product panel and the Configurable Options that override it.
pub fn int_bounds(key: &str) -> Option<(i64, i64)> {
    match rule(key)? {
        Rule::Int(min, max) => Some((min, max)),
        Rule::Vmid => Some((100, 999_999_999)),
        _ => None,
    }
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_alphanumeric())
        && c.all(|x| x.is_ascii_alphanumeric() || matches!(x, '.' | '_' | '-'))
}

impl ProductConfig {
    /// Applies form values over `self`, validating each; unknown keys and
    /// bad values are errors naming the field. On error nothing changes.
    pub fn apply(&self, form: &BTreeMap<String, String>) -> Result<ProductConfig> {
        let mut obj: Map<String, Value> = match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => return Err(Error::Internal("product settings serialise".into())),
        };
        for (k, raw) in form {
            let current = obj
                .get(k)
                .ok_or_else(|| Error::input(k.as_str(), "unknown product setting"))?;
            let v = raw.trim();
            let new = if current.is_boolean() {
                Value::Bool(
                    parse_flag(&Value::String(v.to_string()))
                        .map_err(|m| Error::input(k.as_str(), m))?,
                )
            } else {
                match rule(k) {
                    Some(Rule::Int(min, max)) => Value::from(int_in(k, v, min, max)?),
                    // A template VMID, or "" for none.
                    Some(Rule::Vmid) if v.is_empty() => Value::String(String::new()),
                    Some(Rule::Vmid) => Value::String(int_in(k, v, 100, 999_999_999)?.to_string()),
                    Some(Rule::Enum(allowed)) => {
                        let want =
                            if k == "net_model" || k == "clone_type" || k.starts_with("fw_log") {
                                v.to_ascii_lowercase()
                            } else {
                                v.to_ascii_uppercase()
                            };
                        if !allowed.contains(&want.as_str()) {
                            return Err(Error::input(
                                k.as_str(),
                                format!("must be one of {}", allowed.join(", ")),
                            ));
                        }
                        Value::String(want)
                    }
                    Some(Rule::Text(max)) => {
                        if v.chars().count() > max {
                            return Err(Error::input(
                                k.as_str(),
                                format!("may be at most {max} characters"),
                            ));
                        }
                        if v.chars().any(char::is_control) {
                            return Err(Error::input(
                                k.as_str(),
                                "must not contain control characters",
                            ));
                        }
                        Value::String(v.to_string())
                    }
                    Some(Rule::Ident) => {
                        let v = if matches!(v, "auto" | "automatically" | "same") {
                            ""
                        } else {
                            v
                        };
                        if !v.is_empty() && (!is_ident(v) || v.len() > 64) {
                            return Err(Error::input(
                                k.as_str(),
                                format!("'{v}' is not a valid Proxmox name"),
                            ));
                        }
                        Value::String(v.to_string())
                    }
                    None => return Err(Error::input(k.as_str(), "unknown product setting")),
                }
            };
            obj.insert(k.clone(), new);
        }
        let cfg: ProductConfig = serde_json::from_value(Value::Object(obj))
            .map_err(|e| Error::Internal(format!("product settings: {e}")))?;
        if cfg
            .os_username
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        {
            return Err(Error::input(
                "os_username",
                "may contain only letters, digits, '_' and '-'",
            ));
        }
        crate::config::names::validate_rule(&cfg.vm_name_rule)
            .map_err(|m| Error::input("vm_name_rule", m))?;
        if form.contains_key("main_domain") {
            domain(&cfg.main_domain).map_err(|m| Error::input("main_domain", m))?;
        }
        if form.contains_key("novnc_domain") {
            host_port(&cfg.novnc_domain).map_err(|m| Error::input("novnc_domain", m))?;
        }
        Ok(cfg)
    }

    /// A stored secret is bound to the endpoint it was entered for: a form
    /// that moves the noVNC domain must give the noVNC key again (an empty
    /// key field keeps the stored one). The error, or `None`.
    pub fn unbound_secret(&self, form: &BTreeMap<String, String>) -> Option<(String, String)> {
        let moved = form
            .get("novnc_domain")
            .is_some_and(|d| !d.trim().eq_ignore_ascii_case(self.novnc_domain.trim()));
        let key_given = form
            .get("novnc_key")
            .is_some_and(|k| !k.trim().is_empty() && k != crate::dns::zone::KEEP);
        (moved && !key_given && !self.novnc_key.is_empty()).then(|| {
            (
                "novnc_key".to_string(),
                "enter the noVNC key again: the noVNC domain changed, and a stored key is only used with the domain it was entered for".to_string(),
            )
        })
    }

    /// The settings that name things in WHMCS's database: an email template
    /// (a product template of that name, or "" for none) and the reverse DNS
    /// ticket department (an existing one, or 0 for none). Only values the
    /// form changes are checked (a template deleted later does not block
    /// other edits). Errors by field.
    pub fn check_references(
        &self,
        conn: &mut PooledConn,
        new: &ProductConfig,
    ) -> Result<BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        for (key, old, val) in [
            ("email_ready", &self.email_ready, &new.email_ready),
            (
                "email_reset_password",
                &self.email_reset_password,
                &new.email_reset_password,
            ),
            (
                "email_backup_restored",
                &self.email_backup_restored,
                &new.email_backup_restored,
            ),
        ] {
            if val.is_empty() || val == old {
                continue;
            }
            let found: Option<i64> = conn.exec_first(
                "SELECT id FROM tblemailtemplates WHERE type = 'product' AND name = ? LIMIT 1",
                (val,),
            )?;
            if found.is_none() {
                errors.insert(
                    key.to_string(),
                    format!(
                        "there is no product email template named '{}' (choose one, or None)",
                        crate::util::printable(val)
                    ),
                );
            }
        }
        if new.revdns_department != 0 && new.revdns_department != self.revdns_department {
            let found: Option<i64> = conn.exec_first(
                "SELECT id FROM tblticketdepartments WHERE id = ?",
                (new.revdns_department,),
            )?;
            if found.is_none() {
                errors.insert(
                    "revdns_department".to_string(),
                    format!(
                        "there is no support ticket department #{} (choose one, or None)",
                        new.revdns_department
                    ),
                );
            }
        }
        Ok(errors)
    }

    /// Like `apply`, but checks every field and returns all the errors
    /// (field -> message) instead of stopping at the first, so a form can
    /// show each error next to its field. On any error nothing changes.
    pub fn apply_all(
        &self,
        form: &BTreeMap<String, String>,
    ) -> std::result::Result<ProductConfig, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        for (k, v) in form {
            let one = BTreeMap::from([(k.clone(), v.clone())]);
            match self.apply(&one) {
                Ok(_) => {}
                Err(Error::Input { key, message }) => {
                    errors.insert(key, message);
                }
                Err(e) => {
                    errors.insert(k.clone(), e.to_string());
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        self.apply(form).map_err(|e| match e {
            Error::Input { key, message } => BTreeMap::from([(key, message)]),
            other => BTreeMap::from([("_form".to_string(), other.to_string())]),
        })
    }

    /// What CreateAccount needs before it accepts an order.
    pub fn check_complete(&self, os_template: &str) -> Result<()> {
        if os_template.is_empty() {
            return Err(Error::Config(
                "the product has no OS template: set Module Settings > VM Configuration > OS template (or assign an Operating System configurable option)".into(),
            ));
        }
        Ok(())
    }
}

/// A DNS label (RFC 1123): 1–63 letters, digits and '-', not at either end.
fn label_ok(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !l.starts_with('-')
        && !l.ends_with('-')
}

/// A domain new VMs' host names end in (`main_domain`): RFC 1123 labels,
/// at most 253 characters; one leading '.' is allowed (`.example.com`, the
/// spec's form); empty = no domain.
pub fn domain(v: &str) -> std::result::Result<(), String> {
    let d = v.strip_prefix('.').unwrap_or(v);
    if d.is_empty() {
        return Ok(());
    }
    let d = d.strip_suffix('.').unwrap_or(d);
    if d.len() > 253 {
        return Err("is longer than 253 characters".into());
    }
    match d.split('.').find(|l| !label_ok(l)) {
        None => Ok(()),
        Some(l) => Err(format!(
            "'{}' is not a domain name: label '{}' must be 1-63 letters, digits or '-', not starting or ending with '-'",
            crate::util::printable(v),
            crate::util::printable(l)
        )),
    }
}

/// A host name with an optional port (`vnc.example.com`, `vnc.example.com:8443`);
/// empty = not set.
pub fn host_port(v: &str) -> std::result::Result<(), String> {
    if v.is_empty() {
        return Ok(());
    }
    let bad = || {
        format!(
            "'{}' is not a host name with an optional port (like vnc.example.com or vnc.example.com:8443)",
            crate::util::printable(v)
        )
    };
    let (host, port) = match v.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (v, None),
    };
    if let Some(p) = port {
        if !p.parse::<u16>().is_ok_and(|n| n > 0) {
            return Err(bad());
        }
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || host.len() > 253 || !host.split('.').all(label_ok) {
        return Err(bad());
    }
    Ok(())
}

fn int_in(key: &str, v: &str, min: i64, max: i64) -> Result<i64> {
    let n: i64 = v
        .parse()
        .map_err(|_| Error::input(key, format!("expected a whole number, got '{v}'")))?;
    if n < min || n > max {
        return Err(Error::input(
            key,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(n)
}

/// Loads a product's settings; a product never saved gets the defaults
/// with the legacy stock field imported from tblproducts (configoption4 =
/// default OS template).
pub fn load(conn: &mut PooledConn, product_id: u32) -> Result<ProductConfig> {
    let raw: Option<String> = conn.exec_first(
        "SELECT settings FROM puqProxmoxKVM_product_settings WHERE product_id = ?",
        (product_id,),
    )?;
    match raw {
        Some(json) => {
            // Stored rows were validated when saved; fields added later take defaults.
            let mut obj = match serde_json::to_value(ProductConfig::default()) {
                Ok(Value::Object(m)) => m,
                _ => Map::new(),
            };
            if let Ok(Value::Object(mut stored)) = serde_json::from_str::<Value>(&json) {
                // Format 1 stored `metric_billing` (false) although no page
                // could set it: it was never an admin's choice, so the
                // default applies until the panel saves the product.
                if stored.get(FORMAT_KEY).and_then(Value::as_u64).unwrap_or(1) < 2 {
                    stored.remove("metric_billing");
                }
                for (k, v) in stored {
                    if obj.contains_key(&k) {
                        obj.insert(k, v);
                    }
                }
            }
            serde_json::from_value(Value::Object(obj))
                .map_err(|e| Error::Db(format!("product {product_id} settings are corrupt: {e}")))
        }
        None => {
            let option4: Option<String> = conn.exec_first(
                "SELECT configoption4 FROM tblproducts WHERE id = ?",
                (product_id,),
            )?;
            Ok(import_legacy(option4.as_deref().unwrap_or("")))
        }
    }
}

/// The v1.x–v2.x stock fields. Only configoption4 (default OS template) has
/// a documented meaning; a numeric value there is taken over.
pub fn import_legacy(configoption4: &str) -> ProductConfig {
    let mut c = ProductConfig::default();
    let t = configoption4.trim();
    if t.parse::<u32>().is_ok() {
        c.os_template = t.to_string();
    }
    c
}

pub fn save(
    conn: &mut PooledConn,
    product_id: u32,
    form: &BTreeMap<String, String>,
) -> Result<ProductConfig> {
    let current = load(conn, product_id)?;
    let cfg = current.apply(form)?;
    if let Some((k, m)) = current.unbound_secret(form) {
        return Err(Error::input(k, m));
    }
    if let Some((k, m)) = current.check_references(conn, &cfg)?.into_iter().next() {
        return Err(Error::input(k, m));
    }
    store(conn, product_id, &cfg)?;
    Ok(cfg)
}

/// The key of the stored JSON that says its format: absent = 1, 2 = the
/// panel has the Metric Billing toggle (so `metric_billing` is a choice).
const FORMAT_KEY: &str = "_format";
const FORMAT: u64 = 2;

/// Stores settings already validated by `apply_all`.
pub fn store(conn: &mut PooledConn, product_id: u32, cfg: &ProductConfig) -> Result<()> {
    let mut obj = match serde_json::to_value(cfg) {
        Ok(Value::Object(m)) => m,
        _ => return Err(Error::Internal("product settings serialise".into())),
    };
    obj.insert(FORMAT_KEY.into(), Value::from(FORMAT));
    let json =
        serde_json::to_string(&Value::Object(obj)).map_err(|e| Error::Internal(e.to_string()))?;
    conn.exec_drop(
        "INSERT INTO puqProxmoxKVM_product_settings (product_id, settings) VALUES (?, ?) ON DUPLICATE KEY UPDATE settings = VALUES(settings)",
        (product_id, json),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(p: &[(&str, &str)]) -> BTreeMap<String, String> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn defaults_follow_the_spec() {
        let c = ProductConfig::default();
        assert_eq!(
            (c.cpu, c.ram_gb, c.first_vmid, c.ipv4_count, c.ipv6_count),
            (1, 1, 100, 1, 0)
        );
        assert_eq!(c.vm_name_rule, "{client_id}-{service_id}");
        assert_eq!(c.clone_type, "linked");
        assert!(c.auto_bridge_vlan && c.dhcp_v4 && c.dhcp_v6);
        assert!(c.fw_enable && !c.fw_radv && !c.fw_ipfilter && c.fw_antispoofing);
        assert_eq!(c.main_domain, ".example.com");
        assert_eq!(c.email_ready, "puqProxmoxKVM VM is ready");
        assert!(c.metric_billing, "Metric billing toggle: on by default");
    }

    #[test]
    fn apply_validates_and_names_the_field() {
        let c = ProductConfig::default();
        let ok = c
            .apply(&form(&[
                ("cpu", "4"),
                ("clone_type", "FULL"),
                ("fw_policy_in", "drop"),
                ("dhcp_v4", ""),
                ("os_template", "9000"),
                ("node", "auto"),
            ]))
            .unwrap();
        assert_eq!(
            (ok.cpu, ok.clone_type.as_str(), ok.fw_policy_in.as_str()),
            (4, "full", "DROP")
        );
        assert!(!ok.dhcp_v4);
        assert_eq!(ok.os_template, "9000");
        assert_eq!(ok.node, "");
        let bad = [
            ("cpu", "0", "between 1 and 512"),
            ("cpu", "two", "whole number"),
            ("vlan", "5000", "between 0 and 4094"),
            ("clone_type", "copy", "one of linked, full"),
            ("bridge", "vm br0", "not a valid Proxmox name"),
            ("fw_log_in", "debug", "one of nolog"),
            ("dhcp_v6", "maybe", "on/off"),
            ("os_username", "ro ot", "letters, digits"),
            ("vm_name_rule", "{nope}", "unknown macro"),
            ("os_template", "42", "between 100 and"),
            ("nonsense", "1", "unknown product setting"),
        ];
        for (k, v, msg) in bad {
            let e = c.apply(&form(&[(k, v)])).unwrap_err().to_string();
            assert!(
                e.contains(&format!("'{k}'")) && e.contains(msg),
                "{k}={v}: {e}"
            );
        }
    }

    #[test]
    fn apply_all_reports_every_bad_field() {
        let c = ProductConfig::default();
        let errs = c
            .apply_all(&form(&[("cpu", "0"), ("vlan", "x"), ("ram_gb", "4")]))
            .unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs["cpu"].contains("between 1 and 512"));
        assert!(errs["vlan"].contains("whole number"));
        let ok = c.apply_all(&form(&[("ram_gb", "4")])).unwrap();
        assert_eq!(ok.ram_gb, 4);
    }

    #[test]
    fn legacy_import() {
        assert_eq!(import_legacy(" 9001 ").os_template, "9001");
        assert_eq!(import_legacy("abc").os_template, "");
        assert_eq!(import_legacy("").os_template, "");
    }
}

#[cfg(test)]
mod host_name_tests {
    use super::*;

    #[test]
    fn domains_and_host_names_by_what_they_become() {
        for ok in ["", ".example.com", "example.com", "a-b.example.co.uk", "x."] {
            assert!(domain(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ex ample.com",
            "-a.com",
            "a..com",
            "javascript:alert(1)",
            "a_b.com",
            "é.com",
        ] {
            assert!(domain(bad).is_err(), "{bad}");
        }
        assert!(domain(&format!("{}.com", "a".repeat(64))).is_err());
        for ok in ["", "vnc.example.com", "vnc.example.com:8443", "localhost"] {
            assert!(host_port(ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "vnc.example.com:0",
            "vnc.example.com:99999",
            "https://vnc",
            "a b",
            ":80",
        ] {
            assert!(host_port(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn novnc_key_is_bound_to_its_domain() {
        let c = ProductConfig::default();
        let f = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(c
            .unbound_secret(&f(&[("novnc_domain", "evil.example.net")]))
            .is_some());
        assert!(c
            .unbound_secret(&f(&[
                ("novnc_domain", "evil.example.net"),
                ("novnc_key", "")
            ]))
            .is_some());
        assert!(c
            .unbound_secret(&f(&[
                ("novnc_domain", "evil.example.net"),
                ("novnc_key", "new")
            ]))
            .is_none());
        assert!(c
            .unbound_secret(&f(&[("novnc_domain", "VNCPROXY.puqcloud.com")]))
            .is_none());
        assert!(c.unbound_secret(&f(&[("cpu", "2")])).is_none());
    }
}

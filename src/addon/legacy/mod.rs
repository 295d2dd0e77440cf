//! Migration from PUQ Customization and the v2 module, run on every addon
//! activation and upgrade: IP pools with their allocations and per-server
//! assignments, DNS zones, v2 product settings (tblproducts.configoption1..24)
//! and v2 services' VM records.
//!
//! The legacy schema was never published. It is reconstructed from the spec
//! and the module's older public documentation, so every legacy table is
//! found by one of several names and read by column name
//! (information_schema), taking what is there: a missing optional column
//! gets its default, a missing required one is a skip reason. Each source is
//! idempotent on its own (a pool, zone, product or VM record already present
//! is reported as such, never imported twice), each pool is one transaction
//! (its copies per server, its allocations), and everything imported or
//! skipped is written to a [`Report`] kept in `puqProxmoxKVM_settings`
//! (`legacy_import_report`) for the Dashboard.
//! What it must not do: change a legacy table, or overwrite anything the
//! panel or an admin already configured.

pub mod pools;
pub mod products;
pub mod vms;
pub mod zones;

use mysql::prelude::Queryable;
use mysql::{PooledConn, Value as Sql};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::whmcs::Host;

/// The `puqProxmoxKVM_settings` row that keeps the last report.
pub const REPORT_SETTING: &str = "legacy_import_report";

/// The prefixes the legacy PUQ Customization tables were created with:
/// the extension's own (`ModulePuqProxmoxKVM`) and the shorter form the
/// spec names (`puq_customization_ip_pools`).
pub const PREFIXES: &[&str] = &[
    "puq_customization_module_puq_proxmox_kvm_",
    "puq_customization_modulepuqproxmoxkvm_",
    "puq_customization_",
];

/// What one source (IP pools, DNS zones, products, VM records) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub name: String,
    /// The legacy table(s) read, or what was looked for.
    pub source: String,
    pub imported: Vec<String>,
    pub skipped: Vec<String>,
}

impl Section {
    fn new(name: &str) -> Section {
        Section {
            name: name.into(),
            ..Section::default()
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Unix time of the run.
    pub at: i64,
    pub sections: Vec<Section>,
}

impl Report {
    /// True when any legacy data was found (imported or skipped).
    pub fn found_anything(&self) -> bool {
        self.sections
            .iter()
            .any(|s| !s.imported.is_empty() || !s.skipped.is_empty())
    }

    /// The activation message's sentence.
    pub fn summary(&self) -> String {
        if !self.found_anything() {
            return String::new();
        }
        let parts: Vec<String> = self
            .sections
            .iter()
            .filter(|s| !s.imported.is_empty() || !s.skipped.is_empty())
            .map(|s| {
                format!(
                    "{}: {} imported, {} skipped",
                    s.name,
                    s.imported.len(),
                    s.skipped.len()
                )
            })
            .collect();
        let mut out = format!(
            " Legacy import (PUQ Customization / v2): {}.",
            parts.join("; ")
        );
        let skipped: Vec<&String> = self.sections.iter().flat_map(|s| &s.skipped).collect();
        for s in skipped.iter().take(5) {
            out.push_str(&format!(" Skipped: {s}."));
        }
        if skipped.len() > 5 {
            out.push_str(&format!(" … {} more", skipped.len() - 5));
        }
        out.push_str(" The full report is on the addon's Dashboard.");
        out
    }
}

/// Runs every source and stores the report when anything legacy was found.
/// A failing source (a database error) is a skip line of its own: the
/// others still run, and the activation itself succeeds.
pub fn run(conn: &mut PooledConn, host: &dyn Host) -> Result<Report> {
    let mut report = Report {
        at: crate::cron::now_unix(),
        sections: Vec::new(),
    };
    type Source = fn(&mut PooledConn, &dyn Host, &mut Section) -> Result<()>;
    let sources: [(&str, Source); 4] = [
        ("IP pools", pools::import),
        ("DNS zones", zones::import),
        ("Products", products::import),
        ("VM records", vms::import),
    ];
    for (name, f) in sources {
        let mut section = Section::new(name);
        if let Err(e) = f(conn, host, &mut section) {
            section.skipped.push(format!("stopped: {e}"));
        }
        report.sections.push(section);
    }
    if report.found_anything() {
        let json = serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))?;
        conn.exec_drop(
            "INSERT INTO puqProxmoxKVM_settings (name, value) VALUES (?, ?) \
             ON DUPLICATE KEY UPDATE value = VALUES(value)",
            (REPORT_SETTING, json),
        )?;
    }
    Ok(report)
}

/// The last stored report, if any.
pub fn last_report(conn: &mut PooledConn) -> Result<Option<Report>> {
    let v: Option<String> = match conn.exec_first(
        "SELECT value FROM puqProxmoxKVM_settings WHERE name = ?",
        (REPORT_SETTING,),
    ) {
        Ok(v) => v,
        Err(mysql::Error::MySqlError(e)) if e.code == 1146 => None,
        Err(e) => return Err(e.into()),
    };
    Ok(v.and_then(|j| serde_json::from_str(&j).ok()))
}

/// A legacy table found in this database, with its columns as stored.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<String>,
}

/// A name MySQL can take between backticks without escaping.
fn plain_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

/// The first table of `suffixes` (under each of [`PREFIXES`]) that exists.
pub fn find_table(conn: &mut PooledConn, suffixes: &[&str]) -> Result<Option<Table>> {
    for suffix in suffixes {
        for prefix in PREFIXES {
            let want = format!("{prefix}{suffix}");
            let name: Option<String> = conn.exec_first(
                "SELECT TABLE_NAME FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND LOWER(TABLE_NAME) = LOWER(?) LIMIT 1",
                (&want,),
            )?;
            let Some(name) = name.filter(|n| plain_ident(n)) else {
                continue;
            };
            let columns: Vec<String> = conn.exec(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                (&name,),
            )?;
            return Ok(Some(Table { name, columns }));
        }
    }
    Ok(None)
}

/// The looked-for table names, for a report's source line.
pub fn looked_for(suffixes: &[&str]) -> String {
    format!(
        "no legacy table ({})",
        suffixes
            .iter()
            .map(|s| format!("{}{s}", PREFIXES[0]))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A logical field and the column names it may have had.
pub type Field = (&'static str, &'static [&'static str]);

impl Table {
    /// The stored column for a field (case-insensitive), if any.
    pub fn column(&self, aliases: &[&str]) -> Option<&str> {
        aliases.iter().find_map(|a| {
            self.columns
                .iter()
                .find(|c| c.eq_ignore_ascii_case(a) && plain_ident(c))
                .map(String::as_str)
        })
    }

    /// The required fields this table lacks, as a skip reason.
    pub fn missing(&self, required: &[Field]) -> Option<String> {
        let gone: Vec<String> = required
            .iter()
            .filter(|(_, aliases)| self.column(aliases).is_none())
            .map(|(name, aliases)| format!("{name} (looked for {})", aliases.join(", ")))
            .collect();
        (!gone.is_empty()).then(|| {
            format!(
                "legacy table {} has no column for {}",
                self.name,
                gone.join("; ")
            )
        })
    }

    /// Every row, with the fields this table has, in id order when there
    /// is an id column.
    pub fn rows(&self, conn: &mut PooledConn, fields: &[Field]) -> Result<Vec<Row>> {
        let present: Vec<(&'static str, &str)> = fields
            .iter()
            .filter_map(|(name, aliases)| self.column(aliases).map(|c| (*name, c)))
            .collect();
        if present.is_empty() {
            return Ok(Vec::new());
        }
        let cols = present
            .iter()
            .map(|(_, c)| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let order = self
            .column(&["id"])
            .map(|c| format!(" ORDER BY `{c}`"))
            .unwrap_or_default();
        let raw: Vec<mysql::Row> =
            conn.query(format!("SELECT {cols} FROM `{}`{order}", self.name))?;
        Ok(raw
            .into_iter()
            .map(|r| {
                let values = r.unwrap();
                Row {
                    values: present
                        .iter()
                        .zip(values)
                        .map(|((name, _), v)| (*name, v))
                        .collect(),
                }
            })
            .collect())
    }
}

/// One legacy row: field name → value.
#[derive(Debug, Clone)]
pub struct Row {
    values: Vec<(&'static str, Sql)>,
}

impl Row {
    fn get(&self, field: &str) -> Option<&Sql> {
        self.values
            .iter()
            .find(|(n, _)| *n == field)
            .map(|(_, v)| v)
            .filter(|v| **v != Sql::NULL)
    }

    /// Text of a field; `Ok("")` when absent or NULL, `Err` (the bytes shown
    /// escaped) when it is not UTF-8.
    pub fn text(&self, field: &str) -> std::result::Result<String, String> {
        match self.get(field) {
            None => Ok(String::new()),
            Some(Sql::Bytes(b)) => String::from_utf8(b.clone()).map_err(|_| {
                format!(
                    "{field} '{}' is not UTF-8 text",
                    crate::util::escaped(b, 60)
                )
            }),
            Some(Sql::Int(n)) => Ok(n.to_string()),
            Some(Sql::UInt(n)) => Ok(n.to_string()),
            Some(other) => Ok(other.as_sql(true).trim_matches('\'').to_string()),
        }
    }

    /// A whole number; `None` when absent, empty or not a number.
    pub fn int(&self, field: &str) -> Option<i64> {
        match self.get(field)? {
            Sql::Int(n) => Some(*n),
            Sql::UInt(n) => i64::try_from(*n).ok(),
            Sql::Bytes(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
            _ => None,
        }
    }
}

/// Addresses as WHMCS keeps them on a service (tblhosting.dedicatedip and
/// the lines of assignedips), with anything that is not an address dropped.
pub fn hosting_addresses(dedicated: &str, assigned: &str) -> Vec<std::net::IpAddr> {
    let mut out = Vec::new();
    for t in std::iter::once(dedicated)
        .chain(assigned.split(|c: char| c == '\n' || c == '\r' || c == ',' || c.is_whitespace()))
    {
        // "203.0.113.5/24" and "[2001:db8::5]" forms are seen in WHMCS data.
        let t = t.trim().trim_start_matches('[').trim_end_matches(']');
        let t = t.split('/').next().unwrap_or("");
        if let Ok(ip) = t.parse() {
            if !out.contains(&ip) {
                out.push(ip);
            }
        }
    }
    out
}

/// A service that still holds its resources in WHMCS (not terminated,
/// cancelled or fraud).
pub fn holds_resources(status: &str) -> bool {
    !matches!(status, "Terminated" | "Cancelled" | "Fraud")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosting_addresses_parse_whmcs_forms() {
        let a = hosting_addresses(
            "203.0.113.5",
            "203.0.113.6\r\n2001:db8::5/64, [2001:db8::6]\nnot-an-ip\n203.0.113.5",
        );
        let s: Vec<String> = a.iter().map(|i| i.to_string()).collect();
        assert_eq!(
            s,
            ["203.0.113.5", "203.0.113.6", "2001:db8::5", "2001:db8::6"]
        );
        assert!(hosting_addresses("", "").is_empty());
    }

    #[test]
    fn identifiers_are_checked() {
        assert!(plain_ident("puq_customization_ip_pools"));
        assert!(!plain_ident("a`b"));
        assert!(!plain_ident(""));
        assert!(!plain_ident("a b"));
    }

    #[test]
    fn summary_names_counts_and_skips() {
        let r = Report {
            at: 0,
            sections: vec![
                Section {
                    name: "IP pools".into(),
                    source: String::new(),
                    imported: vec!["a".into(), "b".into()],
                    skipped: vec!["pool #3: overlaps".into()],
                },
                Section::new("DNS zones"),
            ],
        };
        let s = r.summary();
        assert!(s.contains("IP pools: 2 imported, 1 skipped"), "{s}");
        assert!(s.contains("Skipped: pool #3: overlaps."), "{s}");
        assert!(!s.contains("DNS zones"), "{s}");
        assert_eq!(Report::default().summary(), "");
    }
}

//! The configuration a service should have: Configurable Options first
//! (the 18 plain-English names and the legacy `PREFIX|Display` names, a 0
//! from an option is applied), product defaults where no option is assigned.

use std::collections::BTreeMap;

use serde::Serialize;

use super::product::ProductConfig;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiskSpec {
    pub size_gb: i64,
    pub mbps_rd: i64,
    pub mbps_wr: i64,
    pub iops_rd: i64,
    pub iops_wr: i64,
}

impl DiskSpec {
    pub fn has_limits(&self) -> bool {
        self.mbps_rd != 0 || self.mbps_wr != 0 || self.iops_rd != 0 || self.iops_wr != 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effective {
    pub cpu: i64,
    pub ram_gb: i64,
    pub backups: i64,
    pub snapshots: i64,
    pub system_disk: DiskSpec,
    pub additional_disk: DiskSpec,
    pub bandwidth_mbs: i64,
    pub ipv4_count: i64,
    pub ipv6_count: i64,
    /// Template VMID.
    pub os_template: String,
}

/// (field, plain-English option name, legacy prefix)
pub const OPTIONS: &[(&str, &str, Option<&str>)] = &[
    ("cpu", "CPU Cores", Some("CPU")),
    ("ram_gb", "RAM", Some("RAM")),
    ("backups", "Backups", Some("B")),
    ("snapshots", "Snapshots", Some("S")),
    ("sys_size_gb", "System Disk", None),
    ("add_size_gb", "Additional Disk", None),
    ("sys_mbps_rd", "System Disk Read Bandwidth", None),
    ("sys_mbps_wr", "System Disk Write Bandwidth", None),
    ("sys_iops_rd", "System Disk Read IOPS", None),
    ("sys_iops_wr", "System Disk Write IOPS", None),
    ("add_mbps_rd", "Additional Disk Read Bandwidth", None),
    ("add_mbps_wr", "Additional Disk Write Bandwidth", None),
    ("add_iops_rd", "Additional Disk Read IOPS", None),
    ("add_iops_wr", "Additional Disk Write IOPS", None),
    ("bandwidth_mbs", "Network Bandwidth", None),
    ("ipv4_count", "IPv4 Addresses", Some("ipv4")),
    ("ipv6_count", "IPv6 Addresses", Some("ipv6")),
    ("os_template", "Operating System", Some("OS")),
];

/// The option value for `field`, if an option is assigned. WHMCS keys
/// `configoptions` by the option name before `|` and gives the sub-option
/// value before `|`; both are tolerated in full form too.
fn lookup<'a>(
    options: &'a BTreeMap<String, String>,
    name: &str,
    legacy: Option<&str>,
) -> Option<(&'a str, &'a str)> {
    options.iter().find_map(|(k, v)| {
        let key = k.split('|').next().unwrap_or(k).trim();
        let hit = key == name || legacy.is_some_and(|p| key == p);
        hit.then(|| (k.as_str(), v.split('|').next().unwrap_or(v).trim()))
    })
}

pub fn compute(product: &ProductConfig, options: &BTreeMap<String, String>) -> Result<Effective> {
    let mut e = Effective {
        cpu: product.cpu,
        ram_gb: product.ram_gb,
        backups: product.backups,
        snapshots: product.snapshots,
        system_disk: DiskSpec {
            size_gb: product.sys_size_gb,
            mbps_rd: product.sys_mbps_rd,
            mbps_wr: product.sys_mbps_wr,
            iops_rd: product.sys_iops_rd,
            iops_wr: product.sys_iops_wr,
        },
        additional_disk: DiskSpec {
            size_gb: product.add_size_gb,
            mbps_rd: product.add_mbps_rd,
            mbps_wr: product.add_mbps_wr,
            iops_rd: product.add_iops_rd,
            iops_wr: product.add_iops_wr,
        },
        bandwidth_mbs: product.bandwidth_mbs,
        ipv4_count: product.ipv4_count,
        ipv6_count: product.ipv6_count,
        os_template: product.os_template.clone(),
    };
    for (field, name, legacy) in OPTIONS {
        let Some((key, raw)) = lookup(options, name, *legacy) else {
            continue;
        };
        if raw.is_empty() {
            continue;
        }
        let n: i64 = raw.parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
            Error::input(
                format!("configoptions[{key}]"),
                format!("'{raw}' is not a whole number ≥ 0"),
            )
        })?;
        // The product panel's bounds apply to the option that overrides it:
        // no value an order form can carry overflows a unit conversion or
        // asks Proxmox for the absurd.
        let (min, max) = super::product::int_bounds(field).unwrap_or((0, i64::MAX));
        if n < min {
            return Err(Error::input(
                format!("configoptions[{key}]"),
                format!("must be at least {min}"),
            ));
        }
        if n > max {
            return Err(Error::input(
                format!("configoptions[{key}]"),
                format!("{n} is more than the maximum of {max}"),
            ));
        }
        match *field {
            "cpu" => e.cpu = n,
            "ram_gb" => e.ram_gb = n,
            "backups" => e.backups = n,
            "snapshots" => e.snapshots = n,
            "sys_size_gb" => e.system_disk.size_gb = n,
            "add_size_gb" => e.additional_disk.size_gb = n,
            "sys_mbps_rd" => e.system_disk.mbps_rd = n,
            "sys_mbps_wr" => e.system_disk.mbps_wr = n,
            "sys_iops_rd" => e.system_disk.iops_rd = n,
            "sys_iops_wr" => e.system_disk.iops_wr = n,
            "add_mbps_rd" => e.additional_disk.mbps_rd = n,
            "add_mbps_wr" => e.additional_disk.mbps_wr = n,
            "add_iops_rd" => e.additional_disk.iops_rd = n,
            "add_iops_wr" => e.additional_disk.iops_wr = n,
            "bandwidth_mbs" => e.bandwidth_mbs = n,
            "ipv4_count" => e.ipv4_count = n,
            "ipv6_count" => e.ipv6_count = n,
            _ => e.os_template = n.to_string(),
        }
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(p: &[(&str, &str)]) -> BTreeMap<String, String> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn product() -> ProductConfig {
        ProductConfig {
            cpu: 2,
            ram_gb: 4,
            sys_size_gb: 20,
            add_size_gb: 10,
            bandwidth_mbs: 100,
            os_template: "9000".into(),
            ..ProductConfig::default()
        }
    }

    #[test]
    fn every_option_overrides_its_default() {
        let p = product();
        type Case = (&'static str, &'static str, fn(&Effective) -> String);
        let cases: &[Case] = &[
            ("CPU Cores", "8", |e| e.cpu.to_string()),
            ("RAM", "16", |e| e.ram_gb.to_string()),
            ("Backups", "7", |e| e.backups.to_string()),
            ("Snapshots", "3", |e| e.snapshots.to_string()),
            ("System Disk", "80", |e| e.system_disk.size_gb.to_string()),
            ("Additional Disk", "50", |e| {
                e.additional_disk.size_gb.to_string()
            }),
            ("System Disk Read Bandwidth", "100", |e| {
                e.system_disk.mbps_rd.to_string()
            }),
            ("System Disk Write Bandwidth", "101", |e| {
                e.system_disk.mbps_wr.to_string()
            }),
            ("System Disk Read IOPS", "500", |e| {
                e.system_disk.iops_rd.to_string()
            }),
            ("System Disk Write IOPS", "501", |e| {
                e.system_disk.iops_wr.to_string()
            }),
            ("Additional Disk Read Bandwidth", "50", |e| {
                e.additional_disk.mbps_rd.to_string()
            }),
            ("Additional Disk Write Bandwidth", "51", |e| {
                e.additional_disk.mbps_wr.to_string()
            }),
            ("Additional Disk Read IOPS", "1000", |e| {
                e.additional_disk.iops_rd.to_string()
            }),
            ("Additional Disk Write IOPS", "1001", |e| {
                e.additional_disk.iops_wr.to_string()
            }),
            ("Network Bandwidth", "1000", |e| e.bandwidth_mbs.to_string()),
            ("IPv4 Addresses", "4", |e| e.ipv4_count.to_string()),
            ("IPv6 Addresses", "16", |e| e.ipv6_count.to_string()),
            ("Operating System", "9002", |e| e.os_template.clone()),
            // Legacy PREFIX|Display names, keyed as WHMCS does (before the pipe) and in full.
            ("CPU", "6", |e| e.cpu.to_string()),
            ("RAM|Memory", "12", |e| e.ram_gb.to_string()),
            ("B", "5", |e| e.backups.to_string()),
            ("S|Snapshot", "2", |e| e.snapshots.to_string()),
            ("ipv4", "3", |e| e.ipv4_count.to_string()),
            ("ipv6|IPv6", "2", |e| e.ipv6_count.to_string()),
            ("OS", "1012|Debian-12", |e| e.os_template.clone()),
        ];
        for (name, value, get) in cases {
            let e = compute(&p, &opts(&[(name, value)])).unwrap();
            let want = value.split('|').next().unwrap();
            assert_eq!(get(&e), want, "option {name}");
        }
    }

    #[test]
    fn defaults_apply_without_options_and_zero_is_applied() {
        let p = product();
        let e = compute(&p, &opts(&[])).unwrap();
        assert_eq!(
            (
                e.cpu,
                e.ram_gb,
                e.system_disk.size_gb,
                e.additional_disk.size_gb
            ),
            (2, 4, 20, 10)
        );
        assert_eq!(
            (
                e.bandwidth_mbs,
                e.ipv4_count,
                e.ipv6_count,
                e.os_template.as_str()
            ),
            (100, 1, 0, "9000")
        );
        let e = compute(
            &p,
            &opts(&[
                ("Additional Disk", "0"),
                ("Network Bandwidth", "0"),
                ("IPv4 Addresses", "0"),
            ]),
        )
        .unwrap();
        assert_eq!(
            (e.additional_disk.size_gb, e.bandwidth_mbs, e.ipv4_count),
            (0, 0, 0)
        );
        // Unrelated options are ignored; an empty value keeps the default.
        let e = compute(&p, &opts(&[("Colour", "red"), ("RAM", "")])).unwrap();
        assert_eq!(e.ram_gb, 4);
    }

    #[test]
    fn bad_option_values_are_named() {
        let p = product();
        for (name, value) in [
            ("CPU Cores", "0"),
            ("RAM", "lots"),
            ("System Disk", "-5"),
            ("Operating System", "42"),
            ("CPU Cores", "513"),
            ("RAM", "9223372036854775807"),
            ("RAM", "99999999999999999999"),
            ("System Disk", "1000001"),
            ("Network Bandwidth", "1000001"),
            ("IPv4 Addresses", "257"),
            ("IPv6 Addresses", "100000"),
            ("Backups", "1001"),
            ("Snapshots", "5000"),
            ("System Disk Read IOPS", "100000001"),
        ] {
            let e = compute(&p, &opts(&[(name, value)]))
                .unwrap_err()
                .to_string();
            assert!(e.contains(&format!("configoptions[{name}]")), "{name}: {e}");
        }
    }
}

//! The legacy "Assigned IP Addresses" list of a WHMCS server entry
//! (tblservers.assignedips): one address per line,
//! `<bridge>|<vlan_tag>|<IP_address>|<net_mask>|<Gateway>|<DNS1>,<DNS2>`.
//! Blank lines and `#` / `;` comments are skipped; a bad line is an error
//! naming its line number, so the operator can fix the server entry.

use std::collections::HashMap;
use std::net::IpAddr;

use super::addr::Family;
use super::pool::{parse_mask, validate_bridge, MAX_VLAN};
use crate::error::{Error, Result};
use crate::whmcs::fields::truncate;

/// The field errors are reported under.
pub const FIELD: &str = "assignedips";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyIp {
    /// 1-based line number in the server entry.
    pub line: usize,
    pub bridge: String,
    pub vlan: u16,
    pub ip: IpAddr,
    pub prefix: u8,
    pub gateway: Option<IpAddr>,
    pub dns: Vec<IpAddr>,
}

impl LegacyIp {
    pub fn family(&self) -> Family {
        Family::of(self.ip)
    }
}

pub fn parse(text: &str) -> Result<Vec<LegacyIp>> {
    let mut out: Vec<LegacyIp> = Vec::new();
    let mut seen: HashMap<(String, u16, IpAddr), usize> = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let ip = parse_line(n, line)?;
        if let Some(first) = seen.insert((ip.bridge.clone(), ip.vlan, ip.ip), n) {
            return Err(bad(
                n,
                format!("{} is already listed on line {first}", ip.ip),
            ));
        }
        out.push(ip);
    }
    Ok(out)
}

fn bad(line: usize, message: impl std::fmt::Display) -> Error {
    Error::input(FIELD, format!("line {line}: {message}"))
}

fn parse_line(n: usize, line: &str) -> Result<LegacyIp> {
    let parts: Vec<&str> = line.split('|').map(str::trim).collect();
    if !(5..=6).contains(&parts.len()) {
        return Err(bad(
            n,
            format!(
                "expected bridge|vlan|ip|mask|gateway|dns1,dns2, got {} field(s) in '{}'",
                parts.len(),
                truncate(line, 80)
            ),
        ));
    }
    let bridge = parts[0].to_string();
    validate_bridge(&bridge).map_err(|m| bad(n, format!("bridge {m}")))?;
    let vlan_text = if parts[1].is_empty() { "0" } else { parts[1] };
    let vlan = vlan_text
        .parse::<u16>()
        .ok()
        .filter(|v| *v <= MAX_VLAN)
        .ok_or_else(|| {
            bad(
                n,
                format!(
                    "VLAN tag must be 0 (untagged) to {MAX_VLAN}, got '{}'",
                    truncate(parts[1], 20)
                ),
            )
        })?;
    let ip: IpAddr = parts[2].parse().map_err(|_| {
        bad(
            n,
            format!("'{}' is not an IP address", truncate(parts[2], 45)),
        )
    })?;
    let family = Family::of(ip);
    let prefix = parse_mask(family, parts[3]).map_err(|m| bad(n, format!("mask {m}")))?;
    let gateway = if parts[4].is_empty() {
        None
    } else {
        let gw: IpAddr = parts[4].parse().map_err(|_| {
            bad(
                n,
                format!("gateway '{}' is not an IP address", truncate(parts[4], 45)),
            )
        })?;
        if Family::of(gw) != family {
            return Err(bad(
                n,
                format!("gateway {gw} is not an {family} address like {ip}"),
            ));
        }
        Some(gw)
    };
    let mut dns = Vec::new();
    if let Some(list) = parts.get(5) {
        for d in list.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            dns.push(d.parse::<IpAddr>().map_err(|_| {
                bad(
                    n,
                    format!("DNS server '{}' is not an IP address", truncate(d, 45)),
                )
            })?);
        }
    }
    Ok(LegacyIp {
        line: n,
        bridge,
        vlan,
        ip,
        prefix,
        gateway,
        dns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_parses() {
        let text = "vmbr0|10|192.168.10.2|24|192.168.10.1|8.8.8.8,1.1.1.1\r\n\
                    vmbr0|10|192.168.10.3|24|192.168.10.1|8.8.8.8,1.1.1.1\n\
                    \n\
                    # a comment\n\
                    vmbr1|333|172.16.5.2|24|172.16.5.1|8.8.8.8,1.1.1.1\n\
                    vmbr3|0|10.0.25.2|24|10.0.25.1|10.0.10.10,10.0.10.20\n";
        let ips = parse(text).unwrap();
        assert_eq!(ips.len(), 4);
        assert_eq!(
            ips[0],
            LegacyIp {
                line: 1,
                bridge: "vmbr0".into(),
                vlan: 10,
                ip: "192.168.10.2".parse().unwrap(),
                prefix: 24,
                gateway: Some("192.168.10.1".parse().unwrap()),
                dns: vec!["8.8.8.8".parse().unwrap(), "1.1.1.1".parse().unwrap()],
            }
        );
        assert_eq!(ips[2].line, 5);
        assert_eq!((ips[2].bridge.as_str(), ips[2].vlan), ("vmbr1", 333));
        assert_eq!(ips[3].vlan, 0);
    }

    #[test]
    fn lenient_forms() {
        let ips = parse(
            " vmbr0 | | 10.0.0.5 | 255.255.255.0 | 10.0.0.1 \n\
             vmbr0|0|2001:db8::5|64|fe80::1|2001:4860:4860::8888\n\
             vmbr0|0|10.0.0.6|24||\n",
        )
        .unwrap();
        assert_eq!((ips[0].vlan, ips[0].prefix), (0, 24));
        assert!(ips[0].dns.is_empty());
        assert_eq!(ips[1].family(), Family::V6);
        assert_eq!(ips[2].gateway, None);
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn bad_lines_are_named() {
        // (text, line, fragment)
        let cases: &[(&str, usize, &str)] = &[
            ("vmbr0|10|192.168.10.2", 1, "3 field(s)"),
            (
                "\nvmbr0|10|192.168.10.2|24|192.168.10.1|8.8.8.8|x",
                2,
                "7 field(s)",
            ),
            (
                "vmbr 0|10|192.168.10.2|24|192.168.10.1|8.8.8.8",
                1,
                "bridge",
            ),
            (
                "vmbr0|5000|192.168.10.2|24|192.168.10.1|8.8.8.8",
                1,
                "VLAN tag",
            ),
            (
                "vmbr0|10|192.168.10.256|24|192.168.10.1|8.8.8.8",
                1,
                "not an IP address",
            ),
            ("vmbr0|10|192.168.10.2|33|192.168.10.1|8.8.8.8", 1, "mask"),
            ("vmbr0|10|192.168.10.2|24|gw|8.8.8.8", 1, "gateway"),
            (
                "vmbr0|10|192.168.10.2|24|2001:db8::1|8.8.8.8",
                1,
                "not an IPv4",
            ),
            (
                "vmbr0|10|192.168.10.2|24|192.168.10.1|8.8.8.8,dns",
                1,
                "DNS server 'dns'",
            ),
            (
                "vmbr0|10|192.168.10.2|24|192.168.10.1|\n#\nvmbr0|10|192.168.10.2|24|192.168.10.1|",
                3,
                "already listed on line 1",
            ),
        ];
        for (text, line, frag) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains("'assignedips'"), "{e}");
            assert!(e.contains(&format!("line {line}:")), "{text}: {e}");
            assert!(e.contains(frag), "{text}: {e}");
        }
    }
}

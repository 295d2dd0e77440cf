//! An IP pool as the spec's IP Pools page defines it (Server, Type, Bridge,
//! Vlan, Gateway, Mask, DNS 1, DNS 2, Address Start, Address Stop), and the
//! validation of the add/edit form. Every error names the form field.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use super::addr::{self, Family};
use super::rdns::{self, RdnsHint};
use crate::error::{Error, Result};
use crate::whmcs::fields::{truncate, Fields};

/// The add/edit form's field names; errors name these.
pub mod field {
    pub const SERVER: &str = "server_id";
    pub const TYPE: &str = "type";
    pub const BRIDGE: &str = "bridge";
    pub const VLAN: &str = "vlan";
    pub const GATEWAY: &str = "gateway";
    pub const MASK: &str = "mask";
    pub const DNS1: &str = "dns1";
    pub const DNS2: &str = "dns2";
    pub const START: &str = "address_start";
    pub const STOP: &str = "address_stop";
}

/// Highest usable 802.1Q tag (4095 is reserved); 0 means untagged.
pub const MAX_VLAN: u16 = 4094;
/// Linux limits interface (and so bridge) names to 15 bytes.
pub const MAX_BRIDGE_LEN: usize = 15;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pool {
    /// 0 until stored.
    pub id: u32,
    /// tblservers.id of the Proxmox server.
    pub server_id: u32,
    pub family: Family,
    pub bridge: String,
    /// 0 = untagged.
    pub vlan: u16,
    pub gateway: IpAddr,
    /// Prefix length (the spec's "Mask").
    pub mask: u8,
    /// DNS 1 and DNS 2, the empty ones left out.
    pub dns: Vec<IpAddr>,
    /// Address Start.
    pub start: IpAddr,
    /// Address Stop.
    pub end: IpAddr,
}

impl Pool {
    /// The network the range lives in (`start/mask`).
    pub fn network(&self) -> IpNet {
        // The mask was validated against the family.
        IpNet::new(self.start, self.mask)
            .map(|n| n.trunc())
            .unwrap_or_else(|_| IpNet::from(self.start))
    }

    /// Addresses of the range that are never handed out: the gateway, and
    /// the IPv4 network and broadcast addresses (IPv6: the subnet-router
    /// anycast address) on networks large enough to have them.
    pub fn excluded(&self) -> Vec<u128> {
        let net = self.network();
        let mut ex = vec![addr::to_u128(self.gateway)];
        match self.family {
            Family::V4 if self.mask <= 30 => {
                ex.push(addr::to_u128(net.network()));
                ex.push(addr::to_u128(net.broadcast()));
            }
            Family::V6 if self.mask <= 126 => ex.push(addr::to_u128(net.network())),
            _ => {}
        }
        let (s, e) = self.bounds();
        ex.retain(|x| (s..=e).contains(x));
        ex.sort_unstable();
        ex.dedup();
        ex
    }

    /// The range as numbers.
    pub fn bounds(&self) -> (u128, u128) {
        (addr::to_u128(self.start), addr::to_u128(self.end))
    }

    /// How many addresses the pool can hand out, computed, never counted.
    pub fn total(&self) -> u128 {
        let (s, e) = self.bounds();
        addr::usable_between(s, e, &self.excluded())
    }

    pub fn rdns_hint(&self) -> RdnsHint {
        rdns::reverse_zone(self.network())
    }

    /// DNS servers as stored and as cloud-init takes them: `a,b`.
    pub fn dns_text(&self) -> String {
        join_dns(&self.dns)
    }

    /// Reads the add/edit form (`id` is taken from the form when present).
    pub fn from_fields(f: &Fields<'_>) -> Result<Pool> {
        let id = match f.opt_int("id")? {
            None => 0,
            Some(n) => u32::try_from(n)
                .map_err(|_| Error::input("id", format!("must be a pool id, got {n}")))?,
        };
        let server_id = f.req_id(field::SERVER)?;
        let type_text = f.req_str(field::TYPE)?;
        let family = Family::parse(&type_text).ok_or_else(|| {
            Error::input(
                field::TYPE,
                format!("must be IPv4 or IPv6, got '{}'", truncate(&type_text, 20)),
            )
        })?;
        let bridge = f.req_str(field::BRIDGE)?.trim().to_string();
        let vlan = match f.opt_int(field::VLAN)? {
            None => 0,
            Some(n) => u16::try_from(n)
                .ok()
                .filter(|v| *v <= MAX_VLAN)
                .ok_or_else(|| {
                    Error::input(
                        field::VLAN,
                        format!("must be 0 (untagged) to {MAX_VLAN}, got {n}"),
                    )
                })?,
        };
        let mask = parse_mask(family, &f.req_str(field::MASK)?)
            .map_err(|m| Error::input(field::MASK, m))?;
        let gateway = parse_ip(field::GATEWAY, &f.req_str(field::GATEWAY)?)?;
        let start = parse_ip(field::START, &f.req_str(field::START)?)?;
        let end = parse_ip(field::STOP, &f.req_str(field::STOP)?)?;
        let mut dns = Vec::new();
        for key in [field::DNS1, field::DNS2] {
            let text = f.str_or_empty(key)?;
            if !text.trim().is_empty() {
                dns.push(parse_ip(key, &text)?);
            }
        }
        let pool = Pool {
            id,
            server_id,
            family,
            bridge,
            vlan,
            gateway,
            mask,
            dns,
            start,
            end,
        };
        pool.validate()?;
        Ok(pool)
    }

    /// The same from a plain `name => value` form.
    pub fn from_form(form: &BTreeMap<String, String>) -> Result<Pool> {
        let value = serde_json::Value::Object(
            form.iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
        );
        Pool::from_fields(&Fields::new(&value)?)
    }

    /// The spec's rules over a whole pool: the first broken rule, naming
    /// its field.
    pub fn validate(&self) -> Result<()> {
        if self.server_id == 0 {
            return Err(Error::input(field::SERVER, "select a Proxmox server"));
        }
        validate_bridge(&self.bridge).map_err(|m| Error::input(field::BRIDGE, m))?;
        if self.vlan > MAX_VLAN {
            return Err(Error::input(
                field::VLAN,
                format!("must be 0 (untagged) to {MAX_VLAN}, got {}", self.vlan),
            ));
        }
        let fam = self.family;
        if self.mask < fam.min_prefix() || self.mask > fam.max_prefix() {
            return Err(Error::input(
                field::MASK,
                format!(
                    "must be {}-{} for {fam}, got {}",
                    fam.min_prefix(),
                    fam.max_prefix(),
                    self.mask
                ),
            ));
        }
        for (key, ip) in [
            (field::START, self.start),
            (field::STOP, self.end),
            (field::GATEWAY, self.gateway),
        ] {
            if Family::of(ip) != fam {
                return Err(Error::input(
                    key,
                    format!(
                        "{ip} is an {} address but the pool type is {fam}",
                        Family::of(ip)
                    ),
                ));
            }
        }
        let net = self.network();
        if !net.contains(&self.end) {
            return Err(Error::input(
                field::STOP,
                format!("{} is outside the network {net} of Address Start", self.end),
            ));
        }
        let (s, e) = self.bounds();
        if s > e {
            return Err(Error::input(
                field::STOP,
                format!(
                    "{} is lower than Address Start {}; the range would be empty",
                    self.end, self.start
                ),
            ));
        }
        match fam {
            Family::V4 if self.mask <= 30 => {
                if self.start == net.network() {
                    return Err(Error::input(
                        field::START,
                        format!("{} is the network address of {net}", self.start),
                    ));
                }
                if self.end == net.broadcast() {
                    return Err(Error::input(
                        field::STOP,
                        format!("{} is the broadcast address of {net}", self.end),
                    ));
                }
            }
            Family::V6 if self.mask <= 126 && self.start == net.network() => {
                return Err(Error::input(
                    field::START,
                    format!(
                        "{} is the subnet-router anycast address of {net}; start at {}",
                        self.start,
                        addr::from_u128(fam, s + 1).unwrap_or(self.start)
                    ),
                ));
            }
            _ => {}
        }
        if let Some((what, range)) = reserved_overlap(fam, s, e) {
            return Err(Error::input(
                field::START,
                format!(
                    "the range {} - {} includes {what} addresses ({range}), which cannot be handed to a VM",
                    self.start, self.end
                ),
            ));
        }
        self.validate_gateway(&net)?;
        Ok(())
    }

    fn validate_gateway(&self, net: &IpNet) -> Result<()> {
        let gw = self.gateway;
        let (s, e) = self.bounds();
        if net.contains(&gw) {
            if (s..=e).contains(&addr::to_u128(gw)) {
                return Err(Error::input(
                    field::GATEWAY,
                    format!(
                        "{gw} is inside the address range {} - {}; it would be handed out to a VM",
                        self.start, self.end
                    ),
                ));
            }
            if self.family == Family::V4
                && self.mask <= 30
                && (gw == net.network() || gw == net.broadcast())
            {
                return Err(Error::input(
                    field::GATEWAY,
                    format!("{gw} is the network or broadcast address of {net}"),
                ));
            }
            return Ok(());
        }
        // A single routed address (/32, /128) reaches its gateway on-link;
        // an IPv6 router is usually known by its link-local address.
        let single = self.mask == self.family.max_prefix();
        let link_local = matches!(gw, IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80);
        if single || link_local {
            return Ok(());
        }
        Err(Error::input(
            field::GATEWAY,
            format!("{gw} is outside the network {net}"),
        ))
    }
}

/// Ranges no VM can use: (what, network).
const RESERVED: &[(&str, &str)] = &[
    ("unspecified / \"this network\"", "0.0.0.0/8"),
    ("loopback", "127.0.0.0/8"),
    ("link-local", "169.254.0.0/16"),
    ("multicast", "224.0.0.0/4"),
    ("reserved", "240.0.0.0/4"),
    ("unspecified", "::/128"),
    ("loopback", "::1/128"),
    ("link-local", "fe80::/10"),
    ("multicast", "ff00::/8"),
];

/// The first reserved network that `[s, e]` (of `fam`) touches.
pub fn reserved_overlap(fam: Family, s: u128, e: u128) -> Option<(&'static str, &'static str)> {
    RESERVED.iter().copied().find(|(_, net)| {
        let Ok(n) = net.parse::<IpNet>() else {
            return false;
        };
        if Family::of(n.network()) != fam {
            return false;
        }
        let (ns, ne) = (addr::to_u128(n.network()), addr::to_u128(n.broadcast()));
        s <= ne && ns <= e
    })
}

fn parse_ip(key: &str, text: &str) -> Result<IpAddr> {
    let t = text.trim();
    t.parse::<IpAddr>()
        .map_err(|_| Error::input(key, format!("'{}' is not an IP address", truncate(t, 45))))
}

/// A prefix length (`24`, `/24`), or for IPv4 a dotted netmask
/// (`255.255.255.0`).
pub fn parse_mask(family: Family, text: &str) -> std::result::Result<u8, String> {
    let t = text.trim();
    let max = family.max_prefix();
    let min = family.min_prefix();
    let digits = t.strip_prefix('/').unwrap_or(t);
    if let Ok(n) = digits.parse::<u32>() {
        return u8::try_from(n)
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| format!("must be {min}-{max} for {family}, got {n}"));
    }
    if family == Family::V4 {
        if let Ok(std::net::IpAddr::V4(m)) = t.parse::<IpAddr>() {
            let bits = u32::from(m);
            let len = bits.leading_ones();
            if bits.checked_shl(len).unwrap_or(0) == 0 && len > 0 {
                return Ok(len as u8);
            }
            return Err(format!("{t} is not a contiguous netmask"));
        }
    }
    Err(format!(
        "must be a prefix length 1-{max}, got '{}'",
        truncate(t, 40)
    ))
}

/// Proxmox's `pve-bridge-id` (`[-_.\w]+`), within Linux's name length.
pub fn validate_bridge(name: &str) -> std::result::Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.len() > MAX_BRIDGE_LEN {
        return Err(format!(
            "'{}' is longer than {MAX_BRIDGE_LEN} characters",
            truncate(name, 40)
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(format!(
            "'{}' is not a Proxmox bridge name (letters, digits, '-', '_', '.'), e.g. vmbr0",
            truncate(name, 40)
        ));
    }
    Ok(())
}

pub fn join_dns(dns: &[IpAddr]) -> String {
    dns.iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut m: BTreeMap<String, String> = [
            ("server_id", "3"),
            ("type", "IPv4"),
            ("bridge", "vmbr0"),
            ("vlan", "0"),
            ("gateway", "192.168.130.1"),
            ("mask", "24"),
            ("dns1", "8.8.8.8"),
            ("dns2", "1.1.1.1"),
            ("address_start", "192.168.130.2"),
            ("address_stop", "192.168.130.254"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in pairs {
            if v.is_empty() && *k != "dns1" && *k != "dns2" && *k != "vlan" {
                m.remove(*k);
            } else {
                m.insert(k.to_string(), v.to_string());
            }
        }
        m
    }

    fn v6form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut base = vec![
            ("type", "IPv6"),
            ("gateway", "2001:db8::1"),
            ("mask", "64"),
            ("dns1", "2001:4860:4860::8888"),
            ("dns2", ""),
            ("address_start", "2001:db8::2"),
            ("address_stop", "2001:db8::ffff:ffff:ffff:ffff"),
        ];
        base.extend_from_slice(pairs);
        form(&base)
    }

    #[test]
    fn the_spec_example_is_valid() {
        let p = Pool::from_form(&form(&[])).unwrap();
        assert_eq!(p.server_id, 3);
        assert_eq!(p.family, Family::V4);
        assert_eq!(p.network().to_string(), "192.168.130.0/24");
        assert_eq!(p.dns_text(), "8.8.8.8,1.1.1.1");
        assert_eq!(p.total(), 253);
        assert_eq!(p.rdns_hint().zone(), Some("130.168.192.in-addr.arpa"));
    }

    #[test]
    fn totals_are_arithmetic() {
        let p = Pool::from_form(&v6form(&[])).unwrap();
        assert_eq!(p.total(), (1u128 << 64) - 2);
        let p = Pool::from_form(&v6form(&[
            ("mask", "120"),
            ("address_stop", "2001:db8::50"),
        ]))
        .unwrap();
        assert_eq!(p.total(), 0x4f);
        // a /32 routed address with an outside gateway
        let p = Pool::from_form(&form(&[
            ("mask", "32"),
            ("gateway", "172.31.1.1"),
            ("address_start", "192.0.2.10"),
            ("address_stop", "192.0.2.10"),
        ]))
        .unwrap();
        assert_eq!(p.total(), 1);
        // /31: both addresses usable (RFC 3021), gateway is the other one
        let p = Pool::from_form(&form(&[
            ("mask", "31"),
            ("gateway", "192.0.2.0"),
            ("address_start", "192.0.2.1"),
            ("address_stop", "192.0.2.1"),
        ]))
        .unwrap();
        assert_eq!(p.total(), 1);
    }

    #[test]
    fn lenient_values() {
        let p = Pool::from_form(&form(&[
            ("type", "ipv4"),
            ("mask", "255.255.255.0"),
            ("vlan", ""),
            ("dns2", ""),
            ("bridge", " vmbr1 "),
        ]))
        .unwrap();
        assert_eq!((p.mask, p.vlan, p.bridge.as_str()), (24, 0, "vmbr1"));
        assert_eq!(p.dns.len(), 1);
        let p = Pool::from_form(&v6form(&[("mask", "/64"), ("gateway", "fe80::1")])).unwrap();
        assert_eq!(p.mask, 64);
        let v = serde_json::json!({"server_id": 3, "type": "IPv6", "bridge": "vmbr0", "vlan": 100,
            "gateway": "2001:db8::1", "mask": 64, "address_start": "2001:db8::10",
            "address_stop": "2001:db8::20"});
        let p = Pool::from_fields(&Fields::new(&v).unwrap()).unwrap();
        assert_eq!((p.vlan, p.mask, p.dns.len()), (100, 64, 0));
    }

    /// (overrides, field named, fragment of the message)
    type ErrCase = (
        &'static [(&'static str, &'static str)],
        &'static str,
        &'static str,
    );

    #[test]
    fn errors_name_the_field() {
        let cases: &[ErrCase] = &[
            (&[("server_id", "")], "server_id", "missing"),
            (&[("server_id", "0")], "server_id", "positive"),
            (&[("type", "ipv5")], "type", "IPv4 or IPv6"),
            (&[("bridge", "")], "bridge", "missing"),
            (&[("bridge", "vmbr 0")], "bridge", "bridge name"),
            (&[("bridge", "vmbr0;reboot")], "bridge", "bridge name"),
            (&[("bridge", "averyveryverylongbridge")], "bridge", "15"),
            (&[("vlan", "4095")], "vlan", "4094"),
            (&[("vlan", "-1")], "vlan", "4094"),
            (&[("vlan", "ten")], "vlan", "whole number"),
            (&[("mask", "33")], "mask", "8-32"),
            (&[("mask", "0")], "mask", "8-32"),
            (&[("mask", "1")], "mask", "8-32"),
            (&[("mask", "255.0.255.0")], "mask", "contiguous"),
            (&[("mask", "abc")], "mask", "prefix length"),
            (
                &[("gateway", "192.168.130.300")],
                "gateway",
                "not an IP address",
            ),
            (
                &[("gateway", "2001:db8::1")],
                "gateway",
                "pool type is IPv4",
            ),
            (
                &[("gateway", "192.168.130.10")],
                "gateway",
                "inside the address range",
            ),
            (&[("gateway", "10.0.0.1")], "gateway", "outside the network"),
            (
                &[
                    ("gateway", "192.168.130.255"),
                    ("address_stop", "192.168.130.254"),
                ],
                "gateway",
                "broadcast",
            ),
            (
                &[("address_start", "2001:db8::2")],
                "address_start",
                "pool type is IPv4",
            ),
            (
                &[("address_stop", "192.168.131.5")],
                "address_stop",
                "outside the network",
            ),
            (
                &[
                    ("address_start", "192.168.130.200"),
                    ("address_stop", "192.168.130.100"),
                ],
                "address_stop",
                "lower than",
            ),
            (
                &[("address_start", "192.168.130.0")],
                "address_start",
                "network address",
            ),
            (
                &[("address_stop", "192.168.130.255")],
                "address_stop",
                "broadcast",
            ),
            (&[("address_start", "")], "address_start", "missing"),
            (&[("dns1", "8.8.8")], "dns1", "not an IP address"),
            (&[("dns2", "dns.google")], "dns2", "not an IP address"),
        ];
        for (over, key, frag) in cases {
            let e = Pool::from_form(&form(over)).unwrap_err().to_string();
            assert!(e.contains(&format!("'{key}'")), "{over:?}: {e}");
            assert!(e.contains(frag), "{over:?}: {e}");
        }
        let v6: &[ErrCase] = &[
            (&[("mask", "129")], "mask", "32-128"),
            (
                &[("gateway", "192.168.130.1")],
                "gateway",
                "pool type is IPv6",
            ),
            (
                &[("gateway", "2001:db9::1")],
                "gateway",
                "outside the network",
            ),
            (
                &[("address_stop", "2001:db8:0:1::5")],
                "address_stop",
                "outside the network",
            ),
            (
                &[("address_start", "2001:db8::")],
                "address_start",
                "anycast",
            ),
            (&[("mask", "255.255.255.0")], "mask", "prefix length"),
        ];
        for (over, key, frag) in v6 {
            let e = Pool::from_form(&v6form(over)).unwrap_err().to_string();
            assert!(e.contains(&format!("'{key}'")), "{over:?}: {e}");
            assert!(e.contains(frag), "{over:?}: {e}");
        }
    }

    #[test]
    fn excluded_addresses() {
        let p = Pool::from_form(&form(&[
            ("mask", "29"),
            ("gateway", "192.0.2.1"),
            ("address_start", "192.0.2.2"),
            ("address_stop", "192.0.2.6"),
        ]))
        .unwrap();
        assert_eq!(p.excluded(), Vec::<u128>::new());
        // an edited or imported pool whose range covers the gateway: still excluded
        let mut q = p.clone();
        q.start = "192.0.2.1".parse().unwrap();
        assert_eq!(q.excluded(), vec![addr::to_u128(q.gateway)]);
        assert_eq!(q.total(), 5);
    }
}

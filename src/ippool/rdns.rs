//! The reverse-DNS zone hint shown for each pool (spec, v3.2 changelog):
//! IPv4 /8, /16 and /24 and IPv6 nibble-aligned prefixes map to one
//! `in-addr.arpa` / `ip6.arpa` zone; any other prefix needs classless
//! delegation, and the hint says so.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

/// What the IP Pools page shows on the second line of the Addresses column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RdnsHint {
    /// The zone to create in DNS Zones, without a trailing dot.
    Zone { zone: String },
    /// The prefix does not fall on a label boundary.
    Classless { message: String },
}

impl RdnsHint {
    pub fn zone(&self) -> Option<&str> {
        match self {
            RdnsHint::Zone { zone } => Some(zone),
            RdnsHint::Classless { .. } => None,
        }
    }

    /// The full line, e.g. `rDNS zone: 2.0.192.in-addr.arpa`.
    pub fn line(&self) -> String {
        format!("rDNS zone: {self}")
    }
}

impl fmt::Display for RdnsHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RdnsHint::Zone { zone } => f.write_str(zone),
            RdnsHint::Classless { message } => f.write_str(message),
        }
    }
}

/// The reverse zone for `net` (host bits are ignored).
pub fn reverse_zone(net: IpNet) -> RdnsHint {
    let prefix = net.prefix_len();
    match net.trunc().network() {
        IpAddr::V4(v4) if matches!(prefix, 8 | 16 | 24) => {
            let labels: Vec<String> = v4.octets()[..usize::from(prefix / 8)]
                .iter()
                .rev()
                .map(u8::to_string)
                .collect();
            RdnsHint::Zone {
                zone: format!("{}.in-addr.arpa", labels.join(".")),
            }
        }
        IpAddr::V4(_) => RdnsHint::Classless {
            message: format!("classless delegation required (/{prefix} is not /8, /16 or /24)"),
        },
        IpAddr::V6(v6) if prefix > 0 && prefix.is_multiple_of(4) => {
            let nibbles: Vec<String> = v6
                .octets()
                .iter()
                .flat_map(|b| [b >> 4, b & 0x0f])
                .take(usize::from(prefix / 4))
                .map(|n| format!("{n:x}"))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            RdnsHint::Zone {
                zone: format!("{}.ip6.arpa", nibbles.join(".")),
            }
        }
        IpAddr::V6(_) => RdnsHint::Classless {
            message: format!(
                "classless delegation required (/{prefix} is not a multiple of 4 bits)"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_table() {
        let cases: &[(&str, &str)] = &[
            ("10.0.0.0/8", "10.in-addr.arpa"),
            ("10.1.2.3/8", "10.in-addr.arpa"),
            ("172.16.0.0/16", "16.172.in-addr.arpa"),
            ("192.0.2.0/24", "2.0.192.in-addr.arpa"),
            ("192.168.130.77/24", "130.168.192.in-addr.arpa"),
            (
                "2001:db8::/120",
                "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
            ),
            ("2001:db8::/32", "8.b.d.0.1.0.0.2.ip6.arpa"),
            (
                "2001:db8:abcd:12::/64",
                "2.1.0.0.d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa",
            ),
            ("2001:db8::/4", "2.ip6.arpa"),
            ("2001:db8::/36", "0.8.b.d.0.1.0.0.2.ip6.arpa"),
            (
                "2001:db8:ffff:ffff::/124",
                "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.f.f.f.f.f.f.f.f.8.b.d.0.1.0.0.2.ip6.arpa",
            ),
        ];
        for (net, zone) in cases {
            let hint = reverse_zone(net.parse().unwrap());
            assert_eq!(hint.zone(), Some(*zone), "{net}");
            assert_eq!(hint.line(), format!("rDNS zone: {zone}"));
        }
    }

    #[test]
    fn spec_example_has_thirty_nibbles() {
        let hint = reverse_zone("2001:db8::/120".parse().unwrap());
        assert_eq!(hint.zone().unwrap().matches('.').count(), 31);
    }

    #[test]
    fn unaligned_prefixes_need_classless_delegation() {
        for net in [
            "192.0.2.0/26",
            "10.0.0.0/22",
            "10.0.0.0/9",
            "192.0.2.1/32",
            "2001:db8::/62",
            "2001:db8::/127",
        ] {
            let hint = reverse_zone(net.parse().unwrap());
            assert_eq!(hint.zone(), None, "{net}");
            let text = hint.to_string();
            assert!(
                text.contains("classless delegation required"),
                "{net}: {text}"
            );
            let prefix = net.split('/').nth(1).unwrap();
            assert!(text.contains(&format!("/{prefix}")), "{text}");
        }
    }
}

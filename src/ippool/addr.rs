//! Address arithmetic over `u128` (IPv4 and IPv6 alike) and the gap search
//! that finds the lowest free address of a range by walking only the
//! allocated addresses. Nothing here ever enumerates a range: a /64 costs
//! what a /30 costs.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

/// IPv4 or IPv6 — a pool's "Type".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn of(ip: IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    /// The value stored in the `family` columns.
    pub fn code(self) -> u8 {
        match self {
            Family::V4 => 4,
            Family::V6 => 6,
        }
    }

    pub fn from_code(code: u8) -> Option<Family> {
        match code {
            4 => Some(Family::V4),
            6 => Some(Family::V6),
            _ => None,
        }
    }

    /// Reads a form's "Type": `IPv4`, `ipv6`, `4`, `v6`, `inet6`, ...
    pub fn parse(text: &str) -> Option<Family> {
        match text.trim().to_ascii_lowercase().as_str() {
            "4" | "v4" | "ipv4" | "inet" | "inet4" => Some(Family::V4),
            "6" | "v6" | "ipv6" | "inet6" => Some(Family::V6),
            _ => None,
        }
    }

    /// The widest pool mask accepted: a pool wider than a /8 (IPv4) or a
    /// /32 (IPv6, a regional allocation) is a typo, not a pool.
    pub fn min_prefix(self) -> u8 {
        match self {
            Family::V4 => 8,
            Family::V6 => 32,
        }
    }

    pub fn max_prefix(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    /// The largest address of the family as a number.
    pub fn max_value(self) -> u128 {
        match self {
            Family::V4 => u128::from(u32::MAX),
            Family::V6 => u128::MAX,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

pub fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The address of `family` numbered `value`; `None` when an IPv4 number is
/// out of range.
pub fn from_u128(family: Family, value: u128) -> Option<IpAddr> {
    match family {
        Family::V4 => u32::try_from(value)
            .ok()
            .map(|v| IpAddr::V4(Ipv4Addr::from(v))),
        Family::V6 => Some(IpAddr::V6(Ipv6Addr::from(value))),
    }
}

/// The big-endian bytes stored in `address_bin` (4 for IPv4, 16 for IPv6):
/// byte order equals numeric order within a family.
pub fn to_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

pub fn value_to_bytes(family: Family, value: u128) -> Vec<u8> {
    match family {
        Family::V4 => (value as u32).to_be_bytes().to_vec(),
        Family::V6 => value.to_be_bytes().to_vec(),
    }
}

pub fn bytes_to_value(bytes: &[u8]) -> Option<u128> {
    match bytes.len() {
        4 => Some(u128::from(u32::from_be_bytes(bytes.try_into().ok()?))),
        16 => Some(u128::from_be_bytes(bytes.try_into().ok()?)),
        _ => None,
    }
}

/// How many addresses of `[lo, hi]` are not in `excluded` (sorted, unique).
pub fn usable_between(lo: u128, hi: u128, excluded: &[u128]) -> u128 {
    if lo > hi {
        return 0;
    }
    let size = (hi - lo).saturating_add(1);
    let skipped = excluded.iter().filter(|x| (lo..=hi).contains(*x)).count() as u128;
    size.saturating_sub(skipped)
}

/// Finds the lowest address of `[start, end]` that is neither excluded nor
/// allocated, fed with the allocated addresses in ascending order. It stops
/// as soon as the answer is known, so the work is bounded by the number of
/// allocated addresses below the first gap.
#[derive(Debug, Clone)]
pub struct GapScan {
    candidate: Option<u128>,
    end: u128,
    excluded: Vec<u128>,
    done: bool,
}

impl GapScan {
    pub fn new(start: u128, end: u128, excluded: &[u128]) -> GapScan {
        let mut excluded = excluded.to_vec();
        excluded.sort_unstable();
        excluded.dedup();
        let mut scan = GapScan {
            candidate: (start <= end).then_some(start),
            end,
            excluded,
            done: false,
        };
        scan.skip_excluded();
        scan
    }

    fn skip_excluded(&mut self) {
        while let Some(c) = self.candidate {
            if self.excluded.binary_search(&c).is_err() {
                break;
            }
            self.candidate = c.checked_add(1).filter(|n| *n <= self.end);
        }
        if self.candidate.is_none() {
            self.done = true;
        }
    }

    /// Feeds the next allocated address (ascending; duplicates and
    /// addresses outside the range are harmless). Returns `true` once the
    /// answer is known and no more input is needed.
    pub fn feed(&mut self, allocated: u128) -> bool {
        if self.done {
            return true;
        }
        match self.candidate {
            Some(c) if allocated == c => {
                self.candidate = c.checked_add(1).filter(|n| *n <= self.end);
                self.skip_excluded();
            }
            Some(c) if allocated > c => self.done = true,
            _ => {}
        }
        self.done
    }

    /// The lowest free address, given everything fed so far (`None`: the
    /// range is full).
    pub fn result(&self) -> Option<u128> {
        self.candidate
    }
}

/// The gap search over a complete ascending list.
pub fn first_free(
    start: u128,
    end: u128,
    excluded: &[u128],
    allocated: impl IntoIterator<Item = u128>,
) -> Option<u128> {
    let mut scan = GapScan::new(start, end, excluded);
    for a in allocated {
        if scan.feed(a) {
            break;
        }
    }
    scan.result()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (start, end, excluded, allocated, expected)
    type GapCase = (u128, u128, &'static [u128], &'static [u128], Option<u128>);

    #[test]
    fn gap_search_table() {
        let cases: &[GapCase] = &[
            (10, 20, &[], &[], Some(10)),
            (10, 20, &[], &[10, 11, 12], Some(13)),
            (10, 20, &[], &[10, 12], Some(11)),
            (10, 20, &[], &[11, 12], Some(10)),
            (10, 12, &[], &[10, 11, 12], None),
            (10, 12, &[11], &[10, 12], None),
            (10, 20, &[10], &[], Some(11)),
            (10, 20, &[10, 11], &[12], Some(13)),
            (10, 20, &[13], &[10, 11, 12], Some(14)),
            // allocated rows outside the range or duplicated are ignored
            (10, 20, &[], &[1, 5, 10, 10, 11], Some(12)),
            // an excluded address that is also allocated (overlapping source)
            (10, 20, &[11], &[10, 11, 12], Some(13)),
            (5, 4, &[], &[], None),
            (7, 7, &[], &[], Some(7)),
            (7, 7, &[7], &[], None),
            // the very top of the IPv6 space
            (
                u128::MAX - 1,
                u128::MAX,
                &[],
                &[u128::MAX - 1],
                Some(u128::MAX),
            ),
            (
                u128::MAX - 1,
                u128::MAX,
                &[],
                &[u128::MAX - 1, u128::MAX],
                None,
            ),
        ];
        for (i, (s, e, ex, alloc, want)) in cases.iter().enumerate() {
            assert_eq!(
                first_free(*s, *e, ex, alloc.iter().copied()),
                *want,
                "case {i}"
            );
        }
    }

    #[test]
    fn gap_search_stops_at_the_first_gap() {
        let mut scan = GapScan::new(0, 1000, &[]);
        assert!(!scan.feed(0));
        assert!(!scan.feed(1));
        assert!(scan.feed(5));
        assert_eq!(scan.result(), Some(2));
        // more input changes nothing
        assert!(scan.feed(2));
        assert_eq!(scan.result(), Some(2));
    }

    #[test]
    fn a_huge_range_costs_nothing() {
        let start = 0x2001_0db8_u128 << 96;
        let end = start + (1u128 << 64) - 1;
        let got = first_free(start, end, &[start], (1..=3).map(|i| start + i));
        assert_eq!(got, Some(start + 4));
    }

    #[test]
    fn bytes_round_trip_and_sort_like_numbers() {
        for ip in ["10.0.0.1", "255.255.255.255", "2001:db8::1", "::", "ffff::"] {
            let ip: IpAddr = ip.parse().unwrap();
            let b = to_bytes(ip);
            assert_eq!(bytes_to_value(&b), Some(to_u128(ip)));
            assert_eq!(value_to_bytes(Family::of(ip), to_u128(ip)), b);
            assert_eq!(from_u128(Family::of(ip), to_u128(ip)), Some(ip));
        }
        let a = to_bytes("10.0.0.255".parse().unwrap());
        let b = to_bytes("10.0.1.0".parse().unwrap());
        assert!(a < b);
        assert_eq!(from_u128(Family::V4, 1u128 << 32), None);
        assert_eq!(bytes_to_value(&[1, 2, 3]), None);
    }

    #[test]
    fn family_parsing() {
        assert_eq!(Family::parse("IPv4"), Some(Family::V4));
        assert_eq!(Family::parse(" ipv6 "), Some(Family::V6));
        assert_eq!(Family::parse("6"), Some(Family::V6));
        assert_eq!(Family::parse("ipv5"), None);
        assert_eq!(Family::V6.to_string(), "IPv6");
    }
}

//! DNS names: normalisation (case, trailing dots), hostname validation, the
//! reverse owner name of an address, and which zone a name falls into —
//! including RFC 2317 classless reverse zones (`0/26.100.51.198.in-addr.arpa`
//! or `0-63.100.51.198.in-addr.arpa`), where the PTR owner is
//! `<last octet>.<zone>`.

use std::net::IpAddr;

/// Lower-case, surrounding blanks and trailing dots removed: the form names
/// are stored and compared in. Providers add their own trailing dot.
pub fn normalize(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Checks a host name (a PTR target, an FQDN): LDH labels of 1–63
/// characters, 253 in all, at least two labels. Returns it normalised.
pub fn hostname(name: &str) -> Result<String, String> {
    let n = normalize(name);
    if n.is_empty() {
        return Err("must not be empty".into());
    }
    if n.chars().any(char::is_whitespace) {
        return Err(format!("'{}' contains spaces", name.trim()));
    }
    if n.len() > 253 {
        return Err("is longer than 253 characters".into());
    }
    let labels: Vec<&str> = n.split('.').collect();
    if labels.len() < 2 {
        return Err(format!(
            "'{n}' is not a fully qualified host name (like vm1.example.com)"
        ));
    }
    for l in &labels {
        label(l, false).map_err(|m| format!("'{n}': {m}"))?;
    }
    Ok(n)
}

/// Checks a zone name. Forward zones are host-name-like (underscores are
/// allowed, as for `_domainkey` zones); a reverse zone may start with an
/// RFC 2317 classless label such as `0/26` or `0-63`.
pub fn zone_name(name: &str) -> Result<String, String> {
    let n = normalize(name);
    if n.is_empty() {
        return Err("must not be empty".into());
    }
    if n.chars().any(char::is_whitespace) {
        return Err(format!("'{}' contains spaces", name.trim()));
    }
    if n.len() > 253 {
        return Err("is longer than 253 characters".into());
    }
    if n.contains("://") || n.contains('@') {
        return Err(format!("'{n}' is not a domain name"));
    }
    let labels: Vec<&str> = n.split('.').collect();
    if labels.len() < 2 {
        return Err(format!(
            "'{n}' is not a domain name (like example.com or 2.0.192.in-addr.arpa)"
        ));
    }
    if is_reverse(&n) {
        if classless(&n).is_none() && labels[0].contains(['/', '-']) && !is_plain_label(labels[0]) {
            return Err(format!(
                "'{n}': a classless reverse zone is <first>/<prefix 25-32> or <first>-<last> over a /24 zone"
            ));
        }
        let skip = usize::from(classless(&n).is_some());
        for l in &labels[skip..] {
            label(l, false).map_err(|m| format!("'{n}': {m}"))?;
        }
    } else {
        for l in &labels {
            label(l, true).map_err(|m| format!("'{n}': {m}"))?;
        }
        if labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(format!("'{n}' is not a domain name (numeric top level)"));
        }
    }
    Ok(n)
}

fn is_plain_label(l: &str) -> bool {
    label(l, false).is_ok()
}

fn label(l: &str, underscore: bool) -> Result<(), String> {
    if l.is_empty() {
        return Err("has an empty label".into());
    }
    if l.len() > 63 {
        return Err(format!("label '{l}' is longer than 63 characters"));
    }
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '-' || (underscore && c == '_');
    if let Some(bad) = l.chars().find(|c| !ok(*c)) {
        return Err(format!("label '{l}' contains '{bad}'"));
    }
    if l.starts_with('-') || l.ends_with('-') {
        return Err(format!("label '{l}' starts or ends with '-'"));
    }
    Ok(())
}

pub fn is_reverse(zone: &str) -> bool {
    zone.ends_with(".in-addr.arpa") || zone.ends_with(".ip6.arpa")
}

/// The PTR owner name of an address: `4.3.2.1.in-addr.arpa` or the 32
/// nibbles of `ip6.arpa`.
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut out = String::with_capacity(72);
            for b in v6.octets().iter().rev() {
                out.push_str(&format!("{:x}.{:x}.", b & 0x0f, b >> 4));
            }
            out.push_str("ip6.arpa");
            out
        }
    }
}

/// An RFC 2317 classless zone: the covered range of last octets and the
/// /24 it lies in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classless {
    pub first: u8,
    pub last: u8,
    /// `c.b.a.in-addr.arpa`.
    pub parent: String,
}

/// Parses `0/26.100.51.198.in-addr.arpa` or `0-63.100.51.198.in-addr.arpa`.
pub fn classless(zone: &str) -> Option<Classless> {
    let (first_label, parent) = zone.split_once('.')?;
    let p: Vec<&str> = parent.split('.').collect();
    if p.len() != 5 || p[3] != "in-addr" || p[4] != "arpa" {
        return None;
    }
    if p[..3].iter().any(|o| o.parse::<u8>().is_err()) {
        return None;
    }
    let (first, last) = if let Some((start, len)) = first_label.split_once('/') {
        let start: u8 = start.parse().ok()?;
        let len: u8 = len.parse().ok()?;
        if !(25..=32).contains(&len) {
            return None;
        }
        let size = 1u16 << (32 - len);
        if u16::from(start) % size != 0 {
            return None;
        }
        (start, u8::try_from(u16::from(start) + size - 1).ok()?)
    } else if let Some((a, b)) = first_label.split_once('-') {
        let a: u8 = a.parse().ok()?;
        let b: u8 = b.parse().ok()?;
        if a > b {
            return None;
        }
        (a, b)
    } else {
        return None;
    };
    Some(Classless {
        first,
        last,
        parent: parent.to_string(),
    })
}

/// Where a record for `name` goes in `zone`, or `None` when it does not fit.
/// `name` and `zone` are normalised. An ordinary zone takes its own name and
/// every name under it.
pub fn owner_in_zone(name: &str, zone: &str) -> Option<String> {
    if name == zone || name.ends_with(&format!(".{zone}")) {
        return Some(name.to_string());
    }
    None
}

/// The PTR owner for `ip` in `zone`: the plain reverse name when it falls
/// under the zone, or `<last>.<zone>` in a classless zone that covers it.
pub fn ptr_owner(ip: IpAddr, zone: &str) -> Option<String> {
    let rev = reverse_name(ip);
    if let Some(c) = classless(zone) {
        let IpAddr::V4(v4) = ip else { return None };
        let o = v4.octets();
        let last = o[3];
        let ip_parent = format!("{}.{}.{}.in-addr.arpa", o[2], o[1], o[0]);
        if ip_parent == c.parent && (c.first..=c.last).contains(&last) {
            return Some(format!("{last}.{zone}"));
        }
        return None;
    }
    if is_reverse(zone) {
        owner_in_zone(&rev, zone)
    } else {
        None
    }
}

/// The host part of `owner` relative to `zone` (`@` for the apex), as
/// HestiaCP takes it.
pub fn relative(owner: &str, zone: &str) -> String {
    if owner == zone {
        "@".into()
    } else {
        owner
            .strip_suffix(&format!(".{zone}"))
            .unwrap_or(owner)
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_dots() {
        assert_eq!(normalize(" Example.COM.. "), "example.com");
        assert_eq!(zone_name("Example.com.").unwrap(), "example.com");
        assert_eq!(
            zone_name("8.B.D.0.1.0.0.2.ip6.arpa.").unwrap(),
            "8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }

    #[test]
    fn bad_zone_names() {
        for bad in [
            "",
            "localhost",
            "exa mple.com",
            "https://example.com",
            "-a.example.com",
            "a..example.com",
            "a!.com",
            "192.168.0.1",
            "0/22.100.51.198.in-addr.arpa",
            "5/26.100.51.198.in-addr.arpa",
        ] {
            assert!(zone_name(bad).is_err(), "{bad}");
        }
        for good in [
            "example.com",
            "_dmarc.example.com",
            "2.0.192.in-addr.arpa",
            "0/26.100.51.198.in-addr.arpa",
            "64-127.100.51.198.in-addr.arpa",
            "10.in-addr.arpa",
        ] {
            assert!(zone_name(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn hostnames() {
        assert_eq!(hostname("Mail.Example.com.").unwrap(), "mail.example.com");
        let e = hostname("mail example.com").unwrap_err();
        assert!(e.contains("spaces"), "{e}");
        assert!(hostname("mail").is_err());
        assert!(hostname("a_b.example.com").is_err());
        assert!(hostname(&format!("{}.com", "a".repeat(64))).is_err());
    }

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("192.0.2.10".parse().unwrap()),
            "10.2.0.192.in-addr.arpa"
        );
        assert_eq!(
            reverse_name("2001:db8::1".parse().unwrap()),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }

    #[test]
    fn ptr_zone_matching_table() {
        let v6: IpAddr = "2001:db8:aa:bb01::5".parse().unwrap();
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "192.0.2.10",
                "2.0.192.in-addr.arpa",
                Some("10.2.0.192.in-addr.arpa"),
            ),
            (
                "192.0.2.10",
                "0.192.in-addr.arpa",
                Some("10.2.0.192.in-addr.arpa"),
            ),
            (
                "192.0.2.10",
                "192.in-addr.arpa",
                Some("10.2.0.192.in-addr.arpa"),
            ),
            ("192.0.3.10", "2.0.192.in-addr.arpa", None),
            // 12.0.192 must not match 2.0.192
            ("192.0.12.10", "2.0.192.in-addr.arpa", None),
            (
                "198.51.100.10",
                "0/26.100.51.198.in-addr.arpa",
                Some("10.0/26.100.51.198.in-addr.arpa"),
            ),
            ("198.51.100.70", "0/26.100.51.198.in-addr.arpa", None),
            (
                "198.51.100.70",
                "64-127.100.51.198.in-addr.arpa",
                Some("70.64-127.100.51.198.in-addr.arpa"),
            ),
            ("198.51.101.10", "0/26.100.51.198.in-addr.arpa", None),
            ("192.0.2.10", "example.com", None),
        ];
        for (ip, zone, want) in cases {
            let got = ptr_owner(ip.parse().unwrap(), zone);
            assert_eq!(got.as_deref(), *want, "{ip} in {zone}");
        }
        // nibble zones: /48, /56, /64
        for (zone, ok) in [
            ("a.a.0.0.8.b.d.0.1.0.0.2.ip6.arpa", true),
            ("b.b.a.a.0.0.8.b.d.0.1.0.0.2.ip6.arpa", true),
            ("1.0.b.b.a.a.0.0.8.b.d.0.1.0.0.2.ip6.arpa", true),
            ("2.0.b.b.a.a.0.0.8.b.d.0.1.0.0.2.ip6.arpa", false),
            ("c.b.a.a.0.0.8.b.d.0.1.0.0.2.ip6.arpa", false),
        ] {
            assert_eq!(ptr_owner(v6, zone).is_some(), ok, "{zone}");
        }
    }

    #[test]
    fn forward_matching_and_relative() {
        assert_eq!(
            owner_in_zone("vm1.example.com", "example.com").as_deref(),
            Some("vm1.example.com")
        );
        assert_eq!(owner_in_zone("vm1.badexample.com", "example.com"), None);
        assert_eq!(relative("vm1.example.com", "example.com"), "vm1");
        assert_eq!(relative("example.com", "example.com"), "@");
    }
}

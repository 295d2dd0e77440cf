//! VM name rule macros: {client_id}, {service_id}, {random_digit_X},
//! {random_letter_X}, {unixtime}, {year}, {month}, {day}, {hour}, {minute},
//! {second}. The result is a valid DNS label set (PVE's `dns-name`).

use crate::error::{Error, Result};

pub struct NameContext {
    pub client_id: u32,
    pub service_id: u32,
    /// Unix time to expand the date/time macros from (UTC).
    pub now: i64,
}

const MAX_RANDOM: usize = 32;

fn macro_name(m: &str) -> std::result::Result<(), String> {
    match m {
        "client_id" | "service_id" | "unixtime" | "year" | "month" | "day" | "hour" | "minute"
        | "second" => Ok(()),
        _ => {
            let n = m
                .strip_prefix("random_digit_")
                .or_else(|| m.strip_prefix("random_letter_"))
                .ok_or_else(|| format!("unknown macro {{{m}}}"))?;
            match n.parse::<usize>() {
                Ok(k) if (1..=MAX_RANDOM).contains(&k) => Ok(()),
                _ => Err(format!("{{{m}}}: the count must be 1..{MAX_RANDOM}")),
            }
        }
    }
}

/// Checks a rule without expanding it.
pub fn validate_rule(rule: &str) -> std::result::Result<(), String> {
    let mut rest = rule;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').ok_or("unclosed '{'")? + open;
        macro_name(&rest[open + 1..close])?;
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        return Err("unmatched '}'".into());
    }
    Ok(())
}

/// A small xorshift generator seeded from the clock and the service; names
/// need variety, not secrecy.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// Expands a rule; an empty rule means the default `{client_id}-{service_id}`.
/// The result is lower-cased and reduced to `[a-z0-9-]` so PVE accepts it.
pub fn expand(rule: &str, ctx: &NameContext) -> Result<String> {
    let rule = if rule.trim().is_empty() {
        "{client_id}-{service_id}"
    } else {
        rule.trim()
    };
    validate_rule(rule).map_err(|m| Error::input("vm_name_rule", m))?;
    let seed = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1))
        ^ (u64::from(ctx.service_id) << 32)
        | 1;
    let mut rng = Rng(seed);
    let (y, mo, d) = crate::util::civil(ctx.now.div_euclid(86_400));
    let secs = ctx.now.rem_euclid(86_400);
    let mut out = String::new();
    let mut rest = rule;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').unwrap_or(rest.len() - open) + open;
        let m = &rest[open + 1..close];
        let v = match m {
            "client_id" => ctx.client_id.to_string(),
            "service_id" => ctx.service_id.to_string(),
            "unixtime" => ctx.now.to_string(),
            "year" => format!("{y:04}"),
            "month" => format!("{mo:02}"),
            "day" => format!("{d:02}"),
            "hour" => format!("{:02}", secs / 3600),
            "minute" => format!("{:02}", secs % 3600 / 60),
            "second" => format!("{:02}", secs % 60),
            _ => {
                let (digits, n) = match m.strip_prefix("random_digit_") {
                    Some(n) => (true, n),
                    None => (false, m.trim_start_matches("random_letter_")),
                };
                let n: usize = n.parse().unwrap_or(1);
                (0..n)
                    .map(|_| {
                        if digits {
                            char::from(b'0' + (rng.next() % 10) as u8)
                        } else {
                            char::from(b'a' + (rng.next() % 26) as u8)
                        }
                    })
                    .collect()
            }
        };
        out.push_str(&v);
        rest = &rest[(close + 1).min(rest.len())..];
    }
    out.push_str(rest);
    let cleaned: String = out
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches(|c| c == '-' || c == '.').to_string();
    if cleaned.is_empty() || cleaned.len() > 63 {
        return Err(Error::input(
            "vm_name_rule",
            format!("expands to '{cleaned}', which is not a valid VM name (1–63 characters)"),
        ));
    }
    Ok(cleaned)
}

/// The hostname: VM name + main domain (".example.com" or "example.com").
pub fn hostname(name: &str, main_domain: &str) -> String {
    let d = main_domain.trim().trim_start_matches('.');
    if d.is_empty() {
        name.to_string()
    } else {
        format!("{name}.{d}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> NameContext {
        // 2026-04-09 14:35:07 UTC
        NameContext {
            client_id: 142,
            service_id: 387,
            now: 1_775_745_307,
        }
    }

    #[test]
    fn macros_expand() {
        let c = ctx();
        assert_eq!(expand("", &c).unwrap(), "142-387");
        assert_eq!(
            expand("vm-{client_id}-{service_id}", &c).unwrap(),
            "vm-142-387"
        );
        assert_eq!(
            expand("{year}{month}{day}-{hour}{minute}{second}", &c).unwrap(),
            "20260409-143507"
        );
        assert_eq!(expand("t{unixtime}", &c).unwrap(), "t1775745307");
        let r = expand("x{random_digit_4}-{random_letter_3}", &c).unwrap();
        assert_eq!(r.len(), 9);
        assert!(r[1..5].chars().all(|c| c.is_ascii_digit()), "{r}");
        assert!(r[6..].chars().all(|c| c.is_ascii_lowercase()), "{r}");
        assert_eq!(expand("My VM_{service_id}", &c).unwrap(), "my-vm-387");
    }

    #[test]
    fn bad_rules_are_named() {
        for (rule, msg) in [
            ("{nope}", "unknown macro"),
            ("{random_digit_0}", "count"),
            ("{client_id", "unclosed"),
            ("a}", "unmatched"),
        ] {
            let e = expand(rule, &ctx()).unwrap_err().to_string();
            assert!(e.contains("vm_name_rule") && e.contains(msg), "{rule}: {e}");
        }
        assert!(expand(&"a".repeat(70), &ctx()).is_err());
    }

    #[test]
    fn hostnames() {
        assert_eq!(hostname("142-387", ".example.com"), "142-387.example.com");
        assert_eq!(hostname("142-387", "example.com"), "142-387.example.com");
        assert_eq!(hostname("142-387", ""), "142-387");
    }
}

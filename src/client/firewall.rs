//! The client's Firewall page: the VM firewall's input and output policies
//! and its rules (add, move, delete), on Proxmox's own firewall of the VM.
//!
//! What the client may change: the two policies and the rules they own.
//! What they may not: the other options the product's firewall settings
//! put on the VM (enable, DHCP, NDP, MAC/IP filters, log levels) and the
//! anti-spoofing IP set — this page never sends them; and rules that are
//! not plain in/out ACCEPT/DROP/REJECT rules (security groups, macros,
//! interface-bound rules: the provider's) are shown read-only and can be
//! neither moved nor deleted here. A rule is checked as Proxmox checks it
//! before anything is sent. Moves and deletes carry the digest the page
//! read: a change made meanwhile (another tab, an admin) is refused with
//! `stale` and the page reloads the rules instead of overwriting them. The
//! number of rules per VM is capped (setting `client_fw_max_rules`).

use std::net::IpAddr;

use serde_json::{json, Value};

use super::access::Denied;
use super::pages::client_for;
use super::Ctx;
use crate::error::{Error, Result};
use crate::pve::firewall::{is_stale, FwOptions, FwRule, NewRule};
use crate::pve::{Client, PveError};

pub const POLICIES: [&str; 3] = ["ACCEPT", "DROP", "REJECT"];
pub const ACTIONS: [&str; 3] = ["ACCEPT", "DROP", "REJECT"];
/// Protocol names the page offers (Proxmox also takes /etc/protocols
/// names and numbers; numbers 0-255 are accepted too).
pub const PROTOCOLS: [&str; 10] = [
    "tcp", "udp", "icmp", "icmpv6", "gre", "esp", "ah", "sctp", "udplite", "igmp",
];
const PORT_PROTOCOLS: [&str; 4] = ["tcp", "udp", "sctp", "udplite"];
/// iptables' multiport match takes at most 15 ports (a range counts two).
const MAX_PORTS: usize = 15;
const MAX_ADDRESSES: usize = 20;
pub const COMMENT_MAX: usize = 200;

/// A rule the client may move and delete.
pub fn client_owned(r: &FwRule) -> bool {
    (r.dir == "in" || r.dir == "out")
        && ACTIONS.contains(&r.action.as_str())
        && r.macro_name.as_deref().unwrap_or("").is_empty()
        && r.iface.as_deref().unwrap_or("").is_empty()
}

pub fn check_proto(p: &str) -> Result<Option<String>> {
    let p = p.trim().to_ascii_lowercase();
    if p.is_empty() || p == "any" {
        return Ok(None);
    }
    if PROTOCOLS.contains(&p.as_str()) || p.parse::<u8>().is_ok() {
        return Ok(Some(p));
    }
    Err(Error::input(
        "proto",
        format!(
            "'{}' is not a protocol: use one of {} or a number 0-255",
            crate::whmcs::fields::truncate(&p, 20),
            PROTOCOLS.join(", ")
        ),
    ))
}

fn port(key: &str, s: &str) -> Result<u32> {
    let n: u32 = s
        .parse()
        .ok()
        .filter(|_| !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            Error::input(
                key,
                format!(
                    "'{}' is not a port number",
                    crate::whmcs::fields::truncate(s, 20)
                ),
            )
        })?;
    if n > 65535 {
        return Err(Error::input(
            key,
            format!("port {n} is out of range (0-65535)"),
        ));
    }
    Ok(n)
}

/// Ports as Proxmox takes them: numbers and ranges `a:b`, comma separated.
pub fn check_ports(key: &str, v: &str) -> Result<Option<String>> {
    let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    if v.is_empty() || v.eq_ignore_ascii_case("any") {
        return Ok(None);
    }
    let mut count = 0;
    for part in v.split(',') {
        let bits: Vec<&str> = part.split(':').collect();
        match bits.as_slice() {
            [one] => {
                port(key, one)?;
                count += 1;
            }
            [a, b] => {
                let (a, b) = (port(key, a)?, port(key, b)?);
                if a > b {
                    return Err(Error::input(
                        key,
                        format!("the range {a}:{b} runs backwards"),
                    ));
                }
                count += 2;
            }
            _ => {
                return Err(Error::input(
                    key,
                    format!(
                        "'{}' is not a port or a range (from:to)",
                        crate::whmcs::fields::truncate(part, 20)
                    ),
                ))
            }
        }
    }
    if count > MAX_PORTS {
        return Err(Error::input(
            key,
            format!("at most {MAX_PORTS} ports per rule (a range counts two)"),
        ));
    }
    Ok(Some(v))
}

fn address(key: &str, s: &str) -> Result<bool> {
    let bad = || {
        Error::input(
            key,
            format!(
                "'{}' is not an IP address, network (CIDR) or range",
                crate::whmcs::fields::truncate(s, 45)
            ),
        )
    };
    if let Some((a, b)) = s.split_once('-') {
        let (a, b): (IpAddr, IpAddr) =
            (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
        if a.is_ipv6() != b.is_ipv6() || a > b {
            return Err(bad());
        }
        return Ok(a.is_ipv6());
    }
    let (ip, prefix) = match s.split_once('/') {
        Some((ip, p)) => (ip, Some(p)),
        None => (s, None),
    };
    let ip: IpAddr = ip.parse().map_err(|_| bad())?;
    if let Some(p) = prefix {
        let max = if ip.is_ipv6() { 128 } else { 32 };
        let n: u32 = p
            .parse()
            .ok()
            .filter(|_| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(bad)?;
        if n > max {
            return Err(Error::input(
                key,
                format!("the prefix /{n} is out of range (at most /{max})"),
            ));
        }
    }
    Ok(ip.is_ipv6())
}

/// Addresses as Proxmox takes them (IPv4 or IPv6: addresses, CIDRs,
/// ranges `a-b`, comma separated, one family). Returns the value and
/// whether it is IPv6.
pub fn check_addresses(key: &str, v: &str) -> Result<Option<(String, bool)>> {
    let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    if v.is_empty() || v.eq_ignore_ascii_case("any") {
        return Ok(None);
    }
    if v.len() > 512 {
        return Err(Error::input(key, "may be at most 512 characters"));
    }
    let parts: Vec<&str> = v.split(',').collect();
    if parts.len() > MAX_ADDRESSES {
        return Err(Error::input(
            key,
            format!("at most {MAX_ADDRESSES} addresses per rule"),
        ));
    }
    let mut fam = None;
    for p in parts {
        let v6 = address(key, p)?;
        if fam.is_some_and(|f| f != v6) {
            return Err(Error::input(key, "do not mix IPv4 and IPv6 in one rule"));
        }
        fam = Some(v6);
    }
    Ok(Some((v, fam.unwrap_or(false))))
}

fn one_of(key: &str, v: &str, allowed: &[&str]) -> Result<String> {
    let u = v.trim().to_ascii_uppercase();
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(&u))
        .map(|a| a.to_string())
        .ok_or_else(|| Error::input(key, format!("must be one of {}", allowed.join(", "))))
}

/// The rule of the Add Rule form, checked as Proxmox checks it.
pub fn check_rule(f: &crate::whmcs::fields::Fields<'_>) -> Result<NewRule> {
    let dir = f.str_or_empty("dir")?.trim().to_ascii_lowercase();
    if dir != "in" && dir != "out" {
        return Err(Error::input("dir", "must be in or out"));
    }
    // `action` is WHMCS's own route parameter: the form names it `rule_action`.
    let action = one_of("rule_action", &f.str_or_empty("rule_action")?, &ACTIONS)?;
    let proto = check_proto(&f.str_or_empty("proto")?)?;
    let sport = check_ports("sport", &f.str_or_empty("sport")?)?;
    let dport = check_ports("dport", &f.str_or_empty("dport")?)?;
    if sport.is_some() || dport.is_some() {
        let ok = proto
            .as_deref()
            .is_some_and(|p| PORT_PROTOCOLS.contains(&p));
        if !ok {
            return Err(Error::input(
                if dport.is_some() { "dport" } else { "sport" },
                "ports need the protocol tcp, udp, sctp or udplite",
            ));
        }
    }
    let source = check_addresses("source", &f.str_or_empty("source")?)?;
    let dest = check_addresses("dest", &f.str_or_empty("dest")?)?;
    if let (Some((_, a)), Some((_, b))) = (&source, &dest) {
        if a != b {
            return Err(Error::input(
                "dest",
                "source and destination must be of one family (IPv4 or IPv6)",
            ));
        }
    }
    let v6 = source.as_ref().or(dest.as_ref()).map(|(_, v6)| *v6);
    match (proto.as_deref(), v6) {
        (Some("icmp"), Some(true)) => {
            return Err(Error::input("proto", "use icmpv6 for IPv6 addresses"))
        }
        (Some("icmpv6"), Some(false)) => {
            return Err(Error::input("proto", "use icmp for IPv4 addresses"))
        }
        _ => {}
    }
    let comment = crate::backup::check_text("comment", &f.str_or_empty("comment")?, COMMENT_MAX)?;
    Ok(NewRule {
        dir,
        action,
        proto,
        source: source.map(|(v, _)| v),
        sport,
        dest: dest.map(|(v, _)| v),
        dport,
        comment: (!comment.is_empty()).then_some(comment),
    })
}

fn rule_json(r: &FwRule) -> Value {
    json!({
        "pos": r.pos, "dir": r.dir, "action": r.action,
        "macro": r.macro_name, "proto": r.proto, "source": r.source, "sport": r.sport,
        "dest": r.dest, "dport": r.dport, "comment": r.comment,
        "enabled": r.enable.unwrap_or(0) == 1,
        "editable": client_owned(r),
    })
}

/// Options and rules, read in parallel.
fn read(client: &Client, node: &str, vmid: u32) -> Result<(FwOptions, Vec<FwRule>)> {
    let (o, r) = std::thread::scope(|s| {
        let o = s.spawn(|| client.firewall_options(node, vmid));
        let r = client.firewall_rules(node, vmid);
        (o.join(), r)
    });
    let o = o.map_err(|_| Error::Internal("the options read panicked".into()))??;
    Ok((o, r?))
}

fn max_rules(ctx: &mut Ctx<'_>) -> Result<u32> {
    Ok(crate::db::settings::load(&mut ctx.conn)?.client_fw_max_rules)
}

fn client(ctx: &mut Ctx<'_>) -> Result<Client> {
    client_for(ctx.host, ctx.svc.vm.server_id)(&mut ctx.conn)
}

pub fn page(ctx: &mut Ctx<'_>) -> Result<Value> {
    let c = client(ctx)?;
    let (o, rules) = read(&c, &ctx.svc.vm.node, ctx.svc.vm.vm_id)?;
    let max = max_rules(ctx)?;
    Ok(json!({
        "enabled": o.enable.unwrap_or(0) == 1,
        "policy_in": o.policy_in.unwrap_or_else(|| "DROP".into()),
        "policy_out": o.policy_out.unwrap_or_else(|| "ACCEPT".into()),
        "policies": POLICIES,
        "actions": ACTIONS,
        "protocols": PROTOCOLS,
        "digest": o.digest.unwrap_or_default(),
        "rules": rules.iter().map(rule_json).collect::<Vec<_>>(),
        "count": rules.len(),
        "max_rules": max,
        "comment_max": COMMENT_MAX,
        "refusal": ctx.svc.idle_refusal().map(|d| d.code()),
    }))
}

/// The rules as the page shows them after a change (or a stale refusal).
fn fresh(c: &Client, ctx: &Ctx<'_>) -> Result<Value> {
    let (o, rules) = read(c, &ctx.svc.vm.node, ctx.svc.vm.vm_id)?;
    Ok(json!({"digest": o.digest.unwrap_or_default(),
              "rules": rules.iter().map(rule_json).collect::<Vec<_>>(), "count": rules.len()}))
}

fn stale_or(e: PveError) -> Error {
    if is_stale(&e) {
        Denied::Stale.into()
    } else {
        e.into()
    }
}

fn activity(ctx: &Ctx<'_>, what: &str) {
    ctx.host.log_activity(
        &format!(
            "PUQ Proxmox KVM: client {what} on the firewall of service #{}",
            ctx.svc.service_id
        ),
        ctx.svc.client_id,
    );
}

pub fn policy_save(ctx: &mut Ctx<'_>) -> Result<Value> {
    let pin = one_of(
        "policy_in",
        &ctx.input.str_or_empty("policy_in")?,
        &POLICIES,
    )?;
    let pout = one_of(
        "policy_out",
        &ctx.input.str_or_empty("policy_out")?,
        &POLICIES,
    )?;
    let c = client(ctx)?;
    c.firewall_policies(&ctx.svc.vm.node, ctx.svc.vm.vm_id, &pin, &pout)?;
    activity(ctx, "saved the policies");
    // The policies live in the same file as the rules: its digest changed.
    let mut v = fresh(&c, ctx)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("policy_in".into(), json!(pin));
        o.insert("policy_out".into(), json!(pout));
    }
    Ok(v)
}

/// The digest the page sent, required for a change of position.
fn digest(ctx: &Ctx<'_>) -> Result<String> {
    let d = ctx.input.str_or_empty("digest")?;
    let d = d.trim();
    if d.is_empty() || d.len() > 64 || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::input("digest", "missing: reload the page"));
    }
    Ok(d.to_string())
}

fn position(ctx: &Ctx<'_>, key: &str, len: usize) -> Result<u32> {
    let n = ctx.input.req_int(key)?;
    if n < 0 || n as usize >= len {
        return Err(Error::input(
            key,
            format!("there is no rule at position {n}"),
        ));
    }
    Ok(n as u32)
}

/// Add Rule: checked, counted against the cap, sent enabled; Proxmox puts
/// it first (#0), as its own panel does.
pub fn rule_add(ctx: &mut Ctx<'_>) -> Result<Value> {
    let rule = check_rule(&ctx.input)?;
    let given = ctx.input.str_or_empty("digest")?;
    let max = max_rules(ctx)?;
    let c = client(ctx)?;
    let (o, rules) = read(&c, &ctx.svc.vm.node, ctx.svc.vm.vm_id)?;
    if rules.len() >= max as usize {
        return Err(Denied::Quota("firewall rule".into()).into());
    }
    let d = o.digest.unwrap_or_default();
    if !given.trim().is_empty() && given.trim() != d {
        return Err(Denied::Stale.into());
    }
    c.firewall_rule_create(
        &ctx.svc.vm.node,
        ctx.svc.vm.vm_id,
        &rule,
        (!d.is_empty()).then_some(d.as_str()),
    )
    .map_err(stale_or)?;
    activity(ctx, "added a rule");
    fresh(&c, ctx)
}

/// Move: the rule at `pos` to the place `to` (its index after the move).
pub fn rule_move(ctx: &mut Ctx<'_>) -> Result<Value> {
    let d = digest(ctx)?;
    let c = client(ctx)?;
    let (o, rules) = read(&c, &ctx.svc.vm.node, ctx.svc.vm.vm_id)?;
    let pos = position(ctx, "pos", rules.len())?;
    let to = position(ctx, "to", rules.len())?;
    if o.digest.as_deref() != Some(d.as_str()) {
        return Err(Denied::Stale.into());
    }
    let movable = |i: u32| rules.get(i as usize).is_some_and(client_owned);
    if !movable(pos) {
        return Err(Error::input(
            "pos",
            "this rule is set by your provider and cannot be moved",
        ));
    }
    // A client rule does not jump over a provider's rule either.
    let (lo, hi) = (pos.min(to), pos.max(to));
    if (lo..=hi).any(|i| !movable(i)) {
        return Err(Error::input(
            "to",
            "rules cannot be moved past a rule set by your provider",
        ));
    }
    if pos != to {
        // Proxmox's `moveto` is the place before which the rule goes,
        // counted in the list before the move.
        let moveto = if to > pos { to + 1 } else { to };
        c.firewall_rule_move(&ctx.svc.vm.node, ctx.svc.vm.vm_id, pos, moveto, &d)
            .map_err(stale_or)?;
        activity(ctx, "moved a rule");
    }
    fresh(&c, ctx)
}

pub fn rule_delete(ctx: &mut Ctx<'_>) -> Result<Value> {
    let d = digest(ctx)?;
    let c = client(ctx)?;
    let (o, rules) = read(&c, &ctx.svc.vm.node, ctx.svc.vm.vm_id)?;
    let pos = position(ctx, "pos", rules.len())?;
    if o.digest.as_deref() != Some(d.as_str()) {
        return Err(Denied::Stale.into());
    }
    if !rules.get(pos as usize).is_some_and(client_owned) {
        return Err(Error::input(
            "pos",
            "this rule is set by your provider and cannot be deleted",
        ));
    }
    c.firewall_rule_delete(&ctx.svc.vm.node, ctx.svc.vm.vm_id, pos, &d)
        .map_err(stale_or)?;
    activity(ctx, "deleted a rule");
    fresh(&c, ctx)
}

/// The rules after a refusal for staleness: the page reloads them.
pub fn rules(ctx: &mut Ctx<'_>) -> Result<Value> {
    let c = client(ctx)?;
    fresh(&c, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pairs: &[(&str, &str)]) -> Result<NewRule> {
        let mut m = serde_json::Map::new();
        for (k, v) in pairs {
            m.insert(k.to_string(), json!(v));
        }
        let v = Value::Object(m);
        check_rule(&crate::whmcs::fields::Fields::new(&v)?)
    }

    fn field_of(r: Result<NewRule>) -> String {
        match r {
            Err(Error::Input { key, .. }) => key,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rules_are_checked_as_proxmox_checks_them() {
        let ok = rule(&[
            ("dir", "in"),
            ("rule_action", "accept"),
            ("proto", "TCP"),
            ("dport", "22, 80:443"),
            ("source", "203.0.113.0/24,198.51.100.7"),
            ("comment", "<b>ssh</b>"),
        ])
        .unwrap();
        assert_eq!(ok.action, "ACCEPT");
        assert_eq!(ok.proto.as_deref(), Some("tcp"));
        assert_eq!(ok.dport.as_deref(), Some("22,80:443"));
        assert_eq!(ok.comment.as_deref(), Some("<b>ssh</b>"));
        let v6 = rule(&[
            ("dir", "out"),
            ("rule_action", "DROP"),
            ("proto", "icmpv6"),
            ("dest", "2001:db8::/32"),
        ])
        .unwrap();
        assert_eq!(v6.dest.as_deref(), Some("2001:db8::/32"));
        for (pairs, field) in [
            (vec![("dir", "forward"), ("rule_action", "ACCEPT")], "dir"),
            (
                vec![("dir", "in"), ("rule_action", "group1")],
                "rule_action",
            ),
            (
                vec![
                    ("dir", "in"),
                    ("rule_action", "ACCEPT"),
                    ("proto", "tcp"),
                    ("dport", "70000"),
                ],
                "dport",
            ),
            (
                vec![
                    ("dir", "in"),
                    ("rule_action", "ACCEPT"),
                    ("proto", "tcp"),
                    ("dport", "1:2:3"),
                ],
                "dport",
            ),
            (
                vec![
                    ("dir", "in"),
                    ("rule_action", "ACCEPT"),
                    ("proto", "tcp"),
                    ("dport", "443:80"),
                ],
                "dport",
            ),
            (
                vec![("dir", "in"), ("rule_action", "ACCEPT"), ("dport", "22")],
                "dport",
            ),
            (
                vec![
                    ("dir", "in"),
                    ("rule_action", "ACCEPT"),
                    ("proto", "icmp"),
                    ("sport", "22"),
                ],
                "sport",
            ),
            (
                vec![
                    ("dir", "in"),
                    ("rule_action", "ACCEPT"),
                    ("source", "10.0.0.0/33"),
                ],
                "source",
            ),
            (
                vec![
                    ("dir", "in"),
                    ("rule_action", "ACCEPT"),
                    ("source", "+ipfilter-net0"),
                ],
                "source",
            ),
            (
                vec![
                    ("dir", "in"),
                    ("rule_action", "ACCEPT"),
                    ("source", "10.0.0.1,2001:db8::1"),
                ],
                "source",
            ),
            (
                vec![
                    ("dir", "in"),
                    ("rule_action", "ACCEPT"),
                    ("source", "10.0.0.1"),
                    ("dest", "2001:db8::1"),
                ],
                "dest",
            ),
            (
                vec![
                    ("dir", "in"),
                    ("rule_action", "ACCEPT"),
                    ("proto", "icmp"),
                    ("dest", "2001:db8::1"),
                ],
                "proto",
            ),
            (
                vec![("dir", "in"), ("rule_action", "ACCEPT"), ("proto", "bogus")],
                "proto",
            ),
            (
                vec![
                    ("dir", "in"),
                    ("rule_action", "ACCEPT"),
                    ("comment", "a\nb"),
                ],
                "comment",
            ),
        ] {
            assert_eq!(field_of(rule(&pairs)), field, "{pairs:?}");
        }
        let long = "x".repeat(10_240);
        assert_eq!(
            field_of(rule(&[
                ("dir", "in"),
                ("rule_action", "ACCEPT"),
                ("comment", &long)
            ])),
            "comment"
        );
    }

    #[test]
    fn provider_rules_are_not_the_clients() {
        let mut r = FwRule {
            dir: "in".into(),
            action: "ACCEPT".into(),
            ..Default::default()
        };
        assert!(client_owned(&r));
        r.macro_name = Some("SSH".into());
        assert!(!client_owned(&r));
        let g = FwRule {
            dir: "group".into(),
            action: "webservers".into(),
            ..Default::default()
        };
        assert!(!client_owned(&g));
    }
}

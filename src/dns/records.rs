//! What a service should have in DNS, and the work of putting it there or
//! taking it away: A/AAAA for the VM's FQDN in every forward zone it falls
//! into, a PTR for every address in every reverse zone that covers it.
//! Each zone runs on its own thread and each record in its own error
//! boundary; a zone that stops answering is skipped for the rest of the run
//! instead of being waited on once per record.

use std::net::IpAddr;
use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde::Serialize;

use super::http::ProviderError;
use super::names;
use super::provider::{client, DnsProvider, RType};
use super::zone::Zone;
use super::Zones;
use crate::error::{Error, Result};

/// One address of a service and the name its PTR points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpRecord {
    pub ip: IpAddr,
    /// The custom reverse name, else the FQDN; empty when neither exists.
    pub ptr: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceRecords {
    pub service_id: u32,
    /// The VM's FQDN (normalised); empty when the service has none.
    pub fqdn: String,
    pub ips: Vec<IpRecord>,
}

/// The outcome of a DNS run: every line for the run log and cron output
/// (failures included), and the failures alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DnsReport {
    pub lines: Vec<String>,
    pub errors: Vec<String>,
}

impl DnsReport {
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn merge(&mut self, other: DnsReport) {
        self.lines.extend(other.lines);
        self.errors.extend(other.errors);
    }
}

/// The service's records from the database: the VM record's hostname (or
/// tblhosting.domain), its allocated addresses and their reverse names.
pub fn service_records(conn: &mut PooledConn, service_id: u32) -> Result<ServiceRecords> {
    let vm: Option<String> = match conn.exec_first(
        "SELECT hostname FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
        (service_id,),
    ) {
        Ok(v) => v,
        Err(mysql::Error::MySqlError(e)) if e.code == 1146 => None,
        Err(e) => return Err(e.into()),
    };
    let domain: Option<String> =
        conn.exec_first("SELECT domain FROM tblhosting WHERE id = ?", (service_id,))?;
    if vm.is_none() && domain.is_none() {
        return Err(Error::input(
            "service_id",
            format!("there is no service #{service_id}"),
        ));
    }
    let fqdn = [vm, domain]
        .into_iter()
        .flatten()
        .find_map(|h| names::hostname(&h).ok())
        .unwrap_or_default();
    let rows: Vec<(String, String)> = conn.exec(
        "SELECT address, ptr_name FROM puqProxmoxKVM_ip_addresses \
         WHERE service_id = ? ORDER BY family, id",
        (service_id,),
    )?;
    let ips = rows
        .into_iter()
        .map(|(a, ptr)| {
            let ip: IpAddr = a.parse().map_err(|_| {
                Error::Db(format!("address '{a}' of service #{service_id} is invalid"))
            })?;
            let ptr = if ptr.is_empty() { fqdn.clone() } else { ptr };
            Ok(IpRecord { ip, ptr })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ServiceRecords {
        service_id,
        fqdn,
        ips,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Create,
    Delete,
}

/// One record operation in one zone.
#[derive(Debug, Clone)]
struct Task {
    forward: bool,
    owner: String,
    rtype: RType,
    contents: Vec<String>,
}

fn tasks_for(zone: &Zone, rec: &ServiceRecords, op: Op) -> Vec<Task> {
    let mut out = Vec::new();
    if !rec.fqdn.is_empty() {
        if let Some(owner) = names::owner_in_zone(&rec.fqdn, &zone.name) {
            for (rtype, v4) in [(RType::A, true), (RType::Aaaa, false)] {
                let contents: Vec<String> = rec
                    .ips
                    .iter()
                    .filter(|i| i.ip.is_ipv4() == v4)
                    .map(|i| i.ip.to_string())
                    .collect();
                // Delete takes both types away whatever the service has now,
                // so a stale record from an earlier package goes too.
                if op == Op::Delete || !contents.is_empty() {
                    out.push(Task {
                        forward: true,
                        owner: owner.clone(),
                        rtype,
                        contents,
                    });
                }
            }
        }
    }
    for ip in &rec.ips {
        if let Some(owner) = names::ptr_owner(ip.ip, &zone.name) {
            if op == Op::Create && ip.ptr.is_empty() {
                continue;
            }
            out.push(Task {
                forward: false,
                owner,
                rtype: RType::Ptr,
                contents: vec![ip.ptr.clone()],
            });
        }
    }
    out
}

fn run_zone(zone: &Zone, tasks: &[Task], op: Op, timeout: Duration) -> DnsReport {
    let provider = client(zone, timeout);
    run_tasks(&*provider, zone, tasks, op)
}

fn run_tasks(p: &dyn DnsProvider, zone: &Zone, tasks: &[Task], op: Op) -> DnsReport {
    let mut rep = DnsReport::default();
    let mut dead: Option<ProviderError> = None;
    for t in tasks {
        let tag = match (t.forward, op) {
            (true, Op::Create) => "fwd",
            (false, Op::Create) => "rev",
            (true, Op::Delete) => "fwd-del",
            (false, Op::Delete) => "rev-del",
        };
        let what = match op {
            Op::Create => format!("{} {} {}", t.owner, t.rtype.as_str(), t.contents.join(",")),
            Op::Delete => format!("{} {}", t.owner, t.rtype.as_str()),
        };
        let result = match &dead {
            Some(e) => Err(ProviderError::unreachable(format!(
                "skipped, the provider did not answer earlier in this run ({e})"
            ))),
            None => match op {
                Op::Create => p.replace(&t.owner, t.rtype, &t.contents),
                Op::Delete => p.delete(&t.owner, t.rtype),
            },
        };
        match result {
            Ok(()) => rep.lines.push(format!("{tag} OK {}: {what}", zone.label())),
            Err(e) => {
                let line = format!("{tag} ERR {}: {what}: {e}", zone.label());
                rep.lines.push(line.clone());
                rep.errors.push(line);
                if e.unreachable && dead.is_none() {
                    dead = Some(e);
                }
            }
        }
    }
    rep
}

fn run(zones: &Zones, rec: &ServiceRecords, op: Op, timeout: Duration) -> DnsReport {
    let plan: Vec<(&Zone, Vec<Task>)> = zones
        .zones
        .iter()
        .map(|z| (z, tasks_for(z, rec, op)))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let mut report = DnsReport::default();
    if plan.is_empty() {
        report.lines.push(format!(
            "DNS: no configured zone matches {} or its addresses",
            if rec.fqdn.is_empty() {
                "the service"
            } else {
                &rec.fqdn
            }
        ));
        return report;
    }
    // One thread per provider server: different providers work in
    // parallel, while one server gets its zones one after the other (a
    // PowerDNS on SQLite, for one, refuses concurrent writes).
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, (z, _)) in plan.iter().enumerate() {
        let key = z.provider.endpoint();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    let run_group = |idx: &[usize]| -> (Vec<(usize, DnsReport)>, u64) {
        let before = super::http::calls_on_this_thread();
        let out = idx
            .iter()
            .map(|&i| (i, run_zone(plan[i].0, &plan[i].1, op, timeout)))
            .collect();
        (out, super::http::calls_on_this_thread() - before)
    };
    let results: Vec<(Vec<(usize, DnsReport)>, u64)> = if groups.len() == 1 {
        vec![run_group(&groups[0].1)]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = groups
                .iter()
                .map(|(_, idx)| (idx, s.spawn(|| run_group(idx))))
                .collect();
            handles
                .into_iter()
                .map(|(idx, h)| {
                    h.join().unwrap_or_else(|_| {
                        let failed = idx
                            .iter()
                            .map(|&i| {
                                let line = format!(
                                    "dns ERR {}: the zone's worker failed",
                                    plan[i].0.label()
                                );
                                (
                                    i,
                                    DnsReport {
                                        lines: vec![line.clone()],
                                        errors: vec![line],
                                    },
                                )
                            })
                            .collect();
                        (failed, 0)
                    })
                })
                .collect()
        })
    };
    let requests: u64 = results.iter().map(|(_, n)| n).sum();
    let mut parts: Vec<(usize, DnsReport)> = results.into_iter().flat_map(|(p, _)| p).collect();
    parts.sort_by_key(|(i, _)| *i);
    let parts = parts.into_iter().map(|(_, r)| r);
    for p in parts {
        report.merge(p);
    }
    report.lines.push(summary(&report, requests));
    report
}

fn summary(r: &DnsReport, requests: u64) -> String {
    let count = |prefixes: &[&str], ok: bool| {
        r.lines
            .iter()
            .filter(|l| {
                prefixes
                    .iter()
                    .any(|p| l.starts_with(&format!("{p} {}", if ok { "OK" } else { "ERR" })))
            })
            .count()
    };
    format!(
        "DNS: forward {} OK, {} failed; reverse {} OK, {} failed; {requests} requests",
        count(&["fwd", "fwd-del"], true),
        count(&["fwd", "fwd-del"], false),
        count(&["rev", "rev-del"], true),
        count(&["rev", "rev-del"], false),
    )
}

/// Creates (or replaces) the service's A/AAAA and PTR records in every
/// matching zone. Never fails: failures are lines of the report.
pub fn create(zones: &Zones, rec: &ServiceRecords, timeout: Duration) -> DnsReport {
    run(zones, rec, Op::Create, timeout)
}

/// Deletes the service's A/AAAA and PTR records from every matching zone.
pub fn delete(zones: &Zones, rec: &ServiceRecords, timeout: Duration) -> DnsReport {
    run(zones, rec, Op::Delete, timeout)
}

/// Delete, then create: Set DNS records, reinstall, and (with the old and
/// the new records) change package.
pub fn resync(
    zones: &Zones,
    old: &ServiceRecords,
    new: &ServiceRecords,
    timeout: Duration,
) -> DnsReport {
    let mut r = delete(zones, old, timeout);
    r.merge(create(zones, new, timeout));
    r
}

/// Sets one address's reverse name (empty: back to the FQDN) after checking
/// the name and that the address is the service's; then writes that PTR to
/// every reverse zone covering it. Bad input changes nothing.
pub fn set_reverse(
    conn: &mut PooledConn,
    zones: &Zones,
    service_id: u32,
    ip: &str,
    hostname: &str,
    timeout: Duration,
) -> Result<DnsReport> {
    let addr: IpAddr = ip
        .trim()
        .parse()
        .map_err(|_| Error::input("ip", format!("'{}' is not an IP address", ip.trim())))?;
    let ptr_name = if hostname.trim().is_empty() {
        String::new()
    } else {
        names::hostname(hostname).map_err(|m| Error::input("hostname", m))?
    };
    let rec = service_records(conn, service_id)?;
    if !rec.ips.iter().any(|i| i.ip == addr) {
        return Err(Error::input(
            "ip",
            format!("{addr} is not an address of service #{service_id}"),
        ));
    }
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_ip_addresses SET ptr_name = ? WHERE service_id = ? AND address = ?",
        (&ptr_name, service_id, addr.to_string()),
    )?;
    let target = if ptr_name.is_empty() {
        rec.fqdn.clone()
    } else {
        ptr_name
    };
    let only = ServiceRecords {
        service_id,
        // No forward records: only the PTR changes.
        fqdn: String::new(),
        ips: vec![IpRecord {
            ip: addr,
            ptr: target,
        }],
    };
    Ok(create(zones, &only, timeout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::http::PResult;
    use crate::dns::zone::{Provider, Secret};
    use std::sync::Mutex;

    fn zone(id: u32, name: &str) -> Zone {
        Zone {
            id,
            name: name.into(),
            provider: Provider::PowerDNS {
                server_url: "http://127.0.0.1:9".into(),
                api_key: Secret::new("k"),
            },
        }
    }

    fn rec() -> ServiceRecords {
        ServiceRecords {
            service_id: 7,
            fqdn: "vm7.example.com".into(),
            ips: vec![
                IpRecord {
                    ip: "192.0.2.10".parse().unwrap(),
                    ptr: "vm7.example.com".into(),
                },
                IpRecord {
                    ip: "198.51.100.5".parse().unwrap(),
                    ptr: "mail.example.org".into(),
                },
                IpRecord {
                    ip: "2001:db8::7".parse().unwrap(),
                    ptr: "vm7.example.com".into(),
                },
            ],
        }
    }

    #[test]
    fn tasks_per_zone() {
        let r = rec();
        let fwd = tasks_for(&zone(1, "example.com"), &r, Op::Create);
        assert_eq!(fwd.len(), 2);
        assert_eq!(fwd[0].contents, vec!["192.0.2.10", "198.51.100.5"]);
        assert_eq!(fwd[1].rtype, RType::Aaaa);
        let rev = tasks_for(&zone(2, "2.0.192.in-addr.arpa"), &r, Op::Create);
        assert_eq!(rev.len(), 1);
        assert_eq!(rev[0].owner, "10.2.0.192.in-addr.arpa");
        let classless = tasks_for(&zone(3, "0/26.100.51.198.in-addr.arpa"), &r, Op::Create);
        assert_eq!(classless[0].owner, "5.0/26.100.51.198.in-addr.arpa");
        assert_eq!(classless[0].contents, vec!["mail.example.org"]);
        assert!(tasks_for(&zone(4, "example.net"), &r, Op::Create).is_empty());
        let v4only = ServiceRecords {
            ips: r.ips[..1].to_vec(),
            ..r.clone()
        };
        assert_eq!(
            tasks_for(&zone(1, "example.com"), &v4only, Op::Create).len(),
            1
        );
        assert_eq!(
            tasks_for(&zone(1, "example.com"), &v4only, Op::Delete).len(),
            2
        );
    }

    /// A provider that fails on chosen owners, and stops answering on others.
    #[derive(Default)]
    struct Fake {
        calls: Mutex<Vec<String>>,
    }

    impl DnsProvider for Fake {
        fn replace(&self, owner: &str, rtype: RType, _c: &[String]) -> PResult<()> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("{owner} {}", rtype.as_str()));
            match owner {
                "bad.example.com" => Err(ProviderError::answer("refused")),
                "down.example.com" => Err(ProviderError::unreachable("timed out")),
                _ => Ok(()),
            }
        }
        fn delete(&self, owner: &str, rtype: RType) -> PResult<()> {
            self.replace(owner, rtype, &[])
        }
        fn list(&self, _: &str, _: RType) -> PResult<Vec<String>> {
            Ok(vec![])
        }
        fn test(&self) -> PResult<String> {
            Ok("ok".into())
        }
    }

    fn task(owner: &str) -> Task {
        Task {
            forward: true,
            owner: owner.into(),
            rtype: RType::A,
            contents: vec!["192.0.2.1".into()],
        }
    }

    #[test]
    fn each_record_has_its_own_boundary_and_a_dead_zone_is_not_waited_on() {
        let f = Fake::default();
        let z = zone(1, "example.com");
        let r = run_tasks(
            &f,
            &z,
            &[
                task("bad.example.com"),
                task("ok.example.com"),
                task("down.example.com"),
                task("later.example.com"),
            ],
            Op::Create,
        );
        assert_eq!(r.lines.len(), 4);
        assert!(r.lines[0].starts_with(
            "fwd ERR example.com (PowerDNS #1): bad.example.com A 192.0.2.1: refused"
        ));
        assert!(r.lines[1].starts_with("fwd OK example.com (PowerDNS #1): ok.example.com A"));
        assert!(r.lines[3].contains("skipped") && r.lines[3].contains("timed out"));
        assert_eq!(r.errors.len(), 3);
        // The dead provider got no call for the last record.
        assert_eq!(f.calls.lock().unwrap().len(), 3);
        let d = run_tasks(&f, &z, &[task("ok.example.com")], Op::Delete);
        assert!(d.lines[0].starts_with("fwd-del OK"), "{:?}", d.lines);
    }

    #[test]
    fn unreachable_zone_reports_and_no_match_says_so() {
        let zones = Zones {
            zones: vec![zone(1, "example.com"), zone(2, "example.net")],
        };
        let r = create(&zones, &rec(), Duration::from_millis(500));
        assert!(!r.ok());
        assert!(
            r.errors[0].contains("example.com (PowerDNS #1)"),
            "{:?}",
            r.errors
        );
        assert!(r
            .lines
            .last()
            .unwrap()
            .starts_with("DNS: forward 0 OK, 2 failed"));
        let none = create(
            &Zones {
                zones: vec![zone(2, "example.net")],
            },
            &rec(),
            Duration::from_millis(100),
        );
        assert!(none.ok());
        assert!(none.lines[0].contains("no configured zone matches vm7.example.com"));
    }
}

//! A service's addresses as WHMCS shows them: tblhosting.dedicatedip (the
//! first IPv4, else the first IPv6) and tblhosting.assignedips (the others,
//! one per line).

use mysql::prelude::Queryable;

use super::addr::Family;
use super::alloc::Assigned;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostingIps {
    pub dedicated_ip: String,
    pub assigned_ips: String,
}

pub fn hosting_ips(addresses: &[Assigned]) -> HostingIps {
    let main = addresses
        .iter()
        .position(|a| a.family == Family::V4)
        .or(if addresses.is_empty() { None } else { Some(0) });
    let Some(main) = main else {
        return HostingIps::default();
    };
    let rest: Vec<String> = addresses
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != main)
        .map(|(_, a)| a.ip.to_string())
        .collect();
    HostingIps {
        dedicated_ip: addresses[main].ip.to_string(),
        assigned_ips: rest.join("\n"),
    }
}

/// Writes both columns of the service's tblhosting row.
pub fn write_hosting_ips<Q: Queryable>(q: &mut Q, service_id: u32, ips: &HostingIps) -> Result<()> {
    let done = q.exec_iter(
        "UPDATE tblhosting SET dedicatedip = ?, assignedips = ? WHERE id = ?",
        (&ips.dedicated_ip, &ips.assigned_ips, service_id),
    )?;
    // MySQL reports 0 changed rows when the values are already there, so
    // existence is checked only when nothing changed.
    if done.affected_rows() == 0 {
        drop(done);
        let found: Option<u32> =
            q.exec_first("SELECT id FROM tblhosting WHERE id = ?", (service_id,))?;
        if found.is_none() {
            return Err(Error::input(
                "service_id",
                format!("service {service_id} does not exist in tblhosting"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(ip: &str) -> Assigned {
        let ip: std::net::IpAddr = ip.parse().unwrap();
        Assigned {
            ip,
            family: Family::of(ip),
            prefix: 24,
            gateway: None,
            dns: vec![],
            bridge: "vmbr0".into(),
            vlan: 0,
            pool_id: 1,
            is_primary: false,
        }
    }

    #[test]
    fn rendering_table() {
        // (addresses, dedicatedip, assignedips)
        let cases: &[(&[&str], &str, &str)] = &[
            (&[], "", ""),
            (&["192.0.2.5"], "192.0.2.5", ""),
            (&["192.0.2.5", "192.0.2.6"], "192.0.2.5", "192.0.2.6"),
            (&["2001:db8::5"], "2001:db8::5", ""),
            (
                &["2001:db8::5", "2001:db8::6"],
                "2001:db8::5",
                "2001:db8::6",
            ),
            (
                &["2001:db8::5", "192.0.2.5", "192.0.2.6"],
                "192.0.2.5",
                "2001:db8::5\n192.0.2.6",
            ),
            (
                &["192.0.2.5", "192.0.2.6", "2001:db8::5"],
                "192.0.2.5",
                "192.0.2.6\n2001:db8::5",
            ),
        ];
        for (ips, dedicated, assigned) in cases {
            let list: Vec<Assigned> = ips.iter().map(|s| a(s)).collect();
            let got = hosting_ips(&list);
            assert_eq!(got.dedicated_ip, *dedicated, "{ips:?}");
            assert_eq!(got.assigned_ips, *assigned, "{ips:?}");
        }
    }
}

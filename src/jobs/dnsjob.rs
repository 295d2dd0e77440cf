//! DNS in the machines: the deploy's "Configure DNS records", change
//! package's refresh, terminate's deletion, and the `set_dns_records` resync
//! machine (queued by the Set DNS records command and the Reset VM Status
//! modal). DNS is never blocking: every outcome here is success or skip,
//! with failures in the run log and the cron output.
//!
//! The records are those of the job's addresses (`job.ips`), so change
//! package deletes with the old addresses before it swaps in the new ones;
//! reverse names come from the database.

use std::net::IpAddr;
use std::time::Duration;

use super::machine::{Ctx, Machine, Outcome, Step};
use crate::dns::{self, DnsReport, IpRecord, ServiceRecords};
use crate::error::Result;

pub const SET_DNS_RECORDS: Machine = Machine {
    name: "SetDNSRecords",
    action: "set_dns_records",
    needs_credentials: false,
    steps: &[
        Step {
            from: "set_dns_records",
            to: "set_dns_records",
            name: "Delete DNS records",
            run: delete_records,
        },
        Step {
            from: "set_dns_records",
            to: "ready",
            name: "Create DNS records",
            run: create_records,
        },
    ],
};

/// The service's records as the job sees them: the VM's FQDN and the job's
/// addresses, each with its reverse name from the database (or the FQDN).
fn records(ctx: &mut Ctx) -> Result<ServiceRecords> {
    let stored = dns::service_records(ctx.conn, ctx.sid())?;
    let fqdn = dns::names::hostname(&ctx.job.vm.hostname).unwrap_or(stored.fqdn.clone());
    let ips = ctx
        .job
        .ips
        .iter()
        .filter_map(|i| i.address.parse::<IpAddr>().ok())
        .map(|ip| IpRecord {
            ip,
            ptr: stored
                .ips
                .iter()
                .find(|s| s.ip == ip && s.ptr != stored.fqdn)
                .map_or_else(|| fqdn.clone(), |s| s.ptr.clone()),
        })
        .collect();
    Ok(ServiceRecords {
        service_id: ctx.sid(),
        fqdn,
        ips,
    })
}

fn run(
    ctx: &mut Ctx,
    f: fn(&dns::Zones, &ServiceRecords, Duration) -> DnsReport,
) -> Result<Outcome> {
    let zones = match &ctx.job.dns {
        Ok(z) if z.zones.is_empty() => {
            return Ok(Outcome::Skipped("no DNS zones configured".into()))
        }
        Ok(z) => z.clone(),
        Err(e) => return Ok(Outcome::Skipped(format!("DNS zones unavailable: {e}"))),
    };
    let rec = match records(ctx) {
        Ok(r) => r,
        Err(e) => return Ok(Outcome::Skipped(format!("DNS records unavailable: {e}"))),
    };
    let timeout = Duration::from_secs(u64::from(ctx.job.settings.default_timeout.max(1)));
    let report = f(&zones, &rec, timeout);
    for line in &report.lines {
        ctx.progress(line);
    }
    if report.ok() {
        return Ok(Outcome::Done);
    }
    Ok(Outcome::Skipped(format!(
        "{} DNS error(s), not blocking: {}",
        report.errors.len(),
        crate::whmcs::fields::truncate(&report.errors.join("; "), 1500)
    )))
}

/// Forward and reverse records for the VM's name and addresses.
pub fn create_records(ctx: &mut Ctx) -> Result<Outcome> {
    run(ctx, dns::create)
}

/// Removes the VM's forward and reverse records.
pub fn delete_records(ctx: &mut Ctx) -> Result<Outcome> {
    run(ctx, dns::delete)
}

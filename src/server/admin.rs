//! The VM actions an admin asks for from a page (the service tab, VM
//! Management, the natives behind them): the lifecycle change, then one
//! activity-log entry naming the admin. The caller has checked the admin's
//! permissions (`whmcs::perms`); a refused change logs nothing.

use crate::db::DbConfig;
use crate::error::Result;
use crate::server::lifecycle::{self, RedeployFrom};
use crate::whmcs::perms::{self, Admin};
use crate::whmcs::Host;

/// Redeploy, if the page it came from offers it in the VM's state.
pub fn redeploy(
    db: &DbConfig,
    host: &dyn Host,
    admin: &Admin,
    service_id: u32,
    from: RedeployFrom,
) -> Result<()> {
    if let Some(was) = lifecycle::redeploy(db, host, service_id, from)? {
        perms::audit(
            host,
            admin,
            &format!(
                "Redeploy of service #{service_id} queued (VM {} in '{}' is deleted and deployed again)",
                was.vm_id, was.vm_status
            ),
            was.client_id,
        );
    }
    Ok(())
}

/// Reset VM Status.
pub fn reset_status(
    db: &DbConfig,
    host: &dyn Host,
    admin: &Admin,
    service_id: u32,
    status: &str,
) -> Result<()> {
    let was = lifecycle::reset_status(db, host, service_id, status)?;
    perms::audit(
        host,
        admin,
        &format!(
            "VM status of service #{service_id} reset from '{}' to '{status}'",
            was.vm_status
        ),
        was.client_id,
    );
    Ok(())
}

/// Delete Record.
pub fn delete_record(db: &DbConfig, host: &dyn Host, admin: &Admin, service_id: u32) -> Result<()> {
    let was = lifecycle::delete_record(db, host, service_id)?;
    perms::audit(
        host,
        admin,
        &format!(
            "VM record of service #{service_id} deleted (VM {} in '{}')",
            was.vm_id, was.vm_status
        ),
        was.client_id,
    );
    Ok(())
}

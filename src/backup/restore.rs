//! Backup restore (stop → delete snapshots → qmrestore → re-apply the
//! package → start → email) as a machine on the jobs runner.

use crate::cron::Report;
use crate::db::DbConfig;
use crate::error::Result;
use crate::whmcs::Host;

/// Restore Backup Status.
pub fn status(_db: &DbConfig, _host: &dyn Host, _now: i64) -> Result<Report> {
    Ok(Report {
        summary: "restores are not available in this build yet".into(),
        details: Vec::new(),
        errors: 0,
    })
}

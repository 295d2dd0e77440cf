//! What each cron task runs. Process VMs goes through the lead's runner
//! (`jobs::runner::process_vms`); the others live in `backup` and `stats`.

use super::{store, Options, Report, Task};
use crate::db::{self, DbConfig};
use crate::error::Result;
use crate::whmcs::Host;

pub fn run(db: &DbConfig, task: &Task, host: &dyn Host, opts: &Options) -> Result<Report> {
    let now = opts.clock();
    match task.key {
        "process_vms" => crate::jobs::runner::process_vms(db, host),
        "backup_status" => crate::backup::backups::status(db, host, now),
        "restore_backup" => crate::backup::restore::status(db, host, now),
        "schedule_backup" => crate::backup::schedule::run(db, host, now, opts.tz_offset),
        "remove_snapshots" => crate::backup::snapshots::remove_expired(db, host, now, opts.verbose),
        _ => {
            let mut conn = db::conn(db)?;
            let last = store::load(&mut conn, task.key)?.and_then(|r| r.last_run);
            crate::stats::collect(db, host, now, last)
        }
    }
}

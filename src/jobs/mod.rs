//! The work behind each cron task. Process VMs drives the resumable state
//! machines; the other tasks arrive with their issues.

pub mod vmconf;

use crate::cron::Task;
use crate::db::DbConfig;
use crate::error::{Error, Result};
use crate::whmcs::Host;

pub fn run_task(_db: &DbConfig, task: &Task, _host: &dyn Host) -> Result<String> {
    Err(Error::Config(format!(
        "the {} task is not available in this build",
        task.name
    )))
}

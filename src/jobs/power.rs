//! Power follows the suspend mark. SuspendAccount only sends a graceful
//! shutdown and returns; this machine (from `ready`, for services whose
//! power state does not yet follow their mark) finishes the stop with the
//! stop windows, or starts the VM of an unsuspended service whose start
//! could not be confirmed in the request.

use super::common::{self, Stopped};
use super::machine::{Ctx, Machine, Outcome, Step};
use super::record;
use crate::error::Result;

pub const POWER: Machine = Machine {
    name: "Power",
    action: "power",
    needs_credentials: false,
    steps: &[Step {
        from: "ready",
        to: "ready",
        name: "Apply power state",
        run: apply,
    }],
};

fn apply(ctx: &mut Ctx) -> Result<Outcome> {
    if common::our_vm(ctx)?.is_none() {
        record::set_power_done(ctx.conn, ctx.sid(), ctx.job.vm.suspended)?;
        return Ok(Outcome::Skipped("no VM in Proxmox".into()));
    }
    if ctx.job.vm.suspended {
        return match common::stop_windowed(ctx)? {
            Stopped::Off | Stopped::Gone => {
                record::set_power_done(ctx.conn, ctx.sid(), ctx.job.vm.suspended)?;
                Ok(Outcome::Done)
            }
            Stopped::StillRunning => Ok(Outcome::Waiting(
                "the VM is still running after the stop windows; retrying next run".into(),
            )),
        };
    }
    let out = common::start(ctx)?;
    record::set_power_done(ctx.conn, ctx.sid(), ctx.job.vm.suspended)?;
    Ok(out)
}

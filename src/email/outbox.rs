//! Durable emails: an email due with a state change is written here, in the
//! same transaction as the change (`record::advance_with_emails`), and sent
//! from here by the PHP thread after the machines ran — retried until WHMCS
//! accepted it, then marked sent. A crash anywhere leaves either the row
//! (sent on the next run) or the sent mark; only a crash between WHMCS's
//! send and our mark sends it twice. Never zero times.

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::Value;

use crate::error::Result;
use crate::whmcs::host::send_email;
use crate::whmcs::Host;

/// Rows sent per call (the rest wait for the next run).
const BATCH: u32 = 200;

/// Inserts the emails (template, module variables) for a service. Call it
/// inside the transaction that makes them due.
pub fn insert(conn: &mut PooledConn, service_id: u32, emails: &[(String, Value)]) -> Result<()> {
    for (template, vars) in emails {
        conn.exec_drop(
            "INSERT INTO puqProxmoxKVM_email_outbox (service_id, template, vars) VALUES (?, ?, ?)",
            (service_id, template, vars.to_string()),
        )?;
    }
    Ok(())
}

/// The named lock that lets one process at a time send (two cron runners
/// must not both send a row).
fn lock_name(db_name: &str) -> String {
    format!("puqProxmoxKVM:{db_name}:email_outbox")
}

/// What one `send_due` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub sent: usize,
    pub failed: usize,
}

/// Sends the unsent emails that are due (of one service, or all), marking
/// each sent right after WHMCS accepted it. A refusal (a missing or disabled
/// template) is kept, counted and retried later, with a growing pause (1, 4,
/// 9 … minutes, at most an hour); its first refusal goes to the activity log.
pub fn send_due(
    conn: &mut PooledConn,
    host: &dyn Host,
    db_name: &str,
    service_id: Option<u32>,
) -> Result<Sent> {
    let lock = lock_name(db_name);
    let got: Option<Option<i64>> = conn.exec_first("SELECT GET_LOCK(?, 5)", (&lock,))?;
    if got.flatten() != Some(1) {
        return Ok(Sent::default());
    }
    let r = send_locked(conn, host, service_id);
    let _: mysql::Result<Option<Option<i64>>> = conn.exec_first("SELECT RELEASE_LOCK(?)", (&lock,));
    r
}

fn send_locked(conn: &mut PooledConn, host: &dyn Host, service_id: Option<u32>) -> Result<Sent> {
    let rows: Vec<(u64, u32, String, String, u32)> = conn.exec(
        "SELECT id, service_id, template, vars, attempts FROM puqProxmoxKVM_email_outbox \
         WHERE sent_at IS NULL AND next_try_at <= UNIX_TIMESTAMP() AND (? = 0 OR service_id = ?) \
         ORDER BY id LIMIT ?",
        (service_id.unwrap_or(0), service_id.unwrap_or(0), BATCH),
    )?;
    let mut out = Sent::default();
    for (id, sid, template, vars, attempts) in rows {
        let vars: Value = serde_json::from_str(&vars).unwrap_or(Value::Null);
        match send_email(host, &template, sid, &vars) {
            Ok(()) => {
                conn.exec_drop(
                    "UPDATE puqProxmoxKVM_email_outbox SET sent_at = NOW(), attempts = attempts + 1, last_error = NULL WHERE id = ?",
                    (id,),
                )?;
                out.sent += 1;
            }
            Err(e) => {
                let tries = attempts + 1;
                let pause = u64::from(tries.min(8)).pow(2) * 60;
                let why = crate::util::one_line(&e.to_string(), 1000);
                conn.exec_drop(
                    "UPDATE puqProxmoxKVM_email_outbox SET attempts = ?, last_error = ?, \
                     next_try_at = UNIX_TIMESTAMP() + ? WHERE id = ?",
                    (tries, &why, pause.min(3600), id),
                )?;
                if tries == 1 {
                    host.log_activity(
                        &format!(
                            "PUQ Proxmox KVM: email '{template}' for service {sid}: {why} (kept; retried until WHMCS accepts it)"
                        ),
                        0,
                    );
                }
                out.failed += 1;
            }
        }
    }
    Ok(out)
}

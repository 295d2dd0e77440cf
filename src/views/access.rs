//! Who may open the addon's pages: a logged-in, enabled WHMCS administrator
//! whose role is ticked in the addon's Access Control (Setup > Addon
//! Modules), stored by WHMCS as `tbladdonmodules.access`, a comma-separated
//! list of role ids, and who holds WHMCS's "Addon Modules" permission
//! (addonmodules.php needs it). WHMCS checks the same before calling
//! `_output`; the module checks again so no endpoint depends on being
//! reached that way. An action may need more (`Action::perms`).

use mysql::prelude::Queryable;
use mysql::PooledConn;

use crate::error::{Error, Result};
use crate::whmcs::perms::{self, Admin, Perm};

/// The `key` of an access refusal (answered with HTTP 403).
pub const FIELD: &str = perms::DENIED;

const MODULE: &str = "puq_proxmox_kvm";

/// Whether `role_id` is in WHMCS's comma-separated access list.
pub fn role_allowed(access: &str, role_id: i64) -> bool {
    access
        .split(',')
        .filter_map(|r| r.trim().parse::<i64>().ok())
        .any(|r| r == role_id)
}

/// The admin, if they may use the addon and hold every permission of
/// `needed` besides "Addon Modules".
pub fn check(conn: &mut PooledConn, admin_id: u32, needed: &[Perm]) -> Result<Admin> {
    let admin = perms::admin(conn, admin_id)?;
    let role = admin.role;
    let access: Option<String> = conn.exec_first(
        "SELECT value FROM tbladdonmodules WHERE module = ? AND setting = 'access'",
        (MODULE,),
    )?;
    if !role_allowed(access.as_deref().unwrap_or(""), role) {
        return Err(Error::input(
            FIELD,
            format!(
                "your admin role (#{role}) has no access to PUQ Proxmox KVM; \
                 tick it under Setup > Addon Modules > PUQ Proxmox KVM > Access Control"
            ),
        ));
    }
    let mut all = vec![Perm::AddonModules];
    all.extend_from_slice(needed);
    let lacking = perms::missing(conn, role, &all)?;
    match perms::refusal(role, &lacking) {
        Some(e) => Err(e),
        None => Ok(admin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_list_parsing() {
        assert!(role_allowed("1", 1));
        assert!(role_allowed("1,2,3", 2));
        assert!(role_allowed(" 1 , 3 ", 3));
        assert!(!role_allowed("1,2", 3));
        assert!(!role_allowed("", 1));
        assert!(!role_allowed("12", 1));
        assert!(!role_allowed("a,b", 0));
    }
}

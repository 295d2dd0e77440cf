//! WHMCS admin role permissions, checked the way WHMCS checks them: the
//! admin's role (`tbladmins.roleid`) holds a permission when
//! `tbladminperms` has the row (roleid, permid). The permission ids are
//! WHMCS's own (Setup > Staff Management > Administrator Roles); WHMCS
//! has no implicit "full admin": the Full Administrator role simply has
//! every row. Every admin write endpoint of the module names the
//! permission WHMCS itself would require for that action, and checks it
//! here, from the database, before it changes anything.

use mysql::prelude::Queryable;
use mysql::PooledConn;

use crate::error::{Error, Result};
use crate::whmcs::Host;

/// The `key` of a refusal for want of a login, a role or a permission
/// (answered with HTTP 403; the same key as the addon's access control).
pub const DENIED: &str = "access";

/// The WHMCS permissions the module's admin endpoints need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Perm {
    /// clientsservices.php: open a service.
    ViewClientsProducts,
    /// Module commands on a service (WHMCS checks it for every `modop`).
    PerformServerOperations,
    /// addonmodules.php: open an addon's pages.
    AddonModules,
    /// configproducts.php: open a product.
    ViewProducts,
    /// Save a product, its configurable options.
    EditProducts,
    /// Setup > Addon Modules: configure an addon.
    ConfigureAddonModules,
}

impl Perm {
    /// The `permid` WHMCS stores in `tbladminperms`.
    pub fn id(self) -> u32 {
        match self {
            Perm::ViewClientsProducts => 11,
            Perm::PerformServerOperations => 14,
            Perm::AddonModules => 46,
            Perm::ViewProducts => 71,
            Perm::ConfigureAddonModules => 100,
            Perm::EditProducts => 117,
        }
    }

    /// The name WHMCS shows on the role's page.
    pub fn name(self) -> &'static str {
        match self {
            Perm::ViewClientsProducts => "View Clients Products/Services",
            Perm::PerformServerOperations => "Perform Server Operations",
            Perm::AddonModules => "Addon Modules",
            Perm::ViewProducts => "View Products/Services",
            Perm::ConfigureAddonModules => "Configure Addon Modules",
            Perm::EditProducts => "Edit Products/Services",
        }
    }
}

/// A logged-in, enabled administrator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admin {
    pub id: u32,
    pub role: i64,
    pub username: String,
}

impl Admin {
    /// How the activity log names the admin: `admin 'name' (#id)`.
    pub fn label(&self) -> String {
        format!(
            "admin '{}' (#{})",
            crate::util::one_line(&self.username, 60),
            self.id
        )
    }
}

/// The admin behind a request: logged in (`$_SESSION['adminid']` > 0),
/// existing, not disabled.
pub fn admin(conn: &mut PooledConn, admin_id: u32) -> Result<Admin> {
    if admin_id == 0 {
        return Err(Error::input(
            DENIED,
            "you are not logged in to the WHMCS admin area",
        ));
    }
    let row: Option<(i64, i64, Option<String>)> = conn.exec_first(
        "SELECT roleid, disabled, username FROM tbladmins WHERE id = ?",
        (admin_id,),
    )?;
    let (role, disabled, username) = row
        .ok_or_else(|| Error::input(DENIED, format!("administrator #{admin_id} does not exist")))?;
    if disabled != 0 {
        return Err(Error::input(
            DENIED,
            format!("administrator #{admin_id} is disabled"),
        ));
    }
    Ok(Admin {
        id: admin_id,
        role,
        username: username.unwrap_or_default(),
    })
}

/// The permissions of `needed` that the admin's role lacks.
pub fn missing(conn: &mut PooledConn, role: i64, needed: &[Perm]) -> Result<Vec<Perm>> {
    let mut lacking = Vec::new();
    for p in needed {
        let n: Option<u64> = conn.exec_first(
            "SELECT COUNT(*) FROM tbladminperms WHERE roleid = ? AND permid = ?",
            (role, p.id()),
        )?;
        if n.unwrap_or(0) == 0 {
            lacking.push(*p);
        }
    }
    Ok(lacking)
}

/// The refusal naming what the role lacks (empty `lacking`: none).
pub fn refusal(role: i64, lacking: &[Perm]) -> Option<Error> {
    let names: Vec<String> = lacking
        .iter()
        .map(|p| format!("\"{}\"", p.name()))
        .collect();
    match names.as_slice() {
        [] => None,
        [one] => Some(Error::input(
            DENIED,
            format!(
                "your admin role (#{role}) lacks the WHMCS permission {one} \
                 (Setup > Staff Management > Administrator Roles)"
            ),
        )),
        many => Some(Error::input(
            DENIED,
            format!(
                "your admin role (#{role}) lacks the WHMCS permissions {} \
                 (Setup > Staff Management > Administrator Roles)",
                many.join(", ")
            ),
        )),
    }
}

/// The admin, if logged in, enabled and holding every permission of
/// `needed`; otherwise a refusal (key [`DENIED`]) naming what is missing.
pub fn require(conn: &mut PooledConn, admin_id: u32, needed: &[Perm]) -> Result<Admin> {
    let a = admin(conn, admin_id)?;
    let lacking = missing(conn, a.role, needed)?;
    match refusal(a.role, &lacking) {
        Some(e) => Err(e),
        None => Ok(a),
    }
}

/// One activity-log entry (WHMCS `logActivity`) for a change an admin
/// made: `PUQ Proxmox KVM: <what> by admin 'name' (#id)`, linked to the
/// client `user_id` when the change concerns a client's service (else 0).
/// Written only after the change was saved.
pub fn audit(host: &dyn Host, admin: &Admin, what: &str, user_id: u32) {
    host.log_activity(
        &format!("PUQ Proxmox KVM: {what} by {}", admin.label()),
        user_id,
    );
}

/// Whether an error is a refusal of this module (not logged in, no
/// access, a permission missing).
pub fn is_denial(e: &Error) -> bool {
    matches!(e, Error::Input { key, .. } if key == DENIED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_whmcs_permission_ids() {
        // WHMCS\User\Admin\Permission: the ids roles are stored with.
        for (p, id, name) in [
            (
                Perm::ViewClientsProducts,
                11,
                "View Clients Products/Services",
            ),
            (
                Perm::PerformServerOperations,
                14,
                "Perform Server Operations",
            ),
            (Perm::AddonModules, 46, "Addon Modules"),
            (Perm::ViewProducts, 71, "View Products/Services"),
            (Perm::ConfigureAddonModules, 100, "Configure Addon Modules"),
            (Perm::EditProducts, 117, "Edit Products/Services"),
        ] {
            assert_eq!(p.id(), id);
            assert_eq!(p.name(), name);
        }
    }

    #[test]
    fn refusals_name_the_missing_permissions() {
        assert!(refusal(2, &[]).is_none());
        let e = refusal(2, &[Perm::PerformServerOperations]).unwrap();
        assert!(is_denial(&e));
        let t = e.to_string();
        assert!(
            t.contains("\"Perform Server Operations\"") && t.contains("#2"),
            "{t}"
        );
        let t = refusal(3, &[Perm::EditProducts, Perm::ViewProducts])
            .unwrap()
            .to_string();
        assert!(
            t.contains("permissions \"Edit Products/Services\", \"View Products/Services\""),
            "{t}"
        );
        assert!(!is_denial(&Error::input("mask", "bad")));
    }

    #[test]
    fn admin_label_is_one_line() {
        let a = Admin {
            id: 4,
            role: 1,
            username: "bad\nname".into(),
        };
        assert!(!a.label().contains('\n'), "{}", a.label());
        assert!(a.label().ends_with("(#4)"));
    }
}

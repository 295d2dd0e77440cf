//! WHMCS's database settings, read from the PHP globals that WHMCS's
//! configuration.php defines.

use ext_php_rs::zend::ExecutorGlobals;

use crate::db::DbConfig;
use crate::error::{Error, Result};

pub fn db_config() -> Result<DbConfig> {
    // The read guard is dropped before anything calls back into PHP.
    let globals = ExecutorGlobals::get();
    let table = &globals.symbol_table;
    let read = |name: &str| -> Option<String> {
        let z = table.get(name)?.dereference();
        z.string().or_else(|| z.long().map(|l| l.to_string()))
    };
    let need = |name: &str| {
        read(name).ok_or_else(|| {
            Error::Config(format!(
                "${name} is not set: include WHMCS's configuration.php (WHMCS does this itself)"
            ))
        })
    };
    Ok(DbConfig {
        host: need("db_host")?,
        port: read("db_port").unwrap_or_default(),
        user: need("db_username")?,
        password: read("db_password").unwrap_or_default(),
        name: need("db_name")?,
    })
}

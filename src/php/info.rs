//! `php --ri puq_proxmox_kvm`.

use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

pub extern "C" fn module_info(_module: *mut ModuleEntry) {
    info_table_start!();
    info_table_row!("puq_proxmox_kvm", "enabled");
    info_table_row!("version", crate::addon::VERSION);
    info_table_row!(
        "build",
        format!("{} ({})", env!("PUQ_GIT_HASH"), env!("PUQ_BUILD_PROFILE"))
    );
    info_table_row!("PHP API", ext_php_rs::ffi::ZEND_MODULE_API_NO.to_string());
    info_table_end!();
}

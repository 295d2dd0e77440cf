//! The Zend boundary: the only code that names ext-php-rs types.

pub mod convert;
pub mod exports;
pub mod exports_admin;
pub mod exports_client;
pub mod exports_console;
pub mod exports_cron;
pub mod exports_dns;
pub mod exports_lang;
pub mod exports_lifecycle;
pub mod exports_product;
pub mod globals;
pub mod guard;
pub mod host;
pub mod info;

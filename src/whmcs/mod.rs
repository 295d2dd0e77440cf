//! WHMCS's side of things: the `$params` array, lenient value decoding and
//! the callbacks into WHMCS (`Host`). No ext-php-rs types here.

pub mod debuglog;
pub mod fields;
pub mod host;
pub mod params;
pub mod perms;

pub use host::{Host, RecordingHost};
pub use params::{ServerParams, ServiceParams};

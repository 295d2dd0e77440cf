//! Page data for the admin pages: plain values built from the database and
//! Proxmox, rendered by the Smarty templates of the PHP skin.

pub mod product;
pub mod rrd;
pub mod service;

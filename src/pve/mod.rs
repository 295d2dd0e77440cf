//! Proxmox VE API client (pure Rust, ureq). `client` owns transport, auth
//! and the reply envelope; `api` the typed endpoints; `tls` certificate
//! pinning; `error` the error forms.

pub mod api;
pub mod client;
pub mod error;
pub mod firewall;
pub mod ops;
pub mod tls;

pub use client::{Client, Connection, Form, Method, Weight};
pub use error::PveError;
pub mod vm_api;

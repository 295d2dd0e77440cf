//! Simulators of the Cloudflare v4 DNS API and the HestiaCP CLI-over-HTTP
//! API, faithful to `reference/dns-apis.md`: strict about bad payloads,
//! authentication and unknown records, and able to inject timeouts, 5xx,
//! 429 with Retry-After, auth errors and HTML answers. HTTP parsing is the
//! Proxmox simulator's. Each simulator has a `/_sim/` control API on its
//! own port (see README.md); faults never apply to it.

pub mod cloudflare;
pub mod common;
pub mod hestia;

pub use common::{serve, Server};

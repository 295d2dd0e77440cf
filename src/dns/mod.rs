//! DNS automation (Addons > PUQ Proxmox KVM > DNS Zones): zones on
//! PowerDNS, Cloudflare and HestiaCP, and the forward (A/AAAA) and reverse
//! (PTR) records of every service in every zone they fall into.
//!
//! What this module owns: zone validation and storage (credentials
//! encrypted with WHMCS's `encrypt()`), zone matching (IPv4 /8 /16 /24,
//! RFC 2317 classless zones, IPv6 nibble zones), the provider clients, and
//! the [`create`] / [`delete`] runs the state machines call from worker
//! threads — pure Rust, no Zend, never failing: every zone and record has
//! its own error boundary and a report line. Only [`load_zones`] needs the
//! Host (to decrypt), so it runs on the PHP thread and the result travels
//! with the job. What it must not do: talk to Proxmox or know about PHP.

pub mod cloudflare;
pub mod hestia;
pub mod http;
pub mod legacy;
pub mod names;
pub mod powerdns;
pub mod provider;
pub mod records;
pub mod store;
pub mod zone;

pub use records::{
    create, delete, resync, service_records, set_reverse, DnsReport, IpRecord, ServiceRecords,
};
pub use store::{load_zones, MIGRATION};
pub use zone::{Kind, Provider, Secret, Zone, KEEP};

/// The configured zones with their credentials decrypted, as a job carries
/// them. `Debug` shows no secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Zones {
    pub zones: Vec<Zone>,
}

impl Zones {
    /// Every credential, for masking in WHMCS's module log.
    pub fn secrets(&self) -> Vec<String> {
        self.zones
            .iter()
            .map(|z| z.provider.secret().expose().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// The Test button: a live check of one zone against its provider.
pub fn test_zone(zone: &Zone, timeout: std::time::Duration) -> Result<String, String> {
    provider::client(zone, timeout)
        .test()
        .map_err(|e| e.message)
}

//! IP pools (Addons > PUQ Proxmox KVM > IP Pools) and the allocation of
//! addresses to services, with the server's legacy "Assigned IP Addresses"
//! list as the fallback (pools first, then the list).
//!
//! What this module owns: the pool rules, the reverse-zone hint, the two
//! tables below, and allocation that is safe with many concurrent
//! allocators (row lock per pool, unique key per server address,
//! duplicate-key retry) and never enumerates a range — an IPv6 /64 costs
//! what an IPv4 /29 costs, because only allocated rows are ever read.
//! What it must not do: talk to Proxmox or DNS, or know about PHP.

pub mod addr;
pub mod alloc;
pub mod legacy;
pub mod pool;
pub mod rdns;
pub mod render;
pub mod store;

#[cfg(test)]
mod db_tests;

pub use addr::Family;
pub use alloc::{
    addresses_of, allocate, recycle_terminated, release, release_extra, Allocation, Assigned,
    Request,
};
pub use pool::Pool;
pub use rdns::{reverse_zone, RdnsHint};
pub use render::{hosting_ips, write_hosting_ips, HostingIps};
pub use store::{create_pool, delete_pool, get_pool, list_pools, update_pool, PoolUsage};

pub const POOLS_TABLE: &str = "puqProxmoxKVM_ip_pools";
pub const ADDRESSES_TABLE: &str = "puqProxmoxKVM_ip_addresses";

/// The schema, for the migration list. Addresses are stored as text and as
/// big-endian bytes (4 or 16), whose order is numeric order within a
/// family. One row per allocated address only: ranges are never
/// materialised. `pool_id = 0` marks an address from the server's legacy
/// list. The unique key makes an address of a server impossible to hand
/// out twice, whichever source (pool, overlapping pool, legacy list) it
/// came from; the same key's index serves the gap search.
pub const MIGRATION: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS puqProxmoxKVM_ip_pools (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        server_id INT UNSIGNED NOT NULL,
        family TINYINT UNSIGNED NOT NULL,
        bridge VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        vlan SMALLINT UNSIGNED NOT NULL DEFAULT 0,
        gateway VARCHAR(45) NOT NULL,
        mask TINYINT UNSIGNED NOT NULL,
        dns1 VARCHAR(45) NOT NULL DEFAULT '',
        dns2 VARCHAR(45) NOT NULL DEFAULT '',
        address_start VARCHAR(45) NOT NULL,
        address_stop VARCHAR(45) NOT NULL,
        next_hint VARBINARY(16) NULL,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
        KEY idx_server (server_id, family)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE IF NOT EXISTS puqProxmoxKVM_ip_addresses (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        pool_id INT UNSIGNED NOT NULL DEFAULT 0,
        server_id INT UNSIGNED NOT NULL,
        service_id INT UNSIGNED NOT NULL,
        family TINYINT UNSIGNED NOT NULL,
        address VARCHAR(45) NOT NULL,
        address_bin VARBINARY(16) NOT NULL,
        prefix TINYINT UNSIGNED NOT NULL,
        gateway VARCHAR(45) NOT NULL DEFAULT '',
        dns VARCHAR(255) NOT NULL DEFAULT '',
        bridge VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        vlan SMALLINT UNSIGNED NOT NULL DEFAULT 0,
        is_primary TINYINT(1) NOT NULL DEFAULT 0,
        allocated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        UNIQUE KEY uniq_server_address (server_id, family, address_bin),
        KEY idx_service (service_id),
        KEY idx_pool (pool_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
];

/// Whether a driver error is MySQL's duplicate-key error (1062).
fn is_duplicate(e: &mysql::Error) -> bool {
    matches!(e, mysql::Error::MySqlError(m) if m.code == 1062)
}

/// Deadlock (1213) or lock wait timeout (1205): the transaction is gone and
/// may be retried from the start.
fn is_retryable(e: &mysql::Error) -> bool {
    matches!(e, mysql::Error::MySqlError(m) if m.code == 1213 || m.code == 1205)
}

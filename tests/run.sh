#!/usr/bin/env bash
# The whole test suite: formatting, clippy, Rust unit and integration tests,
# and the PHP-level tests that load the built extension into php-cli against
# a throwaway MariaDB and the Proxmox simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
tests/lib/deps.sh
source tests/lib/bench-env.sh

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --release --features puq_proxmox_kvm/vncproxy -- -D warnings
echo "== build (release)"
cargo build --workspace --release --features puq_proxmox_kvm/vncproxy
start_bench
echo "== tests"
cargo test --workspace --release --features puq_proxmox_kvm/vncproxy -- --test-threads="${PUQ_TEST_THREADS:-4}"
echo "== all tests passed"

#!/usr/bin/env bash
# Deploy benchmark (prints figures). Environment: BENCH_VMS (200),
# BENCH_WORKERS (32), BENCH_LATENCY_MS (20), BENCH_SINGLE_VMS (10); the cron benchmark
# (tests/bench_cron.php): BENCH_STATS_VMS (2000), BENCH_BACKUP_VMS (500); the client area
# (tests/bench_client.php): BENCH_CLIENT_VMS (40), BENCH_FPM_CHILDREN (16).
set -euo pipefail
cd "$(dirname "$0")/.."
tests/lib/deps.sh
source tests/lib/bench-env.sh
cargo build --workspace --release --features puq_proxmox_kvm/vncproxy
start_bench
php -d extension="$PUQ_EXT" -d zend.assertions=1 -d memory_limit=1G tests/bench.php
echo
php -d extension="$PUQ_EXT" -d zend.assertions=1 tests/bench_ippool.php
echo
php -d extension="$PUQ_EXT" -d zend.assertions=1 -d memory_limit=1G tests/bench_cron.php
echo
php -d extension="$PUQ_EXT" -d zend.assertions=1 tests/bench_dns.php
echo
php -d extension="$PUQ_EXT" -d zend.assertions=1 -d assert.exception=1 tests/bench_service_page.php
echo
php -d extension="$PUQ_EXT" -d zend.assertions=1 -d memory_limit=1G tests/bench_deploy_dns.php
echo
php -d extension="$PUQ_EXT" -d zend.assertions=1 -d memory_limit=512M tests/bench_convert.php
echo
php -d extension="$PUQ_EXT" -d zend.assertions=1 -d assert.exception=1 -d memory_limit=512M tests/bench_client.php
echo
# The console proxy (puq-vncproxy): relay throughput and added latency against a direct WebSocket, consoles
# opened per second, memory with 1,000 idle sessions (tests/console_proxy.rs, bench_console_proxy).
cargo test --release -q --features puq_proxmox_kvm/vncproxy --test console_proxy -- --ignored --nocapture bench_console_proxy 2>&1 \
    | grep '^console proxy:'

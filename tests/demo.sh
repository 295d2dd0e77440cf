#!/usr/bin/env bash
# The main job: build the extension and the Proxmox simulator, start a
# throwaway MariaDB, activate the addon and run the module end to end in real
# PHP, printing what happens.
set -euo pipefail
cd "$(dirname "$0")/.."
tests/lib/deps.sh
source tests/lib/bench-env.sh
echo "== build (release)"
cargo build --workspace --release
start_bench
php -d extension="$PUQ_EXT" -d zend.assertions=1 -d assert.exception=1 tests/demo.php

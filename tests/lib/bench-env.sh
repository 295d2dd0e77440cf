# Sourced by tests/run.sh and tests/demo.sh: builds the extension and the
# Proxmox simulator, starts a throwaway MariaDB, and exports where they are.
# Everything started here is stopped by the EXIT trap.

PUQ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$PUQ_ROOT"
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"

free_port() {
    php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false); echo substr($n, strrpos($n, ":") + 1);'
}

start_bench() {
    PUQ_RUN_DIR="$(mktemp -d /tmp/puq-bench.XXXXXX)"
    export PUQ_RUN_DIR
    trap stop_bench EXIT
    local port
    port="$(free_port)"
    tests/services/mariadb.sh start "$PUQ_RUN_DIR/mariadb" "$port" >/dev/null
    export PUQ_TEST_DB_HOST=127.0.0.1 PUQ_TEST_DB_PORT="$port"
    export PUQ_TEST_DB_USER=whmcs PUQ_TEST_DB_PASS=whmcs-test-pw
    export PUQ_EXT="$PUQ_ROOT/target/release/libpuq_proxmox_kvm.so"
    export PUQ_SIM_BIN="$PUQ_ROOT/target/release/pve-sim"
    export PUQ_DNS_SIM_BIN="$PUQ_ROOT/target/release/dns-sim"
    # A real PowerDNS for the DNS tests (tests/services/pdns.sh).
    port="$(free_port)"
    tests/services/pdns.sh start "$PUQ_RUN_DIR/pdns" "$port" "$(free_port)" >/dev/null
    export PUQ_PDNS_URL="http://127.0.0.1:$port" PUQ_PDNS_KEY="$(cat "$PUQ_RUN_DIR/pdns/api-key")"
}

stop_bench() {
    if [ -n "${PUQ_RUN_DIR:-}" ]; then
        tests/services/mariadb.sh stop "$PUQ_RUN_DIR/mariadb" >/dev/null 2>&1 || true
        tests/services/pdns.sh stop "$PUQ_RUN_DIR/pdns" >/dev/null 2>&1 || true
        rm -rf "$PUQ_RUN_DIR"
    fi
}

#!/usr/bin/env bash
# The addon's admin pages in a real browser.
#
#   tests/admin-pages.sh [DIR]        build, start MariaDB + the Proxmox simulator + the WHMCS-like admin shell
#                                     (php -S with the built extension), load sample data, run the browser tests
#                                     (tests/admin/pages/*.mjs, headless chromium) and write the screenshots to DIR
#                                     (default target/screenshots). Exit status: the tests'.
#   tests/admin-pages.sh --serve      the same shell and sample data, no tests: prints each page's URL and keeps
#                                     running until Ctrl-C, so the pages can be looked at without a WHMCS.
#
# Environment: PUQ_NO_BUILD=1 skips cargo; PUQ_ONLY=NAME runs only tests/admin/pages/*NAME*.mjs;
# PUQ_SHELL_PORT fixes the shell's port (--serve; default: a free one); PUQ_AREA=client runs the client area
# instead (tests/client-pages.sh: a real PowerDNS too, seed_client.php, tests/client/pages/*.mjs, screenshots
# to target/screenshots/client).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SERVE=0
AREA="${PUQ_AREA:-admin}"
SHOTS="$ROOT/target/screenshots"
[ "$AREA" = client ] && SHOTS="$ROOT/target/screenshots/client"
for a in "$@"; do
    case "$a" in
        --serve) SERVE=1 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) SHOTS="$(mkdir -p "$a" && cd "$a" && pwd)" ;;
    esac
done

# --- what the browser tests need, installed idempotently --------------------------------------------
# (chromium, Node.js and npm come with the rest in tests/lib/deps.sh)
tests/lib/deps.sh
if [ ! -f tests/admin/node_modules/.package-lock.json ] || [ tests/admin/package-lock.json -nt tests/admin/node_modules/.package-lock.json ]; then
    (cd tests/admin && npm ci --no-audit --no-fund --ignore-scripts)
fi

[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
if [ "${PUQ_NO_BUILD:-}" != 1 ]; then
    CARGO_PROFILE_RELEASE_INCREMENTAL=true cargo build --release -q -p puq_proxmox_kvm -p pve-sim --features puq_proxmox_kvm/vncproxy
fi
EXT="$ROOT/target/release/libpuq_proxmox_kvm.so"

# --- services ------------------------------------------------------------------------------------------
RUN="$(mktemp -d /tmp/puq-admin-pages.XXXXXX)"
echo "admin-pages: run directory $RUN"
# Each service runs in its own session and process group (setsid), so stopping it stops everything it forked
# (php -S with PHP_CLI_SERVER_WORKERS forks workers that outlive a plain kill of their parent).
PIDS=()
cleanup() {
    local p _
    for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        local alive=0
        for p in "${PIDS[@]}"; do kill -0 -- "-$p" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    tests/services/mariadb.sh stop "$RUN/mariadb" >/dev/null 2>&1 || true
    [ -d "$RUN/pdns" ] && tests/services/pdns.sh stop "$RUN/pdns" >/dev/null 2>&1 || true
    rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false); echo substr($n, strrpos($n, ":") + 1);'
}

DB_PORT="$(free_port)"
tests/services/mariadb.sh start "$RUN/mariadb" "$DB_PORT" >/dev/null
export PUQ_TEST_DB_HOST=127.0.0.1 PUQ_TEST_DB_PORT="$DB_PORT" PUQ_TEST_DB_USER=whmcs PUQ_TEST_DB_PASS=whmcs-test-pw
export PUQ_TEST_DB_NAME="whmcs_${AREA}_pages"
export PUQ_TEST_CC_HASH="admin-pages-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

setsid "$ROOT/target/release/pve-sim" --http 127.0.0.1:0 --https 127.0.0.1:0 \
    --token 'root@pam!whmcs=5f1a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b' --ready-file "$RUN/sim.json" >"$RUN/sim.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 200); do [ -s "$RUN/sim.json" ] && php -r 'exit(json_decode(file_get_contents($argv[1])) ? 0 : 1);' "$RUN/sim.json" && break; sleep 0.05; done
export PUQ_SIM_HTTPS_PORT PUQ_SIM_FINGERPRINT PUQ_SIM_HTTP_PORT
PUQ_SIM_HTTPS_PORT="$(php -r 'echo json_decode(file_get_contents($argv[1]), true)["https_port"];' "$RUN/sim.json")"
PUQ_SIM_HTTP_PORT="$(php -r 'echo json_decode(file_get_contents($argv[1]), true)["http_port"];' "$RUN/sim.json")"
PUQ_SIM_FINGERPRINT="$(php -r 'echo json_decode(file_get_contents($argv[1]), true)["fingerprint"];' "$RUN/sim.json")"
export PUQ_DOWN_PORT

# --- the console: a real QEMU (no disk: the SeaBIOS screen; VNC on loopback with a password that the simulator's
# vncproxy sets through QMP) behind the simulator's vncwebsocket, and puq-vncproxy with its own TLS in front.
VNC_PORT="$(free_port)"
setsid qemu-system-x86_64 -display none -vnc "127.0.0.1:$((VNC_PORT - 5900)),password=on" \
    -qmp "unix:$RUN/qmp.sock,server=on,wait=off" -monitor vc -m 32 -nodefaults -no-user-config -vga std -nic none \
    >"$RUN/qemu.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 200); do [ -S "$RUN/qmp.sock" ] && break; sleep 0.05; done
curl -sf -X POST "http://127.0.0.1:$PUQ_SIM_HTTP_PORT/_sim/vnc" \
    -d "{\"backend\":\"127.0.0.1:$VNC_PORT\",\"qmp\":\"$RUN/qmp.sock\"}" >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -days 2 -keyout "$RUN/proxy.key" -out "$RUN/proxy.crt" >/dev/null 2>&1
export PUQ_CONSOLE_KEY PUQ_CONSOLE_DOMAIN PUQ_CONSOLE_LOG="$RUN/vncproxy.log" PUQ_CHROMIUM_SPKI
PUQ_CONSOLE_KEY="console-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
PROXY_PORT="$(free_port)"
PUQ_CONSOLE_DOMAIN="localhost:$PROXY_PORT"
# Chromium trusts exactly this certificate (its public key's SHA-256), nothing else.
PUQ_CHROMIUM_SPKI="$(openssl x509 -in "$RUN/proxy.crt" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
setsid "$ROOT/target/release/puq-vncproxy" --key "$PUQ_CONSOLE_KEY" --listen "127.0.0.1:$PROXY_PORT" \
    --tls-cert "$RUN/proxy.crt" --tls-key "$RUN/proxy.key" --novnc "$ROOT/tests/admin/node_modules/@novnc/novnc" \
    >"$PUQ_CONSOLE_LOG" 2>&1 &
PIDS+=($!)
PUQ_DOWN_PORT="$(free_port)"   # nothing listens there: the "unreachable" server

if [ "$AREA" = client ]; then
    # The reverse DNS page writes PTR records to a real PowerDNS.
    PDNS_PORT="$(free_port)"
    tests/services/pdns.sh start "$RUN/pdns" "$PDNS_PORT" "$(free_port)" >/dev/null
    export PUQ_PDNS_URL="http://127.0.0.1:$PDNS_PORT" PUQ_PDNS_KEY
    PUQ_PDNS_KEY="$(cat "$RUN/pdns/api-key")"
fi
export PUQ_EXT="$EXT"
PHPX=(php -d "extension=$EXT" -d zend.assertions=1 -d assert.exception=1 -d display_errors=stderr -d "session.save_path=$RUN")
if [ "$AREA" = client ]; then
    "${PHPX[@]}" tests/admin/seed_client.php >"$RUN/seed.json"
else
    "${PHPX[@]}" tests/admin/seed.php >"$RUN/seed.json"
fi

SHELL_PORT="${PUQ_SHELL_PORT:-$(free_port)}"
PHP_CLI_SERVER_WORKERS=4 setsid "${PHPX[@]}" -S "127.0.0.1:$SHELL_PORT" tests/admin/shell/router.php >"$RUN/shell.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do php -r '$s=@fsockopen("127.0.0.1", (int)$argv[1]); exit($s ? 0 : 1);' "$SHELL_PORT" && break; sleep 0.05; done
URL="http://127.0.0.1:$SHELL_PORT"

if [ "$SERVE" = 1 ] && [ "$AREA" = client ]; then
    CAROL="$(php -r 'echo json_decode(file_get_contents($argv[1]), true)["carol"];' "$RUN/seed.json")"
    echo "Client area shell: $URL  (log in: $URL/login.php?uid=$CAROL)"
    php -r '$s = json_decode(file_get_contents($argv[1]), true); foreach ($s["services"] as $k => $id) { echo "  $k: " . $argv[2] . "/login.php?uid=" . $s["carol"] . "&to=/clientarea.php%3Faction%3Dproductdetails%26id%3D$id\n"; }' "$RUN/seed.json" "$URL"
    echo "Ctrl-C stops it."
    wait "${PIDS[@]}"
    exit 0
fi
if [ "$SERVE" = 1 ]; then
    ADMIN="$(php -r 'echo json_decode(file_get_contents($argv[1]), true)["admin_id"];' "$RUN/seed.json")"
    echo "Admin shell: $URL  (log in: $URL/admin/login.php?id=$ADMIN)"
    for p in dashboard ip_pools vms settings; do
        echo "  $p: $URL/admin/login.php?id=$ADMIN&to=/admin/addonmodules.php?module=puq_proxmox_kvm%26page=$p"
    done
    for f in tests/admin/shell/admin/*.php; do
        n="$(basename "$f" .php)"; [ "$n" = addonmodules ] || [ "$n" = login ] && continue
        echo "  $n: $URL/admin/$n.php"
    done
    echo "Ctrl-C stops it."
    wait "${PIDS[@]}"
    exit 0
fi

set +e
PAGES_DIR="$ROOT/tests/admin/pages"
[ "$AREA" = client ] && PAGES_DIR="$ROOT/tests/client/pages"
PUQ_SHELL_URL="$URL" PUQ_SEED="$RUN/seed.json" PUQ_SCREENSHOTS="$SHOTS" PUQ_PAGES_DIR="$PAGES_DIR" PUQ_LOGIN="$AREA" \
    PUQ_ROOT="$ROOT" node tests/admin/run.mjs
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
    echo "--- shell log (PHP stderr) ---"; grep -v -E "(Accepted|Closing)$" "$RUN/shell.log" | tail -n 40
fi
# A Rust panic is a bug even when the guard caught it: PHP's stderr must
# hold none (the default panic hook prints "thread '…' panicked at …").
if grep -q "panicked" "$RUN/shell.log"; then
    echo "FAIL: PHP stderr holds a Rust panic:"; grep -B2 -A4 "panicked" "$RUN/shell.log" | head -n 40
    rc=1
fi
exit "$rc"

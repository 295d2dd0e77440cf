#!/usr/bin/env bash
# Throwaway PowerDNS Authoritative server (sqlite3 backend) with its HTTP API on loopback, for tests.
#
#   tests/services/pdns.sh start  DIR API_PORT [DNS_PORT]   create DIR (once), start pdns_server, wait for the API
#   tests/services/pdns.sh stop   DIR                      stop exactly the pdns_server started for DIR
#   tests/services/pdns.sh status DIR                      exit 0 if it runs and the API answers
#
# Layout inside DIR: pdns.conf, pdns.db (sqlite3), pdns.log, pdns.pid, api-key.
# The API key is PUQ_PDNS_API_KEY (default: a random one, written to DIR/api-key).
# API: http://127.0.0.1:API_PORT/api/v1 ; DNS on 127.0.0.1:DNS_PORT (default API_PORT+1).
set -u

START_TIMEOUT="${PUQ_PDNS_START_TIMEOUT:-20}"

die() { echo "pdns.sh: $*" >&2; exit 1; }
usage() { echo "usage: $0 start DIR API_PORT [DNS_PORT] | stop DIR | status DIR" >&2; exit 2; }

find_bin() {
    local name
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
        if [ -x "/usr/sbin/$name" ]; then echo "/usr/sbin/$name"; return 0; fi
    done
    return 1
}

running_pid() {
    local dir="$1" pid
    [ -f "$dir/pdns.pid" ] || return 1
    pid="$(tr -dc '0-9' <"$dir/pdns.pid")"
    [ -n "$pid" ] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "pdns_server" ] || return 1
    echo "$pid"
}

api_port() { sed -n 's/^webserver-port=//p' "$1/pdns.conf" 2>/dev/null; }

answers() {
    local dir="$1" port key
    port="$(api_port "$dir")"; key="$(cat "$dir/api-key" 2>/dev/null)"
    [ -n "$port" ] || return 1
    curl -fsS -m 2 -H "X-API-Key: $key" "http://127.0.0.1:$port/api/v1/servers/localhost" >/dev/null 2>&1
}

cmd_start() {
    local dir="$1" port="$2" dns_port="${3:-}" pid waited key
    case "$port" in ''|*[!0-9]*) die "API_PORT must be a number, got '$port'" ;; esac
    [ -n "$dns_port" ] || dns_port=$((port + 1))
    case "$dns_port" in *[!0-9]*) die "DNS_PORT must be a number, got '$dns_port'" ;; esac
    PDNS="$(find_bin pdns_server)" || die "pdns_server not found (apt-get install -y pdns-server pdns-backend-sqlite3)"
    SQLITE="$(find_bin sqlite3)" || die "sqlite3 not found (apt-get install -y sqlite3)"
    SCHEMA=/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
    [ -f "$SCHEMA" ] || die "$SCHEMA not found (apt-get install -y pdns-backend-sqlite3)"
    mkdir -p "$dir" || die "cannot create $dir"
    dir="$(cd "$dir" && pwd)"

    if pid="$(running_pid "$dir")"; then
        answers "$dir" && { echo "pdns.sh: already running (pid $pid) in $dir"; return 0; }
        die "pdns_server pid $pid for $dir is alive but its API does not answer; run '$0 stop $dir' first"
    fi
    rm -f "$dir/pdns.pid"

    if [ ! -s "$dir/api-key" ]; then
        key="${PUQ_PDNS_API_KEY:-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')}"
        printf '%s' "$key" >"$dir/api-key"
    fi
    key="$(cat "$dir/api-key")"
    if [ ! -s "$dir/pdns.db" ]; then
        "$SQLITE" "$dir/pdns.db" <"$SCHEMA" || die "could not create $dir/pdns.db"
    fi
    cat >"$dir/pdns.conf" <<CONF
launch=gsqlite3
gsqlite3-database=$dir/pdns.db
local-address=127.0.0.1
local-port=$dns_port
api=yes
api-key=$key
webserver=yes
webserver-address=127.0.0.1
webserver-port=$port
webserver-allow-from=127.0.0.0/8
socket-dir=$dir
guardian=no
daemon=no
security-poll-suffix=
CONF
    : >"$dir/pdns.log"
    setsid "$PDNS" --config-dir="$dir" </dev/null >>"$dir/pdns.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/pdns.pid"
    waited=0
    while ! answers "$dir"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$dir/pdns.log" >&2
            rm -f "$dir/pdns.pid"
            die "pdns_server exited during start-up (port $port or $dns_port busy? see above)"
        fi
        if [ "$waited" -ge $((START_TIMEOUT * 4)) ]; then
            tail -n 30 "$dir/pdns.log" >&2
            kill -TERM "$pid" 2>/dev/null
            rm -f "$dir/pdns.pid"
            die "the PowerDNS API did not answer within ${START_TIMEOUT}s"
        fi
        sleep 0.25
        waited=$((waited + 1))
    done
    echo "pdns.sh: pdns_server pid $pid, API http://127.0.0.1:$port/api/v1, DNS 127.0.0.1:$dns_port"
}

cmd_stop() {
    local dir="$1" pid i
    [ -d "$dir" ] || { echo "pdns.sh: $dir does not exist; nothing to stop"; return 0; }
    if ! pid="$(running_pid "$dir")"; then
        rm -f "$dir/pdns.pid"; echo "pdns.sh: not running ($dir)"; return 0
    fi
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    rm -f "$dir/pdns.pid"
    echo "pdns.sh: stopped pid $pid"
}

cmd_status() {
    local dir="$1" pid
    if pid="$(running_pid "$dir")" && answers "$dir"; then echo "pdns.sh: running (pid $pid)"; return 0; fi
    echo "pdns.sh: not running ($dir)"; return 1
}

[ $# -ge 2 ] || usage
case "$1" in
    start)  [ $# -ge 3 ] && [ $# -le 4 ] || usage; cmd_start "$2" "$3" "${4:-}" ;;
    stop)   [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
    status) [ $# -eq 2 ] || usage; cmd_status "$2" ;;
    *) usage ;;
esac

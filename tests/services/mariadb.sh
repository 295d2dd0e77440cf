#!/usr/bin/env bash
# Throwaway MariaDB on loopback for the test suite (no systemd needed; works as root).
#
#   tests/services/mariadb.sh start  DIR PORT   initialise DIR (once), start mariadbd, wait, create the test user
#   tests/services/mariadb.sh stop   DIR        stop exactly the mariadbd started for DIR
#   tests/services/mariadb.sh status DIR        exit 0 if that mariadbd is running and answering
#
# Layout inside DIR: data/ (datadir), sock (Unix socket), error.log, mariadbd.pid (pid of our mariadbd).
# The test user is 'whmcs'@'127.0.0.1' (and @'localhost') with password 'whmcs-test-pw' and all privileges
# WITH GRANT OPTION, so every test can create and drop its own database.
# Override the user/password with PUQ_TEST_DB_USER / PUQ_TEST_DB_PASS; PUQ_MARIADB_EXTRA_ARGS adds server
# options (e.g. --lower-case-table-names=1).
set -u

DB_USER="${PUQ_TEST_DB_USER:-whmcs}"
DB_PASS="${PUQ_TEST_DB_PASS:-whmcs-test-pw}"
START_TIMEOUT="${PUQ_MARIADB_START_TIMEOUT:-30}"

die() { echo "mariadb.sh: $*" >&2; exit 1; }

usage() {
    echo "usage: $0 start DIR PORT | stop DIR | status DIR" >&2
    exit 2
}

find_bin() {
    local name
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
        if [ -x "/usr/sbin/$name" ]; then echo "/usr/sbin/$name"; return 0; fi
        if [ -x "/usr/bin/$name" ]; then echo "/usr/bin/$name"; return 0; fi
    done
    return 1
}

show_log_tail() {
    local dir="$1"
    if [ -s "$dir/error.log" ]; then
        echo "---- last lines of $dir/error.log ----" >&2
        tail -n 40 "$dir/error.log" >&2
        echo "---------------------------------------" >&2
    fi
}

# pid from DIR/mariadbd.pid if that process is alive and is a mariadbd/mysqld.
running_pid() {
    local dir="$1" pid comm
    [ -f "$dir/mariadbd.pid" ] || return 1
    pid="$(tr -dc '0-9' <"$dir/mariadbd.pid")"
    [ -n "$pid" ] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    case "$comm" in
        mariadbd|mysqld) echo "$pid"; return 0 ;;
        *) return 1 ;;
    esac
}

client() {
    local dir="$1"; shift
    "$MARIADB" --no-defaults --protocol=socket -S "$dir/sock" -uroot "$@"
}

answers() {
    "$MARIADB_ADMIN" --no-defaults --protocol=socket -S "$1/sock" -uroot --connect-timeout=2 ping >/dev/null 2>&1
}

create_user() {
    local dir="$1" esc_pass
    esc_pass="${DB_PASS//\\/\\\\}"
    esc_pass="${esc_pass//\'/\\\'}"
    client "$dir" -e "
        CREATE USER IF NOT EXISTS '${DB_USER}'@'127.0.0.1' IDENTIFIED BY '${esc_pass}';
        ALTER USER '${DB_USER}'@'127.0.0.1' IDENTIFIED BY '${esc_pass}';
        GRANT ALL PRIVILEGES ON *.* TO '${DB_USER}'@'127.0.0.1' WITH GRANT OPTION;
        CREATE USER IF NOT EXISTS '${DB_USER}'@'localhost' IDENTIFIED BY '${esc_pass}';
        ALTER USER '${DB_USER}'@'localhost' IDENTIFIED BY '${esc_pass}';
        GRANT ALL PRIVILEGES ON *.* TO '${DB_USER}'@'localhost' WITH GRANT OPTION;
        FLUSH PRIVILEGES;" 2>"$dir/client.err" || {
        cat "$dir/client.err" >&2
        die "could not create user '${DB_USER}' (see above)"
    }
}

cmd_start() {
    local dir="$1" port="$2" pid waited
    case "$port" in ''|*[!0-9]*) die "PORT must be a number, got '$port'" ;; esac
    mkdir -p "$dir" || die "cannot create $dir"
    dir="$(cd "$dir" && pwd)"

    MARIADBD="$(find_bin mariadbd mysqld)" || die "mariadbd not found (apt-get install -y mariadb-server)"
    INSTALL_DB="$(find_bin mariadb-install-db mysql_install_db)" || die "mariadb-install-db not found"
    MARIADB="$(find_bin mariadb mysql)" || die "mariadb client not found"
    MARIADB_ADMIN="$(find_bin mariadb-admin mysqladmin)" || die "mariadb-admin not found"

    if pid="$(running_pid "$dir")"; then
        if answers "$dir"; then
            create_user "$dir"
            echo "mariadb.sh: already running (pid $pid) in $dir"
            return 0
        fi
        die "mariadbd pid $pid for $dir is alive but does not answer on $dir/sock; run '$0 stop $dir' first"
    fi
    rm -f "$dir/mariadbd.pid"

    # Unix socket paths are limited to ~107 bytes.
    if [ "${#dir}" -gt 100 ]; then die "DIR path too long for a Unix socket: $dir"; fi

    # Its own temporary directory: several servers are set up at once (the browser suites run in parallel)
    # and their bootstrap temporary tables must not meet in a shared /tmp.
    mkdir -p "$dir/tmp"
    if [ ! -d "$dir/data/mysql" ]; then
        rm -rf "$dir/data"
        if ! "$INSTALL_DB" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --auth-root-authentication-method=normal \
                --skip-test-db --user="$(id -un)" >"$dir/install.log" 2>&1; then
            tail -n 40 "$dir/install.log" >&2
            die "mariadb-install-db failed (full log: $dir/install.log)"
        fi
    fi

    : >"$dir/error.log"
    # setsid: own session, so a Ctrl-C in the calling shell does not hit the server; we stop it by pid.
    setsid "$MARIADBD" --no-defaults \
        --datadir="$dir/data" \
        --tmpdir="$dir/tmp" \
        --socket="$dir/sock" \
        --port="$port" \
        --bind-address=127.0.0.1 \
        --user="$(id -un)" \
        --skip-log-bin \
        --skip-name-resolve \
        --pid-file="$dir/data/mariadbd.server.pid" \
        --log-error="$dir/error.log" \
        --innodb-buffer-pool-size=32M \
        --innodb-log-file-size=16M \
        --innodb-log-buffer-size=4M \
        --innodb-use-native-aio=0 \
        --innodb-flush-log-at-trx-commit=2 \
        --key-buffer-size=1M \
        --max-connections=200 \
        --performance-schema=OFF \
        --character-set-server=utf8mb4 \
        --collation-server=utf8mb4_unicode_ci \
        ${PUQ_MARIADB_EXTRA_ARGS:-} \
        </dev/null >>"$dir/error.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/mariadbd.pid"

    waited=0
    while ! answers "$dir"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            show_log_tail "$dir"
            rm -f "$dir/mariadbd.pid"
            die "mariadbd exited during start-up (port $port busy? see the log above)"
        fi
        if [ "$waited" -ge $((START_TIMEOUT * 4)) ]; then
            show_log_tail "$dir"
            kill -TERM "$pid" 2>/dev/null
            rm -f "$dir/mariadbd.pid"
            die "mariadbd did not answer within ${START_TIMEOUT}s"
        fi
        sleep 0.25
        waited=$((waited + 1))
    done

    create_user "$dir"
    echo "mariadb.sh: mariadbd pid $pid listening on 127.0.0.1:$port (socket $dir/sock)"
}

cmd_stop() {
    local dir="$1" pid i
    [ -d "$dir" ] || { echo "mariadb.sh: $dir does not exist; nothing to stop"; return 0; }
    if ! pid="$(running_pid "$dir")"; then
        rm -f "$dir/mariadbd.pid"
        echo "mariadb.sh: not running ($dir)"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 120); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "mariadb.sh: pid $pid ignored SIGTERM for 30s; sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null
        sleep 0.5
    fi
    # Reap it if it is our child (it is not, across invocations; harmless otherwise).
    wait "$pid" 2>/dev/null || true
    rm -f "$dir/mariadbd.pid"
    echo "mariadb.sh: stopped pid $pid"
}

cmd_status() {
    local dir="$1" pid
    MARIADB_ADMIN="$(find_bin mariadb-admin mysqladmin)" || die "mariadb-admin not found"
    if pid="$(running_pid "$dir")" && answers "$dir"; then
        echo "mariadb.sh: running (pid $pid)"
        return 0
    fi
    echo "mariadb.sh: not running ($dir)"
    return 1
}

[ $# -ge 2 ] || usage
case "$1" in
    start)  [ $# -eq 3 ] || usage; cmd_start "$2" "$3" ;;
    stop)   [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
    status) [ $# -eq 2 ] || usage; cmd_status "$2" ;;
    *) usage ;;
esac

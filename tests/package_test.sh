#!/usr/bin/env bash
# The release packages (tests/package.sh), installed with dpkg and used:
#   - builds them from the release build (PUQ_NO_BUILD=1 unless PUQ_PACKAGE_BUILD=1), with a stand-in binary for
#     puq-vncproxy while this tree has none (the real one when it exists, or PUQ_VNCPROXY_BIN=FILE);
#   - installs the extension package with dpkg into a scratch root (dpkg --root --force-script-chrootless: the
#     maintainer scripts honour DPKG_ROOT, so nothing outside the scratch root is touched — this machine's PHP
#     and the other test runs that load their own build are left alone), twice (idempotent);
#   - loads the installed .so through the installed ini and conf.d links into php-cli (php --ri) and into a
#     php-fpm on a temporary socket that answers a FastCGI request calling a native function;
#   - checks the refusal of another PHP API (preinst) and that nothing was unpacked then;
#   - installs the console proxy's package the same way (user, generated key, unit, config mode);
#   - removes and purges both, and checks the tarball of php/modules;
#   - then installs both for real — plain `dpkg -i` against this machine's PHP packages, the maintainer scripts
#     running phpenmod/useradd as on a server — but in a private mount namespace whose /etc, /usr and /var are
#     copy-on-write overlays, so no other process ever sees the package and nothing of it stays: the system
#     php-cli (php --ri) and php-fpm with their own configuration load it, remove and purge leave nothing.
# Everything it makes is under one temporary directory, removed on exit; php-fpm is stopped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
ok() { echo "  ok  $*"; }
[ "$(id -u)" = 0 ] || { echo "package_test: needs root (dpkg); skipped"; echo OK; exit 0; }

# The real installation, run by this script inside its private mount namespace (see the end).
if [ "${1:-}" = --in-namespace ]; then
    T=$2 DEB=$3 VDEB=$4
    PHPVER="$(php-config --version | cut -d. -f1,2)"
    EXTDIR="$(php-config --extension-dir)"
    PKG="php${PHPVER}-puq-proxmox-kvm"
    for d in etc usr var; do
        mkdir -p "$T/ns/$d-up" "$T/ns/$d-work"
        mount -t overlay overlay -o "lowerdir=/$d,upperdir=$T/ns/$d-up,workdir=$T/ns/$d-work" "/$d"
    done
    # A /run of its own: no service manager is asked to do anything for this view of the machine, and the
    # unit's runtime directory below lives only here.
    mount -t tmpfs tmpfs /run
    dpkg -i "$DEB" > "$T/ns/dpkg.log" 2>&1 || { cat "$T/ns/dpkg.log"; fail "real dpkg -i"; }
    dpkg -i "$DEB" >> "$T/ns/dpkg.log" 2>&1 || { cat "$T/ns/dpkg.log"; fail "real dpkg -i again"; }
    for sapi in cli fpm; do
        link="/etc/php/$PHPVER/$sapi/conf.d/20-puq_proxmox_kvm.ini"
        [ "$(readlink "$link")" = "/etc/php/$PHPVER/mods-available/puq_proxmox_kvm.ini" ] || fail "phpenmod did not enable $sapi: $(ls -l "$link" 2>&1)"
    done
    ri="$("php$PHPVER" --ri puq_proxmox_kvm 2>&1)" || fail "system php --ri: $ri"
    grep -q 'version' <<<"$ri" || fail "system php --ri: $ri"
    [ "$("php$PHPVER" -r 'echo (new ReflectionExtension("puq_proxmox_kvm"))->getFunctions()["puq_version"]->getExtensionName();')" = puq_proxmox_kvm ] \
        || fail "puq_version() is not the extension's"
    mkdir -p "$T/ns/fpm"
    printf '%s\n' '<?php echo json_encode(["sapi" => PHP_SAPI, "ini" => php_ini_loaded_file(), "version" => puq_version()]);' > "$T/ns/fpm/page.php"
    printf '[global]\npid = %s\nerror_log = %s\ndaemonize = no\n[www]\nuser = nobody\ngroup = nogroup\nlisten = %s\nlisten.owner = root\nlisten.mode = 0600\npm = static\npm.max_children = 1\n' \
        "$T/ns/fpm/fpm.pid" "$T/ns/fpm/fpm.log" "$T/ns/fpm/fpm.sock" > "$T/ns/fpm/fpm.conf"
    chmod 0755 "$T/ns" "$T/ns/fpm"; chmod 0644 "$T/ns/fpm/page.php"
    # The system php-fpm's own php.ini and conf.d (no -c, no scan dir): as the packaged service runs it.
    "php-fpm$PHPVER" -F -y "$T/ns/fpm/fpm.conf" > "$T/ns/fpm/out" 2>&1 &
    fpm=$!
    for _ in $(seq 1 100); do [ -S "$T/ns/fpm/fpm.sock" ] && break; sleep 0.05; done
    answer="$(SCRIPT_FILENAME="$T/ns/fpm/page.php" REQUEST_METHOD=GET cgi-fcgi -bind -connect "$T/ns/fpm/fpm.sock" 2>&1 || true)"
    kill "$fpm"; wait "$fpm" 2>/dev/null || true
    { grep -qF '"sapi":"fpm-fcgi"' <<<"$answer" && grep -qF "\\/etc\\/php\\/$PHPVER\\/fpm\\/php.ini" <<<"$answer" \
        && grep -qF '"version":"' <<<"$answer"; } \
        || { cat "$T/ns/fpm/fpm.log" "$T/ns/fpm/out" 2>/dev/null; fail "system php-fpm: $answer"; }
    dpkg -i "$VDEB" > "$T/ns/vdpkg.log" 2>&1 || { cat "$T/ns/vdpkg.log"; fail "real dpkg -i puq-vncproxy"; }
    getent passwd puq-vncproxy | grep -q ':/nonexistent:/usr/sbin/nologin$' || fail "no system user puq-vncproxy"
    grep -Eq '^PUQ_VNCPROXY_KEY=[0-9a-f]{64}$' /etc/puq-vncproxy/config || fail "no key generated"
    # The unit's start, as systemd runs it: RuntimeDirectory, then ExecStartPre (as root, with the config as
    # its environment, systemd's %% and $$ unescaped), then the proxy as its user with the key file.
    unit=/lib/systemd/system/puq-vncproxy.service
    install -d -m 0700 -o puq-vncproxy -g puq-vncproxy /run/puq-vncproxy
    pre="$(sed -n 's/^ExecStartPre=+//p' "$unit" | sed -e 's/%%/%/g' -e 's/\$\$/$/g')"
    (set -a; . /etc/puq-vncproxy/config; set +a; eval "$pre") || fail "ExecStartPre: $pre"
    key="$(sed -n 's/^PUQ_VNCPROXY_KEY=//p' /etc/puq-vncproxy/config)"
    [ "$(cat /run/puq-vncproxy/key)" = "$key" ] || fail "the key file does not hold the configured key"
    [ "$(stat -c '%U %a' /run/puq-vncproxy/key)" = "puq-vncproxy 600" ] || fail "key file: $(stat -c '%U %a' /run/puq-vncproxy/key)"
    if [ "$(/usr/bin/puq-vncproxy 2>/dev/null)" != stand-in ]; then
        # The real proxy: started as the unit starts it, it answers /health.
        port="$(php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false); echo substr($n, strrpos($n, ":") + 1);')"
        runuser -u puq-vncproxy -- /usr/bin/puq-vncproxy --key-file /run/puq-vncproxy/key --listen "127.0.0.1:$port" \
            --novnc /usr/share/puq-vncproxy/novnc > "$T/ns/vnc.log" 2>&1 &
        vnc=$!
        health=""
        for _ in $(seq 1 100); do
            health="$(php -r 'echo @file_get_contents("http://127.0.0.1:'"$port"'/health");')" && [ -n "$health" ] && break
            sleep 0.05
        done
        kill "$vnc" 2>/dev/null; wait "$vnc" 2>/dev/null || true
        grep -q '"status":"ok"' <<<"$health" || { cat "$T/ns/vnc.log"; fail "puq-vncproxy /health: $health"; }
        [ -f /usr/share/puq-vncproxy/novnc/core/rfb.js ] || fail "the package has no noVNC files"
        echo "  ok  puq-vncproxy started as its unit does (user, key file) answers /health: $health"
    fi
    dpkg -P puq-vncproxy "$PKG" > "$T/ns/rm.log" 2>&1 || { cat "$T/ns/rm.log"; fail "real dpkg -P"; }
    "php$PHPVER" -m | grep -qx puq_proxmox_kvm && fail "still loaded after purge"
    left="$(ls /etc/php/$PHPVER/*/conf.d/*puq* /etc/php/$PHPVER/mods-available/*puq* "$EXTDIR"/*puq* /etc/puq-vncproxy \
        /usr/bin/puq-vncproxy /lib/systemd/system/puq-vncproxy.service 2>/dev/null || true)"
    [ -z "$left" ] || fail "left after purge: $left"
    echo "  ok  real dpkg -i / -P (private namespace): phpenmod enabled cli+fpm; system php --ri and php-fpm ($(grep -o '"ini":"[^"]*"' <<<"$answer")) load it; user and key made; purge leaves nothing"
    exit 0
fi

T="$(mktemp -d "${TMPDIR:-/tmp}/puq-package-test.XXXXXX")"
FPM_PID=""
cleanup() {
    [ -n "$FPM_PID" ] && kill "$FPM_PID" 2>/dev/null && wait "$FPM_PID" 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT
echo "run directory: $T"

# What this machine's dpkg knows of our packages, before: it must be the same after.
machine_state() { { grep -c -e ' puq-vncproxy:' -e '-puq-proxmox-kvm:' /var/log/dpkg.log 2>/dev/null || true; dpkg -l 2>/dev/null | grep -c puq || true; } | tr '\n' ' '; }
STATE_BEFORE="$(machine_state)"
PHPVER="$(php-config --version | cut -d. -f1,2)"
API="$(php-config --phpapi)"
EXTDIR="$(php-config --extension-dir)"
VERSION="$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)"
ARCH="$(dpkg --print-architecture)"
PKG="php${PHPVER}-puq-proxmox-kvm"

# --- build ----------------------------------------------------------------------------------------------
STANDIN=""
if [ -n "${PUQ_VNCPROXY_BIN:-}" ]; then
    : # a proxy binary given from elsewhere (tests/package.sh packages it)
elif ! sed -n '/^\[features\]/,/^\[/p' Cargo.toml | grep -q '^vncproxy *='; then
    # No proxy binary in this tree yet: package a stand-in to check the package itself.
    STANDIN="$T/puq-vncproxy"
    printf '#!/bin/sh\necho stand-in\n' > "$STANDIN"
    chmod 0755 "$STANDIN"
fi
build_env=(PUQ_DEB_COMPRESSION=gzip)
[ "${PUQ_PACKAGE_BUILD:-}" = 1 ] || build_env+=(PUQ_NO_BUILD=1)
[ -n "$STANDIN" ] && build_env+=(PUQ_VNCPROXY_BIN="$STANDIN")
[ -n "${PUQ_VNCPROXY_BIN:-}" ] && build_env+=(PUQ_VNCPROXY_BIN="$PUQ_VNCPROXY_BIN")
env "${build_env[@]}" tests/package.sh "$T/out" > "$T/build.log" 2>&1 || { cat "$T/build.log"; fail "tests/package.sh failed"; }
DEB="$T/out/${PKG}_${VERSION}_${ARCH}.deb"
VDEB="$T/out/puq-vncproxy_${VERSION}_${ARCH}.deb"
TGZ="$T/out/puq-proxmox-kvm-modules-$VERSION.tar.gz"
for f in "$DEB" "$VDEB" "$TGZ" "$T/out/SHA256SUMS"; do [ -f "$f" ] || fail "$f was not built"; done
(cd "$T/out" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match"
ok "built $(cd "$T/out" && ls | tr '\n' ' ')"

# --- the extension package's contents -------------------------------------------------------------------
field() { dpkg-deb -f "$1" "$2"; }
[ "$(field "$DEB" Package)" = "$PKG" ] || fail "Package"
case "$(field "$DEB" Depends)" in *"phpapi-$API"*) ;; *) fail "Depends lacks phpapi-$API: $(field "$DEB" Depends)" ;; esac
files="$(dpkg-deb -c "$DEB" | awk '{print $6}')"
for f in ".$EXTDIR/puq_proxmox_kvm.so" "./etc/php/$PHPVER/mods-available/puq_proxmox_kvm.ini"; do
    grep -qx "$f" <<<"$files" || fail "$f not in the package: $files"
done
ok "Depends: $(field "$DEB" Depends); .so in $EXTDIR; ini in mods-available"

# --- a scratch root ---------------------------------------------------------------------------------------
new_root() {
    local r=$1 php=$2
    mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/var/lib/dpkg/triggers" "$r/usr/bin" \
        "$r/etc/php/$PHPVER/cli/conf.d" "$r/etc/php/$PHPVER/fpm/conf.d"
    : > "$r/var/lib/dpkg/status"
    : > "$r/var/lib/dpkg/available"
    # The PHP the preinst asks for its API.
    ln -s "$php" "$r/usr/bin/php$PHPVER"
}
# phpapi-* and php-common are this machine's packages, not the scratch root's: --force-depends.
# Its own log: dpkg --root still writes to /var/log/dpkg.log otherwise.
sdpkg() { local r=$1; shift; dpkg --root="$r" --log="$T/dpkg-scratch.log" --force-script-chrootless --force-depends --force-not-root "$@"; }

R="$T/root"
new_root "$R" "/usr/bin/php$PHPVER"
sdpkg "$R" -i "$DEB" > "$T/dpkg.log" 2>&1 || { cat "$T/dpkg.log"; fail "dpkg -i into the scratch root"; }
sdpkg "$R" -i "$DEB" >> "$T/dpkg.log" 2>&1 || { cat "$T/dpkg.log"; fail "dpkg -i again (idempotent)"; }
status="$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${Status}' "$PKG")"
[ "$status" = "install ok installed" ] || fail "status: $status"
SO_I="$R$EXTDIR/puq_proxmox_kvm.so"
[ -f "$SO_I" ] || fail "$SO_I not installed"
for sapi in cli fpm; do
    link="$R/etc/php/$PHPVER/$sapi/conf.d/20-puq_proxmox_kvm.ini"
    [ -L "$link" ] && [ "$(readlink "$link")" = "../../mods-available/puq_proxmox_kvm.ini" ] || fail "$link is not the enable link"
done
ok "installed twice with dpkg into a scratch root; enabled for cli and fpm"

# --- php-cli from the installed files ---------------------------------------------------------------------
# Only the scratch root's ini files (PHP_INI_SCAN_DIR), its extension dir: the installed .so or nothing.
ri="$(PHP_INI_SCAN_DIR="$R/etc/php/$PHPVER/cli/conf.d" "php$PHPVER" -c /dev/null -d "extension_dir=$R$EXTDIR" --ri puq_proxmox_kvm 2>&1)" \
    || fail "php --ri: $ri"
grep -q "$VERSION" <<<"$ri" || fail "php --ri does not show $VERSION: $ri"
v="$(PHP_INI_SCAN_DIR="$R/etc/php/$PHPVER/cli/conf.d" "php$PHPVER" -c /dev/null -d "extension_dir=$R$EXTDIR" -r 'echo puq_version();')"
[ -n "$v" ] || fail "puq_version() from php-cli"
# Without the conf.d link the extension is not there (the link, not something else, loads it).
PHP_INI_SCAN_DIR="$T/none" "php$PHPVER" -c /dev/null -d "extension_dir=$R$EXTDIR" -r 'exit(extension_loaded("puq_proxmox_kvm") ? 1 : 0);' \
    || fail "the extension loads without the conf.d link"
ok "php-cli: php --ri puq_proxmox_kvm ($(grep -m1 -i version <<<"$ri" | tr -s ' '))"

# --- php-fpm from the installed files ---------------------------------------------------------------------
mkdir -p "$T/fpm"
cat > "$T/fpm/page.php" <<'EOF'
<?php echo json_encode(['sapi' => PHP_SAPI, 'loaded' => extension_loaded('puq_proxmox_kvm'), 'version' => puq_version(), 'pid' => getmypid()]);
EOF
cat > "$T/fpm/fpm.conf" <<EOF
[global]
pid = $T/fpm/fpm.pid
error_log = $T/fpm/fpm.log
daemonize = no
[www]
user = nobody
group = nogroup
listen = $T/fpm/fpm.sock
listen.owner = root
listen.mode = 0600
pm = static
pm.max_children = 2
EOF
chmod 0755 "$T" "$T/fpm"
chmod 0644 "$T/fpm/page.php"
PHP_INI_SCAN_DIR="$R/etc/php/$PHPVER/fpm/conf.d" "php-fpm$PHPVER" -F -y "$T/fpm/fpm.conf" -c /dev/null \
    -d "extension_dir=$R$EXTDIR" > "$T/fpm/out" 2>&1 &
FPM_PID=$!
for _ in $(seq 1 100); do [ -S "$T/fpm/fpm.sock" ] && break; sleep 0.05; done
[ -S "$T/fpm/fpm.sock" ] || { cat "$T/fpm/out" "$T/fpm/fpm.log" 2>/dev/null; fail "php-fpm did not start"; }
answer="$(SCRIPT_FILENAME="$T/fpm/page.php" REQUEST_METHOD=GET cgi-fcgi -bind -connect "$T/fpm/fpm.sock" 2>&1)"
grep -q '"sapi":"fpm-fcgi","loaded":true' <<<"$answer" || { cat "$T/fpm/fpm.log" 2>/dev/null; fail "php-fpm answer: $answer"; }
grep -q "\"version\":\"$v\"" <<<"$answer" || fail "php-fpm's puq_version() is not the installed one: $answer"
kill "$FPM_PID"; wait "$FPM_PID" 2>/dev/null || true; FPM_PID=""
ok "php-fpm (worker as nobody) answered a request calling puq_version(): $(grep -o '{.*}' <<<"$answer")"

# --- another PHP API is refused, nothing unpacked -----------------------------------------------------------
R2="$T/root-other-php"
printf '#!/bin/sh\necho "PHP API => 20210902"\n' > "$T/php-other"
chmod 0755 "$T/php-other"
new_root "$R2" "$T/php-other"
if sdpkg "$R2" -i "$DEB" > "$T/refuse.log" 2>&1; then fail "installed into a PHP with another API"; fi
grep -q "refusing to install: .* has PHP API '20210902', but this package was built for" "$T/refuse.log" \
    || { cat "$T/refuse.log"; fail "no clear refusal"; }
[ ! -e "$R2$EXTDIR/puq_proxmox_kvm.so" ] || fail "the .so was unpacked despite the refusal"
R3="$T/root-no-php"
new_root "$R3" "$T/does-not-exist"
if sdpkg "$R3" -i "$DEB" > "$T/refuse2.log" 2>&1; then fail "installed without PHP $PHPVER"; fi
grep -q "PHP $PHPVER is not installed" "$T/refuse2.log" || { cat "$T/refuse2.log"; fail "no clear refusal without PHP"; }
ok "refused: $(grep -m1 'refusing' "$T/refuse.log" | sed 's/^.*: refusing/refusing/')"

# --- the console proxy's package --------------------------------------------------------------------------
vfiles="$(dpkg-deb -c "$VDEB" | awk '{print $6}')"
for f in ./usr/bin/puq-vncproxy ./lib/systemd/system/puq-vncproxy.service ./etc/puq-vncproxy/config; do
    grep -qx "$f" <<<"$vfiles" || fail "$f not in puq-vncproxy"
done
grep -qx /etc/puq-vncproxy/config <<<"$(dpkg-deb -I "$VDEB" conffiles)" || fail "config is not a conffile"
mkdir -p "$R/etc"
for f in passwd group shadow gshadow; do : > "$R/etc/$f"; done
chmod 0640 "$R/etc/shadow" "$R/etc/gshadow"
echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"
echo 'root:x:0:' > "$R/etc/group"
sdpkg "$R" -i "$VDEB" > "$T/vdpkg.log" 2>&1 || { cat "$T/vdpkg.log"; fail "dpkg -i puq-vncproxy"; }
sdpkg "$R" -i "$VDEB" >> "$T/vdpkg.log" 2>&1 || { cat "$T/vdpkg.log"; fail "dpkg -i puq-vncproxy again"; }
[ "$(grep -c '^puq-vncproxy:' "$R/etc/passwd")" = 1 ] || fail "system user: $(cat "$R/etc/passwd")"
grep -q '^puq-vncproxy:x:[0-9]*:[0-9]*:.*:/nonexistent:/usr/sbin/nologin$' "$R/etc/passwd" || fail "user: $(grep puq-vncproxy "$R/etc/passwd")"
cfg="$R/etc/puq-vncproxy/config"
grep -Eq '^PUQ_VNCPROXY_KEY=[0-9a-f]{64}$' "$cfg" || fail "no generated key in $cfg"
grep -q '^PUQ_VNCPROXY_LISTEN=127.0.0.1:8080$' "$cfg" || fail "listen address"
[ "$(stat -c %a "$cfg")" = 600 ] || fail "config mode $(stat -c %a "$cfg")"
key1="$(grep '^PUQ_VNCPROXY_KEY=' "$cfg")"
sdpkg "$R" -i "$VDEB" >> "$T/vdpkg.log" 2>&1 || fail "dpkg -i puq-vncproxy a third time"
[ "$key1" = "$(grep '^PUQ_VNCPROXY_KEY=' "$cfg")" ] || fail "a reinstall replaced the key"
unit="$R/lib/systemd/system/puq-vncproxy.service"
grep -q '^EnvironmentFile=/etc/puq-vncproxy/config$' "$unit" || fail "unit EnvironmentFile"
grep -q '^User=puq-vncproxy$' "$unit" || fail "unit User"
if command -v systemd-analyze >/dev/null; then
    # The unit's syntax (a missing binary on this machine is not the unit's fault).
    out="$(systemd-analyze verify "$unit" 2>&1 || true)"
    grep -v -e 'puq-vncproxy: No such file' -e 'Command /usr/bin/puq-vncproxy is not executable' -e '^$' <<<"$out" \
        | grep -i -e 'unknown' -e 'invalid' -e 'failed to parse' && fail "unit: $out"
fi
if [ -n "$STANDIN" ]; then
    ok "puq-vncproxy (stand-in binary; no proxy in this tree yet): user, generated key kept on reinstall, unit, config 0600"
else
    ok "puq-vncproxy: user, generated key kept on reinstall, unit, config 0600"
fi

# --- remove and purge ---------------------------------------------------------------------------------------
sdpkg "$R" -r "$PKG" > "$T/rm.log" 2>&1 || { cat "$T/rm.log"; fail "dpkg -r"; }
[ ! -e "$SO_I" ] || fail "the .so is left after remove"
for sapi in cli fpm; do
    [ ! -e "$R/etc/php/$PHPVER/$sapi/conf.d/20-puq_proxmox_kvm.ini" ] && [ ! -L "$R/etc/php/$PHPVER/$sapi/conf.d/20-puq_proxmox_kvm.ini" ] \
        || fail "conf.d link left for $sapi"
done
[ -f "$R/etc/php/$PHPVER/mods-available/puq_proxmox_kvm.ini" ] || fail "remove (not purge) must keep the conffile"
sdpkg "$R" -P "$PKG" >> "$T/rm.log" 2>&1 || { cat "$T/rm.log"; fail "dpkg -P"; }
[ ! -e "$R/etc/php/$PHPVER/mods-available/puq_proxmox_kvm.ini" ] || fail "purge left the ini"
sdpkg "$R" -P puq-vncproxy >> "$T/rm.log" 2>&1 || { cat "$T/rm.log"; fail "dpkg -P puq-vncproxy"; }
[ ! -e "$R/usr/bin/puq-vncproxy" ] && [ ! -e "$R/etc/puq-vncproxy" ] || fail "puq-vncproxy left files after purge"
ok "removed (conffile kept) and purged (nothing left)"

# --- the module files ----------------------------------------------------------------------------------------
mkdir -p "$T/whmcs"
tar -xzf "$TGZ" -C "$T/whmcs"
diff -r php/modules "$T/whmcs/modules" > /dev/null || fail "the tarball differs from php/modules"
[ -z "$(tar -tvzf "$TGZ" | awk '$2 != "root/root" && $2 != "0/0"')" ] || fail "tarball entries not owned by root"
ok "$(basename "$TGZ"): php/modules exactly, owned by root"

# --- for real, in a private mount namespace -------------------------------------------------------------------
if unshare --mount --propagation private true 2>/dev/null; then
    unshare --mount --propagation private bash "$0" --in-namespace "$T" "$DEB" "$VDEB" || fail "the real installation"
    [ -z "$(ls /etc/php/$PHPVER/*/conf.d/ /usr/lib/php/*/ 2>/dev/null | grep puq_proxmox_kvm)" ] || fail "the namespace leaked into the machine"
    ! getent passwd puq-vncproxy >/dev/null || fail "the namespace leaked a user into the machine"
    [ "$(machine_state)" = "$STATE_BEFORE" ] || fail "this machine's dpkg log or database changed: $STATE_BEFORE -> $(machine_state)"
else
    echo "  --  real installation skipped: no private mount namespace here (unshare --mount)"
fi
echo OK

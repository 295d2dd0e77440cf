#!/usr/bin/env bash
# Release packages, as PHP extensions and daemons ship on Debian.
#
#   tests/package.sh [OUTDIR]     builds (cargo, release) and writes to OUTDIR (default target/packages):
#     php<VER>-puq-proxmox-kvm_<version>_<arch>.deb   the extension for the PHP it was built against
#                                                     (php-config: its extension dir, /etc/php/<VER>/mods-available,
#                                                     enabled for every SAPI (cli, fpm, …) by phpenmod in postinst;
#                                                     Depends: phpapi-<API>; preinst refuses another PHP API)
#     puq-vncproxy_<version>_<arch>.deb               the console proxy: /usr/bin/puq-vncproxy, noVNC's files in
#                                                     /usr/share/puq-vncproxy/novnc, a systemd unit,
#                                                     /etc/puq-vncproxy/config (key, listen address), a system user
#                                                     (skipped, saying so, while this tree has no vncproxy binary)
#     puq-proxmox-kvm-modules-<version>.tar.gz        php/modules, to unpack into the WHMCS root
#     SHA256SUMS
#
# Environment: PUQ_NO_BUILD=1 packages what target/release holds; PHP_CONFIG (default php-config) names the
# PHP to build for; PUQ_VNCPROXY_BIN=FILE packages that binary as puq-vncproxy instead of building it;
# PUQ_NOVNC_DIR (default tests/admin/node_modules/@novnc/novnc, which npm ci there installs) holds noVNC;
# PUQ_DEB_COMPRESSION (default xz) is dpkg-deb's -Z.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
OUT="${1:-$ROOT/target/packages}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

die() { echo "package.sh: $*" >&2; exit 1; }
for tool in dpkg-deb dpkg tar sha256sum; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install dpkg-dev)"
done
PHP_CONFIG="${PHP_CONFIG:-php-config}"
command -v "$PHP_CONFIG" >/dev/null || die "$PHP_CONFIG is missing: install the PHP development files (apt-get install php8.2-dev)"

VERSION="$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)"
[ -n "$VERSION" ] || die "no version in Cargo.toml"
ARCH="$(dpkg --print-architecture)"
PHPVER="$("$PHP_CONFIG" --version | cut -d. -f1,2)"
EXTDIR="$("$PHP_CONFIG" --extension-dir)"
API="$("$PHP_CONFIG" --phpapi)"
PHP_BIN="$("$PHP_CONFIG" --php-binary)"
MOD=puq_proxmox_kvm
EXT_PKG="php${PHPVER}-puq-proxmox-kvm"
COMPRESSION="${PUQ_DEB_COMPRESSION:-xz}"
MAINTAINER="puq_proxmox_kvm packagers <root@localhost>"

# Only this script's own outputs are replaced.
rm -f "$OUT"/php*-puq-proxmox-kvm_*.deb "$OUT"/puq-vncproxy_*.deb "$OUT"/puq-proxmox-kvm-modules-*.tar.gz "$OUT/SHA256SUMS"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/puq-package.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

if [ "${PUQ_NO_BUILD:-}" != 1 ]; then
    echo "== cargo build --release -p puq_proxmox_kvm"
    cargo build --release -q -p puq_proxmox_kvm
fi
SO="$ROOT/target/release/lib${MOD}.so"
[ -f "$SO" ] || die "$SO is missing: build it first (cargo build --release -p puq_proxmox_kvm)"
# The .so must load into the PHP it is packaged for, or the package would install a dead extension.
"$PHP_BIN" -n -d "extension=$SO" -r "exit(extension_loaded('$MOD') ? 0 : 1);" \
    || die "$SO does not load into $PHP_BIN (PHP $PHPVER, API $API): build it against this PHP"

# Writes a maintainer script from stdin, executable.
script() { cat > "$1"; chmod 0755 "$1"; }

# dpkg-deb from a staging tree, with md5sums and Installed-Size.
build_deb() {
    local stage=$1 file=$2
    (cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0r md5sum) > "$stage/DEBIAN/md5sums"
    local size
    size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
    sed -i "s/^Installed-Size: .*/Installed-Size: $size/" "$stage/DEBIAN/control"
    dpkg-deb --root-owner-group -Z"$COMPRESSION" --build "$stage" "$OUT/$file" >/dev/null
    echo "   $OUT/$file"
}

# --- the extension --------------------------------------------------------------------------------------
echo "== $EXT_PKG $VERSION ($ARCH, PHP $PHPVER, API $API)"
S="$WORK/ext"
install -d "$S/DEBIAN" "$S$EXTDIR" "$S/etc/php/$PHPVER/mods-available" "$S/usr/share/doc/$EXT_PKG"
install -m 0644 "$SO" "$S$EXTDIR/$MOD.so"
strip --strip-unneeded "$S$EXTDIR/$MOD.so" 2>/dev/null || true
cat > "$S/etc/php/$PHPVER/mods-available/$MOD.ini" <<EOF
; PUQ Proxmox KVM: the logic of the WHMCS module, as a PHP extension.
; Enabled for every PHP $PHPVER SAPI by the package (phpenmod); phpdismod $MOD turns it off.
; priority=20
extension=$MOD.so
EOF
cat > "$S/usr/share/doc/$EXT_PKG/README.Debian" <<EOF
puq_proxmox_kvm $VERSION for PHP $PHPVER (PHP API $API).

The extension is enabled for every installed SAPI of PHP $PHPVER (cli for WHMCS's cron, fpm or apache2
for its pages): /etc/php/$PHPVER/<sapi>/conf.d/20-$MOD.ini -> ../../mods-available/$MOD.ini.
Check with: php$PHPVER --ri $MOD
Then copy the WHMCS module files (puq-proxmox-kvm-modules-$VERSION.tar.gz) into the WHMCS root and
activate the addon (see the project's README, "Install into WHMCS").
EOF
cat > "$S/DEBIAN/control" <<EOF
Package: $EXT_PKG
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: 0
Depends: phpapi-$API, php$PHPVER-common
Provides: php-puq-proxmox-kvm
Section: php
Priority: optional
Description: PUQ Proxmox KVM module for WHMCS (PHP $PHPVER extension)
 The logic of the WHMCS server and addon module PUQ Proxmox KVM (Proxmox VE
 KVM virtual machines), as a PHP extension written in Rust. Built for
 PHP $PHPVER (PHP API $API); it refuses to install into another PHP.
EOF
echo "/etc/php/$PHPVER/mods-available/$MOD.ini" > "$S/DEBIAN/conffiles"
script "$S/DEBIAN/preinst" <<EOF
#!/bin/sh
# Refuses a PHP whose extension API is not the one this package was built for: the .so would not load.
set -e
case "\$1" in
install|upgrade)
    php="\${DPKG_ROOT:-}/usr/bin/php$PHPVER"
    if [ ! -x "\$php" ]; then
        echo "$EXT_PKG: PHP $PHPVER is not installed (no \$php). This package holds $MOD built for PHP $PHPVER" >&2
        echo "(PHP API $API): install php$PHPVER-cli and php$PHPVER-fpm first, or build the extension for your PHP" >&2
        echo "from source (README, Install into WHMCS)." >&2
        exit 1
    fi
    have="\$("\$php" -n -i 2>/dev/null | sed -n 's/^PHP API => //p')"
    if [ "\$have" != "$API" ]; then
        echo "$EXT_PKG: refusing to install: \$php has PHP API '\$have', but this package was built for" >&2
        echo "PHP $PHPVER with PHP API $API, so the extension would not load. Build the package on a machine" >&2
        echo "with this PHP's development files (tests/package.sh), or build from source (README)." >&2
        exit 1
    fi
    ;;
esac
exit 0
EOF
script "$S/DEBIAN/postinst" <<EOF
#!/bin/sh
set -e
if [ "\$1" = configure ]; then
    if [ -z "\${DPKG_ROOT:-}" ]; then
        # Every SAPI of PHP $PHPVER (cli, fpm, apache2, …); an admin's phpdismod is respected (-m).
        phpenmod -m -q -v $PHPVER -s ALL $MOD || true
        if [ -d /run/systemd/system ] && systemctl is-active --quiet php$PHPVER-fpm; then
            systemctl reload php$PHPVER-fpm || true
        fi
    else
        # Installed into another root (dpkg --root --force-script-chrootless): what phpenmod does, there.
        for d in "\$DPKG_ROOT"/etc/php/$PHPVER/*/conf.d; do
            [ -d "\$d" ] && ln -sfn ../../mods-available/$MOD.ini "\$d/20-$MOD.ini"
        done
    fi
fi
exit 0
EOF
script "$S/DEBIAN/prerm" <<EOF
#!/bin/sh
set -e
if [ "\$1" = remove ]; then
    if [ -z "\${DPKG_ROOT:-}" ]; then
        phpdismod -m -f -q -v $PHPVER -s ALL $MOD || true
        if [ -d /run/systemd/system ] && systemctl is-active --quiet php$PHPVER-fpm; then
            systemctl reload php$PHPVER-fpm || true
        fi
    else
        rm -f "\$DPKG_ROOT"/etc/php/$PHPVER/*/conf.d/20-$MOD.ini
    fi
fi
exit 0
EOF
script "$S/DEBIAN/postrm" <<EOF
#!/bin/sh
set -e
if [ "\$1" = purge ] && [ -z "\${DPKG_ROOT:-}" ] && command -v phpdismod >/dev/null; then
    phpdismod -p -f -q -v $PHPVER -s ALL $MOD || true
fi
exit 0
EOF
build_deb "$S" "${EXT_PKG}_${VERSION}_${ARCH}.deb"

# --- the console proxy ----------------------------------------------------------------------------------
VNC_BIN="${PUQ_VNCPROXY_BIN:-}"
if [ -z "$VNC_BIN" ]; then
    if sed -n '/^\[features\]/,/^\[/p' Cargo.toml | grep -q '^vncproxy *='; then
        if [ "${PUQ_NO_BUILD:-}" != 1 ]; then
            echo "== cargo build --release --features vncproxy --bin puq-vncproxy"
            cargo build --release -q --features vncproxy --bin puq-vncproxy
        fi
        VNC_BIN="$ROOT/target/release/puq-vncproxy"
        [ -x "$VNC_BIN" ] || die "$VNC_BIN is missing: cargo build --release --features vncproxy --bin puq-vncproxy"
    else
        echo "== puq-vncproxy: skipped — this tree has no vncproxy feature (Cargo.toml [features] vncproxy) and no"
        echo "   puq-vncproxy binary yet; the package is built once it exists (or set PUQ_VNCPROXY_BIN=FILE)"
    fi
fi
if [ -n "$VNC_BIN" ]; then
    echo "== puq-vncproxy $VERSION ($ARCH) from $VNC_BIN"
    S="$WORK/vnc"
    install -d "$S/DEBIAN" "$S/usr/bin" "$S/lib/systemd/system" "$S/etc/puq-vncproxy" "$S/usr/share/doc/puq-vncproxy"
    install -m 0755 "$VNC_BIN" "$S/usr/bin/puq-vncproxy"
    strip --strip-unneeded "$S/usr/bin/puq-vncproxy" 2>/dev/null || true
    # noVNC's own files (MPL-2.0, unmodified), which the console page loads from the proxy.
    NOVNC="${PUQ_NOVNC_DIR:-$ROOT/tests/admin/node_modules/@novnc/novnc}"
    if [ -f "$NOVNC/core/rfb.js" ]; then
        install -d "$S/usr/share/puq-vncproxy/novnc"
        cp -r "$NOVNC/core" "$NOVNC/vendor" "$S/usr/share/puq-vncproxy/novnc/"
        for f in LICENSE.txt AUTHORS package.json; do
            if [ -f "$NOVNC/$f" ]; then install -m 0644 "$NOVNC/$f" "$S/usr/share/puq-vncproxy/novnc/$f"; fi
        done
        echo "   noVNC $(sed -n 's/^ *"version": *"\(.*\)".*/\1/p' "$NOVNC/package.json" | head -1) from $NOVNC"
    else
        echo "   WARNING: no noVNC files at $NOVNC (core/rfb.js): the package is built without them and its console" >&2
        echo "   page cannot load; run (cd tests/admin && npm ci) or set PUQ_NOVNC_DIR=<noVNC directory>" >&2
    fi
    cat > "$S/etc/puq-vncproxy/config" <<'EOF'
# puq-vncproxy settings, read by puq-vncproxy.service (EnvironmentFile); after a change:
#   systemctl restart puq-vncproxy
# The key: the same as the product's noVNC key in WHMCS (Module Settings > Integrations). The package
# writes a random one here at installation when it is empty; copy it into WHMCS.
PUQ_VNCPROXY_KEY=
# Where the proxy listens: on loopback behind the nginx site of the README (TLS and the WebSocket upgrade
# there), or on a public address with its own TLS (PUQ_VNCPROXY_ARGS below).
PUQ_VNCPROXY_LISTEN=127.0.0.1:8080
# More options, e.g. its own TLS: --tls-cert /etc/ssl/certs/vnc.pem --tls-key /etc/ssl/private/vnc.key
PUQ_VNCPROXY_ARGS=
EOF
    cat > "$S/lib/systemd/system/puq-vncproxy.service" <<'EOF'
[Unit]
Description=PUQ Proxmox KVM console proxy (noVNC to Proxmox vncwebsocket)
Documentation=file:///usr/share/doc/puq-vncproxy/README.Debian
After=network-online.target
Wants=network-online.target

[Service]
EnvironmentFile=/etc/puq-vncproxy/config
RuntimeDirectory=puq-vncproxy
RuntimeDirectoryMode=0700
# The key reaches the proxy as a file only it can read, never on its command line (which every local user
# can see in ps): written by root (+) from the config, without expanding it into any command line ($$).
ExecStartPre=+/bin/sh -c 'umask 077; printf "%%s" "$${PUQ_VNCPROXY_KEY}" > /run/puq-vncproxy/key; chown puq-vncproxy: /run/puq-vncproxy/key'
ExecStart=/usr/bin/puq-vncproxy --key-file /run/puq-vncproxy/key --listen ${PUQ_VNCPROXY_LISTEN} --novnc /usr/share/puq-vncproxy/novnc $PUQ_VNCPROXY_ARGS
User=puq-vncproxy
Group=puq-vncproxy
Restart=on-failure
LimitNOFILE=16384
RestartSec=2
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
# A listen port below 1024 (its own TLS on 443) needs this; nothing else is granted.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE

[Install]
WantedBy=multi-user.target
EOF
    cat > "$S/usr/share/doc/puq-vncproxy/README.Debian" <<EOF
puq-vncproxy $VERSION: the console proxy of PUQ Proxmox KVM.

Settings: /etc/puq-vncproxy/config (the key, the listen address, more options); the key must equal the
product's noVNC key in WHMCS. Service: systemctl status|restart puq-vncproxy; it runs as the system user
puq-vncproxy. Put it behind the nginx site of the project's README, or give it its own TLS.
EOF
    cat > "$S/DEBIAN/control" <<EOF
Package: puq-vncproxy
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: 0
Depends: passwd
Section: net
Priority: optional
Description: PUQ Proxmox KVM console proxy
 Serves the noVNC console of PUQ Proxmox KVM's customers: opens the one-time
 link the WHMCS module hands out and relays to the VM's Proxmox vncwebsocket.
EOF
    echo "/etc/puq-vncproxy/config" > "$S/DEBIAN/conffiles"
    script "$S/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
R="${DPKG_ROOT:-}"
if [ "$1" = configure ]; then
    if ! grep -q '^puq-vncproxy:' "$R/etc/passwd" 2>/dev/null; then
        if [ -n "$R" ]; then prefix="--prefix $R"; else prefix=""; fi
        # shellcheck disable=SC2086
        useradd $prefix --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --comment "PUQ Proxmox KVM console proxy" puq-vncproxy
    fi
    cfg="$R/etc/puq-vncproxy/config"
    if grep -q '^PUQ_VNCPROXY_KEY=$' "$cfg"; then
        key="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
        sed -i "s/^PUQ_VNCPROXY_KEY=\$/PUQ_VNCPROXY_KEY=$key/" "$cfg"
        echo "puq-vncproxy: a new key was written to /etc/puq-vncproxy/config: put it into the products' noVNC key in WHMCS"
    fi
    chown root:root "$cfg"
    chmod 0600 "$cfg"
    if [ -z "$R" ] && [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        systemctl enable puq-vncproxy.service >/dev/null 2>&1 || true
        systemctl restart puq-vncproxy.service || echo "puq-vncproxy: did not start; see journalctl -u puq-vncproxy" >&2
    fi
fi
exit 0
EOF
    script "$S/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
    systemctl stop puq-vncproxy.service || true
    systemctl disable puq-vncproxy.service >/dev/null 2>&1 || true
fi
exit 0
EOF
    script "$S/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
# The system user is kept (Debian practice: files it owned may remain); purge removes the settings.
if [ "$1" = purge ]; then
    rm -rf "${DPKG_ROOT:-}/etc/puq-vncproxy"
fi
if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
fi
exit 0
EOF
    build_deb "$S" "puq-vncproxy_${VERSION}_${ARCH}.deb"
fi

# --- the WHMCS module files -----------------------------------------------------------------------------
TARBALL="puq-proxmox-kvm-modules-$VERSION.tar.gz"
echo "== $TARBALL"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$(git log -1 --format=%ct 2>/dev/null || date +%s)" \
    --exclude='*.orig' -C php -czf "$OUT/$TARBALL" modules
echo "   $OUT/$TARBALL"

(cd "$OUT" && sha256sum -- php*-puq-proxmox-kvm_*.deb puq-vncproxy_*.deb puq-proxmox-kvm-modules-*.tar.gz 2>/dev/null > SHA256SUMS || true)
echo "== done: $OUT"

#!/usr/bin/env bash
# Installs what the build and the test bench need, idempotently (Debian 12).
# Safe to run repeatedly: it only calls apt-get when something is missing.
set -euo pipefail

need_pkgs=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in php8.2-cli php8.2-dev php8.2-mysql php8.2-mbstring php8.2-fpm libfcgi-bin clang libclang-dev \
         mariadb-server mariadb-client smarty4 pkg-config build-essential git ca-certificates curl \
         pdns-server pdns-backend-sqlite3 sqlite3 qemu-system-x86 openssl; do
    have "$p" || need_pkgs+=("$p")
done
# The admin pages' browser tests (tests/admin-pages.sh): Debian's chromium, and Node.js with npm for
# puppeteer-core (a machine may already have them outside dpkg).
command -v chromium >/dev/null 2>&1 || have chromium || need_pkgs+=(chromium)
{ command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; } || need_pkgs+=(nodejs npm)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    echo "deps: installing ${need_pkgs[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    # Package scripts may try to start services; that failing is harmless here.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need_pkgs[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "deps: installing Rust with rustup"
    curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
fi
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy

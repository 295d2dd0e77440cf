#!/usr/bin/env bash
# The client area (the customer's service pages) in a real browser.
#
#   tests/client-pages.sh [DIR]       build, start MariaDB + the Proxmox simulator + a real PowerDNS + the WHMCS-like
#                                     client area shell (php -S with the built extension), deploy the sample services
#                                     with the module's cron, run tests/client/pages/*.mjs in headless chromium and
#                                     write the screenshots (1366x768) to DIR (default target/screenshots/client).
#   tests/client-pages.sh --serve     the same shell and sample data, no tests: prints each service's URL.
#
# Environment: as tests/admin-pages.sh (PUQ_NO_BUILD=1, PUQ_ONLY=NAME, PUQ_SHELL_PORT).
set -euo pipefail
PUQ_AREA=client exec "$(dirname "${BASH_SOURCE[0]}")/admin-pages.sh" "$@"

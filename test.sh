#!/usr/bin/env bash
# Command 2 of the README: runs every test, unit and integration (mvn verify), on a fresh machine.
# The browser tests use the system Chromium and the PostgreSQL tests start a throw-away server from
# the system binaries; both come from Debian packages, installed here when missing (needs root/sudo).
set -euo pipefail
cd "$(dirname "$0")"
bash .ci/install-chromium
bash .ci/install-postgres
exec mvn -B -ntp verify "$@"

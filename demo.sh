#!/usr/bin/env bash
# Command 1 of the README: builds what the demo needs (no tests) and runs it. Works from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")"
echo "Building and running the Countersign demo (the first run downloads dependencies)..." >&2
exec mvn -q -B -Pdemo -DskipTests -pl examples -am package "$@"

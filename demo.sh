#!/usr/bin/env bash
# Command 1 of the README: builds what the demo needs (no tests) and runs it. Works from a fresh clone.
#   ./demo.sh                 the scripted demo: three privileged actions, three outcomes, verified trail
#   ./demo.sh --interactive   you decide: reviewer web page on 127.0.0.1:8080 (and Slack if configured)
set -euo pipefail
cd "$(dirname "$0")"
args=()
for a in "$@"; do
  case "$a" in
    --interactive) args+=("-Ddemo.main=io.countersign.examples.InteractiveDemo") ;;
    *) args+=("$a") ;;
  esac
done
echo "Building and running the Countersign demo (the first run downloads dependencies)..." >&2
exec mvn -q -B -Pdemo -DskipTests -pl examples -am package "${args[@]}"

#!/usr/bin/env bash
# Builds the Spring Boot example and the audit CLI (no tests), then starts the example.
#   spring-boot-example/run.sh                               reviewer page as the channel (default)
#   spring-boot-example/run.sh --example.approver=in-memory  in-memory approver, page over the gate
# Any argument is passed to Spring Boot (--server.port=9090, --example.reviewer-page.port=9091, ...).
set -euo pipefail
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"
echo "Building the Spring Boot example and the audit CLI (the first run downloads dependencies)..." >&2
mvn -q -B -DskipTests -pl spring-boot-example,approvals-audit-cli -am package
cd "$root/spring-boot-example"
exec java ${JAVA_OPTS:-} -jar target/spring-boot-example.jar "$@"

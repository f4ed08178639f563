#!/usr/bin/env bash
# Runs the Countersign benchmarks (see docs/BENCHMARKS.md).
#
#   benchmarks/run.sh short        smoke check, a few seconds: every benchmark once, tiny iterations,
#                                  in-process (-f 0); proves they run, measures nothing
#   benchmarks/run.sh full         the figures: forked JMH runs with warm-up, -prof gc for the
#                                  interception benchmark, append at 1/2/8 threads, durable append
#                                  with 4096 in flight per thread at 1/4 threads, 1M-event
#                                  verification, the 10,000-pending harness. About 15 minutes on
#                                  2 cores. Results go to benchmarks/results/<UTC time>/
#   benchmarks/run.sh jmh ARGS...  any JMH command line (e.g. "InterceptionBenchmark -prof stack")
#
# Environment: SKIP_BUILD=1 reuses the last build; MVN_FLAGS (default "-o") are passed to Maven;
# JAVA (default "java") is the JVM to measure. Run the full mode on a quiet machine: it prints the
# load average before and after, and the figures are only as good as the quiet.
set -euo pipefail

mode="${1:-short}"
shift || true
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
java_cmd="${JAVA:-java}"

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
  (cd "$root" && mvn -q -B ${MVN_FLAGS:--o} -pl benchmarks -am package -DskipTests)
fi
# target/lib is a private copy of the dependencies (see pom.xml), so re-installs elsewhere cannot
# change the code under measurement
cp="$here/target/classes:$here/target/lib/*"
jmh() { "$java_cmd" -cp "$cp" org.openjdk.jmh.Main "$@"; }

machine() {
  echo "date (UTC): $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cores: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //' || echo unknown)"
  echo "memory: $(free -m | awk '/Mem:/ {print $2 " MB"}')"
  echo "jdk: $("$java_cmd" -version 2>&1 | head -2 | tr '\n' ' ')"
  echo "load: $(uptime | sed 's/.*load average: //')"
  echo "commit: $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$root" && git diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
}

case "$mode" in
  short)
    common=(-f 0 -wi 0 -i 1 -r 100ms -foe true)
    jmh InterceptionBenchmark "${common[@]}"
    jmh RoundTripBenchmark "${common[@]}"
    jmh AuditAppendBenchmark "${common[@]}" -t 1
    jmh DurableAppendBenchmark "${common[@]}" -t 2 -p sink=file-checkpoint
    jmh VerificationBenchmark "${common[@]}" -p events=20000
    "$java_cmd" -cp "$cp" io.countersign.benchmarks.PendingApprovalsHarness 500 2 file-checkpoint
    ;;
  full)
    out="$here/results/$(date -u +%Y%m%dT%H%M%SZ)"
    mkdir -p "$out"
    machine | tee "$out/machine.txt"
    jmh InterceptionBenchmark -prof gc -rf json -rff "$out/interception.json" | tee "$out/interception.txt"
    jmh RoundTripBenchmark -rf json -rff "$out/roundtrip.json" | tee "$out/roundtrip.txt"
    for t in 1 2 8; do
      jmh AuditAppendBenchmark -t "$t" -rf json -rff "$out/append-t$t.json" | tee "$out/append-t$t.txt"
    done
    for t in 1 4; do
      jmh DurableAppendBenchmark -t "$t" -rf json -rff "$out/durable-append-t$t.json" | tee "$out/durable-append-t$t.txt"
    done
    jmh VerificationBenchmark -rf json -rff "$out/verification.json" | tee "$out/verification.txt"
    "$java_cmd" -Xmx1g -cp "$cp" io.countersign.benchmarks.PendingApprovalsHarness 10000 2 file-checkpoint \
      | tee "$out/pending.txt"
    echo "load after: $(uptime | sed 's/.*load average: //')" | tee -a "$out/machine.txt"
    "$java_cmd" -cp "$cp" io.countersign.benchmarks.ResultsSummary "$out" | tee "$out/summary.md"
    ;;
  jmh)
    jmh "$@"
    ;;
  *)
    echo "usage: $0 short|full|jmh [JMH args...]" >&2
    exit 2
    ;;
esac

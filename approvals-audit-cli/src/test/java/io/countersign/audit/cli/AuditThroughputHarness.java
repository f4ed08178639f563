package io.countersign.audit.cli;

import com.sun.management.OperatingSystemMXBean;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.log.FileAuditSink;
import io.countersign.audit.log.VerificationResult;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * Measures the audit trail on this machine (a harness until it moves to the JMH {@code benchmarks}
 * module): durable appends per second with per-event signing and with checkpoint signing, both
 * through {@link FileAuditSink} group commit, and verification per second. Prints wall-clock and
 * CPU-time rates, because the shared build machines are often loaded.
 *
 * <p>Run: {@code mvn -q -o -pl approvals-audit-cli test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.countersign.audit.cli.AuditThroughputHarness -Dexec.args="200000 4"}
 * (args: events, appending threads, and optionally which signing modes: both (default), per-event or checkpoint).
 */
public final class AuditThroughputHarness {

    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private AuditThroughputHarness() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        String modes = args.length > 2 ? args[2] : "both"; // both, per-event or checkpoint (e.g. to profile one)
        boolean perEvent = modes.equals("both") || modes.equals("per-event");
        boolean checkpoint = modes.equals("both") || modes.equals("checkpoint");
        if (!perEvent && !checkpoint) {
            throw new IllegalArgumentException("modes must be both, per-event or checkpoint but was " + modes);
        }
        Ed25519Signer key = Ed25519Signer.generate("bench");
        System.out.printf(Locale.ROOT, "audit harness: %d events, %d threads, %d cores, %s %s, load average %.1f%n", events, threads,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
                OS.getSystemLoadAverage());
        // warm-up: the measured modes and the verifier, a fifth of the size
        if (perEvent) {
            append(events / 5, threads, b -> b.signer(key), false);
        }
        if (checkpoint) {
            Path warm = append(events / 5, threads, b -> b.signer(key).checkpointEvery(1000, Duration.ofMillis(100)), false);
            verify(warm, key, false);
        }

        if (perEvent) {
            append(events, threads, b -> b.signer(key), true);
        }
        if (checkpoint) {
            Path log = append(events, threads, b -> b.signer(key).checkpointEvery(1000, Duration.ofMillis(100)), true);
            verify(log, key, true);
        }
    }

    /**
     * Event times start now: with a fixed date in the past, every checkpoint (timed now) would
     * differ in UTC day from the events around it, and the sink's daily rotation would start a new
     * file (force, create, directory fsync) at every checkpoint: ~400 files per 200k events.
     */
    private static final Instant START = Instant.now();

    /** A ~860-byte event like the gate's VOTE events. */
    static AuditEvent.Builder event(int thread, int i) {
        return AuditEvent.builder(EventType.VOTE).time(START.plusMillis(i)).requestId("req-" + thread + "-" + i)
                .field("traceId", "4bf92f3577b34da6a3ce929d0e0e4736")
                .field("action", Map.of("name", "payments.refund", "method", "com.example.Payments#refund(String,long)"))
                .field("policy", Map.of("id", "refunds", "version", 3, "digest", "9f2c1a7e5b3d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f"))
                .field("vote", Map.of("reviewer", "U024BE7LH", "channel", "slack", "decision", "APPROVE", "reason", "checked the ticket, ok",
                        "counted", true))
                .field("argsDigest", "sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8");
    }

    private static Path append(int events, int threads, UnaryOperator<AuditTrail.Builder> settings, boolean report) throws Exception {
        Path dir = Files.createTempDirectory("audit-harness");
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long cpu0 = OS.getProcessCpuTime();
        long t0 = System.nanoTime();
        String mode;
        try (FileAuditSink sink = FileAuditSink.open(dir); AuditTrail trail = settings.apply(AuditTrail.builder().sink(sink)).build()) {
            mode = trail.signingMode();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    List<CompletableFuture<AuditEvent>> mine = new ArrayList<>();
                    for (int i = thread; i < events; i += threads) {
                        mine.add(trail.record(event(thread, i)));
                        if (mine.size() == 4096) { // bounded in-flight window per thread, as a busy gate would have
                            CompletableFuture.allOf(mine.toArray(CompletableFuture[]::new)).join();
                            mine.clear();
                        }
                    }
                    CompletableFuture.allOf(mine.toArray(CompletableFuture[]::new)).join();
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        long wall = System.nanoTime() - t0;
        long cpu = OS.getProcessCpuTime() - cpu0;
        if (report) {
            System.out.printf(Locale.ROOT, "append %-10s durable (group commit): %,9.0f events/s wall, %,9.0f events per CPU-second, %,d bytes%n",
                    mode, events * 1e9 / wall, events * 1e9 / cpu, size(dir));
        }
        return dir;
    }

    private static void verify(Path dir, Ed25519Signer key, boolean report) throws IOException {
        long cpu0 = OS.getProcessCpuTime(); // the verifier scans on every processor: count them all
        long t0 = System.nanoTime();
        VerificationResult result = AuditVerifier.builder().key(key.verificationKey()).build().verifyLog(dir);
        long wall = System.nanoTime() - t0;
        long cpu = OS.getProcessCpuTime() - cpu0;
        if (!result.closed()) {
            throw new IllegalStateException(result.summary());
        }
        if (report) {
            System.out.printf(Locale.ROOT, "verify %-10s (%d threads, streaming): %,9.0f events/s wall, %,9.0f events per CPU-second%n",
                    result.signatureMode(), Math.min(Runtime.getRuntime().availableProcessors(), AuditVerifier.MAX_THREADS),
                    result.eventsChecked() * 1e9 / wall, result.eventsChecked() * 1e9 / cpu);
        }
    }

    private static long size(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        }
    }
}

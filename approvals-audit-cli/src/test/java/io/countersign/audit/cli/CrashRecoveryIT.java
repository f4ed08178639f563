package io.countersign.audit.cli;

import io.countersign.audit.AuditTrail;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.log.FileAuditSink;
import io.countersign.audit.log.VerificationResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM appending to a file log with {@code kill -9} (destroyForcibly) at random
 * points, 20 times on the same log, alternating per-event and checkpoint signing. After each kill
 * the log is reopened: every acknowledged event must be there, a torn tail must be set aside, and
 * the verifier must find nothing tampered. Slow (a JVM per run), so it runs in {@code mvn verify}.
 */
class CrashRecoveryIT {

    private static final int RUNS = 20;

    @TempDir
    Path tmp;

    @Test
    @DisplayName("S33 kill -9 at random points: acknowledged events survive, torn tails are set aside, the log verifies")
    void killedWritersNeverLoseAcknowledgedEvents() throws Exception {
        Path log = tmp.resolve("log");
        Random random = new Random(42);
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int tornSeen = 0;
        long previousAcked = 0;
        for (int run = 0; run < RUNS; run++) {
            String mode = run % 2 == 0 ? "per-event" : "checkpoint";
            Process child = new ProcessBuilder(javaBin, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                    "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(), log.toString(), mode)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            AtomicLong maxAcked = new AtomicLong();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("ack ")) {
                            maxAcked.accumulateAndGet(Long.parseLong(line.substring(4)), Math::max);
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // the child died mid-line: the last partial line is not an acknowledgement
                }
            });
            reader.start();
            long waitFor = previousAcked + 1;
            org.awaitility.Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> maxAcked.get() >= waitFor || !child.isAlive());
            assertThat(child.isAlive()).as("run %d: child died before acknowledging an event", run).isTrue();
            // let it run a random while, observed through its acknowledgements rather than a sleep
            long target = maxAcked.get() + 1 + random.nextInt(3000);
            org.awaitility.Awaitility.await().atMost(30, TimeUnit.SECONDS).pollInterval(java.time.Duration.ofMillis(random.nextInt(5) + 1))
                    .until(() -> maxAcked.get() >= target);
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            reader.join(10_000);
            long acked = maxAcked.get();

            try (FileAuditSink reopened = FileAuditSink.open(log)) {
                assertThat(reopened.lastSeq()).as("run %d (%s): every acknowledged event is kept", run, mode).isGreaterThanOrEqualTo(acked);
                if (reopened.tornTail().isPresent()) {
                    tornSeen++;
                    FileAuditSink.TornTail torn = reopened.tornTail().get();
                    assertThat(Files.exists(torn.setAsideTo())).isTrue();
                    assertThat(torn.bytes()).isPositive();
                }
                previousAcked = reopened.lastSeq();
            }
            VerificationResult result = AuditVerifier.builder().key(CrashChild.KEY.verificationKey()).build().verifyLog(log);
            assertThat(result.status()).as("run %d (%s): %s", run, mode, result.summary()).isNotEqualTo(VerificationResult.Status.TAMPERED);
            assertThat(result.lastSeq()).isGreaterThanOrEqualTo(acked);
        }
        // a clean writer closes the log: from then on it verifies as complete
        try (FileAuditSink sink = FileAuditSink.open(log)) {
            AuditTrail.builder().sink(sink).signer(CrashChild.KEY).build().close();
        }
        VerificationResult last = AuditVerifier.builder().key(CrashChild.KEY.verificationKey()).build().verifyLog(log);
        assertThat(last.status()).as(last.summary()).isEqualTo(VerificationResult.Status.INTACT);
        List<Path> tornFiles;
        try (var files = Files.list(log)) {
            tornFiles = files.filter(p -> p.toString().endsWith(".torn")).toList();
        }
        assertThat(tornFiles).hasSize(tornSeen);
        assertThat(last.notes()).hasSize(tornSeen);
    }
}

package io.countersign.audit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.log.FileAuditSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier streams: a log eight times larger than the verifying JVM's whole heap verifies,
 * through the real CLI in a child JVM started with {@code -Xmx32m}, on one thread and on several.
 * (Memory is a few 256 KiB read blocks per thread, whatever the size of the log.)
 */
class LargeLogIT {

    private static final int EVENTS = 420_000;

    @TempDir
    Path tmp;

    @Test
    @DisplayName("a ~270 MB log verifies with a 32 MB heap, on 1 and on 2 threads, and an edit near its end is still found")
    void verifiesALogMuchLargerThanTheHeap() throws Exception {
        Path log = tmp.resolve("log");
        Ed25519Signer signer = Ed25519Signer.generate("big");
        Instant start = Instant.now();
        try (FileAuditSink sink = FileAuditSink.open(log); AuditTrail trail = AuditTrail.builder().sink(sink).signer(signer)
                .checkpointEvery(1000, null).build()) { // no timer: the checkpoint count must not depend on the machine's speed
            CompletableFuture<AuditEvent> last = null;
            for (int i = 0; i < EVENTS; i++) {
                last = trail.record(AuditEvent.builder(EventType.VOTE).time(start.plusMillis(i)).requestId("req-" + i / 4)
                        .field("action", Map.of("name", "Export customer table", "method", "com.example.Operations#exportTable"))
                        .field("policy", Map.of("id", "annotation", "version", "1",
                                "digest", "e9edcc32b20b607b3e8ac85795bfdb6a4331ae621f88f2d9a9ffd2abd1b7ad45"))
                        .field("vote", Map.of("reviewer", "bob", "channel", "slack", "decision", "APPROVE", "counted", true,
                                "reason", "scoped to the analytics bucket; ticket OPS-" + i)));
                if (i % 10_000 == 0) {
                    last.join(); // bounds the sink's queue
                }
            }
            last.join();
        }
        long bytes;
        try (Stream<Path> files = Files.list(log)) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertThat(bytes).as("log size").isGreaterThan(8L * 32 * 1024 * 1024);
        Path pem = tmp.resolve("pub.pem");
        Files.writeString(pem, signer.verificationKey().toPem(), StandardCharsets.UTF_8);

        for (String threads : new String[] {"1", "2"}) {
            Child run = verify(pem, log, threads);
            assertThat(run.exit).as(run.output).isEqualTo(CountersignCli.INTACT);
            assertThat(run.output).startsWith("INTACT  audit trail verified: " + (EVENTS + EVENTS / 1000 + 1) + " events");
            assertThat(run.output).contains("closed at seq " + (EVENTS + EVENTS / 1000 + 1));
        }

        // edit one byte of a line near the end of the last file: found, with the same report on 1 and 2 threads
        Path lastFile;
        try (Stream<Path> files = Files.list(log)) {
            lastFile = files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        byte[] content = Files.readAllBytes(lastFile);
        int at = new String(content, StandardCharsets.ISO_8859_1).indexOf("ticket OPS-", content.length - 2000);
        content[at + 8] = 'Q'; // "ticket OQS-...": an edited reason
        Files.write(lastFile, content);
        Child one = verify(pem, log, "1");
        Child two = verify(pem, log, "2");
        assertThat(one.exit).as(one.output).isEqualTo(CountersignCli.TAMPERED);
        assertThat(one.output).contains("hash mismatch (event edited?)");
        assertThat(two.output).isEqualTo(one.output);
    }

    private record Child(int exit, String output) {
    }

    private static Child verify(Path pem, Path log, String threads) throws IOException, InterruptedException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(javaBin, "-Xmx32m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), CountersignCli.class.getName(),
                "verify", "--threads", threads, "--key", pem.toString(), log.toString())
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Child(child.exitValue(), output);
    }
}

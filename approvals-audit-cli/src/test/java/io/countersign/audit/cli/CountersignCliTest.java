package io.countersign.audit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.log.FileAuditSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real command line ({@link CountersignCli#run}, what {@code main} exits with) and checks output and exit codes. */
class CountersignCliTest {

    static final Instant T0 = Instant.parse("2025-03-01T09:00:00Z");
    static final String FILE = "audit-0000000000000001.jsonl";

    @TempDir
    Path tmp;

    Path logs;
    Path pub;
    Ed25519Signer signer = Ed25519Signer.of("audit-2025", new byte[32]);

    record Run(int exit, String out, String err) {
    }

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = CountersignCli.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void writeDemoLog(Path dir, Ed25519Signer signer, boolean close) throws IOException {
        FileAuditSink sink = FileAuditSink.open(dir);
        AuditTrail trail = AuditTrail.builder().sink(sink).signer(signer).checkpointEvery(3, null).build();
        trail.record(AuditEvent.builder(EventType.REQUESTED).time(T0).requestId("r1")
                .field("action", Map.of("name", "payments.refund", "method", "Payments#refund"))
                .field("actor", Map.of("id", "agent:bot", "kind", "AGENT"))).join();
        trail.record(AuditEvent.builder(EventType.VOTE).time(T0.plusSeconds(30)).requestId("r1")
                .field("action", Map.of("name", "payments.refund", "method", "Payments#refund"))
                .field("vote", Map.of("reviewer", "bob", "decision", "APPROVE", "reason", "approved by bob"))).join();
        trail.record(AuditEvent.builder(EventType.DECIDED).time(T0.plusSeconds(31)).requestId("r1")
                .field("action", Map.of("name", "payments.refund", "method", "Payments#refund")).field("outcome", "APPROVED")).join();
        trail.record(AuditEvent.builder(EventType.EXECUTED).time(T0.plusSeconds(32)).requestId("r1")
                .field("action", Map.of("name", "payments.refund", "method", "Payments#refund"))).join();
        if (close) {
            trail.close();
        } else {
            sink.close();
        }
    }

    @BeforeEach
    void writeLog() throws IOException {
        logs = tmp.resolve("logs");
        writeDemoLog(logs, signer, true);
        pub = tmp.resolve("pub.pem");
        Files.writeString(pub, signer.verificationKey().toPem());
    }

    @Test
    void reportSubcommandVerifiesFirstThenReportsTheEvidence() {
        Run run = cli("report", "--format", "md", "--key", pub.toString(), logs.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("Trail verified").contains("SOC 2");
    }

    @Test
    void reportOfATamperedLogRefusesToPresentFigures() throws IOException {
        Path file = logs.resolve(FILE);
        Files.writeString(file, Files.readString(file).replace("approved by bob", "approved by eve"));

        Run run = cli("report", "--format", "md", "--key", pub.toString(), logs.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("NOT VERIFIED");
    }

    @Test
    void verifyOfAnIntactLogExitsZeroAndSaysWhatWasChecked() {
        Run run = cli("verify", "--key", pub.toString(), logs.toString());

        assertThat(run.exit()).isEqualTo(CountersignCli.INTACT);
        assertThat(run.out()).startsWith("INTACT  audit trail verified: 6 events, chain intact, every event covered by 2 valid "
                + "Ed25519 signatures (2 checkpoints, mode checkpoint) (keys: audit-2025); closed at seq 6\n");
        assertThat(run.out()).contains("note: key pub.pem was matched to key id audit-2025 by its signatures");
        assertThat(run.err()).isEmpty();
        assertThat(cli("verify", "--threads", "1", "--key", pub.toString(), logs.toString()).out()).isEqualTo(run.out());
        assertThat(cli("verify", "--threads", "3", "--key", pub.toString(), logs.toString()).out()).isEqualTo(run.out());
    }

    @Test
    void verifyWithJsonPrintsOneMachineReadableObject() throws IOException {
        Run run = cli("verify", "--json", "--key", "audit-2025=" + pub, logs.toString());

        assertThat(run.exit()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("status").textValue()).isEqualTo("INTACT");
        assertThat(json.get("signatureMode").textValue()).isEqualTo("checkpoint");
        assertThat(json.get("eventsChecked").longValue()).isEqualTo(6);
        assertThat(run.out().strip().lines()).hasSize(1);
    }

    @Test
    @DisplayName("S29 verify of an edited log exits 1 with the first bad seq, file, line and reason")
    void verifyOfATamperedLogExitsOneWithWhereAndWhy() throws IOException {
        Path file = logs.resolve(FILE);
        List<String> lines = Files.readAllLines(file);
        lines.set(1, lines.get(1).replace("approved by bob", "approved by eve"));
        Files.write(file, lines);

        Run run = cli("verify", "--key", pub.toString(), logs.toString());

        assertThat(run.exit()).isEqualTo(CountersignCli.TAMPERED);
        assertThat(run.out()).startsWith("TAMPERED  audit trail BROKEN at seq 2: hash mismatch (event edited?) [" + FILE + " line 2]\n")
                .contains("first bad seq: 2  file: " + FILE + "  line: 2");
        JsonNode json = new ObjectMapper().readTree(cli("verify", "--json", "--key", pub.toString(), logs.toString()).out());
        assertThat(json.get("firstBadSeq").longValue()).isEqualTo(2);
        assertThat(json.get("line").longValue()).isEqualTo(2);
        assertThat(json.get("reason").textValue()).isEqualTo("seq 2: hash mismatch (event edited?)");
    }

    @Test
    @DisplayName("S31 a log that was not closed is not reported intact unless --allow-open is given")
    void anOpenLogExitsOneUnlessAllowed() throws IOException {
        Path open = tmp.resolve("open");
        writeDemoLog(open, signer, false); // checkpoint at 4, event 5 uncovered, no closing checkpoint

        Run strict = cli("verify", "--key", pub.toString(), open.toString());
        assertThat(strict.exit()).isEqualTo(CountersignCli.TAMPERED);
        assertThat(strict.out()).startsWith("UNSIGNED_TAIL  audit trail NOT AUTHENTICATED from seq 5: events 5..5 after the last "
                + "signed event (seq 4) are not covered by any signature");
        Run lenient = cli("verify", "--allow-open", "--key", pub.toString(), open.toString());
        assertThat(lenient.exit()).isEqualTo(CountersignCli.INTACT);
        assertThat(lenient.out()).contains("verified up to seq 5 (last signed: seq 4); accepted because of --allow-open");
    }

    @Test
    @DisplayName("S31 a log that is simply open (ends at a signed checkpoint, not closed) is reported OPEN in plain words and exits 0; "
            + "--expect-closed makes it a failure, --expect-head tells it from a cut tail")
    void anOpenLogIsReportedOpenAndFailsOnlyWhenExpectedClosed() throws IOException {
        Path open = tmp.resolve("open-at-checkpoint");
        Files.createDirectories(open);
        List<String> lines = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> segments = Files.list(logs)) {
            for (Path segment : segments.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList()) {
                lines.addAll(Files.readAllLines(segment));
            }
        }
        Files.write(open.resolve(FILE), lines.subList(0, 4)); // up to the checkpoint at seq 4
        String head = "4:" + new ObjectMapper().readTree(lines.get(3)).get("hash").textValue();

        Run run = cli("verify", "--key", pub.toString(), open.toString());
        assertThat(run.exit()).isEqualTo(CountersignCli.INTACT);
        assertThat(run.out()).startsWith("OPEN  audit trail verified: 4 events")
                .contains("; OPEN: the log ends at seq 4 without a closing checkpoint: normal while its writer is running (or after "
                        + "a crash); to tell it from a log whose tail was cut, compare its signed head " + head
                        + " with one kept elsewhere (countersign verify --expect-head " + head + ")")
                .contains("open: not closed yet, which is normal while the writer runs; pass --expect-closed if it should be closed")
                .doesNotContain("removed").doesNotContain("BROKEN");

        Run closed = cli("verify", "--expect-closed", "--key", pub.toString(), open.toString());
        assertThat(closed.exit()).isEqualTo(CountersignCli.TAMPERED);
        assertThat(closed.out()).startsWith("TAMPERED  audit trail BROKEN at seq 5: the log was expected to be closed but ends at "
                + "seq 4 without a closing checkpoint");

        assertThat(cli("verify", "--expect-head", head, "--key", pub.toString(), open.toString()).exit()).isEqualTo(CountersignCli.INTACT);
        Run cut = cli("verify", "--expect-head", "6", "--key", pub.toString(), open.toString());
        assertThat(cut.exit()).isEqualTo(CountersignCli.TAMPERED);
        assertThat(cut.out()).contains("BROKEN at seq 5: the log ends at seq 4 but the expected head is seq 6");
        assertThat(cli("verify", "--expect-closed", "--allow-open", "--key", pub.toString(), open.toString()).exit())
                .isEqualTo(CountersignCli.UNUSABLE);
    }

    @Test
    @DisplayName("S32 verify with the wrong key exits 1")
    void verifyWithAnotherKeyExitsOne() throws IOException {
        Path other = tmp.resolve("other.pem");
        Files.writeString(other, Ed25519Signer.generate("x").verificationKey().toPem());

        Run run = cli("verify", "--key", other.toString(), logs.toString());

        assertThat(run.exit()).isEqualTo(CountersignCli.TAMPERED);
        assertThat(run.out()).contains("unknown key id audit-2025 and none of the given keys verifies it");
    }

    @Test
    void unreadableInputExitsTwoWithAClearMessageOnStderr() throws IOException {
        Run missing = cli("verify", "--key", pub.toString(), tmp.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(CountersignCli.UNUSABLE);
        assertThat(missing.err()).isEqualTo("countersign: audit log not found: " + tmp.resolve("nope")
                + " is neither a file nor a directory\n");
        assertThat(missing.out()).isEmpty();

        Path badKey = tmp.resolve("bad.pem");
        Files.writeString(badKey, "hello");
        Run key = cli("verify", "--key", badKey.toString(), logs.toString());
        assertThat(key.exit()).isEqualTo(CountersignCli.UNUSABLE);
        assertThat(key.err()).startsWith("countersign: --key " + badKey + ": PEM for key 'bad.pem' must start with '-----BEGIN PUBLIC KEY-----'");

        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertThat(cli("verify", "--key", pub.toString(), empty.toString()).err())
                .isEqualTo("countersign: no audit log files (audit-<seq>.jsonl) in directory " + empty + "\n");
    }

    @Test
    void badUsageExitsTwoWithTheUsage() {
        Run noKey = cli("verify", logs.toString());
        assertThat(noKey.exit()).isEqualTo(CountersignCli.UNUSABLE);
        assertThat(noKey.err()).startsWith("countersign: at least one --key is required").contains("Usage: countersign verify");

        Run unknown = cli("verify", "--frobnicate", logs.toString());
        assertThat(unknown.exit()).isEqualTo(CountersignCli.UNUSABLE);
        assertThat(unknown.err()).contains("Unknown option: '--frobnicate'");

        Run noThreads = cli("verify", "--threads", "0", "--key", pub.toString(), logs.toString());
        assertThat(noThreads.exit()).isEqualTo(CountersignCli.UNUSABLE);
        assertThat(noThreads.err()).startsWith("countersign: --threads: verifier threads must be between 1 and 64 but was 0");

        assertThat(cli().exit()).isEqualTo(CountersignCli.UNUSABLE);
        assertThat(cli("search", logs.toString(), "--since", "yesterday").err())
                .startsWith("countersign: --since must be an instant like 2025-03-01T09:00:00Z or a date like 2025-03-01 but was 'yesterday'");
    }

    @Test
    void searchPrintsMatchingEventsAsATableOrJsonLines() {
        Run table = cli("search", logs.toString(), "--reviewer", "bob", "--decision", "approve");
        assertThat(table.exit()).isZero();
        assertThat(table.out().lines().toList()).hasSize(3);
        assertThat(table.out()).contains("2        2025-03-01T09:00:30Z     VOTE            r1             payments.refund                -"
                + "                bob APPROVE").endsWith("1 event\n");

        Run json = cli("search", logs.toString(), "--action", "refund", "--since", "2025-03-01T09:00:31Z", "--json");
        assertThat(json.exit()).isZero();
        assertThat(json.out().lines().map(l -> AuditEvent.parse(l).type()).toList())
                .containsExactly(EventType.DECIDED, EventType.EXECUTED);

        assertThat(cli("search", logs.toString(), "--until", "2025-03-01").out()).endsWith("0 events\n");
    }

    @Test
    @DisplayName("S59 search shows terminal escape sequences, line breaks and bidi overrides in event fields as text")
    void searchEscapesControlCharactersFromTheLog() throws IOException {
        Path hostile = tmp.resolve("hostile");
        FileAuditSink sink = FileAuditSink.open(hostile);
        AuditTrail trail = AuditTrail.builder().sink(sink).signer(signer).build();
        trail.record(AuditEvent.builder(EventType.REQUESTED).time(T0).requestId("r1")
                .field("action", Map.of("name", "refund\u001b]0;pwned\u0007\u001b[2J", "method", "Payments#refund"))
                .field("actor", Map.of("id", "agent\u202ebot\u009b31m", "kind", "AGENT"))
                .field("reason", "ok\n99       2025-03-01T09:00:30Z     DECIDED  forged")).join();
        trail.close();

        Run table = cli("search", hostile.toString());

        assertThat(table.exit()).isZero();
        assertThat(table.out()).doesNotContain("\u001b", "\u0007", "\u202e", "\u009b")
                .contains("refund\\u001B]0;pwned\\u0007\\u001B[2J", "agent\\u202Ebot\\u009B31m", "ok\\n99")
                .doesNotContain("\n99 ");
        assertThat(table.out().lines().toList()).as("header, the event, the closing checkpoint, the count").hasSize(4);
    }
}

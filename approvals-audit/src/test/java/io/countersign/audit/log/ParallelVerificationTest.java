package io.countersign.audit.log;

import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;

import static io.countersign.audit.AuditChains.key;
import static io.countersign.audit.AuditChains.sampleEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verification on several threads ({@link AuditVerifier.Builder#threads}) must give exactly the
 * result of verification on one: same status, counts, first bad seq, reason, file and line, for
 * intact logs, edited logs, torn tails and broken rotations, with blocks small enough that lines
 * cross block boundaries everywhere.
 */
class ParallelVerificationTest {

  private static final Ed25519Signer K1 = key("k1");
  private static final Ed25519Signer K2 = key("k2");

  @TempDir
  static Path logs;

  @TempDir
  Path tmp;

  private static Path log;
  private static Path signedLog;

  /** A multi-file log: 1,200 events, checkpoints every 50, a key rotation, files rotated at 64 KiB. */
  @BeforeAll
  static void writeLog() throws IOException {
    log = logs.resolve("log");
    AtomicLong ids = new AtomicLong();
    FileAuditSink.Options options = FileAuditSink.Options.builder().rotateAtBytes(64 * 1024).build();
    try (FileAuditSink sink = FileAuditSink.open(log, options); AuditTrail trail = AuditTrail.builder().sink(sink).signer(K1)
        .checkpointEvery(50, null).idSource(() -> "evt-" + ids.incrementAndGet()).build()) {
      for (int i = 1; i <= 1200; i++) {
        trail.record(sampleEvent(i)).join();
        if (i == 700) {
          trail.rotateKey(K2).join();
        }
      }
    }
    try (Stream<Path> files = Files.list(log)) {
      assertThat(files.filter(p -> p.toString().endsWith(".jsonl")).count()).as("rotated files").isGreaterThan(3);
    }
    signedLog = logs.resolve("signed");
    AtomicLong signedIds = new AtomicLong();
    try (FileAuditSink sink = FileAuditSink.open(signedLog, options); AuditTrail trail = AuditTrail.builder().sink(sink).signer(K1)
        .idSource(() -> "evt-" + signedIds.incrementAndGet()).build()) {
      for (int i = 1; i <= 300; i++) {
        trail.record(sampleEvent(i)).join();
        if (i == 150) {
          trail.rotateKey(K2).join();
        }
      }
    }
  }

  private static AuditVerifier.Builder keys() {
    return AuditVerifier.builder().keys(K1.verificationKey(), K2.verificationKey());
  }

  /** Verifies {@code dir} once on one thread and with several settings of threads and block sizes; all must agree. */
  private static VerificationResult verifyEveryWay(Path dir) throws IOException {
    VerificationResult sequential = keys().threads(1).build().verifyLog(dir);
    for (int threads : new int[] {2, 5}) {
      for (int block : new int[] {97, 4096, 1 << 20}) {
        VerificationResult parallel = keys().threads(threads).scanBlockSize(block).build().verifyLog(dir);
        assertThat(parallel.toJson()).as("%d threads, %d-byte blocks", threads, block).isEqualTo(sequential.toJson());
      }
    }
    return sequential;
  }

  private Path copy(String name) throws IOException {
    return copy(log, name);
  }

  private Path copy(Path source, String name) throws IOException {
    Path target = tmp.resolve(name);
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(source)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.copy(p, target.resolve(p.getFileName()));
      }
    }
    return target;
  }

  /** A copy of the log whose first file holds {@code edit} of its bytes. */
  private Path withFirstFile(String name, java.util.function.UnaryOperator<byte[]> edit) throws IOException {
    Path dir = copy(name);
    Path file = logFiles(dir).get(0);
    Files.write(file, edit.apply(Files.readAllBytes(file)));
    return dir;
  }

  private static List<Path> logFiles(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    for (LogFiles.LogFile f : LogFiles.list(dir)) {
      files.add(f.path());
    }
    return files;
  }

  @Test
  @DisplayName("an intact multi-file log with checkpoints and a key rotation verifies the same on 1 and on many threads")
  void intact() throws IOException {
    VerificationResult r = verifyEveryWay(log);
    assertThat(r.status()).as(r.summary()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(r.eventsChecked()).isGreaterThan(1200);
  }

  @Test
  @DisplayName("a log signed event by event (signatures checked ahead on the workers) verifies the same on every thread count")
  void perEventSigned() throws IOException {
    VerificationResult r = verifyEveryWay(signedLog);
    assertThat(r.status()).as(r.summary()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(r.signatureMode()).isEqualTo(VerificationResult.PER_EVENT);
    assertThat(r.signaturesVerified()).isGreaterThan(300);
    editRandomBytes(signedLog, 10, 11);
    VerificationResult onlyOldKey = AuditVerifier.builder().key(K1.verificationKey()).threads(3).scanBlockSize(500).build()
        .verifyLog(signedLog);
    assertThat(onlyOldKey.toJson()).isEqualTo(AuditVerifier.builder().key(K1.verificationKey()).threads(1).build()
        .verifyLog(signedLog).toJson());
  }

  @Test
  @DisplayName("S29 edits anywhere (a flipped byte in 25 random lines) give the same first bad seq, reason, file and line on every thread count")
  void editedBytes() throws IOException {
    editRandomBytes(log, 25, 7);
  }

  private void editRandomBytes(Path source, int rounds, long seed) throws IOException {
    Random random = new Random(seed);
    List<Path> files = logFiles(source);
    for (int round = 0; round < rounds; round++) {
      Path dir = copy(source, "edit-" + seed + "-" + round);
      Path file = logFiles(dir).get(random.nextInt(files.size()));
      byte[] bytes = Files.readAllBytes(file);
      int at;
      do {
        at = random.nextInt(bytes.length);
      } while (bytes[at] == '\n');
      byte flipped;
      do {
        flipped = (byte) (bytes[at] ^ (1 << random.nextInt(7)));
      } while (flipped == '\n');
      bytes[at] = flipped;
      Files.write(file, bytes);
      VerificationResult r = verifyEveryWay(dir);
      assertThat(r.ok()).as("edit at byte %d of %s: %s", at, file.getFileName(), r.summary()).isFalse();
    }
  }

  @Test
  @DisplayName("S33 a torn last line, and a rotated file without its final LF, are reported the same on every thread count")
  void tornTailAndBrokenRotation() throws IOException {
    Path torn = copy("torn");
    List<Path> files = logFiles(torn);
    Files.write(files.get(files.size() - 1), "{\"seq\":99999,\"type\":\"VO".getBytes(StandardCharsets.UTF_8),
        java.nio.file.StandardOpenOption.APPEND);
    VerificationResult r = verifyEveryWay(torn);
    assertThat(r.status()).isEqualTo(VerificationResult.Status.OPEN);
    assertThat(r.reason()).startsWith("torn tail: line ");

    Path cut = withFirstFile("cut", bytes -> java.util.Arrays.copyOf(bytes, bytes.length - 1));
    VerificationResult broken = verifyEveryWay(cut);
    assertThat(broken.status()).isEqualTo(VerificationResult.Status.TAMPERED);
    assertThat(broken.reason()).contains("does not end with a newline, but a later file follows it");
  }

  @Test
  @DisplayName("a log whose lines were shuffled inside one file fails at the same place on every thread count")
  void swappedLines() throws IOException {
    Path dir = withFirstFile("swap", bytes -> {
      List<String> lines = new ArrayList<>(List.of(new String(bytes, StandardCharsets.UTF_8).split("\n")));
      assertThat(lines).hasSizeGreaterThan(12);
      lines.add(10, lines.remove(11));
      return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    });
    VerificationResult r = verifyEveryWay(dir);
    assertThat(r.status()).isEqualTo(VerificationResult.Status.TAMPERED);
    assertThat(r.reason()).contains("expected seq");
  }

  @Test
  @DisplayName("a failure early in a large log stops the worker threads (none is left running)")
  void workersStopAfterAnEarlyFailure() throws IOException {
    Path dir = withFirstFile("early", bytes -> {
      bytes[5] ^= 1;
      return bytes;
    });
    VerificationResult r = keys().threads(4).scanBlockSize(64).build().verifyLog(dir);
    assertThat(r.firstBadSeq()).hasValue(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().startsWith("countersign-verify-") && t.isAlive()));
  }
}

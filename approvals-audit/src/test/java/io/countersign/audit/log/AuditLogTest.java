package io.countersign.audit.log;

import static io.countersign.audit.AuditChains.key;
import static io.countersign.audit.AuditChains.sampleEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AuditLog}: the one reader of a log directory, and what it refuses. */
class AuditLogTest {

  static final Ed25519Signer K1 = key("k1");
  static final String SECRET = "TOP-SECRET-TARGET-CONTENT";

  @TempDir
  Path tmp;
  Path dir;

  /** A closed, signed log of 40 events (plus checkpoints) in two files. */
  @BeforeEach
  void writeLog() throws IOException {
    dir = tmp.resolve("log");
    FileAuditSink.Options rotate = FileAuditSink.Options.builder().rotateAtBytes(8_000).build();
    try (FileAuditSink sink = FileAuditSink.open(dir, rotate);
        AuditTrail trail = AuditTrail.builder().sink(sink).signer(K1).build()) {
      for (int i = 1; i <= 40; i++) {
        trail.record(sampleEvent(i)).join();
      }
    }
    assertThat(AuditLog.open(dir).files()).hasSizeGreaterThan(1);
  }

  AuditVerifier verifier() {
    return AuditVerifier.builder().key(K1.verificationKey()).build();
  }

  @Test
  void verifyHandsEveryVerifiedEventToTheConsumerInChainOrder() throws IOException {
    List<Long> seqs = new ArrayList<>();
    VerificationResult result = AuditLog.open(dir).verify(verifier(), e -> seqs.add(e.seq()));
    assertThat(result.status()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(seqs).hasSize((int) result.eventsChecked()).isSorted().startsWith(1L).endsWith(result.lastSeq());
  }

  @Test
  void readAndVerifySeeTheSameEvents() throws IOException {
    AuditLog log = AuditLog.open(dir);
    List<AuditEvent> verified = new ArrayList<>();
    log.verify(verifier(), verified::add);
    List<AuditEvent> read = new ArrayList<>();
    log.read(read::add);
    assertThat(read).isEqualTo(verified);
  }

  @Test
  @DisplayName("S58 a log file replaced while the log is verified: the consumer counts exactly the events that were verified")
  void aFileReplacedDuringTheReadIsNeverCountedUnverified() throws IOException {
    AuditLog log = AuditLog.open(dir);
    List<Path> files = log.files();
    Path second = files.get(1);
    List<String> forged = new ArrayList<>(Files.readAllLines(second));
    int edited = 0;
    while (!forged.get(edited).contains("refund")) {
      edited++;
    }
    forged.set(edited, forged.get(edited).replace("refund", "refunD"));
    Path staged = tmp.resolve("forged.jsonl");
    Files.write(staged, forged);
    AtomicBoolean replaced = new AtomicBoolean();
    long[] counted = {0};
    VerificationResult result = log.verify(verifier(), e -> {
      counted[0]++;
      if (replaced.compareAndSet(false, true)) {
        try {
          Files.move(staged, second, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ex) {
          throw new AssertionError(ex);
        }
      }
    });
    assertThat(replaced).isTrue();
    assertThat(counted[0]).as(result.summary()).isEqualTo(result.eventsChecked());
    // Whichever bytes the pass read, a report built from it cannot count an event it did not verify:
    // verifying the log as it is now fails at the forged line.
    assertThat(verifier().verifyLog(dir).status()).isEqualTo(VerificationResult.Status.TAMPERED);
  }

  @Test
  @DisplayName("S58 a log file that is a symbolic link is refused, named, and its target never read")
  void aSymlinkedLogFileIsRefused() throws IOException {
    Path target = tmp.resolve("elsewhere.txt");
    Files.writeString(target, SECRET + "\n", StandardCharsets.UTF_8);
    Path link = Files.createSymbolicLink(dir.resolve(LogFiles.fileName(999)), target);

    assertThatThrownBy(() -> AuditLog.open(dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(link.getFileName().toString())
        .hasMessageContaining("symbolic link; refused")
        .hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> verifier().verifyLog(dir)).isInstanceOf(IOException.class).hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> AuditSearch.builder().build().find(dir, 10)).isInstanceOf(IOException.class)
        .hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> FileAuditSink.open(dir)).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");

    // Only on request is the link followed (and then the foreign file is just a bad line).
    VerificationResult followed = AuditLog.open(dir, AuditLog.Option.FOLLOW_LINKS).verify(verifier());
    assertThat(followed.status()).isEqualTo(VerificationResult.Status.TAMPERED);
  }

  @Test
  @DisplayName("S58 a log path that is itself a symbolic link to a file is refused unless links are followed")
  void aSymlinkedLogFilePathIsRefused() throws IOException {
    Path file = AuditLog.open(dir).files().get(0);
    Path link = Files.createSymbolicLink(tmp.resolve("link.jsonl"), file);
    assertThatThrownBy(() -> AuditLog.open(link)).isInstanceOf(IOException.class)
        .hasMessage("audit log " + link + " is a symbolic link; refused (open it with FOLLOW_LINKS to read its target)");
    assertThat(AuditLog.open(link, AuditLog.Option.FOLLOW_LINKS).files()).containsExactly(link);
  }

  @Test
  @DisplayName("S58 a directory named like a log file is refused as not a regular file")
  void aNonRegularLogFileIsRefused() throws IOException {
    Files.createDirectory(dir.resolve(LogFiles.fileName(999)));
    assertThatThrownBy(() -> AuditLog.open(dir)).isInstanceOf(IOException.class)
        .hasMessage("audit log file " + LogFiles.fileName(999) + " in " + dir + " is not a regular file (a directory); refused");
  }

  @Test
  @DisplayName("S58 a line over 16 MiB is an error naming the limit, not an OutOfMemoryError, in both verify and read")
  void aHugeLineIsReportedNotLoaded() throws IOException {
    Path huge = tmp.resolve("huge");
    Files.createDirectories(huge);
    byte[] chunk = new byte[1 << 20];
    java.util.Arrays.fill(chunk, (byte) 'a');
    try (OutputStream out = Files.newOutputStream(huge.resolve(LogFiles.fileName(1)))) {
      for (int i = 0; i < 40; i++) { // 40 MiB without a newline: well past the limit and any read-ahead
        out.write(chunk);
      }
      out.write('\n');
    }
    AuditLog log = AuditLog.open(huge);
    assertThatThrownBy(() -> log.verify(verifier())).isInstanceOf(IOException.class)
        .hasMessageContaining("longer than " + AuditLog.MAX_LINE_BYTES + " bytes");
    assertThatThrownBy(() -> log.read(e -> true)).isInstanceOf(IOException.class)
        .hasMessageContaining("longer than " + AuditLog.MAX_LINE_BYTES + " bytes");
  }

  @Test
  void openRefusesAMissingPathAndAnEmptyDirectory() throws IOException {
    assertThatThrownBy(() -> AuditLog.open(tmp.resolve("missing"))).isInstanceOf(IOException.class)
        .hasMessage("audit log not found: " + tmp.resolve("missing") + " is neither a file nor a directory");
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> AuditLog.open(empty)).isInstanceOf(IOException.class)
        .hasMessage("no audit log files (audit-<seq>.jsonl) in directory " + empty);
  }

  @Test
  void segmentNamesFollowTheFormat() {
    assertThat(AuditLog.segmentName(42)).isEqualTo("audit-0000000000000042.jsonl");
    assertThatThrownBy(() -> AuditLog.segmentName(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a log file's first seq must be >= 1 but was 0");
  }
}

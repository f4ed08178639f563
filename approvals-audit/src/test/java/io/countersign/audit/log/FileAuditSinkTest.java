package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.AuditChains;

import static io.countersign.audit.AuditChains.key;
import static io.countersign.audit.log.LogDirs.readLog;
import static io.countersign.audit.AuditChains.sampleEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAuditSinkTest {

  private final Ed25519Signer k1 = key("k1");

  @TempDir
  Path dir;

  private VerificationResult verify() throws IOException {
    return AuditVerifier.builder().key(k1.verificationKey()).build().verifyLog(dir);
  }

  @Test
  void appendedEventsAreWrittenAsCanonicalJsonLinesAndVerify() throws IOException {
    List<AuditEvent> recorded = new ArrayList<>();
    try (FileAuditSink sink = FileAuditSink.open(dir); AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).build()) {
      assertThat(sink.lastSeq()).isZero();
      assertThat(sink.lastHash()).isEqualTo(AuditTrail.GENESIS_HASH);
      for (int i = 1; i <= 3; i++) {
        recorded.add(trail.record(sampleEvent(i)).join());
      }
      assertThat(readLog(dir)).containsExactly(recorded.get(0).toJson(), recorded.get(1).toJson(), recorded.get(2).toJson());
    }
    assertThat(Files.readString(dir.resolve("audit-0000000000000001.jsonl"))).endsWith("}\n");
    assertThat(verify().status()).isEqualTo(VerificationResult.Status.INTACT);
  }

  @Test
  void concurrentAppendsAreGroupCommittedWithFewerForcesThanEvents() throws Exception {
    try (FileAuditSink sink = FileAuditSink.open(dir); AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).checkpointEvery(1000, null).build()) {
      List<CompletableFuture<AuditEvent>> futures = new ArrayList<>();
      for (int i = 1; i <= 2000; i++) {
        futures.add(trail.record(sampleEvent(i)));
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
      long[] stats = sink.stats();
      assertThat(stats[1]).as("forces for 2002 events").isLessThan(500);
    }
    assertThat(readLog(dir)).hasSize(2003);
  }

  @Test
  void everyEventDurabilityForcesOncePerEvent() throws IOException {
    FileAuditSink.Options strict = FileAuditSink.Options.builder().durability(FileAuditSink.Durability.EVERY_EVENT).build();
    try (FileAuditSink sink = FileAuditSink.open(dir, strict); AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).closingCheckpoint(false).build()) {
      for (int i = 1; i <= 5; i++) {
        trail.record(sampleEvent(i));
      }
      trail.record(sampleEvent(6)).join();
      assertThat(sink.stats()[1]).isEqualTo(6);
    }
  }

  @Test
  void reopeningContinuesTheChainWhereTheLastRunStopped() throws IOException {
    try (FileAuditSink sink = FileAuditSink.open(dir); AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).build()) {
      trail.record(sampleEvent(1)).join();
    }
    AuditEvent close;
    try (FileAuditSink sink = FileAuditSink.open(dir)) {
      assertThat(sink.lastSeq()).isEqualTo(2);
      close = AuditEvent.parse(readLog(dir).get(1));
      assertThat(sink.lastHash()).isEqualTo(close.hash());
      try (AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).build()) {
        assertThat(trail.record(sampleEvent(2)).join().prevHash()).isEqualTo(close.hash());
      }
    }
    VerificationResult result = verify();
    assertThat(result.status()).as(result.summary()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(result.eventsChecked()).isEqualTo(4);
  }

  @Test
  void aSecondTrailWritingToTheSameSinkIsRefused() throws IOException {
    try (FileAuditSink sink = FileAuditSink.open(dir)) {
      AuditTrail first = AuditTrail.builder().sink(sink).signer(k1).build();
      AuditTrail second = AuditTrail.builder().sink(sink).signer(k1).build();
      first.record(sampleEvent(1)).join();
      assertThatThrownBy(() -> second.record(sampleEvent(2)).join())
          .hasRootCauseInstanceOf(IllegalArgumentException.class)
          .hasRootCauseMessage("FileAuditSink " + dir.toAbsolutePath() + ": event seq 1 does not continue the log, which "
              + "expects seq 2 with prevHash " + first.lastHash()
              + " (another trail wrote to this sink, or the trail was given a different chain head; let one trail write to it)");
    }
  }

  @Test
  void filesRotateBySizeAndTheChainRunsAcrossThem() throws IOException {
    FileAuditSink.Options small = FileAuditSink.Options.builder().rotateAtBytes(1500).build();
    try (FileAuditSink sink = FileAuditSink.open(dir, small); AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).build()) {
      for (int i = 1; i <= 12; i++) {
        trail.record(sampleEvent(i)).join();
      }
    }
    List<LogFiles.LogFile> files = LogFiles.list(dir);
    assertThat(files).hasSizeGreaterThan(3);
    for (int i = 1; i < files.size(); i++) {
      List<String> previous = Files.readAllLines(files.get(i - 1).path());
      AuditEvent lastOfPrevious = AuditEvent.parse(previous.get(previous.size() - 1));
      AuditEvent first = AuditEvent.parse(Files.readAllLines(files.get(i).path()).get(0));
      assertThat(first.seq()).isEqualTo(files.get(i).firstSeq()).isEqualTo(lastOfPrevious.seq() + 1);
      assertThat(first.prevHash()).isEqualTo(lastOfPrevious.hash());
      assertThat(Files.size(files.get(i - 1).path())).isLessThanOrEqualTo(1500);
    }
    assertThat(verify().status()).isEqualTo(VerificationResult.Status.INTACT);
  }

  @Test
  void filesRotateWhenTheUtcDayOfTheEventsChanges() throws IOException {
    try (FileAuditSink sink = FileAuditSink.open(dir); AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).closingCheckpoint(false).build()) {
      trail.record(sampleEvent(1).time(AuditChains.T0)).join();
      trail.record(sampleEvent(2).time(AuditChains.T0.plus(Duration.ofHours(3)))).join();
      trail.record(sampleEvent(3).time(AuditChains.T0.plus(Duration.ofDays(1)))).join();
    }
    assertThat(LogFiles.list(dir)).extracting(LogFiles.LogFile::firstSeq).containsExactly(1L, 3L);
  }

  @Test
  @DisplayName("S33 a torn last line is set aside on reopen, reported, and every complete event is kept")
  void s33_tornTailIsSetAsideOnOpen() throws IOException {
    try (FileAuditSink sink = FileAuditSink.open(dir); AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).closingCheckpoint(false).build()) {
      for (int i = 1; i <= 3; i++) {
        trail.record(sampleEvent(i)).join();
      }
    }
    Path file = dir.resolve("audit-0000000000000001.jsonl");
    List<String> complete = Files.readAllLines(file);
    Files.writeString(file, "{\"seq\":4,\"eventId\":\"half-writ", StandardOpenOption.APPEND);

    VerificationResult before = verify();
    assertThat(before.status()).isEqualTo(VerificationResult.Status.OPEN);
    assertThat(before.reason()).startsWith("torn tail: line 4 of audit-0000000000000001.jsonl has 29 bytes without a terminating newline");

    try (FileAuditSink sink = FileAuditSink.open(dir)) {
      FileAuditSink.TornTail torn = sink.tornTail().orElseThrow();
      assertThat(torn.line()).isEqualTo(4);
      assertThat(torn.bytes()).isEqualTo(29);
      assertThat(torn.setAsideTo()).isEqualTo(dir.resolve("audit-0000000000000001.jsonl.torn"));
      assertThat(Files.readString(torn.setAsideTo())).isEqualTo("{\"seq\":4,\"eventId\":\"half-writ");
      assertThat(sink.lastSeq()).isEqualTo(3);
      assertThat(Files.readAllLines(file)).isEqualTo(complete);
      try (AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).build()) {
        assertThat(trail.record(sampleEvent(4)).join().seq()).isEqualTo(4);
      }
    }
    VerificationResult after = verify();
    assertThat(after.status()).as(after.summary()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(after.notes()).containsExactly("torn tail set aside earlier: audit-0000000000000001.jsonl.torn (29 bytes of an "
        + "incomplete write; not part of the log)");
  }

  @Test
  void aDamagedCompleteLastLineStopsTheSinkFromOpening() throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("audit-0000000000000001.jsonl"), "not an event\n");
    assertThatThrownBy(() -> FileAuditSink.open(dir)).isInstanceOf(IOException.class)
        .hasMessageStartingWith("cannot continue audit log " + dir.toAbsolutePath() + ": the last line of audit-0000000000000001.jsonl "
            + "is not a valid audit event");
  }

  @Test
  void aSecondWriterOnTheSameDirectoryIsRefusedWithAClearError() throws IOException {
    try (FileAuditSink first = FileAuditSink.open(dir)) {
      assertThatThrownBy(() -> FileAuditSink.open(dir)).isInstanceOf(IOException.class)
          .hasMessage("audit log " + dir.toAbsolutePath() + " is already open in this JVM (lock file audit.lock is held); "
              + "share that FileAuditSink instead of opening the directory twice");
    }
    FileAuditSink.open(dir).close(); // released on close
  }

  @Test
  void appendsAfterCloseFail() throws IOException {
    FileAuditSink sink = FileAuditSink.open(dir);
    AuditTrail trail = AuditTrail.builder().sink(sink).build();
    sink.close();
    assertThatThrownBy(() -> trail.record(sampleEvent(1)).join()).hasRootCauseMessage("FileAuditSink " + dir.toAbsolutePath() + " is closed");
  }

  @Test
  void optionsAreValidatedAtOnce() {
    assertThatIllegalArgumentException().isThrownBy(() -> FileAuditSink.Options.builder().rotateAtBytes(-1))
        .withMessage("rotateAtBytes must be >= 0 (0 = never) but was -1");
    assertThatIllegalArgumentException().isThrownBy(() -> FileAuditSink.Options.builder().maxBatchDelay(Duration.ofSeconds(5)))
        .withMessage("maxBatchDelay must be between 0 and 1s but was PT5S");
    assertThatIllegalArgumentException().isThrownBy(() -> FileAuditSink.Options.builder().maxBatchEvents(0))
        .withMessage("maxBatchEvents must be >= 1 but was 0");
  }

  @Test
  void aBatchDelayStillCompletesEveryAppend() throws IOException {
    FileAuditSink.Options lingering = FileAuditSink.Options.builder().maxBatchDelay(Duration.ofMillis(5)).build();
    try (FileAuditSink sink = FileAuditSink.open(dir, lingering); AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).build()) {
      assertThat(trail.record(sampleEvent(1)).join().seq()).isEqualTo(1);
    }
    assertThat(verify().ok()).isTrue();
  }

  @Test
  @DisplayName("concurrency: 8 threads append 100k events; every one is present once, in one valid chain")
  void eightThreadsAppendOneHundredThousandEventsIntoOneChain() throws Exception {
    int threads = 8;
    int perThread = 12_500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try (FileAuditSink sink = FileAuditSink.open(dir, FileAuditSink.Options.builder().rotateAtBytes(8L << 20).build());
        AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).checkpointEvery(1000, Duration.ofMillis(200)).build()) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          start.await();
          List<CompletableFuture<AuditEvent>> mine = new ArrayList<>(perThread);
          for (int i = 0; i < perThread; i++) {
            mine.add(trail.record(AuditEvent.builder(EventType.VOTE).time(AuditChains.T0)
                .requestId("t" + thread + "-" + i).field("n", i)));
          }
          CompletableFuture.allOf(mine.toArray(CompletableFuture[]::new)).join();
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Set<String> requestIds = new HashSet<>();
    long[] count = {0};
    AuditSearch.builder().type(EventType.VOTE).build().search(dir, e -> {
      count[0]++;
      requestIds.add(e.requestId());
      return true;
    });
    assertThat(count[0]).isEqualTo(100_000);
    assertThat(requestIds).hasSize(100_000);
    VerificationResult result = verify();
    assertThat(result.status()).as(result.summary()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(result.signatureMode()).isEqualTo(VerificationResult.CHECKPOINT);
  }
}

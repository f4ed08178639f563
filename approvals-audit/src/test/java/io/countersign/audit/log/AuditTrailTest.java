package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.AuditChains;

import static io.countersign.audit.AuditChains.T0;
import static io.countersign.audit.AuditChains.sampleEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.countersign.internal.Hashing;
import io.countersign.spi.Signer;
import io.countersign.testing.FailingAuditSink;
import io.countersign.testing.FailingAuditSink.Mode;
import io.countersign.testing.FailingAuditSink.SimulatedSinkFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AuditTrailTest {

  private final InMemoryAuditSink sink = new InMemoryAuditSink();
  private final Ed25519Signer k1 = AuditChains.key("k1");

  private static Throwable failureOf(CompletableFuture<?> future) {
    assertThat(future).isCompletedExceptionally();
    try {
      future.join();
      throw new AssertionError("expected failure");
    } catch (CompletionException e) {
      return e.getCause();
    }
  }

  @Test
  void firstEventStartsAtGenesisAndItsHashCoversPrevHashAndContent() {
    AuditEvent event = AuditChains.trail(sink, null).build().record(sampleEvent(1)).join();

    assertThat(event.seq()).isEqualTo(1);
    assertThat(event.eventId()).isEqualTo("evt-1");
    assertThat(event.prevHash()).isEqualTo("0".repeat(64));
    assertThat(event.keyId()).isNull();
    assertThat(event.signature()).isNull();
    assertThat(event.hashedContent()).doesNotContain("\"hash\"").contains("\"prevHash\"");
    assertThat(event.hash()).isEqualTo(Hashing.sha256Hex(
        event.prevHash().getBytes(StandardCharsets.US_ASCII), event.hashedContent().getBytes(StandardCharsets.UTF_8)));
    assertThat(sink.events()).containsExactly(event);
  }

  @Test
  void eachEventLinksToThePreviousHash() {
    AuditTrail trail = AuditChains.trail(sink, null).build();

    AuditEvent first = trail.record(sampleEvent(1)).join();
    AuditEvent second = trail.record(sampleEvent(2)).join();

    assertThat(second.seq()).isEqualTo(2);
    assertThat(second.prevHash()).isEqualTo(first.hash());
    assertThat(trail.lastSeq()).isEqualTo(2);
    assertThat(trail.lastHash()).isEqualTo(second.hash());
  }

  @Test
  void signedEventsCarryKeyIdAndAVerifyingSignatureOverTheRawHash() {
    AuditEvent event = AuditChains.trail(sink, k1).build().record(sampleEvent(1)).join();

    assertThat(event.keyId()).isEqualTo("k1");
    assertThat(event.hashedContent()).contains("\"keyId\":\"k1\"").doesNotContain("signature");
    assertThat(java.util.Base64.getDecoder().decode(event.signature())).hasSize(64);
    assertThat(AuditVerifier.verify(sink.events(), k1.verificationKey()).ok()).isTrue();
  }

  @Test
  void continueAfterStartsTheChainAfterTheGivenHead() {
    String head = Hashing.sha256Hex(new byte[] {1});
    AuditTrail trail = AuditChains.trail(sink, null).continueAfter(41, head).build();

    AuditEvent event = trail.record(sampleEvent(1)).join();

    assertThat(event.seq()).isEqualTo(42);
    assertThat(event.prevHash()).isEqualTo(head);
    assertThat(AuditVerifier.verify(sink.events(), 41, head).ok()).isTrue();
  }

  @Test
  void buildWithoutSinkFailsSayingWhy() {
    assertThatIllegalStateException()
        .isThrownBy(() -> AuditTrail.builder().signer(k1).build())
        .withMessageStartingWith("AuditTrail needs at least one sink: call sink(...) before build()");
  }

  @Test
  void builderRejectsBadAndRepeatedSettingsNamingTheValue() {
    assertThatIllegalStateException()
        .isThrownBy(() -> AuditTrail.builder().signer(k1).signer(AuditChains.key("k2")))
        .withMessage("signer was already set to key 'k1'");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditTrail.builder().continueAfter(-1, AuditTrail.GENESIS_HASH))
        .withMessage("continueAfter seq must be >= 0 but was -1");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditTrail.builder().continueAfter(3, "ABC"))
        .withMessage("continueAfter hash must be 64 lower-case hex characters but was 'ABC'");
    assertThatIllegalStateException()
        .isThrownBy(() -> AuditTrail.builder().continueAfter(3, AuditTrail.GENESIS_HASH).continueAfter(4, AuditTrail.GENESIS_HASH))
        .withMessage("continueAfter was already set to seq 3");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> AuditTrail.builder().sink(sink).sink(sink))
        .withMessageEndingWith("was already added");
  }

  @Test
  void recordWithoutTimeFailsAndDoesNotAdvanceTheChain() {
    AuditTrail trail = AuditChains.trail(sink, null).build();

    CompletableFuture<AuditEvent> result = trail.record(AuditEvent.builder(EventType.VOTE));

    assertThat(failureOf(result)).isInstanceOf(IllegalStateException.class)
        .hasMessage("AuditEvent VOTE cannot be recorded: time(Instant) is required but was not set");
    assertThat(trail.lastSeq()).isZero();
    assertThat(trail.record(sampleEvent(1)).join().seq()).isEqualTo(1);
  }

  @Test
  @DisplayName("concurrent record from 8 threads gives contiguous seq, sinks see seq order, and the chain verifies")
  void concurrentRecordsFormOneContiguousVerifiableChain() throws Exception {
    AuditTrail trail = AuditTrail.builder().sink(sink).signer(k1).build();
    int threads = 8;
    int perThread = 100;
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<AuditEvent>> futures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread worker = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < perThread; i++) {
          futures.add(trail.record(AuditEvent.builder(EventType.VOTE).time(T0).field("thread", id).field("i", i)));
        }
      }, "recorder-" + t);
      workers.add(worker);
      worker.start();
    }

    start.countDown();
    for (Thread worker : workers) {
      worker.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(worker.isAlive()).as(worker.getName() + " finished").isFalse();
    }

    CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
    List<AuditEvent> events = sink.events();
    assertThat(events).extracting(AuditEvent::seq)
        .containsExactlyElementsOf(LongStream.rangeClosed(1, threads * perThread).boxed().collect(Collectors.toList()));
    assertThat(futures.stream().map(CompletableFuture::join).collect(Collectors.toSet())).hasSize(threads * perThread);
    VerificationResult result = AuditVerifier.verify(events, k1.verificationKey());
    assertThat(result.ok()).as(result.summary()).isTrue();
    assertThat(result.signaturesVerified()).isEqualTo(threads * perThread);
  }

  @ParameterizedTest
  @EnumSource(value = Mode.class, names = {"THROW", "FAILED_STAGE"})
  void sinkFailingSynchronouslyFailsTheRecordWithoutAdvancingTheChain(Mode mode) {
    FailingAuditSink failing = FailingAuditSink.failing(mode, FailingAuditSink.nthAppend(3));
    AuditTrail trail = AuditTrail.builder().sink(failing).sink(sink).signer(k1).build();
    trail.record(sampleEvent(1)).join();
    AuditEvent second = trail.record(sampleEvent(2)).join();

    CompletableFuture<AuditEvent> third = trail.record(sampleEvent(3));

    assertThat(failureOf(third)).isInstanceOf(SimulatedSinkFailure.class).hasMessageContaining("at seq 3");
    assertThat(trail.lastSeq()).isEqualTo(2);
    assertThat(trail.lastHash()).isEqualTo(second.hash());
    AuditEvent retried = trail.record(sampleEvent(3)).join();
    assertThat(retried.seq()).isEqualTo(3);
    assertThat(retried.prevHash()).isEqualTo(second.hash());
    assertThat(sink.events()).extracting(AuditEvent::seq).containsExactly(1L, 2L, 3L);
    assertThat(AuditVerifier.verify(failing.stored(), k1.verificationKey()).ok()).isTrue();
    assertThat(AuditVerifier.verify(sink.events(), k1.verificationKey()).ok()).isTrue();
  }

  @Test
  void signerThrowingFailsTheRecordWithoutAdvancingTheChain() {
    Signer broken = new Signer() {
      @Override
      public String keyId() {
        return "hsm-1";
      }

      @Override
      public byte[] sign(byte[] message) {
        throw new IllegalStateException("HSM unreachable");
      }
    };
    AuditTrail trail = AuditTrail.builder().sink(sink).signer(broken).build();

    assertThat(failureOf(trail.record(sampleEvent(1)))).hasMessage("HSM unreachable");
    assertThat(trail.lastSeq()).isZero();
    assertThat(sink.events()).isEmpty();
  }

  @Test
  @DisplayName("audit sink down: a later sink failing synchronously after an earlier one stored the event fails the trail closed")
  void laterSinkFailingSynchronouslyFailsTheTrail() {
    FailingAuditSink failing = FailingAuditSink.failing(Mode.THROW, FailingAuditSink.nthAppend(2));
    AuditTrail trail = AuditTrail.builder().sink(sink).sink(failing).build();
    trail.record(sampleEvent(1)).join();

    assertThat(failureOf(trail.record(sampleEvent(2)))).isInstanceOf(SimulatedSinkFailure.class);

    CompletableFuture<AuditEvent> next = trail.record(sampleEvent(3));
    assertThat(failureOf(next)).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("audit trail failed at seq 2: ")
        .hasCauseInstanceOf(SimulatedSinkFailure.class);
    assertThat(sink.events()).extracting(AuditEvent::seq).containsExactly(1L, 2L);
  }

  @Test
  @DisplayName("audit sink down: a sink failing asynchronously poisons the trail, later records fail at once")
  void sinkFailingAsynchronouslyPoisonsTheTrail() {
    FailingAuditSink failing = FailingAuditSink.failing(Mode.HOLD, FailingAuditSink.always());
    AuditTrail trail = AuditTrail.builder().sink(failing).build();
    CompletableFuture<AuditEvent> first = trail.record(sampleEvent(1));
    assertThat(first).isNotDone();

    failing.releaseHeld();

    assertThat(failureOf(first)).isInstanceOf(SimulatedSinkFailure.class);
    CompletableFuture<AuditEvent> second = trail.record(sampleEvent(2));
    assertThat(second).isDone();
    assertThat(failureOf(second)).isInstanceOf(IllegalStateException.class)
        .hasMessage("audit trail failed at seq 1: " + failureOf(first));
    assertThat(failing.appendCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("audit sink down: a sink failing on another thread fails that record and never lets a later one succeed")
  void sinkFailingOnAnotherThreadFailsClosed() {
    FailingAuditSink failing = FailingAuditSink.failing(Mode.ASYNC, FailingAuditSink.fromNthAppend(2));
    AuditTrail trail = AuditTrail.builder().sink(failing).build();
    trail.record(sampleEvent(1)).join();
    CompletableFuture<AuditEvent> second = trail.record(sampleEvent(2));

    await().atMost(Duration.ofSeconds(10)).until(second::isDone);

    // Whether the failure arrived before or after append returned, nothing after seq 1 succeeds.
    assertThat(failureOf(second)).isInstanceOf(SimulatedSinkFailure.class);
    CompletableFuture<AuditEvent> third = trail.record(sampleEvent(3));
    await().atMost(Duration.ofSeconds(10)).until(third::isDone);
    assertThat(third).isCompletedExceptionally();
    assertThat(failing.stored()).extracting(AuditEvent::seq).containsExactly(1L);
  }

  @Test
  @DisplayName("an event recorded while an earlier one is still in flight fails if the earlier one later fails")
  void eventsInFlightBehindAnAsynchronousFailureFailToo() {
    FailingAuditSink holding = FailingAuditSink.failing(Mode.HOLD, FailingAuditSink.nthAppend(1));
    AuditTrail trail = AuditTrail.builder().sink(holding).build();
    CompletableFuture<AuditEvent> first = trail.record(sampleEvent(1));
    CompletableFuture<AuditEvent> second = trail.record(sampleEvent(2));
    assertThat(first).isNotDone();
    assertThat(second).isNotDone();

    holding.releaseHeld();

    assertThat(failureOf(first)).isInstanceOf(SimulatedSinkFailure.class);
    assertThat(failureOf(second)).isInstanceOf(IllegalStateException.class).hasMessageStartingWith("audit trail failed at seq 1: ");
  }

  @Test
  void anEventIsReportedDurableOnlyAfterEveryEarlierEventIs() {
    FailingAuditSink holding = FailingAuditSink.failing(Mode.HOLD, event -> false);
    AuditTrail trail = AuditTrail.builder().sink(holding).build();
    CompletableFuture<AuditEvent> first = trail.record(sampleEvent(1));
    CompletableFuture<AuditEvent> second = trail.record(sampleEvent(2));

    holding.releaseHeld();

    assertThat(first.join().seq()).isEqualTo(1);
    assertThat(second.join().seq()).isEqualTo(2);
    assertThat(holding.stored()).extracting(AuditEvent::seq).containsExactly(1L, 2L);
  }

  @Test
  void closeClosesEverySinkAndLaterRecordsFail() {
    FailingAuditSink other = FailingAuditSink.failing(Mode.THROW, event -> false);
    AuditTrail trail = AuditTrail.builder().sink(other).sink(sink).build();

    trail.close();
    trail.close();

    assertThat(other.isClosed()).isTrue();
    assertThat(failureOf(trail.record(sampleEvent(1)))).hasMessage("audit trail is closed; no event can be recorded");
  }

  @Test
  void idSourceReturningBlankFailsTheRecordWithoutAdvancing() {
    AuditTrail trail = AuditTrail.builder().sink(sink).idSource(() -> " ").build();

    assertThat(failureOf(trail.record(sampleEvent(1)))).hasMessage("audit trail idSource returned a blank id for seq 1");
    assertThat(trail.lastSeq()).isZero();
  }

  @Test
  void recordRejectsNullBuilder() {
    AuditTrail trail = AuditTrail.builder().sink(sink).build();

    assertThatThrownBy(() -> trail.record(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("unsealed event builder must not be null");
  }
}

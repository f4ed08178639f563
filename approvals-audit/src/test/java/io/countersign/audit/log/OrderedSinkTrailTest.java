package io.countersign.audit.log;

import io.countersign.audit.AuditChains;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.InMemoryAuditSink;

import static io.countersign.audit.AuditChains.sampleEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The trail's fast path for a single {@link GroupCommitSink} (the sink completes the trail's
 * future itself): the same promises as the general path, which a trail with several sinks still
 * takes.
 */
class OrderedSinkTrailTest {

  /** A group-commit sink in memory that fails every batch holding an event at or after {@code failFrom}. */
  static final class TestSink extends GroupCommitSink {
    final List<AuditEvent> written = new CopyOnWriteArrayList<>();
    private final long failFrom;
    private final int maxBatch;
    private final CountDownLatch gate;

    TestSink(long failFrom, int maxBatch, CountDownLatch gate) {
      this.failFrom = failFrom;
      this.maxBatch = maxBatch;
      this.gate = gate;
      start("test-sink", 0, AuditTrail.GENESIS_HASH);
    }

    @Override
    protected int maxBatchEvents() {
      return maxBatch;
    }

    @Override
    protected void writeBatch(List<AuditEvent> batch) throws Exception {
      if (gate != null) {
        gate.await();
      }
      for (AuditEvent e : batch) {
        if (e.seq() >= failFrom) {
          throw new IOException("disk full at seq " + e.seq());
        }
      }
      written.addAll(batch);
    }

    @Override
    protected void releaseResources() {
    }

    @Override
    public String toString() {
      return "TestSink";
    }
  }

  @Test
  void futuresCompleteInOrderWithTheDurableEvent() throws Exception {
    CountDownLatch gate = new CountDownLatch(1); // holds the writer until every callback is registered
    TestSink sink = new TestSink(Long.MAX_VALUE, 7, gate);
    AuditTrail trail = AuditTrail.builder().sink(sink).signer(AuditChains.key("k1"))
        .checkpointEvery(50, Duration.ofSeconds(10)).build();
    List<Long> completionOrder = new CopyOnWriteArrayList<>();
    List<CompletableFuture<AuditEvent>> futures = new CopyOnWriteArrayList<>();
    List<CompletableFuture<Void>> callbacks = new CopyOnWriteArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 500; i++) {
            CompletableFuture<AuditEvent> f = trail.record(sampleEvent(thread * 1000 + i));
            futures.add(f);
            callbacks.add(f.thenAccept(e -> {
              assertThat(sink.written).contains(e); // durable before done
              completionOrder.add(e.seq());
            }));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
      assertThat(futures).noneMatch(CompletableFuture::isDone);
      gate.countDown();
      CompletableFuture.allOf(callbacks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertThat(completionOrder).hasSize(2000).isSorted();
    for (CompletableFuture<AuditEvent> f : futures) {
      AuditEvent event = f.join();
      assertThat(sink.written.get((int) event.seq() - 1)).isSameAs(event);
    }
    trail.close();
    assertThat(sink.written).hasSize(2000 + 2000 / 50 + 1); // events, checkpoints, closing checkpoint
    assertThat(AuditChains.verifies(sink.written, AuditChains.key("k1").verificationKey())).isTrue();
  }

  @Test
  void aFailedWriteFailsThatAndEveryLaterFutureAndTheTrail() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    TestSink sink = new TestSink(5, 1, gate); // one event per batch: seq 5 is the first to fail
    AuditTrail trail = AuditTrail.builder().sink(sink).build();
    List<CompletableFuture<AuditEvent>> futures = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      futures.add(trail.record(sampleEvent(i)));
    }
    gate.countDown();
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(10, TimeUnit.SECONDS);

    for (int i = 0; i < 4; i++) {
      assertThat(futures.get(i).join().seq()).isEqualTo(i + 1);
    }
    Throwable sinkFailure = failureOf(futures.get(4));
    assertThat(sinkFailure).hasMessageContaining("could not write the audit events from seq 5").hasRootCauseMessage("disk full at seq 5");
    for (int i = 5; i < 10; i++) {
      assertThat(failureOf(futures.get(i))).isSameAs(sinkFailure);
    }
    CompletableFuture<AuditEvent> after = trail.record(sampleEvent(11));
    assertThat(failureOf(after)).isInstanceOf(IllegalStateException.class)
        .hasMessage("audit trail failed at seq 5: " + sinkFailure).hasCause(sinkFailure);
    assertThat(trail.lastSeq()).isEqualTo(10);
    assertThat(trail.toString()).contains("FAILED at seq 5");
    assertThat(sink.written).extracting(AuditEvent::seq).containsExactly(1L, 2L, 3L, 4L);
    trail.close();
  }

  @Test
  void aRefusedAppendLeavesTheHeadUnchanged() {
    TestSink sink = new TestSink(Long.MAX_VALUE, 100, null);
    AuditTrail trail = AuditTrail.builder().sink(sink).build();
    AuditEvent first = trail.record(sampleEvent(1)).join();
    sink.close();

    CompletableFuture<AuditEvent> refused = trail.record(sampleEvent(2));

    assertThat(failureOf(refused)).hasMessage("TestSink is closed");
    assertThat(trail.lastSeq()).isEqualTo(1);
    assertThat(trail.lastHash()).isEqualTo(first.hash());
  }

  @Test
  void withASecondSinkTheGeneralPathStillWaitsForBoth() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    TestSink sink = new TestSink(Long.MAX_VALUE, 100, gate);
    InMemoryAuditSink memory = new InMemoryAuditSink();
    AuditTrail trail = AuditTrail.builder().sink(sink).sink(memory).build();

    CompletableFuture<AuditEvent> first = trail.record(sampleEvent(1));
    CompletableFuture<AuditEvent> second = trail.record(sampleEvent(2));

    assertThat(memory.events()).hasSize(2);
    assertThat(first).isNotDone(); // the group-commit sink has not written yet
    assertThat(second).isNotDone();
    assertThat(first.getClass()).as("the general path's own future, not the sink's").isEqualTo(CompletableFuture.class);
    gate.countDown();
    assertThat(second.get(10, TimeUnit.SECONDS).seq()).isEqualTo(2);
    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(memory.events().get(0));
    trail.close();
  }

  @Test
  void withASecondSinkAFailureStillFailsTheTrailAtItsSeq() throws Exception {
    TestSink sink = new TestSink(3, 1, null);
    AuditTrail trail = AuditTrail.builder().sink(new InMemoryAuditSink()).sink(sink).build();
    List<CompletableFuture<AuditEvent>> futures = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      futures.add(trail.record(sampleEvent(i)));
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(10, TimeUnit.SECONDS);

    assertThat(futures.get(1).join().seq()).isEqualTo(2);
    assertThat(failureOf(futures.get(2))).hasRootCauseMessage("disk full at seq 3");
    assertThat(failureOf(trail.record(sampleEvent(6)))).hasMessageStartingWith("audit trail failed at seq 3: ");
  }

  private static Throwable failureOf(CompletableFuture<?> future) {
    assertThat(future).isCompletedExceptionally();
    try {
      future.join();
      throw new AssertionError("expected a failure");
    } catch (java.util.concurrent.CompletionException e) {
      return e.getCause();
    }
  }

  @Test
  void recordOnAClosedTrailStillFails() {
    TestSink sink = new TestSink(Long.MAX_VALUE, 100, null);
    AuditTrail trail = AuditTrail.builder().sink(sink).build();
    trail.close();
    assertThatThrownBy(() -> trail.record(sampleEvent(1)).join()).hasRootCauseMessage("audit trail is closed; no event can be recorded");
  }
}

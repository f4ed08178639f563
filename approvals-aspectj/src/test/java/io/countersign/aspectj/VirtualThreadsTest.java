package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalRequest;
import io.countersign.CallContext;
import io.countersign.RequiresApproval;
import io.countersign.audit.EventType;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many synchronous guarded calls waiting at once on virtual threads (Java 21+): a waiting call parks
 * its virtual thread, not a platform thread, so 10,000 pending approvals need a handful of carrier
 * threads. Skipped, with a message, on Java 17 (the suite is compiled for 17, so the virtual-thread
 * executor is looked up reflectively). The figures it logs are in docs/BENCHMARKS.md.
 */
class VirtualThreadsTest extends WovenGateFixture {

  private static final Logger LOG = LoggerFactory.getLogger(VirtualThreadsTest.class);
  private static final int CALLS = 10_000;

  /** A guarded method whose body counts its runs. */
  static final class Payouts {
    final AtomicInteger runs = new AtomicInteger();

    @RequiresApproval(approvers = "group:sre-leads", timeout = "PT15M", action = "Send payout")
    public int send(int payout) {
      runs.incrementAndGet();
      return payout;
    }
  }

  @Test
  @DisplayName("S17 10,000 synchronous woven calls wait at once on virtual threads: no platform thread per call, all run once approved")
  void tenThousandSynchronousCallsWaitOnVirtualThreads() throws Exception {
    ExecutorService virtualThreads = virtualThreadPerTaskExecutor();
    Payouts payouts = new Payouts();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    int platformThreadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    long heapBefore = usedHeapAfterGc(memory);
    List<Future<Integer>> results = new ArrayList<>(CALLS);
    try {
      for (int i = 0; i < CALLS; i++) {
        int payout = i;
        // one actor per call: a single actor would (rightly) hit the per-actor pending limit
        CallContext caller = CallContext.of(Actor.agent("agent-" + i, "alice"));
        results.add(virtualThreads.submit(() -> ActorContext.runAs(caller, () -> payouts.send(payout))));
      }
      await().atMost(WAIT.multipliedBy(6)).until(() -> approver.pending().size() == CALLS);

      long heapWaiting = usedHeapAfterGc(memory) - heapBefore;
      int platformThreadsWaiting = ManagementFactory.getThreadMXBean().getThreadCount() - platformThreadsBefore;
      LOG.info("{} synchronous guarded calls waiting on virtual threads (Java {}): heap +{} MiB ({} bytes per waiting call, "
          + "audit events included), platform threads +{} (carriers), {} available processors", CALLS, Runtime.version().feature(),
          heapWaiting >> 20, heapWaiting / CALLS, platformThreadsWaiting, Runtime.getRuntime().availableProcessors());
      assertThat(results).noneMatch(Future::isDone);
      assertThat(payouts.runs).hasValue(0);
      // a platform thread per call would add 10,000; the virtual-thread scheduler adds about one per core
      assertThat(platformThreadsWaiting).isLessThan(64);

      for (ApprovalRequest request : approver.pending()) {
        assertThat(approver.approve(request.id(), BOB, "go").counted()).isTrue();
      }
      for (int i = 0; i < CALLS; i++) {
        assertThat(results.get(i).get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(i);
      }
    } finally {
      virtualThreads.shutdownNow();
    }
    assertThat(virtualThreads.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(payouts.runs).hasValue(CALLS);
    assertThat(audit.events()).filteredOn(e -> e.type() == EventType.EXECUTED).hasSize(CALLS);
  }

  /** {@code Executors.newVirtualThreadPerTaskExecutor()} on Java 21+; skips the test on older Java. */
  private static ExecutorService virtualThreadPerTaskExecutor() throws ReflectiveOperationException {
    Assumptions.assumeTrue(Runtime.version().feature() >= 21,
        () -> "virtual threads need Java 21+; this JVM is Java " + Runtime.version().feature() + ": skipped (CI runs it on Java 25)");
    return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
  }

  private static long usedHeapAfterGc(MemoryMXBean memory) {
    memory.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }
}

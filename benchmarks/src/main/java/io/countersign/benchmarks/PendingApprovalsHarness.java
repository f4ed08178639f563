package io.countersign.benchmarks;

import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.RequestState;
import io.countersign.Vote;
import io.countersign.audit.Ed25519Signer;
import io.countersign.spi.Approver;
import io.countersign.spi.VoteSink;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark 5 (a harness, not JMH: it measures one large event, not a repeated operation): opens
 * {@code count} concurrently pending approvals of the woven asynchronous method
 * {@code GuardedOperations#restartAsync}, reports the heap and threads they hold, then approves them
 * all at once from {@code voters} threads and reports the latency from each decision (the gate
 * reaching APPROVED) to the completion of the caller's future, and from each vote to it.
 *
 * <pre>java -cp ... io.countersign.benchmarks.PendingApprovalsHarness [count=10000] [voters=2] [audit=file-checkpoint]</pre>
 *
 * <p>The approver is a minimal channel that only remembers which request each call opened (the stock
 * in-memory approver keeps every request it ever saw, which would be measured as the gate's heap).
 * A warm-up round of the same size runs first and is discarded.
 */
public final class PendingApprovalsHarness {

  /** Remembers the request each call opened and when each was decided. */
  private static final class RecordingChannel implements Approver {
    final ThreadLocal<String> lastOpened = new ThreadLocal<>();
    final Map<String, Long> decidedAt = new ConcurrentHashMap<>();

    @Override
    public void request(ApprovalRequest request, VoteSink votes) {
      lastOpened.set(request.id());
    }

    @Override
    public void update(ApprovalStatus status) {
      if (status.state() == RequestState.APPROVED) {
        decidedAt.putIfAbsent(status.request().id(), System.nanoTime());
      }
    }
  }

  /** What one round measured. */
  record Round(int count, long heapBeforeBytes, long heapPendingBytes, int threadsBefore, int threadsPending,
      long[] decisionToCompletionNanos, long[] voteToCompletionNanos, long approveAllMillis) {

    String describe() {
      long heapDelta = heapPendingBytes - heapBeforeBytes;
      return String.format(Locale.ROOT,
          "pending=%d heapBefore=%.1fMB heapWithPending=%.1fMB heapDelta=%.1fMB (%.0f B/request) threadsBefore=%d threadsWithPending=%d%n"
              + "decision->completion: p50=%.3fms p99=%.3fms p99.9=%.3fms max=%.3fms%n"
              + "vote->completion:     p50=%.3fms p99=%.3fms p99.9=%.3fms max=%.3fms%n"
              + "approve all %d and complete all futures: %d ms",
          count, mb(heapBeforeBytes), mb(heapPendingBytes), mb(heapDelta), (double) heapDelta / count,
          threadsBefore, threadsPending,
          ms(pct(decisionToCompletionNanos, 50)), ms(pct(decisionToCompletionNanos, 99)),
          ms(pct(decisionToCompletionNanos, 99.9)), ms(pct(decisionToCompletionNanos, 100)),
          ms(pct(voteToCompletionNanos, 50)), ms(pct(voteToCompletionNanos, 99)),
          ms(pct(voteToCompletionNanos, 99.9)), ms(pct(voteToCompletionNanos, 100)),
          count, approveAllMillis);
    }
  }

  private PendingApprovalsHarness() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int voters = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    String audit = args.length > 2 ? args[2] : "file-checkpoint";
    if (count < 1 || voters < 1) {
      throw new IllegalArgumentException("count and voters must be >= 1 but were " + count + " and " + voters);
    }
    Path dir = Trails.tempDir("pending");
    RecordingChannel channel = new RecordingChannel();
    ApprovalGate gate = BenchmarkGates.builder(channel, Trails.create(audit, dir, Ed25519Signer.generate("bench-key")))
        .maxPendingPerActor(count + 1)
        .build();
    BenchmarkGates.install(gate);
    try {
      System.out.printf(Locale.ROOT, "PendingApprovalsHarness: count=%d voters=%d audit=%s jdk=%s cores=%d maxHeap=%dMB%n",
          count, voters, audit, Runtime.version(), Runtime.getRuntime().availableProcessors(),
          Runtime.getRuntime().maxMemory() >> 20);
      round(gate, channel, count, voters); // warm-up, discarded
      Round measured = round(gate, channel, count, voters);
      System.out.println(measured.describe());
    } finally {
      BenchmarkGates.uninstall();
      Trails.delete(dir);
    }
  }

  static Round round(ApprovalGate gate, RecordingChannel channel, int count, int voters) throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    GuardedOperations ops = new GuardedOperations();
    channel.decidedAt.clear();
    long heapBefore = usedHeapAfterGc(memory);
    int threadsBefore = threads.getThreadCount();

    String[] ids = new String[count];
    List<CompletableFuture<Long>> futures = new ArrayList<>(count);
    long[] completedAt = new long[count];
    CountDownLatch allDone = new CountDownLatch(count);
    BenchmarkGates.actAsAgent();
    try {
      for (int i = 0; i < count; i++) {
        CompletableFuture<Long> f = ops.restartAsync(i);
        ids[i] = channel.lastOpened.get();
        if (f.isDone() || ids[i] == null) {
          throw new IllegalStateException("call " + i + " did not stay pending: " + f);
        }
        int index = i;
        futures.add(f.whenComplete((v, e) -> {
          completedAt[index] = System.nanoTime();
          allDone.countDown();
        }));
      }
    } finally {
      BenchmarkGates.clearActor();
    }
    if (gate.pending().size() != count) {
      throw new IllegalStateException("expected " + count + " pending requests but the gate has " + gate.pending().size());
    }
    long heapPending = usedHeapAfterGc(memory);
    int threadsPending = threads.getThreadCount();

    long[] votedAt = new long[count];
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> voterThreads = new ArrayList<>();
    for (int v = 0; v < voters; v++) {
      int first = v;
      Thread t = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = first; i < count; i += voters) {
          votedAt[i] = System.nanoTime();
          gate.vote(ids[i], Vote.approve(BenchmarkGates.REVIEWER, "approved in bulk", "benchmark"));
        }
      }, "voter-" + v);
      t.start();
      voterThreads.add(t);
    }
    long t0 = System.nanoTime();
    start.countDown();
    if (!allDone.await(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("not every approved call completed within 10 minutes");
    }
    long approveAllMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    for (Thread t : voterThreads) {
      t.join();
    }
    long[] decisionToCompletion = new long[count];
    long[] voteToCompletion = new long[count];
    for (int i = 0; i < count; i++) {
      Long decided = channel.decidedAt.get(ids[i]);
      if (decided == null || futures.get(i).isCompletedExceptionally()) {
        throw new IllegalStateException("request " + ids[i] + " was not approved and run: " + futures.get(i));
      }
      decisionToCompletion[i] = completedAt[i] - decided;
      voteToCompletion[i] = completedAt[i] - votedAt[i];
    }
    return new Round(count, heapBefore, heapPending, threadsBefore, threadsPending, decisionToCompletion, voteToCompletion,
        approveAllMillis);
  }

  private static long usedHeapAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  static long pct(long[] values, double percentile) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static double mb(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }
}

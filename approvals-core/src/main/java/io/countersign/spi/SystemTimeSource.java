package io.countersign.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The wall clock and one shared daemon timer thread ({@link TimeSource#system()}; package-private so
 * that the public API never names an implementation type): pending requests hold no thread of their own,
 * only a scheduled deadline. Due tasks are handed to a small worker pool, because ending a request
 * waits for the audit trail to confirm the DECIDED event; one slow sink must not delay every other
 * request's deadline.
 */
final class SystemTimeSource implements TimeSource {

  static final SystemTimeSource INSTANCE = new SystemTimeSource();

  private final ScheduledThreadPoolExecutor timer;
  private final ExecutorService workers;

  private SystemTimeSource() {
    timer = new ScheduledThreadPoolExecutor(1, daemon("countersign-deadlines"));
    timer.setRemoveOnCancelPolicy(true);
    ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        daemon("countersign-deadline-worker"));
    pool.allowCoreThreadTimeOut(true);
    workers = pool;
  }

  private static java.util.concurrent.ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public Cancellable schedule(Instant at, Runnable task) {
    long delayNanos = Math.max(0, Duration.between(Instant.now(), at).toNanos());
    ScheduledFuture<?> f = timer.schedule(() -> workers.execute(task), delayNanos, TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }
}

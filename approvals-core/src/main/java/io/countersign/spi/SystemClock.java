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
 * The wall clock and one shared daemon timer thread: pending requests hold no thread of their own,
 * only a scheduled deadline. Due tasks are handed to a small worker pool, because ending a request
 * waits for the audit trail to confirm the DECIDED event; one slow sink must not delay every other
 * request's deadline. Lives beside {@link TimeSource} (package-private) so that the SPI package
 * does not depend on an internal one.
 */
final class SystemClock implements TimeSource {

  static final SystemClock INSTANCE = new SystemClock();

  private final ScheduledThreadPoolExecutor timer;
  private final ExecutorService workers;

  private SystemClock() {
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

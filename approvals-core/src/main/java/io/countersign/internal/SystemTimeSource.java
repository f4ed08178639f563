package io.countersign.internal;

import io.countersign.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The wall clock and one shared daemon timer thread: pending requests hold no thread of their own,
 * only a scheduled deadline.
 */
public final class SystemTimeSource implements TimeSource {

  public static final SystemTimeSource INSTANCE = new SystemTimeSource();

  private final ScheduledThreadPoolExecutor timer;

  private SystemTimeSource() {
    timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "countersign-deadlines");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
  }

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public Cancellable schedule(Instant at, Runnable task) {
    long delayNanos = Math.max(0, Duration.between(Instant.now(), at).toNanos());
    ScheduledFuture<?> f = timer.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }
}

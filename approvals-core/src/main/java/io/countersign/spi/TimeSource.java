package io.countersign.spi;

import java.time.Instant;

/**
 * The gate's clock and timer, injectable so that tests advance time instead of sleeping
 * (see {@link io.countersign.ManualTimeSource}).
 */
public interface TimeSource {

  /** The wall clock, with deadlines on one shared daemon timer thread (the gate's default). */
  static TimeSource system() {
    return SystemClock.INSTANCE;
  }

  /** The current instant. */
  Instant now();

  /**
   * Runs {@code task} once at or after {@code at}. Tasks must be short; they may run on a timer
   * thread. Returns a handle that cancels the task if it has not run.
   */
  Cancellable schedule(Instant at, Runnable task);

  /** A handle to a scheduled task. */
  @FunctionalInterface
  interface Cancellable {
    /** Cancels the task if it has not run yet. */
    void cancel();
  }
}

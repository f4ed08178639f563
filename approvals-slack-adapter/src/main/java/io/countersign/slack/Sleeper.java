package io.countersign.slack;

import java.time.Duration;

/**
 * Waits between retries of a rate-limited Slack call. Injectable so that tests can record the waits
 * instead of sleeping; the stock implementation is {@link #system()}.
 *
 * <p>Called on the thread making the Slack call. Throwing {@link InterruptedException} abandons the
 * retries (the call fails, so a request that could not be delivered is denied).
 */
@FunctionalInterface
public interface Sleeper {

  /** Blocks for {@code duration}. */
  void sleep(Duration duration) throws InterruptedException;

  /** Sleeps with {@link Thread#sleep(long)}. */
  static Sleeper system() {
    return duration -> Thread.sleep(duration.toMillis());
  }
}

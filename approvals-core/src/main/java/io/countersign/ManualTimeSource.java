package io.countersign;

import io.countersign.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * A {@link TimeSource} that only moves when told to, for tests and demos: deadlines fire on the
 * thread that calls {@link #advance(Duration)}, deterministically and without sleeping.
 */
public final class ManualTimeSource implements TimeSource {

  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private Instant now;
  private long sequence;

  /** Starts at {@code start}. */
  public ManualTimeSource(Instant start) {
    this.now = Objects.requireNonNull(start, "start");
  }

  /** Starts at 2026-01-01T00:00:00Z. */
  public ManualTimeSource() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  @Override
  public synchronized Instant now() {
    return now;
  }

  @Override
  public synchronized Cancellable schedule(Instant at, Runnable task) {
    Task t = new Task(at, sequence++, task);
    tasks.add(t);
    return () -> {
      synchronized (ManualTimeSource.this) {
        tasks.remove(t);
      }
    };
  }

  /** Moves time forward and runs, in deadline order on this thread, every task that became due. */
  public void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative but was " + duration);
    }
    List<Runnable> due = new ArrayList<>();
    synchronized (this) {
      now = now.plus(duration);
      while (!tasks.isEmpty() && !tasks.peek().at.isAfter(now)) {
        due.add(tasks.poll().task);
      }
    }
    due.forEach(Runnable::run);
  }

  /** The number of scheduled tasks that have not run, e.g. to wait until a request is pending. */
  public synchronized int scheduledTasks() {
    return tasks.size();
  }

  private record Task(Instant at, long seq, Runnable task) implements Comparable<Task> {
    @Override
    public int compareTo(Task o) {
      int c = at.compareTo(o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}

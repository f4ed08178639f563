package io.countersign.testing;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.spi.AuditSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Test fake: an {@link AuditSink} that stores events like a working sink but fails those matching
 * a predicate, in one of several ways (see {@link Mode}). Used to prove that audit failures fail
 * closed. Thread-safe.
 *
 * <pre>{@code
 * FailingAuditSink sink = FailingAuditSink.failing(Mode.THROW, FailingAuditSink.nthAppend(3));
 * FailingAuditSink sink = FailingAuditSink.failing(Mode.ASYNC, FailingAuditSink.ofType(EventType.DECIDED));
 * }</pre>
 */
public final class FailingAuditSink implements AuditSink {

  /** How a matching append fails. */
  public enum Mode {
    /** {@code append} throws (synchronous failure). */
    THROW,
    /** {@code append} returns an already failed stage (synchronous failure). */
    FAILED_STAGE,
    /**
     * {@code append} returns a stage that another thread fails (asynchronous failure). The
     * failure may land before or after {@code append} returns; use {@link #HOLD} when a test
     * needs the order fixed.
     */
    ASYNC,
    /**
     * {@code append} returns a pending stage that stays pending until the test calls
     * {@link #failHeld()} or {@link #releaseHeld()} (asynchronous, deterministic).
     */
    HOLD
  }

  /** The exception a {@link FailingAuditSink} fails with; its message names the seq. */
  public static final class SimulatedSinkFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SimulatedSinkFailure(String message) {
      super(message);
    }
  }

  private final Mode mode;
  private final Predicate<AuditEvent> failWhen;
  private final AtomicInteger appends = new AtomicInteger();
  private final List<AuditEvent> stored = new ArrayList<>();
  private final List<AuditEvent> refused = new ArrayList<>();
  private final List<Held> held = new ArrayList<>();
  private volatile boolean closed;

  private FailingAuditSink(Mode mode, Predicate<AuditEvent> failWhen) {
    this.mode = Objects.requireNonNull(mode, "mode");
    this.failWhen = Objects.requireNonNull(failWhen, "failWhen");
  }

  /** A sink failing in {@code mode} for every event matching {@code failWhen}. */
  public static FailingAuditSink failing(Mode mode, Predicate<AuditEvent> failWhen) {
    return new FailingAuditSink(mode, failWhen);
  }

  /** Matches the n-th call of the predicate (1-based), i.e. the n-th append of the sink using it. */
  public static Predicate<AuditEvent> nthAppend(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1 but was " + n);
    }
    AtomicInteger calls = new AtomicInteger();
    return event -> calls.incrementAndGet() == n;
  }

  /** Matches every append from the n-th on (1-based): "the disk filled up and stayed full". */
  public static Predicate<AuditEvent> fromNthAppend(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1 but was " + n);
    }
    AtomicInteger calls = new AtomicInteger();
    return event -> calls.incrementAndGet() >= n;
  }

  /** Matches events of the given type. */
  public static Predicate<AuditEvent> ofType(EventType type) {
    Objects.requireNonNull(type, "type");
    return event -> event.type().equals(type);
  }

  /** Matches every event. */
  public static Predicate<AuditEvent> always() {
    return event -> true;
  }

  @Override
  public CompletionStage<Void> append(AuditEvent event) {
    appends.incrementAndGet();
    boolean fail = failWhen.test(event);
    if (!fail && mode != Mode.HOLD) {
      synchronized (this) {
        stored.add(event);
      }
      return CompletableFuture.completedFuture(null);
    }
    SimulatedSinkFailure failure = new SimulatedSinkFailure("simulated audit sink failure (" + mode + ") at seq " + event.seq());
    switch (mode) {
      case THROW:
        synchronized (this) {
          refused.add(event);
        }
        throw failure;
      case FAILED_STAGE:
        synchronized (this) {
          refused.add(event);
        }
        return CompletableFuture.failedFuture(failure);
      case ASYNC: {
        synchronized (this) {
          refused.add(event);
        }
        CompletableFuture<Void> stage = new CompletableFuture<>();
        CompletableFuture.runAsync(() -> stage.completeExceptionally(failure));
        return stage;
      }
      case HOLD: {
        CompletableFuture<Void> stage = new CompletableFuture<>();
        synchronized (this) {
          held.add(new Held(event, stage, fail));
        }
        return stage;
      }
      default:
        throw new AssertionError(mode);
    }
  }

  /**
   * HOLD mode: completes every held stage, in append order. Events that matched the predicate
   * fail; the others succeed and are stored.
   */
  public void releaseHeld() {
    for (Held h : takeHeld()) {
      if (h.fail) {
        synchronized (this) {
          refused.add(h.event);
        }
        h.stage.completeExceptionally(new SimulatedSinkFailure("simulated audit sink failure (HOLD) at seq " + h.event.seq()));
      } else {
        synchronized (this) {
          stored.add(h.event);
        }
        h.stage.complete(null);
      }
    }
  }

  /** HOLD mode: fails every held stage, whatever the predicate said. */
  public void failHeld() {
    for (Held h : takeHeld()) {
      synchronized (this) {
        refused.add(h.event);
      }
      h.stage.completeExceptionally(new SimulatedSinkFailure("simulated audit sink failure (HOLD) at seq " + h.event.seq()));
    }
  }

  /** Events this sink accepted (made "durable"), in order. */
  public synchronized List<AuditEvent> stored() {
    return List.copyOf(stored);
  }

  /** Events this sink failed, in order. */
  public synchronized List<AuditEvent> refused() {
    return List.copyOf(refused);
  }

  /** Number of held (pending) appends in HOLD mode. */
  public synchronized int heldCount() {
    return held.size();
  }

  /** Number of {@code append} calls so far. */
  public int appendCount() {
    return appends.get();
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "FailingAuditSink[" + mode + ", appends=" + appends.get() + "]";
  }

  private synchronized List<Held> takeHeld() {
    List<Held> taken = new ArrayList<>(held);
    held.clear();
    return taken;
  }

  private static final class Held {
    final AuditEvent event;
    final CompletableFuture<Void> stage;
    final boolean fail;

    Held(AuditEvent event, CompletableFuture<Void> stage, boolean fail) {
      this.event = event;
      this.stage = stage;
      this.fail = fail;
    }
  }
}

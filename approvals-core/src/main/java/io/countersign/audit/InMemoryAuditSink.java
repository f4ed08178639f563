package io.countersign.audit;

import io.countersign.spi.AuditSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Keeps events in memory, for tests, demos and as a second sink next to a durable one. Not
 * durable: everything is lost when the JVM exits. Thread-safe; reads return snapshots.
 */
public final class InMemoryAuditSink implements AuditSink {

  private final List<AuditEvent> events = new ArrayList<>();

  /** Stores the event and completes at once. */
  @Override
  public CompletionStage<Void> append(AuditEvent event) {
    Objects.requireNonNull(event, "event must not be null");
    synchronized (events) {
      events.add(event);
    }
    return CompletableFuture.completedFuture(null);
  }

  /** Snapshot of all events, in append order. */
  public List<AuditEvent> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** Snapshot of the events of one approval request, in append order. */
  public List<AuditEvent> events(String requestId) {
    Objects.requireNonNull(requestId, "requestId must not be null");
    List<AuditEvent> matching = new ArrayList<>();
    synchronized (events) {
      for (AuditEvent event : events) {
        if (requestId.equals(event.requestId())) {
          matching.add(event);
        }
      }
    }
    return List.copyOf(matching);
  }

  /** Forgets all events (the trail's chain head is unaffected). */
  public void clear() {
    synchronized (events) {
      events.clear();
    }
  }

  @Override
  public String toString() {
    synchronized (events) {
      return "InMemoryAuditSink[" + events.size() + " events]";
    }
  }
}

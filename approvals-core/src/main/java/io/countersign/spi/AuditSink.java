package io.countersign.spi;

import io.countersign.audit.AuditEvent;
import java.util.concurrent.CompletionStage;

/**
 * Destination for sealed audit events (a file, a database table, a log, a chat channel).
 *
 * <p>Threading and blocking contract: {@link io.countersign.audit.AuditTrail} calls
 * {@link #append} in strictly increasing {@code seq} order, one call at a time, while holding the
 * trail's lock. An implementation must therefore return quickly (enqueue the event and write it
 * elsewhere) and must never call back into the trail.
 *
 * <p>Failure contract: the returned stage completes normally only once the event is durable for
 * this sink. Throwing, returning {@code null} or completing the stage exceptionally means the
 * event is <em>not</em> recorded; the approval gate then refuses to run the action (fail closed).
 */
@FunctionalInterface
public interface AuditSink {

  /**
   * Hands one sealed event to this sink.
   *
   * @param event the sealed event, next in {@code seq} order
   * @return a stage that completes when the event is durable, or exceptionally if it could not be
   *     recorded
   */
  CompletionStage<Void> append(AuditEvent event);

  /** Flushes and releases resources; called once by {@link io.countersign.audit.AuditTrail#close()}. */
  default void close() {
  }
}

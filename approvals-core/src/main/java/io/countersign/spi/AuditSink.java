package io.countersign.spi;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.ChainHead;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 *
 * <p>Restart contract: a sink that already holds a chain (a log on disk, a table) reports its last
 * event through {@link #head()}; the trail then continues after it, so a gate built again on the
 * same sink goes on where it stopped.
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

  /**
   * The last event of the chain this sink already holds, which the next appended event must
   * follow; {@link ChainHead#GENESIS} for a durable sink that is still empty; empty (the default)
   * for a sink that keeps no chain of its own and accepts whatever the trail sends (memory, a log
   * stream). {@link io.countersign.audit.AuditTrail} continues after the head its sinks report and
   * refuses to build if two sinks report different heads. Called once, when the trail is built.
   */
  default Optional<ChainHead> head() {
    return Optional.empty();
  }

  /**
   * The in-order appender of a sink that completes its appends strictly in order, or {@code null}
   * (the default). When a trail's only sink offers one, the trail hands events to it and returns
   * its futures as they are, instead of linking every event's future to the previous one: a
   * throughput path for durable group-commit sinks. Called once, when the trail is built.
   */
  default InOrderAppender inOrderAppender() {
    return null;
  }

  /** Flushes and releases resources; called once by {@link io.countersign.audit.AuditTrail#close()}. */
  default void close() {
  }

  /**
   * Appends for a trail whose only sink this is, with a stronger promise than
   * {@link AuditSink#append}: futures complete in append order, a future completing normally means
   * this event <em>and every earlier one</em> are durable, and once a write failed, that event's and
   * every later future fail and {@link #failure()} says so before any of them fails. Same threading
   * contract as {@link AuditSink#append}: called under the trail's lock, must return quickly.
   */
  interface InOrderAppender {

    /**
     * Queues {@code event}.
     *
     * @return a future completing with {@code event} once it and every earlier event are durable;
     *     an already failed future if the sink refused it (failed earlier, closed), in which case
     *     nothing was queued
     * @throws IllegalArgumentException if {@code event} does not continue the sink's chain
     */
    CompletableFuture<AuditEvent> append(AuditEvent event);

    /** Why the sink stopped recording, or {@code null} while it works. */
    Throwable failure();

    /** The seq of the first event that failed; meaningful once {@link #failure()} is not {@code null}. */
    long failedSeq();
  }
}

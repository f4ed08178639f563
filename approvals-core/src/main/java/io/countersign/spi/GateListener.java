package io.countersign.spi;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;

/**
 * Observes the gate for telemetry (metrics, tracing): told when a request is opened and when it
 * reaches its terminal state. Listeners cannot change any outcome; their exceptions are logged and
 * ignored, which is right for telemetry and only for telemetry.
 *
 * <p>Called on the thread that caused the change; must be fast and must not block.
 */
public interface GateListener {

  /** A request was opened and recorded, before it is delivered to reviewers. */
  default void requested(ApprovalRequest request) {}

  /** A request reached its terminal state ({@code status.decidedAt()} minus {@code createdAt} is the time to decision). */
  default void decided(ApprovalStatus status) {}
}

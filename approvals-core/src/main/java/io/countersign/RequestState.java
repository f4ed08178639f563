package io.countersign;

/**
 * The life of one approval request: it starts {@link #PENDING} and moves once, atomically, to one
 * terminal state that never changes afterwards.
 */
public enum RequestState {
  PENDING,
  APPROVED,
  REJECTED,
  EXPIRED,
  CANCELLED,
  FAILED,
  /**
   * The caller waiting for the request is gone (its process died), so the request can never run;
   * recorded by another instance sharing a durable {@link io.countersign.spi.RequestStore}.
   */
  ABANDONED;

  /** Whether the request has been decided. */
  public boolean isTerminal() {
    return this != PENDING;
  }
}

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
  FAILED;

  /** Whether the request has been decided. */
  public boolean isTerminal() {
    return this != PENDING;
  }
}

package io.countersign.http.teams;

/**
 * Thrown by {@link TeamsApprover#request} when the card could not be posted within the retry
 * bounds; the gate then denies the request (or a {@link io.countersign.CompositeApprover} tolerates
 * it if another channel delivered). The message names the last HTTP status, never the webhook URL
 * (it contains a secret signature).
 */
public final class TeamsDeliveryException extends Exception {

  private static final long serialVersionUID = 1L;

  private final int lastStatus;

  TeamsDeliveryException(String message, int lastStatus, Throwable cause) {
    super(message, cause);
    this.lastStatus = lastStatus;
  }

  /** The last HTTP status the webhook answered, or {@code -1} if it never answered. */
  public int lastStatus() {
    return lastStatus;
  }
}

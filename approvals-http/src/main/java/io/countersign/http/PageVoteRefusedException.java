package io.countersign.http;

/**
 * Thrown by {@link PageExtension#beforeVote} to refuse a page vote before it reaches the gate (for
 * example a malformed signature). The reviewer sees the message; nothing is counted.
 */
public final class PageVoteRefusedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;

  /**
   * @param status the HTTP status of the answer (400 to 499)
   * @param message a sentence for the reviewer: what was wrong and what to do
   */
  public PageVoteRefusedException(int status, String message) {
    super(message);
    if (status < 400 || status > 499) {
      throw new IllegalArgumentException("PageVoteRefusedException status must be from 400 to 499 but was " + status);
    }
    this.status = status;
  }

  /** The HTTP status of the answer. */
  public int status() {
    return status;
  }
}

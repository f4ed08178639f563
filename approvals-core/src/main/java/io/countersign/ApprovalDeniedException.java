package io.countersign;

/**
 * Thrown to the caller of a {@link RequiresApproval} method when it did not run: rejected, expired,
 * cancelled, or refused because something needed to decide safely was unavailable (fail closed).
 *
 * <p>Messages say what happened and what to do; they never contain sensitive argument values.
 */
public class ApprovalDeniedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String requestId;
  private final RequestState state;

  public ApprovalDeniedException(String message, String requestId, RequestState state, Throwable cause) {
    super(message, cause);
    this.requestId = requestId;
    this.state = state;
  }

  /** The id of the approval request, or {@code null} when the call was refused before one was opened. */
  public String requestId() {
    return requestId;
  }

  /** The request's terminal state, or {@code null} when no request was opened. */
  public RequestState state() {
    return state;
  }
}

package io.countersign;

/** The gate could not decide safely (no gate configured, no actor, approver or audit trail failure, invalid configuration), so it failed closed. */
public class ApprovalUnavailableException extends ApprovalDeniedException {

  private static final long serialVersionUID = 1L;

  public ApprovalUnavailableException(String message, String requestId, RequestState state, Throwable cause) {
    super(message, requestId, state, cause);
  }

  public ApprovalUnavailableException(String message, String requestId, RequestState state) {
    this(message, requestId, state, null);
  }
}

package io.countersign;

/** A reviewer denied the request, the policy denies the action, or a limit refused it. */
public class ApprovalRejectedException extends ApprovalDeniedException {

  private static final long serialVersionUID = 1L;

  public ApprovalRejectedException(String message, String requestId, RequestState state, Throwable cause) {
    super(message, requestId, state, cause);
  }

  public ApprovalRejectedException(String message, String requestId, RequestState state) {
    this(message, requestId, state, null);
  }
}

package io.countersign;

/** The request was cancelled before a decision, e.g. because the waiting caller was interrupted. */
public class ApprovalCancelledException extends ApprovalDeniedException {

  private static final long serialVersionUID = 1L;

  public ApprovalCancelledException(String message, String requestId, RequestState state, Throwable cause) {
    super(message, requestId, state, cause);
  }

  public ApprovalCancelledException(String message, String requestId, RequestState state) {
    this(message, requestId, state, null);
  }
}

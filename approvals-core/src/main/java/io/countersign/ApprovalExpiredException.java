package io.countersign;

/** No decision was reached before the request's deadline; no answer in time means deny. */
public class ApprovalExpiredException extends ApprovalDeniedException {

  private static final long serialVersionUID = 1L;

  public ApprovalExpiredException(String message, String requestId, RequestState state, Throwable cause) {
    super(message, requestId, state, cause);
  }

  public ApprovalExpiredException(String message, String requestId, RequestState state) {
    this(message, requestId, state, null);
  }
}

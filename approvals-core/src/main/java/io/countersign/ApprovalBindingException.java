package io.countersign;

/** An approval could not be used for this call: the arguments changed after the request was made, or the approval was already used. */
public class ApprovalBindingException extends ApprovalDeniedException {

  private static final long serialVersionUID = 1L;

  public ApprovalBindingException(String message, String requestId, RequestState state, Throwable cause) {
    super(message, requestId, state, cause);
  }

  public ApprovalBindingException(String message, String requestId, RequestState state) {
    this(message, requestId, state, null);
  }
}

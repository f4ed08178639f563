package io.countersign.examples.springboot;

import io.countersign.ApprovalBindingException;
import io.countersign.ApprovalCancelledException;
import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalUnavailableException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;

/**
 * Turns a refused call into an HTTP answer the caller can act on: {@code 403} with the gate's message
 * (which names the action, the request id and the reviewer's reason) when humans or the deadline
 * refused it, {@code 503} when approval could not be obtained at all (channel or audit trail down).
 * Body: {@code {"status", "error", "message", "requestId", "state"}}.
 */
@RestControllerAdvice
public class ApprovalErrors {

  /** A refused call: the method did not run. */
  @ExceptionHandler(ApprovalDeniedException.class)
  public ResponseEntity<Map<String, Object>> denied(ApprovalDeniedException e) {
    HttpStatus status = e instanceof ApprovalUnavailableException ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.FORBIDDEN;
    Map<String, Object> body = body(status, code(e), e.getMessage());
    body.put("requestId", e.requestId());
    body.put("state", e.state() == null ? null : e.state().name());
    return ResponseEntity.status(status).body(body);
  }

  /** A bad input, refused before any human was asked. */
  @ExceptionHandler(ResponseStatusException.class)
  public ResponseEntity<Map<String, Object>> status(ResponseStatusException e) {
    HttpStatus status = HttpStatus.valueOf(e.getStatusCode().value());
    return ResponseEntity.status(status).body(body(status, status.name(), e.getReason()));
  }

  private static String code(ApprovalDeniedException e) {
    if (e instanceof ApprovalRejectedException) {
      return "APPROVAL_REJECTED";
    }
    if (e instanceof ApprovalExpiredException) {
      return "APPROVAL_EXPIRED";
    }
    if (e instanceof ApprovalCancelledException) {
      return "APPROVAL_CANCELLED";
    }
    if (e instanceof ApprovalBindingException) {
      return "APPROVAL_BINDING";
    }
    if (e instanceof ApprovalUnavailableException) {
      return "APPROVAL_UNAVAILABLE";
    }
    return "APPROVAL_DENIED";
  }

  private static Map<String, Object> body(HttpStatus status, String error, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", status.value());
    body.put("error", error);
    body.put("message", message);
    return body;
  }

  /** The failure a future completed with, without the wrappers futures add. */
  static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}

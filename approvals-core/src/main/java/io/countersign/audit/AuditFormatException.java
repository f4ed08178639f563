package io.countersign.audit;

/**
 * Thrown when a line of an audit log is not a well-formed audit event (bad JSON, duplicate key,
 * missing or mistyped reserved field). The message names the field and the offending value.
 */
public final class AuditFormatException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Creates an exception with the given message. */
  public AuditFormatException(String message) {
    super(message);
  }

  /** Creates an exception with the given message and cause. */
  public AuditFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}

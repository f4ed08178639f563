package io.countersign;

/**
 * Thrown at startup (or at the latest on the first call) when an annotation or the gate's
 * configuration is invalid. The message names the method, the attribute and the bad value.
 */
public class ApprovalConfigurationException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ApprovalConfigurationException(String message) {
    super(message);
  }

  public ApprovalConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }
}

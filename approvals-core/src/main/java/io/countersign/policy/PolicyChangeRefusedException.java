package io.countersign.policy;

/**
 * A policy change was refused: the one asking is an agent (agents can never change policy), or
 * the change could not be recorded in the audit trail (an unrecorded change never takes effect).
 * The previous policy stays in force.
 */
public class PolicyChangeRefusedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public PolicyChangeRefusedException(String message) {
    super(message);
  }

  public PolicyChangeRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}

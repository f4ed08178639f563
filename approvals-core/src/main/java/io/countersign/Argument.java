package io.countersign;

/**
 * One argument of a guarded call as reviewers see it and the audit trail records it.
 *
 * @param name the parameter name
 * @param type the parameter's simple type name
 * @param value the value rendered as JSON text, or {@link #REDACTED} for {@link Sensitive} parameters
 * @param sensitive whether the value was redacted
 */
public record Argument(String name, String type, String value, boolean sensitive) {

  /** What a sensitive value is shown as. */
  public static final String REDACTED = "[redacted]";
}

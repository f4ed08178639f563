package io.countersign.test;

import io.countersign.ApprovalDeniedException;
import io.countersign.audit.AuditEvent;
import java.util.List;
import java.util.function.Supplier;
import org.opentest4j.AssertionFailedError;

/**
 * What a guarded call did: returned a value or threw. Fluent checks fail the test with the actual
 * outcome and the recorded audit events in the message.
 *
 * @param <T> the call's result type
 */
public final class CallOutcome<T> {

  private final T value;
  private final Throwable error;
  private final Supplier<List<AuditEvent>> recorded;

  private CallOutcome(T value, Throwable error, Supplier<List<AuditEvent>> recorded) {
    this.value = value;
    this.error = error;
    this.recorded = recorded;
  }

  static <T> CallOutcome<T> returned(T value, Supplier<List<AuditEvent>> recorded) {
    return new CallOutcome<>(value, null, recorded);
  }

  static <T> CallOutcome<T> threw(Throwable error, Supplier<List<AuditEvent>> recorded) {
    return new CallOutcome<>(null, error, recorded);
  }

  private AssertionFailedError failure(String message, Throwable cause) {
    return new AssertionFailedError(message + AuditAssert.describe(recorded.get()), cause);
  }

  /** Whether the call returned normally (it ran). */
  public boolean ran() {
    return error == null;
  }

  /** The returned value. */
  public T value() {
    ranOrFail();
    return value;
  }

  /** The exception thrown, or {@code null}. */
  public Throwable error() {
    return error;
  }

  /** Fails unless the call returned normally. */
  public CallOutcome<T> ranOrFail() {
    if (error != null) {
      throw failure("expected the guarded call to run, but it threw " + error, error);
    }
    return this;
  }

  /** Fails unless the call was denied with an exception of this type (or a subtype). */
  public <E extends ApprovalDeniedException> E deniedWith(Class<E> type) {
    if (error == null) {
      throw failure("expected the guarded call to be denied with " + type.getSimpleName() + ", but it ran and returned " + value, null);
    }
    if (!type.isInstance(error)) {
      throw failure("expected " + type.getSimpleName() + " but the call threw " + error, error);
    }
    return type.cast(error);
  }

  /** Fails unless the call was denied (any {@link ApprovalDeniedException}). */
  public ApprovalDeniedException denied() {
    return deniedWith(ApprovalDeniedException.class);
  }

  @Override
  public String toString() {
    return error == null ? "returned " + value : "threw " + error;
  }
}

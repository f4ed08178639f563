package io.countersign;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The one place an application installs its {@link ApprovalGate} for woven code to find. Code that
 * holds a gate can use it directly; the static install point exists because an aspect cannot be
 * handed one.
 *
 * <p>A guarded method called before {@link #install} is denied with an
 * {@link ApprovalUnavailableException} that says how to configure: it never runs unguarded.
 */
public final class Countersign {

  static final String NOT_CONFIGURED = "no approval gate is installed, so the guarded call was denied. "
      + "Install one at startup: Countersign.install(ApprovalGate.builder().approver(...).auditSink(...).build())";

  private static volatile ApprovalGate installed;

  private Countersign() {}

  /**
   * Installs {@code gate} for all woven code.
   *
   * @throws IllegalStateException if a gate is already installed (uninstall it first; silently
   *     replacing the gate would change the rules under running calls)
   */
  public static synchronized void install(ApprovalGate gate) {
    Objects.requireNonNull(gate, "gate");
    if (installed != null) {
      throw new IllegalStateException("an approval gate is already installed (" + installed
          + "); call Countersign.uninstall() before installing another");
    }
    installed = gate;
  }

  /** Removes the installed gate (guarded calls are denied until another is installed) and returns it. */
  public static synchronized Optional<ApprovalGate> uninstall() {
    ApprovalGate previous = installed;
    installed = null;
    return Optional.ofNullable(previous);
  }

  /**
   * {@link ApprovalGate#intercept} on the installed gate: the one call of the AspectJ aspect. With no
   * gate installed the call is denied in the method's own shape (a failed future for a method
   * returning one, else a thrown {@link ApprovalUnavailableException}).
   */
  public static Object intercept(Invocation invocation, ApprovalGate.Proceed proceed) throws Throwable {
    ApprovalGate gate = installed;
    if (gate == null) {
      ApprovalUnavailableException denied = new ApprovalUnavailableException(NOT_CONFIGURED, null, null);
      if (ApprovalGate.returnsFuture(invocation.method())) {
        return CompletableFuture.failedFuture(denied);
      }
      throw denied;
    }
    return gate.intercept(invocation, proceed);
  }

  /**
   * The installed gate.
   *
   * @throws ApprovalUnavailableException if none is installed, saying how to install one
   */
  public static ApprovalGate gate() {
    ApprovalGate gate = installed;
    if (gate == null) {
      throw new ApprovalUnavailableException(NOT_CONFIGURED, null, null);
    }
    return gate;
  }
}

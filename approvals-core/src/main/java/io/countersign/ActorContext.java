package io.countersign;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The default, thread-scoped way to say who is calling: guarded calls made inside
 * {@link #runAs(CallContext, Callable)} are attributed to that context. Outside of one, a guarded
 * call has no actor and is denied (never treated as anonymous and allowed).
 *
 * <pre>{@code
 * ActorContext.runAs(Actor.agent("ops-agent", "alice"), "ticket OPS-42", () -> ops.pushConfig("prod", body));
 * }</pre>
 */
public final class ActorContext {

  private static final ThreadLocal<CallContext> CURRENT = new ThreadLocal<>();

  private ActorContext() {}

  /** Runs {@code task} with {@code context} as the caller, restoring the previous one afterwards. */
  public static <T> T runAs(CallContext context, Callable<T> task) throws Exception {
    Objects.requireNonNull(context, "context");
    CallContext previous = CURRENT.get();
    CURRENT.set(context);
    try {
      return task.call();
    } finally {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    }
  }

  /** Runs {@code task} as {@code actor} with a justification shown to reviewers. */
  public static <T> T runAs(Actor actor, String justification, Callable<T> task) throws Exception {
    return runAs(new CallContext(actor, justification, null), task);
  }

  /** Runs {@code task} as {@code actor} with a justification shown to reviewers. */
  public static void runAs(Actor actor, String justification, Runnable task) {
    try {
      runAs(new CallContext(actor, justification, null), () -> {
        task.run();
        return null;
      });
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e); // unreachable: a Runnable throws no checked exception
    }
  }

  /** The current thread's caller, if any. */
  public static Optional<CallContext> current() {
    return Optional.ofNullable(CURRENT.get());
  }
}

package io.countersign;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a privileged method (or, on a type, every public method of it) whose every call must be
 * approved by humans before it runs.
 *
 * <p>The call is suspended until the eligible {@link #approvers()} decide: {@link #quorum()} distinct
 * approvals run it once; one deny, no decision within {@link #timeout()}, or any error means it never
 * runs and the caller gets an {@link ApprovalDeniedException}. Values are validated when the gate
 * is built for the classes the application registers (see {@link ApprovalGate.Builder#guard}), and
 * at the latest on the first call; an invalid value is never silently ignored.
 *
 * <pre>{@code
 * @RequiresApproval(approvers = "group:sre-leads", quorum = 1, timeout = "PT15M",
 *                   action = "Push production config")
 * public void pushConfig(String env, @Sensitive String configBody) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RequiresApproval {

  /**
   * Who may approve: reviewer ids ({@code "alice"}) and group names ({@code "group:sre-leads"}).
   * Required unless {@link #policy()} names a policy that supplies them.
   */
  String[] approvers() default {};

  /** How many distinct eligible reviewers must approve; at least 1. */
  int quorum() default 1;

  /** How long to wait for a decision, as an ISO-8601 duration ({@code "PT15M"}); no answer in time means deny. */
  String timeout() default "PT15M";

  /** What the action is, in words shown to reviewers ({@code "Push production config"}); defaults to {@code Class#method}. */
  String action() default "";

  /** Optional name of a policy registered with the gate, which then decides instead of the attributes above. */
  String policy() default "";

  /** Whether an approving reviewer must give a reason (a deny always vetoes, with or without one). */
  boolean reasonRequired() default false;

  /**
   * Whether the caller waits for the decision ({@link Mode#WAIT}, the default) or the call is
   * persisted and run later, after approval, by any instance ({@link Mode#DEFERRED}).
   */
  Mode mode() default Mode.WAIT;

  /** How a guarded call relates to its approval. */
  enum Mode {
    /**
     * The caller waits (a synchronous method blocks; a {@code CompletionStage} completes after the
     * decision and the call). If the caller's process dies, the request ends ABANDONED.
     */
    WAIT,
    /**
     * For {@code void} and {@code CompletionStage} methods: the call returns once the request is
     * persisted (void: at once; a stage: completed with {@code null}); after approval, one instance
     * runs the persisted invocation at most once. Needs a durable
     * {@link io.countersign.spi.RequestStore} and a {@link io.countersign.spi.TargetResolver}.
     */
    DEFERRED
  }
}

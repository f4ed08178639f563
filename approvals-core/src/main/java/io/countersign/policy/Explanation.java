package io.countersign.policy;

import io.countersign.spi.PolicyDecision;
import java.util.List;

/**
 * Why a policy decides a call as it does: every rule in order with whether it matched, the rule
 * that decided and the decision. For tests and operators ({@code explain} in the API and the CLI).
 * Never contains argument values.
 *
 * @param policy the policy name
 * @param version its version label
 * @param digest its digest
 * @param steps one step per rule, in order
 * @param decidingRule the rule that decided (the fallback if none matched)
 * @param decision the decision
 */
public record Explanation(String policy, String version, String digest, List<Step> steps, PolicyRule decidingRule,
    PolicyDecision decision) {

  /** What happened to one rule. */
  public enum Outcome {
    /** Its condition was true: it decided. */
    MATCHED,
    /** Its condition was false. */
    NOT_MATCHED,
    /** An earlier rule decided, so this one was not looked at. */
    NOT_EVALUATED,
    /** Its condition failed; the call is denied. */
    ERROR
  }

  /**
   * One rule's evaluation.
   *
   * @param position 1-based position in the policy
   * @param rule the rule
   * @param outcome what happened
   * @param error the failure, for {@link Outcome#ERROR}; else {@code null}
   */
  public record Step(int position, PolicyRule rule, Outcome outcome, String error) {}

  public Explanation {
    steps = List.copyOf(steps);
  }

  /** The name of the rule that decided ({@value Policy#OTHERWISE} if none matched). */
  public String matchedRule() {
    return decidingRule.name();
  }

  /** A readable multi-line report. */
  public String render() {
    StringBuilder out = new StringBuilder();
    out.append("policy ").append(policy).append(" version ").append(version)
        .append(" (digest ").append(digest, 0, 16).append(")\n");
    for (Step s : steps) {
      out.append(String.format("  %d. %-22s when %s%n       -> %s%n", s.position(), s.rule().name(),
          s.rule().when().description(), describe(s)));
    }
    boolean fellThrough = decidingRule.name().equals(Policy.OTHERWISE);
    if (fellThrough) {
      out.append("  no rule matched: the fallback '").append(Policy.OTHERWISE).append("' applies\n");
    }
    out.append("decision: ").append(decision.kind()).append(" by rule '").append(decision.ruleName()).append("'");
    switch (decision.kind()) {
      case DENY -> out.append(": ").append(decision.reason());
      case REQUIRE -> {
        out.append(": ").append(decision.requirement().quorum()).append(" of ").append(decision.requirement().approvers())
            .append(" within ").append(decision.requirement().timeout());
        if (decision.requirement().reasonRequired()) {
          out.append(", reason required");
        }
        if (decidingRule.requirement() != null) {
          java.util.Optional.ofNullable(decidingRule.requirement().escalation()).ifPresent(e -> out.append("; after ").append(e.after())
              .append(" also ").append(e.approvers()).append(", notifying ").append(e.recipients()));
        }
      }
      default -> { }
    }
    return out.append('\n').toString();
  }

  @Override
  public String toString() {
    return render();
  }

  private static String describe(Step s) {
    return switch (s.outcome()) {
      case MATCHED -> "MATCHED (condition true): " + s.rule().effect();
      case NOT_MATCHED -> "no match (condition false)";
      case NOT_EVALUATED -> "not evaluated (an earlier rule decided)";
      case ERROR -> "ERROR " + s.error() + " -> DENY (fail closed)";
    };
  }
}

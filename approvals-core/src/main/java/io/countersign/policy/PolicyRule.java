package io.countersign.policy;

import io.countersign.ApprovalRequirement;
import io.countersign.spi.PolicyDecision;
import java.util.Objects;

/**
 * One rule of a {@link Policy}: a name, a condition, and what happens when it is the first rule to
 * match: ALLOW (run without approval), DENY (never run, with a reason) or REQUIRE (approval under a
 * {@link ApprovalRequirement}).
 *
 * @param name a name unique in its policy, recorded in audit events
 * @param when the condition
 * @param effect what the rule decides
 * @param reason why, for DENY (shown to the caller); else {@code null}
 * @param requirement who must approve, for REQUIRE; else {@code null}
 */
public record PolicyRule(String name, Condition when, PolicyDecision.Kind effect, String reason, ApprovalRequirement requirement) {

  public PolicyRule {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("rule name must not be blank but was " + (name == null ? "null" : "'" + name + "'"));
    }
    Objects.requireNonNull(when, "rule '" + name + "' condition");
    Objects.requireNonNull(effect, "rule '" + name + "' effect");
    if (effect == PolicyDecision.Kind.REQUIRE && requirement == null) {
      throw new IllegalArgumentException("rule '" + name + "' requires approval but names no requirement");
    }
    if (effect != PolicyDecision.Kind.REQUIRE && requirement != null) {
      throw new IllegalArgumentException("rule '" + name + "' has effect " + effect + " but also a requirement " + requirement);
    }
    if (effect == PolicyDecision.Kind.DENY && (reason == null || reason.isBlank())) {
      reason = "denied by rule '" + name + "'";
    }
    if (effect != PolicyDecision.Kind.DENY) {
      reason = null;
    }
  }

  /** A rule that lets matching calls run without approval. */
  public static PolicyRule allow(String name, Condition when) {
    return new PolicyRule(name, when, PolicyDecision.Kind.ALLOW, null, null);
  }

  /** A rule that never lets matching calls run. */
  public static PolicyRule deny(String name, Condition when, String reason) {
    return new PolicyRule(name, when, PolicyDecision.Kind.DENY, reason, null);
  }

  /** A rule that lets matching calls run only after approval. */
  public static PolicyRule require(String name, Condition when, ApprovalRequirement requirement) {
    return new PolicyRule(name, when, PolicyDecision.Kind.REQUIRE, null, Objects.requireNonNull(requirement, "requirement"));
  }

  /** The decision this rule gives when it matches. */
  public PolicyDecision decision() {
    return switch (effect) {
      case ALLOW -> PolicyDecision.allow(name);
      case DENY -> PolicyDecision.deny(name, reason);
      case REQUIRE -> PolicyDecision.require(name, requirement);
    };
  }
}

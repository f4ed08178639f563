package io.countersign.spi;

import io.countersign.ApprovalRequirement;
import java.util.Objects;

/**
 * A policy's answer for one call: allow without approval, deny, or require approval under a requirement.
 *
 * @param kind which of the three
 * @param requirement who must approve when {@link Kind#REQUIRE}, else {@code null}
 * @param ruleName which rule of the policy matched (recorded for auditors), or {@code null}
 * @param reason why, for {@link Kind#DENY} (shown to the caller), or {@code null}
 */
public record PolicyDecision(Kind kind, ApprovalRequirement requirement, String ruleName, String reason) {

  /** The three possible answers. */
  public enum Kind {
    ALLOW,
    DENY,
    REQUIRE
  }

  public PolicyDecision {
    Objects.requireNonNull(kind, "kind");
    if (kind == Kind.REQUIRE) {
      Objects.requireNonNull(requirement, "a REQUIRE decision needs a requirement");
    }
  }

  /** Run without approval. */
  public static PolicyDecision allow(String ruleName) {
    return new PolicyDecision(Kind.ALLOW, null, ruleName, null);
  }

  /** Do not run. */
  public static PolicyDecision deny(String ruleName, String reason) {
    return new PolicyDecision(Kind.DENY, null, ruleName, reason);
  }

  /** Run only after approval under {@code requirement}. */
  public static PolicyDecision require(String ruleName, ApprovalRequirement requirement) {
    return new PolicyDecision(Kind.REQUIRE, requirement, ruleName, null);
  }
}

package io.countersign.passkeys;

import io.countersign.ApprovalRequest;
import java.util.Objects;
import java.util.Set;

/**
 * Which requests need reviewer signatures ({@code signedBy: passkey}): for those, a vote counts only
 * if it carries a passkey assertion that verifies; unsigned votes (from Slack, the JSON API, ...) are
 * refused with a link to the reviewer page. Requests it does not select still have any assertion a
 * vote carries verified (an invalid one is never recorded as if it were valid).
 *
 * <p>Called on the voting thread; must be fast, thread-safe and must not throw (throwing is treated
 * as "required", fail closed).
 */
@FunctionalInterface
public interface SignatureRequirement {

  /** Whether votes on {@code request} must be signed by the reviewer's passkey. */
  boolean requiresSignature(ApprovalRequest request);

  /** Every request (the default of {@link ReviewerPasskeys}). */
  static SignatureRequirement always() {
    return r -> true;
  }

  /** No request: assertions are verified when present, never demanded. */
  static SignatureRequirement never() {
    return r -> false;
  }

  /**
   * Requests decided by the named policy rules ({@code PolicyRef.ruleName()}, e.g. the rule names of a
   * policy file) or, for rules written on the method, by a policy id ({@code PolicyRef.id()}).
   */
  static SignatureRequirement forRules(String... names) {
    Set<String> wanted = Set.of(Objects.requireNonNull(names, "names"));
    if (wanted.isEmpty()) {
      throw new IllegalArgumentException("forRules needs at least one rule or policy name but was empty");
    }
    return r -> r.policy() != null && (wanted.contains(r.policy().ruleName()) || wanted.contains(r.policy().id()));
  }

  /** Requests whose action ({@code ApprovalRequest.action()}) or method ({@code Class#method}) is one of {@code actions}. */
  static SignatureRequirement forActions(String... actions) {
    Set<String> wanted = Set.of(Objects.requireNonNull(actions, "actions"));
    if (wanted.isEmpty()) {
      throw new IllegalArgumentException("forActions needs at least one action but was empty");
    }
    return r -> wanted.contains(r.action()) || wanted.contains(r.method());
  }
}

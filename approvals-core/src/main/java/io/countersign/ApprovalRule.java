package io.countersign;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Who must approve and how: eligible reviewer ids and groups, the quorum of distinct approvals,
 * the time limit, and whether approvers must give a reason. Immutable; validated on construction.
 *
 * @param reviewerIds reviewers eligible by id
 * @param groups groups whose members are eligible (names without the {@code group:} prefix)
 * @param quorum distinct eligible approvals needed, at least 1
 * @param timeout how long the request waits; positive
 * @param reasonRequired whether an approval must carry a reason
 * @param escalation who else becomes eligible (and is notified) while the request is still pending
 *     some time after it opened, or {@code null}
 */
public record ApprovalRule(Set<String> reviewerIds, Set<String> groups, int quorum, Duration timeout, boolean reasonRequired,
    io.countersign.policy.Escalation escalation) {

  /** Prefix that marks a group name among approvers. */
  public static final String GROUP_PREFIX = "group:";

  public ApprovalRule {
    reviewerIds = Set.copyOf(Objects.requireNonNull(reviewerIds, "reviewerIds"));
    groups = Set.copyOf(Objects.requireNonNull(groups, "groups"));
    Objects.requireNonNull(timeout, "timeout");
    if (reviewerIds.isEmpty() && groups.isEmpty()) {
      throw new IllegalArgumentException("approvers must name at least one reviewer id or group but was empty");
    }
    if (quorum < 1) {
      throw new IllegalArgumentException("quorum must be >= 1 but was " + quorum);
    }
    if (groups.isEmpty() && quorum > reviewerIds.size()) {
      throw new IllegalArgumentException("quorum must be <= the " + reviewerIds.size()
          + " eligible reviewer ids " + reviewerIds + " but was " + quorum);
    }
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive but was " + timeout);
    }
    if (escalation != null && escalation.after().compareTo(timeout) >= 0) {
      throw new IllegalArgumentException("escalation after must be shorter than the timeout " + timeout
          + " (the request would already have expired) but was " + escalation.after());
    }
  }

  /** A rule without escalation. */
  public ApprovalRule(Set<String> reviewerIds, Set<String> groups, int quorum, Duration timeout, boolean reasonRequired) {
    this(reviewerIds, groups, quorum, timeout, reasonRequired, null);
  }

  /** This rule with {@code escalation} (or none, for {@code null}). */
  public ApprovalRule withEscalation(io.countersign.policy.Escalation escalation) {
    return new ApprovalRule(reviewerIds, groups, quorum, timeout, reasonRequired, escalation);
  }

  /**
   * Whether this reviewer may vote {@code elapsed} after the request opened: eligible under the rule,
   * or, once the escalation delay has passed, added by the escalation.
   */
  public boolean isEligible(Reviewer reviewer, Duration elapsed) {
    if (isEligible(reviewer)) {
      return true;
    }
    return escalation != null && elapsed.compareTo(escalation.after()) >= 0
        && escalation.applyTo(this).isEligible(reviewer);
  }

  /**
   * Builds a rule from annotation-style approver strings ({@code "alice"}, {@code "group:sre"}).
   *
   * @throws IllegalArgumentException naming the bad value
   */
  public static ApprovalRule of(String[] approvers, int quorum, Duration timeout, boolean reasonRequired) {
    Set<String> ids = new LinkedHashSet<>();
    Set<String> groups = new LinkedHashSet<>();
    for (String approver : approvers) {
      if (approver == null || approver.isBlank()) {
        throw new IllegalArgumentException("approvers must not contain a blank entry but was '" + approver + "'");
      }
      String a = approver.strip();
      if (a.startsWith(GROUP_PREFIX)) {
        String group = a.substring(GROUP_PREFIX.length()).strip();
        if (group.isEmpty()) {
          throw new IllegalArgumentException("approvers entry '" + approver + "' names no group");
        }
        groups.add(group);
      } else {
        ids.add(a);
      }
    }
    return new ApprovalRule(ids, groups, quorum, timeout, reasonRequired);
  }

  /** Whether this reviewer may vote: named by id, or a member of an eligible group right now. */
  public boolean isEligible(Reviewer reviewer) {
    if (reviewerIds.contains(reviewer.id())) {
      return true;
    }
    for (String group : reviewer.groups()) {
      if (groups.contains(group)) {
        return true;
      }
    }
    return false;
  }

  /** The approvers in annotation form, ids first then groups, each sorted, for display and audit. */
  public java.util.List<String> approvers() {
    java.util.List<String> out = new java.util.ArrayList<>();
    reviewerIds.stream().sorted().forEach(out::add);
    groups.stream().sorted().map(g -> GROUP_PREFIX + g).forEach(out::add);
    return out;
  }
}

package io.countersign.policy;

import io.countersign.ApprovalRequirement;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What happens when a request is still pending some time after it was opened: more reviewers
 * become eligible (e.g. an on-call group) and some people are notified. The quorum, the votes
 * already counted and the deadline do not change.
 *
 * @param after how long after the request was opened; positive and shorter than the requirement's timeout
 * @param reviewerIds reviewer ids that become eligible
 * @param groups groups whose members become eligible
 * @param recipients who is told (ids and {@code group:} names, annotation style); defaults to the added approvers
 */
public record Escalation(Duration after, Set<String> reviewerIds, Set<String> groups, List<String> recipients) {

  public Escalation {
    Objects.requireNonNull(after, "escalation after");
    if (after.isZero() || after.isNegative()) {
      throw new IllegalArgumentException("escalation after must be positive but was " + after);
    }
    reviewerIds = Set.copyOf(Objects.requireNonNull(reviewerIds, "reviewerIds"));
    groups = Set.copyOf(Objects.requireNonNull(groups, "groups"));
    recipients = List.copyOf(Objects.requireNonNull(recipients, "recipients"));
    if (reviewerIds.isEmpty() && groups.isEmpty()) {
      throw new IllegalArgumentException("escalation must add at least one reviewer id or group but added none");
    }
  }

  /**
   * An escalation adding annotation-style approvers ({@code "carol"}, {@code "group:security-oncall"})
   * after {@code after}, notifying those same approvers.
   */
  public static Escalation after(Duration after, String... approvers) {
    ApprovalRequirement.Quorum parsed = ApprovalRequirement.Quorum.of(1, approvers);
    return new Escalation(after, parsed.reviewerIds(), parsed.groups(), parsed.approvers());
  }

  /** The same escalation notifying {@code recipients} (ids and {@code group:} names) instead. */
  public Escalation notifying(String... recipients) {
    for (String r : recipients) {
      if (r == null || r.isBlank()) {
        throw new IllegalArgumentException("escalation notify must not contain a blank entry but was '" + r + "'");
      }
    }
    return new Escalation(after, reviewerIds, groups, List.of(recipients));
  }

  /** The added approvers in annotation form, ids then groups, each sorted. */
  public List<String> approvers() {
    return new ApprovalRequirement.Quorum(reviewerIds, groups, 1).approvers();
  }
}

package io.countersign;

import io.countersign.policy.Escalation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Who must approve a call and how: one or more quorum clauses (each: eligible reviewer ids and
 * groups, and how many distinct approvals it needs), the time limit, whether approvers must give a
 * reason, and an optional {@link Escalation}. The annotation, policy files and programmatic policies
 * all produce this one type. Immutable; built by a {@link Builder} that checks each value at once.
 *
 * <p>With several clauses ("1 of security AND 2 of finance-leads") every clause must be met; each
 * approving person counts once, toward the first clause (in declaration order) that they are eligible
 * for and that is still short of its quorum; one deny from anyone eligible vetoes the request.
 */
public final class ApprovalRequirement {

  /** Prefix that marks a group name among approvers. */
  public static final String GROUP_PREFIX = "group:";
  /** Timeout used when none is set, as on {@code @RequiresApproval}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(15);

  /**
   * One clause: reviewers eligible by id or group, and the distinct approvals it needs.
   *
   * @param reviewerIds reviewers eligible by id
   * @param groups groups whose members are eligible (names without the {@code group:} prefix)
   * @param count distinct eligible approvals needed, at least 1
   */
  public record Quorum(Set<String> reviewerIds, Set<String> groups, int count) {

    public Quorum {
      reviewerIds = Collections.unmodifiableSet(new LinkedHashSet<>(Objects.requireNonNull(reviewerIds, "reviewerIds")));
      groups = Collections.unmodifiableSet(new LinkedHashSet<>(Objects.requireNonNull(groups, "groups")));
      if (reviewerIds.isEmpty() && groups.isEmpty()) {
        throw new IllegalArgumentException("approvers must name at least one reviewer id or group but was empty");
      }
      if (count < 1) {
        throw new IllegalArgumentException("quorum must be >= 1 but was " + count);
      }
      if (groups.isEmpty() && count > reviewerIds.size()) {
        throw new IllegalArgumentException("quorum must be <= the " + reviewerIds.size()
            + " eligible reviewer ids " + reviewerIds + " but was " + count);
      }
    }

    /**
     * A clause from annotation-style approvers ({@code "alice"}, {@code "group:sre"}).
     *
     * @throws IllegalArgumentException naming the bad value
     */
    public static Quorum of(int count, String... approvers) {
      Set<String> ids = new LinkedHashSet<>();
      Set<String> groups = new LinkedHashSet<>();
      parseApprovers(approvers, ids, groups);
      return new Quorum(ids, groups, count);
    }

    /** Whether this reviewer is eligible for this clause: named by id, or a member of one of its groups. */
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

    /** The approvers in annotation form, ids first then groups, each sorted. */
    public List<String> approvers() {
      return annotationForm(reviewerIds, groups);
    }

    Quorum widenedBy(Escalation e) {
      Set<String> ids = new LinkedHashSet<>(reviewerIds);
      ids.addAll(e.reviewerIds());
      Set<String> gs = new LinkedHashSet<>(groups);
      gs.addAll(e.groups());
      return new Quorum(ids, gs, count);
    }
  }

  private final List<Quorum> quorums;
  private final Duration timeout;
  private final boolean reasonRequired;
  private final Escalation escalation;

  private ApprovalRequirement(List<Quorum> quorums, Duration timeout, boolean reasonRequired, Escalation escalation) {
    this.quorums = List.copyOf(quorums);
    this.timeout = timeout;
    this.reasonRequired = reasonRequired;
    this.escalation = escalation;
  }

  /** A builder; {@link Builder#approvers} (or {@link Builder#and}) is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A one-clause requirement from annotation-style approver strings ({@code "alice"}, {@code "group:sre"}).
   *
   * @throws IllegalArgumentException naming the bad value
   */
  public static ApprovalRequirement of(String[] approvers, int quorum, Duration timeout, boolean reasonRequired) {
    return builder().approvers(approvers).quorum(quorum).timeout(timeout).reasonRequired(reasonRequired).build();
  }

  /** A one-clause requirement from reviewer ids and group names. */
  public static ApprovalRequirement of(Set<String> reviewerIds, Set<String> groups, int quorum, Duration timeout, boolean reasonRequired) {
    return builder().quorum(new Quorum(reviewerIds, groups, quorum)).timeout(timeout).reasonRequired(reasonRequired).build();
  }

  /** The quorum clauses, all of which must be met, in declaration order. */
  public List<Quorum> quorums() {
    return quorums;
  }

  /** How long the request waits for a decision. */
  public Duration timeout() {
    return timeout;
  }

  /** Whether an approval must carry a reason. */
  public boolean reasonRequired() {
    return reasonRequired;
  }

  /** Who else becomes eligible while the request is still pending some time after it opened, or {@code null}. */
  public Escalation escalation() {
    return escalation;
  }

  /** The distinct approvals needed in all: the sum of the clauses' counts. */
  public int quorum() {
    int n = 0;
    for (Quorum q : quorums) {
      n += q.count();
    }
    return n;
  }

  /** Reviewer ids eligible under any clause. */
  public Set<String> reviewerIds() {
    Set<String> out = new LinkedHashSet<>();
    quorums.forEach(q -> out.addAll(q.reviewerIds()));
    return Collections.unmodifiableSet(out);
  }

  /** Groups eligible under any clause. */
  public Set<String> groups() {
    Set<String> out = new LinkedHashSet<>();
    quorums.forEach(q -> out.addAll(q.groups()));
    return Collections.unmodifiableSet(out);
  }

  /** Every eligible approver in annotation form, ids first then groups, each sorted, for display and audit. */
  public List<String> approvers() {
    return annotationForm(reviewerIds(), groups());
  }

  /** Whether this reviewer is eligible under some clause right now (escalation not counted). */
  public boolean isEligible(Reviewer reviewer) {
    for (Quorum q : quorums) {
      if (q.isEligible(reviewer)) {
        return true;
      }
    }
    return false;
  }

  /** Whether this reviewer may vote {@code elapsed} after the request opened (escalation included). */
  public boolean isEligible(Reviewer reviewer, Duration elapsed) {
    return at(elapsed).isEligible(reviewer);
  }

  /** Whether the escalation has happened {@code elapsed} after the request opened. */
  public boolean isEscalated(Duration elapsed) {
    return escalation != null && elapsed.compareTo(escalation.after()) >= 0;
  }

  /**
   * The requirement in force {@code elapsed} after the request opened: once the escalation delay has
   * passed, each clause also accepts the escalation's reviewers; else this one.
   */
  public ApprovalRequirement at(Duration elapsed) {
    Objects.requireNonNull(elapsed, "elapsed");
    if (!isEscalated(elapsed)) {
      return this;
    }
    List<Quorum> widened = new ArrayList<>();
    quorums.forEach(q -> widened.add(q.widenedBy(escalation)));
    return new ApprovalRequirement(widened, timeout, reasonRequired, null);
  }

  /** This requirement with {@code escalation} (or none, for {@code null}), validated against the timeout. */
  public ApprovalRequirement withEscalation(Escalation escalation) {
    checkEscalation(escalation, timeout);
    return new ApprovalRequirement(quorums, timeout, reasonRequired, escalation);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApprovalRequirement r && r.quorums.equals(quorums) && r.timeout.equals(timeout)
        && r.reasonRequired == reasonRequired && Objects.equals(r.escalation, escalation);
  }

  @Override
  public int hashCode() {
    return Objects.hash(quorums, timeout, reasonRequired, escalation);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("ApprovalRequirement[");
    for (int i = 0; i < quorums.size(); i++) {
      b.append(i == 0 ? "" : " AND ").append(quorums.get(i).count()).append(" of ").append(quorums.get(i).approvers());
    }
    return b.append(" within ").append(timeout).append(reasonRequired ? ", reason required" : "")
        .append(escalation == null ? "" : ", escalate after " + escalation.after() + " to " + escalation.approvers())
        .append(']').toString();
  }

  private static void checkEscalation(Escalation escalation, Duration timeout) {
    if (escalation != null && escalation.after().compareTo(timeout) >= 0) {
      throw new IllegalArgumentException("escalation after must be shorter than the timeout " + timeout
          + " (the request would already have expired) but was " + escalation.after());
    }
  }

  /** Splits annotation-style approvers into ids and group names. */
  static void parseApprovers(String[] approvers, Set<String> ids, Set<String> groups) {
    Objects.requireNonNull(approvers, "approvers");
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
  }

  static List<String> annotationForm(Set<String> ids, Set<String> groups) {
    List<String> out = new ArrayList<>();
    ids.stream().sorted().forEach(out::add);
    groups.stream().sorted().map(g -> GROUP_PREFIX + g).forEach(out::add);
    return out;
  }

  /**
   * Builds an {@link ApprovalRequirement}; each value is checked at once, the combination by
   * {@link #build()}. Reusable: {@code build()} copies the builder's state.
   */
  public static final class Builder {
    private final List<String> approvers = new ArrayList<>();
    private int quorum = 1;
    private Quorum first;
    private final List<Quorum> more = new ArrayList<>();
    private Duration timeout = DEFAULT_TIMEOUT;
    private boolean reasonRequired;
    private Escalation escalation;

    private Builder() {}

    /** Eligible approvers of the first clause, annotation style: ids ({@code "alice"}) and groups ({@code "group:security"}). */
    public Builder approvers(String... approvers) {
      Objects.requireNonNull(approvers, "approvers");
      for (String a : approvers) {
        if (a == null || a.isBlank()) {
          throw new IllegalArgumentException("approvers must not contain a blank entry but was '" + a + "'");
        }
        this.approvers.add(a);
      }
      return this;
    }

    /** Distinct eligible approvals the first clause needs; default 1. */
    public Builder quorum(int quorum) {
      if (quorum < 1) {
        throw new IllegalArgumentException("quorum must be >= 1 but was " + quorum);
      }
      this.quorum = quorum;
      return this;
    }

    /** Sets the first clause at once (instead of {@link #approvers} and {@link #quorum(int)}). */
    public Builder quorum(Quorum clause) {
      this.first = Objects.requireNonNull(clause, "clause");
      return this;
    }

    /**
     * Adds a clause that must be met as well ("AND 2 of finance-leads"), e.g.
     * {@code and(2, "group:finance-leads")}.
     */
    public Builder and(int count, String... approvers) {
      more.add(Quorum.of(count, approvers));
      return this;
    }

    /** How long the request waits for a decision; default 15 minutes. No decision in time means deny. */
    public Builder timeout(Duration timeout) {
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive but was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** Whether an approving reviewer must give a reason. */
    public Builder reasonRequired(boolean required) {
      this.reasonRequired = required;
      return this;
    }

    /** Adds reviewers after a delay if the request is still pending. */
    public Builder escalation(Escalation escalation) {
      this.escalation = Objects.requireNonNull(escalation, "escalation");
      return this;
    }

    /**
     * Builds the requirement.
     *
     * @throws IllegalArgumentException if no approver is named, a quorum exceeds its named ids (with
     *     no group), or the escalation would come at or after the timeout
     */
    public ApprovalRequirement build() {
      List<Quorum> clauses = new ArrayList<>();
      if (first != null) {
        if (!approvers.isEmpty()) {
          throw new IllegalStateException("the first clause was set both as " + first + " and by approvers " + approvers);
        }
        clauses.add(first);
      } else if (!approvers.isEmpty() || more.isEmpty()) {
        clauses.add(Quorum.of(quorum, approvers.toArray(String[]::new)));
      }
      clauses.addAll(more);
      checkEscalation(escalation, timeout);
      return new ApprovalRequirement(clauses, timeout, reasonRequired, escalation);
    }
  }
}

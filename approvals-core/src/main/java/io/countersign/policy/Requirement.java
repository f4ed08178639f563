package io.countersign.policy;

import io.countersign.ApprovalRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a REQUIRE rule asks for: the eligible reviewer ids and groups, the quorum of distinct
 * approvals, the timeout, whether approvers must give a reason, and an optional
 * {@link Escalation}. Immutable; validated when built.
 */
public final class Requirement {

  /** Timeout used when none is set, as on {@code @RequiresApproval}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(15);

  private final ApprovalRule rule;
  private final Escalation escalation;

  private Requirement(ApprovalRule rule, Escalation escalation) {
    this.rule = rule;
    this.escalation = escalation;
  }

  /** A builder; {@link Builder#approvers} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The rule the gate applies when the request is opened. */
  public ApprovalRule rule() {
    return rule;
  }

  /** The escalation, if any. */
  public Optional<Escalation> escalation() {
    return Optional.ofNullable(escalation);
  }

  /**
   * The rule in force {@code elapsed} after the request was opened: the escalated rule once the
   * escalation delay has passed, else {@link #rule()}.
   */
  public ApprovalRule ruleAt(Duration elapsed) {
    Objects.requireNonNull(elapsed, "elapsed");
    return escalation != null && elapsed.compareTo(escalation.after()) >= 0 ? escalation.applyTo(rule) : rule;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Requirement r && r.rule.equals(rule) && Objects.equals(r.escalation, escalation);
  }

  @Override
  public int hashCode() {
    return Objects.hash(rule, escalation);
  }

  @Override
  public String toString() {
    return "Requirement[" + rule.quorum() + " of " + rule.approvers() + " within " + rule.timeout()
        + (rule.reasonRequired() ? ", reason required" : "")
        + (escalation == null ? "" : ", escalate after " + escalation.after() + " to " + escalation.approvers()) + "]";
  }

  /** Builds a {@link Requirement}; each value is checked at once, the combination by {@link #build()}. */
  public static final class Builder {
    private final List<String> approvers = new ArrayList<>();
    private int quorum = 1;
    private Duration timeout = DEFAULT_TIMEOUT;
    private boolean reasonRequired;
    private Escalation escalation;

    private Builder() {}

    /** Eligible approvers, annotation style: ids ({@code "alice"}) and groups ({@code "group:security"}). */
    public Builder approvers(String... approvers) {
      for (String a : approvers) {
        if (a == null || a.isBlank()) {
          throw new IllegalArgumentException("approvers must not contain a blank entry but was '" + a + "'");
        }
        this.approvers.add(a);
      }
      return this;
    }

    /** Distinct eligible approvals needed; default 1. */
    public Builder quorum(int quorum) {
      if (quorum < 1) {
        throw new IllegalArgumentException("quorum must be >= 1 but was " + quorum);
      }
      this.quorum = quorum;
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
     * @throws IllegalArgumentException if no approver is named, the quorum exceeds the named ids
     *     (with no group), or the escalation would come at or after the timeout
     */
    public Requirement build() {
      ApprovalRule rule = ApprovalRule.of(approvers.toArray(String[]::new), quorum, timeout, reasonRequired);
      if (escalation != null && escalation.after().compareTo(timeout) >= 0) {
        throw new IllegalArgumentException("escalation after must be shorter than the timeout " + timeout
            + " (the request would already have expired) but was " + escalation.after());
      }
      // the rule carries its escalation, so the gate applies it (eligibility widens, ESCALATED is recorded)
      return new Requirement(rule.withEscalation(escalation), escalation);
    }
  }
}

package io.countersign.internal;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalRequirement;
import io.countersign.ApprovalStatus;
import io.countersign.Decision;
import io.countersign.RequestState;
import io.countersign.Vote;
import io.countersign.VoteRecord;
import io.countersign.VoteResult.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The one state machine of an approval request: a pure function from a request's state
 * ({@link ApprovalStatus}), one {@link Transition} and the current time to the next state or a
 * refusal, plus what to record. It is the only code that counts approvals; every
 * {@link io.countersign.spi.RequestStore} persists what it returns. Terminal states are final.
 */
final class Lifecycle {

  private Lifecycle() {}

  /** Something that may happen to a request. */
  sealed interface Transition permits CastVote, End, ClaimExecution, Escalate {}

  /** A reviewer votes. */
  record CastVote(Vote vote) implements Transition {
    CastVote {
      Objects.requireNonNull(vote, "vote");
    }
  }

  /** The request ends without a deciding vote: expired, cancelled, failed, halted, abandoned. */
  record End(RequestState target, String reason) implements Transition {
    End {
      if (target == null || target == RequestState.PENDING) {
        throw new IllegalArgumentException("a request ends in a terminal state but the target was " + target);
      }
    }
  }

  /** The caller is about to run the approved call: an approval authorizes exactly one execution. */
  record ClaimExecution() implements Transition {}

  /** The requirement's escalation delay passed: its reviewers become eligible, recorded once. */
  record Escalate() implements Transition {}

  /**
   * What one transition did.
   *
   * @param before the state it was applied to
   * @param after the next state ({@code before} itself when nothing changed)
   * @param refusal why the transition was refused, or {@code null} when it was applied
   * @param voteRefusal for a refused vote, the reason shown to the reviewer; else {@code null}
   * @param counted the vote counted by this transition, or {@code null}
   */
  record Result(ApprovalStatus before, ApprovalStatus after, String refusal, Refusal voteRefusal, VoteRecord counted) {

    /** Whether the state changed (and must be persisted). */
    boolean changed() {
      return after != before;
    }

    /** Whether this transition moved the request out of PENDING. */
    boolean decided() {
      return before.state() == RequestState.PENDING && after.state().isTerminal();
    }

    /** Whether this transition applied the escalation. */
    boolean escalated() {
      return !before.escalated() && after.escalated();
    }
  }

  /** Applies {@code t} to {@code s} at {@code now}. Pure: no I/O, no clock, no shared state. */
  static Result apply(ApprovalStatus s, Transition t, Instant now) {
    Objects.requireNonNull(s, "state");
    Objects.requireNonNull(now, "now");
    if (t instanceof CastVote v) {
      return vote(s, v.vote(), now);
    }
    if (t instanceof End e) {
      return s.state().isTerminal()
          ? refused(s, "the request is already " + s.state())
          : applied(s, decide(s, s.votes(), s.progress(), e.target(), e.reason(), now), null);
    }
    if (t instanceof ClaimExecution) {
      if (s.state() != RequestState.APPROVED) {
        return refused(s, "the request is " + s.state() + ", not APPROVED");
      }
      if (s.executionClaimed()) {
        return refused(s, "approval replayed: it was already used");
      }
      return applied(s, with(s, s.votes(), s.progress(), s.state(), s.decidedAt(), s.outcomeReason(), s.escalated(), true), null);
    }
    Objects.requireNonNull(t, "transition");
    ApprovalRequirement requirement = s.request().requirement();
    if (s.state().isTerminal()) {
      return refused(s, "the request is already " + s.state());
    }
    if (requirement.escalation() == null || s.escalated()) {
      return refused(s, requirement.escalation() == null ? "the requirement has no escalation" : "already escalated");
    }
    if (!requirement.isEscalated(elapsed(s, now)) || !now.isBefore(s.request().deadline())) {
      return refused(s, "the escalation is not due at " + now);
    }
    return applied(s, with(s, s.votes(), s.progress(), s.state(), null, null, true, false), null);
  }

  private static Result vote(ApprovalStatus s, Vote vote, Instant now) {
    ApprovalRequest request = s.request();
    if (s.state().isTerminal()) {
      return refusedVote(s, s, VoteRules.refusalForDecided(s.state()));
    }
    if (!now.isBefore(request.deadline())) {
      // the deadline wins even if no timer ran: the vote is refused and the request expires now
      ApprovalStatus expired = decide(s, s.votes(), s.progress(), RequestState.EXPIRED,
          "no decision before the deadline " + request.deadline(), now);
      return refusedVote(s, expired, Refusal.EXPIRED);
    }
    ApprovalRequirement in = request.requirement().at(elapsed(s, now));
    Refusal refusal = VoteRules.refusal(s, vote, in);
    if (refusal != null) {
      return refusedVote(s, s, refusal);
    }
    VoteRecord counted = new VoteRecord(vote.reviewer().id(), vote.decision(), vote.reason(), vote.channel(), now);
    List<VoteRecord> votes = new ArrayList<>(s.votes());
    votes.add(counted);
    if (vote.decision() == Decision.DENY) {
      return applied(s, decide(s, votes, s.progress(), RequestState.REJECTED, "denied by " + vote.reviewer().id()
          + (vote.reason() == null || vote.reason().isBlank() ? "" : ": " + vote.reason()), now), counted);
    }
    List<Integer> progress = new ArrayList<>(s.progress());
    List<ApprovalRequirement.Quorum> clauses = in.quorums();
    for (int i = 0; i < clauses.size(); i++) {
      // one person counts once, toward the first clause still short of its quorum
      if (progress.get(i) < clauses.get(i).count() && clauses.get(i).isEligible(vote.reviewer())) {
        progress.set(i, progress.get(i) + 1);
        break;
      }
    }
    boolean met = true;
    for (int i = 0; i < clauses.size(); i++) {
      met &= progress.get(i) >= clauses.get(i).count();
    }
    ApprovalStatus after = met
        ? decide(s, votes, progress, RequestState.APPROVED, "approved by " + String.join(", ", approvers(votes)), now)
        : with(s, votes, progress, RequestState.PENDING, null, null, s.escalated(), false);
    return applied(s, after, counted);
  }

  /**
   * The state to persist instead of {@code r.after()} when its approval could not be recorded in the
   * audit trail: the request ends FAILED with the counted vote kept, so an unrecorded approval never
   * counts.
   */
  static ApprovalStatus failedInstead(Result r, String reason) {
    if (!r.decided() || r.after().state() != RequestState.APPROVED) {
      throw new IllegalArgumentException("only a transition that approved can fail instead, but it ended in " + r.after().state());
    }
    ApprovalStatus a = r.after();
    return with(a, a.votes(), a.progress(), RequestState.FAILED, a.decidedAt(), reason, a.escalated(), false);
  }

  /** Reviewers who approved, in order of their votes. */
  static Set<String> approvers(List<VoteRecord> votes) {
    Set<String> out = new LinkedHashSet<>();
    for (VoteRecord v : votes) {
      if (v.decision() == Decision.APPROVE) {
        out.add(v.reviewerId());
      }
    }
    return out;
  }

  private static Duration elapsed(ApprovalStatus s, Instant now) {
    return Duration.between(s.request().createdAt(), now);
  }

  private static ApprovalStatus decide(ApprovalStatus s, List<VoteRecord> votes, List<Integer> progress, RequestState target,
      String reason, Instant now) {
    return with(s, votes, progress, target, now, reason, s.escalated(), false);
  }

  private static ApprovalStatus with(ApprovalStatus s, List<VoteRecord> votes, List<Integer> progress, RequestState state,
      Instant decidedAt, String reason, boolean escalated, boolean claimed) {
    return new ApprovalStatus(s.request(), state, votes, progress, decidedAt, reason, escalated, claimed);
  }

  private static Result applied(ApprovalStatus before, ApprovalStatus after, VoteRecord counted) {
    return new Result(before, after, null, null, counted);
  }

  private static Result refused(ApprovalStatus s, String why) {
    return new Result(s, s, why, null, null);
  }

  private static Result refusedVote(ApprovalStatus before, ApprovalStatus after, Refusal refusal) {
    return new Result(before, after, refusal.name(), refusal, null);
  }
}

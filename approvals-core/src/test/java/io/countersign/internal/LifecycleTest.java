package io.countersign.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.Actor;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalRequirement;
import io.countersign.ApprovalStatus;
import io.countersign.PolicyRef;
import io.countersign.RequestState;
import io.countersign.Reviewer;
import io.countersign.Vote;
import io.countersign.VoteResult.Refusal;
import io.countersign.internal.Lifecycle.CastVote;
import io.countersign.internal.Lifecycle.ClaimExecution;
import io.countersign.internal.Lifecycle.End;
import io.countersign.internal.Lifecycle.Escalate;
import io.countersign.internal.Lifecycle.Result;
import io.countersign.internal.Lifecycle.Transition;
import io.countersign.policy.Escalation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The transition function, state by state and transition by transition: it is the only place that counts approvals. */
class LifecycleTest {

  private static final Instant OPENED = Instant.parse("2026-12-04T10:00:00Z");
  private static final Duration TIMEOUT = Duration.ofMinutes(30);
  private static final Instant DEADLINE = OPENED.plus(TIMEOUT);
  private static final Instant NOW = OPENED.plusSeconds(60);
  private static final Reviewer ALICE = Reviewer.of("alice", "sre");
  private static final Reviewer BOB = Reviewer.of("bob", "sre");
  private static final Reviewer CAROL = Reviewer.of("carol", "sre", "security");
  private static final Reviewer DAN = Reviewer.of("dan", "finance");
  private static final Reviewer ERIN = Reviewer.of("erin", "finance");
  private static final Reviewer ONCALL = Reviewer.of("olly", "oncall");

  private static ApprovalRequest request(ApprovalRequirement requirement) {
    return new ApprovalRequest("r1", "restart", "Ops#restart", Actor.agent("agent-7", "victor"), "why", null, List.of(), "00",
        requirement, new PolicyRef("annotation", "1", "00", null), OPENED, OPENED.plus(requirement.timeout()));
  }

  private static ApprovalStatus pending(int quorum) {
    return ApprovalStatus.pending(request(ApprovalRequirement.builder().approvers("group:sre").quorum(quorum).timeout(TIMEOUT)
        .escalation(Escalation.after(Duration.ofMinutes(10), "group:oncall")).build()));
  }

  private static Result apply(ApprovalStatus s, Transition t) {
    return Lifecycle.apply(s, t, NOW);
  }

  private static ApprovalStatus after(ApprovalStatus s, Transition t) {
    Result r = apply(s, t);
    assertThat(r.refusal()).as("refusal of %s", t).isNull();
    return r.after();
  }

  private static CastVote approve(Reviewer r) {
    return new CastVote(Vote.approve(r, "ok", "test"));
  }

  private static CastVote deny(Reviewer r) {
    return new CastVote(Vote.deny(r, "no", "test"));
  }

  /** One example of every state the function can reach. */
  private static List<ApprovalStatus> everyState() {
    List<ApprovalStatus> out = new ArrayList<>();
    ApprovalStatus open = pending(2);
    out.add(open);
    out.add(after(open, approve(ALICE)));
    ApprovalStatus escalated = Lifecycle.apply(open, new Escalate(), OPENED.plusSeconds(600)).after();
    assertThat(escalated.escalated()).isTrue();
    out.add(escalated);
    ApprovalStatus approved = after(after(open, approve(ALICE)), approve(BOB));
    out.add(approved);
    out.add(after(approved, new ClaimExecution()));
    out.add(after(open, deny(ALICE)));
    for (RequestState target : List.of(RequestState.EXPIRED, RequestState.CANCELLED, RequestState.FAILED, RequestState.ABANDONED)) {
      out.add(after(open, new End(target, "ended")));
    }
    return out;
  }

  private static List<Transition> everyTransition() {
    List<Transition> out = new ArrayList<>(List.of(approve(ALICE), approve(CAROL), deny(BOB), approve(DAN),
        new CastVote(Vote.approve(Reviewer.of("agent-7", "sre"), "me", "test")), new ClaimExecution(), new Escalate()));
    for (RequestState s : RequestState.values()) {
      if (s.isTerminal()) {
        out.add(new End(s, "ended"));
      }
    }
    return out;
  }

  @Test
  void everyStateTimesEveryTransitionEitherAppliesOrRefusesWithoutChange() {
    for (ApprovalStatus s : everyState()) {
      for (Transition t : everyTransition()) {
        for (Instant at : List.of(NOW, DEADLINE.minusNanos(1), DEADLINE, DEADLINE.plusSeconds(1))) {
          Result r = Lifecycle.apply(s, t, at);
          assertThat(r.before()).isSameAs(s);
          if (r.refusal() != null && r.voteRefusal() != Refusal.EXPIRED) {
            assertThat(r.after()).as("%s on %s at %s", t, s.state(), at).isSameAs(s);
          }
          if (s.state().isTerminal()) {
            // terminal states are final: the decision, reason and votes never change
            assertThat(r.after().state()).isEqualTo(s.state());
            assertThat(r.after().votes()).isEqualTo(s.votes());
            assertThat(r.after().outcomeReason()).isEqualTo(s.outcomeReason());
            assertThat(r.after().decidedAt()).isEqualTo(s.decidedAt());
          }
          if (r.changed()) {
            assertThat(r.after().votes().subList(0, s.votes().size())).isEqualTo(s.votes());
            assertThat(r.after().approvals()).isGreaterThanOrEqualTo(s.approvals());
          }
        }
      }
    }
  }

  @Test
  void terminalStatesRefuseEveryVoteWithTheirReason() {
    ApprovalStatus open = pending(1);
    assertThat(apply(after(open, approve(ALICE)), approve(BOB)).voteRefusal()).isEqualTo(Refusal.ALREADY_DECIDED);
    assertThat(apply(after(open, new End(RequestState.EXPIRED, "late")), approve(BOB)).voteRefusal()).isEqualTo(Refusal.EXPIRED);
    assertThat(apply(after(open, new End(RequestState.ABANDONED, "gone")), approve(BOB)).voteRefusal()).isEqualTo(Refusal.ABANDONED);
    assertThat(apply(after(open, new End(RequestState.CANCELLED, "x")), deny(BOB)).voteRefusal()).isEqualTo(Refusal.ALREADY_DECIDED);
    assertThat(apply(after(open, new End(RequestState.CANCELLED, "x")), new End(RequestState.EXPIRED, "y")).refusal())
        .isEqualTo("the request is already CANCELLED");
  }

  @Test
  void denyVetoesEvenAfterApprovals() {
    ApprovalStatus one = after(pending(3), approve(ALICE));
    ApprovalStatus vetoed = after(one, deny(ALICE));
    assertThat(vetoed.state()).isEqualTo(RequestState.REJECTED);
    assertThat(vetoed.outcomeReason()).isEqualTo("denied by alice: no");
    assertThat(vetoed.votes()).hasSize(2);
  }

  @Test
  void quorumCountsDistinctReviewers() {
    ApprovalStatus one = after(pending(2), approve(ALICE));
    Result again = apply(one, approve(ALICE));
    assertThat(again.voteRefusal()).isEqualTo(Refusal.DUPLICATE);
    assertThat(again.after()).isSameAs(one);
    assertThat(one.approvals()).isEqualTo(1);
    ApprovalStatus two = after(one, approve(BOB));
    assertThat(two.state()).isEqualTo(RequestState.APPROVED);
    assertThat(two.approvals()).isEqualTo(2);
    assertThat(two.outcomeReason()).isEqualTo("approved by alice, bob");
  }

  @Test
  void separationOfDutiesAndEligibility() {
    ApprovalStatus open = pending(1);
    assertThat(apply(open, new CastVote(Vote.approve(Reviewer.of("agent-7", "sre"), "x", "t"))).voteRefusal()).isEqualTo(Refusal.SELF_APPROVAL);
    assertThat(apply(open, new CastVote(Vote.approve(Reviewer.of("victor", "sre"), "x", "t"))).voteRefusal()).isEqualTo(Refusal.ON_BEHALF_OF);
    assertThat(apply(open, approve(DAN)).voteRefusal()).isEqualTo(Refusal.NOT_ELIGIBLE);
  }

  @Test
  @DisplayName("a vote one nanosecond before the deadline counts; at the deadline it is refused and the request expires, with no timer")
  void deadlineIsExclusive() {
    ApprovalStatus open = pending(1);
    Result justInTime = Lifecycle.apply(open, approve(ALICE), DEADLINE.minusNanos(1));
    assertThat(justInTime.refusal()).isNull();
    assertThat(justInTime.after().state()).isEqualTo(RequestState.APPROVED);

    Result atDeadline = Lifecycle.apply(open, approve(ALICE), DEADLINE);
    assertThat(atDeadline.voteRefusal()).isEqualTo(Refusal.EXPIRED);
    assertThat(atDeadline.decided()).isTrue();
    assertThat(atDeadline.after().state()).isEqualTo(RequestState.EXPIRED);
    assertThat(atDeadline.after().votes()).isEmpty();
    assertThat(Lifecycle.apply(open, deny(ALICE), DEADLINE.plusSeconds(5)).after().state()).isEqualTo(RequestState.EXPIRED);
  }

  @Test
  void anApprovalIsClaimedForExecutionOnce() {
    ApprovalStatus approved = after(pending(1), approve(ALICE));
    ApprovalStatus claimed = after(approved, new ClaimExecution());
    assertThat(claimed.executionClaimed()).isTrue();
    assertThat(apply(claimed, new ClaimExecution()).refusal()).isEqualTo("approval replayed: it was already used");
    assertThat(apply(pending(1), new ClaimExecution()).refusal()).isEqualTo("the request is PENDING, not APPROVED");
    assertThat(apply(after(pending(1), deny(ALICE)), new ClaimExecution()).refusal()).isEqualTo("the request is REJECTED, not APPROVED");
  }

  @Test
  void escalationWidensEligibilityAtItsTimeAndIsMarkedOnce() {
    ApprovalStatus open = pending(1);
    Instant early = OPENED.plus(Duration.ofMinutes(10)).minusNanos(1);
    Instant due = OPENED.plus(Duration.ofMinutes(10));
    assertThat(Lifecycle.apply(open, approve(ONCALL), early).voteRefusal()).isEqualTo(Refusal.NOT_ELIGIBLE);
    assertThat(Lifecycle.apply(open, new Escalate(), early).refusal()).startsWith("the escalation is not due");
    // eligibility follows the clock even if the escalation timer did not run
    assertThat(Lifecycle.apply(open, approve(ONCALL), due).after().state()).isEqualTo(RequestState.APPROVED);
    ApprovalStatus escalated = Lifecycle.apply(open, new Escalate(), due).after();
    assertThat(escalated.escalated()).isTrue();
    assertThat(Lifecycle.apply(escalated, new Escalate(), due).refusal()).isEqualTo("already escalated");
  }

  @Test
  void reasonRequiredForApprovalsOnly() {
    ApprovalStatus open = ApprovalStatus.pending(request(ApprovalRequirement.builder().approvers("group:sre").reasonRequired(true).build()));
    assertThat(apply(open, new CastVote(Vote.approve(ALICE, " ", "t"))).voteRefusal()).isEqualTo(Refusal.REASON_REQUIRED);
    assertThat(apply(open, new CastVote(Vote.deny(ALICE, null, "t"))).after().state()).isEqualTo(RequestState.REJECTED);
  }

  @Test
  @DisplayName("1 of security AND 2 of finance: every clause must be met; a person counts once, toward the first clause still short")
  void severalClausesAreAllRequired() {
    ApprovalStatus open = ApprovalStatus.pending(request(ApprovalRequirement.builder()
        .approvers("group:security").and(2, "group:finance").timeout(TIMEOUT).build()));
    ApprovalStatus s = after(open, approve(CAROL));
    assertThat(s.progress()).containsExactly(1, 0);
    s = after(s, approve(DAN));
    assertThat(s.progress()).containsExactly(1, 1);
    assertThat(s.state()).isEqualTo(RequestState.PENDING);
    s = after(s, approve(ERIN));
    assertThat(s.state()).isEqualTo(RequestState.APPROVED);
    assertThat(s.approvals()).isEqualTo(3);
  }

  @Test
  void aPersonEligibleForTwoClausesCountsOnceTowardTheFirstStillShort() {
    Reviewer both = Reviewer.of("frank", "security", "finance");
    ApprovalStatus open = ApprovalStatus.pending(request(ApprovalRequirement.builder()
        .approvers("group:security").and(1, "group:finance").timeout(TIMEOUT).build()));
    ApprovalStatus s = after(open, approve(both));
    assertThat(s.progress()).containsExactly(1, 0);
    assertThat(s.state()).isEqualTo(RequestState.PENDING);
    assertThat(apply(s, approve(both)).voteRefusal()).isEqualTo(Refusal.DUPLICATE);
    // a second security member adds nothing: that clause is already met
    ApprovalStatus extra = after(s, approve(CAROL));
    assertThat(extra.progress()).containsExactly(1, 0);
    assertThat(after(extra, approve(DAN)).state()).isEqualTo(RequestState.APPROVED);
    // anyone eligible under any clause can veto
    assertThat(after(s, deny(DAN)).state()).isEqualTo(RequestState.REJECTED);
  }

  @Test
  void failedInsteadKeepsTheVoteAndOnlyReplacesAnApproval() {
    Result approved = apply(pending(1), approve(ALICE));
    ApprovalStatus failed = Lifecycle.failedInstead(approved, "not recorded");
    assertThat(failed.state()).isEqualTo(RequestState.FAILED);
    assertThat(failed.votes()).hasSize(1);
    assertThat(failed.outcomeReason()).isEqualTo("not recorded");
    assertThatThrownBy(() -> Lifecycle.failedInstead(apply(pending(1), deny(ALICE)), "x"))
        .hasMessage("only a transition that approved can fail instead, but it ended in REJECTED");
  }

  @Test
  void endNeedsATerminalTarget() {
    assertThatThrownBy(() -> new End(RequestState.PENDING, "x"))
        .hasMessage("a request ends in a terminal state but the target was PENDING");
  }
}

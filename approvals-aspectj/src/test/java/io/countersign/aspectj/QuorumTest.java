package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.RequestState;
import io.countersign.VoteResult;
import io.countersign.VoteResult.Refusal;
import io.countersign.audit.EventType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Quorum 2 on a woven method: distinct reviewers count, one deny vetoes. */
class QuorumTest extends WovenGateFixture {

  private final Ops ops = new Ops();

  @Test
  @DisplayName("S03 the same reviewer approving twice counts once toward quorum 2")
  void sameReviewerTwiceCountsOnce() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.rotateKeys("prod"));
    ApprovalRequest request = nextRequest();
    approver.approve(request.id(), BOB, "ok");

    VoteResult second = approver.approve(request.id(), BOB, "ok, really");

    assertThat(second.refusal()).isEqualTo(Refusal.DUPLICATE);
    assertThat(gate.status(request.id())).hasValueSatisfying(s -> {
      assertThat(s.state()).isEqualTo(RequestState.PENDING);
      assertThat(s.approvals()).isEqualTo(1);
    });
    assertThat(call.result()).isNotDone();
    assertThat(ops.keyRotations).hasValue(0);
    assertThat(events(request.id(), EventType.VOTE)).extracting(v -> voteField(v, "counted")).containsExactly("true", "false");
  }

  @Test
  @DisplayName("S04 quorum 2: one approval leaves the call waiting")
  void notApprovedAfterFirstOfTwoApprovals() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.rotateKeys("prod"));
    ApprovalRequest request = nextRequest();

    VoteResult first = approver.approve(request.id(), BOB, "ok");

    assertThat(first.counted()).isTrue();
    assertThat(first.state()).isEqualTo(RequestState.PENDING);
    assertThat(call.result()).isNotDone();
    assertThat(ops.keyRotations).hasValue(0);
  }

  @Test
  @DisplayName("S04 quorum 2: approved and run once after the second distinct reviewer")
  void approvedAfterSecondDistinctReviewer() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.rotateKeys("prod"));
    ApprovalRequest request = nextRequest();
    approver.approve(request.id(), BOB, "ok");

    VoteResult second = approver.approve(request.id(), CAROL, "ok too");

    assertThat(second.state()).isEqualTo(RequestState.APPROVED);
    assertThat(call.result()).succeedsWithin(WAIT).isEqualTo("rotated prod");
    assertThat(ops.keyRotations).hasValue(1);
    assertThat(events(request.id(), EventType.DECIDED)).singleElement()
        .satisfies(d -> assertThat(field(d, "reason")).isEqualTo("approved by bob, carol"));
  }

  @Test
  void denyAfterOneApprovalVetoes() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.rotateKeys("prod"));
    ApprovalRequest request = nextRequest();
    approver.approve(request.id(), BOB, "ok");

    VoteResult veto = approver.deny(request.id(), CAROL, "wrong environment");

    assertThat(veto.state()).isEqualTo(RequestState.REJECTED);
    assertThat(failure(call.result(), ApprovalRejectedException.class)).hasMessageContaining("denied by carol");
    assertThat(ops.keyRotations).hasValue(0);
  }
}

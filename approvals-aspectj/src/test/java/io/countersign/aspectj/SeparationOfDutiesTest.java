package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.ApprovalRequest;
import io.countersign.RequestState;
import io.countersign.VoteResult;
import io.countersign.VoteResult.Refusal;
import io.countersign.audit.EventType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Who may approve a woven call: never the requester or the human it acts for, only eligible reviewers. */
class SeparationOfDutiesTest extends WovenGateFixture {

  private final Ops ops = new Ops();

  @Test
  @DisplayName("S01 the requester cannot approve its own request; the refusal is recorded")
  void deniedWhenRequesterApprovesOwnRequest() throws Exception {
    Call<String> call = callAs(Actor.human("bob"), () -> ops.pushConfig("prod", "cfg"));
    ApprovalRequest request = nextRequest();

    VoteResult result = approver.approve(request.id(), BOB, "looks fine to me");

    assertRefusedAndRecorded(request, result, Refusal.SELF_APPROVAL, "bob");
    assertThat(call.result()).isNotDone();
    assertThat(ops.configPushes).hasValue(0);
  }

  @Test
  @DisplayName("S02 the human an agent acts for cannot approve the agent's request; the refusal is recorded")
  void deniedWhenOnBehalfOfApprovesAgentRequest() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "cfg"));
    ApprovalRequest request = nextRequest();

    VoteResult result = approver.approve(request.id(), ALICE, "my agent, my call");

    assertRefusedAndRecorded(request, result, Refusal.ON_BEHALF_OF, "alice");
    assertThat(call.result()).isNotDone();
    assertThat(ops.configPushes).hasValue(0);
  }

  @Test
  @DisplayName("S05 a reviewer outside the eligible groups cannot approve; the refusal is recorded")
  void refusedWhenReviewerIsNotEligible() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "cfg"));
    ApprovalRequest request = nextRequest();

    VoteResult result = approver.approve(request.id(), MALLORY, "sure");

    assertRefusedAndRecorded(request, result, Refusal.NOT_ELIGIBLE, "mallory");
    assertThat(call.result()).isNotDone();
    assertThat(ops.configPushes).hasValue(0);
  }

  @Test
  @DisplayName("S01 a refused self-approval does not count: an eligible reviewer still decides")
  void requestStillDecidedByEligibleReviewerAfterSelfApprovalRefused() throws Exception {
    Call<String> call = callAs(Actor.human("bob"), () -> ops.pushConfig("prod", "cfg"));
    ApprovalRequest request = nextRequest();
    approver.approve(request.id(), BOB, "self");

    approver.approve(request.id(), CAROL, "checked");

    assertThat(call.result()).succeedsWithin(WAIT).isEqualTo("pushed prod");
    assertThat(ops.configPushes).hasValue(1);
  }

  private void assertRefusedAndRecorded(ApprovalRequest request, VoteResult result, Refusal refusal, String reviewer) {
    assertThat(result.counted()).isFalse();
    assertThat(result.refusal()).isEqualTo(refusal);
    assertThat(result.state()).isEqualTo(RequestState.PENDING);
    assertThat(events(request.id(), EventType.VOTE)).singleElement().satisfies(vote -> {
      assertThat(voteField(vote, "reviewer")).isEqualTo(reviewer);
      assertThat(voteField(vote, "counted")).isEqualTo("false");
      assertThat(voteField(vote, "refusal")).isEqualTo(refusal.name());
    });
  }
}

package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.RequestState;
import io.countersign.VoteResult;
import io.countersign.VoteResult.Refusal;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Votes arriving after a woven call's request was decided are refused, recorded, and change nothing. */
class TerminalStateTest extends WovenGateFixture {

  private final Ops ops = new Ops();

  @Test
  @DisplayName("S13 deny after approve is refused and recorded; the approved call ran once")
  void denyAfterApprovalRefused() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "cfg"));
    ApprovalRequest request = nextRequest();
    approver.approve(request.id(), BOB, "ok");
    assertThat(call.result()).succeedsWithin(WAIT);

    VoteResult late = approver.deny(request.id(), CAROL, "changed my mind");

    assertLateVoteRefused(request, late, Refusal.ALREADY_DECIDED, RequestState.APPROVED);
    assertThat(ops.configPushes).hasValue(1);
  }

  @Test
  @DisplayName("S13 approve after deny is refused and recorded; the call never runs")
  void approveAfterDenialRefused() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "cfg"));
    ApprovalRequest request = nextRequest();
    approver.deny(request.id(), BOB, "no");
    failure(call.result(), ApprovalRejectedException.class);

    VoteResult late = approver.approve(request.id(), CAROL, "yes");

    assertLateVoteRefused(request, late, Refusal.ALREADY_DECIDED, RequestState.REJECTED);
    assertThat(ops.configPushes).hasValue(0);
  }

  @Test
  @DisplayName("S12 a vote after expiry is refused and recorded; the request stays EXPIRED")
  void voteAfterExpiryRefused() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "cfg"));
    ApprovalRequest request = nextRequest();
    time.advance(Duration.ofMinutes(15));
    failure(call.result(), ApprovalExpiredException.class);

    VoteResult late = approver.approve(request.id(), BOB, "sorry, was at lunch");

    assertLateVoteRefused(request, late, Refusal.EXPIRED, RequestState.EXPIRED);
    assertThat(ops.configPushes).hasValue(0);
  }

  private void assertLateVoteRefused(ApprovalRequest request, VoteResult late, Refusal refusal, RequestState state) {
    assertThat(late.counted()).isFalse();
    assertThat(late.refusal()).isEqualTo(refusal);
    assertThat(late.state()).isEqualTo(state);
    assertThat(gate.status(request.id())).hasValueSatisfying(s -> assertThat(s.state()).isEqualTo(state));
    List<AuditEvent> votes = events(request.id(), EventType.VOTE);
    assertThat(votes).last().satisfies(v -> {
      assertThat(voteField(v, "counted")).isEqualTo("false");
      assertThat(voteField(v, "refusal")).isEqualTo(refusal.name());
    });
    assertThat(events(request.id(), EventType.DECIDED)).singleElement()
        .satisfies(d -> assertThat(field(d, "outcome")).isEqualTo(state.name()));
  }
}

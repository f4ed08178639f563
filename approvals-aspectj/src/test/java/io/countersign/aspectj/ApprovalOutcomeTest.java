package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.RequestState;
import io.countersign.audit.EventType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The three outcomes of a woven call: approved runs once, denied and expired never run. */
class ApprovalOutcomeTest extends WovenGateFixture {

  private final Ops ops = new Ops();

  @Test
  void approvedCallRunsTheBodyExactlyOnce() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "max_connections=200"));
    ApprovalRequest request = nextRequest();

    approver.approve(request.id(), BOB, "diff reviewed");

    assertThat(call.result()).succeedsWithin(WAIT).isEqualTo("pushed prod");
    assertThat(ops.configPushes).hasValue(1);
    assertThat(events(request.id(), EventType.EXECUTED)).hasSize(1);
  }

  @Test
  void callWaitsForTheDecisionBeforeRunning() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "max_connections=200"));
    ApprovalRequest request = nextRequest();

    assertThat(request.action()).isEqualTo("Push production config");
    assertThat(request.method()).isEqualTo(Ops.class.getName() + "#pushConfig");
    assertThat(request.actor()).isEqualTo(AGENT);
    assertThat(call.result()).isNotDone();
    assertThat(ops.configPushes).hasValue(0);
  }

  @Test
  void deniedCallNeverRunsTheBody() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "max_connections=200"));
    ApprovalRequest request = nextRequest();

    approver.deny(request.id(), BOB, "not during the freeze");

    ApprovalRejectedException denied = failure(call.result(), ApprovalRejectedException.class);
    assertThat(denied.requestId()).isEqualTo(request.id());
    assertThat(denied.state()).isEqualTo(RequestState.REJECTED);
    assertThat(denied).hasMessageContaining("denied by bob: not during the freeze");
    assertThat(ops.configPushes).hasValue(0);
  }

  @Test
  void expiredCallNeverRunsTheBody() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "max_connections=200"));
    ApprovalRequest request = nextRequest();

    time.advance(Duration.ofMinutes(15));

    ApprovalExpiredException expired = failure(call.result(), ApprovalExpiredException.class);
    assertThat(expired.state()).isEqualTo(RequestState.EXPIRED);
    assertThat(ops.configPushes).hasValue(0);
    assertThat(events(request.id(), EventType.DECIDED))
        .singleElement().satisfies(e -> assertThat(field(e, "outcome")).isEqualTo("EXPIRED"));
  }

  @Test
  void callStaysPendingUntilTheDeadline() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "max_connections=200"));
    ApprovalRequest request = nextRequest();

    time.advance(Duration.ofMinutes(15).minusSeconds(1));

    assertThat(gate.status(request.id())).hasValueSatisfying(s -> assertThat(s.state()).isEqualTo(RequestState.PENDING));
    assertThat(call.result()).isNotDone();
  }
}

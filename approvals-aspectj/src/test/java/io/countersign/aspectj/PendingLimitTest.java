package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Flood protection: one actor can have only so many woven calls waiting for approval. */
class PendingLimitTest extends WovenGateFixture {

  private final Ops ops = new Ops();

  @BeforeEach
  void limitTwoPendingPerActor() throws Exception {
    reinstall(settings -> settings.maxPendingPerActor(2));
    callAs(AGENT, () -> ops.pushConfig("prod", "cfg-1"));
    callAs(AGENT, () -> ops.pushConfig("prod", "cfg-2"));
    nextRequest();
    nextRequest();
  }

  @Test
  @DisplayName("S26 a call beyond the per-actor pending limit is refused at once with a clear error")
  void refusedBeyondPerActorPendingLimit() {
    Call<String> third = callAs(AGENT, () -> ops.pushConfig("prod", "cfg-3"));

    assertThat(failure(third.result(), ApprovalRejectedException.class))
        .hasMessage("Refused Push production config: actor ops-agent already has 2 pending approval requests (the limit); "
            + "wait for those to be decided or raise maxPendingPerActor.");
    assertThat(approver.pending()).hasSize(2);
    assertThat(ops.configPushes).hasValue(0);
  }

  @Test
  @DisplayName("S26 the refusal beyond the pending limit is recorded")
  void refusalBeyondPendingLimitRecorded() {
    failure(callAs(AGENT, () -> ops.pushConfig("prod", "cfg-3")).result(), ApprovalRejectedException.class);

    assertThat(audit.events()).filteredOn(e -> e.type() == EventType.DECIDED).singleElement().satisfies((AuditEvent d) -> {
      assertThat(field(d, "outcome")).isEqualTo("REJECTED");
      assertThat(field(d, "reason")).contains("already has 2 pending approval requests");
    });
  }

  @Test
  @DisplayName("S26 the pending limit counts per actor: another actor may still ask")
  void otherActorNotAffectedByPendingLimit() throws Exception {
    callAs(Actor.agent("billing-agent", "dave"), () -> ops.pushConfig("prod", "cfg-3"));

    assertThat(nextRequest().actor().id()).isEqualTo("billing-agent");
  }

  @Test
  @DisplayName("S26 a decided request frees a place under the pending limit")
  void decidedRequestFreesPendingPlace() throws Exception {
    approver.deny(approver.pending().get(0).id(), BOB, "no");

    callAs(AGENT, () -> ops.pushConfig("prod", "cfg-3"));

    assertThat(nextRequest().actor()).isEqualTo(AGENT);
  }
}

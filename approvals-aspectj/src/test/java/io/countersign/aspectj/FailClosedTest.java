package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.countersign.ApprovalCancelledException;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalUnavailableException;
import io.countersign.RequestState;
import io.countersign.VoteResult;
import io.countersign.audit.EventType;
import io.countersign.testing.FailingAuditSink;
import io.countersign.testing.FailingAuditSink.Mode;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Whatever is needed to decide safely fails: the woven call is denied and its body never runs. */
class FailClosedTest extends WovenGateFixture {

  private final Ops ops = new Ops();

  @Test
  @DisplayName("S24 an approver that throws on delivery denies the call and records DELIVERY_FAILED")
  void deniedWhenApproverThrows() throws Exception {
    AtomicReference<String> requestId = new AtomicReference<>();
    reinstall((request, votes) -> {
      requestId.set(request.id());
      throw new IOException("chat service unreachable");
    });

    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "cfg"));

    ApprovalUnavailableException denied = failure(call.result(), ApprovalUnavailableException.class);
    assertThat(denied.state()).isEqualTo(RequestState.FAILED);
    assertThat(denied).hasMessageContaining("could not be delivered to reviewers");
    assertThat(ops.configPushes).hasValue(0);
    assertThat(events(requestId.get(), EventType.DELIVERY_FAILED)).singleElement()
        .satisfies(e -> assertThat(field(e, "error")).isEqualTo(IOException.class.getName()));
  }

  @Test
  @DisplayName("S25 an audit sink failing to record REQUESTED denies the call before any reviewer sees it")
  void deniedWhenRequestedCannotBeRecorded() {
    reinstallWithSinkAhead(FailingAuditSink.failing(Mode.FAILED_STAGE, FailingAuditSink.ofType(EventType.REQUESTED)));

    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "cfg"));

    assertThat(failure(call.result(), ApprovalUnavailableException.class))
        .hasMessageContaining("could not be recorded in the audit trail");
    assertThat(ops.configPushes).hasValue(0);
    assertThat(approver.pending()).isEmpty();
  }

  @Test
  @DisplayName("S25 an audit sink failing to record DECIDED turns an approval into a denial")
  void deniedWhenApprovalCannotBeRecorded() throws Exception {
    reinstallWithSinkAhead(FailingAuditSink.failing(Mode.FAILED_STAGE, FailingAuditSink.ofType(EventType.DECIDED)));
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "cfg"));
    ApprovalRequest request = nextRequest();

    VoteResult vote = approver.approve(request.id(), BOB, "ok");

    assertThat(vote.state()).isEqualTo(RequestState.FAILED);
    assertThat(failure(call.result(), ApprovalUnavailableException.class).state()).isEqualTo(RequestState.FAILED);
    assertThat(ops.configPushes).hasValue(0);
  }

  @Test
  void deniedWhenCalledWithoutActor() {
    assertThatThrownBy(() -> ops.pushConfig("prod", "cfg"))
        .isInstanceOf(ApprovalUnavailableException.class)
        .hasMessageContaining("No actor is known for the call of " + Ops.class.getName() + "#pushConfig")
        .hasMessageContaining("ActorContext.runAs(actor, reason, task)");
    assertThat(ops.configPushes).hasValue(0);
    assertThat(approver.pending()).isEmpty();
  }

  @Test
  void interruptingBlockedCallerCancelsRequest() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "cfg"));
    ApprovalRequest request = nextRequest();
    await().atMost(WAIT).until(() -> call.thread().getState() == Thread.State.WAITING);

    call.thread().interrupt();

    assertThat(failure(call.result(), ApprovalCancelledException.class).state()).isEqualTo(RequestState.CANCELLED);
    assertThat(events(request.id(), EventType.DECIDED)).singleElement()
        .satisfies(d -> assertThat(field(d, "outcome")).isEqualTo("CANCELLED"));
  }

  @Test
  void approvalAfterCallerWasInterruptedNeverRunsTheBody() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", "cfg"));
    ApprovalRequest request = nextRequest();
    await().atMost(WAIT).until(() -> call.thread().getState() == Thread.State.WAITING);
    call.thread().interrupt();
    failure(call.result(), ApprovalCancelledException.class);

    VoteResult late = approver.approve(request.id(), BOB, "ok");

    assertThat(late.counted()).isFalse();
    assertThat(late.state()).isEqualTo(RequestState.CANCELLED);
    assertThat(ops.configPushes).hasValue(0);
  }
}

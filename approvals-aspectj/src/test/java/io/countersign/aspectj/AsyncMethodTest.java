package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.countersign.ActorContext;
import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.RequestState;
import io.countersign.audit.EventType;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A woven method returning a CompletableFuture returns at once; the future follows the decision. */
class AsyncMethodTest extends WovenGateFixture {

  private final Ops ops = new Ops();

  private CompletableFuture<String> exportWithoutBlocking() {
    // a blocking call would fail here instead of hanging the suite
    return assertTimeoutPreemptively(WAIT, () -> ActorContext.runAs(AGENT, "monthly report", () -> ops.exportTable("customers")));
  }

  @Test
  void asyncCallReturnsIncompleteFutureWithoutBlocking() throws Exception {
    CompletableFuture<String> result = exportWithoutBlocking();

    assertThat(result).isNotDone();
    assertThat(nextRequest().action()).isEqualTo("Export customer table");
    assertThat(ops.exports).hasValue(0);
  }

  @Test
  void asyncCallCompletesWithBodyResultAfterApproval() throws Exception {
    CompletableFuture<String> result = exportWithoutBlocking();
    ApprovalRequest request = nextRequest();

    approver.approve(request.id(), BOB, "report is due");

    assertThat(result).succeedsWithin(WAIT).isEqualTo("exported customers");
    assertThat(ops.exports).hasValue(1);
    assertThat(events(request.id(), EventType.EXECUTED)).hasSize(1);
  }

  @Test
  void asyncCallFailsWithDenialAsCauseWhenDenied() throws Exception {
    CompletableFuture<String> result = exportWithoutBlocking();
    ApprovalRequest request = nextRequest();

    approver.deny(request.id(), BOB, "customer data stays in");

    ApprovalDeniedException denied = failure(result, ApprovalRejectedException.class);
    assertThat(denied.requestId()).isEqualTo(request.id());
    assertThat(denied.state()).isEqualTo(RequestState.REJECTED);
    assertThat(ops.exports).hasValue(0);
  }

  @Test
  void asyncCallFailsWithExpiryWhenNobodyDecides() throws Exception {
    CompletableFuture<String> result = exportWithoutBlocking();
    nextRequest();

    time.advance(Duration.ofMinutes(15));

    failure(result, ApprovalExpiredException.class);
    assertThat(ops.exports).hasValue(0);
  }

  @Test
  void cancellingTheReturnedFutureCancelsTheRequest() throws Exception {
    CompletableFuture<String> result = exportWithoutBlocking();
    ApprovalRequest request = nextRequest();

    result.cancel(false);
    approver.approve(request.id(), BOB, "too late");

    assertThat(gate.status(request.id())).hasValueSatisfying(s -> assertThat(s.state()).isEqualTo(RequestState.CANCELLED));
    assertThat(ops.exports).hasValue(0);
  }
}

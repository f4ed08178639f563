package io.countersign.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.CallContext;
import io.countersign.InMemoryApprover;
import io.countersign.Invocation;
import io.countersign.ManualTimeSource;
import io.countersign.RequiresApproval;
import io.countersign.Reviewer;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.InMemoryAuditSink;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MicrometerGateListenerTest {

  /** A guarded service; the test hands its calls to the gate as an interceptor would. */
  static class Ops {
    @RequiresApproval(approvers = "group:sre", timeout = "PT10M")
    public CompletableFuture<String> restart(String service) {
      return CompletableFuture.completedFuture("restarted " + service);
    }
  }

  private static final Reviewer BOB = Reviewer.of("bob", "sre");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ManualTimeSource clock = new ManualTimeSource();
  private final InMemoryApprover approver = new InMemoryApprover();
  private final ApprovalGate gate = ApprovalGate.builder()
      .approver(approver)
      .auditSink(new InMemoryAuditSink())
      .signer(Ed25519Signer.generate("test-key"))
      .timeSource(clock)
      .listener(new MicrometerGateListener(registry, List.of(Tag.of("gate", "ops"))))
      .checkGuarded(Ops.class)
      .build();

  @AfterEach
  void closeGate() {
    gate.close();
  }

  @Test
  void requestIsCountedByActionAndShownAsPendingUntilDecided() throws Exception {
    CompletableFuture<Object> call = restart("billing");
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(5));

    assertThat(registry.get("countersign.requests").tags("action", "MicrometerGateListenerTest$Ops#restart", "gate", "ops")
        .counter().count()).isEqualTo(1.0);
    assertThat(registry.get("countersign.pending").gauge().value()).isEqualTo(1.0);

    approver.approve(request.id(), BOB, "planned");
    assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("restarted billing");
    assertThat(registry.get("countersign.pending").gauge().value()).isZero();
  }

  @Test
  void approvalIsCountedWithOutcomeAndTimedFromRequestToDecision() throws Exception {
    CompletableFuture<Object> call = restart("billing");
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(5));
    clock.advance(Duration.ofSeconds(42));
    approver.approve(request.id(), BOB, "planned");
    call.get(5, TimeUnit.SECONDS);

    String action = "MicrometerGateListenerTest$Ops#restart";
    assertThat(registry.get("countersign.decisions").tags("action", action, "outcome", "approved").counter().count())
        .isEqualTo(1.0);
    var timer = registry.get("countersign.decision.time").tags("action", action, "outcome", "approved").timer();
    assertThat(timer.count()).isEqualTo(1);
    assertThat(timer.totalTime(TimeUnit.SECONDS)).isEqualTo(42.0);
  }

  @Test
  void denialAndTimeoutAreCountedAsTheirOwnOutcomes() throws Exception {
    CompletableFuture<Object> denied = restart("billing");
    approver.deny(approver.awaitRequest(Duration.ofSeconds(5)).id(), BOB, "not now");
    assertThatThrownBy(() -> denied.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(ApprovalRejectedException.class);

    CompletableFuture<Object> expired = restart("search");
    approver.awaitRequest(Duration.ofSeconds(5));
    clock.advance(Duration.ofMinutes(10));
    assertThatThrownBy(() -> expired.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);

    String action = "MicrometerGateListenerTest$Ops#restart";
    assertThat(registry.get("countersign.decisions").tags("action", action, "outcome", "rejected").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("countersign.decisions").tags("action", action, "outcome", "expired").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("countersign.decision.time").tags("outcome", "expired").timer().totalTime(TimeUnit.MINUTES))
        .isEqualTo(10.0);
    assertThat(registry.get("countersign.pending").gauge().value()).isZero();
  }

  @Test
  void noMeterCarriesTheActorTheArgumentsOrTheRequestId() throws Exception {
    CompletableFuture<Object> call = restart("secret-service-name");
    approver.approve(approver.awaitRequest(Duration.ofSeconds(5)).id(), BOB, "ok");
    call.get(5, TimeUnit.SECONDS);

    assertThat(registry.getMeters()).allSatisfy(meter -> assertThat(meter.getId().getTags())
        .extracting(Tag::getKey).isSubsetOf("action", "outcome", "gate"));
    assertThat(registry.getMeters()).allSatisfy(meter -> assertThat(meter.getId().getTags())
        .extracting(Tag::getValue).doesNotContain("alice", "secret-service-name"));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private CompletableFuture<Object> restart(String service) throws Exception {
    Ops ops = new Ops();
    Object[] args = {service};
    Invocation invocation = Invocation.of(Ops.class.getMethod("restart", String.class), ops, args);
    return ActorContext.runAs(CallContext.of(Actor.human("alice")),
        () -> (CompletableFuture) gate.guardAsync(invocation, () -> ops.restart((String) args[0])));
  }
}

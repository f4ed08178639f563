package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditChains;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The emergency stop: halt denies everything at once; only an approved resume lifts it. */
class EmergencyStopTest {

  static final Reviewer DIANA = Reviewer.of("diana", "incident-commanders");
  static final Reviewer ERIC = Reviewer.of("eric", "incident-commanders");
  static final Reviewer BOB = Reviewer.of("bob", "sre-leads");

  final ManualTimeSource time = new ManualTimeSource();
  final InMemoryAuditSink audit = new InMemoryAuditSink();
  final Ed25519Signer signer = Ed25519Signer.generate("stop-key");
  final InMemoryApprover approver = new InMemoryApprover();
  final ExecutorService callers = Executors.newCachedThreadPool();
  final ApprovalGate gate = ApprovalGate.builder()
      .approver(approver).auditSink(audit).signer(signer).timeSource(time)
      .emergencyStop(ApprovalRequirement.of(Set.of(), Set.of("incident-commanders"), 1, Duration.ofMinutes(30), true))
      .build();

  @AfterEach
  void trailVerifies() {
    callers.shutdownNow();
    assertThat(AuditChains.verifies(audit.events(), signer.verificationKey())).isTrue();
  }

  Future<Object> restart(String cluster, AtomicInteger runs) throws Exception {
    Invocation invocation = ApprovalGateTest.call("restart", cluster);
    return callers.submit(() -> ActorContext.runAs(ApprovalGateTest.AGENT, "ticket",
        () -> ApprovalGateTest.guard(gate, invocation, runs::incrementAndGet)));
  }

  @Test
  void haltDeniesPendingAndNewCallsAndIsRecorded() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    List<Future<Object>> waiting = List.of(restart("a", runs), restart("b", runs), restart("c", runs));
    for (int i = 0; i < waiting.size(); i++) {
      approver.awaitRequest(Duration.ofSeconds(10));
    }

    gate.halt(DIANA, "agent is misbehaving");

    for (Future<Object> call : waiting) {
      assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(ApprovalRejectedException.class).hasMessageContaining("emergency stop by diana");
    }
    assertThatThrownBy(() -> restart("d", runs).get(10, TimeUnit.SECONDS))
        .cause().isInstanceOf(ApprovalRejectedException.class).hasMessageContaining("halted");
    assertThat(runs).hasValue(0);
    assertThat(gate.haltStatus()).hasValueSatisfying(h -> assertThat(h.by()).isEqualTo("diana"));
    AuditEvent halted = audit.events().stream().filter(e -> e.type() == EventType.HALTED).findFirst().orElseThrow();
    assertThat(halted.text("by")).isEqualTo("diana");
    assertThat(halted.text("reason")).isEqualTo("agent is misbehaving");
  }

  @Test
  void resumeNeedsAnotherControllersApproval() throws Exception {
    gate.halt(DIANA, "incident");
    String resume = gate.requestResume(DIANA, "incident over");
    assertThat(approver.awaitRequest(Duration.ofSeconds(1)).id()).isEqualTo(resume);

    assertThat(approver.approve(resume, DIANA, "me").refusal()).isEqualTo(VoteResult.Refusal.SELF_APPROVAL);
    assertThat(approver.approve(resume, BOB, "me").refusal()).isEqualTo(VoteResult.Refusal.NOT_ELIGIBLE);
    assertThat(gate.haltStatus()).isPresent();
    assertThat(approver.approve(resume, ERIC, "verified the fix").counted()).isTrue();

    assertThat(gate.haltStatus()).isEmpty();
    AtomicInteger runs = new AtomicInteger();
    Future<Object> call = restart("a", runs);
    approver.approve(approver.awaitRequest(Duration.ofSeconds(10)).id(), BOB, "ok");
    assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(audit.events().stream().map(AuditEvent::type)).contains(EventType.HALTED, EventType.RESUMED);
  }

  @Test
  void deniedResumeKeepsTheHalt() throws Exception {
    gate.halt(DIANA, "incident");
    String resume = gate.requestResume(DIANA, "done?");
    approver.deny(resume, ERIC, "not yet");
    assertThat(gate.haltStatus()).isPresent();
  }

  @Test
  @DisplayName("S08 an agent can neither halt nor resume")
  void agentCannotHalt() throws Exception {
    Actor agent = Actor.agent("ops-agent", "diana");
    assertThatThrownBy(() -> ActorContext.runAs(agent, "x", () -> {
      gate.halt(DIANA, "I decide");
      return null;
    })).isInstanceOf(ApprovalRejectedException.class).hasMessageContaining("AGENT ops-agent cannot halt");
    assertThat(gate.haltStatus()).isEmpty();
    gate.halt(DIANA, "incident");
    assertThatThrownBy(() -> ActorContext.runAs(agent, "x", () -> gate.requestResume(DIANA, "let me go")))
        .isInstanceOf(ApprovalRejectedException.class).hasMessageContaining("cannot resume");
  }

  @Test
  void onlyControllersMayHalt() {
    assertThatThrownBy(() -> gate.halt(BOB, "why not"))
        .isInstanceOf(ApprovalRejectedException.class)
        .hasMessage("bob is not allowed to halt guarded actions (allowed: group:incident-commanders).");
    assertThat(gate.haltStatus()).isEmpty();
  }

  @Test
  void emergencyStopRuleIsExposedOnlyWhenConfigured() {
    ApprovalGate plain = ApprovalGate.builder().approver(approver).auditSink(audit).signer(signer).build();
    assertThat(plain.emergencyStopRule()).isEmpty();
    assertThat(gate.emergencyStopRule()).hasValueSatisfying(r -> assertThat(r.isEligible(ERIC)).isTrue());
  }

  @Test
  void haltNeedsConfigurationAndAReason() {
    ApprovalGate plain = ApprovalGate.builder().approver(approver).auditSink(audit).signer(signer).build();
    assertThatThrownBy(() -> plain.halt(DIANA, "x")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("emergency stop is not configured");
    assertThatThrownBy(() -> gate.halt(DIANA, " ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a halt needs a reason but was ' '");
  }
}

package io.countersign.policy;

import io.countersign.ApprovalRequirement;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.CallContext;
import io.countersign.InMemoryApprover;
import io.countersign.Invocation;
import io.countersign.ManualTimeSource;
import io.countersign.RequiresApproval;
import io.countersign.Reviewer;
import io.countersign.VoteResult;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditChains;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A policy's escalation applied by the gate on a fake clock: more reviewers become eligible after the delay. */
class EscalationGateTest {

  public static class Iam {
    @RequiresApproval(policy = "iam", action = "iam.grant")
    public String grant(String role) {
      return "granted " + role;
    }
  }

  static final Policy IAM = Policy.builder("iam")
      .rule("agent-iam").when(Condition.actorKind(io.countersign.ActorKind.AGENT))
          .require(ApprovalRequirement.builder().approvers("group:security").timeout(Duration.ofMinutes(10))
              .escalation(Escalation.after(Duration.ofMinutes(5), "group:security-oncall").notifying("group:security-oncall", "ciso")))
      .build();
  static final Reviewer ONCALL = Reviewer.of("olga", "security-oncall");

  final ManualTimeSource clock = new ManualTimeSource();
  final InMemoryAuditSink sink = new InMemoryAuditSink();
  final Ed25519Signer signer = Ed25519Signer.generate("k1");
  final InMemoryApprover approver = new InMemoryApprover();
  final ApprovalGate gate = ApprovalGate.builder().approver(approver).auditSink(sink).signer(signer)
      .timeSource(clock).policy("iam", IAM).checkGuarded(Iam.class).build();

  @AfterEach
  void close() {
    gate.close();
    assertThat(AuditChains.verifies(sink.events(), signer.verificationKey())).isTrue();
  }

  CompletableFuture<Object> grantAsAgent() throws Exception {
    Method m = Iam.class.getMethod("grant", String.class);
    Invocation inv = Invocation.of(m, new Iam(), new Object[] {"admin"});
    return CompletableFuture.supplyAsync(() -> {
      try {
        return ActorContext.runAs(CallContext.of(Actor.agent("bot", "alice")), () -> {
          try {
            return gate.guard(inv, () -> m.invoke(inv.target(), inv.args()));
          } catch (Exception | Error e) {
            throw e;
          } catch (Throwable t) {
            throw new IllegalStateException(t);
          }
        });
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
  }

  @Test
  void escalationWidensEligibilityAfterTheDelayAndIsRecorded() throws Exception {
    CompletableFuture<Object> call = grantAsAgent();
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(10));
    assertThat(request.requirement().escalation()).isNotNull();

    assertThat(approver.approve(request.id(), ONCALL, "early").refusal()).isEqualTo(VoteResult.Refusal.NOT_ELIGIBLE);
    assertThat(approver.escalation(request.id())).isEmpty();

    clock.advance(Duration.ofMinutes(5));

    assertThat(approver.escalation(request.id())).hasValueSatisfying(e -> assertThat(e.recipients()).containsExactly("group:security-oncall", "ciso"));
    AuditEvent escalated = sink.events().stream().filter(e -> e.type() == EventType.ESCALATED).findFirst().orElseThrow();
    assertThat(escalated.requestId()).isEqualTo(request.id());
    assertThat(approver.approve(request.id(), ONCALL, "on call, checked").counted()).isTrue();
    assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("granted admin");
  }

  @Test
  void noEscalationOnceDecided() throws Exception {
    CompletableFuture<Object> call = grantAsAgent();
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(10));
    approver.approve(request.id(), Reviewer.of("sam", "security"), "ok");
    call.get(10, TimeUnit.SECONDS);
    clock.advance(Duration.ofMinutes(6));
    assertThat(approver.escalation(request.id())).isEmpty();
    assertThat(sink.events().stream().map(AuditEvent::type)).doesNotContain(EventType.ESCALATED);
  }
}

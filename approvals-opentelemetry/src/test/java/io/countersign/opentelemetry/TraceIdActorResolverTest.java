package io.countersign.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.CallContext;
import io.countersign.InMemoryApprover;
import io.countersign.Invocation;
import io.countersign.RequiresApproval;
import io.countersign.Reviewer;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.InMemoryAuditSink;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TraceIdActorResolverTest {

  static class Ops {
    @RequiresApproval(approvers = "group:sre")
    public CompletableFuture<String> restart(String service) {
      return CompletableFuture.completedFuture("restarted " + service);
    }
  }

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final Actor ALICE = Actor.human("alice");

  private final InMemoryApprover approver = new InMemoryApprover();
  private final InMemoryAuditSink sink = new InMemoryAuditSink();
  private final ApprovalGate gate = ApprovalGate.builder()
      .approver(approver)
      .auditSink(sink)
      .signer(Ed25519Signer.generate("test-key"))
      .actorResolver(TraceIdActorResolver.ofActorContext())
      .checkGuarded(Ops.class)
      .build();

  @AfterEach
  void closeGate() {
    gate.close();
  }

  @Test
  void currentSpansTraceIdReachesTheReviewerAndEveryAuditEvent() throws Exception {
    CompletableFuture<?> call;
    try (Scope ignored = span(TRACE_ID).makeCurrent()) {
      call = restart();
    }
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(5));
    assertThat(request.traceId()).isEqualTo(TRACE_ID);

    approver.approve(request.id(), Reviewer.of("bob", "sre"), "ok");
    call.get(5, TimeUnit.SECONDS);
    assertThat(sink.events(request.id())).isNotEmpty()
        .extracting(e -> e.text("traceId")).containsOnly(TRACE_ID);
  }

  @Test
  void withoutACurrentSpanTheContextIsUnchanged() {
    CallContext context = new CallContext(ALICE, "ticket OPS-1", null);
    assertThat(TraceIdActorResolver.decorate(inv -> context).resolve(null)).isSameAs(context);
  }

  @Test
  void anInvalidSpanAddsNoTraceId() {
    CallContext context = CallContext.of(ALICE);
    try (Scope ignored = Span.getInvalid().makeCurrent()) {
      assertThat(TraceIdActorResolver.decorate(inv -> context).resolve(null).traceId()).isNull();
    }
  }

  @Test
  void anExplicitTraceIdIsKept() {
    CallContext context = new CallContext(ALICE, null, "set-by-caller");
    try (Scope ignored = span(TRACE_ID).makeCurrent()) {
      assertThat(TraceIdActorResolver.decorate(inv -> context).resolve(null).traceId()).isEqualTo("set-by-caller");
    }
  }

  @Test
  void noActorStaysNoActorSoTheGateStillDenies() {
    try (Scope ignored = span(TRACE_ID).makeCurrent()) {
      assertThat(TraceIdActorResolver.decorate(inv -> null).resolve(null)).isNull();
    }
  }

  @Test
  void actorJustificationAndTraceIdAreAllKept() {
    try (Scope ignored = span(TRACE_ID).makeCurrent()) {
      CallContext resolved = TraceIdActorResolver.decorate(inv -> new CallContext(ALICE, "ticket OPS-1", null)).resolve(null);
      assertThat(resolved).isEqualTo(new CallContext(ALICE, "ticket OPS-1", TRACE_ID));
    }
  }

  private static Span span(String traceId) {
    return Span.wrap(SpanContext.create(traceId, "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault()));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private CompletableFuture<?> restart() throws Exception {
    Ops ops = new Ops();
    Invocation invocation = Invocation.of(Ops.class.getMethod("restart", String.class), ops, new Object[] {"billing"});
    return ActorContext.runAs(CallContext.of(ALICE),
        () -> (CompletableFuture) gate.guardAsync(invocation, () -> ops.restart("billing")));
  }
}

package io.countersign.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.Countersign;
import io.countersign.InMemoryApprover;
import io.countersign.RequiresApproval;
import io.countersign.Reviewer;
import io.countersign.Sensitive;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.Slf4jAuditSink;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The README's quick start, as written there, compiled and woven: if this breaks, fix the README too. */
class QuickStartTest {

  public static class Ops {
    final AtomicInteger pushes = new AtomicInteger();

    @RequiresApproval(approvers = "group:sre-leads", quorum = 1, timeout = "PT15M", action = "Push production config")
    public void pushConfig(String env, @Sensitive String configBody) {
      pushes.incrementAndGet();
    }
  }

  @AfterEach
  void uninstall() {
    Countersign.uninstall().ifPresent(ApprovalGate::close);
  }

  @Test
  void quickStartCallRunsOnceAfterApproval() throws Exception {
    InMemoryApprover approver = new InMemoryApprover();
    Ops ops = new Ops();
    String body = "feature.checkout_v2=on";

    Countersign.install(ApprovalGate.builder()
        .approver(approver)
        .auditSink(new Slf4jAuditSink())
        .signer(Ed25519Signer.generate("ops-key-1"))
        .checkGuarded(Ops.class)
        .build());
    CompletableFuture<Void> call = CompletableFuture.runAsync(() ->
        ActorContext.runAs(Actor.agent("ops-agent", "alice"), "ticket OPS-42", () -> ops.pushConfig("prod", body)));

    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(5));
    assertThat(ops.pushes).hasValue(0);
    approver.approve(request.id(), Reviewer.of("bob", "sre-leads"), "diff reviewed");

    call.get(5, TimeUnit.SECONDS);
    assertThat(ops.pushes).hasValue(1);
  }
}

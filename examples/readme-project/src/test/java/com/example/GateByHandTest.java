package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.Countersign;
import io.countersign.InMemoryApprover;
import io.countersign.ManualTimeSource;
import io.countersign.Reviewer;
import io.countersign.VoteResult;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.log.VerificationResult;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The same rules without the test kit: the building blocks the README names. */
class GateByHandTest {

  @AfterEach
  void uninstall() {
    Countersign.uninstall();
  }

  @Test
  void selfApprovalIsRefusedAndSilenceExpiresOnTheFakeClock() throws Exception {
    // readme-snippet: by-hand
    InMemoryApprover approver = new InMemoryApprover();
    InMemoryAuditSink audit = new InMemoryAuditSink();
    ManualTimeSource clock = new ManualTimeSource();
    Ed25519Signer signer = Ed25519Signer.generate("test-key");
    Countersign.install(ApprovalGate.builder().approver(approver).auditSink(audit).signer(signer)
        .timeSource(clock).checkGuarded(Ops.class).build());

    // a synchronous guarded call blocks until decided: make it on another thread
    ExecutorService callers = Executors.newSingleThreadExecutor();
    Future<String> call = callers.submit(() ->
        ActorContext.runAs(Actor.agent("ops-agent", "alice"), "ticket OPS-42", () -> new Ops().pushConfig("prod", "x")));
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(5));

    VoteResult vote = approver.approve(request.id(), Reviewer.of("alice", "sre-leads"), "looks fine");
    assertFalse(vote.counted());                                    // alice is who the agent acts for
    assertEquals(VoteResult.Refusal.ON_BEHALF_OF, vote.refusal());

    clock.advance(Duration.ofMinutes(15));                          // the deadline passes, no waiting
    ExecutionException denied = assertThrows(ExecutionException.class, call::get);
    assertTrue(denied.getCause() instanceof ApprovalExpiredException, denied::toString);
    callers.shutdown();

    assertEquals(EventType.DECIDED, audit.events().get(audit.events().size() - 1).type());
    VerificationResult verified = AuditVerifier.verify(audit.events(), signer.verificationKey());
    assertTrue(verified.ok(), verified.summary());                  // summary() says what was checked or what broke
    // end-readme-snippet
  }
}

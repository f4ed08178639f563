package io.countersign.ltw;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.Countersign;
import io.countersign.InMemoryApprover;
import io.countersign.ManualTimeSource;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.log.VerificationResult;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Test fixture: a gate with an in-memory approver, an in-memory signed audit trail and a manual
 * clock, installed for woven code, plus an "agent" thread to make guarded calls on (a guarded call
 * blocks until reviewers decide, so the test thread plays the reviewers).
 */
final class InstalledGate implements AutoCloseable {

  static final Actor AGENT = Actor.agent("refund-bot", "dora");

  final InMemoryApprover approver = new InMemoryApprover();
  final InMemoryAuditSink audit = new InMemoryAuditSink();
  private final Ed25519Signer signer = Ed25519Signer.generate("ltw-test-key");
  private final ApprovalGate gate;
  private final ExecutorService agentThread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "refund-bot");
    t.setDaemon(true);
    return t;
  });

  private InstalledGate(Class<?>... guarded) {
    gate = ApprovalGate.builder()
        .approver(approver)
        .auditSink(audit)
        .signer(signer)
        .timeSource(new ManualTimeSource())
        .checkGuarded(guarded)
        .build();
    Countersign.install(gate);
  }

  /** Builds a gate that validates {@code guarded}'s annotations and installs it. */
  static InstalledGate install(Class<?>... guarded) {
    return new InstalledGate(guarded);
  }

  /** Makes {@code call} as {@link #AGENT} on the agent thread. */
  <T> Future<T> callAsAgent(Callable<T> call) {
    return agentThread.submit(() -> ActorContext.runAs(AGENT, "refund ticket R-7", call));
  }

  List<EventType> eventTypes() {
    return audit.events().stream().map(AuditEvent::type).toList();
  }

  VerificationResult verifyTrail() {
    return AuditVerifier.verify(audit.events(), signer.verificationKey());
  }

  @Override
  public void close() {
    Countersign.uninstall();
    gate.close();
    agentThread.shutdownNow();
  }
}

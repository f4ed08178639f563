package io.countersign.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.InMemoryApprover;
import io.countersign.Invocation;
import io.countersign.RequiresApproval;
import io.countersign.Reviewer;
import io.countersign.audit.AuditChains;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.ChainHead;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.spi.Approver;
import io.countersign.spi.AuditSink;
import io.countersign.spi.Signer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit survives a restart by default: a gate built on a durable sink continues the chain the sink
 * holds, with no extra step, exactly as the README shows it.
 */
class AuditRestartTest {

  static final Ed25519Signer SIGNER = AuditChains.key("restart-key");
  static final Reviewer BOB = Reviewer.of("bob", "sre-leads");

  /** The guarded method; never called directly. */
  static class Ops {
    @RequiresApproval(approvers = "group:sre-leads")
    void restart(String cluster) {}
  }

  @TempDir
  Path tmp;

  /** The README's "Audit trail" snippet: README.md holds this region verbatim (checked by the starter's DocsSnippetsTest). */
  static ApprovalGate gate(Approver approver, Signer signer, Path logDir) throws IOException {
    // snippet: durable-audit
    ApprovalGate gate = ApprovalGate.builder()
        .approver(approver)
        .auditSink(FileAuditSink.open(logDir))   // continues the chain found in logDir
        .signer(signer)
        .build();
    // end-snippet
    return gate;
  }

  /** Runs one guarded call that the reviewer approves at once; returns what the call returned. */
  static Object approvedCall(ApprovalGate gate) throws Throwable {
    Invocation call = Invocation.of(Ops.class.getDeclaredMethod("restart", String.class), new Ops(), new Object[] {"prod"});
    return ActorContext.runAs(Actor.human("alice"), "ticket OPS-7", () -> {
      try {
        return gate.guard(call, () -> "restarted");
      } catch (Exception | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new AssertionError(t);
      }
    });
  }

  static InMemoryApprover approvingAtOnce() {
    InMemoryApprover[] approver = new InMemoryApprover[1];
    approver[0] = InMemoryApprover.withResponder(request -> approver[0].approve(request.id(), BOB, "go"));
    return approver[0];
  }

  @Test
  @DisplayName("S57 a gate rebuilt with the README snippet on the same log continues its chain: the call is approved, the log verifies")
  void gateRebuiltOnTheSameLogContinuesTheChain() throws Throwable {
    Path logDir = tmp.resolve("audit");
    try (ApprovalGate first = gate(approvingAtOnce(), SIGNER, logDir)) {
      assertThat(approvedCall(first)).isEqualTo("restarted");
    }
    long firstRunEvents = LogDirs.readLog(logDir).size();

    try (ApprovalGate second = gate(approvingAtOnce(), SIGNER, logDir)) {
      assertThat(approvedCall(second)).isEqualTo("restarted");
    }

    VerificationResult result = AuditVerifier.builder().key(SIGNER.verificationKey()).build().verifyLog(logDir);
    assertThat(result.status()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(result.eventsChecked()).isGreaterThan(firstRunEvents).isEqualTo(LogDirs.readLog(logDir).size());
  }

  @Test
  void aTrailContinuesAfterTheHeadItsSinkReports() throws IOException {
    Path logDir = tmp.resolve("audit");
    try (FileAuditSink sink = FileAuditSink.open(logDir)) {
      assertThat(sink.head()).contains(ChainHead.GENESIS);
      try (AuditTrail trail = AuditTrail.builder().sink(sink).signer(SIGNER).build()) {
        trail.record(AuditChains.sampleEvent(1)).join();
      }
    }
    try (FileAuditSink sink = FileAuditSink.open(logDir)) {
      ChainHead head = sink.head().orElseThrow();
      assertThat(head.seq()).isEqualTo(2); // the event and the closing checkpoint
      AuditTrail trail = AuditTrail.builder().sink(sink).signer(SIGNER).build();
      assertThat(trail.lastSeq()).isEqualTo(2);
      assertThat(trail.lastHash()).isEqualTo(head.hash());
      assertThat(trail.record(AuditChains.sampleEvent(2)).join().seq()).isEqualTo(3);
      trail.close();
    }
  }

  @Test
  void buildFailsWhenTwoSinksHoldDifferentChains() throws IOException {
    Path logDir = tmp.resolve("audit");
    try (FileAuditSink sink = FileAuditSink.open(logDir); AuditTrail trail = AuditTrail.builder().sink(sink).build()) {
      trail.record(AuditChains.sampleEvent(1)).join();
    }
    try (FileAuditSink old = FileAuditSink.open(logDir); FileAuditSink fresh = FileAuditSink.open(tmp.resolve("fresh"))) {
      assertThatThrownBy(() -> AuditTrail.builder().sink(old).sink(fresh).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("audit sinks hold different chains: " + old + " ends at seq 1 (hash ")
          .hasMessageContaining("but " + fresh + " ends at seq 0 (hash " + AuditTrail.GENESIS_HASH + ")");
      // a sink without a chain of its own (memory) goes with either
      AuditTrail withMemory = AuditTrail.builder().sink(old).sink(new InMemoryAuditSink()).build();
      assertThat(withMemory.lastSeq()).isEqualTo(1);
    }
  }

  @Test
  void buildFailsWhenContinueAfterContradictsTheSinksHead() throws IOException {
    try (FileAuditSink sink = FileAuditSink.open(tmp.resolve("audit"))) {
      assertThatThrownBy(() -> AuditTrail.builder().sink(sink).continueAfter(7, "ab".repeat(32)).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("continueAfter(seq 7 (hash " + "ab".repeat(32) + ")) differs from the chain head seq 0 (hash "
              + AuditTrail.GENESIS_HASH + ") that audit sink " + sink + " reports; drop continueAfter to continue that sink's chain");
    }
  }

  @Test
  void aSinkReportingNoHeadByNullFailsTheBuild() {
    AuditSink broken = new AuditSink() {
      @Override
      public CompletionStage<Void> append(io.countersign.audit.AuditEvent event) {
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public Optional<ChainHead> head() {
        return null;
      }

      @Override
      public String toString() {
        return "BrokenSink";
      }
    };
    assertThatThrownBy(() -> AuditTrail.builder().sink(broken).build())
        .hasMessage("audit sink BrokenSink returned null from head(); return Optional.empty() for a sink that keeps no chain");
  }
}

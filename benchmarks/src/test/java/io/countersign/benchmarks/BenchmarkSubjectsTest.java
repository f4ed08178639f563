package io.countersign.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ApprovalGate;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalUnavailableException;
import io.countersign.InMemoryApprover;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.security.access.AccessDeniedException;

/**
 * The benchmarks are only meaningful if their subjects are what they claim: the Countersign
 * methods really go through the woven aspect and the gate, and the Spring bean really goes
 * through the {@code @PreAuthorize} proxy. These tests fail if either stops being true.
 */
class BenchmarkSubjectsTest {

  private final GuardedOperations woven = new GuardedOperations();

  @AfterEach
  void cleanUp() {
    BenchmarkGates.clearActor();
    BenchmarkGates.uninstall();
    SpringSecurityConfig.clearCurrentThread();
  }

  @Test
  void wovenAllowedMethodIsDeniedWhenNoGateIsInstalled() {
    BenchmarkGates.uninstall();
    BenchmarkGates.actAsAgent();

    assertThatThrownBy(() -> woven.transfer(1))
        .isInstanceOf(ApprovalUnavailableException.class)
        .hasMessageContaining("no approval gate is installed");
  }

  @Test
  void wovenAllowedMethodRunsItsBodyThroughTheInstalledGateWithoutAnyAuditEvent() {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    BenchmarkGates.install(BenchmarkGates.builder(new InMemoryApprover(), sink).build());
    BenchmarkGates.actAsAgent();

    assertThat(woven.transfer(10)).isEqualTo(Work.transfer(10));
    assertThat(woven.transferDigestPolicy(10)).isEqualTo(Work.transfer(10));
    assertThat(sink.events()).isEmpty();
  }

  @Test
  void wovenMethodIsRefusedWhenItsPolicyDenies() {
    BenchmarkGates.install(BenchmarkGates.builder(new InMemoryApprover(), new InMemoryAuditSink()).build());
    BenchmarkGates.actAsAgent();

    assertThatThrownBy(() -> woven.dropDatabase(1))
        .isInstanceOf(ApprovalRejectedException.class)
        .hasMessageContaining("benchmarks never drop databases");
  }

  @Test
  void roundTripIsApprovedAtOnceAndRecordsRequestedVoteDecidedExecuted() {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    InMemoryApprover[] approver = new InMemoryApprover[1];
    approver[0] = InMemoryApprover.withResponder(
        request -> approver[0].approve(request.id(), BenchmarkGates.REVIEWER, "checked"));
    BenchmarkGates.install(BenchmarkGates.builder(approver[0], sink).build());
    BenchmarkGates.actAsAgent();

    assertThat(woven.deploy(7)).isEqualTo(Work.transfer(7));
    assertThat(sink.events()).extracting(AuditEvent::type)
        .containsExactly(EventType.REQUESTED, EventType.VOTE, EventType.DECIDED, EventType.EXECUTED);
  }

  @Test
  void springProxyRunsTheBodyForRoleOpsAndDeniesOtherRoles() {
    try (AnnotationConfigApplicationContext context = SpringSecurityConfig.start()) {
      Operations spring = context.getBean(SpringOperations.class);

      SpringSecurityConfig.authenticateCurrentThread("ops-agent", "OPS");
      assertThat(spring.transfer(3)).isEqualTo(Work.transfer(3));

      SpringSecurityConfig.authenticateCurrentThread("intern", "READER");
      assertThatThrownBy(() -> spring.transfer(3)).isInstanceOf(AccessDeniedException.class);
    }
  }

  @Test
  void pendingHarnessKeepsEveryCallPendingThenCompletesAllAfterApproval() throws Exception {
    PendingApprovalsHarness.main(new String[] {"50", "2", "memory-checkpoint"});
  }

  @Test
  void percentileIsTheNearestRankValue() {
    long[] values = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};

    assertThat(PendingApprovalsHarness.pct(values, 50)).isEqualTo(5);
    assertThat(PendingApprovalsHarness.pct(values, 99)).isEqualTo(10);
    assertThat(PendingApprovalsHarness.pct(values, 100)).isEqualTo(10);
  }
}

package io.countersign.policyexamples;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalRejectedException;
import io.countersign.VoteResult;
import io.countersign.policy.Policy;
import io.countersign.test.CountersignTest;
import io.countersign.test.GatePolicy;
import io.countersign.test.TestGate;
import java.math.BigDecimal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** "Exports of more than 10,000 rows or payments over 10,000 need 2 of finance-leads", tested with the kit. */
@CountersignTest(checkGuarded = FinanceOps.class)
class FinancePolicyTest {

  @GatePolicy("finance")
  static final Policy FINANCE = ExamplePolicies.finance();

  private final FinanceOps ops = new FinanceOps();
  private final Actor analyst = Actor.human("carol");

  @BeforeEach
  void directory(TestGate gate) {
    gate.approver().member("fiona", "finance-leads").member("frank", "finance-leads").member("sam", "security");
  }

  @Test
  @DisplayName("S04 a large export runs only after two distinct finance leads approve")
  void largeExportRunsAfterTwoFinanceLeadsApprove(TestGate gate) {
    gate.approver().approveAs("fiona").approveAs("frank");

    String result = gate.callAs(analyst, () -> ops.exportRows("customers", 20_000)).value();

    assertThat(result).isEqualTo("exported 20000 rows of customers");
    gate.audit().chainVerifies()
        .lastRequest().wasApproved().reviewers("fiona", "frank").policy("finance", "large-finance")
        .policyDigest(FINANCE.digest()).executed();
  }

  @Test
  @DisplayName("S04 one approval out of a quorum of two is not enough: the export expires and never runs")
  void largeExportWithOneApprovalExpires(TestGate gate) {
    gate.approver().approveAs("fiona");

    gate.callAs(analyst, () -> ops.exportRows("customers", 20_000)).deniedWith(ApprovalExpiredException.class);

    gate.audit().lastRequest().expired().reviewers("fiona").notExecuted();
  }

  @Test
  void largePaymentVetoedByOneFinanceLeadNeverRuns(TestGate gate) {
    gate.approver().approveAs("fiona").denyAs("frank", "vendor not on the approved list");

    gate.callAs(analyst, () -> ops.pay("acme", new BigDecimal("25000.00"))).deniedWith(ApprovalRejectedException.class);

    gate.audit().chainVerifies().lastRequest().wasRejected().reviewers("fiona", "frank").notExecuted();
  }

  @Test
  void smallExportRunsWithoutAnyApprovalRequest(TestGate gate) {
    assertThat(gate.callAs(analyst, () -> ops.exportRows("customers", 10_000)).value()).isEqualTo("exported 10000 rows of customers");

    gate.audit().noRequestOpened();
    assertThat(gate.approver().requests()).isEmpty();
  }

  @Test
  @DisplayName("S05 a reviewer outside finance-leads is refused and the request still needs two leads")
  void securityReviewerDoesNotCountTowardsTheFinanceQuorum(TestGate gate) {
    gate.approver().approveAs("sam").approveAs("fiona");

    gate.callAs(analyst, () -> ops.pay("acme", new BigDecimal("10000.01"))).deniedWith(ApprovalExpiredException.class);

    assertThat(gate.approver().voteResults()).extracting(VoteResult::refusal)
        .containsExactly(VoteResult.Refusal.NOT_ELIGIBLE, null);
    gate.audit().lastRequest().refusedVotesFrom("sam").reviewers("fiona").expired();
  }

  @Test
  @DisplayName("S01 a finance lead cannot approve their own large export")
  void financeLeadCannotApproveOwnExport(TestGate gate) {
    gate.approver().approveAs("fiona").approveAs("frank");

    gate.callAs(Actor.human("fiona"), () -> ops.exportRows("ledger", 50_000)).deniedWith(ApprovalExpiredException.class);

    assertThat(gate.approver().voteResults().get(0).refusal()).isEqualTo(VoteResult.Refusal.SELF_APPROVAL);
    gate.audit().lastRequest().refusedVotesFrom("fiona").reviewers("frank");
  }
}

package io.countersign.policyexamples;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalRequirement;
import io.countersign.Reviewer;
import io.countersign.VoteResult;
import io.countersign.policy.Policy;
import io.countersign.ApprovalRequirement;
import io.countersign.test.CountersignTest;
import io.countersign.test.GatePolicy;
import io.countersign.test.TestGate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * "Staging changes by a human are allowed; any IAM change by an agent needs 1 of security within
 * 10 minutes", tested with the kit and the fake clock (no test waits in real time).
 */
@CountersignTest(checkGuarded = InfraOps.class)
class OpsPolicyTest {

  /** The application's environment attribute, read by the policy at each call. */
  private volatile String env = "staging";

  @GatePolicy("ops")
  final Policy ops = ExamplePolicies.ops(() -> Map.of("env", env));

  private final InfraOps infra = new InfraOps();
  private final Actor opsAgent = Actor.agent("ops-agent", "alice");

  @BeforeEach
  void directory(TestGate gate) {
    gate.approver().member("sam", "security").member("rita", "sre").member("alice", "security").member("olga", "security-oncall");
  }

  @Test
  void stagingDeployByAHumanRunsWithoutApproval(TestGate gate) {
    assertThat(gate.callAs(Actor.human("dave"), () -> infra.deploy("billing")).value()).isEqualTo("deployed billing");
    gate.audit().isEmpty();
  }

  @Test
  void stagingDeployByAnAgentNeedsAnSreInstead(TestGate gate) {
    gate.approver().approveAs("rita");

    gate.callAs(opsAgent, () -> infra.deploy("billing")).ranOrFail();

    gate.audit().lastRequest().wasApproved().policy("ops", Policy.OTHERWISE).reviewers("rita");
  }

  @Test
  void productionDeployByAHumanIsNotCoveredByTheStagingRule(TestGate gate) {
    env = "prod";
    gate.approver().noAnswer();

    gate.callAs(Actor.human("dave"), () -> infra.deploy("billing")).deniedWith(ApprovalExpiredException.class);

    gate.audit().lastRequest().expired().policy("ops", Policy.OTHERWISE);
  }

  @Test
  void iamChangeByAnAgentRunsAfterOneSecurityApproval(TestGate gate) {
    env = "prod";
    gate.approver().approveAs("sam");

    assertThat(gate.callAs(opsAgent, () -> infra.grantRole("bob", "admin")).value()).isEqualTo("granted admin to bob");

    gate.audit().chainVerifies().lastRequest().wasApproved().policy("ops", "iam-by-agent").reviewers("sam")
        .policyDigest(ops.digest()).executed();
  }

  @Test
  void iamChangeByAnAgentExpiresExactlyTenMinutesAfterTheRequestOnTheFakeClock(TestGate gate) {
    Instant start = gate.clock().now();
    gate.approver().after(Duration.ofMinutes(10)).approveAs("sam");

    gate.callAs(opsAgent, () -> infra.grantRole("bob", "admin")).deniedWith(ApprovalExpiredException.class);

    ApprovalRequest request = gate.approver().lastRequest().orElseThrow();
    assertThat(Duration.between(start, request.deadline())).isEqualTo(Duration.ofMinutes(10));
    assertThat(gate.approver().voteResults().get(0).refusal()).isIn(VoteResult.Refusal.EXPIRED, VoteResult.Refusal.ALREADY_DECIDED);
    gate.audit().lastRequest().expired().notExecuted();
  }

  @Test
  void iamChangeApprovedAtNineMinutesRuns(TestGate gate) {
    gate.approver().after(Duration.ofMinutes(9)).approveAs("sam");

    gate.callAs(opsAgent, () -> infra.grantRole("bob", "admin")).ranOrFail();

    gate.audit().lastRequest().wasApproved();
  }

  @Test
  @DisplayName("S02 the human the agent acts for cannot approve its IAM change, even as a security member")
  void agentsOwnHumanCannotApproveTheIamChange(TestGate gate) {
    gate.approver().approveAs("alice");

    gate.callAs(opsAgent, () -> infra.grantRole("alice", "admin")).deniedWith(ApprovalExpiredException.class);

    assertThat(gate.approver().voteResults().get(0).refusal()).isEqualTo(VoteResult.Refusal.ON_BEHALF_OF);
    gate.audit().lastRequest().refusedVotesFrom("alice").expired();
  }

  @Test
  void iamEscalationMakesTheOnCallGroupEligibleOnlyAfterFiveMinutes(TestGate gate) {
    // the policy model's part of escalation, on the kit's fake clock (the gate applies it at runtime)
    ApprovalRequirement iam = ops.rule("iam-by-agent").orElseThrow().requirement();
    Instant opened = gate.clock().now();
    Reviewer olga = gate.approver().reviewer("olga");

    gate.clock().advance(Duration.ofMinutes(4));
    ApprovalRequirement atFour = iam.at(Duration.between(opened, gate.clock().now()));
    gate.clock().advance(Duration.ofMinutes(1));
    ApprovalRequirement atFive = iam.at(Duration.between(opened, gate.clock().now()));

    assertThat(atFour.isEligible(olga)).isFalse();
    assertThat(atFive.isEligible(olga)).isTrue();
    assertThat(atFive.quorum()).isEqualTo(1);
  }
}

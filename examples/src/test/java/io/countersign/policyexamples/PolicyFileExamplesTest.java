package io.countersign.policyexamples;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.ApprovalExpiredException;
import io.countersign.policy.Explanation;
import io.countersign.policy.Policy;
import io.countersign.policy.PolicyInput;
import io.countersign.test.CountersignTest;
import io.countersign.test.GatePolicy;
import io.countersign.test.TestGate;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The same example rules loaded from {@code policies/ops.yaml} (CEL conditions) and registered under
 * both names the example services use.
 */
@CountersignTest(checkGuarded = {FinanceOps.class, InfraOps.class})
class PolicyFileExamplesTest {

  /** Loaded (and its CEL compiled) once per class, so the one-time CEL class loading is not counted in a test. */
  @GatePolicy("finance")
  static Policy FILE;

  @GatePolicy("ops")
  static Policy OPS;

  @BeforeAll
  static void loadPolicyFile() {
    FILE = ExamplePolicies.fromFile(() -> Map.of("env", "staging"));
    OPS = FILE;
  }

  @BeforeEach
  void directory(TestGate gate) {
    gate.approver().member("fiona", "finance-leads").member("frank", "finance-leads").member("sam", "security");
  }

  @Test
  void largeExportNeedsTwoFinanceLeadsUnderTheFilePolicyToo(TestGate gate) {
    gate.approver().approveAs("fiona").approveAs("frank");

    gate.callAs(Actor.human("carol"), () -> new FinanceOps().exportRows("customers", 10_001)).ranOrFail();

    gate.audit().chainVerifies().lastRequest().wasApproved().reviewers("fiona", "frank")
        .policy("finance", "large-finance").policyDigest(FILE.digest());
  }

  @Test
  void iamChangeByAnAgentWithNoAnswerExpiresUnderTheFilePolicy(TestGate gate) {
    gate.approver().noAnswer();

    gate.callAs(Actor.agent("ops-agent", "alice"), () -> new InfraOps().grantRole("bob", "admin"))
        .deniedWith(ApprovalExpiredException.class);

    gate.audit().lastRequest().expired().policy("ops", "iam-by-agent");
  }

  @Test
  void explainTellsAnOperatorWhyAnIamChangeNeedsSecurity() {
    Explanation e = FILE.explain(PolicyInput.builder().action("iam.grantRole").actor(Actor.agent("ops-agent", "alice"))
        .arg("user", "bob").arg("role", "admin").environment("env", "staging").build());

    assertThat(e.matchedRule()).isEqualTo("iam-by-agent");
    assertThat(e.render())
        .contains("3. staging-by-human")
        .contains("when env == \"staging\" && actor.kind == \"HUMAN\"")
        .contains("decision: REQUIRE by rule 'iam-by-agent': 1 of [group:security] within PT10M; after PT5M also [group:security-oncall]");
  }
}

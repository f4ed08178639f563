package io.countersign.policyexamples;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalUnavailableException;
import io.countersign.RequestState;
import io.countersign.policy.Condition;
import io.countersign.policy.Policy;
import io.countersign.policy.cel.CelPolicyLoader;
import io.countersign.test.CountersignTest;
import io.countersign.test.GatePolicy;
import io.countersign.test.TestGate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Policy inputs through the woven method (issue 25): arrays, cycles, Errors and the cost budget. */
@CountersignTest(checkGuarded = BulkOps.class)
class PolicyInputsWovenTest {

  @GatePolicy("bulk")
  static final Policy BULK = CelPolicyLoader.builder().build().parse("policies/bulk.yaml", """
      policy: bulk
      rules:
        - name: mass-purge
          when: has(args.ids) && size(args.ids) > 100
          deny: purges of more than 100 records are refused
        - name: suspicious-tags
          when: has(args.items) && args.items.exists(x, args.items.exists(y, args.items.exists(z, x == y && y == z && x == 'root')))
          deny: tagging root is refused
      otherwise: allow
      """);

  @GatePolicy("fragile")
  static final Policy FRAGILE = Policy.builder("fragile")
      .rule("recursive").when(Condition.of("a condition that recurses forever", in -> {
        throw new StackOverflowError();
      })).allow()
      .build();

  @Test
  @DisplayName("S50 a long[] of 10,000 ids reaches the policy as a list: the mass purge is refused, a small one runs")
  void primitiveArrayIsAList(TestGate gate) {
    long[] many = LongStream.range(0, 10_000).toArray();

    gate.callAs(Actor.agent("ops-agent", "alice"), () -> new BulkOps().purge(many)).deniedWith(ApprovalRejectedException.class);
    gate.audit().lastDecision().wasRejected().reasonContains("more than 100 records");
    assertThat(gate.callAs(Actor.agent("ops-agent", "alice"), () -> new BulkOps().purge(new long[] {1, 2})).ranOrFail().value())
        .isEqualTo("purged 2");
  }

  @Test
  @DisplayName("S50 a self-referential argument is denied and recorded, no StackOverflowError escapes")
  void cyclicArgumentIsDeniedAndRecorded(TestGate gate) {
    List<Object> items = new ArrayList<>();
    items.add(items);

    gate.callAs(Actor.human("carol"), () -> new BulkOps().tag(items)).deniedWith(ApprovalUnavailableException.class);
    gate.audit().lastDecision().decided(RequestState.FAILED);
  }

  @Test
  @DisplayName("S50 an Error from a policy condition denies the woven call and is recorded")
  void errorFromConditionIsDeniedAndRecorded(TestGate gate) {
    gate.callAs(Actor.human("carol"), () -> new BulkOps().archive(new int[] {1})).deniedWith(ApprovalUnavailableException.class);
    gate.audit().lastDecision().decided(RequestState.FAILED);
  }

  @Test
  @DisplayName("S51 three nested exists over 200 items exceed the cost budget: denied, recorded, the caller released")
  void costBudgetDeniesAndRecords(TestGate gate) {
    List<Object> items = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      items.add("item-" + i);
    }

    gate.callAs(Actor.human("carol"), () -> new BulkOps().tag(items)).deniedWith(ApprovalUnavailableException.class);
    gate.audit().lastDecision().decided(RequestState.FAILED);
  }
}

package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.countersign.Actor;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalRejectedException;
import io.countersign.VoteResult;
import io.countersign.test.CountersignTest;
import io.countersign.test.TestGate;
import org.junit.jupiter.api.Test;

// readme-snippet: test-kit
@CountersignTest(checkGuarded = Ops.class)          // a fresh gate, fake clock and signed in-memory audit per test
class OpsTest {

  final Ops ops = new Ops();
  final Actor agent = Actor.agent("ops-agent", "alice");   // an agent acting for alice

  @Test
  void runsOnceAnSreLeadApproves(TestGate gate) {
    gate.approver().member("bob", "sre-leads").approveAs("bob");

    gate.callAs(agent, () -> ops.pushConfig("prod", "limits: 10")).ranOrFail();

    gate.audit().chainVerifies().lastRequest().wasApproved().reviewers("bob").executed();
  }

  @Test
  void oneDenyVetoes(TestGate gate) {
    gate.approver().member("bob", "sre-leads").denyAs("bob", "not during the freeze");

    gate.callAs(agent, () -> ops.pushConfig("prod", "limits: 10")).deniedWith(ApprovalRejectedException.class);

    gate.audit().lastRequest().wasRejected().notExecuted();
  }

  @Test
  void noAnswerBeforeTheDeadlineMeansDeny(TestGate gate) {
    gate.approver().noAnswer();                  // the fake clock jumps to the deadline: no waiting

    gate.callAs(agent, () -> ops.pushConfig("prod", "limits: 10")).deniedWith(ApprovalExpiredException.class);

    gate.audit().lastRequest().expired().notExecuted();
  }

  @Test
  void theHumanTheAgentActsForCannotApprove(TestGate gate) {
    gate.approver().member("alice", "sre-leads").approveAs("alice");

    gate.callAs(agent, () -> ops.pushConfig("prod", "limits: 10")).deniedWith(ApprovalExpiredException.class);

    VoteResult vote = gate.approver().voteResults().get(0);          // the gate's answer to alice's vote
    assertFalse(vote.counted());
    assertEquals(VoteResult.Refusal.ON_BEHALF_OF, vote.refusal());
    gate.audit().lastRequest().refusedVotesFrom("alice").expired();
  }
}
// end-readme-snippet

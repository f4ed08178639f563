package io.countersign.examples.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.ApprovalRequest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AgentDemoTest {

  @Test
  void deniedToolNeverRunsApprovedToolRunsAndTheSignedTrailVerifies() throws Exception {
    AgentDemo.Result result = AgentDemo.run(AgentDemo.offlineModel(),
        request -> !request.action().equals("Export customer data"));

    assertThat(result.executedTools()).containsExactly("changeIamRole bob admin");
    assertThat(result.requests()).extracting(ApprovalRequest::action)
        .containsExactly("Export customer data", "Change an IAM role");
    assertThat(result.trail().ok()).as(result.trail().summary()).isTrue();
    assertThat(result.trail().eventsChecked()).isGreaterThan(0);
  }

  @Test
  void agentReportsTheRefusalBackToTheUser() throws Exception {
    AgentDemo.Result result = AgentDemo.run(AgentDemo.offlineModel(),
        request -> !request.action().equals("Export customer data"));

    assertThat(result.answer())
        .contains("exportCustomerData: REFUSED: a human reviewer did not approve this action")
        .contains("changeIamRole: bob now has role admin")
        .doesNotContain("exported 1,204");
  }

  @Test
  @DisplayName("S02 the agent's request names the human it acts for, so reviewers see both")
  void requestShowsTheAgentAndTheHumanItActsFor() throws Exception {
    AgentDemo.Result result = AgentDemo.run(AgentDemo.offlineModel(), request -> false);

    assertThat(result.requests()).extracting(ApprovalRequest::actor)
        .containsOnly(Actor.agent("support-agent", "alice"));
    assertThat(result.requests()).extracting(ApprovalRequest::justification).containsOnly("customer ticket SUP-311");
    assertThat(result.executedTools()).isEmpty();
  }

  @Test
  void unguardedToolsRunWithoutAnyRequest() throws Exception {
    AgentDemo.Result result = AgentDemo.run(
        ScriptedChatModel.of(new ScriptedChatModel.ToolCall("orderStatus", "{\"orderId\":\"A-17\"}")), request -> false);

    assertThat(result.executedTools()).containsExactly("orderStatus A-17");
    assertThat(result.requests()).isEmpty();
    assertThat(result.answer()).contains("order A-17 shipped yesterday");
  }
}

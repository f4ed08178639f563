package io.countersign.examples.springai;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApprovalRequest;
import io.countersign.InMemoryApprover;
import io.countersign.Reviewer;
import io.countersign.VoteResult;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The Spring AI example, offline: the starter guards the {@code @Tool} methods Spring AI calls. */
class SpringAiAgentTest {

  ConfigurableApplicationContext context;

  @BeforeEach
  void start() {
    context = new SpringApplicationBuilder(SpringAiAgentApplication.class).web(WebApplicationType.NONE).run();
  }

  @AfterEach
  void stop() {
    context.close();
  }

  @Test
  @DisplayName("the scripted conversation: the export is denied (its reason reaches the model, the body never runs), the role change is approved and runs")
  void denyAndApprove() throws Exception {
    ByteArrayOutputStream transcript = new ByteArrayOutputStream();
    String[] answers = SpringAiAgentDemo.run(context, new PrintStream(transcript, true, StandardCharsets.UTF_8));

    assertThat(answers[0]).contains("no data-processing agreement covers this export").doesNotContain("exported 1,204");
    assertThat(answers[1]).isEqualTo("The tool answered: \"granted role billing-admin to dave\"");
    CustomerTools tools = context.getBean(CustomerTools.class);
    assertThat(AopUtils.isAopProxy(tools)).as("the starter proxies the @Tool bean").isTrue();
    assertThat(tools.performed()).containsExactly("grantRole dave billing-admin");
    assertThat(transcript.toString(StandardCharsets.UTF_8))
        .contains("approval requested: Export customer data by support-agent for alice");
    InMemoryAuditSink audit = context.getBean(InMemoryAuditSink.class);
    assertThat(audit.events()).filteredOn(e -> e.type() == EventType.EXECUTED).hasSize(1);
  }

  @Test
  @DisplayName("S02 alice cannot approve the tool call her agent makes for her; refused and recorded, the tool has not run")
  void userCannotApproveHerAgentsToolCall() throws Exception {
    SupportAgent agent = context.getBean(SupportAgent.class);
    InMemoryApprover approver = context.getBean(InMemoryApprover.class);
    CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
      try {
        return agent.ask("alice", "Please export all EU customers");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(30));

    VoteResult own = approver.approve(request.id(), Reviewer.of("alice", "data-protection"), "it is my own request");

    assertThat(own.refusal()).isEqualTo(VoteResult.Refusal.ON_BEHALF_OF);
    assertThat(context.getBean(InMemoryAuditSink.class).events(request.id()))
        .anySatisfy(e -> assertThat(e.type()).isEqualTo(EventType.VOTE));
    assertThat(context.getBean(CustomerTools.class).performed()).isEmpty();
    approver.deny(request.id(), Reviewer.of("bob", "data-protection"), "ends the test");
    assertThat(answer.get(30, TimeUnit.SECONDS)).contains("ends the test");
  }
}

package io.countersign.examples.springai;

import io.countersign.ApprovalRequest;
import io.countersign.InMemoryApprover;
import io.countersign.Reviewer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Runs the agent offline: alice asks for a customer export (data protection denies it) and for a
 * role change (security approves it); prints the agent's answers.
 */
public final class SpringAiAgentDemo {

  private SpringAiAgentDemo() {}

  public static void main(String[] args) throws Exception {
    try (ConfigurableApplicationContext context = SpringApplication.run(SpringAiAgentApplication.class, args)) {
      run(context, System.out);
    }
  }

  /** The scripted conversation; returns the agent's two answers. */
  static String[] run(ConfigurableApplicationContext context, PrintStream out) throws Exception {
    SupportAgent agent = context.getBean(SupportAgent.class);
    InMemoryApprover approver = context.getBean(InMemoryApprover.class);
    String export = answer(agent, approver, "Please export all EU customers", request ->
        approver.deny(request.id(), Reviewer.of("bob", "data-protection"), "no data-processing agreement covers this export"), out);
    String role = answer(agent, approver, "Give dave the billing-admin role", request ->
        approver.approve(request.id(), Reviewer.of("carol", "security"), "ticket SEC-31"), out);
    return new String[] {export, role};
  }

  private static String answer(SupportAgent agent, InMemoryApprover approver, String question,
      java.util.function.Consumer<ApprovalRequest> reviewer, PrintStream out) throws Exception {
    out.println("alice: " + question);
    CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
      try {
        return agent.ask("alice", question);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(30));
    out.println("  approval requested: " + request.action() + " by " + request.actor().id() + " for " + request.actor().onBehalfOf());
    reviewer.accept(request);
    String text = answer.get(30, TimeUnit.SECONDS);
    out.println("agent: " + text);
    return text;
  }
}

package io.countersign.examples.agent;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.tool.ToolErrorHandlerResult;
import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.Countersign;
import io.countersign.InMemoryApprover;
import io.countersign.Reviewer;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.log.VerificationResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * Runs a support agent that asks for a data export (a human denies it) and an IAM role change (a
 * human approves it), then prints the agent's answer, the tool bodies that ran and the audit check.
 *
 * <p>{@code mvn -q -pl agent-example exec:java} runs offline with {@link ScriptedChatModel}; with
 * {@code OPENAI_API_KEY} set, a real model chooses the tools instead.
 */
public final class AgentDemo {

  /** The user's request that makes the agent reach for both privileged tools. */
  public static final String USER_MESSAGE =
      "Please export all EU customer data for me, and make bob an admin in IAM.";

  /** What one run produced. */
  public record Result(String answer, List<String> executedTools, List<ApprovalRequest> requests,
      VerificationResult trail) {}

  private AgentDemo() {}

  public static void main(String[] args) throws Exception {
    String apiKey = System.getenv("OPENAI_API_KEY");
    ChatModel model = apiKey == null || apiKey.isBlank()
        ? offlineModel()
        : OpenAiChatModel.builder().apiKey(apiKey).modelName("gpt-4o-mini").build();
    // the demo's reviewers: data protection says no to exports, security approves role changes
    Result result = run(model, request -> !request.action().equals("Export customer data"));
    System.out.println("agent> " + result.answer());
    System.out.println("tool bodies that ran: " + result.executedTools());
    System.out.println("audit trail: " + result.trail().summary());
  }

  /** The scripted, offline model: asks for the export, then the role change, then reports. */
  public static ScriptedChatModel offlineModel() {
    return ScriptedChatModel.of(
        new ScriptedChatModel.ToolCall("exportCustomerData", "{\"region\":\"EU\"}"),
        new ScriptedChatModel.ToolCall("changeIamRole", "{\"user\":\"bob\",\"role\":\"admin\"}"));
  }

  /**
   * Runs the agent once as {@code support-agent} acting for {@code alice}, with a reviewer thread
   * that approves the requests {@code approve} accepts and denies the others.
   */
  public static Result run(ChatModel model, Predicate<ApprovalRequest> approve) throws Exception {
    InMemoryApprover approver = new InMemoryApprover();
    InMemoryAuditSink sink = new InMemoryAuditSink();
    Ed25519Signer signer = Ed25519Signer.generate("agent-demo-key");
    ApprovalGate gate = ApprovalGate.builder()
        .approver(approver).auditSink(sink).signer(signer)
        .checkGuarded(SupportTools.class)
        .build();
    Countersign.install(gate);
    AtomicBoolean done = new AtomicBoolean();
    List<ApprovalRequest> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread reviewers = new Thread(() -> review(approver, approve, seen, done), "reviewers");
    reviewers.setDaemon(true);
    reviewers.start();
    SupportTools tools = new SupportTools();
    String answer;
    try {
      SupportAgent agent = agent(model, tools);
      // snippet: agent-run
      answer = ActorContext.runAs(Actor.agent("support-agent", "alice"), "customer ticket SUP-311",
          () -> agent.chat(USER_MESSAGE));
      // end-snippet
    } finally {
      done.set(true);
      reviewers.interrupt();
      Countersign.uninstall();
      gate.close(); // closes the audit trail too, so the verifier sees a complete log
    }
    return new Result(answer, tools.executed(), List.copyOf(seen),
        AuditVerifier.verify(sink.events(), signer.verificationKey()));
  }

  // snippet: agent-wiring
  /** Builds the agent: the tools object is the woven one, and a refusal goes back to the model as the tool's result. */
  static SupportAgent agent(ChatModel model, SupportTools tools) {
    return AiServices.builder(SupportAgent.class)
        .chatModel(model)
        .tools(tools)
        .toolExecutionErrorHandler((error, context) -> {
          ApprovalDeniedException denied = deniedCause(error);
          return ToolErrorHandlerResult.text(denied != null
              ? "REFUSED: a human reviewer did not approve this action (" + denied.getMessage() + ")"
              : "the tool failed: " + error.getClass().getSimpleName());
        })
        .build();
  }
  // end-snippet

  private static ApprovalDeniedException deniedCause(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ApprovalDeniedException d) {
        return d;
      }
    }
    return null;
  }

  private static void review(InMemoryApprover approver, Predicate<ApprovalRequest> approve,
      List<ApprovalRequest> seen, AtomicBoolean done) {
    while (!done.get()) {
      ApprovalRequest request;
      try {
        request = approver.awaitRequest(Duration.ofMinutes(5));
      } catch (InterruptedException e) {
        return;
      } catch (IllegalStateException noneYet) {
        continue;
      }
      seen.add(request);
      Reviewer reviewer = request.action().equals("Export customer data")
          ? Reviewer.of("dpo", "data-protection") : Reviewer.of("sec-lead", "security");
      if (approve.test(request)) {
        approver.approve(request.id(), reviewer, "ticket SUP-311 checked");
      } else {
        approver.deny(request.id(), reviewer, "bulk exports need a DPIA first");
      }
    }
  }
}

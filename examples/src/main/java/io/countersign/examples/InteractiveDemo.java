package io.countersign.examples;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalGate;
import io.countersign.CompositeApprover;
import io.countersign.Countersign;
import io.countersign.Reviewer;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.http.ApprovalWebServer;
import io.countersign.http.BearerTokenAuthenticator;
import io.countersign.http.ReviewerPage;
import io.countersign.http.WebApprover;
import io.countersign.slack.SlackDemoWiring;
import io.countersign.slack.SlackInteractionServer;
import io.countersign.spi.Approver;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * The interactive demo: the agent asks to restart a production database and a person decides, in
 * the reviewer web page on 127.0.0.1 (always) and in Slack (when the Slack environment variables of
 * {@link SlackDemoWiring} are set). The call blocks until then (at most 15 minutes).
 *
 * <p>Run it with {@code ./demo.sh --interactive}. The page prints its address and a one-time
 * reviewer token for "bob" (group sre-leads). Sign in as bob, open the request, approve or deny.
 */
public final class InteractiveDemo {

  static final Actor AGENT = Actor.agent("ops-agent", "alice");
  static final Reviewer BOB = Reviewer.of("bob", "sre-leads");

  private InteractiveDemo() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    Optional<SlackDemoWiring> slack = SlackDemoWiring.fromEnvironment(System.getenv());
    WebApprover web = new WebApprover();
    Approver approver = slack.<Approver>map(s -> CompositeApprover.of(s.approver(), web)).orElse(web);
    InMemoryAuditSink audit = new InMemoryAuditSink();
    Ed25519Signer signer = Ed25519Signer.generate("demo-key");
    ApprovalGate gate = ApprovalGate.builder().approver(approver).auditSink(audit).signer(signer)
        .checkGuarded(Operations.class).build();
    Countersign.install(gate);
    String token = BearerTokenAuthenticator.newToken();
    BearerTokenAuthenticator reviewers = BearerTokenAuthenticator.builder().token(token, BOB).build();
    int port = Integer.getInteger("countersign.demo.port", 8080);
    SlackInteractionServer slackServer = slack.isPresent() ? slack.get().startServer() : null;
    try (ApprovalWebServer page = ReviewerPage.start(web, port, reviewers)) {
      out.println("Countersign interactive demo");
      out.println("  reviewer page  " + page.reviewUri());
      out.println("  sign in as bob (sre-leads) with token  " + token);
      out.println(slack.isPresent()
          ? "  Slack          requests also go to the configured channel; interactions on port " + slack.get().port()
          : "  Slack          off (set " + SlackDemoWiring.BOT_TOKEN + ", " + SlackDemoWiring.SIGNING_SECRET + " and "
              + SlackDemoWiring.CHANNEL + " to enable)");
      out.println();
      out.println("ops-agent (for alice) asks to restart the production database; waiting for your decision...");
      Operations ops = new Operations();
      try {
        ActorContext.runAs(AGENT, "ticket OPS-104: connection pool exhausted", () -> {
          ops.restartDatabase("db-prod-1", "connection pool exhausted");
          return null;
        });
        out.println("APPROVED and executed: " + ops.performed());
      } catch (ApprovalDeniedException denied) {
        out.println(denied.state() + ": " + denied.getMessage());
      }
      List<AuditEvent> events = audit.events();
      out.println();
      new TrailPrinter(out).print(events);
      out.println(AuditVerifier.verify(events, signer.verificationKey()).summary());
    } finally {
      Countersign.uninstall();
      gate.close();
      if (slackServer != null) {
        slackServer.close();
      }
    }
  }
}

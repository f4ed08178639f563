package io.countersign.slack.testing;

import static org.awaitility.Awaitility.await;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequirement;
import io.countersign.CallContext;
import io.countersign.Invocation;
import io.countersign.ManualTimeSource;
import io.countersign.RequiresApproval;
import io.countersign.Reviewer;
import io.countersign.Sensitive;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.slack.ReviewerDirectory;
import io.countersign.slack.SlackApprover;
import io.countersign.slack.SlackInteractionServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The whole Slack path wired for real: a fake Slack on 127.0.0.1, the real Slack SDK pointed at it,
 * a real {@link ApprovalGate} with an in-memory audit sink, Ed25519 signatures and a manual clock,
 * the {@link SlackApprover} and its interaction endpoint on the JDK server, and a sender of signed
 * callbacks. Guarded calls are made through {@code gate.guard} inside {@code ActorContext.runAs} on
 * a caller thread.
 */
public final class SlackHarness implements AutoCloseable {

  public static final String BOT_TOKEN = "xoxb-1111-2222-TOPSECRETBOTTOKEN";
  public static final String SIGNING_SECRET = "5ec7e75ign1ngSECRETdonotlog0042";
  public static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  public static final String U_BOB = "U0BOB";
  public static final String U_CAROL = "U0CAROL";
  public static final String U_ALICE = "U0ALICE";
  public static final String U_DAVE = "U0DAVE";
  public static final String U_ERIN = "U0ERIN";
  public static final String U_MALLORY = "U0MALLORY";
  public static final String U_DIANA = "U0DIANA"; // emergency stop controller
  public static final String U_ERIC = "U0ERIC"; // emergency stop controller
  /** Where the slash commands are served. */
  public static final String COMMANDS_PATH = "/slack/commands";
  /** Who may halt and approve a resume in {@link #withEmergencyStop}: the incident commanders, one approval, reason required. */
  public static final ApprovalRequirement CONTROLLERS = ApprovalRequirement.of(Set.of(), Set.of("incident-commanders"), 1,
      Duration.ofMinutes(30), true);

  /** An agent acting for alice (who is, on purpose, in the eligible group). */
  public static final Actor AGENT = Actor.agent("ops-agent", "alice");
  /** A human requester in the eligible group. */
  public static final Actor DAVE = Actor.human("dave");

  /** The guarded operations. */
  public static class Ops {
    public final AtomicInteger runs = new AtomicInteger();

    @RequiresApproval(approvers = "group:sre-leads", timeout = "PT10M", action = "Restart cluster")
    public String restart(String cluster, @Sensitive String adminPassword) {
      runs.incrementAndGet();
      return "restarted " + cluster;
    }

    @RequiresApproval(approvers = "group:sre-leads", quorum = 2, timeout = "PT10M", action = "Drop table")
    public String dropTable(String table) {
      runs.incrementAndGet();
      return "dropped " + table;
    }

    @RequiresApproval(approvers = "group:sre-leads", timeout = "PT10M", action = "Rotate keys", reasonRequired = true)
    public String rotate(String keyId) {
      runs.incrementAndGet();
      return "rotated " + keyId;
    }
  }

  public final FakeSlack slack = new FakeSlack();
  public final ManualTimeSource time = new ManualTimeSource(START);
  public final MutableClock clock = new MutableClock(START);
  public final InMemoryAuditSink audit = new InMemoryAuditSink();
  public final Ed25519Signer signer = Ed25519Signer.generate("slack-test-key");
  public final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  public final Ops ops = new Ops();
  public final Slack sdk;
  public final SlackApprover approver;
  public final ApprovalGate gate;
  public final SlackInteractionServer server;
  public final SlackCallbacks callbacks;
  /** Sends signed slash commands to {@link #COMMANDS_PATH}. */
  public final SlackCallbacks commands;
  private final ExecutorService callers = Executors.newCachedThreadPool();

  private SlackHarness(Consumer<SlackApprover.Builder> customize, boolean slackReachable, boolean directExecutor) {
    this(customize, slackReachable, directExecutor, null);
  }

  private SlackHarness(Consumer<SlackApprover.Builder> customize, boolean slackReachable, boolean directExecutor,
      ApprovalRequirement controllers) {
    SlackConfig config = new SlackConfig();
    config.setMethodsEndpointUrlPrefix(slackReachable ? slack.methodsUrlPrefix() : "http://127.0.0.1:" + freePort() + "/api/");
    config.setStatsEnabled(false);
    sdk = Slack.getInstance(config);
    SlackApprover.Builder b = SlackApprover.builder()
        .botToken(BOT_TOKEN)
        .signingSecret(SIGNING_SECRET)
        .channel(FakeSlack.CHANNEL)
        .slack(sdk)
        .clock(clock)
        .sleeper(sleeps::add)
        .responseUrlPrefix(slack.responseUrlPrefix())
        .reviewerDirectory(ReviewerDirectory.explicit(Map.of(
            U_BOB, Reviewer.of("bob", "sre-leads"),
            U_CAROL, Reviewer.of("carol", "sre-leads"),
            U_ALICE, Reviewer.of("alice", "sre-leads"),
            U_DAVE, Reviewer.of("dave", "sre-leads"),
            U_ERIN, Reviewer.of("erin", "finance"),
            U_DIANA, Reviewer.of("diana", "incident-commanders"),
            U_ERIC, Reviewer.of("eric", "incident-commanders"))));
    if (directExecutor) {
      b.executor(Runnable::run); // work after the ack runs before the HTTP answer: deterministic tests
    }
    customize.accept(b);
    approver = b.build();
    ApprovalGate.Builder gb = ApprovalGate.builder()
        .approver(approver)
        .auditSink(audit)
        .signer(signer)
        .timeSource(time)
        .checkGuarded(Ops.class);
    if (controllers != null) {
      gb.emergencyStop(controllers);
    }
    gate = gb.build();
    try {
      server = SlackInteractionServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Map.of(
          "/slack/interactions", approver.interactionHandler(),
          COMMANDS_PATH, approver.commandHandler(gate)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    callbacks = new SlackCallbacks(SIGNING_SECRET, server.uri(), clock);
    commands = new SlackCallbacks(SIGNING_SECRET, server.uri(COMMANDS_PATH), clock);
  }

  public static SlackHarness start() {
    return new SlackHarness(b -> {}, true, true);
  }

  /** The gate has an emergency stop ({@link #CONTROLLERS}); the slash commands are served at {@link #COMMANDS_PATH}. */
  public static SlackHarness withEmergencyStop() {
    return new SlackHarness(b -> {}, true, true, CONTROLLERS);
  }

  /** Sends {@code command text} as {@code slackUser}, signed now, as Slack sends slash commands. */
  public HttpResponse<String> command(String slackUser, String command, String text) {
    return commands.send(SlackCallbacks.slashCommand(slackUser, command, text, slack.responseUrl(slackUser + "-command")));
  }

  /** The approver processes clicks and updates on its own threads, as in production. */
  public static SlackHarness startWithOwnThreads() {
    return new SlackHarness(b -> {}, true, false);
  }

  public static SlackHarness start(Consumer<SlackApprover.Builder> customize) {
    return new SlackHarness(customize, true, true);
  }

  /** Slack's API address points at a port where nothing listens. */
  public static SlackHarness withSlackUnreachable(Consumer<SlackApprover.Builder> customize) {
    return new SlackHarness(customize, false, true);
  }

  /** Calls {@code Ops#method(args)} through the gate as {@code actor}, on a caller thread. */
  public CompletableFuture<Object> call(Actor actor, String method, Object... args) {
    Method m = Arrays.stream(Ops.class.getMethods()).filter(x -> x.getName().equals(method)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no Ops method " + method));
    CompletableFuture<Object> result = new CompletableFuture<>();
    callers.execute(() -> {
      try {
        result.complete(ActorContext.runAs(new CallContext(actor, "ticket OPS-42: cluster is wedged", "trace-7"),
            () -> {
              try {
                return gate.guard(Invocation.of(m, ops, args), () -> m.invoke(ops, args));
              } catch (Throwable t) {
                throw t instanceof InvocationTargetException ite ? new RuntimeException(ite.getCause()) : asException(t);
              }
            }));
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    return result;
  }

  /** Waits until the {@code n}-th request message is posted, and returns its request id. */
  public String awaitPosted(int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> slack.posted().size() >= n);
    return slack.posted().get(n - 1).requestId();
  }

  /** Clicks a button of the request's message as {@code slackUser}, signed now. */
  public HttpResponse<String> click(String slackUser, String actionId, String requestId) {
    FakeSlack.Posted p = slack.posted(requestId);
    return callbacks.send(SlackCallbacks.blockAction(slackUser, actionId, requestId, p.channel(), p.ts(),
        slack.responseUrl(slackUser + "-" + actionId)));
  }

  public HttpResponse<String> approve(String slackUser, String requestId) {
    return click(slackUser, "countersign.approve", requestId);
  }

  public HttpResponse<String> deny(String slackUser, String requestId) {
    return click(slackUser, "countersign.deny", requestId);
  }

  /** Submits the reason dialog as {@code slackUser}. */
  public HttpResponse<String> submitReason(String slackUser, String requestId, String decision, String reason) {
    return callbacks.send(SlackCallbacks.reasonSubmission(slackUser, requestId, decision, reason));
  }

  /** Audit events of one type for a request. */
  public List<AuditEvent> events(String requestId, EventType type) {
    return audit.events(requestId).stream().filter(e -> e.type().equals(type)).toList();
  }

  /** Audit events of one type, all requests. */
  public List<AuditEvent> events(EventType type) {
    return audit.events().stream().filter(e -> e.type().equals(type)).toList();
  }

  /** The last ephemeral reply's text. */
  public String lastEphemeral() {
    List<com.fasterxml.jackson.databind.JsonNode> r = slack.responses();
    if (r.isEmpty()) {
      throw new AssertionError("no ephemeral reply was sent");
    }
    com.fasterxml.jackson.databind.JsonNode last = r.get(r.size() - 1);
    if (!"ephemeral".equals(last.path("response_type").asText()) || last.path("replace_original").asBoolean(true)) {
      throw new AssertionError("the reply is not a pure ephemeral message: " + last);
    }
    return last.path("text").asText();
  }

  @Override
  public void close() {
    try {
      gate.close();
    } finally {
      server.close();
      approver.close();
      callers.shutdownNow();
      slack.close();
      try {
        sdk.close();
      } catch (Exception ignored) {
        // test cleanup
      }
    }
    if (!AuditVerifier.verify(audit.events(), signer.verificationKey()).ok()) {
      throw new AssertionError("the audit trail does not verify");
    }
  }

  private static Exception asException(Throwable t) {
    if (t instanceof Exception e) {
      return e;
    }
    throw (Error) t;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

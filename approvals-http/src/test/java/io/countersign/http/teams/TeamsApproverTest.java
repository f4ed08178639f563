package io.countersign.http.teams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.countersign.Actor;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalRequirement;
import io.countersign.ApprovalUnavailableException;
import io.countersign.Argument;
import io.countersign.CompositeApprover;
import io.countersign.PolicyRef;
import io.countersign.audit.EventType;
import io.countersign.http.GateHarness;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The Teams notifier against a local fake webhook: card content, bounded retry, fail closed. */
class TeamsApproverTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final URI PAGE = URI.create("https://approvals.example.com/review/");

  /** A fake Teams webhook answering a scripted sequence of statuses (then 202) and recording each body. */
  private static final class FakeWebhook implements AutoCloseable {
    final HttpServer server;
    final Queue<int[]> script = new ConcurrentLinkedQueue<>(); // {status, retryAfterSeconds or -1}
    final List<String> bodies = new CopyOnWriteArrayList<>();

    FakeWebhook() throws Exception {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/workflows/hook", ex -> {
        bodies.add(new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        int[] next = script.poll();
        int status = next == null ? 202 : next[0];
        if (next != null && next[1] >= 0) {
          ex.getResponseHeaders().set("Retry-After", String.valueOf(next[1]));
        }
        ex.sendResponseHeaders(status, -1);
        ex.close();
      });
      server.start();
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/workflows/hook?sig=SECRET");
    }

    void answer(int status, int retryAfter) {
      script.add(new int[] {status, retryAfter});
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  private FakeWebhook hook;
  private final List<Duration> waits = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    hook = new FakeWebhook();
  }

  @AfterEach
  void stop() {
    hook.close();
  }

  private TeamsApprover teams(URI webhook) {
    return TeamsApprover.builder().webhook(webhook).reviewerPage(PAGE).sleeper(waits::add)
        .backoff(Duration.ofSeconds(1), Duration.ofSeconds(10)).build();
  }

  private static ApprovalRequest request(String justification) {
    return new ApprovalRequest("req-42", "Deploy to production", "Deployments#deploy", Actor.agent("ops-agent-7", "dave"),
        justification, null, List.of(new Argument("token", "String", Argument.REDACTED, true),
            new Argument("env", "String", "\"prod-secret-cluster\"", false)),
        "ab".repeat(32), ApprovalRequirement.of(new String[] {"group:sre-leads"}, 1, Duration.ofMinutes(15), false),
        new PolicyRef("annotation", "1", "cd".repeat(32), null), Instant.parse("2026-01-01T00:00:00Z"),
        Instant.parse("2026-01-01T00:15:00Z"));
  }

  @Test
  void postsAnAdaptiveCardWithTheSummaryAndALinkToTheDetailPage() throws Exception {
    teams(hook.uri()).request(request("ticket OPS-42"), v -> null);

    assertThat(hook.bodies).hasSize(1);
    JsonNode message = JSON.readTree(hook.bodies.get(0));
    assertThat(message.get("type").asText()).isEqualTo("message");
    JsonNode attachment = message.get("attachments").get(0);
    assertThat(attachment.get("contentType").asText()).isEqualTo("application/vnd.microsoft.card.adaptive");
    JsonNode card = attachment.get("content");
    assertThat(card.get("type").asText()).isEqualTo("AdaptiveCard");
    assertThat(card.get("version").asText()).isEqualTo("1.4");
    assertThat(card.get("body").get(0).get("text").asText()).isEqualTo("Approval needed: Deploy to production");
    JsonNode facts = card.get("body").get(1).get("facts");
    assertThat(facts.findValuesAsText("title")).containsExactly("Requested by", "On behalf of", "Justification", "Approvers",
        "Decide by", "Request id");
    assertThat(facts.findValuesAsText("value")).containsExactly("ops-agent-7 (agent)", "dave", "ticket OPS-42",
        "1 of group:sre-leads", "2026-01-01 00:15 UTC", "req-42");
    JsonNode open = card.get("actions").get(0);
    assertThat(open.get("type").asText()).isEqualTo("Action.OpenUrl");
    assertThat(open.get("url").asText()).isEqualTo("https://approvals.example.com/review/requests/req-42");
    assertThat(hook.bodies.get(0)).as("argument values stay on the authenticated page").doesNotContain("prod-secret-cluster");
    assertThat(waits).isEmpty();
  }

  @Test
  void markdownInRequestDataIsShownAsTextNotAsALink() throws Exception {
    teams(hook.uri()).request(request("[click me](https://evil.example) **now**"), v -> null);

    String justification = JSON.readTree(hook.bodies.get(0)).at("/attachments/0/content/body/1/facts/2/value").asText();
    assertThat(justification).isEqualTo("\\[click me\\](https://evil.example) \\*\\*now\\*\\*");
  }

  @Test
  @DisplayName("S21 a rate-limited webhook (429 Retry-After) is retried after the advised wait")
  void rateLimitedWebhookIsRetriedAfterRetryAfter() throws Exception {
    hook.answer(429, 7);

    teams(hook.uri()).request(request("t"), v -> null);

    assertThat(hook.bodies).hasSize(2);
    assertThat(waits).containsExactly(Duration.ofSeconds(7));
  }

  @Test
  @DisplayName("S21 Retry-After beyond the cap waits only the cap")
  void retryAfterIsCapped() throws Exception {
    hook.answer(429, 3600);

    teams(hook.uri()).request(request("t"), v -> null);

    assertThat(waits).containsExactly(Duration.ofSeconds(10));
  }

  @Test
  void serverErrorsAreRetriedWithExponentialBackoff() throws Exception {
    hook.answer(500, -1);
    hook.answer(503, -1);

    teams(hook.uri()).request(request("t"), v -> null);

    assertThat(hook.bodies).hasSize(3);
    assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
  }

  @Test
  void aClientErrorIsNotRetried() {
    hook.answer(400, -1);

    assertThatThrownBy(() -> teams(hook.uri()).request(request("t"), v -> null))
        .isInstanceOf(TeamsDeliveryException.class)
        .hasMessageContaining("HTTP 400").hasMessageNotContaining("SECRET");
    assertThat(hook.bodies).hasSize(1);
  }

  @Test
  @DisplayName("S22 a webhook failing on every attempt throws after the bounded retries, never leaking the URL")
  void persistentFailureThrowsAfterMaxAttempts() {
    for (int i = 0; i < 3; i++) {
      hook.answer(502, -1);
    }

    assertThatThrownBy(() -> teams(hook.uri()).request(request("t"), v -> null))
        .isInstanceOf(TeamsDeliveryException.class)
        .hasMessage("the Teams card for request req-42 was not delivered after 3 attempts (last HTTP 502)")
        .satisfies(e -> assertThat(((TeamsDeliveryException) e).lastStatus()).isEqualTo(502));
    assertThat(hook.bodies).hasSize(3);
    assertThat(waits).hasSize(2);
  }

  @Test
  @DisplayName("S22 an unreachable webhook is retried within bounds, then fails")
  void unreachableWebhookFails() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    TeamsApprover teams = teams(URI.create("http://127.0.0.1:" + closedPort + "/hook"));

    assertThatThrownBy(() -> teams.request(request("t"), v -> null))
        .isInstanceOf(TeamsDeliveryException.class).hasMessageContaining("last error: no answer");
    assertThat(waits).hasSize(2);
  }

  @Test
  @DisplayName("S22 Teams as the only channel and down: the gate denies, records DELIVERY_FAILED, the method never runs")
  void gateDeniesWhenTheOnlyChannelFails() throws Exception {
    for (int i = 0; i < 3; i++) {
      hook.answer(500, -1);
    }
    try (GateHarness h = new GateHarness(web -> teams(hook.uri()), null)) {
      var result = h.start(Actor.agent("ops-agent-7", "dave"), "t", "deploy", "prod", "n");

      assertThat(result).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(ApprovalUnavailableException.class);
      assertThat(h.audit.events().stream().map(e -> e.type())).contains(EventType.DELIVERY_FAILED);
      assertThat(h.target.ran).isEmpty();
      assertThat(h.auditVerifies()).isTrue();
    }
  }

  @Test
  void withTheWebPageAlsoDeliveredAFailingTeamsChannelIsTolerated() throws Exception {
    for (int i = 0; i < 3; i++) {
      hook.answer(500, -1);
    }
    try (GateHarness h = new GateHarness(web -> CompositeApprover.of(web, teams(hook.uri())), null)) {
      GateHarness.Call call = h.call(Actor.agent("ops-agent-7", "dave"), "t", "deploy", "prod", "n");

      assertThat(h.vote(call.requestId(), GateHarness.BOB, "{\"decision\":\"APPROVE\"}").statusCode()).isEqualTo(200);
      assertThat(call.result().get(10, TimeUnit.SECONDS)).isEqualTo("deployed prod");
      assertThat(h.audit.events().stream().map(e -> e.type())).doesNotContain(EventType.DELIVERY_FAILED);
    }
  }

  @Test
  void builderRefusesBadSettingsNamingThem() {
    assertThatThrownBy(() -> TeamsApprover.builder().webhook(URI.create("ftp://x/y")))
        .hasMessage("webhook must be an absolute http(s) URL but its scheme was ftp");
    assertThatThrownBy(() -> TeamsApprover.builder().maxAttempts(0)).hasMessage("maxAttempts must be from 1 to 10 but was 0");
    assertThatThrownBy(() -> TeamsApprover.builder().webhook(hook.uri()).build())
        .hasMessageStartingWith("reviewerPage is required");
    assertThatThrownBy(() -> TeamsApprover.builder().webhook(hook.uri()).webhook(hook.uri()))
        .hasMessage("webhook was already set to <hidden>");
  }
}

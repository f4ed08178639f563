package io.countersign.slack;

import static io.countersign.slack.testing.SlackHarness.AGENT;
import static io.countersign.slack.testing.SlackHarness.U_BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.countersign.ApprovalUnavailableException;
import io.countersign.RequestState;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.slack.testing.SlackHarness;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Posting and updating under rate limits and outages: bounded retries, then fail closed. */
class SlackDeliveryTest {

  @Test
  @DisplayName("S21 chat.postMessage answered 429 twice is retried after Retry-After and then delivered")
  void rateLimitedPostIsRetriedAfterRetryAfter() throws Exception {
    try (SlackHarness h = SlackHarness.start()) {
      h.slack.rateLimit("chat.postMessage", 2, 3);

      CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");
      String id = h.awaitPosted(1);

      assertThat(h.slack.calls("chat.postMessage")).hasSize(3);
      assertThat(h.sleeps).containsExactly(Duration.ofSeconds(3), Duration.ofSeconds(3));
      assertThat(h.events(id, EventType.DELIVERY_FAILED)).isEmpty();
      h.approve(U_BOB, id);
      assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("restarted prod-eu");
    }
  }

  @Test
  @DisplayName("S21 S22 a post still rate limited after the attempts allowed denies the call and records DELIVERY_FAILED")
  void postRateLimitedBeyondTheAttemptsFailsClosed() {
    try (SlackHarness h = SlackHarness.start(b -> b.maxAttempts(3))) {
      h.slack.rateLimit("chat.postMessage", 10, 1);

      CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");

      assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(ApprovalUnavailableException.class);
      assertThat(h.slack.calls("chat.postMessage")).hasSize(3);
      assertThat(h.sleeps).hasSize(2);
      assertDeliveryFailedAndDenied(h, SlackDeliveryException.class.getName());
    }
  }

  @Test
  @DisplayName("S21 a Retry-After longer than the retry budget fails at once instead of blocking the caller")
  void retryAfterBeyondTheBudgetFailsAtOnce() {
    try (SlackHarness h = SlackHarness.start(b -> b.maxRetryWait(Duration.ofSeconds(10)))) {
      h.slack.rateLimit("chat.postMessage", 1, 120);

      CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");

      assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(ApprovalUnavailableException.class);
      assertThat(h.sleeps).isEmpty();
      assertThat(h.slack.calls("chat.postMessage")).hasSize(1);
      assertDeliveryFailedAndDenied(h, SlackDeliveryException.class.getName());
    }
  }

  @Test
  @DisplayName("S22 Slack unreachable: the call is denied, DELIVERY_FAILED recorded, the body never runs")
  void unreachableSlackFailsClosed() {
    try (SlackHarness h = SlackHarness.withSlackUnreachable(b -> b.maxAttempts(2))) {
      CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");

      assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ApprovalUnavailableException.class)
          .hasMessageContaining("could not be delivered");
      assertThat(h.sleeps).as("one bounded retry after the connection was refused").containsExactly(Duration.ofSeconds(1));
      assertDeliveryFailedAndDenied(h, SlackDeliveryException.class.getName());
      assertThat(h.ops.runs).hasValue(0);
    }
  }

  @Test
  @DisplayName("S22 Slack refusing the message (channel_not_found) denies the call without retrying")
  void slackErrorFailsClosedWithoutRetry() {
    try (SlackHarness h = SlackHarness.start()) {
      h.slack.failWith("chat.postMessage", "channel_not_found");

      CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");

      assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(ApprovalUnavailableException.class);
      assertThat(h.slack.calls("chat.postMessage")).hasSize(1);
      assertThat(h.sleeps).isEmpty();
      assertDeliveryFailedAndDenied(h, SlackDeliveryException.class.getName());
    }
  }

  @Test
  void deliveryExceptionNamesMethodChannelAndSlackError() throws Exception {
    try (SlackHarness h = SlackHarness.start()) {
      h.slack.failWith("chat.postMessage", "not_in_channel");
      SlackDeliveryException e = captureDeliveryFailure(h);

      assertThat(e.slackMethod()).isEqualTo("chat.postMessage");
      assertThat(e.slackError()).isEqualTo("not_in_channel");
      assertThat(e.getMessage()).isEqualTo("chat.postMessage to C0APPROVALS failed: Slack answered 'not_in_channel'");
    }
  }

  @Test
  @DisplayName("S21 a rate-limited chat.update is retried; the decision never waits for it")
  void rateLimitedUpdateIsRetried() throws Exception {
    try (SlackHarness h = SlackHarness.start()) {
      CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");
      String id = h.awaitPosted(1);
      h.slack.rateLimit("chat.update", 1, 2);

      h.approve(U_BOB, id);

      assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("restarted prod-eu");
      assertThat(h.slack.calls("chat.update")).hasSize(2);
      assertThat(h.sleeps).containsExactly(Duration.ofSeconds(2));
      assertThat(h.slack.last("chat.update").visibleText("blocks")).contains("*Outcome: Approved*");
    }
  }

  @Test
  void withItsOwnThreadsTheApproverAcknowledgesClicksAndVotesInTheBackground() throws Exception {
    try (SlackHarness h = SlackHarness.startWithOwnThreads()) {
      CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");
      String id = h.awaitPosted(1);

      assertThat(h.approve(U_BOB, id).statusCode()).isEqualTo(200);

      assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("restarted prod-eu");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(h.slack.last("chat.update").visibleText("blocks")).contains("*Outcome: Approved*"));
    }
  }

  private static SlackDeliveryException captureDeliveryFailure(SlackHarness h) throws Exception {
    io.countersign.ApprovalRequest request = new io.countersign.ApprovalRequest("r-1", "Restart cluster", "Ops#restart",
        AGENT, null, null, List.of(), "00", io.countersign.ApprovalRequirement.of(new String[] {"group:sre-leads"}, 1,
        Duration.ofMinutes(1), false), new io.countersign.PolicyRef("annotation", "1", "d", null), h.time.now(),
        h.time.now().plusSeconds(60));
    try {
      h.approver.request(request, vote -> {
        throw new AssertionError("no vote expected");
      });
    } catch (SlackDeliveryException e) {
      return e;
    }
    throw new AssertionError("request() did not fail");
  }

  private static void assertDeliveryFailedAndDenied(SlackHarness h, String error) {
    List<AuditEvent> failed = h.events(EventType.DELIVERY_FAILED);
    assertThat(failed).hasSize(1);
    assertThat(failed.get(0).text("error")).isEqualTo(error);
    String id = failed.get(0).requestId();
    assertThat(h.gate.status(id).orElseThrow().state()).isEqualTo(RequestState.FAILED);
    assertThat(h.events(id, EventType.EXECUTED)).isEmpty();
    assertThat(h.ops.runs).hasValue(0);
  }
}

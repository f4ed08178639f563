package io.countersign.slack;

import static io.countersign.slack.testing.SlackHarness.AGENT;
import static io.countersign.slack.testing.SlackHarness.BOT_TOKEN;
import static io.countersign.slack.testing.SlackHarness.SIGNING_SECRET;
import static io.countersign.slack.testing.SlackHarness.U_BOB;
import static io.countersign.slack.testing.SlackHarness.U_CAROL;
import static io.countersign.slack.testing.SlackHarness.U_MALLORY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.countersign.slack.testing.FakeSlack;
import io.countersign.slack.testing.SlackCallbacks;
import io.countersign.slack.testing.SlackHarness;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Captures every log event, at TRACE, from this module, the gate and the Slack SDK while requests
 * are delivered, approved, denied, rate limited, refused and failed, and proves that neither the
 * bot token nor the signing secret appears in any message, argument or stack trace.
 */
class SecretsNeverLoggedTest {

  final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  Level previous;
  ch.qos.logback.core.Appender<ILoggingEvent> console;

  @BeforeEach
  void capture() {
    previous = root.getLevel();
    console = root.getAppender("CONSOLE");
    if (console != null) {
      root.detachAppender(console); // keep TRACE out of the build output
    }
    root.setLevel(Level.TRACE);
    captured.start();
    root.addAppender(captured);
  }

  @AfterEach
  void restore() {
    root.detachAppender(captured);
    root.setLevel(previous);
    if (console != null) {
      root.addAppender(console);
    }
  }

  @Test
  void neitherBotTokenNorSigningSecretAppearsInAnyLogOutput() throws Exception {
    try (SlackHarness h = SlackHarness.start()) {
      h.slack.rateLimit("chat.postMessage", 1, 1);
      CompletableFuture<Object> approved = h.call(AGENT, "restart", "prod-eu", "pw");
      String a = h.awaitPosted(1);
      h.approve(U_MALLORY, a);
      h.callbacks.send(SlackCallbacks.blockAction(U_BOB, "countersign.approve", a, FakeSlack.CHANNEL, "0.1", "x"), "1", "v0=00");
      h.approve(U_BOB, a);
      approved.get(5, TimeUnit.SECONDS);

      CompletableFuture<Object> denied = h.call(AGENT, "restart", "prod-us", "pw");
      String d = h.awaitPosted(2);
      h.deny(U_CAROL, d);
      h.submitReason(U_CAROL, d, "DENY", "no");
      assertThatThrownBy(() -> denied.get(5, TimeUnit.SECONDS)).isNotNull();

      h.slack.failWith("chat.postMessage", "invalid_auth");
      CompletableFuture<Object> failed = h.call(AGENT, "restart", "prod-ap", "pw");
      assertThatThrownBy(() -> failed.get(5, TimeUnit.SECONDS)).isNotNull();
    }
    try (SlackHarness down = SlackHarness.withSlackUnreachable(b -> b.maxAttempts(2))) {
      CompletableFuture<Object> failed = down.call(AGENT, "restart", "prod-eu", "pw");
      assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS)).isNotNull();
    }

    assertThat(captured.list).as("the scenario produced log output to inspect").hasSizeGreaterThan(10);
    assertThat(captured.list).anySatisfy(e -> assertThat(e.getLoggerName()).startsWith("com.slack.api"));
    assertThat(captured.list).anySatisfy(e -> assertThat(e.getThrowableProxy()).isNotNull());
    for (ILoggingEvent e : captured.list) {
      String everything = e.getFormattedMessage() + " " + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()));
      assertThat(everything).as("log event from %s", e.getLoggerName())
          .doesNotContain(BOT_TOKEN).doesNotContain(SIGNING_SECRET)
          .doesNotContain("TOPSECRETBOTTOKEN").doesNotContain("SECRETdonotlog");
    }
  }

  @Test
  void secretsDoNotAppearInBuilderErrorsOrToString() {
    SlackApprover.Builder b = SlackApprover.builder().botToken(BOT_TOKEN).signingSecret(SIGNING_SECRET);
    assertThatThrownBy(() -> b.botToken(BOT_TOKEN)).hasMessage("botToken was already set (value not shown)");
    assertThatThrownBy(() -> SlackApprover.builder().signingSecret(" " + SIGNING_SECRET))
        .hasMessage("signingSecret must not contain whitespace (check how it was pasted); its value is not shown");
    try (SlackApprover approver = b.channel("C1").reviewerDirectory(u -> java.util.Optional.empty())
        .sleeper(d -> {}).maxRetryWait(Duration.ZERO).build()) {
      assertThat(approver.toString()).doesNotContain(BOT_TOKEN).doesNotContain(SIGNING_SECRET).contains("botToken=(redacted)");
      assertThat(approver.interactionHandler().toString()).doesNotContain(SIGNING_SECRET);
    }
  }
}

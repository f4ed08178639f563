package io.countersign.slack;

import static io.countersign.slack.testing.SlackHarness.AGENT;
import static io.countersign.slack.testing.SlackHarness.U_BOB;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.RequestState;
import io.countersign.audit.EventType;
import io.countersign.slack.testing.FakeSlack;
import io.countersign.slack.testing.SlackCallbacks;
import io.countersign.slack.testing.SlackHarness;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Callbacks that did not come from Slack, or came too late, or twice: each is answered 401 over real
 * HTTP and casts no vote (no VOTE event, no state change, no Slack call).
 */
class SlackCallbackSecurityTest {

  final SlackHarness h = SlackHarness.start();
  CompletableFuture<Object> call;
  String id;
  String click;

  @BeforeEach
  void pendingRequest() {
    call = h.call(AGENT, "restart", "prod-eu", "pw");
    id = h.awaitPosted(1);
    click = SlackCallbacks.blockAction(U_BOB, "countersign.approve", id, FakeSlack.CHANNEL, h.slack.posted(id).ts(),
        h.slack.responseUrl("bob"));
  }

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  @DisplayName("S18 a callback signed with another secret is refused with 401 and casts no vote")
  void forgedSignatureIsRefused() {
    SlackCallbacks forger = new SlackCallbacks("not-the-signing-secret", h.server.uri(), h.clock);

    HttpResponse<String> response = forger.send(click);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("invalid signature");
    assertNoVote();
  }

  @Test
  @DisplayName("S18 a correctly signed body that was altered in transit is refused with 401")
  void tamperedBodyIsRefused() {
    long ts = h.clock.instant().getEpochSecond();
    String signature = h.callbacks.sign(ts, click);
    String tampered = SlackCallbacks.blockAction(SlackHarness.U_CAROL, "countersign.approve", id, FakeSlack.CHANNEL,
        h.slack.posted(id).ts(), h.slack.responseUrl("bob"));

    assertThat(h.callbacks.send(tampered, String.valueOf(ts), signature).statusCode()).isEqualTo(401);
    assertNoVote();
  }

  @Test
  @DisplayName("S18 a callback without signature headers is refused with 401")
  void missingHeadersAreRefused() {
    long ts = h.clock.instant().getEpochSecond();

    assertThat(h.callbacks.send(click, null, null).statusCode()).isEqualTo(401);
    assertThat(h.callbacks.send(click, String.valueOf(ts), null).statusCode()).isEqualTo(401);
    assertThat(h.callbacks.send(click, "yesterday", h.callbacks.sign(ts, click)).statusCode()).isEqualTo(401);
    assertNoVote();
  }

  @Test
  @DisplayName("S19 S16 a validly signed callback 6 minutes old is refused with 401")
  void staleTimestampIsRefused() {
    long sixMinutesAgo = h.clock.instant().minus(Duration.ofMinutes(6)).getEpochSecond();

    HttpResponse<String> response = h.callbacks.send(click, String.valueOf(sixMinutesAgo), h.callbacks.sign(sixMinutesAgo, click));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("too old");
    assertNoVote();
  }

  @Test
  @DisplayName("S19 S16 a validly signed callback dated 6 minutes in the future is refused with 401")
  void futureTimestampIsRefused() {
    long inSixMinutes = h.clock.instant().plus(Duration.ofMinutes(6)).getEpochSecond();

    HttpResponse<String> response = h.callbacks.send(click, String.valueOf(inSixMinutes), h.callbacks.sign(inSixMinutes, click));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("future");
    assertNoVote();
  }

  @Test
  @DisplayName("S19 a callback captured and delivered after the clock moved on 6 minutes is refused")
  void capturedCallbackGoesStaleAsTheClockMoves() {
    long ts = h.clock.instant().getEpochSecond();
    String signature = h.callbacks.sign(ts, click);

    h.clock.advance(Duration.ofMinutes(6));

    assertThat(h.callbacks.send(click, String.valueOf(ts), signature).statusCode()).isEqualTo(401);
    assertNoVote();
  }

  @Test
  void callbackWithinTheFiveMinuteWindowIsAccepted() throws Exception {
    long fourMinutesAgo = h.clock.instant().minus(Duration.ofMinutes(4)).getEpochSecond();

    HttpResponse<String> response = h.callbacks.send(click, String.valueOf(fourMinutesAgo), h.callbacks.sign(fourMinutesAgo, click));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("restarted prod-eu");
  }

  @Test
  @DisplayName("S20 a replayed payload is refused with 401 and counts nothing the second time")
  void replayIsRefused() {
    try (SlackHarness quorum2 = SlackHarness.start()) {
      CompletableFuture<Object> drop = quorum2.call(AGENT, "dropTable", "customers");
      String dropId = quorum2.awaitPosted(1);
      String body = SlackCallbacks.blockAction(U_BOB, "countersign.approve", dropId, FakeSlack.CHANNEL,
          quorum2.slack.posted(dropId).ts(), quorum2.slack.responseUrl("bob"));
      long ts = quorum2.clock.instant().getEpochSecond();
      String signature = quorum2.callbacks.sign(ts, body);

      assertThat(quorum2.callbacks.send(body, String.valueOf(ts), signature).statusCode()).isEqualTo(200);
      quorum2.clock.advance(Duration.ofMinutes(2));
      HttpResponse<String> replay = quorum2.callbacks.send(body, String.valueOf(ts), signature);

      assertThat(replay.statusCode()).isEqualTo(401);
      assertThat(replay.body()).contains("replayed");
      assertThat(quorum2.events(dropId, EventType.VOTE)).as("only the original click reached the gate").hasSize(1);
      assertThat(quorum2.slack.responses()).as("no duplicate-vote reply: the replay never got that far").isEmpty();
      assertThat(drop).isNotDone();
    }
  }

  private void assertNoVote() {
    assertThat(h.events(id, EventType.VOTE)).isEmpty();
    assertThat(h.gate.status(id).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    assertThat(h.slack.calls("chat.update")).isEmpty();
    assertThat(h.slack.responses()).isEmpty();
    assertThat(call).isNotDone();
  }
}

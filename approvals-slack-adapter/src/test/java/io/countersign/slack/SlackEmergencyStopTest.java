package io.countersign.slack;

import static io.countersign.slack.testing.SlackHarness.U_BOB;
import static io.countersign.slack.testing.SlackHarness.U_DIANA;
import static io.countersign.slack.testing.SlackHarness.U_ERIC;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.ApprovalRejectedException;
import io.countersign.audit.EventType;
import io.countersign.slack.testing.SlackCallbacks;
import io.countersign.slack.testing.SlackHarness;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The emergency stop slash commands over real HTTP: signed requests to the command endpoint served
 * next to the interactions, a real gate with a signed audit trail, and the fake Slack.
 */
class SlackEmergencyStopTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HALT = SlackCommandHandler.HALT_COMMAND;
  private static final String RESUME = SlackCommandHandler.RESUME_COMMAND;

  private SlackHarness h;

  @AfterEach
  void close() {
    if (h != null) {
      h.close(); // also checks that the audit trail verifies
    }
  }

  /** The ephemeral text of a 200 answer. */
  private static String ephemeral(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("response_type").asText()).isEqualTo("ephemeral");
    return body.path("text").asText();
  }

  @Test
  void haltCommandFromAControllerDeniesThePendingCallAndEveryNewCall() throws Exception {
    h = SlackHarness.withEmergencyStop();
    CompletableFuture<Object> pending = h.call(SlackHarness.AGENT, "restart", "eu-1", "pw");
    h.awaitPosted(1);

    String answer = ephemeral(h.command(U_DIANA, HALT, "agent restarts clusters in a loop"));

    assertThat(answer).contains("Every guarded action is halted", "*diana*");
    assertThat(pending).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(ApprovalRejectedException.class).withMessageContaining("emergency stop by diana");
    assertThat(h.call(SlackHarness.AGENT, "restart", "eu-2", "pw")).failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(ExecutionException.class).withMessageContaining("halted");
    assertThat(h.ops.runs).hasValue(0);
    assertThat(h.events(EventType.HALTED)).singleElement().satisfies(e -> {
      assertThat(e.text("by")).isEqualTo("diana");
      assertThat(e.text("reason")).isEqualTo("agent restarts clusters in a loop");
    });
  }

  @Test
  @DisplayName("S18 a slash command with a forged signature is refused with 401 and nothing halts")
  void forgedSignatureIsRefused() throws Exception {
    h = SlackHarness.withEmergencyStop();
    String body = SlackCallbacks.slashCommand(U_DIANA, HALT, "forged", h.slack.responseUrl("x"));
    String ts = String.valueOf(h.clock.instant().getEpochSecond());
    String forged = new SlackCallbacks("not-the-signing-secret-at-all-00", h.server.uri(SlackHarness.COMMANDS_PATH), h.clock)
        .sign(h.clock.instant().getEpochSecond(), body);

    HttpResponse<String> response = h.commands.send(body, ts, forged);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("invalid signature");
    assertThat(h.commands.send(body, ts, null).statusCode()).isEqualTo(401);
    assertThat(h.gate.haltStatus()).isEmpty();
    assertThat(h.events(EventType.HALTED)).isEmpty();
  }

  @Test
  @DisplayName("S19 a slash command signed six minutes ago is refused with 401 and nothing halts")
  void staleTimestampIsRefused() throws Exception {
    h = SlackHarness.withEmergencyStop();
    String body = SlackCallbacks.slashCommand(U_DIANA, HALT, "old", h.slack.responseUrl("x"));
    long old = h.clock.instant().minus(Duration.ofMinutes(6)).getEpochSecond();

    HttpResponse<String> response = h.commands.send(body, String.valueOf(old), h.commands.sign(old, body));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(h.gate.haltStatus()).isEmpty();
  }

  @Test
  @DisplayName("S20 a replayed resume command is refused with 401 and opens no second resume request")
  void replayedCommandIsRefused() throws Exception {
    h = SlackHarness.withEmergencyStop();
    ephemeral(h.command(U_DIANA, HALT, "incident"));
    String body = SlackCallbacks.slashCommand(U_DIANA, RESUME, "fixed", h.slack.responseUrl("x"));
    long ts = h.clock.instant().getEpochSecond();
    String signature = h.commands.sign(ts, body);

    HttpResponse<String> first = h.commands.send(body, String.valueOf(ts), signature);
    HttpResponse<String> replay = h.commands.send(body, String.valueOf(ts), signature);

    assertThat(ephemeral(first)).contains("Resume requested");
    assertThat(replay.statusCode()).isEqualTo(401);
    assertThat(replay.body()).contains("replayed");
    assertThat(h.gate.pending()).hasSize(1);
  }

  @Test
  @DisplayName("S07 an unmapped Slack user cannot halt")
  void unmappedSlackUserIsRefused() throws Exception {
    h = SlackHarness.withEmergencyStop();

    String answer = ephemeral(h.command("U0STRANGER", HALT, "let me"));

    assertThat(answer).contains("not mapped to a Countersign reviewer", "Nothing was done");
    assertThat(h.gate.haltStatus()).isEmpty();
  }

  @Test
  @DisplayName("S05 a mapped reviewer whom the emergency stop rule does not name is refused with the gate's reason")
  void nonControllerIsRefused() throws Exception {
    h = SlackHarness.withEmergencyStop();

    String answer = ephemeral(h.command(U_BOB, HALT, "looks wrong"));

    assertThat(answer).isEqualTo("Not halted: bob is not allowed to halt guarded actions (allowed: group:incident-commanders).");
    assertThat(h.gate.haltStatus()).isEmpty();
    assertThat(h.events(EventType.HALTED)).isEmpty();
  }

  @Test
  @DisplayName("S01 the controller who asked to resume cannot approve it in Slack; another controller's approval lifts the halt")
  void resumeIsDeliveredToSlackAndNeedsAnotherController() throws Exception {
    h = SlackHarness.withEmergencyStop();
    ephemeral(h.command(U_DIANA, HALT, "incident 42"));

    String answer = ephemeral(h.command(U_DIANA, RESUME, "fix deployed"));

    String resumeId = h.awaitPosted(1);
    assertThat(answer).contains("Resume requested (request `" + resumeId + "`)", "group:incident-commanders", "not you");
    HttpResponse<String> self = h.submitReason(U_DIANA, resumeId, "APPROVE", "mine");
    assertThat(self.body()).contains("diana requested this action");
    assertThat(h.gate.haltStatus()).isPresent();

    HttpResponse<String> other = h.submitReason(U_ERIC, resumeId, "APPROVE", "verified the fix");

    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(h.gate.haltStatus()).isEmpty();
    assertThat(h.events(EventType.RESUMED)).hasSize(1);
  }

  @Test
  void resumeWhenNotHaltedSaysSo() throws Exception {
    h = SlackHarness.withEmergencyStop();

    assertThat(ephemeral(h.command(U_DIANA, RESUME, "why not"))).isEqualTo("Guarded actions are not halted; there is nothing to resume.");
    assertThat(h.gate.pending()).isEmpty();
  }

  @Test
  void haltWithoutAReasonShowsUsageAndTheCurrentStatus() throws Exception {
    h = SlackHarness.withEmergencyStop();

    assertThat(ephemeral(h.command(U_DIANA, HALT, "  "))).contains("Usage: `/countersign-halt <reason>`", "Currently not halted.");
    ephemeral(h.command(U_DIANA, HALT, "incident"));
    assertThat(ephemeral(h.command(U_BOB, HALT, ""))).contains("Currently HALTED by *diana*", "incident");
    assertThat(h.events(EventType.HALTED)).hasSize(1);
  }

  @Test
  void unknownCommandIsExplained() throws Exception {
    h = SlackHarness.withEmergencyStop();

    assertThat(ephemeral(h.command(U_DIANA, "/countersign-nuke", "all"))).contains("does not know the command `/countersign-nuke`");
    assertThat(h.gate.haltStatus()).isEmpty();
  }

  @Test
  void gateWithoutEmergencyStopRefusesTheCommands() throws Exception {
    h = SlackHarness.start();

    assertThat(ephemeral(h.command(U_DIANA, HALT, "incident"))).contains("not configured");
    assertThat(h.gate.haltStatus()).isEmpty();
  }

  @Test
  void signedCommandWithoutAUserIsMalformed() throws Exception {
    h = SlackHarness.withEmergencyStop();

    HttpResponse<String> response = h.commands.send("command=" + HALT + "&text=x");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(h.gate.haltStatus()).isEmpty();
  }
}

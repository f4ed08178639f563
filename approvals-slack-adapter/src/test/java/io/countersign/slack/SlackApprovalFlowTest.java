package io.countersign.slack;

import static io.countersign.slack.testing.SlackHarness.AGENT;
import static io.countersign.slack.testing.SlackHarness.DAVE;
import static io.countersign.slack.testing.SlackHarness.U_ALICE;
import static io.countersign.slack.testing.SlackHarness.U_BOB;
import static io.countersign.slack.testing.SlackHarness.U_CAROL;
import static io.countersign.slack.testing.SlackHarness.U_DAVE;
import static io.countersign.slack.testing.SlackHarness.U_ERIN;
import static io.countersign.slack.testing.SlackHarness.U_MALLORY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalRejectedException;
import io.countersign.RequestState;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.slack.testing.FakeSlack;
import io.countersign.slack.testing.SlackCallbacks;
import io.countersign.slack.testing.SlackHarness;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Reviewers deciding from Slack, end to end: a guarded call through a real gate, the request posted
 * with the real Slack SDK to a fake Slack, signed clicks over real HTTP, and the message updates.
 */
class SlackApprovalFlowTest {

  final SlackHarness h = SlackHarness.start();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void requestMessageShowsWhatWhoWhyUnderWhichRuleUntilWhenWithConfirmedButtons() {
    h.call(AGENT, "dropTable", "customers");
    String id = h.awaitPosted(1);

    FakeSlack.Call post = h.slack.last("chat.postMessage");
    assertThat(post.params()).containsEntry("channel", FakeSlack.CHANNEL).containsEntry("link_names", "0")
        .containsEntry("unfurl_links", "0");
    assertThat(post.authorization()).isEqualTo("Bearer " + SlackHarness.BOT_TOKEN);
    String shown = post.visibleText("blocks");
    assertThat(shown)
        .contains("Approval needed: Drop table")
        .contains("`ops-agent` (agent)")
        .contains("*On behalf of*\nalice")
        .contains("ticket OPS-42: cluster is wedged")
        .contains("`table` (String): `\"customers\"`")
        .contains("*Arguments digest* `sha256:")
        .contains("0 of 2 approvals from group:sre-leads")
        .contains("*Policy*\nannotation")
        .contains("<!date^" + h.time.now().plus(Duration.ofMinutes(10)).getEpochSecond())
        .contains(id);
    assertThat(post.params().get("text")).contains("Approval needed").contains(id);

    JsonNode actions = actions(post.json("blocks"));
    assertThat(actions.path("elements")).hasSize(2);
    JsonNode approve = actions.path("elements").get(0);
    JsonNode deny = actions.path("elements").get(1);
    assertThat(approve.path("action_id").asText()).isEqualTo("countersign.approve");
    assertThat(approve.path("value").asText()).isEqualTo(id);
    assertThat(approve.path("confirm").path("title").path("text").asText()).isEqualTo("Approve this action?");
    assertThat(deny.path("action_id").asText()).isEqualTo("countersign.deny");
    assertThat(deny.path("style").asText()).isEqualTo("danger");
    assertThat(deny.path("confirm").path("confirm").path("text").asText()).isEqualTo("Deny");
  }

  @Test
  void sensitiveArgumentsAreRedactedAndHostileTextCannotMentionOrLink() {
    h.call(AGENT, "restart", "<!channel> <https://evil.example|click me>", "hunter2");
    h.awaitPosted(1);

    FakeSlack.Call post = h.slack.last("chat.postMessage");
    assertThat(post.params().get("blocks")).doesNotContain("hunter2");
    String shown = post.visibleText("blocks");
    assertThat(shown).contains("`adminPassword` (String): _[redacted]_");
    assertThat(shown).doesNotContain("<!channel>").doesNotContain("<https://evil").contains("&lt;!channel&gt;");
  }

  @Test
  void approveClickRunsTheMethodAndTheMessageShowsReviewerAndOutcomeWithoutButtons() throws Exception {
    CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "hunter2");
    String id = h.awaitPosted(1);

    assertThat(h.approve(U_BOB, id).statusCode()).isEqualTo(200);

    assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("restarted prod-eu");
    assertThat(h.ops.runs).hasValue(1);
    FakeSlack.Call update = h.slack.last("chat.update");
    assertThat(update.params()).containsEntry("channel", FakeSlack.CHANNEL).containsEntry("ts", h.slack.posted(id).ts());
    assertThat(update.visibleText("blocks")).contains("Approved: Restart cluster").contains("bob (<@U0BOB>) approved")
        .contains("*Outcome: Approved*").contains("approved by bob");
    assertThat(actions(update.json("blocks"))).isNull();
    AuditEvent vote = h.events(id, EventType.VOTE).get(0);
    assertThat(vote.get("vote").path("reviewer").asText()).isEqualTo("bob");
    assertThat(vote.get("vote").path("channel").asText()).isEqualTo("slack");
    assertThat(vote.get("vote").path("counted").asBoolean()).isTrue();
    assertThat(vote.get("vote").path("evidence").path("slackUserId").asText()).isEqualTo(U_BOB);
    assertThat(h.events(id, EventType.EXECUTED)).hasSize(1);
  }

  @Test
  void denyClickOpensAReasonDialogAndTheSubmittedReasonDeniesTheCall() {
    CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "hunter2");
    String id = h.awaitPosted(1);

    h.deny(U_CAROL, id);

    FakeSlack.Call open = h.slack.last("views.open");
    assertThat(open.params().get("trigger_id")).startsWith("1337.42.trigger-" + U_CAROL + "-");
    JsonNode view = open.json("view");
    assertThat(view.path("callback_id").asText()).isEqualTo("countersign.reason");
    assertThat(view.path("title").path("text").asText()).isEqualTo("Deny request");
    assertThat(h.events(id, EventType.VOTE)).as("opening the dialog is not a vote").isEmpty();

    assertThat(h.submitReason(U_CAROL, id, "DENY", "not during the freeze").body()).isEmpty();

    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(ApprovalRejectedException.class)
        .hasMessageContaining("denied by carol: not during the freeze");
    assertThat(h.ops.runs).hasValue(0);
    assertThat(h.slack.last("chat.update").visibleText("blocks")).contains("*Outcome: Denied*")
        .contains("carol (<@U0CAROL>) denied: not during the freeze");
    assertThat(h.events(id, EventType.VOTE).get(0).get("vote").path("reason").asText()).isEqualTo("not during the freeze");
  }

  @Test
  void approvalThatNeedsAReasonAsksForOneAndRecordsIt() throws Exception {
    CompletableFuture<Object> call = h.call(AGENT, "rotate", "k-1");
    String id = h.awaitPosted(1);

    h.approve(U_BOB, id);
    assertThat(h.slack.last("views.open").json("view").path("title").path("text").asText()).isEqualTo("Approve request");
    assertThat(call).isNotDone();

    h.submitReason(U_BOB, id, "APPROVE", "scheduled rotation");
    assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("rotated k-1");
    assertThat(h.events(id, EventType.VOTE).get(0).get("vote").path("reason").asText()).isEqualTo("scheduled rotation");
  }

  @Test
  @DisplayName("S04 quorum 2: two distinct Slack users approve; the message shows 1 of 2, then the outcome")
  void quorumOfTwoNeedsTwoDistinctReviewers() throws Exception {
    CompletableFuture<Object> call = h.call(AGENT, "dropTable", "customers");
    String id = h.awaitPosted(1);

    h.approve(U_BOB, id);
    assertThat(call).isNotDone();
    assertThat(h.slack.last("chat.update").visibleText("blocks")).contains("1 of 2 approvals").contains("bob (<@U0BOB>) approved")
        .doesNotContain("Outcome");
    assertThat(actions(h.slack.last("chat.update").json("blocks"))).as("buttons stay while pending").isNotNull();

    h.approve(U_CAROL, id);
    assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("dropped customers");
    assertThat(h.slack.last("chat.update").visibleText("blocks")).contains("2 of 2 approvals").contains("*Outcome: Approved*");
  }

  @Test
  @DisplayName("S03 the same Slack user clicking Approve twice counts once and is told so privately")
  void doubleClickCountsOnce() {
    CompletableFuture<Object> call = h.call(AGENT, "dropTable", "customers");
    String id = h.awaitPosted(1);

    h.approve(U_BOB, id);
    int updates = h.slack.calls("chat.update").size();
    h.approve(U_BOB, id);

    assertThat(call).isNotDone();
    assertThat(h.gate.status(id).orElseThrow().approvals()).isEqualTo(1);
    assertThat(h.lastEphemeral()).contains("not counted").contains("bob has already approved");
    assertThat(h.slack.calls("chat.update")).as("nothing else changes").hasSize(updates);
    assertThat(h.events(id, EventType.VOTE)).extracting(e -> e.get("vote").path("refusal").asText()).containsExactly("", "DUPLICATE");
  }

  @Test
  @DisplayName("S01 the requester clicking Approve in Slack is refused with an ephemeral message; nothing else changes")
  void requesterCannotApproveOwnRequest() {
    CompletableFuture<Object> call = h.call(DAVE, "restart", "prod-eu", "pw");
    String id = h.awaitPosted(1);

    assertThat(h.approve(U_DAVE, id).statusCode()).isEqualTo(200);

    assertThat(h.lastEphemeral()).contains("dave requested this action and cannot approve or deny it");
    assertRefusedAndNothingChanged(call, id, "SELF_APPROVAL");
  }

  @Test
  @DisplayName("S02 the human an agent acts for clicking Approve in Slack is refused with an ephemeral message")
  void onBehalfOfHumanCannotApprove() {
    CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");
    String id = h.awaitPosted(1);

    h.approve(U_ALICE, id);

    assertThat(h.lastEphemeral()).contains("acts for alice");
    assertRefusedAndNothingChanged(call, id, "ON_BEHALF_OF");
  }

  @Test
  @DisplayName("S05 a mapped Slack user outside the eligible groups is refused by the gate")
  void ineligibleReviewerIsRefused() {
    CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");
    String id = h.awaitPosted(1);

    h.approve(U_ERIN, id);

    assertThat(h.lastEphemeral()).contains("erin is not an eligible reviewer");
    assertRefusedAndNothingChanged(call, id, "NOT_ELIGIBLE");
  }

  @Test
  @DisplayName("S07 an unmapped Slack user cannot vote: refused privately, no vote reaches the gate")
  void unmappedUserCannotVote() {
    CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");
    String id = h.awaitPosted(1);

    h.approve(U_MALLORY, id);
    h.deny(U_MALLORY, id);

    assertThat(h.lastEphemeral()).contains("not mapped to a Countersign reviewer");
    assertThat(h.slack.responses()).hasSize(2);
    assertThat(h.slack.calls("views.open")).as("no reason dialog for an unmapped user").isEmpty();
    assertThat(h.events(id, EventType.VOTE)).isEmpty();
    assertThat(h.slack.calls("chat.update")).isEmpty();
    assertThat(call).isNotDone();
  }

  @Test
  @DisplayName("S07 a reason submitted by an unmapped user is refused inside the dialog")
  void unmappedUserCannotSubmitAReason() {
    CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");
    String id = h.awaitPosted(1);

    String body = h.submitReason(U_MALLORY, id, "DENY", "because").body();

    assertThat(body).contains("\"response_action\":\"errors\"").contains("not mapped");
    assertThat(h.events(id, EventType.VOTE)).isEmpty();
    assertThat(call).isNotDone();
  }

  @Test
  @DisplayName("S07 a click from another workspace is refused when the approver is bound to one")
  void clickFromAnotherWorkspaceIsRefused() {
    try (SlackHarness other = SlackHarness.start(b -> b.workspace("T0SOMEONEELSE"))) {
      CompletableFuture<Object> call = other.call(AGENT, "restart", "prod-eu", "pw");
      String id = other.awaitPosted(1);

      other.approve(U_BOB, id);

      assertThat(other.lastEphemeral()).contains("not mapped");
      assertThat(other.events(id, EventType.VOTE)).isEmpty();
      assertThat(call).isNotDone();
    }
  }

  @Test
  @DisplayName("S12 a click after expiry is refused and the message shows Expired")
  void clickAfterExpiryShowsExpired() {
    CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");
    String id = h.awaitPosted(1);

    h.time.advance(Duration.ofMinutes(10));

    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(ApprovalExpiredException.class);
    FakeSlack.Call expired = h.slack.last("chat.update");
    assertThat(expired.visibleText("blocks")).contains("Expired: Restart cluster").contains("*Outcome: Expired*");
    assertThat(actions(expired.json("blocks"))).isNull();

    h.approve(U_BOB, id);

    assertThat(h.lastEphemeral()).contains("not counted").contains("expired");
    assertThat(h.gate.status(id).orElseThrow().state()).isEqualTo(RequestState.EXPIRED);
    assertThat(h.events(id, EventType.VOTE).get(0).get("vote").path("refusal").asText()).isEqualTo("EXPIRED");
    assertThat(h.ops.runs).hasValue(0);
  }

  @Test
  @DisplayName("S09 a button carrying request A's id on another message is refused")
  void buttonOnAnotherMessageIsRefused() {
    CompletableFuture<Object> call = h.call(AGENT, "restart", "prod-eu", "pw");
    String id = h.awaitPosted(1);

    h.callbacks.send(SlackCallbacks.blockAction(U_BOB, "countersign.approve", id, FakeSlack.CHANNEL, "1111111111.000001",
        h.slack.responseUrl("forged")));

    assertThat(h.lastEphemeral()).contains("does not belong to the message");
    assertThat(h.events(id, EventType.VOTE)).isEmpty();
    assertThat(call).isNotDone();
  }

  @Test
  void clickForAnUnknownRequestIsAnsweredPrivately() {
    h.call(AGENT, "restart", "prod-eu", "pw");
    h.awaitPosted(1);

    h.callbacks.send(SlackCallbacks.blockAction(U_BOB, "countersign.approve", "no-such-request", FakeSlack.CHANNEL,
        h.slack.posted().get(0).ts(), h.slack.responseUrl("unknown")));

    assertThat(h.lastEphemeral()).contains("does not know the request `no-such-request`");
    assertThat(h.events(EventType.VOTE)).isEmpty();
  }

  @Test
  void repliesGoOnlyToSlackResponseUrls() {
    // the harness allows only its fake's response URLs; a payload pointing elsewhere gets no reply at all
    h.call(AGENT, "restart", "prod-eu", "pw");
    String id = h.awaitPosted(1);

    h.callbacks.send(SlackCallbacks.blockAction(U_MALLORY, "countersign.approve", id, FakeSlack.CHANNEL,
        h.slack.posted(id).ts(), "http://127.0.0.1:1/elsewhere"));

    assertThat(h.slack.responses()).isEmpty();
  }

  private void assertRefusedAndNothingChanged(CompletableFuture<Object> call, String id, String refusal) {
    List<AuditEvent> votes = h.events(id, EventType.VOTE);
    assertThat(votes).hasSize(1);
    assertThat(votes.get(0).get("vote").path("counted").asBoolean()).isFalse();
    assertThat(votes.get(0).get("vote").path("refusal").asText()).isEqualTo(refusal);
    assertThat(h.slack.calls("chat.update")).as("the shared message is not touched").isEmpty();
    assertThat(h.gate.status(id).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    assertThat(call).isNotDone();
    assertThat(h.ops.runs).hasValue(0);
  }

  private static JsonNode actions(JsonNode blocks) {
    for (JsonNode b : blocks) {
      if ("actions".equals(b.path("type").asText())) {
        return b;
      }
    }
    return null;
  }

}

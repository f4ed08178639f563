package io.countersign.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.Decision;
import io.countersign.Reviewer;
import io.countersign.Vote;
import io.countersign.VoteResult;
import io.countersign.slack.internal.MessageRenderer;
import io.countersign.slack.internal.SignatureVerifier;
import io.countersign.slack.internal.TrackedRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles Slack's interactivity requests for a {@link SlackApprover}: button clicks and reason
 * dialog submissions. Framework-neutral: give it the request headers and the raw body bytes, copy
 * the {@link InteractionResponse} back (see {@link SlackInteractionServer} for the JDK server; a
 * servlet or Spring controller needs the same ten lines).
 *
 * <p>Before anything in the body is decoded, the callback must carry a valid {@code v0} signature
 * made with the signing secret, a timestamp within five minutes of the clock (past or future), and
 * must not have been seen before; otherwise the answer is 401 and no vote is cast. A click is then
 * matched to the request and message it came from, the Slack user is mapped to a reviewer by the
 * {@link ReviewerDirectory}, and the vote goes to the gate through the request's sink. A refused vote
 * (self-approval, ineligible, duplicate, expired...) is explained to the clicker alone with an
 * ephemeral message; nothing else changes.
 *
 * <p>Clicks are acknowledged at once and processed on the approver's executor (Slack wants an
 * answer within 3 seconds); reason dialogs are processed before answering, so refusals show in the
 * dialog. Thread-safe.
 */
public final class SlackInteractionHandler implements SlackEndpoint {

  /** Largest body accepted; Slack's interaction payloads are far smaller. */
  public static final int MAX_BODY_BYTES = 1 << 20;
  /** Header carrying the request timestamp (seconds since the epoch). */
  public static final String TIMESTAMP_HEADER = SignatureVerifier.TIMESTAMP_HEADER;
  /** Header carrying the {@code v0=} signature. */
  public static final String SIGNATURE_HEADER = SignatureVerifier.SIGNATURE_HEADER;

  private static final Logger LOG = LoggerFactory.getLogger(SlackInteractionHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_DIALOG_ERROR = 150;
  private static final java.time.Duration POST_RACE_WAIT = java.time.Duration.ofSeconds(5);

  private final SlackApprover approver;
  private final SignatureVerifier verifier;

  SlackInteractionHandler(SlackApprover approver, SignatureVerifier verifier) {
    this.approver = approver;
    this.verifier = verifier;
  }

  /**
   * Handles one interaction request.
   *
   * @param headers the request headers (names matched case-insensitively)
   * @param body the raw body bytes, exactly as received
   * @return what to answer: 200 (possibly with JSON for a dialog), 401 refused, 400 malformed, 413 too large
   */
  @Override
  public InteractionResponse handle(Map<String, ? extends List<String>> headers, byte[] body) {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(body, "body");
    if (body.length > MAX_BODY_BYTES) {
      LOG.warn("Refused a Slack callback: body of {} bytes exceeds {} (no vote cast)", body.length, MAX_BODY_BYTES);
      return InteractionResponse.error(413, "request body too large");
    }
    SignatureVerifier.Verdict verdict = verifier.verify(headers, body);
    if (verdict != SignatureVerifier.Verdict.OK) {
      LOG.warn("Refused a Slack callback: {} (no vote cast)", SignatureVerifier.describe(verdict));
      return InteractionResponse.error(401, "refused: " + SignatureVerifier.describe(verdict));
    }
    JsonNode payload;
    try {
      payload = payload(body);
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("Refused a signed Slack callback: its payload is not readable ({})", e.getClass().getSimpleName());
      return InteractionResponse.error(400, "malformed payload");
    }
    String type = payload.path("type").asText("");
    switch (type) {
      case "block_actions":
        JsonNode action = payload.path("actions").path(0);
        Decision decision = decision(action.path("action_id").asText(""));
        if (decision == null) {
          return InteractionResponse.ok(); // another app feature's button
        }
        try {
          approver.executor().execute(() -> safely(() -> onClick(payload, action, decision)));
        } catch (RejectedExecutionException e) {
          LOG.warn("Could not process a Slack click: the approver is closed (no vote cast)");
          return InteractionResponse.error(503, "approver closed");
        }
        return InteractionResponse.ok();
      case "view_submission":
        if (!MessageRenderer.REASON_CALLBACK.equals(payload.path("view").path("callback_id").asText(""))) {
          return InteractionResponse.ok();
        }
        try {
          return onReason(payload);
        } catch (IllegalArgumentException e) {
          LOG.warn("Refused a signed Slack dialog submission: {} (no vote cast)", e.getMessage());
          return InteractionResponse.error(400, "malformed payload");
        }
      default:
        return InteractionResponse.ok(); // e.g. view_closed: nothing to do
    }
  }

  // --------------------------------------------------------------------------- clicks

  private void onClick(JsonNode payload, JsonNode action, Decision decision) {
    String responseUrl = text(payload.path("response_url"));
    SlackUser user = user(payload);
    String requestId = text(action.path("value"));
    TrackedRequest tracked = approver.tracked(requestId);
    if (tracked == null) {
      LOG.warn("Slack user {} clicked {} for unknown request {} (no vote cast)", user.userId(), decision, requestId);
      approver.replyEphemeral(responseUrl, "Countersign does not know the request `" + MessageRenderer.escape(requestId)
          + "` (it may have been decided long ago, or belong to another instance). Nothing was counted.");
      return;
    }
    if (tracked.messageTs() == null) {
      // Slack can show the message (and deliver a click) before our chat.postMessage call returns
      tracked.awaitPosted(POST_RACE_WAIT);
    }
    String messageTs = firstText(payload.path("container").path("message_ts"), payload.path("message").path("ts"));
    String channelId = firstText(payload.path("container").path("channel_id"), payload.path("channel").path("id"));
    if (!tracked.isMessage(channelId, messageTs)) {
      LOG.warn("Slack user {} clicked {} for request {} on a message that is not its own (no vote cast)", user.userId(), decision, requestId);
      approver.replyEphemeral(responseUrl, "This button does not belong to the message of request `"
          + MessageRenderer.escape(requestId) + "`. Nothing was counted.");
      return;
    }
    Optional<Reviewer> reviewer = reviewer(user);
    if (reviewer.isEmpty()) {
      approver.replyEphemeral(responseUrl, notMapped(user));
      return;
    }
    if (decision == Decision.DENY || tracked.request().requirement().reasonRequired()) {
      openReasonDialog(tracked, decision, text(payload.path("trigger_id")), responseUrl);
      return;
    }
    VoteResult result = vote(tracked, user, reviewer.get(), Vote.approve(reviewer.get(), null, SlackApprover.CHANNEL));
    if (!result.counted()) {
      approver.replyEphemeral(responseUrl, refusedText(result));
    }
  }

  private void openReasonDialog(TrackedRequest tracked, Decision decision, String triggerId, String responseUrl) {
    ObjectNode meta = JSON.createObjectNode().put("requestId", tracked.request().id()).put("decision", decision.name());
    try {
      approver.calls().call("views.open", "trigger", () -> approver.methods().viewsOpen(r -> r
          .triggerId(triggerId).view(MessageRenderer.reasonDialog(tracked.request(), decision, meta.toString()))));
    } catch (SlackDeliveryException e) {
      LOG.warn("Could not open the reason dialog for request {}: {}", tracked.request().id(), e.getMessage());
      approver.replyEphemeral(responseUrl, "Slack could not open the reason dialog (" + MessageRenderer.escape(e.slackError())
          + "); please click again. Nothing was counted.");
    }
  }

  // --------------------------------------------------------------------------- reason dialogs

  private InteractionResponse onReason(JsonNode payload) {
    JsonNode view = payload.path("view");
    JsonNode meta;
    try {
      meta = JSON.readTree(view.path("private_metadata").asText(""));
    } catch (IOException e) {
      meta = null;
    }
    String requestId = meta == null ? null : text(meta.path("requestId"));
    Decision decision = meta == null ? null : parseDecision(text(meta.path("decision")));
    SlackUser user = user(payload);
    if (requestId == null || decision == null) {
      LOG.warn("Slack user {} submitted a reason dialog without a readable request (no vote cast)", user.userId());
      return dialogError("This dialog does not name a request. Nothing was counted.");
    }
    TrackedRequest tracked = approver.tracked(requestId);
    if (tracked == null) {
      return dialogError("Countersign does not know this request any more. Nothing was counted.");
    }
    Optional<Reviewer> reviewer = reviewer(user);
    if (reviewer.isEmpty()) {
      return dialogError("Your Slack account is not mapped to a Countersign reviewer, so you cannot vote.");
    }
    String reason = text(view.path("state").path("values").path(MessageRenderer.REASON_BLOCK).path(MessageRenderer.REASON_BLOCK).path("value"));
    if (reason == null || reason.isBlank()) {
      return dialogError("Please give a reason.");
    }
    reason = reason.strip();
    if (reason.length() > MessageRenderer.MAX_REASON) {
      reason = reason.substring(0, MessageRenderer.MAX_REASON);
    }
    Vote vote = new Vote(reviewer.get(), decision, reason, SlackApprover.CHANNEL);
    VoteResult result = vote(tracked, user, reviewer.get(), vote);
    return result.counted() ? InteractionResponse.ok() : dialogError(refusedText(result));
  }

  // --------------------------------------------------------------------------- shared

  private VoteResult vote(TrackedRequest tracked, SlackUser user, Reviewer reviewer, Vote vote) {
    // known before the vote so that the update the vote triggers can mention the Slack user
    tracked.slackUserIdsByReviewer().putIfAbsent(reviewer.id(), user.userId());
    // the Slack identity behind the vote (from a callback whose signature was verified) goes into the
    // VOTE audit event, so an auditor can map the reviewer to the Slack account that clicked
    java.util.Map<String, String> slackIdentity = new java.util.LinkedHashMap<>();
    slackIdentity.put("slackUserId", user.userId());
    if (user.teamId() != null) {
      slackIdentity.put("slackTeamId", user.teamId());
    }
    vote = vote.withEvidence(slackIdentity);
    VoteResult result;
    try {
      result = tracked.sink().vote(vote);
    } catch (RuntimeException e) {
      LOG.error("The gate failed to take a Slack vote on request {} (not counted)", tracked.request().id(), e);
      return new VoteResult(VoteResult.Refusal.AUDIT_UNAVAILABLE, null, "Your vote could not be taken; try again later.");
    }
    if (result == null) {
      return new VoteResult(VoteResult.Refusal.AUDIT_UNAVAILABLE, null, "Your vote could not be taken; try again later.");
    }
    if (result.counted()) {
      LOG.info("Slack vote counted: request={} reviewer={} slackUser={} decision={}", tracked.request().id(), reviewer.id(),
          user.userId(), vote.decision());
    } else {
      LOG.info("Slack vote refused: request={} reviewer={} slackUser={} decision={} refusal={}", tracked.request().id(),
          reviewer.id(), user.userId(), vote.decision(), result.refusal());
      if (result.state() != null && result.state().isTerminal()) {
        approver.refresh(tracked); // make sure the message shows the outcome (e.g. "Expired")
      }
    }
    return result;
  }

  private Optional<Reviewer> reviewer(SlackUser user) {
    return approver.reviewerFor(user, "no vote cast");
  }

  private static String refusedText(VoteResult result) {
    return "Your vote was not counted: " + MessageRenderer.escape(result.message());
  }

  private static String notMapped(SlackUser user) {
    return "Your Slack account (<@" + MessageRenderer.escape(user.userId()) + ">) is not mapped to a Countersign reviewer, "
        + "so you cannot vote on this request. Ask your administrator to add it. Nothing was counted.";
  }

  private static InteractionResponse dialogError(String message) {
    String m = message.length() > MAX_DIALOG_ERROR ? message.substring(0, MAX_DIALOG_ERROR - 1) + "…" : message;
    ObjectNode body = JSON.createObjectNode().put("response_action", "errors");
    body.putObject("errors").put(MessageRenderer.REASON_BLOCK, m);
    return InteractionResponse.json(body.toString());
  }

  private static SlackUser user(JsonNode payload) {
    JsonNode u = payload.path("user");
    String id = text(u.path("id"));
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("payload has no user id");
    }
    return new SlackUser(id, firstText(u.path("team_id"), payload.path("team").path("id")), text(u.path("username")));
  }

  private static JsonNode payload(byte[] body) throws IOException {
    String form = new String(body, StandardCharsets.UTF_8);
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && "payload".equals(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8))) {
        JsonNode node = JSON.readTree(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        if (node == null || !node.isObject()) {
          throw new IOException("payload is not a JSON object");
        }
        return node;
      }
    }
    throw new IOException("no payload field");
  }

  private static Decision decision(String actionId) {
    return switch (actionId) {
      case MessageRenderer.APPROVE_ACTION -> Decision.APPROVE;
      case MessageRenderer.DENY_ACTION -> Decision.DENY;
      default -> null;
    };
  }

  private static Decision parseDecision(String name) {
    if ("APPROVE".equals(name)) {
      return Decision.APPROVE;
    }
    return "DENY".equals(name) ? Decision.DENY : null;
  }

  private static String text(JsonNode node) {
    return node == null || node.isMissingNode() || node.isNull() ? null : node.asText();
  }

  private static String firstText(JsonNode a, JsonNode b) {
    String s = text(a);
    return s != null ? s : text(b);
  }

  private static void safely(Runnable work) {
    try {
      work.run();
    } catch (RuntimeException e) {
      LOG.error("Processing a Slack click failed (no vote cast unless logged above)", e);
    }
  }
}

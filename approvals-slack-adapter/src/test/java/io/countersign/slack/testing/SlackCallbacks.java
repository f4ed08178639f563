package io.countersign.slack.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Sends interaction callbacks the way Slack does: a form body with one {@code payload} field,
 * signed with the app's signing secret ({@code v0=} HMAC-SHA256 over {@code v0:timestamp:body}),
 * over real HTTP. Written independently of the adapter's verifier.
 */
public final class SlackCallbacks {

  public static final String TEAM = "T0COUNTERSIGN";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Slack gives every click its own trigger id and action timestamp, so no two bodies are equal. */
  private static final java.util.concurrent.atomic.AtomicInteger CLICKS = new java.util.concurrent.atomic.AtomicInteger();

  private final String signingSecret;
  private final URI endpoint;
  private final Clock clock;
  private final HttpClient http = HttpClient.newHttpClient();

  public SlackCallbacks(String signingSecret, URI endpoint, Clock clock) {
    this.signingSecret = signingSecret;
    this.endpoint = endpoint;
    this.clock = clock;
  }

  /** Sends {@code body} signed now, as Slack would. */
  public HttpResponse<String> send(String body) {
    long ts = clock.instant().getEpochSecond();
    return send(body, String.valueOf(ts), sign(ts, body));
  }

  /** Sends {@code body} with exactly these header values (null leaves the header out). */
  public HttpResponse<String> send(String body, String timestamp, String signature) {
    HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (timestamp != null) {
      rb.header("X-Slack-Request-Timestamp", timestamp);
    }
    if (signature != null) {
      rb.header("X-Slack-Signature", signature);
    }
    try {
      return http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The signature Slack would put on this body at this time. */
  public String sign(long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(signingSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "v0=" + HexFormat.of().formatHex(mac.doFinal(("v0:" + timestamp + ":" + body).getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A button click ({@code block_actions}) on a message. */
  public static String blockAction(String userId, String actionId, String requestId, String channel, String messageTs,
      String responseUrl) {
    ObjectNode p = JSON.createObjectNode();
    p.put("type", "block_actions");
    p.putObject("team").put("id", TEAM).put("domain", "countersign");
    p.putObject("user").put("id", userId).put("username", userId.toLowerCase()).put("team_id", TEAM);
    p.put("api_app_id", "A0APP");
    p.put("token", "legacy-verification-token");
    p.putObject("container").put("type", "message").put("message_ts", messageTs).put("channel_id", channel).put("is_ephemeral", false);
    int click = CLICKS.incrementAndGet();
    p.put("trigger_id", "1337.42.trigger-" + userId + "-" + click);
    p.putObject("channel").put("id", channel).put("name", "approvals");
    p.put("response_url", responseUrl);
    p.putArray("actions").addObject().put("action_id", actionId).put("block_id", "countersign.actions")
        .put("value", requestId).put("type", "button").put("action_ts", "1767225601.000" + click);
    return form(p);
  }

  /** A slash command as Slack posts it: a plain form (no {@code payload} field). */
  public static String slashCommand(String userId, String command, String text, String responseUrl) {
    int n = CLICKS.incrementAndGet();
    java.util.Map<String, String> f = new java.util.LinkedHashMap<>();
    f.put("token", "legacy-verification-token");
    f.put("team_id", TEAM);
    f.put("team_domain", "countersign");
    f.put("channel_id", "C0OPS");
    f.put("channel_name", "ops");
    f.put("user_id", userId);
    f.put("user_name", userId.toLowerCase());
    f.put("command", command);
    f.put("text", text);
    f.put("api_app_id", "A0APP");
    f.put("response_url", responseUrl);
    f.put("trigger_id", "1337.42.command-" + userId + "-" + n);
    StringBuilder b = new StringBuilder();
    f.forEach((k, v) -> b.append(b.length() == 0 ? "" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return b.toString();
  }

  /** A reason dialog submission ({@code view_submission}). */
  public static String reasonSubmission(String userId, String requestId, String decision, String reason) {
    ObjectNode p = JSON.createObjectNode();
    p.put("type", "view_submission");
    p.putObject("team").put("id", TEAM).put("domain", "countersign");
    p.putObject("user").put("id", userId).put("username", userId.toLowerCase()).put("team_id", TEAM);
    ObjectNode view = p.putObject("view");
    view.put("id", "V0001").put("type", "modal").put("callback_id", "countersign.reason");
    view.put("private_metadata", JSON.createObjectNode().put("requestId", requestId).put("decision", decision).toString());
    view.putObject("state").putObject("values").putObject("reason").putObject("reason")
        .put("type", "plain_text_input").put("value", reason);
    return form(p);
  }

  private static String form(ObjectNode payload) {
    return "payload=" + URLEncoder.encode(payload.toString(), StandardCharsets.UTF_8);
  }
}

package io.countersign.slack;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequirement;
import io.countersign.HaltStatus;
import io.countersign.Reviewer;
import io.countersign.slack.internal.MessageRenderer;
import io.countersign.slack.internal.SignatureVerifier;
import java.nio.charset.StandardCharsets;
import java.net.URLDecoder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emergency stop as Slack slash commands: {@value #HALT_COMMAND} {@code <reason>} halts every
 * guarded call of the gate, {@value #RESUME_COMMAND} {@code <reason>} opens a resume request that
 * other controllers must approve (it is delivered like any request, e.g. as a Slack message with
 * buttons). Made by {@link SlackApprover#commandHandler}; serve it at the app's slash command
 * Request URL (e.g. next to the interactions with {@link SlackInteractionServer#start(java.net.InetSocketAddress, Map)}).
 *
 * <p>Before anything in the body is decoded, the request must carry a valid {@code v0} signature,
 * a timestamp within the window and must not be a replay (the same checks and memory as the
 * interaction callbacks); otherwise the answer is 401 and nothing happens. The Slack user is then
 * mapped to a reviewer by the {@link ReviewerDirectory} (unmapped: refused); the gate alone decides
 * whether that reviewer may halt or resume. Every answer to a signed request is an ephemeral
 * message (HTTP 200, seen only by the one who typed the command), so refusals are shown, not
 * swallowed. The work is done before answering: a halt is one audit write, well inside Slack's
 * three seconds; if a slow directory makes Slack time out, the outcome still stands and the next
 * {@value #HALT_COMMAND} without a reason shows it. Thread-safe.
 */
public final class SlackCommandHandler implements SlackEndpoint {

  /** The slash command that halts; configure it with this name in the Slack app. */
  public static final String HALT_COMMAND = "/countersign-halt";
  /** The slash command that asks to resume; configure it with this name in the Slack app. */
  public static final String RESUME_COMMAND = "/countersign-resume";
  /** Longest reason accepted, in characters. */
  public static final int MAX_REASON = MessageRenderer.MAX_REASON;

  private static final Logger LOG = LoggerFactory.getLogger(SlackCommandHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SlackApprover approver;
  private final SignatureVerifier verifier;
  private final ApprovalGate gate;

  SlackCommandHandler(SlackApprover approver, SignatureVerifier verifier, ApprovalGate gate) {
    this.approver = approver;
    this.verifier = verifier;
    this.gate = gate;
    if (gate.emergencyStopRule().isEmpty()) {
      LOG.warn("Slack emergency stop commands are enabled but gate {} has no emergencyStop rule: they will be refused", gate);
    }
  }

  /**
   * Handles one slash command request.
   *
   * @return 200 with an ephemeral message for every signed request, 401 refused (signature,
   *     timestamp, replay), 400 malformed, 413 too large
   */
  @Override
  public InteractionResponse handle(Map<String, ? extends List<String>> headers, byte[] body) {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(body, "body");
    if (body.length > SlackInteractionHandler.MAX_BODY_BYTES) {
      LOG.warn("Refused a Slack slash command: body of {} bytes exceeds {} (nothing done)", body.length,
          SlackInteractionHandler.MAX_BODY_BYTES);
      return InteractionResponse.error(413, "request body too large");
    }
    SignatureVerifier.Verdict verdict = verifier.verify(headers, body);
    if (verdict != SignatureVerifier.Verdict.OK) {
      LOG.warn("Refused a Slack slash command: {} (nothing done)", SignatureVerifier.describe(verdict));
      return InteractionResponse.error(401, "refused: " + SignatureVerifier.describe(verdict));
    }
    Map<String, String> form;
    try {
      form = form(body);
    } catch (IllegalArgumentException e) {
      LOG.warn("Refused a signed Slack slash command: its body is not a readable form (nothing done)");
      return InteractionResponse.error(400, "malformed form body");
    }
    String userId = form.get("user_id");
    if (userId == null || userId.isBlank()) {
      LOG.warn("Refused a signed Slack slash command without user_id (nothing done)");
      return InteractionResponse.error(400, "missing user_id");
    }
    SlackUser user = new SlackUser(userId.strip(), blankToNull(form.get("team_id")), blankToNull(form.get("user_name")));
    String command = form.getOrDefault("command", "").strip();
    String text = form.getOrDefault("text", "").strip();
    return switch (command) {
      case HALT_COMMAND -> ephemeral(halt(user, text));
      case RESUME_COMMAND -> ephemeral(resume(user, text));
      default -> {
        LOG.warn("Slack user {} sent an unknown slash command to the emergency stop endpoint", user.userId());
        yield ephemeral("Countersign does not know the command `" + MessageRenderer.escape(cut(command, 40)) + "`; use `"
            + HALT_COMMAND + " <reason>` or `" + RESUME_COMMAND + " <reason>`.");
      }
    };
  }

  private String halt(SlackUser user, String reason) {
    Optional<ApprovalRequirement> rule = gate.emergencyStopRule();
    if (rule.isEmpty()) {
      return notConfigured();
    }
    if (reason.isEmpty()) {
      return "Usage: `" + HALT_COMMAND + " <reason>` stops every guarded action at once. " + statusText();
    }
    if (reason.length() > MAX_REASON) {
      return tooLong(reason);
    }
    Optional<Reviewer> reviewer = approver.reviewerFor(user, "nothing halted");
    if (reviewer.isEmpty()) {
      return notMapped(user, "halt");
    }
    boolean already = gate.haltStatus().isPresent();
    try {
      gate.halt(reviewer.get(), reason);
    } catch (ApprovalRejectedException | IllegalArgumentException e) {
      LOG.warn("Slack halt refused for {} (Slack user {}): {}", reviewer.get().id(), user.userId(), e.getMessage());
      return "Not halted: " + MessageRenderer.escape(e.getMessage());
    } catch (IllegalStateException e) {
      return notConfigured();
    }
    LOG.warn("Slack halt by {} (Slack user {} of {})", reviewer.get().id(), user.userId(), user.teamId());
    if (already) {
      return "Guarded actions were already halted; nothing changed. " + statusText();
    }
    return ":octagonal_sign: Every guarded action is halted: pending requests are denied and new calls refused, until "
        + MessageRenderer.escape(String.join(", ", rule.get().approvers())) + " approve a resume (`" + RESUME_COMMAND
        + " <reason>`). Recorded in the audit trail under *" + MessageRenderer.escape(reviewer.get().id()) + "*.";
  }

  private String resume(SlackUser user, String reason) {
    Optional<ApprovalRequirement> rule = gate.emergencyStopRule();
    if (rule.isEmpty()) {
      return notConfigured();
    }
    if (reason.isEmpty()) {
      return "Usage: `" + RESUME_COMMAND + " <reason>` asks the other controllers to lift the emergency stop. " + statusText();
    }
    if (reason.length() > MAX_REASON) {
      return tooLong(reason);
    }
    Optional<Reviewer> reviewer = approver.reviewerFor(user, "no resume requested");
    if (reviewer.isEmpty()) {
      return notMapped(user, "resume");
    }
    if (gate.haltStatus().isEmpty()) {
      return "Guarded actions are not halted; there is nothing to resume.";
    }
    String id;
    try {
      id = gate.requestResume(reviewer.get(), reason);
    } catch (ApprovalRejectedException | IllegalArgumentException | IllegalStateException e) {
      LOG.warn("Slack resume refused for {} (Slack user {}): {}", reviewer.get().id(), user.userId(), e.getMessage());
      return "No resume requested: " + MessageRenderer.escape(e.getMessage());
    } catch (ApprovalDeniedException e) {
      LOG.warn("Slack resume by {} could not be opened: {}", reviewer.get().id(), e.getMessage());
      return "The resume request could not be opened: " + MessageRenderer.escape(e.getMessage());
    }
    LOG.info("Slack resume requested by {} (Slack user {}): request {}", reviewer.get().id(), user.userId(), id);
    return "Resume requested (request `" + MessageRenderer.escape(id) + "`): " + MessageRenderer.escape(String.join(", ",
        rule.get().approvers())) + " must approve it (quorum " + rule.get().quorum()
        + "), and not you. Guarded actions stay halted until then.";
  }

  private String statusText() {
    Optional<HaltStatus> h = gate.haltStatus();
    return h.map(s -> "Currently HALTED by *" + MessageRenderer.escape(s.by()) + "* since " + s.since() + ": "
        + MessageRenderer.escape(s.reason())).orElse("Currently not halted.");
  }

  private static String tooLong(String reason) {
    return "The reason must have at most " + MAX_REASON + " characters but had " + reason.length() + "; nothing was done.";
  }

  private static String notConfigured() {
    return "The emergency stop is not configured on this Countersign gate, so nothing was done.";
  }

  private static String notMapped(SlackUser user, String what) {
    return "Your Slack account (<@" + MessageRenderer.escape(user.userId()) + ">) is not mapped to a Countersign reviewer, "
        + "so you cannot " + what + " guarded actions. Nothing was done.";
  }

  private static InteractionResponse ephemeral(String text) {
    return InteractionResponse.json(JSON.createObjectNode().put("response_type", "ephemeral").put("text", text).toString());
  }

  private static Map<String, String> form(byte[] body) {
    Map<String, String> out = new HashMap<>();
    String form = new String(body, StandardCharsets.UTF_8);
    for (String pair : form.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.putIfAbsent(name, value);
    }
    return out;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  @Override
  public String toString() {
    return "SlackCommandHandler[" + HALT_COMMAND + ", " + RESUME_COMMAND + "]";
  }
}

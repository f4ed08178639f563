package io.countersign.slack;

import io.countersign.Reviewer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Switches a demo (or any small app) to Slack approvals from environment variables, so that the
 * same program uses the in-memory approver when they are absent:
 *
 * <pre>{@code
 * Optional<SlackDemoWiring> slack = SlackDemoWiring.fromEnvironment(System.getenv());
 * Approver approver = slack.<Approver>map(SlackDemoWiring::approver).orElseGet(InMemoryApprover::new);
 * ApprovalGate gate = ApprovalGate.builder().approver(approver)...build();
 * if (slack.isPresent()) { slack.get().startServer(); }   // Slack posts clicks here
 * }</pre>
 *
 * <p>Variables: {@value #BOT_TOKEN}, {@value #SIGNING_SECRET}, {@value #CHANNEL} (all three switch
 * Slack mode on), {@value #REVIEWERS} (Slack user id to reviewer: {@code U0123=bob:sre-leads,U0456=carol:sre-leads+dba}),
 * {@value #PORT} (default {@value #DEFAULT_PORT}). Setting only some of the first three is an
 * error naming the missing ones, never a silent fallback. See the module README for the Slack app
 * manifest ({@link #appManifest(String)}).
 */
public final class SlackDemoWiring {

  /** The bot token variable. */
  public static final String BOT_TOKEN = "COUNTERSIGN_SLACK_BOT_TOKEN";
  /** The signing secret variable. */
  public static final String SIGNING_SECRET = "COUNTERSIGN_SLACK_SIGNING_SECRET";
  /** The channel id variable. */
  public static final String CHANNEL = "COUNTERSIGN_SLACK_CHANNEL";
  /** The reviewer mapping variable. */
  public static final String REVIEWERS = "COUNTERSIGN_SLACK_REVIEWERS";
  /** The interaction endpoint port variable. */
  public static final String PORT = "COUNTERSIGN_SLACK_PORT";
  /** The interaction endpoint's port unless {@value #PORT} says otherwise. */
  public static final int DEFAULT_PORT = 3000;
  /** The interaction endpoint's path. */
  public static final String PATH = "/slack/interactions";

  private final SlackApprover approver;
  private final int port;

  private SlackDemoWiring(SlackApprover approver, int port) {
    this.approver = approver;
    this.port = port;
  }

  /**
   * Slack mode if the bot token, signing secret and channel are all set; empty if none is.
   *
   * @throws IllegalArgumentException if only some are set, or a value is malformed (secrets are never repeated)
   */
  public static Optional<SlackDemoWiring> fromEnvironment(Map<String, String> env) {
    String token = blankToNull(env.get(BOT_TOKEN));
    String secret = blankToNull(env.get(SIGNING_SECRET));
    String channel = blankToNull(env.get(CHANNEL));
    if (token == null && secret == null && channel == null) {
      return Optional.empty();
    }
    if (token == null || secret == null || channel == null) {
      String missing = Arrays.stream(new String[][] {{BOT_TOKEN, token}, {SIGNING_SECRET, secret}, {CHANNEL, channel}})
          .filter(p -> p[1] == null).map(p -> p[0]).collect(Collectors.joining(", "));
      throw new IllegalArgumentException("Slack mode needs " + BOT_TOKEN + ", " + SIGNING_SECRET + " and " + CHANNEL
          + "; missing: " + missing);
    }
    int port = DEFAULT_PORT;
    String portText = blankToNull(env.get(PORT));
    if (portText != null) {
      try {
        port = Integer.parseInt(portText.strip());
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(PORT + " must be a port number between 1 and 65535 but was '" + portText + "'");
      }
    }
    ReviewerDirectory directory = ReviewerDirectory.explicit(parseReviewers(env.getOrDefault(REVIEWERS, "")));
    SlackApprover approver = SlackApprover.builder().botToken(token).signingSecret(secret).channel(channel)
        .reviewerDirectory(directory).build();
    return Optional.of(new SlackDemoWiring(approver, port));
  }

  /**
   * Parses {@code U0123=bob:sre-leads+dba,U0456=carol:sre-leads} into Slack user id to reviewer.
   *
   * @throws IllegalArgumentException naming the bad entry
   */
  public static Map<String, Reviewer> parseReviewers(String spec) {
    Map<String, Reviewer> out = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      return out;
    }
    for (String entry : spec.split(",")) {
      String e = entry.strip();
      int eq = e.indexOf('=');
      if (eq <= 0 || eq == e.length() - 1) {
        throw new IllegalArgumentException(REVIEWERS + " entry must look like U0123=bob:group1+group2 but was '" + e + "'");
      }
      String slackId = e.substring(0, eq).strip();
      String rest = e.substring(eq + 1).strip();
      int colon = rest.indexOf(':');
      String id = colon < 0 ? rest : rest.substring(0, colon).strip();
      Set<String> groups = colon < 0 ? Set.of() : Arrays.stream(rest.substring(colon + 1).split("\\+"))
          .map(String::strip).filter(g -> !g.isEmpty()).collect(Collectors.toSet());
      if (out.put(slackId, new Reviewer(id, groups)) != null) {
        throw new IllegalArgumentException(REVIEWERS + " maps Slack user " + slackId + " twice");
      }
    }
    return out;
  }

  /** The Slack approver to give the gate. */
  public SlackApprover approver() {
    return approver;
  }

  /** The port the interaction endpoint will listen on. */
  public int port() {
    return port;
  }

  /** Starts the interaction endpoint on all interfaces at {@link #port()}{@value #PATH}. */
  public SlackInteractionServer startServer() throws IOException {
    return SlackInteractionServer.start(approver.interactionHandler(), new InetSocketAddress(port), PATH);
  }

  /**
   * A Slack app manifest (YAML) for the demo: a bot with {@code chat:write}, {@code users:read}
   * and {@code users:read.email}, interactivity pointed at {@code interactivityUrl} (the public
   * https URL that forwards to this endpoint, e.g. a tunnel).
   */
  public static String appManifest(String interactivityUrl) {
    return """
        display_information:
          name: Countersign
          description: Approve or deny privileged actions before they run.
        features:
          bot_user:
            display_name: countersign
            always_online: true
        oauth_config:
          scopes:
            bot:
              - chat:write
              - users:read
              - users:read.email
        settings:
          interactivity:
            is_enabled: true
            request_url: %s
          org_deploy_enabled: false
          socket_mode_enabled: false
          token_rotation_enabled: false
        """.formatted(interactivityUrl);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}

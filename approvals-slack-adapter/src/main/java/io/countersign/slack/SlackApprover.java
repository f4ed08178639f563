package io.countersign.slack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.response.chat.ChatPostMessageResponse;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.webhook.WebhookResponse;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.Reviewer;
import io.countersign.slack.internal.MessageRenderer;
import io.countersign.slack.internal.SignatureVerifier;
import io.countersign.slack.internal.SlackCalls;
import io.countersign.slack.internal.TrackedRequest;
import io.countersign.spi.Approver;
import io.countersign.spi.VoteSink;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Approver} that asks reviewers in Slack: each request is posted as a Block Kit message
 * with Approve and Deny buttons, the message is updated after each vote and when the request is
 * decided, and clicks come back through {@link #interactionHandler()} (signature-checked) to the
 * gate's {@link VoteSink} for that request. The gate alone decides whether a vote counts; this
 * class only maps Slack users to reviewers ({@link ReviewerDirectory}) and shows the result.
 *
 * <pre>{@code
 * SlackApprover slack = SlackApprover.builder()
 *     .botToken(System.getenv("COUNTERSIGN_SLACK_BOT_TOKEN"))
 *     .signingSecret(System.getenv("COUNTERSIGN_SLACK_SIGNING_SECRET"))
 *     .channel("C0123APPROVALS")
 *     .reviewerDirectory(ReviewerDirectory.explicit(Map.of("U0BOB", Reviewer.of("bob", "sre-leads"))))
 *     .build();
 * ApprovalGate gate = ApprovalGate.builder().approver(slack).auditSink(sink).signer(signer).build();
 * SlackInteractionServer.start(slack.interactionHandler(), new InetSocketAddress(3000), "/slack/interactions");
 * }</pre>
 *
 * <p>Delivery fails closed: if {@code chat.postMessage} still fails after the bounded retries
 * (HTTP 429 with {@code Retry-After}, connection refused), {@link #request} throws and the gate
 * records {@code DELIVERY_FAILED} and denies, unless another channel of a
 * {@link io.countersign.CompositeApprover} delivered. Thread-safe. The bot token and the signing
 * secret never appear in logs, exceptions or {@link #toString()}.
 */
public final class SlackApprover implements Approver, AutoCloseable {

  /** The channel name recorded with votes from Slack. */
  public static final String CHANNEL = "slack";
  /** Default number of attempts of one Slack call (the first try and its retries). */
  public static final int DEFAULT_MAX_ATTEMPTS = 4;
  /** Default cap on the total time one Slack call may spend waiting to retry. */
  public static final Duration DEFAULT_MAX_RETRY_WAIT = Duration.ofSeconds(30);
  /** Default wait before retrying a call that could not connect. */
  public static final Duration DEFAULT_CONNECT_RETRY_BACKOFF = Duration.ofSeconds(1);
  /** Slack's documented window for callback timestamps, in both directions. */
  public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(5);
  /** How long a decided request's message stays known, so late clicks are answered "expired"/"decided". */
  public static final Duration DEFAULT_DECIDED_RETENTION = Duration.ofHours(24);
  /** Where Slack's {@code response_url}s point; ephemeral replies go nowhere else. */
  public static final String DEFAULT_RESPONSE_URL_PREFIX = "https://hooks.slack.com/";

  private static final Logger LOG = LoggerFactory.getLogger(SlackApprover.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Slack slack;
  private final boolean ownsSlack;
  private final MethodsClient methods;
  private final Function<ApprovalRequest, String> channelFor;
  private final String describedChannel;
  private final ReviewerDirectory directory;
  private final String workspace;
  private final SlackCalls calls;
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  private final String responseUrlPrefix;
  private final Map<String, TrackedRequest> active = new ConcurrentHashMap<>();
  private final Cache<String, TrackedRequest> decided;
  private final SlackInteractionHandler handler;
  private final SignatureVerifier verifier;

  private SlackApprover(Builder b) {
    this.ownsSlack = b.slack == null;
    if (ownsSlack) {
      SlackConfig config = new SlackConfig();
      config.setStatsEnabled(false); // no background metrics threads
      this.slack = Slack.getInstance(config);
    } else {
      this.slack = b.slack;
    }
    this.methods = slack.methods(b.botToken);
    this.channelFor = b.channelFor;
    this.describedChannel = b.channel != null ? b.channel : "per-request";
    this.directory = b.directory;
    this.workspace = b.workspace;
    this.calls = new SlackCalls(b.maxAttempts, b.maxRetryWait, b.connectRetryBackoff, b.sleeper);
    if (b.executor == null) {
      this.ownedExecutor = Executors.newFixedThreadPool(2, daemonThreads());
      this.executor = ownedExecutor;
    } else {
      this.ownedExecutor = null;
      this.executor = b.executor;
    }
    this.responseUrlPrefix = b.responseUrlPrefix;
    this.decided = Caffeine.newBuilder().expireAfterWrite(b.decidedRetention).maximumSize(100_000).build();
    this.verifier = new SignatureVerifier(b.signingSecret, b.clock, b.maxClockSkew, 1_000_000);
    this.handler = new SlackInteractionHandler(this, verifier);
  }

  /** A builder; bot token, signing secret, channel and reviewer directory are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The handler for Slack's interactivity requests (clicks and reason dialogs) for this approver. */
  public SlackInteractionHandler interactionHandler() {
    return handler;
  }

  /**
   * The handler for this Slack app's emergency stop slash commands ({@code /countersign-halt} and
   * {@code /countersign-resume}) on {@code gate} (the gate this approver delivers for, built after
   * it). Requests are checked with the same signing secret, timestamp window and replay memory as
   * the interaction callbacks, and the Slack user is mapped by the same {@link ReviewerDirectory}.
   */
  public SlackCommandHandler commandHandler(ApprovalGate gate) {
    return new SlackCommandHandler(this, verifier, Objects.requireNonNull(gate, "gate"));
  }

  /**
   * Posts the request to Slack. Blocks the calling thread through the bounded retries.
   *
   * @throws SlackDeliveryException if Slack could not be reached or refused the message (the gate denies)
   */
  @Override
  public void request(ApprovalRequest request, VoteSink votes) throws SlackDeliveryException {
    String channel = channelFor.apply(request);
    if (channel == null || channel.isBlank()) {
      throw new SlackDeliveryException("chat.postMessage", "no_channel",
          "no Slack channel is configured for request " + request.id() + " (" + request.action() + ")", null);
    }
    // tracked before posting so that an instant click finds its request (it waits for the ts)
    TrackedRequest tracked = new TrackedRequest(request, votes);
    active.put(request.id(), tracked);
    ApprovalStatus initial = tracked.latest();
    List<LayoutBlock> blocks = MessageRenderer.blocks(initial, Map.of());
    String text = MessageRenderer.fallbackText(initial);
    try {
      ChatPostMessageResponse posted = calls.call("chat.postMessage", channel, () -> methods.chatPostMessage(r -> r
          .channel(channel).text(text).blocks(blocks)
          .linkNames(false).unfurlLinks(false).unfurlMedia(false).mrkdwn(true)));
      tracked.posted(posted.getChannel() != null ? posted.getChannel() : channel, posted.getTs());
      LOG.info("Posted approval request {} to Slack channel {} (ts {})", request.id(), tracked.channelId(), posted.getTs());
    } catch (SlackDeliveryException | RuntimeException e) {
      active.remove(request.id(), tracked);
      tracked.deliveryFailed();
      throw e;
    }
    if (tracked.latest() != initial) {
      schedule(tracked); // a status arrived while posting
    }
  }

  /** Shows progress or the outcome in the request's message (asynchronously, newest status wins). */
  @Override
  public void update(ApprovalStatus status) {
    String id = status.request().id();
    TrackedRequest tracked = active.get(id);
    if (tracked == null) {
      tracked = decided.getIfPresent(id);
    }
    if (tracked == null) {
      return; // not ours, or delivery failed and nothing was posted
    }
    boolean newer = tracked.offer(status);
    if (status.state().isTerminal()) {
      decided.put(id, tracked);
      active.remove(id, tracked);
    }
    if (newer) {
      schedule(tracked);
    }
  }

  /** Stops the approver's own threads and HTTP client (not a {@code Slack} instance passed in). */
  @Override
  public void close() {
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
    if (ownsSlack) {
      try {
        slack.close();
      } catch (Exception e) {
        LOG.debug("Closing the Slack client failed", e);
      }
    }
  }

  @Override
  public String toString() {
    return "SlackApprover[channel=" + describedChannel + ", directory=" + directory + ", workspace="
        + (workspace == null ? "any" : workspace) + ", active=" + active.size() + ", botToken=(redacted), signingSecret=(redacted)]";
  }

  // ------------------------------------------------------------------ for the interaction handler

  TrackedRequest tracked(String requestId) {
    if (requestId == null) {
      return null;
    }
    TrackedRequest t = active.get(requestId);
    return t != null ? t : decided.getIfPresent(requestId);
  }

  ReviewerDirectory directory() {
    return directory;
  }

  /**
   * The reviewer a verified Slack user is: empty when they are outside the configured workspace, not
   * in the directory, or the directory fails (fail closed); {@code consequence} ends the log line.
   */
  Optional<Reviewer> reviewerFor(SlackUser user, String consequence) {
    if (workspace != null && !workspace.equals(user.teamId())) {
      LOG.warn("Slack user {} of workspace {} is not in the configured workspace ({})", user.userId(), user.teamId(), consequence);
      return Optional.empty();
    }
    try {
      Optional<Reviewer> found = directory.find(user);
      if (found == null || found.isEmpty()) {
        LOG.warn("Slack user {} is not mapped to a reviewer ({})", user.userId(), consequence);
        return Optional.empty();
      }
      return found;
    } catch (Exception e) {
      LOG.warn("The reviewer directory failed for Slack user {}; treating them as unmapped ({}): {}", user.userId(), consequence,
          e.getClass().getSimpleName());
      return Optional.empty();
    }
  }

  String workspace() {
    return workspace;
  }

  Executor executor() {
    return executor;
  }

  MethodsClient methods() {
    return methods;
  }

  SlackCalls calls() {
    return calls;
  }

  /** Redraws the message if what it shows is older than the newest known status. */
  void refresh(TrackedRequest tracked) {
    schedule(tracked);
  }

  /** Sends a message only the clicker sees, through the interaction's {@code response_url}. */
  void replyEphemeral(String responseUrl, String text) {
    if (responseUrl == null || !responseUrl.startsWith(responseUrlPrefix)) {
      LOG.warn("Not replying to a Slack interaction: its response_url does not start with {}", responseUrlPrefix);
      return;
    }
    ObjectNode body = JSON.createObjectNode()
        .put("response_type", "ephemeral")
        .put("replace_original", false)
        .put("text", text);
    try {
      WebhookResponse response = slack.send(responseUrl, body.toString());
      if (response.getCode() == null || response.getCode() / 100 != 2) {
        LOG.warn("Slack refused an ephemeral reply (HTTP {})", response.getCode());
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not send an ephemeral reply to Slack: {}", e.getClass().getSimpleName());
    }
  }

  private void schedule(TrackedRequest tracked) {
    try {
      executor.execute(() -> render(tracked));
    } catch (RejectedExecutionException e) {
      LOG.warn("Slack message of request {} not updated: the approver is closed", tracked.request().id());
    }
  }

  private void render(TrackedRequest tracked) {
    synchronized (tracked.renderLock()) {
      if (tracked.messageTs() == null) {
        return; // still being posted; request() schedules again
      }
      ApprovalStatus status = tracked.latest();
      if (status == tracked.rendered()) {
        return;
      }
      List<LayoutBlock> blocks = MessageRenderer.blocks(status, Map.copyOf(tracked.slackUserIdsByReviewer()));
      String text = MessageRenderer.fallbackText(status);
      try {
        calls.call("chat.update", tracked.channelId(), () -> methods.chatUpdate(r -> r
            .channel(tracked.channelId()).ts(tracked.messageTs()).text(text).blocks(blocks).linkNames(false)));
        tracked.rendered(status);
        LOG.debug("Updated the Slack message of request {}: {} ({} of {} approvals)", status.request().id(),
            status.state(), status.approvals(), status.quorum());
      } catch (SlackDeliveryException e) {
        LOG.warn("Could not update the Slack message of request {} (the decision stands): {}", status.request().id(), e.getMessage());
      } catch (RuntimeException e) {
        LOG.warn("Could not update the Slack message of request {} (the decision stands)", status.request().id(), e);
      }
    }
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "countersign-slack-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Builds an immutable {@link SlackApprover}. Each setting is checked at once and may be set only
   * once; messages name the setting and the bad value, except for secrets, whose values are never
   * repeated.
   */
  public static final class Builder {
    private String botToken;
    private String signingSecret;
    private String channel;
    private Function<ApprovalRequest, String> channelFor;
    private ReviewerDirectory directory;
    private String workspace;
    private Slack slack;
    private Clock clock;
    private Sleeper sleeper;
    private Integer maxAttempts;
    private Duration maxRetryWait;
    private Duration connectRetryBackoff;
    private Duration maxClockSkew;
    private Duration decidedRetention;
    private Executor executor;
    private String responseUrlPrefix;

    private Builder() {}

    /** The bot token ({@code xoxb-...}) with {@code chat:write} (and {@code users:read} for e-mail look-up). Required. */
    public Builder botToken(String botToken) {
      requireUnsetSecret(this.botToken, "botToken");
      this.botToken = requireSecret(botToken, "botToken");
      return this;
    }

    /** The app's signing secret, used to verify every interaction callback. Required. */
    public Builder signingSecret(String signingSecret) {
      requireUnsetSecret(this.signingSecret, "signingSecret");
      this.signingSecret = requireSecret(signingSecret, "signingSecret");
      return this;
    }

    /** The channel id ({@code C0123ABC}) every request is posted to. Required unless {@link #channelFor} is set. */
    public Builder channel(String channelId) {
      requireUnset(this.channelFor == null ? null : describeChannel(), "channel");
      if (channelId == null || channelId.isBlank()) {
        throw new IllegalArgumentException("channel must not be blank but was " + (channelId == null ? "null" : "'" + channelId + "'"));
      }
      String c = channelId.strip();
      this.channel = c;
      this.channelFor = r -> c;
      return this;
    }

    /** Chooses the channel (or a user id, for a DM) per request, e.g. by policy. Returning null or blank fails delivery. */
    public Builder channelFor(Function<ApprovalRequest, String> channelFor) {
      requireUnset(this.channelFor == null ? null : describeChannel(), "channel");
      this.channelFor = Objects.requireNonNull(channelFor, "channelFor");
      return this;
    }

    /** Who each Slack user is as a reviewer. Required: an unmapped user cannot vote. */
    public Builder reviewerDirectory(ReviewerDirectory directory) {
      requireUnset(this.directory, "reviewerDirectory");
      this.directory = Objects.requireNonNull(directory, "reviewerDirectory");
      return this;
    }

    /** Accepts clicks only from this workspace (team id {@code T0123ABC}); recommended when the app is installed in several. */
    public Builder workspace(String teamId) {
      requireUnset(this.workspace, "workspace");
      if (teamId == null || teamId.isBlank()) {
        throw new IllegalArgumentException("workspace must not be blank but was " + (teamId == null ? "null" : "'" + teamId + "'"));
      }
      this.workspace = teamId.strip();
      return this;
    }

    /** The Slack SDK instance to use (its config: endpoint URL, proxy, timeouts). Defaults to a new one, closed by {@link SlackApprover#close()}. */
    public Builder slack(Slack slack) {
      requireUnset(this.slack, "slack");
      this.slack = Objects.requireNonNull(slack, "slack");
      return this;
    }

    /** The clock that callback timestamps are checked against; defaults to the system UTC clock. */
    public Builder clock(Clock clock) {
      requireUnset(this.clock, "clock");
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How to wait between retries; defaults to {@link Sleeper#system()}. */
    public Builder sleeper(Sleeper sleeper) {
      requireUnset(this.sleeper, "sleeper");
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /** Attempts per Slack call, first try included; default 4. */
    public Builder maxAttempts(int maxAttempts) {
      requireUnset(this.maxAttempts, "maxAttempts");
      if (maxAttempts < 1 || maxAttempts > 20) {
        throw new IllegalArgumentException("maxAttempts must be between 1 and 20 but was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Cap on the total wait for retries of one call (a longer {@code Retry-After} fails at once); default 30 s. */
    public Builder maxRetryWait(Duration maxRetryWait) {
      requireUnset(this.maxRetryWait, "maxRetryWait");
      this.maxRetryWait = requireNotNegative(maxRetryWait, "maxRetryWait");
      return this;
    }

    /** Wait before retrying a call that could not connect; default 1 s. */
    public Builder connectRetryBackoff(Duration backoff) {
      requireUnset(this.connectRetryBackoff, "connectRetryBackoff");
      this.connectRetryBackoff = requireNotNegative(backoff, "connectRetryBackoff");
      return this;
    }

    /** How far a callback's timestamp may be from the clock, past or future; default 5 minutes (Slack's advice). */
    public Builder maxClockSkew(Duration skew) {
      requireUnset(this.maxClockSkew, "maxClockSkew");
      if (skew == null || skew.isNegative() || skew.isZero() || skew.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new IllegalArgumentException("maxClockSkew must be positive and at most PT5M but was " + skew);
      }
      this.maxClockSkew = skew;
      return this;
    }

    /** How long decided requests stay known to answer late clicks; default 24 h. */
    public Builder decidedRetention(Duration retention) {
      requireUnset(this.decidedRetention, "decidedRetention");
      if (retention == null || retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException("decidedRetention must be positive but was " + retention);
      }
      this.decidedRetention = retention;
      return this;
    }

    /**
     * Where work after acknowledging a click runs (voting, dialogs, replies) and where message
     * updates are sent. Defaults to two daemon threads owned by the approver. A direct executor
     * ({@code Runnable::run}) makes the handler answer only after the work, which tests like.
     */
    public Builder executor(Executor executor) {
      requireUnset(this.executor, "executor");
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The prefix every {@code response_url} must have to be answered; default {@value #DEFAULT_RESPONSE_URL_PREFIX}. */
    public Builder responseUrlPrefix(String prefix) {
      requireUnset(this.responseUrlPrefix, "responseUrlPrefix");
      if (prefix == null || !(prefix.startsWith("https://") || prefix.startsWith("http://127.0.0.1") || prefix.startsWith("http://localhost"))) {
        throw new IllegalArgumentException("responseUrlPrefix must be an https:// URL (or http:// on the loopback, for tests) but was " + prefix);
      }
      this.responseUrlPrefix = prefix;
      return this;
    }

    /**
     * Builds the approver.
     *
     * @throws IllegalStateException naming the missing setting
     */
    public SlackApprover build() {
      if (botToken == null) {
        throw new IllegalStateException("botToken is required: call botToken(...) with the app's bot token (xoxb-...)");
      }
      if (signingSecret == null) {
        throw new IllegalStateException("signingSecret is required: call signingSecret(...) with the app's signing secret");
      }
      if (channelFor == null) {
        throw new IllegalStateException("channel is required: call channel(\"C0123ABC\") or channelFor(request -> ...)");
      }
      if (directory == null) {
        throw new IllegalStateException("reviewerDirectory is required: e.g. ReviewerDirectory.explicit(Map.of(\"U0123ABC\", Reviewer.of(\"bob\", \"sre-leads\")))");
      }
      if (clock == null) {
        clock = Clock.systemUTC();
      }
      if (sleeper == null) {
        sleeper = Sleeper.system();
      }
      if (maxAttempts == null) {
        maxAttempts = DEFAULT_MAX_ATTEMPTS;
      }
      if (maxRetryWait == null) {
        maxRetryWait = DEFAULT_MAX_RETRY_WAIT;
      }
      if (connectRetryBackoff == null) {
        connectRetryBackoff = DEFAULT_CONNECT_RETRY_BACKOFF;
      }
      if (maxClockSkew == null) {
        maxClockSkew = DEFAULT_MAX_CLOCK_SKEW;
      }
      if (decidedRetention == null) {
        decidedRetention = DEFAULT_DECIDED_RETENTION;
      }
      if (responseUrlPrefix == null) {
        responseUrlPrefix = DEFAULT_RESPONSE_URL_PREFIX;
      }
      return new SlackApprover(this);
    }

    private String describeChannel() {
      return channel != null ? "'" + channel + "'" : "a channelFor function";
    }

    private static String requireSecret(String value, String name) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(name + " must not be blank");
      }
      if (!value.equals(value.strip()) || value.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException(name + " must not contain whitespace (check how it was pasted); its value is not shown");
      }
      return value;
    }

    private static void requireUnsetSecret(String current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set (value not shown)");
      }
    }

    private static void requireUnset(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }

    private static Duration requireNotNegative(Duration d, String name) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative but was " + d);
      }
      return d;
    }
  }
}

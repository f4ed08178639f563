package io.countersign.slack;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.slack.api.Slack;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.response.users.UsersInfoResponse;
import com.slack.api.model.User;
import io.countersign.Reviewer;
import io.countersign.slack.internal.SlackCalls;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ReviewerDirectory} that asks Slack ({@code users.info}, scope {@code users:read.email})
 * for a user's e-mail address and maps the address to a reviewer with a function you supply
 * (usually a look-up in your own directory). Deleted users, bots and app users, and users whose
 * e-mail is missing or unconfirmed are not reviewers. Answers are cached (positive and negative)
 * for a bounded time, so a reviewer removed from your directory stops counting after at most
 * {@code cacheTtl}; Slack failures are not cached and mean "not a reviewer" for that click.
 *
 * <pre>{@code
 * ReviewerDirectory byEmail = SlackEmailDirectory.builder()
 *     .slack(Slack.getInstance()).botToken(token)
 *     .reviewers(email -> corporateDirectory.reviewerByEmail(email))
 *     .build();
 * }</pre>
 */
public final class SlackEmailDirectory implements ReviewerDirectory {

  /** Default time a look-up is remembered. */
  public static final Duration DEFAULT_CACHE_TTL = Duration.ofMinutes(10);

  private static final Logger LOG = LoggerFactory.getLogger(SlackEmailDirectory.class);

  private final MethodsClient methods;
  private final Function<String, Optional<Reviewer>> reviewers;
  private final SlackCalls calls;
  private final Cache<String, Optional<Reviewer>> cache;

  private SlackEmailDirectory(Builder b) {
    this.methods = b.slack.methods(b.botToken);
    this.reviewers = b.reviewers;
    this.calls = new SlackCalls(2, Duration.ofSeconds(2), Duration.ofMillis(200), b.sleeper);
    this.cache = Caffeine.newBuilder().expireAfterWrite(b.cacheTtl).maximumSize(b.maxCached).build();
  }

  /** A builder; {@code slack}, {@code botToken} and {@code reviewers} are required. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Optional<Reviewer> find(SlackUser user) throws SlackDeliveryException {
    String key = user.teamId() + "/" + user.userId();
    Optional<Reviewer> cached = cache.getIfPresent(key);
    if (cached != null) {
      return cached;
    }
    UsersInfoResponse info = calls.call("users.info", user.userId(), () -> methods.usersInfo(r -> r.user(user.userId())));
    Optional<Reviewer> found = fromSlackUser(user, info.getUser());
    cache.put(key, found);
    return found;
  }

  private Optional<Reviewer> fromSlackUser(SlackUser asked, User u) {
    if (u == null || !asked.userId().equals(u.getId())) {
      return Optional.empty();
    }
    if (u.isDeleted() || u.isBot() || u.isAppUser()) {
      LOG.warn("Slack user {} is deleted, a bot or an app user: not a reviewer", asked.userId());
      return Optional.empty();
    }
    if (asked.teamId() != null && u.getTeamId() != null && !asked.teamId().equals(u.getTeamId())) {
      return Optional.empty();
    }
    String email = u.getProfile() == null ? null : u.getProfile().getEmail();
    if (email == null || email.isBlank()) {
      LOG.warn("Slack returned no e-mail for user {} (does the token have users:read.email?): not a reviewer", asked.userId());
      return Optional.empty();
    }
    if (!u.isEmailConfirmed()) {
      LOG.warn("Slack user {} has not confirmed their e-mail address: not a reviewer", asked.userId());
      return Optional.empty();
    }
    Optional<Reviewer> r = reviewers.apply(email.strip().toLowerCase(Locale.ROOT));
    return r == null ? Optional.empty() : r;
  }

  @Override
  public String toString() {
    return "SlackEmailDirectory[cached=" + cache.estimatedSize() + ", botToken=(redacted)]";
  }

  /** Builds an immutable {@link SlackEmailDirectory}; each setting may be set once. */
  public static final class Builder {
    private Slack slack;
    private String botToken;
    private Function<String, Optional<Reviewer>> reviewers;
    private Duration cacheTtl = DEFAULT_CACHE_TTL;
    private long maxCached = 10_000;
    private Sleeper sleeper = Sleeper.system();

    private Builder() {}

    /** The Slack SDK instance (the same one the approver uses is fine). Required. */
    public Builder slack(Slack slack) {
      this.slack = Objects.requireNonNull(slack, "slack");
      return this;
    }

    /** A bot token with {@code users:read} and {@code users:read.email}. Required. */
    public Builder botToken(String botToken) {
      if (botToken == null || botToken.isBlank() || botToken.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("botToken must not be blank or contain whitespace; its value is not shown");
      }
      this.botToken = botToken;
      return this;
    }

    /** Maps a lower-cased, confirmed e-mail address to a reviewer, or empty. Required. */
    public Builder reviewers(Function<String, Optional<Reviewer>> byEmail) {
      this.reviewers = Objects.requireNonNull(byEmail, "reviewers");
      return this;
    }

    /** How long an answer is remembered; default 10 minutes. */
    public Builder cacheTtl(Duration ttl) {
      if (ttl == null || ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("cacheTtl must be positive but was " + ttl);
      }
      this.cacheTtl = ttl;
      return this;
    }

    /** How many answers are remembered at most; default 10,000. */
    public Builder maxCached(long max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxCached must be >= 1 but was " + max);
      }
      this.maxCached = max;
      return this;
    }

    /** How to wait before retrying a rate-limited look-up; defaults to {@link Sleeper#system()}. */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * Builds the directory.
     *
     * @throws IllegalStateException naming the missing setting
     */
    public SlackEmailDirectory build() {
      if (slack == null) {
        throw new IllegalStateException("slack is required: call slack(Slack.getInstance())");
      }
      if (botToken == null) {
        throw new IllegalStateException("botToken is required: call botToken(...) with a token that has users:read.email");
      }
      if (reviewers == null) {
        throw new IllegalStateException("reviewers is required: call reviewers(email -> ...) to map e-mail addresses to reviewers");
      }
      return new SlackEmailDirectory(this);
    }
  }
}

package io.countersign.slack;

import io.countersign.Reviewer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Maps a verified Slack user to the reviewer identity the gate knows (its principal id and groups).
 * A user the directory does not know cannot vote: the click is refused before it reaches the gate.
 * The directory only says who someone is; whether they may approve is decided by the gate alone.
 *
 * <p>Contract: called for every click and reason submission, from the interaction handler's
 * threads, concurrently; implementations must be thread-safe and should answer quickly (cache
 * remote look-ups). An empty result, or an exception, means "not a reviewer" (fail closed).
 *
 * <p>The default is an explicit mapping ({@link #explicit(Map)}); {@link SlackEmailDirectory} looks
 * users up by e-mail through {@code users.info}.
 */
@FunctionalInterface
public interface ReviewerDirectory {

  /** The reviewer this Slack user is, or empty if they are not a known reviewer. */
  Optional<Reviewer> find(SlackUser user) throws Exception;

  /**
   * A fixed mapping from Slack user id ({@code U0123ABC}) to reviewer. Groups are those given here;
   * to reflect group changes while requests are pending, implement the interface over your
   * directory instead.
   *
   * @throws IllegalArgumentException if a key is blank
   */
  static ReviewerDirectory explicit(Map<String, Reviewer> reviewersBySlackUserId) {
    Objects.requireNonNull(reviewersBySlackUserId, "reviewersBySlackUserId");
    Map<String, Reviewer> copy = new LinkedHashMap<>();
    reviewersBySlackUserId.forEach((slackId, reviewer) -> {
      if (slackId == null || slackId.isBlank()) {
        throw new IllegalArgumentException("Slack user id must not be blank but was " + (slackId == null ? "null" : "'" + slackId + "'"));
      }
      copy.put(slackId.strip(), Objects.requireNonNull(reviewer, "reviewer for Slack user " + slackId));
    });
    Map<String, Reviewer> frozen = Map.copyOf(copy);
    return new ReviewerDirectory() {
      @Override
      public Optional<Reviewer> find(SlackUser user) {
        return Optional.ofNullable(frozen.get(user.userId()));
      }

      @Override
      public String toString() {
        return "ReviewerDirectory.explicit" + frozen.keySet();
      }
    };
  }
}

package io.countersign;

import java.util.Objects;

/**
 * One reviewer's vote, as a channel hands it to the gate.
 *
 * @param reviewer the authenticated reviewer (never taken from request data the reviewer controls)
 * @param decision approve or deny
 * @param reason free text, required for approvals when the rule says so; may be {@code null}
 * @param channel where the vote came from ({@code "in-memory"}, {@code "slack"}, {@code "http"})
 */
public record Vote(Reviewer reviewer, Decision decision, String reason, String channel) {

  public Vote {
    Objects.requireNonNull(reviewer, "Vote reviewer must not be null");
    Objects.requireNonNull(decision, "Vote decision must not be null");
    Objects.requireNonNull(channel, "Vote channel must not be null");
  }

  /** An approval. */
  public static Vote approve(Reviewer reviewer, String reason, String channel) {
    return new Vote(reviewer, Decision.APPROVE, reason, channel);
  }

  /** A denial. */
  public static Vote deny(Reviewer reviewer, String reason, String channel) {
    return new Vote(reviewer, Decision.DENY, reason, channel);
  }
}

package io.countersign;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One reviewer's vote, as a channel hands it to the gate.
 *
 * @param reviewer the authenticated reviewer (never taken from request data the reviewer controls)
 * @param decision approve or deny
 * @param reason free text, required for approvals when the rule says so; may be {@code null}
 * @param channel where the vote came from ({@code "in-memory"}, {@code "slack"}, {@code "http"})
 * @param evidence proof, supplied by the channel, that the reviewer made this very vote (for example
 *     a WebAuthn assertion: {@code type}, {@code credentialId}, {@code authenticatorData},
 *     {@code clientDataJSON}, {@code signature}), or {@code null} for none. The gate does not
 *     interpret it; it records it verbatim as {@code vote.evidence} in the VOTE audit event, so
 *     that an auditor can re-check it offline. Names and values are strings; copied, sorted by name
 */
public record Vote(Reviewer reviewer, Decision decision, String reason, String channel, Map<String, String> evidence) {

  public Vote {
    Objects.requireNonNull(reviewer, "Vote reviewer must not be null");
    Objects.requireNonNull(decision, "Vote decision must not be null");
    Objects.requireNonNull(channel, "Vote channel must not be null");
    if (evidence != null) {
      TreeMap<String, String> copy = new TreeMap<>();
      evidence.forEach((k, v) -> copy.put(
          Objects.requireNonNull(k, "Vote evidence names must not be null"),
          Objects.requireNonNull(v, () -> "Vote evidence '" + k + "' must not be null")));
      evidence = Collections.unmodifiableMap(copy);
    }
  }

  /** A vote without evidence (the form every channel used before evidence existed). */
  public Vote(Reviewer reviewer, Decision decision, String reason, String channel) {
    this(reviewer, decision, reason, channel, null);
  }

  /** An approval. */
  public static Vote approve(Reviewer reviewer, String reason, String channel) {
    return new Vote(reviewer, Decision.APPROVE, reason, channel);
  }

  /** A denial. */
  public static Vote deny(Reviewer reviewer, String reason, String channel) {
    return new Vote(reviewer, Decision.DENY, reason, channel);
  }

  /** This vote carrying {@code evidence} (see the record component), e.g. after a channel verified a signature. */
  public Vote withEvidence(Map<String, String> evidence) {
    return new Vote(reviewer, decision, reason, channel, evidence);
  }
}

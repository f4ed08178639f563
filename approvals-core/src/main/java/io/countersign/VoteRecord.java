package io.countersign;

import java.time.Instant;

/**
 * A vote the gate counted.
 *
 * @param reviewerId who voted
 * @param decision approve or deny
 * @param reason the reason given, or {@code null}
 * @param channel where the vote came from
 * @param time when the gate counted it
 */
public record VoteRecord(String reviewerId, Decision decision, String reason, String channel, Instant time) {}

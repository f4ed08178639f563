package io.countersign;

import java.time.Instant;

/**
 * An emergency stop in force: every guarded call is denied until a resume is approved.
 *
 * @param by the human who halted
 * @param reason why
 * @param since when
 */
public record HaltStatus(String by, String reason, Instant since) {}

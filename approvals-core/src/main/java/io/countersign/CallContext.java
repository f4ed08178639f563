package io.countersign;

import java.util.Objects;

/**
 * Who is calling a guarded method and why: the actor, the justification shown to reviewers, and an
 * optional trace id.
 *
 * @param actor who asks
 * @param justification why, or {@code null}
 * @param traceId the trace id to correlate with, or {@code null}
 */
public record CallContext(Actor actor, String justification, String traceId) {

  public CallContext {
    Objects.requireNonNull(actor, "CallContext actor must not be null");
  }

  /** A context with just an actor. */
  public static CallContext of(Actor actor) {
    return new CallContext(actor, null, null);
  }
}

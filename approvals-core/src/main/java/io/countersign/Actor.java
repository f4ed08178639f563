package io.countersign;

import java.util.Objects;

/**
 * Who asks for a privileged action: a principal id, its kind, and for agents the human it acts for.
 *
 * <p>Separation of duties is enforced against both: neither the actor nor {@code onBehalfOf} may
 * approve the request.
 *
 * @param id the principal id, as reviewers' ids are written (e.g. {@code "ops-agent-7"})
 * @param kind human, agent or service
 * @param onBehalfOf the id of the human this actor acts for, or {@code null}
 */
public record Actor(String id, ActorKind kind, String onBehalfOf) {

  public Actor {
    id = requireText(id, "id");
    Objects.requireNonNull(kind, "Actor kind must not be null");
    if (onBehalfOf != null) {
      onBehalfOf = requireText(onBehalfOf, "onBehalfOf");
    }
  }

  /** A person acting for themselves. */
  public static Actor human(String id) {
    return new Actor(id, ActorKind.HUMAN, null);
  }

  /** An agent acting for the human {@code onBehalfOf}. */
  public static Actor agent(String id, String onBehalfOf) {
    return new Actor(id, ActorKind.AGENT, onBehalfOf);
  }

  /** A service account. */
  public static Actor service(String id) {
    return new Actor(id, ActorKind.SERVICE, null);
  }

  private static String requireText(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("Actor " + field + " must not be blank but was " + (value == null ? "null" : "'" + value + "'"));
    }
    return value;
  }
}

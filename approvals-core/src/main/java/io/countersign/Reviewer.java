package io.countersign;

import java.util.Set;

/**
 * A verified human who votes on a request, as the channel authenticated them, with the groups the
 * directory says they belong to at the time of the vote.
 *
 * @param id the reviewer's principal id (the same id space as {@link Actor#id()})
 * @param groups the group names they belong to, without the {@code group:} prefix
 */
public record Reviewer(String id, Set<String> groups) {

  public Reviewer {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("Reviewer id must not be blank but was " + (id == null ? "null" : "'" + id + "'"));
    }
    groups = groups == null ? Set.of() : Set.copyOf(groups);
  }

  /** A reviewer with the given groups. */
  public static Reviewer of(String id, String... groups) {
    return new Reviewer(id, Set.of(groups));
  }
}

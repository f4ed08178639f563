package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditFormatException;
import io.countersign.audit.EventType;

import io.countersign.audit.FieldValue;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Finds events in an audit log on disk by action, actor, reviewer, decision and time, streaming
 * (memory stays flat). Search reads, it does not verify: run {@link AuditVerifier} first when the
 * answer must be trusted. Immutable and thread-safe.
 *
 * <pre>{@code
 * List<AuditEvent> denials = AuditSearch.builder().reviewer("bob").decision("DENY")
 *     .since(Instant.parse("2025-03-01T00:00:00Z")).build().find(Path.of("logs"), 100);
 * }</pre>
 *
 * Matching, per criterion (all given criteria must match):
 * <ul>
 *   <li>{@code action}: substring of {@code action.name}, {@code action.method} or a string {@code action};</li>
 *   <li>{@code actor}: equals {@code actor.id} or {@code onBehalfOf};</li>
 *   <li>{@code reviewer}: equals {@code vote.reviewer} or {@code by};</li>
 *   <li>{@code decision}: equals, ignoring case, {@code vote.decision} or {@code outcome};</li>
 *   <li>{@code since} (inclusive) / {@code until} (exclusive): on {@code time};</li>
 *   <li>{@code type}, {@code requestId}: equal.</li>
 * </ul>
 */
public final class AuditSearch {

  private final List<Predicate<AuditEvent>> criteria;
  private final String description;

  private AuditSearch(Builder b) {
    this.criteria = List.copyOf(b.criteria);
    this.description = String.join(", ", b.described);
  }

  /** Starts a search; without criteria it matches every event. */
  public static Builder builder() {
    return new Builder();
  }

  /** True if {@code event} matches every criterion. */
  public boolean matches(AuditEvent event) {
    for (Predicate<AuditEvent> c : criteria) {
      if (!c.test(event)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Streams the log at {@code path} (a directory of {@code audit-<seq>.jsonl} files or one JSON
   * Lines file, opened with {@link AuditLog#open(Path, AuditLog.Option...)}) and hands each
   * matching event to {@code visitor}. A torn last line is skipped.
   *
   * @return the number of matching events visited
   * @throws IOException if the log cannot be read
   * @throws AuditFormatException naming file and line, if a complete line is not an event
   */
  public long search(Path path, AuditLog.Visitor visitor) throws IOException {
    return search(AuditLog.open(path), visitor);
  }

  /** {@link #search(Path, AuditLog.Visitor)} over a log already opened. */
  public long search(AuditLog log, AuditLog.Visitor visitor) throws IOException {
    Objects.requireNonNull(log, "log must not be null");
    Objects.requireNonNull(visitor, "visitor must not be null");
    long[] found = {0};
    log.read(event -> {
      if (!matches(event)) {
        return true;
      }
      found[0]++;
      return visitor.visit(event);
    });
    return found[0];
  }

  /** The first {@code limit} matching events of the log at {@code path}. */
  public List<AuditEvent> find(Path path, int limit) throws IOException {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1 but was " + limit);
    }
    List<AuditEvent> out = new ArrayList<>();
    search(path, e -> {
      out.add(e);
      return out.size() < limit;
    });
    return out;
  }

  /** The criteria, e.g. {@code reviewer=bob, decision=DENY}. */
  @Override
  public String toString() {
    return "AuditSearch[" + description + "]";
  }

  private static String text(FieldValue node) {
    return node != null && node.isTextual() ? node.textValue() : null;
  }

  private static String path(AuditEvent e, String field, String sub) {
    FieldValue node = e.get(field);
    return node == null ? null : text(node.get(sub));
  }

  /** Collects search criteria; each setter checks its argument at once. */
  public static final class Builder {
    private final List<Predicate<AuditEvent>> criteria = new ArrayList<>();
    private final List<String> described = new ArrayList<>();
    private Instant since;

    private Builder() {
    }

    private Builder add(String what, Predicate<AuditEvent> p) {
      described.add(what);
      criteria.add(p);
      return this;
    }

    private static String nonBlank(String value, String name) {
      Objects.requireNonNull(value, name + " must not be null");
      if (value.isBlank()) {
        throw new IllegalArgumentException(name + " must not be blank but was '" + value + "'");
      }
      return value;
    }

    /** Events whose action name or method contains {@code text}. */
    public Builder action(String text) {
      nonBlank(text, "action");
      return add("action~" + text, e -> {
        String plain = e.text("action");
        String name = path(e, "action", "name");
        String method = path(e, "action", "method");
        return (plain != null && plain.contains(text)) || (name != null && name.contains(text))
            || (method != null && method.contains(text));
      });
    }

    /** Events requested by (or on behalf of) principal {@code id}. */
    public Builder actor(String id) {
      nonBlank(id, "actor");
      return add("actor=" + id, e -> id.equals(path(e, "actor", "id")) || id.equals(e.text("onBehalfOf")));
    }

    /** Votes cast (or actions taken) by reviewer {@code id}. */
    public Builder reviewer(String id) {
      nonBlank(id, "reviewer");
      return add("reviewer=" + id, e -> id.equals(path(e, "vote", "reviewer")) || id.equals(e.text("by")));
    }

    /** Events with vote decision or outcome {@code decision} (e.g. APPROVE, DENY, APPROVED, REJECTED, EXPIRED). */
    public Builder decision(String decision) {
      String d = nonBlank(decision, "decision").toUpperCase(Locale.ROOT);
      return add("decision=" + d, e -> {
        String vote = path(e, "vote", "decision");
        String outcome = e.text("outcome");
        return d.equalsIgnoreCase(vote == null ? "" : vote) || d.equalsIgnoreCase(outcome == null ? "" : outcome);
      });
    }

    /** Events of this type. */
    public Builder type(EventType type) {
      Objects.requireNonNull(type, "type must not be null");
      return add("type=" + type, e -> e.type().equals(type));
    }

    /** Events of this approval request. */
    public Builder requestId(String requestId) {
      nonBlank(requestId, "requestId");
      return add("requestId=" + requestId, e -> requestId.equals(e.requestId()));
    }

    /** Events at or after {@code since}. */
    public Builder since(Instant since) {
      Objects.requireNonNull(since, "since must not be null");
      this.since = since;
      return add("since=" + since, e -> !e.time().isBefore(since));
    }

    /** Events strictly before {@code until}. */
    public Builder until(Instant until) {
      Objects.requireNonNull(until, "until must not be null");
      if (since != null && !until.isAfter(since)) {
        throw new IllegalArgumentException("until must be after since (" + since + ") but was " + until);
      }
      return add("until=" + until, e -> e.time().isBefore(until));
    }

    /** Builds the search. */
    public AuditSearch build() {
      return new AuditSearch(this);
    }
  }
}

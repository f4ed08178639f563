package io.countersign.audit;

import io.countersign.internal.CanonicalJson;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The kind of an {@link AuditEvent}: an open set of names. The well-known types of the gate and
 * the trail are constants here; a module records its own with {@link #of(String)} (e.g. the
 * passkey module's {@code PASSKEY_ENROLLED}), and a type this code does not know parses and
 * verifies as an ordinary event, as {@code docs/AUDIT-FORMAT.md} requires of every verifier.
 *
 * <p>{@link #of(String)} returns the constant for a well-known name, so well-known types can be
 * compared with {@code ==}; compare other types with {@link #equals}. Immutable, thread-safe.
 */
public final class EventType {

  // Declared before the constants, which register themselves here while the class initialises.
  private static final Map<String, EventType> WELL_KNOWN = new HashMap<>();
  private static final List<EventType> WELL_KNOWN_ORDER = new ArrayList<>();

  /** An approval was requested for a gated call. */
  public static final EventType REQUESTED = wellKnown("REQUESTED");
  /** A reviewer voted (approve or deny), or a vote was refused. */
  public static final EventType VOTE = wellKnown("VOTE");
  /** The request was decided (approved, rejected, expired or unavailable). */
  public static final EventType DECIDED = wellKnown("DECIDED");
  /** The approved action ran and returned normally. */
  public static final EventType EXECUTED = wellKnown("EXECUTED");
  /** The approved action ran and threw. */
  public static final EventType FAILED = wellKnown("FAILED");
  /**
   * Reserved for other writers: the gate records an expiry as a {@link #DECIDED} event with outcome
   * {@code EXPIRED}, so that every request has exactly one DECIDED event.
   */
  public static final EventType EXPIRED = wellKnown("EXPIRED");
  /** The request could not be delivered to any reviewer channel. */
  public static final EventType DELIVERY_FAILED = wellKnown("DELIVERY_FAILED");
  /**
   * Reserved for other writers: the gate records a cancellation (caller interrupted, future
   * cancelled, gate closed) as a {@link #DECIDED} event with outcome {@code CANCELLED}.
   */
  public static final EventType CANCELLED = wellKnown("CANCELLED");
  /**
   * A named policy was replaced at runtime (e.g. a policy file reloaded), or a change was refused;
   * carries the old and new policy digests and who asked. Not tied to a request.
   */
  public static final EventType POLICY_CHANGED = wellKnown("POLICY_CHANGED");
  /** An authorised human pulled the emergency stop: every guarded call is denied. Carries {@code by}, {@code reason}. */
  public static final EventType HALTED = wellKnown("HALTED");
  /** A pending request reached its escalation delay: more reviewers became eligible and were notified. */
  public static final EventType ESCALATED = wellKnown("ESCALATED");
  /** The emergency stop was lifted after its resume request was approved. */
  public static final EventType RESUMED = wellKnown("RESUMED");
  /**
   * Written by {@link AuditTrail} itself: a signed head vouching for every event before it (in
   * checkpoint signing mode per batch of events, and in every signing mode when the trail closes).
   */
  public static final EventType CHECKPOINT = wellKnown("CHECKPOINT");
  /**
   * Written by {@link AuditTrail#rotateKey}: signed with the retiring key, it introduces the next
   * key id and its public key; later events must not be signed with the retired key.
   */
  public static final EventType KEY_ROTATION = wellKnown("KEY_ROTATION");

  private final String name;
  private final byte[] member; // the canonical "type":"NAME" member, written as is by the sealer

  private EventType(String name) {
    this.name = name;
    this.member = CanonicalJson.member("type", name);
  }

  private static EventType wellKnown(String name) {
    EventType type = new EventType(name);
    WELL_KNOWN.put(name, type);
    WELL_KNOWN_ORDER.add(type);
    return type;
  }

  /**
   * The type named {@code name}: the constant for a well-known name, otherwise a new value.
   *
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is empty
   */
  public static EventType of(String name) {
    Objects.requireNonNull(name, "event type name must not be null");
    EventType known = WELL_KNOWN.get(name);
    if (known != null) {
      return known;
    }
    if (name.isEmpty()) {
      throw new IllegalArgumentException("event type name must not be empty");
    }
    return new EventType(name);
  }

  /** The well-known types, in the order declared here. */
  public static List<EventType> wellKnown() {
    return Collections.unmodifiableList(WELL_KNOWN_ORDER);
  }

  /** Whether this is one of the constants of this class. */
  public boolean isWellKnown() {
    return WELL_KNOWN.get(name) == this;
  }

  /** The name as written in the {@code type} member of an event, e.g. {@code "VOTE"}. */
  public String name() {
    return name;
  }

  /** {@code "type":"NAME"} in canonical JSON; the caller must not change the array. */
  byte[] member() {
    return member;
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof EventType && ((EventType) o).name.equals(name));
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  /** The name, e.g. {@code VOTE}. */
  @Override
  public String toString() {
    return name;
  }
}

package io.countersign.audit;

/** The kind of an {@link AuditEvent}: one step in the life of an approval request. */
public enum EventType {
  /** An approval was requested for a gated call. */
  REQUESTED,
  /** A reviewer voted (approve or deny), or a vote was refused. */
  VOTE,
  /** The request was decided (approved, rejected, expired or unavailable). */
  DECIDED,
  /** The approved action ran and returned normally. */
  EXECUTED,
  /** The approved action ran and threw. */
  FAILED,
  /**
   * Reserved for other writers: the gate records an expiry as a {@link #DECIDED} event with outcome
   * {@code EXPIRED}, so that every request has exactly one DECIDED event.
   */
  EXPIRED,
  /** The request could not be delivered to any reviewer channel. */
  DELIVERY_FAILED,
  /**
   * Reserved for other writers: the gate records a cancellation (caller interrupted, future
   * cancelled, gate closed) as a {@link #DECIDED} event with outcome {@code CANCELLED}.
   */
  CANCELLED,
  /**
   * A named policy was replaced at runtime (e.g. a policy file reloaded), or a change was refused;
   * carries the old and new policy digests and who asked. Not tied to a request.
   */
  POLICY_CHANGED,
  /** An authorised human pulled the emergency stop: every guarded call is denied. Carries {@code by}, {@code reason}. */
  HALTED,
  /** A pending request reached its escalation delay: more reviewers became eligible and were notified. */
  ESCALATED,
  /** The emergency stop was lifted after its resume request was approved. */
  RESUMED,
  /**
   * Written by {@link AuditTrail} itself: a signed head vouching for every event before it (in
   * checkpoint signing mode per batch of events, and in every signing mode when the trail closes).
   */
  CHECKPOINT,
  /**
   * Written by {@link AuditTrail#rotateKey}: signed with the retiring key, it introduces the next
   * key id and its public key; later events must not be signed with the retired key.
   */
  KEY_ROTATION,
  /**
   * A reviewer enrolled a passkey (WebAuthn credential) bound to their identity; carries the
   * reviewer id, the credential id and the registration (attestation object, client data) so that
   * the set of valid reviewer keys is itself part of the verifiable trail. Not tied to a request.
   */
  PASSKEY_ENROLLED,
  /** A reviewer's passkey was revoked; votes it signs afterwards are not accepted. Not tied to a request. */
  PASSKEY_REVOKED
}

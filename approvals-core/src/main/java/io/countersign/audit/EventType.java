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
    /** The request timed out without a decision. */
    EXPIRED,
    /** The request could not be delivered to any reviewer channel. */
    DELIVERY_FAILED,
    /** The request was cancelled (caller interrupted or cancelled the call). */
    CANCELLED,
    /**
     * A named policy was replaced at runtime (e.g. a policy file reloaded), or a change was refused;
     * carries the old and new policy digests and who asked. Not tied to a request.
     */
    POLICY_CHANGED
}

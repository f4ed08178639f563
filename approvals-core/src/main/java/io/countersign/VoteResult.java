package io.countersign;

import java.util.Objects;

/**
 * The gate's answer to a vote: counted (possibly deciding the request) or refused with a reason a
 * channel can show to the reviewer.
 *
 * @param refusal why the vote was refused, or {@code null} when it was counted
 * @param state the request's state after the vote ({@code null} for an unknown request)
 * @param message a sentence for the reviewer
 */
public record VoteResult(Refusal refusal, RequestState state, String message) {

  /** Why a vote was not counted. */
  public enum Refusal {
    /** The reviewer is the requester. */
    SELF_APPROVAL,
    /** The reviewer is the human the requesting agent acts for. */
    ON_BEHALF_OF,
    /** The reviewer is not among the eligible ids or groups. */
    NOT_ELIGIBLE,
    /** The reviewer already approved; a person counts once. */
    DUPLICATE,
    /** An approval needs a reason under this rule. */
    REASON_REQUIRED,
    /** The request was already decided; terminal states never change. */
    ALREADY_DECIDED,
    /** The request expired before the vote. */
    EXPIRED,
    /** No request has this id (or it is no longer known). */
    UNKNOWN_REQUEST,
    /** The vote could not be recorded in the audit trail, so it was not counted. */
    AUDIT_UNAVAILABLE,
    /** The caller waiting for the request is gone (its process died); the request was abandoned. */
    ABANDONED,
    /** The request store could not be reached or refused the change, so the vote was not counted. */
    STORE_UNAVAILABLE
  }

  public VoteResult {
    Objects.requireNonNull(message, "message");
  }

  /** Whether the vote was counted. */
  public boolean counted() {
    return refusal == null;
  }
}

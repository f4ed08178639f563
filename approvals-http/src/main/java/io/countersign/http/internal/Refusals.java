package io.countersign.http.internal;

import io.countersign.VoteResult;

/** Maps the gate's vote refusals to HTTP status codes; the gate decides, this only translates. */
public final class Refusals {

  private Refusals() {}

  /** The HTTP status for a refused vote. */
  public static int httpStatus(VoteResult.Refusal refusal) {
    return switch (refusal) {
      case SELF_APPROVAL, ON_BEHALF_OF, NOT_ELIGIBLE -> 403;
      case REASON_REQUIRED -> 400;
      case DUPLICATE, ALREADY_DECIDED -> 409;
      case EXPIRED -> 410;
      case UNKNOWN_REQUEST -> 404;
      case ABANDONED -> 410;
      case AUDIT_UNAVAILABLE, STORE_UNAVAILABLE -> 503;
      // a refusal this version does not know is still a refusal: answer "forbidden", never "ok"
      default -> 403;
    };
  }
}

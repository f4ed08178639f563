package io.countersign.http.internal;

import io.countersign.Decision;

/** Input checks shared by the API and the page (the gate still decides whether a vote counts). */
public final class VoteForms {

  private VoteForms() {}

  /**
   * What is wrong with this reason for this decision, or {@code null}. A deny must say why: the
   * requester and the audit trail need to know; the gate's own rule may also require reasons for
   * approvals, which it reports itself.
   */
  public static String reasonProblem(Decision decision, String reason) {
    if (decision == Decision.DENY && (reason == null || reason.isBlank())) {
      return "reason is required to deny: say why, so the requester and the audit trail know.";
    }
    if (reason != null && reason.length() > ApiHandler.MAX_REASON_LENGTH) {
      return "reason must have at most " + ApiHandler.MAX_REASON_LENGTH + " characters but had " + reason.length() + ".";
    }
    return null;
  }
}

package io.countersign;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot of one request: its state, the counted votes and the quorum progress. Channels use it
 * to render progress ("1 of 2 approvals") and outcomes.
 *
 * @param request the request
 * @param state its state at the time of the snapshot
 * @param votes counted votes, in order
 * @param approvals distinct approvals so far
 * @param decidedAt when it reached a terminal state, or {@code null}
 * @param outcomeReason why it ended as it did, or {@code null} while pending
 */
public record ApprovalStatus(
    ApprovalRequest request, RequestState state, List<VoteRecord> votes, int approvals, Instant decidedAt, String outcomeReason) {

  public ApprovalStatus {
    votes = List.copyOf(votes);
  }

  /** The number of approvals needed. */
  public int quorum() {
    return request.rule().quorum();
  }
}

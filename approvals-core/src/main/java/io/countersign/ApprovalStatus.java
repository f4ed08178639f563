package io.countersign;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The whole state of one request, as one immutable value: its state, the counted votes, the
 * progress of each quorum clause, the decision, whether the escalation happened and whether an
 * approval was claimed for execution. Only the gate's transition function produces new values; a
 * {@link io.countersign.spi.RequestStore} persists them. Channels use it to render progress
 * ("1 of 2 approvals") and outcomes.
 *
 * @param request the request
 * @param state its state at the time of the snapshot
 * @param votes counted votes, in order
 * @param progress distinct approvals counted toward each quorum clause of the request's
 *     {@link ApprovalRequirement}, in declaration order
 * @param decidedAt when it reached a terminal state, or {@code null}
 * @param outcomeReason why it ended as it did, or {@code null} while pending
 * @param escalated whether the requirement's escalation happened
 * @param executionClaimed whether the approval was claimed to run its call (an approval runs once)
 */
public record ApprovalStatus(ApprovalRequest request, RequestState state, List<VoteRecord> votes, List<Integer> progress,
    Instant decidedAt, String outcomeReason, boolean escalated, boolean executionClaimed) {

  public ApprovalStatus {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(state, "state");
    votes = List.copyOf(votes);
    progress = List.copyOf(progress);
    if (progress.size() != request.requirement().quorums().size()) {
      throw new IllegalArgumentException("progress must have one count per quorum clause ("
          + request.requirement().quorums().size() + ") but was " + progress);
    }
  }

  /** A snapshot of a one-clause request with {@code approvals} counted (neither escalated nor claimed). */
  public ApprovalStatus(ApprovalRequest request, RequestState state, List<VoteRecord> votes, int approvals, Instant decidedAt,
      String outcomeReason) {
    this(request, state, votes, progressOf(request, approvals), decidedAt, outcomeReason, false, false);
  }

  /** A request just opened: pending, no votes. */
  public static ApprovalStatus pending(ApprovalRequest request) {
    return new ApprovalStatus(request, RequestState.PENDING, List.of(), progressOf(request, 0), null, null, false, false);
  }

  private static List<Integer> progressOf(ApprovalRequest request, int firstClause) {
    Integer[] counts = new Integer[request.requirement().quorums().size()];
    java.util.Arrays.fill(counts, 0);
    counts[0] = firstClause;
    return List.of(counts);
  }

  /** Distinct approvals counted so far, over all clauses. */
  public int approvals() {
    int n = 0;
    for (int p : progress) {
      n += p;
    }
    return n;
  }

  /** The number of approvals needed. */
  public int quorum() {
    return request.requirement().quorum();
  }
}

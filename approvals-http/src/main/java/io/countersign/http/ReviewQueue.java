package io.countersign.http;

import io.countersign.ApprovalGate;
import io.countersign.ApprovalStatus;
import io.countersign.Vote;
import io.countersign.VoteResult;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the HTTP API and the reviewer page find requests and send votes. Two sources ship:
 * a {@link WebApprover} (the page is one delivery channel among others, and only shows what was
 * delivered to it) and {@link #of(ApprovalGate)} (the page shows every request pending in a gate).
 *
 * <p>Contract: thread-safe; {@link #vote} hands the vote to the gate, which alone decides whether it
 * counts; implementations never filter or judge votes themselves.
 */
public interface ReviewQueue {

  /** Requests waiting for a decision, oldest first. */
  List<ApprovalStatus> pending();

  /** The current status of a pending or recently decided request. */
  Optional<ApprovalStatus> find(String requestId);

  /** Hands {@code vote} to the gate for the request with this id and returns its answer. */
  VoteResult vote(String requestId, Vote vote);

  /** A queue showing every request pending in {@code gate}, whichever channels it was delivered to. */
  static ReviewQueue of(ApprovalGate gate) {
    Objects.requireNonNull(gate, "gate");
    return new ReviewQueue() {
      @Override
      public List<ApprovalStatus> pending() {
        return gate.pending();
      }

      @Override
      public Optional<ApprovalStatus> find(String requestId) {
        return gate.status(requestId);
      }

      @Override
      public VoteResult vote(String requestId, Vote vote) {
        return gate.vote(requestId, vote);
      }

      @Override
      public String toString() {
        return "ReviewQueue.of(" + gate + ")";
      }
    };
  }
}

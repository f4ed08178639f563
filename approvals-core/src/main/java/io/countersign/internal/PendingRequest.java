package io.countersign.internal;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.Decision;
import io.countersign.RequestState;
import io.countersign.Vote;
import io.countersign.VoteRecord;
import io.countersign.VoteResult;
import io.countersign.VoteResult.Refusal;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.spi.TimeSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state machine of one request: PENDING until the first of {quorum reached, a deny, the
 * deadline, cancellation, a failure} wins under the lock; the terminal state never changes.
 *
 * <p>Votes are rare and each must be validated, recorded durably and applied as one step, so a
 * plain per-request lock is simpler and safer than a lock-free design; nothing global is held.
 */
final class PendingRequest {

  private final GateEngine engine;
  final ApprovalRequest request;
  final GuardedMethod method;
  /** Completes (outside the lock) with the terminal state. */
  final CompletableFuture<RequestState> decision = new CompletableFuture<>();
  /** Serializes {@code Approver.update} calls for this request. */
  final Object updates = new Object();

  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicBoolean executionClaimed = new AtomicBoolean();
  private final List<VoteRecord> votes = new ArrayList<>();
  private final Set<String> approvedBy = new LinkedHashSet<>();
  private RequestState state = RequestState.PENDING;
  private Instant decidedAt;
  private String outcomeReason;
  private TimeSource.Cancellable deadlineTimer;

  PendingRequest(GateEngine engine, ApprovalRequest request, GuardedMethod method) {
    this.engine = engine;
    this.request = request;
    this.method = method;
  }

  void deadlineTimer(TimeSource.Cancellable timer) {
    lock.lock();
    try {
      if (state.isTerminal()) {
        timer.cancel();
      } else {
        this.deadlineTimer = timer;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Validates, records and applies one vote. */
  VoteResult vote(Vote vote) {
    VoteResult result;
    boolean changed = false;
    lock.lock();
    try {
      Instant now = engine.now();
      Refusal refusal = null;
      if (state.isTerminal()) {
        refusal = state == RequestState.EXPIRED ? Refusal.EXPIRED : Refusal.ALREADY_DECIDED;
      } else if (!now.isBefore(request.deadline())) {
        // the deadline timer has not fired yet, but the deadline has passed: the deadline wins
        transition(RequestState.EXPIRED, "no decision before the deadline " + request.deadline());
        changed = true;
        refusal = Refusal.EXPIRED;
      } else {
        refusal = refusalFor(vote);
      }
      if (refusal != null) {
        String message = message(refusal, vote);
        engine.recordQuietly(voteEvent(vote, false, refusal.name()));
        result = new VoteResult(refusal, state, message);
      } else if (!engine.record(voteEvent(vote, true, null))) {
        result = new VoteResult(Refusal.AUDIT_UNAVAILABLE, state,
            "Your vote could not be recorded in the audit trail, so it was not counted. Try again later.");
      } else {
        votes.add(new VoteRecord(vote.reviewer().id(), vote.decision(), vote.reason(), vote.channel(), now));
        changed = true;
        if (vote.decision() == Decision.DENY) {
          transition(RequestState.REJECTED, "denied by " + vote.reviewer().id()
              + (vote.reason() == null || vote.reason().isBlank() ? "" : ": " + vote.reason()));
        } else {
          approvedBy.add(vote.reviewer().id());
          if (approvedBy.size() >= request.rule().quorum()) {
            transition(RequestState.APPROVED, "approved by " + String.join(", ", approvedBy));
          }
        }
        result = new VoteResult(null, state, state == RequestState.PENDING
            ? "Vote counted: " + approvedBy.size() + " of " + request.rule().quorum() + " approvals."
            : "Vote counted; the request is now " + state + ".");
      }
    } finally {
      lock.unlock();
    }
    if (changed) {
      engine.afterChange(this);
    }
    return result;
  }

  private Refusal refusalFor(Vote vote) {
    String reviewer = vote.reviewer().id();
    if (reviewer.equals(request.actor().id())) {
      return Refusal.SELF_APPROVAL;
    }
    if (reviewer.equals(request.actor().onBehalfOf())) {
      return Refusal.ON_BEHALF_OF;
    }
    if (!request.rule().isEligible(vote.reviewer())) {
      return Refusal.NOT_ELIGIBLE;
    }
    if (vote.decision() == Decision.APPROVE && approvedBy.contains(reviewer)) {
      return Refusal.DUPLICATE;
    }
    if (vote.decision() == Decision.APPROVE && request.rule().reasonRequired()
        && (vote.reason() == null || vote.reason().isBlank())) {
      return Refusal.REASON_REQUIRED;
    }
    return null;
  }

  private String message(Refusal refusal, Vote vote) {
    String who = vote.reviewer().id();
    return switch (refusal) {
      case SELF_APPROVAL -> who + " requested this action and cannot approve or deny it.";
      case ON_BEHALF_OF -> "The agent " + request.actor().id() + " acts for " + who
          + ", so " + who + " cannot approve or deny its request.";
      case NOT_ELIGIBLE -> who + " is not an eligible reviewer (eligible: " + String.join(", ", request.rule().approvers()) + ").";
      case DUPLICATE -> who + " has already approved; each reviewer counts once.";
      case REASON_REQUIRED -> "This approval needs a reason.";
      case ALREADY_DECIDED -> "The request was already decided: " + state + ".";
      case EXPIRED -> "The request expired at " + request.deadline() + ".";
      default -> refusal.name();
    };
  }

  /** Ends the request as {@code target} unless it already ended; returns whether this call ended it. */
  boolean end(RequestState target, String reason) {
    boolean ended;
    lock.lock();
    try {
      ended = state == RequestState.PENDING;
      if (ended) {
        transition(target, reason);
      }
    } finally {
      lock.unlock();
    }
    if (ended) {
      engine.afterChange(this);
    }
    return ended;
  }

  /** Under the lock: records DECIDED and moves to the terminal state (FAILED if an approval cannot be recorded). */
  private void transition(RequestState target, String reason) {
    AuditEvent.Builder decided = engine.decidedEvent(request, target, reason, approvedBy.size());
    if (!engine.record(decided) && target == RequestState.APPROVED) {
      target = RequestState.FAILED;
      reason = "the approval could not be recorded in the audit trail, so it does not count";
      engine.recordQuietly(engine.decidedEvent(request, target, reason, approvedBy.size()));
    }
    state = target;
    outcomeReason = reason;
    decidedAt = engine.now();
    if (deadlineTimer != null) {
      deadlineTimer.cancel();
    }
  }

  private AuditEvent.Builder voteEvent(Vote vote, boolean counted, String refusal) {
    return engine.event(EventType.VOTE, request)
        .field("vote", AuditFields.vote(vote, counted, refusal))
        .field("approvals", approvedBy.size() + (counted && vote.decision() == Decision.APPROVE ? 1 : 0))
        .field("quorum", request.rule().quorum());
  }

  /** True once: the approval authorizes exactly one execution. */
  boolean claimExecution() {
    return executionClaimed.compareAndSet(false, true);
  }

  RequestState state() {
    lock.lock();
    try {
      return state;
    } finally {
      lock.unlock();
    }
  }

  ApprovalStatus status() {
    lock.lock();
    try {
      return new ApprovalStatus(request, state, votes, approvedBy.size(), decidedAt, outcomeReason);
    } finally {
      lock.unlock();
    }
  }
}

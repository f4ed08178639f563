package io.countersign.internal;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.RequestState;
import io.countersign.Vote;
import io.countersign.VoteResult;
import io.countersign.spi.TimeSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * This instance's handle on one request its caller waits for: the future the caller waits on and the
 * deadline timer. The request's state itself (votes, decision, execution claim) lives in the
 * gate's {@link io.countersign.spi.RequestStore} (the one authority, possibly shared with other
 * instances); every change goes through {@link Lifecycle} under the store's lock under the store's lock.
 */
final class PendingRequest {

  private final Requests engine;
  final ApprovalRequest request;
  final GuardedMethod method;
  /** Completes with the terminal state once this instance learns it (from its own change or the store's hint). */
  final CompletableFuture<RequestState> decision = new CompletableFuture<>();

  private final AtomicReference<TimeSource.Cancellable> deadlineTimer = new AtomicReference<>();

  PendingRequest(Requests engine, ApprovalRequest request, GuardedMethod method) {
    this.engine = engine;
    this.request = request;
    this.method = method;
  }

  void deadlineTimer(TimeSource.Cancellable timer) {
    deadlineTimer.set(timer);
    if (decision.isDone()) {
      cancelTimer();
    }
  }

  void cancelTimer() {
    TimeSource.Cancellable timer = deadlineTimer.getAndSet(null);
    if (timer != null) {
      timer.cancel();
    }
  }

  /** Validates, records and applies one vote. */
  VoteResult vote(Vote vote) {
    return engine.vote(request.id(), vote);
  }

  /** Ends the request as {@code target} unless it already ended; returns whether this call ended it. */
  boolean end(RequestState target, String reason) {
    return engine.end(request.id(), target, reason);
  }

  RequestState state() {
    return status().state();
  }

  ApprovalStatus status() {
    return engine.statusOf(this);
  }
}

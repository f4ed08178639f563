package io.countersign.http;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.RequestState;
import io.countersign.Vote;
import io.countersign.VoteResult;
import io.countersign.spi.Approver;
import io.countersign.spi.VoteSink;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web channel as an {@link Approver}: delivering a request only registers it (and the
 * {@link VoteSink} the gate bound to it) so that the reviewer page and the HTTP API can show it
 * and hand votes back through that sink. Votes therefore reach exactly the request they were cast
 * on, and the gate applies every rule. Combine it with other channels through
 * {@link io.countersign.CompositeApprover}.
 *
 * <p>Decided requests stay visible (so a late vote is answered "already decided" or "expired"
 * rather than "unknown") until more than {@link #DEFAULT_RETAINED_DECIDED} newer ones were decided.
 * Thread-safe; delivery never fails.
 */
public final class WebApprover implements Approver, ReviewQueue {

  /** How many decided requests are kept for late lookups and votes by default. */
  public static final int DEFAULT_RETAINED_DECIDED = 1_000;

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Deque<String> decidedOrder = new ArrayDeque<>();
  private final int retainedDecided;

  private static final class Entry {
    final VoteSink sink;
    volatile ApprovalStatus status;

    Entry(VoteSink sink, ApprovalStatus status) {
      this.sink = sink;
      this.status = status;
    }
  }

  /** A web channel keeping the last {@value #DEFAULT_RETAINED_DECIDED} decided requests. */
  public WebApprover() {
    this(DEFAULT_RETAINED_DECIDED);
  }

  /** A web channel keeping the last {@code retainedDecided} decided requests. */
  public WebApprover(int retainedDecided) {
    if (retainedDecided < 0) {
      throw new IllegalArgumentException("retainedDecided must be >= 0 but was " + retainedDecided);
    }
    this.retainedDecided = retainedDecided;
  }

  @Override
  public void request(ApprovalRequest request, VoteSink votes) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(votes, "votes");
    entries.putIfAbsent(request.id(), new Entry(votes, new ApprovalStatus(request, RequestState.PENDING, List.of(), 0, null, null)));
  }

  @Override
  public void update(ApprovalStatus status) {
    Entry e = entries.get(status.request().id());
    if (e == null) {
      return;
    }
    synchronized (e) {
      ApprovalStatus current = e.status;
      // updates come from different threads outside the gate's lock: never let an older one win
      if (current.state().isTerminal() || (!status.state().isTerminal() && status.votes().size() < current.votes().size())) {
        return;
      }
      e.status = status;
    }
    if (status.state().isTerminal()) {
      synchronized (decidedOrder) {
        if (!decidedOrder.contains(status.request().id())) {
          decidedOrder.addLast(status.request().id());
        }
        while (decidedOrder.size() > retainedDecided) {
          entries.remove(decidedOrder.removeFirst());
        }
      }
    }
  }

  @Override
  public List<ApprovalStatus> pending() {
    return entries.values().stream().map(e -> e.status)
        .filter(s -> s.state() == RequestState.PENDING)
        .sorted(Comparator.comparing((ApprovalStatus s) -> s.request().createdAt()).thenComparing(s -> s.request().id()))
        .toList();
  }

  @Override
  public Optional<ApprovalStatus> find(String requestId) {
    Entry e = requestId == null ? null : entries.get(requestId);
    return e == null ? Optional.empty() : Optional.of(e.status);
  }

  @Override
  public VoteResult vote(String requestId, Vote vote) {
    Entry e = requestId == null ? null : entries.get(requestId);
    if (e == null) {
      return new VoteResult(VoteResult.Refusal.UNKNOWN_REQUEST, null,
          "No approval request with this id was delivered to the web channel.");
    }
    return e.sink.vote(vote);
  }

  @Override
  public String toString() {
    return "WebApprover[" + entries.size() + " requests]";
  }
}

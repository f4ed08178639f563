package io.countersign.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.RequestState;
import io.countersign.spi.RequestStore;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * The default {@link RequestStore}: each request's {@link ApprovalStatus} in this JVM, one lock per
 * request (votes are rare and each must be validated, recorded and applied as one step, so a plain lock is simpler and safer than a
 * lock-free design; nothing global is held). Decided requests are kept for an hour (at most 10,000)
 * so that late votes are refused as "already decided" and recorded, not "unknown".
 */
public final class InMemoryRequestStore implements RequestStore {

  private static final class Entry {
    final ReentrantLock lock = new ReentrantLock();
    volatile ApprovalStatus status;

    Entry(ApprovalStatus status) {
      this.status = status;
    }
  }

  private final ConcurrentHashMap<String, Entry> pending = new ConcurrentHashMap<>();
  private final Cache<String, Entry> decided =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofHours(1)).build();

  @Override
  public void create(ApprovalRequest request, DeferredCall deferred) {
    if (deferred != null) {
      throw new UnsupportedOperationException("The in-memory request store cannot persist deferred invocations: "
          + "configure a durable RequestStore (approvals-postgres) for @RequiresApproval(mode = DEFERRED)");
    }
    Entry entry = new Entry(ApprovalStatus.pending(request));
    if (pending.putIfAbsent(request.id(), entry) != null || decided.getIfPresent(request.id()) != null) {
      throw new IllegalStateException("a request with id '" + request.id() + "' already exists");
    }
  }

  @Override
  public ApprovalStatus update(String requestId, UnaryOperator<ApprovalStatus> transition) {
    Entry entry = entry(requestId);
    if (entry == null) {
      throw new NoSuchElementException("No approval request has the id '" + requestId + "'");
    }
    entry.lock.lock();
    try {
      ApprovalStatus before = entry.status;
      ApprovalStatus after = Objects.requireNonNull(transition.apply(before), "transition result");
      if (after == before) {
        return before;
      }
      if (before.state().isTerminal() && (after.state() != before.state() || !after.votes().equals(before.votes()))) {
        throw new IllegalStateException("request " + requestId + " is " + before.state() + "; terminal states never change");
      }
      entry.status = after;
      if (after.state().isTerminal() && !before.state().isTerminal()) {
        // decided first: a concurrent lookup must always find the request in one of the two maps
        decided.put(requestId, entry);
        pending.remove(requestId, entry);
      }
      return after;
    } finally {
      entry.lock.unlock();
    }
  }

  @Override
  public Optional<ApprovalStatus> find(String requestId) {
    Entry entry = requestId == null ? null : entry(requestId);
    return entry == null ? Optional.empty() : Optional.of(entry.status);
  }

  @Override
  public List<ApprovalStatus> pending() {
    return pending.values().stream()
        .map(e -> e.status)
        .filter(s -> s.state() == RequestState.PENDING)
        .sorted(Comparator.comparing(s -> s.request().createdAt()))
        .toList();
  }

  private Entry entry(String requestId) {
    Entry entry = pending.get(requestId);
    return entry != null ? entry : decided.getIfPresent(requestId);
  }

  @Override
  public String toString() {
    return "InMemoryRequestStore[pending=" + pending.size() + "]";
  }
}

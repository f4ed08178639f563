package io.countersign.postgres;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.Invocation;
import io.countersign.Reviewer;
import io.countersign.Vote;
import io.countersign.VoteResult;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.spi.TargetResolver;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * One "instance" of a service in the tests: its own gate, PostgreSQL store (own pool), audit sink
 * and {@link Ops} bean named "ops". Several share one database as separate service instances would.
 */
final class Instance implements AutoCloseable {

  static final Actor AGENT = Actor.agent("ops-agent", "dave");

  final PostgresRequestStore store;
  final ApprovalGate gate;
  final InMemoryAuditSink audit = new InMemoryAuditSink();
  final Ops ops = new Ops();
  /** Ids of the requests opened through this instance's approver, in order. */
  final ConcurrentLinkedQueue<String> requested = new ConcurrentLinkedQueue<>();
  /** Opens when the first request was delivered. */
  final java.util.concurrent.CountDownLatch firstRequest = new java.util.concurrent.CountDownLatch(1);

  Instance(String url, Consumer<PostgresRequestStore.Builder> storeSettings) {
    this(url, storeSettings, true);
  }

  /** With {@code runsDeferred} false the gate has no TargetResolver: it votes, but never runs deferred work. */
  Instance(String url, Consumer<PostgresRequestStore.Builder> storeSettings, boolean runsDeferred) {
    this(url, storeSettings, runsDeferred, gb -> {});
  }

  /** As above, with more gate settings (listeners, executor). */
  Instance(String url, Consumer<PostgresRequestStore.Builder> storeSettings, boolean runsDeferred,
      Consumer<ApprovalGate.Builder> gateSettings) {
    PostgresRequestStore.Builder b = PostgresRequestStore.builder().jdbcUrl(url, "postgres", null).maxPoolSize(4);
    storeSettings.accept(b);
    store = b.build();
    ApprovalGate.Builder gb = ApprovalGate.builder();
    if (runsDeferred) {
      gb.targetResolver(TargetResolver.of(Map.of("ops", ops)));
    }
    gateSettings.accept(gb);
    gate = gb
        .approver((request, votes) -> {
          requested.add(request.id());
          firstRequest.countDown();
        })
        .auditSink(audit)
        .requestStore(store)
        .checkGuarded(Ops.class)
        .build();
  }

  /** Short intervals so that tests finish quickly; LISTEN on. */
  static Instance fast(String url, boolean runsDeferred) {
    return new Instance(url, FAST, runsDeferred);
  }

  static final Consumer<PostgresRequestStore.Builder> FAST = b -> b.pollInterval(Duration.ofMillis(200))
      .heartbeatInterval(Duration.ofMillis(200)).staleAfter(Duration.ofSeconds(1));

  /** Calls {@code Ops#method(arg)} as the agent, waiting for the decision on another thread. */
  CompletableFuture<Object> callAsync(String method, String arg) {
    return CompletableFuture.supplyAsync(() -> call(method, arg));
  }

  /**
   * Calls {@code Ops#method(arg)} through {@code gate.guardAsync}: no thread waits for the decision;
   * the returned future completes when the call ran (or was refused).
   */
  CompletableFuture<Object> guardAsync(String method, String arg) {
    try {
      Method m = Ops.class.getMethod(method, String.class);
      Invocation invocation = Invocation.of(m, ops, new Object[] {arg});
      return ActorContext.runAs(AGENT, "test", () -> gate.guardAsync(invocation, () -> {
        try {
          return CompletableFuture.completedFuture(m.invoke(ops, arg));
        } catch (ReflectiveOperationException e) {
          return CompletableFuture.failedFuture(e);
        }
      }));
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Calls {@code Ops#method(arg)} as the agent on this thread (a deferred call returns at once). */
  Object call(String method, String arg) {
    try {
      Method m = Ops.class.getMethod(method, String.class);
      Invocation invocation = Invocation.of(m, ops, new Object[] {arg});
      return ActorContext.runAs(AGENT, "test", () -> {
        try {
          return gate.guard(invocation, () -> m.invoke(ops, arg));
        } catch (Throwable t) {
          throw t instanceof Exception e ? e : new RuntimeException(t);
        }
      });
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new java.util.concurrent.CompletionException(e);
    }
  }

  VoteResult approve(String requestId, String reviewer) {
    return gate.vote(requestId, Vote.approve(Reviewer.of(reviewer), "ok", "test"));
  }

  VoteResult deny(String requestId, String reviewer) {
    return gate.vote(requestId, Vote.deny(Reviewer.of(reviewer), "no", "test"));
  }

  List<AuditEvent> events(EventType type, String requestId) {
    return audit.events(requestId).stream().filter(e -> e.type().equals(type)).toList();
  }

  @Override
  public void close() {
    gate.close();
  }
}

package io.countersign.internal;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.CallContext;
import io.countersign.PolicyRef;
import io.countersign.RequestState;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the gate's audit events: builds each with the fields every event of a request carries,
 * and either waits until it is durable ({@link #record}) or hands it to the trail without waiting
 * ({@link #recordQuietly}) when its loss cannot change an outcome.
 */
final class AuditRecorder {

  private static final Logger LOG = LoggerFactory.getLogger("io.countersign.gate");

  private final GateSettings settings;

  AuditRecorder(GateSettings settings) {
    this.settings = settings;
  }

  Instant now() {
    return settings.time().now();
  }

  AuditEvent.Builder event(EventType type, ApprovalRequest request) {
    return AuditEvent.builder(type).time(now()).requestId(request.id())
        .field("traceId", request.traceId())
        .field("action", AuditFields.action(request))
        .field("policy", AuditFields.policy(request.policy()));
  }

  AuditEvent.Builder decidedEvent(ApprovalStatus s) {
    return decidedEvent(s.request(), s.state(), s.outcomeReason(), s.approvals());
  }

  AuditEvent.Builder decidedEvent(ApprovalRequest request, RequestState outcome, String reason, int approvals) {
    return event(EventType.DECIDED, request)
        .field("outcome", outcome.name())
        .field("reason", reason)
        .field("argsDigest", request.argsDigest())
        .field("approvals", approvals)
        .field("quorum", request.requirement().quorum());
  }

  AuditEvent.Builder failedEvent(ApprovalRequest request, Throwable error) {
    // the exception's class only: its message may contain sensitive argument values
    return event(EventType.FAILED, request).field("error", error.getClass().getName());
  }

  AuditEvent.Builder policyDenial(GuardedMethod gm, CallContext caller, PolicyRef policyRef, RequestState outcome, String reason) {
    Map<String, Object> action = Map.of("name", gm.action(), "method", gm.methodId());
    AuditEvent.Builder b = AuditEvent.builder(EventType.DECIDED).time(now()).requestId(settings.idSource().get())
        .field("traceId", caller.traceId())
        .field("action", action)
        .field("actor", AuditFields.actor(caller.actor()))
        .field("onBehalfOf", caller.actor().onBehalfOf())
        .field("outcome", outcome.name())
        .field("reason", reason);
    if (policyRef != null) {
      b.field("policy", AuditFields.policy(policyRef));
    }
    return b;
  }

  /** Records an event durably; false (logged) if it could not be recorded in time. */
  boolean record(AuditEvent.Builder event) {
    try {
      settings.trail().record(event).get(settings.auditTimeout().toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.error("Interrupted while recording an audit event; treating it as not recorded");
      return false;
    } catch (ExecutionException e) {
      LOG.error("Audit event could not be recorded: {}", e.getCause().toString());
      return false;
    } catch (Exception e) {
      LOG.error("Audit event could not be recorded: {}", e.toString());
      return false;
    }
  }

  /**
   * Hands an event to the trail without waiting for it to be durable; false if the trail refused it
   * at once. Its durability is then implied by the next event that is waited for (the trail confirms
   * an event only once every earlier one is durable); a later failure is logged and fails that one.
   */
  boolean enqueue(AuditEvent.Builder event) {
    CompletableFuture<AuditEvent> recorded;
    try {
      recorded = settings.trail().record(event);
    } catch (RuntimeException e) {
      LOG.error("Audit event could not be recorded: {}", e.toString());
      return false;
    }
    recorded.exceptionally(e -> {
      LOG.error("Audit event could not be recorded: {}", e.toString());
      return null;
    });
    return !recorded.isCompletedExceptionally();
  }

  /**
   * Records an event whose loss cannot change the outcome (refused votes, EXECUTED, FAILED, ...)
   * without making the caller wait for its fsync: it is sealed in order at once, and a failure to
   * make it durable is logged (and fails closed for every later event, see AuditTrail).
   */
  void recordQuietly(AuditEvent.Builder event) {
    enqueue(event);
  }
}

package io.countersign.internal;

import io.countersign.ApprovalBindingException;
import io.countersign.ApprovalCancelledException;
import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.ApprovalUnavailableException;
import io.countersign.HaltStatus;
import io.countersign.Invocation;
import io.countersign.RequestState;
import io.countersign.Reviewer;
import io.countersign.Vote;
import io.countersign.VoteResult;
import io.countersign.audit.EventType;
import io.countersign.spi.RequestStore.ExecutionState;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate behind {@link ApprovalGate}: a small coordinator over parts with one job each. For one
 * guarded call it asks {@link Admission} whether the call needs approval, opens the request through
 * {@link Requests} (whose state only {@link Lifecycle} changes) or {@link DeferredExecution}, waits
 * for the decision, and runs the approved call once. {@link EmergencyStop} and {@link AuditRecorder}
 * serve every part.
 */
public final class GateEngine {

  private static final Logger LOG = LoggerFactory.getLogger("io.countersign.gate");

  private final GateSettings settings;
  private final AuditRecorder audit;
  private final Admission admission;
  private final Requests requests;
  private final EmergencyStop stop;
  private final DeferredExecution deferred;
  private volatile boolean closed;

  public GateEngine(GateSettings settings) {
    this.settings = settings;
    this.audit = new AuditRecorder(settings);
    this.admission = new Admission(settings, audit, this::halted);
    this.requests = new Requests(settings, audit, admission, this::halted, this::deferredReady);
    this.stop = new EmergencyStop(settings, audit, requests);
    this.deferred = new DeferredExecution(settings, audit, requests, this::halted);
    requests.open();
    if (!settings.signed()) {
      LOG.warn("Countersign audit events are hash-chained but NOT signed: configure a Signer "
          + "(e.g. Ed25519Signer) so that the trail proves who wrote it");
    }
  }

  private HaltStatus halted() {
    return stop.current();
  }

  private void deferredReady() {
    if (!closed) {
      deferred.kick();
    }
  }

  // the gate's public operations (ApprovalGate delegates here)

  /** Validates, records and applies one vote on the request with this id (waiting here or in another instance). */
  public VoteResult vote(String requestId, Vote vote) {
    return requests.vote(requestId, vote);
  }

  public List<ApprovalStatus> pending() {
    return requests.pending();
  }

  public Optional<ApprovalStatus> status(String requestId) {
    return requests.status(requestId);
  }

  public void halt(Reviewer by, String reason) {
    stop.halt(by, reason);
  }

  public String requestResume(Reviewer by, String reason) {
    return stop.requestResume(by, reason);
  }

  public Optional<HaltStatus> haltStatus() {
    return stop.haltStatus();
  }

  public void validate(List<Class<?>> classes) {
    admission.validate(classes);
  }

  /** Refuses new guarded calls and ends this instance's pending requests as CANCELLED with {@code reason}. */
  public void shutdown(String reason) {
    closed = true;
    requests.endWaiting(r -> true, RequestState.CANCELLED, reason);
  }

  public void close() {
    shutdown("the approval gate was closed");
    deferred.close();
    try {
      settings.requestStore().close();
    } catch (RuntimeException e) {
      LOG.warn("Request store {} failed to close", settings.requestStore(), e);
    }
    settings.trail().close();
  }

  public String describe() {
    return "[approver=" + settings.approver().getClass().getSimpleName() + ", pending=" + requests.waiting()
        + ", signed=" + settings.signed() + "]";
  }

  // one guarded call

  /** A request to wait for, none when the policy allows the call outright, or a deferred request (the caller does not wait). */
  private record Opened(PendingRequest request, boolean deferred) {}

  private static final Opened ALLOWED = new Opened(null, false);
  private static final Opened DEFERRED = new Opened(null, true);

  private Opened open(Invocation invocation) {
    if (closed) {
      throw new ApprovalUnavailableException("The approval gate is closed; " + invocation + " was denied.", null, null);
    }
    Admission.Admitted admitted = admission.admit(invocation);
    if (admitted == null) {
      return ALLOWED;
    }
    if (admitted.method().deferred()) {
      deferred.open(invocation, admitted.method(), admitted.caller(), admitted.requirement(), admitted.policyRef());
      return DEFERRED;
    }
    return new Opened(requests.open(invocation, admitted), false);
  }

  public Object guard(Invocation invocation, ApprovalGate.Proceed proceed) throws Throwable {
    if (DeferredExecution.isApprovedRun(invocation)) {
      return proceed.proceed();
    }
    Opened opened = open(invocation);
    if (opened.deferred) {
      return null;
    }
    if (opened.request == null) {
      return proceed.proceed();
    }
    PendingRequest r = opened.request;
    RequestState state;
    try {
      state = r.decision.get();
    } catch (InterruptedException e) {
      // record first, then restore the flag: with it set, waiting for the audit trail would fail at once
      r.end(RequestState.CANCELLED, "the waiting caller was interrupted");
      if (r.state() == RequestState.APPROVED && requests.claimQuietly(r.request.id())) {
        audit.recordQuietly(audit.event(EventType.FAILED, r.request).field("reason", "caller interrupted; the approved action was not run"));
      }
      Thread.currentThread().interrupt();
      throw new ApprovalCancelledException("Approval request " + r.request.id() + " for '" + r.request.action()
          + "' was cancelled because the waiting thread was interrupted; the action did not run.", r.request.id(), RequestState.CANCELLED);
    }
    beforeExecution(r, invocation);
    try {
      Object result = proceed.proceed();
      audit.recordQuietly(audit.event(EventType.EXECUTED, r.request).field("argsDigest", r.request.argsDigest()));
      executionEnded(r, ExecutionState.EXECUTED, null);
      return result;
    } catch (Throwable t) {
      audit.recordQuietly(audit.failedEvent(r.request, t));
      executionEnded(r, ExecutionState.FAILED, t.getClass().getName());
      throw t;
    }
  }

  public <T> CompletableFuture<T> guardAsync(Invocation invocation, Supplier<? extends CompletionStage<T>> proceed) {
    Opened opened;
    try {
      opened = DeferredExecution.isApprovedRun(invocation) ? ALLOWED : open(invocation);
    } catch (ApprovalDeniedException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (opened.deferred) {
      return CompletableFuture.completedFuture(null);
    }
    if (opened.request == null) {
      try {
        return proceed.get().toCompletableFuture();
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    PendingRequest r = opened.request;
    CompletableFuture<T> result = r.decision.thenComposeAsync(state -> {
      beforeExecution(r, invocation);
      CompletionStage<T> stage;
      try {
        stage = proceed.get();
      } catch (RuntimeException e) {
        audit.recordQuietly(audit.failedEvent(r.request, e));
        executionEnded(r, ExecutionState.FAILED, e.getClass().getName());
        throw e;
      }
      return stage.whenComplete((value, error) -> {
        audit.recordQuietly(error == null
            ? audit.event(EventType.EXECUTED, r.request).field("argsDigest", r.request.argsDigest())
            : audit.failedEvent(r.request, error));
        executionEnded(r, error == null ? ExecutionState.EXECUTED : ExecutionState.FAILED,
            error == null ? null : error.getClass().getName());
      });
    }, settings.executor());
    // a caller that gives up on the future cancels the request (it is then never run)
    result.whenComplete((v, e) -> {
      if (result.isCancelled()) {
        r.end(RequestState.CANCELLED, "the caller cancelled the returned future");
      }
    });
    return result;
  }

  /** Throws unless the request was approved, is used for the first time, and the arguments are unchanged. */
  private void beforeExecution(PendingRequest r, Invocation invocation) {
    ApprovalStatus status = r.status();
    ApprovalRequest req = r.request;
    String what = "'" + req.action() + "' (request " + req.id() + ")";
    switch (status.state()) {
      case APPROVED:
        break;
      case REJECTED:
        throw new ApprovalRejectedException(what + " was rejected: " + status.outcomeReason() + ". The action did not run.", req.id(), RequestState.REJECTED);
      case EXPIRED:
        throw new ApprovalExpiredException(what + " expired: " + status.outcomeReason() + ". The action did not run.", req.id(), RequestState.EXPIRED);
      case CANCELLED:
        throw new ApprovalCancelledException(what + " was cancelled: " + status.outcomeReason() + ". The action did not run.", req.id(), RequestState.CANCELLED);
      default:
        throw new ApprovalUnavailableException(what + " failed: " + status.outcomeReason() + ". The action did not run (fail closed).", req.id(), status.state());
    }
    HaltStatus halted = stop.current();
    if (halted != null) {
      audit.recordQuietly(audit.event(EventType.FAILED, req).field("reason", "approved, but not run: " + EmergencyStop.haltReason(halted)));
      throw new ApprovalRejectedException(what + " was approved, but not run: " + EmergencyStop.haltReason(halted) + ".", req.id(), RequestState.APPROVED);
    }
    String digest = Arguments.digest(invocation.args());
    if (!digest.equals(req.argsDigest())) {
      audit.recordQuietly(audit.event(EventType.FAILED, req)
          .field("reason", "arguments changed after the request; the approval does not cover them")
          .field("argsDigest", req.argsDigest())
          .field("actualArgsDigest", digest));
      throw new ApprovalBindingException("The arguments of " + what + " changed after reviewers saw them; "
          + "the approval covers only the arguments shown, so the action did not run.", req.id(), RequestState.APPROVED);
    }
    Lifecycle.Result claim;
    try {
      // the claim is part of the request's state: a durable store records the start, so a death
      // after this point is reported as outcome unknown
      claim = requests.claim(req.id());
    } catch (RuntimeException e) {
      LOG.error("Request store refused or failed to record the start of approved request {}; it is not run", req.id(), e);
      audit.recordQuietly(audit.event(EventType.FAILED, req).field("reason",
          "approved, but not run: the request store did not record its start (" + e.getClass().getSimpleName() + ")"));
      throw new ApprovalUnavailableException(what + " was approved, but not run: the request store did not record its start ("
          + e.getMessage() + "). The action did not run (fail closed).", req.id(), RequestState.APPROVED, e);
    }
    if (claim.refusal() != null) {
      audit.recordQuietly(audit.event(EventType.FAILED, req).field("reason", claim.refusal()));
      throw new ApprovalBindingException("The approval of " + what + " was already used; an approval authorizes one call.", req.id(), RequestState.APPROVED);
    }
  }

  /** Tells the store how a started synchronous call ended; a failure here cannot undo the call, so it is logged. */
  private void executionEnded(PendingRequest r, ExecutionState outcome, String detail) {
    try {
      settings.requestStore().executionEnded(r.request.id(), outcome, detail);
    } catch (RuntimeException e) {
      LOG.warn("Request store failed to record that request {} ended as {} (the audit trail has it)", r.request.id(), outcome, e);
    }
  }
}

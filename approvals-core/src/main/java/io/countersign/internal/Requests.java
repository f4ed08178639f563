package io.countersign.internal;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalRequirement;
import io.countersign.ApprovalStatus;
import io.countersign.ApprovalUnavailableException;
import io.countersign.Argument;
import io.countersign.CallContext;
import io.countersign.HaltStatus;
import io.countersign.Invocation;
import io.countersign.RequestState;
import io.countersign.Vote;
import io.countersign.VoteResult;
import io.countersign.VoteResult.Refusal;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.policy.Escalation;
import io.countersign.spi.GateListener;
import io.countersign.spi.RequestStore;
import io.countersign.spi.RequestStore.DeferredCall;
import io.countersign.spi.RequestStore.ExecutionState;
import io.countersign.spi.TimeSource;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests this gate opened and the callers waiting for them here: starts each (REQUESTED
 * recorded, stored, deadline and escalation armed, delivered), applies every change through the one
 * transition function ({@link Lifecycle}) under the store's lock, records what it says, and
 * completes the waiting caller once the request is decided.
 */
final class Requests {

  private static final Logger LOG = LoggerFactory.getLogger("io.countersign.gate");

  private final GateSettings settings;
  /** The state authority: every change of a request goes through {@link RequestStore#update} and {@link Lifecycle}. */
  private final RequestStore store;
  private final AuditRecorder audit;
  private final Admission admission;
  private final Supplier<HaltStatus> halt;
  private final Runnable approved;
  /** Handles of the requests whose caller waits in this instance (their state lives in the store). */
  private final Map<String, PendingRequest> pending = new ConcurrentHashMap<>();
  /** Serialize {@code Approver.update} calls per request (striped), so channels never see an older state after a newer one. */
  private final Object[] updateLocks = new Object[64];

  /** {@code approved} runs after this instance approved a request (deferred work may then be ready). */
  Requests(GateSettings settings, AuditRecorder audit, Admission admission, Supplier<HaltStatus> halt, Runnable approved) {
    this.settings = settings;
    this.store = settings.requestStore();
    this.audit = audit;
    this.admission = admission;
    this.halt = halt;
    this.approved = approved;
    for (int i = 0; i < updateLocks.length; i++) {
      updateLocks[i] = new Object();
    }
  }

  /** Connects the store, which from now on reports changes made elsewhere. */
  void open() {
    store.open(new StoreEvents());
  }

  /** A handle on a new request (its caller waits here when it is started without a deferred call). */
  PendingRequest handle(ApprovalRequest request, GuardedMethod method) {
    return new PendingRequest(this, request, method);
  }

  /** Ends every request waiting here that {@code which} selects, as {@code target}. */
  void endWaiting(java.util.function.Predicate<ApprovalRequest> which, RequestState target, String reason) {
    for (PendingRequest r : List.copyOf(pending.values())) {
      if (which.test(r.request)) {
        r.end(target, reason);
      }
    }
  }

  int waiting() {
    return pending.size();
  }

  Instant now() {
    return audit.now();
  }

  /** Validates, records and applies one vote on the request with this id (waiting here or in another instance). */
  VoteResult vote(String requestId, Vote vote) {
    java.util.Objects.requireNonNull(vote, "vote");
    VoteOutcome out = new VoteOutcome();
    ApprovalStatus after = null;
    try {
      if (requestId != null) {
        after = store.update(requestId, s -> applyVote(s, vote, out));
      }
    } catch (NoSuchElementException e) {
      after = null;
    } catch (RuntimeException e) {
      LOG.error("Request store failed while counting a vote on request {}; the vote was not counted", requestId, e);
      if (out.result != null && out.result.counted()) {
        LOG.error("Request {}: the VOTE event was recorded but the store did not persist it; the store's state is authoritative", requestId);
      }
      audit.recordQuietly(AuditEvent.builder(EventType.VOTE).time(now()).requestId(requestId)
          .field("vote", AuditFields.vote(vote, false, Refusal.STORE_UNAVAILABLE.name())));
      return new VoteResult(Refusal.STORE_UNAVAILABLE, null,
          "The approval state could not be updated, so your vote was not counted. Try again later.");
    }
    if (after == null) {
      audit.recordQuietly(AuditEvent.builder(EventType.VOTE).time(now()).requestId(requestId)
          .field("vote", AuditFields.vote(vote, false, Refusal.UNKNOWN_REQUEST.name())));
      return new VoteResult(Refusal.UNKNOWN_REQUEST, null, "No approval request has the id '" + requestId + "'.");
    }
    if (out.changed) {
      afterChange(after, true);
    }
    return out.result;
  }

  List<ApprovalStatus> pending() {
    return store.pending();
  }

  Optional<ApprovalStatus> status(String requestId) {
    if (requestId == null) {
      return Optional.empty();
    }
    try {
      return store.find(requestId);
    } catch (RuntimeException e) {
      LOG.error("Request store failed to look up request {}", requestId, e);
      return Optional.empty();
    }
  }

  /** The stored status of a request this instance handles; the fallback is used only when the store fails. */
  ApprovalStatus statusOf(PendingRequest r) {
    try {
      return store.find(r.request.id()).orElseThrow();
    } catch (RuntimeException e) {
      LOG.error("Request store failed to look up request {}; using what this instance knows", r.request.id(), e);
      RequestState known = r.decision.isDone() && !r.decision.isCompletedExceptionally() ? r.decision.join() : RequestState.PENDING;
      return new ApprovalStatus(r.request, known, List.of(), 0, null, "the request store is unavailable");
    }
  }

  PendingRequest open(Invocation invocation, Admission.Admitted admitted) {
    GuardedMethod gm = admitted.method();
    CallContext caller = admitted.caller();
    ApprovalRequirement rule = admitted.requirement();
    admission.acquire(admitted);
    boolean registered = false;
    try {
      Instant now = now();
      List<Argument> shown = Arguments.shown(invocation, gm.sensitive());
      ApprovalRequest request = new ApprovalRequest(settings.idSource().get(), gm.action(), gm.methodId(), caller.actor(),
          caller.justification(), caller.traceId(), shown, Arguments.digest(invocation.args()), rule, admitted.policyRef(),
          now, now.plus(rule.timeout()));
      PendingRequest r = handle(request, gm);
      start(r, null);
      registered = true;
      return r;
    } finally {
      if (!registered) {
        admission.release(caller.actor().id());
      }
    }
  }

  /**
   * Records REQUESTED (durably, or throws), registers the request, arms its deadline and delivers it
   * to reviewers; a delivery failure ends it as FAILED (fail closed).
   */
  void start(PendingRequest r, DeferredCall deferred) {
    ApprovalRequest request = r.request;
    AuditEvent.Builder requested = audit.event(EventType.REQUESTED, request)
        .field("actor", AuditFields.actor(request.actor()))
        .field("onBehalfOf", request.actor().onBehalfOf())
        .field("justification", request.justification())
        .field("args", AuditFields.args(request.arguments()))
        .field("argsDigest", request.argsDigest())
        .field("rule", AuditFields.rule(request.requirement()))
        .field("deadline", request.deadline());
    if (!audit.record(requested)) {
      throw new ApprovalUnavailableException("The approval request for '" + request.action()
          + "' could not be recorded in the audit trail, so the action was not run.", request.id(), null);
    }
    try {
      store.create(request, deferred);
    } catch (RuntimeException e) {
      LOG.error("Request store failed to persist request {}; denying (fail closed)", request.id(), e);
      audit.recordQuietly(audit.decidedEvent(request, RequestState.FAILED, "the request could not be stored", 0));
      throw new ApprovalUnavailableException("The approval request for '" + request.action()
          + "' could not be stored, so the action was not run.", request.id(), RequestState.FAILED, e);
    }
    if (deferred == null) {
      pending.put(request.id(), r);
    }
    HaltStatus halted = halt.get();
    if (halted != null && !EmergencyStop.isResume(request)) {
      // halted between the check in open() and now: the sweep in halt() may have missed this one
      r.end(RequestState.REJECTED, EmergencyStop.haltReason(halted));
      return;
    }
    LOG.info("Approval requested: id={} action='{}' actor={} onBehalfOf={} quorum={} deadline={}", request.id(),
        request.action(), request.actor().id(), request.actor().onBehalfOf(), request.requirement().quorum(), request.deadline());
    for (GateListener listener : settings.listeners()) {
      try {
        listener.requested(request);
      } catch (RuntimeException e) {
        LOG.warn("GateListener {} failed on requested (ignored)", listener, e);
      }
    }
    TimeSource.Cancellable deadlineTimer = settings.time().schedule(request.deadline(),
        () -> r.end(RequestState.EXPIRED, "no decision within " + request.requirement().timeout()));
    TimeSource.Cancellable timer = deadlineTimer;
    Escalation escalation = request.requirement().escalation();
    if (escalation != null) {
      TimeSource.Cancellable escalationTimer = settings.time().schedule(request.createdAt().plus(escalation.after()),
          () -> escalate(r, escalation));
      timer = () -> {
        deadlineTimer.cancel();
        escalationTimer.cancel();
      };
    }
    if (deferred == null) {
      r.deadlineTimer(timer);
    }
    try {
      String id = request.id();
      settings.approver().request(request, vote -> vote(id, vote));
    } catch (Exception | LinkageError e) {
      LOG.error("Approver failed to deliver request {}; denying (fail closed)", request.id(), e);
      audit.recordQuietly(audit.event(EventType.DELIVERY_FAILED, request).field("error", e.getClass().getName()));
      r.end(RequestState.FAILED, "the request could not be delivered to reviewers (" + e.getClass().getSimpleName() + ")");
    }
  }

  /**
   * The escalation delay passed: if the request is still pending, the escalation's reviewers are now
   * eligible (see {@link ApprovalRequirement#isEligible(io.countersign.Reviewer, java.time.Duration)}); record
   * it and let the channels notify the recipients.
   */
  private void escalate(PendingRequest r, Escalation escalation) {
    boolean[] escalated = {false};
    try {
      store.update(r.request.id(), s -> {
        Lifecycle.Result res = Lifecycle.apply(s, new Lifecycle.Escalate(), now());
        if (res.escalated()) {
          escalated[0] = true;
          audit.recordQuietly(audit.event(EventType.ESCALATED, r.request)
              .field("after", escalation.after().toString())
              .field("addedApprovers", escalation.approvers())
              .field("notify", escalation.recipients()));
        }
        return res.after();
      });
    } catch (RuntimeException e) {
      LOG.warn("Request store failed to record the escalation of request {} (eligibility widens anyway)", r.request.id(), e);
      return;
    }
    if (!escalated[0]) {
      return;
    }
    LOG.info("Approval escalated: id={} after={} added={}", r.request.id(), escalation.after(), escalation.approvers());
    try {
      settings.approver().escalated(r.request, escalation);
    } catch (RuntimeException e) {
      LOG.warn("Approver.escalated failed for request {} (the escalation stands)", r.request.id(), e);
    }
  }

  /** What one vote did: the answer for the reviewer, and whether the stored request changed. */
  private static final class VoteOutcome {
    VoteResult result;
    boolean changed;
  }

  /**
   * One vote, under the store's lock: the transition function decides ({@link Lifecycle}), this
   * records what it says (a counted vote durably, or the request is unchanged), and returns the
   * state to persist.
   */
  private ApprovalStatus applyVote(ApprovalStatus s, Vote vote, VoteOutcome out) {
    out.result = null;
    out.changed = false;
    Lifecycle.Result r = Lifecycle.apply(s, new Lifecycle.CastVote(vote), now());
    if (r.voteRefusal() != null) {
      ApprovalStatus after = r.decided() ? recordDecision(r) : r.after();
      audit.recordQuietly(voteEvent(s, vote, false, r.voteRefusal().name()));
      out.result = new VoteResult(r.voteRefusal(), after.state(), VoteRules.message(r.voteRefusal(), vote, after));
      out.changed = r.changed();
      return after;
    }
    // a deciding vote need not wait for its own fsync: DECIDED, recorded next, completes only once
    // every earlier event (this VOTE included) is durable, so one wait covers both
    AuditEvent.Builder countedVote = voteEvent(r.after(), vote, true, null);
    if (!(r.decided() ? audit.enqueue(countedVote) : audit.record(countedVote))) {
      out.result = new VoteResult(Refusal.AUDIT_UNAVAILABLE, s.state(),
          "Your vote could not be recorded in the audit trail, so it was not counted. Try again later.");
      return s;
    }
    ApprovalStatus after = r.decided() ? recordDecision(r) : r.after();
    out.changed = true;
    out.result = new VoteResult(null, after.state(), after.state() == RequestState.PENDING
        ? "Vote counted: " + after.approvals() + " of " + after.quorum() + " approvals."
        : "Vote counted; the request is now " + after.state() + ".");
    return after;
  }

  /**
   * Under the store's lock: records DECIDED for a transition that decided, and returns the state to
   * persist (FAILED if an approval cannot be recorded, so that an unrecorded approval never counts).
   */
  private ApprovalStatus recordDecision(Lifecycle.Result r) {
    ApprovalStatus after = r.after();
    if (!audit.record(audit.decidedEvent(after)) && after.state() == RequestState.APPROVED) {
      after = Lifecycle.failedInstead(r, "the approval could not be recorded in the audit trail, so it does not count");
      audit.recordQuietly(audit.decidedEvent(after));
    }
    return after;
  }

  private AuditEvent.Builder voteEvent(ApprovalStatus s, Vote vote, boolean counted, String refusal) {
    return audit.event(EventType.VOTE, s.request())
        .field("vote", AuditFields.vote(vote, counted, refusal))
        .field("approvals", s.approvals())
        .field("quorum", s.quorum());
  }

  /** Ends a pending request as {@code target} (recorded); returns whether this call ended it. */
  boolean end(String requestId, RequestState target, String reason) {
    boolean[] ended = {false};
    ApprovalStatus after;
    try {
      after = store.update(requestId, s -> {
        Lifecycle.Result r = Lifecycle.apply(s, new Lifecycle.End(target, reason), now());
        if (!r.changed()) {
          return s;
        }
        ended[0] = true;
        return recordDecision(r);
      });
    } catch (RuntimeException e) {
      LOG.error("Request store failed to end request {} as {}; its caller here is denied", requestId, target, e);
      PendingRequest r = pending.get(requestId);
      if (r != null && target != RequestState.APPROVED && pending.remove(requestId, r)) {
        released(r);
        r.cancelTimer();
        r.decision.complete(target);
        return true;
      }
      return false;
    }
    if (ended[0]) {
      afterChange(after, true);
    }
    return ended[0];
  }

  /** Claims an approved request so that it never runs (true), or false if it cannot be claimed. */
  boolean claimQuietly(String requestId) {
    try {
      return claim(requestId).refusal() == null;
    } catch (RuntimeException e) {
      LOG.warn("Request store failed to claim request {}", requestId, e);
      return false;
    }
  }

  /**
   * Claims an approved request for its one execution (persisted by the store); the result's refusal
   * says why not. Store failures propagate.
   */
  Lifecycle.Result claim(String requestId) {
    Lifecycle.Result[] claim = new Lifecycle.Result[1];
    store.update(requestId, s -> {
      claim[0] = Lifecycle.apply(s, new Lifecycle.ClaimExecution(), now());
      return claim[0].after();
    });
    return claim[0];
  }

  /**
   * Called after a request changed, outside the store's lock: tells the channels (only when the
   * change was made here; the instance that changes a request updates them) and, once terminal,
   * completes the caller waiting here.
   */
  private void afterChange(ApprovalStatus after, boolean madeHere) {
    String id = after.request().id();
    ApprovalStatus status = after;
    if (madeHere) {
      // one update at a time per request, each reading the newest status
      synchronized (updateLocks[Math.floorMod(id.hashCode(), updateLocks.length)]) {
        try {
          status = store.find(id).orElse(after);
        } catch (RuntimeException e) {
          LOG.warn("Request store failed to reload request {}; using the state just written", id, e);
        }
        try {
          settings.approver().update(status);
        } catch (RuntimeException e) {
          LOG.warn("Approver.update failed for request {} (the decision stands)", id, e);
        }
      }
    }
    if (!status.state().isTerminal()) {
      return;
    }
    PendingRequest r = pending.get(id);
    boolean removed = r != null && pending.remove(id, r);
    if (removed) {
      released(r);
      r.cancelTimer();
    }
    if (removed || madeHere) {
      LOG.info("Approval decided: id={} outcome={} reason='{}'", id, status.state(), status.outcomeReason());
    }
    if (removed) {
      for (GateListener listener : settings.listeners()) {
        try {
          listener.decided(status);
        } catch (RuntimeException e) {
          LOG.warn("GateListener {} failed on decided (ignored)", listener, e);
        }
      }
    }
    if (r != null) {
      r.decision.complete(status.state());
    }
    if (madeHere && status.state() == RequestState.APPROVED) {
      approved.run();
    }
  }

  private void released(PendingRequest r) {
    if (r.method != null) {
      admission.release(r.request.actor().id());
    }
  }

  /** How the store reaches this gate: changes made by other instances, orphans, deferred work. */
  private final class StoreEvents implements RequestStore.Events {
    @Override
    public void changed(String requestId) {
      if (requestId == null || !pending.containsKey(requestId)) {
        return;
      }
      try {
        store.find(requestId).ifPresent(status -> afterChange(status, false));
      } catch (RuntimeException e) {
        LOG.warn("Request store failed to reload request {} after a change hint (the next poll retries)", requestId, e);
      }
    }

    @Override
    public void orphaned(String requestId, RequestState target, String reason) {
      if (end(requestId, target, reason)) {
        LOG.warn("Request {} ended as {}: {}", requestId, target, reason);
      }
    }

    @Override
    public void deferredReady() {
      approved.run();
    }

    @Override
    public void outcomeUnknown(String requestId, String reason) {
      LOG.error("Request {}: OUTCOME_UNKNOWN ({}); it will not be run again - check its effect by hand", requestId, reason);
      audit.recordQuietly(AuditEvent.builder(EventType.FAILED).time(now()).requestId(requestId)
          .field("outcome", ExecutionState.OUTCOME_UNKNOWN.name())
          .field("reason", reason));
    }

    @Override
    public void neverRun(String requestId, String reason) {
      LOG.warn("Approved request {} will never run: {}", requestId, reason);
      audit.recordQuietly(AuditEvent.builder(EventType.FAILED).time(now()).requestId(requestId).field("reason", reason));
    }
  }
}

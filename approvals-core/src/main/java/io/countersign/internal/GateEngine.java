package io.countersign.internal;

import io.countersign.ApprovalBindingException;
import io.countersign.ApprovalCancelledException;
import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalRule;
import io.countersign.policy.Escalation;
import io.countersign.ApprovalStatus;
import io.countersign.ApprovalUnavailableException;
import io.countersign.Argument;
import io.countersign.ActorContext;
import io.countersign.ActorKind;
import io.countersign.CallContext;
import io.countersign.HaltStatus;
import io.countersign.Reviewer;
import io.countersign.Invocation;
import io.countersign.PolicyRef;
import io.countersign.RequestState;
import io.countersign.Vote;
import io.countersign.VoteRecord;
import io.countersign.VoteResult;
import io.countersign.VoteResult.Refusal;
import io.countersign.Decision;
import io.countersign.spi.RequestStore;
import io.countersign.spi.RequestStore.Change;
import io.countersign.spi.RequestStore.DeferredCall;
import io.countersign.spi.RequestStore.DeferredClaim;
import io.countersign.spi.RequestStore.ExecutionState;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.spi.ApprovalPolicy;
import io.countersign.spi.GateListener;
import io.countersign.spi.PolicyDecision;
import io.countersign.spi.TimeSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate's implementation behind {@link ApprovalGate}: opens requests, owns the registry of pending
 * ones, records audit events, and runs approved calls once.
 */
public final class GateEngine {

  private static final Logger LOG = LoggerFactory.getLogger("io.countersign.gate");

  private final GateSettings settings;
  /** Resolved methods, or the configuration error each call of a bad one fails with. */
  private final Map<Method, Object> methods = new ConcurrentHashMap<>();
  /** Requests whose caller waits in this instance (their state lives in the store). */
  private final Map<String, PendingRequest> pending = new ConcurrentHashMap<>();
  /** The state authority: every change of a request goes through {@link RequestStore#update}. */
  private final RequestStore store;
  /** Serialize {@code Approver.update} calls per request (striped), so channels never see an older state after a newer one. */
  private final Object[] updateLocks = new Object[64];
  /** Runs approved deferred invocations one at a time; null unless the store and a TargetResolver support them. */
  private final ExecutorService deferredRunner;
  private final AtomicBoolean deferredDraining = new AtomicBoolean();
  private final AtomicBoolean deferredAgain = new AtomicBoolean();
  /** The deferred invocation this thread is running: its own guarded call passes the gate once. */
  private static final ThreadLocal<DeferredRun> DEFERRED_RUN = new ThreadLocal<>();
  private final Map<String, AtomicInteger> pendingPerActor = new ConcurrentHashMap<>();
  private volatile boolean closed;
  /** The emergency stop in force, or null. Changed only under {@link #haltLock}. */
  private volatile HaltStatus halt;
  private final Map<String, String> fallbackDigests = new ConcurrentHashMap<>();
  private final Object haltLock = new Object();

  /** The pseudo-method of resume requests (they are approval requests like any other). */
  static final String RESUME_METHOD = "io.countersign.ApprovalGate#resume";

  public GateEngine(GateSettings settings) {
    this.settings = settings;
    this.store = settings.requestStore();
    for (int i = 0; i < updateLocks.length; i++) {
      updateLocks[i] = new Object();
    }
    this.deferredRunner = store.supportsDeferred() && settings.targetResolver() != null
        ? Executors.newSingleThreadExecutor(task -> {
          Thread t = new Thread(task, "countersign-deferred-runner");
          t.setDaemon(true);
          return t;
        })
        : null;
    store.open(new StoreEvents());
    if (!settings.signed()) {
      LOG.warn("Countersign audit events are hash-chained but NOT signed: configure a Signer "
          + "(e.g. Ed25519Signer) so that the trail proves who wrote it");
    }
  }

  // ---------------------------------------------------------------- entry points

  public Object guard(Invocation invocation, ApprovalGate.Proceed proceed) throws Throwable {
    if (isApprovedDeferredRun(invocation)) {
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
      if (r.state() == RequestState.APPROVED && r.claimExecution()) {
        recordQuietly(event(EventType.FAILED, r.request).field("reason", "caller interrupted; the approved action was not run"));
      }
      Thread.currentThread().interrupt();
      throw new ApprovalCancelledException("Approval request " + r.request.id() + " for '" + r.request.action()
          + "' was cancelled because the waiting thread was interrupted; the action did not run.", r.request.id(), RequestState.CANCELLED);
    }
    beforeExecution(r, invocation);
    try {
      Object result = proceed.proceed();
      recordQuietly(event(EventType.EXECUTED, r.request).field("argsDigest", r.request.argsDigest()));
      executionEnded(r, ExecutionState.EXECUTED, null);
      return result;
    } catch (Throwable t) {
      recordQuietly(failedEvent(r, t));
      executionEnded(r, ExecutionState.FAILED, t.getClass().getName());
      throw t;
    }
  }

  public <T> CompletableFuture<T> guardAsync(Invocation invocation, Supplier<? extends CompletionStage<T>> proceed) {
    Opened opened;
    try {
      opened = isApprovedDeferredRun(invocation) ? ALLOWED : open(invocation);
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
        recordQuietly(failedEvent(r, e));
        executionEnded(r, ExecutionState.FAILED, e.getClass().getName());
        throw e;
      }
      return stage.whenComplete((value, error) -> {
        recordQuietly(error == null
            ? event(EventType.EXECUTED, r.request).field("argsDigest", r.request.argsDigest())
            : failedEvent(r, error));
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

  /** Validates, records and applies one vote on the request with this id (waiting here or in another instance). */
  public VoteResult vote(String requestId, Vote vote) {
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
      recordQuietly(AuditEvent.builder(EventType.VOTE).time(now()).requestId(requestId)
          .field("vote", AuditFields.vote(vote, false, Refusal.STORE_UNAVAILABLE.name())));
      return new VoteResult(Refusal.STORE_UNAVAILABLE, null,
          "The approval state could not be updated, so your vote was not counted. Try again later.");
    }
    if (after == null) {
      recordQuietly(AuditEvent.builder(EventType.VOTE).time(now()).requestId(requestId)
          .field("vote", AuditFields.vote(vote, false, Refusal.UNKNOWN_REQUEST.name())));
      return new VoteResult(Refusal.UNKNOWN_REQUEST, null, "No approval request has the id '" + requestId + "'.");
    }
    if (out.changed) {
      afterChange(after, true);
    }
    return out.result;
  }

  public List<ApprovalStatus> pending() {
    return store.pending();
  }

  public Optional<ApprovalStatus> status(String requestId) {
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

  public void validate(List<Class<?>> classes) {
    StringBuilder problems = new StringBuilder();
    for (Class<?> type : classes) {
      try {
        GuardedMethod.validateClass(type, settings.policies());
      } catch (ApprovalConfigurationException e) {
        problems.append(problems.length() == 0 ? "" : "\n").append(e.getMessage());
      }
    }
    if (problems.length() > 0) {
      throw new ApprovalConfigurationException(problems.toString());
    }
  }

  /** Refuses new guarded calls and ends this instance's pending requests as CANCELLED with {@code reason}. */
  public void shutdown(String reason) {
    closed = true;
    for (PendingRequest r : List.copyOf(pending.values())) {
      r.end(RequestState.CANCELLED, reason);
    }
  }

  public void close() {
    shutdown("the approval gate was closed");
    if (deferredRunner != null) {
      deferredRunner.shutdown();
    }
    try {
      store.close();
    } catch (RuntimeException e) {
      LOG.warn("Request store {} failed to close", store, e);
    }
    settings.trail().close();
  }

  public String describe() {
    return "[approver=" + settings.approver().getClass().getSimpleName() + ", pending=" + pending.size()
        + ", signed=" + settings.signed() + "]";
  }

  // ---------------------------------------------------------------- emergency stop

  public void halt(Reviewer by, String reason) {
    ApprovalRule controllers = requireEmergencyStop("halt", by, reason);
    HaltStatus status;
    synchronized (haltLock) {
      if (halt != null) {
        LOG.info("Halt by {} ignored: already halted by {}", by.id(), halt.by());
        return;
      }
      status = new HaltStatus(by.id(), reason, now());
      halt = status;
      // stopping is the safe direction: the halt holds even if it cannot be recorded (logged loudly)
      if (!record(AuditEvent.builder(EventType.HALTED).time(status.since()).field("by", by.id()).field("reason", reason)
          .field("controllers", AuditFields.rule(controllers)))) {
        LOG.error("EMERGENCY STOP by {} is in force but could not be recorded in the audit trail", by.id());
      }
    }
    LOG.warn("EMERGENCY STOP by {}: {} - every guarded call is denied until a resume is approved", by.id(), reason);
    for (PendingRequest r : List.copyOf(pending.values())) {
      if (!isResume(r.request)) {
        r.end(RequestState.REJECTED, haltReason(status));
      }
    }
  }

  public String requestResume(Reviewer by, String reason) {
    ApprovalRule controllers = requireEmergencyStop("resume", by, reason);
    if (halt == null) {
      throw new IllegalStateException("Guarded actions are not halted; there is nothing to resume.");
    }
    Instant now = now();
    ApprovalRequest request = new ApprovalRequest(settings.idSource().get(), "Resume guarded actions after the emergency stop",
        RESUME_METHOD, io.countersign.Actor.human(by.id()), reason, null, List.of(), Arguments.digest(new Object[0]),
        controllers, new PolicyRef("emergency-stop", "1", AuditFields.ruleDigest(RESUME_METHOD, controllers), "resume"),
        now, now.plus(controllers.timeout()));
    PendingRequest r = new PendingRequest(this, request, null);
    r.decision.thenAccept(state -> {
      if (state == RequestState.APPROVED) {
        synchronized (haltLock) {
          HaltStatus was = halt;
          halt = null;
          recordQuietly(event(EventType.RESUMED, request).field("requestedBy", by.id())
              .field("approvedBy", r.status().votes().stream().map(v -> v.reviewerId()).toList())
              .field("haltedBy", was == null ? null : was.by()));
        }
        LOG.warn("Emergency stop lifted: resume request {} by {} was approved", request.id(), by.id());
      }
    });
    start(r, null);
    return request.id();
  }

  public Optional<HaltStatus> haltStatus() {
    return Optional.ofNullable(halt);
  }

  private ApprovalRule requireEmergencyStop(String what, Reviewer by, String reason) {
    ApprovalRule controllers = settings.emergencyStop();
    if (controllers == null) {
      throw new IllegalStateException("The emergency stop is not configured: call emergencyStop(rule) on the gate builder "
          + "to say who may halt and who approves a resume.");
    }
    java.util.Objects.requireNonNull(by, "by");
    if (reason == null || reason.isBlank()) {
      throw new IllegalArgumentException("a " + what + " needs a reason but was " + (reason == null ? "null" : "'" + reason + "'"));
    }
    ActorContext.current().map(CallContext::actor).filter(a -> a.kind() != ActorKind.HUMAN).ifPresent(a -> {
      LOG.warn("Refused {} by {} {}: only humans may {}", what, a.kind(), a.id(), what);
      throw new ApprovalRejectedException(a.kind() + " " + a.id() + " cannot " + what
          + " guarded actions: only an authorised human can.", null, null);
    });
    if (!controllers.isEligible(by)) {
      throw new ApprovalRejectedException(by.id() + " is not allowed to " + what + " guarded actions (allowed: "
          + String.join(", ", controllers.approvers()) + ").", null, null);
    }
    return controllers;
  }

  private static boolean isResume(ApprovalRequest request) {
    return RESUME_METHOD.equals(request.method());
  }

  private static String haltReason(HaltStatus h) {
    return "guarded actions are halted (emergency stop by " + h.by() + " at " + h.since() + ": " + h.reason() + ")";
  }

  // ---------------------------------------------------------------- opening a request

  /** A request to wait for, or none when the policy allows the call outright. */
  /** A request to wait for, none when the policy allows the call outright, or a deferred request (the caller does not wait). */
  private record Opened(PendingRequest request, boolean deferred) {}

  private static final Opened ALLOWED = new Opened(null, false);
  private static final Opened DEFERRED = new Opened(null, true);

  private Opened open(Invocation invocation) {
    if (closed) {
      throw new ApprovalUnavailableException("The approval gate is closed; " + invocation + " was denied.", null, null);
    }
    GuardedMethod gm = resolve(invocation.method());
    CallContext caller;
    try {
      caller = settings.actorResolver().resolve(invocation);
    } catch (RuntimeException e) {
      LOG.warn("ActorResolver failed for {}; denying", gm.methodId(), e);
      caller = null;
    }
    if (caller == null) {
      throw new ApprovalUnavailableException("No actor is known for the call of " + gm.methodId()
          + ", so it was denied (a guarded call is never anonymous). Make it inside ActorContext.runAs(actor, reason, task) "
          + "or configure an ActorResolver on the gate.", null, null);
    }
    ApprovalRule rule = gm.annotationRule();
    PolicyRef policyRef = gm.annotationPolicyRef();
    HaltStatus halted = halt;
    if (halted != null) {
      recordQuietly(policyDenial(gm, caller, policyRef, RequestState.REJECTED, haltReason(halted)));
      throw new ApprovalRejectedException("Refused " + gm.action() + ": " + haltReason(halted)
          + ". Guarded actions stay denied until a resume is approved.", null, RequestState.REJECTED);
    }
    if (gm.policy() != null) {
      ApprovalPolicy policy = gm.policy();
      PolicyDecision decision;
      try {
        decision = policy.decide(invocation, caller, gm.annotationRule());
      } catch (RuntimeException e) {
        LOG.error("Policy '{}' failed for {}; denying (fail closed)", gm.policyName(), gm.methodId(), e);
        decision = null;
      }
      if (decision != null && decision.kind() == PolicyDecision.Kind.ALLOW) {
        // the hot path: nothing is recorded for an allowed call, so no digest or PolicyRef is needed
        return ALLOWED;
      }
      String digest = null;
      try {
        digest = policyDigest(gm.policyName(), policy);
      } catch (RuntimeException e) {
        LOG.error("Policy '{}' failed to give its digest; denying (fail closed)", gm.policyName(), e);
        decision = null;
      }
      policyRef = new PolicyRef(gm.policyName(), policy.version(), digest, decision == null ? null : decision.ruleName());
      if (decision == null) {
        recordQuietly(policyDenial(gm, caller, policyRef, RequestState.FAILED, "the policy failed to decide"));
        throw new ApprovalUnavailableException("Policy '" + gm.policyName() + "' failed to decide on " + gm.methodId()
            + ", so the call was denied (fail closed).", null, null);
      }
      switch (decision.kind()) {
        case ALLOW:
          return ALLOWED;
        case DENY:
          String reason = decision.reason() == null ? "denied by policy" : decision.reason();
          recordQuietly(policyDenial(gm, caller, policyRef, RequestState.REJECTED, reason));
          throw new ApprovalRejectedException("Policy '" + gm.policyName() + "' denies " + gm.action() + ": " + reason, null, RequestState.REJECTED);
        default:
          rule = decision.rule();
      }
    }
    if (gm.deferred()) {
      openDeferred(invocation, gm, caller, rule, policyRef);
      return DEFERRED;
    }
    return new Opened(openRequest(invocation, gm, caller, rule, policyRef), false);
  }

  private PendingRequest openRequest(Invocation invocation, GuardedMethod gm, CallContext caller, ApprovalRule rule, PolicyRef policyRef) {
    String actorId = caller.actor().id();
    AtomicInteger count = pendingPerActor.computeIfAbsent(actorId, k -> new AtomicInteger());
    if (count.incrementAndGet() > settings.maxPendingPerActor()) {
      count.decrementAndGet();
      String reason = "actor " + actorId + " already has " + settings.maxPendingPerActor()
          + " pending approval requests (the limit)";
      recordQuietly(policyDenial(gm, caller, policyRef, RequestState.REJECTED, reason));
      throw new ApprovalRejectedException("Refused " + gm.action() + ": " + reason
          + "; wait for those to be decided or raise maxPendingPerActor.", null, RequestState.REJECTED);
    }
    boolean registered = false;
    try {
      Instant now = now();
      List<Argument> shown = Arguments.shown(invocation, gm.sensitive());
      ApprovalRequest request = new ApprovalRequest(settings.idSource().get(), gm.action(), gm.methodId(), caller.actor(),
          caller.justification(), caller.traceId(), shown, Arguments.digest(invocation.args()), rule, policyRef,
          now, now.plus(rule.timeout()));
      PendingRequest r = new PendingRequest(this, request, gm);
      start(r, null);
      registered = true;
      return r;
    } finally {
      if (!registered) {
        count.decrementAndGet();
      }
    }
  }

  /**
   * Records REQUESTED (durably, or throws), registers the request, arms its deadline and delivers it
   * to reviewers; a delivery failure ends it as FAILED (fail closed).
   */
  private void start(PendingRequest r, DeferredCall deferred) {
    ApprovalRequest request = r.request;
    AuditEvent.Builder requested = event(EventType.REQUESTED, request)
        .field("actor", AuditFields.actor(request.actor()))
        .field("onBehalfOf", request.actor().onBehalfOf())
        .field("justification", request.justification())
        .field("args", AuditFields.args(request.arguments()))
        .field("argsDigest", request.argsDigest())
        .field("rule", AuditFields.rule(request.rule()))
        .field("deadline", request.deadline());
    if (!record(requested)) {
      throw new ApprovalUnavailableException("The approval request for '" + request.action()
          + "' could not be recorded in the audit trail, so the action was not run.", request.id(), null);
    }
    try {
      store.create(request, deferred);
    } catch (RuntimeException e) {
      LOG.error("Request store failed to persist request {}; denying (fail closed)", request.id(), e);
      recordQuietly(decidedEvent(request, RequestState.FAILED, "the request could not be stored", 0));
      throw new ApprovalUnavailableException("The approval request for '" + request.action()
          + "' could not be stored, so the action was not run.", request.id(), RequestState.FAILED, e);
    }
    if (deferred == null) {
      pending.put(request.id(), r);
    }
    HaltStatus halted = halt;
    if (halted != null && !isResume(request)) {
      // halted between the check in open() and now: the sweep in halt() may have missed this one
      r.end(RequestState.REJECTED, haltReason(halted));
      return;
    }
    LOG.info("Approval requested: id={} action='{}' actor={} onBehalfOf={} quorum={} deadline={}", request.id(),
        request.action(), request.actor().id(), request.actor().onBehalfOf(), request.rule().quorum(), request.deadline());
    for (GateListener listener : settings.listeners()) {
      try {
        listener.requested(request);
      } catch (RuntimeException e) {
        LOG.warn("GateListener {} failed on requested (ignored)", listener, e);
      }
    }
    TimeSource.Cancellable deadlineTimer = settings.time().schedule(request.deadline(),
        () -> r.end(RequestState.EXPIRED, "no decision within " + request.rule().timeout()));
    TimeSource.Cancellable timer = deadlineTimer;
    Escalation escalation = request.rule().escalation();
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
      recordQuietly(event(EventType.DELIVERY_FAILED, request).field("error", e.getClass().getName()));
      r.end(RequestState.FAILED, "the request could not be delivered to reviewers (" + e.getClass().getSimpleName() + ")");
    }
  }

  /**
   * The escalation delay passed: if the request is still pending, the escalation's reviewers are now
   * eligible (see {@link ApprovalRule#isEligible(io.countersign.Reviewer, java.time.Duration)}); record
   * it and let the channels notify the recipients.
   */
  private void escalate(PendingRequest r, Escalation escalation) {
    if (r.state() != RequestState.PENDING) {
      return;
    }
    recordQuietly(event(EventType.ESCALATED, r.request)
        .field("after", escalation.after().toString())
        .field("addedApprovers", escalation.approvers())
        .field("notify", escalation.recipients()));
    LOG.info("Approval escalated: id={} after={} added={}", r.request.id(), escalation.after(), escalation.approvers());
    try {
      settings.approver().escalated(r.request, escalation);
    } catch (RuntimeException e) {
      LOG.warn("Approver.escalated failed for request {} (the escalation stands)", r.request.id(), e);
    }
  }

  private GuardedMethod resolve(Method method) {
    Object resolved = methods.computeIfAbsent(method, m -> {
      try {
        return GuardedMethod.resolve(m, settings.policies());
      } catch (ApprovalConfigurationException e) {
        return e;
      }
    });
    if (resolved instanceof ApprovalConfigurationException e) {
      throw new ApprovalUnavailableException(e.getMessage() + " — the call was denied; fix the annotation.", null, null, e);
    }
    return (GuardedMethod) resolved;
  }

  // ---------------------------------------------------------------- deciding and running

  /** What one vote did: the answer for the reviewer, and whether the stored request changed. */
  private static final class VoteOutcome {
    VoteResult result;
    boolean changed;
  }

  /**
   * The rules for one vote, applied to the stored snapshot under the store's lock: refusals
   * (pure, see {@link VoteRules}), then recording, then the change to persist.
   */
  private Change applyVote(ApprovalStatus s, Vote vote, VoteOutcome out) {
    out.result = null;
    out.changed = false;
    Instant now = now();
    ApprovalRequest request = s.request();
    Change change = Change.NONE;
    Refusal refusal;
    if (s.state().isTerminal()) {
      refusal = VoteRules.refusalForDecided(s.state());
    } else if (!now.isBefore(request.deadline())) {
      // the deadline timer has not fired yet, but the deadline has passed: the deadline wins
      change = decide(s, null, RequestState.EXPIRED, "no decision before the deadline " + request.deadline(), now);
      refusal = Refusal.EXPIRED;
    } else {
      refusal = VoteRules.refusal(s, vote, now);
    }
    if (refusal != null) {
      ApprovalStatus shown = change.applyTo(s);
      recordQuietly(voteEvent(s, vote, false, refusal.name()));
      out.result = new VoteResult(refusal, shown.state(), VoteRules.message(refusal, vote, shown));
      out.changed = !change.isNone();
      return change;
    }
    Set<String> approvedBefore = VoteRules.approvers(s.votes());
    boolean decides = vote.decision() == Decision.DENY
        || approvedBefore.size() + (approvedBefore.contains(vote.reviewer().id()) ? 0 : 1) >= request.rule().quorum();
    // a deciding vote need not wait for its own fsync: DECIDED, recorded next, completes only once
    // every earlier event (this VOTE included) is durable, so one wait covers both
    AuditEvent.Builder countedVote = voteEvent(s, vote, true, null);
    if (!(decides ? enqueue(countedVote) : record(countedVote))) {
      out.result = new VoteResult(Refusal.AUDIT_UNAVAILABLE, s.state(),
          "Your vote could not be recorded in the audit trail, so it was not counted. Try again later.");
      return Change.NONE;
    }
    VoteRecord counted = new VoteRecord(vote.reviewer().id(), vote.decision(), vote.reason(), vote.channel(), now);
    if (vote.decision() == Decision.DENY) {
      change = decide(s, counted, RequestState.REJECTED, "denied by " + vote.reviewer().id()
          + (vote.reason() == null || vote.reason().isBlank() ? "" : ": " + vote.reason()), now);
    } else {
      Set<String> approvedBy = VoteRules.approvers(s.votes());
      approvedBy.add(vote.reviewer().id());
      change = approvedBy.size() >= request.rule().quorum()
          ? decide(s, counted, RequestState.APPROVED, "approved by " + String.join(", ", approvedBy), now)
          : new Change(counted, null, null, now);
    }
    ApprovalStatus after = change.applyTo(s);
    out.changed = true;
    out.result = new VoteResult(null, after.state(), after.state() == RequestState.PENDING
        ? "Vote counted: " + after.approvals() + " of " + request.rule().quorum() + " approvals."
        : "Vote counted; the request is now " + after.state() + ".");
    return change;
  }

  /**
   * Under the store's lock: records DECIDED and returns the change to {@code target} (FAILED if an
   * approval cannot be recorded, so that an unrecorded approval never counts).
   */
  private Change decide(ApprovalStatus s, VoteRecord vote, RequestState target, String reason, Instant now) {
    ApprovalRequest request = s.request();
    int approvals = s.approvals() + (vote != null && vote.decision() == Decision.APPROVE ? 1 : 0);
    if (!record(decidedEvent(request, target, reason, approvals)) && target == RequestState.APPROVED) {
      target = RequestState.FAILED;
      reason = "the approval could not be recorded in the audit trail, so it does not count";
      recordQuietly(decidedEvent(request, target, reason, approvals));
    }
    return new Change(vote, target, reason, now);
  }

  private AuditEvent.Builder voteEvent(ApprovalStatus s, Vote vote, boolean counted, String refusal) {
    return event(EventType.VOTE, s.request())
        .field("vote", AuditFields.vote(vote, counted, refusal))
        .field("approvals", s.approvals() + (counted && vote.decision() == Decision.APPROVE ? 1 : 0))
        .field("quorum", s.request().rule().quorum());
  }

  /** Ends a pending request as {@code target} (recorded); returns whether this call ended it. */
  boolean end(String requestId, RequestState target, String reason) {
    boolean[] ended = {false};
    ApprovalStatus after;
    try {
      after = store.update(requestId, s -> {
        if (s.state() != RequestState.PENDING) {
          return Change.NONE;
        }
        ended[0] = true;
        return decide(s, null, target, reason, now());
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
      kickDeferred();
    }
  }

  private void released(PendingRequest r) {
    AtomicInteger count = pendingPerActor.get(r.request.actor().id());
    if (count != null) {
      count.decrementAndGet();
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
      kickDeferred();
    }

    @Override
    public void outcomeUnknown(String requestId, String reason) {
      LOG.error("Request {}: OUTCOME_UNKNOWN ({}); it will not be run again - check its effect by hand", requestId, reason);
      recordQuietly(AuditEvent.builder(EventType.FAILED).time(now()).requestId(requestId)
          .field("outcome", ExecutionState.OUTCOME_UNKNOWN.name())
          .field("reason", reason));
    }

    @Override
    public void neverRun(String requestId, String reason) {
      LOG.warn("Approved request {} will never run: {}", requestId, reason);
      recordQuietly(AuditEvent.builder(EventType.FAILED).time(now()).requestId(requestId).field("reason", reason));
    }
  }

  // ---------------------------------------------------------------- deferred mode

  /** The deferred invocation a runner thread executes; its own guarded call passes the gate once. */
  private static final class DeferredRun {
    final Method method;
    final AtomicBoolean used = new AtomicBoolean();

    DeferredRun(Method method) {
      this.method = method;
    }
  }

  private static boolean isApprovedDeferredRun(Invocation invocation) {
    DeferredRun run = DEFERRED_RUN.get();
    return run != null && run.method.equals(invocation.method()) && run.used.compareAndSet(false, true);
  }

  /** Persists a deferred call's request and returns at once; any instance runs it after approval. */
  private void openDeferred(Invocation invocation, GuardedMethod gm, CallContext caller, ApprovalRule rule, PolicyRef policyRef) {
    String what = "@RequiresApproval(mode = DEFERRED) on " + gm.methodId();
    if (settings.targetResolver() == null) {
      throw new ApprovalUnavailableException(what + " needs a TargetResolver: call targetResolver(...) on the gate builder. The call was denied.", null, null);
    }
    if (!store.supportsDeferred()) {
      throw new ApprovalUnavailableException(what + " needs a durable RequestStore (such as approvals-postgres), but the gate uses "
          + store + ". The call was denied.", null, null);
    }
    String targetName;
    if (Modifier.isStatic(gm.method().getModifiers())) {
      targetName = "";
    } else {
      try {
        targetName = settings.targetResolver().nameOf(invocation.target());
      } catch (RuntimeException e) {
        LOG.warn("TargetResolver failed for {}; denying", gm.methodId(), e);
        targetName = null;
      }
      if (targetName == null || targetName.isEmpty()) {
        throw new ApprovalUnavailableException(what + ": the TargetResolver has no name for the target object, so the call "
            + "could not be persisted and was denied.", null, null);
      }
    }
    DeferredCall call;
    Object[] persisted;
    try {
      call = DeferredCalls.persist(gm.method(), targetName, invocation.args());
      // reviewers see, and the digest binds, the arguments exactly as they will be read back to run
      persisted = DeferredCalls.arguments(call, gm.method());
    } catch (RuntimeException e) {
      throw new ApprovalUnavailableException(what + ": the arguments could not be serialized to JSON and back ("
          + e.getClass().getSimpleName() + "), so the call was denied.", null, null);
    }
    String[] names = new String[persisted.length];
    for (int i = 0; i < names.length; i++) {
      names[i] = invocation.parameterName(i);
    }
    Invocation stored = Invocation.of(gm.method(), invocation.target(), persisted, names);
    Instant now = now();
    ApprovalRequest request = new ApprovalRequest(settings.idSource().get(), gm.action(), gm.methodId(), caller.actor(),
        caller.justification(), caller.traceId(), Arguments.shown(stored, gm.sensitive()), Arguments.digest(persisted), rule,
        policyRef, now, now.plus(rule.timeout()));
    start(new PendingRequest(this, request, gm), call);
  }

  /** Starts draining approved deferred invocations on the runner thread (coalesced). */
  private void kickDeferred() {
    if (deferredRunner == null || closed) {
      return;
    }
    deferredAgain.set(true);
    if (!deferredDraining.compareAndSet(false, true)) {
      return;
    }
    try {
      deferredRunner.execute(this::drainDeferred);
    } catch (RuntimeException e) {
      deferredDraining.set(false);
      LOG.debug("Deferred runner not accepting work (closing)", e);
    }
  }

  private void drainDeferred() {
    try {
      while (deferredAgain.getAndSet(false) && !closed) {
        Optional<DeferredClaim> claim;
        while (!closed && (claim = store.claimDeferred()).isPresent()) {
          runDeferred(claim.get());
        }
      }
    } catch (RuntimeException e) {
      LOG.error("Deferred runner failed (the store's next poll retries)", e);
    } finally {
      deferredDraining.set(false);
      if (deferredAgain.get()) {
        kickDeferred();
      }
    }
  }

  /** Runs one claimed deferred invocation and records EXECUTED or FAILED, fenced by the claim's token. */
  private void runDeferred(DeferredClaim claim) {
    ApprovalRequest req = claim.status().request();
    DeferredCall call = claim.call();
    ExecutionState outcome;
    String detail;
    AuditEvent.Builder event;
    try {
      Method method = DeferredCalls.method(call);
      Object target = null;
      if (!Modifier.isStatic(method.getModifiers())) {
        target = settings.targetResolver().resolve(call.targetName());
        if (target == null) {
          throw new DeferredRefused("the target '" + call.targetName() + "' is unknown to this instance's TargetResolver");
        }
      }
      Object[] args = DeferredCalls.arguments(call, method);
      if (!Arguments.digest(args).equals(req.argsDigest())) {
        throw new DeferredRefused("the stored arguments do not match the approved arguments digest");
      }
      HaltStatus halted = halt;
      if (halted != null) {
        throw new DeferredRefused("approved, but not run: " + haltReason(halted));
      }
      LOG.info("Running deferred request {} ({}) with fencing token {}", req.id(), req.action(), claim.fencingToken());
      DEFERRED_RUN.set(new DeferredRun(method));
      try {
        method.setAccessible(true);
        Object result = method.invoke(target, args);
        if (result instanceof CompletionStage<?> stage) {
          stage.toCompletableFuture().join();
        }
      } finally {
        DEFERRED_RUN.remove();
      }
      outcome = ExecutionState.EXECUTED;
      detail = null;
      event = event(EventType.EXECUTED, req).field("argsDigest", req.argsDigest());
    } catch (DeferredRefused e) {
      outcome = ExecutionState.FAILED;
      detail = e.getMessage();
      event = event(EventType.FAILED, req).field("reason", detail);
    } catch (InvocationTargetException | CompletionException e) {
      // the exception's class only: its message may contain sensitive argument values
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      outcome = ExecutionState.FAILED;
      detail = cause.getClass().getName();
      event = event(EventType.FAILED, req).field("error", detail);
    } catch (ReflectiveOperationException | RuntimeException e) {
      outcome = ExecutionState.FAILED;
      detail = "could not start: " + e.getClass().getName();
      event = event(EventType.FAILED, req).field("reason", detail);
    }
    recordQuietly(event.field("mode", "DEFERRED").field("fencingToken", claim.fencingToken()));
    if (!store.completeDeferred(req.id(), claim.fencingToken(), outcome, detail)) {
      LOG.error("Deferred request {} finished as {} but its lease (token {}) was lost meanwhile; "
          + "the store keeps OUTCOME_UNKNOWN", req.id(), outcome, claim.fencingToken());
    }
  }

  /** A deferred invocation that must not run (recorded as FAILED with this reason). */
  private static final class DeferredRefused extends Exception {
    DeferredRefused(String reason) {
      super(reason, null, false, false);
    }
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
    HaltStatus halted = halt;
    if (halted != null) {
      recordQuietly(event(EventType.FAILED, req).field("reason", "approved, but not run: " + haltReason(halted)));
      throw new ApprovalRejectedException(what + " was approved, but not run: " + haltReason(halted) + ".", req.id(), RequestState.APPROVED);
    }
    if (!r.claimExecution()) {
      recordQuietly(event(EventType.FAILED, req).field("reason", "approval replayed: it was already used"));
      throw new ApprovalBindingException("The approval of " + what + " was already used; an approval authorizes one call.", req.id(), RequestState.APPROVED);
    }
    String digest = Arguments.digest(invocation.args());
    if (!digest.equals(req.argsDigest())) {
      recordQuietly(event(EventType.FAILED, req)
          .field("reason", "arguments changed after the request; the approval does not cover them")
          .field("argsDigest", req.argsDigest())
          .field("actualArgsDigest", digest));
      throw new ApprovalBindingException("The arguments of " + what + " changed after reviewers saw them; "
          + "the approval covers only the arguments shown, so the action did not run.", req.id(), RequestState.APPROVED);
    }
    try {
      // a durable store records the start, so a death after this point is reported as outcome unknown
      store.executionStarted(req.id());
    } catch (RuntimeException e) {
      LOG.error("Request store refused or failed to record the start of approved request {}; it is not run", req.id(), e);
      recordQuietly(event(EventType.FAILED, req).field("reason",
          "approved, but not run: the request store did not record its start (" + e.getClass().getSimpleName() + ")"));
      throw new ApprovalUnavailableException(what + " was approved, but not run: the request store did not record its start ("
          + e.getMessage() + "). The action did not run (fail closed).", req.id(), RequestState.APPROVED, e);
    }
  }

  /** Tells the store how a started synchronous call ended; a failure here cannot undo the call, so it is logged. */
  private void executionEnded(PendingRequest r, ExecutionState outcome, String detail) {
    try {
      store.executionEnded(r.request.id(), outcome, detail);
    } catch (RuntimeException e) {
      LOG.warn("Request store failed to record that request {} ended as {} (the audit trail has it)", r.request.id(), outcome, e);
    }
  }

  // ---------------------------------------------------------------- audit

  Instant now() {
    return settings.time().now();
  }

  AuditEvent.Builder event(EventType type, ApprovalRequest request) {
    return AuditEvent.builder(type).time(now()).requestId(request.id())
        .field("traceId", request.traceId())
        .field("action", AuditFields.action(request))
        .field("policy", AuditFields.policy(request.policy()));
  }

  AuditEvent.Builder decidedEvent(ApprovalRequest request, RequestState outcome, String reason, int approvals) {
    return event(EventType.DECIDED, request)
        .field("outcome", outcome.name())
        .field("reason", reason)
        .field("argsDigest", request.argsDigest())
        .field("approvals", approvals)
        .field("quorum", request.rule().quorum());
  }

  private AuditEvent.Builder failedEvent(PendingRequest r, Throwable error) {
    // the exception's class only: its message may contain sensitive argument values
    return event(EventType.FAILED, r.request).field("error", error.getClass().getName());
  }

  private AuditEvent.Builder policyDenial(GuardedMethod gm, CallContext caller, PolicyRef policyRef, RequestState outcome, String reason) {
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
  private boolean enqueue(AuditEvent.Builder event) {
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

  /**
   * The policy's own digest, or (for policies that give none) a digest of its name, version and
   * class, computed once per version: what auditors compare across events.
   */
  private String policyDigest(String name, ApprovalPolicy policy) {
    String own = policy.digest();
    if (own != null) {
      return own;
    }
    String key = name + "|" + policy.version() + "|" + policy.getClass().getName();
    return fallbackDigests.computeIfAbsent(key, k -> Hashing.sha256Hex(k.getBytes(StandardCharsets.UTF_8)));
  }
}

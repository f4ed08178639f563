package io.countersign.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.countersign.ApprovalBindingException;
import io.countersign.ApprovalCancelledException;
import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalRule;
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
import io.countersign.VoteResult;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.spi.ApprovalPolicy;
import io.countersign.spi.GateListener;
import io.countersign.spi.PolicyDecision;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  private final Map<String, PendingRequest> pending = new ConcurrentHashMap<>();
  /** Recently decided requests, so late votes are refused as "already decided" and recorded, not "unknown". */
  private final Cache<String, PendingRequest> decided =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofHours(1)).build();
  private final Map<String, AtomicInteger> pendingPerActor = new ConcurrentHashMap<>();
  private volatile boolean closed;
  /** The emergency stop in force, or null. Changed only under {@link #haltLock}. */
  private volatile HaltStatus halt;
  private final Object haltLock = new Object();

  /** The pseudo-method of resume requests (they are approval requests like any other). */
  static final String RESUME_METHOD = "io.countersign.ApprovalGate#resume";

  public GateEngine(GateSettings settings) {
    this.settings = settings;
    if (!settings.signed()) {
      LOG.warn("Countersign audit events are hash-chained but NOT signed: configure a Signer "
          + "(e.g. Ed25519Signer) so that the trail proves who wrote it");
    }
  }

  // ---------------------------------------------------------------- entry points

  public Object guard(Invocation invocation, ApprovalGate.Proceed proceed) throws Throwable {
    Opened opened = open(invocation);
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
      return result;
    } catch (Throwable t) {
      recordQuietly(failedEvent(r, t));
      throw t;
    }
  }

  public <T> CompletableFuture<T> guardAsync(Invocation invocation, Supplier<? extends CompletionStage<T>> proceed) {
    Opened opened;
    try {
      opened = open(invocation);
    } catch (ApprovalDeniedException e) {
      return CompletableFuture.failedFuture(e);
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
        throw e;
      }
      return stage.whenComplete((value, error) -> recordQuietly(error == null
          ? event(EventType.EXECUTED, r.request).field("argsDigest", r.request.argsDigest())
          : failedEvent(r, error)));
    }, settings.executor());
    // a caller that gives up on the future cancels the request (it is then never run)
    result.whenComplete((v, e) -> {
      if (result.isCancelled()) {
        r.end(RequestState.CANCELLED, "the caller cancelled the returned future");
      }
    });
    return result;
  }

  public VoteResult vote(String requestId, Vote vote) {
    PendingRequest r = requestId == null ? null : pending.get(requestId);
    if (r == null && requestId != null) {
      r = decided.getIfPresent(requestId);
    }
    if (r == null) {
      recordQuietly(AuditEvent.builder(EventType.VOTE).time(now()).requestId(requestId)
          .field("vote", AuditFields.vote(vote, false, VoteResult.Refusal.UNKNOWN_REQUEST.name())));
      return new VoteResult(VoteResult.Refusal.UNKNOWN_REQUEST, null, "No approval request has the id '" + requestId + "'.");
    }
    return r.vote(vote);
  }

  public List<ApprovalStatus> pending() {
    return pending.values().stream()
        .map(PendingRequest::status)
        .sorted(Comparator.comparing(s -> s.request().createdAt()))
        .toList();
  }

  public Optional<ApprovalStatus> status(String requestId) {
    PendingRequest r = pending.get(requestId);
    if (r == null) {
      r = decided.getIfPresent(requestId);
    }
    return Optional.ofNullable(r).map(PendingRequest::status);
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

  public void close() {
    closed = true;
    for (PendingRequest r : List.copyOf(pending.values())) {
      r.end(RequestState.CANCELLED, "the approval gate was closed");
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
    start(r);
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
  private record Opened(PendingRequest request) {}

  private static final Opened ALLOWED = new Opened(null);

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
      String digest = java.util.Objects.requireNonNullElseGet(policy.digest(), () -> sha256Hex(gm.policyName() + "|" + policy.version() + "|" + policy.getClass().getName()));
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
    return new Opened(openRequest(invocation, gm, caller, rule, policyRef));
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
      start(r);
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
  private void start(PendingRequest r) {
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
    pending.put(request.id(), r);
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
    r.deadlineTimer(settings.time().schedule(request.deadline(),
        () -> r.end(RequestState.EXPIRED, "no decision within " + request.rule().timeout())));
    try {
      settings.approver().request(request, vote -> r.vote(vote));
    } catch (Exception | LinkageError e) {
      LOG.error("Approver failed to deliver request {}; denying (fail closed)", request.id(), e);
      recordQuietly(event(EventType.DELIVERY_FAILED, request).field("error", e.getClass().getName()));
      r.end(RequestState.FAILED, "the request could not be delivered to reviewers (" + e.getClass().getSimpleName() + ")");
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

  /** Called after a request's state or votes changed (outside its lock). */
  void afterChange(PendingRequest r) {
    ApprovalStatus status;
    // one update at a time per request, each reading the newest status, so channels never see an
    // older state after a newer one
    synchronized (r.updates) {
      status = r.status();
      try {
        settings.approver().update(status);
      } catch (RuntimeException e) {
        LOG.warn("Approver.update failed for request {} (the decision stands)", r.request.id(), e);
      }
    }
    if (status.state().isTerminal()) {
      if (pending.remove(r.request.id(), r)) {
        decided.put(r.request.id(), r);
        AtomicInteger count = pendingPerActor.get(r.request.actor().id());
        if (count != null) {
          count.decrementAndGet();
        }
        LOG.info("Approval decided: id={} outcome={} reason='{}'", r.request.id(), status.state(), status.outcomeReason());
        for (GateListener listener : settings.listeners()) {
          try {
            listener.decided(status);
          } catch (RuntimeException e) {
            LOG.warn("GateListener {} failed on decided (ignored)", listener, e);
          }
        }
      }
    }
    if (status.state().isTerminal()) {
      r.decision.complete(status.state());
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

  /** Records an event whose loss cannot change the outcome (it is logged). */
  void recordQuietly(AuditEvent.Builder event) {
    record(event);
  }

  private static String sha256Hex(String text) {
    return HexFormat.of().formatHex(Arguments.sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}

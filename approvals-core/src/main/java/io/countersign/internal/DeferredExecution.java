package io.countersign.internal;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalRequirement;
import io.countersign.ApprovalUnavailableException;
import io.countersign.CallContext;
import io.countersign.HaltStatus;
import io.countersign.Invocation;
import io.countersign.PolicyRef;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.spi.RequestStore;
import io.countersign.spi.RequestStore.DeferredCall;
import io.countersign.spi.RequestStore.DeferredClaim;
import io.countersign.spi.RequestStore.ExecutionState;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deferred mode ({@code @RequiresApproval(mode = DEFERRED)}): persists the invocation with its
 * request and returns at once; once approved, any instance claims it from the store under a lease
 * and runs it here, once, recording EXECUTED or FAILED.
 */
final class DeferredExecution {

  private static final Logger LOG = LoggerFactory.getLogger("io.countersign.gate");
  /** The deferred invocation this thread is running: its own guarded call passes the gate once. */
  private static final ThreadLocal<DeferredRun> DEFERRED_RUN = new ThreadLocal<>();

  private final GateSettings settings;
  private final RequestStore store;
  private final AuditRecorder audit;
  private final Requests requests;
  private final Supplier<HaltStatus> halt;
  /** Runs approved deferred invocations one at a time; null unless the store and a TargetResolver support them. */
  private final ExecutorService deferredRunner;
  private final AtomicBoolean deferredDraining = new AtomicBoolean();
  private final AtomicBoolean deferredAgain = new AtomicBoolean();
  private volatile boolean closed;

  DeferredExecution(GateSettings settings, AuditRecorder audit, Requests requests, Supplier<HaltStatus> halt) {
    this.settings = settings;
    this.store = settings.requestStore();
    this.audit = audit;
    this.requests = requests;
    this.halt = halt;
    this.deferredRunner = store.supportsDeferred() && settings.targetResolver() != null
        ? Executors.newSingleThreadExecutor(task -> {
          Thread t = new Thread(task, "countersign-deferred-runner");
          t.setDaemon(true);
          return t;
        })
        : null;
  }

  void close() {
    closed = true;
    if (deferredRunner != null) {
      deferredRunner.shutdown();
    }
  }

  /** The deferred invocation a runner thread executes; its own guarded call passes the gate once. */
  private static final class DeferredRun {
    final Method method;
    final AtomicBoolean used = new AtomicBoolean();

    DeferredRun(Method method) {
      this.method = method;
    }
  }

  static boolean isApprovedRun(Invocation invocation) {
    DeferredRun run = DEFERRED_RUN.get();
    return run != null && run.method.equals(invocation.method()) && run.used.compareAndSet(false, true);
  }

  /** Persists a deferred call's request and returns at once; any instance runs it after approval. */
  void open(Invocation invocation, GuardedMethod gm, CallContext caller, ApprovalRequirement rule, PolicyRef policyRef) {
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
    Instant now = audit.now();
    ApprovalRequest request = new ApprovalRequest(settings.idSource().get(), gm.action(), gm.methodId(), caller.actor(),
        caller.justification(), caller.traceId(), Arguments.shown(stored, gm.sensitive()), Arguments.digest(persisted), rule,
        policyRef, now, now.plus(rule.timeout()));
    requests.start(requests.handle(request, gm), call);
  }

  /** Starts draining approved deferred invocations on the runner thread (coalesced). */
  void kick() {
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
        kick();
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
      HaltStatus halted = halt.get();
      if (halted != null) {
        throw new DeferredRefused("approved, but not run: " + EmergencyStop.haltReason(halted));
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
      event = audit.event(EventType.EXECUTED, req).field("argsDigest", req.argsDigest());
    } catch (DeferredRefused e) {
      outcome = ExecutionState.FAILED;
      detail = e.getMessage();
      event = audit.event(EventType.FAILED, req).field("reason", detail);
    } catch (InvocationTargetException | CompletionException e) {
      // the exception's class only: its message may contain sensitive argument values
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      outcome = ExecutionState.FAILED;
      detail = cause.getClass().getName();
      event = audit.event(EventType.FAILED, req).field("error", detail);
    } catch (ReflectiveOperationException | RuntimeException e) {
      outcome = ExecutionState.FAILED;
      detail = "could not start: " + e.getClass().getName();
      event = audit.event(EventType.FAILED, req).field("reason", detail);
    }
    audit.recordQuietly(event.field("mode", "DEFERRED").field("fencingToken", claim.fencingToken()));
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
}

package io.countersign;

import io.countersign.audit.AuditTrail;
import io.countersign.internal.GateEngine;
import io.countersign.internal.GateSettings;
import io.countersign.internal.InMemoryRequestStore;
import io.countersign.internal.PolicyMethods;
import io.countersign.spi.ActorResolver;
import io.countersign.spi.ApprovalPolicy;
import io.countersign.spi.Approver;
import io.countersign.spi.AuditSink;
import io.countersign.spi.GateListener;
import io.countersign.spi.RequestStore;
import io.countersign.spi.Signer;
import io.countersign.spi.TargetResolver;
import io.countersign.spi.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;

/**
 * The approval gate: the one entry point every interceptor calls. It decides per call whether
 * approval is needed, opens a request, delivers it through the {@link Approver}, counts votes under
 * the rules (eligible reviewers only, no self-approval, distinct quorum, one deny vetoes, deadline,
 * fail closed), records every step to the audit trail, and runs the real call at most once per
 * approval.
 *
 * <pre>{@code
 * ApprovalGate gate = ApprovalGate.builder()
 *     .approver(new InMemoryApprover())
 *     .auditSink(new InMemoryAuditSink())
 *     .signer(Ed25519Signer.generate("key-1"))
 *     .checkGuarded(Ops.class)          // validate annotations at startup
 *     .build();
 * Countersign.install(gate);     // for woven code
 * }</pre>
 *
 * <p>Thread-safe. Build one per application (or per test).
 */
public final class ApprovalGate implements AutoCloseable {

  /** Default limit of requests one actor may have pending at once. */
  public static final int DEFAULT_MAX_PENDING_PER_ACTOR = 50;
  /** Default time to wait for the audit trail to confirm an event is durable. */
  public static final Duration DEFAULT_AUDIT_TIMEOUT = Duration.ofSeconds(10);

  /** The real call, as the interceptor can make it. */
  @FunctionalInterface
  public interface Proceed {
    /** Runs the guarded method's body. */
    Object proceed() throws Throwable;
  }

  private final GateEngine engine;
  private final ApprovalRequirement emergencyStop;
  private final Map<String, ApprovalPolicy> policies;

  private ApprovalGate(GateSettings settings) {
    this.engine = new GateEngine(settings);
    this.emergencyStop = settings.emergencyStop();
    this.policies = settings.policies();
  }

  /** A builder; {@link Builder#approver} and at least one {@link Builder#auditSink} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Guards a synchronous call: returns the real call's result if it was approved (or the policy
   * allows it), otherwise throws an {@link ApprovalDeniedException}. Blocks the caller until a
   * decision or the deadline, without busy waiting; interrupting the caller cancels the request.
   */
  public Object guard(Invocation invocation, Proceed proceed) throws Throwable {
    return engine.guard(invocation, proceed);
  }

  /**
   * Guards a call of a method returning a {@link CompletionStage}: returns at once with a future
   * that completes after the decision and the real call, or exceptionally with an
   * {@link ApprovalDeniedException}.
   */
  public <T> CompletableFuture<T> guardAsync(Invocation invocation, Supplier<? extends CompletionStage<T>> proceed) {
    return engine.guardAsync(invocation, proceed);
  }

  /**
   * The one call an interceptor (the AspectJ aspect, the Spring advice, a hand-written proxy) makes:
   * a method whose declared return type a {@link CompletableFuture} can stand for
   * ({@code CompletionStage}, {@code CompletableFuture}) is guarded without blocking through
   * {@link #guardAsync}, the real call's exceptions carried in the returned future; any other is
   * guarded by {@link #guard}. Adapters stay one line and cannot drift apart.
   */
  public Object intercept(Invocation invocation, Proceed proceed) throws Throwable {
    Objects.requireNonNull(proceed, "proceed");
    if (returnsFuture(invocation.method())) {
      return guardAsync(invocation, () -> stageOf(proceed));
    }
    return guard(invocation, proceed);
  }

  /** Whether {@link #intercept} guards {@code method} asynchronously (its callers get a future). */
  static boolean returnsFuture(java.lang.reflect.Method method) {
    Class<?> type = method.getReturnType();
    return CompletionStage.class.isAssignableFrom(type) && type.isAssignableFrom(CompletableFuture.class);
  }

  private static CompletionStage<Object> stageOf(Proceed proceed) {
    try {
      @SuppressWarnings("unchecked")
      CompletionStage<Object> stage = (CompletionStage<Object>) proceed.proceed();
      return stage;
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new CompletionException(t);
    }
  }

  /** Votes on the request with this id, as a channel that looks requests up by id does. */
  public VoteResult vote(String requestId, Vote vote) {
    return engine.vote(requestId, vote);
  }

  /** The requests waiting for a decision, oldest first. */
  public List<ApprovalStatus> pending() {
    return engine.pending();
  }

  /** The status of a pending or recently decided request. */
  public Optional<ApprovalStatus> status(String requestId) {
    return engine.status(requestId);
  }

  /**
   * Emergency stop (EU AI Act Art. 14): denies every pending request and every new guarded call at
   * once, recorded as a HALTED event. Only a human named by the gate's {@code emergencyStop} rule may
   * halt; a call made inside an agent's or service's {@link ActorContext} is refused.
   *
   * @throws ApprovalRejectedException if {@code by} may not halt
   * @throws IllegalStateException if the emergency stop is not configured
   */
  public void halt(Reviewer by, String reason) {
    engine.halt(by, reason);
  }

  /**
   * Asks to lift the emergency stop: opens an approval request (delivered like any other) that the
   * {@code emergencyStop} rule's reviewers must approve — never the one who asked. Returns its id.
   */
  public String requestResume(Reviewer by, String reason) {
    return engine.requestResume(by, reason);
  }

  /** The emergency stop in force, if any. */
  public Optional<HaltStatus> haltStatus() {
    return engine.haltStatus();
  }

  /**
   * Who may halt and who approves a resume ({@link Builder#emergencyStop}), or empty if the
   * emergency stop is not configured; lets channels (HTTP, Slack, CLI) say "not configured" and
   * offer the stop control only to those it names, while {@link #halt} still decides.
   */
  public Optional<ApprovalRequirement> emergencyStopRule() {
    return Optional.ofNullable(emergencyStop);
  }

  /**
   * Checks the {@link RequiresApproval} annotations of these classes now, and each named policy
   * against the methods that select it ({@link ApprovalPolicy#checkMethods}).
   *
   * @throws ApprovalConfigurationException naming each bad method, attribute and value
   */
  public void validate(Class<?>... classes) {
    engine.validate(List.of(classes));
    // S49: each policy's conditions against the parameters of the methods selecting it
    PolicyMethods.check(List.of(classes), policies);
  }

  /**
   * Begins a graceful stop: refuses new guarded calls and cancels every request this instance's
   * callers wait for, each recorded as CANCELLED with {@code reason} (their callers get an
   * {@link ApprovalCancelledException} saying it). The audit trail and request store stay open until
   * {@link #close()}, so that these records are written; a server draining its requests then has
   * none stuck waiting for a human.
   */
  public void shutdown(String reason) {
    engine.shutdown(Objects.requireNonNull(reason, "reason"));
  }

  /** Cancels every pending request of this instance (their callers are denied) and closes the request store and the audit trail. */
  @Override
  public void close() {
    engine.close();
  }

  @Override
  public String toString() {
    return "ApprovalGate" + engine.describe();
  }

  /**
   * Builds an immutable {@link ApprovalGate}; each setting is validated at once and may be set only
   * once, and {@link #build()} checks the whole configuration (including the guarded classes'
   * annotations) so that misconfiguration fails at startup.
   */
  public static final class Builder {
    private Approver approver;
    private final List<AuditSink> sinks = new ArrayList<>();
    private AuditTrail trail;
    private Signer signer;
    private TimeSource timeSource;
    private ActorResolver actorResolver;
    private final Map<String, ApprovalPolicy> policies = new LinkedHashMap<>();
    private Integer maxPendingPerActor;
    private Executor executor;
    private Duration auditTimeout;
    private Supplier<String> idSource;
    private final List<Class<?>> guarded = new ArrayList<>();
    private final List<GateListener> listeners = new ArrayList<>();
    private ApprovalRequirement emergencyStop;
    private RequestStore requestStore;
    private TargetResolver targetResolver;

    private Builder() {}

    /** Where requests are delivered to humans. Required. */
    public Builder approver(Approver approver) {
      requireUnset(this.approver, "approver");
      this.approver = Objects.requireNonNull(approver, "approver");
      return this;
    }

    /** Adds a sink the audit events go to; every sink must confirm an event before it counts as recorded. */
    public Builder auditSink(AuditSink sink) {
      if (trail != null) {
        throw new IllegalStateException("auditTrail was already set to " + trail + "; add sinks to that trail instead");
      }
      sinks.add(Objects.requireNonNull(sink, "auditSink"));
      return this;
    }

    /** Uses a ready audit trail (e.g. one continuing an existing log) instead of sinks and a signer. */
    public Builder auditTrail(AuditTrail trail) {
      requireUnset(this.trail, "auditTrail");
      if (!sinks.isEmpty() || signer != null) {
        throw new IllegalStateException("auditSink/signer were already set; use either them or auditTrail");
      }
      this.trail = Objects.requireNonNull(trail, "auditTrail");
      return this;
    }

    /** Signs every audit event. Without one, events are hash-chained but unsigned (a warning is logged). */
    public Builder signer(Signer signer) {
      requireUnset(this.signer, "signer");
      if (trail != null) {
        throw new IllegalStateException("auditTrail was already set; give the signer to that trail");
      }
      this.signer = Objects.requireNonNull(signer, "signer");
      return this;
    }

    /** The clock and timer for deadlines; defaults to the system clock. */
    public Builder timeSource(TimeSource timeSource) {
      requireUnset(this.timeSource, "timeSource");
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /** Says who calls; defaults to {@link ActorContext}. */
    public Builder actorResolver(ActorResolver actorResolver) {
      requireUnset(this.actorResolver, "actorResolver");
      this.actorResolver = Objects.requireNonNull(actorResolver, "actorResolver");
      return this;
    }

    /** Registers a named policy that {@code @RequiresApproval(policy = name)} selects. */
    public Builder policy(String name, ApprovalPolicy policy) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("policy name must not be blank but was " + (name == null ? "null" : "'" + name + "'"));
      }
      Objects.requireNonNull(policy, "policy");
      if (policies.containsKey(name)) {
        throw new IllegalStateException("policy '" + name + "' was already registered as " + policies.get(name));
      }
      policies.put(name, policy);
      return this;
    }

    /** How many requests one actor may have pending at once (flood protection); default 50. */
    public Builder maxPendingPerActor(int max) {
      requireUnset(maxPendingPerActor, "maxPendingPerActor");
      if (max < 1) {
        throw new IllegalArgumentException("maxPendingPerActor must be >= 1 but was " + max);
      }
      this.maxPendingPerActor = max;
      return this;
    }

    /** Where approved asynchronous calls run; defaults to the common pool. */
    public Builder executor(Executor executor) {
      requireUnset(this.executor, "executor");
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** How long to wait for the audit trail to confirm an event; default 10 s. Longer means deny. */
    public Builder auditTimeout(Duration timeout) {
      requireUnset(this.auditTimeout, "auditTimeout");
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("auditTimeout must be positive but was " + timeout);
      }
      this.auditTimeout = timeout;
      return this;
    }

    /** Where request ids come from; defaults to random UUIDs. */
    public Builder idSource(Supplier<String> ids) {
      requireUnset(this.idSource, "idSource");
      this.idSource = Objects.requireNonNull(ids, "idSource");
      return this;
    }

    /**
     * Enables the emergency stop: the eligible ids and groups of {@code controllers} may halt every
     * guarded call at once, and a resume needs their approval under that rule (quorum, timeout).
     */
    public Builder emergencyStop(ApprovalRequirement controllers) {
      requireUnset(this.emergencyStop, "emergencyStop");
      this.emergencyStop = Objects.requireNonNull(controllers, "controllers");
      return this;
    }

    /**
     * Where requests' state lives; defaults to an in-memory store (this JVM only). A durable store
     * such as {@code PostgresRequestStore} lets several instances share requests and survive
     * restarts. The gate owns the store: {@link ApprovalGate#close()} closes it.
     */
    public Builder requestStore(RequestStore store) {
      requireUnset(this.requestStore, "requestStore");
      this.requestStore = Objects.requireNonNull(store, "requestStore");
      return this;
    }

    /**
     * Names the targets of {@link RequiresApproval.Mode#DEFERRED} methods so any instance can find
     * them again; required for deferred methods (without one they are denied).
     */
    public Builder targetResolver(TargetResolver resolver) {
      requireUnset(this.targetResolver, "targetResolver");
      this.targetResolver = Objects.requireNonNull(resolver, "targetResolver");
      return this;
    }

    /** Adds a telemetry listener (metrics, tracing); it observes and never changes an outcome. */
    public Builder listener(GateListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Classes whose {@link RequiresApproval} annotations {@link #build()} checks, so that a bad
     * annotation fails at startup rather than on the first call. It only validates: which methods
     * are guarded is decided by the annotations themselves.
     */
    public Builder checkGuarded(Class<?>... classes) {
      for (Class<?> c : classes) {
        guarded.add(Objects.requireNonNull(c, "guarded class"));
      }
      return this;
    }

    /**
     * Builds the gate.
     *
     * @throws IllegalStateException if a required setting is missing
     * @throws ApprovalConfigurationException if a guarded class's annotation is invalid
     */
    public ApprovalGate build() {
      if (approver == null) {
        throw new IllegalStateException("approver is required: call approver(...) (e.g. new InMemoryApprover())");
      }
      AuditTrail auditTrail = trail;
      if (auditTrail == null) {
        if (sinks.isEmpty()) {
          throw new IllegalStateException("an audit sink is required: call auditSink(...) (e.g. new InMemoryAuditSink())");
        }
        AuditTrail.Builder tb = AuditTrail.builder();
        sinks.forEach(tb::sink);
        if (signer != null) {
          tb.signer(signer);
        }
        if (timeSource != null) {
          tb.timeSource(timeSource); // checkpoints carry the same clock as the gate's events
        }
        auditTrail = tb.build();
      }
      GateSettings settings = new GateSettings(
          approver,
          auditTrail,
          auditTrail.isSigned(),
          timeSource != null ? timeSource : TimeSource.system(),
          actorResolver != null ? actorResolver : inv -> ActorContext.current().orElse(null),
          Map.copyOf(policies),
          maxPendingPerActor != null ? maxPendingPerActor : DEFAULT_MAX_PENDING_PER_ACTOR,
          executor != null ? executor : ForkJoinPool.commonPool(),
          auditTimeout != null ? auditTimeout : DEFAULT_AUDIT_TIMEOUT,
          idSource != null ? idSource : () -> UUID.randomUUID().toString(),
          List.copyOf(listeners),
          emergencyStop,
          requestStore != null ? requestStore : new InMemoryRequestStore(),
          targetResolver);
      ApprovalGate gate = new ApprovalGate(settings);
      gate.validate(guarded.toArray(Class<?>[]::new));
      return gate;
    }

    private static void requireUnset(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }
  }
}

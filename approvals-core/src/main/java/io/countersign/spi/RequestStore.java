package io.countersign.spi;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.RequestState;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where the state of approval requests lives: the single authority on which state a request is in.
 * A request's whole state is one immutable {@link ApprovalStatus}; the gate's transition function
 * (one implementation, inside the gate) computes each next value. A store only serialises the
 * changes of one request, persists each value atomically, and tells the gate about changes made
 * elsewhere; it never counts votes or decides. The in-memory default keeps state in this JVM;
 * {@code approvals-postgres} shares it between instances and survives restarts.
 *
 * <p>Threading contract: every method may be called from any thread, concurrently.
 * {@link #update} holds the request's lock (a JVM lock, or a database row lock) while it calls the
 * gate's function, so changes of one request never interleave; changes of different requests do
 * not wait for each other. Failure contract: a method that cannot reach its storage throws; the gate
 * then denies (fail closed) and never treats a failure as a decision.
 */
public interface RequestStore extends AutoCloseable {

  /**
   * Connects the store to the gate that uses it; called once by {@code ApprovalGate.Builder.build()}
   * before any other method. A store that shares state with other instances starts its change
   * listener here.
   */
  default void open(Events events) {}

  /**
   * Persists a new {@link RequestState#PENDING} request.
   *
   * @param request the request
   * @param deferred the persisted invocation for {@code Mode.DEFERRED}, or {@code null} when a caller of
   *     this instance waits for the decision (a store that outlives the process marks such a request
   *     {@link RequestState#ABANDONED} when this instance dies)
   * @throws RuntimeException if it could not be persisted (the call is then denied)
   * @throws UnsupportedOperationException if {@code deferred} is given but {@link #supportsDeferred()} is false
   */
  void create(ApprovalRequest request, DeferredCall deferred);

  /**
   * Changes one request atomically: loads its state under the request's lock, calls
   * {@code transition} exactly once with it, persists the value it returns unless it is the very
   * instance it was given (nothing changed), and releases the lock. The new value only ever adds
   * votes, moves a {@code PENDING} request to a terminal state, marks the escalation, or claims an
   * approved request for execution; a store may refuse (throw) anything else, and must refuse a
   * change of a terminal state's decision.
   *
   * @return the state after the change (the loaded one when nothing changed)
   * @throws java.util.NoSuchElementException if no request has this id
   * @throws RuntimeException if the change could not be persisted (nothing changed)
   */
  ApprovalStatus update(String requestId, UnaryOperator<ApprovalStatus> transition);

  /** The current snapshot of a request, pending or decided, if this store knows it. */
  Optional<ApprovalStatus> find(String requestId);

  /** The requests waiting for a decision (in every instance sharing this store), oldest first. */
  List<ApprovalStatus> pending();

  /** Whether this store can persist invocations for {@code Mode.DEFERRED} (the in-memory one cannot). */
  default boolean supportsDeferred() {
    return false;
  }

  /**
   * Claims one approved, not yet started deferred invocation for this instance to run, or none. The
   * claim is a lease held while this instance is alive, with a fencing token that grows with every
   * claim; at most one claim is ever granted per request, so an invocation never runs twice.
   */
  default Optional<DeferredClaim> claimDeferred() {
    return Optional.empty();
  }

  /**
   * Records how a claimed deferred invocation ended, only if {@code fencingToken} still holds the
   * lease; returns false when the lease was lost (the outcome was then recorded as
   * {@link ExecutionState#OUTCOME_UNKNOWN} by another instance).
   */
  default boolean completeDeferred(String requestId, long fencingToken, ExecutionState outcome, String detail) {
    throw new UnsupportedOperationException(getClass().getName() + " does not support deferred invocations");
  }

  /**
   * The approved call claimed through {@link #update} (its {@link ApprovalStatus#executionClaimed()}) ended: {@link ExecutionState#EXECUTED} or
   * {@link ExecutionState#FAILED}. Failures here are logged by the gate; the call already ran.
   */
  default void executionEnded(String requestId, ExecutionState outcome, String detail) {}

  /** Stops background work and releases resources; called by {@code ApprovalGate.close()}. */
  @Override
  default void close() {}

  /**
   * What a store tells its gate about work done elsewhere. Called on the store's own threads; each
   * call may block briefly (it records audit events).
   */
  interface Events {

    /** The request may have changed (a hint: a lost or duplicated hint only delays, never decides). */
    void changed(String requestId);

    /**
     * A pending request can no longer be decided normally (the instance whose caller waited for it
     * died, or a deferred request passed its deadline); the gate ends it as {@code target} with
     * {@code reason}, recorded.
     */
    void orphaned(String requestId, RequestState target, String reason);

    /** A deferred invocation was approved somewhere and may be claimed with {@link #claimDeferred()}. */
    void deferredReady();

    /** A deferred invocation's executor died mid-run; the store recorded {@link ExecutionState#OUTCOME_UNKNOWN}. */
    void outcomeUnknown(String requestId, String reason);

    /**
     * An approved synchronous call will never run: the instance whose caller waited for it died
     * before starting it. The store recorded it; the gate records a FAILED event with {@code reason}.
     */
    default void neverRun(String requestId, String reason) {}
  }

  /**
   * A persisted invocation of a {@code Mode.DEFERRED} method: enough to run it later in any instance.
   *
   * @param targetName the name of the target object, as a {@link TargetResolver} gave it
   * @param declaringClass the binary name of the method's declaring class
   * @param methodName the method's name
   * @param parameterTypes the binary names of its parameter types
   * @param argsJson the arguments as a JSON array (Jackson), deserialized by the declared parameter types
   */
  record DeferredCall(String targetName, String declaringClass, String methodName, List<String> parameterTypes, String argsJson) {
    public DeferredCall {
      Objects.requireNonNull(targetName, "targetName");
      Objects.requireNonNull(declaringClass, "declaringClass");
      Objects.requireNonNull(methodName, "methodName");
      parameterTypes = List.copyOf(parameterTypes);
      Objects.requireNonNull(argsJson, "argsJson");
    }
  }

  /**
   * A granted lease to run one approved deferred invocation.
   *
   * @param status the approved request
   * @param call the invocation to run
   * @param fencingToken the token that must accompany the outcome
   */
  record DeferredClaim(ApprovalStatus status, DeferredCall call, long fencingToken) {}

  /** Where a deferred invocation stands after approval. */
  enum ExecutionState {
    /** Approved, not yet claimed by any instance. */
    WAITING,
    /** Claimed and running under a lease. */
    RUNNING,
    /** Ran and returned normally. */
    EXECUTED,
    /** Ran and threw, or could not be started (target unknown, arguments changed). */
    FAILED,
    /** Its executor died mid-run: whether it took effect cannot be known, and it is never run again. */
    OUTCOME_UNKNOWN
  }
}

package io.countersign.internal;

import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequirement;
import io.countersign.ApprovalUnavailableException;
import io.countersign.CallContext;
import io.countersign.HaltStatus;
import io.countersign.Invocation;
import io.countersign.PolicyRef;
import io.countersign.RequestState;
import io.countersign.spi.ApprovalPolicy;
import io.countersign.spi.PolicyDecision;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a call may proceed to approval at all: the method's annotation, the actor (never
 * anonymous), the emergency stop, the policy (allow, deny, or require approval under which
 * requirement), and the per-actor flood limit. Refusals are recorded and thrown.
 */
final class Admission {

  private static final Logger LOG = LoggerFactory.getLogger("io.countersign.gate");

  /**
   * What a call needs once admitted: approval under {@code requirement}, decided by {@code policyRef}.
   * {@code null} from {@link #admit} means the call runs without approval.
   */
  record Admitted(GuardedMethod method, CallContext caller, ApprovalRequirement requirement, PolicyRef policyRef) {}

  private final GateSettings settings;
  private final AuditRecorder audit;
  private final Supplier<HaltStatus> halt;
  /** Resolved methods, or the configuration error each call of a bad one fails with. */
  private final Map<Method, Object> methods = new ConcurrentHashMap<>();
  private final Map<String, String> fallbackDigests = new ConcurrentHashMap<>();
  /** Pending requests per actor id: the flood limit. */
  private final Map<String, AtomicInteger> pendingPerActor = new ConcurrentHashMap<>();

  Admission(GateSettings settings, AuditRecorder audit, Supplier<HaltStatus> halt) {
    this.settings = settings;
    this.audit = audit;
    this.halt = halt;
  }

  /**
   * Admits one call: {@code null} when it may run without approval (the hot path records nothing),
   * else what its approval request needs. Throws, recorded, when the call is denied outright.
   */
  Admitted admit(Invocation invocation) {
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
    ApprovalRequirement rule = gm.annotationRule();
    PolicyRef policyRef = gm.annotationPolicyRef();
    HaltStatus halted = halt.get();
    if (halted != null) {
      audit.recordQuietly(audit.policyDenial(gm, caller, policyRef, RequestState.REJECTED, EmergencyStop.haltReason(halted)));
      throw new ApprovalRejectedException("Refused " + gm.action() + ": " + EmergencyStop.haltReason(halted)
          + ". Guarded actions stay denied until a resume is approved.", null, RequestState.REJECTED);
    }
    if (gm.policy() != null) {
      ApprovalPolicy policy = gm.policy();
      PolicyDecision decision;
      try {
        decision = policy.decide(invocation, caller, gm.annotationRule());
      } catch (Throwable e) { // S50: an Error (StackOverflowError...) from a policy also denies and is recorded below
        LOG.error("Policy '{}' failed for {}; denying (fail closed)", gm.policyName(), gm.methodId(), e);
        decision = null;
      }
      if (decision != null && decision.kind() == PolicyDecision.Kind.ALLOW) {
        // the hot path: nothing is recorded for an allowed call, so no digest or PolicyRef is needed
        return null;
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
        audit.recordQuietly(audit.policyDenial(gm, caller, policyRef, RequestState.FAILED, "the policy failed to decide"));
        throw new ApprovalUnavailableException("Policy '" + gm.policyName() + "' failed to decide on " + gm.methodId()
            + ", so the call was denied (fail closed).", null, null);
      }
      switch (decision.kind()) {
        case ALLOW:
          return null;
        case DENY:
          String reason = decision.reason() == null ? "denied by policy" : decision.reason();
          audit.recordQuietly(audit.policyDenial(gm, caller, policyRef, RequestState.REJECTED, reason));
          throw new ApprovalRejectedException("Policy '" + gm.policyName() + "' denies " + gm.action() + ": " + reason, null, RequestState.REJECTED);
        default:
          rule = decision.requirement();
      }
    }
    return new Admitted(gm, caller, rule, policyRef);
  }

  GuardedMethod resolve(Method method) {
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

  void validate(List<Class<?>> classes) {
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

  /**
   * Takes one of the actor's pending slots, or refuses (recorded) when the actor already has
   * {@code maxPendingPerActor} requests waiting; give it back with {@link #release}.
   */
  void acquire(Admitted a) {
    String actorId = a.caller().actor().id();
    AtomicInteger count = pendingPerActor.computeIfAbsent(actorId, k -> new AtomicInteger());
    if (count.incrementAndGet() > settings.maxPendingPerActor()) {
      count.decrementAndGet();
      String reason = "actor " + actorId + " already has " + settings.maxPendingPerActor()
          + " pending approval requests (the limit)";
      audit.recordQuietly(audit.policyDenial(a.method(), a.caller(), a.policyRef(), RequestState.REJECTED, reason));
      throw new ApprovalRejectedException("Refused " + a.method().action() + ": " + reason
          + "; wait for those to be decided or raise maxPendingPerActor.", null, RequestState.REJECTED);
    }
  }

  /** Gives back the pending slot of {@code actorId}. */
  void release(String actorId) {
    AtomicInteger count = pendingPerActor.get(actorId);
    if (count != null) {
      count.decrementAndGet();
    }
  }
}

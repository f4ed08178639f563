package io.countersign.policy;

import io.countersign.ActorContext;
import io.countersign.ActorKind;
import io.countersign.ApprovalRequirement;
import io.countersign.CallContext;
import io.countersign.Invocation;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.EventType;
import io.countersign.spi.ApprovalPolicy;
import io.countersign.spi.PolicyDecision;
import io.countersign.spi.TimeSource;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Policy} that can be replaced at runtime (e.g. when its policy file is reloaded), as one
 * atomic step: each call is decided entirely by either the old or the new policy, never a mix.
 * Every change, and every refused attempt, is recorded as a {@link EventType#POLICY_CHANGED} audit
 * event with the old and new digests and who asked, before the change takes effect; if it cannot
 * be recorded, the change is refused.
 *
 * <p>Agents can never change policy: a change asked by an actor of kind {@link ActorKind#AGENT},
 * or made on a thread whose {@link ActorContext} caller is an agent, is refused and recorded
 * (scenario S08). Register it on the gate like any policy; give it the same {@link AuditTrail}
 * as the gate ({@code ApprovalGate.builder().auditTrail(trail)}) so that changes sit in the same
 * hash chain as the requests they affect.
 *
 * <p>The digest and version the gate records are those of the policy that decided the call on the
 * same thread (read right after {@link #decide}); {@link #current()} gives the policy in force now.
 */
public final class ReloadablePolicy implements ApprovalPolicy {

  private static final Logger LOG = LoggerFactory.getLogger("io.countersign.policy");
  private static final Duration RECORD_TIMEOUT = Duration.ofSeconds(10);

  private final String name;
  private final AtomicReference<Policy> current;
  private final AuditTrail trail;
  private final TimeSource time;
  /** The policy that made this thread's last decision, so digest()/version() describe that one. */
  private final ThreadLocal<Policy> lastDecidedBy = new ThreadLocal<>();
  private final Object changeLock = new Object();
  /** The guarded methods checked at startup; every new policy must fit them too. */
  private final List<Method> checkedMethods = new CopyOnWriteArrayList<>();

  /**
   * @param name the name the policy is registered under on the gate (recorded in change events)
   * @param initial the policy in force at first
   * @param trail where changes are recorded (the gate's trail)
   * @param time the clock for event times
   */
  public ReloadablePolicy(String name, Policy initial, AuditTrail trail, TimeSource time) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("policy name must not be blank but was " + (name == null ? "null" : "'" + name + "'"));
    }
    this.name = name;
    this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial policy"));
    this.trail = Objects.requireNonNull(trail, "trail");
    this.time = Objects.requireNonNull(time, "time");
  }

  /** The policy in force now. */
  public Policy current() {
    return current.get();
  }

  @Override
  public PolicyDecision decide(Invocation invocation, CallContext caller, ApprovalRequirement annotationRequirement) {
    Policy p = current.get();
    lastDecidedBy.set(p);
    return p.decide(invocation, caller, annotationRequirement);
  }

  @Override
  public String version() {
    return decidedOrCurrent().version();
  }

  @Override
  public String digest() {
    return decidedOrCurrent().digest();
  }

  /**
   * Checks the policy in force against these guarded methods (see {@link Policy#checkMethods}) and
   * remembers them: a later {@link #replace} with a policy that does not fit them is refused.
   */
  @Override
  public void checkMethods(List<Method> methods) {
    synchronized (changeLock) {
      current.get().checkMethods(methods);
      for (Method m : methods) {
        if (!checkedMethods.contains(m)) {
          checkedMethods.add(m);
        }
      }
    }
  }

  /**
   * Refuses, and records as {@code REFUSED}, a change asked by an agent (or made on an agent's
   * thread) — before anything of the new policy is read, so a refused caller learns nothing of it
   * (S08, S52). Call it first when a change starts from a file or a request body.
   *
   * @param source where the new policy would come from (e.g. a file path), or {@code null}
   * @throws PolicyChangeRefusedException if {@code by} may not change policy
   */
  public void checkMayChange(CallContext by, String source) {
    Objects.requireNonNull(by, "by (who changes the policy)");
    String agent = agentIn(by);
    if (agent != null) {
      String reason = "agents can never change policy; '" + agent + "' is an agent";
      synchronized (changeLock) {
        recordOrWarn(current.get(), null, by, source, "REFUSED", reason);
      }
      throw new PolicyChangeRefusedException("Refused to change policy '" + name + "': " + reason
          + ". A human or service must change policy; the previous policy stays in force.");
    }
  }

  private Policy decidedOrCurrent() {
    Policy p = lastDecidedBy.get();
    return p != null ? p : current.get();
  }

  /**
   * Replaces the policy, after recording the change.
   *
   * @param next the new policy
   * @param by who asks (an agent is refused)
   * @param source where the new policy came from (e.g. a file path), or {@code null}
   * @return {@code true} if the policy changed, {@code false} if {@code next} has the same digest
   *     (nothing is recorded then)
   * @throws PolicyChangeRefusedException if an agent asks, the new policy does not fit the guarded methods
   *     checked at startup ({@link #checkMethods}), or the change could not be recorded
   */
  public boolean replace(Policy next, CallContext by, String source) {
    Objects.requireNonNull(next, "next policy");
    Objects.requireNonNull(by, "by (who changes the policy)");
    checkMayChange(by, source);
    synchronized (changeLock) {
      Policy old = current.get();
      if (old.digest().equals(next.digest())) {
        return false;
      }
      List<String> misfits = next.problemsWith(checkedMethods);
      if (!misfits.isEmpty()) {
        String reason = "the new policy does not fit the guarded methods: " + String.join("; ", misfits);
        recordOrWarn(old, null, by, source, "INVALID", reason);
        throw new PolicyChangeRefusedException("Refused to change policy '" + name + "': " + reason
            + "; the previous policy stays in force");
      }
      try {
        trail.record(event(old, next, by, source, "CHANGED", null)).get(RECORD_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PolicyChangeRefusedException("Refused to change policy '" + name + "': interrupted while recording the change", e);
      } catch (Exception e) {
        throw new PolicyChangeRefusedException("Refused to change policy '" + name + "': the change could not be recorded "
            + "in the audit trail (" + e + "); the previous policy stays in force", e);
      }
      current.set(next);
      LOG.info("Policy '{}' changed by {}: version {} -> {}, digest {} -> {}", name, by.actor().id(), old.version(),
          next.version(), old.digest(), next.digest());
      return true;
    }
  }

  /**
   * Records a change attempt that failed before a new policy existed (e.g. the file did not
   * validate), so that auditors see it; the policy stays as it is.
   */
  public void recordRejected(CallContext by, String source, String reason) {
    synchronized (changeLock) {
      recordOrWarn(current.get(), null, by, source, "INVALID", reason);
    }
  }

  @Override
  public String toString() {
    return "ReloadablePolicy[" + name + " -> " + current.get() + "]";
  }

  private static String agentIn(CallContext by) {
    if (by.actor().kind() == ActorKind.AGENT) {
      return by.actor().id();
    }
    // an agent's code could pass a human's CallContext; the thread's own caller says who really runs
    return ActorContext.current().filter(c -> c.actor().kind() == ActorKind.AGENT).map(c -> c.actor().id()).orElse(null);
  }

  private void recordOrWarn(Policy old, Policy next, CallContext by, String source, String outcome, String reason) {
    try {
      trail.record(event(old, next, by, source, outcome, reason)).get(RECORD_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.error("Policy '{}' change attempt ({}) could not be recorded: interrupted", name, outcome);
    } catch (Exception e) {
      LOG.error("Policy '{}' change attempt ({}) could not be recorded: {}", name, outcome, e.toString());
    }
  }

  private AuditEvent.Builder event(Policy old, Policy next, CallContext by, String source, String outcome, String reason) {
    Map<String, Object> actor = new LinkedHashMap<>();
    actor.put("id", by.actor().id());
    actor.put("kind", by.actor().kind().name());
    AuditEvent.Builder b = AuditEvent.builder(EventType.POLICY_CHANGED).time(time.now())
        .field("policy", ref(next != null ? next : old))
        .field("previousPolicy", ref(old))
        .field("changedBy", actor)
        .field("onBehalfOf", by.actor().onBehalfOf())
        .field("outcome", outcome);
    if (next == null) {
      b.field("policy", ref(old));
    }
    if (source != null) {
      b.field("source", source);
    }
    if (reason != null) {
      b.field("reason", reason);
    }
    if (by.justification() != null) {
      b.field("justification", by.justification());
    }
    return b;
  }

  private Map<String, Object> ref(Policy p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", name);
    m.put("name", p.name());
    m.put("version", p.version());
    m.put("digest", p.digest());
    return m;
  }
}

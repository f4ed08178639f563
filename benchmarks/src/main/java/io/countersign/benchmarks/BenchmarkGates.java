package io.countersign.benchmarks;

import io.countersign.Actor;
import io.countersign.ApprovalGate;
import io.countersign.CallContext;
import io.countersign.Countersign;
import io.countersign.Reviewer;
import io.countersign.spi.ActorResolver;
import io.countersign.spi.ApprovalPolicy;
import io.countersign.spi.Approver;
import io.countersign.spi.AuditSink;
import io.countersign.spi.PolicyDecision;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;

/**
 * Builds and installs the gates the benchmarks call through the woven aspect. Shared so that every
 * benchmark measures the same configuration: named policies, a thread-local actor (as
 * {@code SecurityContextHolder} is for the Spring peer), an Ed25519 signer.
 */
public final class BenchmarkGates {

  /** Policy that allows every call without approval; relies on the gate's derived policy digest. */
  public static final String ALLOW_POLICY = "allow-all";
  /** Policy that allows every call and supplies its own (constant) digest. */
  public static final String ALLOW_POLICY_WITH_DIGEST = "allow-all-digest";
  /** Policy that denies every call (tests prove the weaving with it). */
  public static final String DENY_POLICY = "deny-all";

  /** The caller of every benchmarked call: an agent acting for a human. */
  public static final Actor AGENT = Actor.agent("ops-agent", "alice");
  /** The reviewer that approves round-trip requests (eligible: group ops-leads; not the agent nor alice). */
  public static final Reviewer REVIEWER = Reviewer.of("bob", "ops-leads");

  private static final PolicyDecision ALLOW = PolicyDecision.allow("benchmark-allow");
  private static final PolicyDecision DENY = PolicyDecision.deny("benchmark-deny", "benchmarks never drop databases");
  private static final String CONSTANT_DIGEST = "a".repeat(64);
  private static final ThreadLocal<CallContext> CALLER = new ThreadLocal<>();

  private BenchmarkGates() {}

  /** Attributes the current thread's guarded calls to {@link #AGENT} (once per thread, like a request filter). */
  public static void actAsAgent() {
    CALLER.set(new CallContext(AGENT, "benchmark run", null));
  }

  /** Forgets the current thread's caller. */
  public static void clearActor() {
    CALLER.remove();
  }

  /** Resolves the caller from the thread, like Spring's {@code SecurityContextHolder}. */
  public static ActorResolver threadLocalActor() {
    return invocation -> CALLER.get();
  }

  /** A gate builder with the benchmark policies, the thread-local actor and a fresh Ed25519 signer. */
  public static ApprovalGate.Builder builder(Approver approver, AuditSink sink) {
    return policies(ApprovalGate.builder().approver(approver).auditSink(sink).signer(Ed25519Signer.generate("bench-key")));
  }

  /** A gate builder with the benchmark policies and the thread-local actor, recording to {@code trail}. */
  public static ApprovalGate.Builder builder(Approver approver, AuditTrail trail) {
    return policies(ApprovalGate.builder().approver(approver).auditTrail(trail));
  }

  private static ApprovalGate.Builder policies(ApprovalGate.Builder builder) {
    ApprovalPolicy allow = (invocation, caller, rule) -> ALLOW;
    ApprovalPolicy allowWithDigest = new ApprovalPolicy() {
      @Override
      public PolicyDecision decide(io.countersign.Invocation invocation, CallContext caller, io.countersign.ApprovalRequirement rule) {
        return ALLOW;
      }

      @Override
      public String digest() {
        return CONSTANT_DIGEST;
      }
    };
    return builder
        .actorResolver(threadLocalActor())
        .policy(ALLOW_POLICY, allow)
        .policy(ALLOW_POLICY_WITH_DIGEST, allowWithDigest)
        .policy(DENY_POLICY, (invocation, caller, rule) -> DENY)
        .checkGuarded(GuardedOperations.class);
  }

  /** Installs {@code gate} for woven code, replacing (and closing) any gate a previous run left installed. */
  public static void install(ApprovalGate gate) {
    Countersign.uninstall().ifPresent(ApprovalGate::close);
    Countersign.install(gate);
  }

  /** Uninstalls and closes the installed gate, if any. */
  public static void uninstall() {
    Countersign.uninstall().ifPresent(ApprovalGate::close);
  }
}

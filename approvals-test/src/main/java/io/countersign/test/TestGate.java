package io.countersign.test;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.CallContext;
import io.countersign.Countersign;
import io.countersign.ManualTimeSource;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.spi.ApprovalPolicy;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * One test's approval gate and everything around it: the {@link ScriptedApprover}, the
 * {@link ManualTimeSource fake clock}, the in-memory audit sink with its signing key, and helpers
 * to call guarded code as an actor and assert on the audit trail. Created per test by
 * {@link CountersignTest}, or by hand with {@link #builder()} for tests without the extension.
 */
public final class TestGate implements AutoCloseable {

  /** The JUnit resource lock that guards the JVM-wide installed gate. */
  public static final String INSTALLED_GATE_LOCK = "io.countersign.Countersign.installed";

  private final ManualTimeSource clock;
  private final ScriptedApprover approver;
  private final InMemoryAuditSink sink;
  private final Ed25519Signer signer;
  private final AuditTrail trail;
  private final ApprovalGate gate;
  private final boolean installed;

  private TestGate(Builder b) {
    this.clock = new ManualTimeSource();
    this.approver = new ScriptedApprover(clock);
    this.sink = new InMemoryAuditSink();
    this.signer = Ed25519Signer.generate("test-key");
    this.trail = AuditTrail.builder().sink(sink).signer(signer).build();
    ApprovalGate.Builder gb = ApprovalGate.builder().approver(approver).auditTrail(trail).timeSource(clock);
    b.policies.forEach(gb::policy);
    gb.checkGuarded(b.guard);
    this.gate = gb.build();
    if (b.install) {
      // a stale gate left by a test that did not clean up must not leak into this one
      Countersign.uninstall();
      Countersign.install(gate);
    }
    this.installed = b.install;
  }

  static TestGate create(Map<String, ApprovalPolicy> policies, Class<?>[] guard, boolean install) {
    Builder b = builder().install(install).checkGuarded(guard);
    policies.forEach(b::policy);
    return b.build();
  }

  /** A builder, for tests that do not use {@link CountersignTest}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The gate under test. */
  public ApprovalGate gate() {
    return gate;
  }

  /** The scripted reviewers. */
  public ScriptedApprover approver() {
    return approver;
  }

  /** The fake clock the gate's deadlines run on. */
  public ManualTimeSource clock() {
    return clock;
  }

  /** The audit trail (to share with a {@code ReloadablePolicy} or {@code PolicyFile}). */
  public AuditTrail trail() {
    return trail;
  }

  /** The raw audit events. */
  public InMemoryAuditSink auditSink() {
    return sink;
  }

  /** The signer of this gate's trail (its verification key checks the chain). */
  public Ed25519Signer signer() {
    return signer;
  }

  /** Fluent assertions over the audit trail recorded so far. */
  public AuditAssert audit() {
    return new AuditAssert(sink.events(), signer.verificationKey());
  }

  /** Calls {@code call} as {@code actor}, capturing its result or exception. */
  public <T> CallOutcome<T> callAs(Actor actor, GuardedCall<T> call) {
    return callAs(new CallContext(actor, "test call", null), call);
  }

  /** Calls {@code call} in {@code context}, capturing its result or exception. */
  public <T> CallOutcome<T> callAs(CallContext context, GuardedCall<T> call) {
    Objects.requireNonNull(call, "call");
    Callable<T> callable = () -> {
      try {
        return call.call();
      } catch (Exception | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new Carrier(t);
      }
    };
    try {
      return CallOutcome.returned(ActorContext.runAs(context, callable), sink::events);
    } catch (Carrier c) {
      return CallOutcome.threw(c.getCause(), sink::events);
    } catch (Throwable t) {
      return CallOutcome.threw(t, sink::events);
    }
  }

  /** A call of guarded code, which may throw anything ({@code ApprovalGate.guard} throws {@code Throwable}). */
  @FunctionalInterface
  public interface GuardedCall<T> {
    /** Makes the call. */
    T call() throws Throwable;
  }

  /** Carries a non-Exception throwable through {@link Callable}. */
  private static final class Carrier extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Carrier(Throwable cause) {
      super(cause);
    }
  }

  /** Calls a void {@code call} as {@code actor}, capturing its exception. */
  public CallOutcome<Void> runAs(Actor actor, ThrowingRunnable call) {
    return callAs(actor, () -> {
      call.run();
      return null;
    });
  }

  /** A void call that may throw. */
  @FunctionalInterface
  public interface ThrowingRunnable {
    /** Runs. */
    void run() throws Exception;
  }

  /**
   * Uninstalls (if installed) and closes the gate; then throws {@link IllegalStateException} if the
   * approver's script had a step that could not run (so the extension fails the test with it).
   */
  @Override
  public void close() {
    if (installed) {
      Countersign.uninstall();
    }
    gate.close();
    String scriptError = approver.scriptError();
    if (scriptError != null) {
      throw new IllegalStateException("ScriptedApprover: " + scriptError);
    }
  }

  /** Builds a {@link TestGate}. */
  public static final class Builder {
    private final Map<String, ApprovalPolicy> policies = new java.util.LinkedHashMap<>();
    private Class<?>[] guard = new Class<?>[0];
    private boolean install = true;

    private Builder() {}

    /** Registers a policy under {@code name}. */
    public Builder policy(String name, ApprovalPolicy policy) {
      policies.put(name, policy);
      return this;
    }

    /** Classes whose annotations the gate validates at build. */
    public Builder checkGuarded(Class<?>... classes) {
      this.guard = classes.clone();
      return this;
    }

    /** Whether to install the gate for woven code (default true; the caller must close it). */
    public Builder install(boolean install) {
      this.install = install;
      return this;
    }

    /** Builds (and installs) the gate. */
    public TestGate build() {
      return new TestGate(this);
    }
  }
}

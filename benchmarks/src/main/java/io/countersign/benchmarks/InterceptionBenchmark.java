package io.countersign.benchmarks;

import io.countersign.ApprovalGate;
import io.countersign.InMemoryApprover;
import io.countersign.Invocation;
import io.countersign.audit.InMemoryAuditSink;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * Benchmark 1: what interception costs on the allowed path (the policy decides no approval is
 * needed), against the same body called plainly and through Spring Security's
 * {@code @PreAuthorize("hasRole('OPS')")} proxy. Run with {@code -prof gc} for allocation per call.
 *
 * <ul>
 *   <li>{@code plain}: no interception (baseline).</li>
 *   <li>{@code countersignWoven}: the woven {@code @RequiresApproval(policy = "allow-all")} method, whose
 *       lambda policy returns a constant {@code PolicyDecision.allow} and no digest of its own.</li>
 *   <li>{@code countersignWovenDigestPolicy}: the same with a policy that supplies its digest.</li>
 *   <li>{@code countersignGateDirect}: {@code ApprovalGate.guard} with a prebuilt invocation (no aspect),
 *       to split the cost between aspect and gate.</li>
 *   <li>{@code springPreAuthorize}: the Spring AOP proxy with an authenticated thread holding ROLE_OPS.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class InterceptionBenchmark {

  private Operations plain;
  private GuardedOperations woven;
  private Operations spring;
  private AnnotationConfigApplicationContext springContext;
  private ApprovalGate gate;
  private Invocation prebuilt;
  private final ApprovalGate.Proceed body = () -> Work.transfer(42L);
  private long amount = 42;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    gate = BenchmarkGates.builder(new InMemoryApprover(), new InMemoryAuditSink()).build();
    BenchmarkGates.install(gate);
    BenchmarkGates.actAsAgent();
    plain = new PlainOperations();
    woven = new GuardedOperations();
    springContext = SpringSecurityConfig.start();
    spring = springContext.getBean(SpringOperations.class);
    SpringSecurityConfig.authenticateCurrentThread("ops-agent", "OPS");
    prebuilt = Invocation.of(GuardedOperations.class.getMethod("transfer", long.class), woven, new Object[] {42L});
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    SpringSecurityConfig.clearCurrentThread();
    BenchmarkGates.clearActor();
    BenchmarkGates.uninstall();
    springContext.close();
  }

  @Benchmark
  public long plain() {
    return plain.transfer(amount);
  }

  @Benchmark
  public long countersignWoven() {
    return woven.transfer(amount);
  }

  @Benchmark
  public long countersignWovenDigestPolicy() {
    return woven.transferDigestPolicy(amount);
  }

  @Benchmark
  public Object countersignGateDirect() throws Throwable {
    return gate.guard(prebuilt, body);
  }

  @Benchmark
  public long springPreAuthorize() {
    return spring.transfer(amount);
  }
}

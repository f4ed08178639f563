package io.countersign.benchmarks;

import io.countersign.ApprovalGate;
import io.countersign.InMemoryApprover;
import io.countersign.audit.Ed25519Signer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 2: one full approval round trip through the woven method {@code GuardedOperations#deploy}
 * (quorum 1 of ops-leads): REQUESTED recorded durably, delivered to an {@link InMemoryApprover} whose
 * responder approves at once on the calling thread, VOTE and DECIDED recorded, the body runs,
 * EXECUTED recorded. Four audit events per call, each awaited until durable, as the gate does.
 *
 * <p>{@code audit} selects the trail ({@link Trails}). The gate, approver and log are rebuilt every
 * iteration so the in-memory approver's and sink's history does not grow without bound.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoundTripBenchmark {

  @Param({"memory", "file-signed-each", "file-checkpoint"})
  public String audit;

  private final GuardedOperations ops = new GuardedOperations();
  private final Ed25519Signer signer = Ed25519Signer.generate("bench-key");
  private ApprovalGate gate;
  private Path dir;
  private long build;

  @Setup(Level.Iteration)
  public void setUp() {
    dir = Trails.tempDir("roundtrip");
    InMemoryApprover[] approver = new InMemoryApprover[1];
    approver[0] = InMemoryApprover.withResponder(
        request -> approver[0].approve(request.id(), BenchmarkGates.REVIEWER, "checked the release notes"));
    gate = BenchmarkGates.builder(approver[0], Trails.create(audit, dir, signer)).build();
    BenchmarkGates.install(gate);
    BenchmarkGates.actAsAgent();
  }

  @TearDown(Level.Iteration)
  public void tearDown() {
    BenchmarkGates.clearActor();
    BenchmarkGates.uninstall();
    Trails.delete(dir);
  }

  @Benchmark
  public long approvedCall() {
    return ops.deploy(build++);
  }
}

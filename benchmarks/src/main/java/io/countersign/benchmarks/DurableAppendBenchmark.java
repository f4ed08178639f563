package io.countersign.benchmarks;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 3b: durable audit appends with many in flight, the JMH form of
 * {@code AuditThroughputHarness} (approvals-audit-cli). Each thread records {@value #WINDOW}
 * VOTE events ({@link SampleEvents#vote}, ~750 bytes) on one shared trail over a
 * {@link io.countersign.audit.log.FileAuditSink} and then waits until all of them are durable (an
 * event counts only after the {@code force} of its group-commit batch), as a busy gate with a
 * bounded in-flight window would. Run with {@code -t 4} to mirror the harness's 4 threads.
 * Scores are events per second.
 *
 * <p>Modes ({@link Trails}): {@code file-checkpoint} (a signed checkpoint every 1000 events) and
 * {@code file-signed-each} (every event signed, so Ed25519 signing under the chain lock bounds it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 2) // with 4 threads on 2 cores the JIT needs about 3 iterations
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"}) // a fixed heap: no heap growth (page faults) inside the measurement
public class DurableAppendBenchmark {

  /** Events each thread has in flight per operation, as the harness's window. */
  public static final int WINDOW = 4096;

  @Param({"file-checkpoint", "file-signed-each"})
  public String sink;

  private final AtomicLong ids = new AtomicLong();
  private Path dir;
  private AuditTrail trail;

  @Setup(Level.Iteration)
  public void setUp() {
    dir = Trails.tempDir("durable-append");
    trail = Trails.create(sink, dir, Ed25519Signer.generate("bench-key"));
  }

  @TearDown(Level.Iteration)
  public void tearDown() {
    trail.close();
    Trails.delete(dir);
  }

  /** Records {@value #WINDOW} events, then waits until every one is durable. */
  @Benchmark
  @OperationsPerInvocation(WINDOW)
  public Object append4096ThenDurable() {
    Instant now = Instant.now();
    @SuppressWarnings("unchecked")
    CompletableFuture<AuditEvent>[] inFlight = new CompletableFuture[WINDOW];
    for (int i = 0; i < WINDOW; i++) {
      inFlight[i] = trail.record(SampleEvents.vote("req-" + ids.incrementAndGet(), now.plusMillis(i)));
    }
    // As the harness: wait for each (not only the last, which in a hash chain would imply the rest).
    return CompletableFuture.allOf(inFlight).join();
  }
}

package io.countersign.benchmarks;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.log.FileAuditSink;
import io.countersign.audit.log.VerificationResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
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
 * Benchmark 4: verifying a whole log on disk ({@link AuditVerifier#verifyLog}: check every line's
 * canonical form, recompute every hash, check every link and every checkpoint signature). The log
 * ({@code events} events, checkpoint signatures every {@value Trails#CHECKPOINT_EVERY} events) is
 * written once per trial into a temporary directory. One operation verifies the whole log; events
 * per second = {@code events} / score.
 *
 * <p>{@code content}: {@code gate-mix} is what the gate writes per approved request (REQUESTED,
 * VOTE, DECIDED, EXECUTED; {@link GateEvents}, 800 bytes on average); {@code requested} repeats the
 * largest of them ({@link SampleEvents}, about 1,160 bytes), a worst case for bytes per event.
 * {@code threads}: {@link AuditVerifier.Builder#threads} (lines are scanned and hashed in parallel,
 * the chain is checked in order).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class VerificationBenchmark {

  @Param({"1000000"})
  public int events;

  @Param({"gate-mix", "requested"})
  public String content;

  @Param({"1", "2"})
  public int threads;

  private Path dir;
  private AuditVerifier verifier;

  @Setup(Level.Trial)
  public void writeLog() throws IOException {
    dir = Trails.tempDir("verify");
    Ed25519Signer signer = Ed25519Signer.generate("bench-key");
    try (AuditTrail trail = AuditTrail.builder().sink(FileAuditSink.open(dir)).signer(signer)
        .checkpointEvery(Trails.CHECKPOINT_EVERY, Duration.ofSeconds(1)).build()) {
      Instant now = Instant.now();
      CompletableFuture<AuditEvent> last = null;
      for (int i = 1; i <= events; i++) {
        last = trail.record(content.equals("requested") ? SampleEvents.countersign("req-" + i, now) : GateEvents.event(i, now));
        if (i % 10_000 == 0) {
          last.join(); // bounds the sink's queue
        }
      }
      if (last != null) {
        last.join();
      }
    }
    verifier = AuditVerifier.builder().key(signer.verificationKey()).threads(threads).build();
    VerificationResult first = verifier.verifyLog(dir);
    if (!first.ok() || first.eventsChecked() < events) {
      throw new IllegalStateException("the generated log does not verify: " + first);
    }
  }

  @TearDown(Level.Trial)
  public void deleteLog() {
    Trails.delete(dir);
  }

  @Benchmark
  public VerificationResult verifyLog() throws IOException {
    VerificationResult result = verifier.verifyLog(dir);
    if (!result.ok()) {
      throw new IllegalStateException("verification failed: " + result);
    }
    return result;
  }
}

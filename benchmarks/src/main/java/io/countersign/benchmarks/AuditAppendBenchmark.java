package io.countersign.benchmarks;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.recovery.ResilientFileOutputStream;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Benchmark 3: audit events appended per second, Countersign's trail against logback's
 * {@code FileAppender} + {@code JsonEncoder} writing the same event content ({@link SampleEvents}).
 * Run at 1, 2 and 8 threads ({@code -t}). Scores are events per second.
 *
 * <p>Durability of each side, as measured:
 * <ul>
 *   <li>{@code memory}, {@code memory-checkpoint}: in memory, nothing on disk (ceiling of the chain).</li>
 *   <li>{@code file-signed-each}, {@code file-checkpoint}: {@link io.countersign.audit.log.FileAuditSink}
 *       with group commit: an event counts only after the {@code force} (fsync) of its batch.</li>
 *   <li>{@code logback-json}: logback's defaults ({@code immediateFlush=true}): each event is handed to
 *       the OS, never forced; a power loss can lose acknowledged events.</li>
 *   <li>{@code logback-json-fsync}: the same appender plus {@code FileChannel.force} after each
 *       operation, i.e. the durability Countersign gives (logback has no group commit of its own).</li>
 * </ul>
 * Two operations: {@code appendEachDurable} writes one event and waits until it is durable (what
 * one gate call does); {@code append64ThenDurable} writes 64 and waits for the last (a busy service
 * with many calls in flight; in a hash chain the last being durable implies all 64 are).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class AuditAppendBenchmark {

  /** Events per operation of {@link #append64ThenDurable}. */
  public static final int BATCH = 64;

  @Param({"memory", "memory-checkpoint", "file-signed-each", "file-checkpoint", "logback-json", "logback-json-fsync"})
  public String sink;

  private final AtomicLong ids = new AtomicLong();
  private Path dir;
  private AuditTrail trail;
  private LoggerContext logbackContext;
  private Logger logger;
  private FileChannel logbackChannel;
  private boolean logback;
  private boolean fsync;

  @Setup(org.openjdk.jmh.annotations.Level.Iteration)
  public void setUp() throws IOException {
    dir = Trails.tempDir("append");
    logback = sink.startsWith("logback");
    fsync = sink.equals("logback-json-fsync");
    if (logback) {
      startLogback(dir.resolve("audit.json"));
    } else {
      trail = Trails.create(sink, dir, Ed25519Signer.generate("bench-key"));
    }
  }

  @TearDown(org.openjdk.jmh.annotations.Level.Iteration)
  public void tearDown() {
    if (logback) {
      logbackContext.stop();
    } else {
      trail.close();
    }
    Trails.delete(dir);
  }

  @Benchmark
  public Object appendEachDurable() throws IOException {
    return append(1);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object append64ThenDurable() throws IOException {
    return append(BATCH);
  }

  private Object append(int events) throws IOException {
    Instant now = Instant.now();
    if (logback) {
      for (int i = 0; i < events; i++) {
        SampleEvents.logback(logger, "req-" + ids.incrementAndGet(), now);
      }
      if (fsync) {
        logbackChannel.force(false);
      }
      return logger;
    }
    CompletableFuture<AuditEvent> last = null;
    for (int i = 0; i < events; i++) {
      last = trail.record(SampleEvents.countersign("req-" + ids.incrementAndGet(), now));
    }
    return last.join();
  }

  private void startLogback(Path file) {
    logbackContext = new LoggerContext();
    logbackContext.setName("audit-benchmark");
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(logbackContext);
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setContext(logbackContext);
    appender.setName("audit-json");
    appender.setFile(file.toString());
    appender.setAppend(true);
    appender.setImmediateFlush(true);
    appender.setEncoder(encoder);
    appender.start();
    logger = logbackContext.getLogger("audit");
    logger.setLevel(Level.INFO);
    logger.setAdditive(false);
    logger.addAppender(appender);
    logbackChannel = ((ResilientFileOutputStream) appender.getOutputStream()).getChannel();
  }
}

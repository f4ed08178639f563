package io.countersign.benchmarks;

import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.log.FileAuditSink;
import io.countersign.audit.InMemoryAuditSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The audit configurations the benchmarks compare, by name (JMH {@code @Param} values):
 * <ul>
 *   <li>{@code memory}: {@link InMemoryAuditSink}, every event signed (not durable);</li>
 *   <li>{@code memory-checkpoint}: {@link InMemoryAuditSink}, signed checkpoint every
 *       {@value #CHECKPOINT_EVERY} events (not durable);</li>
 *   <li>{@code file-signed-each}: {@link FileAuditSink}, group commit ({@code force} per batch),
 *       every event signed;</li>
 *   <li>{@code file-checkpoint}: {@link FileAuditSink}, group commit, signed checkpoint every
 *       {@value #CHECKPOINT_EVERY} events or 1 s.</li>
 * </ul>
 */
final class Trails {

  /** Events per signed checkpoint in the checkpoint modes. */
  static final int CHECKPOINT_EVERY = 1000;

  private Trails() {}

  /** A new trail of kind {@code mode}; file modes write a new log in {@code dir}. */
  static AuditTrail create(String mode, Path dir, Ed25519Signer signer) {
    try {
      return switch (mode) {
        case "memory" -> AuditTrail.builder().sink(new InMemoryAuditSink()).signer(signer).build();
        case "memory-checkpoint" -> AuditTrail.builder().sink(new InMemoryAuditSink()).signer(signer)
            .checkpointEvery(CHECKPOINT_EVERY, Duration.ofSeconds(1)).build();
        case "file-signed-each" -> AuditTrail.builder().sink(FileAuditSink.open(dir)).signer(signer).build();
        case "file-checkpoint" -> AuditTrail.builder().sink(FileAuditSink.open(dir)).signer(signer)
            .checkpointEvery(CHECKPOINT_EVERY, Duration.ofSeconds(1)).build();
        default -> throw new IllegalArgumentException("unknown audit mode '" + mode
            + "' (known: memory, memory-checkpoint, file-signed-each, file-checkpoint)");
      };
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the benchmark audit log in " + dir, e);
    }
  }

  /** A fresh temporary directory for one log. */
  static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory("countersign-bench-" + prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes {@code dir} and everything in it (best effort: benchmark scratch space). */
  static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package io.countersign.audit;

import io.countersign.spi.AuditSink;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each event's canonical JSON as one INFO line to an SLF4J logger (default
 * {@value #DEFAULT_LOGGER}), so the audit trail shows up in existing log pipelines. Completes at
 * once: logging frameworks give no durability guarantee, so pair it with a durable sink when the
 * log must be the record of truth. Thread-safe.
 */
public final class Slf4jAuditSink implements AuditSink {

  /** Logger name used by the no-argument constructor. */
  public static final String DEFAULT_LOGGER = "io.countersign.audit";

  private final Logger logger;

  /** Logs to {@value #DEFAULT_LOGGER}. */
  public Slf4jAuditSink() {
    this(DEFAULT_LOGGER);
  }

  /** Logs to the logger named {@code loggerName}. */
  public Slf4jAuditSink(String loggerName) {
    Objects.requireNonNull(loggerName, "loggerName must not be null");
    if (loggerName.isBlank()) {
      throw new IllegalArgumentException("loggerName must not be blank but was '" + loggerName + "'");
    }
    this.logger = LoggerFactory.getLogger(loggerName);
  }

  /** For tests: logs to {@code logger}. */
  Slf4jAuditSink(Logger logger) {
    this.logger = Objects.requireNonNull(logger, "logger must not be null");
  }

  /** Logs the event's canonical JSON at INFO; a logging failure is thrown (the event is then not recorded). */
  @Override
  public CompletionStage<Void> append(AuditEvent event) {
    logger.info("{}", event.toJson());
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public String toString() {
    return "Slf4jAuditSink[" + logger.getName() + "]";
  }
}

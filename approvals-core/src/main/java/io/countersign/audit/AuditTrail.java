package io.countersign.audit;

import io.countersign.internal.Hashing;
import io.countersign.spi.AuditSink;
import io.countersign.spi.Signer;
import io.countersign.spi.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hash chain: seals events (sequence number, link to the previous hash, own hash, optional
 * signature) and hands them to the sinks. Thread-safe; one instance per log.
 *
 * <p>Two signing modes (see {@code docs/AUDIT-FORMAT.md}, section 12):
 * <ul>
 *   <li><b>per-event</b> ({@link Builder#signer} alone): every event carries an Ed25519 signature.
 *       Simple, but one signature per event caps throughput near the signer's speed.</li>
 *   <li><b>checkpoint</b> ({@link Builder#checkpointEvery}): events are only hash-chained; after
 *       every N events, or at most {@code maxDelay} after the first event not yet covered, the
 *       trail appends a signed {@link EventType#CHECKPOINT} event. Because each hash covers the
 *       previous one, a checkpoint's signature vouches for every event before it.</li>
 * </ul>
 * In both modes {@link #close()} appends a closing checkpoint, so that a verifier can tell a log
 * that was closed from one that was cut short. {@link #rotateKey} switches keys with a signed
 * {@link EventType#KEY_ROTATION} event.
 *
 * <p>Why one lock: in a hash chain the order <em>is</em> the data. Each event's {@code prevHash} is
 * the previous event's hash, so assigning the sequence number, hashing, signing and handing the
 * event to the sinks must happen as one step, in the same order for every sink. A single
 * {@link ReentrantLock} (rather than {@code synchronized}, to stay friendly to virtual threads)
 * makes that order the order of {@code seq}. Durability is awaited <em>outside</em> the lock:
 * sinks only enqueue under it, so group commit stays possible.
 *
 * <p>Failure handling (fail closed):
 * <ul>
 *   <li>If the signer, the id source or the first sink fails synchronously (throws or returns an
 *       already failed stage), no sink holds the event, so the chain head does not move: the next
 *       event reuses that {@code seq} and {@code prevHash}, and the log has no gap.</li>
 *   <li>If a later sink fails synchronously after earlier sinks accepted the event, or any sink's
 *       stage fails afterwards, the sinks' logs can no longer agree, so the trail becomes
 *       <em>failed</em>: every later {@link #record} completes exceptionally at once with
 *       {@code IllegalStateException("audit trail failed at seq N: <cause>")}.</li>
 *   <li>An event's future completes normally only when it <em>and every earlier event</em> are
 *       durable in every sink, so "recorded" always means "the chain up to here is intact".</li>
 * </ul>
 * Futures may complete on a sink's thread; do not block in their callbacks.
 */
public final class AuditTrail implements AutoCloseable {

  /** The {@code prevHash} of the first event of a log: 64 '0' characters. */
  public static final String GENESIS_HASH = "0".repeat(64);

  /** {@code checkpoint.reason} of a checkpoint written because N events were pending. */
  public static final String CHECKPOINT_COUNT = "count";
  /** {@code checkpoint.reason} of a checkpoint written because {@code maxDelay} elapsed. */
  public static final String CHECKPOINT_TIME = "time";
  /** {@code checkpoint.reason} of a checkpoint requested with {@link #checkpoint()}. */
  public static final String CHECKPOINT_REQUESTED = "requested";
  /** {@code checkpoint.reason} of the checkpoint {@link #close()} writes: the log ends here on purpose. */
  public static final String CHECKPOINT_CLOSE = "close";

  private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);

  private final List<AuditSink> sinks;
  private final AuditSink.InOrderAppender inOrder; // the only sink's in-order appender, if it has one: see append
  private final Supplier<String> idSource;
  private final int checkpointEvery;          // 0: per-event signing
  private final Duration checkpointMaxDelay;  // null: no timer
  private final TimeSource timeSource;
  private final boolean closingCheckpoint;
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicReference<Failure> failure = new AtomicReference<>();
  private final Set<String> usedKeyIds = new HashSet<>();

  // Written only under lock; volatile so lastSeq()/lastHash()/signer reads need no lock.
  private volatile Signer signer;
  private volatile long lastSeq;
  private volatile String lastHash;
  private long uncovered;                      // events since the last signed event (checkpoint mode)
  private TimeSource.Cancellable timer;
  private CompletableFuture<Void> chainDurable = CompletableFuture.completedFuture(null);
  private boolean closed;

  private AuditTrail(Builder b, ChainHead start) {
    this.signer = b.signer;
    this.sinks = List.copyOf(b.sinks);
    this.inOrder = sinks.size() == 1 ? sinks.get(0).inOrderAppender() : null;
    this.idSource = b.idSource != null ? b.idSource : new EventIds();
    this.lastSeq = start.seq();
    this.lastHash = start.hash();
    this.checkpointEvery = b.checkpointEvery;
    this.checkpointMaxDelay = b.checkpointMaxDelay;
    this.timeSource = b.timeSource != null ? b.timeSource : TimeSource.system();
    this.closingCheckpoint = b.closingCheckpoint && b.signer != null;
    if (signer != null) {
      usedKeyIds.add(signer.keyId());
    }
  }

  /** Whether events (or checkpoints) are signed: false means hash-chained only. */
  public boolean isSigned() {
    return signer != null;
  }

  /** Starts configuring a trail; at least one {@link Builder#sink sink} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Seals {@code unsealed} as the next event of the chain and appends it to every sink, in order.
   * In checkpoint mode this may also append a signed checkpoint right after it.
   *
   * @return a future completing with the sealed event once it and all earlier events are durable
   *     in every sink, or exceptionally if the signer or a sink failed, or the trail has failed
   *     or is closed
   * @throws IllegalArgumentException if the event type is {@link EventType#CHECKPOINT} or
   *     {@link EventType#KEY_ROTATION}, which only the trail itself writes
   */
  public CompletableFuture<AuditEvent> record(AuditEvent.Builder unsealed) {
    Objects.requireNonNull(unsealed, "unsealed event builder must not be null");
    if (unsealed.type() == EventType.CHECKPOINT || unsealed.type() == EventType.KEY_ROTATION) {
      throw new IllegalArgumentException("AuditEvent " + unsealed.type() + " is written by the audit trail itself; use "
          + (unsealed.type() == EventType.CHECKPOINT ? "AuditTrail.checkpoint()" : "AuditTrail.rotateKey(...)"));
    }
    // Copy and serialise the content before taking the lock: only the chain fields, one hash
    // and the optional signature need the chain order.
    AuditEvent.Prepared prepared = null;
    RuntimeException invalid = null;
    try {
      prepared = AuditEvent.prepare(unsealed);
    } catch (RuntimeException e) {
      invalid = e; // reported after the failed/closed checks, as if sealing had failed
    }
    lock.lock();
    try {
      if (checkpointEvery == 0) {
        return append(prepared, invalid, signer);
      }
      CompletableFuture<AuditEvent> result = append(prepared, invalid, null);
      if (result.isCompletedExceptionally() || closed) {
        return result;
      }
      uncovered++;
      if (uncovered >= checkpointEvery) {
        appendCheckpoint(CHECKPOINT_COUNT).whenComplete((cp, e) -> {
          if (e != null) {
            LOG.warn("audit checkpoint after seq {} failed; the next event retries it: {}", lastSeq, unwrap(e).toString());
          }
        });
      } else if (uncovered == 1 && checkpointMaxDelay != null) {
        scheduleCheckpoint();
      }
      return result;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Appends a signed {@link EventType#CHECKPOINT} now, vouching for every event before it (in
   * per-event mode it adds nothing but a signed head; in checkpoint mode it covers the pending
   * events at once).
   *
   * @return a future completing with the checkpoint once it is durable in every sink
   * @throws IllegalStateException if the trail has no signer
   */
  public CompletableFuture<AuditEvent> checkpoint() {
    lock.lock();
    try {
      if (signer == null) {
        throw new IllegalStateException("AuditTrail has no signer, so it cannot write a signed checkpoint");
      }
      return appendCheckpoint(CHECKPOINT_REQUESTED);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Retires the current key: appends a {@link EventType#KEY_ROTATION} event, signed with the
   * current key, that names {@code next}'s key id and carries its public key, then signs every
   * later event (or checkpoint) with {@code next}. Events before the rotation keep verifying with
   * the old public key; a verifier flags any later event signed with the retired key.
   *
   * @param next the signer of the new key; its key id must never have been used by this trail
   * @param nextPublicKey the public half of {@code next}, written into the rotation event
   * @return a future completing with the rotation event once it is durable in every sink
   * @throws IllegalStateException if the trail has no signer yet
   * @throws IllegalArgumentException if the key ids differ, the id was used before, or
   *     {@code nextPublicKey} does not verify a test signature made by {@code next}
   */
  public CompletableFuture<AuditEvent> rotateKey(Signer next, VerificationKey nextPublicKey) {
    Objects.requireNonNull(next, "next signer must not be null");
    Objects.requireNonNull(nextPublicKey, "nextPublicKey must not be null");
    String nextId = next.keyId();
    if (!nextPublicKey.keyId().equals(nextId)) {
      throw new IllegalArgumentException("rotateKey: signer key id '" + nextId + "' differs from the public key's id '"
          + nextPublicKey.keyId() + "'");
    }
    byte[] probe = Hashing.sha256(("countersign key rotation probe " + nextId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    if (!Signatures.verifies(nextPublicKey.publicKey(), probe, next.sign(probe.clone()))) {
      throw new IllegalArgumentException("rotateKey: the public key given for '" + nextId
          + "' does not verify signatures made by the new signer (wrong key pair?)");
    }
    lock.lock();
    try {
      Signer current = signer;
      if (current == null) {
        throw new IllegalStateException("rotateKey: AuditTrail has no signer to rotate from; configure one with signer(...)");
      }
      if (usedKeyIds.contains(nextId)) {
        throw new IllegalArgumentException("rotateKey: key id '" + nextId + "' was already used by this trail; "
            + "a rotation must introduce a new key id");
      }
      Map<String, Object> rotation = new LinkedHashMap<>();
      rotation.put("previousKeyId", current.keyId());
      rotation.put("keyId", nextId);
      rotation.put("publicKey", Base64.getEncoder().encodeToString(nextPublicKey.publicKey()));
      CompletableFuture<AuditEvent> result = append(AuditEvent.builder(EventType.KEY_ROTATION)
          .time(timeSource.now()).field("rotation", rotation), current);
      if (!result.isCompletedExceptionally()) {
        signer = next;
        usedKeyIds.add(nextId);
        uncovered = 0;
        LOG.info("audit signing key rotated from '{}' to '{}' at seq {}", current.keyId(), nextId, lastSeq);
      }
      return result;
    } finally {
      lock.unlock();
    }
  }

  /** Convenience for {@link #rotateKey(Signer, VerificationKey)} with an in-process key. */
  public CompletableFuture<AuditEvent> rotateKey(Ed25519Signer next) {
    Objects.requireNonNull(next, "next signer must not be null");
    return rotateKey(next, next.verificationKey());
  }

  /** Id of the key that signs now, or {@code null} if the trail does not sign. */
  public String keyId() {
    Signer s = signer;
    return s == null ? null : s.keyId();
  }

  /** {@code "per-event"}, {@code "checkpoint"} or {@code "none"}: how this trail signs. */
  public String signingMode() {
    return signer == null ? "none" : checkpointEvery == 0 ? "per-event" : "checkpoint";
  }

  private void scheduleCheckpoint() {
    try {
      timer = timeSource.schedule(timeSource.now().plus(checkpointMaxDelay), this::timedCheckpoint);
    } catch (RuntimeException e) {
      LOG.warn("could not schedule the audit checkpoint timer; checkpoints follow the event count only: {}", e.toString());
    }
  }

  private void timedCheckpoint() {
    lock.lock();
    try {
      timer = null;
      if (uncovered > 0 && !closed && failed() == null) {
        appendCheckpoint(CHECKPOINT_TIME).whenComplete((cp, e) -> {
          if (e != null) {
            LOG.warn("timed audit checkpoint after seq {} failed: {}", lastSeq, unwrap(e).toString());
          }
        });
      }
    } finally {
      lock.unlock();
    }
  }

  /** Under lock. */
  private CompletableFuture<AuditEvent> appendCheckpoint(String reason) {
    CompletableFuture<AuditEvent> result = append(AuditEvent.builder(EventType.CHECKPOINT)
        .time(timeSource.now()).field("checkpoint", Map.of("reason", reason)), signer);
    if (!result.isCompletedExceptionally()) {
      uncovered = 0;
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
    }
    return result;
  }

  /** Prepares, seals and appends one event written by the trail itself; under lock. */
  private CompletableFuture<AuditEvent> append(AuditEvent.Builder unsealed, Signer signWith) {
    AuditEvent.Prepared prepared;
    try {
      prepared = AuditEvent.prepare(unsealed);
    } catch (RuntimeException e) {
      return append(null, e, signWith);
    }
    return append(prepared, null, signWith);
  }

  /** Seals and appends one prepared event (or reports why it could not be prepared); under lock. */
  private CompletableFuture<AuditEvent> append(AuditEvent.Prepared prepared, RuntimeException invalid, Signer signWith) {
    Failure failed = failed();
    if (failed != null) {
      return CompletableFuture.failedFuture(failed.toException());
    }
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("audit trail is closed; no event can be recorded"));
    }
    if (invalid != null) {
      return CompletableFuture.failedFuture(invalid); // nothing was handed to a sink: head unchanged
    }
    long seq = lastSeq + 1;
    AuditEvent event;
    try {
      String eventId = idSource.get();
      if (eventId == null || eventId.isBlank()) {
        throw new IllegalStateException("audit trail idSource returned " + (eventId == null ? "null" : "a blank id")
            + " for seq " + seq);
      }
      event = prepared.seal(seq, eventId, lastHash, signWith);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e); // nothing was handed to a sink: head unchanged
    }

    if (inOrder != null) {
      return appendInOrder(event);
    }
    CompletableFuture<?>[] stages = new CompletableFuture<?>[sinks.size()];
    for (int i = 0; i < stages.length; i++) {
      CompletableFuture<Void> stage = appendTo(sinks.get(i), event);
      if (stage.isCompletedExceptionally()) {
        Throwable cause = causeOf(stage);
        if (i == 0) {
          return CompletableFuture.failedFuture(cause); // no sink holds it: head unchanged
        }
        // Earlier sinks hold this event: reusing its seq would fork their chains.
        advance(event, CompletableFuture.failedFuture(poison(seq, cause)));
        return CompletableFuture.failedFuture(cause);
      }
      stages[i] = stage;
    }

    CompletableFuture<Void> own = stages.length == 1 ? (CompletableFuture<Void>) stages[0] : CompletableFuture.allOf(stages);
    CompletableFuture<Void> previous = chainDurable;
    CompletableFuture<Void> chain = new CompletableFuture<>();
    CompletableFuture<AuditEvent> result = new CompletableFuture<>();
    own.whenComplete((ignored, e) -> {
      if (e != null) {
        Throwable cause = unwrap(e);
        chain.completeExceptionally(poison(seq, cause));
        result.completeExceptionally(cause);
      } else {
        previous.whenComplete((ignored2, e2) -> {
          if (e2 != null) {
            chain.completeExceptionally(unwrap(e2));
            result.completeExceptionally(unwrap(e2));
          } else {
            chain.complete(null);
            result.complete(event);
          }
        });
      }
    });
    advance(event, chain);
    return result;
  }

  /**
   * The fast path for a trail whose only sink has an {@link AuditSink.InOrderAppender} (every
   * durable group-commit configuration): its future already means "this and every earlier event
   * are durable", so it is returned as it is, instead of the copy, the link to the previous event's
   * future and the callbacks of the general path, which the sink's single writer thread would
   * otherwise run for every event. A sink failure reaches the trail through {@link #failed()}.
   * Under lock.
   */
  private CompletableFuture<AuditEvent> appendInOrder(AuditEvent event) {
    CompletableFuture<AuditEvent> result;
    try {
      result = inOrder.append(event);
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(e); // the sink does not hold it: head unchanged
    }
    if (result == null) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          "audit sink " + sinks.get(0) + " returned null from its in-order append for seq " + event.seq()));
    }
    if (result.isCompletedExceptionally()) {
      return result; // refused (failed earlier, closed): the sink does not hold it, head unchanged
    }
    lastSeq = event.seq();
    lastHash = event.hash();
    return result;
  }

  /**
   * Why the trail failed, or {@code null}. With the fast path the sink's failure is taken over
   * here, at the seq of its first failed event (which is what the general path's callbacks record);
   * the sink sets it before it fails any stage, so a caller who saw a stage fail sees the trail
   * failed.
   */
  private Failure failed() {
    Failure f = failure.get();
    if (f == null && inOrder != null) {
      Throwable sinkFailure = inOrder.failure();
      if (sinkFailure != null) {
        failure.compareAndSet(null, new Failure(inOrder.failedSeq(), sinkFailure));
        f = failure.get();
      }
    }
    return f;
  }

  /** Sequence number of the last event handed to the sinks (0, or the continueAfter seq, if none). */
  public long lastSeq() {
    return lastSeq;
  }

  /** Hash of the last event handed to the sinks (the genesis or continueAfter hash if none). */
  public String lastHash() {
    return lastHash;
  }

  /**
   * Appends the closing checkpoint (when the trail signs; failures are logged, not thrown, so
   * the sinks still close), then closes every sink (each one even if another throws); later
   * {@link #record} calls fail. Idempotent.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
      if (closingCheckpoint && failed() == null) {
        CompletableFuture<AuditEvent> last = appendCheckpoint(CHECKPOINT_CLOSE);
        if (last.isCompletedExceptionally()) {
          LOG.warn("closing audit checkpoint could not be written; verifiers will report the log as not closed: {}",
              causeOf(last).toString());
        }
      }
      closed = true;
      RuntimeException first = null;
      for (AuditSink sink : sinks) {
        try {
          sink.close();
        } catch (RuntimeException e) {
          if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
        }
      }
      if (first != null) {
        throw first;
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    Failure failed = failed();
    Signer s = signer;
    return "AuditTrail[lastSeq=" + lastSeq + ", signing=" + signingMode() + (s == null ? "" : ", key=" + s.keyId())
        + ", sinks=" + sinks.size() + (failed != null ? ", FAILED at seq " + failed.seq : "") + "]";
  }

  private void advance(AuditEvent event, CompletableFuture<Void> chain) {
    lastSeq = event.seq();
    lastHash = event.hash();
    chainDurable = chain;
  }

  private IllegalStateException poison(long seq, Throwable cause) {
    failure.compareAndSet(null, new Failure(seq, cause));
    return failure.get().toException();
  }

  private static CompletableFuture<Void> appendTo(AuditSink sink, AuditEvent event) {
    CompletionStage<Void> stage;
    try {
      stage = sink.append(event);
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(e);
    }
    if (stage == null) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          "audit sink " + sink.getClass().getName() + " returned null from append for seq " + event.seq()));
    }
    // A fresh future, so neither we nor the caller can complete the sink's own stage; for an
    // already completed stage the callback runs now, which is how synchronous failure is seen.
    CompletableFuture<Void> copy = new CompletableFuture<>();
    stage.whenComplete((v, e) -> {
      if (e != null) {
        copy.completeExceptionally(unwrap(e));
      } else {
        copy.complete(null);
      }
    });
    return copy;
  }

  private static Throwable causeOf(CompletableFuture<?> failed) {
    try {
      failed.get();
      throw new IllegalStateException("future was expected to have failed");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    } catch (CancellationException e) {
      return e;
    }
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private static final class Failure {
    final long seq;
    final Throwable cause;

    Failure(long seq, Throwable cause) {
      this.seq = seq;
      this.cause = cause;
    }

    IllegalStateException toException() {
      return new IllegalStateException("audit trail failed at seq " + seq + ": " + cause, cause);
    }
  }

  /**
   * Configures an {@link AuditTrail}. Each setter checks its argument at once; {@link #build()}
   * copies the state, so a builder can be reused.
   */
  public static final class Builder {

    private Signer signer;
    private final List<AuditSink> sinks = new ArrayList<>();
    private Long afterSeq;
    private String afterHash;
    private Supplier<String> idSource;
    private int checkpointEvery;
    private Duration checkpointMaxDelay;
    private TimeSource timeSource;
    private boolean closingCheckpoint = true;

    private Builder() {
    }

    /**
     * Switches to checkpoint signing: events are hash-chained but not signed one by one; a signed
     * {@link EventType#CHECKPOINT} is appended after every {@code events} events and, when
     * {@code maxDelay} is not {@code null}, at most {@code maxDelay} after the first event it
     * will cover (so a quiet log is not left unsigned for long). Requires a {@link #signer}.
     *
     * @throws IllegalArgumentException if {@code events < 1} or {@code maxDelay} is not positive
     */
    public Builder checkpointEvery(int events, Duration maxDelay) {
      if (checkpointEvery != 0) {
        throw new IllegalStateException("checkpointEvery was already set to " + checkpointEvery + " events");
      }
      if (events < 1) {
        throw new IllegalArgumentException("checkpointEvery events must be >= 1 but was " + events);
      }
      if (maxDelay != null && (maxDelay.isNegative() || maxDelay.isZero())) {
        throw new IllegalArgumentException("checkpointEvery maxDelay must be positive (or null for none) but was " + maxDelay);
      }
      this.checkpointEvery = events;
      this.checkpointMaxDelay = maxDelay;
      return this;
    }

    /** Clock and timer for checkpoint times and the checkpoint {@code maxDelay} (default: the wall clock). */
    public Builder timeSource(TimeSource timeSource) {
      Objects.requireNonNull(timeSource, "timeSource must not be null");
      if (this.timeSource != null) {
        throw new IllegalStateException("timeSource was already set to " + this.timeSource);
      }
      this.timeSource = timeSource;
      return this;
    }

    /**
     * Whether {@link AuditTrail#close()} appends a signed closing checkpoint (default {@code true}
     * when there is a signer). Without it a verifier cannot tell a closed log from a truncated one.
     */
    public Builder closingCheckpoint(boolean enabled) {
      this.closingCheckpoint = enabled;
      return this;
    }

    /**
     * Signs with {@code signer}: every event (per-event mode), or only checkpoints when
     * {@link #checkpointEvery} is set. Without a signer, events carry no keyId/signature.
     */
    public Builder signer(Signer signer) {
      Objects.requireNonNull(signer, "signer must not be null");
      if (this.signer != null) {
        throw new IllegalStateException("signer was already set to key '" + this.signer.keyId() + "'");
      }
      this.signer = signer;
      return this;
    }

    /** Adds a sink; events go to the sinks in the order they were added. At least one is required. */
    public Builder sink(AuditSink sink) {
      Objects.requireNonNull(sink, "sink must not be null");
      for (AuditSink existing : sinks) {
        if (existing == sink) {
          throw new IllegalArgumentException("sink " + sink + " was already added");
        }
      }
      sinks.add(sink);
      return this;
    }

    /**
     * Continues an existing chain whose last event has {@code seq} and {@code hash}, for sinks that
     * cannot report it themselves. Not needed for a sink that reports its {@link AuditSink#head()}
     * (a file or database log): the trail continues after that head by itself.
     */
    public Builder continueAfter(long seq, String hash) {
      if (afterSeq != null) {
        throw new IllegalStateException("continueAfter was already set to seq " + afterSeq);
      }
      if (seq < 0) {
        throw new IllegalArgumentException("continueAfter seq must be >= 0 but was " + seq);
      }
      if (!Hashing.isLowerHex(hash, 64)) {
        throw new IllegalArgumentException("continueAfter hash must be 64 lower-case hex characters but was '" + hash + "'");
      }
      if (seq == 0 && !hash.equals(GENESIS_HASH)) {
        throw new IllegalArgumentException("continueAfter seq 0 means genesis, so hash must be " + GENESIS_HASH + " but was " + hash);
      }
      this.afterSeq = seq;
      this.afterHash = hash;
      return this;
    }

    /** Source of event ids (default: random UUIDs); must return a non-blank, unique id per call. */
    public Builder idSource(Supplier<String> idSource) {
      Objects.requireNonNull(idSource, "idSource must not be null");
      if (this.idSource != null) {
        throw new IllegalStateException("idSource was already set to " + this.idSource);
      }
      this.idSource = idSource;
      return this;
    }

    /**
     * Builds the trail. It continues after the chain head its sinks report ({@link AuditSink#head()},
     * e.g. the last event of a log found on disk), or after {@link #continueAfter}, or at genesis.
     *
     * @throws IllegalStateException if no sink was added, if two sinks report different heads, or
     *     if {@link #continueAfter} differs from the head a sink reports
     */
    public AuditTrail build() {
      if (sinks.isEmpty()) {
        throw new IllegalStateException("AuditTrail needs at least one sink: call sink(...) before build() "
            + "(a trail that records nowhere would let gated actions run unaudited)");
      }
      if (checkpointEvery > 0 && signer == null) {
        throw new IllegalStateException("checkpointEvery(" + checkpointEvery + ", ...) needs a signer: "
            + "unsigned checkpoints would prove nothing");
      }
      return new AuditTrail(this, startHead());
    }

    /** Where the chain continues: the head the sinks agree on, else continueAfter, else genesis. */
    private ChainHead startHead() {
      ChainHead reported = null;
      AuditSink reporter = null;
      for (AuditSink sink : sinks) {
        Optional<ChainHead> head = sink.head();
        if (head == null) {
          throw new IllegalStateException("audit sink " + sink + " returned null from head(); return Optional.empty() "
              + "for a sink that keeps no chain");
        }
        if (head.isEmpty()) {
          continue;
        }
        if (reported == null) {
          reported = head.get();
          reporter = sink;
        } else if (!reported.equals(head.get())) {
          throw new IllegalStateException("audit sinks hold different chains: " + reporter + " ends at " + reported
              + " but " + sink + " ends at " + head.get() + "; one trail can continue only one chain "
              + "(give each log its own gate, or start the new sink from an empty log)");
        }
      }
      ChainHead given = afterSeq == null ? null : new ChainHead(afterSeq, afterHash);
      if (given != null && reported != null && !given.equals(reported)) {
        throw new IllegalStateException("continueAfter(" + given + ") differs from the chain head " + reported
            + " that audit sink " + reporter + " reports; drop continueAfter to continue that sink's chain");
      }
      return reported != null ? reported : given != null ? given : ChainHead.GENESIS;
    }
  }
}

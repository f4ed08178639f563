package io.countersign.audit;

import io.countersign.internal.Hashing;
import io.countersign.spi.AuditSink;
import io.countersign.spi.Signer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The hash chain: seals events (sequence number, link to the previous hash, own hash, optional
 * signature) and hands them to the sinks. Thread-safe; one instance per log.
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

    private final Signer signer;
    private final List<AuditSink> sinks;
    private final Supplier<String> idSource;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicReference<Failure> failure = new AtomicReference<>();

    // Written only under lock; volatile so lastSeq()/lastHash() need no lock.
    private volatile long lastSeq;
    private volatile String lastHash;
    private CompletableFuture<Void> chainDurable = CompletableFuture.completedFuture(null);
    private boolean closed;

    private AuditTrail(Builder b) {
        this.signer = b.signer;
        this.sinks = List.copyOf(b.sinks);
        this.idSource = b.idSource != null ? b.idSource : () -> UUID.randomUUID().toString();
        this.lastSeq = b.afterSeq != null ? b.afterSeq : 0;
        this.lastHash = b.afterHash != null ? b.afterHash : GENESIS_HASH;
    }

    /** Starts configuring a trail; at least one {@link Builder#sink sink} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Seals {@code unsealed} as the next event of the chain and appends it to every sink, in order.
     *
     * @return a future completing with the sealed event once it and all earlier events are durable
     *     in every sink, or exceptionally if the signer or a sink failed, or the trail has failed
     *     or is closed
     */
    public CompletableFuture<AuditEvent> record(AuditEvent.Builder unsealed) {
        Objects.requireNonNull(unsealed, "unsealed event builder must not be null");
        lock.lock();
        try {
            Failure failed = failure.get();
            if (failed != null) {
                return CompletableFuture.failedFuture(failed.toException());
            }
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("audit trail is closed; no event can be recorded"));
            }
            long seq = lastSeq + 1;
            AuditEvent event;
            try {
                String eventId = idSource.get();
                if (eventId == null || eventId.isBlank()) {
                    throw new IllegalStateException("audit trail idSource returned " + (eventId == null ? "null" : "a blank id")
                            + " for seq " + seq);
                }
                event = AuditEvent.seal(unsealed, seq, eventId, lastHash, signer);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e); // nothing was handed to a sink: head unchanged
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

            CompletableFuture<Void> own = CompletableFuture.allOf(stages)
                    .whenComplete((ignored, e) -> {
                        if (e != null) {
                            poison(seq, unwrap(e));
                        }
                    });
            CompletableFuture<Void> previous = chainDurable;
            CompletableFuture<Void> chain = new CompletableFuture<>();
            CompletableFuture<AuditEvent> result = new CompletableFuture<>();
            own.whenComplete((ignored, e) -> {
                if (e != null) {
                    chain.completeExceptionally(failure.get().toException());
                    result.completeExceptionally(unwrap(e));
                }
            });
            previous.whenComplete((ignored, e) -> {
                if (e != null) {
                    chain.completeExceptionally(unwrap(e));
                    result.completeExceptionally(unwrap(e));
                }
            });
            own.thenAcceptBoth(previous, (a, b) -> {
                chain.complete(null);
                result.complete(event);
            });
            advance(event, chain);
            return result;
        } finally {
            lock.unlock();
        }
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
     * Closes every sink (each one even if another throws); later {@link #record} calls fail.
     * Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
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
        Failure failed = failure.get();
        return "AuditTrail[lastSeq=" + lastSeq + ", signer=" + (signer == null ? "none" : signer.keyId())
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

        private Builder() {
        }

        /** Signs every event with {@code signer}; without one, events carry no keyId/signature. */
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
         * Continues an existing log whose last event has {@code seq} and {@code hash}, instead of
         * starting at genesis (seq 0, prevHash of 64 zeros).
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
         * Builds the trail.
         *
         * @throws IllegalStateException if no sink was added
         */
        public AuditTrail build() {
            if (sinks.isEmpty()) {
                throw new IllegalStateException("AuditTrail needs at least one sink: call sink(...) before build() "
                        + "(a trail that records nowhere would let gated actions run unaudited)");
            }
            return new AuditTrail(this);
        }
    }
}

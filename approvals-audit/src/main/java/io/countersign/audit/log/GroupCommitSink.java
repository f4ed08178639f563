package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.ChainHead;
import io.countersign.spi.AuditSink;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A base for durable {@link AuditSink}s that group-commit: {@link #append} only checks that the
 * event continues the chain and enqueues it (it runs under the trail's lock, so it must be quick),
 * and one writer thread drains the queued events in batches and hands each batch to
 * {@link #writeBatch}, which makes it durable (one {@code fsync}, one transaction). The shared
 * machinery lives here so that every durable sink gets the same guarantees:
 *
 * <ul>
 *   <li><b>Durable before done.</b> An append's stage completes only after {@link #writeBatch}
 *       returned for the batch holding its event.</li>
 *   <li><b>Chain continuity.</b> An event whose {@code seq} or {@code prevHash} does not continue
 *       the chain (from the head given to {@link #start}) is refused with an
 *       {@link IllegalArgumentException}, so two trails can never interleave in one sink.</li>
 *   <li><b>Fail closed.</b> If {@link #writeBatch} throws, every event of that batch and every
 *       queued or later append fails; the sink records nothing more.</li>
 *   <li><b>Clean close.</b> {@link #close()} lets the writer write everything queued, joins it, and
 *       then calls {@link #releaseResources()}.</li>
 * </ul>
 *
 * <p>A subclass implements {@link #writeBatch} and {@link #releaseResources}, may override the
 * batching hooks ({@link #maxBatchEvents()}, {@link #maxBatchDelayNanos()},
 * {@link #batchReadyEvents()}) and the error hooks, and calls {@link #start} once, at the end of its
 * constructor, with the chain head it continues. Thread-safe.
 */
public abstract class GroupCommitSink implements AuditSink, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitSink.class);

  /** Queued events and their stages, in the same order; two instances alternate between appenders and the writer. */
  private static final class Queue {
    final ArrayList<AuditEvent> events = new ArrayList<>();
    final List<AuditEvent> view = Collections.unmodifiableList(events);
    final ArrayList<CompletableFuture<?>> done = new ArrayList<>(); // CompletableFuture<Void>, or an EventFuture

    void clear() {
      events.clear();
      done.clear();
    }
  }

  private final ReentrantLock queueLock = new ReentrantLock();
  private final Condition queued = queueLock.newCondition();
  private Queue queue = new Queue();   // under queueLock
  private long nextSeq;                // under queueLock
  private String expectedPrevHash;     // under queueLock
  private boolean closing;             // under queueLock
  private volatile Throwable failure;
  private long failedSeq;              // seq of the first event that failed; written before failure
  private Thread writer;               // set once by start

  // batching settings, read once from the hooks by start
  private int maxBatchEvents = Integer.MAX_VALUE;
  private int batchReadyEvents = Integer.MAX_VALUE;
  private long maxBatchDelayNanos;

  /** For subclasses; call {@link #start} at the end of the subclass's constructor. */
  protected GroupCommitSink() {
  }

  /**
   * Reads the batching hooks, sets the chain head that the first append must continue, and starts
   * the writer thread (a daemon). Call exactly once, as the last step of the subclass's constructor,
   * when everything {@link #writeBatch} uses is ready.
   *
   * @param threadName the writer thread's name (name the sink's directory, chain or table)
   * @param lastSeq seq of the last durable event (0 for a new chain)
   * @param lastHash hash of that event ({@link AuditTrail#GENESIS_HASH} for a new chain)
   * @throws IllegalStateException if the sink was started already
   */
  protected final void start(String threadName, long lastSeq, String lastHash) {
    Objects.requireNonNull(threadName, "threadName must not be null");
    Objects.requireNonNull(lastHash, "lastHash must not be null");
    int max = maxBatchEvents();
    int ready = batchReadyEvents();
    long delay = maxBatchDelayNanos();
    if (max < 1 || ready < 1 || delay < 0) {
      throw new IllegalStateException(getClass().getSimpleName() + ": maxBatchEvents and batchReadyEvents must be >= 1 and "
          + "maxBatchDelayNanos >= 0 but were " + max + ", " + ready + " and " + delay);
    }
    queueLock.lock();
    try {
      if (writer != null) {
        throw new IllegalStateException(getClass().getSimpleName() + " was started already (writer " + writer.getName() + ")");
      }
      this.maxBatchEvents = max;
      this.batchReadyEvents = ready;
      this.maxBatchDelayNanos = delay;
      this.nextSeq = lastSeq + 1;
      this.expectedPrevHash = lastHash;
      Thread t = new Thread(this::writeLoop, threadName);
      t.setDaemon(true);
      this.writer = t;
      t.start();
    } finally {
      queueLock.unlock();
    }
  }

  // ---------------------------------------------------------------- subclass hooks

  /**
   * Makes {@code batch} durable (writes and forces it, inserts and commits it). Called on the writer
   * thread only, one batch at a time, in seq order; the list is read-only and valid only during the
   * call. Throwing fails every event of the batch and every later one (fail closed).
   *
   * @throws Exception if the batch may not be durable
   */
  protected abstract void writeBatch(List<AuditEvent> batch) throws Exception;

  /**
   * Releases what the sink holds (files, locks, connections); called once by {@link #close()} after
   * the writer thread has written everything queued and stopped. Must not throw: log and go on.
   */
  protected abstract void releaseResources();

  /** The most events handed to one {@link #writeBatch} call (default: no limit). Read once by {@link #start}. */
  protected int maxBatchEvents() {
    return Integer.MAX_VALUE;
  }

  /**
   * How long, in nanoseconds, the writer may wait for more events before writing what is queued
   * (default 0: write at once, which already batches what arrived during the previous write). Read
   * once by {@link #start}.
   */
  protected long maxBatchDelayNanos() {
    return 0;
  }

  /** The queue length that ends a {@link #maxBatchDelayNanos()} wait early (default {@link #maxBatchEvents()}). Read once by {@link #start}. */
  protected int batchReadyEvents() {
    return maxBatchEvents();
  }

  /**
   * The exception an append fails with after the sink failed; {@code failure} is what
   * {@link #writeFailed} returned.
   */
  protected RuntimeException failedEarlier(Throwable failure) {
    return new IllegalStateException(this + " failed earlier and records nothing more: " + failure, failure);
  }

  /** The exception an append fails with after {@link #close()}. */
  protected RuntimeException closedError() {
    return new IllegalStateException(this + " is closed");
  }

  /** The exception {@link #append} throws for an event that does not continue the chain. */
  protected IllegalArgumentException notContinuing(AuditEvent event, long expectedSeq, String expectedPrevHash) {
    return new IllegalArgumentException(this + ": event seq " + event.seq() + " does not continue the chain, which expects seq "
        + expectedSeq + " with prevHash " + expectedPrevHash);
  }

  /**
   * Called on the writer thread after {@link #writeBatch} threw: log, clean up (roll back), and
   * return the exception that the batch's and every later append's stage fails with.
   */
  protected Throwable writeFailed(List<AuditEvent> batch, Exception cause) {
    long first = batch.get(0).seq();
    LOG.error("{} could not write the audit events from seq {}; it fails closed: {}", this, first, cause.toString());
    return new IllegalStateException(this + " could not write the audit events from seq " + first + ": " + cause, cause);
  }

  /**
   * What {@link #writeFailed} returned once the sink failed (it then refuses every later event), or
   * {@code null} while it works; public so that health checks can report it.
   */
  public final Throwable failure() {
    return failure;
  }

  // ---------------------------------------------------------------- the trail's fast path

  /**
   * The future the in-order appender returns: the writer completes it with the event itself, so
   * the trail needs no future or callback of its own per event.
   */
  private static final class EventFuture extends CompletableFuture<AuditEvent> {
  }

  /**
   * The in-order appender for an {@link AuditTrail} whose only sink this is. It relies on what this
   * class guarantees (kept by {@link #write} and {@link #fail}):
   * <ul>
   *   <li>stages complete in append order: normally only after every earlier one completed
   *       normally, since batches are written one at a time, in order;</li>
   *   <li>once a write failed, that event's and every later stage fail (queued ones with the
   *       same exception, later appends synchronously), and {@code failure()} and
   *       {@code failedSeq()} say so before any stage fails.</li>
   * </ul>
   */
  private final InOrderAppender inOrder = new InOrderAppender() {
    @Override
    public CompletableFuture<AuditEvent> append(AuditEvent event) {
      EventFuture result = new EventFuture();
      Throwable refused = enqueue(event, result);
      return refused == null ? result : CompletableFuture.failedFuture(refused);
    }

    @Override
    public Throwable failure() {
      return failure;
    }

    @Override
    public long failedSeq() {
      return failedSeq;
    }
  };

  /** Completes appends strictly in order (see {@link AuditSink.InOrderAppender}), so a trail can use its fast path. */
  @Override
  public final InOrderAppender inOrderAppender() {
    return inOrder;
  }

  /**
   * The chain head the next append must continue: the head given to {@link #start} advanced by
   * every event appended since ({@link ChainHead#GENESIS} for a new chain).
   */
  @Override
  public final Optional<ChainHead> head() {
    queueLock.lock();
    try {
      if (writer == null) {
        throw new IllegalStateException(getClass().getSimpleName() + " was not started: its constructor must call start(...)");
      }
      return Optional.of(new ChainHead(nextSeq - 1, expectedPrevHash));
    } finally {
      queueLock.unlock();
    }
  }

  // ---------------------------------------------------------------- appenders

  /**
   * Checks that {@code event} continues the chain and enqueues it for the writer thread. The stage
   * completes once the event's batch is durable, or exceptionally if the sink failed or is closed.
   *
   * @throws IllegalArgumentException if the event does not continue the chain (wrong seq or
   *     prevHash)
   */
  @Override
  public final CompletionStage<Void> append(AuditEvent event) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Throwable refused = enqueue(event, done);
    return refused == null ? done : CompletableFuture.failedFuture(refused);
  }

  /** Queues {@code event} with {@code done}, or returns why not (failed, closed); throws if it does not continue the chain. */
  private Throwable enqueue(AuditEvent event, CompletableFuture<?> done) {
    Objects.requireNonNull(event, "event must not be null");
    queueLock.lock();
    try {
      Throwable failed = failure;
      if (failed != null) {
        return failedEarlier(failed);
      }
      if (closing) {
        return closedError();
      }
      if (writer == null) {
        throw new IllegalStateException(getClass().getSimpleName() + " was not started: its constructor must call start(...)");
      }
      if (event.seq() != nextSeq || !event.prevHash().equals(expectedPrevHash)) {
        throw notContinuing(event, nextSeq, expectedPrevHash);
      }
      nextSeq++;
      expectedPrevHash = event.hash();
      Queue q = queue;
      q.events.add(event);
      q.done.add(done);
      int size = q.events.size();
      if (size == 1 || size >= batchReadyEvents) {
        queued.signal();
      }
    } finally {
      queueLock.unlock();
    }
    return null;
  }

  /**
   * Lets the writer make everything queued durable, stops the writer thread, and releases the
   * sink's resources ({@link #releaseResources()}). Appends after close fail. Idempotent.
   */
  @Override
  public final void close() {
    Thread w;
    queueLock.lock();
    try {
      if (closing) {
        return;
      }
      closing = true;
      w = writer;
      queued.signal();
    } finally {
      queueLock.unlock();
    }
    boolean interrupted = false;
    while (w != null && w.isAlive()) {
      try {
        w.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      releaseResources();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---------------------------------------------------------------- writer thread

  private void writeLoop() {
    Queue batch = new Queue();
    while (true) {
      queueLock.lock();
      try {
        while (queue.events.isEmpty() && !closing) {
          queued.awaitUninterruptibly();
        }
        if (queue.events.isEmpty()) {
          return; // closing and drained
        }
        if (maxBatchDelayNanos > 0 && !closing) {
          long deadline = System.nanoTime() + maxBatchDelayNanos;
          long left;
          while (queue.events.size() < batchReadyEvents && !closing && (left = deadline - System.nanoTime()) > 0) {
            try {
              queued.awaitNanos(left);
            } catch (InterruptedException e) {
              break;
            }
          }
        }
        Queue drained = queue;
        queue = batch;
        batch = drained;
      } finally {
        queueLock.unlock();
      }
      write(batch);
      batch.clear();
    }
  }

  private void write(Queue batch) {
    int size = batch.events.size();
    if (failure != null) { // failed while this batch was being drained: fail it too
      completeExceptionally(batch.done, 0, size, failure);
      return;
    }
    int from = 0;
    try {
      while (from < size) {
        int to = size - from <= maxBatchEvents ? size : from + maxBatchEvents;
        writeBatch(from == 0 && to == size ? batch.view : batch.view.subList(from, to));
        for (int i = from; i < to; i++) {
          complete(batch.done.get(i), batch.events.get(i));
        }
        from = to;
      }
    } catch (Exception e) {
      int to = size - from <= maxBatchEvents ? size : from + maxBatchEvents;
      fail(batch, from, to, e);
    }
  }

  private void fail(Queue batch, int from, int to, Exception e) {
    Throwable failed;
    try {
      failed = writeFailed(from == 0 && to == batch.events.size() ? batch.view : batch.view.subList(from, to), e);
    } catch (RuntimeException hookFailed) {
      hookFailed.addSuppressed(e);
      failed = hookFailed;
    }
    if (failed == null) {
      failed = new IllegalStateException(this + " could not write: " + e, e);
    }
    ArrayList<CompletableFuture<?>> rest;
    queueLock.lock();
    try {
      failedSeq = batch.events.get(from).seq();
      failure = failed;
      rest = new ArrayList<>(queue.done);
      queue.clear();
    } finally {
      queueLock.unlock();
    }
    completeExceptionally(batch.done, from, batch.done.size(), failed);
    completeExceptionally(rest, 0, rest.size(), failed);
  }

  /** Completes an append's stage: a trail's {@link EventFuture} with the event, any other with {@code null}. */
  @SuppressWarnings("unchecked")
  private static void complete(CompletableFuture<?> stage, AuditEvent event) {
    if (stage instanceof EventFuture) {
      ((EventFuture) stage).complete(event);
    } else {
      ((CompletableFuture<Object>) stage).complete(null);
    }
  }

  private static void completeExceptionally(List<CompletableFuture<?>> stages, int from, int to, Throwable cause) {
    for (int i = from; i < to; i++) {
      stages.get(i).completeExceptionally(cause);
    }
  }
}

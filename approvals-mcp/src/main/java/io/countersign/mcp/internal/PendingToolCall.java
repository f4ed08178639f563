package io.countersign.mcp.internal;

import io.countersign.ApprovalRequest;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.function.Function;

/**
 * One tool call of this server while it passes the gate: the thread waiting for the decision (a
 * client cancellation interrupts it, which the gate turns into a CANCELLED request), the request id
 * once the gate opened one, and its progress reporter.
 *
 * <p>States: waiting (may be cancelled), running (the approved body started; a late cancellation is
 * ignored), cancelled (the body never starts), closed.
 */
public final class PendingToolCall implements AutoCloseable {

  private enum State { WAITING, RUNNING, CANCELLED, CLOSED }

  private final Thread thread = Thread.currentThread();
  private final Function<ApprovalRequest, ApprovalProgress> progressFactory;
  private final Runnable unregister;
  private State state = State.WAITING;
  private volatile String requestId;
  private ApprovalProgress progress;

  PendingToolCall(Function<ApprovalRequest, ApprovalProgress> progressFactory, Runnable unregister) {
    this.progressFactory = progressFactory;
    this.unregister = unregister;
  }

  /** The gate opened {@code request} for this call (called on the call's thread). */
  public void opened(ApprovalRequest request) {
    requestId = request.id();
    ApprovalProgress p = progressFactory == null ? null : progressFactory.apply(request);
    synchronized (this) {
      if (state == State.CLOSED) {
        if (p != null) {
          p.stop();
        }
        return;
      }
      progress = p;
    }
    if (p != null) {
      p.start();
    }
  }

  /** The id of the approval request opened for this call, or {@code null} if none was (yet). */
  public String requestId() {
    return requestId;
  }

  /** Cancels the call if it still waits: the waiting thread is interrupted, the body will not start. */
  public synchronized boolean cancel() {
    if (state != State.WAITING) {
      return false;
    }
    state = State.CANCELLED;
    thread.interrupt();
    return true;
  }

  /** Runs the approved body unless the call was cancelled meanwhile. */
  public <T> T run(Callable<T> body) throws Exception {
    synchronized (this) {
      if (state != State.WAITING) {
        throw new CancellationException("the MCP client cancelled the tool call before it could run");
      }
      state = State.RUNNING;
    }
    return body.call();
  }

  /** Whether the client cancelled this call. */
  public synchronized boolean cancelled() {
    return state == State.CANCELLED;
  }

  /** Stops progress, forgets the call, and clears an interrupt its cancellation left on this pool thread. */
  @Override
  public void close() {
    ApprovalProgress p;
    synchronized (this) {
      state = State.CLOSED;
      p = progress;
      Thread.interrupted();
    }
    if (p != null) {
      p.stop();
    }
    unregister.run();
  }
}

package io.countersign.spring.boot;

import io.countersign.ApprovalGate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Ends pending approvals first when the application stops, so that a graceful shutdown does not
 * wait for humans: every request this instance's callers wait for ends as CANCELLED (recorded;
 * each caller gets an {@code ApprovalCancelledException} saying the application is shutting down),
 * and new guarded calls are refused. It stops in the first lifecycle phase, before the web server's
 * graceful shutdown ({@code SmartLifecycle.DEFAULT_PHASE - 1024}) starts waiting for in-flight
 * requests, and waits at most {@code countersign.shutdown-timeout} for the cancellations to be
 * recorded. The gate itself is closed later, with the other beans.
 */
final class GateShutdown implements SmartLifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(GateShutdown.class);

  /** The reason recorded on every request cancelled by a shutdown, and shown to its caller. */
  static final String REASON = "the application is shutting down (pending approvals are cancelled on shutdown; "
      + "call again once it is back)";

  private final ApprovalGate gate;
  private final Duration timeout;
  private volatile boolean running;

  GateShutdown(ApprovalGate gate, Duration timeout) {
    this.gate = gate;
    this.timeout = timeout;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    int pending = gate.pending().size();
    CompletableFuture<Void> cancelled = CompletableFuture.runAsync(() -> gate.shutdown(REASON), task -> {
      Thread t = new Thread(task, "countersign-shutdown");
      t.setDaemon(true);
      t.start();
    });
    try {
      cancelled.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("Countersign stopped taking guarded calls and cancelled {} pending approval(s) for the shutdown", pending);
    } catch (TimeoutException e) {
      LOG.warn("Countersign could not record the cancellation of {} pending approval(s) within countersign.shutdown-timeout "
          + "({}); shutting down anyway (those callers are denied when the gate closes)", pending, timeout);
    } catch (ExecutionException e) {
      LOG.error("Countersign failed to cancel pending approvals on shutdown; they are denied when the gate closes", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** The first phase to stop: before the web server drains its requests. */
  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE;
  }
}

package io.countersign.mcp.internal;

import io.countersign.ApprovalRequest;
import io.countersign.spi.GateListener;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Tells a tool call which approval request the gate opened for it: the gate calls
 * {@link #requested} on the calling thread, before delivery, so the request id is known while the
 * call waits (for progress, cancellation and the deferred-mode answer). It only observes.
 */
public enum RequestCapture implements GateListener {
  INSTANCE;

  private static final ThreadLocal<Consumer<ApprovalRequest>> CURRENT = new ThreadLocal<>();

  @Override
  public void requested(ApprovalRequest request) {
    Consumer<ApprovalRequest> consumer = CURRENT.get();
    if (consumer != null) {
      CURRENT.remove(); // one request per tool call
      consumer.accept(request);
    }
  }

  /** Runs {@code task}, handing the first request opened on this thread meanwhile to {@code consumer}. */
  public static <T> T during(Consumer<ApprovalRequest> consumer, Callable<T> task) throws Exception {
    Consumer<ApprovalRequest> previous = CURRENT.get();
    CURRENT.set(consumer);
    try {
      return task.call();
    } finally {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    }
  }
}

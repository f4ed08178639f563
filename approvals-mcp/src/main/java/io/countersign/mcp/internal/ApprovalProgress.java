package io.countersign.mcp.internal;

import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.RequestState;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends MCP progress notifications for a tool call waiting for approval: one when the request opens
 * ("waiting for approval: 0/1 approvals from group:finance-leads"), then one each time the count of
 * approvals grows (read from the gate every {@code interval}). Progress is the approvals so far,
 * total the quorum. Sent only when the client asked for progress (a {@code progressToken}).
 */
public final class ApprovalProgress {

  private static final Logger LOG = LoggerFactory.getLogger(ApprovalProgress.class);

  private final McpSyncServerExchange exchange;
  private final Object progressToken;
  private final ApprovalGate gate;
  private final ApprovalRequest request;
  private final ScheduledExecutorService scheduler;
  private final Duration interval;
  private int sent = -1;
  private volatile boolean stopped;
  private ScheduledFuture<?> poll;

  public ApprovalProgress(McpSyncServerExchange exchange, Object progressToken, ApprovalGate gate, ApprovalRequest request,
      ScheduledExecutorService scheduler, Duration interval) {
    this.exchange = exchange;
    this.progressToken = progressToken;
    this.gate = gate;
    this.request = request;
    this.scheduler = scheduler;
    this.interval = interval;
  }

  /** The message of a progress notification for this many approvals. */
  public static String message(int approvals, ApprovalRequest request) {
    return "waiting for approval: " + approvals + "/" + request.requirement().quorum() + " approvals from "
        + String.join(", ", request.requirement().approvers());
  }

  synchronized void start() {
    if (stopped) {
      return;
    }
    // not on the caller's thread: it is inside the gate, which must not wait for the network
    scheduler.execute(() -> report(0));
    poll = scheduler.scheduleWithFixedDelay(this::poll, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
  }

  synchronized void stop() {
    stopped = true;
    if (poll != null) {
      poll.cancel(false);
    }
  }

  private void poll() {
    ApprovalStatus status = gate.status(request.id()).orElse(null);
    if (status != null && status.state() == RequestState.PENDING) {
      report(status.approvals());
    }
  }

  private synchronized void report(int approvals) {
    if (stopped || approvals <= sent) {
      return;
    }
    sent = approvals;
    try {
      exchange.progressNotification(new McpSchema.ProgressNotification(progressToken, approvals,
          (double) request.requirement().quorum(), message(approvals, request)));
    } catch (RuntimeException e) {
      LOG.debug("Progress notification for approval request {} could not be sent", request.id(), e);
    }
  }
}

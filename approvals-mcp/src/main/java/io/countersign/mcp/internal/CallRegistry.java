package io.countersign.mcp.internal;

import io.countersign.ApprovalRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tool calls of this server that wait at the gate, by MCP session and JSON-RPC request id, so
 * that a {@code notifications/cancelled} from the same session finds the call it names.
 */
public final class CallRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(CallRegistry.class);

  private record Key(String sessionId, String requestId) {}

  private final Map<Key, PendingToolCall> calls = new ConcurrentHashMap<>();

  /**
   * Registers the current thread's tool call; without a session or request id it cannot be
   * cancelled by the client (it still times out or is decided).
   */
  public PendingToolCall open(String sessionId, String requestId, Function<ApprovalRequest, ApprovalProgress> progress) {
    if (sessionId == null || requestId == null) {
      return new PendingToolCall(progress, () -> {});
    }
    Key key = new Key(sessionId, requestId);
    PendingToolCall[] holder = new PendingToolCall[1];
    holder[0] = new PendingToolCall(progress, () -> calls.remove(key, holder[0]));
    if (calls.putIfAbsent(key, holder[0]) != null) {
      LOG.warn("MCP session {} reused request id {} while an earlier call with it is pending; the new call cannot be cancelled",
          sessionId, requestId);
      return new PendingToolCall(progress, () -> {});
    }
    return holder[0];
  }

  /** Handles a client's {@code notifications/cancelled}; returns whether a waiting call was cancelled. */
  public boolean cancel(String sessionId, String requestId, String reason) {
    if (sessionId == null || requestId == null) {
      return false;
    }
    PendingToolCall call = calls.get(new Key(sessionId, requestId));
    boolean cancelled = call != null && call.cancel();
    LOG.info("MCP client cancelled request {} of session {} ({}): {}", requestId, sessionId,
        reason == null ? "no reason given" : reason, cancelled ? "the pending tool call was cancelled" : "no pending tool call");
    return cancelled;
  }
}

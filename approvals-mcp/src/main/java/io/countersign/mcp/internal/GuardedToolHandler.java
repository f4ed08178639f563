package io.countersign.mcp.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.CallContext;
import io.countersign.Invocation;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.lang.reflect.UndeclaredThrowableException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP call handler of a guarded tool: resolves the human behind the session, runs the call
 * through {@link ApprovalGate#guard} as an agent acting for that human, reports progress while it
 * waits, lets the client cancel it, and turns every outcome into a tool result (an error result
 * for anything but "approved and run").
 */
public final class GuardedToolHandler implements BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> {

  private static final Logger LOG = LoggerFactory.getLogger(GuardedToolHandler.class);
  private static final int MAX_PURPOSE_CHARS = 2_000;

  /** How a guarded tool becomes a gate call: its invocation, and the real call once approved. */
  public interface Target {
    /** The invocation the gate decides on; {@link IllegalArgumentException} refuses the call (bad arguments). */
    Invocation invocation(CallToolRequest request);

    /** The real call, made only after approval, with the arguments the gate checked. */
    Object proceed(McpSyncServerExchange exchange, CallToolRequest request, Invocation invocation) throws Exception;
  }

  /** Settings shared by all tools of one {@code McpApprovals}. */
  public record Settings(ApprovalGate gate, Function<McpTransportContext, String> principalOf, String agentId,
      String purposeKey, ScheduledExecutorService scheduler, Duration progressInterval, CallRegistry calls, ObjectMapper json) {}

  private final Settings settings;
  private final String tool;
  private final Target target;
  private final boolean deferred;

  public GuardedToolHandler(Settings settings, String tool, Target target, boolean deferred) {
    this.settings = settings;
    this.tool = tool;
    this.target = target;
    this.deferred = deferred;
  }

  @Override
  public CallToolResult apply(McpSyncServerExchange exchange, CallToolRequest request) {
    McpTransportContext transport = exchange.transportContext();
    String human;
    try {
      human = settings.principalOf().apply(transport);
    } catch (RuntimeException e) {
      LOG.warn("Principal resolver failed for a call of MCP tool {}; refusing it", tool, e);
      human = null;
    }
    if (human == null || human.isBlank()) {
      return ToolResults.refused(tool, "the MCP session is not authenticated as a known person (send "
          + "'Authorization: Bearer <token>'), so no approval was asked for.");
    }
    Invocation invocation;
    try {
      invocation = target.invocation(request);
    } catch (IllegalArgumentException e) {
      return ToolResults.refused(tool, "its arguments were not accepted: " + e.getMessage() + ".");
    }
    String sessionId = text(transport.get(ContextKeys.SESSION_ID));
    CallContext context = new CallContext(Actor.agent(agentId(exchange), human), purpose(request),
        sessionId == null ? null : "mcp-session:" + sessionId);
    Object token = request.progressToken();
    Function<ApprovalRequest, ApprovalProgress> progress = token == null || deferred ? null
        : opened -> new ApprovalProgress(exchange, token, settings.gate(), opened, settings.scheduler(), settings.progressInterval());
    try (PendingToolCall call = settings.calls().open(sessionId, text(transport.get(ContextKeys.REQUEST_ID)), progress)) {
      Object result;
      try {
        result = ActorContext.runAs(context, () -> RequestCapture.during(call::opened, () -> guard(invocation,
            () -> call.run(() -> target.proceed(exchange, request, invocation)))));
      } catch (ApprovalDeniedException e) {
        return ToolResults.denied(tool, e);
      } catch (CancellationException e) {
        return ToolResults.refused(tool, "the MCP client cancelled the call before it ran.");
      } catch (Exception | Error e) {
        Throwable cause = e instanceof UndeclaredThrowableException u && u.getCause() != null ? u.getCause() : e;
        LOG.warn("MCP tool {} was approved but failed: {}", tool, cause.getClass().getName());
        return ToolResults.failed(tool, cause);
      }
      if (deferred) {
        return ToolResults.submitted(tool, call.requestId());
      }
      return ToolResults.success(result, settings.json());
    }
  }

  private interface Body {
    Object call() throws Exception;
  }

  private Object guard(Invocation invocation, Body body) throws Exception {
    try {
      return settings.gate().guard(invocation, body::call);
    } catch (Exception | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new UndeclaredThrowableException(t);
    }
  }

  private String agentId(McpSyncServerExchange exchange) {
    var client = exchange.getClientInfo();
    return client == null || client.name() == null || client.name().isBlank()
        ? settings.agentId() : settings.agentId() + "/" + client.name().strip();
  }

  private String purpose(CallToolRequest request) {
    Map<String, Object> meta = request.meta();
    Object purpose = meta == null ? null : meta.get(settings.purposeKey());
    if (purpose == null) {
      return null;
    }
    String text = purpose.toString().strip();
    return text.length() > MAX_PURPOSE_CHARS ? text.substring(0, MAX_PURPOSE_CHARS) + "... (" + text.length() + " chars)" : text;
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }
}

package io.countersign.mcp;

import io.countersign.mcp.internal.CancellationFilter;
import io.countersign.mcp.internal.ContextKeys;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpTransportContextExtractor;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The servlet side of guarded tools on the SDK's streamable HTTP transport
 * ({@code HttpServletStreamableServerTransportProvider}): a context extractor that hands each tool
 * call its bearer token, session id and JSON-RPC id, and a filter that handles the client's
 * {@code notifications/cancelled} (which the SDK's server ignores).
 *
 * <pre>{@code
 * var transport = HttpServletStreamableServerTransportProvider.builder()
 *     .mcpEndpoint("/mcp").contextExtractor(McpServletSupport.contextExtractor()).build();
 * // register `transport` as an async servlet on /mcp, and McpServletSupport.cancellationFilter(approvals) on /mcp
 * }</pre>
 */
public final class McpServletSupport {

  private McpServletSupport() {}

  /** Puts the request's bearer token, {@code Mcp-Session-Id} and JSON-RPC id into the MCP transport context. */
  public static McpTransportContextExtractor<HttpServletRequest> contextExtractor() {
    return request -> {
      Map<String, Object> values = new HashMap<>();
      String authorization = request.getHeader("Authorization");
      if (authorization != null && authorization.length() > 7
          && authorization.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
        values.put(ContextKeys.BEARER_TOKEN, authorization.substring(7).strip());
      }
      String session = request.getHeader("Mcp-Session-Id");
      if (session != null) {
        values.put(ContextKeys.SESSION_ID, session);
      }
      Object requestId = request.getAttribute(ContextKeys.REQUEST_ID);
      if (requestId != null) {
        values.put(ContextKeys.REQUEST_ID, requestId.toString());
      }
      return McpTransportContext.create(values);
    };
  }

  /**
   * A filter to put in front of the MCP servlet: cancels waiting tool calls on
   * {@code notifications/cancelled} from their own session, and marks {@code tools/call} requests
   * with their JSON-RPC id so they can be found.
   */
  public static Filter cancellationFilter(McpApprovals approvals) {
    return new CancellationFilter(approvals.calls());
  }
}

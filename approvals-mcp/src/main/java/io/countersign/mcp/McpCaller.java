package io.countersign.mcp;

import io.countersign.mcp.internal.ContextKeys;
import io.modelcontextprotocol.common.McpTransportContext;

/**
 * What the transport says about the client behind one MCP request, as read from the HTTP request
 * that carried it by {@link McpServletSupport#contextExtractor()}: the bearer token of its
 * {@code Authorization} header, the MCP session id and the JSON-RPC id of the request. Nothing here
 * is trusted until a {@link McpPrincipalResolver} has checked the token.
 *
 * @param bearerToken the token of an {@code Authorization: Bearer ...} header, or {@code null}
 * @param sessionId the {@code Mcp-Session-Id} header, or {@code null}
 * @param requestId the JSON-RPC id of the request (as text), or {@code null}
 */
public record McpCaller(String bearerToken, String sessionId, String requestId) {

  /** The caller described by a transport context filled by {@link McpServletSupport#contextExtractor()}. */
  public static McpCaller from(McpTransportContext context) {
    if (context == null) {
      return new McpCaller(null, null, null);
    }
    return new McpCaller(text(context.get(ContextKeys.BEARER_TOKEN)), text(context.get(ContextKeys.SESSION_ID)),
        text(context.get(ContextKeys.REQUEST_ID)));
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "McpCaller[session=" + sessionId + ", request=" + requestId + ", token=" + (bearerToken == null ? "none" : "***") + "]";
  }
}

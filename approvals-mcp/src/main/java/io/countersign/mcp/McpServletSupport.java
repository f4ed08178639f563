package io.countersign.mcp;

import io.countersign.mcp.internal.CancellationFilter;
import io.countersign.mcp.internal.ContextKeys;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpTransportContextExtractor;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import java.util.EnumSet;
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
 * // at startup of any servlet container (e.g. in a ServletContainerInitializer):
 * McpServletSupport.register(servletContext, "/mcp", transport, approvals);
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
   * Registers the SDK's transport servlet (asynchronous, as streamable HTTP needs) on
   * {@code endpoint}, with {@link #cancellationFilter} in front of it. Call it while the container
   * starts (from a {@code ServletContainerInitializer} or a listener); the transport must have been
   * built with {@link #contextExtractor()}.
   */
  public static void register(ServletContext context, String endpoint, HttpServlet transport, McpApprovals approvals) {
    ServletRegistration.Dynamic servlet = context.addServlet("countersign-mcp", transport);
    servlet.setAsyncSupported(true);
    servlet.addMapping(endpoint);
    FilterRegistration.Dynamic filter = context.addFilter("countersign-mcp-cancellation", cancellationFilter(approvals));
    filter.setAsyncSupported(true);
    filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, endpoint);
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

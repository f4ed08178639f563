package io.countersign.mcp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads each MCP POST ahead of the SDK's streamable HTTP servlet: a {@code notifications/cancelled}
 * cancels the waiting tool call it names (same session only), and a {@code tools/call} request's
 * JSON-RPC id is kept as a request attribute for the context extractor, so the call can be found.
 * The SDK's server (2.2.0) ignores {@code notifications/cancelled}; this is where it is handled.
 * Bodies over the size limit pass through unread.
 */
public final class CancellationFilter implements Filter {

  private static final Logger LOG = LoggerFactory.getLogger(CancellationFilter.class);
  /** The SDK transport's default maximum request size. */
  static final int MAX_BODY = 4 * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CallRegistry calls;

  public CancellationFilter(CallRegistry calls) {
    this.calls = calls;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest http) || !"POST".equalsIgnoreCase(http.getMethod())) {
      chain.doFilter(req, res);
      return;
    }
    InputStream in = http.getInputStream();
    byte[] head = in.readNBytes(MAX_BODY + 1);
    if (head.length > MAX_BODY) {
      chain.doFilter(new CachedBodyRequest(http, head, in), res);
      return;
    }
    try {
      inspect(http, JSON.readTree(head));
    } catch (IOException | RuntimeException e) {
      LOG.debug("MCP request body is not JSON; left to the transport", e);
    }
    chain.doFilter(new CachedBodyRequest(http, head, null), res);
  }

  private void inspect(HttpServletRequest http, JsonNode body) {
    if (body == null) {
      return;
    }
    if (body.isArray()) {
      body.forEach(message -> inspect(http, message));
      return;
    }
    String method = body.path("method").asText("");
    if ("notifications/cancelled".equals(method)) {
      JsonNode params = body.path("params");
      JsonNode requestId = params.path("requestId");
      if (!requestId.isMissingNode() && !requestId.isNull()) {
        calls.cancel(http.getHeader("Mcp-Session-Id"), requestId.asText(), params.path("reason").asText(null));
      }
    } else if ("tools/call".equals(method) && body.hasNonNull("id")) {
      http.setAttribute(ContextKeys.REQUEST_ID, body.get("id").asText());
    }
  }
}

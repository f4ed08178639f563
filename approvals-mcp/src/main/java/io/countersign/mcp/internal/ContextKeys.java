package io.countersign.mcp.internal;

/** Keys of what the servlet context extractor puts into an MCP transport context. */
public final class ContextKeys {

  /** The bearer token of the request's {@code Authorization} header. */
  public static final String BEARER_TOKEN = "io.countersign.mcp.bearerToken";
  /** The {@code Mcp-Session-Id} header. */
  public static final String SESSION_ID = "io.countersign.mcp.sessionId";
  /** The JSON-RPC id of a {@code tools/call} request (a request attribute set by {@link CancellationFilter}, then a context key). */
  public static final String REQUEST_ID = "io.countersign.mcp.requestId";

  private ContextKeys() {}
}

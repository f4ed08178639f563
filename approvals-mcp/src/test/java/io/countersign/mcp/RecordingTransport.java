package io.countersign.mcp;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * The SDK's client transport, recording the JSON-RPC ids of the {@code tools/call} requests it sends,
 * so a test can send the {@code notifications/cancelled} the MCP spec defines for one of them (the
 * SDK's client has no cancel call of its own).
 */
final class RecordingTransport implements McpClientTransport {

  private final McpClientTransport delegate;
  final List<Object> toolCallIds = new CopyOnWriteArrayList<>();

  RecordingTransport(McpClientTransport delegate) {
    this.delegate = delegate;
  }

  /** Sends {@code notifications/cancelled} for the request {@code requestId} over the same session. */
  void cancel(Object requestId, String reason) {
    delegate.sendMessage(new McpSchema.JSONRPCNotification(McpSchema.JSONRPC_VERSION, "notifications/cancelled",
        java.util.Map.of("requestId", requestId, "reason", reason))).block();
  }

  @Override
  public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
    return delegate.connect(handler);
  }

  @Override
  public void setExceptionHandler(Consumer<Throwable> handler) {
    delegate.setExceptionHandler(handler);
  }

  @Override
  public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
    if (message instanceof McpSchema.JSONRPCRequest request && McpSchema.METHOD_TOOLS_CALL.equals(request.method())) {
      toolCallIds.add(request.id());
    }
    return delegate.sendMessage(message);
  }

  @Override
  public Mono<Void> closeGracefully() {
    return delegate.closeGracefully();
  }

  @Override
  public <T> T unmarshalFrom(Object data, TypeRef<T> type) {
    return delegate.unmarshalFrom(data, type);
  }

  @Override
  public List<String> protocolVersions() {
    return delegate.protocolVersions();
  }
}

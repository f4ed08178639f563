package io.countersign.mcp;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * An MCP server on the SDK's streamable HTTP servlet transport, in an embedded Tomcat on
 * 127.0.0.1 (a free port), registered with {@link McpServletSupport#register}; and
 * clients of the SDK's own {@code McpClient} connecting to it with a bearer token.
 */
final class McpTestServer implements AutoCloseable {

  private final Tomcat tomcat;
  private final McpSyncServer server;
  final String baseUrl;

  McpTestServer(McpApprovals approvals, List<SyncToolSpecification> tools) throws Exception {
    HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
        .mcpEndpoint("/mcp").contextExtractor(McpServletSupport.contextExtractor()).build();
    server = McpServer.sync(transport).serverInfo("countersign-test", "1")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build()).tools(tools).build();
    tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("mcp-tomcat").toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    tomcat.addContext("", null).addServletContainerInitializer(
        (classes, servletContext) -> McpServletSupport.register(servletContext, "/mcp", transport, approvals), null);
    tomcat.start();
    baseUrl = "http://127.0.0.1:" + connector.getLocalPort();
  }

  /** The SDK's streamable HTTP client transport, sending {@code Authorization: Bearer token} unless null. */
  HttpClientStreamableHttpTransport transport(String token) {
    HttpRequest.Builder request = HttpRequest.newBuilder();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HttpClientStreamableHttpTransport.builder(baseUrl).endpoint("/mcp").requestBuilder(request).build();
  }

  /** An initialized SDK client over {@code transport}, handing progress notifications to {@code progress}. */
  static McpSyncClient client(McpClientTransport transport, Consumer<McpSchema.ProgressNotification> progress) {
    McpSyncClient client = McpClient.sync(transport).clientInfo(new McpSchema.Implementation("test-agent", "1"))
        .requestTimeout(Duration.ofMinutes(2)).progressConsumer(progress).build();
    client.initialize();
    return client;
  }

  @Override
  public void close() throws Exception {
    server.close();
    tomcat.stop();
    tomcat.destroy();
  }
}

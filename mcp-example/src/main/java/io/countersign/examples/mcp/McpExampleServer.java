package io.countersign.examples.mcp;

import io.countersign.ApprovalGate;
import io.countersign.Reviewer;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.log.FileAuditSink;
import io.countersign.http.ApprovalWeb;
import io.countersign.http.ApprovalWebServer;
import io.countersign.http.BearerTokenAuthenticator;
import io.countersign.http.WebApprover;
import io.countersign.mcp.McpApprovals;
import io.countersign.mcp.McpPrincipalResolver;
import io.countersign.mcp.McpServletSupport;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * An MCP server (streamable HTTP on 127.0.0.1, endpoint {@code /mcp}) with two privileged tools,
 * {@code export_customer_table} and {@code grant_role}, whose calls wait for human approval on the
 * reviewer page, with a durable, signed audit log. {@code main} runs it until Ctrl-C.
 */
public final class McpExampleServer implements AutoCloseable {

  /**
   * Where and with which tokens to run.
   *
   * @param dataDir holds {@code audit/} (the log and {@code pub.pem}) and {@code signing.key}
   * @param mcpPort the MCP port (0: a free one)
   * @param reviewPort the reviewer page's port (0: a free one)
   * @param aliceToken the bearer token of alice's MCP client (the human the agent acts for)
   * @param bobToken the reviewer token of bob (data-protection)
   * @param carolToken the reviewer token of carol (security)
   */
  public record Settings(Path dataDir, int mcpPort, int reviewPort, String aliceToken, String bobToken, String carolToken) {}

  private final CustomerDataTools tools = new CustomerDataTools();
  private final Ed25519Signer signer;
  private final ApprovalGate gate;
  private final McpApprovals approvals;
  private final McpSyncServer mcp;
  private final Tomcat tomcat;
  private final ApprovalWebServer reviewerPage;
  private final String mcpUrl;

  private McpExampleServer(Settings settings) throws Exception {
    Path auditDir = settings.dataDir().resolve("audit");
    Files.createDirectories(auditDir);
    signer = signingKey(settings.dataDir().resolve("signing.key"));
    Files.writeString(auditDir.resolve("pub.pem"), signer.verificationKey().toPem(), StandardCharsets.US_ASCII);

    WebApprover web = new WebApprover();
    gate = McpApprovals.configure(ApprovalGate.builder())
        .approver(web).auditSink(FileAuditSink.open(auditDir)).signer(signer).checkGuarded(CustomerDataTools.class).build();
    reviewerPage = ApprovalWeb.builder().queue(web).authenticator(BearerTokenAuthenticator.builder()
            .token(settings.bobToken(), Reviewer.of("bob", "data-protection"))
            .token(settings.carolToken(), Reviewer.of("carol", "security"))
            .token(settings.aliceToken(), Reviewer.of("alice", "data-protection", "security"))   // alice may review others' requests, never her agent's
            .build())
        .build().start(new InetSocketAddress("127.0.0.1", settings.reviewPort()));

    // snippet: mcp-tools
    approvals = McpApprovals.builder(gate)
        .principals(McpPrincipalResolver.bearerTokens(Map.of(settings.aliceToken(), "alice")))
        .build();
    HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
        .mcpEndpoint("/mcp").contextExtractor(McpServletSupport.contextExtractor()).build();
    mcp = McpServer.sync(transport).serverInfo("countersign-mcp-example", "1")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
        .tools(approvals.tool(tool("export_customer_table", "Exports every customer record of a region as a CSV file", "region"),
                tools, "exportCustomerTable"),
            approvals.tool(tool("grant_role", "Grants an IAM role to a user", "user", "role"), tools, "grantRole"))
        .build();
    // end-snippet
    tomcat = servletContainer(transport, approvals, settings.mcpPort(), settings.dataDir());
    mcpUrl = "http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/mcp";
  }

  /** Starts the MCP server, the reviewer page and the audit log. */
  public static McpExampleServer start(Settings settings) throws Exception {
    return new McpExampleServer(settings);
  }

  /** The streamable HTTP URL MCP clients connect to. */
  public String mcpUrl() {
    return mcpUrl;
  }

  /** The reviewer page (its JSON API is under {@code /approvals}). */
  public ApprovalWebServer reviewerPage() {
    return reviewerPage;
  }

  /** What the tools really did. */
  public List<String> performed() {
    return tools.performed();
  }

  /** The directory of the audit log (with {@code pub.pem}). */
  public static Path auditDir(Path dataDir) {
    return dataDir.resolve("audit");
  }

  /** The key verifying the log. */
  public Ed25519Signer signer() {
    return signer;
  }

  /** Stops serving, then closes the gate: the log ends with a signed closing checkpoint. */
  @Override
  public void close() throws Exception {
    mcp.close();
    tomcat.stop();
    tomcat.destroy();
    reviewerPage.close();
    approvals.close();
    gate.close();
  }

  private static McpSchema.Tool tool(String name, String description, String... parameters) {
    Map<String, Object> properties = new java.util.LinkedHashMap<>();
    for (String p : parameters) {
      properties.put(p, Map.of("type", "string"));
    }
    return McpSchema.Tool.builder().name(name).description(description)
        .inputSchema(Map.of("type", "object", "properties", properties, "required", List.of(parameters))).build();
  }

  /** The example's signing key, created once (a demo: production keeps it in a KMS/HSM behind the Signer SPI). */
  private static Ed25519Signer signingKey(Path file) throws Exception {
    if (!Files.exists(file)) {
      byte[] key = new byte[Ed25519Signer.PRIVATE_KEY_LENGTH];
      new SecureRandom().nextBytes(key);
      Files.write(file, key);
    }
    return Ed25519Signer.of("mcp-example", Files.readAllBytes(file));
  }

  /** An embedded Tomcat on 127.0.0.1 serving the SDK's servlet on /mcp behind the cancellation filter. */
  private static Tomcat servletContainer(HttpServletStreamableServerTransportProvider transport, McpApprovals approvals,
      int port, Path dataDir) throws Exception {
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createDirectories(dataDir.resolve("tomcat")).toString());
    Connector connector = new Connector();
    connector.setPort(port);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    // the servlet API's own registration, so any servlet container works the same way
    tomcat.addContext("", null).addServletContainerInitializer(
        (classes, servletContext) -> McpServletSupport.register(servletContext, "/mcp", transport, approvals), null);
    tomcat.start();
    return tomcat;
  }

  /** Runs the example until Ctrl-C; tokens come from the environment or are generated and printed. */
  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args.length > 0 ? args[0] : "target/mcp-example");
    Settings settings = new Settings(dataDir, intEnv("MCP_PORT", 8765), intEnv("REVIEW_PORT", 8080),
        env("ALICE_MCP_TOKEN"), env("BOB_REVIEW_TOKEN"), env("CAROL_REVIEW_TOKEN"));
    McpExampleServer server = start(settings);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } catch (Exception e) {
        System.err.println("close failed: " + e);
      }
    }));
    System.out.println("MCP server (streamable HTTP): " + server.mcpUrl());
    System.out.println("  alice's MCP bearer token:   " + settings.aliceToken());
    System.out.println("Reviewer page:                " + server.reviewerPage().reviewUri());
    System.out.println("  bob (data-protection):      " + settings.bobToken());
    System.out.println("  carol (security):           " + settings.carolToken());
    System.out.println("Audit log:                    " + auditDir(dataDir).toAbsolutePath());
    System.out.println("Ctrl-C stops the server and closes the log.");
    Thread.currentThread().join();
  }

  private static String env(String name) {
    String value = System.getenv(name);
    return value != null && !value.isBlank() ? value : BearerTokenAuthenticator.newToken();
  }

  private static int intEnv(String name, int fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : Integer.parseInt(value.strip());
  }
}

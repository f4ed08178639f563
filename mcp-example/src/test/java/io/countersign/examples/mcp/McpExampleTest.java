package io.countersign.examples.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.log.VerificationResult;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example end to end, as a real MCP client would use it: alice's agent calls both tools over
 * streamable HTTP; reviewers decide on the reviewer page's API; the log on disk verifies.
 */
class McpExampleTest {

  static final String ALICE = "alice-mcp-token-0123456789";
  static final String BOB = "bob-review-token-0123456789";
  static final String CAROL = "carol-review-token-0123456789";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dataDir;

  final HttpClient http = HttpClient.newHttpClient();

  @Test
  @DisplayName("S02 export denied and role grant approved on the reviewer page, alice cannot approve her agent's call, and the audit log verifies")
  void denyApproveAndVerify() throws Exception {
    McpExampleServer server = McpExampleServer.start(new McpExampleServer.Settings(dataDir, 0, 0, ALICE, BOB, CAROL));
    try {
      McpSyncClient agent = McpClient.sync(HttpClientStreamableHttpTransport.builder(server.mcpUrl().replace("/mcp", ""))
              .endpoint("/mcp").requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + ALICE)).build())
          .clientInfo(new McpSchema.Implementation("example-agent", "1")).requestTimeout(Duration.ofMinutes(2)).build();
      agent.initialize();

      CompletableFuture<CallToolResult> export = CompletableFuture.supplyAsync(() -> agent.callTool(new CallToolRequest(
          "export_customer_table", Map.of("region", "EU"), Map.of("io.countersign/purpose", "churn analysis"))));
      String exportId = awaitPending(server, "Export the customer table");
      assertThat(vote(server, BOB, exportId, "DENY", "no data-processing agreement covers this export").statusCode()).isEqualTo(200);
      CallToolResult denied = export.get(20, TimeUnit.SECONDS);
      assertThat(denied.isError()).isTrue();
      assertThat(text(denied)).contains("was NOT run: approval was denied")
          .contains("no data-processing agreement covers this export");

      CompletableFuture<CallToolResult> grant = CompletableFuture.supplyAsync(() -> agent.callTool(new CallToolRequest(
          "grant_role", Map.of("user", "dave", "role", "billing-admin"))));
      String grantId = awaitPending(server, "Grant an IAM role");
      HttpResponse<String> own = vote(server, ALICE, grantId, "APPROVE", "my own agent, fine");
      assertThat(own.statusCode()).isEqualTo(403);
      assertThat(JSON.readTree(own.body()).path("error").asText()).isEqualTo("ON_BEHALF_OF");
      assertThat(vote(server, CAROL, grantId, "APPROVE", "ticket SEC-31").statusCode()).isEqualTo(200);
      CallToolResult granted = grant.get(20, TimeUnit.SECONDS);
      assertThat(granted.isError()).isFalse();
      assertThat(text(granted)).isEqualTo("granted role billing-admin to dave");

      assertThat(server.performed()).containsExactly("grantRole dave billing-admin");
      agent.closeGracefully();
    } finally {
      server.close();
    }

    VerificationResult verified = AuditVerifier.builder().key(server.signer().verificationKey()).build()
        .verifyLog(McpExampleServer.auditDir(dataDir));
    assertThat(verified.status()).as(verified.summary()).isEqualTo(VerificationResult.Status.INTACT);
  }

  private String awaitPending(McpExampleServer server, String action) {
    String[] id = new String[1];
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      JsonNode list = JSON.readTree(send(server, BOB, "GET", "/approvals?status=pending", null).body());
      for (JsonNode item : list.path("items")) {
        if (action.equals(item.path("action").asText())) {
          id[0] = item.path("id").asText();
          return true;
        }
      }
      return false;
    });
    return id[0];
  }

  private HttpResponse<String> vote(McpExampleServer server, String token, String id, String decision, String reason) throws Exception {
    return send(server, token, "POST", "/approvals/" + id + "/votes",
        JSON.writeValueAsString(Map.of("decision", decision, "reason", reason)));
  }

  private HttpResponse<String> send(McpExampleServer server, String token, String method, String path, String body) throws Exception {
    URI uri = server.reviewerPage().uri().resolve(path);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token);
    request = body == null ? request.GET() : request.header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String text(CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }
}

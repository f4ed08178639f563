package io.countersign.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.InMemoryApprover;
import io.countersign.Reviewer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.postgres.PostgresRequestStore;
import io.countersign.postgres.PostgresServer;
import io.countersign.spi.TargetResolver;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deferred mode for long approvals, against a real PostgreSQL (approvals-postgres's test server):
 * the tool answers at once "submitted for approval, request id ...", and the approved call runs
 * later, its outcome recorded.
 */
@ExtendWith(PostgresServer.class)
class DeferredToolIT {

  final InMemoryApprover approver = new InMemoryApprover();
  final InMemoryAuditSink audit = new InMemoryAuditSink();
  final DataTools tools = new DataTools();
  ApprovalGate gate;
  McpApprovals approvals;
  McpTestServer server;
  McpSyncClient alice;

  @BeforeEach
  void start() throws Exception {
    PostgresRequestStore store = PostgresRequestStore.builder().jdbcUrl(PostgresServer.newDatabase(), "postgres", null)
        .maxPoolSize(4).build();
    gate = McpApprovals.configure(ApprovalGate.builder()).approver(approver).auditSink(audit)
        .requestStore(store).targetResolver(TargetResolver.of(Map.of("data-tools", tools))).build();
    approvals = McpApprovals.builder(gate)
        .principals(McpPrincipalResolver.bearerTokens(Map.of(McpApprovalsTest.ALICE_TOKEN, "alice"))).build();
    server = new McpTestServer(approvals, List.of(approvals.tool(DataTools.tool("purge_customer", "customerId"), tools, "purgeCustomer")));
    alice = McpTestServer.client(server.transport(McpApprovalsTest.ALICE_TOKEN), n -> { });
  }

  @AfterEach
  void stop() throws Exception {
    alice.closeGracefully();
    server.close();
    approvals.close();
    gate.close();
  }

  @Test
  @DisplayName("a deferred tool answers at once with the request id; after approval the call runs once and EXECUTED is recorded")
  void deferredToolRunsAfterApproval() throws Exception {
    CallToolResult answer = alice.callTool(new CallToolRequest("purge_customer", Map.of("customerId", "c-42")));

    assertThat(answer.isError()).isFalse();
    String text = ((McpSchema.TextContent) answer.content().get(0)).text();
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(10));
    assertThat(text).startsWith("The tool 'purge_customer' was submitted for approval, request id " + request.id() + ".")
        .contains("has NOT run yet");
    assertThat(request.actor().onBehalfOf()).isEqualTo("alice");
    assertThat(tools.ran).isEmpty();

    approver.approve(request.id(), Reviewer.of("bob", "finance-leads"), "GDPR erasure request E-12");

    await().atMost(Duration.ofSeconds(20)).until(() -> tools.ran.contains("purge c-42"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(audit.events(request.id()))
        .anySatisfy(e -> {
          assertThat(e.type()).isEqualTo(EventType.EXECUTED);
          assertThat(e.text("mode")).isEqualTo("DEFERRED");
        }));
    assertThat(tools.ran).containsExactly("purge c-42");
  }

  @Test
  @DisplayName("a denied deferred tool call never runs")
  void deniedDeferredToolNeverRuns() throws Exception {
    alice.callTool(new CallToolRequest("purge_customer", Map.of("customerId", "c-43")));
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(10));

    approver.deny(request.id(), Reviewer.of("bob", "finance-leads"), "customer has an open dispute");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(audit.events(request.id()))
        .anySatisfy(e -> assertThat(e.text("outcome")).isEqualTo("REJECTED")));
    assertThat(tools.ran).isEmpty();
  }
}

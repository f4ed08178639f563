package io.countersign.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalRequirement;
import io.countersign.InMemoryApprover;
import io.countersign.ManualTimeSource;
import io.countersign.RequestState;
import io.countersign.Reviewer;
import io.countersign.VoteResult;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Guarded MCP tools end to end: the SDK's own client calls them over the streamable HTTP transport
 * on 127.0.0.1, as the human "alice" (her bearer token); reviewers vote through the in-memory
 * approver. (The SDK 2.2.0 ships no in-process transport in mcp-core, so HTTP is the only one.)
 */
class McpApprovalsTest {

  static final String ALICE_TOKEN = "alice-token-0123456789";
  static final Reviewer BOB = Reviewer.of("bob", "finance-leads", "security");
  static final Reviewer CAROL = Reviewer.of("carol", "security");

  final ManualTimeSource clock = new ManualTimeSource();
  final InMemoryApprover approver = new InMemoryApprover();
  final InMemoryAuditSink audit = new InMemoryAuditSink();
  final DataTools tools = new DataTools();
  final List<String> wrappedRan = new CopyOnWriteArrayList<>();
  final ExecutorService callers = Executors.newCachedThreadPool();
  ApprovalGate gate;
  McpApprovals approvals;
  McpTestServer server;
  RecordingTransport transport;
  McpSyncClient alice;
  final List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    gate = McpApprovals.configure(ApprovalGate.builder()).approver(approver).auditSink(audit).timeSource(clock).build();
    approvals = McpApprovals.builder(gate)
        .principals(McpPrincipalResolver.bearerTokens(Map.of(ALICE_TOKEN, "alice")))
        .progressInterval(Duration.ofMillis(20))
        .build();
    SyncToolSpecification rotate = new SyncToolSpecification(DataTools.tool("rotate_keys", "service"), (exchange, request) -> {
      wrappedRan.add("rotate " + request.arguments().get("service"));
      return CallToolResult.builder().addTextContent("rotated keys of " + request.arguments().get("service")).build();
    });
    server = new McpTestServer(approvals, List.of(
        approvals.tool(DataTools.tool("export_customer_table", "region"), tools, "exportCustomerTable"),
        approvals.tool(DataTools.tool("grant_role", "user", "role"), tools, "grantRole"),
        approvals.require(rotate, ApprovalRequirement.of(new String[] {"group:security"}, 1, Duration.ofMinutes(10), false))));
    transport = new RecordingTransport(server.transport(ALICE_TOKEN));
    alice = McpTestServer.client(transport, progress::add);
  }

  @AfterEach
  void stop() throws Exception {
    alice.closeGracefully();
    server.close();
    approvals.close();
    gate.close();
    callers.shutdownNow();
  }

  CompletableFuture<CallToolResult> call(McpSyncClient client, String tool, Map<String, Object> arguments, Map<String, Object> meta) {
    return CompletableFuture.supplyAsync(() -> client.callTool(new CallToolRequest(tool, arguments, meta)), callers);
  }

  CompletableFuture<CallToolResult> call(String tool, Map<String, Object> arguments) {
    return call(alice, tool, arguments, Map.of(McpApprovals.PURPOSE_META_KEY, "monthly churn report for ticket FIN-7"));
  }

  ApprovalRequest awaitRequest() throws InterruptedException {
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(10));
    assertThat(request).as("an approval request").isNotNull();
    return request;
  }

  static String text(CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  @Test
  @DisplayName("an approved tool call returns the tool's result; reviewers saw the agent, the human it acts for, the arguments and the purpose")
  void approvedCallReturnsTheToolResult() throws Exception {
    CompletableFuture<CallToolResult> result = call("export_customer_table", Map.of("region", "EU"));
    ApprovalRequest request = awaitRequest();
    assertThat(request.actor().id()).isEqualTo("mcp-agent/test-agent");
    assertThat(request.actor().onBehalfOf()).isEqualTo("alice");
    assertThat(request.justification()).isEqualTo("monthly churn report for ticket FIN-7");
    assertThat(request.arguments()).singleElement().satisfies(a -> assertThat(a.value()).isEqualTo("\"EU\""));
    assertThat(tools.ran).isEmpty();

    assertThat(approver.approve(request.id(), BOB, "report approved").counted()).isTrue();

    CallToolResult answer = result.get(10, TimeUnit.SECONDS);
    assertThat(answer.isError()).isFalse();
    assertThat(text(answer)).isEqualTo("exported 1,204 customer rows of EU");
    assertThat(tools.ran).containsExactly("export EU");
  }

  @Test
  @DisplayName("a denied tool call is an isError result giving the reviewer's reason, and the tool body never runs")
  void deniedCallIsAnErrorResultWithTheReason() throws Exception {
    CompletableFuture<CallToolResult> result = call("export_customer_table", Map.of("region", "EU"));
    ApprovalRequest request = awaitRequest();

    approver.deny(request.id(), BOB, "no data-processing agreement for EU exports");

    CallToolResult answer = result.get(10, TimeUnit.SECONDS);
    assertThat(answer.isError()).isTrue();
    assertThat(text(answer)).startsWith("The tool 'export_customer_table' was NOT run: approval was denied.")
        .contains("denied by bob: no data-processing agreement for EU exports");
    assertThat(text(answer)).doesNotContain("exported");
    assertThat(tools.ran).isEmpty();
  }

  @Test
  @DisplayName("a tool call nobody decides in time is an isError result saying it expired (fake clock, no sleeping)")
  void expiredCallIsAnErrorResult() throws Exception {
    CompletableFuture<CallToolResult> result = call("export_customer_table", Map.of("region", "EU"));
    ApprovalRequest request = awaitRequest();

    clock.advance(Duration.ofMinutes(31));

    CallToolResult answer = result.get(10, TimeUnit.SECONDS);
    assertThat(answer.isError()).isTrue();
    assertThat(text(answer)).startsWith("The tool 'export_customer_table' was NOT run: the approval request expired")
        .contains(request.id());
    assertThat(gate.status(request.id()).orElseThrow().state()).isEqualTo(RequestState.EXPIRED);
    assertThat(tools.ran).isEmpty();
  }

  @Test
  @DisplayName("while pending, a client that asked for progress gets 'waiting for approval: n/2 approvals from group:security' notifications")
  void progressNotificationsWhilePending() throws Exception {
    CompletableFuture<CallToolResult> result = call(alice, "grant_role", Map.of("user", "dave", "role", "admin"),
        Map.of("progressToken", "grant-1"));
    ApprovalRequest request = awaitRequest();
    await().atMost(Duration.ofSeconds(10)).until(() -> !progress.isEmpty());
    assertThat(progress.get(0).progressToken()).isEqualTo("grant-1");
    assertThat(progress.get(0).message()).isEqualTo("waiting for approval: 0/2 approvals from group:security");
    assertThat(progress.get(0).progress()).isEqualTo(0.0);
    assertThat(progress.get(0).total()).isEqualTo(2.0);

    approver.approve(request.id(), BOB, "ticket SEC-9");
    await().atMost(Duration.ofSeconds(10)).until(() -> progress.size() == 2);
    assertThat(progress.get(1).message()).isEqualTo("waiting for approval: 1/2 approvals from group:security");
    assertThat(result).isNotDone();

    approver.approve(request.id(), CAROL, "ticket SEC-9");
    assertThat(text(result.get(10, TimeUnit.SECONDS))).isEqualTo("granted admin to dave");
  }

  @Test
  @DisplayName("a client's notifications/cancelled cancels the pending call: recorded CANCELLED, the tool never runs")
  void clientCancellationCancelsTheRequest() throws Exception {
    CompletableFuture<CallToolResult> result = call("export_customer_table", Map.of("region", "EU"));
    ApprovalRequest request = awaitRequest();
    assertThat(transport.toolCallIds).hasSize(1);

    transport.cancel(transport.toolCallIds.get(0), "the user changed their mind");

    await().atMost(Duration.ofSeconds(10))
        .until(() -> gate.status(request.id()).map(s -> s.state() == RequestState.CANCELLED).orElse(false));
    assertThat(audit.events(request.id())).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo(EventType.DECIDED);
      assertThat(e.text("outcome")).isEqualTo("CANCELLED");
    });
    CallToolResult answer = result.get(10, TimeUnit.SECONDS);
    assertThat(answer.isError()).isTrue();
    assertThat(text(answer)).contains("cancelled");
    VoteResult late = approver.approve(request.id(), BOB, "too late");
    assertThat(late.counted()).isFalse();
    assertThat(tools.ran).isEmpty();
  }

  @Test
  @DisplayName("S02 the human behind the MCP session cannot approve her agent's tool call: refused and recorded")
  void sessionHumanCannotApprove() throws Exception {
    CompletableFuture<CallToolResult> result = call("export_customer_table", Map.of("region", "EU"));
    ApprovalRequest request = awaitRequest();

    VoteResult own = approver.approve(request.id(), Reviewer.of("alice", "finance-leads"), "looks fine to me");

    assertThat(own.counted()).isFalse();
    assertThat(own.refusal()).isEqualTo(VoteResult.Refusal.ON_BEHALF_OF);
    assertThat(audit.events(request.id())).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo(EventType.VOTE);
      assertThat(e.get("vote").path("reviewer").asText()).isEqualTo("alice");
      assertThat(e.get("vote").path("counted").asBoolean()).isFalse();
    });
    assertThat(gate.status(request.id()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    assertThat(tools.ran).isEmpty();
    approver.deny(request.id(), BOB, "ends the test");
    assertThat(result.get(10, TimeUnit.SECONDS).isError()).isTrue();
  }

  @Test
  @DisplayName("S07 a session without a known bearer token is refused before any request is opened; nothing runs")
  void unauthenticatedSessionIsRefused() throws Exception {
    McpSyncClient anonymous = McpTestServer.client(server.transport("not-a-known-token-at-all"), n -> { });
    try {
      CallToolResult answer = anonymous.callTool(new CallToolRequest("export_customer_table", Map.of("region", "EU")));
      assertThat(answer.isError()).isTrue();
      assertThat(text(answer)).contains("not authenticated");
      assertThat(approver.pending()).isEmpty();
      assertThat(tools.ran).isEmpty();
    } finally {
      anonymous.closeGracefully();
    }
  }

  @Test
  @DisplayName("an argument the tool method does not declare is refused (reviewers must see everything sent)")
  void unknownArgumentIsRefused() {
    CallToolResult answer = alice.callTool(new CallToolRequest("export_customer_table", Map.of("region", "EU", "limit", "all")));
    assertThat(answer.isError()).isTrue();
    assertThat(text(answer)).contains("unknown argument 'limit'");
    assertThat(approver.pending()).isEmpty();
  }

  @Test
  @DisplayName("any tool specification wrapped with a requirement waits for approval; its handler gets the approved arguments")
  void wrappedSpecificationWaitsForApproval() throws Exception {
    CompletableFuture<CallToolResult> result = call("rotate_keys", Map.of("service", "billing"));
    ApprovalRequest request = awaitRequest();
    assertThat(request.action()).isEqualTo("MCP tool call");
    assertThat(request.arguments()).extracting(a -> a.name() + "=" + a.value())
        .containsExactly("tool=\"rotate_keys\"", "arguments={\"service\":\"billing\"}");
    assertThat(request.requirement().groups()).containsExactly("security");
    assertThat(wrappedRan).isEmpty();

    approver.approve(request.id(), CAROL, "planned rotation");

    assertThat(text(result.get(10, TimeUnit.SECONDS))).isEqualTo("rotated keys of billing");
    assertThat(wrappedRan).containsExactly("rotate billing");
  }
}

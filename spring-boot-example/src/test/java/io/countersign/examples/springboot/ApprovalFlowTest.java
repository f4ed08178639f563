package io.countersign.examples.springboot;

import static io.countersign.examples.springboot.ExampleTestSupport.DANA_TOKEN;
import static io.countersign.examples.springboot.ExampleTestSupport.DORA_TOKEN;
import static io.countersign.examples.springboot.ExampleTestSupport.IAN_TOKEN;
import static io.countersign.examples.springboot.ExampleTestSupport.IRENE_TOKEN;
import static io.countersign.examples.springboot.ExampleTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.ApprovalGate;
import io.countersign.RequestState;
import io.countersign.http.ApprovalWebServer;
import io.countersign.http.WebApprover;
import io.countersign.spi.Approver;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The example as its users meet it: real HTTP calls to the service, decisions through the reviewer
 * page's JSON API, the reviewer page as the gate's channel ({@code example.approver=web}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {ExampleTestSupport.QUIET_GATE_LOG, ExampleTestSupport.QUIET_WEB_LOG, ExampleTestSupport.NO_BANNER})
class ApprovalFlowTest {

  private static final Path DIR = ExampleTestSupport.tempDir("approval-flow");

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry registry) {
    ExampleTestSupport.register(registry, DIR);
  }

  @LocalServerPort
  int port;

  @Autowired
  ApprovalWebServer reviewerPage;

  @Autowired
  ApprovalGate gate;

  @Autowired
  Approver approver;

  ExampleTestSupport.Client client;

  @BeforeEach
  void client() {
    client = new ExampleTestSupport.Client(port, reviewerPage.apiUri());
  }

  @Test
  void reviewerPageIsTheGatesChannelByDefault() {
    assertThat(approver).isInstanceOf(WebApprover.class);
  }

  @Test
  void exportWaitsForTheReviewerAndAnswers200AfterApproval() throws Exception {
    CompletableFuture<HttpResponse<String>> response =
        client.post("exports", "{\"table\":\"customers\"}", "alice", null);

    String id = client.awaitPendingRequestOf("alice", DANA_TOKEN);
    assertThat(response).as("the caller still waits for a decision").isNotDone();
    assertThat(exportFiles()).as("nothing exported before approval").isEmpty();

    HttpResponse<String> vote = client.vote(DANA_TOKEN, id, "APPROVE", "DPIA on file");
    assertThat(vote.statusCode()).as(vote.body()).isEqualTo(200);

    HttpResponse<String> answer = response.get(10, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonNode receipt = json(answer.body());
    assertThat(receipt.get("table").asText()).isEqualTo("customers");
    assertThat(receipt.get("rows").asInt()).isEqualTo(3);
    assertThat(Files.readAllLines(Path.of(receipt.get("file").asText())))
        .startsWith("id,name,email,country").hasSize(4);
    assertThat(gate.status(id)).hasValueSatisfying(s -> assertThat(s.state()).isEqualTo(RequestState.APPROVED));
  }

  @Test
  void deniedRoleGrantAnswers403WithTheReasonAndNeverRuns() throws Exception {
    CompletableFuture<HttpResponse<String>> response =
        client.post("iam/roles", "{\"user\":\"bob\",\"role\":\"admin\"}", "bob", null);

    String id = client.awaitPendingRequestOf("bob", IAN_TOKEN);
    HttpResponse<String> vote = client.vote(IAN_TOKEN, id, "DENY", "no ticket for admin access");
    assertThat(vote.statusCode()).as(vote.body()).isEqualTo(200);

    HttpResponse<String> answer = response.get(10, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(403);
    JsonNode error = json(answer.body());
    assertThat(error.get("error").asText()).isEqualTo("APPROVAL_REJECTED");
    assertThat(error.get("message").asText()).contains("denied by ian: no ticket for admin access");
    assertThat(error.get("requestId").asText()).isEqualTo(id);
    assertThat(error.get("state").asText()).isEqualTo("REJECTED");
    assertThat(client.get("iam/roles/bob", "bob").body()).as("the grant never ran").isEqualTo("[]");
  }

  @Test
  @DisplayName("S01 the caller can not approve its own request through the reviewer page; S05 nor can a reviewer outside the group")
  void callerAndIneligibleReviewerAreRefusedAndTheRequestStaysPending() throws Exception {
    CompletableFuture<HttpResponse<String>> response =
        client.post("iam/roles", "{\"user\":\"carol\",\"role\":\"editor\"}", "ian", null);
    String id = client.awaitPendingRequestOf("ian", IRENE_TOKEN);

    HttpResponse<String> self = client.vote(IAN_TOKEN, id, "APPROVE", null);
    assertThat(self.statusCode()).as(self.body()).isEqualTo(403);
    assertThat(json(self.body()).get("error").asText()).isEqualTo("SELF_APPROVAL");
    HttpResponse<String> outsider = client.vote(DANA_TOKEN, id, "APPROVE", null);
    assertThat(outsider.statusCode()).as(outsider.body()).isEqualTo(403);
    assertThat(json(outsider.body()).get("error").asText()).isEqualTo("NOT_ELIGIBLE");
    assertThat(response).as("refused votes decide nothing").isNotDone();

    assertThat(client.vote(IRENE_TOKEN, id, "APPROVE", "change ticket IAM-42").statusCode()).isEqualTo(200);
    assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(client.get("iam/roles/carol", "ian").body()).isEqualTo("[\"editor\"]");
  }

  @Test
  @DisplayName("S02 the human an agent acts for (X-Agent on behalf of X-User) can not approve the agent's request")
  void humanBehindAnAgentIsRefusedAndAnotherReviewerDecides() throws Exception {
    CompletableFuture<HttpResponse<String>> response =
        client.post("exports", "{\"table\":\"orders\"}", "dana", "report-bot");
    String id = client.awaitPendingRequestOf("report-bot", DORA_TOKEN);

    HttpResponse<String> own = client.vote(DANA_TOKEN, id, "APPROVE", null);
    assertThat(own.statusCode()).as(own.body()).isEqualTo(403);
    assertThat(json(own.body()).get("error").asText()).isEqualTo("ON_BEHALF_OF");
    assertThat(response).isNotDone();

    assertThat(client.vote(DORA_TOKEN, id, "DENY", "the bot has no export mandate").statusCode()).isEqualTo(200);
    HttpResponse<String> answer = response.get(10, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(403);
    assertThat(json(answer.body()).get("message").asText()).contains("the bot has no export mandate");
  }

  @Test
  void callWithoutCallerIs401AndNoReviewerIsAsked() throws Exception {
    HttpResponse<String> answer = client.post("exports", "{\"table\":\"customers\"}", null, null).get(10, TimeUnit.SECONDS);

    assertThat(answer.statusCode()).isEqualTo(401);
    assertThat(json(answer.body()).get("error").asText()).isEqualTo("UNAUTHENTICATED");
    assertThat(gate.pending()).isEmpty();
  }

  @Test
  void unknownTableIs400BeforeAnyReviewerIsAsked() throws Exception {
    HttpResponse<String> answer = client.post("exports", "{\"table\":\"salaries\"}", "mallory", null).get(10, TimeUnit.SECONDS);

    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(json(answer.body()).get("message").asText()).isEqualTo("table must be one of [customers, orders]");
    assertThat(gate.pending()).isEmpty();
  }

  private static java.util.List<Path> exportFiles() throws IOException {
    Path dir = DIR.resolve("exports");
    if (!Files.exists(dir)) {
      return java.util.List.of();
    }
    try (var files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().startsWith("customers-")).toList();
    }
  }
}

package io.countersign.examples.springboot;

import static io.countersign.examples.springboot.ExampleTestSupport.DANA_TOKEN;
import static io.countersign.examples.springboot.ExampleTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApprovalGate;
import io.countersign.RequestState;
import io.countersign.http.ApprovalWebServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code example.max-wait} bounds the HTTP wait, and a wait that ends cancels the approval request.
 * (Two seconds: long enough for the test to see the request pending on a busy machine.)
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"example.max-wait=2s",
    ExampleTestSupport.QUIET_GATE_LOG, ExampleTestSupport.QUIET_WEB_LOG, ExampleTestSupport.NO_BANNER})
class MaxWaitTest {

  private static final Path DIR = ExampleTestSupport.tempDir("max-wait");

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

  @Test
  void undecidedCallAnswers503AfterMaxWaitAndALateApprovalRunsNothing() throws Exception {
    ExampleTestSupport.Client client = new ExampleTestSupport.Client(port, reviewerPage.apiUri());

    CompletableFuture<HttpResponse<String>> response = client.post("exports", "{\"table\":\"customers\"}", "alice", null);
    String id = client.awaitPendingRequestOf("alice", DANA_TOKEN);
    HttpResponse<String> answer = response.get(10, TimeUnit.SECONDS);

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
    assertThat(json(answer.body()).get("message").asText())
        .isEqualTo("No decision within example.max-wait (PT2S); the approval request was cancelled.");
    assertThat(gate.status(id)).hasValueSatisfying(s -> assertThat(s.state()).isEqualTo(RequestState.CANCELLED));
    HttpResponse<String> late = client.vote(DANA_TOKEN, id, "APPROVE", "too late");
    assertThat(late.statusCode()).as(late.body()).isEqualTo(409);
    assertThat(DIR.resolve("exports")).satisfiesAnyOf(
        dir -> assertThat(Files.exists(dir)).isFalse(),
        dir -> assertThat(dir).isEmptyDirectory());
  }
}

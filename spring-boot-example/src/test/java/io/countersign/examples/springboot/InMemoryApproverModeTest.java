package io.countersign.examples.springboot;

import static io.countersign.examples.springboot.ExampleTestSupport.DANA_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.InMemoryApprover;
import io.countersign.http.ApprovalWebServer;
import io.countersign.http.WebApprover;
import io.countersign.spi.Approver;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code example.approver=in-memory}: the starter's {@link InMemoryApprover} receives the requests
 * and the reviewer page works over the gate's pending requests, as it would over any channel.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"example.approver=in-memory",
        ExampleTestSupport.QUIET_GATE_LOG, ExampleTestSupport.QUIET_WEB_LOG, ExampleTestSupport.NO_BANNER})
class InMemoryApproverModeTest {

  private static final Path DIR = ExampleTestSupport.tempDir("in-memory");

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry registry) {
    ExampleTestSupport.register(registry, DIR);
  }

  @LocalServerPort
  int port;

  @Autowired
  ApprovalWebServer reviewerPage;

  @Autowired
  Approver approver;

  @Autowired
  ObjectProvider<WebApprover> webApprover;

  @Test
  void inMemoryApproverReceivesRequestsAndThePageStillDecidesThem() throws Exception {
    assertThat(approver).isInstanceOf(InMemoryApprover.class);
    assertThat(webApprover.getIfAvailable()).isNull();
    ExampleTestSupport.Client client = new ExampleTestSupport.Client(port, reviewerPage.apiUri());

    CompletableFuture<HttpResponse<String>> response = client.post("exports", "{\"table\":\"orders\"}", "alice", null);
    String id = client.awaitPendingRequestOf("alice", DANA_TOKEN);
    assertThat(((InMemoryApprover) approver).pending()).extracting(r -> r.id()).containsExactly(id);
    assertThat(response).isNotDone();

    assertThat(client.vote(DANA_TOKEN, id, "APPROVE", "fine").statusCode()).isEqualTo(200);
    HttpResponse<String> answer = response.get(10, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(ExampleTestSupport.json(answer.body()).get("rows").asInt()).isEqualTo(2);
  }
}

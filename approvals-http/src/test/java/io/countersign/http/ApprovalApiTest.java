package io.countersign.http;

import static io.countersign.http.GateHarness.ALICE;
import static io.countersign.http.GateHarness.BOB;
import static io.countersign.http.GateHarness.CAROL;
import static io.countersign.http.GateHarness.DAVE;
import static io.countersign.http.GateHarness.MALLORY;
import static io.countersign.http.GateHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.Actor;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalRejectedException;
import io.countersign.InMemoryApprover;
import io.countersign.RequestState;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The JSON API over real HTTP against a real gate: every status code of the contract. */
class ApprovalApiTest {

  private static final Actor AGENT = Actor.agent("ops-agent-7", "dave");
  private static final Actor ALICE_HERSELF = Actor.human("alice");

  private GateHarness h;

  @BeforeEach
  void start() throws Exception {
    h = new GateHarness();
  }

  @AfterEach
  void stop() {
    assertThat(h.auditVerifies()).as("the signed audit chain verifies").isTrue();
    h.close();
  }

  // ---------------------------------------------------------------- 200

  @Test
  void listOfPendingRequestsIsPagedOldestFirst() throws Exception {
    String first = h.call(AGENT, "ticket OPS-1", "deploy", "prod", "one").requestId();
    h.time.advance(Duration.ofSeconds(1));
    String second = h.call(AGENT, "ticket OPS-2", "deploy", "staging", "two").requestId();

    HttpResponse<String> page1 = h.get("/approvals?status=pending&page=1&size=1", BOB);
    assertThat(page1.statusCode()).isEqualTo(200);
    JsonNode body = json(page1);
    assertThat(body.get("total").asInt()).isEqualTo(2);
    assertThat(body.get("items")).hasSize(1);
    assertThat(body.get("items").get(0).get("id").asText()).isEqualTo(first);
    assertThat(body.get("next").asText()).isEqualTo("/approvals?status=pending&page=2&size=1");

    JsonNode page2 = json(h.get(body.get("next").asText(), BOB));
    assertThat(page2.get("items").get(0).get("id").asText()).isEqualTo(second);
    assertThat(page2.get("next").isNull()).isTrue();
  }

  @Test
  void requestDetailShowsRequesterPolicyProgressAndRedactedArguments() throws Exception {
    String id = h.call(AGENT, "rotate the TLS cert", "pushConfig", "prod", "password=hunter2").requestId();

    HttpResponse<String> response = h.get("/approvals/" + id, BOB);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    JsonNode r = json(response);
    assertThat(r.get("state").asText()).isEqualTo("PENDING");
    assertThat(r.get("action").asText()).isEqualTo("Push production config");
    assertThat(r.get("requester").get("id").asText()).isEqualTo("ops-agent-7");
    assertThat(r.get("onBehalfOf").asText()).isEqualTo("dave");
    assertThat(r.get("justification").asText()).isEqualTo("rotate the TLS cert");
    assertThat(r.get("arguments").get(1).get("value").asText()).isEqualTo("[redacted]");
    assertThat(r.get("arguments").get(1).get("sensitive").asBoolean()).isTrue();
    assertThat(response.body()).doesNotContain("hunter2");
    assertThat(r.get("argsDigest").asText()).hasSize(64);
    assertThat(r.get("policy").get("digest").asText()).isNotBlank();
    assertThat(r.get("rule").get("reasonRequired").asBoolean()).isTrue();
    assertThat(r.get("approvals").asInt()).isZero();
    assertThat(r.get("quorum").asInt()).isEqualTo(1);
    assertThat(r.get("deadline").asText()).isEqualTo("2026-01-01T00:15:00Z");
  }

  @Test
  void approvalByAnEligibleReviewerReturns200AndTheBlockedCallCompletes() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket OPS-3", "deploy", "prod", "n");

    HttpResponse<String> response = h.vote(call.requestId(), BOB, "{\"decision\":\"APPROVE\",\"reason\":\"diff checked\"}");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode r = json(response);
    assertThat(r.get("state").asText()).isEqualTo("APPROVED");
    assertThat(r.get("vote").get("reviewer").asText()).isEqualTo("bob");
    assertThat(r.get("votes").get(0).get("channel").asText()).isEqualTo("http");
    assertThat(call.result().get(10, TimeUnit.SECONDS)).isEqualTo("deployed prod");
    assertThat(h.target.ran).containsExactly("deploy prod");
  }

  @Test
  void denialWithAReasonReturns200RejectedAndTheMethodNeverRuns() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket OPS-4", "deploy", "prod", "n");

    HttpResponse<String> response = h.vote(call.requestId(), BOB, "{\"decision\":\"DENY\",\"reason\":\"change freeze\"}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).get("state").asText()).isEqualTo("REJECTED");
    assertThat(call.result()).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(ApprovalRejectedException.class);
    assertThat(h.target.ran).isEmpty();
  }

  // ---------------------------------------------------------------- 401

  @Test
  @DisplayName("S07 a vote without credentials or with an unknown token is 401 and reaches no request")
  void unauthenticatedVoteIs401() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");

    HttpResponse<String> none = h.vote(call.requestId(), null, "{\"decision\":\"APPROVE\"}");
    HttpResponse<String> forged = h.vote(call.requestId(), "token-nobody-knows-this-one", "{\"decision\":\"APPROVE\"}");

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"countersign\"");
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(json(forged).get("error").asText()).isEqualTo("UNAUTHENTICATED");
    assertThat(h.events(call.requestId(), EventType.VOTE)).isEmpty();
    assertThat(h.get("/approvals/" + call.requestId(), null).statusCode()).isEqualTo(401);
    assertThat(h.get("/approvals", null).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("S07 a reviewer named in the body is rejected: the voter is always the authenticated caller")
  void reviewerFieldInTheBodyIs400AndNotCounted() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");

    HttpResponse<String> response = h.vote(call.requestId(), MALLORY, "{\"decision\":\"APPROVE\",\"reviewer\":\"bob\"}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("field").asText()).isEqualTo("reviewer");
    assertThat(h.events(call.requestId(), EventType.VOTE)).isEmpty();
    assertThat(h.gate.status(call.requestId()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
  }

  // ---------------------------------------------------------------- 403

  @Test
  @DisplayName("S01 the requester approving its own request over HTTP is 403 SELF_APPROVAL, recorded")
  void selfApprovalIs403() throws Exception {
    GateHarness.Call call = h.call(ALICE_HERSELF, "my own change", "deploy", "prod", "n");

    HttpResponse<String> response = h.vote(call.requestId(), ALICE, "{\"decision\":\"APPROVE\"}");

    assertThat(response.statusCode()).isEqualTo(403);
    JsonNode err = json(response);
    assertThat(err.get("error").asText()).isEqualTo("SELF_APPROVAL");
    assertThat(err.get("message").asText()).contains("alice requested this action");
    assertRefusalRecorded(call.requestId(), "alice", "SELF_APPROVAL");
    assertThat(h.gate.status(call.requestId()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
  }

  @Test
  @DisplayName("S02 the human an agent acts for approving the agent's request is 403 ON_BEHALF_OF, recorded")
  void onBehalfOfApprovalIs403() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");

    HttpResponse<String> response = h.vote(call.requestId(), DAVE, "{\"decision\":\"APPROVE\"}");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(json(response).get("error").asText()).isEqualTo("ON_BEHALF_OF");
    assertRefusalRecorded(call.requestId(), "dave", "ON_BEHALF_OF");
  }

  @Test
  @DisplayName("S05 a reviewer outside the eligible groups is 403 NOT_ELIGIBLE, recorded")
  void ineligibleReviewerIs403() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");

    HttpResponse<String> response = h.vote(call.requestId(), MALLORY, "{\"decision\":\"DENY\",\"reason\":\"no\"}");

    assertThat(response.statusCode()).isEqualTo(403);
    JsonNode err = json(response);
    assertThat(err.get("error").asText()).isEqualTo("NOT_ELIGIBLE");
    assertThat(err.get("message").asText()).contains("group:sre-leads");
    assertRefusalRecorded(call.requestId(), "mallory", "NOT_ELIGIBLE");
    assertThat(h.gate.status(call.requestId()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
  }

  // ---------------------------------------------------------------- 404

  @Test
  void unknownRequestIs404ForReadAndVote() throws Exception {
    assertThat(h.get("/approvals/no-such-id", BOB).statusCode()).isEqualTo(404);
    HttpResponse<String> vote = h.vote("no-such-id", BOB, "{\"decision\":\"APPROVE\"}");
    assertThat(vote.statusCode()).isEqualTo(404);
    assertThat(json(vote).get("error").asText()).isEqualTo("UNKNOWN_REQUEST");
  }

  // ---------------------------------------------------------------- 409

  @Test
  @DisplayName("S03 the same reviewer approving twice is 409 DUPLICATE and counted once")
  void doubleVoteIs409AndCountedOnce() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "rotateKeys", "payments");

    HttpResponse<String> first = h.vote(call.requestId(), BOB, "{\"decision\":\"APPROVE\"}");
    HttpResponse<String> again = h.vote(call.requestId(), BOB, "{\"decision\":\"APPROVE\"}");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(json(first).get("approvals").asInt()).isEqualTo(1);
    assertThat(json(first).get("state").asText()).isEqualTo("PENDING");
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(json(again).get("error").asText()).isEqualTo("DUPLICATE");
    assertThat(json(h.get("/approvals/" + call.requestId(), BOB)).get("approvals").asInt()).isEqualTo(1);
    assertThat(call.result()).isNotDone();

    assertThat(h.vote(call.requestId(), CAROL, "{\"decision\":\"APPROVE\"}").statusCode()).isEqualTo(200);
    assertThat(call.result().get(10, TimeUnit.SECONDS)).isEqualTo("rotated payments");
    assertThat(h.target.ran).containsExactly("rotate payments");
  }

  @Test
  void voteOnADecidedRequestIs409AlreadyDecided() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");
    assertThat(h.vote(call.requestId(), BOB, "{\"decision\":\"APPROVE\"}").statusCode()).isEqualTo(200);
    call.result().get(10, TimeUnit.SECONDS);

    HttpResponse<String> late = h.vote(call.requestId(), CAROL, "{\"decision\":\"DENY\",\"reason\":\"too late\"}");

    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(json(late).get("error").asText()).isEqualTo("ALREADY_DECIDED");
    assertThat(json(late).get("state").asText()).isEqualTo("APPROVED");
    assertThat(h.target.ran).hasSize(1);
  }

  // ---------------------------------------------------------------- 410

  @Test
  @DisplayName("S12 a vote after expiry is 410 and the request stays EXPIRED")
  void voteAfterExpiryIs410() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");
    h.time.advance(Duration.ofMinutes(16));
    assertThat(call.result()).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(ApprovalExpiredException.class);

    HttpResponse<String> response = h.vote(call.requestId(), BOB, "{\"decision\":\"APPROVE\"}");

    assertThat(response.statusCode()).isEqualTo(410);
    assertThat(json(response).get("error").asText()).isEqualTo("EXPIRED");
    assertThat(json(h.get("/approvals/" + call.requestId(), BOB)).get("state").asText()).isEqualTo("EXPIRED");
    assertRefusalRecorded(call.requestId(), "bob", "EXPIRED");
    assertThat(h.target.ran).isEmpty();
  }

  // ---------------------------------------------------------------- 400

  @Test
  void malformedJsonIs400NamingTheBody() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");

    HttpResponse<String> response = h.vote(call.requestId(), BOB, "{\"decision\": APPROVE");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("error").asText()).isEqualTo("MALFORMED_JSON");
    assertThat(json(response).get("field").asText()).isEqualTo("body");
    assertThat(h.vote(call.requestId(), BOB, "[1,2]").statusCode()).isEqualTo(400);
    assertThat(h.events(call.requestId(), EventType.VOTE)).isEmpty();
  }

  @Test
  void missingOrUnknownDecisionIs400NamingDecision() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");

    HttpResponse<String> missing = h.vote(call.requestId(), BOB, "{\"reason\":\"ok\"}");
    HttpResponse<String> bad = h.vote(call.requestId(), BOB, "{\"decision\":\"approve\"}");

    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(json(missing).get("field").asText()).isEqualTo("decision");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json(bad).get("message").asText()).isEqualTo("decision must be APPROVE or DENY but was \"approve\".");
  }

  @Test
  void denyWithoutAReasonIs400NamingReasonAndTheRequestStaysPending() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");

    HttpResponse<String> response = h.vote(call.requestId(), BOB, "{\"decision\":\"DENY\",\"reason\":\"   \"}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("field").asText()).isEqualTo("reason");
    assertThat(json(response).get("message").asText()).startsWith("reason is required to deny");
    assertThat(h.gate.status(call.requestId()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
  }

  @Test
  void approvalWithoutAReasonUnderARuleThatRequiresOneIs400FromTheGate() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "pushConfig", "prod", "secret");

    HttpResponse<String> response = h.vote(call.requestId(), BOB, "{\"decision\":\"APPROVE\"}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("error").asText()).isEqualTo("REASON_REQUIRED");
    assertThat(json(response).get("field").asText()).isEqualTo("reason");
    assertRefusalRecorded(call.requestId(), "bob", "REASON_REQUIRED");
  }

  @Test
  void badListingParametersAre400NamingTheParameter() throws Exception {
    assertThat(json(h.get("/approvals?status=approved", BOB)).get("field").asText()).isEqualTo("status");
    assertThat(json(h.get("/approvals?page=0", BOB)).get("field").asText()).isEqualTo("page");
    HttpResponse<String> size = h.get("/approvals?size=500", BOB);
    assertThat(size.statusCode()).isEqualTo(400);
    assertThat(json(size).get("message").asText()).isEqualTo("size must be an integer from 1 to 100 but was '500'.");
  }

  @Test
  void wrongMethodIs405WithAllow() throws Exception {
    HttpResponse<String> response = h.http.send(java.net.http.HttpRequest.newBuilder(h.uri("/approvals/x/votes"))
        .header("Authorization", "Bearer " + BOB).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).hasValue("POST");
  }

  // ---------------------------------------------------------------- other sources

  @Test
  void aGateBackedQueueServesRequestsDeliveredThroughAnyChannel() throws Exception {
    h.close();
    InMemoryApprover other = new InMemoryApprover();
    h = new GateHarness(web -> other, ReviewQueue::of);
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");

    HttpResponse<String> response = h.vote(call.requestId(), BOB, "{\"decision\":\"APPROVE\"}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(call.result().get(10, TimeUnit.SECONDS)).isEqualTo("deployed prod");
    await().until(() -> other.status(call.requestId()).isPresent());
  }

  private void assertRefusalRecorded(String requestId, String reviewer, String refusal) {
    List<AuditEvent> votes = h.events(requestId, EventType.VOTE);
    assertThat(votes).anySatisfy(e -> {
      assertThat(e.get("vote").get("reviewer").asText()).isEqualTo(reviewer);
      assertThat(e.get("vote").get("channel").asText()).isEqualTo("http");
      assertThat(e.get("vote").get("counted").asBoolean()).isFalse();
      assertThat(e.get("vote").get("refusal").asText()).isEqualTo(refusal);
    });
  }
}

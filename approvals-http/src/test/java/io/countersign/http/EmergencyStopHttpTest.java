package io.countersign.http;

import static io.countersign.http.GateHarness.BOB;
import static io.countersign.http.GateHarness.DIANA;
import static io.countersign.http.GateHarness.ERIC;
import static io.countersign.http.GateHarness.csrf;
import static io.countersign.http.GateHarness.enc;
import static io.countersign.http.GateHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.Actor;
import io.countersign.ApprovalRejectedException;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The emergency stop over real HTTP against a real gate: the JSON API, the reviewer page's form and banner. */
class EmergencyStopHttpTest {

  private static final Actor AGENT = Actor.agent("ops-agent-7", "dave");

  private GateHarness h;

  @AfterEach
  void stop() {
    if (h != null) {
      assertThat(h.auditVerifies()).as("the signed audit chain verifies").isTrue();
      h.close();
    }
  }

  private HttpResponse<String> halt(String token, String reason) throws Exception {
    return h.postJson("/halt", token, "{\"reason\":" + GateHarness.JSON.writeValueAsString(reason) + "}");
  }

  private HttpResponse<String> resume(String token, String reason) throws Exception {
    return h.postJson("/resume", token, "{\"reason\":" + GateHarness.JSON.writeValueAsString(reason) + "}");
  }

  private List<AuditEvent> events(EventType type) {
    return h.audit.events().stream().filter(e -> e.type().equals(type)).toList();
  }

  @Nested
  class Api {

    Api() throws Exception {
      h = GateHarness.withEmergencyStop();
    }

    @Test
    void haltByAControllerDeniesThePendingCallAndEveryNewCall() throws Exception {
      GateHarness.Call pending = h.call(AGENT, "ticket OPS-9", "deploy", "prod", "n");

      HttpResponse<String> response = halt(DIANA, "agent is deploying in a loop");

      assertThat(response.statusCode()).isEqualTo(200);
      JsonNode body = json(response);
      assertThat(body.get("halted").asBoolean()).isTrue();
      assertThat(body.get("by").asText()).isEqualTo("diana");
      assertThat(body.get("reason").asText()).isEqualTo("agent is deploying in a loop");
      assertThat(body.get("alreadyHalted").asBoolean()).isFalse();
      assertThat(pending.result()).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(ApprovalRejectedException.class).withMessageContaining("emergency stop by diana");
      CompletableFuture<Object> fresh = h.start(AGENT, "ticket OPS-10", "deploy", "staging", "n");
      assertThat(fresh).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(ApprovalRejectedException.class).withMessageContaining("halted");
      assertThat(h.target.ran).isEmpty();
      assertThat(events(EventType.HALTED)).singleElement()
          .satisfies(e -> assertThat(e.text("by")).isEqualTo("diana"))
          .satisfies(e -> assertThat(e.text("reason")).isEqualTo("agent is deploying in a loop"));
    }

    @Test
    void haltStatusIsReadableByAnyAuthenticatedReviewer() throws Exception {
      assertThat(json(h.get("/halt", BOB)).get("halted").asBoolean()).isFalse();
      halt(DIANA, "incident 42");

      JsonNode status = json(h.get("/halt", BOB));

      assertThat(status.get("halted").asBoolean()).isTrue();
      assertThat(status.get("by").asText()).isEqualTo("diana");
      assertThat(status.get("since").asText()).isEqualTo(h.time.now().toString());
    }

    @Test
    void secondHaltIsAcceptedButKeepsTheFirst() throws Exception {
      halt(DIANA, "first");

      JsonNode again = json(halt(ERIC, "second"));

      assertThat(again.get("alreadyHalted").asBoolean()).isTrue();
      assertThat(again.get("by").asText()).isEqualTo("diana");
      assertThat(events(EventType.HALTED)).hasSize(1);
    }

    @Test
    @DisplayName("S01 the controller who asked to resume cannot approve it; another controller's approval via the votes API lifts the halt")
    void resumeNeedsAnotherControllersApprovalThroughTheVotesApi() throws Exception {
      halt(DIANA, "incident 42");

      HttpResponse<String> asked = resume(DIANA, "fix deployed");

      assertThat(asked.statusCode()).isEqualTo(200);
      JsonNode body = json(asked);
      String resumeId = body.get("resumeRequestId").asText();
      assertThat(body.get("approvers").get(0).asText()).isEqualTo("group:incident-commanders");
      assertThat(h.awaitNewRequest()).isEqualTo(resumeId);

      HttpResponse<String> self = h.vote(resumeId, DIANA, "{\"decision\":\"APPROVE\",\"reason\":\"mine\"}");
      assertThat(self.statusCode()).isEqualTo(403);
      assertThat(json(self).get("error").asText()).isEqualTo("SELF_APPROVAL");
      HttpResponse<String> outsider = h.vote(resumeId, BOB, "{\"decision\":\"APPROVE\",\"reason\":\"sure\"}");
      assertThat(outsider.statusCode()).isEqualTo(403);
      assertThat(json(outsider).get("error").asText()).isEqualTo("NOT_ELIGIBLE");
      assertThat(json(h.get("/halt", BOB)).get("halted").asBoolean()).isTrue();

      HttpResponse<String> approved = h.vote(resumeId, ERIC, "{\"decision\":\"APPROVE\",\"reason\":\"verified the fix\"}");

      assertThat(approved.statusCode()).isEqualTo(200);
      assertThat(json(approved).get("state").asText()).isEqualTo("APPROVED");
      assertThat(json(h.get("/halt", BOB)).get("halted").asBoolean()).isFalse();
      assertThat(events(EventType.RESUMED)).hasSize(1);
      GateHarness.Call call = h.call(AGENT, "after the incident", "deploy", "prod", "n");
      h.vote(call.requestId(), BOB, "{\"decision\":\"APPROVE\"}");
      assertThat(call.result().get(10, TimeUnit.SECONDS)).isEqualTo("deployed prod");
    }

    @Test
    @DisplayName("S05 a reviewer the emergency stop rule does not name gets 403 with the gate's reason, and nothing halts")
    void nonControllerIsRefusedWith403() throws Exception {
      HttpResponse<String> response = halt(BOB, "I think something is wrong");

      assertThat(response.statusCode()).isEqualTo(403);
      JsonNode body = json(response);
      assertThat(body.get("error").asText()).isEqualTo("NOT_ALLOWED");
      assertThat(body.get("message").asText())
          .isEqualTo("bob is not allowed to halt guarded actions (allowed: group:incident-commanders).");
      assertThat(h.gate.haltStatus()).isEmpty();
      assertThat(events(EventType.HALTED)).isEmpty();
    }

    @Test
    void nonControllerCannotAskToResume() throws Exception {
      halt(DIANA, "incident");

      HttpResponse<String> response = resume(BOB, "let us go");

      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(json(response).get("message").asText()).contains("bob is not allowed to resume");
    }

    @Test
    @DisplayName("S07 an unauthenticated caller gets 401 on every emergency stop endpoint and nothing halts")
    void unauthenticatedCallerGets401() throws Exception {
      HttpResponse<String> none = halt(null, "x");
      HttpResponse<String> wrong = halt("token-that-nobody-was-given", "x");

      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(h.get("/halt", null).statusCode()).isEqualTo(401);
      assertThat(resume(null, "x").statusCode()).isEqualTo(401);
      assertThat(h.gate.haltStatus()).isEmpty();
    }

    @Test
    void haltWithoutAReasonIs400() throws Exception {
      HttpResponse<String> missing = h.postJson("/halt", DIANA, "{}");
      HttpResponse<String> blank = halt(DIANA, "   ");

      assertThat(missing.statusCode()).isEqualTo(400);
      assertThat(json(missing).get("field").asText()).isEqualTo("reason");
      assertThat(json(missing).get("message").asText()).startsWith("reason is required to halt");
      assertThat(blank.statusCode()).isEqualTo(400);
      assertThat(h.postJson("/halt", DIANA, "not json").statusCode()).isEqualTo(400);
      assertThat(h.gate.haltStatus()).isEmpty();
    }

    @Test
    void reviewerInTheBodyIsRefusedBecauseTheCallerIsAlwaysTheAuthenticatedOne() throws Exception {
      HttpResponse<String> response = h.postJson("/halt", BOB, "{\"reason\":\"x\",\"by\":\"diana\"}");

      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(json(response).get("error").asText()).isEqualTo("UNKNOWN_FIELD");
      assertThat(h.gate.haltStatus()).isEmpty();
    }

    @Test
    void resumeWhenNotHaltedIs409() throws Exception {
      HttpResponse<String> response = resume(DIANA, "nothing to resume");

      assertThat(response.statusCode()).isEqualTo(409);
      assertThat(json(response).get("error").asText()).isEqualTo("NOT_HALTED");
    }

    @Test
    void otherMethodsAre405() throws Exception {
      assertThat(h.get("/resume", DIANA).statusCode()).isEqualTo(405);
    }
  }

  @Nested
  class Configuration {

    @Test
    void endpointsDoNotExistUnlessTheWebFrontIsGivenTheGate() throws Exception {
      h = new GateHarness();

      assertThat(halt(DIANA, "x").statusCode()).isEqualTo(404);
      assertThat(h.get("/halt", DIANA).statusCode()).isEqualTo(404);
      assertThat(h.get("/review/halt", null).statusCode()).isEqualTo(303); // to sign-in, then 404
      assertThat(h.page("/review/halt", h.signIn(DIANA)).statusCode()).isEqualTo(404);
    }

    @Test
    void gateWithoutAnEmergencyStopRuleAnswers503() throws Exception {
      h = GateHarness.withEmergencyStopUnconfiguredOnTheGate();

      HttpResponse<String> response = halt(DIANA, "x");

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(json(response).get("error").asText()).isEqualTo("NOT_CONFIGURED");
      assertThat(json(response).get("message").asText()).contains("emergencyStop(rule)");
      assertThat(h.get("/halt", DIANA).statusCode()).isEqualTo(503);
      assertThat(resume(DIANA, "x").statusCode()).isEqualTo(503);
    }
  }

  @Nested
  class ReviewerPage {

    ReviewerPage() throws Exception {
      h = GateHarness.withEmergencyStop();
    }

    @Test
    void bannerShowsOnEveryPageWhileHaltedWithItsReasonEscaped() throws Exception {
      GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");
      String cookie = h.signIn(BOB);
      assertThat(h.page("/review/", cookie).body()).doesNotContain("halt-banner");

      halt(DIANA, "<script>alert(1)</script> rogue agent");

      String list = h.page("/review/", cookie).body();
      String detail = h.page("/review/requests/" + call.requestId(), cookie).body();
      String login = h.get("/review/login", null).body();
      assertThat(list).contains("id=\"halt-banner\"", "Guarded actions are halted", "<b id=\"halted-by\">diana</b>",
          "&lt;script&gt;alert(1)&lt;/script&gt; rogue agent").doesNotContain("<script>alert(1)");
      assertThat(detail).contains("id=\"halt-banner\"");
      assertThat(login).contains("id=\"halt-banner\"", "sign in for details").doesNotContain("rogue agent");
    }

    @Test
    void stopFormIsOfferedOnlyToControllers() throws Exception {
      assertThat(h.page("/review/", h.signIn(DIANA)).body()).contains("id=\"stop-all\"", "Stop all guarded actions");
      assertThat(h.page("/review/", h.signIn(BOB)).body()).doesNotContain("id=\"stop-all\"");
    }

    @Test
    void stopFormHaltsOnlyAfterTheConfirmStep() throws Exception {
      GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");
      String cookie = h.signIn(DIANA);
      String token = csrf(h.page("/review/halt", cookie).body());

      HttpResponse<String> noReason = h.postForm("/review/halt", cookie, "reason=+&csrf=" + enc(token));
      HttpResponse<String> confirm = h.postForm("/review/halt", cookie, "reason=" + enc("rogue agent") + "&csrf=" + enc(token));

      assertThat(noReason.statusCode()).isEqualTo(400);
      assertThat(noReason.body()).contains("Reason is required to halt");
      assertThat(confirm.statusCode()).isEqualTo(200);
      assertThat(confirm.body()).contains("id=\"halt-confirm\"", "1 pending request will be denied", "name=\"confirm\" value=\"yes\"");
      assertThat(h.gate.haltStatus()).as("not halted before the confirm step").isEmpty();

      HttpResponse<String> done = h.postForm("/review/halt", cookie,
          "reason=" + enc("rogue agent") + "&confirm=yes&csrf=" + enc(csrf(confirm.body())));

      assertThat(done.statusCode()).isEqualTo(200);
      assertThat(done.body()).contains("Guarded actions are halted", "id=\"halt-banner\"");
      assertThat(h.gate.haltStatus()).hasValueSatisfying(s -> assertThat(s.reason()).isEqualTo("rogue agent"));
      assertThat(call.result()).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(ApprovalRejectedException.class);
    }

    @Test
    @DisplayName("S23 the stop form posted without the session's CSRF token is refused with 403 and nothing halts")
    void stopFormWithoutCsrfTokenIsRefused() throws Exception {
      String cookie = h.signIn(DIANA);

      HttpResponse<String> none = h.postForm("/review/halt", cookie, "reason=x&confirm=yes");
      HttpResponse<String> wrong = h.postForm("/review/halt", cookie, "reason=x&confirm=yes&csrf=guess");

      assertThat(none.statusCode()).isEqualTo(403);
      assertThat(wrong.statusCode()).isEqualTo(403);
      assertThat(none.body()).contains("security token was missing or wrong");
      assertThat(h.gate.haltStatus()).isEmpty();
      assertThat(events(EventType.HALTED)).isEmpty();
    }

    @Test
    void nonControllerConfirmingTheStopFormGetsTheGatesRefusal() throws Exception {
      String cookie = h.signIn(BOB);
      String token = csrf(h.page("/review/halt", cookie).body());

      HttpResponse<String> response = h.postForm("/review/halt", cookie, "reason=x&confirm=yes&csrf=" + enc(token));

      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(response.body()).contains("bob is not allowed to halt guarded actions");
      assertThat(h.gate.haltStatus()).isEmpty();
    }

    @Test
    void resumeFormOpensARequestOtherControllersApproveOnThePage() throws Exception {
      halt(DIANA, "incident");
      String diana = h.signIn(DIANA);

      HttpResponse<String> asked = h.postForm("/review/resume", diana,
          "reason=" + enc("fix deployed") + "&csrf=" + enc(csrf(h.page("/review/resume", diana).body())));

      assertThat(asked.statusCode()).isEqualTo(200);
      String resumeId = h.awaitNewRequest();
      assertThat(asked.body()).contains("Resume requested", resumeId);
      String eric = h.signIn(ERIC);
      String token = csrf(h.page("/review/requests/" + resumeId, eric).body());
      HttpResponse<String> vote = h.postForm("/review/requests/" + resumeId + "/vote", eric,
          "decision=APPROVE&reason=" + enc("verified") + "&csrf=" + enc(token));
      assertThat(vote.statusCode()).isEqualTo(200);
      assertThat(h.gate.haltStatus()).isEmpty();
      assertThat(h.page("/review/", eric).body()).doesNotContain("halt-banner");
    }
  }
}

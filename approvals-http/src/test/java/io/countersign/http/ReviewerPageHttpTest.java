package io.countersign.http;

import static io.countersign.http.GateHarness.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.RequestState;
import io.countersign.audit.EventType;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The reviewer page over plain HTTP (the browser flows are in ReviewerPageBrowserIT). */
class ReviewerPageHttpTest {

  private static final Actor AGENT = Actor.agent("ops-agent-7", "dave");

  private GateHarness h;

  @BeforeEach
  void start() throws Exception {
    h = new GateHarness();
  }

  @AfterEach
  void stop() {
    assertThat(h.auditVerifies()).isTrue();
    h.close();
  }

  @Test
  void signedOutVisitorIsSentToSignInAndComesBackToTheRequestedPage() throws Exception {
    HttpResponse<String> response = h.get("/review/requests/abc", null);

    assertThat(response.statusCode()).isEqualTo(303);
    assertThat(response.headers().firstValue("Location")).hasValue("/review/login?next=%2Freview%2Frequests%2Fabc");

    HttpResponse<String> login = post("/review/login", null, "token=" + BOB + "&next=%2Freview%2Frequests%2Fabc");
    assertThat(login.statusCode()).isEqualTo(303);
    assertThat(login.headers().firstValue("Location")).hasValue("/review/requests/abc");
    assertThat(login.headers().firstValue("Set-Cookie").orElseThrow()).contains("HttpOnly", "SameSite=Strict", "Path=/review");
  }

  @Test
  void signInDoesNotRedirectOffSite() throws Exception {
    HttpResponse<String> login = post("/review/login", null, "token=" + BOB + "&next=" + enc("//evil.example/x"));
    assertThat(login.headers().firstValue("Location")).hasValue("/review/");
  }

  @Test
  @DisplayName("S07 a wrong token on the sign-in form is refused with 401 and no session")
  void wrongTokenIsRefused() throws Exception {
    HttpResponse<String> login = post("/review/login", null, "token=token-that-nobody-was-given");
    assertThat(login.statusCode()).isEqualTo(401);
    assertThat(login.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(login.body()).contains("That token was not accepted");
  }

  @Test
  @DisplayName("S23 a vote form posted without the CSRF token is refused with 403 and nothing is counted")
  void formPostWithoutCsrfTokenIsRefused() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");
    String cookie = signIn(BOB);

    HttpResponse<String> none = post("/review/requests/" + call.requestId() + "/vote", cookie, "decision=APPROVE");
    HttpResponse<String> wrong = post("/review/requests/" + call.requestId() + "/vote", cookie, "decision=APPROVE&csrf=guess");

    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(none.body()).contains("security token was missing or wrong");
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(h.events(call.requestId(), EventType.VOTE)).isEmpty();
    assertThat(h.gate.status(call.requestId()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    assertThat(h.target.ran).isEmpty();
  }

  @Test
  @DisplayName("S23 a CSRF token from another reviewer's session is refused")
  void csrfTokenOfAnotherSessionIsRefused() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");
    String carolCookie = signIn(GateHarness.CAROL);
    String carolToken = csrf(page("/review/requests/" + call.requestId(), carolCookie).body());
    String bobCookie = signIn(BOB);

    HttpResponse<String> response = post("/review/requests/" + call.requestId() + "/vote", bobCookie,
        "decision=APPROVE&csrf=" + enc(carolToken));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(h.events(call.requestId(), EventType.VOTE)).isEmpty();
  }

  @Test
  void formVoteWithTheSessionTokenApprovesAndShowsTheResult() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");
    String cookie = signIn(BOB);
    String token = csrf(page("/review/requests/" + call.requestId(), cookie).body());

    HttpResponse<String> response = post("/review/requests/" + call.requestId() + "/vote", cookie,
        "decision=APPROVE&reason=looks+fine&csrf=" + enc(token));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("data-state=\"APPROVED\"", "the action runs now");
    assertThat(call.result().get(10, TimeUnit.SECONDS)).isEqualTo("deployed prod");
  }

  @Test
  void formDenyWithoutReasonIs400AndKeepsTheRequestPending() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");
    String cookie = signIn(BOB);
    String token = csrf(page("/review/requests/" + call.requestId(), cookie).body());

    HttpResponse<String> response = post("/review/requests/" + call.requestId() + "/vote", cookie,
        "decision=DENY&reason=&csrf=" + enc(token));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("Reason is required to deny");
    assertThat(h.gate.status(call.requestId()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
  }

  @Test
  @DisplayName("S01 the requester voting on the page gets a refusal page (403) and nothing is counted")
  void selfApprovalOnThePageIsRefused() throws Exception {
    GateHarness.Call call = h.call(Actor.human("alice"), "mine", "deploy", "prod", "n");
    String cookie = signIn(GateHarness.ALICE);
    String token = csrf(page("/review/requests/" + call.requestId(), cookie).body());

    HttpResponse<String> response = post("/review/requests/" + call.requestId() + "/vote", cookie,
        "decision=APPROVE&csrf=" + enc(token));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).contains("Your vote was not counted", "alice requested this action");
    assertThat(h.gate.status(call.requestId()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
  }

  @Test
  @DisplayName("S23 hostile HTML in arguments, justification and action data is escaped on every page")
  void hostileMarkupIsEscaped() throws Exception {
    String hostile = "<script>alert(1)</script>";
    GateHarness.Call call = h.call(AGENT, "<img src=x onerror=alert(2)>", "deploy", hostile, "\"><b>x</b>");
    String cookie = signIn(BOB);

    String detail = page("/review/requests/" + call.requestId(), cookie).body();
    String list = page("/review/", cookie).body();

    assertThat(detail).doesNotContain(hostile, "<img src=x", "<b>x</b>");
    assertThat(detail).contains("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;");
    assertThat(list).doesNotContain("<img src=x").contains("&lt;img src=x onerror=alert(2)&gt;");
  }

  @Test
  void pagesForbidInlineScriptAndFraming() throws Exception {
    HttpResponse<String> response = h.get("/review/login", null);
    assertThat(response.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("script-src 'self'", "frame-ancestors 'none'", "form-action 'self'");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(h.get("/review/static/style.css", null).statusCode()).isEqualTo(200);
    assertThat(h.get("/review/static/nope.css", null).statusCode()).isEqualTo(404);
  }

  @Test
  void sessionsExpireOnTheInjectedClock() throws Exception {
    String cookie = signIn(BOB);
    assertThat(page("/review/", cookie).statusCode()).isEqualTo(200);
    h.time.advance(ApprovalWeb.DEFAULT_SESSION_TTL.plus(Duration.ofSeconds(1)));
    assertThat(page("/review/", cookie).statusCode()).isEqualTo(303);
  }

  // ---------------------------------------------------------------- helpers

  private String signIn(String token) throws Exception {
    return h.signIn(token);
  }

  private HttpResponse<String> page(String path, String cookie) throws Exception {
    return h.page(path, cookie);
  }

  private HttpResponse<String> post(String path, String cookie, String form) throws Exception {
    return h.postForm(path, cookie, form);
  }

  private static String csrf(String html) {
    return GateHarness.csrf(html);
  }

  private static String enc(String s) {
    return GateHarness.enc(s);
  }
}

package io.countersign.http.internal;

import static io.countersign.http.internal.Html.esc;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsExchange;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.Argument;
import io.countersign.Decision;
import io.countersign.RequestState;
import io.countersign.Reviewer;
import io.countersign.Vote;
import io.countersign.VoteRecord;
import io.countersign.VoteResult;
import io.countersign.http.AuthenticationRequest;
import io.countersign.http.Authenticator;
import io.countersign.http.PageExtension;
import io.countersign.http.PageRequest;
import io.countersign.http.PageResponse;
import io.countersign.http.PageVoteRefusedException;
import io.countersign.http.ReviewQueue;
import io.countersign.spi.TimeSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-rendered reviewer page: sign-in, pending list, request detail with Approve/Deny forms
 * (CSRF-protected, bound to a session), and the result of a vote. Every piece of request data is
 * HTML-escaped; pages carry a Content-Security-Policy that forbids inline script.
 */
public final class PageHandler implements HttpHandler {

  /** The session cookie's name. */
  public static final String COOKIE = "countersign_session";

  private static final Logger LOG = LoggerFactory.getLogger(PageHandler.class);
  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private final ReviewQueue queue;
  private final Authenticator authenticator;
  private final Sessions sessions;
  private final TimeSource time;
  private final int pageSize;
  private final List<PageExtension> extensions;
  /** The emergency stop, or null when the page does not offer it. */
  private final EmergencyStopActions stop;

  public PageHandler(ReviewQueue queue, Authenticator authenticator, Sessions sessions, TimeSource time, int pageSize) {
    this(queue, authenticator, sessions, time, pageSize, List.of(), null);
  }

  public PageHandler(ReviewQueue queue, Authenticator authenticator, Sessions sessions, TimeSource time, int pageSize,
      List<PageExtension> extensions) {
    this(queue, authenticator, sessions, time, pageSize, extensions, null);
  }

  public PageHandler(ReviewQueue queue, Authenticator authenticator, Sessions sessions, TimeSource time, int pageSize,
      List<PageExtension> extensions, EmergencyStopActions stop) {
    this.queue = queue;
    this.authenticator = authenticator;
    this.sessions = sessions;
    this.time = time;
    this.pageSize = pageSize;
    this.extensions = List.copyOf(extensions);
    this.stop = stop;
  }

  /** A full page with the extensions' scripts and top-bar links, and the halt banner while halted. */
  private String page(String base, String title, String signedInAs, String csrf, String content) {
    String body = haltBanner(base, signedInAs) + content;
    if (extensions.isEmpty()) {
      return Html.page(base, title, signedInAs, csrf, body);
    }
    List<String> scripts = new java.util.ArrayList<>();
    Map<String, String> nav = new LinkedHashMap<>();
    for (PageExtension e : extensions) {
      for (String file : e.scripts()) {
        scripts.add(base + "/x/" + e.name() + "/static/" + file);
      }
      e.navigation().forEach((label, path) -> nav.put(label, base + "/x/" + e.name() + "/" + path));
    }
    return Html.page(base, title, signedInAs, csrf, body, scripts, signedInAs == null ? Map.of() : nav);
  }

  private PageExtension extension(String name) {
    for (PageExtension e : extensions) {
      if (e.name().equals(name)) {
        return e;
      }
    }
    return null;
  }

  private PageRequest pageRequest(HttpExchange ex, String base, Sessions.Session session, String path, Map<String, String> params) {
    return new PageRequest(base, session == null ? null : session.reviewer(), session == null ? null : session.csrfToken(),
        ex.getRequestMethod(), path, params, ex instanceof HttpsExchange);
  }

  /** {@code x/<name>/static/<file>} (no session) and {@code x/<name>/...} (session; CSRF on POST). */
  private boolean routeExtension(HttpExchange ex, String base, List<String> seg, Sessions.Session session, boolean get)
      throws IOException {
    PageExtension e = extension(seg.get(1));
    if (e == null) {
      notFound(ex, base, session);
      return true;
    }
    if (seg.size() == 4 && seg.get(2).equals("static") && get) {
      Optional<PageResponse> file = e.asset(seg.get(3));
      if (file.isPresent() && file.get().isFile()) {
        HttpIo.sendAsset(ex, file.get().contentType(), file.get().body());
      } else {
        notFound(ex, base, session);
      }
      return true;
    }
    return false;
  }

  private void extensionPage(HttpExchange ex, String base, List<String> seg, Sessions.Session session) throws IOException {
    PageExtension e = extension(seg.get(1));
    String method = ex.getRequestMethod();
    Map<String, String> params;
    if (method.equals("POST")) {
      params = HttpIo.params(new String(HttpIo.body(ex), StandardCharsets.UTF_8));
      if (!session.csrfMatches(params.get("csrf"))) {
        LOG.warn("Reviewer page extension {} refused a POST: missing or wrong CSRF token (reviewer={})", e.name(), session.reviewer().id());
        HttpIo.sendHtml(ex, 403, page(base, "Refused", session.reviewer().id(), session.csrfToken(),
            message("Refused", "The form's security token was missing or wrong, so nothing was done. Open the page again.", base + "/")));
        return;
      }
    } else if (method.equals("GET") || method.equals("HEAD")) {
      params = HttpIo.params(ex.getRequestURI().getRawQuery());
    } else {
      methodNotAllowed(ex, base);
      return;
    }
    String rest = String.join("/", seg.subList(2, seg.size()));
    Optional<PageResponse> answer = e.handle(pageRequest(ex, base, session, rest, params));
    if (answer.isEmpty()) {
      notFound(ex, base, session);
    } else if (answer.get().isFile()) {
      HttpIo.sendAsset(ex, answer.get().contentType(), answer.get().body());
    } else {
      HttpIo.sendHtml(ex, answer.get().status(), page(base, answer.get().title(), session.reviewer().id(), session.csrfToken(),
          new String(answer.get().body(), StandardCharsets.UTF_8)));
    }
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    try {
      route(ex);
    } catch (HttpIo.BodyTooLargeException e) {
      HttpIo.sendHtml(ex, 413, page(HttpIo.contextPath(ex), "Too large", null, null,
          message("Request too large", "The form was larger than the server accepts.", null)));
    } catch (RuntimeException e) {
      LOG.error("Reviewer page failed on {} {}", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e);
      HttpIo.sendHtml(ex, 500, page(HttpIo.contextPath(ex), "Error", null, null,
          message("Something went wrong", "The server could not handle the request. No vote was counted.", null)));
    } finally {
      ex.close();
    }
  }

  private void route(HttpExchange ex) throws IOException {
    String base = HttpIo.contextPath(ex);
    String rel = HttpIo.relativePath(ex);
    String method = ex.getRequestMethod();
    boolean get = method.equals("GET") || method.equals("HEAD");
    if (rel == null) {
      notFound(ex, base, null);
      return;
    }
    List<String> seg = HttpIo.segments(rel);
    if (seg.size() == 2 && seg.get(0).equals("static") && get) {
      asset(ex, seg.get(1));
      return;
    }
    if (seg.size() == 1 && seg.get(0).equals("login")) {
      if (get) {
        loginForm(ex, base, HttpIo.params(ex.getRequestURI().getRawQuery()).get("next"), null, 200);
      } else if (method.equals("POST")) {
        login(ex, base);
      } else {
        methodNotAllowed(ex, base);
      }
      return;
    }
    if (seg.size() >= 2 && seg.get(0).equals("x") && routeExtension(ex, base, seg, null, get)) {
      return;
    }
    Sessions.Session session = session(ex);
    if (seg.size() == 1 && seg.get(0).equals("logout") && method.equals("POST")) {
      Map<String, String> form = HttpIo.params(new String(HttpIo.body(ex), StandardCharsets.UTF_8));
      if (session != null && session.csrfMatches(form.get("csrf"))) {
        sessions.close(session.id());
      }
      ex.getResponseHeaders().add("Set-Cookie", COOKIE + "=; Path=" + cookiePath(base) + "; Max-Age=0; HttpOnly; SameSite=Strict");
      HttpIo.redirect(ex, base + "/login");
      return;
    }
    if (session == null) {
      if (get) {
        String next = ex.getRequestURI().getRawPath();
        HttpIo.redirect(ex, base + "/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
      } else {
        HttpIo.sendHtml(ex, 401, page(base, "Sign in", null, null, message("Please sign in again",
            "Your session has ended or you are not signed in, so nothing was counted.", base + "/login")));
      }
      return;
    }
    if (seg.size() >= 2 && seg.get(0).equals("x")) {
      extensionPage(ex, base, seg, session);
    } else if (seg.size() == 1 && (seg.get(0).equals("halt") || seg.get(0).equals("resume")) && stop != null) {
      if (get) {
        if (seg.get(0).equals("halt")) {
          haltForm(ex, base, session, null, null, 200);
        } else {
          resumeForm(ex, base, session, null, null, 200);
        }
      } else if (method.equals("POST")) {
        if (seg.get(0).equals("halt")) {
          halt(ex, base, session);
        } else {
          resume(ex, base, session);
        }
      } else {
        methodNotAllowed(ex, base);
      }
    } else if (seg.isEmpty()) {
      if (get) {
        list(ex, base, session);
      } else {
        methodNotAllowed(ex, base);
      }
    } else if (seg.size() == 2 && seg.get(0).equals("requests")) {
      if (get) {
        String id = HttpIo.decodeSegment(seg.get(1));
        Optional<ApprovalStatus> status = queue.find(id);
        if (status.isEmpty()) {
          notFound(ex, base, session);
        } else {
          HttpIo.sendHtml(ex, 200, detail(base, session, status.get(), null, null,
              pageRequest(ex, base, session, ex.getRequestURI().getRawPath(), Map.of())));
        }
      } else {
        methodNotAllowed(ex, base);
      }
    } else if (seg.size() == 3 && seg.get(0).equals("requests") && seg.get(2).equals("vote")) {
      if (method.equals("POST")) {
        vote(ex, base, session, HttpIo.decodeSegment(seg.get(1)));
      } else {
        methodNotAllowed(ex, base);
      }
    } else {
      notFound(ex, base, session);
    }
  }

  // ---------------------------------------------------------------- authentication

  private Sessions.Session session(HttpExchange ex) {
    Sessions.Session s = sessions.find(HttpIo.cookie(ex, COOKIE));
    if (s != null) {
      return s;
    }
    // behind an authenticating proxy (OIDC) the request itself carries the identity
    Reviewer reviewer = authenticate(HttpIo.authRequest(ex));
    if (reviewer == null) {
      return null;
    }
    Sessions.Session opened = sessions.open(reviewer);
    setSessionCookie(ex, opened);
    return opened;
  }

  private Reviewer authenticate(AuthenticationRequest request) {
    try {
      return authenticator.authenticate(request);
    } catch (Exception e) {
      LOG.warn("Authenticator {} failed ({}); treating the reviewer as not signed in",
          authenticator.getClass().getSimpleName(), e.getClass().getName());
      return null;
    }
  }

  private void login(HttpExchange ex, String base) throws IOException {
    Map<String, String> form = HttpIo.params(new String(HttpIo.body(ex), StandardCharsets.UTF_8));
    String token = form.getOrDefault("token", "").strip();
    String next = safeNext(base, form.get("next"));
    Reviewer reviewer = null;
    if (!token.isEmpty()) {
      Map<String, List<String>> headers = new LinkedHashMap<>(HttpIo.authRequest(ex).headers());
      headers.put("authorization", List.of("Bearer " + token));
      AuthenticationRequest req = new AuthenticationRequest(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), headers,
          ex.getRemoteAddress() == null || ex.getRemoteAddress().getAddress() == null ? null
              : ex.getRemoteAddress().getAddress().getHostAddress());
      reviewer = authenticate(req);
    }
    if (reviewer == null) {
      LOG.info("Reviewer page sign-in refused from {}", ex.getRemoteAddress());
      loginForm(ex, base, next, "That token was not accepted. Check it and try again.", 401);
      return;
    }
    Sessions.Session s = sessions.open(reviewer);
    setSessionCookie(ex, s);
    LOG.info("Reviewer {} signed in to the reviewer page", reviewer.id());
    HttpIo.redirect(ex, next != null ? next : base + "/");
  }

  private void setSessionCookie(HttpExchange ex, Sessions.Session s) {
    String base = HttpIo.contextPath(ex);
    ex.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + s.id() + "; Path=" + cookiePath(base)
        + "; Max-Age=" + sessions.ttl().getSeconds() + "; HttpOnly; SameSite=Strict"
        + (ex instanceof HttpsExchange ? "; Secure" : ""));
  }

  private static String cookiePath(String base) {
    return base.isEmpty() ? "/" : base;
  }

  /** Only a path inside this page may be a post-login target (no open redirect). */
  private static String safeNext(String base, String next) {
    if (next == null || next.isEmpty() || !next.startsWith(base + "/") || next.startsWith("//") || next.contains("\\")
        || next.contains("://") || next.startsWith(base + "/login")) {
      return null;
    }
    return next;
  }

  private void loginForm(HttpExchange ex, String base, String next, String error, int status) throws IOException {
    String safe = safeNext(base, next);
    StringBuilder b = new StringBuilder();
    b.append("<section class=\"card narrow\"><h1>Sign in to review</h1>")
        .append("<p class=\"muted\">Paste the reviewer token you were given. It identifies you; votes are recorded under your name.</p>");
    if (error != null) {
      b.append("<p class=\"alert\" role=\"alert\">").append(esc(error)).append("</p>");
    }
    b.append("<form method=\"post\" action=\"").append(esc(base)).append("/login\" class=\"stack\">")
        .append("<label for=\"token\">Reviewer token</label>")
        .append("<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required autofocus>");
    if (safe != null) {
      b.append("<input type=\"hidden\" name=\"next\" value=\"").append(esc(safe)).append("\">");
    }
    b.append("<button class=\"btn primary\" id=\"sign-in\" type=\"submit\">Sign in</button></form></section>");
    HttpIo.sendHtml(ex, status, page(base, "Sign in", null, null, b.toString()));
  }

  // ---------------------------------------------------------------- pages

  private void list(HttpExchange ex, String base, Sessions.Session session) throws IOException {
    int page = 1;
    String raw = HttpIo.params(ex.getRequestURI().getRawQuery()).get("page");
    if (raw != null) {
      try {
        page = Math.max(1, Integer.parseInt(raw));
      } catch (NumberFormatException e) {
        page = 1;
      }
    }
    List<ApprovalStatus> pending = queue.pending();
    int pages = Math.max(1, (pending.size() + pageSize - 1) / pageSize);
    page = Math.min(page, pages);
    List<ApprovalStatus> shown = pending.subList((page - 1) * pageSize, Math.min(pending.size(), page * pageSize));
    Instant now = time.now();
    StringBuilder b = new StringBuilder();
    b.append("<div class=\"page-head\"><h1>Pending requests</h1><span class=\"count\">")
        .append(pending.size()).append(pending.size() == 1 ? " waiting" : " waiting").append("</span></div>");
    if (pending.isEmpty()) {
      b.append("<section class=\"card empty\"><p>Nothing is waiting for a decision.</p></section>");
    }
    if (stop != null && stop.status().isEmpty() && stop.mayControl(session.reviewer())) {
      b.append("<section class=\"card stop\" id=\"emergency-stop\"><div><h2>Emergency stop</h2><p class=\"small muted\">")
          .append("Denies every pending request and every new guarded call at once, until other controllers approve a resume.")
          .append("</p></div><a class=\"btn deny\" id=\"stop-all\" href=\"").append(esc(base))
          .append("/halt\">Stop all guarded actions</a></section>");
    }
    b.append("<ul class=\"requests\">");
    for (ApprovalStatus s : shown) {
      ApprovalRequest r = s.request();
      b.append("<li class=\"card request-item\"><a class=\"request-link\" href=\"").append(esc(detailPath(base, r.id()))).append("\">")
          .append("<span class=\"action\">").append(esc(r.action())).append("</span>")
          .append("<span class=\"meta\">").append(esc(requester(r))).append("</span>");
      if (r.justification() != null) {
        b.append("<span class=\"why\">").append(esc(Texts.abbreviate(r.justification(), 160))).append("</span>");
      }
      b.append("<span class=\"chips\"><span class=\"chip\">").append(s.approvals()).append(" of ").append(s.quorum())
          .append(" approvals</span>").append(countdown(r.deadline(), now, "chip time")).append("</span></a></li>");
    }
    b.append("</ul>");
    if (pages > 1) {
      b.append("<nav class=\"pager\">");
      if (page > 1) {
        b.append("<a href=\"").append(esc(base)).append("/?page=").append(page - 1).append("\">\u2190 Newer</a>");
      }
      b.append("<span>Page ").append(page).append(" of ").append(pages).append("</span>");
      if (page < pages) {
        b.append("<a href=\"").append(esc(base)).append("/?page=").append(page + 1).append("\">Older \u2192</a>");
      }
      b.append("</nav>");
    }
    HttpIo.sendHtml(ex, 200, page(base, "Pending requests", session.reviewer().id(), session.csrfToken(), b.toString()));
  }

  private String detail(String base, Sessions.Session session, ApprovalStatus s, String error, String reasonDraft,
      PageRequest request) {
    ApprovalRequest r = s.request();
    Instant now = time.now();
    StringBuilder b = new StringBuilder();
    b.append("<nav class=\"crumbs\"><a href=\"").append(esc(base)).append("/\">\u2190 Pending requests</a></nav>");
    b.append("<section class=\"hero\"><div class=\"hero-main\">").append(stateBadge(s.state()))
        .append("<h1 id=\"action\">").append(esc(r.action())).append("</h1>")
        .append("<p class=\"mono muted\">").append(esc(r.method())).append("</p></div>");
    if (s.state() == RequestState.PENDING) {
      b.append("<div class=\"deadline\"><span class=\"label\">Decide within</span>")
          .append(countdown(r.deadline(), now, "big"))
          .append("<span class=\"muted small\">by ").append(esc(WHEN.format(r.deadline()))).append("</span></div>");
    }
    b.append("</section>");
    if (error != null) {
      b.append("<p class=\"alert\" role=\"alert\" id=\"error\">").append(esc(error)).append("</p>");
    }
    if (s.state().isTerminal()) {
      b.append("<section class=\"card outcome outcome-").append(s.state().name().toLowerCase()).append("\" id=\"outcome\"><h2>")
          .append(esc(outcomeTitle(s.state()))).append("</h2><p>").append(esc(s.outcomeReason())).append("</p>");
      if (s.decidedAt() != null) {
        b.append("<p class=\"muted small\">Decided ").append(esc(WHEN.format(s.decidedAt()))).append("</p>");
      }
      b.append("</section>");
    }
    b.append("<div class=\"grid\">");
    // who and why
    b.append("<section class=\"card\"><h2>Who and why</h2><dl class=\"facts\">")
        .append(fact("Requested by", r.actor().id() + " (" + r.actor().kind().name().toLowerCase() + ")", "requester"))
        .append(fact("On behalf of", r.actor().onBehalfOf() == null ? "\u2014" : r.actor().onBehalfOf(), "on-behalf-of"))
        .append(fact("Justification", r.justification() == null ? "\u2014 none given" : r.justification(), "justification"))
        .append(fact("Opened", WHEN.format(r.createdAt()), null))
        .append(fact("Request id", r.id(), "request-id"));
    if (r.traceId() != null) {
      b.append(fact("Trace id", r.traceId(), null));
    }
    b.append("</dl></section>");
    // progress
    int pct = (int) Math.min(100, Math.round(100.0 * s.approvals() / Math.max(1, s.quorum())));
    b.append("<section class=\"card\"><h2>Approvals</h2><p class=\"progress-text\" id=\"progress\"><strong>")
        .append(s.approvals()).append(" of ").append(s.quorum()).append("</strong> approvals needed</p>")
        .append("<div class=\"bar\"><span class=\"w").append(pct / 10 * 10).append("\"></span></div>")
        .append("<p class=\"small muted\">Eligible: ");
    List<String> approvers = r.requirement().approvers();
    for (String a : approvers) {
      b.append("<span class=\"chip\">").append(esc(a)).append("</span> ");
    }
    b.append("</p><p class=\"small muted\">Approvals ").append(r.requirement().reasonRequired() ? "need a reason" : "need no reason")
        .append("; a deny always needs one. The requester and whoever it acts for cannot vote.</p>");
    if (s.votes().isEmpty()) {
      b.append("<p class=\"muted\" id=\"votes\">No votes yet.</p>");
    } else {
      b.append("<ul class=\"votes\" id=\"votes\">");
      for (VoteRecord v : s.votes()) {
        b.append("<li><span class=\"vote-").append(v.decision() == Decision.APPROVE ? "approve" : "deny").append("\">")
            .append(v.decision() == Decision.APPROVE ? "Approved" : "Denied").append("</span> by <strong>")
            .append(esc(v.reviewerId())).append("</strong> <span class=\"muted small\">via ").append(esc(v.channel()))
            .append(", ").append(esc(WHEN.format(v.time()))).append("</span>");
        if (v.reason() != null) {
          b.append("<q>").append(esc(v.reason())).append("</q>");
        }
        b.append("</li>");
      }
      b.append("</ul>");
    }
    b.append("</section>");
    // arguments
    b.append("<section class=\"card span2\"><h2>Arguments</h2>");
    if (r.arguments().isEmpty()) {
      b.append("<p class=\"muted\">No arguments.</p>");
    } else {
      b.append("<table class=\"args\" id=\"arguments\"><thead><tr><th>Name</th><th>Type</th><th>Value</th></tr></thead><tbody>");
      for (Argument a : r.arguments()) {
        b.append("<tr><td data-label=\"Name\" class=\"mono\">").append(esc(a.name())).append("</td><td data-label=\"Type\" class=\"mono muted\">")
            .append(esc(a.type())).append("</td><td data-label=\"Value\" class=\"value\">");
        if (a.sensitive()) {
          b.append("<span class=\"redacted\">redacted</span>");
        } else {
          b.append("<code>").append(esc(a.value())).append("</code>");
        }
        b.append("</td></tr>");
      }
      b.append("</tbody></table>");
    }
    b.append("<p class=\"small muted digest-line\">Arguments digest (SHA-256); the approval is bound to it: <code class=\"digest\" id=\"digest\">")
        .append(esc(r.argsDigest())).append("</code></p></section>");
    // policy
    b.append("<section class=\"card\"><h2>Policy</h2><dl class=\"facts\">");
    if (r.policy() != null) {
      b.append(fact("Policy", r.policy().id() + (r.policy().version() == null ? "" : " v" + r.policy().version()), "policy"));
      if (r.policy().ruleName() != null) {
        b.append(fact("Rule", r.policy().ruleName(), null));
      }
    }
    b.append(fact("Timeout", r.requirement().timeout().toString().substring(2).toLowerCase(), null));
    if (r.policy() != null && r.policy().digest() != null) {
      b.append("<dt>Digest</dt><dd><code class=\"digest\">").append(esc(r.policy().digest())).append("</code></dd>");
    }
    b.append("</dl></section>");
    // decision
    b.append("<section class=\"card decide\"><h2>Your decision</h2>");
    if (s.state() == RequestState.PENDING) {
      b.append("<p class=\"small muted\">Signed in as <strong>").append(esc(session.reviewer().id())).append("</strong>.</p>");
      for (PageExtension e : extensions) {
        b.append(e.decisionHtml(request, s));
      }
      b.append("<form method=\"post\" class=\"stack\" id=\"vote-form\" action=\"").append(esc(detailPath(base, r.id()))).append("/vote\">")
          .append("<input type=\"hidden\" name=\"csrf\" value=\"").append(esc(session.csrfToken())).append("\">")
          .append("<label for=\"reason\">Reason <span class=\"muted small\">(required to deny")
          .append(r.requirement().reasonRequired() ? " and to approve" : "").append(")</span></label>")
          .append("<textarea id=\"reason\" name=\"reason\" rows=\"3\" maxlength=\"").append(ApiHandler.MAX_REASON_LENGTH).append("\">")
          .append(esc(reasonDraft)).append("</textarea>")
          .append("<div class=\"buttons\"><button class=\"btn approve\" id=\"approve\" type=\"submit\" name=\"decision\" value=\"APPROVE\">Approve</button>")
          .append("<button class=\"btn deny\" id=\"deny\" type=\"submit\" name=\"decision\" value=\"DENY\">Deny</button></div></form>");
    } else {
      b.append("<p class=\"muted\">This request is closed; no more votes are taken.</p>");
    }
    b.append("</section></div>");
    return page(base, r.action(), session.reviewer().id(), session.csrfToken(), b.toString());
  }

  private void vote(HttpExchange ex, String base, Sessions.Session session, String id) throws IOException {
    Map<String, String> form = HttpIo.params(new String(HttpIo.body(ex), StandardCharsets.UTF_8));
    if (!session.csrfMatches(form.get("csrf"))) {
      LOG.warn("Reviewer page vote refused: missing or wrong CSRF token (reviewer={}, request={})", session.reviewer().id(), id);
      HttpIo.sendHtml(ex, 403, page(base, "Refused", session.reviewer().id(), session.csrfToken(),
          message("Vote refused", "The form's security token was missing or wrong, so nothing was counted. "
              + "Open the request again and use its buttons.", detailPath(base, id))));
      return;
    }
    Optional<ApprovalStatus> status = queue.find(id);
    if (status.isEmpty()) {
      notFound(ex, base, session);
      return;
    }
    String d = form.get("decision");
    Decision decision = "APPROVE".equals(d) ? Decision.APPROVE : "DENY".equals(d) ? Decision.DENY : null;
    String reason = form.getOrDefault("reason", "").strip();
    if (reason.isEmpty()) {
      reason = null;
    }
    String problem = decision == null ? "Choose Approve or Deny." : VoteForms.reasonProblem(decision, reason);
    if (problem != null) {
      HttpIo.sendHtml(ex, 400, detail(base, session, status.get(), capitalize(problem), reason,
          pageRequest(ex, base, session, ex.getRequestURI().getRawPath(), form)));
      return;
    }
    Vote vote = new Vote(session.reviewer(), decision, reason, ApiHandler.CHANNEL);
    PageRequest request = pageRequest(ex, base, session, ex.getRequestURI().getRawPath(), form);
    try {
      for (PageExtension e : extensions) {
        vote = java.util.Objects.requireNonNull(e.beforeVote(request, status.get(), vote),
            () -> "PageExtension " + e.name() + " returned no vote");
      }
    } catch (PageVoteRefusedException refused) {
      LOG.info("Reviewer page vote refused before the gate: request={} reviewer={} decision={} status={}", id,
          session.reviewer().id(), decision, refused.status());
      HttpIo.sendHtml(ex, refused.status(), detail(base, session, status.get(), refused.getMessage(), reason, request));
      return;
    }
    VoteResult result = queue.vote(id, vote);
    LOG.info("Reviewer page vote: request={} reviewer={} decision={} counted={} refusal={}", id, session.reviewer().id(),
        decision, result.counted(), result.refusal());
    ApprovalStatus after = queue.find(id).orElse(status.get());
    int code = result.counted() ? 200 : Refusals.httpStatus(result.refusal());
    HttpIo.sendHtml(ex, code, resultPage(base, session, after, result, decision));
  }

  private String resultPage(String base, Sessions.Session session, ApprovalStatus s, VoteResult result, Decision decision) {
    RequestState state = result.state() != null ? result.state() : s.state();
    String title;
    String text;
    String css;
    if (!result.counted()) {
      title = "Your vote was not counted";
      text = result.message();
      css = "refused";
    } else if (state == RequestState.APPROVED) {
      title = "Approved";
      text = "The quorum is reached: the action runs now. " + result.message();
      css = "approved";
    } else if (state == RequestState.REJECTED) {
      title = "Denied";
      text = "The action will not run. " + result.message();
      css = "rejected";
    } else if (state == RequestState.PENDING) {
      title = decision == Decision.APPROVE ? "Approval counted" : "Vote counted";
      text = result.message() + " The request waits for more approvals.";
      css = "pending";
    } else {
      title = outcomeTitle(state);
      text = result.message();
      css = state.name().toLowerCase();
    }
    StringBuilder b = new StringBuilder();
    b.append("<section class=\"card result result-").append(css).append("\" id=\"result\" data-state=\"").append(state.name())
        .append("\"><h1>").append(esc(title)).append("</h1><p class=\"lead\">").append(esc(s.request().action())).append("</p><p>")
        .append(esc(text)).append("</p><p class=\"links\"><a href=\"").append(esc(detailPath(base, s.request().id())))
        .append("\">View the request</a> <a href=\"").append(esc(base)).append("/\">Back to pending requests</a></p></section>");
    return page(base, title, session.reviewer().id(), session.csrfToken(), b.toString());
  }

  // ---------------------------------------------------------------- emergency stop

  /** The banner every page shows while halted: details for signed-in reviewers only. */
  private String haltBanner(String base, String signedInAs) {
    if (stop == null) {
      return "";
    }
    Optional<io.countersign.HaltStatus> halt = stop.status();
    if (halt.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("<div class=\"halt-banner\" id=\"halt-banner\" role=\"alert\"><strong>Guarded actions are halted.</strong> ");
    if (signedInAs == null) {
      b.append("An emergency stop is in force; sign in for details.");
    } else {
      io.countersign.HaltStatus h = halt.get();
      b.append("Emergency stop by <b id=\"halted-by\">").append(esc(h.by())).append("</b> at ").append(esc(WHEN.format(h.since())))
          .append(": <q id=\"halt-reason\">").append(esc(h.reason())).append("</q> Every guarded call is denied until a resume is approved. ")
          .append("<a href=\"").append(esc(base)).append("/resume\">Ask to resume</a>");
    }
    return b.append("</div>").toString();
  }

  private void haltForm(HttpExchange ex, String base, Sessions.Session session, String error, String reasonDraft, int status)
      throws IOException {
    StringBuilder b = new StringBuilder("<section class=\"card narrow stop-form\"><h1>Stop all guarded actions</h1>");
    if (stop.status().isPresent()) {
      b.append("<p>Guarded actions are already halted. To lift the stop, <a href=\"").append(esc(base))
          .append("/resume\">ask to resume</a>.</p></section>");
      HttpIo.sendHtml(ex, status, page(base, "Emergency stop", session.reviewer().id(), session.csrfToken(), b.toString()));
      return;
    }
    b.append("<p>Every pending request is denied at once and every new guarded call is refused, until other controllers ")
        .append("approve a resume. The stop is recorded in the audit trail under your name, <strong>")
        .append(esc(session.reviewer().id())).append("</strong>.</p>");
    reasonForm(b, base, session, "halt", error, reasonDraft, "btn deny", "halt-continue", "Continue");
    b.append("</section>");
    HttpIo.sendHtml(ex, status, page(base, "Emergency stop", session.reviewer().id(), session.csrfToken(), b.toString()));
  }

  /**
   * The emergency-stop form of {@code action} ("halt" or "resume"): an optional error, a required
   * reason (kept after an error), the CSRF token, and submit/cancel buttons.
   */
  private void reasonForm(StringBuilder b, String base, Sessions.Session session, String action, String error,
      String reasonDraft, String buttonClass, String buttonId, String buttonLabel) {
    if (error != null) {
      b.append("<p class=\"alert\" role=\"alert\" id=\"error\">").append(esc(error)).append("</p>");
    }
    b.append("<form method=\"post\" class=\"stack\" id=\"").append(action).append("-form\" action=\"").append(esc(base))
        .append("/").append(action).append("\">")
        .append(csrfField(session))
        .append("<label for=\"reason\">Reason <span class=\"muted small\">(required)</span></label>")
        .append("<textarea id=\"reason\" name=\"reason\" rows=\"3\" required maxlength=\"").append(ApiHandler.MAX_REASON_LENGTH)
        .append("\">").append(esc(reasonDraft)).append("</textarea>")
        .append("<div class=\"buttons\"><button class=\"").append(buttonClass).append("\" id=\"").append(buttonId)
        .append("\" type=\"submit\">").append(buttonLabel).append("</button>")
        .append("<a class=\"cancel\" href=\"").append(esc(base)).append("/\">Cancel</a></div></form>");
  }

  /** Two steps: a reason, then a confirmation page whose form carries {@code confirm=yes}; only that halts. */
  private void halt(HttpExchange ex, String base, Sessions.Session session) throws IOException {
    Map<String, String> form = HttpIo.params(new String(HttpIo.body(ex), StandardCharsets.UTF_8));
    if (!csrfOk(ex, base, session, form, "Emergency stop refused")) {
      return;
    }
    String reason = form.getOrDefault("reason", "").strip();
    String problem = EmergencyStopActions.reasonProblem("halt", reason);
    if (problem != null) {
      haltForm(ex, base, session, capitalize(problem), reason, 400);
      return;
    }
    if (!"yes".equals(form.get("confirm"))) {
      int waiting = queue.pending().size();
      String b = "<section class=\"card narrow stop-form\" id=\"halt-confirm\"><h1>Stop all guarded actions now?</h1><p>"
          + waiting + (waiting == 1 ? " pending request" : " pending requests") + " will be denied, and every new guarded call "
          + "refused, until other controllers approve a resume.</p><p>Reason: <q>" + esc(reason) + "</q></p>"
          + "<form method=\"post\" class=\"stack\" action=\"" + esc(base) + "/halt\">" + csrfField(session)
          + "<input type=\"hidden\" name=\"reason\" value=\"" + esc(reason) + "\">"
          + "<input type=\"hidden\" name=\"confirm\" value=\"yes\">"
          + "<div class=\"buttons\"><button class=\"btn deny\" id=\"halt-confirm-button\" type=\"submit\">Yes, stop all guarded actions</button>"
          + "<a class=\"cancel\" href=\"" + esc(base) + "/\">Cancel</a></div></form></section>";
      HttpIo.sendHtml(ex, 200, page(base, "Confirm emergency stop", session.reviewer().id(), session.csrfToken(), b));
      return;
    }
    EmergencyStopActions.Outcome outcome = stop.halt(session.reviewer(), reason);
    LOG.info("Reviewer page halt by {}: status {}", session.reviewer().id(), outcome.status());
    stopResult(ex, base, session, outcome, outcome.ok() ? "Guarded actions are halted" : "Not halted", null);
  }

  private void resumeForm(HttpExchange ex, String base, Sessions.Session session, String error, String reasonDraft, int status)
      throws IOException {
    StringBuilder b = new StringBuilder("<section class=\"card narrow stop-form\"><h1>Resume guarded actions</h1>");
    if (stop.status().isEmpty()) {
      b.append("<p>Guarded actions are not halted; there is nothing to resume.</p><p><a href=\"").append(esc(base))
          .append("/\">Continue</a></p></section>");
    } else if (!stop.mayControl(session.reviewer())) {
      b.append("<p>Only the emergency stop controllers (").append(esc(String.join(", ", stop.rule().orElseThrow().approvers())))
          .append(") may ask to resume.</p></section>");
    } else {
      b.append("<p>This opens a resume request that other controllers must approve (not you). Guarded actions stay halted until then.</p>");
      reasonForm(b, base, session, "resume", error, reasonDraft, "btn primary", "resume-submit", "Ask to resume");
      b.append("</section>");
    }
    HttpIo.sendHtml(ex, status, page(base, "Resume", session.reviewer().id(), session.csrfToken(), b.toString()));
  }

  private void resume(HttpExchange ex, String base, Sessions.Session session) throws IOException {
    Map<String, String> form = HttpIo.params(new String(HttpIo.body(ex), StandardCharsets.UTF_8));
    if (!csrfOk(ex, base, session, form, "Resume refused")) {
      return;
    }
    String reason = form.getOrDefault("reason", "").strip();
    String problem = EmergencyStopActions.reasonProblem("resume", reason);
    if (problem != null) {
      resumeForm(ex, base, session, capitalize(problem), reason, 400);
      return;
    }
    EmergencyStopActions.Outcome outcome = stop.resume(session.reviewer(), reason);
    LOG.info("Reviewer page resume request by {}: status {}", session.reviewer().id(), outcome.status());
    stopResult(ex, base, session, outcome, outcome.ok() ? "Resume requested" : "Resume not requested",
        outcome.resumeRequestId() == null ? null : detailPath(base, outcome.resumeRequestId()));
  }

  private void stopResult(HttpExchange ex, String base, Sessions.Session session, EmergencyStopActions.Outcome outcome, String title,
      String link) throws IOException {
    String css = outcome.ok() ? "rejected" : "refused";
    String b = "<section class=\"card result result-" + css + "\" id=\"result\" data-status=\"" + outcome.status() + "\"><h1>"
        + esc(title) + "</h1><p>" + esc(outcome.message()) + "</p><p class=\"links\">"
        + (link == null ? "" : "<a href=\"" + esc(link) + "\" id=\"resume-request\">View the resume request</a> ")
        + "<a href=\"" + esc(base) + "/\">Back to pending requests</a></p></section>";
    HttpIo.sendHtml(ex, outcome.status(), page(base, title, session.reviewer().id(), session.csrfToken(), b));
  }

  private boolean csrfOk(HttpExchange ex, String base, Sessions.Session session, Map<String, String> form, String title)
      throws IOException {
    if (session.csrfMatches(form.get("csrf"))) {
      return true;
    }
    LOG.warn("Reviewer page emergency stop form refused: missing or wrong CSRF token (reviewer={})", session.reviewer().id());
    HttpIo.sendHtml(ex, 403, page(base, "Refused", session.reviewer().id(), session.csrfToken(),
        message(title, "The form's security token was missing or wrong, so nothing was done. Open the page again.", base + "/")));
    return false;
  }

  private static String csrfField(Sessions.Session session) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(session.csrfToken()) + "\">";
  }

  // ---------------------------------------------------------------- helpers

  private void notFound(HttpExchange ex, String base, Sessions.Session session) throws IOException {
    HttpIo.sendHtml(ex, 404, page(base, "Not found", session == null ? null : session.reviewer().id(),
        session == null ? null : session.csrfToken(),
        message("Not found", "There is no such request (it may have been decided long ago).", base + "/")));
  }

  private void methodNotAllowed(HttpExchange ex, String base) throws IOException {
    HttpIo.sendHtml(ex, 405, page(base, "Not allowed", null, null, message("Not allowed", "This page does not accept that method.", base + "/")));
  }

  private static String message(String title, String text, String link) {
    return "<section class=\"card narrow\"><h1>" + esc(title) + "</h1><p>" + esc(text) + "</p>"
        + (link == null ? "" : "<p><a href=\"" + esc(link) + "\">Continue</a></p>") + "</section>";
  }

  private static String detailPath(String base, String id) {
    return base + "/requests/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String requester(ApprovalRequest r) {
    return r.actor().onBehalfOf() == null ? "by " + r.actor().id()
        : "by " + r.actor().id() + " for " + r.actor().onBehalfOf();
  }

  private static String fact(String label, String value, String id) {
    return "<dt>" + esc(label) + "</dt><dd" + (id == null ? "" : " id=\"" + id + "\"") + ">" + esc(value) + "</dd>";
  }

  private static String countdown(Instant deadline, Instant now, String css) {
    Duration left = Duration.between(now, deadline);
    long ms = Math.max(0, left.toMillis());
    return "<span class=\"countdown " + css + "\" data-remaining-ms=\"" + ms + "\">" + esc(Texts.remaining(left)) + "</span>";
  }

  private static String stateBadge(RequestState state) {
    return "<span class=\"badge state-" + state.name().toLowerCase() + "\" id=\"state\">" + esc(outcomeTitle(state)) + "</span>";
  }

  private static String outcomeTitle(RequestState state) {
    return switch (state) {
      case PENDING -> "Pending";
      case APPROVED -> "Approved";
      case REJECTED -> "Denied";
      case EXPIRED -> "Expired";
      case CANCELLED -> "Cancelled";
      case FAILED -> "Failed";
      case ABANDONED -> "Abandoned";
      // a state this version does not know is shown by name, never as pending or approved
      default -> state.name().charAt(0) + state.name().substring(1).toLowerCase();
    };
  }

  private static String capitalize(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private void asset(HttpExchange ex, String name) throws IOException {
    String type = switch (name) {
      case "style.css" -> "text/css; charset=utf-8";
      case "countdown.js" -> "text/javascript; charset=utf-8";
      default -> null;
    };
    if (type == null) {
      HttpIo.sendHtml(ex, 404, page(HttpIo.contextPath(ex), "Not found", null, null, message("Not found", "No such file.", null)));
      return;
    }
    try (InputStream in = PageHandler.class.getResourceAsStream("/io/countersign/http/static/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing page asset " + name + " on the classpath");
      }
      HttpIo.sendAsset(ex, type, in.readAllBytes());
    }
  }
}

package io.countersign.http.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.countersign.ApprovalStatus;
import io.countersign.Decision;
import io.countersign.Reviewer;
import io.countersign.Vote;
import io.countersign.VoteResult;
import io.countersign.http.Authenticator;
import io.countersign.http.ReviewQueue;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON API: {@code GET /approvals?status=pending}, {@code GET /approvals/{id}},
 * {@code POST /approvals/{id}/votes}. Every request is authenticated by the {@link Authenticator}
 * (never by a cookie, so the API needs no CSRF defence); the voter is always the authenticated
 * caller; the gate decides whether a vote counts and this handler only maps its answer to a status.
 */
public final class ApiHandler implements HttpHandler {

  /** The channel name recorded with votes cast through the API and the page. */
  public static final String CHANNEL = "http";
  /** The longest reason accepted, in characters. */
  public static final int MAX_REASON_LENGTH = 2_000;

  private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
  private static final Set<String> VOTE_FIELDS = Set.of("decision", "reason");

  private final ReviewQueue queue;
  private final Authenticator authenticator;
  private final int defaultPageSize;
  private final int maxPageSize;

  public ApiHandler(ReviewQueue queue, Authenticator authenticator, int defaultPageSize, int maxPageSize) {
    this.queue = queue;
    this.authenticator = authenticator;
    this.defaultPageSize = defaultPageSize;
    this.maxPageSize = maxPageSize;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    try {
      route(ex);
    } catch (HttpIo.BodyTooLargeException e) {
      error(ex, 413, "PAYLOAD_TOO_LARGE", "body", "The request body must not exceed " + HttpIo.MAX_BODY_BYTES + " bytes.");
    } catch (RuntimeException e) {
      LOG.error("HTTP approval API failed on {} {}", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e);
      error(ex, 500, "INTERNAL_ERROR", null, "The server could not handle the request; nothing was counted.");
    } finally {
      ex.close();
    }
  }

  private void route(HttpExchange ex) throws IOException {
    String rel = HttpIo.relativePath(ex);
    if (rel == null) {
      error(ex, 404, "NOT_FOUND", null, "No such resource.");
      return;
    }
    Reviewer caller = authenticate(authenticator, ex);
    if (caller == null) {
      unauthenticated(ex);
      return;
    }
    List<String> seg = HttpIo.segments(rel);
    String method = ex.getRequestMethod();
    if (seg.isEmpty()) {
      if (allow(ex, method, "GET")) {
        list(ex);
      }
    } else if (seg.size() == 1) {
      if (allow(ex, method, "GET")) {
        get(ex, HttpIo.decodeSegment(seg.get(0)));
      }
    } else if (seg.size() == 2 && seg.get(1).equals("votes")) {
      if (allow(ex, method, "POST")) {
        vote(ex, HttpIo.decodeSegment(seg.get(0)), caller);
      }
    } else {
      error(ex, 404, "NOT_FOUND", null, "No such resource.");
    }
  }

  /** Answers 401 with the bearer challenge. */
  static void unauthenticated(HttpExchange ex) throws IOException {
    ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"countersign\"");
    error(ex, 401, "UNAUTHENTICATED", null, "Send 'Authorization: Bearer <token>' with a valid reviewer token.");
  }

  /** The reviewer the authenticator vouches for, or {@code null} (also when it throws: fail closed). */
  static Reviewer authenticate(Authenticator authenticator, HttpExchange ex) {
    try {
      return authenticator.authenticate(HttpIo.authRequest(ex));
    } catch (Exception e) {
      // fail closed; the exception message may quote credentials, so only its type is logged
      LOG.warn("Authenticator {} failed ({}); treating the caller as unauthenticated",
          authenticator.getClass().getSimpleName(), e.getClass().getName());
      return null;
    }
  }

  /** Whether {@code method} is {@code allowed} (HEAD counts as GET); otherwise answers 405. */
  static boolean allow(HttpExchange ex, String method, String allowed) throws IOException {
    if (method.equals(allowed) || (allowed.equals("GET") && method.equals("HEAD"))) {
      return true;
    }
    ex.getResponseHeaders().set("Allow", allowed.equals("GET") ? "GET, HEAD" : allowed);
    error(ex, 405, "METHOD_NOT_ALLOWED", null, method + " is not allowed here; use " + allowed + ".");
    return false;
  }

  private void list(HttpExchange ex) throws IOException {
    Map<String, String> q = HttpIo.params(ex.getRequestURI().getRawQuery());
    String status = q.getOrDefault("status", "pending");
    if (!status.equalsIgnoreCase("pending")) {
      error(ex, 400, "BAD_REQUEST", "status", "status must be 'pending' but was '" + Texts.abbreviate(status, 40) + "'.");
      return;
    }
    Integer page = intParam(ex, q, "page", 1, 1, Integer.MAX_VALUE);
    if (page == null) {
      return;
    }
    Integer size = intParam(ex, q, "size", defaultPageSize, 1, maxPageSize);
    if (size == null) {
      return;
    }
    List<ApprovalStatus> pending = queue.pending();
    long from = (long) (page - 1) * size;
    ObjectNode body = StatusJson.MAPPER.createObjectNode();
    ArrayNode items = body.putArray("items");
    for (long i = from; i < Math.min(pending.size(), from + size); i++) {
      items.add(StatusJson.of(pending.get((int) i)));
    }
    body.put("page", page);
    body.put("size", size);
    body.put("total", pending.size());
    if (from + size < pending.size()) {
      body.put("next", HttpIo.contextPath(ex) + "?status=pending&page=" + (page + 1) + "&size=" + size);
    } else {
      body.putNull("next");
    }
    HttpIo.sendJson(ex, 200, body);
  }

  private Integer intParam(HttpExchange ex, Map<String, String> q, String name, int dflt, int min, int max) throws IOException {
    String raw = q.get(name);
    if (raw == null) {
      return dflt;
    }
    try {
      int v = Integer.parseInt(raw);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    error(ex, 400, "BAD_REQUEST", name, name + " must be an integer from " + min
        + (max == Integer.MAX_VALUE ? " up" : " to " + max) + " but was '" + Texts.abbreviate(raw, 40) + "'.");
    return null;
  }

  private void get(HttpExchange ex, String id) throws IOException {
    Optional<ApprovalStatus> status = queue.find(id);
    if (status.isEmpty()) {
      error(ex, 404, "UNKNOWN_REQUEST", null, "No approval request has this id.");
      return;
    }
    HttpIo.sendJson(ex, 200, StatusJson.of(status.get()));
  }

  private void vote(HttpExchange ex, String id, Reviewer caller) throws IOException {
    JsonNode body;
    try {
      body = StatusJson.MAPPER.readTree(HttpIo.body(ex));
    } catch (JsonProcessingException e) {
      error(ex, 400, "MALFORMED_JSON", "body", "The body must be a JSON object like {\"decision\":\"APPROVE\",\"reason\":\"...\"}: "
          + Texts.abbreviate(e.getOriginalMessage(), 200));
      return;
    }
    if (body == null || !body.isObject()) {
      error(ex, 400, "MALFORMED_JSON", "body", "The body must be a JSON object like {\"decision\":\"APPROVE\",\"reason\":\"...\"}.");
      return;
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!VOTE_FIELDS.contains(field)) {
        error(ex, 400, "UNKNOWN_FIELD", field, "Unknown field '" + Texts.abbreviate(field, 40)
            + "': a vote has only 'decision' and 'reason'; the reviewer is always the authenticated caller.");
        return;
      }
    }
    JsonNode d = body.get("decision");
    if (d == null || d.isNull()) {
      error(ex, 400, "BAD_REQUEST", "decision", "decision is required: APPROVE or DENY.");
      return;
    }
    Decision decision;
    if (d.isTextual() && d.asText().equals("APPROVE")) {
      decision = Decision.APPROVE;
    } else if (d.isTextual() && d.asText().equals("DENY")) {
      decision = Decision.DENY;
    } else {
      error(ex, 400, "BAD_REQUEST", "decision", "decision must be APPROVE or DENY but was "
          + Texts.abbreviate(d.toString(), 40) + ".");
      return;
    }
    JsonNode r = body.get("reason");
    String reason = null;
    if (r != null && !r.isNull()) {
      if (!r.isTextual()) {
        error(ex, 400, "BAD_REQUEST", "reason", "reason must be a string but was " + r.getNodeType().name().toLowerCase() + ".");
        return;
      }
      reason = r.asText().strip();
      if (reason.isEmpty()) {
        reason = null;
      }
    }
    String problem = VoteForms.reasonProblem(decision, reason);
    if (problem != null) {
      error(ex, 400, "BAD_REQUEST", "reason", problem);
      return;
    }
    VoteResult result = queue.vote(id, new Vote(caller, decision, reason, CHANNEL));
    LOG.info("HTTP vote: request={} reviewer={} decision={} counted={} refusal={}", id, caller.id(), decision,
        result.counted(), result.refusal());
    if (!result.counted()) {
      int code = Refusals.httpStatus(result.refusal());
      ObjectNode err = errorBody(code, result.refusal().name(),
          result.refusal() == VoteResult.Refusal.REASON_REQUIRED ? "reason" : null, result.message());
      if (result.state() != null) {
        err.put("state", result.state().name());
      }
      HttpIo.sendJson(ex, code, err);
      return;
    }
    ObjectNode out = queue.find(id).map(StatusJson::of).orElseGet(() -> {
      ObjectNode n = StatusJson.MAPPER.createObjectNode();
      n.put("id", id);
      n.put("state", result.state().name());
      return n;
    });
    // the snapshot may predate this vote's update in a slow channel; the gate's answer is authoritative
    out.put("state", result.state().name());
    ObjectNode v = out.putObject("vote");
    v.put("counted", true);
    v.put("reviewer", caller.id());
    v.put("decision", decision.name());
    v.put("message", result.message());
    HttpIo.sendJson(ex, 200, out);
  }

  /** Sends the API's error body. */
  static void error(HttpExchange ex, int status, String code, String field, String message) throws IOException {
    HttpIo.sendJson(ex, status, errorBody(status, code, field, message));
  }

  /** The API's error body: {@code {"status", "error", "field"?, "message"}}. */
  static ObjectNode errorBody(int status, String code, String field, String message) {
    ObjectNode n = StatusJson.MAPPER.createObjectNode();
    n.put("status", status);
    n.put("error", code);
    if (field != null) {
      n.put("field", field);
    }
    n.put("message", message);
    return n;
  }
}

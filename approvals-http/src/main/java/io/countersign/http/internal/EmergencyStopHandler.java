package io.countersign.http.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.countersign.HaltStatus;
import io.countersign.Reviewer;
import io.countersign.http.Authenticator;
import java.io.IOException;
import java.util.Iterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emergency stop API: {@code GET /halt} (status), {@code POST /halt} and {@code POST /resume}
 * with {@code {"reason":"..."}}. Authenticated like the rest of the API (bearer, never a cookie, so
 * no CSRF defence is needed); the reviewer who halts or asks to resume is always the authenticated
 * caller, never a body field. One instance per endpoint.
 */
public final class EmergencyStopHandler implements HttpHandler {

  /** Which endpoint an instance serves. */
  public enum Endpoint {
    HALT,
    RESUME
  }

  private static final Logger LOG = LoggerFactory.getLogger(EmergencyStopHandler.class);

  private final EmergencyStopActions actions;
  private final Authenticator authenticator;
  private final Endpoint endpoint;

  public EmergencyStopHandler(EmergencyStopActions actions, Authenticator authenticator, Endpoint endpoint) {
    this.actions = actions;
    this.authenticator = authenticator;
    this.endpoint = endpoint;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    try {
      route(ex);
    } catch (HttpIo.BodyTooLargeException e) {
      ApiHandler.error(ex, 413, "PAYLOAD_TOO_LARGE", "body", "The request body must not exceed " + HttpIo.MAX_BODY_BYTES + " bytes.");
    } catch (RuntimeException e) {
      LOG.error("HTTP emergency stop API failed on {} {}", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e);
      ApiHandler.error(ex, 500, "INTERNAL_ERROR", null, "The server could not handle the request.");
    } finally {
      ex.close();
    }
  }

  private void route(HttpExchange ex) throws IOException {
    String rel = HttpIo.relativePath(ex);
    if (rel == null || !HttpIo.segments(rel).isEmpty()) {
      ApiHandler.error(ex, 404, "NOT_FOUND", null, "No such resource.");
      return;
    }
    Reviewer caller = ApiHandler.authenticate(authenticator, ex);
    if (caller == null) {
      ApiHandler.unauthenticated(ex);
      return;
    }
    String method = ex.getRequestMethod();
    if (endpoint == Endpoint.HALT && (method.equals("GET") || method.equals("HEAD"))) {
      status(ex);
      return;
    }
    if (!method.equals("POST")) {
      ex.getResponseHeaders().set("Allow", endpoint == Endpoint.HALT ? "GET, HEAD, POST" : "POST");
      ApiHandler.error(ex, 405, "METHOD_NOT_ALLOWED", null, method + " is not allowed here; use "
          + (endpoint == Endpoint.HALT ? "GET or POST" : "POST") + ".");
      return;
    }
    String reason = reason(ex);
    if (reason == null) {
      return; // answered
    }
    EmergencyStopActions.Outcome outcome = endpoint == Endpoint.HALT ? actions.halt(caller, reason) : actions.resume(caller, reason);
    if (!outcome.ok()) {
      ApiHandler.error(ex, outcome.status(), outcome.error(), outcome.status() == 400 ? "reason" : null, outcome.message());
      return;
    }
    ObjectNode body = haltJson(outcome.halt());
    if (endpoint == Endpoint.HALT) {
      body.put("alreadyHalted", outcome.alreadyHalted());
    } else {
      body.put("resumeRequestId", outcome.resumeRequestId());
      body.put("state", "PENDING");
      actions.rule().ifPresent(r -> {
        body.put("quorum", r.quorum());
        r.approvers().forEach(body.withArray("approvers")::add);
      });
    }
    body.put("message", outcome.message());
    HttpIo.sendJson(ex, 200, body);
  }

  private void status(HttpExchange ex) throws IOException {
    if (!actions.configured()) {
      ApiHandler.error(ex, 503, "NOT_CONFIGURED", null, EmergencyStopActions.NOT_CONFIGURED);
      return;
    }
    HttpIo.sendJson(ex, 200, haltJson(actions.status().orElse(null)));
  }

  /** The body's reason, or {@code null} after answering 400. */
  private String reason(HttpExchange ex) throws IOException {
    String example = "The body must be a JSON object like {\"reason\":\"...\"}";
    JsonNode body;
    try {
      body = StatusJson.MAPPER.readTree(HttpIo.body(ex));
    } catch (JsonProcessingException e) {
      ApiHandler.error(ex, 400, "MALFORMED_JSON", "body", example + ": " + Texts.abbreviate(e.getOriginalMessage(), 200));
      return null;
    }
    if (body == null || !body.isObject()) {
      ApiHandler.error(ex, 400, "MALFORMED_JSON", "body", example + ".");
      return null;
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!field.equals("reason")) {
        ApiHandler.error(ex, 400, "UNKNOWN_FIELD", field, "Unknown field '" + Texts.abbreviate(field, 40)
            + "': the body has only 'reason'; who halts or resumes is always the authenticated caller.");
        return null;
      }
    }
    JsonNode r = body.get("reason");
    String what = endpoint == Endpoint.HALT ? "halt" : "resume";
    if (r != null && !r.isNull() && !r.isTextual()) {
      ApiHandler.error(ex, 400, "BAD_REQUEST", "reason", "reason must be a string but was " + r.getNodeType().name().toLowerCase() + ".");
      return null;
    }
    String reason = r == null || r.isNull() ? null : r.asText().strip();
    String problem = EmergencyStopActions.reasonProblem(what, reason);
    if (problem != null) {
      ApiHandler.error(ex, 400, "BAD_REQUEST", "reason", problem);
      return null;
    }
    return reason;
  }

  private static ObjectNode haltJson(HaltStatus halt) {
    ObjectNode n = StatusJson.MAPPER.createObjectNode();
    n.put("halted", halt != null);
    if (halt != null) {
      n.put("by", halt.by());
      n.put("reason", halt.reason());
      n.put("since", halt.since().toString());
    }
    return n;
  }
}

package io.countersign.slack.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for Slack's Web API (chat.postMessage, chat.update, views.open, users.info) and
 * for response_url endpoints, on 127.0.0.1. It records every call (method, form parameters,
 * Authorization header) and can answer 429 with Retry-After, or an {@code ok:false} error.
 */
public final class FakeSlack implements AutoCloseable {

  public static final String CHANNEL = "C0APPROVALS";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One recorded Web API call. */
  public record Call(String method, Map<String, String> params, String authorization) {
    public JsonNode json(String param) {
      try {
        return JSON.readTree(params.get(param));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Every text of the blocks (or view) parameter, joined: what a reader would see. */
    public String visibleText(String param) {
      StringBuilder sb = new StringBuilder();
      json(param).findValues("text").forEach(t -> sb.append(t.isTextual() ? t.asText() : t.path("text").asText()).append('\n'));
      return sb.toString();
    }
  }

  private final HttpServer server;
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final List<JsonNode> responses = new CopyOnWriteArrayList<>();
  private final Map<String, Deque<Integer>> rateLimited = new ConcurrentHashMap<>();
  private final Map<String, String> errors = new ConcurrentHashMap<>();
  private final Map<String, String> users = new ConcurrentHashMap<>();
  private final AtomicInteger ts = new AtomicInteger();
  private final List<Posted> posted = new CopyOnWriteArrayList<>();

  /** A message chat.postMessage accepted: where it is and which request its buttons carry. */
  public record Posted(String channel, String ts, Call call) {
    public String requestId() {
      for (JsonNode block : call.json("blocks")) {
        for (JsonNode element : block.path("elements")) {
          if (element.has("value")) {
            return element.get("value").asText();
          }
        }
      }
      throw new AssertionError("the posted message has no buttons: " + call.params().get("blocks"));
    }
  }

  public FakeSlack() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/api/", this::api);
    server.createContext("/response/", this::responseUrl);
    server.start();
  }

  /** What SlackConfig.methodsEndpointUrlPrefix should be. */
  public String methodsUrlPrefix() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/";
  }

  /** A response_url on this server. */
  public String responseUrl(String name) {
    return responseUrlPrefix() + name;
  }

  public String responseUrlPrefix() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/response/";
  }

  /** The next {@code times} calls of {@code method} answer 429 with this Retry-After. */
  public void rateLimit(String method, int times, int retryAfterSeconds) {
    Deque<Integer> q = rateLimited.computeIfAbsent(method, k -> new ArrayDeque<>());
    synchronized (q) {
      for (int i = 0; i < times; i++) {
        q.add(retryAfterSeconds);
      }
    }
  }

  /** Every call of {@code method} answers {@code ok:false} with this error. */
  public void failWith(String method, String error) {
    errors.put(method, error);
  }

  /** users.info answers this user object (JSON) for this id. */
  public void user(String userId, String userJson) {
    users.put(userId, userJson);
  }

  public List<Call> calls(String method) {
    return calls.stream().filter(c -> c.method().equals(method)).toList();
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  public Call last(String method) {
    List<Call> c = calls(method);
    if (c.isEmpty()) {
      throw new AssertionError("no " + method + " call was made; calls: " + calls.stream().map(Call::method).toList());
    }
    return c.get(c.size() - 1);
  }

  /** JSON bodies posted to response_urls (ephemeral replies). */
  public List<JsonNode> responses() {
    return List.copyOf(responses);
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void api(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestURI().getPath().substring("/api/".length());
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Call call = new Call(method, form(body), exchange.getRequestHeaders().getFirst("Authorization"));
      calls.add(call);
      Deque<Integer> q = rateLimited.get(method);
      Integer retryAfter = null;
      if (q != null) {
        synchronized (q) {
          retryAfter = q.poll();
        }
      }
      if (retryAfter != null) {
        exchange.getResponseHeaders().set("Retry-After", String.valueOf(retryAfter));
        send(exchange, 429, "{\"ok\":false,\"error\":\"ratelimited\"}");
        return;
      }
      String error = errors.get(method);
      if (error != null) {
        send(exchange, 200, "{\"ok\":false,\"error\":\"" + error + "\"}");
        return;
      }
      Map<String, String> p = form(body);
      String messageTs = "1767225600.00010" + ts.incrementAndGet();
      if (method.equals("chat.postMessage")) {
        posted.add(new Posted(p.get("channel"), messageTs, call));
      }
      String answer = switch (method) {
        case "chat.postMessage" -> "{\"ok\":true,\"channel\":\"" + p.get("channel") + "\",\"ts\":\"" + messageTs
            + "\",\"message\":{\"text\":\"\"}}";
        case "chat.update" -> "{\"ok\":true,\"channel\":\"" + p.get("channel") + "\",\"ts\":\"" + p.get("ts") + "\"}";
        case "views.open" -> "{\"ok\":true,\"view\":{\"id\":\"V0001\"}}";
        case "users.info" -> users.containsKey(p.get("user"))
            ? "{\"ok\":true,\"user\":" + users.get(p.get("user")) + "}"
            : "{\"ok\":false,\"error\":\"user_not_found\"}";
        default -> "{\"ok\":false,\"error\":\"unknown_method\"}";
      };
      send(exchange, 200, answer);
    }
  }

  private void responseUrl(HttpExchange exchange) throws IOException {
    try (exchange) {
      responses.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
      send(exchange, 200, "ok");
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", status == 200 && body.startsWith("{") || status == 429
        ? "application/json; charset=utf-8" : "text/plain");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Map<String, String> form(String body) {
    Map<String, String> m = new LinkedHashMap<>();
    if (body.isEmpty()) {
      return m;
    }
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      m.put(k, v);
    }
    return m;
  }

  /** Messages posted so far, oldest first. */
  public List<Posted> posted() {
    return List.copyOf(posted);
  }

  /** The posted message of this request. */
  public Posted posted(String requestId) {
    return posted.stream().filter(p -> p.requestId().equals(requestId)).findFirst()
        .orElseThrow(() -> new AssertionError("no message was posted for request " + requestId));
  }
}

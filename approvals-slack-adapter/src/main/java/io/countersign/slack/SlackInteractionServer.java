package io.countersign.slack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link SlackInteractionHandler} (and optionally other {@link SlackEndpoint}s such as the
 * {@link SlackCommandHandler}) on the JDK's built-in HTTP server, for applications without a web
 * framework (and for the demo). Point the Slack app's Interactivity Request URL at {@link #uri()}
 * and its slash commands' Request URL at {@link #uri(String)} (behind TLS termination: Slack only
 * calls {@code https} URLs).
 *
 * <pre>{@code
 * try (SlackInteractionServer server = SlackInteractionServer.start(new InetSocketAddress(3000), Map.of(
 *     "/slack/interactions", approver.interactionHandler(),
 *     "/slack/commands", approver.commandHandler(gate)))) { ... }
 * }</pre>
 */
public final class SlackInteractionServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SlackInteractionServer.class);

  private final HttpServer server;
  private final ExecutorService threads;
  private final String path;
  private final Set<String> paths;

  private SlackInteractionServer(HttpServer server, ExecutorService threads, String path, Set<String> paths) {
    this.server = server;
    this.threads = threads;
    this.path = path;
    this.paths = paths;
  }

  /**
   * Starts serving {@code handler} at {@code path} on {@code address} (port 0 picks a free port).
   *
   * @throws IOException if the address cannot be bound
   */
  public static SlackInteractionServer start(SlackEndpoint handler, InetSocketAddress address, String path) throws IOException {
    Objects.requireNonNull(handler, "handler");
    return start(address, Map.of(requirePath(path), handler));
  }

  /**
   * Starts serving each endpoint at its path on {@code address} (port 0 picks a free port); e.g. the
   * interaction handler and the {@link SlackCommandHandler} side by side.
   *
   * @throws IOException if the address cannot be bound
   * @throws IllegalArgumentException if there is no endpoint or a path does not start with '/'
   */
  public static SlackInteractionServer start(InetSocketAddress address, Map<String, ? extends SlackEndpoint> endpointsByPath)
      throws IOException {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(endpointsByPath, "endpointsByPath");
    if (endpointsByPath.isEmpty()) {
      throw new IllegalArgumentException("endpointsByPath must name at least one endpoint but was empty");
    }
    Map<String, SlackEndpoint> endpoints = new TreeMap<>();
    endpointsByPath.forEach((p, e) -> endpoints.put(requirePath(p), Objects.requireNonNull(e, "endpoint for " + p)));
    HttpServer server = HttpServer.create(address, 50);
    AtomicInteger n = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "countersign-slack-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(threads);
    endpoints.forEach((p, e) -> server.createContext(p, exchange -> serve(e, p, exchange)));
    server.start();
    String main = endpoints.entrySet().stream().filter(x -> x.getValue() instanceof SlackInteractionHandler)
        .map(Map.Entry::getKey).findFirst().orElse(endpoints.keySet().iterator().next());
    SlackInteractionServer s = new SlackInteractionServer(server, threads, main, Set.copyOf(endpoints.keySet()));
    LOG.info("Slack endpoints listening on {} at {}", s.uri(), endpoints.keySet());
    return s;
  }

  private static String requirePath(String path) {
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with '/' but was " + (path == null ? "null" : "'" + path + "'"));
    }
    return path;
  }

  /** The port the server listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The interaction endpoint's URL as seen on this host (or the first path's, if no interaction handler is served). */
  public URI uri() {
    return uri(path);
  }

  /**
   * The URL of the endpoint served at {@code path} as seen on this host.
   *
   * @throws IllegalArgumentException if nothing is served at {@code path}
   */
  public URI uri(String path) {
    if (!paths.contains(path)) {
      throw new IllegalArgumentException("no endpoint is served at path '" + path + "'; served: " + new TreeSet<>(paths));
    }
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().isAnyLocalAddress() ? "localhost" : a.getAddress().getHostAddress();
    return URI.create("http://" + host + ":" + a.getPort() + path);
  }

  /** Stops accepting requests and ends the server's threads. */
  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  private static void serve(SlackEndpoint handler, String path, HttpExchange exchange) throws IOException {
    try (exchange) {
      InteractionResponse response;
      if (!"POST".equals(exchange.getRequestMethod())) {
        response = InteractionResponse.error(405, "use POST");
      } else if (!path.equals(exchange.getRequestURI().getPath())) {
        response = InteractionResponse.error(404, "not found");
      } else {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
          body = in.readNBytes(SlackInteractionHandler.MAX_BODY_BYTES + 1);
        }
        response = handler.handle(exchange.getRequestHeaders(), body);
      }
      byte[] bytes = response.bodyBytes();
      exchange.getResponseHeaders().set("Content-Type", response.contentType());
      exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    } catch (RuntimeException e) {
      LOG.error("The Slack endpoint {} failed on a request", path, e);
      throw e;
    }
  }
}

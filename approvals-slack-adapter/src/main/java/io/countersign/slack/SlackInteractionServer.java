package io.countersign.slack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link SlackInteractionHandler} on the JDK's built-in HTTP server, for applications
 * without a web framework (and for the demo). Point the Slack app's Interactivity Request URL at
 * {@link #uri()} (behind TLS termination: Slack only calls {@code https} URLs).
 *
 * <pre>{@code
 * try (SlackInteractionServer server = SlackInteractionServer.start(
 *     approver.interactionHandler(), new InetSocketAddress(3000), "/slack/interactions")) { ... }
 * }</pre>
 */
public final class SlackInteractionServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SlackInteractionServer.class);

  private final HttpServer server;
  private final ExecutorService threads;
  private final String path;

  private SlackInteractionServer(HttpServer server, ExecutorService threads, String path) {
    this.server = server;
    this.threads = threads;
    this.path = path;
  }

  /**
   * Starts serving {@code handler} at {@code path} on {@code address} (port 0 picks a free port).
   *
   * @throws IOException if the address cannot be bound
   */
  public static SlackInteractionServer start(SlackInteractionHandler handler, InetSocketAddress address, String path) throws IOException {
    Objects.requireNonNull(handler, "handler");
    Objects.requireNonNull(address, "address");
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with '/' but was " + (path == null ? "null" : "'" + path + "'"));
    }
    HttpServer server = HttpServer.create(address, 50);
    AtomicInteger n = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "countersign-slack-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(threads);
    server.createContext(path, exchange -> serve(handler, path, exchange));
    server.start();
    SlackInteractionServer s = new SlackInteractionServer(server, threads, path);
    LOG.info("Slack interaction endpoint listening on {}", s.uri());
    return s;
  }

  /** The port the server listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The endpoint's URL as seen on this host. */
  public URI uri() {
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

  private static void serve(SlackInteractionHandler handler, String path, HttpExchange exchange) throws IOException {
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
      LOG.error("The Slack interaction endpoint failed on a request", e);
      throw e;
    }
  }
}

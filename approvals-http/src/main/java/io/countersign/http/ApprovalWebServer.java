package io.countersign.http;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;

/**
 * A running JDK {@code HttpServer} serving the API and the reviewer page, as started by
 * {@link ApprovalWeb#start}. Closing it stops the server at once.
 */
public final class ApprovalWebServer implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService pool;
  private final URI base;

  ApprovalWebServer(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    this.base = URI.create("http://" + host + ":" + a.getPort() + "/");
  }

  /** The server's root, e.g. {@code http://127.0.0.1:8080/}. */
  public URI uri() {
    return base;
  }

  /** The port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The API's list endpoint, e.g. {@code http://127.0.0.1:8080/approvals}. */
  public URI apiUri() {
    return base.resolve(ApprovalWeb.API_PATH.substring(1));
  }

  /** The emergency stop status and halt endpoint, e.g. {@code http://127.0.0.1:8080/halt} (served only with {@link ApprovalWeb.Builder#emergencyStop}). */
  public URI haltUri() {
    return base.resolve(ApprovalWeb.HALT_PATH.substring(1));
  }

  /** The reviewer page, e.g. {@code http://127.0.0.1:8080/review/}. */
  public URI reviewUri() {
    return base.resolve(ApprovalWeb.PAGE_PATH.substring(1) + "/");
  }

  /** The detail page of one request, e.g. for a notification's link. */
  public URI requestUri(String requestId) {
    return reviewUri().resolve("requests/" + URLEncoder.encode(requestId, StandardCharsets.UTF_8).replace("+", "%20"));
  }

  /** Stops the server and its worker threads. */
  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  @Override
  public String toString() {
    return "ApprovalWebServer[" + base + "]";
  }
}

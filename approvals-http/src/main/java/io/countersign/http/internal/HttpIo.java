package io.countersign.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.countersign.http.AuthenticationRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading requests and writing responses on the JDK server, with the limits and headers every response needs. */
public final class HttpIo {

  /** Request bodies larger than this are refused with 413: votes and logins are tiny. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  /** Thrown when a body exceeds {@link #MAX_BODY_BYTES}. */
  public static final class BodyTooLargeException extends IOException {
    BodyTooLargeException() {
      super("request body exceeds " + MAX_BODY_BYTES + " bytes");
    }
  }

  private HttpIo() {}

  /** The path below the handler's context, {@code ""} for the context itself, or {@code null} if it does not belong to it. */
  public static String relativePath(HttpExchange ex) {
    String context = ex.getHttpContext().getPath();
    String path = ex.getRequestURI().getRawPath();
    if (context.endsWith("/")) {
      context = context.substring(0, context.length() - 1);
    }
    if (!path.startsWith(context)) {
      return null;
    }
    String rest = path.substring(context.length());
    return rest.isEmpty() || rest.startsWith("/") ? rest : null;
  }

  /** The handler's context path without a trailing slash, to build links. */
  public static String contextPath(HttpExchange ex) {
    String context = ex.getHttpContext().getPath();
    return context.endsWith("/") ? context.substring(0, context.length() - 1) : context;
  }

  /** Percent-decodes one path segment ({@code +} stays a plus). */
  public static String decodeSegment(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** Reads the body, at most {@link #MAX_BODY_BYTES}. */
  public static byte[] body(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) != -1) {
        if (out.size() + n > MAX_BODY_BYTES) {
          throw new BodyTooLargeException();
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    }
  }

  /** Decodes {@code a=1&b=2} (query strings and form bodies); the first value of a repeated name wins. */
  public static Map<String, String> params(String encoded) {
    Map<String, String> out = new LinkedHashMap<>();
    if (encoded == null || encoded.isEmpty()) {
      return out;
    }
    for (String pair : encoded.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.putIfAbsent(name, value);
    }
    return out;
  }

  /** The value of cookie {@code name}, or {@code null}. */
  public static String cookie(HttpExchange ex, String name) {
    List<String> headers = ex.getRequestHeaders().get("Cookie");
    if (headers == null) {
      return null;
    }
    for (String header : headers) {
      for (String part : header.split(";")) {
        String p = part.strip();
        if (p.startsWith(name + "=")) {
          return p.substring(name.length() + 1);
        }
      }
    }
    return null;
  }

  /** What an {@link io.countersign.http.Authenticator} sees of this exchange. */
  public static AuthenticationRequest authRequest(HttpExchange ex) {
    InetSocketAddress remote = ex.getRemoteAddress();
    return new AuthenticationRequest(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
        new LinkedHashMap<>(ex.getRequestHeaders()),
        remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress());
  }

  /** Sends a JSON response. */
  public static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] bytes = StatusJson.MAPPER.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    commonHeaders(ex);
    send(ex, status, bytes);
  }

  /** Sends an HTML page with a strict Content-Security-Policy (no inline script or style). */
  public static void sendHtml(HttpExchange ex, int status, String html) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    ex.getResponseHeaders().set("Content-Security-Policy",
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'");
    ex.getResponseHeaders().set("X-Frame-Options", "DENY");
    commonHeaders(ex);
    send(ex, status, html.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends a {@code 303 See Other} to {@code location}. */
  public static void redirect(HttpExchange ex, String location) throws IOException {
    ex.getResponseHeaders().set("Location", location);
    commonHeaders(ex);
    ex.sendResponseHeaders(303, -1);
    ex.close();
  }

  /** Sends raw bytes with a content type (static assets). */
  public static void sendAsset(HttpExchange ex, String contentType, byte[] bytes) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.getResponseHeaders().set("Cache-Control", "public, max-age=300");
    send(ex, 200, bytes);
  }

  private static void commonHeaders(HttpExchange ex) {
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
  }

  private static void send(HttpExchange ex, int status, byte[] bytes) throws IOException {
    boolean head = "HEAD".equals(ex.getRequestMethod());
    ex.sendResponseHeaders(status, head ? -1 : (bytes.length == 0 ? -1 : bytes.length));
    if (!head && bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
    ex.close();
  }

  /** Splits a relative path into its non-empty segments. */
  public static List<String> segments(String relative) {
    List<String> out = new ArrayList<>();
    for (String s : relative.split("/")) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }
}

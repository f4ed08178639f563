package io.countersign.http;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.countersign.ApprovalGate;
import io.countersign.http.internal.ApiHandler;
import io.countersign.http.internal.EmergencyStopActions;
import io.countersign.http.internal.EmergencyStopHandler;
import io.countersign.http.internal.HttpIo;
import io.countersign.http.internal.PageHandler;
import io.countersign.http.internal.Sessions;
import io.countersign.spi.TimeSource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP face of Countersign: a JSON decision API and a server-rendered reviewer page over a
 * {@link ReviewQueue}, authenticated by an {@link Authenticator}. Runs on the JDK's
 * {@code HttpServer} ({@link #start}) or is mounted into an existing one ({@link #mount}); no web
 * framework is needed. Immutable and thread-safe.
 *
 * <pre>{@code
 * WebApprover web = new WebApprover();
 * ApprovalGate gate = ApprovalGate.builder().approver(web).auditSink(sink).signer(signer).build();
 * ApprovalWeb http = ApprovalWeb.builder().queue(web).authenticator(tokens).build();
 * try (ApprovalWebServer server = http.start(new InetSocketAddress("127.0.0.1", 8080))) {
 *   System.out.println("Review at " + server.reviewUri());
 * }
 * }</pre>
 *
 * <p>Paths below the mount prefix: {@code /approvals} (API, bearer-authenticated on every call) and
 * {@code /review/} (page, session cookie plus CSRF token on every form); with
 * {@link Builder#emergencyStop} also {@code /halt} and {@code /resume} (emergency stop API, bearer).
 */
public final class ApprovalWeb {

  /** Where the JSON API is mounted below the prefix. */
  public static final String API_PATH = "/approvals";
  /** Where the reviewer page is mounted below the prefix. */
  public static final String PAGE_PATH = "/review";
  /** Where the emergency stop status and halt endpoint is mounted below the prefix (with {@link Builder#emergencyStop}). */
  public static final String HALT_PATH = "/halt";
  /** Where the resume endpoint is mounted below the prefix (with {@link Builder#emergencyStop}). */
  public static final String RESUME_PATH = "/resume";
  /** Default number of requests per API or page listing. */
  public static final int DEFAULT_PAGE_SIZE = 20;
  /** Largest page size the API accepts. */
  public static final int MAX_PAGE_SIZE = 100;
  /** Default lifetime of a reviewer page session. */
  public static final Duration DEFAULT_SESSION_TTL = Duration.ofHours(8);
  /** Default number of live page sessions kept (the oldest are dropped beyond it). */
  public static final int DEFAULT_MAX_SESSIONS = 10_000;

  private final HttpHandler api;
  private final HttpHandler page;
  private final HttpHandler halt;
  private final HttpHandler resume;
  private final int threads;

  private ApprovalWeb(Builder b) {
    TimeSource time = b.timeSource != null ? b.timeSource : TimeSource.system();
    this.api = new ApiHandler(b.queue, b.authenticator, b.pageSize, MAX_PAGE_SIZE);
    EmergencyStopActions stop = b.emergencyStop == null ? null : new EmergencyStopActions(b.emergencyStop);
    this.page = new PageHandler(b.queue, b.authenticator,
        new Sessions(time, b.sessionTtl != null ? b.sessionTtl : DEFAULT_SESSION_TTL, DEFAULT_MAX_SESSIONS), time, b.pageSize,
        b.extensions, stop);
    this.halt = stop == null ? null : new EmergencyStopHandler(stop, b.authenticator, EmergencyStopHandler.Endpoint.HALT);
    this.resume = stop == null ? null : new EmergencyStopHandler(stop, b.authenticator, EmergencyStopHandler.Endpoint.RESUME);
    this.threads = b.threads;
  }

  /** A builder; {@link Builder#queue} and {@link Builder#authenticator} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The JSON API handler, to mount at a context ending in {@value #API_PATH} (or any path you choose). */
  public HttpHandler apiHandler() {
    return api;
  }

  /** The reviewer page handler, to mount at a context such as {@value #PAGE_PATH}; its links stay below that context. */
  public HttpHandler pageHandler() {
    return page;
  }

  /**
   * The emergency stop's {@code GET}/{@code POST /halt} handler, to mount at a context ending in
   * {@value #HALT_PATH}; empty unless {@link Builder#emergencyStop} was set.
   */
  public Optional<HttpHandler> haltHandler() {
    return Optional.ofNullable(halt);
  }

  /**
   * The emergency stop's {@code POST /resume} handler, to mount at a context ending in
   * {@value #RESUME_PATH}; empty unless {@link Builder#emergencyStop} was set.
   */
  public Optional<HttpHandler> resumeHandler() {
    return Optional.ofNullable(resume);
  }

  /**
   * Mounts the API at {@code prefix + "/approvals"} and the page at {@code prefix + "/review"} of
   * {@code server}, and with {@link Builder#emergencyStop} the emergency stop at {@code prefix + "/halt"}
   * and {@code prefix + "/resume"}; with an empty prefix, {@code /} also redirects to the page.
   *
   * @param prefix {@code ""} or a path starting with {@code /} and not ending with one
   */
  public void mount(HttpServer server, String prefix) {
    Objects.requireNonNull(server, "server");
    if (prefix == null || (!prefix.isEmpty() && (!prefix.startsWith("/") || prefix.endsWith("/")))) {
      throw new IllegalArgumentException("prefix must be \"\" or start with '/' and not end with '/' but was "
          + (prefix == null ? "null" : "'" + prefix + "'"));
    }
    server.createContext(prefix + API_PATH, api);
    server.createContext(prefix + PAGE_PATH, page);
    if (halt != null) {
      server.createContext(prefix + HALT_PATH, halt);
      server.createContext(prefix + RESUME_PATH, resume);
    }
    if (prefix.isEmpty()) {
      server.createContext("/", ex -> {
        try {
          if (ex.getRequestURI().getRawPath().equals("/")) {
            HttpIo.redirect(ex, PAGE_PATH + "/");
          } else {
            ex.sendResponseHeaders(404, -1);
          }
        } finally {
          ex.close();
        }
      });
    }
  }

  /**
   * Starts a JDK {@code HttpServer} on {@code address} (port 0 picks a free port) with the API and
   * the page mounted at the root. Bind to {@code 127.0.0.1} unless a TLS-terminating proxy is in front.
   */
  public ApprovalWebServer start(InetSocketAddress address) throws IOException {
    Objects.requireNonNull(address, "address");
    HttpServer server = HttpServer.create(address, 0);
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "countersign-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    mount(server, "");
    server.start();
    return new ApprovalWebServer(server, pool);
  }

  /** Validating builder for {@link ApprovalWeb}; each setting may be set once. */
  public static final class Builder {
    private ReviewQueue queue;
    private Authenticator authenticator;
    private TimeSource timeSource;
    private Duration sessionTtl;
    private int pageSize = DEFAULT_PAGE_SIZE;
    private boolean pageSizeSet;
    private int threads = 4;
    private boolean threadsSet;
    private final java.util.List<PageExtension> extensions = new java.util.ArrayList<>();
    private ApprovalGate emergencyStop;

    private Builder() {}

    /** Where requests come from and votes go ({@link WebApprover} or {@link ReviewQueue#of}). Required. */
    public Builder queue(ReviewQueue queue) {
      requireUnset(this.queue, "queue");
      this.queue = Objects.requireNonNull(queue, "queue");
      return this;
    }

    /** Who the caller is. Required. */
    public Builder authenticator(Authenticator authenticator) {
      requireUnset(this.authenticator, "authenticator");
      this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
      return this;
    }

    /** The clock for countdowns and session expiry (share the gate's {@code ManualTimeSource} in tests); defaults to the system clock. */
    public Builder timeSource(TimeSource timeSource) {
      requireUnset(this.timeSource, "timeSource");
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /** How long a page session lasts after sign-in; default 8 hours. */
    public Builder sessionTtl(Duration ttl) {
      requireUnset(this.sessionTtl, "sessionTtl");
      if (ttl == null || ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("sessionTtl must be positive but was " + ttl);
      }
      this.sessionTtl = ttl;
      return this;
    }

    /** Requests per listing page; default 20, at most {@value ApprovalWeb#MAX_PAGE_SIZE}. */
    public Builder pageSize(int size) {
      if (pageSizeSet) {
        throw new IllegalStateException("pageSize was already set to " + pageSize);
      }
      if (size < 1 || size > MAX_PAGE_SIZE) {
        throw new IllegalArgumentException("pageSize must be from 1 to " + MAX_PAGE_SIZE + " but was " + size);
      }
      this.pageSize = size;
      this.pageSizeSet = true;
      return this;
    }

    /** Worker threads of a server made by {@link ApprovalWeb#start}; default 4. */
    public Builder threads(int threads) {
      if (threadsSet) {
        throw new IllegalStateException("threads was already set to " + this.threads);
      }
      if (threads < 1 || threads > 256) {
        throw new IllegalArgumentException("threads must be from 1 to 256 but was " + threads);
      }
      this.threads = threads;
      this.threadsSet = true;
      return this;
    }

    /**
     * Adds a reviewer page extension (e.g. passkey-signed votes), served below
     * {@code /review/x/<name>/}; may be called several times with different names.
     *
     * @throws IllegalArgumentException if the name is not lower-case letters, digits and '-'
     * @throws IllegalStateException if an extension with that name was already added
     */
    public Builder extension(PageExtension extension) {
      Objects.requireNonNull(extension, "extension");
      String name = extension.name();
      if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,31}")) {
        throw new IllegalArgumentException("PageExtension name must be 1-32 lower-case letters, digits or '-' but was "
            + (name == null ? "null" : "'" + name + "'"));
      }
      for (PageExtension e : extensions) {
        if (e.name().equals(name)) {
          throw new IllegalStateException("a PageExtension named '" + name + "' was already added: " + e);
        }
      }
      extensions.add(extension);
      return this;
    }

    /**
     * Exposes {@code gate}'s emergency stop: {@code GET /halt} (status), {@code POST /halt} and
     * {@code POST /resume} on the API, a "Stop all guarded actions" form on the reviewer page (for the
     * reviewers the gate's {@code emergencyStop} rule names), and a banner on every page while
     * halted. The caller is the authenticated reviewer; the gate decides whether they may. Without
     * this setting none of it exists (404). A gate built without {@code emergencyStop(rule)} makes the
     * endpoints answer 503.
     */
    public Builder emergencyStop(ApprovalGate gate) {
      requireUnset(this.emergencyStop, "emergencyStop");
      this.emergencyStop = Objects.requireNonNull(gate, "gate");
      return this;
    }

    /** The immutable web front. */
    public ApprovalWeb build() {
      if (queue == null) {
        throw new IllegalStateException("queue is required: call queue(webApprover) or queue(ReviewQueue.of(gate))");
      }
      if (authenticator == null) {
        throw new IllegalStateException("authenticator is required: call authenticator(...) (e.g. a BearerTokenAuthenticator)");
      }
      return new ApprovalWeb(this);
    }

    private static void requireUnset(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }
  }
}

package io.countersign.http.teams;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApprovalRequest;
import io.countersign.http.internal.Texts;
import io.countersign.spi.Approver;
import io.countersign.spi.VoteSink;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notifies reviewers in Microsoft Teams: posts an Adaptive Card with the request's summary and a
 * link to its detail page on the reviewer page to a Teams Workflows (or incoming) webhook. Votes
 * are cast on the page, so this channel only notifies; pair it with a {@link io.countersign.http.WebApprover}
 * through {@link io.countersign.CompositeApprover#of}.
 *
 * <p>Delivery: 2xx is delivered; 429 and 5xx (and I/O errors) are retried up to
 * {@link Builder#maxAttempts} times, waiting {@code Retry-After} (capped) or an exponential backoff;
 * any other status fails at once. When delivery fails {@link #request} throws a
 * {@link TeamsDeliveryException}: the gate denies (fail closed) unless another channel delivered.
 * The card carries no argument values (they stay on the authenticated page) and the webhook URL,
 * which embeds a secret, is never logged. Thread-safe.
 */
public final class TeamsApprover implements Approver {

  /** Default number of attempts per card (the first one included). */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  /** Default first backoff when the webhook gives no {@code Retry-After}; doubled per attempt. */
  public static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(1);
  /** Default cap on one wait, whatever {@code Retry-After} says. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(10);
  /** Default timeout of one POST. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(TeamsApprover.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  /** Waits between attempts; injectable so tests never sleep. */
  @FunctionalInterface
  public interface Sleeper {
    /** Blocks for {@code duration}. */
    void sleep(Duration duration) throws InterruptedException;
  }

  private final URI webhook;
  private final URI reviewerPage;
  private final HttpClient client;
  private final int maxAttempts;
  private final Duration backoff;
  private final Duration maxWait;
  private final Duration requestTimeout;
  private final Sleeper sleeper;

  private TeamsApprover(Builder b) {
    this.webhook = b.webhook;
    this.reviewerPage = b.reviewerPage;
    this.client = b.client != null ? b.client : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.maxAttempts = b.maxAttempts;
    this.backoff = b.backoff;
    this.maxWait = b.maxWait;
    this.requestTimeout = b.requestTimeout;
    this.sleeper = b.sleeper != null ? b.sleeper : d -> Thread.sleep(d.toMillis());
  }

  /** A builder; {@link Builder#webhook} and {@link Builder#reviewerPage} are required. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void request(ApprovalRequest request, VoteSink votes) throws TeamsDeliveryException, InterruptedException {
    byte[] body;
    try {
      body = MAPPER.writeValueAsBytes(card(request));
    } catch (IOException e) {
      throw new TeamsDeliveryException("could not build the Teams card for request " + request.id(), -1, e);
    }
    int lastStatus = -1;
    Exception lastError = null;
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      Duration wait = backoff.multipliedBy(1L << Math.min(attempt - 1, 16));
      try {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(webhook)
            .timeout(requestTimeout)
            .header("Content-Type", "application/json; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        lastStatus = response.statusCode();
        if (lastStatus >= 200 && lastStatus < 300) {
          LOG.info("Teams card for request {} delivered to {} (attempt {})", request.id(), webhook.getHost(), attempt);
          return;
        }
        if (lastStatus != 429 && lastStatus < 500) {
          throw new TeamsDeliveryException("the Teams webhook refused the card for request " + request.id()
              + " with HTTP " + lastStatus + " (not retried: check the webhook URL and its flow)", lastStatus, null);
        }
        wait = response.headers().firstValue("Retry-After").map(TeamsApprover::seconds).orElse(wait);
        LOG.warn("Teams webhook at {} answered HTTP {} for request {} (attempt {} of {})", webhook.getHost(), lastStatus,
            request.id(), attempt, maxAttempts);
      } catch (IOException e) {
        lastError = e;
        LOG.warn("Teams webhook at {} unreachable for request {} (attempt {} of {}): {}", webhook.getHost(), request.id(),
            attempt, maxAttempts, e.getClass().getSimpleName());
      }
      if (attempt < maxAttempts) {
        sleeper.sleep(wait.compareTo(maxWait) > 0 ? maxWait : wait);
      }
    }
    throw new TeamsDeliveryException("the Teams card for request " + request.id() + " was not delivered after "
        + maxAttempts + " attempts (last " + (lastStatus < 0 ? "error: no answer" : "HTTP " + lastStatus) + ")", lastStatus, lastError);
  }

  /** The webhook payload: a message with one Adaptive Card (summary facts and an "Open review page" button). */
  ObjectNode card(ApprovalRequest r) {
    ObjectNode message = MAPPER.createObjectNode();
    message.put("type", "message");
    ObjectNode attachment = message.putArray("attachments").addObject();
    attachment.put("contentType", "application/vnd.microsoft.card.adaptive");
    attachment.putNull("contentUrl");
    ObjectNode card = attachment.putObject("content");
    card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
    card.put("type", "AdaptiveCard");
    card.put("version", "1.4");
    ArrayNode body = card.putArray("body");
    ObjectNode title = body.addObject();
    title.put("type", "TextBlock");
    title.put("text", "Approval needed: " + plain(r.action(), 150));
    title.put("weight", "Bolder");
    title.put("size", "Medium");
    title.put("wrap", true);
    ArrayNode facts = body.addObject().put("type", "FactSet").putArray("facts");
    fact(facts, "Requested by", r.actor().id() + " (" + r.actor().kind().name().toLowerCase() + ")");
    if (r.actor().onBehalfOf() != null) {
      fact(facts, "On behalf of", r.actor().onBehalfOf());
    }
    fact(facts, "Justification", r.justification() == null ? "none given" : r.justification());
    fact(facts, "Approvers", r.requirement().quorum() + " of " + String.join(", ", r.requirement().approvers()));
    fact(facts, "Decide by", WHEN.format(r.deadline()));
    fact(facts, "Request id", r.id());
    ObjectNode open = card.putArray("actions").addObject();
    open.put("type", "Action.OpenUrl");
    open.put("title", "Open review page");
    open.put("url", detailLink(r.id()).toString());
    return message;
  }

  /** The detail page of a request on the reviewer page. */
  URI detailLink(String requestId) {
    return reviewerPage.resolve("requests/" + URLEncoder.encode(requestId, StandardCharsets.UTF_8).replace("+", "%20"));
  }

  private static void fact(ArrayNode facts, String title, String value) {
    facts.addObject().put("title", title).put("value", plain(value, 300));
  }

  /**
   * Request data is shown as plain text: Teams renders a subset of Markdown in card text, so link,
   * emphasis and HTML syntax is escaped to keep a hostile justification from posing as a link.
   */
  static String plain(String text, int max) {
    String t = Texts.abbreviate(text == null ? "" : text.replaceAll("[\\r\\n\\t]+", " "), max);
    StringBuilder b = new StringBuilder(t.length() + 8);
    for (char c : t.toCharArray()) {
      if ("\\[]*_~`<>".indexOf(c) >= 0) {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  private static Duration seconds(String retryAfter) {
    try {
      long s = Long.parseLong(retryAfter.strip());
      return s < 0 ? Duration.ZERO : Duration.ofSeconds(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "TeamsApprover[" + webhook.getHost() + ", " + maxAttempts + " attempts]";
  }

  /** Validating builder; each setting may be set once. */
  public static final class Builder {
    private URI webhook;
    private URI reviewerPage;
    private HttpClient client;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private boolean maxAttemptsSet;
    private Duration backoff = DEFAULT_BACKOFF;
    private Duration maxWait = DEFAULT_MAX_WAIT;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Sleeper sleeper;

    private Builder() {}

    /** The Teams Workflows / incoming webhook URL (http or https). Required. It is a secret: keep it out of source. */
    public Builder webhook(URI webhook) {
      requireUnset(this.webhook, "webhook", "<hidden>");
      Objects.requireNonNull(webhook, "webhook");
      if (webhook.getScheme() == null || !(webhook.getScheme().equals("https") || webhook.getScheme().equals("http"))
          || webhook.getHost() == null) {
        throw new IllegalArgumentException("webhook must be an absolute http(s) URL but its scheme was " + webhook.getScheme());
      }
      this.webhook = webhook;
      return this;
    }

    /** The reviewer page's root (e.g. {@link io.countersign.http.ApprovalWebServer#reviewUri()}); links go to {@code requests/{id}} below it. Required. */
    public Builder reviewerPage(URI page) {
      requireUnset(this.reviewerPage, "reviewerPage", this.reviewerPage);
      Objects.requireNonNull(page, "reviewerPage");
      if (!page.isAbsolute() || page.getHost() == null) {
        throw new IllegalArgumentException("reviewerPage must be an absolute URL but was '" + page + "'");
      }
      this.reviewerPage = page.toString().endsWith("/") ? page : URI.create(page + "/");
      return this;
    }

    /** The HTTP client; defaults to a new JDK client with a 5 s connect timeout. */
    public Builder httpClient(HttpClient client) {
      requireUnset(this.client, "httpClient", this.client);
      this.client = Objects.requireNonNull(client, "httpClient");
      return this;
    }

    /** Attempts per card, the first included; default 3, at most 10. */
    public Builder maxAttempts(int attempts) {
      if (maxAttemptsSet) {
        throw new IllegalStateException("maxAttempts was already set to " + maxAttempts);
      }
      if (attempts < 1 || attempts > 10) {
        throw new IllegalArgumentException("maxAttempts must be from 1 to 10 but was " + attempts);
      }
      this.maxAttempts = attempts;
      this.maxAttemptsSet = true;
      return this;
    }

    /** First wait without {@code Retry-After} (doubled per attempt) and the cap on any wait. */
    public Builder backoff(Duration first, Duration max) {
      if (first == null || first.isNegative() || max == null || max.isNegative() || max.compareTo(first) < 0) {
        throw new IllegalArgumentException("backoff must satisfy 0 <= first <= max but was first=" + first + ", max=" + max);
      }
      this.backoff = first;
      this.maxWait = max;
      return this;
    }

    /** Timeout of one POST; default 10 s. */
    public Builder requestTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive but was " + timeout);
      }
      this.requestTimeout = timeout;
      return this;
    }

    /** How to wait between attempts; defaults to sleeping the calling thread. */
    public Builder sleeper(Sleeper sleeper) {
      requireUnset(this.sleeper, "sleeper", this.sleeper);
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /** The immutable notifier. */
    public TeamsApprover build() {
      if (webhook == null) {
        throw new IllegalStateException("webhook is required: call webhook(URI.create(System.getenv(\"TEAMS_WEBHOOK_URL\")))");
      }
      if (reviewerPage == null) {
        throw new IllegalStateException("reviewerPage is required: call reviewerPage(server.reviewUri()) so the card can link to the request");
      }
      return new TeamsApprover(this);
    }

    private static void requireUnset(Object current, String name, Object shown) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + shown);
      }
    }
  }
}

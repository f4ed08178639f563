package io.countersign.slack.internal;

import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import io.countersign.slack.Sleeper;
import io.countersign.slack.SlackDeliveryException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one Slack Web API call with bounded retries. Not public API.
 *
 * <p>Retried: HTTP 429 (waiting {@code Retry-After} seconds, as Slack asks) and connection failures
 * where nothing reached Slack (refused, unknown host, no route), after a short fixed backoff. Not
 * retried: Slack errors ({@code ok:false}), other HTTP statuses and read timeouts, because a request
 * that may have reached Slack would be posted twice. The total waiting time is capped; a
 * {@code Retry-After} beyond the remaining budget fails at once instead of blocking the caller.
 * Messages and logs name the method and Slack's error code, never the token.
 */
public final class SlackCalls {

  private static final Logger LOG = LoggerFactory.getLogger(SlackCalls.class);

  /** One Web API call. */
  @FunctionalInterface
  public interface Call<T extends SlackApiTextResponse> {
    T run() throws IOException, SlackApiException;
  }

  private final int maxAttempts;
  private final Duration maxRetryWait;
  private final Duration connectRetryBackoff;
  private final Sleeper sleeper;

  public SlackCalls(int maxAttempts, Duration maxRetryWait, Duration connectRetryBackoff, Sleeper sleeper) {
    this.maxAttempts = maxAttempts;
    this.maxRetryWait = Objects.requireNonNull(maxRetryWait, "maxRetryWait");
    this.connectRetryBackoff = Objects.requireNonNull(connectRetryBackoff, "connectRetryBackoff");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
  }

  /**
   * Calls {@code method} (e.g. {@code chat.postMessage}) for {@code target} (a channel, for messages).
   *
   * @throws SlackDeliveryException when Slack answered an error or the retries ran out
   */
  public <T extends SlackApiTextResponse> T call(String method, String target, Call<T> call) throws SlackDeliveryException {
    Duration waited = Duration.ZERO;
    for (int attempt = 1; ; attempt++) {
      Duration wait;
      String cause;
      try {
        T response = call.run();
        if (response == null) {
          throw new SlackDeliveryException(method, "no_response", method + " to " + target + " returned no response", null);
        }
        if (!response.isOk()) {
          String error = response.getError() == null ? "unknown_error" : response.getError();
          throw new SlackDeliveryException(method, error, method + " to " + target + " failed: Slack answered '" + error + "'"
              + (response.getNeeded() == null ? "" : " (needed scope: " + response.getNeeded() + ")"), null);
        }
        return response;
      } catch (SlackApiException e) {
        int status = e.getResponse() == null ? -1 : e.getResponse().code();
        if (status != 429) {
          String error = e.getError() != null && e.getError().getError() != null ? e.getError().getError() : "http_" + status;
          throw new SlackDeliveryException(method, error, method + " to " + target + " failed with HTTP " + status + " (" + error + ")", e);
        }
        wait = retryAfter(e);
        cause = "rate limited (HTTP 429, Retry-After " + wait.toSeconds() + " s)";
        if (attempt >= maxAttempts || waited.plus(wait).compareTo(maxRetryWait) > 0) {
          throw new SlackDeliveryException(method, "http_429", method + " to " + target + " is still rate limited after "
              + attempt + " attempt(s) and " + waited.toSeconds() + " s of waiting (limits: " + maxAttempts
              + " attempts, " + maxRetryWait.toSeconds() + " s); giving up", e);
        }
      } catch (ConnectException | UnknownHostException | NoRouteToHostException e) {
        wait = connectRetryBackoff;
        cause = "unreachable (" + e.getClass().getSimpleName() + ")";
        if (attempt >= maxAttempts || waited.plus(wait).compareTo(maxRetryWait) > 0) {
          throw new SlackDeliveryException(method, "unreachable", method + " to " + target + ": Slack could not be reached after "
              + attempt + " attempt(s) (" + e.getClass().getSimpleName() + ")", e);
        }
      } catch (IOException e) {
        throw new SlackDeliveryException(method, "io_error", method + " to " + target + " failed: "
            + e.getClass().getSimpleName() + " (not retried: the call may have reached Slack)", e);
      }
      LOG.warn("Slack {} to {}: {}; retry {} of {} in {} s", method, target, cause, attempt, maxAttempts - 1, wait.toSeconds());
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new SlackDeliveryException(method, "interrupted", method + " to " + target + " was interrupted while waiting to retry", ie);
      }
      waited = waited.plus(wait);
    }
  }

  private static Duration retryAfter(SlackApiException e) {
    String header = e.getResponse().header("Retry-After");
    if (header != null) {
      try {
        long seconds = Long.parseLong(header.strip());
        if (seconds >= 0) {
          return Duration.ofSeconds(seconds);
        }
      } catch (NumberFormatException ignored) {
        // an HTTP date or garbage: fall back to one second
      }
    }
    return Duration.ofSeconds(1);
  }
}

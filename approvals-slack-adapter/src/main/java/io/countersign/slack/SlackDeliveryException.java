package io.countersign.slack;

/**
 * A Slack Web API call failed for good: Slack answered an error ({@code channel_not_found},
 * {@code invalid_auth}, ...), kept rate-limiting beyond the retry budget, or could not be reached.
 * Thrown from {@link SlackApprover#request} so that the gate records {@code DELIVERY_FAILED} and
 * denies the call (fail closed). Its message names the Slack method, the channel and Slack's error
 * code; it never contains the bot token or the signing secret.
 */
public final class SlackDeliveryException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String slackMethod;
  private final String slackError;

  /** A failure of {@code slackMethod}; {@code slackError} is Slack's error code or a short cause. */
  public SlackDeliveryException(String slackMethod, String slackError, String message, Throwable cause) {
    super(message, cause);
    this.slackMethod = slackMethod;
    this.slackError = slackError;
  }

  /** The Web API method that failed, e.g. {@code chat.postMessage}. */
  public String slackMethod() {
    return slackMethod;
  }

  /** Slack's error code ({@code channel_not_found}), {@code http_429}, or {@code unreachable}. */
  public String slackError() {
    return slackError;
  }
}

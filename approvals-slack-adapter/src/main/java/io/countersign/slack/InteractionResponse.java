package io.countersign.slack;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What to answer Slack's interaction request with: an HTTP status, a content type and a body. The
 * framework-neutral result of {@link SlackInteractionHandler#handle}; copy it onto your servlet,
 * Spring or JDK server response as is.
 *
 * @param status the HTTP status (200 accepted, 401 signature/timestamp/replay refused, 400 malformed, 413 too large)
 * @param contentType the body's content type
 * @param body the body, possibly empty
 */
public record InteractionResponse(int status, String contentType, String body) {

  public InteractionResponse {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
  }

  /** 200 with an empty body: Slack acknowledges and closes a modal. */
  public static InteractionResponse ok() {
    return new InteractionResponse(200, "text/plain; charset=utf-8", "");
  }

  /** 200 with a JSON body (e.g. {@code response_action: errors} for a modal). */
  public static InteractionResponse json(String json) {
    return new InteractionResponse(200, "application/json; charset=utf-8", json);
  }

  /** An error status with a short plain-text explanation (never secret material). */
  public static InteractionResponse error(int status, String message) {
    return new InteractionResponse(status, "text/plain; charset=utf-8", message);
  }

  /** The body as UTF-8 bytes. */
  public byte[] bodyBytes() {
    return body.getBytes(StandardCharsets.UTF_8);
  }
}

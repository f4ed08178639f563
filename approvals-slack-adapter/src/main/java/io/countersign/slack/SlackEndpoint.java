package io.countersign.slack;

import java.util.List;
import java.util.Map;

/**
 * One Slack request endpoint, framework-neutral: given the request headers and the raw body bytes,
 * says what to answer. Implemented by {@link SlackInteractionHandler} (buttons, dialogs) and
 * {@link SlackCommandHandler} (slash commands); {@link SlackInteractionServer} serves any of them.
 *
 * <p>Contract: thread-safe, called concurrently from HTTP worker threads; checks Slack's signature
 * before decoding anything; never throws for a bad request (answers 4xx instead).
 */
@FunctionalInterface
public interface SlackEndpoint {

  /**
   * Handles one request.
   *
   * @param headers the request headers (names matched case-insensitively)
   * @param body the raw body bytes, exactly as received
   */
  InteractionResponse handle(Map<String, ? extends List<String>> headers, byte[] body);
}

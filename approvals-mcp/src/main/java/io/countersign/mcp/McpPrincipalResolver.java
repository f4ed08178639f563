package io.countersign.mcp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Says which human an MCP session authenticated, from what its transport carried (typically the
 * bearer token of the streamable HTTP transport). The agent calling tools acts for that human, who
 * therefore can never approve its calls (separation of duties).
 *
 * <p>One method, so an identity directory (or an OAuth token introspection) adapts to it in a line.
 * Called on the tool call's thread, concurrently; returning {@code null} or throwing refuses the
 * call (it is never treated as anonymous).
 */
@FunctionalInterface
public interface McpPrincipalResolver {

  /** The principal id of the authenticated human, as reviewers' ids are written, or {@code null}. */
  String principalOf(McpCaller caller);

  /**
   * A resolver over a fixed table of bearer tokens and the principal each authenticates; tokens are
   * compared in constant time.
   *
   * @throws IllegalArgumentException naming the principal of a blank or too short token (under 16 characters)
   */
  static McpPrincipalResolver bearerTokens(Map<String, String> principalsByToken) {
    Objects.requireNonNull(principalsByToken, "principalsByToken");
    Map<byte[], String> table = new LinkedHashMap<>();
    principalsByToken.forEach((token, principal) -> {
      if (principal == null || principal.isBlank()) {
        throw new IllegalArgumentException("bearer token principal must not be blank but was '" + principal + "'");
      }
      if (token == null || token.strip().length() < 16) {
        throw new IllegalArgumentException("bearer token of " + principal + " must have at least 16 characters but had "
            + (token == null ? "none" : token.strip().length()));
      }
      table.put(token.strip().getBytes(StandardCharsets.UTF_8), principal);
    });
    return caller -> {
      if (caller == null || caller.bearerToken() == null) {
        return null;
      }
      byte[] given = caller.bearerToken().getBytes(StandardCharsets.UTF_8);
      String found = null;
      for (Map.Entry<byte[], String> e : table.entrySet()) {
        if (MessageDigest.isEqual(e.getKey(), given)) {
          found = e.getValue();
        }
      }
      return found;
    };
  }
}

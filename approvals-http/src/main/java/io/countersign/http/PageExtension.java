package io.countersign.http;

import io.countersign.ApprovalStatus;
import io.countersign.Vote;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An add-on to the reviewer page, such as passkey-signed votes: its own pages below
 * {@code <page>/x/<name>/}, static files (scripts) below {@code <page>/x/<name>/static/}, a piece of
 * the decision card of a pending request, and a look at each page vote before it reaches the
 * {@link ReviewQueue}. Registered with {@link ApprovalWeb.Builder#extension}.
 *
 * <p>Contract: called on HTTP worker threads, concurrently; implementations are thread-safe. The
 * page authenticates the reviewer and checks the CSRF token of every POST before calling
 * {@link #handle} or {@link #beforeVote}; static files are served without a session. HTML an
 * extension returns is inserted as is: it must escape every piece of request data itself. Scripts
 * are same-origin files, so the page's Content-Security-Policy ({@code script-src 'self'}) allows
 * them and still forbids inline script. Throwing from {@link #beforeVote} other than
 * {@link PageVoteRefusedException} refuses the vote as a server error (fail closed); nothing
 * reaches the gate.
 */
public interface PageExtension {

  /** The extension's path segment: lower-case letters, digits and {@code -}, e.g. {@code passkeys}. */
  String name();

  /** Names of this extension's static files to load (deferred) on every reviewer page, e.g. {@code passkeys.js}. */
  default List<String> scripts() {
    return List.of();
  }

  /** Top-bar links for signed-in reviewers: label to path below this extension (e.g. {@code "Passkeys" -> ""}). */
  default Map<String, String> navigation() {
    return Map.of();
  }

  /** The static file {@code <page>/x/<name>/static/<file>}, or empty for 404. */
  default Optional<PageResponse> asset(String file) {
    return Optional.empty();
  }

  /**
   * HTML placed in the decision card of a pending request, above the vote form (which has the id
   * {@code vote-form}); empty for nothing.
   */
  default String decisionHtml(PageRequest request, ApprovalStatus status) {
    return "";
  }

  /**
   * Answers a GET or POST below {@code <page>/x/<name>/}; {@link PageRequest#path()} is the rest of
   * the path ({@code ""} for the extension's root). Return empty for 404.
   */
  default Optional<PageResponse> handle(PageRequest request) {
    return Optional.empty();
  }

  /**
   * Looks at a vote cast on the page before it is handed to the queue: returns the vote to submit
   * (the same one, or one carrying {@link Vote#evidence()} taken from {@code request.params()}), or
   * throws {@link PageVoteRefusedException} to refuse it with a message for the reviewer.
   */
  default Vote beforeVote(PageRequest request, ApprovalStatus status, Vote vote) {
    return vote;
  }
}

package io.countersign.http;

import io.countersign.ApprovalGate;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * One-line launcher of the reviewer page and API on {@code 127.0.0.1}, for demos and small tools.
 *
 * <pre>{@code
 * String token = BearerTokenAuthenticator.newToken();
 * BearerTokenAuthenticator tokens = BearerTokenAuthenticator.builder().token(token, Reviewer.of("bob", "sre-leads")).build();
 * try (ApprovalWebServer page = ReviewerPage.start(gate, 0, tokens)) {
 *   System.out.println("Open " + page.reviewUri() + " and sign in with " + token);
 *   // ... the guarded call blocks until bob decides in the browser ...
 * }
 * }</pre>
 */
public final class ReviewerPage {

  private ReviewerPage() {}

  /** Serves every request pending in {@code gate} on {@code 127.0.0.1:port} (0 picks a free port). */
  public static ApprovalWebServer start(ApprovalGate gate, int port, Authenticator authenticator) throws IOException {
    return start(ReviewQueue.of(gate), port, authenticator);
  }

  /** Serves the requests of {@code queue} (e.g. a {@link WebApprover}) on {@code 127.0.0.1:port}. */
  public static ApprovalWebServer start(ReviewQueue queue, int port, Authenticator authenticator) throws IOException {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be from 0 to 65535 but was " + port);
    }
    return ApprovalWeb.builder().queue(queue).authenticator(authenticator).build()
        .start(new InetSocketAddress("127.0.0.1", port));
  }
}

package io.countersign.examples.springboot;

import io.countersign.ApprovalGate;
import io.countersign.Reviewer;
import io.countersign.http.ApprovalWebServer;
import io.countersign.http.BearerTokenAuthenticator;
import io.countersign.http.ReviewQueue;
import io.countersign.http.ReviewerPage;
import io.countersign.http.WebApprover;
import java.io.IOException;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The reviewers' side: the reviewer page and its JSON API (module {@code approvals-http}, on the
 * JDK's HTTP server on 127.0.0.1, next to the service's own port), the reviewers' bearer tokens,
 * and, with {@code example.approver=web} (the default), the {@link WebApprover} that makes the page
 * the gate's delivery channel. With {@code example.approver=in-memory} the starter's
 * {@code InMemoryApprover} receives the requests and the page reads them from the gate.
 */
// with countersign.enabled=false there is no gate to review for: guarded calls are denied instead
@ConditionalOnProperty(prefix = "countersign", name = "enabled", havingValue = "true", matchIfMissing = true)
@Configuration(proxyBeanMethods = false)
public class ReviewerConfiguration {

  /** The page as the gate's channel; the starter's default {@code InMemoryApprover} backs off. */
  @Bean
  @ConditionalOnProperty(name = "example.approver", havingValue = "web", matchIfMissing = true)
  public WebApprover webApprover() {
    return new WebApprover();
  }

  /** The configured reviewers and their tokens (random ones made now for those not configured). */
  @Bean
  public ReviewerAccounts reviewerAccounts(ExampleProperties properties) {
    return ReviewerAccounts.of(properties.reviewers());
  }

  /** Checks each API call's and sign-in's bearer token; only digests of the tokens are kept. */
  @Bean
  public BearerTokenAuthenticator reviewerTokens(ReviewerAccounts accounts) {
    BearerTokenAuthenticator.Builder builder = BearerTokenAuthenticator.builder();
    for (ReviewerAccounts.Account account : accounts.all()) {
      builder.token(account.token(), new Reviewer(account.id(), account.groups()));
    }
    return builder.build();
  }

  /**
   * The running reviewer page ({@code /review/}) and JSON API ({@code /approvals}); closed with the
   * context. Serves the {@link WebApprover}'s requests, or every request pending in the gate.
   */
  @Bean(destroyMethod = "close")
  public ApprovalWebServer reviewerPage(ObjectProvider<WebApprover> webApprover, ApprovalGate gate,
      BearerTokenAuthenticator reviewerTokens, ExampleProperties properties) throws IOException {
    WebApprover web = webApprover.getIfAvailable();
    ReviewQueue queue = web != null ? web : ReviewQueue.of(gate);
    return ReviewerPage.start(queue, properties.reviewerPage().port(), reviewerTokens);
  }

  /** Who may review, with the token each signs in with; printed at startup when generated. */
  public static final class ReviewerAccounts {

    /**
     * One reviewer account.
     *
     * @param id the reviewer id
     * @param groups the reviewer's groups
     * @param token the bearer token (a secret)
     * @param generated whether the token was made at startup (then it is printed, being otherwise unknown)
     */
    public record Account(String id, java.util.Set<String> groups, String token, boolean generated) {
      @Override
      public String toString() {
        return "Account[id=" + id + ", groups=" + groups + ", token=***]";
      }
    }

    private final List<Account> accounts;

    private ReviewerAccounts(List<Account> accounts) {
      this.accounts = List.copyOf(accounts);
    }

    static ReviewerAccounts of(List<ExampleProperties.ReviewerAccount> configured) {
      return new ReviewerAccounts(configured.stream()
          .map(r -> r.token() != null
              ? new Account(r.id(), r.groups(), r.token(), false)
              : new Account(r.id(), r.groups(), BearerTokenAuthenticator.newToken(), true))
          .toList());
    }

    /** Every account, in configuration order. */
    public List<Account> all() {
      return accounts;
    }

    @Override
    public String toString() {
      return "ReviewerAccounts" + accounts;
    }
  }
}

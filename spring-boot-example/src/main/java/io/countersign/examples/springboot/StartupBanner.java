package io.countersign.examples.springboot;

import io.countersign.examples.springboot.ReviewerConfiguration.ReviewerAccounts;
import io.countersign.http.ApprovalWebServer;
import java.io.PrintStream;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * Prints where to go once the service is up: its own URL, the reviewer page, each reviewer's
 * sign-in token, and how to verify the audit log.
 *
 * <p>Generated tokens are printed to the console (never to the log) because there is no other way
 * to learn them; a real deployment takes the tokens, or better an OIDC {@code Authenticator}, from
 * its secret store and prints nothing.
 */
@Component
@ConditionalOnProperty(prefix = "countersign", name = "enabled", havingValue = "true", matchIfMissing = true)
public class StartupBanner implements ApplicationListener<ApplicationReadyEvent> {

  private final ApprovalWebServer reviewerPage;
  private final ReviewerAccounts accounts;
  private final ExampleProperties properties;
  private final PrintStream out;

  /** A banner on standard output. */
  public StartupBanner(ApprovalWebServer reviewerPage, ReviewerAccounts accounts, ExampleProperties properties) {
    this.reviewerPage = reviewerPage;
    this.accounts = accounts;
    this.properties = properties;
    this.out = System.out;
  }

  @Override
  public void onApplicationEvent(ApplicationReadyEvent event) {
    String service = event.getApplicationContext() instanceof WebServerApplicationContext web
        ? "http://127.0.0.1:" + web.getWebServer().getPort()
        : "(no web server)";
    StringBuilder b = new StringBuilder("\n=== Countersign Spring Boot example ===\n");
    b.append("service:        ").append(service).append("  (POST /exports, POST /iam/roles)\n");
    b.append("reviewer page:  ").append(reviewerPage.reviewUri())
        .append("  (approver: ").append(properties.approverName()).append(")\n");
    b.append("reviewer API:   ").append(reviewerPage.apiUri()).append('\n');
    for (ReviewerAccounts.Account a : accounts.all()) {
      b.append("reviewer ").append(a.id()).append(' ').append(a.groups()).append(": token ")
          .append(a.generated() ? a.token() : "(from configuration)").append('\n');
    }
    b.append("audit log:      ").append(properties.audit().dir().toAbsolutePath()).append('\n');
    b.append("verify it:      approvals-audit-cli/bin/countersign verify --key ")
        .append(properties.audit().publicKeyFile().toAbsolutePath()).append(' ')
        .append(properties.audit().dir().toAbsolutePath()).append("  (add --allow-open while the service runs)\n");
    out.println(b);
  }
}

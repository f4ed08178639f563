package io.countersign.spring.boot.docs;

import io.countersign.RequiresApproval;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** The guarded service shown in docs/INTEGRATIONS.md ("Spring Boot"); {@code DocsSnippetsTest} runs it. */
// snippet: boot-service
@Service
public class Refunds {

  private final JdbcTemplate jdbc;

  public Refunds(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  // the approval is decided first; the transaction starts only once the call may run
  @Transactional
  @RequiresApproval(approvers = "group:finance-leads", policy = "large-refunds", action = "Refund an order")
  public void refund(String orderId, int cents) {
    jdbc.update("insert into refunds(order_id, cents) values (?, ?)", orderId, cents);
  }
}
// end-snippet

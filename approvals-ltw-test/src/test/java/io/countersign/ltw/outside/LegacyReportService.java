package io.countersign.ltw.outside;

import io.countersign.RequiresApproval;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An annotated class outside the {@code <include within="io.countersign.ltw.service..*"/>} of this
 * module's test {@code META-INF/aop.xml}: the weaver must leave it alone, which shows that a user's
 * aop.xml narrows weaving (and what narrowing too far costs: this annotation has no effect).
 */
public class LegacyReportService {

  private final AtomicInteger exports = new AtomicInteger();

  @RequiresApproval(approvers = "group:data-owners", action = "Export the legacy report")
  public String export(String report) {
    exports.incrementAndGet();
    return "exported " + report;
  }

  /** How many times the body of {@link #export} ran. */
  public int exports() {
    return exports.get();
  }
}

package io.countersign.policyexamples;

import io.countersign.RequiresApproval;
import java.math.BigDecimal;

/** Finance operations guarded by the {@code finance} policy (see {@link ExamplePolicies#finance()}). */
public class FinanceOps {

  /** Exports rows of a dataset; large exports need two finance leads. */
  @RequiresApproval(policy = "finance", action = "finance.export")
  public String exportRows(String dataset, long rows) {
    return "exported " + rows + " rows of " + dataset;
  }

  /** Pays a vendor; large amounts need two finance leads. */
  @RequiresApproval(policy = "finance", action = "finance.pay")
  public String pay(String vendor, BigDecimal amount) {
    return "paid " + amount + " to " + vendor;
  }
}

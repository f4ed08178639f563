package io.countersign.policyexamples;

import io.countersign.RequiresApproval;
import java.util.List;

/** Bulk operations woven by the aspect for the policy-input tests (S50, S51). */
public class BulkOps {

  /** Purges records by id. */
  @RequiresApproval(policy = "bulk", action = "bulk.purge")
  public String purge(long[] ids) {
    return "purged " + ids.length;
  }

  /** Tags records. */
  @RequiresApproval(policy = "bulk", action = "bulk.tag")
  public String tag(List<Object> items) {
    return "tagged " + items.size();
  }

  /** Archives records under a policy whose condition fails with an Error. */
  @RequiresApproval(policy = "fragile", action = "bulk.archive")
  public String archive(int[] ids) {
    return "archived " + ids.length;
  }
}

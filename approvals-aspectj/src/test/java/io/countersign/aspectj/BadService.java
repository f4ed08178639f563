package io.countersign.aspectj;

import io.countersign.RequiresApproval;
import java.util.concurrent.atomic.AtomicInteger;

/** Misconfigured annotations: each must be reported naming the method, the attribute and the value. */
class BadService {

  final AtomicInteger runs = new AtomicInteger();

  @RequiresApproval(approvers = "group:sre-leads", quorum = 0)
  public void zeroQuorum() {
    runs.incrementAndGet();
  }

  @RequiresApproval(approvers = "group:sre-leads", timeout = "15 minutes")
  public void badTimeout() {
    runs.incrementAndGet();
  }

  @RequiresApproval(approvers = {})
  public void noApprovers() {
    runs.incrementAndGet();
  }
}

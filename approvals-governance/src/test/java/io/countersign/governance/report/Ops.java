package io.countersign.governance.report;

import io.countersign.RequiresApproval;

/** The privileged operations the generated trail is made of (called through the real gate, not woven). */
public class Ops {

  @RequiresApproval(approvers = "group:sre-leads", timeout = "PT30M", action = "Push production config")
  public void pushConfig(String env) {}

  @RequiresApproval(approvers = "group:finance-leads", timeout = "PT30M", action = "Pay out")
  public void payout(String account, long cents) {}

  @RequiresApproval(approvers = "group:sre-leads", quorum = 2, timeout = "PT1H", action = "Rotate root keys")
  public void rotateRootKeys(String scope) {}
}

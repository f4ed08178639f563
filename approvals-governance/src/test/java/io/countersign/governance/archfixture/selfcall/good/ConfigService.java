package io.countersign.governance.archfixture.selfcall.good;

import io.countersign.RequiresApproval;

/** Complies: the guarded method is only called from outside (through the proxy). */
public class ConfigService {

  @RequiresApproval(approvers = "group:sre-leads")
  public void push(String env) {}
}

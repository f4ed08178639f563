package io.countersign.governance.archfixture.selfcall.bad;

import io.countersign.RequiresApproval;

/** Violates the proxy rule: pushAll calls the guarded push on this, which a Spring proxy never sees. */
public class ConfigService {

  @RequiresApproval(approvers = "group:sre-leads")
  public void push(String env) {}

  public void pushAll() {
    push("staging");
    push("prod");
  }
}

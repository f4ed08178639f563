package com.example;

import io.countersign.RequiresApproval;
import io.countersign.Sensitive;

// readme-snippet: ops
public class Ops {                                     // 1. annotate the privileged method
  @RequiresApproval(approvers = "group:sre-leads", quorum = 1, timeout = "PT15M", action = "Push production config")
  public String pushConfig(String env, @Sensitive String configBody) {
    return "pushed " + configBody.length() + " bytes to " + env;
  }
}
// end-readme-snippet

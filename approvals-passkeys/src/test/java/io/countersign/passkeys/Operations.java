package io.countersign.passkeys;

import io.countersign.RequiresApproval;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A small guarded service for the tests: records every body that actually ran. */
public class Operations {

  public final List<String> ran = new CopyOnWriteArrayList<>();

  @RequiresApproval(approvers = "group:sre-leads", timeout = "PT15M", action = "Deploy to production")
  public String deploy(String env, String note) {
    ran.add("deploy " + env);
    return "deployed " + env;
  }

  @RequiresApproval(approvers = "group:sre-leads", quorum = 2, timeout = "PT30M", action = "Rotate signing keys")
  public String rotateKeys(String service) {
    ran.add("rotate " + service);
    return "rotated " + service;
  }
}

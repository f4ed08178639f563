package io.countersign.aspectj;

import io.countersign.RequiresApproval;
import io.countersign.Sensitive;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A small service with privileged methods, woven like users' code; each counts how often its body ran. */
class Ops {

  static final AtomicInteger FLEET_RESTARTS = new AtomicInteger();

  final AtomicInteger configPushes = new AtomicInteger();
  final AtomicInteger keyRotations = new AtomicInteger();
  final AtomicInteger hostDeletions = new AtomicInteger();
  final AtomicInteger exports = new AtomicInteger();

  @RequiresApproval(approvers = "group:sre-leads", timeout = "PT15M", action = "Push production config")
  public String pushConfig(String env, @Sensitive String configBody) {
    configPushes.incrementAndGet();
    return "pushed " + env;
  }

  @RequiresApproval(approvers = "group:sre-leads", quorum = 2, action = "Rotate signing keys")
  public String rotateKeys(String env) {
    keyRotations.incrementAndGet();
    return "rotated " + env;
  }

  @RequiresApproval(approvers = "group:sre-leads", action = "Delete hosts")
  public int deleteHosts(List<String> hosts) {
    hostDeletions.incrementAndGet();
    return hosts.size();
  }

  @RequiresApproval(approvers = "group:sre-leads", action = "Export customer table")
  public CompletableFuture<String> exportTable(String table) {
    exports.incrementAndGet();
    return CompletableFuture.completedFuture("exported " + table);
  }

  @RequiresApproval(approvers = "group:sre-leads", action = "Restart the fleet")
  public static String restartFleet(String region) {
    FLEET_RESTARTS.incrementAndGet();
    return "restarted " + region;
  }
}

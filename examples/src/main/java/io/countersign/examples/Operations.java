package io.countersign.examples;

import io.countersign.RequiresApproval;
import io.countersign.Sensitive;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The privileged operations of a (pretend) production system, guarded by {@link RequiresApproval}.
 * This class is woven at compile time by {@code aspectj-maven-plugin} with the approvals-aspectj
 * library, so each call below waits for reviewers before its body runs. The bodies only record
 * what they did, so the demo and its test can show which ones ran.
 */
public class Operations {

  /** How many rows the pretend export writes. */
  public static final int EXPORTED_ROWS = 1204;

  private final List<String> performed = new CopyOnWriteArrayList<>();

  /** Copies a customer table out of production. */
  @RequiresApproval(approvers = "group:data-owners", timeout = "PT15M", action = "Export customer table")
  public int exportTable(String table, String destination) {
    performed.add("exported " + EXPORTED_ROWS + " rows of " + table + " to " + destination);
    return EXPORTED_ROWS;
  }

  /** Gives a user a role. */
  @RequiresApproval(approvers = "group:security-admins", timeout = "PT15M", action = "Grant admin role")
  public void grantRole(String user, String role) {
    performed.add("granted " + role + " to " + user);
  }

  /** Replaces an environment's configuration; the body may hold secrets, so it is never shown. */
  @RequiresApproval(approvers = "group:sre-leads", timeout = "PT2S", action = "Push production config")
  public void pushConfig(String env, @Sensitive String configBody) {
    performed.add("pushed " + configBody.length() + " characters of config to " + env);
  }

  /** Restarts a production database; used by the interactive demo, where a person decides in the browser or Slack. */
  @RequiresApproval(approvers = "group:sre-leads", timeout = "PT15M", action = "Restart production database")
  public void restartDatabase(String cluster, String reason) {
    performed.add("restarted database " + cluster);
  }

  /** What the bodies did, in order. */
  public List<String> performed() {
    return List.copyOf(performed);
  }
}

package io.countersign.examples.mcp;

import io.countersign.RequiresApproval;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The example's privileged tools: the very methods the MCP tools call carry the approval
 * requirement, so no path from an agent to the action skips the gate. {@link #performed()} lists
 * what really ran.
 */
public class CustomerDataTools {

  private final List<String> performed = new CopyOnWriteArrayList<>();

  // snippet: export-tool
  @RequiresApproval(approvers = "group:data-protection", timeout = "PT30M", action = "Export the customer table")
  public String exportCustomerTable(String region) {
    performed.add("exportCustomerTable " + region);
    return "exported 1,204 customer records of " + region + " to s3://exports/customers-" + region.toLowerCase() + ".csv";
  }
  // end-snippet

  @RequiresApproval(approvers = "group:security", quorum = 1, timeout = "PT30M", action = "Grant an IAM role")
  public String grantRole(String user, String role) {
    performed.add("grantRole " + user + " " + role);
    return "granted role " + role + " to " + user;
  }

  /** What ran, in order. */
  public List<String> performed() {
    return List.copyOf(performed);
  }
}

package io.countersign.mcp;

import io.countersign.RequiresApproval;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Guarded tool methods of the tests; {@link #ran} records each body that really ran. */
public class DataTools {

  final List<String> ran = new CopyOnWriteArrayList<>();

  @RequiresApproval(approvers = "group:finance-leads", timeout = "PT30M", action = "Export the customer table")
  public String exportCustomerTable(String region) {
    ran.add("export " + region);
    return "exported 1,204 customer rows of " + region;
  }

  @RequiresApproval(approvers = "group:security", quorum = 2, timeout = "PT30M", action = "Grant a role")
  public String grantRole(String user, String role) {
    ran.add("grant " + role + " to " + user);
    return "granted " + role + " to " + user;
  }

  @RequiresApproval(approvers = "group:finance-leads", timeout = "PT30M", action = "Purge a customer", mode = RequiresApproval.Mode.DEFERRED)
  public void purgeCustomer(String customerId) {
    ran.add("purge " + customerId);
  }

  static McpSchema.Tool tool(String name, String... parameters) {
    Map<String, Object> properties = new java.util.LinkedHashMap<>();
    for (String p : parameters) {
      properties.put(p, Map.of("type", "string"));
    }
    return McpSchema.Tool.builder().name(name).description("test tool " + name)
        .inputSchema(Map.of("type", "object", "properties", properties, "required", List.of(parameters))).build();
  }
}

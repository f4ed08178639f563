package io.countersign.examples.springai;

import io.countersign.RequiresApproval;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.stereotype.Component;

/**
 * The agent's tools. The two privileged ones carry {@code @RequiresApproval} on the very method
 * Spring AI calls: the starter's advice guards it (Spring AI invokes tool methods through the bean's
 * proxy), so no path from the model to the action skips the gate.
 */
@Component
public class CustomerTools {

  private final List<String> performed = new CopyOnWriteArrayList<>();

  @Tool(description = "Looks up the status of an order")
  public String orderStatus(@ToolParam(description = "the order id") String orderId) {
    return "order " + orderId + " shipped yesterday";
  }

  // snippet: spring-ai-tool
  @Tool(description = "Exports every customer record of a region as a CSV file and returns its location")
  @RequiresApproval(approvers = "group:data-protection", timeout = "PT30M", action = "Export customer data")
  public String exportCustomerData(@ToolParam(description = "the region, e.g. EU") String region) {
    performed.add("exportCustomerData " + region);
    return "exported 1,204 customer records of " + region + " to s3://exports/" + region.toLowerCase() + ".csv";
  }
  // end-snippet

  @Tool(description = "Grants an IAM role to a user")
  @RequiresApproval(approvers = "group:security", timeout = "PT30M", action = "Change an IAM role")
  public String grantRole(@ToolParam(description = "the user") String user, @ToolParam(description = "the role") String role) {
    performed.add("grantRole " + user + " " + role);
    return "granted role " + role + " to " + user;
  }

  /** What really ran, in order. */
  public List<String> performed() {
    return List.copyOf(performed);
  }
}

package io.countersign.examples.agent;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import io.countersign.RequiresApproval;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The tools a customer-support agent may call. Reading is free; exporting data and changing access
 * need a human's approval: the annotation sits on the same method LangChain4j calls, so no path
 * from the model to the action skips the gate (the class is woven at compile time).
 */
public class SupportTools {

  private final List<String> executed = new CopyOnWriteArrayList<>();

  @Tool("Looks up the status of an order by its id")
  public String orderStatus(@P("the order id") String orderId) {
    executed.add("orderStatus " + orderId);
    return "order " + orderId + " shipped yesterday";
  }

  // snippet: agent-tools
  @Tool("Exports every customer record of a region as a CSV file and returns its location")
  @RequiresApproval(approvers = "group:data-protection", timeout = "PT30M", action = "Export customer data")
  public String exportCustomerData(@P("the region, e.g. EU") String region) {
    executed.add("exportCustomerData " + region);
    return "exported 1,204 customer records of " + region + " to s3://exports/" + region.toLowerCase() + ".csv";
  }
  // end-snippet

  @Tool("Changes the IAM role of a user")
  @RequiresApproval(approvers = "group:security", timeout = "PT30M", action = "Change an IAM role")
  public String changeIamRole(@P("the user id") String user, @P("the new role") String role) {
    executed.add("changeIamRole " + user + " " + role);
    return user + " now has role " + role;
  }

  /** The tool bodies that actually ran, in order. */
  public List<String> executed() {
    return List.copyOf(executed);
  }
}

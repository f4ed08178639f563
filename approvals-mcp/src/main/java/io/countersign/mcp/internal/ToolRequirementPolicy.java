package io.countersign.mcp.internal;

import io.countersign.ApprovalRequirement;
import io.countersign.CallContext;
import io.countersign.Invocation;
import io.countersign.spi.ApprovalPolicy;
import io.countersign.spi.PolicyDecision;

/**
 * The policy of wrapped tool specifications: requires the approval the tool was wrapped with
 * (carried by the invocation's {@link ToolCall} target); anything else is denied.
 */
public enum ToolRequirementPolicy implements ApprovalPolicy {
  INSTANCE;

  /** The name the policy is registered under. */
  public static final String NAME = "countersign-mcp-tool";

  @Override
  public PolicyDecision decide(Invocation invocation, CallContext caller, ApprovalRequirement annotationRule) {
    if (invocation.target() instanceof ToolCall call) {
      return PolicyDecision.require("mcp-tool:" + call.tool(), call.rule());
    }
    return PolicyDecision.deny(null, "policy '" + NAME + "' decides MCP tool calls only, not " + invocation);
  }
}

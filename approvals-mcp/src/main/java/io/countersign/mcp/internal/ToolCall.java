package io.countersign.mcp.internal;

import io.countersign.ApprovalRequirement;
import io.countersign.RequiresApproval;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Objects;

/**
 * The call of a wrapped tool specification as the gate sees it: the method {@link #call} stands for
 * every wrapped tool (its annotation names {@link ToolRequirementPolicy}), and this object, the
 * invocation's target, carries the tool's own requirement. The gate never runs {@link #call}: the
 * wrapped handler is the real call.
 */
public final class ToolCall {

  /** {@link #call}, the method every wrapped tool call is guarded as. */
  public static final Method METHOD;

  static {
    try {
      METHOD = ToolCall.class.getMethod("call", String.class, Map.class);
    } catch (NoSuchMethodException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String tool;
  private final ApprovalRequirement rule;

  public ToolCall(String tool, ApprovalRequirement rule) {
    this.tool = Objects.requireNonNull(tool, "tool");
    this.rule = Objects.requireNonNull(rule, "rule");
  }

  /** The tool's name. */
  public String tool() {
    return tool;
  }

  /** Who must approve a call of this tool. */
  public ApprovalRequirement rule() {
    return rule;
  }

  /** Stands for the tool call; never run by the gate (the wrapped handler is the real call). */
  @RequiresApproval(policy = ToolRequirementPolicy.NAME, action = "MCP tool call")
  public Object call(String tool, Map<String, Object> arguments) {
    throw new UnsupportedOperationException("ToolCall#call stands for the MCP tool '" + this.tool + "' and is never run");
  }

  @Override
  public String toString() {
    return "ToolCall[" + tool + "]";
  }
}

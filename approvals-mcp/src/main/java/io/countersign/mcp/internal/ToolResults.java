package io.countersign.mcp.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.ApprovalCancelledException;
import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalRejectedException;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;

/**
 * The MCP results of guarded tool calls. Every outcome other than "approved and run" is an error
 * result ({@code isError: true}) saying what happened and why, so the model can tell the user; it
 * never contains the tool's real output.
 */
public final class ToolResults {

  private ToolResults() {}

  /** The tool's own answer: a {@link CallToolResult} as is, text as text, anything else as JSON. */
  public static CallToolResult success(Object value, ObjectMapper json) {
    if (value instanceof CallToolResult result) {
      return result;
    }
    String text;
    if (value == null) {
      text = "done";
    } else if (value instanceof CharSequence s) {
      text = s.toString();
    } else {
      try {
        text = json.writeValueAsString(value);
      } catch (Exception e) {
        text = String.valueOf(value);
      }
    }
    return CallToolResult.builder().addTextContent(text).isError(false).build();
  }

  /** The gate did not let the call run: denied, expired, cancelled, or approval unavailable. */
  public static CallToolResult denied(String tool, ApprovalDeniedException e) {
    String what;
    if (e instanceof ApprovalRejectedException) {
      what = "approval was denied";
    } else if (e instanceof ApprovalExpiredException) {
      what = "the approval request expired without a decision";
    } else if (e instanceof ApprovalCancelledException) {
      what = "the approval request was cancelled";
    } else {
      what = "approval could not be obtained, so it was refused (fail closed)";
    }
    return error("The tool '" + tool + "' was NOT run: " + what + ". " + e.getMessage());
  }

  /** The call was refused before any approval was asked for. */
  public static CallToolResult refused(String tool, String why) {
    return error("The tool '" + tool + "' was NOT run: " + why);
  }

  /** Approved and run, but the tool itself failed (only the exception's class: its message may hold arguments). */
  public static CallToolResult failed(String tool, Throwable error) {
    return error("The tool '" + tool + "' was approved and run, but failed (" + error.getClass().getName() + ").");
  }

  /** Deferred mode: the call is recorded and runs after approval. */
  public static CallToolResult submitted(String tool, String requestId) {
    return CallToolResult.builder().isError(false).addTextContent("The tool '" + tool + "' was submitted for approval, request id "
        + (requestId == null ? "(unknown)" : requestId) + ". It runs once approved; its outcome is recorded in the audit trail. "
        + "It has NOT run yet.").build();
  }

  private static CallToolResult error(String text) {
    return CallToolResult.builder().addTextContent(text).isError(true).build();
  }
}

package io.countersign.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequirement;
import io.countersign.Invocation;
import io.countersign.RequiresApproval;
import io.countersign.mcp.internal.CallRegistry;
import io.countersign.mcp.internal.GuardedToolHandler;
import io.countersign.mcp.internal.RequestCapture;
import io.countersign.mcp.internal.ToolArguments;
import io.countersign.mcp.internal.ToolCall;
import io.countersign.mcp.internal.ToolRequirementPolicy;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * MCP tools whose calls wait for human approval. A {@code tools/call} of a guarded tool is made by
 * an agent acting for the human its MCP session authenticated (never an eligible reviewer of it);
 * it waits at the {@link ApprovalGate} while the client gets progress notifications, can be
 * cancelled by the client ({@code notifications/cancelled}), and ends as the tool's result when
 * approved, or as an error result ({@code isError: true}) saying what happened and why otherwise.
 *
 * <pre>{@code
 * ApprovalGate gate = McpApprovals.configure(ApprovalGate.builder())   // registers what wrapped tools and progress need
 *     .approver(approver).auditTrail(trail).build();
 * McpApprovals approvals = McpApprovals.builder(gate)
 *     .principals(McpPrincipalResolver.bearerTokens(Map.of(aliceToken, "alice")))
 *     .build();
 * McpServer.sync(transport).tools(
 *     approvals.tool(exportTool, dataOps, "exportCustomerTable"),          // a @RequiresApproval method
 *     approvals.require(anySpec, ApprovalRequirement.of(new String[] {"group:security"}, 1, Duration.ofMinutes(30), false)))
 *     .build();
 * }</pre>
 *
 * <p>Over the streamable HTTP transport, build the SDK's servlet with
 * {@link McpServletSupport#contextExtractor()} and install it with {@link McpServletSupport#register}.
 * Thread-safe; {@link #close()} stops the progress timer.
 */
public final class McpApprovals implements AutoCloseable {

  /** The gate policy of tools wrapped with {@link #require}; {@link #configure} registers it. */
  public static final String POLICY = ToolRequirementPolicy.NAME;
  /** The {@code _meta} key of a tool call under which the client states its purpose, shown to reviewers. */
  public static final String PURPOSE_META_KEY = "io.countersign/purpose";
  /** Default interval at which a pending call's approvals are checked for progress notifications. */
  public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(1);
  /** Default actor id of MCP clients (the client's declared name is appended: {@code mcp-agent/Claude}). */
  public static final String DEFAULT_AGENT_ID = "mcp-agent";

  private final GuardedToolHandler.Settings settings;
  private final ScheduledExecutorService scheduler;

  private McpApprovals(GuardedToolHandler.Settings settings, ScheduledExecutorService scheduler) {
    this.settings = settings;
    this.scheduler = scheduler;
  }

  /**
   * Registers on a gate builder what guarded MCP tools need: the {@link #POLICY} of wrapped tools
   * and a listener that tells each waiting call its request id (for progress, cancellation and the
   * deferred-mode answer). Without it, wrapped tools are denied and progress is not reported.
   */
  public static ApprovalGate.Builder configure(ApprovalGate.Builder gate) {
    return gate.policy(POLICY, ToolRequirementPolicy.INSTANCE).listener(RequestCapture.INSTANCE);
  }

  /** A builder over a gate built with {@link #configure}; {@link Builder#principals} is required. */
  public static Builder builder(ApprovalGate gate) {
    return new Builder(gate);
  }

  /**
   * A tool whose handler is the {@link RequiresApproval} method {@code methodName} of {@code target}:
   * the call's arguments bind to its parameters by name (compile with {@code -parameters}); unknown
   * arguments are refused. The method's result becomes the tool result (text, or JSON). A method in
   * {@link RequiresApproval.Mode#DEFERRED} mode answers at once "submitted for approval, request id
   * ..." and runs later (needs the gate's durable store and a {@code TargetResolver} naming
   * {@code target}). Do not weave the class with the AspectJ aspect as well: the call would ask twice.
   *
   * @throws IllegalArgumentException if there is no such public method, it lacks the annotation, or
   *     its parameter names are unknown
   */
  public SyncToolSpecification tool(McpSchema.Tool tool, Object target, String methodName) {
    Objects.requireNonNull(tool, "tool");
    Objects.requireNonNull(target, "target");
    Method method = guardedMethod(target.getClass(), methodName);
    settings.gate().validate(target.getClass());
    boolean deferred = method.getAnnotation(RequiresApproval.class) != null
        && method.getAnnotation(RequiresApproval.class).mode() == RequiresApproval.Mode.DEFERRED;
    ObjectMapper json = settings.json();
    GuardedToolHandler.Target call = new GuardedToolHandler.Target() {
      @Override
      public Invocation invocation(CallToolRequest request) {
        return Invocation.of(method, target, ToolArguments.bind(method, request.arguments(), json));
      }

      @Override
      public Object proceed(McpSyncServerExchange exchange, CallToolRequest request, Invocation invocation) throws Exception {
        try {
          return method.invoke(target, invocation.args());
        } catch (InvocationTargetException e) {
          Throwable cause = e.getCause();
          if (cause instanceof Exception ex) {
            throw ex;
          }
          throw (Error) cause;
        }
      }
    };
    return new SyncToolSpecification(tool, new GuardedToolHandler(settings, tool.name(), call, deferred));
  }

  /**
   * Any tool specification, wrapped so that each call waits for approval under {@code requirement}
   * before its handler runs. Reviewers see the action "MCP tool call" with the tool's name and
   * arguments. Needs a gate built with {@link #configure}.
   */
  public SyncToolSpecification require(SyncToolSpecification spec, ApprovalRequirement requirement) {
    Objects.requireNonNull(spec, "spec");
    ToolCall toolCall = new ToolCall(spec.tool().name(), Objects.requireNonNull(requirement, "requirement"));
    GuardedToolHandler.Target call = new GuardedToolHandler.Target() {
      @Override
      public Invocation invocation(CallToolRequest request) {
        Map<String, Object> arguments = request.arguments() == null ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(request.arguments()));
        return Invocation.of(ToolCall.METHOD, toolCall, new Object[] {spec.tool().name(), arguments},
            new String[] {"tool", "arguments"});
      }

      @SuppressWarnings("unchecked")
      @Override
      public Object proceed(McpSyncServerExchange exchange, CallToolRequest request, Invocation invocation) {
        // the handler sees the arguments the gate digested, not the request's own map
        CallToolRequest approved = new CallToolRequest(request.name(), (Map<String, Object>) invocation.args()[1], request.meta());
        return spec.callHandler().apply(exchange, approved);
      }
    };
    return new SyncToolSpecification(spec.tool(), new GuardedToolHandler(settings, spec.tool().name(), call, false));
  }

  /**
   * Cancels the waiting tool call with this JSON-RPC id in this MCP session, as a client's
   * {@code notifications/cancelled} asks (the request ends CANCELLED and the tool never runs).
   * Transports other than the servlet one call it from their own notification handling.
   */
  public boolean cancel(String sessionId, String requestId, String reason) {
    return settings.calls().cancel(sessionId, requestId, reason);
  }

  CallRegistry calls() {
    return settings.calls();
  }

  /** Stops the progress timer. */
  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  private static Method guardedMethod(Class<?> type, String name) {
    List<Method> found = new ArrayList<>();
    for (Method m : type.getMethods()) {
      if (m.getName().equals(name) && !m.isBridge() && !Modifier.isStatic(m.getModifiers())) {
        found.add(m);
      }
    }
    String id = type.getName() + "#" + name;
    if (found.size() != 1) {
      throw new IllegalArgumentException("MCP tool method " + id + " must be one public instance method but "
          + (found.isEmpty() ? "there is none" : "there are " + found.size() + " overloads"));
    }
    Method m = found.get(0);
    if (m.getAnnotation(RequiresApproval.class) == null && m.getDeclaringClass().getAnnotation(RequiresApproval.class) == null) {
      throw new IllegalArgumentException("MCP tool method " + id + " carries no @RequiresApproval; "
          + "register an unguarded tool with the SDK directly, or use require(spec, requirement)");
    }
    for (var p : m.getParameters()) {
      if (!p.isNamePresent()) {
        throw new IllegalArgumentException("MCP tool method " + id + ": parameter names are unknown; compile with -parameters "
            + "so that tool arguments can be bound by name");
      }
    }
    return m;
  }

  /** Builds {@link McpApprovals}; each setting is validated at once and may be set once. */
  public static final class Builder {
    private final ApprovalGate gate;
    private McpPrincipalResolver principals;
    private String agentId;
    private Duration progressInterval;

    private Builder(ApprovalGate gate) {
      this.gate = Objects.requireNonNull(gate, "gate");
    }

    /** Says which human each MCP session authenticated. Required. */
    public Builder principals(McpPrincipalResolver resolver) {
      requireUnset(principals, "principals");
      this.principals = Objects.requireNonNull(resolver, "principals");
      return this;
    }

    /** The actor id of MCP clients (the client's declared name is appended); default {@value McpApprovals#DEFAULT_AGENT_ID}. */
    public Builder agentId(String id) {
      requireUnset(agentId, "agentId");
      if (id == null || id.isBlank()) {
        throw new IllegalArgumentException("agentId must not be blank but was " + (id == null ? "null" : "'" + id + "'"));
      }
      this.agentId = id.strip();
      return this;
    }

    /** How often a pending call's approvals are checked for progress notifications; default 1 s. */
    public Builder progressInterval(Duration interval) {
      requireUnset(progressInterval, "progressInterval");
      if (interval == null || interval.isZero() || interval.isNegative()) {
        throw new IllegalArgumentException("progressInterval must be positive but was " + interval);
      }
      this.progressInterval = interval;
      return this;
    }

    /**
     * Builds it.
     *
     * @throws IllegalStateException if {@link #principals} is missing
     */
    public McpApprovals build() {
      if (principals == null) {
        throw new IllegalStateException("principals is required: call principals(...) (e.g. McpPrincipalResolver.bearerTokens(...))");
      }
      McpPrincipalResolver resolver = principals;
      ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread t = new Thread(task, "countersign-mcp-progress");
        t.setDaemon(true);
        return t;
      });
      ObjectMapper json = JsonMapper.builder().findAndAddModules().build();
      GuardedToolHandler.Settings settings = new GuardedToolHandler.Settings(gate,
          context -> resolver.principalOf(McpCaller.from(context)), agentId != null ? agentId : DEFAULT_AGENT_ID,
          PURPOSE_META_KEY, scheduler, progressInterval != null ? progressInterval : DEFAULT_PROGRESS_INTERVAL,
          new CallRegistry(), json);
      return new McpApprovals(settings, scheduler);
    }

    private static void requireUnset(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }
  }
}

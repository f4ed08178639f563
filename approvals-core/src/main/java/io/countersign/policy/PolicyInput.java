package io.countersign.policy;

import io.countersign.Actor;
import io.countersign.ActorKind;
import io.countersign.CallContext;
import io.countersign.Invocation;
import io.countersign.GuardedMethods;
import io.countersign.RequiresApproval;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a policy condition may read about one call: the action name, the method, the argument values
 * by parameter name, who calls (actor kind and id, and the human an agent acts for) and the
 * environment attributes the application supplies (e.g. {@code env = "prod"}). Immutable view;
 * argument values are the live objects the call will use, so conditions must only read them.
 *
 * <p>Argument values may be sensitive: conditions may read them, but Countersign never prints them
 * in explanations or logs.
 */
public final class PolicyInput {

  private final String action;
  private final String method;
  private final Map<String, Object> args;
  private final ActorKind actorKind;
  private final String actorId;
  private final String onBehalfOf;
  private final Map<String, Object> environment;
  private final boolean argNamesKnown;

  private PolicyInput(Builder b) {
    this.action = requireText(b.action, "action");
    this.method = b.method == null ? b.action : b.method;
    this.args = Collections.unmodifiableMap(new LinkedHashMap<>(b.args));
    this.actorKind = Objects.requireNonNull(b.actorKind, "PolicyInput actorKind must not be null");
    this.actorId = requireText(b.actorId, "actorId");
    this.onBehalfOf = b.onBehalfOf;
    this.environment = Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
    this.argNamesKnown = b.argNamesKnown;
  }

  /**
   * The input for one call as the gate sees it.
   *
   * @param environment the application's attributes at the time of the call; may be empty
   */
  public static PolicyInput of(Invocation invocation, CallContext caller, Map<String, ?> environment) {
    Objects.requireNonNull(invocation, "invocation");
    Objects.requireNonNull(caller, "caller");
    Method m = invocation.method();
    String methodId = m.getDeclaringClass().getName() + "#" + m.getName();
    Builder b = builder().method(methodId).action(actionOf(m, methodId)).actor(caller.actor());
    Object[] values = invocation.args();
    List<ArgumentSchema.Param> params = ArgumentSchema.of(m).params();
    boolean known = true;
    for (int i = 0; i < values.length; i++) {
      ArgumentSchema.Param p = params.get(i);
      String name = p.name();
      if (p.source() != ArgumentSchema.NameSource.EXPLICIT) {
        name = invocation.parameterName(i);
        // the interceptor may know names the class file does not (AspectJ records them from source)
        known &= p.source() == ArgumentSchema.NameSource.COMPILED || !name.equals(p.name());
      }
      b.arg(name, values[i]);
    }
    b.argNamesKnown(known);
    if (environment != null) {
      b.environment(environment);
    }
    return b.build();
  }

  /** A builder, for tests, the CLI and callers without an {@link Invocation}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The action as described to reviewers ({@code @RequiresApproval(action)}, else {@code Class#method}). */
  public String action() {
    return action;
  }

  /** The guarded method as {@code fully.qualified.Class#method}. */
  public String method() {
    return method;
  }

  /** Argument values by parameter name, in declaration order (values may be {@code null}). */
  public Map<String, Object> args() {
    return args;
  }

  /**
   * Whether the argument names are the method's real parameter names; {@code false} when they are
   * the JVM's {@code arg0, arg1, ...} (compiled without {@code -parameters}, no {@link ArgName}),
   * in which case a condition that reads arguments by name must fail rather than not match.
   */
  public boolean argNamesKnown() {
    return argNamesKnown;
  }

  /** The value of the argument named {@code name}, or {@code null} if absent or null. */
  public Object arg(String name) {
    return args.get(name);
  }

  /** What kind of principal calls. */
  public ActorKind actorKind() {
    return actorKind;
  }

  /** The calling principal's id. */
  public String actorId() {
    return actorId;
  }

  /** The human an agent acts for, or {@code null}. */
  public String onBehalfOf() {
    return onBehalfOf;
  }

  /** The application's environment attributes (e.g. {@code env}, {@code region}). */
  public Map<String, Object> environment() {
    return environment;
  }

  @Override
  public String toString() {
    // argument names only: values may be sensitive
    return "PolicyInput[action=" + action + ", args=" + args.keySet() + ", actor=" + actorKind + ":" + actorId
        + (onBehalfOf == null ? "" : " for " + onBehalfOf) + ", environment=" + environment.keySet() + "]";
  }

  private static String actionOf(Method m, String methodId) {
    RequiresApproval a = GuardedMethods.annotation(m).orElse(null);
    return a == null || a.action().isBlank() ? methodId : a.action();
  }

  private static String requireText(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("PolicyInput " + field + " must not be blank but was "
          + (value == null ? "null" : "'" + value + "'"));
    }
    return value;
  }

  /** Builds a {@link PolicyInput}; {@code action} and an actor are required. */
  public static final class Builder {
    private String action;
    private String method;
    private final Map<String, Object> args = new LinkedHashMap<>();
    private ActorKind actorKind;
    private String actorId;
    private String onBehalfOf;
    private final Map<String, Object> environment = new LinkedHashMap<>();
    private boolean argNamesKnown = true;

    private Builder() {}

    /** Whether the argument names are real parameter names (default true); see {@link PolicyInput#argNamesKnown()}. */
    public Builder argNamesKnown(boolean known) {
      this.argNamesKnown = known;
      return this;
    }

    /** The action name. */
    public Builder action(String action) {
      this.action = action;
      return this;
    }

    /** The method as {@code Class#method}; defaults to the action. */
    public Builder method(String method) {
      this.method = method;
      return this;
    }

    /** One argument value by parameter name. */
    public Builder arg(String name, Object value) {
      args.put(requireText(name, "argument name"), value);
      return this;
    }

    /** The caller: kind, id and on-behalf-of. */
    public Builder actor(Actor actor) {
      this.actorKind = actor.kind();
      this.actorId = actor.id();
      this.onBehalfOf = actor.onBehalfOf();
      return this;
    }

    /** Adds environment attributes. */
    public Builder environment(Map<String, ?> attributes) {
      attributes.forEach((k, v) -> environment.put(requireText(k, "environment attribute name"), v));
      return this;
    }

    /** One environment attribute. */
    public Builder environment(String name, Object value) {
      environment.put(requireText(name, "environment attribute name"), value);
      return this;
    }

    /** Builds the input. */
    public PolicyInput build() {
      return new PolicyInput(this);
    }
  }
}

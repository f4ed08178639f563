package io.countersign.policy;

import io.countersign.ApprovalConfigurationException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The arguments of one guarded method as policy conditions see them: each parameter's name, type
 * and where the name comes from. Conditions are checked against it at startup (scenario S49), so
 * that a condition reading an argument the method does not have, of a type that cannot match, or
 * by a name the JVM does not know fails the application's start instead of silently never matching.
 *
 * <p>A parameter's name is, in this order: its {@link ArgName}, else the name compiled into the
 * class ({@code javac -parameters}); otherwise it is unknown ({@code arg0, arg1, ...}). Immutable;
 * one instance per method is cached.
 */
public final class ArgumentSchema {

  /** What to do when parameter names are unknown; part of every such error message. */
  public static final String NAMING_FIX = "compile the class with -parameters (maven-compiler-plugin "
      + "<parameters>true</parameters>, Gradle options.compilerArgs << '-parameters') or name each parameter "
      + "with @" + ArgName.class.getName() + "(\"...\")";

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final ConcurrentHashMap<Method, ArgumentSchema> CACHE = new ConcurrentHashMap<>();

  /** Where a parameter's name comes from. */
  public enum NameSource {
    /** {@link ArgName} on the parameter. */
    EXPLICIT,
    /** Compiled into the class ({@code -parameters}). */
    COMPILED,
    /** Not known: the JVM's {@code argN}. */
    UNKNOWN
  }

  /**
   * One parameter.
   *
   * @param name the name conditions read it by ({@code argN} when unknown)
   * @param type its declared class
   * @param genericType its declared type with type arguments
   * @param source where the name comes from
   */
  public record Param(String name, Class<?> type, Type genericType, NameSource source) {}

  private final Method method;
  private final String methodId;
  private final List<Param> params;
  private final boolean namesKnown;

  private ArgumentSchema(Method method) {
    this.method = method;
    this.methodId = method.getDeclaringClass().getName() + "#" + method.getName();
    List<Param> list = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Parameter[] ps = method.getParameters();
    boolean known = true;
    for (Parameter p : ps) {
      ArgName explicit = p.getAnnotation(ArgName.class);
      NameSource source;
      String name;
      if (explicit != null) {
        name = explicit.value();
        source = NameSource.EXPLICIT;
        if (!IDENTIFIER.matcher(name).matches()) {
          throw new ApprovalConfigurationException("@ArgName on " + methodId + " parameter " + p.getName()
              + " must be an identifier such as 'amount' but was '" + name + "'");
        }
      } else {
        name = p.getName();
        source = p.isNamePresent() ? NameSource.COMPILED : NameSource.UNKNOWN;
      }
      if (!seen.add(name)) {
        throw new ApprovalConfigurationException("@ArgName on " + methodId + ": two parameters are named '" + name + "'");
      }
      known &= source != NameSource.UNKNOWN;
      list.add(new Param(name, p.getType(), p.getParameterizedType(), source));
    }
    this.params = Collections.unmodifiableList(list);
    this.namesKnown = known;
  }

  /**
   * The schema of {@code method} (cached).
   *
   * @throws ApprovalConfigurationException if an {@link ArgName} is not an identifier or repeats a name
   */
  public static ArgumentSchema of(Method method) {
    Objects.requireNonNull(method, "method");
    ArgumentSchema cached = CACHE.get(method);
    return cached != null ? cached : CACHE.computeIfAbsent(method, ArgumentSchema::new);
  }

  /** The method. */
  public Method method() {
    return method;
  }

  /** The method as {@code fully.qualified.Class#method}. */
  public String methodId() {
    return methodId;
  }

  /** The parameters in declaration order. */
  public List<Param> params() {
    return params;
  }

  /** The parameter conditions read as {@code args.name}, if any. */
  public Optional<Param> param(String name) {
    for (Param p : params) {
      if (p.name().equals(name)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Whether every parameter's name is known (explicit or compiled in); vacuously true without parameters. */
  public boolean namesKnown() {
    return namesKnown;
  }

  /** E.g. {@code com.example.Payments#pay(String vendor, BigDecimal amount)}. */
  public String signature() {
    StringJoiner j = new StringJoiner(", ", methodId + "(", ")");
    params.forEach(p -> j.add(p.type().getSimpleName() + " " + p.name()));
    return j.toString();
  }

  /** The problem of reading {@code what} (e.g. {@code args.amount}) when this method's parameter names are unknown. */
  public String unknownNamesProblem(String what) {
    return "reads " + what + " but the parameter names of " + signature() + " are unknown (the class was compiled "
        + "without -parameters), so the condition could never see the argument; " + NAMING_FIX;
  }

  @Override
  public String toString() {
    return "ArgumentSchema[" + signature() + "]";
  }
}

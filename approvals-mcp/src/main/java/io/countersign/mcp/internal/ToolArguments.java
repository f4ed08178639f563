package io.countersign.mcp.internal;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Binds a tool call's JSON arguments to a Java method's parameters by name (compile with
 * {@code -parameters}). An argument the method does not declare is refused rather than dropped:
 * reviewers must see everything the caller sent.
 */
public final class ToolArguments {

  private ToolArguments() {}

  /**
   * The method's arguments from the call's.
   *
   * @throws IllegalArgumentException naming the unknown, missing or ill-typed argument
   */
  public static Object[] bind(Method method, Map<String, Object> arguments, ObjectMapper json) {
    Map<String, Object> given = arguments == null ? Map.of() : arguments;
    Parameter[] params = method.getParameters();
    Set<String> names = new LinkedHashSet<>();
    Object[] out = new Object[params.length];
    for (int i = 0; i < params.length; i++) {
      String name = params[i].getName();
      names.add(name);
      Object value = given.get(name);
      if (value == null && params[i].getType().isPrimitive()) {
        throw new IllegalArgumentException("argument '" + name + "' is required");
      }
      try {
        JavaType type = json.getTypeFactory().constructType(params[i].getParameterizedType());
        out[i] = value == null ? null : json.convertValue(value, type);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("argument '" + name + "' must be a " + params[i].getType().getSimpleName()
            + " but was " + value.getClass().getSimpleName());
      }
    }
    for (String key : given.keySet()) {
      if (!names.contains(key)) {
        throw new IllegalArgumentException("unknown argument '" + key + "' (expected " + names + ")");
      }
    }
    return out;
  }
}

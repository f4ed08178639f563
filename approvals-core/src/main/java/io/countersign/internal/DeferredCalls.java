package io.countersign.internal;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.spi.RequestStore.DeferredCall;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a deferred invocation into a {@link DeferredCall} (arguments as a Jackson JSON array) and
 * back. Arguments are read back by the method's declared (generic) parameter types, so they must
 * round-trip through JSON; polymorphic arguments whose runtime type differs from the declared one
 * are not supported (the digest check then refuses to run them).
 */
final class DeferredCalls {

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .findAndAddModules()
      .build();

  private DeferredCalls() {}

  static DeferredCall persist(Method method, String targetName, Object[] args) {
    List<String> types = new ArrayList<>();
    for (Class<?> t : method.getParameterTypes()) {
      types.add(t.getName());
    }
    try {
      return new DeferredCall(targetName, method.getDeclaringClass().getName(), method.getName(), types, MAPPER.writeValueAsString(args));
    } catch (Exception e) {
      throw new IllegalArgumentException("arguments of " + method.getName() + " cannot be serialized: " + e.getClass().getSimpleName(), e);
    }
  }

  static Object[] arguments(DeferredCall call, Method method) {
    try {
      JsonNode array = MAPPER.readTree(call.argsJson());
      Type[] types = method.getGenericParameterTypes();
      if (!array.isArray() || array.size() != types.length) {
        throw new IllegalArgumentException("stored arguments of " + method.getName() + " are not a JSON array of "
            + types.length + " values");
      }
      Object[] args = new Object[types.length];
      for (int i = 0; i < types.length; i++) {
        JavaType type = MAPPER.getTypeFactory().constructType(types[i]);
        args[i] = MAPPER.treeToValue(array.get(i), type);
      }
      return args;
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException("stored arguments of " + method.getName() + " cannot be read: " + e.getClass().getSimpleName(), e);
    }
  }

  static Method method(DeferredCall call) throws ReflectiveOperationException {
    Class<?> type = Class.forName(call.declaringClass(), false, loader());
    Class<?>[] params = new Class<?>[call.parameterTypes().size()];
    for (int i = 0; i < params.length; i++) {
      params[i] = typeNamed(call.parameterTypes().get(i));
    }
    return type.getDeclaredMethod(call.methodName(), params);
  }

  private static Class<?> typeNamed(String name) throws ClassNotFoundException {
    return switch (name) {
      case "boolean" -> boolean.class;
      case "byte" -> byte.class;
      case "char" -> char.class;
      case "short" -> short.class;
      case "int" -> int.class;
      case "long" -> long.class;
      case "float" -> float.class;
      case "double" -> double.class;
      default -> Class.forName(name, false, loader());
    };
  }

  private static ClassLoader loader() {
    ClassLoader l = Thread.currentThread().getContextClassLoader();
    return l != null ? l : DeferredCalls.class.getClassLoader();
  }
}

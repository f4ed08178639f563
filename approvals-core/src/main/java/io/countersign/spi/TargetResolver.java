package io.countersign.spi;

import java.util.Map;
import java.util.Objects;

/**
 * Names the objects that {@code Mode.DEFERRED} methods are called on, so that a persisted invocation
 * can find its target again in any instance (a Spring bean name, a registry key). The same name must
 * resolve to an equivalent object in every instance.
 *
 * <p>Called from any thread. {@link #nameOf} returning {@code null} or throwing denies the call; so
 * does {@link #resolve} when the deferred invocation is about to run (recorded as FAILED).
 */
public interface TargetResolver {

  /** The name under which {@code target} can be resolved later, or {@code null} if it has none. */
  String nameOf(Object target);

  /** The object named {@code name}, or {@code null} if unknown here. */
  Object resolve(String name);

  /** A resolver over a fixed map of named objects (compared by identity when naming). */
  static TargetResolver of(Map<String, ?> targets) {
    Map<String, ?> copy = Map.copyOf(targets);
    return new TargetResolver() {
      @Override
      public String nameOf(Object target) {
        for (Map.Entry<String, ?> e : copy.entrySet()) {
          if (e.getValue() == target) {
            return e.getKey();
          }
        }
        return null;
      }

      @Override
      public Object resolve(String name) {
        return copy.get(Objects.requireNonNull(name, "name"));
      }

      @Override
      public String toString() {
        return "TargetResolver" + copy.keySet();
      }
    };
  }
}

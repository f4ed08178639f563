package io.countersign;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The one rule for "which methods are guarded", used by every interceptor and every check (the
 * AspectJ aspect's pointcuts are held against it by a test, the Spring advisor, the gate's class
 * check, governance's {@code GuardCheck} and ArchUnit rules), so that they can never disagree.
 *
 * <p>A method is guarded when it is not compiler-generated (bridge or synthetic), and
 * <ul>
 *   <li>it carries {@link RequiresApproval} itself (any visibility, static or not), or</li>
 *   <li>it is public and its declaring class carries {@link RequiresApproval}, except
 *       {@code toString()}, {@code equals(Object)} and {@code hashCode()} (logging or a hash map
 *       must not wait for approval).</li>
 * </ul>
 * Annotations are not inherited: an annotation on an interface or superclass method does not guard
 * an implementing or overriding method, and an annotated class does not guard its subclasses'
 * methods. Annotate the method (or class) whose body runs. An annotated abstract method counts as
 * guarded here, but nothing can intercept it: checks report it as unguarded with that advice.
 */
public final class GuardedMethods {

  /** The class-file access flag of a bridge method (not public in {@link Modifier}). */
  public static final int BRIDGE = 0x0040;
  /** The class-file access flag of a compiler-generated (synthetic) member. */
  public static final int SYNTHETIC = 0x1000;

  private GuardedMethods() {}

  /** Whether {@code method} is guarded under the rule above. */
  public static boolean isGuarded(Method method) {
    return isGuarded(method, RequiresApproval.class);
  }

  /**
   * The same rule with the annotation type as another class loader sees it (a check that scans an
   * isolated application loader may meet its own copy of {@link RequiresApproval}).
   */
  public static boolean isGuarded(Method method, Class<? extends Annotation> annotationType) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(annotationType, "annotationType");
    int modifiers = method.getModifiers() | (method.isBridge() ? BRIDGE : 0) | (method.isSynthetic() ? SYNTHETIC : 0);
    return isGuarded(method.getName(), parameterTypeNames(method), modifiers,
        method.isAnnotationPresent(annotationType), method.getDeclaringClass().isAnnotationPresent(annotationType));
  }

  /**
   * The effective annotation of {@code method}: its own, else (for a public, non-{@code Object}
   * method) its declaring class's; empty if the method is not guarded.
   */
  public static Optional<RequiresApproval> annotation(Method method) {
    if (!isGuarded(method)) {
      return Optional.empty();
    }
    RequiresApproval own = method.getAnnotation(RequiresApproval.class);
    return Optional.of(own != null ? own : method.getDeclaringClass().getAnnotation(RequiresApproval.class));
  }

  /**
   * The rule for tools that read class files instead of loaded classes (e.g. ArchUnit): the same
   * answer as {@link #isGuarded(Method)} from a method's described facts.
   *
   * @param name the method's name
   * @param parameterTypeNames its parameters' binary type names ({@code "java.lang.Object"})
   * @param modifiers its access flags as in the class file ({@link Modifier} bits, plus the JVM's
   *     bridge {@code 0x0040} and synthetic {@code 0x1000} bits)
   * @param annotated whether the method itself carries {@link RequiresApproval}
   * @param declaringTypeAnnotated whether its declaring type carries {@link RequiresApproval}
   */
  public static boolean isGuarded(String name, List<String> parameterTypeNames, int modifiers,
      boolean annotated, boolean declaringTypeAnnotated) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(parameterTypeNames, "parameterTypeNames");
    if ((modifiers & (BRIDGE | SYNTHETIC)) != 0) {
      return false;
    }
    if (annotated) {
      return true;
    }
    return declaringTypeAnnotated && Modifier.isPublic(modifiers) && !isObjectMethod(name, parameterTypeNames);
  }

  /** The guarded methods {@code type} declares itself (not inherited ones), in a stable order (by generic signature). */
  public static List<Method> declaredBy(Class<?> type) {
    List<Method> guarded = new ArrayList<>();
    for (Method m : type.getDeclaredMethods()) {
      if (isGuarded(m)) {
        guarded.add(m);
      }
    }
    guarded.sort((a, b) -> a.toGenericString().compareTo(b.toGenericString()));
    return guarded;
  }

  /** {@code Class#method}, the id by which events, errors and policies name a guarded method. */
  public static String id(Method method) {
    return method.getDeclaringClass().getName() + "#" + method.getName();
  }


  private static List<String> parameterTypeNames(Method method) {
    List<String> names = new ArrayList<>(method.getParameterCount());
    for (Class<?> p : method.getParameterTypes()) {
      names.add(p.getName());
    }
    return names;
  }

  private static boolean isObjectMethod(String name, List<String> params) {
    return switch (name) {
      case "toString", "hashCode" -> params.isEmpty();
      case "equals" -> params.equals(List.of("java.lang.Object"));
      default -> false;
    };
  }
}

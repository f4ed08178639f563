package io.countersign.governance;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Detects that the Countersign aspect was woven around a method, by compile-time or load-time
 * weaving, from the class as the JVM loaded it.
 *
 * <p>When {@code ajc} (or the load-time weaver) weaves around advice into a method {@code m}, it
 * moves the original body into a synthetic {@code static m_aroundBodyN(...)} method whose
 * parameters are the target (for instance methods), the original parameters and a
 * {@code org.aspectj.lang.JoinPoint}; the original method then only calls the advice. Matching
 * that signature tells, per overload, which methods were woven. To be sure the advice is
 * Countersign's and not some other aspect's, the class's loader must see
 * {@code io.countersign.aspectj.ApprovalAspect}, and when the class file itself was compiled by
 * {@code ajc} its constant pool must name that aspect. A load-time woven class's bytes are not
 * visible after weaving, so for it the aspect check is the loader's visibility of the aspect
 * (documented in the module README).
 */
public final class AspectJWeaving implements InterceptionDetector {

  /** The one instance; stateless apart from a per-class cache. */
  public static final AspectJWeaving INSTANCE = new AspectJWeaving();

  /** The aspect that hands calls to the gate. */
  public static final String ASPECT_CLASS = "io.countersign.aspectj.ApprovalAspect";

  private static final String JOIN_POINT = "org.aspectj.lang.JoinPoint";

  private final Map<Class<?>, String> classVerdicts = new ConcurrentHashMap<>();

  private AspectJWeaving() {}

  @Override
  public boolean intercepts(Method method) {
    if (Modifier.isAbstract(method.getModifiers())) {
      return false; // execution join points exist only where there is a body
    }
    Class<?> type = method.getDeclaringClass();
    if (classVerdicts.computeIfAbsent(type, AspectJWeaving::countersignAspectProblem) != null) {
      return false;
    }
    Pattern body = Pattern.compile(Pattern.quote(method.getName()) + "_aroundBody\\d+");
    List<String> expected = new ArrayList<>();
    if (!Modifier.isStatic(method.getModifiers())) {
      expected.add(type.getName());
    }
    for (Class<?> p : method.getParameterTypes()) {
      expected.add(p.getName());
    }
    for (Method candidate : type.getDeclaredMethods()) {
      if (!Modifier.isStatic(candidate.getModifiers()) || !body.matcher(candidate.getName()).matches()) {
        continue;
      }
      Class<?>[] params = candidate.getParameterTypes();
      if (params.length == expected.size() + 1 && params[params.length - 1].getName().equals(JOIN_POINT)
          && candidate.getReturnType() == method.getReturnType() && sameNames(params, expected)) {
        return true;
      }
    }
    return false;
  }

  /** Why the class cannot be woven with the Countersign aspect, or {@code null} if it can. */
  String whyNotWoven(Class<?> type) {
    return classVerdicts.computeIfAbsent(type, AspectJWeaving::countersignAspectProblem);
  }

  @Override
  public String mechanism() {
    return "AspectJ weaving";
  }

  @Override
  public String toString() {
    return "InterceptionDetector[AspectJ weaving of " + ASPECT_CLASS + "]";
  }

  private static boolean sameNames(Class<?>[] params, List<String> expected) {
    for (int i = 0; i < expected.size(); i++) {
      if (!params[i].getName().equals(expected.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static String countersignAspectProblem(Class<?> type) {
    ClassLoader loader = type.getClassLoader();
    try {
      Class.forName(ASPECT_CLASS, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      return ASPECT_CLASS + " is not visible from " + type.getName() + "'s class loader (add approvals-aspectj)";
    }
    byte[] classFile = classFile(type);
    if (classFile != null) {
      String text = new String(classFile, StandardCharsets.ISO_8859_1);
      // Compiled by ajc: the woven bytes on disk must call Countersign's aspect, not only some aspect.
      if (text.contains("ajc$") && !text.contains(ASPECT_CLASS.replace('.', '/'))) {
        return type.getName() + " was woven by ajc, but not with " + ASPECT_CLASS;
      }
    }
    return null;
  }

  private static byte[] classFile(Class<?> type) {
    ClassLoader loader = type.getClassLoader();
    if (loader == null) {
      return null;
    }
    try (InputStream in = loader.getResourceAsStream(type.getName().replace('.', '/') + ".class")) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      return null;
    }
  }
}

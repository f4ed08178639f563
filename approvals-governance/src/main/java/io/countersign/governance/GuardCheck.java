package io.countersign.governance;

import io.countersign.ApprovalConfigurationException;
import io.countersign.GuardedMethods;
import io.countersign.RequiresApproval;
import io.github.classgraph.ClassGraph;
import io.github.classgraph.ClassInfo;
import io.github.classgraph.ScanResult;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A startup check that nothing privileged runs unguarded: finds every {@link RequiresApproval}
 * method in the application's packages (the one rule of {@link GuardedMethods}: annotated itself, or
 * a public method of an annotated type, {@code toString}/{@code equals}/{@code hashCode} excepted) and
 * verifies that each is actually intercepted, by AspectJ weaving or by a mechanism the application
 * declares (e.g. Spring proxies). A method that is annotated but not intercepted would run without
 * any approval; the check fails fast naming every such {@code Class#method}.
 *
 * <pre>{@code
 * // in main(), before serving anything:
 * GuardCheck.scan("com.example.app");   // throws UnguardedMethodsException naming each unguarded method
 *
 * // with Spring proxies as well (the starter supplies the proxied bean types):
 * GuardCheck.builder()
 *     .packages("com.example.app")
 *     .interceptedBy(InterceptionDetector.proxiedTypes(proxiedBeanTypes))
 *     .build()
 *     .verify();
 * }</pre>
 *
 * <p>Classes are loaded (not initialized) through the given class loader, so that load-time
 * weaving, if configured, has woven them before they are inspected. Immutable and thread-safe.
 */
public final class GuardCheck {

  private static final Logger LOG = LoggerFactory.getLogger(GuardCheck.class);

  private final List<String> packages;
  private final ClassLoader classLoader;
  private final List<InterceptionDetector> detectors;

  private GuardCheck(Builder b) {
    this.packages = List.copyOf(b.packages);
    this.classLoader = b.classLoader;
    this.detectors = List.copyOf(b.detectors);
  }

  /**
   * Checks the packages with AspectJ weaving as the only interception mechanism, using the thread's
   * context class loader (else this class's).
   *
   * @return the result, every guarded method intercepted
   * @throws UnguardedMethodsException naming each guarded method that nothing intercepts
   * @throws IllegalArgumentException if no package is given or a name is blank
   */
  public static GuardCheckResult scan(String... packages) {
    return builder().packages(packages).build().verify();
  }

  /** A builder; at least one package is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs the check and throws if any guarded method is not intercepted. Logs one INFO line with the
   * totals when all are.
   *
   * @throws UnguardedMethodsException naming each unguarded {@code Class#method}
   * @throws ApprovalConfigurationException if a guarded class cannot be loaded or linked
   */
  public GuardCheckResult verify() {
    GuardCheckResult result = inspect();
    if (!result.unguarded().isEmpty()) {
      throw new UnguardedMethodsException(result);
    }
    LOG.info("Countersign guard check: {} guarded method(s) in {} all intercepted ({})",
        result.methods().size(), packages, result.countsByMechanism());
    return result;
  }

  /**
   * Runs the check and returns what it found, without throwing for unguarded methods.
   *
   * @throws ApprovalConfigurationException if a guarded class cannot be loaded or linked
   */
  public GuardCheckResult inspect() {
    List<GuardCheckResult.Finding> findings = new ArrayList<>();
    // The annotation type as the application's loader sees it (an isolated loader may have its own copy).
    Class<? extends Annotation> annotation = annotationType();
    for (Class<?> type : annotatedClasses()) {
      Method[] declared;
      try {
        declared = type.getDeclaredMethods();
      } catch (LinkageError e) {
        throw new ApprovalConfigurationException("GuardCheck cannot inspect " + type.getName()
            + ": its methods refer to classes missing from the class path (" + e
            + "); a woven class needs aspectjrt and approvals-aspectj at run time", e);
      }
      for (Method method : declared) {
        if (!isGuarded(method, annotation)) {
          continue;
        }
        findings.add(check(method));
      }
    }
    findings.sort(Comparator.comparing(GuardCheckResult.Finding::methodId).thenComparing(f -> f.method().toGenericString()));
    return new GuardCheckResult(packages, findings);
  }

  /** Whether the gate treats {@code method} as guarded: the one rule of {@link GuardedMethods}. */
  static boolean isGuarded(Method method, Class<? extends Annotation> annotation) {
    return GuardedMethods.isGuarded(method, annotation);
  }

  private Class<? extends Annotation> annotationType() {
    try {
      return Class.forName(RequiresApproval.class.getName(), false, classLoader).asSubclass(Annotation.class);
    } catch (ClassNotFoundException | LinkageError e) {
      return RequiresApproval.class; // then no class of that loader can carry it, and the scan finds none
    }
  }

  private GuardCheckResult.Finding check(Method method) {
    List<String> errors = new ArrayList<>();
    for (InterceptionDetector detector : detectors) {
      try {
        if (detector.intercepts(method)) {
          return GuardCheckResult.Finding.intercepted(method, detector.mechanism());
        }
      } catch (RuntimeException | LinkageError e) {
        errors.add(detector.mechanism() + " failed: " + e);
      }
    }
    StringBuilder why = new StringBuilder("not intercepted by ");
    why.append(String.join(" or ", detectors.stream().map(InterceptionDetector::mechanism).toList()));
    if (Modifier.isAbstract(method.getModifiers())) {
      why.append("; the annotation is on an abstract/interface method, which implementations do not inherit:"
          + " annotate the implementing method (or its class)");
    } else if (detectors.contains(AspectJWeaving.INSTANCE)) {
      String classProblem = AspectJWeaving.INSTANCE.whyNotWoven(method.getDeclaringClass());
      why.append(classProblem != null ? "; " + classProblem
          : "; compile it with ajc and the approvals-aspectj aspect library, or run with -javaagent:aspectjweaver.jar");
    }
    errors.forEach(e -> why.append("; ").append(e));
    return GuardCheckResult.Finding.unguarded(method, why.toString());
  }

  private Set<Class<?>> annotatedClasses() {
    Set<Class<?>> classes = new LinkedHashSet<>();
    try (ScanResult scan = new ClassGraph()
        .overrideClassLoaders(classLoader)
        .ignoreParentClassLoaders()
        .enableClassInfo().enableMethodInfo().enableAnnotationInfo()
        .ignoreClassVisibility().ignoreMethodVisibility()
        .acceptPackages(packages.toArray(String[]::new))
        .scan()) {
      List<ClassInfo> infos = new ArrayList<>(scan.getClassesWithAnnotation(RequiresApproval.class));
      infos.addAll(scan.getClassesWithMethodAnnotation(RequiresApproval.class));
      for (ClassInfo info : infos) {
        try {
          classes.add(Class.forName(info.getName(), false, classLoader));
        } catch (ClassNotFoundException | LinkageError e) {
          throw new ApprovalConfigurationException("GuardCheck found @RequiresApproval on " + info.getName()
              + " but cannot load it from " + classLoader + ": " + e, e);
        }
      }
    }
    return classes;
  }

  @Override
  public String toString() {
    return "GuardCheck[packages=" + packages + ", detectors=" + detectors + "]";
  }

  /** Builds an immutable {@link GuardCheck}; each setting is validated at once. */
  public static final class Builder {
    private final List<String> packages = new ArrayList<>();
    private ClassLoader classLoader;
    private final List<InterceptionDetector> detectors = new ArrayList<>(List.of(InterceptionDetector.aspectJ()));

    private Builder() {}

    /** Packages (and their subpackages) holding the application's guarded classes, e.g. {@code "com.example.app"}. */
    public Builder packages(String... names) {
      Objects.requireNonNull(names, "packages");
      for (String name : names) {
        if (name == null || name.isBlank() || name.startsWith(".") || name.endsWith(".")) {
          throw new IllegalArgumentException("package name must be a non-blank name such as 'com.example.app' but was "
              + (name == null ? "null" : "'" + name + "'"));
        }
        packages.add(name);
      }
      return this;
    }

    /** Where to find and load the classes; defaults to the thread's context class loader (else this class's). */
    public Builder classLoader(ClassLoader loader) {
      if (this.classLoader != null) {
        throw new IllegalStateException("classLoader was already set to " + this.classLoader);
      }
      this.classLoader = Objects.requireNonNull(loader, "classLoader");
      return this;
    }

    /**
     * Adds an interception mechanism besides AspectJ weaving (which is always checked): a method
     * counts as guarded if any detector says it is intercepted.
     */
    public Builder interceptedBy(InterceptionDetector detector) {
      detectors.add(Objects.requireNonNull(detector, "detector"));
      return this;
    }

    /**
     * Builds the check.
     *
     * @throws IllegalStateException if no package was given
     */
    public GuardCheck build() {
      if (packages.isEmpty()) {
        throw new IllegalStateException("GuardCheck needs at least one package: call packages(\"com.example.app\")");
      }
      if (classLoader == null) {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        classLoader = context != null ? context : GuardCheck.class.getClassLoader();
      }
      return new GuardCheck(this);
    }
  }
}

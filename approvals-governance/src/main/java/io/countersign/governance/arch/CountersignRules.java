package io.countersign.governance.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.countersign.GuardedMethods;
import io.countersign.RequiresApproval;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * ArchUnit rules that keep privileged code behind the approval gate, for users to run in their own
 * test suites (with plain ArchUnit, {@code rule.check(classes)}, or as {@code @ArchTest} fields with
 * the archunit-junit engine):
 *
 * <pre>{@code
 * JavaClasses classes = new ClassFileImporter().importPackages("com.example.app");
 * CountersignRules.methodsCalling(IamClient.class).inPackages("..admin..").mustBeGuarded().check(classes);
 * CountersignRules.noClassOutsideCountersignUsesInternals().check(classes);
 * CountersignRules.guardedMethodsAreNotCalledFromTheirOwnClass().check(classes); // for Spring proxies
 * }</pre>
 *
 * <p>"Guarded" means what the gate and the aspect mean, the one rule of {@link GuardedMethods}:
 * annotated with {@link RequiresApproval}, or a public method (not {@code toString}/{@code equals}/
 * {@code hashCode}) of an annotated class. A
 * private helper counts as guarded when every call to it comes from guarded code, so privileged
 * calls may be factored out of an annotated method.
 */
public final class CountersignRules {

  /** The packages of Countersign itself, whose classes may use its internals. */
  public static final String COUNTERSIGN_PACKAGES = "io.countersign..";

  /** The implementation packages users must not depend on. */
  public static final String INTERNAL_PACKAGES = "io.countersign..internal..";

  private CountersignRules() {}

  /**
   * Starts a rule about the methods that call any method of {@code privilegedApi} (or a subtype of
   * it), e.g. an IAM, payments or infrastructure client.
   */
  public static CallingRule methodsCalling(Class<?> privilegedApi) {
    Objects.requireNonNull(privilegedApi, "privilegedApi");
    return new CallingRule(privilegedApi, List.of());
  }

  /**
   * No class outside {@value #COUNTERSIGN_PACKAGES} depends on classes in {@value #INTERNAL_PACKAGES}:
   * the gate's state machine and helpers are not an API, and calling them directly could bypass rules.
   */
  public static ArchRule noClassOutsideCountersignUsesInternals() {
    return noClasses().that().resideOutsideOfPackage(COUNTERSIGN_PACKAGES)
        .should().dependOnClassesThat().resideInAPackage(INTERNAL_PACKAGES)
        .because("Countersign's internal packages are not an API: go through ApprovalGate and the SPIs");
  }

  /**
   * No guarded method is called from its own class. Proxy-based interception (Spring AOP) only sees
   * calls that come through the proxy, so {@code this.pushConfig(..)} inside the bean would run the
   * method without approval. (AspectJ weaving intercepts such calls; this rule is for proxy users.)
   */
  public static ArchRule guardedMethodsAreNotCalledFromTheirOwnClass() {
    return methods().that(GUARDED)
        .should(new ArchCondition<JavaMethod>("not be called from their own class (a proxy would not see the call)") {
          @Override
          public void check(JavaMethod method, ConditionEvents events) {
            for (JavaMethodCall call : method.getCallsOfSelf()) {
              if (call.getOriginOwner().equals(method.getOwner())) {
                events.add(SimpleConditionEvent.violated(method, "Guarded method " + method.getFullName()
                    + " is called from its own class by " + call.getOrigin().getFullName()
                    + " (" + call.getSourceCodeLocation() + "); a proxy does not intercept self-invocation"));
              }
            }
          }
        });
  }

  /** A rule under construction: which callers of a privileged API must be guarded. */
  public static final class CallingRule {
    private final Class<?> privilegedApi;
    private final List<String> packages;

    private CallingRule(Class<?> privilegedApi, List<String> packages) {
      this.privilegedApi = privilegedApi;
      this.packages = packages;
    }

    /**
     * Restricts the rule to callers declared in classes of these packages, in ArchUnit's package
     * syntax ({@code "..admin.."}, {@code "com.example.ops"}). Without it, every caller is checked.
     */
    public CallingRule inPackages(String... packageIdentifiers) {
      Objects.requireNonNull(packageIdentifiers, "packageIdentifiers");
      if (packageIdentifiers.length == 0) {
        throw new IllegalArgumentException("inPackages needs at least one package identifier such as '..admin..' but was given none");
      }
      for (String p : packageIdentifiers) {
        if (p == null || p.isBlank()) {
          throw new IllegalArgumentException("package identifier must not be blank but was " + (p == null ? "null" : "'" + p + "'"));
        }
      }
      return new CallingRule(privilegedApi, List.of(packageIdentifiers));
    }

    /**
     * Every such caller must be guarded: annotated with {@code @RequiresApproval}, a public method of
     * an annotated class, or a private helper only called from guarded code.
     */
    public ArchRule mustBeGuarded() {
      DescribedPredicate<JavaMethod> callsApi = new DescribedPredicate<>("call " + privilegedApi.getSimpleName()) {
        @Override
        public boolean test(JavaMethod method) {
          return callsPrivilegedApi(method);
        }
      };
      var that = packages.isEmpty()
          ? methods().that(callsApi)
          : methods().that().areDeclaredInClassesThat().resideInAnyPackage(packages.toArray(String[]::new)).and(callsApi);
      return that.should(new ArchCondition<JavaMethod>("be guarded by @RequiresApproval") {
        @Override
        public void check(JavaMethod method, ConditionEvents events) {
          boolean ok = isGuardedOrOnlyCalledFromGuarded(method, new HashSet<>());
          events.add(new SimpleConditionEvent(method, ok, "Method " + method.getFullName() + " calls "
              + privilegedApi.getName() + " but is " + (ok ? "" : "not ") + "guarded by @RequiresApproval "
              + method.getSourceCodeLocation()));
        }
      }).because(privilegedApi.getSimpleName() + " performs privileged actions that need human approval");
    }

    private boolean callsPrivilegedApi(JavaMethod method) {
      return method.getMethodCallsFromSelf().stream()
          .anyMatch(call -> call.getTargetOwner().isAssignableTo(privilegedApi));
    }

    @Override
    public String toString() {
      return "methodsCalling(" + privilegedApi.getName() + ")" + (packages.isEmpty() ? "" : ".inPackages(" + packages + ")");
    }
  }

  private static final DescribedPredicate<JavaMethod> GUARDED = new DescribedPredicate<>("are guarded by @RequiresApproval") {
    @Override
    public boolean test(JavaMethod method) {
      return isGuarded(method);
    }
  };

  /** Guarded as the gate sees it: the one rule of {@link GuardedMethods}, from the imported class file. */
  static boolean isGuarded(JavaMethod method) {
    int modifiers = 0;
    for (JavaModifier m : method.getModifiers()) {
      modifiers |= switch (m) {
        case PUBLIC -> Modifier.PUBLIC;
        case PROTECTED -> Modifier.PROTECTED;
        case PRIVATE -> Modifier.PRIVATE;
        case STATIC -> Modifier.STATIC;
        case ABSTRACT -> Modifier.ABSTRACT;
        case BRIDGE -> GuardedMethods.BRIDGE;
        case SYNTHETIC -> GuardedMethods.SYNTHETIC;
        default -> 0;
      };
    }
    return GuardedMethods.isGuarded(method.getName(), method.getRawParameterTypes().stream().map(JavaClass::getName).toList(),
        modifiers, method.isAnnotatedWith(RequiresApproval.class), method.getOwner().isAnnotatedWith(RequiresApproval.class));
  }

  private static boolean isGuardedOrOnlyCalledFromGuarded(JavaCodeUnit codeUnit, Set<JavaCodeUnit> visiting) {
    if (codeUnit instanceof JavaMethod method && isGuarded(method)) {
      return true;
    }
    // Only a private helper can be proven to be reached from nowhere else; anything wider is callable
    // from code this import does not see.
    if (!codeUnit.getModifiers().contains(JavaModifier.PRIVATE) || !visiting.add(codeUnit)) {
      return false;
    }
    Set<? extends JavaCall<?>> callers = codeUnit.getCallsOfSelf();
    return !callers.isEmpty() && callers.stream().allMatch(c -> isGuardedOrOnlyCalledFromGuarded(c.getOrigin(), visiting));
  }
}

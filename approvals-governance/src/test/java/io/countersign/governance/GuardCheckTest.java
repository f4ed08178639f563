package io.countersign.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.countersign.ApprovalConfigurationException;
import io.countersign.governance.fixture.finalmethod.BillingService;
import io.countersign.governance.fixture.plain.PlainOps;
import io.countersign.governance.fixture.plain.PlainTypeLevelOps;
import io.countersign.governance.fixture.woven.WovenOps;
import io.countersign.RequiresApproval;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import org.aspectj.lang.JoinPoint;
import org.junit.jupiter.api.Test;

class GuardCheckTest {

  private static final String PLAIN = "io.countersign.governance.fixture.plain";
  private static final String WOVEN = "io.countersign.governance.fixture.woven";

  @Test
  void unwovenAnnotatedClassFailsTheCheckNamingEachUnguardedMethod() {
    UnguardedMethodsException e = catchThrowableOfType(UnguardedMethodsException.class, () -> GuardCheck.scan(PLAIN));
    assertThat(e).isInstanceOf(ApprovalConfigurationException.class);
    assertThat(e.getMessage())
        .startsWith("3 @RequiresApproval methods are not intercepted and would run WITHOUT approval (packages [" + PLAIN + "]):\n")
        .contains("  - " + PLAIN + ".PlainOps#deleteCluster(String): not intercepted by AspectJ weaving; compile it with ajc")
        .contains("  - " + PLAIN + ".PlainOps#rotateKeys(): ")
        .contains("  - " + PLAIN + ".PlainTypeLevelOps#transfer(String, String, long): ")
        .doesNotContain("#status", "#toString", "#equals", "#hashCode");
    assertThat(e.result().unguarded()).extracting(GuardCheckResult.Finding::methodId).containsExactly(
        PLAIN + ".PlainOps#deleteCluster", PLAIN + ".PlainOps#rotateKeys", PLAIN + ".PlainTypeLevelOps#transfer");
  }

  @Test
  void classesWovenWithTheCountersignAspectPassAndEveryGuardedMethodIsListed() {
    GuardCheckResult result = GuardCheck.scan(WOVEN);
    assertThat(result.unguarded()).isEmpty();
    assertThat(result.methods()).extracting(f -> f.methodId() + "/" + f.method().getParameterCount()).containsExactly(
        WOVEN + ".WovenOps#dropTable/1", WOVEN + ".WovenOps#pushConfig/1", WOVEN + ".WovenOps#pushConfig/2",
        WOVEN + ".WovenOps#restartAll/1", WOVEN + ".WovenTypeLevelOps#payout/2", WOVEN + ".WovenTypeLevelOps#refund/1");
    assertThat(result.countsByMechanism()).containsExactly(java.util.Map.entry("AspectJ weaving", 6L));
  }

  @Test
  void aspectJDetectorTellsOverloadsApartByTheirParameters() throws Exception {
    InterceptionDetector aspectJ = InterceptionDetector.aspectJ();
    assertThat(aspectJ.intercepts(WovenOps.class.getMethod("pushConfig", String.class))).isTrue();
    assertThat(aspectJ.intercepts(WovenOps.class.getMethod("pushConfig", String.class, String.class))).isTrue();
    assertThat(aspectJ.intercepts(WovenOps.class.getMethod("describe"))).isFalse();
    assertThat(aspectJ.intercepts(PlainOps.class.getMethod("deleteCluster", String.class))).isFalse();
  }

  @Test
  void checkOfSeveralPackagesFailsOnTheUnwovenOneOnly() {
    UnguardedMethodsException e = catchThrowableOfType(UnguardedMethodsException.class, () -> GuardCheck.scan(WOVEN, PLAIN));
    assertThat(e.result().methods()).hasSize(9);
    assertThat(e.result().unguarded()).allSatisfy(f -> assertThat(f.methodId()).startsWith(PLAIN));
  }

  @Test
  void proxiedBeansDeclaredByTheSpringHookCountAsIntercepted() {
    GuardCheckResult result = GuardCheck.builder().packages(PLAIN)
        .interceptedBy(InterceptionDetector.proxiedTypes(List.of(PlainOps.class, PlainTypeLevelOps.class)))
        .build().verify();
    assertThat(result.countsByMechanism()).containsExactly(java.util.Map.entry("proxy", 3L));
  }

  @Test
  void finalMethodOfAProxiedBeanIsUnguardedBecauseAProxyCannotOverrideIt() {
    UnguardedMethodsException e = catchThrowableOfType(UnguardedMethodsException.class, () -> GuardCheck.builder()
        .packages("io.countersign.governance.fixture.finalmethod")
        .interceptedBy(InterceptionDetector.proxiedTypes(List.of(BillingService.class)))
        .build().verify());
    assertThat(e.result().unguarded()).extracting(GuardCheckResult.Finding::methodId)
        .containsExactly(BillingService.class.getName() + "#writeOff");
    assertThat(e.getMessage()).contains("not intercepted by AspectJ weaving or proxy");
  }

  @Test
  void annotationOnAnInterfaceMethodIsReportedWithHowToFixIt() {
    UnguardedMethodsException e = catchThrowableOfType(UnguardedMethodsException.class,
        () -> GuardCheck.scan("io.countersign.governance.fixture.iface"));
    assertThat(e.getMessage()).contains("fixture.iface.UserAdmin#grantAdmin(String)",
        "the annotation is on an abstract/interface method, which implementations do not inherit: annotate the implementing method");
  }

  @Test
  void customHookDecidesByMethodAndItsNameIsReported() {
    GuardCheckResult result = GuardCheck.builder().packages(PLAIN)
        .interceptedBy(InterceptionDetector.named("spring-aop", m -> m.getDeclaringClass() == PlainOps.class))
        .interceptedBy(InterceptionDetector.named("hand-written proxy", m -> m.getName().equals("transfer")))
        .build().inspect();
    assertThat(result.unguarded()).isEmpty();
    assertThat(result.countsByMechanism()).containsEntry("spring-aop", 2L).containsEntry("hand-written proxy", 1L);
  }

  @Test
  void detectorThatThrowsCountsAsNotInterceptedAndTheErrorIsNamed() {
    UnguardedMethodsException e = catchThrowableOfType(UnguardedMethodsException.class, () -> GuardCheck.builder().packages(PLAIN)
        .interceptedBy(InterceptionDetector.named("broken", m -> {
          throw new IllegalStateException("bean factory not ready");
        }))
        .build().verify());
    assertThat(e.result().unguarded()).hasSize(3);
    assertThat(e.getMessage()).contains("broken failed: java.lang.IllegalStateException: bean factory not ready");
  }

  @Test
  void packageWithoutGuardedMethodsPasses() {
    assertThat(GuardCheck.scan("io.countersign.governance.nothing.here").methods()).isEmpty();
  }

  @Test
  void builderRejectsMissingOrBlankPackagesWithTheBadValue() {
    assertThatThrownBy(() -> GuardCheck.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("GuardCheck needs at least one package: call packages(\"com.example.app\")");
    assertThatThrownBy(() -> GuardCheck.builder().packages(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("package name must be a non-blank name such as 'com.example.app' but was ' '");
    assertThatThrownBy(() -> GuardCheck.builder().packages("com.example.")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was 'com.example.'");
    assertThatThrownBy(() -> GuardCheck.builder().classLoader(getClass().getClassLoader()).classLoader(getClass().getClassLoader()))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("classLoader was already set to ");
  }

  @Test
  void wovenClassWhoseLoaderCannotSeeTheCountersignAspectIsNotTakenAsGuarded() throws Exception {
    // sees the classes and the AspectJ runtime, but not approvals-aspectj: the advice could never run
    try (URLClassLoader isolated = new URLClassLoader(new URL[] {location(WovenOps.class), location(RequiresApproval.class),
        location(JoinPoint.class)}, null)) {
      GuardCheckResult result = GuardCheck.builder().packages(WOVEN).classLoader(isolated).build().inspect();
      assertThat(result.unguarded()).hasSize(6);
      assertThat(result.unguarded().get(0).problem())
          .contains("io.countersign.aspectj.ApprovalAspect is not visible from " + WOVEN + ".WovenOps's class loader");
    }
  }

  @Test
  void classThatCannotBeLinkedFailsTheCheckNamingIt() throws Exception {
    // without the AspectJ runtime a woven class cannot even list its methods
    try (URLClassLoader isolated = new URLClassLoader(new URL[] {location(WovenOps.class), location(RequiresApproval.class)}, null)) {
      GuardCheck check = GuardCheck.builder().packages(WOVEN).classLoader(isolated).build();
      assertThatThrownBy(check::inspect).isInstanceOf(ApprovalConfigurationException.class)
          .hasMessageContaining("GuardCheck cannot inspect " + WOVEN + ".Woven")
          // which AspectJ class is missing first depends on which woven class is inspected first
          .hasMessageMatching("(?s).*NoClassDefFoundError: org/aspectj/.*")
          .hasMessageContaining("a woven class needs aspectjrt and approvals-aspectj at run time");
    }
  }

  private static URL location(Class<?> type) {
    return type.getProtectionDomain().getCodeSource().getLocation();
  }
}

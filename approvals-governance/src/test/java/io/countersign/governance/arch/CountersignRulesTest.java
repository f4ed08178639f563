package io.countersign.governance.arch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.countersign.governance.archfixture.IamClient;
import org.junit.jupiter.api.Test;

class CountersignRulesTest {

  private static final String FIXTURES = "io.countersign.governance.archfixture";

  private static JavaClasses classes(String subpackage) {
    return new ClassFileImporter().importPackages(FIXTURES + "." + subpackage, FIXTURES + ".IamClient");
  }

  private static final ArchRule ADMIN_CALLS_GUARDED =
      CountersignRules.methodsCalling(IamClient.class).inPackages("..admin..").mustBeGuarded();

  @Test
  void unguardedCallerOfThePrivilegedApiIsCaught() {
    EvaluationResult result = ADMIN_CALLS_GUARDED.evaluate(classes("violating"));
    assertThat(result.hasViolation()).isTrue();
    assertThat(result.getFailureReport().getDetails()).anySatisfy(d -> assertThat(d)
        .startsWith("Method " + FIXTURES + ".violating.admin.UserAdmin.grantAdmin(java.lang.String) calls "
            + IamClient.class.getName() + " but is not guarded by @RequiresApproval"));
  }

  @Test
  void privateHelperAlsoReachableFromAnUnguardedMethodIsCaught() {
    EvaluationResult result = ADMIN_CALLS_GUARDED.evaluate(classes("violating"));
    assertThat(result.getFailureReport().getDetails()).anySatisfy(d -> assertThat(d)
        .contains("LeakyHelper.doGrant(java.lang.String) calls " + IamClient.class.getName() + " but is not guarded"));
    assertThat(result.getFailureReport().getDetails()).hasSize(2);
  }

  @Test
  void guardedCallersTypeLevelAnnotationsAndHelpersOnlyCalledFromGuardedCodePass() {
    ADMIN_CALLS_GUARDED.check(classes("compliant"));
  }

  @Test
  void callersOutsideTheNamedPackagesAreNotChecked() {
    ArchRule everywhere = CountersignRules.methodsCalling(IamClient.class).mustBeGuarded().allowEmptyShould(true);
    assertThat(everywhere.evaluate(classes("compliant.reporting")).hasViolation()).isTrue();
    assertThat(ADMIN_CALLS_GUARDED.allowEmptyShould(true).evaluate(classes("compliant.reporting")).hasViolation()).isFalse();
  }

  @Test
  void checkThrowsAnAssertionErrorThatExplainsWhy() {
    assertThatThrownBy(() -> ADMIN_CALLS_GUARDED.check(classes("violating")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("because IamClient performs privileged actions that need human approval")
        .hasMessageContaining("UserAdmin.grantAdmin(java.lang.String)");
  }

  @Test
  void classUsingCountersignInternalsIsCaught() {
    EvaluationResult result = CountersignRules.noClassOutsideCountersignUsesInternals().evaluate(new ClassFileImporter().importPackages("com.example.countersignuser.internals.bad"));
    assertThat(result.hasViolation()).isTrue();
    assertThat(result.getFailureReport().toString()).contains("ShortcutToInternals", "io.countersign.internal.Hashing");
  }

  @Test
  void classUsingOnlyThePublicApiPasses() {
    CountersignRules.noClassOutsideCountersignUsesInternals().check(new ClassFileImporter().importPackages("com.example.countersignuser.internals.good"));
  }

  @Test
  void selfInvocationOfAGuardedMethodIsCaughtForProxyUsers() {
    EvaluationResult result = CountersignRules.guardedMethodsAreNotCalledFromTheirOwnClass().evaluate(classes("selfcall.bad"));
    assertThat(result.getFailureReport().getDetails()).hasSize(2).allSatisfy(d -> assertThat(d)
        .contains("ConfigService.push(java.lang.String) is called from its own class by ", "ConfigService.pushAll()"));
  }

  @Test
  void guardedMethodCalledOnlyFromOtherClassesPasses() {
    CountersignRules.guardedMethodsAreNotCalledFromTheirOwnClass().check(classes("selfcall.good"));
  }

  @Test
  void inPackagesRejectsMissingOrBlankIdentifiers() {
    assertThatThrownBy(() -> CountersignRules.methodsCalling(IamClient.class).inPackages())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("inPackages needs at least one package identifier such as '..admin..' but was given none");
    assertThatThrownBy(() -> CountersignRules.methodsCalling(IamClient.class).inPackages(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("package identifier must not be blank but was ' '");
  }
}

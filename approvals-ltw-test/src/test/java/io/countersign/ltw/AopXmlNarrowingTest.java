package io.countersign.ltw;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ltw.outside.LegacyReportService;
import io.countersign.ltw.service.PayoutService;
import org.junit.jupiter.api.Test;

/**
 * The application's own {@code META-INF/aop.xml} (src/test/resources here) combines with the one
 * shipped in approvals-aspectj: the library declares the aspect, the application's
 * {@code <include within="io.countersign.ltw.service..*"/>} narrows which classes are woven.
 */
class AopXmlNarrowingTest {

  @Test
  void classInsideTheUsersIncludeIsWovenWithTheLibrarysAspect() {
    assertThat(Weaving.isWoven(PayoutService.class)).isTrue();
  }

  @Test
  void classOutsideTheUsersIncludeIsNotWoven() {
    LegacyReportService reports = new LegacyReportService();

    assertThat(Weaving.isWoven(LegacyReportService.class)).isFalse();
    // no gate is installed: a woven method would be denied; this one runs because it was excluded
    assertThat(reports.export("q3-churn")).isEqualTo("exported q3-churn");
    assertThat(reports.exports()).isEqualTo(1);
  }
}

package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ActorContext;
import io.countersign.ApprovalRequest;
import io.countersign.Reviewer;
import org.junit.jupiter.api.Test;

/** What the aspect intercepts: annotated methods (instance and static) and public methods of annotated types. */
class AnnotationScopeTest extends WovenGateFixture {

  private static final Reviewer DANA = Reviewer.of("dana", "dba");

  private final Database database = new Database();

  @Test
  void typeLevelAnnotationGuardsPublicMethods() throws Exception {
    Call<String> call = callAs(AGENT, () -> database.dropTable("sessions"));
    ApprovalRequest request = nextRequest();

    assertThat(request.method()).isEqualTo(Database.class.getName() + "#dropTable");
    assertThat(request.action()).isEqualTo("Database maintenance");
    assertThat(call.result()).isNotDone();
    assertThat(database.drops).hasValue(0);
  }

  @Test
  void typeLevelAnnotationAppliesItsRuleToPublicMethods() throws Exception {
    Call<String> call = callAs(AGENT, () -> database.dropTable("sessions"));
    ApprovalRequest request = nextRequest();

    assertThat(approver.approve(request.id(), BOB, "not a dba").counted()).isFalse();
    approver.approve(request.id(), DANA, "sessions are disposable");

    assertThat(call.result()).succeedsWithin(WAIT).isEqualTo("dropped sessions");
    assertThat(database.drops).hasValue(1);
  }

  @Test
  void typeLevelAnnotationLeavesNonPublicMethodsUnguarded() throws Exception {
    String count = ActorContext.runAs(AGENT, "read only", () -> database.rowCount("sessions"));

    assertThat(count).isEqualTo("sessions: 42 rows");
    assertThat(approver.pending()).isEmpty();
    assertThat(audit.events()).isEmpty();
  }

  @Test
  void staticMethodIsGuarded() throws Exception {
    int before = Ops.FLEET_RESTARTS.get();
    Call<String> call = callAs(AGENT, () -> Ops.restartFleet("eu-west"));
    ApprovalRequest request = nextRequest();
    assertThat(request.method()).isEqualTo(Ops.class.getName() + "#restartFleet");
    assertThat(Ops.FLEET_RESTARTS).hasValue(before);

    approver.approve(request.id(), BOB, "rolling restart");

    assertThat(call.result()).succeedsWithin(WAIT).isEqualTo("restarted eu-west");
    assertThat(Ops.FLEET_RESTARTS).hasValue(before + 1);
  }
}

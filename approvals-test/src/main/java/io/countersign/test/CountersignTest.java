package io.countersign.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Runs each test of the annotated class with a fresh approval gate: a {@link ScriptedApprover}, a
 * {@link io.countersign.ManualTimeSource fake clock}, an in-memory signed audit trail, and the
 * policies of the class's {@link GatePolicy} fields; the gate is installed for woven code
 * ({@code Countersign.install}) before each test and uninstalled and closed after it. Inject a
 * {@link TestGate} (or the approver or clock) as a test method or constructor parameter.
 *
 * <pre>{@code
 * @CountersignTest(checkGuarded = FinanceOps.class)
 * class FinancePolicyTest {
 *   @GatePolicy("finance") static final Policy FINANCE = FinancePolicies.finance();
 *
 *   @Test
 *   void largeExportNeedsTwoFinanceLeads(TestGate gate) {
 *     gate.approver().member("alice", "finance-leads").member("bob", "finance-leads")
 *         .approveAs("alice").approveAs("bob");
 *     gate.callAs(Actor.human("carol"), () -> ops.export(20_000));
 *     gate.audit().chainVerifies().lastRequest().wasApproved().reviewers("alice", "bob");
 *   }
 * }
 * }</pre>
 *
 * <p>Isolation: every test gets its own gate, clock, approver and audit trail. Because the installed
 * gate is one per JVM, classes using this annotation hold the {@value TestGate#INSTALLED_GATE_LOCK}
 * resource lock, so under JUnit's parallel execution they run one at a time while other tests run
 * alongside.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(CountersignExtension.class)
@ResourceLock(TestGate.INSTALLED_GATE_LOCK)
public @interface CountersignTest {

  /** Classes whose {@code @RequiresApproval} annotations the gate validates when it is built. */
  Class<?>[] checkGuarded() default {};

  /** Whether to install the gate for woven code; set {@code false} when tests call the gate directly. */
  boolean install() default true;
}

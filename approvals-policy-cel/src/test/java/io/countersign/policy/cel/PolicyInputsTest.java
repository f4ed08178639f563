package io.countersign.policy.cel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalUnavailableException;
import io.countersign.CallContext;
import io.countersign.InMemoryApprover;
import io.countersign.Invocation;
import io.countersign.ManualTimeSource;
import io.countersign.RequiresApproval;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.policy.Condition;
import io.countersign.policy.Policy;
import io.countersign.spi.ApprovalPolicy;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policy inputs are typed and checked at load (issue 25): conditions against the guarded methods'
 * parameters at startup (S49), arguments converted within bounds (S50), evaluation within a cost
 * budget (S51). Calls go through the gate directly: the aspect only builds the {@link Invocation}.
 */
class PolicyInputsTest {

  @TempDir
  Path dir;

  private final InMemoryAuditSink sink = new InMemoryAuditSink();
  private final ManualTimeSource clock = new ManualTimeSource();
  private final List<ApprovalGate> gates = new ArrayList<>();

  /** Large payments are frozen, everything else runs: a missed match would let a large payment run. */
  private static final String FROZEN = "policy: payments\nrules:\n"
      + "  - name: large\n    when: has(args.amount) && args.amount > 10000\n    deny: large payments are frozen\n"
      + "otherwise: allow\n";

  /** Guarded methods compiled with -parameters, as this project compiles. */
  public static class Payments {
    @RequiresApproval(policy = "payments", action = "pay")
    public String pay(String vendor, long amount) {
      return "paid " + amount + " to " + vendor;
    }
  }

  public static class Exports {
    @RequiresApproval(policy = "payments", action = "export")
    public String export(String dataset, long rows) {
      return "exported " + rows;
    }
  }

  public static class Bulk {
    @RequiresApproval(policy = "bulk", action = "purge")
    public String purge(long[] ids) {
      return "purged " + ids.length;
    }

    @RequiresApproval(policy = "bulk", action = "purge")
    public String purgeInts(int[] ids) {
      return "purged " + ids.length;
    }

    @RequiresApproval(policy = "bulk", action = "purge")
    public String purgeNames(String[] names) {
      return "purged " + names.length;
    }

    @RequiresApproval(policy = "bulk", action = "purge")
    public String purgeList(List<Object> items) {
      return "purged " + items.size();
    }
  }

  private static final String UNNAMED = "package s49;\n"
      + "public class Payments {\n"
      + "  @io.countersign.RequiresApproval(policy = \"payments\", action = \"pay\")\n"
      + "  public String pay(String vendor, long amount) { return \"paid \" + amount; }\n"
      + "}\n";

  private static final String NAMED = "package s49;\n"
      + "import io.countersign.policy.ArgName;\n"
      + "public class NamedPayments {\n"
      + "  @io.countersign.RequiresApproval(policy = \"payments\", action = \"pay\")\n"
      + "  public String pay(@ArgName(\"vendor\") String vendor, @ArgName(\"amount\") long amount) { return \"paid \" + amount; }\n"
      + "}\n";

  @AfterEach
  void close() {
    gates.forEach(ApprovalGate::close);
  }

  private static Policy policy(String yaml) {
    return CelPolicyLoader.builder().build().parse("policies/test.yaml", yaml);
  }

  private static Policy policy(CelPolicyLoader loader, String yaml) {
    return loader.parse("policies/test.yaml", yaml);
  }

  private ApprovalGate gate(String name, ApprovalPolicy policy, Class<?>... guarded) {
    ApprovalGate gate = ApprovalGate.builder().approver(new InMemoryApprover()).auditSink(sink).timeSource(clock)
        .policy(name, policy).checkGuarded(guarded).build();
    gates.add(gate);
    return gate;
  }

  private static Object call(ApprovalGate gate, Class<?> type, String method, Object... args) throws Exception {
    Method m = List.of(type.getMethods()).stream().filter(x -> x.getName().equals(method)).findFirst().orElseThrow();
    Object target = type.getConstructor().newInstance();
    Invocation inv = Invocation.of(m, target, args);
    return ActorContext.runAs(CallContext.of(Actor.human("carol")), () -> {
      try {
        return gate.guard(inv, () -> m.invoke(target, args));
      } catch (Exception | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    });
  }

  private AuditEvent lastDecision() {
    List<AuditEvent> decided = sink.events().stream().filter(e -> e.type() == EventType.DECIDED).toList();
    assertThat(decided).as("a recorded decision").isNotEmpty();
    return decided.get(decided.size() - 1);
  }

  // ------------------------------------------------------------------ S49

  @Test
  @DisplayName("S49 a condition reading args of a method compiled without -parameters fails at startup with method, condition and fix")
  void startupFailsWhenParameterNamesAreUnknown() {
    Class<?> unnamed = CompiledWithoutParameters.compile(dir, "s49.Payments", UNNAMED);

    assertThatThrownBy(() -> gate("payments", policy(FROZEN), unnamed))
        .isInstanceOf(ApprovalConfigurationException.class)
        .hasMessageContaining("policy 'payments'")
        .hasMessageContaining("rule 'large' when `has(args.amount) && args.amount > 10000` on s49.Payments#pay")
        .hasMessageContaining("parameter names of s49.Payments#pay(String arg0, long arg1) are unknown")
        .hasMessageContaining("compile the class with -parameters")
        .hasMessageContaining("@io.countersign.policy.ArgName(\"...\")");
  }

  @Test
  @DisplayName("S49 a 5,000,000 payment of a method compiled without -parameters is denied and recorded, never allowed")
  void unknownNamesAtRunTimeDenyAndRecord() throws Exception {
    Class<?> unnamed = CompiledWithoutParameters.compile(dir, "s49.Payments", UNNAMED);
    ApprovalGate gate = gate("payments", policy(FROZEN)); // the class is not registered: no startup check

    assertThatThrownBy(() -> call(gate, unnamed, "pay", "acme", 5_000_000L)).isInstanceOf(ApprovalUnavailableException.class);
    assertThat(lastDecision().text("outcome")).isEqualTo("FAILED");
  }

  @Test
  @DisplayName("S49 @ArgName names the parameters of a class compiled without -parameters")
  void explicitNamesMakeTheConditionSeeTheArguments() throws Exception {
    Class<?> named = CompiledWithoutParameters.compile(dir, "s49.NamedPayments", NAMED);
    ApprovalGate gate = gate("payments", policy(FROZEN), named);

    assertThatThrownBy(() -> call(gate, named, "pay", "acme", 5_000_000L))
        .isInstanceOf(ApprovalRejectedException.class).hasMessageContaining("large payments are frozen");
    assertThat(call(gate, named, "pay", "acme", 50L)).isEqualTo("paid 50");
  }

  @Test
  @DisplayName("S49 a condition reading an argument that no guarded method has fails at startup")
  void startupFailsOnAnArgumentNoMethodHas() {
    assertThatThrownBy(() -> gate("payments", policy(FROZEN.replace("args.amount", "args.amout")), Payments.class))
        .isInstanceOf(ApprovalConfigurationException.class)
        .hasMessageContaining("reads args.amout but no guarded method of this policy has a parameter 'amout'")
        .hasMessageContaining(Payments.class.getName() + "#pay(String vendor, long amount)");
  }

  @Test
  @DisplayName("S49 a condition comparing an argument of the wrong type fails at startup")
  void startupFailsOnATypeThatCannotMatch() {
    assertThatThrownBy(() -> gate("payments", policy(FROZEN.replace("args.amount > 10000", "args.vendor > 10000")), Payments.class))
        .isInstanceOf(ApprovalConfigurationException.class)
        .hasMessageContaining("does not type-check against " + Payments.class.getName() + "#pay(String vendor, long amount)")
        .hasMessageContaining("'_>_' applied to '(string, int)'");
  }

  @Test
  @DisplayName("S49 one policy over methods with different arguments checks each argument where it exists")
  void sharedPolicyWithOptionalArgumentsStarts() throws Exception {
    String shared = "policy: payments\nrules:\n  - name: large\n"
        + "    when: (has(args.rows) && args.rows > 10000) || (has(args.amount) && args.amount > 10000)\n"
        + "    deny: too large\notherwise: allow\n";
    ApprovalGate gate = gate("payments", policy(shared), Payments.class, Exports.class);

    assertThatThrownBy(() -> call(gate, Exports.class, "export", "customers", 20_000L)).isInstanceOf(ApprovalRejectedException.class);
    assertThat(call(gate, Exports.class, "export", "customers", 20L)).isEqualTo("exported 20");
  }

  @Test
  @DisplayName("S49 code-built argument conditions are checked against the methods too")
  void codeBuiltConditionsAreChecked() {
    Class<?> unnamed = CompiledWithoutParameters.compile(dir, "s49.Payments", UNNAMED);
    Policy coded = Policy.builder("payments").rule("large").when(Condition.argGreaterThan("amount", 10_000)).deny("frozen")
        .otherwiseAllow().build();
    assertThatThrownBy(() -> gate("payments", coded, unnamed))
        .isInstanceOf(ApprovalConfigurationException.class).hasMessageContaining("args.amount").hasMessageContaining("-parameters");
    Policy typo = Policy.builder("payments").rule("large").when(Condition.argGreaterThan("vendor", 10_000)).deny("frozen")
        .otherwiseAllow().build();
    assertThatThrownBy(() -> gate("payments", typo, Payments.class))
        .isInstanceOf(ApprovalConfigurationException.class).hasMessageContaining("compares args.vendor as a number but it is a java.lang.String");
  }

  // ------------------------------------------------------------------ S50

  private static final String BULK = "policy: bulk\nrules:\n"
      + "  - name: mass\n    when: %s\n    deny: mass purges are refused\notherwise: allow\n";

  @Test
  @DisplayName("S50 long[] and int[] arguments reach CEL as lists: size(args.ids) > 100 matches 10,000 ids")
  void primitiveArraysAreLists() throws Exception {
    ApprovalGate gate = gate("bulk", policy(String.format(BULK, "(has(args.ids) && size(args.ids) > 100) || (has(args.names) && args.names.exists(n, n == 'root'))")), Bulk.class);
    long[] ids = LongStream.range(0, 10_000).toArray();

    assertThatThrownBy(() -> call(gate, Bulk.class, "purge", (Object) ids))
        .isInstanceOf(ApprovalRejectedException.class).hasMessageContaining("mass purges are refused");
    assertThatThrownBy(() -> call(gate, Bulk.class, "purgeInts", (Object) new int[500]))
        .isInstanceOf(ApprovalRejectedException.class);
    assertThatThrownBy(() -> call(gate, Bulk.class, "purgeNames", (Object) new String[] {"alice", "root"}))
        .isInstanceOf(ApprovalRejectedException.class);
    assertThat(call(gate, Bulk.class, "purge", (Object) new long[] {1, 2, 3})).isEqualTo("purged 3");
  }

  @Test
  @DisplayName("S50 a self-referential argument is denied and recorded with a clear error, no StackOverflowError")
  void cyclicArgumentIsDeniedAndRecorded() throws Exception {
    ApprovalGate gate = gate("bulk", policy(String.format(BULK, "has(args.items) && size(args.items) > 100")), Bulk.class);
    List<Object> cyclic = new ArrayList<>();
    cyclic.add(List.of("a", cyclic));

    assertThatThrownBy(() -> call(gate, Bulk.class, "purgeList", cyclic)).isInstanceOf(ApprovalUnavailableException.class);
    assertThat(lastDecision().text("outcome")).isEqualTo("FAILED");
    assertThatThrownBy(() -> policy(String.format(BULK, "size(args.items) > 100")).decide(
        io.countersign.policy.PolicyInput.builder().action("purge").actor(Actor.human("carol")).arg("items", cyclic).build()))
        .hasMessageContaining("args.items[0][1] contains itself (a cyclic argument)");
  }

  @Test
  @DisplayName("S50 arguments nested deeper or larger than the bounds are denied and recorded")
  void boundsOnDepthAndSize() throws Exception {
    CelPolicyLoader bounded = CelPolicyLoader.builder().argumentLimits(4, 1_000).build();
    ApprovalGate gate = gate("bulk", policy(bounded, String.format(BULK, "has(args.items) && size(args.items) > 100")), Bulk.class);
    List<Object> deep = new ArrayList<>();
    List<Object> cur = deep;
    for (int i = 0; i < 10; i++) {
      List<Object> next = new ArrayList<>();
      cur.add(next);
      cur = next;
    }
    List<Object> large = new ArrayList<>(java.util.Collections.nCopies(2_000, "x"));

    assertThatThrownBy(() -> call(gate, Bulk.class, "purgeList", deep)).isInstanceOf(ApprovalUnavailableException.class);
    assertThatThrownBy(() -> call(gate, Bulk.class, "purgeList", large)).isInstanceOf(ApprovalUnavailableException.class);
    assertThat(sink.events().stream().filter(e -> e.type() == EventType.DECIDED).map(e -> e.text("outcome")))
        .containsExactly("FAILED", "FAILED");
    assertThat(call(gate, Bulk.class, "purgeList", List.of(List.of(1, 2), "y"))).isEqualTo("purged 2");
  }

  @Test
  @DisplayName("S50 an Error thrown by a policy condition denies the call and is recorded")
  void errorFromAConditionIsDeniedAndRecorded() throws Exception {
    Policy overflowing = Policy.builder("bulk").rule("boom").when(Condition.of("recurses", in -> {
      throw new StackOverflowError();
    })).allow().build();
    ApprovalGate gate = gate("bulk", overflowing, Bulk.class);

    assertThatThrownBy(() -> call(gate, Bulk.class, "purge", (Object) new long[] {1})).isInstanceOf(ApprovalUnavailableException.class);
    assertThat(lastDecision().text("outcome")).isEqualTo("FAILED");
  }

  // ------------------------------------------------------------------ S51

  private static final String CUBIC = "args.ids.exists(x, args.ids.exists(y, args.ids.exists(z, x + y + z < 0)))";

  @Test
  @DisplayName("S51 three nested exists over 200 elements exceed the iteration budget: denied and recorded")
  void iterationBudgetDeniesAndRecords() throws Exception {
    // a time budget far away, so that only the iteration count (deterministic) can stop the evaluation
    CelPolicyLoader loader = CelPolicyLoader.builder().evaluationBudget(CelPolicyLoader.DEFAULT_MAX_ITERATIONS, Duration.ofHours(1)).build();
    ApprovalGate gate = gate("bulk", policy(loader, String.format(BULK, "has(args.ids) && " + CUBIC)), Bulk.class);
    long[] ids = LongStream.range(0, 200).toArray();

    assertThatThrownBy(() -> call(gate, Bulk.class, "purge", (Object) ids)).isInstanceOf(ApprovalUnavailableException.class);
    assertThat(lastDecision().text("outcome")).isEqualTo("FAILED");
    assertThatThrownBy(() -> policy(loader, String.format(BULK, CUBIC)).decide(io.countersign.policy.PolicyInput.builder()
        .action("purge").actor(Actor.human("carol")).arg("ids", ids).build()))
        .hasMessageContaining("exceeded its evaluation budget of 10000 comprehension iterations");
  }

  @Test
  @DisplayName("S51 a condition past its time budget stops and denies (injected ticker)")
  void timeBudgetDenies() {
    AtomicLong nanos = new AtomicLong();
    CelPolicyLoader loader = CelPolicyLoader.builder().evaluationBudget(1_000_000, Duration.ofMillis(50))
        .ticker(() -> nanos.addAndGet(1_000_000)).build(); // each look at the clock: 1 ms later
    Policy p = policy(loader, String.format(BULK, "args.ids.all(x, x >= 0)"));
    long[] ids = LongStream.range(0, 1_000).toArray();

    assertThatThrownBy(() -> p.decide(io.countersign.policy.PolicyInput.builder().action("purge").actor(Actor.human("carol"))
        .arg("ids", ids).build()))
        .hasMessageContaining("exceeded its time budget of PT0.05S");
    assertThat(nanos.get()).as("stopped soon after the budget, not after all 1,000 elements").isLessThan(100_000_000L);
  }
}

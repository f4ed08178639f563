package io.countersign.micrometer;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.spi.GateListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records what the approval gate does as Micrometer meters, so approvals show up on the same
 * dashboards as the rest of the service. Register it on the gate; no Spring needed:
 *
 * <pre>{@code
 * ApprovalGate gate = ApprovalGate.builder()
 *     .approver(approver).auditSink(sink)
 *     .listener(new MicrometerGateListener(meterRegistry))
 *     .build();
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@value #REQUESTS}</td><td>counter</td><td>{@code action}</td></tr>
 *   <tr><td>{@value #DECISIONS}</td><td>counter</td><td>{@code action}, {@code outcome}</td></tr>
 *   <tr><td>{@value #PENDING}</td><td>gauge</td><td>none</td></tr>
 *   <tr><td>{@value #DECISION_TIME}</td><td>timer</td><td>{@code action}, {@code outcome}</td></tr>
 * </table>
 *
 * <p>{@code action} is the guarded method as {@code SimpleClassName#method}: bounded (one value per
 * guarded method) and stable, unlike the free-text description shown to reviewers. {@code outcome}
 * is the terminal state in lower case ({@code approved}, {@code rejected}, {@code expired},
 * {@code cancelled}, {@code failed}). No actor, argument or request id is ever a tag: they are
 * unbounded and may be personal data.
 *
 * <p>Thread-safe and non-blocking, as {@link GateListener} requires; meters are cached by the
 * registry, so each event is a lookup and an increment.
 */
public final class MicrometerGateListener implements GateListener {

  /** Counter of approval requests opened, tagged by action. */
  public static final String REQUESTS = "countersign.requests";
  /** Counter of requests that reached a terminal state, tagged by action and outcome. */
  public static final String DECISIONS = "countersign.decisions";
  /** Gauge of requests waiting for a decision. */
  public static final String PENDING = "countersign.pending";
  /** Timer of the time from opening a request to its decision, tagged by action and outcome. */
  public static final String DECISION_TIME = "countersign.decision.time";

  private final MeterRegistry registry;
  private final Tags commonTags;
  // ids rather than a plain counter: a decision whose request this listener never saw opened (it
  // was registered late) must not push the gauge below zero
  private final Set<String> pending = ConcurrentHashMap.newKeySet();

  /** Records into {@code registry}. */
  public MicrometerGateListener(MeterRegistry registry) {
    this(registry, Tags.empty());
  }

  /** Records into {@code registry}, adding {@code commonTags} (e.g. {@code gate=payments}) to every meter. */
  public MicrometerGateListener(MeterRegistry registry, Iterable<io.micrometer.core.instrument.Tag> commonTags) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.commonTags = Tags.of(Objects.requireNonNull(commonTags, "commonTags"));
    Gauge.builder(PENDING, pending, Set::size)
        .description("Approval requests waiting for a decision")
        .tags(this.commonTags)
        .strongReference(true)
        .register(registry);
  }

  @Override
  public void requested(ApprovalRequest request) {
    pending.add(request.id());
    Counter.builder(REQUESTS)
        .description("Approval requests opened")
        .tags(commonTags).tag("action", action(request))
        .register(registry)
        .increment();
  }

  @Override
  public void decided(ApprovalStatus status) {
    ApprovalRequest request = status.request();
    pending.remove(request.id());
    Tags tags = commonTags.and("action", action(request), "outcome", status.state().name().toLowerCase(Locale.ROOT));
    Counter.builder(DECISIONS)
        .description("Approval requests decided, by outcome")
        .tags(tags)
        .register(registry)
        .increment();
    if (status.decidedAt() != null && request.createdAt() != null) {
      Duration waited = Duration.between(request.createdAt(), status.decidedAt());
      Timer.builder(DECISION_TIME)
          .description("Time from opening an approval request to its decision")
          .tags(tags)
          .register(registry)
          .record(waited.isNegative() ? Duration.ZERO : waited);
    }
  }

  private static String action(ApprovalRequest request) {
    String method = request.method();
    int dot = method.lastIndexOf('.', method.indexOf('#') < 0 ? method.length() : method.indexOf('#'));
    return dot < 0 ? method : method.substring(dot + 1);
  }

  @Override
  public String toString() {
    return "MicrometerGateListener[" + registry.getClass().getSimpleName() + "]";
  }
}

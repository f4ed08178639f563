package io.countersign.spring.boot;

import io.countersign.ApprovalGate;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code countersign.*} settings of the Spring Boot starter. Everything else (approver, audit
 * sinks, signer, policies, listeners, actor resolver) comes from beans, because those are code, not
 * configuration. Values are checked when the gate is built; a bad value fails startup with a message
 * naming the property and the value.
 */
@ConfigurationProperties(prefix = "countersign")
public class CountersignProperties {

  /** What to write audit events to when the application declares no {@code AuditSink} bean. */
  public enum DefaultSink {
    /** Nothing: startup fails until an {@code AuditSink} bean is declared (the default: an audit trail is not optional). */
    NONE,
    /** {@code InMemoryAuditSink}: for tests and demos only, lost on restart. */
    IN_MEMORY,
    /** {@code Slf4jAuditSink}: one log line per event, as durable as the logging setup. */
    SLF4J
  }

  /** Whether the starter builds a gate and guards {@code @RequiresApproval} beans. */
  private boolean enabled = true;

  /** How many requests one actor may have pending at once; excess calls are refused. */
  private int maxPendingPerActor = ApprovalGate.DEFAULT_MAX_PENDING_PER_ACTOR;

  /** How long to wait for the audit sinks to confirm an event; longer means the call is denied. */
  private Duration auditTimeout = ApprovalGate.DEFAULT_AUDIT_TIMEOUT;

  /**
   * Whether to also install the gate as the static one ({@code Countersign.install}) for classes
   * woven with the AspectJ aspect; uninstalled when the context closes.
   */
  private boolean installStaticGate = false;

  /**
   * On shutdown, pending approvals are cancelled first (recorded as CANCELLED, their callers
   * denied), before the web server drains its requests; this is the longest the shutdown waits for
   * those cancellations to be recorded.
   */
  private Duration shutdownTimeout = Duration.ofSeconds(5);

  private final Audit audit = new Audit();
  private final Aop aop = new Aop();
  private final Metrics metrics = new Metrics();
  private final Tracing tracing = new Tracing();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public int getMaxPendingPerActor() {
    return maxPendingPerActor;
  }

  public void setMaxPendingPerActor(int maxPendingPerActor) {
    this.maxPendingPerActor = maxPendingPerActor;
  }

  public Duration getAuditTimeout() {
    return auditTimeout;
  }

  public void setAuditTimeout(Duration auditTimeout) {
    this.auditTimeout = auditTimeout;
  }

  public boolean isInstallStaticGate() {
    return installStaticGate;
  }

  public void setInstallStaticGate(boolean installStaticGate) {
    this.installStaticGate = installStaticGate;
  }

  public Duration getShutdownTimeout() {
    return shutdownTimeout;
  }

  public void setShutdownTimeout(Duration shutdownTimeout) {
    this.shutdownTimeout = shutdownTimeout;
  }

  public Audit getAudit() {
    return audit;
  }

  public Aop getAop() {
    return aop;
  }

  public Metrics getMetrics() {
    return metrics;
  }

  public Tracing getTracing() {
    return tracing;
  }

  /** Checks every value at once, so that a bad one fails startup with its property name. */
  void validate() {
    if (maxPendingPerActor < 1) {
      throw new IllegalArgumentException("countersign.max-pending-per-actor must be >= 1 but was " + maxPendingPerActor);
    }
    if (auditTimeout == null || auditTimeout.isZero() || auditTimeout.isNegative()) {
      throw new IllegalArgumentException("countersign.audit-timeout must be positive but was " + auditTimeout);
    }
    if (shutdownTimeout == null || shutdownTimeout.isZero() || shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException("countersign.shutdown-timeout must be positive but was " + shutdownTimeout);
    }
    if (audit.defaultSink == null) {
      throw new IllegalArgumentException("countersign.audit.default-sink must be one of none, in-memory, slf4j but was null");
    }
  }

  /** {@code countersign.audit.*}. */
  public static class Audit {
    /** The sink used when no {@code AuditSink} bean is declared: none (fail at startup), in-memory or slf4j. */
    private DefaultSink defaultSink = DefaultSink.NONE;

    public DefaultSink getDefaultSink() {
      return defaultSink;
    }

    public void setDefaultSink(DefaultSink defaultSink) {
      this.defaultSink = defaultSink;
    }
  }

  /** {@code countersign.aop.*}. */
  public static class Aop {
    /**
     * The order of the approval advisor among Spring AOP advisors. It must run before (lower number
     * than) the transaction advisor, so that no transaction is open while a human decides; startup
     * fails otherwise.
     */
    private int order = ApprovalAdvisor.DEFAULT_ORDER;

    /**
     * What to do when a guarded method is called from its own class, directly or through a method
     * reference ({@code this::refund}): such a call bypasses the Spring AOP proxy. Fail (the default)
     * or warn. Calls through the bean's own proxy (an injected {@code @Lazy} self reference) are fine.
     */
    private SelfInvocation selfInvocation = SelfInvocation.FAIL;

    public int getOrder() {
      return order;
    }

    public void setOrder(int order) {
      this.order = order;
    }

    public SelfInvocation getSelfInvocation() {
      return selfInvocation;
    }

    public void setSelfInvocation(SelfInvocation selfInvocation) {
      this.selfInvocation = selfInvocation;
    }
  }

  /** How to treat a detected self-invocation of a guarded method. */
  public enum SelfInvocation {
    /** Log a warning at startup naming the caller and the guarded method (the call still runs unguarded). */
    WARN,
    /** Fail startup (the default). */
    FAIL
  }

  /** {@code countersign.metrics.*}. */
  public static class Metrics {
    /** Whether to record Micrometer meters when a {@code MeterRegistry} bean exists. */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** {@code countersign.tracing.*}. */
  public static class Tracing {
    /** Whether to put the current OpenTelemetry trace id into each call's context when OpenTelemetry is present. */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }
}

package io.countersign.opentelemetry;

import io.countersign.ActorContext;
import io.countersign.CallContext;
import io.countersign.Invocation;
import io.countersign.spi.ActorResolver;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.Objects;

/**
 * Decorates an {@link ActorResolver} so that every guarded call carries the trace id of the
 * OpenTelemetry span current on the calling thread. The gate writes {@link CallContext#traceId()}
 * into every audit event of the request and into the {@link io.countersign.ApprovalRequest} shown to
 * reviewers, so an approval can be found from a trace and a trace from an approval.
 *
 * <pre>{@code
 * ApprovalGate gate = ApprovalGate.builder()
 *     .approver(approver).auditSink(sink)
 *     .actorResolver(TraceIdActorResolver.decorate(myResolver))   // or TraceIdActorResolver.ofActorContext()
 *     .build();
 * }</pre>
 *
 * <p>A trace id the caller set explicitly is kept. Without a valid current span (no OpenTelemetry
 * agent or SDK, or outside any span) the context is passed through unchanged. The actor is never
 * taken from tracing data: only the id is copied. Called on the calling thread, like the resolver
 * it wraps; it adds no failure mode of its own (an OpenTelemetry error leaves the trace id out).
 */
public final class TraceIdActorResolver implements ActorResolver {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TraceIdActorResolver.class);

  private final ActorResolver delegate;

  private TraceIdActorResolver(ActorResolver delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** Adds the current trace id to what {@code delegate} resolves. */
  public static TraceIdActorResolver decorate(ActorResolver delegate) {
    return new TraceIdActorResolver(delegate);
  }

  /** The gate's default resolver ({@link ActorContext}) with the current trace id added. */
  public static TraceIdActorResolver ofActorContext() {
    return new TraceIdActorResolver(invocation -> ActorContext.current().orElse(null));
  }

  @Override
  public CallContext resolve(Invocation invocation) {
    CallContext context = delegate.resolve(invocation);
    if (context == null || context.traceId() != null) {
      return context;
    }
    String traceId = currentTraceId();
    return traceId == null ? context : new CallContext(context.actor(), context.justification(), traceId);
  }

  /** The trace id (32 lower-case hex characters) of the current span, or {@code null} if there is no valid one. */
  public static String currentTraceId() {
    try {
      SpanContext span = Span.current().getSpanContext();
      return span.isValid() ? span.getTraceId() : null;
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("Could not read the current OpenTelemetry span; the call carries no trace id", e);
      return null;
    }
  }

  /** The resolver this one decorates. */
  public ActorResolver delegate() {
    return delegate;
  }

  @Override
  public String toString() {
    return "TraceIdActorResolver[" + delegate + "]";
  }
}

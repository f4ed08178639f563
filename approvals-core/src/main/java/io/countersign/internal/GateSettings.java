package io.countersign.internal;

import io.countersign.ApprovalRequirement;
import io.countersign.audit.AuditTrail;
import io.countersign.spi.ActorResolver;
import io.countersign.spi.ApprovalPolicy;
import io.countersign.spi.Approver;
import io.countersign.spi.GateListener;
import io.countersign.spi.RequestStore;
import io.countersign.spi.TargetResolver;
import io.countersign.spi.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/** The gate's frozen configuration, copied out of the public builder. */
public record GateSettings(
    Approver approver,
    AuditTrail trail,
    boolean signed,
    TimeSource time,
    ActorResolver actorResolver,
    Map<String, ApprovalPolicy> policies,
    int maxPendingPerActor,
    Executor executor,
    Duration auditTimeout,
    Supplier<String> idSource,
    List<GateListener> listeners,
    ApprovalRequirement emergencyStop,
    RequestStore requestStore,
    TargetResolver targetResolver) {}

package io.countersign.audit.cli;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.log.FileAuditSink;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Semaphore;

/**
 * Child process of {@link CrashRecoveryIT}: opens the log (recovering from the previous kill),
 * then appends events until it is killed, printing {@code ack <seq>} once each event is durable.
 * Args: log directory, {@code per-event} or {@code checkpoint}.
 */
public final class CrashChild {

    static final Ed25519Signer KEY = Ed25519Signer.of("crash-key", new byte[32]);

    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        FileAuditSink sink = FileAuditSink.open(Path.of(args[0]));
        AuditTrail.Builder builder = AuditTrail.builder().sink(sink).signer(KEY);
        if (args[1].equals("checkpoint")) {
            builder.checkpointEvery(50, Duration.ofMillis(20));
        }
        AuditTrail trail = builder.build();
        out.println("opened " + sink.lastSeq() + " torn " + sink.tornTail().isPresent());
        out.flush();
        Semaphore inFlight = new Semaphore(256);
        String padding = "x".repeat(2000 + (int) (ProcessHandle.current().pid() % 3000)); // long lines make torn writes likelier
        for (long i = 0; ; i++) {
            inFlight.acquire();
            trail.record(AuditEvent.builder(EventType.VOTE).time(Instant.now()).requestId("crash-" + i).field("pad", padding))
                    .whenComplete((event, e) -> {
                        if (e == null) {
                            synchronized (out) {
                                out.println("ack " + event.seq());
                                out.flush();
                            }
                        }
                        inFlight.release();
                    });
        }
    }
}

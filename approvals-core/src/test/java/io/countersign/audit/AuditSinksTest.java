package io.countersign.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class AuditSinksTest {

  @Test
  void inMemorySinkKeepsEventsInOrderAndFiltersByRequest() {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail trail = AuditChains.trail(sink, null).build();
    for (int i = 1; i <= 6; i++) {
      trail.record(AuditChains.sampleEvent(i)).join();
    }

    assertThat(sink.events()).extracting(AuditEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(sink.events("req-1")).extracting(AuditEvent::seq).containsExactly(3L, 4L, 5L);
    assertThat(sink.events("nope")).isEmpty();
  }

  @Test
  void inMemorySinkSnapshotsDoNotChangeAndClearEmptiesIt() {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail trail = AuditChains.trail(sink, null).build();
    trail.record(AuditChains.sampleEvent(1)).join();
    List<AuditEvent> snapshot = sink.events();

    sink.clear();
    trail.record(AuditChains.sampleEvent(2)).join();

    assertThat(snapshot).hasSize(1);
    assertThat(sink.events()).extracting(AuditEvent::seq).containsExactly(2L);
  }

  @Test
  void slf4jSinkLogsOneCanonicalLinePerEventAtInfo() {
    RecordingLogger logger = new RecordingLogger();
    Slf4jAuditSink sink = new Slf4jAuditSink(logger);
    AuditEvent event = AuditChains.chain(1, null).get(0);

    assertThat(sink.append(event).toCompletableFuture()).isCompleted();

    assertThat(logger.lines).containsExactly("INFO " + event.toJson());
  }

  @Test
  void slf4jSinkUsesTheAuditLoggerByDefault() {
    assertThat(new Slf4jAuditSink().toString()).isEqualTo("Slf4jAuditSink[io.countersign.audit]");
    assertThat(new Slf4jAuditSink("ops.audit").toString()).isEqualTo("Slf4jAuditSink[ops.audit]");
  }

  /** Minimal SLF4J logger that keeps formatted lines. */
  private static final class RecordingLogger extends AbstractLogger {
    private static final long serialVersionUID = 1L;
    final List<String> lines = new ArrayList<>();

    RecordingLogger() {
      this.name = "recording";
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
      lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, args));
    }

    @Override
    public boolean isTraceEnabled() {
      return true;
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
      return true;
    }

    @Override
    public boolean isDebugEnabled() {
      return true;
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
      return true;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
      return true;
    }
  }
}

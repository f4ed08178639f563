package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditFormatException;
import io.countersign.audit.AuditTrail;

import io.countersign.spi.AuditSink;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable {@link AuditSink}: an append-only directory of JSON Lines files, one canonical event
 * per line (layout in {@code docs/AUDIT-FORMAT.md}, section 13).
 *
 * <pre>{@code
 * ApprovalGate gate = ApprovalGate.builder()
 *     .approver(approver)
 *     .auditSink(FileAuditSink.open(Path.of("/var/log/countersign")))   // continues the chain found on disk
 *     .signer(signer)
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li><b>Group commit</b> ({@link GroupCommitSink}). {@link #append} only enqueues (it runs under
 *       the trail's lock); one writer thread takes every queued event, writes them with one
 *       {@code write} and makes them durable with one {@link FileChannel#force}, then completes
 *       their stages. A stage completes only once its event is on disk.
 *       {@link Durability#EVERY_EVENT} forces after each event instead.</li>
 *   <li><b>Rotation</b> by size and/or UTC day of the event time. A new file is named after the seq
 *       of its first event, and that event's {@code prevHash} is the last hash of the previous file,
 *       so the chain runs across files and a removed file leaves a visible gap.</li>
 *   <li><b>Crash safety.</b> {@link #open} reads the end of the last file: a last line without its
 *       LF (a write cut short by a crash) is moved to {@code <file>.torn}, reported by
 *       {@link #tornTail()} and logged; every complete line stays. The head ({@link #head()}) is
 *       taken from the last complete event, whose hash is re-checked; a trail built on this sink
 *       continues after it.</li>
 *   <li><b>One writer.</b> An OS file lock on {@code audit.lock} keeps a second process (or a second
 *       sink in this JVM) from appending to the same directory.</li>
 * </ul>
 * Thread-safe. Fails closed: after an I/O error every pending and later append fails.
 */
public final class FileAuditSink extends GroupCommitSink {

  private static final Logger LOG = LoggerFactory.getLogger(FileAuditSink.class);
  private static final long SECONDS_PER_DAY = 86_400;
  private static final long NO_DAY = Long.MIN_VALUE;

  /** When an event counts as durable. */
  public enum Durability {
    /** One {@code force} per batch of events queued together (group commit). The default. */
    BATCH,
    /** One {@code force} per event: lowest throughput, no batching. */
    EVERY_EVENT
  }

  /** What {@link #open} found and set aside: a last line cut short by a crash. */
  public record TornTail(Path logFile, long line, long bytes, Path setAsideTo) {
    /** Validates the components: the log file, its 1-based line, the torn length and the {@code .torn} file. */
    public TornTail {
      Objects.requireNonNull(logFile, "logFile");
      Objects.requireNonNull(setAsideTo, "setAsideTo");
    }
  }

  private final Path dir;
  private final Options options;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final TornTail tornTail;
  private final long openedLastSeq;
  private final String openedLastHash;


  // writer thread only
  private FileChannel channel;
  private long fileSize;
  private long fileDay = NO_DAY;   // UTC epoch day of the current file's first event
  private ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
  private long batches;
  private long forces;

  private FileAuditSink(Path dir, Options options) throws IOException {
    this.dir = dir;
    this.options = options;
    Files.createDirectories(dir);
    this.lockChannel = FileChannel.open(dir.resolve(LogFiles.LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock acquired;
    try {
      acquired = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lockChannel.close();
      throw new IOException("audit log " + dir + " is already open in this JVM (lock file " + LogFiles.LOCK_FILE
          + " is held); share that FileAuditSink instead of opening the directory twice", e);
    }
    if (acquired == null) {
      String holder = Files.readString(dir.resolve(LogFiles.LOCK_FILE), StandardCharsets.UTF_8).strip();
      lockChannel.close();
      throw new IOException("audit log " + dir + " is locked by another process (" + (holder.isEmpty() ? "unknown holder" : holder)
          + "); only one writer may append to an audit log");
    }
    this.lock = acquired;
    try {
      lockChannel.truncate(0);
      lockChannel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      Recovered recovered = recover();
      this.tornTail = recovered.torn;
      this.openedLastSeq = recovered.lastSeq;
      this.openedLastHash = recovered.lastHash;
      if (recovered.file != null) {
        channel = FileChannel.open(recovered.file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        fileSize = channel.size();
        fileDay = recovered.fileDay == null ? NO_DAY : recovered.fileDay.toEpochDay();
      }
    } catch (IOException | RuntimeException e) {
      releaseLock();
      throw e;
    }
    start("countersign-audit-writer[" + dir.getFileName() + "]", openedLastSeq, openedLastHash);
  }

  /**
   * Opens (creating if needed) the audit log in {@code dir}: takes the writer lock, sets aside a
   * torn last line, and reads the chain head to continue from.
   *
   * @throws IOException if the directory cannot be used, another writer holds the lock, or the
   *     last complete line is not a valid event (then nothing is appended: fail closed)
   */
  public static FileAuditSink open(Path dir, Options options) throws IOException {
    Objects.requireNonNull(dir, "dir must not be null");
    Objects.requireNonNull(options, "options must not be null");
    return new FileAuditSink(dir.toAbsolutePath().normalize(), options);
  }

  /** {@link #open(Path, Options)} with {@link Options#defaults()}. */
  public static FileAuditSink open(Path dir) throws IOException {
    return open(dir, Options.defaults());
  }

  /** The log directory. */
  public Path directory() {
    return dir;
  }

  /** Seq of the last complete event found on open (0 for a new log). */
  public long lastSeq() {
    return openedLastSeq;
  }

  /** Hash of the last complete event found on open ({@link AuditTrail#GENESIS_HASH} for a new log). */
  public String lastHash() {
    return openedLastHash;
  }

  /** The torn last line set aside on open, if there was one. */
  public Optional<TornTail> tornTail() {
    return Optional.ofNullable(tornTail);
  }

  /** Number of batches written and of {@code force} calls made so far (for tests and metrics). */
  long[] stats() {
    return new long[] {batches, forces};
  }

  @Override
  public String toString() {
    return "FileAuditSink[" + dir + ", " + options + "]";
  }

  // ---------------------------------------------------------------- group commit hooks

  /** {@link Durability#EVERY_EVENT}: one event per batch, so each stage completes right after its own force. */
  @Override
  protected int maxBatchEvents() {
    return options.durability == Durability.EVERY_EVENT ? 1 : Integer.MAX_VALUE;
  }

  @Override
  protected long maxBatchDelayNanos() {
    return options.maxBatchDelay.toNanos();
  }

  /** {@link Options.Builder#maxBatchEvents}: the queue length that ends a {@code maxBatchDelay} wait early. */
  @Override
  protected int batchReadyEvents() {
    return options.maxBatchEvents;
  }

  @Override
  protected RuntimeException failedEarlier(Throwable failure) {
    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
    return new IllegalStateException("FileAuditSink " + dir + " failed earlier: " + cause, cause);
  }

  @Override
  protected RuntimeException closedError() {
    return new IllegalStateException("FileAuditSink " + dir + " is closed");
  }

  /** Says that one trail, built on this sink, must write to it. */
  @Override
  protected IllegalArgumentException notContinuing(AuditEvent event, long expectedSeq, String expectedPrevHash) {
    return new IllegalArgumentException("FileAuditSink " + dir + ": event seq " + event.seq() + " does not continue the log, "
        + "which expects seq " + expectedSeq + " with prevHash " + expectedPrevHash
        + " (another trail wrote to this sink, or the trail was given a different chain head; let one trail write to it)");
  }

  @Override
  protected Throwable writeFailed(List<AuditEvent> batch, Exception e) {
    LOG.error("audit log {} failed; no further event will be recorded: {}", dir, e.toString());
    return new IllegalStateException("FileAuditSink " + dir + " could not write: " + e, e);
  }

  /** Closes the current file and releases the directory's writer lock. */
  @Override
  protected void releaseResources() {
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      LOG.warn("closing audit log file in {} failed: {}", dir, e.toString());
    } finally {
      releaseLock();
    }
  }

  // ---------------------------------------------------------------- writer thread

  /** Writes each event's line ({@code event.utf8()} plus an LF, without copying it first) and forces once. */
  @Override
  protected void writeBatch(List<AuditEvent> batch) throws IOException {
    batches++;
    for (int i = 0, n = batch.size(); i < n; i++) {
      AuditEvent event = batch.get(i);
      byte[] line = event.utf8();
      int length = line.length + 1; // with the LF
      rotateIfNeeded(event, length);
      if (buffer.remaining() < length) {
        flushBuffer();
        if (buffer.capacity() < length) {
          buffer = ByteBuffer.allocateDirect(length);
        }
      }
      buffer.put(line).put((byte) '\n');
      fileSize += length;
    }
    flushBuffer();
    force();
  }

  private void rotateIfNeeded(AuditEvent event, int length) throws IOException {
    long day = Math.floorDiv(event.time().getEpochSecond(), SECONDS_PER_DAY); // UTC epoch day, no LocalDate per event
    boolean rotate = channel == null
        || (fileSize > 0 && options.rotateAtBytes > 0 && fileSize + length > options.rotateAtBytes)
        || (fileSize > 0 && options.rotateDaily && fileDay != NO_DAY && fileDay != day);
    if (!rotate) {
      if (fileDay == NO_DAY) {
        fileDay = day;
      }
      return;
    }
    if (channel != null) {
      flushBuffer();
      force(); // a rotated file is complete and durable before the next one exists
      channel.close();
    }
    Path file = dir.resolve(LogFiles.fileName(event.seq()));
    channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    forceDirectory();
    fileSize = 0;
    fileDay = day;
    LOG.debug("audit log {} started {}", dir, file.getFileName());
  }

  private void flushBuffer() throws IOException {
    buffer.flip();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    buffer.clear();
  }

  private void force() throws IOException {
    channel.force(false);
    forces++;
  }

  private void forceDirectory() {
    // Makes the new file's directory entry durable (Linux, macOS); not supported on Windows.
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      LOG.debug("cannot fsync directory {}: {}", dir, e.toString());
    }
  }

  private void releaseLock() {
    try {
      if (lock != null && lock.isValid()) {
        lock.release();
      }
    } catch (IOException e) {
      LOG.warn("releasing audit lock of {} failed: {}", dir, e.toString());
    }
    try {
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("closing audit lock file of {} failed: {}", dir, e.toString());
    }
  }

  // ---------------------------------------------------------------- recovery on open

  private record Recovered(Path file, long lastSeq, String lastHash, LocalDate fileDay, TornTail torn) {
  }

  private Recovered recover() throws IOException {
    List<LogFiles.LogFile> files = LogFiles.list(dir);
    TornTail torn = null;
    for (int i = files.size() - 1; i >= 0; i--) {
      LogFiles.LogFile file = files.get(i);
      boolean last = i == files.size() - 1;
      if (last) {
        torn = setAsideTornTail(file.path());
      }
      String lastLine = lastLine(file.path());
      if (lastLine == null) {
        if (!last) {
          throw new IOException("audit log file " + file.path() + " is empty but a later file exists; "
              + "verify the log with `countersign verify` and remove the empty file if it is damaged");
        }
        if (i > 0) {
          continue; // an empty last file (created just before a crash): the head is in the previous file
        }
        long expected = 1;
        if (file.firstSeq() != expected) {
          throw new IOException("audit log file " + file.path() + " is empty and named for seq " + file.firstSeq()
              + ", but no earlier file exists");
        }
        return new Recovered(file.path(), 0, AuditTrail.GENESIS_HASH, null, torn);
      }
      AuditEvent event;
      try {
        event = AuditEvent.parse(lastLine);
      } catch (AuditFormatException e) {
        throw new IOException("cannot continue audit log " + dir + ": the last line of " + file.path().getFileName()
            + " is not a valid audit event (" + e.getMessage() + "); verify it with `countersign verify` and move the "
            + "damaged file aside", e);
      }
      if (!io.countersign.internal.Hashing.hex(event.recomputeHash()).equals(event.hash())) {
        throw new IOException("cannot continue audit log " + dir + ": the last event of " + file.path().getFileName()
            + " (seq " + event.seq() + ") does not match its own hash (edited?); verify it with `countersign verify`");
      }
      Path target = last ? file.path() : null;
      if (!last) {
        // the last file is empty: it must be the one that continues this file
        LogFiles.LogFile empty = files.get(files.size() - 1);
        if (empty.firstSeq() != event.seq() + 1) {
          throw new IOException("audit log file " + empty.path() + " is empty and named for seq " + empty.firstSeq()
              + ", but the previous file ends at seq " + event.seq());
        }
        target = empty.path();
      }
      LocalDate day = last ? LocalDate.ofInstant(firstEventTime(file.path()), ZoneOffset.UTC) : null;
      LOG.info("audit log {} opened: continuing after seq {}", dir, event.seq());
      return new Recovered(target, event.seq(), event.hash(), day, torn);
    }
    return new Recovered(null, 0, AuditTrail.GENESIS_HASH, null, null);
  }

  private TornTail setAsideTornTail(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      if (size == 0 || byteAt(ch, size - 1) == '\n') {
        return null;
      }
      long start = size - 1;
      while (start > 0 && byteAt(ch, start - 1) != '\n') {
        start--;
      }
      ByteBuffer tornBytes = ByteBuffer.allocate((int) Math.min(size - start, Integer.MAX_VALUE));
      ch.read(tornBytes, start);
      tornBytes.flip();
      Path aside = file.resolveSibling(file.getFileName() + LogFiles.TORN_SUFFIX);
      for (int n = 1; Files.exists(aside); n++) {
        aside = file.resolveSibling(file.getFileName() + "." + n + LogFiles.TORN_SUFFIX);
      }
      try (FileChannel out = FileChannel.open(aside, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        while (tornBytes.hasRemaining()) {
          out.write(tornBytes);
        }
        out.force(true);
      }
      forceDirectory();
      ch.truncate(start);
      ch.force(true);
      long line = countLines(file) + 1;
      TornTail torn = new TornTail(file, line, size - start, aside);
      LOG.warn("audit log {}: line {} of {} was cut short ({} bytes without a newline, e.g. by a crash); it is not an event "
          + "and was moved to {}", dir, line, file.getFileName(), size - start, aside.getFileName());
      return torn;
    }
  }

  private static long countLines(Path file) throws IOException {
    long n = 0;
    try (InputStream in = Files.newInputStream(file); LogFiles.LineReader reader = new LogFiles.LineReader(in)) {
      while (reader.next()) {
        n++;
      }
    }
    return n;
  }

  private static int byteAt(FileChannel ch, long pos) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(1);
    if (ch.read(one, pos) != 1) {
      throw new IOException("could not read byte " + pos);
    }
    return one.get(0);
  }

  /** The last complete line of {@code file} (which ends with LF, or is empty), or null if empty. */
  private static String lastLine(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long end = ch.size() - 1; // the final LF
      if (end < 0) {
        return null;
      }
      long start = end;
      while (start > 0 && byteAt(ch, start - 1) != '\n') {
        start--;
      }
      ByteBuffer bytes = ByteBuffer.allocate((int) (end - start));
      ch.read(bytes, start);
      return new String(bytes.array(), StandardCharsets.UTF_8);
    }
  }

  private static java.time.Instant firstEventTime(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file); LogFiles.LineReader reader = new LogFiles.LineReader(in)) {
      if (!reader.next()) {
        throw new IOException(file + " is empty");
      }
      try {
        return AuditEvent.parse(reader.text()).time();
      } catch (AuditFormatException e) {
        throw new IOException("first line of " + file + " is not a valid audit event: " + e.getMessage(), e);
      }
    }
  }

  /**
   * Settings of a {@link FileAuditSink}: durability, batching and rotation. Immutable; built by
   * {@link #builder()}, which checks each value at once.
   */
  public static final class Options {
    /** Default {@link Builder#maxBatchEvents}: 8192 events per write and force. */
    public static final int DEFAULT_MAX_BATCH_EVENTS = 8192;
    /** Default {@link Builder#rotateAtBytes}: 256 MiB. */
    public static final long DEFAULT_ROTATE_AT_BYTES = 256L * 1024 * 1024;

    private final Durability durability;
    private final Duration maxBatchDelay;
    private final int maxBatchEvents;
    private final long rotateAtBytes;
    private final boolean rotateDaily;

    private Options(Builder b) {
      this.durability = b.durability;
      this.maxBatchDelay = b.maxBatchDelay;
      this.maxBatchEvents = b.maxBatchEvents;
      this.rotateAtBytes = b.rotateAtBytes;
      this.rotateDaily = b.rotateDaily;
    }

    /** Group commit without extra delay, rotation at 256 MiB and at each UTC day. */
    public static Options defaults() {
      return builder().build();
    }

    /** Starts from the defaults. */
    public static Builder builder() {
      return new Builder();
    }

    /** The durability mode. */
    public Durability durability() {
      return durability;
    }

    @Override
    public String toString() {
      return "durability=" + durability + ", maxBatchDelay=" + maxBatchDelay + ", maxBatchEvents=" + maxBatchEvents
          + ", rotateAtBytes=" + rotateAtBytes + ", rotateDaily=" + rotateDaily;
    }

    /** Builds {@link Options}. */
    public static final class Builder {
      private Durability durability = Durability.BATCH;
      private Duration maxBatchDelay = Duration.ZERO;
      private int maxBatchEvents = DEFAULT_MAX_BATCH_EVENTS;
      private long rotateAtBytes = DEFAULT_ROTATE_AT_BYTES;
      private boolean rotateDaily = true;

      private Builder() {
      }

      /** {@link Durability#BATCH} (default) or {@link Durability#EVERY_EVENT}. */
      public Builder durability(Durability durability) {
        this.durability = Objects.requireNonNull(durability, "durability must not be null");
        return this;
      }

      /**
       * How long the writer may wait for more events before writing a batch (default 0: write
       * what is queued as soon as the previous force is done, which already batches under
       * load). A small delay trades latency for fewer forces. Only for {@link Durability#BATCH}.
       */
      public Builder maxBatchDelay(Duration delay) {
        Objects.requireNonNull(delay, "maxBatchDelay must not be null");
        if (delay.isNegative() || delay.compareTo(Duration.ofSeconds(1)) > 0) {
          throw new IllegalArgumentException("maxBatchDelay must be between 0 and 1s but was " + delay);
        }
        this.maxBatchDelay = delay;
        return this;
      }

      /** The queue length that ends a {@link #maxBatchDelay} wait early (default 8192). */
      public Builder maxBatchEvents(int events) {
        if (events < 1) {
          throw new IllegalArgumentException("maxBatchEvents must be >= 1 but was " + events);
        }
        this.maxBatchEvents = events;
        return this;
      }

      /** Starts a new file before one would exceed {@code bytes} (0: no size rotation; default 256 MiB). */
      public Builder rotateAtBytes(long bytes) {
        if (bytes < 0) {
          throw new IllegalArgumentException("rotateAtBytes must be >= 0 (0 = never) but was " + bytes);
        }
        this.rotateAtBytes = bytes;
        return this;
      }

      /** Starts a new file when an event's UTC day differs from the current file's first event (default true). */
      public Builder rotateDaily(boolean daily) {
        this.rotateDaily = daily;
        return this;
      }

      /** Builds the options. */
      public Options build() {
        if (durability == Durability.EVERY_EVENT && !maxBatchDelay.isZero()) {
          throw new IllegalStateException("maxBatchDelay " + maxBatchDelay + " has no effect with durability EVERY_EVENT");
        }
        return new Options(this);
      }
    }
  }
}

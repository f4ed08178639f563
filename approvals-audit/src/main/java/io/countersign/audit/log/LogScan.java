package io.countersign.audit.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads the files of a log in large blocks of whole lines and runs the line-independent part of
 * verification on each block: finding the lines, and for each line the {@link CanonicalLine} scan
 * and hash recomputation, which is nearly all of the work (and, for lines the fast path declines,
 * the {@link Precheck}). With more than one thread, each block (a byte range of a file: the lines
 * that start in it) is read and scanned by one of {@code threads - 1} workers or by the caller, and
 * the caller consumes finished blocks strictly in file order, so every check that depends on the
 * previous line (seq, prevHash links, signatures, checkpoints) stays sequential in
 * {@link AuditVerifier}, exactly as with one thread.
 *
 * <p>Why hand-written: the hashes of different lines are independent, but a hash chain is not, and
 * no library splits "parallel per line, sequential across lines" with bounded memory. Memory stays
 * flat: at most {@code 2 * threads + 1} blocks of about {@value #BLOCK} bytes (more only for a line
 * longer than a block) exist at once, recycled; ranges are made as they are needed.
 *
 * <p>Not thread-safe: one caller thread drives it ({@link #next()}, {@link #release}).
 */
final class LogScan implements AutoCloseable {

  /**
   * Default block size: ~300 events, so handing a block over costs little per event, and small
   * enough that a block read by one core is still in that core's cache when it is scanned (256 KiB
   * verified 4-10% faster than 1 MiB in paired runs on 2 cores; 128 and 512 KiB were slower).
   */
  static final int BLOCK = 1 << 18;
  /** Below this many bytes in all, threads cost more than they save. */
  static final long PARALLEL_THRESHOLD = 4L * BLOCK;

  private static final long NEWLINES = Swar.repeat('\n');
  private static final AtomicInteger POOLS = new AtomicInteger();

  /**
   * What a worker may check of a line the fast path declined, before the line's turn in the chain
   * (parsing, hashing, a signature against a pinned key). Returns {@code null} when it cannot
   * help; must not throw. {@link AuditVerifier} supplies it.
   */
  interface Precheck {
    AuditVerifier.Prechecked apply(byte[] buf, int start, int length);
  }

  /** A block of whole lines of one file, and what the scan found for each line. */
  static final class Block {
    byte[] buf;
    int start;         // the lines occupy [start, length)
    int length;
    int file;          // index into the file list
    boolean tail;      // the last line has no terminating LF (the end of the file)
    int lines;
    int[] starts = new int[1024];
    int[] ends = new int[1024];       // exclusive, without the LF
    boolean[] fast = new boolean[1024];
    long[] seqs = new long[1024];
    int[] prevHashAt = new int[1024];
    int[] hashAt = new int[1024];
    AuditVerifier.Prechecked[] prechecked = new AuditVerifier.Prechecked[1024];

    Block(int size) {
      buf = new byte[size];
    }

    /** Whether line {@code i} ends with an LF (only the very last line of a file may not). */
    boolean terminated(int i) {
      return !(tail && i == lines - 1);
    }

    int lineLength(int i) {
      return ends[i] - starts[i];
    }

    /** Splits the block into lines and scans each (the worker's part); {@code precheck} may be null. */
    Block scan(CanonicalLine line, Precheck precheck) {
      Arrays.fill(prechecked, 0, lines, null);
      lines = 0;
      int pos = start;
      while (pos < length) {
        // the scan finds the end of a good line itself; only other lines need the LF search
        int stop = line.scanLine(buf, pos, length);
        boolean ok = stop >= 0 && line.hashMatches();
        if (stop < 0) {
          int lf = indexOfNewline(buf, pos, length);
          stop = lf < 0 ? length : lf;
        }
        add(pos, stop, ok, line);
        if (!ok && precheck != null && stop < length) { // a terminated line the fast path declined
          prechecked[lines - 1] = precheck.apply(buf, pos, stop - pos);
        }
        pos = stop + 1;
      }
      return this;
    }

    private void add(int start, int stop, boolean ok, CanonicalLine line) {
      int i = lines;
      if (i == starts.length) {
        int n = i * 2;
        starts = Arrays.copyOf(starts, n);
        ends = Arrays.copyOf(ends, n);
        fast = Arrays.copyOf(fast, n);
        seqs = Arrays.copyOf(seqs, n);
        prevHashAt = Arrays.copyOf(prevHashAt, n);
        hashAt = Arrays.copyOf(hashAt, n);
        prechecked = Arrays.copyOf(prechecked, n);
      }
      starts[i] = start;
      ends[i] = stop;
      fast[i] = ok;
      if (ok) {
        seqs[i] = line.seq();
        prevHashAt[i] = line.prevHashAt();
        hashAt[i] = line.hashAt();
      }
      lines = i + 1;
    }
  }

  /** One block's worth of a file: the lines that start in {@code [from, to)}. */
  private static final class Range {
    final int file;
    final long from;
    final long to;

    Range(int file, long from, long to) {
      this.file = file;
      this.from = from;
      this.to = to;
    }
  }

  private final List<LogFiles.LogFile> files;
  private final long[] sizes;              // each file's size when the scan started: later appends are not read
  private final FileChannel[] channels;    // open while a file's blocks are read
  private final int[] pendingBlocks;       // blocks of each file not yet released
  private int nextFile;                    // where the next range starts
  private long nextFrom;
  private final ExecutorService pool;      // threads - 1 workers; null: the caller scans alone
  private final ArrayDeque<Job> inFlight = new ArrayDeque<>();
  private final ArrayDeque<Block> free = new ArrayDeque<>();
  private final int depth;
  private final int blockSize;
  private final Precheck precheck;
  private final CanonicalLine callerLine = new CanonicalLine();

  /**
   * @param files the log's files, in order
   * @param threads how many threads may scan; 1 scans on the caller's thread
   * @param blockSize bytes per block ({@link #BLOCK}; tests use tiny blocks to cross every boundary)
   * @param parallelThreshold fewer bytes in all than this are scanned on the caller's thread
   * @param precheck what to check early of lines the fast path declines, or {@code null}
   */
  LogScan(List<LogFiles.LogFile> files, int threads, int blockSize, long parallelThreshold, Precheck precheck)
      throws IOException {
    if (blockSize < 1) {
      throw new IllegalArgumentException("blockSize must be >= 1 but was " + blockSize);
    }
    this.files = files;
    this.blockSize = blockSize;
    this.precheck = precheck;
    this.sizes = new long[files.size()];
    this.channels = new FileChannel[files.size()];
    this.pendingBlocks = new int[files.size()];
    long bytes = 0;
    for (int f = 0; f < files.size(); f++) {
      long size = java.nio.file.Files.size(files.get(f).path());
      sizes[f] = size;
      bytes += size;
      pendingBlocks[f] = (int) Math.min(Integer.MAX_VALUE, (size + blockSize - 1) / blockSize);
    }
    if (threads > 1 && bytes >= parallelThreshold) {
      int id = POOLS.incrementAndGet();
      AtomicInteger n = new AtomicInteger();
      this.pool = Executors.newFixedThreadPool(threads - 1, r -> { // the caller is the last one
        Thread t = new Thread(r, "countersign-verify-" + id + "-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      this.depth = 2 * threads;
    } else {
      this.pool = null;
      this.depth = 1;
    }
  }

  /** The file a block belongs to. */
  LogFiles.LogFile file(Block block) {
    return files.get(block.file);
  }

  /** The size of file {@code index} when the scan started (an empty file yields no block). */
  long size(int index) {
    return sizes[index];
  }

  /**
   * The next block in file order, scanned, or {@code null} at the end of the last file. Give it
   * back with {@link #release} when done with it. Blocks of an empty file are never returned.
   *
   * @throws IOException if a file cannot be read or holds a line longer than {@value LogFiles#MAX_LINE} bytes
   */
  Block next() throws IOException {
    if (pool == null) {
      Range range = nextRange();
      return range == null ? null : read(range, take(), channel(range.file)).scan(callerLine, precheck);
    }
    Range range;
    while (inFlight.size() < depth && (range = nextRange()) != null) {
      Job job = new Job(range, take(), channel(range.file));
      inFlight.add(job);
      pool.execute(job);
    }
    Job oldest = inFlight.poll();
    if (oldest == null) {
      return null;
    }
    // The caller scans too (there are threads - 1 workers): the block it needs next if no worker
    // took it yet, else any later block nobody took, and only then waits. So exactly `threads`
    // threads run, and no third thread keeps interrupting the two that scan.
    try {
      while (oldest.done.getCount() > 0) {
        if (oldest.claim()) {
          oldest.execute(callerLine);
          break;
        }
        Job other = null;
        for (Job j : inFlight) {
          if (j.claim()) {
            other = j;
            break;
          }
        }
        if (other == null) {
          oldest.done.await();
          break;
        }
        other.execute(callerLine);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while verifying the audit log", e);
    }
    Throwable failed = oldest.error;
    if (failed == null) {
      return oldest.block;
    }
    if (failed instanceof IOException) {
      throw (IOException) failed;
    }
    if (failed instanceof RuntimeException) {
      throw (RuntimeException) failed;
    }
    if (failed instanceof Error) {
      throw (Error) failed;
    }
    throw new IllegalStateException("verifier worker failed: " + failed, failed);
  }

  /** Reading and scanning one range: run once, by a worker or by the caller, whichever claims it first. */
  private final class Job implements Runnable {
    final Range range;
    final Block block;
    final FileChannel channel;
    final AtomicBoolean claimed = new AtomicBoolean();
    final CountDownLatch done = new CountDownLatch(1);
    Throwable error; // written before done counts down

    Job(Range range, Block block, FileChannel channel) {
      this.range = range;
      this.block = block;
      this.channel = channel;
    }

    boolean claim() {
      return !claimed.get() && claimed.compareAndSet(false, true);
    }

    /** A worker's entry: skips a job the caller already claimed. */
    @Override
    public void run() {
      if (claim()) {
        execute(WORKER_LINE.get());
      }
    }

    void execute(CanonicalLine line) {
      try {
        read(range, block, channel).scan(line, precheck);
      } catch (Throwable e) {
        error = e;
      } finally {
        done.countDown();
      }
    }
  }

  /** The next block-sized range of the log, in file order, or {@code null} after the last; empty files have none. */
  private Range nextRange() {
    while (nextFile < files.size() && nextFrom >= sizes[nextFile]) {
      nextFile++;
      nextFrom = 0;
    }
    if (nextFile >= files.size()) {
      return null;
    }
    Range range = new Range(nextFile, nextFrom, Math.min(nextFrom + blockSize, sizes[nextFile]));
    nextFrom = range.to;
    return range;
  }

  /** Each worker thread's scanner (one digest and state per thread). */
  private static final ThreadLocal<CanonicalLine> WORKER_LINE = ThreadLocal.withInitial(CanonicalLine::new);

  /** Returns a block from {@link #next()} for reuse; closes its file after the file's last block. */
  void release(Block block) throws IOException {
    free.add(block);
    if (--pendingBlocks[block.file] == 0 && channels[block.file] != null) {
      channels[block.file].close();
      channels[block.file] = null;
    }
  }

  private FileChannel channel(int file) throws IOException {
    FileChannel c = channels[file];
    if (c == null) {
      c = FileChannel.open(files.get(file).path(), StandardOpenOption.READ);
      channels[file] = c;
    }
    return c;
  }

  private Block take() {
    Block b = free.poll();
    return b != null ? b : new Block(blockSize + (blockSize >> 4) + 16);
  }

  /**
   * Reads the lines that start in {@code range} into {@code block}: from the first line start at
   * or after {@code range.from} (just after an LF, or the file's start) up to and including the LF
   * of the line that starts last before {@code range.to}, reading past {@code range.to} as far as
   * that line goes. A last line cut off by the end of the file (as it was when the scan started)
   * is kept as a tail without LF.
   */
  private Block read(Range range, Block block, FileChannel channel) throws IOException {
    long size = sizes[range.file];
    long at = range.from == 0 ? 0 : range.from - 1; // the byte before: an LF there starts a line at from
    block.file = range.file;
    block.tail = false;
    int n = fill(block, channel, at, 0, size);
    int first = 0;
    if (range.from > 0) {
      // a line starts at q in [from, to) if the byte before it (buffer index q - 1 - at) is an LF
      int lf = indexOfNewline(block.buf, 0, (int) Math.min(n, range.to - at - 1));
      if (lf < 0) {
        block.length = 0; // no line starts in this range: a long line crosses it
        block.start = 0;
        return block;
      }
      first = lf + 1;
    }
    // the last line starting before range.to must end with its LF inside the buffer
    int ownedEnd = (int) (range.to - at); // offset of range.to in the buffer
    int scanFrom = Math.max(first, ownedEnd - 1);
    int lf = indexOfNewline(block.buf, scanFrom, n);
    while (lf < 0 && at + n < size) {
      int old = n;
      n = grow(block, channel, at, n, size);
      lf = indexOfNewline(block.buf, old, n);
    }
    if (lf < 0) {
      block.length = n;          // the file ends inside the last line: a tail without LF
      block.tail = n > first;
    } else {
      block.length = lf + 1;
    }
    block.start = first;
    return block;
  }

  /** Reads from file position {@code at + n} into the block's buffer after {@code n} bytes, up to its capacity or {@code size}. */
  private int fill(Block block, FileChannel channel, long at, int n, long size) throws IOException {
    byte[] buf = block.buf;
    long want = Math.min(buf.length, size - at);
    while (n < want) {
      int r = channel.read(ByteBuffer.wrap(buf, n, (int) (want - n)), at + n);
      if (r < 0) {
        throw new IOException("audit log file " + files.get(block.file).name() + " shrank from " + size + " to "
            + (at + n) + " bytes while it was being verified (truncated by someone?)");
      }
      n += r;
    }
    return n;
  }

  private int grow(Block block, FileChannel channel, long at, int n, long size) throws IOException {
    if (block.buf.length >= LogFiles.MAX_LINE + blockSize) {
      throw new IOException("a line of " + files.get(block.file).name() + " is longer than " + LogFiles.MAX_LINE + " bytes");
    }
    block.buf = Arrays.copyOf(block.buf, block.buf.length * 2);
    return fill(block, channel, at, n, size);
  }

  /** Index of the first LF in {@code [from, to)}, or -1; 8 bytes at a time (see CanonicalLine). */
  static int indexOfNewline(byte[] b, int from, int to) {
    int pos = from;
    while (pos + 8 <= to) {
      long lf = Swar.equalBytes(Swar.word(b, pos), NEWLINES);
      if (lf != 0) {
        return pos + (Long.numberOfTrailingZeros(lf) >>> 3);
      }
      pos += 8;
    }
    for (; pos < to; pos++) {
      if (b[pos] == '\n') {
        return pos;
      }
    }
    return -1;
  }

  /** Stops the workers (abandoning blocks not consumed) and closes the open file. */
  @Override
  public void close() throws IOException {
    if (pool != null) {
      for (Job job : inFlight) {
        job.claim(); // a worker that has not started it never will
      }
      inFlight.clear();
      pool.shutdownNow();
    }
    IOException first = null;
    for (int f = 0; f < channels.length; f++) {
      if (channels[f] != null) {
        try {
          channels[f].close();
        } catch (IOException e) {
          first = first == null ? e : first;
        }
        channels[f] = null;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}

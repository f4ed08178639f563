package io.countersign.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link LogScan} must hand back exactly the lines of the files, in order, whatever the block size
 * and the number of threads: every line once, lines crossing block boundaries whole, lines longer
 * than a block, a last line without LF flagged as a tail, empty lines and empty files.
 */
class LogScanTest {

  @TempDir
  Path dir;

  /** A line as the scan reports it. */
  private record Line(int file, String bytes, boolean terminated) {
  }

  @ParameterizedTest(name = "block {0} bytes, {1} threads")
  @CsvSource({"1, 1", "1, 3", "2, 2", "3, 4", "7, 1", "7, 3", "64, 2", "1000, 3", "1048576, 2"})
  @DisplayName("every line comes back once, whole and in order, for any block size and thread count")
  void linesComeBackExactly(int blockSize, int threads) throws IOException {
    Random random = new Random(blockSize * 31L + threads);
    List<LogFiles.LogFile> files = new ArrayList<>();
    List<Line> expected = new ArrayList<>();
    for (int f = 0; f < 6; f++) {
      ByteArrayOutputStream content = new ByteArrayOutputStream();
      int lines = f == 2 ? 0 : 1 + random.nextInt(60); // file 2 is empty
      for (int i = 0; i < lines; i++) {
        int length = random.nextInt(10) == 0 ? 0 : random.nextInt(10) == 0 ? 3000 + random.nextInt(3000) : random.nextInt(300);
        byte[] line = new byte[length];
        for (int j = 0; j < length; j++) {
          byte b;
          do {
            b = (byte) random.nextInt(256);
          } while (b == '\n');
          line[j] = b;
        }
        boolean last = i == lines - 1;
        boolean terminated = !(last && f == 5 && length > 0); // the last file ends with a tail
        content.writeBytes(line);
        if (terminated) {
          content.write('\n');
        }
        expected.add(new Line(f, Arrays.toString(line), terminated));
      }
      Path file = dir.resolve("f" + f);
      Files.write(file, content.toByteArray());
      files.add(new LogFiles.LogFile(file, -1));
    }

    List<Line> actual = new ArrayList<>();
    try (LogScan scan = new LogScan(files, threads, blockSize, 0, null)) {
      LogScan.Block block;
      while ((block = scan.next()) != null) {
        for (int i = 0; i < block.lines; i++) {
          byte[] line = Arrays.copyOfRange(block.buf, block.starts[i], block.ends[i]);
          actual.add(new Line(block.file, Arrays.toString(line), block.terminated(i)));
        }
        scan.release(block);
      }
    }
    assertThat(actual).containsExactlyElementsOf(expected);
  }

  @Test
  @DisplayName("a file that shrinks while it is scanned is an error naming the file, not a shorter log")
  void shrinkingFileIsAnError() throws IOException {
    Path file = dir.resolve("audit-0000000000000001.jsonl");
    Files.write(file, "a\nb\nc\n".repeat(100).getBytes());
    try (LogScan scan = new LogScan(List.of(new LogFiles.LogFile(file, 1)), 1, 16, 0, null)) {
      LogScan.Block first = scan.next();
      assertThat(first.lines).isPositive();
      scan.release(first);
      Files.write(file, "a\n".getBytes());
      assertThatThrownBy(() -> {
        while (scan.next() != null) {
          // drain
        }
      }).isInstanceOf(IOException.class).hasMessageContaining("audit-0000000000000001.jsonl shrank from 600 to");
    }
  }

  @Test
  @DisplayName("newline search finds the first LF at every position and alignment")
  void indexOfNewline() {
    for (int length = 0; length < 40; length++) {
      for (int lf = -1; lf < length; lf++) {
        byte[] b = new byte[length + 5];
        Arrays.fill(b, (byte) 0x8A); // 0x0A with the high bit set must not match
        if (lf >= 0) {
          b[lf] = '\n';
        }
        for (int from = 0; from <= length; from++) {
          int want = lf >= from ? lf : -1;
          assertThat(LogScan.indexOfNewline(b, from, length)).as("len %d lf %d from %d", length, lf, from).isEqualTo(want);
        }
      }
    }
  }
}

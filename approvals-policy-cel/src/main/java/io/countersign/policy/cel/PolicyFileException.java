package io.countersign.policy.cel;

import io.countersign.ApprovalConfigurationException;
import java.util.List;

/**
 * A policy file is invalid. The message lists every problem found, one per line, each as
 * {@code file:line:column: path: what is wrong but was 'value'} (e.g.
 * {@code finance.yaml:9:15: rules[0].require.quorum: quorum must be <= the 2 eligible reviewers ... but was 3}),
 * so that the application fails at startup with a message that points at the line to fix.
 */
public class PolicyFileException extends ApprovalConfigurationException {

  private static final long serialVersionUID = 1L;

  private final transient List<Problem> problems;

  /**
   * One problem in a policy file.
   *
   * @param source the file name or path
   * @param line 1-based line, or 0 if unknown
   * @param column 1-based column, or 0 if unknown
   * @param path where in the document, e.g. {@code rules[1].require.quorum}
   * @param message what is wrong, ending with {@code but was 'value'} where there is a value
   */
  public record Problem(String source, int line, int column, String path, String message) {
    /** The problem as one line: {@code file:line:column: path: message}. */
    @Override
    public String toString() {
      return source + (line > 0 ? ":" + line + ":" + column : "") + ": " + (path.isEmpty() ? "" : path + ": ") + message;
    }
  }

  public PolicyFileException(List<Problem> problems, Throwable cause) {
    super(message(problems), cause);
    this.problems = List.copyOf(problems);
  }

  /** Every problem found, in document order. */
  public List<Problem> problems() {
    return problems;
  }

  private static String message(List<Problem> problems) {
    StringBuilder out = new StringBuilder("invalid policy file (" + problems.size() + (problems.size() == 1 ? " problem" : " problems") + "):");
    problems.forEach(p -> out.append("\n  ").append(p));
    return out.toString();
  }
}

package io.countersign.text;

/**
 * The one escaper of untrusted text for Countersign's outputs (the reviewer and passkey pages, the
 * compliance report, the command-line tools). Each method takes any string (including
 * {@code null}, which gives {@code ""}) and returns text that the target format shows literally:
 * no markup, no table cell, no terminal control sequence can be forged from the input, and
 * invisible characters are made visible where the format allows.
 */
public final class Escape {

  private Escape() {}

  /**
   * For HTML element content and quoted attribute values: escapes {@code & < > " ' `}, writes CR as
   * {@code &#13;} (an HTML parser would turn a raw CR into LF) and replaces other control characters
   * except tab and LF with U+FFFD, which a page has no use for.
   */
  public static String html(String s) {
    return html(s, false);
  }

  /**
   * Like {@link #html} but keeps every character, so that the text a browser parses back is exactly
   * {@code s}: for text that is signed or hashed as shown (a passkey approval page), where replacing a
   * control character would change what is signed. CR is written as {@code &#13;}.
   */
  public static String htmlExact(String s) {
    return html(s, true);
  }

  /**
   * For one cell of a Markdown (GFM) table: escapes backslash, the pipe that would end the cell, the
   * markup that could make links, images, code or emphasis ({@code [ ] ` * _ ! < > &}), turns line
   * breaks into spaces and other invisible characters into {@code \}{@code uXXXX}.
   */
  public static String markdownCell(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\', '|', '[', ']', '`', '*', '_', '!', '~', '#' -> b.append('\\').append(c);
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '\r', '\n' -> b.append(' ');
        default -> {
          if (invisible(c)) {
            unicode(b, c);
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }

  /**
   * For a line of terminal output: backslash becomes {@code \\}, tab, CR and LF become {@code \t},
   * {@code \r}, {@code \n} (a field cannot start a forged line), and every other control or
   * invisible format character (ESC of an ANSI sequence, BEL, backspace, C1 controls such as CSI,
   * bidirectional overrides) becomes {@code \}{@code uXXXX}, so nothing in the text reaches the
   * terminal as a command.
   */
  public static String terminal(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String replacement = switch (c) {
        case '\\' -> "\\\\";
        case '\t' -> "\\t";
        case '\r' -> "\\r";
        case '\n' -> "\\n";
        default -> invisible(c) ? null : "";
      };
      if (replacement != null && replacement.isEmpty()) {
        if (b != null) {
          b.append(c);
        }
        continue;
      }
      if (b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (replacement != null) {
        b.append(replacement);
      } else {
        unicode(b, c);
      }
    }
    return b == null ? s : b.toString();
  }

  private static String html(String s, boolean exact) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        case '`' -> b.append("&#96;");
        case '\r' -> b.append("&#13;");
        default -> b.append(!exact && control(c) && c != '\t' && c != '\n' ? '\uFFFD' : c);
      }
    }
    return b.toString();
  }

  /** C0 and C1 controls and DEL. */
  private static boolean control(char c) {
    return c < 0x20 || c >= 0x7f && c <= 0x9f;
  }

  /** Controls, and format characters that change how text around them is shown (bidi overrides, zero-width). */
  private static boolean invisible(char c) {
    return control(c) || Character.getType(c) == Character.FORMAT || c == '\u2028' || c == '\u2029';
  }

  private static void unicode(StringBuilder b, char c) {
    b.append("\\u").append(String.format("%04X", (int) c));
  }
}

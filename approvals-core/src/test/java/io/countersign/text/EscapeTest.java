package io.countersign.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EscapeTest {

  @Test
  void htmlEscapesMarkupQuotesAndBackticks() {
    assertThat(Escape.html("<a href='x' title=\"y\">`&`</a>"))
        .isEqualTo("&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&#96;&amp;&#96;&lt;/a&gt;");
  }

  @Test
  void htmlReplacesControlCharactersButKeepsTabAndNewlineAndEncodesCr() {
    assertThat(Escape.html("a\u001b[2J\tb\nc\rd\u0000\u009b")).isEqualTo("a\uFFFD[2J\tb\nc&#13;d\uFFFD\uFFFD");
  }

  @Test
  @DisplayName("S59 the exact HTML form keeps every character, so signed text survives the page (CR as &#13;)")
  void htmlExactKeepsEveryCharacterForSignedText() {
    assertThat(Escape.htmlExact("pay\r\n\u0007<b>")).isEqualTo("pay&#13;\n\u0007&lt;b&gt;");
  }

  @Test
  void nullIsEmptyInEveryFormat() {
    assertThat(Escape.html(null)).isEmpty();
    assertThat(Escape.htmlExact(null)).isEmpty();
    assertThat(Escape.markdownCell(null)).isEmpty();
    assertThat(Escape.terminal(null)).isEmpty();
  }

  @Test
  @DisplayName("S59 a Markdown cell cannot end early, start a row, link, or hide characters")
  void markdownCellEscapesPipesLineBreaksMarkupAndInvisibles() {
    assertThat(Escape.markdownCell("a|b\n| c | [x](http://e) ![i](u) <b> `c` *e* _f_ \\ &amp; \u202e"))
        .isEqualTo("a\\|b \\| c \\| \\[x\\](http://e) \\!\\[i\\](u) &lt;b&gt; \\`c\\` \\*e\\* \\_f\\_ \\\\ &amp;amp; \\u202E");
  }

  @Test
  @DisplayName("S59 terminal text shows escape sequences, line breaks and bidi overrides instead of obeying them")
  void terminalMakesControlSequencesVisible() {
    assertThat(Escape.terminal("ok\u001b]0;title\u0007\u001b[31m\r\n\ttab\\ \u009b1m \u202ex \u200b"))
        .isEqualTo("ok\\u001B]0;title\\u0007\\u001B[31m\\r\\n\\ttab\\\\ \\u009B1m \\u202Ex \\u200B");
  }

  @Test
  void terminalReturnsPlainTextUnchanged() {
    String plain = "2  2025-03-01T09:00:30Z  VOTE  r1  payments.refund  bob APPROVE \u00e9\u4e2d";
    assertThat(Escape.terminal(plain)).isSameAs(plain);
  }
}

package io.countersign.slack;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Misconfiguration fails at startup with a message naming the setting and the bad value. */
class SlackApproverBuilderTest {

  @Test
  void buildWithoutBotTokenSaysHowToFixIt() {
    assertThatThrownBy(() -> SlackApprover.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("botToken is required: call botToken(...) with the app's bot token (xoxb-...)");
  }

  @Test
  void buildWithoutReviewerDirectoryIsRefusedBecauseNobodyCouldVote() {
    assertThatThrownBy(() -> SlackApprover.builder().botToken("xoxb-1").signingSecret("s").channel("C1").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("reviewerDirectory is required");
  }

  @Test
  void channelSetTwiceNamesTheEarlierValue() {
    assertThatThrownBy(() -> SlackApprover.builder().channel("C1").channel("C2"))
        .isInstanceOf(IllegalStateException.class).hasMessage("channel was already set to 'C1'");
  }

  @Test
  void badValuesAreNamed() {
    assertThatThrownBy(() -> SlackApprover.builder().maxAttempts(0))
        .hasMessage("maxAttempts must be between 1 and 20 but was 0");
    assertThatThrownBy(() -> SlackApprover.builder().maxClockSkew(Duration.ofMinutes(10)))
        .hasMessage("maxClockSkew must be positive and at most PT5M but was PT10M");
    assertThatThrownBy(() -> SlackApprover.builder().channel(" "))
        .hasMessage("channel must not be blank but was ' '");
    assertThatThrownBy(() -> SlackApprover.builder().responseUrlPrefix("http://evil.example/"))
        .hasMessage("responseUrlPrefix must be an https:// URL (or http:// on the loopback, for tests) but was http://evil.example/");
  }

  @Test
  void explicitDirectoryRejectsBlankSlackIds() {
    assertThatThrownBy(() -> ReviewerDirectory.explicit(Map.of(" ", io.countersign.Reviewer.of("bob"))))
        .hasMessage("Slack user id must not be blank but was ' '");
  }
}

package io.countersign.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.Reviewer;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SlackDemoWiringTest {

  static final String TOKEN = "xoxb-demo-SECRET";
  static final String SECRET = "demo-signing-SECRET";

  @Test
  void withoutSlackVariablesTheDemoStaysInMemory() {
    assertThat(SlackDemoWiring.fromEnvironment(Map.of("PATH", "/bin"))).isEmpty();
  }

  @Test
  void allThreeVariablesSwitchSlackModeOn() {
    Optional<SlackDemoWiring> wiring = SlackDemoWiring.fromEnvironment(Map.of(
        SlackDemoWiring.BOT_TOKEN, TOKEN, SlackDemoWiring.SIGNING_SECRET, SECRET, SlackDemoWiring.CHANNEL, "C0DEMO",
        SlackDemoWiring.PORT, "3456", SlackDemoWiring.REVIEWERS, "U0BOB=bob:sre-leads"));

    assertThat(wiring).isPresent();
    try (SlackApprover approver = wiring.get().approver()) {
      assertThat(wiring.get().port()).isEqualTo(3456);
      assertThat(approver.toString()).contains("channel=C0DEMO").doesNotContain(TOKEN).doesNotContain(SECRET);
    }
  }

  @Test
  void partialSlackConfigurationIsAnErrorNamingWhatIsMissingWithoutEchoingSecrets() {
    assertThatThrownBy(() -> SlackDemoWiring.fromEnvironment(Map.of(SlackDemoWiring.BOT_TOKEN, TOKEN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Slack mode needs COUNTERSIGN_SLACK_BOT_TOKEN, COUNTERSIGN_SLACK_SIGNING_SECRET and COUNTERSIGN_SLACK_CHANNEL;"
            + " missing: COUNTERSIGN_SLACK_SIGNING_SECRET, COUNTERSIGN_SLACK_CHANNEL");
  }

  @Test
  void badPortIsNamed() {
    assertThatThrownBy(() -> SlackDemoWiring.fromEnvironment(Map.of(SlackDemoWiring.BOT_TOKEN, TOKEN,
        SlackDemoWiring.SIGNING_SECRET, SECRET, SlackDemoWiring.CHANNEL, "C0DEMO", SlackDemoWiring.PORT, "http")))
        .hasMessage("COUNTERSIGN_SLACK_PORT must be a port number between 1 and 65535 but was 'http'");
  }

  @Test
  void reviewerSpecMapsSlackUsersToReviewersWithGroups() {
    assertThat(SlackDemoWiring.parseReviewers("U0BOB=bob:sre-leads+dba, U0CAROL=carol"))
        .containsEntry("U0BOB", Reviewer.of("bob", "sre-leads", "dba"))
        .containsEntry("U0CAROL", Reviewer.of("carol"));
    assertThatThrownBy(() -> SlackDemoWiring.parseReviewers("bob"))
        .hasMessage("COUNTERSIGN_SLACK_REVIEWERS entry must look like U0123=bob:group1+group2 but was 'bob'");
  }

  @Test
  void manifestAsksForTheScopesAndInteractivityUrlTheAdapterNeeds() {
    assertThat(SlackDemoWiring.appManifest("https://demo.example/slack/interactions"))
        .contains("- chat:write").contains("- users:read.email")
        .contains("request_url: https://demo.example/slack/interactions").contains("is_enabled: true");
  }
}

package io.countersign.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import io.countersign.Reviewer;
import io.countersign.slack.testing.FakeSlack;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** E-mail based reviewer look-up through users.info on the real SDK against the fake Slack. */
class SlackEmailDirectoryTest {

  static final String TEAM = "T0COUNTERSIGN";
  final FakeSlack fake = new FakeSlack();
  final Slack slack;
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  final SlackEmailDirectory directory;

  SlackEmailDirectoryTest() {
    SlackConfig config = new SlackConfig();
    config.setMethodsEndpointUrlPrefix(fake.methodsUrlPrefix());
    config.setStatsEnabled(false);
    slack = Slack.getInstance(config);
    Map<String, Reviewer> corporate = Map.of("bob@example.com", Reviewer.of("bob", "sre-leads"));
    directory = SlackEmailDirectory.builder().slack(slack).botToken("xoxb-directory")
        .reviewers(email -> Optional.ofNullable(corporate.get(email))).sleeper(sleeps::add).build();
  }

  @AfterEach
  void close() throws Exception {
    fake.close();
    slack.close();
  }

  static String user(String id, String email, boolean confirmed, boolean deleted, boolean bot) {
    return "{\"id\":\"" + id + "\",\"team_id\":\"" + TEAM + "\",\"name\":\"x\",\"deleted\":" + deleted + ",\"is_bot\":" + bot
        + ",\"is_email_confirmed\":" + confirmed + ",\"profile\":{\"email\":\"" + email + "\"}}";
  }

  @Test
  void confirmedEmailMapsToTheReviewerAndIsCached() throws Exception {
    fake.user("U0BOB", user("U0BOB", "Bob@Example.com", true, false, false));

    assertThat(directory.find(new SlackUser("U0BOB", TEAM, "bob"))).contains(Reviewer.of("bob", "sre-leads"));
    assertThat(directory.find(new SlackUser("U0BOB", TEAM, "bob"))).contains(Reviewer.of("bob", "sre-leads"));

    assertThat(fake.calls("users.info")).hasSize(1);
    assertThat(fake.last("users.info").params()).containsEntry("user", "U0BOB");
  }

  @Test
  void unconfirmedEmailDeletedUsersAndBotsAreNotReviewers() throws Exception {
    fake.user("U1", user("U1", "bob@example.com", false, false, false));
    fake.user("U2", user("U2", "bob@example.com", true, true, false));
    fake.user("U3", user("U3", "bob@example.com", true, false, true));

    assertThat(directory.find(new SlackUser("U1", TEAM, null))).isEmpty();
    assertThat(directory.find(new SlackUser("U2", TEAM, null))).isEmpty();
    assertThat(directory.find(new SlackUser("U3", TEAM, null))).isEmpty();
  }

  @Test
  void emailUnknownToYourDirectoryIsNotAReviewer() throws Exception {
    fake.user("U0EVE", user("U0EVE", "eve@example.com", true, false, false));

    assertThat(directory.find(new SlackUser("U0EVE", TEAM, null))).isEmpty();
  }

  @Test
  void slackErrorsThrowSoTheClickIsRefusedAndAreNotCached() throws Exception {
    assertThatThrownBy(() -> directory.find(new SlackUser("U0NOBODY", TEAM, null)))
        .isInstanceOf(SlackDeliveryException.class).hasMessageContaining("user_not_found");

    fake.user("U0NOBODY", user("U0NOBODY", "bob@example.com", true, false, false));
    assertThat(directory.find(new SlackUser("U0NOBODY", TEAM, null))).isPresent();
  }

  @Test
  void rateLimitedLookupIsRetried() throws Exception {
    fake.user("U0BOB", user("U0BOB", "bob@example.com", true, false, false));
    fake.rateLimit("users.info", 1, 1);

    assertThat(directory.find(new SlackUser("U0BOB", TEAM, null))).isPresent();
    assertThat(sleeps).containsExactly(Duration.ofSeconds(1));
  }
}

package io.countersign.slack;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.slack.internal.SignatureVerifier;
import io.countersign.slack.internal.SignatureVerifier.Verdict;
import io.countersign.slack.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The v0 signature check against Slack's own published example, and its window and replay rules. */
class SignatureVerificationTest {

  // the worked example of Slack's "Verifying requests from Slack" documentation
  static final String SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
  static final long TS = 1531420618;
  static final byte[] BODY = ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
      + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2F"
      + "hooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121"
      + ".803a0bc887a14d10d2c447fce8b6703c").getBytes(StandardCharsets.UTF_8);
  static final String SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

  final MutableClock clock = new MutableClock(Instant.ofEpochSecond(TS + 30));
  final SignatureVerifier verifier = new SignatureVerifier(SECRET, clock, Duration.ofMinutes(5), 1000);

  @Test
  void acceptsSlacksPublishedExample() {
    assertThat(verifier.sign(TS, BODY)).isEqualTo(SIGNATURE);
    assertThat(verifier.verify(String.valueOf(TS), SIGNATURE, BODY)).isEqualTo(Verdict.OK);
  }

  @Test
  @DisplayName("S18 a signature differing in one hex digit is refused")
  void oneWrongDigitIsRefused() {
    String forged = SIGNATURE.substring(0, SIGNATURE.length() - 1) + "4";
    assertThat(verifier.verify(String.valueOf(TS), forged, BODY)).isEqualTo(Verdict.BAD_SIGNATURE);
    assertThat(verifier.verify(String.valueOf(TS), "v1=" + SIGNATURE.substring(3), BODY)).isEqualTo(Verdict.BAD_SIGNATURE);
  }

  @Test
  @DisplayName("S19 the window is five minutes each way, on the injected clock")
  void windowIsFiveMinutesEachWay() {
    clock.advance(Duration.ofMinutes(5));
    assertThat(verifier.verify(String.valueOf(TS), SIGNATURE, BODY)).isEqualTo(Verdict.STALE_TIMESTAMP);

    MutableClock early = new MutableClock(Instant.ofEpochSecond(TS - 301));
    assertThat(new SignatureVerifier(SECRET, early, Duration.ofMinutes(5), 1000).verify(String.valueOf(TS), SIGNATURE, BODY))
        .isEqualTo(Verdict.FUTURE_TIMESTAMP);
  }

  @Test
  @DisplayName("S20 the same signed callback is accepted once")
  void secondDeliveryIsAReplay() {
    assertThat(verifier.verify(String.valueOf(TS), SIGNATURE, BODY)).isEqualTo(Verdict.OK);
    assertThat(verifier.verify(String.valueOf(TS), SIGNATURE, BODY)).isEqualTo(Verdict.REPLAYED);
    clock.advance(Duration.ofMinutes(4));
    assertThat(verifier.verify(String.valueOf(TS), SIGNATURE, BODY)).as("still remembered inside the window").isEqualTo(Verdict.REPLAYED);
  }

  @Test
  void aForgedCallbackDoesNotPoisonTheReplayCache() {
    assertThat(verifier.verify(String.valueOf(TS), "v0=" + "0".repeat(64), BODY)).isEqualTo(Verdict.BAD_SIGNATURE);
    assertThat(verifier.verify(String.valueOf(TS), SIGNATURE, BODY)).isEqualTo(Verdict.OK);
  }
}

package io.countersign.http;

import io.countersign.http.testing.HeadlessChromium;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.countersign.Actor;
import io.countersign.ApprovalRejectedException;
import io.countersign.RequestState;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;


import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The reviewer page in headless Chromium (the system browser and driver, never downloaded ones):
 * a reviewer signs in, sees the pending request, and approves or denies it while the guarded call
 * blocks on another thread. Screenshots of failures go to {@code target/screenshots/}.
 */
class ReviewerPageBrowserIT {

  private static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private static final Actor AGENT = Actor.agent("ops-agent-7", "dave");

  private static ChromeDriver driver;
  private static HeadlessChromium chromium;

  private GateHarness h;

  @RegisterExtension
  final TestWatcher screenshotOnFailure = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      if (driver != null) {
        screenshot("FAILED-" + context.getRequiredTestMethod().getName());
      }
    }
  };

  @BeforeAll
  static void startBrowser() throws IOException {
    chromium = HeadlessChromium.start("the reviewer page browser test");
    driver = chromium.driver();
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterAll
  static void stopBrowser() {
    if (chromium != null) {
      chromium.close();
      chromium = null;
      driver = null;
    }
  }

  @BeforeEach
  void startGate() throws Exception {
    h = new GateHarness();
    driver.manage().window().setSize(new Dimension(1280, 1000));
  }

  @AfterEach
  void stopGate() {
    assertThat(h.auditVerifies()).as("the signed audit chain verifies").isTrue();
    h.close();
  }

  @Test
  void reviewerApprovesInTheBrowserAndTheBlockedCallCompletes() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket OPS-42: roll out 4.2", "deploy", "prod", "release 4.2");
    signIn(GateHarness.BOB);

    WebElement item = driver.findElement(By.cssSelector(".request-link"));
    assertThat(item.getText()).contains("Deploy to production", "by ops-agent-7 for dave", "ticket OPS-42", "0 of 1 approvals");
    item.click();
    waitFor(By.id("vote-form"));
    assertThat(call.result()).as("the call blocks until a decision").isNotDone();

    driver.findElement(By.id("approve")).click();

    WebElement result = waitFor(By.id("result"));
    assertThat(result.getAttribute("data-state")).isEqualTo("APPROVED");
    assertThat(result.getText()).contains("Approved", "the action runs now");
    assertThat(call.result().get(10, TimeUnit.SECONDS)).isEqualTo("deployed prod");
    assertThat(h.target.ran).containsExactly("deploy prod");
  }

  @Test
  void reviewerDeniesWithAReasonAndTheMethodNeverRuns() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket OPS-43", "deploy", "prod", "n");
    signIn(GateHarness.BOB);
    driver.get(h.server.requestUri(call.requestId()).toString());

    driver.findElement(By.id("deny")).click();
    assertThat(waitFor(By.id("error")).getText()).contains("Reason is required to deny");
    assertThat(h.gate.status(call.requestId()).orElseThrow().state()).isEqualTo(RequestState.PENDING);

    driver.findElement(By.id("reason")).sendKeys("change freeze until Monday");
    driver.findElement(By.id("deny")).click();

    WebElement result = waitFor(By.id("result"));
    assertThat(result.getAttribute("data-state")).isEqualTo("REJECTED");
    assertThat(result.getText()).contains("Denied", "will not run");
    assertThat(call.result()).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(ApprovalRejectedException.class);
    driver.get(h.server.requestUri(call.requestId()).toString());
    assertThat(driver.findElement(By.id("state")).getText()).isEqualToIgnoringCase("Denied");
    assertThat(driver.findElement(By.id("outcome")).getText()).contains("denied by bob: change freeze until Monday");
    assertThat(h.target.ran).isEmpty();
  }

  @Test
  @DisplayName("S23 an argument <script>alert(1)</script> renders as text and never runs")
  void hostileArgumentRendersAsText() throws Exception {
    GateHarness.Call call = h.call(AGENT, "<b>bold?</b>", "deploy", "<script>alert(1)</script>", "n");
    signIn(GateHarness.BOB);
    driver.get(h.server.requestUri(call.requestId()).toString());

    assertThat(driver.findElement(By.id("arguments")).getText()).contains("\"<script>alert(1)</script>\"");
    assertThat(driver.findElement(By.id("justification")).getText()).isEqualTo("<b>bold?</b>");
    assertThat(driver.findElements(By.cssSelector("#justification b"))).isEmpty();
    List<WebElement> scripts = driver.findElements(By.tagName("script"));
    assertThat(scripts).allSatisfy(s -> assertThat(s.getAttribute("src")).endsWith("/review/static/countdown.js"));
    assertNoAlert();
    assertThat(call.result()).isNotDone();
  }

  @Test
  @DisplayName("S23 a vote form posted without its CSRF token is refused and nothing is counted")
  void formPostWithoutCsrfTokenIsRefused() throws Exception {
    GateHarness.Call call = h.call(AGENT, "ticket", "deploy", "prod", "n");
    signIn(GateHarness.BOB);
    driver.get(h.server.requestUri(call.requestId()).toString());

    ((JavascriptExecutor) driver).executeScript("document.querySelector('#vote-form input[name=csrf]').remove();");
    driver.findElement(By.id("approve")).click();

    // the click navigates: wait for the result page's heading, not the detail page's (stale) one
    new WebDriverWait(driver, Duration.ofSeconds(10)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(ExpectedConditions.textToBe(By.tagName("h1"), "Vote refused"));
    assertThat(driver.findElement(By.tagName("main")).getText()).contains("security token was missing or wrong");
    assertThat(h.gate.status(call.requestId()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    assertThat(call.result()).isNotDone();
    assertThat(h.target.ran).isEmpty();
  }

  @Test
  void detailPageShowsWhatAReviewerNeedsOnALaptopAndAPhone() throws Exception {
    GateHarness.Call call = h.call(AGENT, "Quarterly rotation, ticket SEC-118; old key leaked in a CI log", "rotateKeys", "payments-api");
    assertThat(h.vote(call.requestId(), GateHarness.CAROL, "{\"decision\":\"APPROVE\",\"reason\":\"runbook followed\"}").statusCode())
        .isEqualTo(200);
    h.time.advance(Duration.ofMinutes(3));
    signIn(GateHarness.BOB);
    driver.get(h.server.requestUri(call.requestId()).toString());

    assertThat(driver.findElement(By.id("action")).getText()).isEqualTo("Rotate signing keys");
    assertThat(driver.findElement(By.id("requester")).getText()).isEqualTo("ops-agent-7 (agent)");
    assertThat(driver.findElement(By.id("on-behalf-of")).getText()).isEqualTo("dave");
    assertThat(driver.findElement(By.id("progress")).getText()).isEqualTo("1 of 2 approvals needed");
    assertThat(driver.findElement(By.id("votes")).getText()).contains("Approved by carol", "runbook followed");
    assertThat(driver.findElement(By.id("digest")).getText()).hasSize(64);
    assertThat(driver.findElement(By.id("policy")).getText()).startsWith("annotation");
    assertThat(driver.findElement(By.cssSelector(".countdown.big")).getText()).matches("2[67] min \\d+ s");
    driver.manage().window().setSize(new Dimension(1280, 1400));
    screenshot("detail");

    driver.manage().window().setSize(new Dimension(390, 2700));
    assertThat(driver.findElement(By.id("approve")).isDisplayed()).isTrue();
    Long overflow = (Long) ((JavascriptExecutor) driver).executeScript(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
    assertThat(overflow).as("no horizontal scrolling on a phone").isLessThanOrEqualTo(0L);
    screenshot("detail-phone");
  }

  // ---------------------------------------------------------------- helpers

  private void signIn(String token) {
    driver.get(h.server.reviewUri().toString());
    waitFor(By.id("token")).sendKeys(token);
    driver.findElement(By.id("sign-in")).click();
    waitFor(By.cssSelector(".page-head"));
  }

  private static WebElement waitFor(By by) {
    return new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(by));
  }

  private static void assertNoAlert() {
    try {
      driver.switchTo().alert();
      fail("a script ran and opened an alert");
    } catch (NoAlertPresentException expected) {
      // the hostile argument stayed text
    }
  }

  private static void screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      System.err.println("could not save screenshot " + name + ": " + e);
    }
  }
}

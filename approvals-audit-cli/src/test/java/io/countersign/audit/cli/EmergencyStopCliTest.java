package io.countersign.audit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequirement;
import io.countersign.ManualTimeSource;
import io.countersign.Reviewer;
import io.countersign.Vote;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.http.ApprovalWeb;
import io.countersign.http.ApprovalWebServer;
import io.countersign.http.BearerTokenAuthenticator;
import io.countersign.http.WebApprover;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
  * {@code countersign halt | resume | halt-status}: the real command line ({@link CountersignCli#run})
  * against a real {@link ApprovalWeb} server on 127.0.0.1 in front of a real gate with an emergency stop.
  */
class EmergencyStopCliTest {

    static final String DIANA = "token-diana-incident-cmdr-6";
    static final String ERIC = "token-eric-incident-cmdr-07";
    static final String BOB = "token-bob-sre-lead-0000003";

    @TempDir
    Path tmp;

    final InMemoryAuditSink audit = new InMemoryAuditSink();
    final WebApprover web = new WebApprover();
    ApprovalGate gate;
    ApprovalWebServer server;

    record Run(int exit, String out, String err) {}

    @BeforeEach
    void start() throws IOException {
        gate = ApprovalGate.builder().approver(web).auditSink(audit).signer(Ed25519Signer.generate("cli-key"))
                .timeSource(new ManualTimeSource())
                .emergencyStop(ApprovalRequirement.of(Set.of(), Set.of("incident-commanders"), 1, Duration.ofMinutes(30), false))
                .build();
        server = serve(true);
    }

    ApprovalWebServer serve(boolean emergencyStop) throws IOException {
        BearerTokenAuthenticator tokens = BearerTokenAuthenticator.builder()
                .token(DIANA, Reviewer.of("diana", "incident-commanders"))
                .token(ERIC, Reviewer.of("eric", "incident-commanders"))
                .token(BOB, Reviewer.of("bob", "sre-leads"))
                .build();
        ApprovalWeb.Builder b = ApprovalWeb.builder().queue(web).authenticator(tokens);
        if (emergencyStop) {
            b.emergencyStop(gate);
        }
        return b.build().start(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        server.close();
        gate.close();
    }

    Path tokenFile(String token) throws IOException {
        Path f = tmp.resolve("token-" + token.hashCode());
        Files.writeString(f, token + "\n");
        return f;
    }

    Run cli(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = CountersignCli.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env, args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code command --url <server> --token-file <file of token> args...} with an empty environment. */
    Run as(String token, String command, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(command, "--url", server.uri().toString(), "--token-file", tokenFile(token).toString()));
        all.addAll(List.of(args));
        return cli(Map.of(), all.toArray(String[]::new));
    }

    @Test
    void haltByAControllerExitsZeroAndHaltsTheGate() throws IOException {
        Run run = as(DIANA, "halt", "--reason", "agent is deleting buckets");

        assertThat(run.exit()).as(run.err()).isEqualTo(0);
        assertThat(run.out()).startsWith("HALTED by diana since ").contains(": agent is deleting buckets");
        assertThat(gate.haltStatus()).hasValueSatisfying(h -> assertThat(h.by()).isEqualTo("diana"));
        assertThat(audit.events().stream().filter(e -> e.type() == EventType.HALTED)).hasSize(1);
        assertThat(run.out() + run.err()).doesNotContain(DIANA);
    }

    @Test
    void tokenComesFromTheEnvironmentWhenNoFileIsGiven() {
        Run run = cli(Map.of("COUNTERSIGN_TOKEN", BOB), "halt-status", "--url", server.uri().toString());

        assertThat(run.exit()).as(run.err()).isEqualTo(0);
        assertThat(run.out()).isEqualTo("NOT HALTED" + System.lineSeparator());
    }

    @Test
    void haltStatusShowsWhoHaltedAndWhy() throws IOException {
        gate.halt(Reviewer.of("diana", "incident-commanders"), "incident 7");

        Run run = as(BOB, "halt-status");

        assertThat(run.exit()).isEqualTo(0);
        assertThat(run.out()).startsWith("HALTED by diana since").contains("incident 7");
    }

    @Test
    void nonControllerIsRefusedWithExitOneAndTheServersReason() throws IOException {
        Run run = as(BOB, "halt", "--reason", "why not");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("refused (403 NOT_ALLOWED)", "bob is not allowed to halt guarded actions");
        assertThat(gate.haltStatus()).isEmpty();
    }

    @Test
    void resumeOpensARequestThatAnotherControllerMustApprove() throws IOException {
        as(DIANA, "halt", "--reason", "incident");

        Run run = as(DIANA, "resume", "--reason", "fix deployed");

        assertThat(run.exit()).as(run.err()).isEqualTo(0);
        String id = gate.pending().get(0).request().id();
        assertThat(run.out()).contains("RESUME REQUESTED: request " + id, "group:incident-commanders", "not yours");
        assertThat(gate.haltStatus()).isPresent();
        assertThat(web.vote(id, Vote.approve(Reviewer.of("eric", "incident-commanders"), "ok", "test")).counted()).isTrue();
        assertThat(as(BOB, "halt-status").out()).startsWith("NOT HALTED");
    }

    @Test
    void resumeWhenNotHaltedIsRefusedWithExitOne() throws IOException {
        Run run = as(DIANA, "resume", "--reason", "nothing to do");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("409 NOT_HALTED", "not halted");
    }

    @Test
    void unknownTokenIsRefusedWithExitOneAndNeverPrinted() throws IOException {
        String wrong = "token-nobody-was-ever-given-42";

        Run run = as(wrong, "halt", "--reason", "x");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("refused (401");
        assertThat(run.out() + run.err()).doesNotContain(wrong);
        assertThat(gate.haltStatus()).isEmpty();
    }

    @Test
    void withoutATokenFileOrVariableItIsAUsageError() {
        Run run = cli(Map.of(), "halt", "--url", server.uri().toString(), "--reason", "x");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("a token is required: pass --token-file FILE or set COUNTERSIGN_TOKEN");
        assertThat(gate.haltStatus()).isEmpty();
    }

    @Test
    void thereIsNoOptionToPassTheTokenOnTheCommandLineAndAMistypedOneIsNotEchoed() {
        Run run = cli(Map.of(), "halt", "--url", server.uri().toString(), "--token", DIANA, "--reason", "x");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown option: '--token'; 1 unexpected argument (not shown)").doesNotContain(DIANA);
        assertThat(gate.haltStatus()).isEmpty();
    }

    @Test
    void missingOrBlankReasonIsAUsageError() throws IOException {
        assertThat(as(DIANA, "halt").exit()).isEqualTo(2);
        Run blank = as(DIANA, "halt", "--reason", "  ");
        assertThat(blank.exit()).isEqualTo(2);
        assertThat(blank.err()).contains("--reason must say why but was blank");
        assertThat(gate.haltStatus()).isEmpty();
    }

    @Test
    void unreadableTokenFileIsAUsageError() {
        Run run = cli(Map.of(), "halt", "--url", server.uri().toString(), "--token-file", tmp.resolve("missing").toString(),
                "--reason", "x");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("cannot read the token file (NoSuchFileException)");
    }

    @Test
    void unreachableServerExitsTwo() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Run run = cli(Map.of("COUNTERSIGN_TOKEN", DIANA), "halt", "--url", "http://127.0.0.1:" + port, "--reason", "x");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("cannot reach http://127.0.0.1:" + port + "/halt");
    }

    @Test
    void serverWithoutTheEmergencyStopEndpointsExitsTwo() throws IOException {
        server.close();
        server = serve(false);

        Run run = as(DIANA, "halt", "--reason", "x");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("no emergency stop endpoint at", "emergencyStop(gate)");
        assertThat(gate.haltStatus()).isEmpty();
    }

    @Test
    void badUrlIsAUsageError() {
        Run run = cli(Map.of("COUNTERSIGN_TOKEN", DIANA), "halt", "--url", "ftp://example.com", "--reason", "x");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--url must be an http(s) URL");
    }

    @Test
    void jsonPrintsTheServersAnswer() throws IOException {
        Run run = as(DIANA, "halt", "--reason", "incident", "--json");

        assertThat(run.exit()).isEqualTo(0);
        assertThat(run.out()).startsWith("{\"halted\":true,\"by\":\"diana\"");
    }
}

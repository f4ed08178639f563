package io.countersign.audit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.text.Escape;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
  * {@code countersign halt}, {@code resume} and {@code halt-status}: the emergency stop of a running
  * application, through the HTTP endpoints of {@code approvals-http} ({@code ApprovalWeb} built with
  * {@code emergencyStop(gate)}). The bearer token comes from a file or the
  * {@value #TOKEN_ENV} environment variable, never from the command line (which other users of the
  * machine can read in the process list and which lands in shell history), and is never printed.
  *
  * <p>Exit codes: {@value #OK} done; {@value #REFUSED} refused by the server (not authenticated, not
  * allowed, nothing to resume, not configured); {@value #UNUSABLE} bad usage or the server could not
  * be reached or answered something unexpected.
  */
final class EmergencyStopCommands {

    /** Exit code: the server did what was asked (or reported the status). */
    static final int OK = 0;
    /** Exit code: the server refused (401, 403, 409, 503). */
    static final int REFUSED = 1;
    /** Exit code: bad usage, unreachable server, or an unexpected answer. */
    static final int UNUSABLE = 2;
    /** The environment variable read for the bearer token when no {@code --token-file} is given. */
    static final String TOKEN_ENV = "COUNTERSIGN_TOKEN";

    private static final ObjectMapper JSON = new ObjectMapper();

    private EmergencyStopCommands() {}

    /** Options every emergency stop command takes. */
    static final class Connection {
        @Option(names = "--url", required = true, paramLabel = "URL",
                description = "Base URL of the Countersign HTTP front (where /approvals, /halt and /resume are mounted), e.g. https://ops.example.com/countersign")
        String url;

        @Option(names = "--token-file", paramLabel = "FILE",
                description = "File holding your reviewer bearer token (default: the " + TOKEN_ENV + " environment variable).")
        Path tokenFile;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30", description = "Give up after this many seconds (default 30).")
        int timeoutSeconds;

        @Option(names = "--json", description = "Print the server's JSON answer as is (nothing else on stdout).")
        boolean json;
    }

    /** What every command does: one authenticated request, then print and map the answer. */
    abstract static class StopCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ParentCommand
        CountersignCli parent;

        @Mixin
        Connection connection;

        /** {@code "halt"} or {@code "resume"}: the path below the base URL. */
        abstract String path();

        /** The JSON body to POST, or {@code null} for a GET. */
        abstract String body();

        /** The human-readable line for a 200 answer. */
        abstract String describe(JsonNode answer);

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (connection.timeoutSeconds < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be >= 1 but was " + connection.timeoutSeconds);
            }
            URI endpoint = endpoint(path());
            String token = token();
            if (endpoint.getScheme().equals("http") && !isLoopback(endpoint.getHost())) {
                err.println("countersign: warning: sending your token over plain http to " + endpoint.getHost() + "; use https");
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                    .timeout(Duration.ofSeconds(connection.timeoutSeconds))
                    .header("Authorization", "Bearer " + token)
                    .header("Accept", "application/json");
            String body = body();
            if (body == null) {
                request.GET();
            } else {
                request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            }
            HttpResponse<String> response;
            try {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(Math.min(10, connection.timeoutSeconds)))
                        .followRedirects(HttpClient.Redirect.NEVER).build();
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.println("countersign: cannot reach " + endpoint + ": " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
                return UNUSABLE;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("countersign: interrupted while waiting for " + endpoint);
                return UNUSABLE;
            }
            JsonNode answer = parse(response.body());
            if (connection.json && answer != null) {
                out.println(answer);
            }
            int status = response.statusCode();
            if (status == 200 && answer != null) {
                if (!connection.json) {
                    out.println(Escape.terminal(describe(answer)));
                }
                out.flush();
                return OK;
            }
            // the server's words are untrusted text for the terminal
            String message = Escape.terminal(answer != null && answer.path("message").isTextual() ? answer.path("message").asText() : "HTTP " + status);
            switch (status) {
                case 401, 403, 409, 503 -> {
                    err.println("countersign: refused (" + status + (answer == null ? "" : " " + Escape.terminal(answer.path("error").asText())) + "): " + message);
                    return REFUSED;
                }
                case 404 -> {
                    err.println("countersign: no emergency stop endpoint at " + endpoint + " (is the HTTP front built with "
                            + "ApprovalWeb.Builder.emergencyStop(gate), and is --url its base?)");
                    return UNUSABLE;
                }
                default -> {
                    err.println("countersign: unexpected answer from " + endpoint + " (" + status + "): " + message);
                    return UNUSABLE;
                }
            }
        }

        private URI endpoint(String path) {
            URI base;
            try {
                base = new URI(connection.url.endsWith("/") ? connection.url : connection.url + "/");
            } catch (URISyntaxException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--url must be an http(s) URL but was '" + connection.url + "'");
            }
            if (base.getScheme() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https")) || base.getHost() == null
                    || base.getQuery() != null || base.getFragment() != null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--url must be an http(s) URL without query or fragment, like https://ops.example.com/countersign, but was '"
                                + connection.url + "'");
            }
            return base.resolve(path);
        }

        private String token() {
            String token;
            String source;
            if (connection.tokenFile != null) {
                source = "--token-file " + connection.tokenFile;
                try {
                    token = Files.readString(connection.tokenFile, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    // the exception type only: its message could quote the file, which holds the secret
                    throw new CommandLine.ParameterException(spec.commandLine(), source + ": cannot read the token file ("
                            + e.getClass().getSimpleName() + ")");
                }
            } else {
                source = "the " + TOKEN_ENV + " environment variable";
                token = parent.environment(TOKEN_ENV);
                if (token == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "a token is required: pass --token-file FILE or set "
                            + TOKEN_ENV + " (never on the command line, where others can read it)");
                }
            }
            token = token.strip();
            if (token.isEmpty() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "the token from " + source
                        + " must be one line of printable characters without spaces (the value is not shown)");
            }
            return token;
        }

        String reasonJson(String reason) {
            if (reason == null || reason.isBlank()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--reason must say why but was "
                        + (reason == null ? "missing" : "blank"));
            }
            return JSON.createObjectNode().put("reason", reason.strip()).toString();
        }

        private static JsonNode parse(String body) {
            try {
                JsonNode n = body == null || body.isEmpty() ? null : JSON.readTree(body);
                return n != null && n.isObject() ? n : null;
            } catch (IOException e) {
                return null;
            }
        }

        private static boolean isLoopback(String host) {
            try {
                return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
            } catch (IOException e) {
                return false;
            }
        }
    }

    static String haltLine(JsonNode status) {
        if (!status.path("halted").asBoolean()) {
            return "NOT HALTED";
        }
        return "HALTED by " + status.path("by").asText() + " since " + status.path("since").asText() + ": " + status.path("reason").asText();
    }

    /** {@code countersign halt}. */
    @Command(name = "halt", mixinStandardHelpOptions = true,
            description = {"Emergency stop: deny every pending request and every new guarded call of the application now.",
                    "Only a reviewer the gate's emergencyStop rule names may halt; recorded as a signed HALTED event."})
    static final class Halt extends StopCommand {
        @Option(names = "--reason", required = true, description = "Why (recorded in the audit trail and shown to other reviewers).")
        String reason;

        @Override
        String path() {
            return "halt";
        }

        @Override
        String body() {
            return reasonJson(reason);
        }

        @Override
        String describe(JsonNode answer) {
            return haltLine(answer) + (answer.path("alreadyHalted").asBoolean() ? "\n(already halted; nothing changed)" : "");
        }
    }

    /** {@code countersign resume}. */
    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = {"Ask to lift the emergency stop: opens a resume request that other controllers must approve",
                    "(never the one who asked). Guarded actions stay halted until it is approved."})
    static final class Resume extends StopCommand {
        @Option(names = "--reason", required = true, description = "Why it is safe to resume.")
        String reason;

        @Override
        String path() {
            return "resume";
        }

        @Override
        String body() {
            return reasonJson(reason);
        }

        @Override
        String describe(JsonNode answer) {
            StringBuilder approvers = new StringBuilder();
            answer.path("approvers").forEach(a -> approvers.append(approvers.length() == 0 ? "" : ", ").append(a.asText()));
            return "RESUME REQUESTED: request " + answer.path("resumeRequestId").asText() + " needs "
                    + answer.path("quorum").asInt(1) + " approval(s) from " + (approvers.length() == 0 ? "the controllers" : approvers)
                    + ", not yours; guarded actions stay halted until then.";
        }
    }

    /** {@code countersign halt-status}. */
    @Command(name = "halt-status", mixinStandardHelpOptions = true,
            description = "Print whether guarded actions are halted, by whom, since when and why (exit 0 either way).")
    static final class Status extends StopCommand {
        @Override
        String path() {
            return "halt";
        }

        @Override
        String body() {
            return null;
        }

        @Override
        String describe(JsonNode answer) {
            return haltLine(answer);
        }
    }
}

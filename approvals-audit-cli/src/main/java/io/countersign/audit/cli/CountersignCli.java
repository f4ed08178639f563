package io.countersign.audit.cli;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditFormatException;
import io.countersign.audit.log.AuditLog;
import io.countersign.audit.log.AuditSearch;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.EventType;
import io.countersign.audit.VerificationKey;
import io.countersign.audit.log.VerificationResult;
import io.countersign.text.Escape;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code countersign} command: verifies and searches Countersign audit logs offline, with
 * nothing but the log files and the public keys (a thin layer over {@link AuditVerifier} and
 * {@link AuditSearch}), and operates a running application's emergency stop over its HTTP front
 * ({@code halt}, {@code resume}, {@code halt-status}). Exit codes are stable for scripts (see
 * {@link #INTACT}, {@link #TAMPERED}, {@link #UNUSABLE}).
 */
@Command(name = "countersign", mixinStandardHelpOptions = true, version = "countersign audit CLI 0.2.0",
        description = "Verify and search Countersign audit logs; halt or resume guarded actions.",
        subcommands = {CountersignCli.Verify.class, CountersignCli.Search.class,
            io.countersign.governance.cli.ReportCommand.class, EmergencyStopCommands.Halt.class,
            EmergencyStopCommands.Resume.class, EmergencyStopCommands.Status.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:intact or open (verify) / success (search, halt, resume, halt-status)",
            "1:tampered, not authenticated, or not closed with --expect-closed (verify) / refused by the server (halt, resume, halt-status)",
            "2:unreadable input, bad usage, or server unreachable"})
public final class CountersignCli implements Callable<Integer> {

    /** Exit code: the log verified, closed or still open (or the search ran). */
    public static final int INTACT = 0;
    /** Exit code: the log is tampered with, has events no signature covers, or is not closed though {@code --expect-closed}. */
    public static final int TAMPERED = 1;
    /** Exit code: the input could not be read, or the command line was wrong. */
    public static final int UNUSABLE = 2;

    @Spec
    CommandSpec spec;

    private final Map<String, String> environment;

    private CountersignCli(Map<String, String> environment) {
        this.environment = environment;
    }

    /** Runs the command line and exits with its exit code. */
    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /**
     * Runs the command line with the given output streams and returns the exit code (what
     * {@link #main} exits with; tests call this).
     */
    public static int run(PrintStream out, PrintStream err, String... args) {
        return run(out, err, System.getenv(), args);
    }

    /**
     * Runs the command line with the given output streams and environment variables (e.g.
     * {@code COUNTERSIGN_TOKEN}) and returns the exit code.
     */
    public static int run(PrintStream out, PrintStream err, Map<String, String> environment, String... args) {
        CommandLine cli = new CommandLine(new CountersignCli(Map.copyOf(environment)));
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            Throwable cause = e instanceof UncheckedIOException ? e.getCause() : e;
            commandLine.getErr().println("countersign: " + Escape.terminal(cause instanceof IOException || cause instanceof AuditFormatException
                    || cause instanceof IllegalArgumentException ? cause.getMessage() : cause.toString()));
            return UNUSABLE;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("countersign: " + Escape.terminal(describe(e)));
            e.getCommandLine().usage(e.getCommandLine().getErr());
            return UNUSABLE;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return UNUSABLE;
    }

    /**
     * The parameter error to print. Unknown options are named, but values that are not options are
     * only counted: a secret typed where it does not belong (e.g. {@code --token xyz}) is not echoed.
     */
    private static String describe(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            List<String> options = u.getUnmatched().stream().filter(x -> x.startsWith("-"))
                    .map(x -> "'" + (x.contains("=") ? x.substring(0, x.indexOf('=')) + "=..." : x) + "'").toList();
            long values = u.getUnmatched().size() - options.size();
            return (options.isEmpty() ? "" : "Unknown option" + (options.size() == 1 ? "" : "s") + ": " + String.join(", ", options)
                    + (values > 0 ? "; " : ""))
                    + (values > 0 ? values + " unexpected argument" + (values == 1 ? "" : "s") + " (not shown)" : "");
        }
        return e.getMessage();
    }

    /** The environment variable {@code name}, or {@code null}. */
    String environment(String name) {
        return environment.get(name);
    }

    /** {@code countersign verify}: checks every hash, link, signature and checkpoint. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Verify an audit log: a directory written by FileAuditSink, or one JSON Lines file.",
                "Prints INTACT, or the first bad seq with its file, line and reason."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--key", paramLabel = "[ID=]FILE",
                description = {"Ed25519 public key (PEM). Repeat for rotated keys: a KEY_ROTATION to a key not given fails.",
                    "Without ID= the key id is learned from the first signature (or rotation) the key verifies."})
        List<String> keys = new ArrayList<>();

        @Option(names = "--chain-only", description = "Check the hash chain only, without keys (proves nothing against a rewrite).")
        boolean chainOnly;

        @Option(names = "--allow-open", description = {"Exit 0 for a log whose last events no checkpoint covers yet (a log",
            "written in checkpoint mode, still running or crashed); they are still reported."})
        boolean allowOpen;

        @Option(names = "--expect-closed", description = {"The log is complete: a log without a closing checkpoint (OPEN) is a",
            "failure (exit 1), e.g. for an archived log."})
        boolean expectClosed;

        @Option(names = "--start-after", paramLabel = "SEQ:HASH", description = "The log continues after this event (earlier files archived).")
        String startAfter;

        @Option(names = "--expect-head", paramLabel = "SEQ[:HASH]",
                description = "The log must reach this seq (and hash): a head kept elsewhere makes any truncation visible.")
        String expectHead;

        @Option(names = "--json", description = "Print the result as one JSON object (machine-readable; nothing else on stdout).")
        boolean json;

        @Option(names = "--threads", paramLabel = "N", description = {"Threads that check and hash lines in parallel (default: the",
            "number of processors). Links, seqs and signatures are checked in order; the result is the same for any N."})
        Integer threads;

        @CommandLine.Mixin
        LogReading reading;

        @Parameters(paramLabel = "LOG", description = "Log directory or file.")
        Path log;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (keys.isEmpty() && !chainOnly) {
                throw new CommandLine.ParameterException(spec.commandLine(), "at least one --key is required: a chain without "
                        + "signatures proves nothing against someone who rewrites it (use --chain-only to check only the hash chain)");
            }
            if (!keys.isEmpty() && chainOnly) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--chain-only and --key exclude each other");
            }
            AuditVerifier.Builder verifier = AuditVerifier.builder();
            if (threads != null) {
                try {
                    verifier.threads(threads);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--threads: " + e.getMessage());
                }
            }
            for (String key : keys) {
                addKey(verifier, key);
            }
            if (startAfter != null) {
                String[] parts = startAfter.split(":", 2);
                if (parts.length != 2) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--start-after must be SEQ:HASH but was '" + startAfter + "'");
                }
                verifier.startAfter(parseSeq(parts[0], "--start-after"), parts[1]);
            }
            if (expectClosed && allowOpen) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--expect-closed and --allow-open exclude each other");
            }
            if (expectClosed) {
                verifier.expectClosed();
            }
            if (expectHead != null) {
                String[] parts = expectHead.split(":", 2);
                verifier.expectHead(parseSeq(parts[0], "--expect-head"), parts.length == 2 ? parts[1] : null);
            }
            VerificationResult result = reading.open(log).verify(verifier.build());
            int code = switch (result.status()) {
                case INTACT, OPEN -> INTACT;
                case UNSIGNED_TAIL -> allowOpen ? INTACT : TAMPERED;
                case TAMPERED -> TAMPERED;
            };
            if (json) {
                out.println(result.toJson());
            } else {
                out.println(result.status() + "  " + Escape.terminal(result.summary()));
                if (result.status() == VerificationResult.Status.TAMPERED) {
                    out.println("first bad seq: " + result.firstBadSeq().orElse(-1)
                            + (result.file() != null ? "  file: " + Escape.terminal(String.valueOf(result.file())) : "")
                            + (result.line() > 0 ? "  line: " + result.line() : ""));
                } else if (result.status() == VerificationResult.Status.UNSIGNED_TAIL) {
                    out.println("verified up to seq " + result.lastSeq() + " (last signed: seq " + result.lastSignedSeq() + ")"
                            + (allowOpen ? "; accepted because of --allow-open" : "; pass --allow-open for a log still being written"));
                } else if (result.status() == VerificationResult.Status.OPEN) {
                    out.println("open: not closed yet, which is normal while the writer runs; pass --expect-closed if it "
                            + "should be closed");
                }
                result.notes().forEach(n -> out.println("note: " + Escape.terminal(n)));
            }
            out.flush();
            return code;
        }

        private void addKey(AuditVerifier.Builder verifier, String arg) throws IOException {
            String id = null;
            Path file = Path.of(arg);
            int eq = arg.indexOf('=');
            if (eq > 0 && !Files.exists(file)) {
                id = arg.substring(0, eq);
                file = Path.of(arg.substring(eq + 1));
            }
            if (!Files.isRegularFile(file)) {
                throw new IOException("--key " + arg + ": public key file " + file + " not found");
            }
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            String label = id != null ? id : file.getFileName().toString();
            VerificationKey key;
            try {
                key = VerificationKey.fromPem(label, pem);
            } catch (IllegalArgumentException e) {
                throw new IOException("--key " + arg + ": " + e.getMessage(), e);
            }
            if (id != null) {
                verifier.key(key);
            } else {
                verifier.keyMatchedBySignature(key);
            }
        }

        private long parseSeq(String text, String option) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), option + ": seq must be a number but was '" + text + "'");
            }
        }
    }

    /** {@code countersign search}: prints the events that match every given criterion. */
    @Command(name = "search", mixinStandardHelpOptions = true,
            description = {"Print audit events matching every given criterion (reads, does not verify: run verify first)."})
    static final class Search implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @CommandLine.Mixin
        LogReading reading;

        @Parameters(paramLabel = "LOG", description = "Log directory or file.")
        Path log;

        @Option(names = "--action", description = "Substring of the action name or Class#method.")
        String action;

        @Option(names = "--actor", description = "Requesting principal id, or the human it acted for.")
        String actor;

        @Option(names = "--reviewer", description = "Reviewer id of a vote.")
        String reviewer;

        @Option(names = "--decision", description = "Vote decision (APPROVE, DENY) or outcome (APPROVED, REJECTED, EXPIRED, ...).")
        String decision;

        @Option(names = "--type", description = "Event type: ${COMPLETION-CANDIDATES}.")
        EventType type;

        @Option(names = "--request", description = "Approval request id.")
        String requestId;

        @Option(names = "--since", paramLabel = "TIME", description = "At or after: an instant (2025-03-01T09:00:00Z) or a UTC date (2025-03-01).")
        String since;

        @Option(names = "--until", paramLabel = "TIME", description = "Before: an instant or a UTC date.")
        String until;

        @Option(names = "--limit", description = "Stop after N matches (default: all).")
        long limit = Long.MAX_VALUE;

        @Option(names = "--json", description = "Print matching events as JSON Lines (the canonical lines of the log).")
        boolean json;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (limit < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be >= 1 but was " + limit);
            }
            AuditSearch.Builder search = AuditSearch.builder();
            try {
                if (action != null) {
                    search.action(action);
                }
                if (actor != null) {
                    search.actor(actor);
                }
                if (reviewer != null) {
                    search.reviewer(reviewer);
                }
                if (decision != null) {
                    search.decision(decision);
                }
                if (type != null) {
                    search.type(type);
                }
                if (requestId != null) {
                    search.requestId(requestId);
                }
                if (since != null) {
                    search.since(time(since, "--since"));
                }
                if (until != null) {
                    search.until(time(until, "--until"));
                }
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if (!json) {
                out.printf(Locale.ROOT, "%-8s %-24s %-15s %-14s %-30s %-16s %s%n", "SEQ", "TIME", "TYPE", "REQUEST", "ACTION", "ACTOR",
                        "DETAIL");
            }
            long[] shown = {0};
            long found = search.build().search(reading.open(log), event -> {
                out.println(json ? event.toJson() : row(event));
                return ++shown[0] < limit;
            });
            if (!json) {
                out.println(found + (found == 1 ? " event" : " events"));
            }
            out.flush();
            return INTACT;
        }

        private Instant time(String text, String option) {
            try {
                return text.length() == 10 ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), option + " must be an instant like 2025-03-01T09:00:00Z "
                        + "or a date like 2025-03-01 but was '" + text + "'");
            }
        }

        private static String row(AuditEvent e) {
            String action = text(e, "action", "name");
            if (action == null) {
                action = e.text("action");
            }
            String actor = text(e, "actor", "id");
            String detail;
            String vote = text(e, "vote", "decision");
            if (vote != null) {
                detail = text(e, "vote", "reviewer") + " " + vote;
            } else if (e.text("outcome") != null) {
                detail = e.text("outcome");
            } else if (e.type() == EventType.CHECKPOINT) {
                detail = "signed by " + e.keyId() + " (" + text(e, "checkpoint", "reason") + ")";
            } else {
                detail = e.text("reason") != null ? e.text("reason") : "";
            }
            // every field comes from the log: escaped, so no event can send the terminal a control sequence
            return Escape.terminal(String.format(Locale.ROOT, "%-8d %-24s %-15s %-14s %-30s %-16s %s", e.seq(), e.time(), e.typeName(),
                    dash(e.requestId()), dash(action), dash(actor), detail));
        }

        private static String text(AuditEvent e, String field, String sub) {
            var node = e.get(field);
            return node == null || !node.path(sub).isTextual() ? null : node.path(sub).textValue();
        }

        private static String dash(String s) {
            return s == null ? "-" : s;
        }
    }

    /** How the commands that read a log open it (one way for all): symbolic links only on request. */
    static final class LogReading {
        @Option(names = "--follow-links", description = "Read log files that are symbolic links (refused by default: "
                + "a link can point anywhere).")
        boolean followLinks;

        AuditLog open(Path log) throws IOException {
            return followLinks ? AuditLog.open(log, AuditLog.Option.FOLLOW_LINKS) : AuditLog.open(log);
        }
    }
}

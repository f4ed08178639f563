package io.countersign.policy.cel;

import io.countersign.Actor;
import io.countersign.ActorKind;
import io.countersign.policy.Explanation;
import io.countersign.policy.Policy;
import io.countersign.policy.PolicyInput;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Command line for operators: validate a policy file, print its digest, or explain which rule
 * matches a described call and why.
 *
 * <pre>
 * policy validate FILE
 * policy digest FILE
 * policy explain FILE --action NAME [--method Class#method] [--actor KIND:ID] [--on-behalf-of ID]
 *                     [--arg NAME=VALUE]... [--env NAME=VALUE]...
 * </pre>
 *
 * <p>Values are read as integers, decimals, {@code true}/{@code false}, or else strings. Every
 * {@code --env} name is declared as an attribute of the value's type. Exit codes: 0 ok, 1 invalid
 * policy, 2 usage error.
 */
public final class PolicyCli {

  /** Exit code: success. */
  public static final int OK = 0;
  /** Exit code: the policy file is invalid. */
  public static final int INVALID = 1;
  /** Exit code: bad command line. */
  public static final int USAGE = 2;

  private static final String USAGE_TEXT = String.join("\n",
      "usage: policy validate FILE",
      "       policy digest FILE",
      "       policy explain FILE --action NAME [--method Class#method] [--actor KIND:ID] [--on-behalf-of ID]",
      "                           [--arg NAME=VALUE]... [--env NAME=VALUE]...");

  private PolicyCli() {}

  /** Runs the command and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command, printing to {@code out}/{@code err}; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length < 2) {
      err.println(USAGE_TEXT);
      return USAGE;
    }
    String command = args[0];
    Path file = Path.of(args[1]);
    Map<String, Object> argValues = new LinkedHashMap<>();
    Map<String, Object> env = new LinkedHashMap<>();
    String action = null;
    String method = null;
    Actor actor = Actor.human("cli-user");
    String actorSpec = null;
    String onBehalfOf = null;
    List<String> rest = new ArrayList<>(List.of(args).subList(2, args.length));
    try {
      for (int i = 0; i < rest.size(); i++) {
        String opt = rest.get(i);
        if (i + 1 >= rest.size()) {
          throw new IllegalArgumentException("option " + opt + " needs a value");
        }
        String value = rest.get(++i);
        switch (opt) {
          case "--action" -> action = value;
          case "--method" -> method = value;
          case "--actor" -> actorSpec = value;
          case "--on-behalf-of" -> onBehalfOf = value;
          case "--arg" -> put(argValues, value, opt);
          case "--env" -> put(env, value, opt);
          default -> throw new IllegalArgumentException("unknown option " + opt);
        }
      }
      if (actorSpec != null) {
        int colon = actorSpec.indexOf(':');
        if (colon < 1) {
          throw new IllegalArgumentException("--actor must be KIND:ID (e.g. agent:ops-bot) but was '" + actorSpec + "'");
        }
        ActorKind kind = ActorKind.valueOf(actorSpec.substring(0, colon).toUpperCase(Locale.ROOT));
        actor = new Actor(actorSpec.substring(colon + 1), kind, onBehalfOf);
      } else if (onBehalfOf != null) {
        throw new IllegalArgumentException("--on-behalf-of needs --actor agent:ID");
      }
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println(USAGE_TEXT);
      return USAGE;
    }
    CelPolicyLoader.Builder lb = CelPolicyLoader.builder();
    env.forEach((k, v) -> lb.attribute(k, v.getClass()));
    Map<String, Object> envCopy = Map.copyOf(env);
    lb.environment(() -> envCopy);
    Policy policy;
    try {
      policy = lb.build().load(file);
    } catch (PolicyFileException e) {
      err.println(e.getMessage());
      return INVALID;
    }
    switch (command) {
      case "validate":
        out.println("ok: policy " + policy.name() + " version " + policy.version() + ", " + policy.rules().size()
            + " rules, digest " + policy.digest());
        return OK;
      case "digest":
        out.println(policy.digest());
        return OK;
      case "explain":
        if (action == null) {
          err.println("error: explain needs --action NAME");
          err.println(USAGE_TEXT);
          return USAGE;
        }
        PolicyInput.Builder in = PolicyInput.builder().action(action).method(method).actor(actor).environment(env);
        argValues.forEach(in::arg);
        Explanation explanation = policy.explain(in.build());
        out.print(explanation.render());
        return OK;
      default:
        err.println("error: unknown command '" + command + "'");
        err.println(USAGE_TEXT);
        return USAGE;
    }
  }

  private static void put(Map<String, Object> into, String spec, String opt) {
    int eq = spec.indexOf('=');
    if (eq < 1) {
      throw new IllegalArgumentException(opt + " must be NAME=VALUE but was '" + spec + "'");
    }
    into.put(spec.substring(0, eq), typed(spec.substring(eq + 1)));
  }

  private static Object typed(String v) {
    if (v.matches("-?\\d{1,18}")) {
      return Long.parseLong(v);
    }
    if (v.matches("-?\\d+\\.\\d+")) {
      return Double.parseDouble(v);
    }
    if (v.equals("true") || v.equals("false")) {
      return Boolean.parseBoolean(v);
    }
    return v;
  }
}

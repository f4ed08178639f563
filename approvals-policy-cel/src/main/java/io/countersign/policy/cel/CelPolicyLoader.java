package io.countersign.policy.cel;

import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.StructType;
import io.countersign.policy.ArgumentSchema;
import io.countersign.policy.PolicyEvaluationException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.countersign.ApprovalRequirement;
import io.countersign.policy.Condition;
import io.countersign.policy.Escalation;
import io.countersign.policy.Policy;
import io.countersign.policy.PolicyInput;
import io.countersign.policy.PolicyRule;
import io.countersign.ApprovalRequirement;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Loads policy files (YAML, or JSON for names ending in {@code .json}) into the core
 * {@link Policy} model, with each rule's {@code when} condition a CEL expression compiled and
 * type-checked once, at load. Every problem (unknown field, bad duration, quorum larger than the
 * eligible set, unknown group, expression that does not compile or is not a bool) is reported at
 * once in a {@link PolicyFileException} naming the file, line, path, field and value, so that an
 * application with a broken policy does not start.
 *
 * <pre>{@code
 * CelPolicyLoader loader = CelPolicyLoader.builder()
 *     .attribute("env", String.class)                      // environment attributes conditions may read
 *     .environment(() -> Map.of("env", System.getenv("APP_ENV")))
 *     .knownGroups(directory.groupsWithMembers())          // optional: catches typos and impossible quorums
 *     .build();
 * Policy finance = loader.load(Path.of("policies/finance.yaml"));
 * }</pre>
 *
 * <p>CEL variables: {@code action} (string), {@code method} (string, {@code Class#method}),
 * {@code args} (map of parameter name to value: integers as int, decimals as double, enums and
 * other objects as string, null arguments absent), {@code actor} (map with {@code id}, {@code kind}
 * — {@code "HUMAN"}, {@code "AGENT"} or {@code "SERVICE"} — and {@code onBehalfOf}, {@code ""}
 * when none), and each declared environment attribute by its name. Numbers of different types
 * compare as numbers ({@code args.amount > 10000} works for int, long and decimal amounts).
 *
 * <p>Immutable and thread-safe once built.
 */
public final class CelPolicyLoader {

  /** Names the loader reserves for its own CEL variables. */
  public static final Set<String> RESERVED_VARIABLES = Set.of("action", "method", "args", "actor");

  /** Marks the position of a field's key (rather than its value) in the positions map. */
  private static final String KEY_SUFFIX = "#key";
  private static final Set<String> TOP_FIELDS = Set.of("policy", "version", "description", "rules", "otherwise");
  private static final Set<String> RULE_FIELDS = Set.of("name", "description", "when", "allow", "deny", "require");
  private static final Set<String> OTHERWISE_FIELDS = Set.of("allow", "deny", "require");
  private static final Set<String> REQUIRE_FIELDS = Set.of("approvers", "quorum", "timeout", "reasonRequired", "escalate");
  private static final Set<String> ESCALATE_FIELDS = Set.of("after", "approvers", "notify");

  /** The CEL variable holding the arguments. */
  static final String ARGS = "args";

  /** Default deepest nesting of an argument's collections a condition may see. */
  public static final int DEFAULT_MAX_ARGUMENT_DEPTH = 32;
  /** Default most collection elements (arrays of primitives excepted) converted for one condition. */
  public static final int DEFAULT_MAX_ARGUMENT_ELEMENTS = 100_000;
  /** Default most comprehension iterations ({@code exists}, {@code all}, {@code map}...) in one evaluation. */
  public static final int DEFAULT_MAX_ITERATIONS = 10_000;
  /** Default longest time one condition may take. */
  public static final Duration DEFAULT_MAX_EVALUATION_TIME = Duration.ofSeconds(1);

  private final Map<String, Class<?>> attributes;
  private final Supplier<? extends Map<String, ?>> environment;
  private final Set<String> knownGroups;
  private final Map<String, Set<String>> groupMembers;
  private final CelOptions options;
  private final CelCompiler compiler;
  private final CelRuntime runtime;
  private final int maxDepth;
  private final int maxElements;
  private final int maxIterations;
  private final long maxNanos;
  private final LongSupplier ticker;
  /** Compilers for the startup type check, one per distinct set of argument types. */
  private final Map<Map<String, CelType>, CelCompiler> checkCompilers = new ConcurrentHashMap<>();

  private CelPolicyLoader(Builder b) {
    this.attributes = Map.copyOf(b.attributes);
    this.environment = b.environment;
    this.knownGroups = b.knownGroups == null ? null : Set.copyOf(b.knownGroups);
    this.groupMembers = Map.copyOf(b.groupMembers);
    this.maxDepth = b.maxDepth;
    this.maxElements = b.maxElements;
    this.maxIterations = b.maxIterations;
    this.maxNanos = b.maxTime.toNanos();
    this.ticker = b.ticker;
    this.options = CelOptions.current().enableHeterogeneousNumericComparisons(true)
        .comprehensionMaxIterations(maxIterations).build();
    this.compiler = compilerBuilder().addVar(ARGS, MapType.create(SimpleType.STRING, SimpleType.DYN)).build();
    this.runtime = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(options).build();
  }

  /** The CEL environment every condition compiles in, except the type of {@code args}. */
  private CelCompilerBuilder compilerBuilder() {
    CelCompilerBuilder cb = CelCompilerFactory.standardCelCompilerBuilder()
        .setOptions(options)
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        .setResultType(SimpleType.BOOL)
        .addVar("action", SimpleType.STRING)
        .addVar("method", SimpleType.STRING)
        .addVar("actor", MapType.create(SimpleType.STRING, SimpleType.STRING));
    attributes.forEach((name, type) -> cb.addVar(name, celType(type)));
    return cb;
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads and validates a policy file.
   *
   * @throws PolicyFileException listing every problem, or if the file cannot be read
   */
  public Policy load(Path file) {
    Objects.requireNonNull(file, "file");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new PolicyFileException(List.of(new PolicyFileException.Problem(file.toString(), 0, 0, "",
          "cannot read the policy file (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")")), e);
    }
    return parse(file.toString(), text);
  }

  /**
   * Parses and validates policy text; {@code sourceName} names it in messages and selects JSON
   * when it ends in {@code .json} (YAML otherwise).
   *
   * @throws PolicyFileException listing every problem
   */
  public Policy parse(String sourceName, String text) {
    Objects.requireNonNull(sourceName, "sourceName");
    Objects.requireNonNull(text, "text");
    return new Load(sourceName).run(text);
  }

  /** The CEL type a declared attribute of this Java type gets. */
  private static CelType celType(Class<?> type) {
    if (type == String.class || type.isEnum()) {
      return SimpleType.STRING;
    }
    if (type == Long.class || type == Integer.class || type == Short.class || type == Byte.class
        || type == long.class || type == int.class) {
      return SimpleType.INT;
    }
    if (type == Double.class || type == Float.class || type == BigDecimal.class || type == double.class) {
      return SimpleType.DOUBLE;
    }
    if (type == Boolean.class || type == boolean.class) {
      return SimpleType.BOOL;
    }
    return SimpleType.DYN;
  }

  /**
   * The CEL type an argument of this Java type reaches conditions as (see {@link CelValues}): the
   * startup check compiles each condition against these, so {@code args.vendor > 10} on a String
   * fails at startup.
   */
  static CelType argType(Type type) {
    Class<?> raw = type instanceof Class<?> c ? c : type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c ? c : null;
    if (raw == null) {
      return SimpleType.DYN;
    }
    if (raw == String.class || raw == char.class || raw == Character.class || raw == char[].class
        || CharSequence.class.isAssignableFrom(raw) || raw.isEnum()) {
      return SimpleType.STRING;
    }
    if (raw == long.class || raw == int.class || raw == short.class || raw == byte.class || raw == Long.class
        || raw == Integer.class || raw == Short.class || raw == Byte.class) {
      return SimpleType.INT;
    }
    if (raw == double.class || raw == float.class || raw == Double.class || raw == Float.class || raw == BigDecimal.class) {
      return SimpleType.DOUBLE;
    }
    if (raw == boolean.class || raw == Boolean.class) {
      return SimpleType.BOOL;
    }
    if (raw.isArray()) {
      return ListType.create(argType(raw.getComponentType()));
    }
    if (Collection.class.isAssignableFrom(raw)) {
      Type element = type instanceof ParameterizedType p && p.getActualTypeArguments().length == 1 ? p.getActualTypeArguments()[0] : Object.class;
      return ListType.create(argType(element));
    }
    if (Map.class.isAssignableFrom(raw)) {
      return MapType.create(SimpleType.STRING, SimpleType.DYN);
    }
    if (raw == Object.class || raw == BigInteger.class || raw == Number.class || raw.isInterface()
        || java.lang.reflect.Modifier.isAbstract(raw.getModifiers())) {
      return SimpleType.DYN;
    }
    return SimpleType.STRING; // other objects reach CEL as their text
  }

  private Map<String, Object> activation(PolicyInput in) {
    Map<String, Object> vars = new HashMap<>();
    vars.put("action", in.action());
    vars.put("method", in.method());
    Map<String, Object> args = new HashMap<>();
    in.args().forEach((k, v) -> {
      if (v != null) {
        args.put(k, CelValues.convert(v, "args." + k, maxDepth, maxElements));
      }
    });
    vars.put(ARGS, args);
    vars.put("actor", Map.of("id", in.actorId(), "kind", in.actorKind().name(),
        "onBehalfOf", in.onBehalfOf() == null ? "" : in.onBehalfOf()));
    for (String name : attributes.keySet()) {
      Object v = in.environment().get(name);
      if (v != null) {
        vars.put(name, CelValues.convert(v, name, maxDepth, maxElements));
      }
    }
    return vars;
  }

  /**
   * Evaluates a new program once, outside any budget, so that the classes of the interpreter and of
   * the functions it uses are loaded at startup rather than inside the first call's time budget.
   */
  private void warmUp(CelRuntime.Program program) {
    Map<String, Object> vars = new HashMap<>();
    vars.put("action", "");
    vars.put("method", "");
    vars.put(ARGS, Map.of());
    vars.put("actor", Map.of("id", "", "kind", "", "onBehalfOf", ""));
    try {
      program.trace(vars, (expr, value) -> { });
    } catch (CelEvaluationException | RuntimeException expected) {
      // missing arguments and attributes are errors here; only the class loading matters
    }
  }

  /** Thrown from the evaluation listener when the time budget is spent, to stop the evaluation. */
  private static final class TimeBudgetExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TimeBudgetExceeded() {
      super(null, null, false, false);
    }
  }

  /**
   * Evaluates a condition's program for one call within the bounds and budget (S50, S51): any
   * failure, an exceeded budget or an {@link Error} while converting arguments or evaluating
   * becomes a {@link PolicyEvaluationException}, which the gate turns into a recorded denial.
   */
  Object evaluate(CelRuntime.Program program, PolicyInput input, String expression) {
    try {
      Map<String, Object> vars = activation(input);
      long deadline = ticker.getAsLong() + maxNanos;
      return program.trace(vars, (expr, value) -> {
        if (ticker.getAsLong() - deadline > 0) {
          throw new TimeBudgetExceeded();
        }
      });
    } catch (CelEvaluationException e) {
      if (causedBy(e, TimeBudgetExceeded.class)) {
        throw timeBudget(expression, e);
      }
      String message = String.valueOf(e.getMessage());
      if (message.contains("Iteration budget exceeded")) {
        throw new PolicyEvaluationException("CEL expression `" + expression + "` exceeded its evaluation budget of "
            + maxIterations + " comprehension iterations, so the call is denied", e);
      }
      throw new PolicyEvaluationException("CEL expression `" + expression + "` failed: " + message, e);
    } catch (TimeBudgetExceeded e) {
      throw timeBudget(expression, e);
    } catch (PolicyEvaluationException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      throw new PolicyEvaluationException("CEL expression `" + expression + "` failed: " + e.getClass().getSimpleName()
          + (e instanceof StackOverflowError ? " (an argument that refers to itself?)" : ": " + e.getMessage()), e);
    }
  }

  private PolicyEvaluationException timeBudget(String expression, Throwable e) {
    return new PolicyEvaluationException("CEL expression `" + expression + "` exceeded its time budget of "
        + Duration.ofNanos(maxNanos) + ", so the call is denied", e);
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Type-checks {@code expression} with {@code args} typed as the parameters of {@code method}
   * (plus, for arguments only other methods of {@code scope} have, their types there); returns the
   * first CEL error, or {@code null} if it checks.
   */
  String typeCheck(String expression, ArgumentSchema method, List<ArgumentSchema> scope) {
    Map<String, CelType> fields = new LinkedHashMap<>();
    for (ArgumentSchema other : scope) {
      if (other != method && other.namesKnown()) {
        other.params().forEach(p -> fields.merge(p.name(), argType(p.genericType()), (a, b) -> a.equals(b) ? a : SimpleType.DYN));
      }
    }
    method.params().forEach(p -> fields.put(p.name(), argType(p.genericType())));
    Map<String, CelType> key = Map.copyOf(fields);
    CelCompiler checker = checkCompilers.computeIfAbsent(key, k -> {
      StructType argsType = StructType.create("countersign.Arguments", ImmutableSet.copyOf(k.keySet()),
          name -> Optional.ofNullable(k.get(name)));
      CelTypeProvider provider = new CelTypeProvider() {
        @Override
        public ImmutableCollection<CelType> types() {
          return ImmutableList.of(argsType);
        }

        @Override
        public Optional<CelType> findType(String typeName) {
          return typeName.equals(argsType.name()) ? Optional.of(argsType) : Optional.empty();
        }
      };
      return compilerBuilder().setTypeProvider(provider).addVar(ARGS, argsType).build();
    });
    try {
      checker.compile(expression).getAst();
      return null;
    } catch (CelValidationException e) {
      CelIssue first = e.getErrors().isEmpty() ? null : e.getErrors().get(0);
      return first == null ? e.getMessage()
          : first.getMessage() + " (at column " + (first.getSourceLocation().getColumn() + 1) + " of the expression)";
    }
  }

  // ------------------------------------------------------------------ one load

  /** The state of one load: the source name, positions of every node, and the problems found. */
  private final class Load {
    private final String source;
    private final Map<String, JsonLocation> positions = new HashMap<>();
    private final List<PolicyFileException.Problem> problems = new ArrayList<>();

    Load(String source) {
      this.source = source;
    }

    Policy run(String text) {
      JsonNode root;
      JsonFactory factory = source.toLowerCase(java.util.Locale.ROOT).endsWith(".json") ? new JsonFactory() : new YAMLFactory();
      try (JsonParser p = factory.createParser(text)) {
        if (p.nextToken() == null) {
          throw fail(List.of(problem(null, "", "the policy file is empty")), null);
        }
        root = read(p, "");
        if (p.nextToken() != null) {
          // S53: a second YAML document or JSON value must not be silently ignored (or silently win)
          problems.add(at(p.currentTokenLocation(), "", "a policy file holds exactly one "
              + (factory instanceof YAMLFactory ? "YAML document, but another document" : "JSON value, but another value")
              + " starts here; put every rule in one policy"));
        }
      } catch (JsonProcessingException e) {
        JsonLocation l = e.getLocation();
        throw fail(List.of(new PolicyFileException.Problem(source, l == null ? 0 : l.getLineNr(), l == null ? 0 : l.getColumnNr(),
            "", "not valid " + (factory instanceof YAMLFactory ? "YAML" : "JSON") + ": " + e.getOriginalMessage())), e);
      } catch (IOException e) {
        throw fail(List.of(problem(null, "", "cannot read the policy text: " + e)), e);
      }
      if (!problems.isEmpty()) {
        throw fail(problems, null);
      }
      Policy policy = policy(root);
      if (!problems.isEmpty()) {
        throw fail(problems, null);
      }
      return policy;
    }

    private PolicyFileException fail(List<PolicyFileException.Problem> list, Throwable cause) {
      return new PolicyFileException(list, cause);
    }

    // ---- reading with positions

    private JsonNode read(JsonParser p, String path) throws IOException {
      positions.put(path, p.currentTokenLocation());
      JsonNodeFactory f = JsonNodeFactory.instance;
      JsonToken t = p.currentToken();
      if (p instanceof YAMLParser y) {
        // S53: an alias would load as the literal anchor name; anchors only serve aliases
        if (y.isCurrentAlias()) {
          problems.add(at(p.currentTokenLocation(), path, "YAML aliases are not allowed in policy files (write the value out) but was '*"
              + p.getText() + "'"));
          return f.nullNode();
        }
        if (y.getCurrentAnchor() != null) {
          problems.add(at(p.currentTokenLocation(), path, "YAML anchors are not allowed in policy files but was '&"
              + y.getCurrentAnchor() + "'"));
        }
      }
      switch (t) {
        case START_OBJECT: {
          ObjectNode o = f.objectNode();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            String child = path.isEmpty() ? name : path + "." + name;
            JsonLocation keyAt = p.currentTokenLocation();
            positions.put(child + KEY_SUFFIX, keyAt);
            p.nextToken();
            JsonNode value = read(p, child);
            if (o.has(name)) {
              problems.add(problem(child + KEY_SUFFIX, "", "duplicate field '" + name + "'"));
            }
            o.set(name, value);
          }
          return o;
        }
        case START_ARRAY: {
          ArrayNode a = f.arrayNode();
          int i = 0;
          while (p.nextToken() != JsonToken.END_ARRAY) {
            a.add(read(p, path + "[" + i++ + "]"));
          }
          return a;
        }
        case VALUE_STRING:
          return f.textNode(p.getText());
        case VALUE_NUMBER_INT:
          return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? f.numberNode(p.getBigIntegerValue()) : f.numberNode(p.getLongValue());
        case VALUE_NUMBER_FLOAT:
          return f.numberNode(p.getDecimalValue());
        case VALUE_TRUE:
          return f.booleanNode(true);
        case VALUE_FALSE:
          return f.booleanNode(false);
        case VALUE_NULL:
          return f.nullNode();
        default:
          problems.add(problem(path, "", "unsupported YAML/JSON value " + t));
          return f.nullNode();
      }
    }

    private PolicyFileException.Problem at(JsonLocation l, String path, String message) {
      return new PolicyFileException.Problem(source, l == null ? 0 : l.getLineNr(), l == null ? 0 : l.getColumnNr(), path, message);
    }

    private PolicyFileException.Problem problem(String path, String valueText, String message) {
      JsonLocation l = path == null ? null : positions.get(path);
      if (path != null && path.endsWith(KEY_SUFFIX)) {
        path = path.substring(0, path.length() - KEY_SUFFIX.length());
      }
      String msg = valueText == null || valueText.isEmpty() ? message : message + " but was " + valueText;
      return new PolicyFileException.Problem(source, l == null ? 0 : l.getLineNr(), l == null ? 0 : l.getColumnNr(),
          path == null ? "" : path, msg);
    }

    private void bad(String path, JsonNode value, String message) {
      problems.add(problem(path, value == null ? "" : shown(value), message));
    }

    private String shown(JsonNode v) {
      return v.isTextual() ? "'" + v.textValue() + "'" : v.toString();
    }

    // ---- the schema

    private Policy policy(JsonNode root) {
      if (!root.isObject()) {
        bad("", root, "a policy file must be a mapping with 'policy' and 'rules'");
        return null;
      }
      unknownFields(root, "", TOP_FIELDS);
      String name = text(root, "policy", true);
      String version = root.has("version") && (root.get("version").isTextual() || root.get("version").isIntegralNumber())
          ? root.get("version").asText() : null;
      if (root.has("version") && version == null) {
        bad("version", root.get("version"), "version must be a string or an integer");
      }
      String description = text(root, "description", false);
      JsonNode rulesNode = root.get("rules");
      List<PolicyRule> rules = new ArrayList<>();
      if (rulesNode == null) {
        bad("", null, "missing required field 'rules' (a list of rules; the first that matches decides)");
      } else if (!rulesNode.isArray() || rulesNode.isEmpty()) {
        bad("rules", rulesNode, "rules must be a non-empty list");
      } else {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < rulesNode.size(); i++) {
          PolicyRule r = rule(rulesNode.get(i), "rules[" + i + "]", names);
          if (r != null) {
            rules.add(r);
          }
        }
      }
      PolicyRule otherwise = root.has("otherwise") ? otherwise(root.get("otherwise")) : null;
      if (!problems.isEmpty() || name == null) {
        return null;
      }
      Policy.Builder b = Policy.builder(name).environment(environment);
      if (version != null && !version.isBlank()) {
        b.version(version);
      }
      if (description != null) {
        b.description(description);
      }
      rules.forEach(b::rule);
      if (otherwise != null) {
        b.otherwise(otherwise);
      }
      return b.build();
    }

    private PolicyRule rule(JsonNode node, String path, Set<String> names) {
      if (!node.isObject()) {
        bad(path, node, "a rule must be a mapping with 'name', optional 'when', and one of allow, deny, require");
        return null;
      }
      unknownFields(node, path, RULE_FIELDS);
      String name = text(node, path, "name", true);
      if (name != null && (!names.add(name) || Policy.OTHERWISE.equals(name))) {
        bad(path + ".name", node.get("name"), Policy.OTHERWISE.equals(name)
            ? "rule name 'otherwise' is reserved for the fallback" : "rule names must be unique in a policy");
      }
      Condition when = Condition.always();
      if (node.has("when")) {
        JsonNode w = node.get("when");
        if (!w.isTextual() || w.textValue().isBlank()) {
          bad(path + ".when", w, "when must be a CEL expression (a string)");
        } else {
          when = compile(w.textValue(), path + ".when");
        }
      }
      text(node, path, "description", false);
      Effect effect = effect(node, path, true);
      if (name == null || effect == null || when == null) {
        return null;
      }
      return switch (effect.kind) {
        case "allow" -> PolicyRule.allow(name, when);
        case "deny" -> PolicyRule.deny(name, when, effect.reason);
        default -> PolicyRule.require(name, when, effect.requirement);
      };
    }

    private PolicyRule otherwise(JsonNode node) {
      if (node.isTextual() && (node.textValue().equals("allow") || node.textValue().equals("deny"))) {
        return node.textValue().equals("allow")
            ? PolicyRule.allow(Policy.OTHERWISE, Condition.always()) : PolicyRule.deny(Policy.OTHERWISE, Condition.always(), null);
      }
      if (!node.isObject()) {
        bad("otherwise", node, "otherwise must be 'allow', 'deny', or a mapping with one of allow, deny, require");
        return null;
      }
      unknownFields(node, "otherwise", OTHERWISE_FIELDS);
      Effect effect = effect(node, "otherwise", false);
      if (effect == null) {
        return null;
      }
      return switch (effect.kind) {
        case "allow" -> PolicyRule.allow(Policy.OTHERWISE, Condition.always());
        case "deny" -> PolicyRule.deny(Policy.OTHERWISE, Condition.always(), effect.reason);
        default -> PolicyRule.require(Policy.OTHERWISE, Condition.always(), effect.requirement);
      };
    }

    private record Effect(String kind, String reason, ApprovalRequirement requirement) {}

    private Effect effect(JsonNode node, String path, boolean isRule) {
      List<String> present = new ArrayList<>();
      for (String k : List.of("allow", "deny", "require")) {
        if (node.has(k)) {
          present.add(k);
        }
      }
      if (present.size() != 1) {
        bad(path, null, (isRule ? "a rule" : "otherwise") + " needs exactly one of allow, deny, require but has "
            + (present.isEmpty() ? "none" : String.join(" and ", present)));
        return null;
      }
      String kind = present.get(0);
      JsonNode v = node.get(kind);
      String at = path + "." + kind;
      switch (kind) {
        case "allow":
          if (!v.isBoolean() || !v.booleanValue()) {
            bad(at, v, "allow must be true (omit the rule to not allow)");
            return null;
          }
          return new Effect(kind, null, null);
        case "deny":
          if (v.isTextual() && !v.textValue().isBlank()) {
            return new Effect(kind, v.textValue(), null);
          }
          if (v.isBoolean() && v.booleanValue()) {
            return new Effect(kind, null, null);
          }
          bad(at, v, "deny must be true or the reason shown to the caller (a string)");
          return null;
        default:
          ApprovalRequirement r = requirement(v, at);
          return r == null ? null : new Effect(kind, null, r);
      }
    }

    private ApprovalRequirement requirement(JsonNode node, String path) {
      if (!node.isObject()) {
        bad(path, node, "require must be a mapping with approvers, quorum, timeout, reasonRequired, escalate");
        return null;
      }
      unknownFields(node, path, REQUIRE_FIELDS);
      int problemsBefore = problems.size();
      List<String> approvers = approvers(node, path, true);
      ApprovalRequirement.Builder b = ApprovalRequirement.builder();
      int quorum = 1;
      if (node.has("quorum")) {
        JsonNode q = node.get("quorum");
        if (!q.isIntegralNumber() || !q.canConvertToInt() || q.intValue() < 1) {
          bad(path + ".quorum", q, "quorum must be an integer >= 1");
        } else {
          quorum = q.intValue();
        }
      }
      Duration timeout = node.has("timeout") ? duration(node.get("timeout"), path + ".timeout") : ApprovalRequirement.DEFAULT_TIMEOUT;
      if (node.has("reasonRequired") && !node.get("reasonRequired").isBoolean()) {
        bad(path + ".reasonRequired", node.get("reasonRequired"), "reasonRequired must be true or false");
      }
      Escalation escalation = node.has("escalate") ? escalation(node.get("escalate"), path + ".escalate", timeout) : null;
      if (approvers != null) {
        checkQuorum(approvers, quorum, path + ".quorum", node.get("quorum"));
      }
      if (problems.size() > problemsBefore || approvers == null || timeout == null) {
        return null;
      }
      b.approvers(approvers.toArray(String[]::new)).quorum(quorum).timeout(timeout)
          .reasonRequired(node.has("reasonRequired") && node.get("reasonRequired").booleanValue());
      if (escalation != null) {
        b.escalation(escalation);
      }
      try {
        return b.build();
      } catch (IllegalArgumentException e) {
        bad(path, null, e.getMessage());
        return null;
      }
    }

    private Escalation escalation(JsonNode node, String path, Duration timeout) {
      if (!node.isObject()) {
        bad(path, node, "escalate must be a mapping with after, approvers and optional notify");
        return null;
      }
      unknownFields(node, path, ESCALATE_FIELDS);
      Duration after = null;
      if (!node.has("after")) {
        bad(path, null, "missing required field 'after' (an ISO-8601 duration such as 'PT10M')");
      } else {
        after = duration(node.get("after"), path + ".after");
        if (after != null && timeout != null && after.compareTo(timeout) >= 0) {
          bad(path + ".after", node.get("after"), "escalate.after must be shorter than the timeout " + timeout
              + " (the request would already have expired)");
          after = null;
        }
      }
      List<String> approvers = approvers(node, path, true);
      List<String> notify = null;
      if (node.has("notify")) {
        notify = strings(node.get("notify"), path + ".notify");
      }
      if (after == null || approvers == null || (node.has("notify") && notify == null)) {
        return null;
      }
      Escalation e = Escalation.after(after, approvers.toArray(String[]::new));
      return notify == null ? e : e.notifying(notify.toArray(String[]::new));
    }

    private List<String> approvers(JsonNode node, String path, boolean required) {
      if (!node.has("approvers")) {
        if (required) {
          bad(path, null, "missing required field 'approvers' (reviewer ids and group:names)");
        }
        return null;
      }
      List<String> list = strings(node.get("approvers"), path + ".approvers");
      if (list == null) {
        return null;
      }
      if (list.isEmpty()) {
        bad(path + ".approvers", node.get("approvers"), "approvers must name at least one reviewer id or group");
        return null;
      }
      boolean ok = true;
      for (int i = 0; i < list.size(); i++) {
        String a = list.get(i).strip();
        if (a.startsWith(ApprovalRequirement.GROUP_PREFIX)) {
          String group = a.substring(ApprovalRequirement.GROUP_PREFIX.length()).strip();
          if (group.isEmpty()) {
            bad(path + ".approvers[" + i + "]", node.get("approvers").get(i), "approver names no group");
            ok = false;
          } else if (knownGroups != null && !knownGroups.contains(group)) {
            bad(path + ".approvers[" + i + "]", node.get("approvers").get(i), "unknown group '" + group
                + "' (known groups: " + new java.util.TreeSet<>(knownGroups) + ")");
            ok = false;
          }
        }
      }
      return ok ? list : null;
    }

    private void checkQuorum(List<String> approvers, int quorum, String path, JsonNode quorumNode) {
      Set<String> eligible = new LinkedHashSet<>();
      boolean countable = true;
      for (String a : approvers) {
        String s = a.strip();
        if (s.startsWith(ApprovalRequirement.GROUP_PREFIX)) {
          Set<String> members = groupMembers.get(s.substring(ApprovalRequirement.GROUP_PREFIX.length()).strip());
          if (members == null) {
            countable = false;
          } else {
            eligible.addAll(members);
          }
        } else {
          eligible.add(s);
        }
      }
      if (countable && quorum > eligible.size()) {
        bad(path, quorumNode == null ? JsonNodeFactory.instance.numberNode(quorum) : quorumNode,
            "quorum is larger than the " + eligible.size() + " eligible reviewers " + new java.util.TreeSet<>(eligible)
            + " of " + approvers + ", so no request could ever be approved");
      }
    }

    private List<String> strings(JsonNode node, String path) {
      if (node.isTextual()) {
        return List.of(node.textValue());
      }
      if (!node.isArray()) {
        bad(path, node, "must be a list of strings");
        return null;
      }
      List<String> out = new ArrayList<>();
      boolean ok = true;
      for (int i = 0; i < node.size(); i++) {
        JsonNode e = node.get(i);
        if (!e.isTextual() || e.textValue().isBlank()) {
          bad(path + "[" + i + "]", e, "must be a non-blank string");
          ok = false;
        } else {
          out.add(e.textValue());
        }
      }
      return ok ? out : null;
    }

    private Duration duration(JsonNode node, String path) {
      if (!node.isTextual()) {
        bad(path, node, "must be an ISO-8601 duration such as 'PT10M'");
        return null;
      }
      try {
        Duration d = Duration.parse(node.textValue());
        if (d.isZero() || d.isNegative()) {
          bad(path, node, "must be a positive duration");
          return null;
        }
        return d;
      } catch (DateTimeParseException e) {
        bad(path, node, "must be an ISO-8601 duration such as 'PT10M' or 'PT1H30M'");
        return null;
      }
    }

    private Condition compile(String expression, String path) {
      CelAbstractSyntaxTree ast;
      try {
        ast = compiler.compile(expression).getAst();
      } catch (CelValidationException e) {
        CelIssue first = e.getErrors().isEmpty() ? null : e.getErrors().get(0);
        String detail = first == null ? e.getMessage()
            : first.getMessage() + " (at column " + (first.getSourceLocation().getColumn() + 1) + " of the expression)";
        bad(path, JsonNodeFactory.instance.textNode(expression), "CEL expression does not compile: " + detail);
        return null;
      }
      try {
        CelRuntime.Program program = runtime.createProgram(ast);
        warmUp(program);
        return new CelCondition(expression, ast, program, CelPolicyLoader.this);
      } catch (CelEvaluationException e) {
        bad(path, JsonNodeFactory.instance.textNode(expression), "CEL expression cannot be planned: " + e.getMessage());
        return null;
      }
    }

    private void unknownFields(JsonNode node, String path, Set<String> allowed) {
      for (java.util.Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!allowed.contains(f)) {
          String at = path.isEmpty() ? f : path + "." + f;
          problems.add(problem(at + KEY_SUFFIX, "'" + f + "'", "unknown field (allowed: " + new java.util.TreeSet<>(allowed) + ")"));
        }
      }
    }

    private String text(JsonNode node, String field, boolean required) {
      return text(node, "", field, required);
    }

    private String text(JsonNode node, String path, String field, boolean required) {
      String at = path.isEmpty() ? field : path + "." + field;
      JsonNode v = node.get(field);
      if (v == null) {
        if (required) {
          bad(path, null, "missing required field '" + field + "'");
        }
        return null;
      }
      if (!v.isTextual() || v.textValue().isBlank()) {
        bad(at, v, field + " must be a non-blank string");
        return null;
      }
      return v.textValue();
    }
  }

  /** Builds a {@link CelPolicyLoader}. */
  public static final class Builder {
    private final Map<String, Class<?>> attributes = new LinkedHashMap<>();
    private Supplier<? extends Map<String, ?>> environment = Map::of;
    private Set<String> knownGroups;
    private final Map<String, Set<String>> groupMembers = new HashMap<>();
    private int maxDepth = DEFAULT_MAX_ARGUMENT_DEPTH;
    private int maxElements = DEFAULT_MAX_ARGUMENT_ELEMENTS;
    private int maxIterations = DEFAULT_MAX_ITERATIONS;
    private Duration maxTime = DEFAULT_MAX_EVALUATION_TIME;
    private LongSupplier ticker = System::nanoTime;

    private Builder() {}

    /**
     * Bounds on the arguments a condition sees (S50): collections nested deeper than
     * {@code maxDepth}, or more than {@code maxElements} elements in all (arrays of primitives are
     * not copied and not counted), make the policy unable to decide, and the call is denied and
     * recorded. Defaults {@value #DEFAULT_MAX_ARGUMENT_DEPTH} and {@value #DEFAULT_MAX_ARGUMENT_ELEMENTS}.
     */
    public Builder argumentLimits(int maxDepth, int maxElements) {
      if (maxDepth < 1) {
        throw new IllegalArgumentException("maxDepth must be >= 1 but was " + maxDepth);
      }
      if (maxElements < 1) {
        throw new IllegalArgumentException("maxElements must be >= 1 but was " + maxElements);
      }
      this.maxDepth = maxDepth;
      this.maxElements = maxElements;
      return this;
    }

    /**
     * The cost budget of one condition's evaluation (S51): at most {@code maxIterations}
     * comprehension iterations in all ({@code exists}, {@code all}, {@code map}, {@code filter},
     * nested ones multiplying) and at most {@code maxTime}; past either the evaluation stops, the
     * policy cannot decide, and the call is denied and recorded. Defaults
     * {@value #DEFAULT_MAX_ITERATIONS} iterations and 1 s (each iteration costs a few microseconds
     * once the JIT has warmed up, so the iteration budget usually ends a runaway first).
     */
    public Builder evaluationBudget(int maxIterations, Duration maxTime) {
      if (maxIterations < 1) {
        throw new IllegalArgumentException("maxIterations must be >= 1 but was " + maxIterations);
      }
      if (maxTime == null || maxTime.isZero() || maxTime.isNegative()) {
        throw new IllegalArgumentException("maxTime must be a positive duration but was " + maxTime);
      }
      this.maxIterations = maxIterations;
      this.maxTime = maxTime;
      return this;
    }

    /** The nanosecond clock for the time budget (tests inject one). */
    Builder ticker(LongSupplier ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Declares an environment attribute that conditions may read as a top-level CEL variable of
     * the matching type ({@code String} -> string, integers -> int, decimals -> double,
     * {@code Boolean} -> bool, anything else -> dyn). Undeclared names do not compile.
     */
    public Builder attribute(String name, Class<?> type) {
      Objects.requireNonNull(type, "type");
      if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException("attribute name must be a CEL identifier but was '" + name + "'");
      }
      if (RESERVED_VARIABLES.contains(name)) {
        throw new IllegalArgumentException("attribute name '" + name + "' is reserved (reserved: " + RESERVED_VARIABLES + ")");
      }
      if (attributes.containsKey(name)) {
        throw new IllegalStateException("attribute '" + name + "' was already declared as " + attributes.get(name).getSimpleName());
      }
      attributes.put(name, type);
      return this;
    }

    /** Where the declared attributes' values come from at each call; default none. */
    public Builder environment(Supplier<? extends Map<String, ?>> environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /** The groups that exist: a policy naming another group fails to load. */
    public Builder knownGroups(Collection<String> groups) {
      if (knownGroups == null) {
        knownGroups = new HashSet<>();
      }
      knownGroups.addAll(groups);
      return this;
    }

    /**
     * The groups that exist with their members: a policy naming another group, or asking for a
     * quorum larger than its eligible reviewers, fails to load.
     */
    public Builder knownGroups(Map<String, ? extends Collection<String>> membersByGroup) {
      membersByGroup.forEach((g, members) -> groupMembers.put(g, Set.copyOf(members)));
      return knownGroups(membersByGroup.keySet());
    }

    /** Builds the loader (the CEL environment is set up once here). */
    public CelPolicyLoader build() {
      return new CelPolicyLoader(this);
    }
  }
}

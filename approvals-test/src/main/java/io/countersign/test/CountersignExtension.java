package io.countersign.test;

import io.countersign.spi.ApprovalPolicy;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import io.countersign.ManualTimeSource;

/**
 * The JUnit 5 extension behind {@link CountersignTest}: builds a {@link TestGate} before each test,
 * installs it, resolves it (and its approver and clock) as parameters, and tears it down after.
 */
public final class CountersignExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(CountersignExtension.class);
  private static final String KEY = "testGate";

  @Override
  public void beforeEach(ExtensionContext context) {
    CountersignTest settings = context.getRequiredTestClass().getAnnotation(CountersignTest.class);
    Class<?>[] guard = settings == null ? new Class<?>[0] : settings.checkGuarded();
    boolean install = settings == null || settings.install();
    TestGate gate = TestGate.create(policies(context), guard, install);
    context.getStore(NS).put(KEY, gate);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    TestGate gate = context.getStore(NS).remove(KEY, TestGate.class);
    if (gate != null) {
      gate.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
    Class<?> type = parameter.getParameter().getType();
    return type == TestGate.class || type == ScriptedApprover.class || type == ManualTimeSource.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
    TestGate gate = extension.getStore(NS).get(KEY, TestGate.class);
    if (gate == null) {
      throw new ParameterResolutionException("the Countersign test gate exists only for test methods (not for "
          + "constructors or @BeforeAll): take TestGate as a parameter of the test or of a @BeforeEach method");
    }
    Class<?> type = parameter.getParameter().getType();
    if (type == ScriptedApprover.class) {
      return gate.approver();
    }
    if (type == ManualTimeSource.class) {
      return gate.clock();
    }
    return gate;
  }

  private static Map<String, ApprovalPolicy> policies(ExtensionContext context) {
    Map<String, ApprovalPolicy> out = new LinkedHashMap<>();
    Object instance = context.getTestInstance().orElse(null);
    for (Class<?> c = context.getRequiredTestClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        GatePolicy gp = f.getAnnotation(GatePolicy.class);
        if (gp == null) {
          continue;
        }
        if (!ApprovalPolicy.class.isAssignableFrom(f.getType())) {
          throw new ExtensionConfigurationException("@GatePolicy field " + c.getName() + "." + f.getName()
              + " must hold an ApprovalPolicy but its type is " + f.getType().getName());
        }
        try {
          f.setAccessible(true);
          Object value = f.get(Modifier.isStatic(f.getModifiers()) ? null : instance);
          if (value == null) {
            throw new ExtensionConfigurationException("@GatePolicy(\"" + gp.value() + "\") field " + c.getName() + "."
                + f.getName() + " is null");
          }
          if (out.putIfAbsent(gp.value(), (ApprovalPolicy) value) != null) {
            throw new ExtensionConfigurationException("two @GatePolicy fields are named '" + gp.value() + "'");
          }
        } catch (IllegalAccessException e) {
          throw new ExtensionConfigurationException("cannot read @GatePolicy field " + f, e);
        }
      }
    }
    return out;
  }
}

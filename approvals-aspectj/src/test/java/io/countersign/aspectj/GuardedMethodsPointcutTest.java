package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ApprovalUnavailableException;
import io.countersign.Countersign;
import io.countersign.GuardedMethods;
import io.countersign.aspectj.scope.AnnotatedMethods;
import io.countersign.aspectj.scope.AnnotatedType;
import io.countersign.aspectj.scope.ContractImpl;
import io.countersign.aspectj.scope.GuardedBase;
import io.countersign.aspectj.scope.GuardedContract;
import io.countersign.aspectj.scope.Handler;
import io.countersign.aspectj.scope.OverridingSub;
import io.countersign.aspectj.scope.PlainBase;
import io.countersign.aspectj.scope.PlainSub;
import io.countersign.aspectj.scope.StringHandler;
import io.countersign.aspectj.scope.TypeLevelHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Holds the aspect's pointcuts against the one rule of {@link GuardedMethods}: every method of the
 * woven fixtures is called with no gate installed, and the call is denied (the advice ran) exactly
 * when the rule calls the method guarded.
 */
class GuardedMethodsPointcutTest {

  @BeforeEach
  void noGateInstalled() {
    assertThat(Countersign.uninstall()).as("a previous test left a gate installed").isEmpty();
  }

  @ParameterizedTest
  @ValueSource(classes = {AnnotatedMethods.class, AnnotatedType.class, AnnotatedType.Nested.class, ContractImpl.class, GuardedBase.class,
      OverridingSub.class, PlainBase.class, PlainSub.class, StringHandler.class, TypeLevelHandler.class})
  void pointcutInterceptsExactlyTheMethodsTheRuleCallsGuarded(Class<?> fixture) throws Exception {
    Map<String, Boolean> ruled = new TreeMap<>();
    Map<String, Boolean> woven = new TreeMap<>();
    for (Method m : fixture.getDeclaredMethods()) {
      if (m.isBridge() || m.isSynthetic() || m.getName().contains("ajc$") || m.getName().contains("_aroundBody")) {
        continue; // bridges run the bridged method's join point (tested below); ajc's own helpers are not callable
      }
      ruled.put(m.toGenericString(), GuardedMethods.isGuarded(m));
      woven.put(m.toGenericString(), intercepted(m, fixture));
    }
    assertThat(woven).isEqualTo(ruled);
  }

  @Test
  void ruleCallsEachFixtureMethodWhatTheDocumentationSays() throws Exception {
    assertThat(guardedNames(AnnotatedMethods.class)).containsExactly(
        "packageMethod", "privateMethod", "privateStaticMethod", "protectedMethod", "publicMethod", "staticMethod", "toString");
    assertThat(guardedNames(AnnotatedType.class)).containsExactly("equals(AnnotatedType)", "publicMethod", "publicStatic", "toString(int)");
    assertThat(guardedNames(OverridingSub.class)).isEmpty();
    assertThat(guardedNames(ContractImpl.class)).isEmpty();
    assertThat(guardedNames(GuardedContract.class)).containsExactly("abstractMethod", "defaultMethod");
    assertThat(GuardedMethods.isGuarded(GuardedContract.class.getMethod("abstractMethod"))).isTrue();
  }

  @Test
  void defaultMethodOfAnInterfaceIsInterceptedInItsOwnBody() {
    GuardedContract contract = new ContractImpl();

    assertThatThrownBy(contract::defaultMethod).isInstanceOf(ApprovalUnavailableException.class);
    assertThat(contract.abstractMethod()).isEqualTo("ran");
  }

  @Test
  void bridgeMethodsAreNotGuardedThemselvesButCallingThroughThemIsIntercepted() throws Exception {
    Method bridge = StringHandler.class.getDeclaredMethod("handle", Object.class);
    assertThat(bridge.isBridge()).isTrue();
    assertThat(bridge.isAnnotationPresent(io.countersign.RequiresApproval.class))
        .as("javac copies the annotation onto the bridge").isTrue();
    assertThat(GuardedMethods.isGuarded(bridge)).isFalse();
    assertThat(GuardedMethods.isGuarded(TypeLevelHandler.class.getDeclaredMethod("handle", Object.class))).isFalse();

    Handler<String> strings = new StringHandler();
    Handler<Integer> ints = new TypeLevelHandler();
    assertThatThrownBy(() -> strings.handle("x")).isInstanceOf(ApprovalUnavailableException.class);
    assertThatThrownBy(() -> ints.handle(1)).isInstanceOf(ApprovalUnavailableException.class);
  }

  /** Whether calling {@code m} with default arguments reached the advice (denied: no gate is installed). */
  private static boolean intercepted(Method m, Class<?> fixture) throws Exception {
    m.setAccessible(true);
    Object target = Modifier.isStatic(m.getModifiers()) ? null : fixture.getDeclaredConstructor().newInstance();
    Object[] args = new Object[m.getParameterCount()];
    for (int i = 0; i < args.length; i++) {
      Class<?> p = m.getParameterTypes()[i];
      if (p == int.class) {
        args[i] = 10;
      } else if (p == long.class) {
        args[i] = 1L;
      }
    }
    try {
      m.invoke(target, args);
      return false;
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof ApprovalUnavailableException) {
        return true;
      }
      throw e;
    }
  }

  private static List<String> guardedNames(Class<?> type) {
    List<String> names = new ArrayList<>();
    for (Method m : GuardedMethods.declaredBy(type)) {
      boolean overloaded = m.getName().equals("equals") || m.getName().equals("toString") && m.getParameterCount() > 0;
      names.add(overloaded ? m.getName() + "(" + m.getParameterTypes()[0].getSimpleName() + ")" : m.getName());
    }
    names.sort(null);
    return names;
  }
}

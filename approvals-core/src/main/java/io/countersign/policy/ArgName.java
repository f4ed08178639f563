package io.countersign.policy;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names a guarded method's parameter for policy conditions ({@code args.amount}) when the class is
 * not compiled with {@code -parameters}, where the JVM only knows {@code arg0, arg1, ...}. A named
 * parameter is read by that name whatever the compiler or interceptor says, and the startup check
 * of policy conditions (scenario S49) counts its name as known.
 *
 * <pre>{@code
 * @RequiresApproval(policy = "payments")
 * public void pay(@ArgName("vendor") String vendor, @ArgName("amount") BigDecimal amount) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface ArgName {

  /** The name conditions use for this argument: a CEL identifier such as {@code amount}. */
  String value();
}

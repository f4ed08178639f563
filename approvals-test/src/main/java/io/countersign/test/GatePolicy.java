package io.countersign.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field of a {@link CountersignTest} class holding an {@link io.countersign.spi.ApprovalPolicy}
 * to register on each test's gate under {@link #value()} (what {@code @RequiresApproval(policy)} names).
 * Static or instance fields; read before each test.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface GatePolicy {

  /** The name the policy is registered under. */
  String value();
}

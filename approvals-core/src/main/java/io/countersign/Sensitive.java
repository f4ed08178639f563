package io.countersign;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a parameter of a {@link RequiresApproval} method whose value must never be shown to
 * reviewers, logged or written to the audit trail. It is shown as {@code "[redacted]"}; the
 * arguments' digest still covers the real value, so the approval stays bound to it.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Sensitive {}

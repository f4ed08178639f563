/**
 * Policies as code: an immutable, ordered list of rules where the first rule whose condition
 * matches the call decides ALLOW, DENY or REQUIRE (who approves, quorum, timeout, reason,
 * escalation). A {@link io.countersign.policy.Policy} is an {@link io.countersign.spi.ApprovalPolicy},
 * so it is registered on the gate by name and selected with {@code @RequiresApproval(policy = "name")};
 * its {@link io.countersign.policy.Policy#digest() digest} over a canonical form is recorded in every
 * audit event, and {@link io.countersign.policy.Policy#explain} says which rule matched and why.
 *
 * <p>Conditions here are Java predicates over a {@link io.countersign.policy.PolicyInput}; the
 * {@code approvals-policy-cel} module loads policy files whose conditions are CEL expressions into
 * the same model.
 */
package io.countersign.policy;

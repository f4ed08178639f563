/**
 * Governance checks that nothing privileged runs unguarded: {@link io.countersign.governance.GuardCheck}
 * verifies at startup that every {@code @RequiresApproval} method is intercepted (AspectJ weaving or a
 * declared proxy mechanism) and fails fast naming each one that is not.
 */
package io.countersign.governance;

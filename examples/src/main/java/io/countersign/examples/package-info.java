/**
 * The runnable Countersign demo: an operations agent acting for a human asks for three privileged
 * actions on an annotated {@link io.countersign.examples.Operations} service, and scripted reviewers
 * approve one, deny one and let one time out. Run it with {@code ./demo.sh}.
 */
package io.countersign.examples;

/**
 * An AI agent (LangChain4j) whose privileged tools need human approval: the {@code @Tool} methods of
 * {@link io.countersign.examples.agent.SupportTools} carry {@code @RequiresApproval} and are woven
 * with the Countersign aspect, so the model can ask for them but only humans can let them run.
 */
package io.countersign.examples.agent;

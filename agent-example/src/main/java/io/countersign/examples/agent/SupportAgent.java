package io.countersign.examples.agent;

/** The agent as LangChain4j's {@code AiServices} implements it: one user message in, one answer out. */
public interface SupportAgent {

  /** Answers the user, calling tools as the model decides. */
  String chat(String userMessage);
}

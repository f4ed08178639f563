package io.countersign;

/** What kind of principal asks for a privileged action. */
public enum ActorKind {
  /** A person acting for themselves. */
  HUMAN,
  /** An AI agent or automation acting for a human ({@link Actor#onBehalfOf()}). */
  AGENT,
  /** A service account with no human behind the call. */
  SERVICE
}

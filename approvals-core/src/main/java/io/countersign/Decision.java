package io.countersign;

/** A reviewer's answer to a request. */
public enum Decision {
  APPROVE,
  DENY
}

package io.countersign.governance.archfixture.selfcall.good;

/** Calls the guarded method from another class, as a proxy needs. */
public class Caller {

  public void release(ConfigService config) {
    config.push("prod");
  }
}

package com.example.countersignuser.internals.bad;

import io.countersign.internal.Hashing;

/** Violates the rule: reaches into Countersign's internal package. */
public class ShortcutToInternals {

  public String fingerprint(byte[] data) {
    return Hashing.hex(data);
  }
}

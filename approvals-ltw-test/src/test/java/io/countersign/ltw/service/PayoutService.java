package io.countersign.ltw.service;

import io.countersign.RequiresApproval;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A service as an application would write it, compiled by plain javac: only the weaving agent,
 * reading the aspect's {@code META-INF/aop.xml}, makes its annotation effective.
 */
public class PayoutService {

  private final AtomicInteger payouts = new AtomicInteger();

  @RequiresApproval(approvers = "group:treasury", timeout = "PT10M", action = "Pay out a refund")
  public String payOut(String account, long cents) {
    payouts.incrementAndGet();
    return "paid " + cents + " to " + account;
  }

  /** How many times the body of {@link #payOut} ran. */
  public int payouts() {
    return payouts.get();
  }
}

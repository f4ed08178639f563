package io.countersign.postgres;

import io.countersign.ApprovalStatus;
import io.countersign.spi.GateListener;
import java.util.concurrent.CountDownLatch;

/**
 * A service instance in a child JVM that the tests kill with {@code destroyForcibly()} (SIGKILL):
 * nothing in it gets to clean up, exactly as after {@code kill -9}. It prints what it did on stdout.
 *
 * <p>Modes: {@code wait} opens a synchronous request and blocks on it ({@code PENDING <id>});
 * {@code defer} opens a deferred request ({@code DEFERRED <id>}) and idles; {@code execute} runs
 * also opens a deferred request, and when it runs it after approval the body blocks forever after
 * printing {@code RUNNING <job>}; {@code decided} waits synchronously and freezes once the decision
 * arrives, before resuming its caller ({@code DECIDED <id>}); {@code run-sync} waits synchronously
 * and its body blocks forever after printing {@code RUNNING <schema>}; {@code approve-deferred} opens
 * a deferred request, closes that gate, and approves it in a second gate that runs no deferred work ({@code APPROVED <id>}).
 */
public final class ChildInstance {

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String mode = args[1];
    Instance instance = Instance.fast(url, true);
    switch (mode) {
      case "wait" -> {
        instance.callAsync("restart", args[2]);
        instance.firstRequest.await();
        System.out.println("PENDING " + instance.requested.peek());
      }
      case "defer" -> {
        instance.call("rotateKeys", args[2]);
        System.out.println("DEFERRED " + instance.requested.peek());
      }
      case "execute" -> {
        instance.ops.blockForever = new CountDownLatch(1);
        instance.call("rotateKeys", args[2]);
        System.out.println("DEFERRED " + instance.requested.peek());
      }
      case "decided" -> {
        // the caller waits; once the decision arrives, the instance freezes before resuming it
        Instance frozen = new Instance(url, Instance.FAST, false, gb -> gb.listener(new GateListener() {
          @Override
          public void decided(ApprovalStatus status) {
            System.out.println("DECIDED " + status.request().id());
            System.out.flush();
            awaitForever();
          }
        }));
        instance.close();
        frozen.callAsync("restart", args[2]);
        frozen.firstRequest.await();
        System.out.println("PENDING " + frozen.requested.peek());
      }
      case "run-sync" -> {
        instance.ops.blockForever = new CountDownLatch(1);
        instance.callAsync("migrate", args[2]);
        instance.firstRequest.await();
        System.out.println("PENDING " + instance.requested.peek());
      }
      case "approve-deferred" -> {
        // the request is opened, then its opener leaves; the instance that takes the reviewer's click
        // runs no deferred work (no TargetResolver), so nothing runs it before this process dies
        instance.call("rotateKeys", args[2]);
        String id = instance.requested.peek();
        instance.close();
        Instance voter = Instance.fast(url, false);
        if (!voter.approve(id, "alice").counted()) {
          throw new IllegalStateException("the approval of " + id + " was not counted");
        }
        System.out.println("APPROVED " + id);
      }
      default -> throw new IllegalArgumentException("mode must be wait, defer, execute, decided, run-sync or approve-deferred but was " + mode);
    }
    System.out.flush();
    awaitForever();
  }

  private static void awaitForever() {
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

}

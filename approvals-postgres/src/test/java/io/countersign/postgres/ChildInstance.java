package io.countersign.postgres;

import java.util.concurrent.CountDownLatch;

/**
 * A service instance in a child JVM that the tests kill with {@code destroyForcibly()} (SIGKILL):
 * nothing in it gets to clean up, exactly as after {@code kill -9}. It prints what it did on stdout.
 *
 * <p>Modes: {@code wait} opens a synchronous request and blocks on it ({@code PENDING <id>});
 * {@code defer} opens a deferred request ({@code DEFERRED <id>}) and idles; {@code execute} runs
 * also opens a deferred request, and when it runs it after approval the body blocks forever after
 * printing {@code RUNNING <job>}.
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
      default -> throw new IllegalArgumentException("mode must be wait, defer or execute but was " + mode);
    }
    System.out.flush();
    new CountDownLatch(1).await();
  }

}

package io.countersign.slack.internal;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.RequestState;
import io.countersign.spi.VoteSink;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the Slack approver remembers of one request it posted: the gate's sink for its votes, the
 * message (channel + ts) to update, and the newest status to show. Not public API.
 *
 * <p>Status updates may arrive on several threads in any order; {@link #offer} keeps only the
 * newest (a terminal status beats a pending one, more votes beat fewer), and the approver renders
 * while holding {@link #renderLock()}, always the newest status, so an older status is never drawn
 * over a newer one. The render lock is separate from the status monitor so that a slow Slack call
 * never blocks the gate's thread handing in a new status.
 */
public final class TrackedRequest {

  private final ApprovalRequest request;
  private final VoteSink sink;
  private final Map<String, String> slackUserIdsByReviewer = new ConcurrentHashMap<>();
  private final Object renderLock = new Object();
  private final java.util.concurrent.CountDownLatch delivery = new java.util.concurrent.CountDownLatch(1);
  private volatile String channelId;
  private volatile String messageTs;
  private ApprovalStatus latest;
  private ApprovalStatus rendered;

  public TrackedRequest(ApprovalRequest request, VoteSink sink) {
    this.request = Objects.requireNonNull(request, "request");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.latest = new ApprovalStatus(request, RequestState.PENDING, List.of(), 0, null, null);
    this.rendered = latest;
  }

  public ApprovalRequest request() {
    return request;
  }

  /** The gate's sink bound to this request (never to another). */
  public VoteSink sink() {
    return sink;
  }

  /** Held while the message is being redrawn. */
  public Object renderLock() {
    return renderLock;
  }

  /** Slack user ids of reviewers who voted from Slack, to mention them in the message. */
  public Map<String, String> slackUserIdsByReviewer() {
    return slackUserIdsByReviewer;
  }

  /** Records where the message was posted. */
  public void posted(String channelId, String messageTs) {
    this.channelId = channelId;
    this.messageTs = messageTs;
    delivery.countDown();
  }

  /** Records that posting failed (nothing will ever be posted). */
  public void deliveryFailed() {
    delivery.countDown();
  }

  /**
   * Waits until posting finished, for a click that raced Slack's answer to {@code chat.postMessage};
   * returns whether the message is now known.
   */
  public boolean awaitPosted(java.time.Duration timeout) {
    try {
      delivery.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return messageTs != null;
  }

  public String channelId() {
    return channelId;
  }

  public String messageTs() {
    return messageTs;
  }

  /** Whether a click came from this request's message (and not another message carrying its id). */
  public boolean isMessage(String channelId, String messageTs) {
    return this.messageTs != null && this.messageTs.equals(messageTs)
        && (channelId == null || this.channelId == null || this.channelId.equals(channelId));
  }

  /** Keeps {@code status} if it is newer than the one held; returns whether it was kept. */
  public synchronized boolean offer(ApprovalStatus status) {
    if (isNewer(status, latest)) {
      latest = status;
      return true;
    }
    return false;
  }

  public synchronized ApprovalStatus latest() {
    return latest;
  }

  /** The status last drawn in Slack. */
  public synchronized ApprovalStatus rendered() {
    return rendered;
  }

  public synchronized void rendered(ApprovalStatus status) {
    this.rendered = status;
  }

  private static boolean isNewer(ApprovalStatus candidate, ApprovalStatus current) {
    if (current.state().isTerminal()) {
      return false;
    }
    if (candidate.state().isTerminal()) {
      return true;
    }
    return candidate.votes().size() > current.votes().size();
  }
}

package io.countersign;

import io.countersign.spi.Approver;
import io.countersign.spi.VoteSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers each request through several channels at once (e.g. Slack and the web page): votes from
 * any of them count toward the same request. Delivery succeeds if at least one channel delivered;
 * if every channel failed, the request is denied (fail closed).
 */
public final class CompositeApprover implements Approver {

  private static final Logger LOG = LoggerFactory.getLogger(CompositeApprover.class);

  private final List<Approver> channels;

  private CompositeApprover(List<Approver> channels) {
    this.channels = channels;
  }

  /** Delivers through every one of {@code channels}, in order. */
  public static CompositeApprover of(Approver... channels) {
    if (channels.length == 0) {
      throw new IllegalArgumentException("CompositeApprover needs at least one channel but was given none");
    }
    List<Approver> list = new ArrayList<>();
    for (Approver a : channels) {
      list.add(Objects.requireNonNull(a, "channel"));
    }
    return new CompositeApprover(List.copyOf(list));
  }

  @Override
  public void request(ApprovalRequest request, VoteSink votes) throws Exception {
    Exception last = null;
    int delivered = 0;
    for (Approver channel : channels) {
      try {
        channel.request(request, votes);
        delivered++;
      } catch (Exception e) {
        LOG.warn("Channel {} could not deliver request {}: {}", channel.getClass().getSimpleName(), request.id(), e.toString());
        if (last != null) {
          e.addSuppressed(last);
        }
        last = e;
      }
    }
    if (delivered == 0) {
      throw new IllegalStateException("no channel could deliver request " + request.id(), last);
    }
  }

  @Override
  public void escalated(ApprovalRequest request, io.countersign.policy.Escalation escalation) {
    for (Approver channel : channels) {
      try {
        channel.escalated(request, escalation);
      } catch (RuntimeException e) {
        LOG.warn("Channel {} failed to notify the escalation of request {}", channel.getClass().getSimpleName(), request.id(), e);
      }
    }
  }

  @Override
  public void update(ApprovalStatus status) {
    for (Approver channel : channels) {
      try {
        channel.update(status);
      } catch (RuntimeException e) {
        LOG.warn("Channel {} failed to show the update of request {}", channel.getClass().getSimpleName(), status.request().id(), e);
      }
    }
  }
}

package io.countersign.slack.internal;

import static com.slack.api.model.block.composition.BlockCompositions.markdownText;
import static com.slack.api.model.block.composition.BlockCompositions.plainText;

import com.slack.api.model.block.ActionsBlock;
import com.slack.api.model.block.ContextBlock;
import com.slack.api.model.block.DividerBlock;
import com.slack.api.model.block.HeaderBlock;
import com.slack.api.model.block.InputBlock;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.SectionBlock;
import com.slack.api.model.block.composition.ConfirmationDialogObject;
import com.slack.api.model.block.composition.TextObject;
import com.slack.api.model.block.element.BlockElement;
import com.slack.api.model.block.element.ButtonElement;
import com.slack.api.model.block.element.PlainTextInputElement;
import com.slack.api.model.view.View;
import com.slack.api.model.view.ViewClose;
import com.slack.api.model.view.ViewSubmit;
import com.slack.api.model.view.ViewTitle;
import io.countersign.Actor;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.Argument;
import io.countersign.Decision;
import io.countersign.RequestState;
import io.countersign.VoteRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Renders requests and their progress as Block Kit, and the reason dialog. Not public API.
 *
 * <p>Everything that comes from the caller (action, justification, argument values) is escaped
 * ({@code & < >}) so it can neither mention {@code @channel} nor smuggle a link; long values are
 * cut to stay within Block Kit's limits (3,000 characters per section).
 */
public final class MessageRenderer {

  /** {@code action_id} of the Approve button. */
  public static final String APPROVE_ACTION = "countersign.approve";
  /** {@code action_id} of the Deny button. */
  public static final String DENY_ACTION = "countersign.deny";
  /** {@code block_id} of the buttons. */
  public static final String ACTIONS_BLOCK = "countersign.actions";
  /** {@code callback_id} of the reason dialog. */
  public static final String REASON_CALLBACK = "countersign.reason";
  /** {@code block_id} and {@code action_id} of the reason input. */
  public static final String REASON_BLOCK = "reason";
  /** Longest reason accepted in the dialog. */
  public static final int MAX_REASON = 1000;

  private static final int MAX_SECTION = 2900;
  private static final int MAX_VALUE = 300;

  private MessageRenderer() {}

  /** The message blocks for a request in the given state (pending with buttons, or decided without). */
  public static List<LayoutBlock> blocks(ApprovalStatus status, Map<String, String> slackUserIdsByReviewer) {
    ApprovalRequest r = status.request();
    List<LayoutBlock> blocks = new ArrayList<>();
    blocks.add(HeaderBlock.builder().text(plainText(cut(headline(status) + r.action(), 150))).build());

    List<TextObject> fields = new ArrayList<>();
    fields.add(markdownText("*Requested by*\n" + actor(r.actor())));
    fields.add(markdownText("*On behalf of*\n" + (r.actor().onBehalfOf() == null ? "—" : escape(r.actor().onBehalfOf()))));
    fields.add(markdownText("*Approvals*\n" + status.approvals() + " of " + status.quorum() + " approvals"
        + " from " + escape(String.join(", ", r.requirement().approvers()))));
    fields.add(markdownText("*Policy*\n" + escape(r.policy().id()) + " v" + escape(r.policy().version())
        + (r.policy().ruleName() == null ? "" : " (" + escape(cut(r.policy().ruleName(), 100)) + ")")));
    fields.add(markdownText("*Deadline*\n" + date(r.deadline())));
    fields.add(markdownText("*Request id*\n`" + escape(r.id()) + "`"));
    blocks.add(SectionBlock.builder().fields(fields).build());

    blocks.add(SectionBlock.builder().text(markdownText("*Justification*\n"
        + (r.justification() == null || r.justification().isBlank() ? "_none given_" : escape(cut(r.justification(), 1000)))))
        .build());
    blocks.add(SectionBlock.builder().text(markdownText(arguments(r))).build());
    blocks.add(ContextBlock.builder().elements(List.of(markdownText("`" + escape(r.method()) + "`"
        + (r.traceId() == null ? "" : " · trace `" + escape(r.traceId()) + "`")))).build());

    if (!status.votes().isEmpty()) {
      StringBuilder votes = new StringBuilder("*Votes*");
      for (VoteRecord v : status.votes()) {
        String slackId = slackUserIdsByReviewer.get(v.reviewerId());
        votes.append("\n").append(v.decision() == Decision.APPROVE ? ":white_check_mark: " : ":no_entry: ")
            .append(escape(v.reviewerId())).append(slackId == null ? "" : " (<@" + slackId + ">)")
            .append(v.decision() == Decision.APPROVE ? " approved" : " denied")
            .append(v.reason() == null || v.reason().isBlank() ? "" : ": " + escape(cut(v.reason(), 300)))
            .append(" · ").append(date(v.time()));
      }
      blocks.add(SectionBlock.builder().text(markdownText(cut(votes.toString(), MAX_SECTION))).build());
    }

    blocks.add(DividerBlock.builder().build());
    if (status.state() == RequestState.PENDING) {
      blocks.add(ActionsBlock.builder().blockId(ACTIONS_BLOCK).elements(buttons(r)).build());
    } else {
      blocks.add(SectionBlock.builder().text(markdownText("*Outcome: " + outcome(status.state()) + "*"
          + (status.outcomeReason() == null ? "" : " — " + escape(cut(status.outcomeReason(), 500)))
          + (status.decidedAt() == null ? "" : "\n" + date(status.decidedAt())))).build());
    }
    return blocks;
  }

  /** The notification text (shown where blocks cannot be, e.g. push notifications). */
  public static String fallbackText(ApprovalStatus status) {
    ApprovalRequest r = status.request();
    String what = "'" + cut(r.action(), 200) + "' requested by " + r.actor().id() + " (request " + r.id() + ")";
    return escape(status.state() == RequestState.PENDING
        ? "Approval needed: " + what + ", " + status.approvals() + " of " + status.quorum() + " approvals"
        : outcome(status.state()) + ": " + what);
  }

  /** The dialog that asks a reviewer for the reason of a denial (or of an approval that needs one). */
  public static View reasonDialog(ApprovalRequest r, Decision decision, String privateMetadata) {
    boolean deny = decision == Decision.DENY;
    return View.builder()
        .type("modal")
        .callbackId(REASON_CALLBACK)
        .privateMetadata(privateMetadata)
        .title(ViewTitle.builder().type("plain_text").text(deny ? "Deny request" : "Approve request").build())
        .submit(ViewSubmit.builder().type("plain_text").text(deny ? "Deny" : "Approve").build())
        .close(ViewClose.builder().type("plain_text").text("Cancel").build())
        .blocks(List.of(
            SectionBlock.builder().text(markdownText("*" + escape(cut(r.action(), 200)) + "*\nrequested by "
                + actor(r.actor()) + " · request `" + escape(r.id()) + "`")).build(),
            InputBlock.builder().blockId(REASON_BLOCK).optional(false)
                .label(plainText(deny ? "Why do you deny it?" : "Why do you approve it?"))
                .element(PlainTextInputElement.builder().actionId(REASON_BLOCK).multiline(true).maxLength(MAX_REASON).build())
                .build()))
        .build();
  }

  /** A state as reviewers read it. */
  public static String outcome(RequestState state) {
    // a default branch, not an exhaustive switch: states added to core later still render
    return switch (state) {
      case PENDING -> "Pending";
      case APPROVED -> "Approved";
      case REJECTED -> "Denied";
      default -> state.name().charAt(0) + state.name().substring(1).toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** Escapes the three characters Slack's mrkdwn gives meaning to. */
  public static String escape(String text) {
    if (text == null) {
      return "";
    }
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static List<BlockElement> buttons(ApprovalRequest r) {
    String action = escape(cut(r.action(), 200));
    ButtonElement approve = ButtonElement.builder().actionId(APPROVE_ACTION).style("primary").value(r.id())
        .text(plainText("Approve"))
        .confirm(ConfirmationDialogObject.builder().title(plainText("Approve this action?"))
            .text(markdownText("This lets *" + action + "* run with the arguments shown (digest `"
                + shortDigest(r.argsDigest()) + "`)."
                + (r.requirement().reasonRequired() ? " You will be asked for a reason." : "")))
            .confirm(plainText("Approve")).deny(plainText("Cancel")).style("primary").build())
        .build();
    ButtonElement deny = ButtonElement.builder().actionId(DENY_ACTION).style("danger").value(r.id())
        .text(plainText("Deny"))
        .confirm(ConfirmationDialogObject.builder().title(plainText("Deny this action?"))
            .text(markdownText("*" + action + "* will not run. You will be asked for a reason."))
            .confirm(plainText("Deny")).deny(plainText("Cancel")).style("danger").build())
        .build();
    return List.of(approve, deny);
  }

  private static String headline(ApprovalStatus status) {
    return switch (status.state()) {
      case PENDING -> "Approval needed: ";
      default -> outcome(status.state()) + ": ";
    };
  }

  private static String actor(Actor a) {
    return "`" + escape(a.id()) + "` (" + a.kind().name().toLowerCase(java.util.Locale.ROOT) + ")";
  }

  private static String arguments(ApprovalRequest r) {
    StringBuilder sb = new StringBuilder("*Arguments*");
    int shown = 0;
    for (Argument a : r.arguments()) {
      String line = "\n• `" + escape(a.name()) + "` (" + escape(a.type()) + "): "
          + (a.sensitive() ? "_" + Argument.REDACTED + "_" : "`" + escape(cut(a.value(), MAX_VALUE)).replace("`", "'") + "`");
      if (sb.length() + line.length() > MAX_SECTION - 120) {
        sb.append("\n… ").append(r.arguments().size() - shown).append(" more (see the audit trail)");
        break;
      }
      sb.append(line);
      shown++;
    }
    if (r.arguments().isEmpty()) {
      sb.append("\n_none_");
    }
    sb.append("\n*Arguments digest* `sha256:").append(escape(r.argsDigest())).append("`");
    return sb.toString();
  }

  private static String shortDigest(String digest) {
    return digest == null ? "" : escape(digest.length() > 12 ? digest.substring(0, 12) : digest);
  }

  private static String date(Instant t) {
    // Slack shows the date in each reader's own time zone; the ISO text is the fallback
    return "<!date^" + t.getEpochSecond() + "^{date_short_pretty} {time_secs}|" + t + ">";
  }

  private static String cut(String s, int max) {
    if (s == null) {
      return "";
    }
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}

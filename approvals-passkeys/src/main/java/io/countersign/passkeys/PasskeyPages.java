package io.countersign.passkeys;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.Reviewer;
import io.countersign.Vote;
import io.countersign.http.PageExtension;
import io.countersign.http.PageRequest;
import io.countersign.http.PageResponse;
import io.countersign.http.PageVoteRefusedException;
import io.countersign.passkeys.internal.WebAuthnSupport;
import io.countersign.text.Escape;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The reviewer page extension of {@link ReviewerPasskeys}: the passkeys page ({@code x/passkeys/},
 * enrolment), the signing script, the signing data in a pending request's decision card, and the
 * hook that moves the browser's assertion from the vote form into {@link Vote#evidence()}.
 * Verification is left to the guard, which sees every channel's votes alike.
 */
final class PasskeyPages implements PageExtension {

  static final String NAME = "passkeys";
  static final String SCRIPT = "passkeys.js";
  /** Vote form fields the script fills in. */
  static final String F_CREDENTIAL_ID = "pk_credentialId";
  static final String F_AUTHENTICATOR_DATA = "pk_authenticatorData";
  static final String F_CLIENT_DATA_JSON = "pk_clientDataJSON";
  static final String F_SIGNATURE = "pk_signature";
  static final String F_USER_HANDLE = "pk_userHandle";
  static final String F_ERROR = "pk_error";

  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  private final ReviewerPasskeys passkeys;
  private final byte[] script;

  PasskeyPages(ReviewerPasskeys passkeys) {
    this.passkeys = passkeys;
    try (InputStream in = PasskeyPages.class.getResourceAsStream("/io/countersign/passkeys/static/" + SCRIPT)) {
      if (in == null) {
        throw new IllegalStateException("missing " + SCRIPT + " on the classpath (io/countersign/passkeys/static)");
      }
      this.script = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + SCRIPT, e);
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> scripts() {
    return List.of(SCRIPT);
  }

  @Override
  public Map<String, String> navigation() {
    return Map.of("Passkeys", "");
  }

  @Override
  public Optional<PageResponse> asset(String file) {
    return SCRIPT.equals(file) ? Optional.of(PageResponse.file("text/javascript; charset=utf-8", script)) : Optional.empty();
  }

  @Override
  public String decisionHtml(PageRequest page, ApprovalStatus status) {
    ApprovalRequest r = status.request();
    List<EnrolledPasskey> mine = passkeys.registry().enrolled(page.reviewer().id());
    boolean required = passkeys.requiresSignature(r);
    StringBuilder b = new StringBuilder();
    b.append("<div id=\"passkey-sign\" class=\"passkey-sign\"")
        .append(attr("data-request-id", r.id()))
        .append(attr("data-action", r.action()))
        .append(attr("data-args-digest", r.argsDigest()))
        .append(attr("data-policy-digest", r.policy() == null || r.policy().digest() == null ? "" : r.policy().digest()))
        .append(attr("data-deadline", r.deadline().toString()))
        .append(attr("data-rp-id", passkeys.rpId()))
        .append(attr("data-user-verification", passkeys.userVerification() ? "required" : "preferred"))
        .append(attr("data-credentials", mine.stream().map(EnrolledPasskey::credentialId).collect(Collectors.joining(","))))
        .append(attr("data-required", Boolean.toString(required)))
        .append('>');
    if (!mine.isEmpty()) {
      b.append("<p class=\"small\">Your vote will be <strong>signed with your passkey</strong>: your browser asks you to confirm, "
          + "and the signature covers this request, its arguments digest, policy, deadline, your decision and reason.</p>");
    } else if (required) {
      b.append("<p class=\"alert\" id=\"passkey-needed\">This request needs your passkey signature. <a href=\"")
          .append(esc(page.base() + "/x/" + NAME + "/")).append("\">Enrol a passkey</a> first, then come back.</p>");
    } else {
      b.append("<p class=\"small muted\">Votes are signed when you have a passkey. <a href=\"")
          .append(esc(page.base() + "/x/" + NAME + "/")).append("\">Enrol one</a>.</p>");
    }
    b.append("<p class=\"small muted\" id=\"passkey-status\" role=\"status\"></p></div>");
    return b.toString();
  }

  @Override
  public Vote beforeVote(PageRequest page, ApprovalStatus status, Vote vote) {
    String error = page.param(F_ERROR);
    if (error != null && !error.isEmpty()) {
      throw new PageVoteRefusedException(400, "Your passkey did not sign the vote (" + shorten(error)
          + "), so nothing was counted. Try again and confirm with your authenticator.");
    }
    String credentialId = page.param(F_CREDENTIAL_ID);
    if (credentialId == null || credentialId.isEmpty()) {
      return vote;
    }
    try {
      PasskeyAssertion assertion = new PasskeyAssertion(credentialId, page.param(F_AUTHENTICATOR_DATA),
          page.param(F_CLIENT_DATA_JSON), page.param(F_SIGNATURE), emptyToNull(page.param(F_USER_HANDLE)));
      return vote.withEvidence(assertion.toEvidence());
    } catch (IllegalArgumentException e) {
      throw new PageVoteRefusedException(400, "The passkey signature sent with the vote is malformed (" + e.getMessage()
          + "), so nothing was counted.");
    }
  }

  @Override
  public Optional<PageResponse> handle(PageRequest page) {
    if (page.path().isEmpty() && page.method().equals("GET")) {
      return Optional.of(PageResponse.html(200, "Passkeys", enrolPage(page, null)));
    }
    if (page.path().equals("register") && page.method().equals("POST")) {
      return Optional.of(register(page));
    }
    return Optional.empty();
  }

  private PageResponse register(PageRequest page) {
    Reviewer reviewer = page.reviewer();
    String error = page.param(F_ERROR);
    if (error != null && !error.isEmpty()) {
      return PageResponse.html(400, "Passkeys", enrolPage(page, "Your browser did not create a passkey (" + shorten(error)
          + "). Nothing was enrolled."));
    }
    EnrolledPasskey enrolled;
    try {
      enrolled = passkeys.finishEnrolment(reviewer, page.param("challenge"), page.param("attestationObject"),
          page.param("clientDataJSON"));
    } catch (IllegalArgumentException e) {
      return PageResponse.html(400, "Passkeys", enrolPage(page, e.getMessage()));
    } catch (IllegalStateException e) {
      return PageResponse.html(503, "Passkeys", enrolPage(page, "The passkey could not be recorded in the audit trail, so it "
          + "was not enrolled. Try again later."));
    }
    String html = "<section class=\"card narrow\" id=\"enrolled\"><h1>Passkey added</h1><p>Passkey <code id=\"credential-id\">"
        + esc(enrolled.credentialId()) + "</code> is now bound to <strong>" + esc(reviewer.id())
        + "</strong> and recorded in the audit trail. Your votes on the reviewer page will be signed with it.</p>"
        + "<p class=\"links\"><a href=\"" + esc(page.base() + "/") + "\">Back to pending requests</a> <a href=\""
        + esc(page.base() + "/x/" + NAME + "/") + "\">Your passkeys</a></p></section>";
    return PageResponse.html(200, "Passkey added", html);
  }

  private String enrolPage(PageRequest page, String error) {
    Reviewer reviewer = page.reviewer();
    List<EnrolledPasskey> mine = passkeys.registry().enrolled(reviewer.id());
    String challenge = passkeys.startEnrolment(reviewer);
    StringBuilder b = new StringBuilder();
    b.append("<section class=\"card narrow\"><h1>Your passkeys</h1>")
        .append("<p class=\"muted\">A passkey lets you sign each decision on this page, so the audit trail proves that "
            + "<em>you</em> made it, not just that the service recorded it.</p>");
    if (error != null) {
      b.append("<p class=\"alert\" role=\"alert\" id=\"enrol-error\">").append(esc(error)).append("</p>");
    }
    if (mine.isEmpty()) {
      b.append("<p id=\"no-passkeys\">You have no passkey yet.</p>");
    } else {
      b.append("<ul class=\"votes\" id=\"passkeys\">");
      for (EnrolledPasskey p : mine) {
        b.append("<li class=\"mono\" data-credential-id=\"").append(esc(p.credentialId())).append("\">")
            .append(esc(ReviewerPasskeys.shortId(p.credentialId()))).append(" <span class=\"muted small\">enrolled ")
            .append(esc(WHEN.format(p.enrolledAt()))).append("</span></li>");
      }
      b.append("</ul>");
    }
    b.append("<form method=\"post\" class=\"stack\" id=\"enrol-form\" action=\"").append(esc(page.base() + "/x/" + NAME + "/register"))
        .append('"')
        .append(attr("data-challenge", challenge))
        .append(attr("data-rp-id", passkeys.rpId()))
        .append(attr("data-rp-name", passkeys.rpName()))
        .append(attr("data-user-id", PasskeyAssertion.encode(WebAuthnSupport.userHandle(reviewer.id()))))
        .append(attr("data-user-name", reviewer.id()))
        .append(attr("data-user-verification", passkeys.userVerification() ? "required" : "preferred"))
        .append(attr("data-exclude", mine.stream().map(EnrolledPasskey::credentialId).collect(Collectors.joining(","))))
        .append('>')
        .append("<input type=\"hidden\" name=\"csrf\" value=\"").append(esc(page.csrfToken())).append("\">")
        .append("<input type=\"hidden\" name=\"challenge\" value=\"").append(esc(challenge)).append("\">")
        .append("<button class=\"btn primary\" id=\"enrol\" type=\"submit\">Add a passkey</button></form>")
        .append("<p class=\"small muted\" id=\"passkey-status\" role=\"status\"></p></section>");
    return b.toString();
  }

  private static String attr(String name, String value) {
    return " " + name + "=\"" + esc(value) + "\"";
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static String shorten(String s) {
    String t = s.replaceAll("[^A-Za-z0-9 .:_-]", "?");
    return t.length() > 120 ? t.substring(0, 120) + "\u2026" : t;
  }

  /**
   * HTML-escapes text for element content and quoted attributes, keeping every character
   * ({@link Escape#htmlExact}): a raw CR would be normalized away by the HTML parser and change the
   * signed text.
   */
  static String esc(String s) {
    return Escape.htmlExact(s);
  }
}

package io.countersign.governance.report;

import java.util.List;

/**
 * What the verifier concluded about the trail a report is built from; the report states it first,
 * because figures from a trail that does not verify are not evidence.
 *
 * @param verified true only if every event verified (hash chain and Ed25519 signatures with the
 *     given keys): the verifier's status was INTACT or OPEN
 * @param status the verifier's status ({@code INTACT}, {@code OPEN}, {@code UNSIGNED_TAIL}, {@code TAMPERED})
 * @param summary the verifier's one-line summary
 * @param eventsChecked events that passed every check
 * @param firstBadSeq the first sequence number that failed, or 0 if verified
 * @param reason why the trail is not intact (or not closed), or {@code null}
 * @param signatureMode how events were signed ({@code per-event}, {@code checkpoint}, {@code mixed})
 * @param signaturesVerified Ed25519 signatures that verified
 * @param keyIds key ids whose signatures verified
 * @param closed whether the trail ends with a verified closing checkpoint
 * @param lastSeq the last sequence number that verified (compare it with an independently kept head)
 * @param files the log files read, in chain order
 * @param notes observations that are not failures (torn tails set aside, keys matched by signature, stray files)
 */
public record Verification(boolean verified, String status, String summary, long eventsChecked, long firstBadSeq,
    String reason, String signatureMode, long signaturesVerified, List<String> keyIds, boolean closed, long lastSeq,
    List<String> files, List<String> notes) {

  /** Copies the lists. */
  public Verification {
    keyIds = List.copyOf(keyIds);
    files = List.copyOf(files);
    notes = List.copyOf(notes);
  }
}

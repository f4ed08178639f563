-- Countersign audit log in PostgreSQL, schema version 3 (written by PostgresAuditSink).
-- One row per audit event. `line` is the record: the event in canonical JSON exactly as it was
-- hashed and signed (text, not jsonb, which would reorder keys and break the canonical form).
-- The other columns are copied from it for queries only; the verifier reads `line` alone.
-- A chain is one hash chain with one writer at a time (a session advisory lock held by the sink).

CREATE TABLE countersign_audit_event (
  chain       text        NOT NULL CHECK (chain <> ''),
  seq         bigint      NOT NULL CHECK (seq >= 1),
  type        text        NOT NULL,
  request_id  text,
  line        text        NOT NULL,
  written_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain, seq)
);

CREATE INDEX countersign_audit_event_request ON countersign_audit_event (request_id) WHERE request_id IS NOT NULL;

-- append-only for every ordinary writer; the hash chain still exposes whoever bypasses this
-- (a superuser disabling triggers): the verifier reports the first changed or missing seq
CREATE FUNCTION countersign_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'countersign: the audit log is append-only (% on countersign_audit_event refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER countersign_audit_append_only BEFORE UPDATE OR DELETE ON countersign_audit_event
  FOR EACH ROW EXECUTE FUNCTION countersign_audit_append_only();
CREATE TRIGGER countersign_audit_no_truncate BEFORE TRUNCATE ON countersign_audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_audit_append_only();

-- Countersign request store, schema version 1.
-- The gate's rules run in Java; these constraints make the database refuse what the rules forbid
-- even if another writer (a bug, a hand-written UPDATE) tries it.

CREATE TABLE countersign_instance (
  id            text        PRIMARY KEY,
  started_at    timestamptz NOT NULL DEFAULT now(),
  heartbeat_at  timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE countersign_change_seq;
CREATE SEQUENCE countersign_fencing_seq;

CREATE TABLE countersign_request (
  id              text        PRIMARY KEY,
  request         jsonb       NOT NULL,              -- the ApprovalRequest as reviewers saw it
  state           text        NOT NULL DEFAULT 'PENDING'
                  CHECK (state IN ('PENDING','APPROVED','REJECTED','EXPIRED','CANCELLED','FAILED','ABANDONED')),
  created_at      timestamptz NOT NULL,
  deadline        timestamptz NOT NULL,
  decided_at      timestamptz,
  outcome_reason  text,
  owner_instance  text,                               -- whose caller waits; NULL for deferred requests
  change_seq      bigint      NOT NULL,               -- grows on every change: what pollers follow
  deferred_call   jsonb,                              -- the persisted invocation (mode DEFERRED)
  exec_state      text CHECK (exec_state IN ('WAITING','RUNNING','EXECUTED','FAILED','OUTCOME_UNKNOWN')),
  exec_instance   text,
  fencing_token   bigint,
  exec_detail     text,
  exec_started_at timestamptz,
  exec_finished_at timestamptz,
  CHECK ((state = 'PENDING') = (decided_at IS NULL)),
  CHECK (exec_state IS NULL OR (deferred_call IS NOT NULL AND state = 'APPROVED')),
  CHECK (owner_instance IS NULL OR deferred_call IS NULL)
);

CREATE INDEX countersign_request_pending ON countersign_request (created_at) WHERE state = 'PENDING';
CREATE INDEX countersign_request_change ON countersign_request (change_seq);
CREATE INDEX countersign_request_exec ON countersign_request (exec_state) WHERE exec_state IN ('WAITING','RUNNING');

CREATE TABLE countersign_vote (
  seq          bigserial   PRIMARY KEY,
  request_id   text        NOT NULL REFERENCES countersign_request (id),
  reviewer_id  text        NOT NULL,
  decision     text        NOT NULL CHECK (decision IN ('APPROVE','DENY')),
  reason       text,
  channel      text,
  voted_at     timestamptz NOT NULL
);

-- one approval per reviewer per request: a person counts once towards the quorum
-- (a reviewer who approved may still veto with a deny, which ends the request)
CREATE UNIQUE INDEX countersign_vote_one_approval ON countersign_vote (request_id, reviewer_id) WHERE decision = 'APPROVE';
CREATE INDEX countersign_vote_request ON countersign_vote (request_id, seq);

-- terminal states never change; a deferred execution never goes back to WAITING or leaves its outcome
CREATE FUNCTION countersign_request_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.state <> 'PENDING' AND (NEW.state IS DISTINCT FROM OLD.state
      OR NEW.decided_at IS DISTINCT FROM OLD.decided_at
      OR NEW.outcome_reason IS DISTINCT FROM OLD.outcome_reason) THEN
    RAISE EXCEPTION 'countersign: request % is % and terminal states never change', OLD.id, OLD.state
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.request IS DISTINCT FROM OLD.request OR NEW.deferred_call IS DISTINCT FROM OLD.deferred_call THEN
    RAISE EXCEPTION 'countersign: request % content is immutable', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.exec_state IN ('EXECUTED','FAILED','OUTCOME_UNKNOWN') AND NEW.exec_state IS DISTINCT FROM OLD.exec_state THEN
    RAISE EXCEPTION 'countersign: deferred request % already ended as %', OLD.id, OLD.exec_state
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.exec_state = 'RUNNING' AND NEW.exec_state IN ('WAITING','RUNNING') AND NEW.fencing_token IS DISTINCT FROM OLD.fencing_token THEN
    RAISE EXCEPTION 'countersign: deferred request % is running and is never claimed again', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER countersign_request_guard BEFORE UPDATE ON countersign_request
  FOR EACH ROW EXECUTE FUNCTION countersign_request_guard();

-- votes are counted only while pending, and never edited or removed
CREATE FUNCTION countersign_vote_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  current_state text;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'countersign: votes are never changed or removed' USING ERRCODE = 'check_violation';
  END IF;
  SELECT state INTO current_state FROM countersign_request WHERE id = NEW.request_id;
  IF current_state IS DISTINCT FROM 'PENDING' THEN
    RAISE EXCEPTION 'countersign: request % is %; votes are counted only while pending', NEW.request_id, current_state
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER countersign_vote_guard BEFORE INSERT OR UPDATE OR DELETE ON countersign_vote
  FOR EACH ROW EXECUTE FUNCTION countersign_vote_guard();

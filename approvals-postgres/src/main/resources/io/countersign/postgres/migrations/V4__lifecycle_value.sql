-- Countersign request store, schema version 4: the row holds the request's whole lifecycle value.
-- The gate's one transition function counts approvals (per quorum clause) and marks the
-- escalation; the store persists what it returns and never counts. Existing rows (0.x) keep a
-- one-clause progress of 0: migrating them is not supported.

ALTER TABLE countersign_request
  ADD COLUMN progress  integer[] NOT NULL DEFAULT '{0}' CHECK (0 <= ALL (progress) AND cardinality(progress) >= 1),
  ADD COLUMN escalated boolean   NOT NULL DEFAULT false;

-- terminal states never change (now including their counts and escalation); the rest as before
CREATE OR REPLACE FUNCTION countersign_request_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.state <> 'PENDING' AND (NEW.state IS DISTINCT FROM OLD.state
      OR NEW.decided_at IS DISTINCT FROM OLD.decided_at
      OR NEW.outcome_reason IS DISTINCT FROM OLD.outcome_reason
      OR NEW.progress IS DISTINCT FROM OLD.progress
      OR NEW.escalated IS DISTINCT FROM OLD.escalated) THEN
    RAISE EXCEPTION 'countersign: request % is % and terminal states never change', OLD.id, OLD.state
      USING ERRCODE = 'check_violation';
  END IF;
  IF cardinality(NEW.progress) <> cardinality(OLD.progress) THEN
    RAISE EXCEPTION 'countersign: request % has % quorum clauses, not %', OLD.id, cardinality(OLD.progress), cardinality(NEW.progress)
      USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(OLD.progress, NEW.progress) AS p(o, n) WHERE n < o) THEN
    RAISE EXCEPTION 'countersign: request % approvals never decrease', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.escalated AND NOT NEW.escalated THEN
    RAISE EXCEPTION 'countersign: request % escalation is never undone', OLD.id USING ERRCODE = 'check_violation';
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

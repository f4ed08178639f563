-- Countersign request store, schema version 2: synchronous calls record their execution too.
-- A synchronous request's row now says whether its approved call started (RUNNING, with the
-- executing instance), ended (EXECUTED / FAILED), or never ran because the instance whose caller
-- waited died after the approval (FAILED, set by a live instance). Without this a request APPROVED
-- just before its instance died would look exactly like one that ran.

DO $$
DECLARE
  name text;
BEGIN
  SELECT conname INTO name FROM pg_constraint
   WHERE conrelid = 'countersign_request'::regclass AND contype = 'c'
     AND pg_get_constraintdef(oid) LIKE '%deferred_call IS NOT NULL%state%APPROVED%';
  IF name IS NOT NULL THEN
    EXECUTE format('ALTER TABLE countersign_request DROP CONSTRAINT %I', name);
  END IF;
END $$;

ALTER TABLE countersign_request
  ADD CONSTRAINT countersign_request_exec_after_approval CHECK (exec_state IS NULL OR state = 'APPROVED'),
  ADD CONSTRAINT countersign_request_waiting_is_deferred CHECK (exec_state IS DISTINCT FROM 'WAITING' OR deferred_call IS NOT NULL);

-- synchronous requests approved before this version: whether they ran is in the audit trail, not here
UPDATE countersign_request SET exec_state = 'OUTCOME_UNKNOWN',
       exec_detail = 'approved before schema version 2, which started recording synchronous executions; see the audit trail'
 WHERE state = 'APPROVED' AND deferred_call IS NULL AND exec_state IS NULL;

CREATE INDEX countersign_request_sync_unstarted ON countersign_request (decided_at)
  WHERE state = 'APPROVED' AND deferred_call IS NULL AND exec_state IS NULL;

-- The read path (PEMS -> mirror): where each organization's pull stands, and local changes whose
-- base PEMS has moved past.

-- One row per organization that has been pulled. `watermark` is the largest updatedAt stored so
-- far: the next run asks PEMS for changes at or after it (inclusive, so records sharing that
-- instant are read again rather than lost; storing an equal version is a no-op). `run_since` and
-- `cursor` exist only while a run is under way: the updatedSince the run started with and the
-- nextCursor after its last stored page, so a run that died resumes where it stopped. Both are
-- written in the transaction that stores the page, so a page is either stored and passed, or
-- neither.
CREATE TABLE read_sync_state (
    organization_id bigint PRIMARY KEY REFERENCES organization (id),
    watermark       timestamptz,
    run_since       timestamptz,
    cursor          text CHECK (length(cursor) <= 4000),
    run_started_at  timestamptz,
    last_run_at     timestamptz,
    last_error      text CHECK (length(last_error) <= 4000),
    records_pulled  bigint NOT NULL DEFAULT 0 CHECK (records_pulled >= 0)
);

-- A pending local change (draft … failed, not yet synced) whose base_version is older than the
-- version a pull just stored: set by the read path at once, for the badge and the worker's
-- conflict check. It clears itself when the change is rebased onto the mirror's version or leaves
-- the pending states (trigger below), so no writer of pfa_modification has to know about it.
ALTER TABLE pfa_modification ADD COLUMN stale_at timestamptz;

CREATE INDEX pfa_modification_stale_idx ON pfa_modification (organization_id, pfa_id)
    WHERE stale_at IS NOT NULL;

CREATE FUNCTION pfa_modification_clear_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.sync_status IN ('synced', 'discarded')
       OR NEW.base_version >= COALESCE((SELECT mi.version FROM pfa_mirror mi
                                         WHERE mi.organization_id = NEW.organization_id
                                           AND mi.pfa_id = NEW.pfa_id), 0) THEN
        NEW.stale_at := NULL;
    END IF;
    RETURN NEW;
END;
$$;

-- Only rows that are flagged pay for the check.
CREATE TRIGGER pfa_modification_clear_stale
    BEFORE UPDATE ON pfa_modification
    FOR EACH ROW WHEN (OLD.stale_at IS NOT NULL)
    EXECUTE FUNCTION pfa_modification_clear_stale();
